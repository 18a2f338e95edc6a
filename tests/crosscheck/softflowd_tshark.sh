#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Cross-check with an independent decoder. Synthetic traffic (mktraffic) is
# turned into NetFlow v5, v9 and IPFIX by softflowd, received on a loopback
# port into a capture (udpsink), and decoded by nfwatch-query and by tshark:
# the record count and the sums of bytes and packets must be equal, with no
# datagram dropped. A second pass exports 1:10 sampled (softflowd -s 10):
# nfwatch's counts must be exactly 10x tshark's (tshark does not scale).
#
# usage: softflowd_tshark.sh MKTRAFFIC UDPSINK NFWATCH_QUERY
# Exit 77 (skip) when softflowd or tshark is missing.
set -euo pipefail
mktraffic=$1 udpsink=$2 query=$3

. "$(dirname "$0")/../tools/export_capture.sh"
require_tools softflowd tshark
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$mktraffic" "$work/traffic.pcap" 400 7

# a port range unlikely to collide with parallel runs
base=$((20000 + ($$ % 4000) * 10))
fail=0

export_capture() { # version sampling port out
	local v=$1 s=$2 port=$3 out=$4
	"$udpsink" "$out" "$port" 1500 60 >"$work/sink.$port" 2>&1 &
	local sink=$!
	for _ in $(seq 50); do grep -q READY "$work/sink.$port" 2>/dev/null && break; sleep 0.1; done
	local sargs=()
	[ "$s" -gt 1 ] && sargs=(-s "$s")
	timeout 60 softflowd -d -c none -r "$work/traffic.pcap" -v "$v" -6 "${sargs[@]}" \
		-n "127.0.0.1:$port" -t maxlife=60 >"$work/softflowd.$port" 2>&1
	wait $sink
}

nfwatch_sums() { # file -> "records packets bytes"
	"$query" -r "$1" -o csv | awk -F, 'NR > 1 { n++; p += $9; b += $10 } END { printf "%d %d %d\n", n, p, b }'
}

tshark_sums() { # file port -> "records packets bytes"
	tshark -r "$1" -d "udp.port==$2,cflow" -T fields -E occurrence=a -e cflow.octets \
		-e cflow.packets 2>/dev/null |
		awk -F'\t' '{ n += split($1, a, ","); for (i in a) b += a[i];
			      split($2, c, ","); for (i in c) p += c[i] }
			    END { printf "%d %d %d\n", n, p, b }'
}

drops() { # file -> datagrams dropped
	"$query" -q --stats=json -r "$1" | python3 -c \
		'import json,sys; t=json.load(sys.stdin)["total"]; print(t["datagrams"] - t["decoded"], t["datagrams"])'
}

i=0
for v in 5 9 10; do
	for s in 1 10; do
		[ "$v" = 5 ] && [ "$s" = 10 ] && continue # softflowd v5 does not announce sampling
		i=$((i + 1))
		port=$((base + i))
		cap="$work/export-v$v-s$s.pcap"
		export_capture "$v" "$s" "$port" "$cap"
		read -r nr np nb <<<"$(nfwatch_sums "$cap")"
		read -r tr tp tb <<<"$(tshark_sums "$cap" "$port")"
		read -r dropped dgrams <<<"$(drops "$cap")"
		echo "v$v 1:$s  datagrams $dgrams dropped $dropped  nfwatch: $nr records $np packets $nb bytes" \
		     " tshark: $tr records $tp packets $tb bytes"
		if [ "$dgrams" -eq 0 ] || [ "$dropped" -ne 0 ] || [ "$nr" -ne "$tr" ] || [ "$nr" -eq 0 ] ||
		   [ "$np" -ne $((tp * s)) ] || [ "$nb" -ne $((tb * s)) ]; then
			echo "MISMATCH for v$v 1:$s"
			fail=1
		fi
	done
done
# v9 and IPFIX carry the IPv6 flows too: all 400 flows of the traffic
read -r n9 _ _ <<<"$(nfwatch_sums "$work/export-v9-s1.pcap")"
[ "$n9" -eq 400 ] || { echo "v9 records $n9, expected 400"; fail=1; }
[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
