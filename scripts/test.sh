#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test suite: set-up if needed, a -Werror build with every test,
# an address + undefined sanitizer build with every test, and a short
# bounded libFuzzer run per decoder (clang).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

jobs=$(nproc)
echo "== build (warnings are errors)"
bash scripts/build.sh build-test -Dwerror=true -Dbuildtype=debugoptimized
echo "== tests"
meson test -C build-test --print-errorlogs --num-processes "$jobs"

echo "== sanitizer build (address, undefined)"
bash scripts/build.sh build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbench=false
echo "== tests under sanitizers"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	meson test -C build-asan --print-errorlogs --num-processes "$jobs" --timeout-multiplier 4

if [ -x scripts/fuzz.sh ]; then
	echo "== fuzz (short, bounded)"
	bash scripts/fuzz.sh short
fi
echo "== all tests passed"
