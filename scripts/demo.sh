#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The main job on the bundled default: install what is missing, build, make
# the demo capture (four exporters: NetFlow v5, v9, IPFIX, sFlow) and decode
# it with nfwatch-query, printing records and per-exporter statistics.
#   scripts/demo.sh [nfwatch-query options, e.g. -o json]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh build
mkdir -p build/demo
./build/app/nfwatch-gen/nfwatch-gen --demo --out build/demo/demo.pcap
exec ./build/app/nfwatch-query/nfwatch-query -r build/demo/demo.pcap --stats "$@"
