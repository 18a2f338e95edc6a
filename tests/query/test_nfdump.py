#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
nfwatch-query against Debian's nfdump 1.7 on the same flows: the analysts'
everyday commands (-s, -A, -b, -t, -O, -c, -o fmt:, filters with port in [])
must give the same rows in the same order with the same counts.

The default scenario's capture (766 053 records, 6 h, three exporters) is
replayed over loopback into nfcapd; nfdump reads nfcapd's files, and
nfwatch-query reads the capture itself. Both print with -N (exact numbers)
and the same fmt: tokens or csv columns, so rows compare field by field.
Ties: nfdump leaves the order of equal values to its hash table, nfwatch
breaks them by key; so the column a command is ordered by must agree row
for row, and the rows of each equal-value group must agree as a set (the
last group of a top N only in size, as either may cut it anywhere).

usage: test_nfdump.py NFWATCH_GEN NFWATCH_QUERY
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

gen, query = sys.argv[1], sys.argv[2]
if shutil.which('nfdump') is None or shutil.which('nfcapd') is None:
    print('SKIP: nfdump / nfcapd not installed (scripts/setup.sh installs them)')
    sys.exit(77)

work = tempfile.mkdtemp()
passed = failed = 0


def check(name, ok, detail=''):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print('FAIL:', name, detail)


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        raise RuntimeError('%s: exit %d: %s' % (' '.join(cmd), r.returncode, r.stderr[-2000:]))
    return r.stdout


