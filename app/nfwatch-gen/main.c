/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-gen: export traffic for demos, tests and benchmarks.
 *
 * This first version has two modes; scenarios with labelled behaviours
 * come with the generator issue.
 *
 *   --demo       a small capture from four exporters, one per format:
 *                NetFlow v5 (192.0.2.1, unsampled), NetFlow v9 (192.0.2.2,
 *                1:10 announced by options), IPFIX (2001:db8::3, IPv4 and
 *                IPv6 records, 1:4 by options), sFlow v5 (192.0.2.4, 1:100).
 *   --bulk N     N records of many distinct flows in full-size datagrams of
 *                one format (--format v5|v9|ipfix|sflow), for throughput.
 *
 *   nfwatch-gen (--demo | --bulk N [--format F]) --out FILE.pcap [--seed S]
 *
 * Output is deterministic for a given seed and start time (--start, Unix s).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_capture.h"
#include "nfw_export.h"

struct rng {
	uint64_t s;
};

static uint64_t
rng_next(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint32_t
rng_range(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

static const uint16_t svc_ports[] = { 443, 80, 53, 123, 25, 22, 8443, 993 };

static void
make_flow(struct rng *r, struct nfw_flow *f, uint64_t t, int v6, uint32_t divide)
{
	memset(f, 0, sizeof(*f));
	if (!v6) {
		nfw_flow_addr_set4(f->src_addr, 0x0a000000u | rng_range(r, 1 << 16));  /* 10.0/16 */
		nfw_flow_addr_set4(f->dst_addr, 0xcb007100u | rng_range(r, 256));      /* 203.0.113/24 */
		nfw_flow_addr_set4(f->nexthop, 0x0a0000feu);
		f->af = 4;
	} else {
		static const uint8_t p_in[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0 };
		static const uint8_t p_out[8] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0 };
		memcpy(f->src_addr, p_in, 8);
		memcpy(f->dst_addr, p_out, 8);
		uint64_t a = rng_next(r), b = rng_next(r);
		memcpy(f->src_addr + 8, &a, 8);
		memcpy(f->dst_addr + 8, &b, 8);
		f->af = 6;
	}
	uint16_t port = svc_ports[rng_range(r, 8)];
	f->proto = (port == 53 || port == 123) ? 17 : 6;
	f->src_port = (uint16_t)(32768 + rng_range(r, 28000));
	f->dst_port = port;
	f->tcp_flags = f->proto == 6 ? 0x1b : 0;
	f->packets = 1 + rng_range(r, 40);
	f->bytes = f->packets * (60 + rng_range(r, 1400));
	if (divide > 1) {
		f->packets = (f->packets + divide - 1) / divide;
		f->bytes = (f->bytes + divide - 1) / divide;
	}
	f->start_ms = t - 1000 - rng_range(r, 20000);
	f->end_ms = t - rng_range(r, 1000);
	f->in_if = 1 + rng_range(r, 4);
	f->out_if = 5;
	f->src_as = 0;
	f->dst_as = 64500 + rng_range(r, 10);
	f->end_reason = 1 + (uint8_t)rng_range(r, 3);
}

struct stream {
	struct nfw_export *enc;
	uint8_t src[16];
	uint16_t sport;
	uint16_t dport;
	uint32_t divide;
	int v6_share; /* percent of IPv6 records */
};

static int
emit(struct nfw_pcap_writer *w, struct stream *s, struct nfw_flow *recs, unsigned n,
     uint64_t t)
{
	uint8_t buf[2048];
	uint8_t dst[16];

	if (nfw_flow_addr_is4(s->src))
		nfw_flow_addr_set4(dst, 0xc0000264u); /* 192.0.2.100, the collector */
	else {
		memset(dst, 0, 16);
		dst[0] = 0x20; dst[1] = 0x01; dst[2] = 0x0d; dst[3] = 0xb8; dst[15] = 0x64;
	}
	while (n > 0) {
		unsigned used;
		size_t len = nfw_export_build(s->enc, recs, n, &used, t, buf, sizeof(buf));
		if (used == 0)
			break;
		if (len > 0 && nfw_pcap_writer_put_udp(w, s->src, s->sport, dst, s->dport, buf, len, t) != 0)
			return -EIO;
		recs += used;
		n -= used;
	}
	return 0;
}

static int
run_demo(struct nfw_pcap_writer *w, uint64_t seed, uint64_t start_ms)
{
	struct rng r = { seed };
	struct stream st[4];
	struct nfw_export_params p[4] = {
		{ .version = NFW_FLOW_V5, .domain = 0, .boot_ms = start_ms - 3600000 },
		{ .version = NFW_FLOW_V9, .domain = 1, .sampling = 10, .template_every = 20,
		  .boot_ms = start_ms - 7200000 },
		{ .version = NFW_FLOW_IPFIX, .domain = 7, .sampling = 4, .template_every = 20,
		  .boot_ms = start_ms - 600000 },
		{ .version = NFW_FLOW_SFLOW, .domain = 0, .sampling = 100, .boot_ms = start_ms - 60000 },
	};
	static const uint16_t dports[4] = { 2055, 2055, 4739, 6343 };
	int rc = 0;

	nfw_flow_addr_set4(p[3].agent, 0xc0000204u);
	memset(st, 0, sizeof(st));
	for (int i = 0; i < 4; i++) {
		st[i].enc = nfw_export_create(&p[i]);
		if (st[i].enc == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		st[i].sport = (uint16_t)(40000 + i);
		st[i].dport = dports[i];
		st[i].divide = p[i].version == NFW_FLOW_SFLOW ? 1 : (p[i].sampling > 1 ? p[i].sampling : 1);
		nfw_flow_addr_set4(st[i].src, 0xc0000201u + (uint32_t)i);
	}
	memset(st[2].src, 0, 16);
	st[2].src[0] = 0x20; st[2].src[1] = 0x01; st[2].src[2] = 0x0d; st[2].src[3] = 0xb8;
	st[2].src[15] = 3;
	st[2].v6_share = 30;

	struct nfw_flow recs[64];
	for (int sec = 0; sec < 60 && rc == 0; sec++) {
		uint64_t t = start_ms + (uint64_t)sec * 1000;
		for (int i = 0; i < 4 && rc == 0; i++) {
			unsigned n = 20 + rng_range(&r, 30);
			for (unsigned k = 0; k < n; k++)
				make_flow(&r, &recs[k], t, (int)rng_range(&r, 100) < st[i].v6_share,
					  st[i].divide);
			rc = emit(w, &st[i], recs, n, t);
		}
	}
out:
	for (int i = 0; i < 4; i++)
		nfw_export_free(st[i].enc);
	return rc;
}

static int
run_bulk(struct nfw_pcap_writer *w, uint64_t seed, uint64_t start_ms, unsigned long n,
	 uint16_t version)
{
	struct rng r = { seed };
	struct nfw_export_params p = {
		.version = version, .template_every = 100, .boot_ms = start_ms - 3600000, .mtu = 1472,
	};
	nfw_flow_addr_set4(p.agent, 0xc0000201u);
	struct stream s = { .enc = nfw_export_create(&p), .sport = 40000,
			    .dport = version == NFW_FLOW_SFLOW ? 6343 : 2055, .divide = 1 };
	if (s.enc == NULL)
		return -ENOMEM;
	nfw_flow_addr_set4(s.src, 0xc0000201u);
	struct nfw_flow recs[256];
	int rc = 0;
	uint64_t t = start_ms;
	while (n > 0 && rc == 0) {
		unsigned k = n > 256 ? 256 : (unsigned)n;
		for (unsigned i = 0; i < k; i++)
			make_flow(&r, &recs[i], t, 0, 1);
		rc = emit(w, &s, recs, k, t);
		n -= k;
		t += 10;
	}
	nfw_export_free(s.enc);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "demo", no_argument, NULL, 'd' },
		{ "bulk", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL;
	int demo = 0;
	unsigned long bulk = 0;
	uint16_t version = NFW_FLOW_V5;
	uint64_t seed = 1;
	uint64_t start = 1767225600; /* 2026-01-01T00:00:00Z */
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'd': demo = 1; break;
		case 'b':
			errno = 0;
			bulk = strtoul(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || bulk == 0 || bulk > 1000000000ul) {
				fprintf(stderr, "nfwatch-gen: --bulk takes 1..1000000000\n");
				return 2;
			}
			break;
		case 'f':
			if (strcmp(optarg, "v5") == 0) version = NFW_FLOW_V5;
			else if (strcmp(optarg, "v9") == 0) version = NFW_FLOW_V9;
			else if (strcmp(optarg, "ipfix") == 0) version = NFW_FLOW_IPFIX;
			else if (strcmp(optarg, "sflow") == 0) version = NFW_FLOW_SFLOW;
			else {
				fprintf(stderr, "nfwatch-gen: --format is v5, v9, ipfix or sflow\n");
				return 2;
			}
			break;
		case 'o': out = optarg; break;
		case 's': seed = strtoull(optarg, NULL, 10); break;
		case 't':
			errno = 0;
			start = strtoull(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || start > 4000000000ull) {
				fprintf(stderr, "nfwatch-gen: --start takes Unix seconds\n");
				return 2;
			}
			break;
		case 'h':
			printf("usage: nfwatch-gen (--demo | --bulk N [--format v5|v9|ipfix|sflow])"
			       " --out FILE.pcap [--seed S] [--start UNIX_S]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (out == NULL || demo == (bulk > 0)) {
		fprintf(stderr, "usage: nfwatch-gen (--demo | --bulk N [--format F]) --out FILE.pcap\n");
		return 2;
	}
	char err[512];
	struct nfw_pcap_writer *w = nfw_pcap_writer_open(out, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "nfwatch-gen: %s\n", err);
		return 1;
	}
	int rc = demo ? run_demo(w, seed, start * 1000) : run_bulk(w, seed, start * 1000, bulk, version);
	if (nfw_pcap_writer_close(w) != 0 && rc == 0)
		rc = -EIO;
	if (rc != 0) {
		fprintf(stderr, "nfwatch-gen: %s: %s\n", out, strerror(-rc));
		return 1;
	}
	return 0;
}
