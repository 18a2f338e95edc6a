/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mktraffic: write a pcap of synthetic host traffic (TCP, UDP, ICMP over
 * IPv4 and IPv6) for exporters such as softflowd to turn into flow exports.
 * Deterministic for a seed.
 *
 *   mktraffic OUT.pcap [flows] [seed]
 */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rs;

static uint32_t
rnd(uint32_t n)
{
	rs = rs * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)((rs >> 33) % n);
}

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: mktraffic OUT.pcap [flows] [seed]\n");
		return 2;
	}
	unsigned nflows = argc > 2 ? (unsigned)atoi(argv[2]) : 400;
	rs = argc > 3 ? strtoull(argv[3], NULL, 10) : 7;
	if (nflows == 0 || nflows > 100000) {
		fprintf(stderr, "mktraffic: flows 1..100000\n");
		return 2;
	}
	pcap_t *pd = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *dp = pcap_dump_open(pd, argv[1]);
	if (dp == NULL) {
		fprintf(stderr, "mktraffic: %s\n", pcap_geterr(pd));
		return 1;
	}
	/* every flow sends its packets spread over the run; interleave by time */
	struct fl {
		uint32_t src, dst;
		uint16_t sport, dport;
		uint8_t proto, v6;
		unsigned pkts, left;
		uint64_t t0_us, step_us;
	} *f = calloc(nflows, sizeof(*f));
	if (f == NULL)
		return 1;
	const uint64_t base = 1767225600ull * 1000000;
	for (unsigned i = 0; i < nflows; i++) {
		f[i].src = 0x0a000000u | (1 + rnd(200));
		f[i].dst = 0xc6336400u | (1 + rnd(250));
		f[i].v6 = rnd(5) == 0;
		uint32_t k = rnd(10);
		f[i].proto = k < 6 ? 6 : k < 9 ? 17 : (f[i].v6 ? 58 : 1);
		f[i].sport = (uint16_t)(20000 + rnd(40000));
		static const uint16_t ports[] = { 443, 80, 53, 123, 22, 25 };
		f[i].dport = ports[rnd(6)];
		f[i].pkts = f[i].left = 1 + rnd(25);
		f[i].t0_us = base + (uint64_t)rnd(60000) * 1000;
		f[i].step_us = 1000 + rnd(200000);
	}
	uint8_t fr[1600];
	unsigned long total = 0;
	for (;;) {
		/* the flow whose next packet is earliest */
		int best = -1;
		uint64_t bt = UINT64_MAX;
		for (unsigned i = 0; i < nflows; i++) {
			if (f[i].left == 0)
				continue;
			uint64_t t = f[i].t0_us + (uint64_t)(f[i].pkts - f[i].left) * f[i].step_us;
			if (t < bt) {
				bt = t;
				best = (int)i;
			}
		}
		if (best < 0)
			break;
		struct fl *x = &f[best];
		unsigned seqno = x->pkts - x->left;
		x->left--;
		size_t payload = x->proto == 6 ? (seqno == 0 ? 0 : 100 + rnd(1300)) : 40 + rnd(400);
		memset(fr, 0, sizeof(fr));
		fr[0] = 2; fr[5] = 1; fr[6] = 2; fr[11] = 2;
		size_t off = 14, l4;
		size_t l4hdr = x->proto == 6 ? 20 : 8;
		if (!x->v6) {
			be16(fr + 12, 0x0800);
			uint8_t *ip = fr + off;
			ip[0] = 0x45;
			be16(ip + 2, (uint16_t)(20 + l4hdr + payload));
			ip[8] = 64;
			ip[9] = x->proto;
			be32(ip + 12, x->src);
			be32(ip + 16, x->dst);
			off += 20;
		} else {
			be16(fr + 12, 0x86dd);
			uint8_t *ip = fr + off;
			ip[0] = 0x60;
			be16(ip + 4, (uint16_t)(l4hdr + payload));
			ip[6] = x->proto;
			ip[7] = 64;
			ip[8] = 0x20; ip[9] = 0x01; ip[10] = 0x0d; ip[11] = 0xb8;
			be32(ip + 20, x->src);
			ip[24] = 0x20; ip[25] = 0x01; ip[26] = 0x0d; ip[27] = 0xb8; ip[28] = 0xff;
			be32(ip + 36, x->dst);
			off += 40;
		}
		l4 = off;
		if (x->proto == 6) {
			be16(fr + l4, x->sport);
			be16(fr + l4 + 2, x->dport);
			be32(fr + l4 + 4, 1000 + seqno);
			fr[l4 + 12] = 0x50;
			fr[l4 + 13] = seqno == 0 ? 0x02 : (x->left == 0 ? 0x11 : 0x18);
		} else if (x->proto == 17) {
			be16(fr + l4, x->sport);
			be16(fr + l4 + 2, x->dport);
			be16(fr + l4 + 4, (uint16_t)(8 + payload));
		} else {
			fr[l4] = 8; /* echo request */
		}
		size_t len = l4 + l4hdr + payload;
		struct pcap_pkthdr h = { .caplen = (bpf_u_int32)len, .len = (bpf_u_int32)len };
		h.ts.tv_sec = (time_t)(bt / 1000000);
		h.ts.tv_usec = (suseconds_t)(bt % 1000000);
		pcap_dump((u_char *)dp, &h, fr);
		total++;
	}
	pcap_dump_close(dp);
	pcap_close(pd);
	free(f);
	fprintf(stderr, "mktraffic: %u flows, %lu packets\n", nflows, total);
	return 0;
}
