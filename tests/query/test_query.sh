#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfwatch-query as a user runs it: every output format on the demo capture
# (exact record counts, JSON that parses, CSV columns), --stats=json totals
# that balance, and clear errors with exit codes for bad arguments, missing
# files and a capture cut in the middle of a frame.
#
# usage: test_query.sh NFWATCH_GEN NFWATCH_QUERY
set -uo pipefail
gen=$1 query=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() { # name, condition result (0 ok)
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}

"$gen" --demo --out "$work/demo.pcap"
# the demo is deterministic: 8183 records from 4 exporters
n=$("$query" -r "$work/demo.pcap" -o ndjson | wc -l)
check "ndjson lines ($n)" $([ "$n" -eq 8183 ]; echo $?)
python3 - "$work/demo.pcap" "$query" <<'PY'
import json, subprocess, sys
cap, q = sys.argv[1], sys.argv[2]
recs = json.loads(subprocess.run([q, '-r', cap, '-o', 'json'], capture_output=True, check=True).stdout)
assert len(recs) == 8183, len(recs)
need = {'src_ip', 'dst_ip', 'src_port', 'dst_port', 'protocol', 'bytes', 'packets', 'start', 'end',
        'exporter', 'sampling', 'rate_unknown'}
assert need <= set(recs[0]), need - set(recs[0])
st = json.loads(subprocess.run([q, '-q', '-r', cap, '--stats=json'], capture_output=True, check=True).stdout)
t = st['total']
assert t['records'] == 8183 and t['datagrams'] == t['decoded'] + t['dropped_total']
assert len(st['exporters']) == 4
assert sorted(e['version'] for e in st['exporters']) == ['ipfix', 'sflow5', 'v5', 'v9']
assert sum(e['records'] for e in st['exporters']) == t['records']
# sums of bytes agree between json and the stats' sampled view
v9 = [e for e in st['exporters'] if e['version'] == 'v9'][0]
assert v9['sampling'] == 10 and v9['sampled_records'] == v9['records']
assert st['capture']['frames'] == st['capture']['payloads'] == t['datagrams']
PY
check "json and stats" $?
hdr=$("$query" -r "$work/demo.pcap" -o csv | head -1 | tr ',' '\n' | wc -l)
check "csv columns ($hdr)" $([ "$hdr" -eq 24 ]; echo $?)
lines=$("$query" -r "$work/demo.pcap" | wc -l)
check "line output ($lines)" $([ "$lines" -eq 8184 ]; echo $?)

# filters: the same records an independent predicate picks out of the full JSON
python3 - "$work/demo.pcap" "$query" <<'PY'
import ipaddress, json, subprocess, sys
cap, q = sys.argv[1], sys.argv[2]
recs = json.loads(subprocess.run([q, '-r', cap, '-o', 'json'], capture_output=True, check=True).stdout)
def run(*expr):
    out = subprocess.run([q, '-r', cap, '-o', 'json', *expr], capture_output=True, check=True).stdout
    return json.loads(out)
net10 = ipaddress.ip_network('10.0.0.0/8')
cases = [
    (['proto', 'tcp', 'and', 'dst', 'port', '443'], lambda r: r['protocol'] == 6 and r['dst_port'] == 443),
    (['not proto udp'], lambda r: r['protocol'] != 17),
    (['src net 10.0.0.0/8 and bytes > 10k'], lambda r: ipaddress.ip_address(r['src_ip']) in net10 and r['bytes'] > 10000),
    (['port 53 or (proto icmp)'], lambda r: 53 in (r['src_port'], r['dst_port']) or r['protocol'] == 1),
]
for expr, pred in cases:
    want = [r for r in recs if pred(r)]
    got = run(*expr)
    assert len(want) > 0 and got == want, (expr, len(got), len(want))
PY
check "filters equal an independent predicate" $?
"$query" -r "$work/demo.pcap" proto tcp port 80 >/dev/null 2>"$work/err"; rc=$?
check "bad filter exit ($rc)" $([ $rc -eq 2 ] && grep -q "expected and / or at 'port' (column 11)" "$work/err"; echo $?)

# errors: exit 2 for usage, 1 for unreadable input, with a message
"$query" -r "$work/demo.pcap" -o xml >/dev/null 2>"$work/err"; rc=$?
check "bad format exit ($rc)" $([ $rc -eq 2 ] && grep -q "unknown output format" "$work/err"; echo $?)
"$query" >/dev/null 2>&1; rc=$?
check "no input exit ($rc)" $([ $rc -eq 2 ]; echo $?)
"$query" -r "$work/none.pcap" >/dev/null 2>"$work/err"; rc=$?
check "missing file exit ($rc)" $([ $rc -eq 1 ] && grep -q "No such file" "$work/err"; echo $?)
"$query" --exporter 300.1.1.1 -r "$work/demo.pcap" >/dev/null 2>"$work/err"; rc=$?
check "bad exporter exit ($rc)" $([ $rc -eq 2 ]; echo $?)
# a capture cut mid-frame: the frames before it are decoded, the damage reported
head -c 300000 "$work/demo.pcap" >"$work/cut.pcap"
n=$("$query" -q --stats=json -r "$work/cut.pcap" 2>"$work/err" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["records"])'); rc=${PIPESTATUS[0]}
check "cut capture ($n records, exit $rc)" $([ $rc -eq 1 ] && [ "$n" -gt 1000 ] && [ "$n" -lt 8183 ] && grep -q "damaged after frame" "$work/err"; echo $?)

# --flow-file: a value out of its range skips the record with the reason, never wraps
cat >"$work/bad.json" <<'JSON'
[{"src_ip": "198.51.100.1", "dst_ip": "10.0.0.5", "src_port": 99999, "dst_port": 80, "bytes": 10, "packets": 1},
 {"src_ip": "198.51.100.1", "dst_ip": "10.0.0.5", "protocol": 600},
 {"src_ip": "198.51.100.1", "dst_ip": "10.0.0.5", "packets": -5},
 {"src_ip": "198.51.100.1", "dst_ip": "10.0.0.5", "start": -1e30},
 {"src_ip": "198.51.100.1", "dst_ip": "10.0.0.5", "end": "yesterday"},
 {"src_ip": "not-an-ip", "dst_ip": "10.0.0.5"},
 {"sa": "2001:db8::1", "da": "10.0.0.5", "sp": 65535, "dp": "443", "proto": "udp", "bytes": 1e19,
  "packets": 3, "start": "2026-01-15T12:00:00.250Z", "end": 1768478401, "sampling": 100}]
JSON
"$query" --flow-file "$work/bad.json" -o json >"$work/ok.json" 2>"$work/err"; rc=$?
python3 - "$work/ok.json" "$work/err" $rc <<'PY'
import json, sys
recs, err, rc = json.load(open(sys.argv[1])), open(sys.argv[2]).read(), int(sys.argv[3])
assert rc == 0, rc
assert len(recs) == 1, recs
r = recs[0]
assert (r['src_ip'], r['src_port'], r['dst_port'], r['protocol'], r['bytes'], r['packets'], r['sampling']) == \
       ('2001:db8::1', 65535, 443, 17, 10000000000000000000, 3, 100), r
for want in ['record 0: source port 99999 is out of range 0..65535: skipped',
             'record 1: protocol 600 is out of range 0..255: skipped',
             'record 2: packets -5 is out of range',
             '1 records read, 6 skipped']:
    assert want in err, (want, err)
PY
check "--flow-file: out-of-range values skipped with the reason" $?

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
