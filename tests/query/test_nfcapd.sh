#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfdump's own files read by nfwatch-query, record for record. Debian's
# nfcapd (nfdump 1.7.1) collects the small scenario replayed over loopback;
# the file is copied and recompressed by nfdump itself (-J: LZO, BZ2, LZ4)
# and by nfcapd_zstd (ZSTD, as nfdump 1.7.2+ writes it). For each:
#  - every record, in file order, equal to what nfdump -r prints for it:
#    times, protocol, addresses, ports, packets, bytes, flags, ToS,
#    interfaces, AS numbers, next hop, router (nfdump shortens long IPv6
#    addresses with "..": those are compared by what they show);
#  - the directory read with -R: nfdump's -s and -A rows;
#  - --report on the files: the findings of the capture they came from.
# Then damage: a file cut inside a block (an error, the flows before it read,
# exit 1), nfdump 1.6's layout (refused with the way out).
#
# usage: test_nfcapd.sh NFWATCH_QUERY NFWATCH_GEN NFCAPD_ZSTD
set -uo pipefail
query=$1 gen=$2 tozstd=$3
for tool in nfcapd nfdump; do
	command -v $tool >/dev/null || { echo "SKIP: $tool not installed"; exit 77; }
done
work=$(mktemp -d)
port=$((21000 + ($$ % 4000)))
cleanup() {
	[ -n "${cap:-}" ] && kill "$cap" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
mkdir -p "$work/d"
"$gen" --scenario small --out "$work/small.pcap" --truth "$work/truth.json" 2>/dev/null
nfcapd -w "$work/d" -p $port -b 127.0.0.1 -B 8388608 -t 86400 >"$work/nfcapd.log" 2>&1 &
cap=$!
sleep 1
"$gen" --replay "$work/small.pcap" --send 127.0.0.1:$port --pps 8000 >/dev/null 2>&1
sleep 1
kill -TERM $cap
wait $cap 2>/dev/null
cap=
src=$(ls "$work"/d/nfcapd.* 2>/dev/null | head -1)
[ -n "$src" ] && [ "$(nfdump -r "$src" -q -o 'fmt:%pkt' | wc -l)" -eq 20178 ]
check "nfcapd stored all 20178 records" $?

fmt='fmt:%ts %te %pr %sa %da %sp %dp %pkt %byt %flg %tos %in %out %sas %das %nh %ra'
same_records() { # FILE: our listing equals nfdump's, line by line
	nfdump -r "$src" -q -N -o "$fmt" >"$work/want"
	"$query" -r "$1" -q -N -o "$fmt" >"$work/got" 2>/dev/null
	python3 - "$work/want" "$work/got" <<'PY'
import sys
want = [l.split() for l in open(sys.argv[1])]
got = [l.split() for l in open(sys.argv[2])]
def same(w, g):
    if w == g:
        return True
    if '..' in w:  # nfdump's shortened IPv6: its head and tail
        a, b = w.split('..')
        return g.startswith(a) and g.endswith(b)
    return False
assert len(want) == len(got) == 20178, (len(want), len(got))
for i, (w, g) in enumerate(zip(want, got)):
    assert len(w) == len(g) and all(same(a, b) for a, b in zip(w, g)), (i, w, g)
PY
}
for j in 0 1 2 3 zstd; do
	mkdir -p "$work/z$j"
	if [ $j = zstd ]; then
		"$tozstd" "$src" "$work/z$j/nfcapd.202601151200"
	else
		cp "$src" "$work/z$j/nfcapd.202601151200"
		[ $j = 0 ] || nfdump -r "$work/z$j/nfcapd.202601151200" -J $j >/dev/null 2>&1
	fi
	same_records "$work/z$j/nfcapd.202601151200"
	check "compression $j: every record as nfdump prints it" $?
done
"$query" -R "$work/z3" --stats=json -q 2>/dev/null | python3 -c '
import json, sys
s = json.load(sys.stdin)["nfdump_files"]
assert s["files"] == 1 and s["flows"] == 20178 and s["damaged_records"] == 0, s'
check "-R DIR: the file found and counted" $?

# (not -s record: nfdump 1.7.1 prints its times and counts as INVALID / 0 there)
for cmd in "-s srcip/bytes -n 10" "-s dstport/flows -n 10" "-A srcip,dstport -O bytes -n 15" "-s proto/packets -n 5" \
	"-s dstport:p/bytes -n 10" "-s srcip:p/bytes -n 10"; do
	nfdump -R "$work/z1" -N -q $cmd 2>/dev/null | awk '{$1=$1};1' >"$work/nfd"
	"$query" -R "$work/z1" -N -q $cmd 2>/dev/null | awk '{$1=$1};1' >"$work/ours"
	[ -s "$work/nfd" ] && python3 - "$work/nfd" "$work/ours" <<'PY'
import sys
# (our -A rows put "->" between the key's source and destination fields)
a = [[x for x in l.split() if x != '->'] for l in open(sys.argv[1]) if l.strip()]
b = [[x for x in l.split() if x != '->'] for l in open(sys.argv[2]) if l.strip()]
# the same rows; the last column (nfdump's bpp, bps) is rounded alike; IPv6 shortened as above
def same(w, g):
    return w == g or ('..' in w and g.startswith(w.split('..')[0]) and g.endswith(w.split('..')[1]))
assert len(a) == len(b), (len(a), len(b), a[:3], b[:3])
for w, g in zip(a, b):
    assert len(w) == len(g) and all(same(x, y) for x, y in zip(w, g)), (w, g)
PY
	check "nfdump $cmd on the directory: the same rows" $?
done

"$query" -q -r "$work/small.pcap" --report "$work/from-pcap.json" 2>/dev/null
"$query" -q -R "$work/z3" --report "$work/from-nfcapd.json" 2>/dev/null
python3 - "$work/from-pcap.json" "$work/from-nfcapd.json" <<'PY'
import json, sys
a = sorted(f['id'] for f in json.load(open(sys.argv[1]))['findings'])
b = sorted(f['id'] for f in json.load(open(sys.argv[2]))['findings'])
assert a == b and a, (a, b)
print('--report on the nfcapd file: the capture\'s %d findings' % len(a))
PY
check "--report on nfdump's files: the capture's findings" $?

# damage: cut inside the second block; nfdump 1.6's layout
size=$(stat -c %s "$src")
head -c $((size / 2)) "$src" >"$work/cut"
n=$("$query" -r "$work/cut" -q -o 'fmt:%pkt' 2>"$work/err" | wc -l); rc=${PIPESTATUS[0]}
check "a cut file: exit 1, an error, the flows before it ($n)" \
	$([ $rc -eq 1 ] && grep -q "cut short" "$work/err" && [ "$n" -gt 0 ] && [ "$n" -lt 20178 ]; echo $?)
printf '\x0c\xa5\x01\x00' >"$work/v16"
head -c 300 /dev/zero >>"$work/v16"
"$query" -r "$work/v16" -q 2>"$work/err"; rc=$?
check "nfdump 1.6's layout refused with the way out (exit $rc)" $([ $rc -eq 1 ] && grep -q "nfdump -r OLD -w NEW" "$work/err"; echo $?)

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
