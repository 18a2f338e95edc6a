#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The detectors on traffic nfwatch did not make. mkattacks.py (an
# independent packet-level model of a small site: handshakes, replies,
# resets, silent hosts) writes a three-hour capture with ten attacks and
# their benign look-alikes; two real exporters turn it into flow records
# with a router's timeouts (active 300 s: the long uploads arrive as several
# records): softflowd as NetFlow v5, v9 and IPFIX, and pmacct (pmacctd's
# nfprobe) as IPFIX; nfwatch-query --report reads each export.
#
# For each export:
#  - exactly the ten attacks are reported (a slow scan, one probe every
#    40 s, a 30-second SYN flood on a quiet server, a tunnel straight to a
#    public resolver and 200 MB sent in pieces over 2.5 h among them), with the
#    entities FINDINGS.md asks for: nothing on the NTP server, the SNMP
#    poller, the resolver and its forwarding, the browsing workstations, a
#    page pulled from 80 CDN hosts at once, a flash crowd of real clients or
#    the backup (a role);
#  - their evidence counts what the capture holds: the beacon's sessions and
#    period, the exfiltration's bytes out and in exactly (its records
#    stitched back together), the tunnels' bytes exactly, the lateral
#    sweep's attempts and failures exactly, the scans' hosts and ports
#    within the HyperLogLog's error, the flood's rate within 10 %.
# Then IPFIX with softflowd's packet sampling (it announces the rate):
#  - 1:10: the beacon (by the phases of the sessions seen, ~half of them),
#    the flood and the exfiltration (bytes scaled, within 10 %) are found, and say
#    sampling 10; the other attacks may be, from what is left of them (with
#    sampling 10 in their evidence too); nothing else;
#  - 1:100: the flood and the exfiltration (within 15 %) are found with sampling 100;
#    nothing else but what the attacks leave.
#
# usage: exporters_detect.sh UDPSINK NFWATCH_QUERY
# Exit 77 (skip) when softflowd or pmacctd is missing (scripts/setup.sh installs both).
set -euo pipefail
udpsink=$1 query=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/export_capture.sh"
require_tools softflowd pmacctd
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/mkattacks.py" "$work/site.pcap" "$work/truth.json" 3
cat >"$work/site.json" <<'EOF'
{ "home": ["10.0.0.0/8"], "roles": { "backup": ["10.20.0.50/32"] } }
EOF

base=$((24000 + ($$ % 4000) * 10))
fail=0
export_report() { # version|pmacct sampling -> $work/report-v$1-s$2.json
	local v=$1 s=$2 port=$((base + ${1/pmacct/4} + $2 % 7)) cap="$work/export-v$1-s$2.pcap"
	export_capture "$udpsink" "$work/site.pcap" "$v" "$s" "$port" "$cap" "$work"
	export_whole "$query" "$cap" || fail=1
	"$query" -q -r "$cap" --report "$work/report-v$v-s$s.json" --detect-config "$work/site.json" 2>"$work/query.$v"
}
for v in 5 9 10 pmacct; do
	export_report $v 1
	if ! python3 - "$work/report-v$v-s1.json" "$work/truth.json" "$v" <<'PY'
import json, sys
rep, truth, v = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
by_id = {f['id']: f for f in rep['findings']}
t = truth
want = {
    'port_scan-%s---%d-tcp' % (t['horizontal_scan']['src'], t['horizontal_scan']['dst_port']),
    'port_scan-%s-%s---tcp' % (t['vertical_scan']['src'], t['vertical_scan']['dst']),
    'port_scan-%s---%d-tcp' % (t['slow_scan']['src'], t['slow_scan']['dst_port']),
    'beaconing-%s-%s-%d-tcp' % (t['beacon']['src'], t['beacon']['dst'], t['beacon']['dst_port']),
    'lateral_movement-%s---445-tcp' % t['lateral_movement']['src'],
    'dns_tunneling-%s-%s-53-udp' % (t['dns_tunnel']['src'], t['dns_tunnel']['resolver']),
    'exfiltration-%s-%s----' % (t['exfiltration']['src'], t['exfiltration']['dst']),
    'volumetric---%s----' % t['flood']['dst'],
    'dns_tunneling-%s-%s-53-udp' % (t['dns_tunnel_direct']['src'], t['dns_tunnel_direct']['resolver']),
    'exfiltration-%s-%s----' % (t['slow_exfiltration']['src'], t['slow_exfiltration']['dst']),
}
assert set(by_id) == want, (v, 'missed', want - set(by_id), 'false alarms', set(by_id) - want)

def near(x, want, rel):
    return abs(x - want) <= want * rel

