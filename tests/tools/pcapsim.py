#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
pcapsim: hosts that speak IPv4 TCP and UDP packet by packet, for the test
captures that real exporters (softflowd, pmacct) turn into flows
(tests/crosscheck/mkattacks.py, tests/detect/mksite.py). Frames are kept
in memory with their times and written sorted, cut at the snap length as
tcpdump -s records them; pair_bytes sums the IP bytes from one address to
another, as an exporter counts them, for the truth labels.
"""
import random
import struct

SNAP = 96
pkts = []  # (time, frame, original length)
pair_bytes = {}  # (src, dst) -> IP bytes, as an exporter counts them


def ip4(s):
    a = [int(x) for x in s.split('.')]
    return bytes(a)


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def packet(t, src, dst, proto, l4, payload_len):
    """One frame: Ethernet, IPv4, the L4 header given; the payload is zeros
    (cut at the snap length, as tcpdump -s records it)."""
    tot = 20 + len(l4) + payload_len
    if tot > 65535:
        raise ValueError('IPv4 packet too long')
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, tot, random.getrandbits(16), 0x4000, 64, proto, 0,
                    ip4(src), ip4(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    pair_bytes[(src, dst)] = pair_bytes.get((src, dst), 0) + tot
    eth = b'\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00'
    frame = eth + h + l4 + b'\0' * payload_len
    pkts.append((t, frame[:SNAP], len(frame)))


def tcp(t, src, sp, dst, dp, flags, payload=0):
    packet(t, src, dst, 6, struct.pack('!HHIIBBHHH', sp, dp, 1, 1, 0x50, flags, 65535, 0, 0), payload)


def udp(t, src, sp, dst, dp, payload):
    packet(t, src, dst, 17, struct.pack('!HHHH', sp, dp, 8 + payload, 0), payload)


SYN, ACK, PSH, RST, FIN = 0x02, 0x10, 0x08, 0x04, 0x01
ephemeral = {}  # client -> its next source port


def next_port(c):
    """A client's TCP source ports go up one by one, as most stacks hand them
    out: a port comes back only after the whole range, so an exporter never
    sees two connections as one."""
    p = ephemeral.get(c) or random.randint(32768, 60999)
    ephemeral[c] = p + 1 if p < 60999 else 32768
    return p


def session(t, c, s, dp, req, resp, rtt=0.02, seg=1448):
    """A TCP connection: handshake, request, response, both FINs."""
    sp = next_port(c)
    tcp(t, c, sp, s, dp, SYN)
    tcp(t + rtt, s, dp, c, sp, SYN | ACK)
    tcp(t + 2 * rtt, c, sp, s, dp, ACK)
    t += 2 * rtt
    for who, n in ((0, req), (1, resp)):
        a, ap, b, bp = (c, sp, s, dp) if who == 0 else (s, dp, c, sp)
        while n > 0:
            k = min(n, seg)
            tcp(t, a, ap, b, bp, PSH | ACK, k)
            n -= k
            t += 0.0005
        t += rtt / 2
        tcp(t, b, bp, a, ap, ACK)
    tcp(t + 0.01, c, sp, s, dp, FIN | ACK)
    tcp(t + 0.01 + rtt / 2, s, dp, c, sp, FIN | ACK)
    tcp(t + 0.01 + rtt, c, sp, s, dp, ACK)
    return t


def bulk(t, c, s, dp, total, seconds):
    """A long upload: 64 KB segments (GRO) evenly over the seconds, an ACK every 8."""
    sp = next_port(c)
    tcp(t, c, sp, s, dp, SYN)
    tcp(t + 0.02, s, dp, c, sp, SYN | ACK)
    tcp(t + 0.04, c, sp, s, dp, ACK)
    seg = 65000
    n = (total + seg - 1) // seg
    for i in range(n):
        k = min(seg, total - i * seg)
        ts = t + 0.05 + seconds * i / n
        tcp(ts, c, sp, s, dp, PSH | ACK, k)
        if i % 8 == 7:
            tcp(ts + 0.01, s, dp, c, sp, ACK)
    te = t + 0.05 + seconds
    tcp(te, c, sp, s, dp, FIN | ACK)
    tcp(te + 0.02, s, dp, c, sp, FIN | ACK)
    tcp(te + 0.03, c, sp, s, dp, ACK)


def dns(t, c, resolver, qlen, rlen, upstream=None):
    sp = random.randint(1024, 65535)
    udp(t, c, sp, resolver, 53, qlen)
    if upstream:
        usp = random.randint(1024, 65535)
        udp(t + 0.001, resolver, usp, upstream, 53, qlen)
        udp(t + 0.015, upstream, 53, resolver, usp, rlen)
    udp(t + 0.016, resolver, 53, c, sp, rlen)



def write_pcap(out):
    """Every frame made so far, in time order, as a classic pcap."""
    pkts.sort(key=lambda p: p[0])
    with open(out, 'wb') as f:
        f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, SNAP, 1))
        for t, frame, orig in pkts:
            us = int(round(t * 1e6))
            f.write(struct.pack('<IIII', us // 1000000, us % 1000000, len(frame), orig))
            f.write(frame)
    return len(pkts)


def download(t, c, s, dp, total, seconds, seg=1448, ack_every=2, req=400):
    """A client's request, then `total` bytes back in `seg`-byte segments
    spread over the seconds, the client acknowledging every `ack_every`
    (2: delayed ACKs; more: a receiver that coalesces them)."""
    sp = next_port(c)
    tcp(t, c, sp, s, dp, SYN)
    tcp(t + 0.02, s, dp, c, sp, SYN | ACK)
    tcp(t + 0.04, c, sp, s, dp, ACK)
    tcp(t + 0.041, c, sp, s, dp, PSH | ACK, req)
    n = (total + seg - 1) // seg
    for i in range(n):
        ts = t + 0.06 + seconds * i / n
        tcp(ts, s, dp, c, sp, ACK, min(seg, total - i * seg))
        if i % ack_every == ack_every - 1:
            tcp(ts + 0.001, c, sp, s, dp, ACK)
    te = t + 0.06 + seconds
    tcp(te, s, dp, c, sp, FIN | ACK)
    tcp(te + 0.02, c, sp, s, dp, FIN | ACK)
    tcp(te + 0.04, s, dp, c, sp, ACK)


def icmp_echo(t, src, dst, answered=True):
    """A ping and, when the host is up, its reply."""
    ident = random.getrandbits(16)
    packet(t, src, dst, 1, struct.pack('!BBHHH', 8, 0, 0, ident, 1), 56)
    if answered:
        packet(t + 0.001, dst, src, 1, struct.pack('!BBHHH', 0, 0, 0, ident, 1), 56)
