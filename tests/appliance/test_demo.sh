#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The README's main command keeps its word: scripts/demo_run.sh (what
# scripts/demo.sh runs once built) on this build finds every labelled attack
# of the default scenario through the appliance, nothing else, attacks
# first, and prints the findings table and the summary.
#
# usage: test_demo.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "${NFW_SOURCE:-$(dirname "$0")/../..}"
bash scripts/demo_run.sh "$build" "$work/demo" >"$work/out" 2>&1
rc=$?
fail=0
if [ $rc -ne 0 ]; then
	echo "FAIL: the demo exited $rc"
	tail -30 "$work/out"
	fail=1
fi
for want in "rank  id" "summary: rx" "recall 1.00  precision 1.00  MRR 1.00  attacks above every false finding: yes"; do
	if ! grep -q "$want" "$work/out"; then
		echo "FAIL: the demo did not print '$want'"
		fail=1
	fi
done
grep -E "^== |recall " "$work/out"
exit $fail
