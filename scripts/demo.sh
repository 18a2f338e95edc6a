#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on the bundled default: install what is missing, build, make
# the default scenario (six hours of a site seen by three exporters, with
# its attacks and their benign look-alikes) and run the appliance over it
# (DPDK, net_pcap, the bundled profile) with detection on: the prioritized
# findings, the appliance's one-screen summary, the report file, and the
# findings scored against the scenario's labels. Without DPDK, the offline
# tool does the same.
#   scripts/demo.sh [appliance options after --, e.g. --epoch 60]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build >/dev/null
demo=$PWD/build/demo
mkdir -p "$demo"
./build/app/nfwatch-gen/nfwatch-gen --scenario default --out "$demo/default.pcap" --truth "$demo/truth.json"
rm -f "$demo/report.json"
if [ -x build/app/nfwatch/nfwatch ]; then
	cat >"$demo/demo.cmd" <<CMD
# read the whole capture, close every flow, then the findings
wait idle 120
flush flows
show findings
save report $demo/report.json
quit
CMD
	timeout 300 ./build/app/nfwatch/nfwatch --profile dpdk-config/pcap.conf --log-level=4 \
		--vdev "net_pcap0,rx_pcap=$demo/default.pcap" -- --mode flow --detect \
		--detect-config dpdk-config/demo-site.json --report-dir "$demo" --cmdline-file "$demo/demo.cmd" \
		--ctl-socket none "$@"
else
	echo "(no DPDK build: the offline tool instead)"
	./build/app/nfwatch-query/nfwatch-query -q -r "$demo/default.pcap" --report "$demo/report.json" \
		--detect-config dpdk-config/demo-site.json --stats
fi
echo
echo "The report (shared/spec/FINDINGS.md): $demo/report.json"
echo "Scored against the scenario's labels ($demo/truth.json):"
python3 tests/detect/score.py "$demo/report.json" "$demo/truth.json" --name "default scenario" \
	--min-recall 1 --max-false 0 --attacks-first