try:
    cap = os.path.join(work, 'default.pcap')
    run([gen, '--scenario', 'default', '--out', cap])

    # nfcapd on a loopback port; the replay is paced and bounded; retried slower on loss
    want = None
    for pps in (8000, 3000):
        store = os.path.join(work, 'nfcapd')
        shutil.rmtree(store, ignore_errors=True)
        os.makedirs(store)
        port = 20000 + os.getpid() % 10000
        d = subprocess.Popen(['nfcapd', '-w', store, '-p', str(port), '-b', '127.0.0.1',
                              '-B', '8388608', '-t', '86400'],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        run([gen, '--replay', cap, '--send', '127.0.0.1:%d' % port, '--pps', str(pps),
             '--max-seconds', '120'])
        time.sleep(1.5)
        d.send_signal(signal.SIGTERM)
        d.wait(timeout=30)
        got = [l for l in run(['nfdump', '-R', store, '-I']).splitlines() if l.startswith('Flows:')]
        n_nfdump = int(got[0].split()[1])
        summ = [l for l in run([query, '-r', cap, '-N', '-s', 'proto']).splitlines()
                if l.startswith('Summary:')][0]
        want = int(summ.split('total flows: ')[1].split(',')[0])
        if n_nfdump == want:
            break
        print('note: nfcapd stored %d of %d records at %d datagrams/s; again slower' % (n_nfdump, want, pps))
    check('nfcapd stored every record', n_nfdump == want, '%d of %d' % (n_nfdump, want))

    A = '10.20.9.10'       # the scenario's bulk exfiltration source
    X = '10.20.0.0/16'     # the site
    FMT = 'fmt:%sa|%sp|%da|%dp|%pr|%pkt|%byt|%fl'

    def both(args, fmt=None):
        """nfdump's and nfwatch-query's output lines for the same arguments"""
        extra = ['-N', '-q'] + (['-o', fmt] if fmt else [])
        a = run(['nfdump', '-R', store] + extra + args).splitlines()
        b = run([query, '-r', cap] + extra + args).splitlines()
        return a, b

    def short(v):
        # nfdump cuts an address longer than its 16-character column to 7 + '..' + 7
        return v[:7] + '..' + v[-7:] if ':' in v and len(v) > 16 else v

    def rows_csv(lines):
        # element statistics csv: ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp
        out = []
        for l in lines:
            f = l.split(',')
            if len(f) == 14 and f[0] != 'ts':
                out.append(tuple(short(x.strip()) for x in f))
        return out

    def rows_fmt(lines, bars=7):
        return [tuple(short(x.strip()) for x in l.split('|')) for l in lines if l.count('|') == bars]

    def same_ranked(name, a, b, col):
        """equal values in col row by row; equal sets within each group of equal values"""
        va, vb = [r[col] for r in a], [r[col] for r in b]
        if va != vb:
            check(name + ': ordered column', False, '\n nfdump %s\n ours   %s' % (va[:12], vb[:12]))
            return
        groups = {}
        for r in a:
            groups.setdefault(r[col], [[], []])[0].append(r)
        for r in b:
            groups[r[col]][1].append(r)
        last = va[-1] if va else None
        bad = [v for v, (x, y) in groups.items() if v != last and sorted(x) != sorted(y)]
        check(name, not bad and len(a) > 0,
              'rows differ at %s: nfdump %s ours %s' % (bad[:1], groups[bad[0]][0][:3], groups[bad[0]][1][:3])
              if bad else 'no rows')

    def same_set(name, a, b):
        check(name, sorted(a) == sorted(b) and len(a) > 0,
              '%d vs %d rows; first only in nfdump: %s; only ours: %s' %
              (len(a), len(b), sorted(set(a) - set(b))[:2], sorted(set(b) - set(a))[:2]))

    # element statistics: csv columns identical in both tools
    COLS = {'flows': 5, 'packets': 7, 'bytes': 9, 'pps': 11, 'bps': 12, 'bpp': 13}
    for stat, n, filt in [('srcip/bytes', 10, []), ('dstip/flows', 10, []), ('dstport/bytes', 10, []),
                          ('srcport/packets', 10, []), ('ip/flows', 10, []), ('port/bytes', 10, []),
                          ('proto/flows', 0, []), ('srcip/bps', 10, []), ('dstip/pps', 10, []),
                          ('srcip/bpp', 10, []),
                          ('dstport/bytes', 20,
                           ['src net 192.168.0.0/16 or src net %s and not dst port in [80 443 53 25 587 993 22]' % X]),
                          ('srcip/flows', 20, ['dst port 53']),
                          ('dstip/flows', 20, ['-t', '2026/01/15.14:00:00-2026/01/15.18:00:00',
                                               'src net %s and dst net %s' % (X, X)]),
                          ('srcip/flows', 20, ['proto udp']),
                          ('dstip/bytes', 10, ['proto tcp']),
                          ('srcip/flows', 20, ['src port 4444 or dst port 4444 or dst port 53'])]:
        a, b = both(['-s', stat, '-n', str(n), '-o', 'csv'] + filt)
        order = stat.split('/')[1]
        same_ranked('-s %s -n %d %s' % (stat, n, filt), rows_csv(a), rows_csv(b), COLS[order])

    # two statistics at once, in one pass
    a, b = both(['-s', 'srcip/bytes', '-s', 'dstport/flows', '-n', '5', '-o', 'csv'])
    ra, rb = rows_csv(a), rows_csv(b)
    check('two -s at once', len(ra) == len(rb) == 10 and [r[9] for r in ra[:5]] == [r[9] for r in rb[:5]]
          and [r[5] for r in ra[5:]] == [r[5] for r in rb[5:]], '%s\n%s' % (ra, rb))

    # top flows: -s record, with and without -A and filters
    for args, col in [(['-s', 'record/bytes', '-n', '10'], 6),
                      (['-s', 'record/flows', '-n', '20', 'src net %s and dst net %s and dst port in [445 3389 5985 22 135]' % (X, X)], 7),
                      (['-A', 'srcip,dstport', '-s', 'record/flows', '-n', '30', 'dst ip 198.18.0.2'], 7),
                      (['-A', 'srcip', '-s', 'record/packets', '-n', '10'], 5)]:
        a, b = both(args, FMT)
        same_ranked(' '.join(args), rows_fmt(a), rows_fmt(b), col)

    # nfdump 1.7.1 prints these two in the wrong order (3.1 G above 6.2 G): rows compared as a set,
    # and ours checked in order
    a, b = both(['-s', 'record/bytes', '-n', '20', 'src net %s and bytes > 104857600' % X], FMT)
    ra, rb = rows_fmt(a), rows_fmt(b)
    same_set('-s record/bytes, src net X and bytes > 100 M', ra, rb)
    check('... in descending order', [int(r[6]) for r in rb] == sorted((int(r[6]) for r in rb), reverse=True)
          and len(rb) == 2, rb)

    # aggregation alone (nfdump prints it in hash order: compared as sets) and ordered by -O
    for args in (['-A', 'srcip'], ['-A', 'srcip,dstip', 'dst port 53'], ['-A', 'proto,dstport', 'proto udp'],
                 ['-A', 'srcip4/24', 'ipv4'], ['-A', 'dstip4/16,dstport', 'ipv4 and proto tcp']):
        a, b = both(args, FMT)
        same_set(' '.join(args), rows_fmt(a), rows_fmt(b))
    a, b = both(['-A', 'srcip', '-O', 'bytes'], FMT)
    same_ranked('-A srcip -O bytes', rows_fmt(a), rows_fmt(b), 6)
    a, b = both(['-A', 'srcip,dstport', '-O', 'flows', '-n', '15'], FMT)
    same_ranked('-A srcip,dstport -O flows -n 15', rows_fmt(a), rows_fmt(b), 7)
    check('... 15 rows', len(rows_fmt(b)) == 15, len(rows_fmt(b)))

    # bidirectional: one conversation, both directions
    a, b = both(['-b', 'host %s and host 198.51.100.200' % A], 'fmt:%sa|%sp|%da|%dp|%pr|%ipkt|%opkt|%fl')
    same_set('-b host A and host B', rows_fmt(a), rows_fmt(b))
    check('... is one conversation', len(rows_fmt(b)) == 1 and int(rows_fmt(b)[0][7]) > 1, rows_fmt(b))
    a, b = both(['-b', 'proto tcp and src net %s' % X], 'fmt:%sa|%sp|%da|%dp|%pr|%pkt|%byt|%fl')
    same_set('-b over the site', rows_fmt(a), rows_fmt(b))

    # records: -O tstart with a filter, -c, fmt:, csv-like fields, plain filters
    F2 = 'fmt:%ts|%te|%td|%sa|%da|%sp|%dp|%pr|%pkt|%byt|%fl'
    for args in (['-O', 'tstart', 'src ip %s' % A], ['-O', 'bytes', 'dst port 22'],
                 ['src ip 10.20.0.10 and dst port 443'], ['proto tcp and dst port 443 and bytes > 1m'],
                 ['src port 4444 or dst port 4444 or dst port 3389'], ['-t', '2026/01/15.14:00:00-2026/01/15.14:05:00',
                                                      'proto udp and not dst port 53']):
        a, b = both(args, F2)
        ra, rb = [l.split('|') for l in a if l.count('|') == 10], [l.split('|') for l in b if l.count('|') == 10]
        ra = [tuple(short(x.strip()) for x in r) for r in ra]
        rb = [tuple(short(x.strip()) for x in r) for r in rb]
        if args[0] == '-O' and args[1] == 'tstart':
            same_ranked(' '.join(args), ra, rb, 0)
        elif args[0] == '-O':
            same_ranked(' '.join(args), ra, rb, 9)
        else:
            same_set(' '.join(args), ra, rb)

    # the summary line, as nfdump prints it
    for args in (['-s', 'srcip/bytes'], ['-b', 'host %s' % A], ['proto udp', '-s', 'dstport']):
        sa = [l for l in run(['nfdump', '-R', store, '-N'] + args).splitlines() if l.startswith('Summary:')]
        sb = [l for l in run([query, '-r', cap, '-N'] + args).splitlines() if l.startswith('Summary:')]
        check('summary of %s' % args, sa == sb and len(sa) == 1, '\n nfdump %s\n ours   %s' % (sa, sb))
    # and scaled numbers
    sa = [l for l in run(['nfdump', '-R', store, '-s', 'srcip/bytes']).splitlines() if l.startswith('Summary:')]
    sb = [l for l in run([query, '-r', cap, '-s', 'srcip/bytes']).splitlines() if l.startswith('Summary:')]
    check('scaled summary', sa == sb, '%s %s' % (sa, sb))

    # -w: the records written as nfwatch segments read back by -R give nfdump's rows too
    segs = os.path.join(work, 'segs')
    run([query, '-r', cap, '-w', segs])
    for args, col in ((['-s', 'srcip/bytes', '-o', 'csv'], 9), (['-s', 'dstport/flows', '-n', '20', '-o', 'csv'], 5)):
        a = run(['nfdump', '-R', store, '-N', '-q'] + args).splitlines()
        b = run([query, '-R', segs, '-N', '-q'] + args).splitlines()
        same_ranked('-R segments %s' % args, rows_csv(a), rows_csv(b), col)
    a = run(['nfdump', '-R', store, '-N', '-q', '-o', FMT, '-A', 'srcip,dstport', 'proto tcp']).splitlines()
    b = run([query, '-R', segs, '-N', '-q', '-o', FMT, '-A', 'srcip,dstport', 'proto tcp']).splitlines()
    same_set('-R segments -A srcip,dstport', rows_fmt(a), rows_fmt(b))

    # errors a user gets
    r = subprocess.run([query, '-r', cap, '-s', 'srcip/bites'], capture_output=True, text=True)
    check('bad order refused', r.returncode == 2 and "unknown order 'bites'" in r.stderr, r.stderr)
    r = subprocess.run([query, '-r', cap, '-o', 'fmt:%ts %zz'], capture_output=True, text=True)
    check('bad token refused', r.returncode == 2 and "unknown token '%zz'" in r.stderr, r.stderr)
    r = subprocess.run([query, '-r', cap, 'dst port in [80 443'], capture_output=True, text=True)
    check('unclosed list refused', r.returncode == 2 and "expected ']'" in r.stderr, r.stderr)
    r = subprocess.run([query, '-r', cap, '-A', 'srcip', '--agg-limit', '100'], capture_output=True, text=True)
    check('aggregation past its limit: clear error, exit 1',
          r.returncode == 1 and 'more than 100 distinct entries' in r.stderr, r.stderr[-300:])
finally:
    shutil.rmtree(work, ignore_errors=True)

print('%d passed, %d failed' % (passed, failed))
sys.exit(1 if failed else 0)
