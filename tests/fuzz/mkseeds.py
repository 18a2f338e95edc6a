#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Seed corpora for the fuzzers from shared/testdata/vendor: each seed is one
or more datagrams, each prefixed by its 2-byte big-endian length (the input
format of fuzz_decode.c). Template files are paired with their data files."""
import os
import struct
import sys

vendor, out = sys.argv[1], sys.argv[2]
kinds = {5: 'v5', 9: 'v9', 10: 'ipfix', 5005: 'sflow'}
for k in kinds.values():
    os.makedirs(os.path.join(out, k), exist_ok=True)


def datagrams(path):
    data = open(path, 'rb').read()
    if path.endswith('.hex'):
        return [bytes.fromhex(''.join(l.split('#')[0].split())) for l in data.decode().splitlines()
                if l.split('#')[0].strip()]
    if path.endswith('.pcap'):
        return []  # the pcap captures are covered by the corpus test
    res, off = [], 0
    while off < len(data):
        rest = data[off:]
        ln = len(rest)
        if len(rest) >= 16 and struct.unpack('>H', rest[:2])[0] == 10:
            ml = struct.unpack('>H', rest[2:4])[0]
            if 16 <= ml <= len(rest):
                ln = ml
        res.append(rest[:ln])
        off += ln
    return res


def kind(d):
    if len(d) >= 4 and d[:4] == b'\0\0\0\x05':
        return 5005
    if len(d) >= 2:
        return struct.unpack('>H', d[:2])[0]
    return None


groups = {}
for root, _, files in os.walk(vendor):
    for f in sorted(files):
        p = os.path.join(root, f)
        key = f.split('_tpl')[0].split('_data')[0].split('_opttpl')[0]
        groups.setdefault((root, key), []).append(p)
n = 0
for (root, key), paths in sorted(groups.items()):
    paths.sort(key=lambda p: (0 if 'tpl' in os.path.basename(p) else 1, p))
    dgs = [d for p in paths for d in datagrams(p)]
    by = {}
    for d in dgs:
        k = kind(d)
        if k in kinds:
            by.setdefault(k, []).append(d)
    for k, ds in by.items():
        seed = b''.join(struct.pack('>H', min(len(d), 65535)) + d[:65535] for d in ds[:16])
        name = os.path.join(out, kinds[k], '%s_%d' % (key, n))
        open(name, 'wb').write(seed)
        n += 1
print('seeds:', n)
