#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The control plane against the appliance on net_pcap, no NIC needed:
#  1. --cmdline-file, 3 workers on 2 CPUs: per exporter, datagrams and
#     records equal nfwatch-query's; the template ids equal; the top three
#     sources by bytes from the sketches are the offline top three, within
#     their stated error, and `show changes` names them as they go quiet;
#     `show finding ID` shows a finding the offline tool
#     raises; `show detect stats` equals the offline tool's --stats=json
#     detection counters; `save report` writes a report that validates against the
#     schema with the offline tool's finding ids.
#  2. a script stops at its first error, names the line, exits 1, and the
#     error says what was expected.
#  3. the prompt under tmux: TAB completes, help answers, quit exits 0.
#  4. while the workers run (net_pcap looping): the socket (0600) and the
#     telemetry endpoints answer, counts grow, stop holds them still and
#     start resumes; bad lines get errors, an idle client does not block
#     others; quit over the socket stops the appliance cleanly.
#
# usage: test_ctl.sh NFWATCH NFWATCH_GEN NFWATCH_QUERY NFWATCH_CTL
set -uo pipefail
app=$1 gen=$2 query=$3 ctl=$4
work=$(mktemp -d)
sess=nfwc$$
cleanup() {
	tmux kill-session -t $sess 2>/dev/null || true
	[ -n "${bg:-}" ] && kill "$bg" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
pass=0 fail=0
check() {
	if [ "$2" -eq 0 ]; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi
}
eal=(--no-huge -m 768 --no-pci --no-shconf --log-level=4)
py=/usr/bin/python3 # Debian's, with python3-jsonschema

"$gen" --scenario small --out "$work/in.pcap" 2>/dev/null
"$query" -q --stats=json -r "$work/in.pcap" >"$work/q.json"
"$query" -r "$work/in.pcap" -o csv >"$work/q.csv"
"$query" -q -r "$work/in.pcap" --report "$work/offline.json" --stats=json 2>/dev/null >"$work/offline-stats.json"
beacon=$($py -c 'import json,sys; print([f["id"] for f in json.load(open(sys.argv[1]))["findings"] if f["type"] == "beaconing"][0])' "$work/offline.json")

# 1. a script with exact values
cat >"$work/s1.cmd" <<EOF
# wait for the capture to be read, close the flows, then look
wait idle 60
show exporters
show templates
flush flows
rotate segments
show top src 3
show sketch
show changes src 3
show finding $beacon
show findings type beaconing
show detect stats
save report $work/r.json
show port stats all
quit
EOF
timeout 120 "$app" --lcores '0@0,1@1,2@1,3@1' "${eal[@]}" --file-prefix nfwc1-$$ \
	--vdev "net_pcap0,rx_pcap=$work/in.pcap" -- --mode full --segments "$work/seg" --detect --epoch 3600 --report-dir "$work" \
	--cmdline-file "$work/s1.cmd" --ctl-socket none >"$work/s1.out" 2>"$work/s1.err"
rc=$?
check "script run exit ($rc)" $([ $rc -eq 0 ]; echo $?)
$py - "$work/s1.out" "$work/q.json" "$work/q.csv" "$work/offline.json" "$work/r.json" "$beacon" \
	"${NFW_TESTDATA:-../shared/testdata}/../spec/findings.schema.json" "$work/offline-stats.json" <<'PY'
import collections, csv, json, sys
out, q, qcsv, off, rep, beacon, schema = sys.argv[1:8]
# the transcript: command -> answer lines
ans, cur = {}, None
for line in open(out):
    line = line.rstrip('\n')
    if line.startswith('nfwatch> '):
        cur = line[len('nfwatch> '):]
        ans[cur] = []
    elif cur is not None:
        ans[cur].append(line)
def table(cmd):
    rows = ans[cmd]
    head = rows[0].split()
    return [dict(zip(head, r.split())) for r in rows[1:]]
q = json.load(open(q))
ex = {(r['exporter'], int(r['port'])): r for r in table('show exporters')}
assert len(ex) == len(q['exporters']) == 3, ex
for e in q['exporters']:
    r = ex[(e['addr'], e['port'])]
    assert int(r['datagrams']) == e['datagrams'] and int(r['records']) == e['records'], (r, e)
    assert int(r['dropped']) == e['dropped_total'], (r, e)
tpl = {(r['exporter'], int(r['port']), int(r['id'])) for r in table('show templates')}
want = {(t['exporter'], t['exporter_port'], t['id']) for t in q['templates']}
assert tpl == want, (tpl, want)
# top talkers from the sketches against the capture's own sums
by = collections.Counter()
for r in csv.DictReader(open(qcsv)):
    by[r['src_ip']] += int(r['bytes'])
top = table('show top src 3')
assert [r['src'] for r in top] == [k for k, _ in by.most_common(3)], (top, by.most_common(3))
for r in top:
    assert int(r['bytes']) - int(r['error']) <= by[r['src']] <= int(r['bytes']), (r, by[r['src']])
# heavy changers: everything so far, epoch by epoch (--epoch 3600: the epochs here are the ones
# show top and show sketch end), against the empty epoch show sketch ended: the same three
# sources, all of their rate gone
ch = table('show changes src 3')
assert [r['src'] for r in ch] == [r['src'] for r in top], (ch, top)
for r in ch:
    assert int(r['before_bps']) > 0 and int(r['after_bps']) == 0, r
    assert int(r['change_bps']) == -int(r['before_bps']), r
# one finding, as the offline tool raises it
fl = ans['show finding ' + beacon]
assert any(l.split() == ['id:', beacon] for l in fl), fl
assert any(l.split() == ['type:', 'beaconing'] for l in fl), fl
assert any(beacon in l for l in ans['show findings type beaconing']), ans['show findings type beaconing']
# the saved report: the schema, and the offline tool's findings
r = json.load(open(rep))
import jsonschema
jsonschema.validate(r, json.load(open(schema)))
got, want = sorted(f['id'] for f in r['findings']), sorted(f['id'] for f in json.load(open(off))['findings'])
assert got == want, (got, want)
# the detectors' counters: every one, and the same as the offline tool's
ds = {r['counter']: int(r['value']) for r in table('show detect stats')}
off_ds = json.load(open(sys.argv[8]))['detection']
assert ds == off_ds and len(ds) == 26, (ds, off_ds)
assert ds['flows'] > 0 and ds['beacon_tuples'] >= 1, ds
ps = table('show port stats all')
assert int(ps[0]['rx_packets']) == q['total']['datagrams'] == int(ps[0]['taken']), (ps, q['total'])
assert ans['quit'][0] == 'bye', ans['quit']
assert ans['rotate segments'] == ['segments rotated'], ans['rotate segments']
PY
check "script answers equal the offline tool" $?

# 2. the first error stops the script, with its line, exit 1
printf 'show exporters\n\n# a comment\nshow port stats 70000\nshow lcores\n' >"$work/s2.cmd"
timeout 60 "$app" -l 0-1 "${eal[@]}" --file-prefix nfwc2-$$ --vdev "net_pcap0,rx_pcap=$work/in.pcap" -- \
	--mode decode --cmdline-file "$work/s2.cmd" --ctl-socket none >"$work/s2.out" 2>"$work/s2.err"
rc=$?
check "script error exit ($rc)" $([ $rc -eq 1 ] &&
	grep -q "s2.cmd:4: the command failed; the script stops here" "$work/s2.err" &&
	grep -q "^error: show port stats: expected all or <port> (0..1023), got '70000'$" "$work/s2.out" &&
	! grep -q "show lcores" "$work/s2.out"; echo $?)

# 3. the prompt under tmux
if command -v tmux >/dev/null; then
	tmux new-session -d -s $sess -x 220 -y 50 \
		"$app -l 0-1 ${eal[*]} --file-prefix nfwc3-$$ --vdev net_pcap0,rx_pcap=$work/in.pcap -- --mode flow -i --ctl-socket none; echo EXIT=\$? >$work/tmux.rc; sleep 30"
	screen() { tmux capture-pane -p -t $sess -S -200; }
	waitfor() { # pattern: up to 20 s
		for _ in $(seq 100); do screen | grep -q -e "$1" && return 0; sleep 0.2; done
		return 1
	}
	waitfor 'nfwatch>'; r1=$?
	tmux send-keys -t $sess 'show lc' Tab
	waitfor 'nfwatch> show lcores'; r2=$?
	tmux send-keys -t $sess Enter
	waitfor 'worker *running'; r3=$?
	tmux send-keys -t $sess 'help allowl' Tab Enter
	waitfor 'allowlist <op:add|del> <role:'; r4=$?
	tmux send-keys -t $sess 'show port stats 99' Enter
	waitfor 'error: no port 99 (1 port)'; r5=$?
	tmux send-keys -t $sess 'quit' Enter
	for _ in $(seq 100); do [ -s "$work/tmux.rc" ] && break; sleep 0.2; done
	check "prompt: prompt $r1, completion $r2, command $r3, help $r4, error $r5, exit $(cat "$work/tmux.rc" 2>/dev/null)" \
		$([ $r1$r2$r3$r4$r5 = 00000 ] && grep -q EXIT=0 "$work/tmux.rc"; echo $?)
	tmux kill-session -t $sess 2>/dev/null
else
	echo "SKIP: no tmux (scripts/setup.sh installs it)"
fi

# 4. socket and telemetry while the workers run
sock=$work/ctl.sock
timeout 90 "$app" -l 0-1 "${eal[@]}" --file-prefix nfwc4-$$ \
	--vdev "net_pcap0,rx_pcap=$work/in.pcap,infinite_rx=1" -- --mode decode --duration 60 \
	--ctl-socket "$sock" >"$work/s4.out" 2>&1 &
bg=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
mode=$(stat -c %a "$sock" 2>/dev/null)
check "socket mode ($mode)" $([ "$mode" = 600 ]; echo $?)
$py - "$ctl" "$sock" "/var/run/dpdk/nfwc4-$$/dpdk_telemetry.v2" <<'PY'
import json, socket, subprocess, sys, time
ctl, sock, tel = sys.argv[1:4]
def run(*cmd, ok=0):
    p = subprocess.run([ctl, '-s', sock, *cmd], capture_output=True, text=True, timeout=30)
    assert p.returncode == ok, (cmd, p.returncode, p.stdout, p.stderr)
    return p
def exporters():
    return {(e['exporter'], e['port']): e['datagrams'] for e in json.loads(run('-j', 'show exporters').stdout)}
def raw(data):  # one line straight onto the socket; the whole answer, to EOF
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect(sock); s.settimeout(10)
    s.send(data); got = b''
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
    s.close()
    return got
def telemetry(cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(tel)
    json.loads(s.recv(16384))
    s.send(cmd.encode())
    r = json.loads(s.recv(65536))[cmd]
    s.close()
    return r
time.sleep(0.5)
a = exporters(); time.sleep(0.5); b = exporters()
assert len(a) == 3 and all(b[k] > a[k] for k in a), (a, b)
# an idle client does not hold the others up
idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); idle.connect(sock)
t0 = time.time(); run('show', 'lcores'); assert time.time() - t0 < 1.5
idle.close()
# stop holds the counters still, start resumes, state kept
assert run('stop').stdout == 'workers paused (state kept; \'start\' resumes)\n'
time.sleep(0.3); s1 = exporters(); time.sleep(0.5); s2 = exporters()
assert s1 == s2, (s1, s2)
assert 'paused' in run('show', 'lcores').stdout
run('stop', ok=1)
run('start'); time.sleep(0.5); s3 = exporters()
assert all(s3[k] > s2[k] for k in s2), (s2, s3)
# telemetry: the snapshots
st = telemetry('/nfwatch/stats')
assert 0 < st['datagrams'] <= st['rx_pkts'] and st['records'] > 0, st  # counters read while running
ex = telemetry('/nfwatch/exporters')
assert sorted(e['exporter'] for e in ex.values()) == ['192.0.2.1', '192.0.2.2', '192.0.2.3'], ex
assert sorted(ex) == ['0', '1', '2'], ex
assert telemetry('/nfwatch/findings') == {}
# bad input: errors, never a crash
p = run('show', 'port', 'stats', '99999', ok=1)
assert p.stderr == "error: show port stats: expected all or <port> (0..1023), got '99999'\n", p.stderr
p = run('x' * 600, ok=2)  # the client refuses it before sending
got = raw(b'y' * 600 + b'\n')
assert got == b'1\nerror: line longer than 511 characters\n', got
p = run('set', 'sampling', '192.0.2.1', '-5', ok=1)
assert 'rate' in p.stderr, p.stderr
p = run('show', 'flows', 'top', '5', 'by', 'bytes', ok=1)
assert p.stderr == 'error: no flow tables in decode mode\n', p.stderr
got = raw(b'\x00\xff garbage \x01\n')
assert got == b'1\nerror: a NUL byte in the line\n', got
got = raw(b'show \xff\x01 lcores\n')
assert got == b'1\nerror: control character 0x01 in the line\n', got
# the exporter allow / deny list, changed while running
run('set', 'exporter', 'deny', '192.0.2.1')
time.sleep(0.3); d1 = exporters(); time.sleep(0.5); d2 = exporters()
assert d2[('192.0.2.1', 40000)] == d1[('192.0.2.1', 40000)], (d1, d2)
assert d2[('192.0.2.2', 40001)] > d1[('192.0.2.2', 40001)], (d1, d2)
lc = [l.split() for l in run('show', 'lcores').stdout.splitlines()]
assert int(lc[2][lc[0].index('denied')]) > 0, lc
assert json.loads(run('-j', 'show', 'config').stdout)['appliance']['exporters_denied'] == ['192.0.2.1/32']
run('set', 'exporter', 'allow', '192.0.2.0/24')
time.sleep(0.3); d3 = exporters(); time.sleep(0.5); d4 = exporters()
assert d4[('192.0.2.1', 40000)] > d3[('192.0.2.1', 40000)], (d3, d4)
run('set', 'sampling', '192.0.2.1', '100')
assert '100' in run('show', 'exporters').stdout
assert run('quit').stdout == 'bye\n'
PY
check "socket and telemetry while running" $?
wait $bg
rc=$?
bg=
check "quit over the socket: exit ($rc)" $([ $rc -eq 0 ] && grep -q "^summary: rx" "$work/s4.out" && [ ! -e "$sock" ]; echo $?)

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
