#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The appliance on a mirror port: --mode meter on net_pcap reading a capture
# of ordinary traffic (tests/crosscheck/mkattacks.py's three hours of a small
# site, made with no nfwatch code). net_pcap stamps each packet with the
# capture's time, so the appliance's meter ages flows exactly as the offline
# tool's does:
#  - every packet metered (packets = metered + dropped, none dropped), the
#    same flows, ended the same ways, as nfwatch-query -r on the capture;
#  - with --detect, the report at exit holds the offline tool's findings.
#
# usage: test_meter_mode.sh NFWATCH NFWATCH_QUERY
set -uo pipefail
app=$1 query=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
python3 "$here/../crosscheck/mkattacks.py" "$work/site.pcap" "$work/truth.json" 3 >/dev/null
echo '{ "home": ["10.0.0.0/8"], "roles": { "backup": ["10.20.0.50/32"] } }' >"$work/site.json"
"$query" -q -r "$work/site.pcap" --stats=json --report "$work/offline.json" --detect-config "$work/site.json" \
	>"$work/offline-stats.json" 2>/dev/null
timeout 120 "$app" -l 0-1 --no-huge -m 1024 --no-pci --no-shconf --log-level=4 --file-prefix nfwmm-$$ \
	--vdev "net_pcap0,rx_pcap=$work/site.pcap" -- --mode meter --detect --detect-config "$work/site.json" \
	--report "$work/appliance.json" --duration 12 --summary-json "$work/summary.json" >"$work/app.log" 2>&1
rc=$?
check "the appliance ran (exit $rc)" $rc
python3 - "$work/summary.json" "$work/offline-stats.json" <<'PY'
import json, sys
s, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))['meter']
m = s['meter']
assert m['packets'] == s['totals']['rx_pkts'] == o['packets'] == 522218, (m, o)
assert m['metered'] == m['packets'] and sum(m['dropped'].values()) == 0 and m['timed'] == m['packets'], m
for k in ('flows', 'ended_inactive', 'ended_active', 'evicted_full', 'flushed', 'fragments'):
    assert m[k] == o[k], (k, m[k], o[k])
assert s['totals']['records'] == m['flows'] == s['flows']['records'], (s['totals'], s['flows'])
print('meter mode: %d packets, %d flows, as offline' % (m['packets'], m['flows']))
PY
check "every packet metered, the offline tool's flows" $?
python3 - "$work/appliance.json" "$work/offline.json" <<'PY'
import json, sys
a = sorted(f['id'] for f in json.load(open(sys.argv[1]))['findings'])
b = sorted(f['id'] for f in json.load(open(sys.argv[2]))['findings'])
assert a == b and len(a) == 10, (a, b)
print('meter mode --detect: the offline tool\'s %d findings' % len(a))
PY
check "--detect on metered flows: the offline findings" $?
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
