#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
mkattacks: a packet capture of a small site over three hours, with attacks
and their benign look-alikes, for a real exporter (softflowd -r) to turn
into flow records. It shares no code and no model with nfwatch-gen: hosts
speak TCP and UDP packet by packet (handshakes, replies, resets, closed
ports, unanswered probes), so the flows are what an exporter makes of them.

    mkattacks.py OUT.pcap TRUTH.json [seed]

TRUTH.json has what the detectors should count: each attack's IP bytes
from its source to its target (as an exporter sums them), its sessions,
probes and hosts.

The site is 10.20.0.0/16. What is in it (and what a detector should say):

  attacks
    horizontal scan   203.0.113.66 -> 10.20.3.1-254 tcp/22, SYNs, a second
                      apart; 12 hosts answer (SYN-ACK, then the scanner
                      resets), the rest are silent
    vertical scan     10.20.1.99 -> 10.20.5.5 tcp/1-1024, 20 a second; the
                      target resets each closed port, 3 are open
    beacon            10.20.4.21 -> 198.51.100.31 tcp/443 every 60 s +-10 %,
                      a TLS-sized exchange each time, for three hours
    slow scan         198.51.100.77 -> 10.20.8.1-254 tcp/3389, one SYN every
                      40 s for almost three hours, none answered
    lateral movement  10.20.7.7 -> 10.20.6.1-40 on 445 then 3389 (half
                      accept, half reset)
    DNS tunnel        10.20.9.9 -> the resolver 10.20.0.53 udp/53, a
                      180-byte query every 2 s for an hour
    SYN flood         3000 SYNs a second for 30 s from spoofed sources
                      (100.64.0.0/10) to the web server 10.20.0.80 tcp/443,
                      which answers few of them (its visitors' traffic, a
                      session every 3 s, is its baseline)
    DNS tunnel 2      10.20.9.10 -> 8.8.8.8 udp/53 directly, a 150-byte
                      query every 3 s for 40 minutes
    slow exfiltration 10.20.12.50 -> 203.0.113.201 tcp/443, 200 MB in
                      sessions of 1-3 MB at irregular times over 2.5 h
    exfiltration      10.20.12.34 -> 203.0.113.200 tcp/443, 1.5 GB in
                      15 minutes (segments as a capture with GRO and a
                      snap length records them: 64 KB, headers kept)
  benign look-alikes
    150 workstations browsing (tcp/443 and 80, each after a DNS lookup),
    the resolver forwarding to 9.9.9.9, a page pulled from 80 CDN hosts in
    ten seconds (10.20.1.20, every connection answered), a flash crowd on
    the second web server 10.20.0.81 (600 real sessions a second for 20 s
    from 4000 clients, every one answered), the NTP server 10.20.0.123 polling
    three servers every 64 s, the SNMP poller 10.20.0.161 polling 30
    devices every 60 s, the backup server 10.20.0.50 sending 2 GB to
    203.0.113.10 (named as a backup in the site's configuration).
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from pcapsim import SYN, ACK, RST, FIN, tcp, udp, session, next_port, bulk, dns, pair_bytes, write_pcap  # noqa: E402

T0 = 1767225600.0  # 2026-01-01 00:00:00 UTC
SPAN = 3 * 3600
def main():
    out, truth_out = sys.argv[1], sys.argv[2]
    random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    resolver, upstream = '10.20.0.53', '9.9.9.9'
    servers = ['198.51.100.%d' % i for i in range(1, 31)] + ['192.0.2.%d' % i for i in range(1, 31)]

    # workstations: a lookup, then a page; Poisson, ~6 an hour each
    for h in range(1, 151):
        c = '10.20.1.%d' % h
        t = T0 + random.expovariate(1 / 600)
        while t < T0 + SPAN:
            dns(t, c, resolver, random.randint(28, 60), random.randint(60, 200),
                upstream if random.random() < 0.5 else None)
            session(t + 0.05, c, random.choice(servers), random.choice((443, 443, 443, 80)),
                    random.randint(300, 2000), random.randint(2000, 60000))
            t += random.expovariate(1 / 600)

    # NTP server polling its three upstreams every 64 s
    for s in ('192.0.2.123', '192.0.2.124', '192.0.2.125'):
        t = T0 + random.uniform(0, 64)
        while t < T0 + SPAN:
            udp(t, '10.20.0.123', 123, s, 123, 48)
            udp(t + 0.02, s, 123, '10.20.0.123', 123, 48)
            t += 64
    # SNMP poller: 30 devices every 60 s
    for d in range(1, 31):
        t = T0 + d * 0.5
        while t < T0 + SPAN:
            sp = random.randint(1024, 65535)
            udp(t, '10.20.0.161', sp, '10.20.2.%d' % d, 161, 80)
            udp(t + 0.003, '10.20.2.%d' % d, 161, '10.20.0.161', sp, 400)
            t += 60
    # the backup: 2 GB to the off-site store, 2 h 30 in
    bulk(T0 + 9000, '10.20.0.50', '203.0.113.10', 443, 2 * 10**9, 1200)

    # horizontal scan, 30 min in: SSH on a /24, a second apart
    open_hosts = set(random.sample(range(1, 255), 12))
    for i in range(1, 255):
        t = T0 + 1800 + i
        sp = random.randint(1024, 65535)
        tcp(t, '203.0.113.66', sp, '10.20.3.%d' % i, 22, SYN)
        if i in open_hosts:
            tcp(t + 0.03, '10.20.3.%d' % i, 22, '203.0.113.66', sp, SYN | ACK)
            tcp(t + 0.06, '203.0.113.66', sp, '10.20.3.%d' % i, 22, RST)
    # the web servers' visitors: a session every ~3 s each, from 50 clients
    for srv in ('10.20.0.80', '10.20.0.81'):
        t = T0 + random.expovariate(1 / 3)
        while t < T0 + SPAN:
            session(t, '203.0.113.%d' % random.randint(100, 149), srv, 443, random.randint(300, 900),
                    random.randint(2000, 20000))
            t += random.expovariate(1 / 3)
    # a flash crowd on the second, 1 h 50 in: 600 sessions a second for 20 s, all answered
    for i in range(12000):
        c = '198.18.%d.%d' % divmod(random.randint(0, 3999), 256)
        session(T0 + 6600 + i / 600, c, '10.20.0.81', 443, 400, 1400)
    # SYN flood on the first, 2 h 20 in: spoofed sources, one SYN-ACK in 20
    for i in range(90000):
        t = T0 + 8400 + i / 3000
        src = '100.%d.%d.%d' % (64 + random.randint(0, 63), random.randint(0, 255), random.randint(1, 254))
        sp = random.randint(1024, 65535)
        tcp(t, src, sp, '10.20.0.80', 443, SYN)
        if i % 20 == 0:
            tcp(t + 0.001, '10.20.0.80', 443, src, sp, SYN | ACK)
    # slow scan: RDP on a /24, 40 s apart, nothing answers
    for i in range(1, 255):
        tcp(T0 + 60 + 40 * i, '198.51.100.77', random.randint(1024, 65535), '10.20.8.%d' % i, 3389, SYN)
    # a page from 80 CDN hosts at once, 45 min in
    for i in range(80):
        session(T0 + 2700 + i * 0.12, '10.20.1.20', '192.0.2.%d' % (100 + i), 443, 400, 30000)
    # vertical scan, 1 h in: ports 1-1024 of one host, closed ports reset
    for p in range(1, 1025):
        t = T0 + 3600 + p / 20
        sp = random.randint(1024, 65535)
        tcp(t, '10.20.1.99', sp, '10.20.5.5', p, SYN)
        if p in (22, 80, 443):
            tcp(t + 0.001, '10.20.5.5', p, '10.20.1.99', sp, SYN | ACK)
            tcp(t + 0.002, '10.20.1.99', sp, '10.20.5.5', p, RST)
        else:
            tcp(t + 0.001, '10.20.5.5', p, '10.20.1.99', sp, RST | ACK)
    # beacon: every 60 s +-10 %, a small request, a larger answer
    t, beats = T0 + 37, 0
    while t < T0 + SPAN:
        session(t, '10.20.4.21', '198.51.100.31', 443, random.randint(280, 320), random.randint(1100, 1300))
        t += 60 * random.uniform(0.9, 1.1)
        beats += 1
    # lateral movement, 2 h in: SMB then RDP on 40 hosts
    for port, base in ((445, 7200), (3389, 7500)):
        for i in range(1, 41):
            t = T0 + base + i * 2
            if i % 2:
                session(t, '10.20.7.7', '10.20.6.%d' % i, port, 500, 800)
            else:
                sp = next_port('10.20.7.7')
                tcp(t, '10.20.7.7', sp, '10.20.6.%d' % i, port, SYN)
                tcp(t + 0.001, '10.20.6.%d' % i, port, '10.20.7.7', sp, RST | ACK)
    # DNS tunnel, 1 h 10 in: big queries every 2 s for an hour
    for i in range(1800):
        dns(T0 + 4200 + 2 * i, '10.20.9.9', resolver, 180, random.randint(200, 300), upstream)
    # a second tunnel, straight to a public resolver, 20 min in
    for i in range(800):
        dns(T0 + 1200 + 3 * i, '10.20.9.10', '8.8.8.8', 150, random.randint(180, 260))
    # low and slow: 200 MB in uneven pieces, 15 min to 2 h 45
    t, left = T0 + 900, 200 * 10**6
    while left > 0:
        k = min(left, random.randint(1, 3) * 10**6)
        bulk(t, '10.20.12.50', '203.0.113.201', 443, k, 20)
        left -= k
        t += random.uniform(30, 160)
    # exfiltration, 1 h 40 in
    bulk(T0 + 6000, '10.20.12.34', '203.0.113.200', 443, 15 * 10**8, 900)

    truth = {
        'horizontal_scan': {'src': '203.0.113.66', 'dst_port': 22, 'probes': 254},
        'slow_scan': {'src': '198.51.100.77', 'dst_port': 3389, 'probes': 254},
        'vertical_scan': {'src': '10.20.1.99', 'dst': '10.20.5.5', 'ports': 1024},
        'beacon': {'src': '10.20.4.21', 'dst': '198.51.100.31', 'dst_port': 443, 'sessions': beats,
                   'period_s': 60},
        'lateral_movement': {'src': '10.20.7.7', 'hosts': 40, 'attempts': 80, 'failed': 40},
        'flood': {'dst': '10.20.0.80', 'packets': 90000},
        'dns_tunnel': {'src': '10.20.9.9', 'resolver': resolver, 'queries': 1800,
                       'bytes_out': pair_bytes[('10.20.9.9', resolver)]},
        'dns_tunnel_direct': {'src': '10.20.9.10', 'resolver': '8.8.8.8', 'queries': 800,
                              'bytes_out': pair_bytes[('10.20.9.10', '8.8.8.8')]},
        'slow_exfiltration': {'src': '10.20.12.50', 'dst': '203.0.113.201',
                              'bytes_out': pair_bytes[('10.20.12.50', '203.0.113.201')], 'end_s': t - T0},
        'exfiltration': {'src': '10.20.12.34', 'dst': '203.0.113.200',
                         'bytes_out': pair_bytes[('10.20.12.34', '203.0.113.200')],
                         'bytes_in': pair_bytes[('203.0.113.200', '10.20.12.34')]},
    }
    with open(truth_out, 'w') as f:
        json.dump(truth, f, indent=1)
    n = write_pcap(out)
    print('mkattacks: %d packets, %.1f h' % (n, SPAN / 3600))


if __name__ == '__main__':
    main()
