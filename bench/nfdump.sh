#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# nfwatch-query against nfdump 1.7 on the same stored flows: a generated
# stream (--bulk N, site mix) is replayed over loopback into nfcapd (its
# files are what nfdump reads) and written by nfwatch-query -w as nfwatch
# segments (LZ4); then each analyst command runs on both (and nfwatch-query
# on nfdump's files too), timed over several runs with /usr/bin/time, and
# the outputs are compared.
#
#   bench/nfdump.sh [--records N] [--runs K]
#
# Every process is bounded in time and talks to 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
records=5000000
runs=5
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--runs) runs=$2; shift 2 ;;
	*) echo "usage: bench/nfdump.sh [--records N] [--runs K]"; exit 2 ;;
	esac
done
bash scripts/setup.sh
bash scripts/build.sh build
gen=./build/app/nfwatch-gen/nfwatch-gen
query=./build/app/nfwatch-query/nfwatch-query
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$gen" --bulk "$records" --format v9 --exporters 4 --mix site --out "$work/stream.pcap"
port=$((24000 + $$ % 2000))
mkdir -p "$work/nfcapd"
nfcapd -w "$work/nfcapd" -p $port -b 127.0.0.1 -B 16777216 -t 86400 >/dev/null 2>&1 &
pid=$!
sleep 1
timeout 900 "$gen" --replay "$work/stream.pcap" --send 127.0.0.1:$port --pps 20000 --max-seconds 800 2>/dev/null
sleep 2
kill -TERM $pid; wait $pid 2>/dev/null || true; pid=""
"$query" -r "$work/stream.pcap" -w "$work/segs"
n1=$(nfdump -R "$work/nfcapd" -I | awk '/^Flows:/ { print $2 }')
n2=$("$query" -R "$work/segs" -N -s proto | awk -F'total flows: ' '/^Summary/ { split($2, a, ","); print a[1] }')
echo "flows: nfcapd stored $n1, nfwatch segments $n2 (of $records)"
echo "sizes: nfcapd $(du -sh "$work/nfcapd" | cut -f1), nfwatch segments $(du -sh "$work/segs" | cut -f1)"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
bench_one() { # label, args...: nfdump on its files, nfwatch-query on segments and on nfdump's own files
	local label=$1 ta tb tc
	shift
	nfdump -R "$work/nfcapd" -N -q "$@" >"$work/a.out" 2>/dev/null
	"$query" -R "$work/segs" -N -q "$@" >"$work/b.out" 2>/dev/null
	ta=$(for _ in $(seq "$runs"); do /usr/bin/time -f %e nfdump -R "$work/nfcapd" -N -q "$@" 2>&1 >/dev/null | tail -1; done | median)
	tb=$(for _ in $(seq "$runs"); do /usr/bin/time -f %e "$query" -R "$work/segs" -N -q "$@" 2>&1 >/dev/null | tail -1; done | median)
	tc=$(for _ in $(seq "$runs"); do /usr/bin/time -f %e "$query" -R "$work/nfcapd" -N -q "$@" 2>&1 >/dev/null | tail -1; done | median)
	printf "%-44s nfdump %6.2f s   nfwatch-query %6.2f s (%5.2fx)   on nfdump's files %6.2f s (%5.2fx)   rows %s / %s\n" \
		"$label" "$ta" "$tb" "$(echo "$ta / $tb" | bc -l)" "$tc" "$(echo "$ta / $tc" | bc -l)" \
		"$(wc -l <"$work/a.out")" "$(wc -l <"$work/b.out")"
}
bench_one "-s srcip/bytes" -s srcip/bytes
bench_one "-A srcip" -A srcip
bench_one "-s dstport/bytes 'proto tcp and bytes > 10k'" -s dstport/bytes 'proto tcp and bytes > 10k'
bench_one "-s record/bytes -n 20" -s record/bytes -n 20
bench_one "'src net 10.0.0.0/8 and dst port in [80 443 53]' -c 1" -c 1 'src net 10.0.0.0/8 and dst port in [80 443 53]'
