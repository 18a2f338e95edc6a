#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# libFuzzer over each decoder (clang, address + undefined sanitizers),
# seeded from shared/testdata/vendor.
#   scripts/fuzz.sh short        ~20 s per decoder (the test command runs this)
#   scripts/fuzz.sh long [SECS]  SECS per decoder (default 600), corpus kept in fuzz-corpus/
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-short}
secs=20
[ "$mode" = long ] && secs=${2:-600}
if ! command -v clang >/dev/null; then
	echo "fuzz: clang missing (scripts/setup.sh installs it)"
	exit 1
fi
if [ ! -f build-fuzz/build.ninja ]; then
	CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=false \
		-Dbuildtype=debugoptimized -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
ninja -C build-fuzz >/dev/null
vendor=../shared/testdata/vendor
corpus=fuzz-corpus
[ "$mode" = short ] && corpus=build-fuzz/corpus
rm -rf build-fuzz/seeds
mkdir -p build-fuzz/seeds
if [ -d "$vendor" ]; then
	python3 tests/fuzz/mkseeds.py "$vendor" build-fuzz/seeds
else
	echo "fuzz: $vendor not found: starting from empty corpora"
	mkdir -p build-fuzz/seeds/{v5,v9,ipfix,sflow}
fi
for t in v5 v9 ipfix sflow; do
	mkdir -p "$corpus/$t"
	echo "fuzz_$t: ${secs}s"
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	./build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=8192 -rss_limit_mb=2048 \
		-timeout=10 -print_final_stats=1 "$corpus/$t" "build-fuzz/seeds/$t" 2>"build-fuzz/fuzz_$t.log" ||
		{ tail -50 "build-fuzz/fuzz_$t.log"; echo "fuzz_$t FAILED"; exit 1; }
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$t.log" | tr '\n' ' '
	echo
done
echo "fuzz: all decoders clean"
