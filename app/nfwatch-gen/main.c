/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-gen: export traffic as real exporters send it, for tests, demos
 * and line-rate benchmarks.
 *
 *   nfwatch-gen --scenario NAME|FILE.json (--out FILE.pcap | --send ADDR:PORT
 *               [--pps N] [--max-seconds S] [--send-src 127.0.1.1])
 *               [--truth FILE.json] [--expect FILE.csv] [--seed S] [--sampling N]
 *   nfwatch-gen --replay FILE.pcap --send ADDR:PORT [--pps N] [--max-seconds S]
 *   nfwatch-gen --list-scenarios | --dump-scenario NAME
 *   nfwatch-gen --demo --out FILE.pcap
 *   nfwatch-gen --bulk N [--format v5|v9|ipfix|sflow] [--exporters K] [--mix uniform|site]
 *               --out FILE.pcap
 *
 * Scenarios (gen.h has the pipeline) describe hosts and behaviours over a
 * span of time, labelled; --demo is a one-minute capture from four
 * exporters, one per format; --bulk fills a capture with full-size
 * datagrams of distinct flows for line-rate replay (net_pcap infinite_rx).
 * Its --mix says who talks to whom: "uniform" (the default) draws every
 * source, destination and port alike (65 536 x 256 x 8: nearly every flow a
 * new conversation, the detectors' worst case); "site" draws internal hosts
 * and external destinations by popularity (Zipf, s = 1, over 65 536 hosts
 * and the 131 072 addresses of 198.18.0.0/15) and ports by a service mix,
 * as a site's traffic is: a few hosts and services carry most flows.
 * Output is deterministic for a scenario and seed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "nfw_capture.h"
#include "nfw_export.h"

static uint32_t
rng_range(struct rng *r, uint32_t n)
{
	return rng_below(r, n);
}

static const uint16_t svc_ports[] = { 443, 80, 53, 123, 25, 22, 8443, 993 };

/*
 * The "site" mix: ranks drawn by Zipf (s = 1) from a cumulative table,
 * scattered over the address range by an odd multiplier (a bijection mod
 * 2^k), so popular hosts are not neighbours.
 */
#define MIX_SRC_BITS 16
#define MIX_DST_BITS 17
struct mix {
	double *src_cdf, *dst_cdf;
};

static double *
zipf_cdf(unsigned n)
{
	double *c = malloc(sizeof(*c) * n), sum = 0;
	if (c == NULL)
		return NULL;
	for (unsigned i = 0; i < n; i++)
		c[i] = (sum += 1.0 / (i + 1));
	for (unsigned i = 0; i < n; i++)
		c[i] /= sum;
	return c;
}

static uint32_t
zipf_draw(struct rng *r, const double *cdf, unsigned bits)
{
	double u = rng_unit(r);
	uint32_t lo = 0, hi = (1u << bits) - 1;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	return ((lo + 1) * 0x9e3779b1u) & ((1u << bits) - 1); /* rank 0 is not address .0 */
}

/* the site's services by their share of flows, in percent (the rest 993) */
static uint16_t
site_port(struct rng *r)
{
	static const struct { uint16_t port; uint8_t pct; } svc[] = {
		{ 443, 62 }, { 80, 14 }, { 53, 10 }, { 123, 4 }, { 25, 3 }, { 22, 2 }, { 8443, 3 },
	};
	uint32_t u = rng_range(r, 100), acc = 0;
	for (unsigned i = 0; i < sizeof(svc) / sizeof(svc[0]); i++)
		if (u < (acc += svc[i].pct))
			return svc[i].port;
	return 993;
}

static void
make_flow(struct rng *r, struct nfw_flow *f, uint64_t t, int v6, uint32_t divide, const struct mix *m)
{
	memset(f, 0, sizeof(*f));
	if (!v6) {
		if (m != NULL) {
			nfw_flow_addr_set4(f->src_addr, 0x0a000000u | zipf_draw(r, m->src_cdf, MIX_SRC_BITS));
			nfw_flow_addr_set4(f->dst_addr, 0xc6120000u | zipf_draw(r, m->dst_cdf, MIX_DST_BITS));
		} else {
			nfw_flow_addr_set4(f->src_addr, 0x0a000000u | rng_range(r, 1 << 16));  /* 10.0/16 */
			nfw_flow_addr_set4(f->dst_addr, 0xcb007100u | rng_range(r, 256));      /* 203.0.113/24 */
		}
		nfw_flow_addr_set4(f->nexthop, 0x0a0000feu);
		f->af = 4;
	} else {
		static const uint8_t p_in[8] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x10, 0, 0 };
		static const uint8_t p_out[8] = { 0x20, 0x01, 0x0d, 0xb8, 0xff, 0, 0, 0 };
		memcpy(f->src_addr, p_in, 8);
		memcpy(f->dst_addr, p_out, 8);
		uint64_t a = rng_u64(r), b = rng_u64(r);
		memcpy(f->src_addr + 8, &a, 8);
		memcpy(f->dst_addr + 8, &b, 8);
		f->af = 6;
	}
	uint16_t port = m != NULL ? site_port(r) : svc_ports[rng_range(r, 8)];
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
					  st[i].divide, NULL);
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
	 uint16_t version, unsigned nexp, bool site)
{
	struct rng r = { seed };
	struct stream s[GEN_MAX_EXPORTERS];
	struct mix mix = { NULL, NULL };
	int rc = 0;

	if (site && ((mix.src_cdf = zipf_cdf(1u << MIX_SRC_BITS)) == NULL ||
		     (mix.dst_cdf = zipf_cdf(1u << MIX_DST_BITS)) == NULL))
		rc = -ENOMEM;

	memset(s, 0, sizeof(s));
	for (unsigned i = 0; i < nexp; i++) {
		struct nfw_export_params p = {
			.version = version, .template_every = 100, .boot_ms = start_ms - 3600000,
			.mtu = 1472, .domain = i,
		};
		nfw_flow_addr_set4(p.agent, 0xc0000201u + i);
		s[i].enc = nfw_export_create(&p);
		s[i].sport = (uint16_t)(40000 + i);
		s[i].dport = version == NFW_FLOW_SFLOW ? 6343 : version == NFW_FLOW_IPFIX ? 4739 : 2055;
		s[i].divide = 1;
		nfw_flow_addr_set4(s[i].src, 0xc0000201u + i);
		if (s[i].enc == NULL)
			rc = -ENOMEM;
	}
	struct nfw_flow recs[256];
	uint64_t t = start_ms;
	for (unsigned i = 0; n > 0 && rc == 0; i = (i + 1) % nexp) {
		unsigned k = n > 256 ? 256 : (unsigned)n;
		for (unsigned j = 0; j < k; j++)
			make_flow(&r, &recs[j], t, 0, 1, site ? &mix : NULL);
		rc = emit(w, &s[i], recs, k, t);
		n -= k;
		t += 10;
	}
	for (unsigned i = 0; i < nexp; i++)
		nfw_export_free(s[i].enc);
	free(mix.src_cdf);
	free(mix.dst_cdf);
	return rc;
}

