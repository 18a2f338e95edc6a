/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for one decoder, chosen at build time by FUZZ_VERSION
 * (5, 9, 10, or 5005 for sFlow). The input is a sequence of datagrams, each
 * prefixed by a 2-byte big-endian length, fed to one fresh decoder context
 * so templates from one datagram are used by the next; the version bytes
 * of each datagram are forced to the target's format so the fuzzer spends
 * its time inside that decoder. After every datagram the accounting
 * invariant must hold and every record must be sane; otherwise abort.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_decode.h"

#ifndef FUZZ_VERSION
#error "FUZZ_VERSION must be defined"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct nfw_decode *d)
{
	struct nfw_decode_stats s;
	uint64_t dropped = 0;

	nfw_decode_stats_total(d, &s);
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		dropped += s.dropped[r];
	if (s.datagrams != s.decoded + dropped)
		abort();
	if (s.sets_deferred != s.sets_replayed + s.set_dropped[NFW_DROP_NO_TEMPLATE] + s.sets_pending &&
	    s.set_dropped[NFW_DROP_NO_TEMPLATE] < s.sets_deferred - s.sets_replayed - s.sets_pending)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[65536];
	struct nfw_decode_params p = { .pending_sets = 8, .pending_bytes = 16384, .batch_size = 512,
				       .max_templates = 64, .max_templates_per_exp = 32,
				       .max_exporters = 4, .max_samplers = 16, .max_fields = 128 };
	struct nfw_decode *d = nfw_decode_create(&p);
	struct nfw_exporter_addr ex;
	size_t off = 0;
	uint64_t now = 1767225600000ull;

	if (d == NULL)
		abort();
	memset(&ex, 0, sizeof(ex));
	nfw_exporter_addr_set4(&ex, 0xc0000201);
	while (off + 2 <= size) {
		size_t len = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len > size - off)
			len = size - off;
		memcpy(buf, data + off, len);
		off += len;
		if (FUZZ_VERSION == 5005) {
			if (len >= 4) {
				buf[0] = 0; buf[1] = 0; buf[2] = 0; buf[3] = 5;
			}
		} else if (len >= 2) {
			buf[0] = 0;
			buf[1] = (uint8_t)FUZZ_VERSION;
		}
		unsigned n;
		const struct nfw_flow *f = nfw_decode_datagram(d, buf, len, &ex, now, &n);
		for (unsigned i = 0; i < n; i++)
			if (f[i].sampling == 0 || (f[i].af != 4 && f[i].af != 6))
				abort();
		check(d);
		now += 1000;
	}
	nfw_decode_free(d);
	return 0;
}
