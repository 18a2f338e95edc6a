#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The appliance on virtual devices, no NIC needed:
#  1. net_pcap, 3 worker lcores on 2 CPUs (--lcores), full mode: per exporter,
#     the records, bytes and packets equal nfwatch-query's on the same file;
#     rx = skipped + denied + datagrams, datagrams = decoded + dropped,
#     records = own shard + enqueued + ring full, and every enqueued record
#     was dequeued; the segments read back hold every byte and packet.
#     The detectors find the same on the segments as on the capture.
#     With --findings / --report, the appliance's own detectors find the same
#     as the offline tool (the steady beacon at 1:100 among them), streaming
#     each finding as it is raised.
#  2. the exporter allow-list denies, and counts, everything else.
#  3. SIGINT: a clean stop, exit 0, summary written, nothing lost.
#  4. the kernel path: net_af_packet on a veth whose peer sits in a network
#     namespace this test makes, tcpreplay sending from the peer.
#
# usage: test_appliance.sh NFWATCH NFWATCH_GEN NFWATCH_QUERY
set -uo pipefail
app=$1 gen=$2 query=$3
work=$(mktemp -d)
ns=nfwt$$
cleanup() {
	ip netns del $ns 2>/dev/null || true
	ip link del nfwa$$ 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
eal=(--no-huge -m 768 --no-pci --no-shconf --log-level=4)

"$gen" --scenario sampled --out "$work/in.pcap" 2>/dev/null
"$query" -q --stats=json -r "$work/in.pcap" >"$work/q.json"
"$query" -r "$work/in.pcap" -o csv >"$work/q.csv"

verify() { # summary.json [segments dir]
	python3 - "$1" "$work/q.json" "$work/q.csv" "${2:-}" "$query" <<'PY'
import csv, json, subprocess, sys
s, q = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = s['totals']
# accounting
assert t['rx_pkts'] == sum(t['skipped'].values()) + t['denied'] + t['datagrams'], t
assert t['datagrams'] == t['decoded'] + t['dropped_total'], t
assert t['records'] == t['own_shard'] + t['enqueued'] + t['ring_full'], t
assert t['ring_full'] == 0 and t['dequeued'] == t['enqueued'], t
assert s['ports'][0]['rx_pkts'] == t['rx_pkts']
# the same as nfwatch-query, per exporter
sums = {}
for r in csv.DictReader(open(sys.argv[3])):
    k = (r['exporter'], int(r['exporter_port']))
    v = sums.setdefault(k, [0, 0, 0]); v[0] += 1; v[1] += int(r['bytes']); v[2] += int(r['packets'])
got = {(e['addr'], e['port']): [e['records'], e['bytes'], e['packets']] for e in s['exporters']}
assert got == sums, (got, sums)
assert t['records'] == q['total']['records'] and t['datagrams'] == q['total']['datagrams']
# flows: every record is in exactly one closed flow
f = s['flows']
assert f['records'] == t['records'] and f['active'] == 0, f
assert sum(f['closed'].values()) == f['created'], f
if sys.argv[4]:
    seg = json.load(open(sys.argv[4] + '.json'))
    assert seg['segments']['bad_blocks'] == 0 and seg['segments']['flows'] == s['segments']['records'], seg
    assert s['segments']['records'] == sum(f['closed'].values())
    rows = list(csv.DictReader(open(sys.argv[4] + '.csv')))
    assert sum(int(r['bytes']) for r in rows) == sum(v[1] for v in sums.values())
    assert sum(int(r['packets']) for r in rows) == sum(v[2] for v in sums.values())
print('ok: %d datagrams, %d records, %d flows, %d exporters, %d records over the rings' %
      (t['datagrams'], t['records'], sum(f['closed'].values()), len(got), t['enqueued']))
PY
}

# 1. net_pcap, 3 workers on 2 CPUs, full mode
timeout 120 "$app" --lcores '0@0,1@1,2@1,3@1' "${eal[@]}" --file-prefix nfwt1-$$ \
	--vdev "net_pcap0,rx_pcap=$work/in.pcap" -- --mode full --duration 4 \
	--segments "$work/segs" --summary-json "$work/s1.json" >"$work/a1.log" 2>&1
check "appliance run (exit $?)" $?
"$query" -r "$work/segs" -q --stats=json >"$work/segs.json" && "$query" -r "$work/segs" -o csv >"$work/segs.csv"
verify "$work/s1.json" "$work/segs"
check "net_pcap: totals, accounting, segments" $?
# the detectors on the appliance's segments find what they find on the capture
"$query" -q -r "$work/segs" --report "$work/rep_segs.json" 2>/dev/null &&
"$query" -q -r "$work/in.pcap" --report "$work/rep_cap.json" 2>/dev/null &&
python3 -c 'import json,sys; a=sorted(f["id"] for f in json.load(open(sys.argv[1]))["findings"]); b=sorted(f["id"] for f in json.load(open(sys.argv[2]))["findings"]); assert a == b and a, (a, b); print("ok: the same %d findings from the segments" % len(a))' "$work/rep_segs.json" "$work/rep_cap.json"
check "findings from segments equal findings from the capture" $?

# the detectors in the appliance: findings streamed as they come, the report at exit
timeout 120 "$app" --lcores '0@0,1@1,2@1' "${eal[@]}" --file-prefix nfwt5-$$ \
	--vdev "net_pcap0,rx_pcap=$work/in.pcap" -- --mode flow --duration 5 --epoch 1 \
	--findings "$work/findings.ndjson" --report "$work/rep_app.json" --summary-json "$work/s5.json" >/dev/null 2>&1
python3 - "$work/rep_app.json" "$work/rep_cap.json" "$work/findings.ndjson" "$work/s5.json" <<'PY'
import json, sys
a = sorted(f['id'] for f in json.load(open(sys.argv[1]))['findings'])
b = sorted(f['id'] for f in json.load(open(sys.argv[2]))['findings'])
assert a == b and a, (a, b)
assert 'beaconing-10.20.4.21-198.51.100.31-8443-tcp' in a, a  # at 1:100, by the phase test on the workers
streamed = [json.loads(l) for l in open(sys.argv[3])]
assert {f['id'] for f in streamed} == set(a), ('every finding streamed', {f['id'] for f in streamed} ^ set(a))
t = json.load(open(sys.argv[4]))
assert t['totals']['detect_full'] == 0 and t['totals']['to_detect'] == sum(t['flows']['closed'].values())
print('ok: the appliance found %d, the same as offline; %d lines streamed' % (len(a), len(streamed)))
PY
check "appliance detection: streamed findings and the report equal offline" $?

# 2. allow-list: only the v9 exporter
timeout 120 "$app" -l 0-1 "${eal[@]}" --file-prefix nfwt2-$$ --vdev "net_pcap0,rx_pcap=$work/in.pcap" \
	-- --mode decode --duration 3 --allow 192.0.2.1/32 --summary-json "$work/s2.json" >/dev/null 2>&1
python3 - "$work/s2.json" "$work/q.json" <<'PY'
import json, sys
s, q = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = s['totals']
v9 = [e for e in q['exporters'] if e['addr'] == '192.0.2.1'][0]
assert t['datagrams'] == v9['datagrams'] and t['denied'] == q['total']['datagrams'] - v9['datagrams'], t
assert [e['addr'] for e in s['exporters']] == ['192.0.2.1'], s['exporters']
print('ok: allowed %d, denied %d' % (t['datagrams'], t['denied']))
PY
check "allow-list" $?

# 3. SIGINT: clean stop
# (timeout: bounded even if this script dies; it passes SIGINT on to the appliance)
timeout 120 "$app" -l 0-1 "${eal[@]}" --file-prefix nfwt3-$$ --vdev "net_pcap0,rx_pcap=$work/in.pcap" -- \
	--mode full --segments "$work/segs3" --summary-json "$work/s3.json" >"$work/a3.log" 2>&1 &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
"$query" -r "$work/segs3" -q --stats=json >"$work/segs3.json" && "$query" -r "$work/segs3" -o csv >"$work/segs3.csv"
[ $rc -eq 0 ] && verify "$work/s3.json" "$work/segs3"
check "SIGINT: clean stop, exit $rc, nothing lost" $?

# 4. the kernel path: af_packet on a veth, tcpreplay from a namespace
if ip netns add $ns 2>/dev/null && command -v tcpreplay >/dev/null; then
	ip link add nfwa$$ type veth peer name nfwb$$ &&
	ip link set nfwb$$ netns $ns &&
	ip link set nfwa$$ up && ip -n $ns link set nfwb$$ up && ip -n $ns link set lo up
	"$gen" --scenario small --out "$work/small.pcap" 2>/dev/null
	"$query" -q --stats=json -r "$work/small.pcap" >"$work/qs.json"
	timeout 120 "$app" -l 0-1 "${eal[@]}" --file-prefix nfwt4-$$ --vdev "net_af_packet0,iface=nfwa$$" -- \
		--mode flow --summary-json "$work/s4.json" >"$work/a4.log" 2>&1 &
	pid=$!
	sleep 3
	ip netns exec $ns timeout 60 tcpreplay -q -i nfwb$$ --pps 4000 "$work/small.pcap" >"$work/tr.log" 2>&1
	sleep 2
	kill -INT $pid
	wait $pid
	python3 - "$work/s4.json" "$work/qs.json" <<'PY'
import json, sys
s, q = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = s['totals']
assert t['rx_pkts'] == sum(t['skipped'].values()) + t['denied'] + t['datagrams'], t
# the kernel may add its own frames (IPv6 neighbour discovery): counted as skipped
assert t['datagrams'] == q['total']['datagrams'] and t['records'] == q['total']['records'], (t, q['total'])
assert t['dropped_total'] == 0
print('ok: af_packet on a veth: %d frames, %d datagrams, %d records, skipped %s' %
      (t['rx_pkts'], t['datagrams'], t['records'], t['skipped']))
PY
	check "af_packet on a veth" $?
else
	echo "SKIP af_packet part: no network namespaces or tcpreplay here"
fi

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
