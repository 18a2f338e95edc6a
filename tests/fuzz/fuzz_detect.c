/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the detectors. The input is a sequence of 32-byte
 * flow descriptions, each made into a struct nfw_flow as a decoder or a
 * JSON flow file may give one: addresses from a small set (internal,
 * external, the site's resolver, IPv6) so that entities meet again, any
 * ports, protocol and TCP flags, times near one another or anywhere in
 * 64 bits (end before start too), any byte and packet counts, any
 * sampling rate of at least 1, the rate-unknown flag. A run every 64
 * flows and at the end, in slices half the time. The detectors must not
 * crash, hang or trip the sanitizers, and every finding must be
 * well-formed (a score in 0..100, an id, first <= last seen, evidence
 * that JSON can hold: finite numbers).
 * Small tables (1024 sources, 4096 beaconing tuples) so that the paths
 * that make room are reached.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1768478400000ull
#define REC 32

static uint64_t
rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

/* one of 64 addresses: 10.0.0.x, 10.9.0.53 (the resolver), 198.51.100.x, fd00::x, 2001:db8::x */
static void
addr(uint8_t out[16], uint8_t sel)
{
	unsigned k = sel & 63;
	memset(out, 0, 16);
	if (k < 24) {
		nfw_flow_addr_set4(out, 0x0a000000u + k);
	} else if (k == 24) {
		nfw_flow_addr_set4(out, 0x0a090035u);
	} else if (k < 48) {
		nfw_flow_addr_set4(out, 0xc6336400u + k);
	} else {
		out[0] = k < 56 ? 0xfd : 0x20;
		out[1] = k < 56 ? 0x00 : 0x01;
		out[15] = (uint8_t)k;
	}
}

static void
check(const struct nfw_finding *f, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (f[i].id[0] == '\0' || !(f[i].score >= 0 && f[i].score <= 100) || f[i].first_ms > f[i].last_ms)
			abort();
		if (memchr(f[i].summary, '\0', sizeof(f[i].summary)) == NULL || f[i].nev > NFW_EVIDENCE_MAX)
			abort();
		for (unsigned e = 0; e < f[i].nev; e++) /* JSON has no NaN or infinity */
			if (f[i].ev[e].name == NULL || (!f[i].ev[e].is_str && !isfinite(f[i].ev[e].num)))
				abort();
	}
}

static void
run(struct nfw_detect *d, int sliced)
{
	const struct nfw_finding *f;
	unsigned n;
	if (sliced) {
		nfw_detect_run_begin(d);
		for (unsigned i = 0; i < 100000 && !nfw_detect_run_step(d, 3); i++)
			;
		n = nfw_detect_run_end(d, &f);
	} else {
		n = nfw_detect_run(d, &f);
	}
	check(f, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.fanout_max_sources = 1024;
	c.beacon_max_tuples = 4096;
	nfw_prefix_parse("fd00::/8", &c.home[c.nhome++]);
	struct nfw_detect *d = nfw_detect_create(&c);
	if (d == NULL)
		abort();
	unsigned count = 0;
	for (size_t off = 0; off + REC <= size; off += REC) {
		const uint8_t *p = data + off;
		struct nfw_flow f;
		memset(&f, 0, sizeof(f));
		addr(f.src_addr, p[0]);
		addr(f.dst_addr, p[1]);
		f.af = nfw_flow_addr_is4(f.src_addr) ? 4 : 6;
		nfw_flow_addr_set4(f.exporter, 0xc0000201u + (p[2] & 3));
		f.src_port = (uint16_t)rd(p + 3, 2);
		f.dst_port = (uint16_t)rd(p + 5, 2);
		f.proto = p[7];
		f.tcp_flags = p[8];
		uint8_t mode = p[9];
		uint64_t t = rd(p + 10, 4), dur = rd(p + 14, 4);
		if (mode & 1) { /* anywhere in 64 bits */
			f.start_ms = t << 32 | dur;
			f.end_ms = rd(p + 14, 4) << 29 ^ t;
		} else { /* within ~50 days of T0, a duration of up to ~18 h (or end before start) */
			f.start_ms = T0 + t;
			f.end_ms = (mode & 2) ? f.start_ms - (dur & 0xffff) : f.start_ms + (dur >> 6);
		}
		f.packets = (mode & 4) ? rd(p + 18, 8) : rd(p + 18, 2);
		f.bytes = (mode & 8) ? rd(p + 20, 8) ^ f.packets : f.packets * (rd(p + 26, 2) & 0x7ff);
		f.sampling = (mode & 16) ? (uint32_t)rd(p + 28, 4) : 1u << (p[28] & 7);
		if (f.sampling == 0)
			f.sampling = 1;
		if (mode & 32)
			f.flags |= NFW_FLOW_F_RATE_UNKNOWN;
		f.end_reason = p[29] & 7;
		nfw_detect_add(d, &f);
		if (++count % 64 == 0)
			run(d, mode & 64);
	}
	run(d, size & 1);
	nfw_detect_free(d);
	return 0;
}
