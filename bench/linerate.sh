#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Line-rate replay: generated NetFlow v5, v9 and IPFIX streams (full-size
# datagrams of distinct flows, nfwatch-gen --bulk) pushed through nfwatch
# as fast as it takes them; reports records/s per worker core.
#
#   bench/linerate.sh [--records N] [--formats "v5 v9 ipfix"] [--modes "decode flow full"]
#                     [--seconds S] [--mix uniform|site]
#
# --mix picks the stream's traffic (nfwatch-gen --mix): "uniform" (the
# default) draws sources, destinations and ports alike, "site" by popularity
# (Zipf hosts and destinations, a service mix of ports); the detectors' state
# differs (site: 13 000 destinations in 40 000 flows, uniform: 256).
#
# Modes are the appliance's engines (rxonly, decode, flow, full) and "detect":
# flow mode with the detectors on (--detect: per-worker sketches and
# beaconing, the other detectors on the control thread); it also reports
# how many closed flows the detectors took and how many found their ring full.
#
# With the appliance built (build/app/nfwatch/nfwatch) each stream is
# replayed from memory by net_pcap (infinite_rx=1; the pool holds the whole
# file) for S seconds on one worker lcore, once per engine mode, and the
# appliance's JSON summary gives records and lcore busy time:
#
#   nfwatch -l 0-1 --no-huge -m MEM --no-pci --no-shconf --file-prefix lr$$ \
#       --vdev net_pcap0,rx_pcap=STREAM,infinite_rx=1 -- \
#       --mode MODE --duration S --mbufs N --summary-json OUT
#
# records/s per core = records decoded by the worker / its busy time.
# Without the appliance built (no libdpdk), the script says so and measures
# the same streams through the offline path on one core: libpcap read,
# frame walk, decode (nfwatch-query -q, file in the page cache).
set -euo pipefail
cd "$(dirname "$0")/.."
records=2000000
formats="v5 v9 ipfix"
modes="rxonly decode flow full"
seconds=10
mix=uniform
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--formats) formats=$2; shift 2 ;;
	--modes) modes=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--mix) mix=$2; shift 2 ;;
	*) echo "usage: bench/linerate.sh [--records N] [--formats \"v5 v9 ipfix\"] [--modes \"...\"] [--seconds S] [--mix uniform|site]"; exit 2 ;;
	esac
done
bash scripts/setup.sh
bash scripts/build.sh build
gen=./build/app/nfwatch-gen/nfwatch-gen
query=./build/app/nfwatch-query/nfwatch-query
app=./build/app/nfwatch/nfwatch
dir=build/linerate
mkdir -p $dir
case $mix in
uniform) tag= ;;
site) tag=-site ;;
*) echo "linerate.sh: --mix is uniform or site"; exit 2 ;;
esac

for f in $formats; do
	[ -f "$dir/$f$tag-$records.pcap" ] || "$gen" --bulk "$records" --format "$f" --mix $mix --out "$dir/$f$tag-$records.pcap"
done

if [ -x "$app" ]; then
	printf "%-6s %-7s %14s %12s %10s\n" format mode records records/s/core busy
	for f in $formats; do
		size=$(stat -c %s "$dir/$f$tag-$records.pcap")
		pkts=$("$query" -q --stats=json -r "$dir/$f$tag-$records.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["capture"]["frames"])')
		mbufs=$((pkts + 16384))
		mem=$(( mbufs * 2600 / 1048576 + 1024 ))
		for m in $modes; do
			out=$dir/$f$tag-$m.json
			extra=()
			mode=$m
			[ "$m" = full ] && extra=(--segments "$dir/segs-$f")
			[ "$m" = detect ] && mode=flow && extra=(--detect --epoch 2)
			rm -rf "$dir/segs-$f"
			"$app" -l 0-1 --no-huge -m $mem --no-pci --no-shconf --file-prefix "lr$$" \
				--vdev "net_pcap0,rx_pcap=$dir/$f$tag-$records.pcap,infinite_rx=1" -- \
				--mode "$mode" --duration "$seconds" --mbufs $mbufs --burst 64 --summary-json "$out" \
				"${extra[@]}" >"$dir/$f$tag-$m.log" 2>&1
			python3 - "$out" "$f" "$m" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
w = [l for l in s['lcores'] if l['role'] == 'worker']
recs = sum(l['records'] for l in w)
busy = sum(l['busy_s'] for l in w)
if sys.argv[3] == 'rxonly':
    pk = sum(l['rx_pkts'] for l in w)
    print('%-6s %-7s %14s %12s %9.1fs  (%.2f Mpps rx)' % (sys.argv[2], sys.argv[3], '-', '-', busy, pk / busy / 1e6))
else:
    extra = ''
    if sys.argv[3] == 'detect':
        t = s['totals']
        extra = '  (detectors took %d closed flows, %d found the ring full)' % (t['to_detect'], t['detect_full'])
    print('%-6s %-7s %14d %12.2fM %9.1fs%s' % (sys.argv[2], sys.argv[3], recs, recs / busy / 1e6, busy, extra))
PY
		done
	done
	exit 0
fi

echo "note: the appliance (build/app/nfwatch/nfwatch) is not built yet: measuring the offline"
echo "      decode path (libpcap read + frame walk + decode) on one core instead"
printf "%-6s %12s %10s %14s %10s\n" format records datagrams records/s/core wall_s
for f in $formats; do
	file="$dir/$f$tag-$records.pcap"
	cat "$file" >/dev/null # into the page cache
	best=0
	for _ in 1 2 3; do
		t0=$(date +%s.%N)
		st=$("$query" -q --stats=json -r "$file")
		t1=$(date +%s.%N)
		rate=$(echo "$records / ($t1 - $t0)" | bc)
		[ "$rate" -gt "$best" ] && best=$rate && wall=$(echo "$t1 - $t0" | bc)
	done
	python3 - "$f" "$best" "$wall" <<PY
import json, sys
s = json.loads('''$st''')['total']
assert s['dropped_total'] == 0 and s['records'] == $records, s
print('%-6s %12d %10d %13.2fM %10.2f' % (sys.argv[1], s['records'], s['datagrams'], int(sys.argv[2]) / 1e6, float(sys.argv[3])))
PY
done
