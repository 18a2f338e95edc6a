#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
score: a findings report (shared/spec/FINDINGS.md) against truth labels
(tests/detect/mksite.py writes them), as an analyst would judge it.

    score.py REPORT.json LABELS.json [--name NAME] [--must A,B,...]
             [--min-recall R] [--max-false N] [--min-mrr M] [--attacks-first]
             [--json OUT]

LABELS.json is mksite.py's ({"attacks": [...], "benign": [...]}) or
nfwatch-gen's --truth file ({"labels": [...]}: its malicious labels are the
attacks, by behaviour, with the entities FINDINGS.md asks of the type; the
others are the look-alikes).

A finding is true when it names an attack: the attack's type, and each
entity the label gives (src, one of several srcs, dst, dst_port) equal to
the finding's. Every other finding is false, and is put down to the first
benign look-alike whose hosts include its source or destination
("unlabelled" when none does).

Printed: per attack whether it was found, the position of its first
finding in the prioritized list and how many false findings rank above it;
recall per type; the findings on benign traffic by look-alike; precision
(true findings / findings); the mean reciprocal rank of the attacks among
the false findings (1 / (1 + false findings above the attack), 0 when
missed: 1.0 when every attack ranks above every false alarm).

The bars (exit 1 when one fails, saying which): --min-recall over the
attacks named by --must (all when not given), --max-false false findings,
--min-mrr, --attacks-first (every --must attack above every false finding).
"""
import argparse
import json
import sys


def matches(f, a):
    if f['type'] != a['type']:
        return False
    for k in ('src', 'dst', 'dst_port'):
        if k not in a:
            continue
        want = a[k] if isinstance(a[k], list) else [a[k]]
        if f.get(k) not in want:
            return False
    return True


# the entities a finding of each type names (FINDINGS.md), for nfwatch-gen's labels
ENTITIES = {'beaconing': ('src', 'dst', 'dst_port'), 'lateral_movement': ('src',),
            'exfiltration': ('src', 'dst'), 'dns_tunneling': ('src', 'dst'), 'volumetric': ('dst',)}


def load_labels(path):
    labels = json.load(open(path))
    if 'attacks' in labels:
        return labels
    attacks, benign = [], []
    for l in labels['labels']:
        if not l['malicious']:
            benign.append({'name': l['type'], 'hosts': [h for h in (l['src'], l['dst']) if h]})
            continue
        keys = ENTITIES.get(l['type'], ('src',))
        if l['type'] == 'port_scan':
            keys = ('src', 'dst_port') if l.get('kind') == 'horizontal' else ('src', 'dst')
        a = {'name': l['behaviour'], 'type': l['type']}
        a.update({k: l[k] for k in keys})
        attacks.append(a)
    return {'attacks': attacks, 'benign': benign}


def score(report, labels, must):
    findings = report['findings']
    attacks = labels['attacks']
    names = [a['name'] for a in attacks]
    unknown = set(must) - set(names)
    if unknown:
        raise SystemExit('score: no such attack in the labels: %s' % ', '.join(sorted(unknown)))
    truth = [next((a['name'] for a in attacks if matches(f, a)), None) for f in findings]
    false_before = []
    n = 0
    for t in truth:
        false_before.append(n)
        n += t is None
    rows = []
    for a in attacks:
        idx = [i for i, t in enumerate(truth) if t == a['name']]
        if idx:
            i = idx[0]
            rows.append({'name': a['name'], 'type': a['type'], 'found': True, 'findings': len(idx),
                         'position': i + 1, 'false_above': false_before[i], 'score': findings[i]['score'],
                         'severity': findings[i]['severity'], 'id': findings[i]['id']})
        else:
            rows.append({'name': a['name'], 'type': a['type'], 'found': False, 'findings': 0})
    benign = {}
    for f, t in zip(findings, truth):
        if t is not None:
            continue
        who = next((b['name'] for b in labels.get('benign', [])
                    if f.get('src') in b['hosts'] or f.get('dst') in b['hosts']), 'unlabelled')
        benign.setdefault(who, []).append(f['id'])
    judged = [r for r in rows if r['name'] in must]
    recall_by_type = {}
    for r in rows:
        k = recall_by_type.setdefault(r['type'], [0, 0])
        k[0] += r['found']
        k[1] += 1
    nfalse = sum(len(v) for v in benign.values())
    mrr = sum(1.0 / (1 + r['false_above']) for r in judged if r['found']) / max(1, len(judged))
    return {
        'attacks': rows, 'recall_by_type': recall_by_type, 'false_by_lookalike': benign,
        'findings': len(findings), 'true_findings': len(findings) - nfalse, 'false_findings': nfalse,
        'recall': sum(r['found'] for r in judged) / max(1, len(judged)),
        'precision': (len(findings) - nfalse) / len(findings) if findings else 1.0,
        'mrr': mrr,
        'attacks_first': all(r['found'] and r['false_above'] == 0 for r in judged),
        'must': sorted(must),
    }


def show(name, s):
    print('== %s: %d findings, %d true, %d false' % (name, s['findings'], s['true_findings'], s['false_findings']))
    print('  %-18s %-17s %-5s %4s %5s %5s %-8s %s' % ('attack', 'type', 'found', 'pos', 'false', 'score',
                                                   'severity', 'first finding'))
    for r in s['attacks']:
        judged = '' if r['name'] in s['must'] else ' (not judged)'
        if r['found']:
            print('  %-18s %-17s %-5s %4d %5d %5.1f %-8s %s%s' % (r['name'], r['type'], 'yes', r['position'],
                                                               r['false_above'], r['score'], r['severity'],
                                                               r['id'], judged))
        else:
            print('  %-18s %-17s %-5s%s' % (r['name'], r['type'], 'NO', judged))
    print('  recall by type: ' + ', '.join('%s %d/%d' % (k, v[0], v[1]) for k, v in sorted(s['recall_by_type'].items())))
    for who, ids in sorted(s['false_by_lookalike'].items(), key=lambda kv: -len(kv[1])):
        print('  false on %-18s %4d  e.g. %s' % (who, len(ids), ', '.join(ids[:3])))
    print('  recall %.2f  precision %.2f  MRR %.2f  attacks above every false finding: %s'
          % (s['recall'], s['precision'], s['mrr'], 'yes' if s['attacks_first'] else 'no'))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('report')
    ap.add_argument('labels')
    ap.add_argument('--name', default=None)
    ap.add_argument('--must', default=None, help='comma-separated attack names that must be found')
    ap.add_argument('--min-recall', type=float, default=None)
    ap.add_argument('--max-false', type=int, default=None)
    ap.add_argument('--min-mrr', type=float, default=None)
    ap.add_argument('--attacks-first', action='store_true')
    ap.add_argument('--json', default=None, help='write the scores here too')
    o = ap.parse_args()
    report, labels = json.load(open(o.report)), load_labels(o.labels)
    must = o.must.split(',') if o.must else [a['name'] for a in labels['attacks']]
    s = score(report, labels, must)
    show(o.name or o.report, s)
    if o.json:
        with open(o.json, 'w') as f:
            json.dump(s, f, indent=1)
    bad = []
    if o.min_recall is not None and s['recall'] < o.min_recall:
        bad.append('recall %.2f < %.2f (missed: %s)' % (s['recall'], o.min_recall,
                   ', '.join(r['name'] for r in s['attacks'] if r['name'] in must and not r['found'])))
    if o.max_false is not None and s['false_findings'] > o.max_false:
        bad.append('%d false findings > %d' % (s['false_findings'], o.max_false))
    if o.min_mrr is not None and s['mrr'] < o.min_mrr:
        bad.append('MRR %.2f < %.2f' % (s['mrr'], o.min_mrr))
    if o.attacks_first and not s['attacks_first']:
        bad.append('an attack is missed or ranks below a false finding')
    for b in bad:
        print('score: FAIL: %s' % b, file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
