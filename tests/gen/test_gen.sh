#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfwatch-gen end to end:
#  - the small and sampled scenarios, written to captures, decode with
#    nfwatch-query to exactly the records, datagrams, bytes and packets the
#    truth file promises per exporter, with no drop and no sequence loss,
#    and record for record to the generator's --expect list (key, counts,
#    times, end reason, exporter, rate);
#  - tshark decodes them with no malformed packet, and its raw NetFlow / IPFIX
#    sums times the sampling rate equal the truth;
#  - the truth file labels every attack and look-alike of the scenario;
#  - output is deterministic for a seed, and another seed changes it;
#  - --send to a loopback port delivers every datagram, one source per
#    exporter;
#  - --bulk: every record decodes; the uniform mix spreads flows evenly, the
#    site mix by popularity (Zipf, s = 1: the top host ~1/H(65536) = 8.5 % of
#    flows) and by the service mix (443 ~62 %);
#  - bad scenarios and non-loopback destinations are refused with a message.
#
# usage: test_gen.sh NFWATCH_GEN NFWATCH_QUERY UDPSINK
set -uo pipefail
gen=$1 query=$2 sink=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

compare() { # scenario capture truth: nfwatch-query against the truth, per exporter
	"$query" -r "$2" -o csv >"$work/recs.csv" && "$query" -q --stats=json -r "$2" >"$work/stats.json" &&
	python3 - "$3" "$work/stats.json" "$work/recs.csv" <<'PY'
import csv, json, sys
truth, stats = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t = stats['total']
assert t['dropped_total'] == 0 and t['decoded'] == t['datagrams'], t
assert t['seq_lost'] == 0 and t['seq_restarts'] == 0, t
assert t['sets_pending'] == 0 and sum(t['set_dropped'].values()) == 0, t
sums = {}
for r in csv.DictReader(open(sys.argv[3])):
    s = sums.setdefault(r['exporter'], [0, 0, 0])
    s[0] += 1; s[1] += int(r['packets']); s[2] += int(r['bytes'])
for e in truth['exporters']:
    q = [x for x in stats['exporters'] if x['addr'] == e['addr']]
    assert len(q) == 1, e['addr']
    q = q[0]
    assert q['datagrams'] == e['datagrams'], (e['name'], q['datagrams'], e['datagrams'])
    assert q['records'] == e['records'], (e['name'], q['records'], e['records'])
    assert sums[e['addr']] == [e['records'], e['packets'], e['bytes']], (e['name'], sums[e['addr']], e)
    if e['sampling'] > 1:
        assert q['sampling'] == e['sampling'] and q['rate_unknown_records'] == 0, (e['name'], q)
print('per-exporter totals match the truth:', {e['name']: e['records'] for e in truth['exporters']})
PY
}

tshark_check() { # capture truth
	command -v tshark >/dev/null || { echo "SKIP tshark part: not installed"; return 0; }
	local bad
	bad=$(tshark -r "$1" -Y _ws.malformed 2>/dev/null | wc -l)
	[ "$bad" -eq 0 ] || { echo "tshark: $bad malformed packets"; return 1; }
	tshark -r "$1" -Y cflow -T fields -E occurrence=a -e ip.src -e cflow.octets -e cflow.packets \
		2>/dev/null | awk -F'\t' '{ n[$1] += split($2, a, ","); for (i in a) b[$1] += a[i];
			split($3, c, ","); for (i in c) p[$1] += c[i] }
			END { for (k in n) printf "%s %d %d %d\n", k, n[k], p[k], b[k] }' >"$work/tshark.txt"
	python3 - "$2" "$work/tshark.txt" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
ts = {l.split()[0]: list(map(int, l.split()[1:])) for l in open(sys.argv[2]) if l.strip()}
for e in truth['exporters']:
    if e['version'] == 'sflow':
        continue
    n, p, b = ts[e['addr']]
    r = e['sampling']
    assert n == e['records'] and p * r == e['packets'] and b * r == e['bytes'], (e['name'], ts[e['addr']], e)
