#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The control plane under load: the appliance in flow mode takes a NetFlow
# v9 line-rate stream (nfwatch-gen --bulk, net_pcap infinite_rx) on one
# worker while nfwatch-ctl asks it questions over the control socket; then
# the same run without questions. Reports each command's round trip
# (median and worst of N) and the worker's records/s in both runs: commands
# are answered between bursts, so the data path should not notice them.
#
#   bench/ctl.sh [--records N] [--seconds S] [--asks N]
set -euo pipefail
cd "$(dirname "$0")/.."
records=2000000
seconds=16
asks=20
while [ $# -gt 0 ]; do
	case $1 in
	--records) records=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--asks) asks=$2; shift 2 ;;
	*) echo "usage: bench/ctl.sh [--records N] [--seconds S] [--asks N]"; exit 2 ;;
	esac
done
bash scripts/setup.sh
bash scripts/build.sh build
gen=./build/app/nfwatch-gen/nfwatch-gen
app=./build/app/nfwatch/nfwatch
ctl=./build/app/nfwatch-ctl/nfwatch-ctl
dir=build/linerate
mkdir -p $dir
stream=$dir/v9-$records.pcap
[ -f "$stream" ] || "$gen" --bulk "$records" --format v9 --out "$stream"
mbufs=$((records / 20 + 16384))
mem=$((mbufs * 2600 / 1048576 + 1024))

run() { # with_questions(0|1) summary.json
	local sock=$dir/ctl-$$.sock
	"$app" -l 0-1 --no-huge -m $mem --no-pci --no-shconf --file-prefix "bc$$" \
		--vdev "net_pcap0,rx_pcap=$stream,infinite_rx=1" -- --mode flow --duration "$seconds" \
		--mbufs $mbufs --burst 64 --ctl-socket "$sock" --summary-json "$2" >"$dir/ctl-run.log" 2>&1 &
	local pid=$!
	if [ "$1" = 1 ]; then
		for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
		sleep 3 # the table fills
		python3 - "$ctl" "$sock" "$asks" <<'PY'
import statistics, subprocess, sys, time
ctl, sock, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
for cmd in (['show', 'lcores'], ['show', 'exporters'], ['show', 'templates'],
            ['show', 'flows', 'top', '10', 'by', 'bytes'],
            ['show', 'flows', 'top', '10', 'by', 'bytes', 'filter', 'proto', 'tcp', 'and', 'dst', 'port', '443']):
    t = []
    for _ in range(n if cmd[1] != 'flows' else max(3, n // 5)):
        t0 = time.perf_counter()
        subprocess.run([ctl, '-s', sock, *cmd], check=True, capture_output=True)
        t.append((time.perf_counter() - t0) * 1000)
    print('%-62s median %8.2f ms  worst %8.2f ms  (%d asks)' % (' '.join(cmd), statistics.median(t), max(t), len(t)))
PY
	fi
	wait $pid
}
rate() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); w=[l for l in s["lcores"] if l["role"]=="worker"]; print("%.2fM records/s per core" % (sum(l["records"] for l in w)/sum(l["busy_s"] for l in w)/1e6))' "$1"
}
echo "== with questions"
run 1 $dir/ctl-with.json
echo "worker: $(rate $dir/ctl-with.json)"
echo "== without"
run 0 $dir/ctl-without.json
echo "worker: $(rate $dir/ctl-without.json)"
