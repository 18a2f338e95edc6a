#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The same export stream, replayed over loopback at increasing rates, to
# nfcapd (nfdump 1.7), nfacctd (pmacct 1.7) and nfwatch (nfwatch-query
# --listen) side by side. For each collector and rate: what it accounted,
# the CPU it used, and whether it lost anything. Reported per collector: the
# highest rate with no loss.
#
#   bench/peers.sh [--records N] [--format v9|ipfix|v5] [--rates "R1 R2 ..."]
#
# Rates are datagrams per second offered by the sender (nfwatch-gen
# --replay, one socket per exporter); the achieved rate is printed too, as
# the sender shares the 2 CPUs with the collector. "Accounted" is flows for
# nfcapd and nfwatch, and packets for nfacctd (its print plugin aggregates
# flows, so its packet sum is what it can show; it aggregates on destination
# and protocol only, so its cache never fills). "No loss" means the
# collector accounted as much as it did at the slowest rate; that count is
# also compared with the truth. Every run is bounded in time and goes to
# 127.0.0.1 only; all processes are stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
records=1000000
format=v9
rates="10000 25000 50000 100000 200000 400000"
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--format) format=$2; shift 2 ;;
	--rates) rates=$2; shift 2 ;;
	*) echo "usage: bench/peers.sh [--records N] [--format v9|ipfix|v5] [--rates \"R ...\"]"; exit 2 ;;
	esac
done
bash scripts/setup.sh
bash scripts/build.sh build
gen=./build/app/nfwatch-gen/nfwatch-gen
query=./build/app/nfwatch-query/nfwatch-query
work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	pkill -KILL -f "nfacctd -f $work" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

"$gen" --bulk "$records" --format "$format" --exporters 4 --out "$work/stream.pcap"
truth_flows=$("$query" -q --stats=json -r "$work/stream.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["records"])')
truth_pkts=$("$query" -r "$work/stream.pcap" -o csv | awk -F, 'NR > 1 { p += $9 } END { print p }')
dgrams=$("$query" -q --stats=json -r "$work/stream.pcap" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"]["datagrams"])')
echo "stream: $format, $dgrams datagrams, $truth_flows records, $truth_pkts packets, 4 exporters"
sysctl -qw net.core.rmem_max=16777216 2>/dev/null || echo "note: could not raise net.core.rmem_max"

cpu_of() { # pid -> CPU seconds of it and its children
	local total=0 p
	for p in "$1" $(pgrep -P "$1" || true); do
		[ -r "/proc/$p/stat" ] || continue
		total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat")))
	done
	echo "scale=2; $total / $(getconf CLK_TCK)" | bc
}

port=$((26000 + $$ % 2000))
run_one() { # collector rate -> "accounted cpu achieved_pps"
	local c=$1 rate=$2 pid out
	port=$((port + 1))
	rm -rf "$work/out" && mkdir -p "$work/out"
	case $c in
	nfcapd)
		nfcapd -w "$work/out" -p $port -b 127.0.0.1 -B 8388608 -t 3600 >"$work/c.log" 2>&1 &
		pid=$! ;;
	nfacctd)
		cat >"$work/nfacctd.conf" <<CONF
daemonize: false
nfacctd_ip: 127.0.0.1
nfacctd_port: $port
nfacctd_pipe_size: 8388608
plugins: print[p]
aggregate[p]: dst_host, proto
print_cache_entries[p]: 65537
print_output[p]: csv
print_output_file[p]: $work/out/out.csv
print_refresh_time[p]: 3600
plugin_pipe_size[p]: 268435456
plugin_buffer_size[p]: 65536
CONF
		nfacctd -f "$work/nfacctd.conf" >"$work/c.log" 2>&1 &
		pid=$! ;;
	nfwatch)
		"$query" --listen 127.0.0.1:$port -q --stats=json --max-seconds 300 >"$work/out/stats.json" 2>"$work/c.log" &
		pid=$! ;;
	esac
	pids+=("$pid")
	sleep 1.5
	local t0 t1
	t0=$(date +%s.%N)
	timeout 120 "$gen" --replay "$work/stream.pcap" --send 127.0.0.1:$port --pps "$rate" --max-seconds 100 2>/dev/null
	t1=$(date +%s.%N)
	sleep 2 # let the collector drain its socket
	local cpu
	cpu=$(cpu_of "$pid")
	case $c in
	nfacctd) kill -INT "$pid" ;;
	*) kill -TERM "$pid" ;;
	esac
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local acc
	case $c in
	nfcapd) acc=$(nfdump -R "$work/out" -I 2>/dev/null | awk '/^Flows:/ { print $2 }') ;;
	nfacctd) acc=$(awk -F, 'NR > 1 { p += $(NF - 1) } END { print p + 0 }' "$work/out/out.csv" 2>/dev/null) ;;
	nfwatch) acc=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"]["records"])' "$work/out/stats.json") ;;
	esac
	local achieved
	achieved=$(echo "$dgrams / ($t1 - $t0)" | bc)
	echo "${acc:-0} $cpu $achieved"
}

printf "\n%-8s %10s %10s %14s %8s %s\n" collector offered achieved accounted cpu_s loss
summary=()
for c in nfcapd nfacctd nfwatch; do
	if [ $c != nfwatch ] && ! command -v $c >/dev/null; then
		echo "$c: not installed, skipped"
		continue
	fi
	base="" best=0 lost=0 best_ach=0
	for r in $rates; do
		read -r acc cpu ach <<<"$(run_one $c "$r")"
		[ -z "$base" ] && base=$acc
		loss=$((base - acc))
		printf "%-8s %10s %10s %14s %8s %s\n" $c "$r" "$ach" "$acc" "$cpu" "$loss"
		if [ "$loss" -gt 0 ]; then lost=1; elif [ $lost -eq 0 ]; then best=$r; best_ach=$ach; fi
	done
	want=$truth_flows
	[ $c = nfacctd ] && want=$truth_pkts
	summary+=("$(printf "%-8s no loss up to %7s dgram/s offered (%s achieved, %s records/s)%s; at the slowest rate it accounted %s of %s %s" \
		$c $best "$best_ach" $((best_ach * truth_flows / dgrams)) "$([ $lost -eq 0 ] && echo ', never lost')" \
		"$base" "$want" "$([ $c = nfacctd ] && echo packets || echo flows)")")
done
echo
printf "%s\n" "${summary[@]}"