static int
run_scenario(const char *name, const struct emit_opts *eo, const char *truth, const char *expect,
	     bool seed_set, uint64_t seed, uint32_t sampling)
{
	struct scenario sc;
	struct convs cv;
	struct records recs;
	char err[512];
	int rc = 1;
	struct timespec t0, t1;

	memset(&cv, 0, sizeof(cv));
	memset(&recs, 0, sizeof(recs));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (scenario_load(name, &sc, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfwatch-gen: %s\n", err);
		return 2;
	}
	if (seed_set)
		sc.seed = seed;
	for (unsigned i = 0; sampling > 0 && i < sc.nexp; i++)
		sc.exp[i].sampling = sampling;
	if (behave_all(&sc, &cv, err, sizeof(err)) != 0 ||
	    split_all(&sc, &cv, &recs, err, sizeof(err)) != 0 ||
	    emit_all(&sc, &recs, eo, err, sizeof(err)) != 0 ||
	    (truth != NULL && truth_write(truth, &sc, &cv, &recs, err, sizeof(err)) != 0) ||
	    (expect != NULL && expect_write(expect, &sc, &recs, err, sizeof(err)) != 0)) {
		fprintf(stderr, "nfwatch-gen: %s\n", err);
		goto out;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	uint64_t dg = 0;
	for (unsigned i = 0; i < sc.nexp; i++)
		dg += recs.exp[i].datagrams;
	fprintf(stderr, "nfwatch-gen: scenario %s: %.1f h simulated, %zu conversations, %zu records, "
		"%llu datagrams from %u exporters, %zu labels, in %.2f s\n", sc.name,
		(double)(sc.end_ms - sc.start_ms) / 3600000.0, cv.n, recs.n, (unsigned long long)dg,
		sc.nexp, cv.nlab,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	rc = 0;
out:
	records_free(&recs);
	convs_free(&cv);
	scenario_free(&sc);
	return rc;
}

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: nfwatch-gen --scenario NAME|FILE.json (--out FILE.pcap | --send ADDR:PORT)\n"
		"                   [--truth FILE.json] [--expect FILE.csv] [--seed S] [--sampling N]\n"
		"                   [--pps N] [--max-seconds S] [--send-src 127.0.1.1]\n"
		"       nfwatch-gen --replay FILE.pcap --send ADDR:PORT [--pps N] [--max-seconds S]\n"
		"       nfwatch-gen --list-scenarios | --dump-scenario NAME\n"
		"       nfwatch-gen --demo --out FILE.pcap\n"
		"       nfwatch-gen --bulk N [--format v5|v9|ipfix|sflow] [--exporters K] [--mix uniform|site]\n"
		"                   --out FILE.pcap\n");
}

static int
parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || *s == '\0' || *s == '-' || v > max) {
		fprintf(stderr, "nfwatch-gen: %s takes 0..%llu\n", opt, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "scenario", required_argument, NULL, 'S' },
		{ "replay", required_argument, NULL, 'R' },
		{ "list-scenarios", no_argument, NULL, 'L' },
		{ "dump-scenario", required_argument, NULL, 'D' },
		{ "truth", required_argument, NULL, 'T' },
		{ "expect", required_argument, NULL, 'E' },
		{ "send", required_argument, NULL, 'n' },
		{ "pps", required_argument, NULL, 'p' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "send-src", required_argument, NULL, 'c' },
		{ "sampling", required_argument, NULL, 'a' },
		{ "demo", no_argument, NULL, 'd' },
		{ "bulk", required_argument, NULL, 'b' },
		{ "format", required_argument, NULL, 'f' },
		{ "exporters", required_argument, NULL, 'x' },
		{ "mix", required_argument, NULL, 'M' },
		{ "out", required_argument, NULL, 'o' },
		{ "seed", required_argument, NULL, 's' },
		{ "start", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct emit_opts eo = { .max_seconds = 600 };
	const char *scenario = NULL, *truth = NULL, *replay = NULL, *expect = NULL;
	int demo = 0;
	bool site = false;
	uint64_t bulk = 0, seed = 1, start = 1767225600, nexp = 1, v;
	uint32_t sampling = 0;
	bool seed_set = false;
	uint16_t version = NFW_FLOW_V5;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'S': scenario = optarg; break;
		case 'R': replay = optarg; break;
		case 'L':
			for (const char *const *n = builtin_names(); *n != NULL; n++)
				printf("%s\n", *n);
			return 0;
		case 'D': {
			const char *txt = builtin_scenario(optarg);
			json_t *j = txt ? json_loads(txt, 0, NULL) : NULL;
			if (j == NULL) {
				fprintf(stderr, "nfwatch-gen: no built-in scenario \"%s\" (--list-scenarios)\n", optarg);
				return 2;
			}
			json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
			fputc('\n', stdout);
			json_decref(j);
			return 0;
		}
		case 'T': truth = optarg; break;
		case 'E': expect = optarg; break;
		case 'n': eo.send_addr = optarg; break;
		case 'p':
			if (parse_u64("--pps", optarg, 100000000, &eo.pps))
				return 2;
			break;
		case 'm':
			if (parse_u64("--max-seconds", optarg, 86400, &v))
				return 2;
			eo.max_seconds = (uint32_t)v;
			break;
		case 'c': eo.send_src_base = optarg; break;
		case 'a':
			if (parse_u64("--sampling", optarg, 16383, &v) || v == 0)
				return 2;
			sampling = (uint32_t)v;
			break;
		case 'd': demo = 1; break;
		case 'b':
			if (parse_u64("--bulk", optarg, 1000000000, &bulk) || bulk == 0)
				return 2;
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
		case 'x':
			if (parse_u64("--exporters", optarg, GEN_MAX_EXPORTERS, &nexp) || nexp == 0)
				return 2;
			break;
		case 'M':
			if (strcmp(optarg, "uniform") != 0 && strcmp(optarg, "site") != 0) {
				fprintf(stderr, "nfwatch-gen: --mix is uniform or site\n");
				return 2;
			}
			site = strcmp(optarg, "site") == 0;
			break;
		case 'o': eo.pcap_path = optarg; break;
		case 's':
			if (parse_u64("--seed", optarg, UINT64_MAX >> 11, &seed))
				return 2;
			seed_set = true;
			break;
		case 't':
			if (parse_u64("--start", optarg, 4000000000ull, &start))
				return 2;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || (scenario != NULL) + (replay != NULL) + demo + (bulk > 0) != 1) {
		usage(stderr);
		return 2;
	}
	if (replay != NULL) {
		char e[512];
		if (eo.send_addr == NULL) {
			fprintf(stderr, "nfwatch-gen: --replay needs --send ADDR:PORT\n");
			return 2;
		}
		if (replay_capture(replay, &eo, e, sizeof(e)) != 0) {
			fprintf(stderr, "nfwatch-gen: %s\n", e);
			return 1;
		}
		return 0;
	}
	if (scenario != NULL) {
		if ((eo.pcap_path != NULL) == (eo.send_addr != NULL)) {
			fprintf(stderr, "nfwatch-gen: a scenario goes to --out FILE or --send ADDR:PORT\n");
			return 2;
		}
		return run_scenario(scenario, &eo, truth, expect, seed_set, seed, sampling);
	}
	if (eo.pcap_path == NULL) {
		usage(stderr);
		return 2;
	}
	char err[512];
	struct nfw_pcap_writer *w = nfw_pcap_writer_open(eo.pcap_path, err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "nfwatch-gen: %s\n", err);
		return 1;
	}
	int rc = demo ? run_demo(w, seed, start * 1000)
		      : run_bulk(w, seed, start * 1000, bulk, version, (unsigned)nexp, site);
	if (nfw_pcap_writer_close(w) != 0 && rc == 0)
		rc = -EIO;
	if (rc != 0) {
		fprintf(stderr, "nfwatch-gen: %s: %s\n", eo.pcap_path, strerror(-rc));
		return 1;
	}
	return 0;
}
