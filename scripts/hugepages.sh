#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Reserve N 2 MiB hugepages and mount hugetlbfs, for the NIC profile on a real appliance.
# (Not needed here: the test machines run DPDK with --no-huge.)
set -euo pipefail
n=${1:-1024}
echo "$n" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p /dev/hugepages
mountpoint -q /dev/hugepages || mount -t hugetlbfs nodev /dev/hugepages
grep -E "HugePages_(Total|Free)" /proc/meminfo
