# SPDX-License-Identifier: BSD-3-Clause
#
# export_capture UDPSINK CAPTURE EXPORTER SAMPLING PORT OUT WORKDIR
#
# A real exporter turns a packet capture into flow records with a router's
# timeouts (active 300 s, so long flows arrive as several records):
# EXPORTER 5, 9 or 10 is softflowd (NetFlow v5, v9, IPFIX; SAMPLING > 1:
# its packet sampling, which it announces), "pmacct" is pmacctd's nfprobe
# (IPFIX). The export goes over loopback to PORT, where udpsink writes every
# datagram to OUT (a pcap). Sourced by the tests that feed the detectors
# traffic nfwatch did not make (tests/crosscheck/exporters_detect.sh,
# tests/detect/test_site.sh).

# require_tools TOOL...: exit 77 (skip) when one is missing (scripts/setup.sh installs them all)
require_tools() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null; then
			echo "SKIP: $tool not installed"
			exit 77
		fi
	done
}

# export_whole NFWATCH_QUERY EXPORT: the whole export arrived and decoded (no datagram lost on
# loopback, none dropped)
export_whole() {
	"$1" -q --stats=json -r "$2" | python3 -c 'import json, sys
t = json.load(sys.stdin)["total"]
assert t["datagrams"] > 0 and t["seq_lost"] == 0 and t["dropped_total"] == 0, t'
}

export_capture() {
	local udpsink=$1 capture=$2 v=$3 s=$4 port=$5 out=$6 work=$7 sargs=()
	[ "$s" -gt 1 ] && sargs=(-s "$s")
	# pmacctd exports every expint (10 s) as it reads: the sink waits out its pauses
	local idle=1500
	[ "$v" = pmacct ] && idle=12000
	"$udpsink" "$out" "$port" $idle 120 >"$work/sink.$v.$s" 2>&1 &
	local sink=$!
	for _ in $(seq 50); do grep -q READY "$work/sink.$v.$s" 2>/dev/null && break; sleep 0.1; done
	if [ "$v" = pmacct ]; then
		cat >"$work/pmacct.conf" <<PMACCT
daemonize: false
pcap_savefile: $capture
pcap_savefile_wait: false
plugins: nfprobe
nfprobe_receiver: 127.0.0.1:$port
nfprobe_version: 10
nfprobe_timeouts: tcp=300:tcp.fin=30:tcp.rst=30:udp=60:maxlife=300:expint=10
aggregate: src_host, dst_host, src_port, dst_port, proto, tcpflags
PMACCT
		timeout 120 pmacctd -f "$work/pmacct.conf" >"$work/pmacctd.log" 2>&1
	else
		timeout 120 softflowd -d -c none -r "$capture" -v "$v" "${sargs[@]}" -n "127.0.0.1:$port" \
			-t maxlife=300 -t tcp=300 -t tcp.fin=30 -t tcp.rst=30 -t udp=60 >"$work/softflowd.$v.$s" 2>&1
	fi
	wait $sink
}