print('tshark agrees on', len(ts), 'NetFlow/IPFIX exporters')
PY
}

for sc in small sampled; do
	"$gen" --scenario $sc --out "$work/$sc.pcap" --truth "$work/$sc.json" --expect "$work/$sc.csv" 2>"$work/gen.err"
	check "generate $sc" $?
	compare $sc "$work/$sc.pcap" "$work/$sc.json"
	check "$sc: nfwatch-query equals the truth" $?
	python3 - "$work/$sc.csv" "$work/recs.csv" <<'PY'
import csv, sys
from collections import Counter
def load(p):
    rows = Counter()
    for r in csv.DictReader(open(p)):
        k = [r[c] for c in ('proto', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'tcp_flags', 'packets',
                            'bytes', 'exporter', 'sampling', 'next_hop', 'in_if', 'out_if')]
        if r['version'] != '5005':  # sFlow records carry the collector's arrival time
            k += [r['start'], r['end'], r['end_reason']]
        rows[tuple(k)] += 1
    return rows
want, got = load(sys.argv[1]), load(sys.argv[2])
missing, extra = want - got, got - want
for k in list(missing)[:3]: print('missing', k)
for k in list(extra)[:3]: print('extra  ', k)
assert not missing and not extra, (sum(missing.values()), sum(extra.values()))
print('record for record: %d records equal' % sum(want.values()))
PY
	check "$sc: the same records" $?
	tshark_check "$work/$sc.pcap" "$work/$sc.json"
	check "$sc: tshark" $?
done

# the labels of the small scenario
python3 - "$work/small.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
types = sorted((l['type'], l['malicious']) for l in t['labels'])
want = sorted([('port_scan', True), ('volumetric', True), ('beaconing', True), ('exfiltration', True),
               ('dns_tunneling', True), ('lateral_movement', True), ('saas_keepalive', False),
               ('backup', False)])
assert types == want, types
b = [l for l in t['labels'] if l['type'] == 'beaconing'][0]
assert b['src'] == '10.20.4.7' and b['dst'] == '198.51.100.23' and b['dst_port'] == 443 and b['proto'] == 'tcp'
assert b['id'] == 'beaconing-10.20.4.7-198.51.100.23-443-tcp' and b['period_s'] == 30
# one beacon every 30 s +-10 % over 30 min, none before the start
assert 55 <= b['conversations'] <= 62, b['conversations']
v = [l for l in t['labels'] if l['type'] == 'volumetric'][0]
assert v['src'] is None and v['dst'] == '10.20.80.10' and v['sources'] == 500
assert t['start'] == '2026-01-15T12:00:00Z' and t['end'] == '2026-01-15T12:30:00Z'
print('labels as expected')
PY
check "small: labels" $?

# deterministic for a seed; another seed differs
"$gen" --scenario small --out "$work/again.pcap" 2>/dev/null
cmp -s "$work/small.pcap" "$work/again.pcap"
check "same seed, same bytes" $?
"$gen" --scenario small --seed 7 --out "$work/seed7.pcap" 2>/dev/null
! cmp -s "$work/small.pcap" "$work/seed7.pcap"
check "another seed differs" $?

# live over loopback, paced
port=$((30000 + $$ % 20000))
"$sink" "$work/live.pcap" $port 1500 60 >"$work/sink.out" 2>&1 &
sp=$!
for _ in $(seq 50); do grep -q READY "$work/sink.out" 2>/dev/null && break; sleep 0.1; done
"$gen" --scenario small --send 127.0.0.1:$port --pps 20000 --max-seconds 60 --truth "$work/live.json" 2>/dev/null
check "send" $?
wait $sp
python3 - "$work/live.json" "$query" "$work/live.pcap" <<'PY'
import json, subprocess, sys
truth = json.load(open(sys.argv[1]))
st = json.loads(subprocess.run([sys.argv[2], '-q', '--stats=json', '-r', sys.argv[3]],
                               capture_output=True, check=True).stdout)
