#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on the bundled default: install what is missing, build, make
# the default scenario (six hours of a site seen by three exporters, with
# its attacks and their benign look-alikes) and run the appliance over it
# (DPDK, net_pcap, the bundled profile) with detection on: the prioritized
# findings, the appliance's one-screen summary, the report file, and the
# findings scored against the scenario's labels (scripts/demo_run.sh).
# Without DPDK, the offline tool does the same.
#   scripts/demo.sh [appliance options, e.g. --epoch 60]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build >/dev/null
exec bash scripts/demo_run.sh build build/demo "$@"
