#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The demo itself, on a built tree (scripts/demo.sh sets up and builds
# first; tests/appliance/test_demo.sh runs this on the test build): the
# default scenario through the appliance with detection on (without DPDK,
# the offline tool), the prioritized findings and the summary, the report,
# and the findings scored against the scenario's labels (exit 1 when an
# attack is missed or a finding is false).
#   scripts/demo_run.sh BUILD_DIR OUT_DIR [appliance options]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 demo=$2
shift 2
mkdir -p "$demo"
demo=$(cd "$demo" && pwd)
"$build/app/nfwatch-gen/nfwatch-gen" --scenario default --out "$demo/default.pcap" --truth "$demo/truth.json"
rm -f "$demo/report.json"
if [ -x "$build/app/nfwatch/nfwatch" ]; then
	cat >"$demo/demo.cmd" <<CMD
# read the whole capture, close every flow, then the findings
wait idle 120
flush flows
show findings
save report $demo/report.json
quit
CMD
	timeout 300 "$build/app/nfwatch/nfwatch" --profile dpdk-config/pcap.conf --log-level=4 \
		--vdev "net_pcap0,rx_pcap=$demo/default.pcap" -- --mode flow --detect \
		--detect-config dpdk-config/demo-site.json --report-dir "$demo" --cmdline-file "$demo/demo.cmd" \
		--ctl-socket none "$@"
else
	echo "(no DPDK build: the offline tool instead)"
	"$build/app/nfwatch-query/nfwatch-query" -q -r "$demo/default.pcap" --report "$demo/report.json" \
		--detect-config dpdk-config/demo-site.json --stats
fi
echo
echo "The report (shared/spec/FINDINGS.md): $demo/report.json"
echo "Scored against the scenario's labels ($demo/truth.json):"
python3 tests/detect/score.py "$demo/report.json" "$demo/truth.json" --name "default scenario" \
	--min-recall 1 --max-false 0 --attacks-first
