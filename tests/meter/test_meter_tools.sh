#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfwatch-query's meter (raw packets to flows) against nfpcapd and softflowd
# on the same capture, with the same timeouts (active 1800 s, inactive 15 s).
# The capture is tests/crosscheck/mkattacks.py's: three hours of a small
# site, packet by packet, made with no nfwatch code.
#  - nfpcapd (nfdump 1.7): the same flows, one by one (addresses, ports,
#    protocol, packets, bytes), except DNS: nfpcapd makes every UDP packet on
#    port 53 a flow of its own, so there its flows are our packets, and the
#    sums are equal; packets and bytes in total equal.
#  - softflowd (-r, exporting NetFlow v9 over loopback): packets and bytes in
#    total equal; its expiry on a file read is coarser (it merges a tuple's
#    packets past the inactive timeout now and then, never splits more), so
#    for every tuple its flows are at most ours, and in total within 1 %.
#  - the meter's accounting: packets = metered + dropped, the records listed
#    are its flows; -w DIR writes them as segments that -R DIR reads back to
#    the same statistics.
#
# usage: test_meter_tools.sh NFWATCH_QUERY UDPSINK
set -uo pipefail
query=$1 udpsink=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/export_capture.sh"
require_tools nfpcapd nfdump softflowd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
python3 "$here/../crosscheck/mkattacks.py" "$work/site.pcap" "$work/truth.json" 3 >/dev/null
fmt='fmt:%sa %da %sp %dp %pr %pkt %byt'

"$query" -r "$work/site.pcap" -q -N -o "$fmt" 2>"$work/q.err" | awk '{print $1, $2, $3, $4, $5, $6, $7}' >"$work/ours"
grep -q "packets, not exports: metered into flows" "$work/q.err"
check "a capture of packets is metered, and says so" $?
"$query" -r "$work/site.pcap" -q --stats=json 2>/dev/null >"$work/stats.json"
python3 - "$work/stats.json" "$work/ours" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))['meter']
n = sum(1 for _ in open(sys.argv[2]))
assert m['packets'] == m['metered'] + sum(m['dropped'].values()) and m['packets'] == 522218, m
assert m['flows'] == n == m['ended_inactive'] + m['ended_active'] + m['evicted_full'] + m['flushed'], (m, n)
print('meter: %d packets, %d flows (%d ended idle, %d at the end)' % (m['packets'], n, m['ended_inactive'], m['flushed']))
PY
check "the meter's accounting" $?

mkdir -p "$work/npc"
timeout 120 nfpcapd -r "$work/site.pcap" -w "$work/npc" -e 1800,15 -t 86400 >"$work/nfpcapd.log" 2>&1
check "nfpcapd ran (exit $?)" $?
nfdump -R "$work/npc" -q -N -o "$fmt" 2>/dev/null | awk '{print $1, $2, $3, $4, $5, $6, $7}' >"$work/nfpcapd"
python3 - "$work/ours" "$work/nfpcapd" <<'PY'
import collections, sys
def load(p):
    return [l.split() for l in open(p) if l.strip()]
ours, npc = load(sys.argv[1]), load(sys.argv[2])
dns = lambda r: r[4] in ('17', 'UDP') and '53' in (r[2], r[3])
tot = lambda rs, i: sum(int(r[i]) for r in rs)
assert npc, 'nfpcapd wrote no flows'
assert tot(ours, 5) == tot(npc, 5) and tot(ours, 6) == tot(npc, 6), ('totals', tot(ours, 5), tot(npc, 5))
a = collections.Counter(tuple(r) for r in ours if not dns(r))
b = collections.Counter(tuple(r) for r in npc if not dns(r))
assert a == b, ('flows differ', list((a - b).items())[:5], list((b - a).items())[:5])
od, nd = [r for r in ours if dns(r)], [r for r in npc if dns(r)]
assert all(r[5] == '1' for r in nd) and len(nd) == tot(od, 5) and tot(od, 6) == tot(nd, 6), 'DNS'
print('nfpcapd: the same %d flows but DNS, %d packets and %d bytes in all; DNS: its %d flows are our %d packets'
      % (sum(a.values()), tot(ours, 5), tot(ours, 6), len(nd), tot(od, 5)))
PY
check "nfpcapd: the same flows (DNS: one per packet there), packets and bytes" $?

base=$((23000 + ($$ % 3000) * 2))
"$udpsink" "$work/sf.pcap" $base 1500 120 >"$work/sink" 2>&1 &
sink=$!
for _ in $(seq 50); do grep -q READY "$work/sink" 2>/dev/null && break; sleep 0.1; done
timeout 120 softflowd -d -c none -r "$work/site.pcap" -v 9 -n 127.0.0.1:$base -t general=15 -t tcp=15 \
	-t tcp.rst=15 -t tcp.fin=15 -t udp=15 -t icmp=15 -t maxlife=1800 -t expint=1 >"$work/softflowd.log" 2>&1
wait $sink
"$query" -r "$work/sf.pcap" -q -N -o "$fmt" 2>/dev/null | awk '{print $1, $2, $3, $4, $5, $6, $7}' >"$work/softflowd"
python3 - "$work/ours" "$work/softflowd" <<'PY'
import collections, sys
def load(p):
    return [l.split() for l in open(p) if l.strip()]
ours, sf = load(sys.argv[1]), load(sys.argv[2])
tot = lambda rs, i: sum(int(r[i]) for r in rs)
assert sf, 'softflowd exported nothing'
assert tot(ours, 5) == tot(sf, 5) and tot(ours, 6) == tot(sf, 6), ('totals', tot(ours, 5), tot(sf, 5))
a = collections.Counter(tuple(r[:5]) for r in ours)
b = collections.Counter(tuple(r[:5]) for r in sf)
more = [k for k in b if b[k] > a[k]]
assert not more, ('softflowd split more', more[:5])
assert len(ours) - len(sf) <= len(ours) * 0.01, (len(ours), len(sf))
print('softflowd: %d packets and %d bytes in all, as ours; %d flows to our %d (%d tuples merged past the timeout)'
      % (tot(sf, 5), tot(sf, 6), len(sf), len(ours), sum(1 for k in a if a[k] > b[k])))
PY
check "softflowd: packets and bytes equal, flows within its coarser expiry" $?

# -w DIR, then every command on DIR
"$query" -r "$work/site.pcap" -w "$work/seg" 2>/dev/null
"$query" -R "$work/seg" -s srcip/bytes -n 5 -N -q >"$work/from-seg" 2>/dev/null
"$query" -r "$work/site.pcap" -s srcip/bytes -n 5 -N -q >"$work/direct" 2>/dev/null
cmp -s "$work/from-seg" "$work/direct" && [ -s "$work/direct" ]
check "-w DIR then -R DIR: the same -s srcip/bytes" $?
# --active cuts long flows, and a bad value is refused
"$query" -r "$work/site.pcap" --active 60 -q --stats=json 2>/dev/null | python3 -c '
import json, sys; m = json.load(sys.stdin)["meter"]; assert m["ended_active"] > 0, m'
check "--active 60 cuts the long uploads" $?
"$query" -r "$work/site.pcap" --inactive 0 -q 2>"$work/err"; rc=$?
check "--inactive 0 refused (exit $rc)" $([ $rc -eq 2 ] && grep -q "inactive takes" "$work/err"; echo $?)

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