h = by_id['port_scan-203.0.113.66---22-tcp']['evidence']
probes = t['horizontal_scan']['probes']
# the count-min prefilter holds back a scanner's first ~20 weighted attempts
assert h['kind'] == 'horizontal' and probes - 25 <= h['attempts'] <= probes, h
assert near(h['distinct_dsts'], h['attempts'], 0.15) and h['failed_share'] == 1.0, h
sl = by_id['port_scan-198.51.100.77---3389-tcp']['evidence']
assert sl['kind'] == 'horizontal' and probes - 25 <= sl['attempts'] <= probes and sl['failed_share'] == 1.0, sl
vs = by_id['port_scan-%s-%s---tcp' % (t['vertical_scan']['src'], t['vertical_scan']['dst'])]['evidence']
assert vs['kind'] == 'vertical' and near(vs['distinct_ports'], t['vertical_scan']['ports'], 0.15), vs
b = by_id['beaconing-10.20.4.21-198.51.100.31-443-tcp']['evidence']
# pmacct now and then exports a session's trailing ACK, after the FINs, as a flow of its own
slack = 2 if v == 'pmacct' else 0
assert abs(b['connections'] - t['beacon']['sessions']) <= slack and abs(b['period_s'] - 60) < 3, b
lm = by_id['lateral_movement-10.20.7.7---445-tcp']['evidence']
lt = t['lateral_movement']
assert lm['attempts'] == lt['attempts'] and lm['failed_share'] == lt['failed'] / lt['attempts'], lm
assert near(lm['distinct_internal_dsts'], lt['hosts'], 0.15) and lm['ports'] == '445,3389', lm
dn = by_id['dns_tunneling-10.20.9.9-10.20.0.53-53-udp']['evidence']
# one flow per query, except where the client reused a source port within the exporter's UDP timeout
assert dn['bytes_out'] == t['dns_tunnel']['bytes_out'] and 1700 <= dn['flows'] <= 1800, dn
ex = by_id['exfiltration-10.20.12.34-203.0.113.200----']['evidence']
te = t['exfiltration']
# one upload, its records stitched back together; softflowd may cut it once more when the
# flash crowd fills its flow table, and it calls that cut an idle timeout: a second flow
assert ex['bytes_out'] == te['bytes_out'] and ex['bytes_in'] == te['bytes_in'] and ex['flows'] <= 2, ex
assert ex['max_1h_bytes'] == te['bytes_out'], ex
d2 = by_id['dns_tunneling-10.20.9.10-8.8.8.8-53-udp']['evidence']
assert d2['bytes_out'] == t['dns_tunnel_direct']['bytes_out'] and 770 <= d2['flows'] <= 800, d2
sx = by_id['exfiltration-10.20.12.50-203.0.113.201----']['evidence']
assert sx['bytes_out'] == t['slow_exfiltration']['bytes_out'] and sx['max_1h_bytes'] < sx['bytes_out'] / 2, sx
fl = by_id['volumetric---10.20.0.80----']
# the first ~5000 packets go to the prefilter; a bucket may straddle the start (v5 times are coarser)
assert fl['src'] is None and abs(fl['evidence']['pps'] - 3000) <= 300, fl
assert fl['evidence']['distinct_srcs'] > 50000 and fl['evidence']['answered_share'] < 0.3, fl
print('%s: the ten attacks, nothing else; beacon %d sessions every %.1f s, exfiltration %d B in %d flows'
      % ('pmacct IPFIX' if v == 'pmacct' else 'softflowd v' + v, b['connections'], b['period_s'], ex['bytes_out'], ex['flows']))
PY
	then
		fail=1
	fi
done

for s in 10 100; do
	export_report 10 $s
	if ! python3 - "$work/report-v10-s$s.json" "$work/truth.json" "$s" <<'PY'
import json, sys
rep, t, rate = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), int(sys.argv[3])
by_id = {f['id']: f for f in rep['findings']}
exfil = 'exfiltration-10.20.12.34-203.0.113.200----'
beacon = 'beaconing-10.20.4.21-198.51.100.31-443-tcp'
flood = 'volumetric---10.20.0.80----'
must = {exfil, beacon, flood} if rate == 10 else {exfil, flood}
assert must <= set(by_id), ('1:%d' % rate, 'missed', must - set(by_id))
# the other attacks may be found from what sampling left of them (by their source); nothing else
t['flood']['src'] = None
kinds = {'horizontal_scan': 'port_scan', 'vertical_scan': 'port_scan', 'slow_scan': 'port_scan',
         'beacon': 'beaconing', 'dns_tunnel': 'dns_tunneling', 'dns_tunnel_direct': 'dns_tunneling',
         'flood': 'volumetric', 'lateral_movement': 'lateral_movement', 'exfiltration': 'exfiltration',
         'slow_exfiltration': 'exfiltration'}
assert set(kinds) == set(t), set(t) ^ set(kinds)
attackers = {(kinds[k], a['src']) for k, a in t.items()}
wrong = [f['id'] for f in by_id.values() if (f['type'], f['src']) not in attackers]
assert not wrong, ('1:%d' % rate, 'false alarms', wrong)
for f in by_id.values():
    assert f['evidence'].get('sampling') == rate, f
ex = by_id[exfil]['evidence']
assert abs(ex['bytes_out'] - t['exfiltration']['bytes_out']) <= t['exfiltration']['bytes_out'] * (0.1 if rate == 10 else 0.15), ex
assert abs(by_id[flood]['evidence']['pps'] - 3000) <= 3000 * (0.1 if rate == 10 else 0.2), by_id[flood]
if rate == 10:
    b = by_id[beacon]['evidence']
    n = t['beacon']['sessions']
    assert abs(b['period_s'] - 60) < 3 and n * 0.3 <= b['connections'] <= n * 0.7, b
    assert abs(b['sessions_estimated'] - n) <= n * 0.03 + 1, b  # from the first to the last session seen
print('1:%d: %s; exfiltration %.0f B of %d' % (rate, ', '.join(sorted(by_id)), ex['bytes_out'], t['exfiltration']['bytes_out']))
PY
	then
		fail=1
	fi
done
exit $fail
