#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# libFuzzer over each decoder (clang, address + undefined sanitizers),
# seeded from shared/testdata/vendor, over the detectors (flows with any
# times, counts and rates), and over the command language and filter
# expressions (seeded with every command's grammar line).
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
mkdir -p build-fuzz/seeds/ctl build-fuzz/seeds/detect build-fuzz/seeds/meter build-fuzz/seeds/nfcapd
# nfdump's files: a header and one block of each compression, made from a V3 record by hand
python3 - build-fuzz/seeds/nfcapd <<'PY'
import bz2, struct, sys
rec = struct.pack('<HHHBBHBB', 11, 12 + 52 + 12, 2, 0, 0, 1, 0, 9)
rec += struct.pack('<HH', 1, 52) + struct.pack('<QQQQQHHBBBB', 1767225600000, 1767225601000, 0, 3, 180, 40000, 443, 6, 0x1b, 0, 0)
rec += struct.pack('<HHII', 2, 12, 0x0a000001, 0x0a000002)
for name, comp, data in (('none', 0, rec), ('bz2', 2, bz2.compress(rec))):
    hdr = struct.pack('<HHIqBBHIqII', 0xa50c, 2, 0x01070100, 0, comp, 0, 0, 1, 0, 0, 1)
    blk = struct.pack('<IIHH', 1, len(data), 3, 0) + data
    open(sys.argv[1] + '/' + name, 'wb').write(hdr + blk)
PY
# the meter: an Ethernet / IPv4 / TCP SYN and an Ethernet / VLAN / IPv6 / UDP frame, 1 s apart
python3 - build-fuzz/seeds/meter/frames <<'PY'
import struct, sys
tcp = struct.pack('!HHIIBBHHH', 40000, 443, 1, 0, 0x50, 0x02, 65535, 0, 0)
ip4 = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 40, 1, 0, 64, 6, 0, bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) + tcp
e1 = b'\x02' * 12 + b'\x08\x00' + ip4
udp = struct.pack('!HHHH', 5353, 53, 16, 0) + b'\0' * 8
ip6 = struct.pack('!IHBB', 0x60000000, len(udp), 17, 64) + b'\x20\x01' + b'\0' * 13 + b'\x01' + b'\x20\x01' + b'\0' * 13 + b'\x02' + udp
e2 = b'\x02' * 12 + b'\x81\x00\x00\x64\x86\xdd' + ip6
out = b''
for f in (e1, e2, e1):
    out += struct.pack('!BHHH', 0, 1000, len(f), len(f)) + f
open(sys.argv[1], 'wb').write(out)
PY
i=0
while IFS= read -r l; do
	i=$((i + 1))
	printf '%s' "$l" >"build-fuzz/seeds/ctl/$i"
done <<'EOF'
show port stats all
show port info 0
show exporter 192.0.2.1
show templates 2001:db8::1
show flows top 10 by bytes filter proto tcp and (dst port 443 or src net 10.0.0.0/8) and not flags R
show findings type beaconing min-severity high
set detector port_scan param min_dsts 40
allowlist add backup 10.9.0.0/16
set exporter deny 198.51.100.0/24
set sampling 192.0.2.1 100
homenet del fc00::/7
help show
proto udp and bytes > 10k and in if 3 and exporter 192.0.2.0/24
EOF
for t in v5 v9 ipfix sflow detect ctl meter nfcapd; do
	mkdir -p "$corpus/$t"
	echo "fuzz_$t: ${secs}s"
	len=8192
	[ $t = ctl ] && len=600 # a command line is at most 511 characters
	lc=()
	[ $t = detect ] && lc=(-len_control=0) # many flows per input from the start
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
	./build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$secs" -max_len=$len -rss_limit_mb=2048 "${lc[@]}" \
		-timeout=10 -print_final_stats=1 "$corpus/$t" "build-fuzz/seeds/$t" 2>"build-fuzz/fuzz_$t.log" ||
		{ tail -50 "build-fuzz/fuzz_$t.log"; echo "fuzz_$t FAILED"; exit 1; }
	grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "build-fuzz/fuzz_$t.log" | tr '\n' ' '
	echo
done
echo "fuzz: all decoders, the detectors, the command language, the meter and nfdump files clean"
