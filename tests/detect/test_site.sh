#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The detectors scored on a site they were not tuned to. mksite.py writes
# four hours of a 340-host site on patch day, packet by packet (shared
# keepalives, an update storm, a proxy, CDN video, backups, monitoring, a
# jump host, a busy resolver) with ten attacks at realistic strength
# (tests/detect/mksite.py says which); real exporters turn it into flow
# records (softflowd NetFlow v5, v9 and IPFIX, pmacct IPFIX, softflowd
# IPFIX sampled 1:100); nfwatch-query --report reads each export with the
# site's configuration (its home network, the backup server's role) and
# score.py judges the report against the labels.
#
# Bars, for every export:
#  - unsampled: every attack found with its type and entities, no finding
#    on benign traffic (so every attack ranks above every false finding);
#  - 1:100: the flood, the bulk exfiltration and the steady beacon found,
#    and still no finding on benign traffic;
#  - the appliance (--detect, net_pcap reading the v9 export) reports the
#    same findings as the offline tool.
# The score table of each run is printed (bench/RESULTS.md has them).
#
# usage: test_site.sh UDPSINK NFWATCH_QUERY NFWATCH
# Exit 77 (skip) when softflowd or pmacctd is missing (scripts/setup.sh installs both).
set -uo pipefail
udpsink=$1 query=$2 app=$3
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/export_capture.sh"
require_tools softflowd pmacctd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/mksite.py" "$work/site.pcap" "$work/labels.json" 1 || exit 1
python3 -c 'import json, sys; json.dump(json.load(open(sys.argv[1]))["site"], open(sys.argv[2], "w"))' \
	"$work/labels.json" "$work/site.json"

base=$((28000 + ($$ % 3000) * 10))
fail=0
run() { # exporter sampling score-options...
	local v=$1 s=$2
	shift 2
	local cap="$work/export-$v-$s.pcap" rep="$work/report-$v-$s.json" name="softflowd v$v"
	[ "$v" = pmacct ] && name="pmacct IPFIX"
	[ "$s" -gt 1 ] && name="$name 1:$s"
	export_capture "$udpsink" "$work/site.pcap" "$v" "$s" $((base + ${v/pmacct/4} + s % 7)) "$cap" "$work"
	if ! export_whole "$query" "$cap"; then
		echo "FAIL: $name: the export did not arrive whole"
		fail=1
	fi
	"$query" -q -r "$cap" --report "$rep" --detect-config "$work/site.json" 2>/dev/null
	python3 "$here/score.py" "$rep" "$work/labels.json" --name "$name" "$@" || fail=1
}
for v in 5 9 10 pmacct; do
	run $v 1 --min-recall 1 --max-false 0 --attacks-first
done
run 10 100 --must reflection_flood,bulk_exfiltration,beacon_pair --min-recall 1 --max-false 0 --attacks-first

# the appliance on the v9 export: the same findings as the offline tool
cat >"$work/app.cmd" <<CMD
wait idle 60
flush flows
save report $work/appliance.json
quit
CMD
timeout 180 "$app" --lcores '0@0,1@1,2@1' --no-huge -m 1024 --no-pci --no-shconf --log-level=4 \
	--file-prefix nfwsite-$$ --vdev "net_pcap0,rx_pcap=$work/export-9-1.pcap" -- --mode flow --detect \
	--detect-config "$work/site.json" --report-dir "$work" --cmdline-file "$work/app.cmd" --ctl-socket none \
	>"$work/app.out" 2>"$work/app.err"
rc=$?
if [ $rc -ne 0 ]; then
	echo "FAIL: the appliance exited $rc"
	tail -5 "$work/app.err"
	fail=1
elif ! python3 - "$work/appliance.json" "$work/report-9-1.json" <<'PY'
import json, sys
got = sorted(f['id'] for f in json.load(open(sys.argv[1]))['findings'])
want = sorted(f['id'] for f in json.load(open(sys.argv[2]))['findings'])
assert got == want, ('appliance', got, 'offline', want)
print('appliance --detect on the v9 export: the offline tool\'s %d findings' % len(got))
PY
then
	fail=1
fi
exit $fail
