#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""
mksite: four hours of a 340-host site on patch day, packet by packet, with
ten attacks embedded at realistic strength among the benign traffic that
looks most like them, for real exporters (softflowd, pmacct) to turn into
flows and tests/detect/score.py to score the findings against. It shares no
code or model with nfwatch-gen (the packets come from tests/tools/pcapsim.py).

    mksite.py OUT.pcap LABELS.json [seed]

LABELS.json holds the attacks (type and the entities a finding must name)
and the benign look-alikes (the addresses they involve), score.py's input.

The site is 10.40.0.0/16: 300 workstations in 10.40.16.0/23, 40 servers in
10.40.8.0/24, the resolver 10.40.0.53, a web server 10.40.0.80 with its
visitors, the web proxy 10.40.0.8, the backup server 10.40.0.50, the
monitoring host 10.40.0.161 and the admin jump host 10.40.0.22.

  benign look-alikes
    shared keepalives   150 workstations poll a chat service (3 servers)
                        every 30 s, 100 a mail push service every 60 s and
                        all 300 an EDR cloud (2 servers) every 300 s, a new
                        connection each time: periodic, but one service
                        for many hosts
    patch day           every workstation downloads 30-80 MB from one of 4
                        update servers within 15 minutes
    web proxy           the proxy pulls pages from 400 servers in 20 s, at
                        ~2800 packets/s, acknowledging every 4th segment:
                        many sources, high rate, all of it asked for
    CDN video           20 workstations stream from 3 CDN servers
    backups             the 40 servers send their nightly dumps to the
                        backup server, which sends 3 GB off site (its role
                        in the configuration)
    monitoring          every 5 minutes the monitoring host pings the 40
                        servers and checks their SSH and HTTPS ports, and
                        polls 20 switches over SNMP: internal, admin ports,
                        answered
    jump host           an admin's SSH and RDP sessions from the jump host to
                        30 servers, a few an hour, all answered
    resolver            every lookup goes through 10.40.0.53, which forwards
                        half of them to two upstreams
    browsing            each workstation: a lookup and a page, ~8 an hour
  attacks
    sweep_445           10.40.17.80 (a workstation) -> 10.40.20.0/22 tcp/445,
                        5 a second; 60 hosts answer
    slow_scan           203.0.113.45 -> the workstations tcp/22, 40 hosts an
                        hour for 3.5 hours, none answer
    vertical_scan       198.51.100.200 -> 10.40.0.80 tcp/1-2000, resets
    c2_beacon           10.40.16.77 -> 192.0.2.99 tcp/443 every 300 s +-20 %
                        (the EDR's period, a rare destination)
    beacon_pair         10.40.16.90 and 10.40.17.91 -> 198.51.100.23 tcp/8080
                        on a steady timer, every 60 s +-1.5 s, 10-16 KB up
                        each time (a handful of hosts)
    lateral_movement    10.40.16.77, 3 h in: 445, 5985 and 3389 on 30
                        servers within 5 minutes, half refused
    slow_exfiltration   10.40.18.12 -> 203.0.113.99 tcp/443, 400 MB in 1-4 MB
                        pieces over 3 hours
    bulk_exfiltration   10.40.18.40 -> 203.0.113.150 tcp/443, 1 GB in 10 min
    dns_tunnel          10.40.17.5 -> the resolver, a 200-byte query every
                        1.5 s for 90 minutes
    reflection_flood    500 open resolvers (src port 53) -> 10.40.0.80 on
                        random ports, 4000 packets/s for 40 s; it asked for
                        none of it
"""
import json
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from pcapsim import (SYN, ACK, RST, tcp, udp, session, next_port, bulk, dns, download,  # noqa: E402
                     icmp_echo, pair_bytes, write_pcap)

T0 = 1773129600.0  # 2026-03-10 08:00:00 UTC, a patch Tuesday
SPAN = 4 * 3600
END = T0 + SPAN


def periodic(first, period, jitter):
    """Times from `first` every period, +-jitter (a share of it), until the end."""
    t = first
    while t < END - 1:
        yield t
        t += period * random.uniform(1 - jitter, 1 + jitter)


def main():
    out, labels_out = sys.argv[1], sys.argv[2]
    random.seed(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    stations = ['10.40.%d.%d' % (16 + i // 250, 1 + i % 250) for i in range(300)]
    servers = ['10.40.8.%d' % i for i in range(1, 41)]
    resolver, upstreams = '10.40.0.53', ['9.9.9.9', '149.112.112.112']
    web = ['%d.%d.%d.%d' % (random.choice((23, 104, 151, 172)), random.randint(0, 255),
                            random.randint(0, 255), random.randint(1, 254)) for _ in range(200)]
    attackers = {'10.40.17.80', '10.40.16.77', '10.40.16.90', '10.40.17.91', '10.40.18.12',
                 '10.40.18.40', '10.40.17.5'}

    # browsing: a lookup (half forwarded), then a page; ~8 an hour each
    for c in stations:
        t = T0 + random.expovariate(1 / 450)
        while t < END:
            dns(t, c, resolver, random.randint(28, 60), random.randint(60, 200),
                random.choice(upstreams) if random.random() < 0.5 else None)
            session(t + 0.05, c, random.choice(web), random.choice((443, 443, 443, 80)),
                    random.randint(300, 2000), random.randint(2000, 60000))
            t += random.expovariate(1 / 450)

    # shared keepalives: chat every 30 s, mail push every 60 s, EDR every 300 s
    chat = ['52.112.%d.%d' % (random.randint(0, 255), random.randint(1, 254)) for _ in range(3)]
    mail = '40.99.%d.%d' % (random.randint(0, 255), random.randint(1, 254))
    edr = ['13.89.%d.%d' % (random.randint(0, 255), random.randint(1, 254)) for _ in range(2)]
    for c in stations[:150]:
        s = random.choice(chat)
        for t in periodic(T0 + random.uniform(0, 30), 30, 0.03):
            session(t, c, s, 443, random.randint(200, 260), random.randint(300, 420))
    for c in stations[100:200]:
        for t in periodic(T0 + random.uniform(0, 60), 60, 0.02):
            session(t, c, mail, 443, random.randint(400, 500), random.randint(500, 900))
    for c in stations:
        s = random.choice(edr)
        for t in periodic(T0 + random.uniform(0, 300), 300, 0.01):
            session(t, c, s, 443, random.randint(1500, 4000), random.randint(600, 800))

    # patch day, 1 h in: every workstation fetches its updates within 15 minutes
    updates = ['13.107.4.%d' % i for i in (50, 51, 52, 53)]
    for c in stations:
        download(T0 + 3600 + random.uniform(0, 900), c, random.choice(updates), 443,
                 random.randint(30, 80) * 10**6, random.uniform(20, 60), seg=65000, ack_every=4)

    # the web proxy, 2 h in: 400 servers in 20 s, 200 KB each at MTU size, stretch ACKs
    for i in range(400):
        s = '%d.%d.%d.%d' % (random.choice((31, 45, 77, 185)), random.randint(0, 255),
                             random.randint(0, 255), random.randint(1, 254))
        download(T0 + 7200 + random.uniform(0, 19), '10.40.0.8', s, 443, 200000, random.uniform(0.5, 1.5),
                 ack_every=4)

    # CDN video: 20 workstations, 5 Mb/s for 30 minutes each (64 KB segments)
    cdn = ['151.101.%d.%d' % (random.randint(0, 255), random.randint(1, 254)) for _ in range(3)]
    for c in stations[200:220]:
        download(T0 + random.uniform(600, 12000), c, random.choice(cdn), 443, 5 * 10**6 // 8 * 1800, 1800,
                 seg=65000, ack_every=8)

    # backups: the servers' dumps to the backup server, then 3 GB off site
    for i, s in enumerate(servers):
        bulk(T0 + 600 + 60 * i, s, '10.40.0.50', 873, random.randint(50, 150) * 10**6, 50)
    bulk(T0 + 3 * 3600, '10.40.0.50', '203.0.113.10', 443, 3 * 10**9, 1500)

    # monitoring: every 5 minutes, ping and check SSH and HTTPS on each server; SNMP to 20 switches
    for rnd in periodic(T0 + 5, 300, 0):
        for i, s in enumerate(servers):
            t = rnd + i * 0.2
            icmp_echo(t, '10.40.0.161', s)
            for p in (22, 443):
                session(t + 0.05, '10.40.0.161', s, p, 0, 40 if p == 22 else 0, rtt=0.001)
        for i in range(1, 21):
            sp = random.randint(1024, 65535)
            udp(rnd + 10 + i * 0.1, '10.40.0.161', sp, '10.40.1.%d' % i, 161, 90)
            udp(rnd + 10.003 + i * 0.1, '10.40.1.%d' % i, 161, '10.40.0.161', sp, 500)

    # the jump host: SSH and RDP sessions to 30 servers, a few an hour, all answered
    t = T0 + random.expovariate(1 / 900)
    while t < END:
        s = random.choice(servers[:30])
        bulk(t, '10.40.0.22', s, random.choice((22, 22, 3389)), random.randint(20000, 400000),
             random.uniform(60, 900))
        t += random.expovariate(1 / 900)
    for s in servers[:30]:  # and each of them once, so the jump host has reached all 30
        session(T0 + random.uniform(0, SPAN - 60), '10.40.0.22', s, 22, 2000, 8000)

    # the web server's visitors: a session every ~2 s
    t = T0
    while t < END:
        session(t, '198.18.%d.%d' % (random.randint(0, 255), random.randint(1, 254)), '10.40.0.80', 443,
                random.randint(300, 900), random.randint(2000, 30000))
        t += random.expovariate(1 / 2)

    # ---- attacks ----
    # sweep_445, 40 min in: an infected workstation on a /22, 5 a second; 60 hosts answer
    alive = set(random.sample(range(1024), 60))
    for i in range(1024):
        t = T0 + 2400 + i / 5
        dst = '10.40.%d.%d' % (20 + i // 256, i % 256)
        sp = next_port('10.40.17.80')
        tcp(t, '10.40.17.80', sp, dst, 445, SYN)
        if i in alive:
            tcp(t + 0.001, dst, 445, '10.40.17.80', sp, SYN | ACK)
            tcp(t + 0.002, '10.40.17.80', sp, dst, 445, RST)
        else:
            tcp(t + 1, '10.40.17.80', sp, dst, 445, SYN)  # the stack's retransmission
    # slow_scan: 40 hosts an hour over 3.5 hours, nothing answers
    targets = random.sample(stations, 140)
    for i, dst in enumerate(targets):
        tcp(T0 + 300 + 90 * i + random.uniform(0, 20), '203.0.113.45', random.randint(1024, 65535), dst, 22, SYN)
    # vertical_scan, 2 h 30 in: ports 1-2000 of the web server, 40 a second; 443 and 80 open
    for p in range(1, 2001):
        t = T0 + 9000 + p / 40
        sp = random.randint(1024, 65535)
        tcp(t, '198.51.100.200', sp, '10.40.0.80', p, SYN)
        if p in (80, 443):
            tcp(t + 0.001, '10.40.0.80', p, '198.51.100.200', sp, SYN | ACK)
            tcp(t + 0.002, '198.51.100.200', sp, '10.40.0.80', p, RST)
        else:
            tcp(t + 0.001, '10.40.0.80', p, '198.51.100.200', sp, RST | ACK)
    # c2_beacon: every 300 s +-20 %, a small check-in, now and then a task
    beats = 0
    for t in periodic(T0 + 130, 300, 0.2):
        session(t, '10.40.16.77', '192.0.2.99', 443, random.randint(300, 500),
                random.randint(800, 1200) if random.random() < 0.9 else random.randint(5000, 20000))
        beats += 1
    # beacon_pair: two hosts on a steady timer, every 60 s on the minute +-1.5 s, each
    # posting 10-16 KB (~15 packets from the host a session: sampled 1:100, ~1 in 7 seen)
    pair_beats = 0
    for c in ('10.40.16.90', '10.40.17.91'):
        t0 = T0 + random.uniform(0, 60)
        for k in range(int(SPAN / 60) - 1):
            session(t0 + 60 * k + random.uniform(-1.5, 1.5), c, '198.51.100.23', 8080, random.randint(10000, 16000),
                    random.randint(300, 600))
            pair_beats += 1
    # lateral_movement, 3 h in: the beaconing host on 30 servers, 445 then 5985 then 3389
    lateral = 0
    for k, port in enumerate((445, 5985, 3389)):
        for i, s in enumerate(servers[5:35]):
            t = T0 + 10800 + k * 100 + i * 3
            if i % 2 == 0:
                session(t, '10.40.16.77', s, port, 600, 900)
            else:
                sp = next_port('10.40.16.77')
                tcp(t, '10.40.16.77', sp, s, port, SYN)
                tcp(t + 0.001, s, port, '10.40.16.77', sp, RST | ACK)
            lateral += 1
    # slow_exfiltration: 400 MB in 1-4 MB pieces over 3 hours
    t, left = T0 + 1800, 400 * 10**6
    while left > 0:
        k = min(left, random.randint(1, 4) * 10**6)
        bulk(t, '10.40.18.12', '203.0.113.99', 443, k, 25)
        left -= k
        t += random.uniform(60, 150)
    # bulk_exfiltration, 1 h 30 in: 1 GB in 10 minutes
    bulk(T0 + 5400, '10.40.18.40', '203.0.113.150', 443, 10**9, 600)
    # dns_tunnel, 2 h in: a 200-byte query every 1.5 s for 90 minutes, through the resolver
    for i in range(3600):
        dns(T0 + 7200 + 1.5 * i, '10.40.17.5', resolver, 200, random.randint(220, 320), upstreams[i % 2])
    # reflection_flood, 3 h 20 in: answers nobody asked for, from 500 resolvers, 4000 a second
    reflectors = ['%d.%d.%d.%d' % (random.choice((61, 82, 91, 200)), random.randint(0, 255),
                                   random.randint(0, 255), random.randint(1, 254)) for _ in range(500)]
    for i in range(160000):
        udp(T0 + 12000 + i / 4000, random.choice(reflectors), 53, '10.40.0.80', random.randint(1024, 65535),
            random.randint(1200, 1450))

    site = ['10.40.0.0/16']
    labels = {
        'site': {'home': site, 'roles': {'backup': ['10.40.0.50/32']}},
        'attacks': [
            {'name': 'sweep_445', 'type': 'port_scan', 'src': '10.40.17.80', 'dst_port': 445, 'hosts': 1024},
            {'name': 'slow_scan', 'type': 'port_scan', 'src': '203.0.113.45', 'dst_port': 22, 'hosts': 140},
            {'name': 'vertical_scan', 'type': 'port_scan', 'src': '198.51.100.200', 'dst': '10.40.0.80',
             'ports': 2000},
            {'name': 'c2_beacon', 'type': 'beaconing', 'src': '10.40.16.77', 'dst': '192.0.2.99',
             'dst_port': 443, 'sessions': beats, 'period_s': 300},
            {'name': 'beacon_pair', 'type': 'beaconing', 'src': ['10.40.16.90', '10.40.17.91'],
             'dst': '198.51.100.23', 'dst_port': 8080, 'sessions': pair_beats, 'period_s': 60},
            {'name': 'lateral_movement', 'type': 'lateral_movement', 'src': '10.40.16.77', 'hosts': 30,
             'attempts': lateral},
            {'name': 'slow_exfiltration', 'type': 'exfiltration', 'src': '10.40.18.12', 'dst': '203.0.113.99',
             'bytes_out': pair_bytes[('10.40.18.12', '203.0.113.99')]},
            {'name': 'bulk_exfiltration', 'type': 'exfiltration', 'src': '10.40.18.40', 'dst': '203.0.113.150',
             'bytes_out': pair_bytes[('10.40.18.40', '203.0.113.150')]},
            {'name': 'dns_tunnel', 'type': 'dns_tunneling', 'src': '10.40.17.5', 'queries': 3600},
            {'name': 'reflection_flood', 'type': 'volumetric', 'dst': '10.40.0.80', 'packets': 160000},
        ],
        'benign': [
            {'name': 'shared keepalives', 'hosts': chat + [mail] + edr},
            {'name': 'patch day', 'hosts': updates},
            {'name': 'web proxy', 'hosts': ['10.40.0.8']},
            {'name': 'CDN video', 'hosts': cdn},
            {'name': 'backups', 'hosts': ['10.40.0.50']},
            {'name': 'monitoring', 'hosts': ['10.40.0.161']},
            {'name': 'jump host', 'hosts': ['10.40.0.22']},
            {'name': 'resolver', 'hosts': [resolver] + upstreams},
            {'name': 'web server', 'hosts': ['10.40.0.80']},
            {'name': 'workstations', 'hosts': [s for s in stations if s not in attackers] + servers},
        ],
    }
    with open(labels_out, 'w') as f:
        json.dump(labels, f, indent=1)
    n = write_pcap(out)
    print('mksite: %d packets, %.1f h, %d hosts' % (n, SPAN / 3600, len(stations) + len(servers)))


if __name__ == '__main__':
    main()