assert st['total']['datagrams'] == truth['totals']['datagrams'], (st['total']['datagrams'], truth['totals'])
assert st['total']['records'] == truth['totals']['records']
addrs = sorted(e['addr'] for e in st['exporters'])
assert addrs == ['127.0.1.1', '127.0.1.2', '127.0.1.3'], addrs
print('live: %d datagrams, %d records from 3 loopback exporters' % (st['total']['datagrams'], st['total']['records']))
PY
check "send: every datagram arrived" $?

# bulk line-rate streams, both mixes
for mix in uniform site; do
	"$gen" --bulk 40000 --format v9 --mix $mix --out "$work/bulk-$mix.pcap" &&
	"$query" -r "$work/bulk-$mix.pcap" -o csv >"$work/bulk-$mix.csv"
	check "bulk $mix written and read" $?
done
python3 - "$work/bulk-uniform.csv" "$work/bulk-site.csv" <<'PY'
import collections, csv, sys
def load(p):
    rows = list(csv.DictReader(open(p)))
    return (rows, collections.Counter(r['src_ip'] for r in rows), collections.Counter(r['dst_ip'] for r in rows),
            collections.Counter(r['dst_port'] for r in rows))
u, s = load(sys.argv[1]), load(sys.argv[2])
assert len(u[0]) == 40000 and len(s[0]) == 40000, (len(u[0]), len(s[0]))
assert u[1].most_common(1)[0][1] < 20 and len(u[2]) == 256, (u[1].most_common(1), len(u[2]))
assert all(4200 < c < 5800 for c in u[3].values()) and len(u[3]) == 8, u[3]
top = s[1].most_common(1)[0][1] / 40000
assert 0.075 < top < 0.095, top
assert all(r['src_ip'].startswith('10.0.') and r['dst_ip'].startswith('198.1') for r in s[0])
assert 0.59 < s[3]['443'] / 40000 < 0.65, s[3]
assert 0.075 < s[2].most_common(1)[0][1] / 40000 < 0.095 and len(s[2]) > 5000, len(s[2])
print('bulk: uniform top source %d flows; site top source %.1f %%, %d destinations' % (u[1].most_common(1)[0][1], 100 * top, len(s[2])))
PY
check "bulk: the mixes as documented" $?
"$gen" --bulk 10 --mix zipf --out "$work/x.pcap" 2>"$work/err"; rc=$?
check "unknown mix refused (exit $rc)" $([ $rc -eq 2 ] && grep -q "uniform or site" "$work/err"; echo $?)

# refusals
echo '{"exporters": [{"version": "v7", "addr": "192.0.2.1"}], "behaviours": []}' >"$work/bad.json"
"$gen" --scenario "$work/bad.json" --out "$work/x.pcap" 2>"$work/err"; rc=$?
check "bad version refused (exit $rc)" $([ $rc -eq 2 ] && grep -q 'exporters\[0\]: "version"' "$work/err"; echo $?)
echo '{"exporters": [{"version": "v9", "addr": "192.0.2.1"}], "behaviours": [{"type": "beacon", "src": "10.0.0.1"}]}' >"$work/bad2.json"
"$gen" --scenario "$work/bad2.json" --out "$work/x.pcap" 2>"$work/err"; rc=$?
check "missing field named (exit $rc)" $([ $rc -ne 0 ] && grep -q '"dst" must be an IP address' "$work/err"; echo $?)
"$gen" --scenario small --send 192.0.2.100:2055 2>"$work/err"; rc=$?
check "non-loopback refused (exit $rc)" $([ $rc -ne 0 ] && grep -q "only goes to loopback" "$work/err"; echo $?)
"$gen" --scenario nosuch --out "$work/x.pcap" 2>"$work/err"; rc=$?
check "unknown scenario (exit $rc)" $([ $rc -eq 2 ] && grep -q "not a built-in scenario" "$work/err"; echo $?)

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
