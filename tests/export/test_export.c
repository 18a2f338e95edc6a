/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encoder round trip: records encoded by lib/export as v5, v9, IPFIX and
 * sFlow decode back to the same records (v5: IPv4 only; sampling announced
 * and applied; sFlow: one packet sample per record).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "nfw_decode.h"
#include "nfw_export.h"

#define NOW 1767225660000ull /* whole seconds: v9 carries only seconds */

static void
mk(struct nfw_flow *f, unsigned i, int v6)
{
	memset(f, 0, sizeof(*f));
	if (v6) {
		f->src_addr[0] = 0x20; f->src_addr[1] = 0x01; f->src_addr[15] = (uint8_t)i;
		f->dst_addr[0] = 0x20; f->dst_addr[1] = 0x01; f->dst_addr[14] = 1; f->dst_addr[15] = (uint8_t)i;
		f->af = 6;
	} else {
		nfw_flow_addr_set4(f->src_addr, 0x0a000000u + i);
		nfw_flow_addr_set4(f->dst_addr, 0xc6336400u + i);
		nfw_flow_addr_set4(f->nexthop, 0x0a0000fe);
		f->af = 4;
	}
	f->src_port = (uint16_t)(30000 + i);
	f->dst_port = 443;
	f->proto = 6;
	f->tcp_flags = 0x1b;
	f->tos = 0x20;
	f->packets = 10 + i;
	f->bytes = (10 + i) * 500;
	f->start_ms = NOW - 30000 + i;
	f->end_ms = NOW - 1000 + i;
	f->in_if = 3;
	f->out_if = 4;
	f->src_as = 64500;
	f->dst_as = 64501 + i;
	f->end_reason = 2;
}

static void
roundtrip(uint16_t version, uint32_t sampling, unsigned n, int with_v6)
{
	struct nfw_flow in[64];
	uint8_t buf[2048];
	struct nfw_export_params p = { .version = version, .sampling = sampling, .domain = 7,
				       .boot_ms = NOW - 100000, .mtu = 1400 };
	nfw_flow_addr_set4(p.agent, 0xc0000204);
	struct nfw_export *e = nfw_export_create(&p);
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex;
	memset(&ex, 0, sizeof(ex));
	nfw_exporter_addr_set4(&ex, 0xc0000201);
	assert_non_null(e);
	for (unsigned i = 0; i < n; i++)
		mk(&in[i], i, with_v6 && (i % 3 == 0));
	unsigned off = 0, got = 0;
	while (off < n) {
		unsigned used;
		size_t len = nfw_export_build(e, in + off, n - off, &used, NOW, buf, sizeof(buf));
		assert_true(used > 0);
		assert_true(len <= 1400);
		unsigned k;
		const struct nfw_flow *out = nfw_decode_datagram(d, buf, len, &ex, NOW, &k);
		for (unsigned j = 0; j < k; j++) {
			const struct nfw_flow *a = &in[off + j], *b = &out[j];
			uint32_t r = sampling > 1 ? sampling : 1;
			assert_memory_equal(a->src_addr, b->src_addr, 16);
			assert_memory_equal(a->dst_addr, b->dst_addr, 16);
			assert_int_equal(a->src_port, b->src_port);
			assert_int_equal(a->dst_port, b->dst_port);
			assert_int_equal(a->proto, b->proto);
			assert_int_equal(a->tcp_flags, b->tcp_flags);
			assert_int_equal(b->sampling, r);
			if (version == NFW_FLOW_SFLOW) {
				assert_int_equal(b->packets, r);
				assert_int_equal(b->bytes, (a->bytes / a->packets) * r);
				continue;
			}
			assert_int_equal(a->tos, b->tos);
			assert_int_equal(b->packets, a->packets * r);
			assert_int_equal(b->bytes, a->bytes * r);
			assert_int_equal(a->start_ms, b->start_ms);
			assert_int_equal(a->end_ms, b->end_ms);
			assert_int_equal(a->in_if, b->in_if);
			assert_int_equal(a->out_if, b->out_if);
			assert_int_equal(a->dst_as, b->dst_as);
			if (version != NFW_FLOW_V5)
				assert_int_equal(b->end_reason, 2);
			assert_int_equal(b->flags & NFW_FLOW_F_RATE_UNKNOWN,
					 version != NFW_FLOW_V5 && sampling <= 1 ? NFW_FLOW_F_RATE_UNKNOWN : 0);
		}
		got += k;
		off += used;
	}
	assert_int_equal(got, n);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.datagrams, s.decoded);
	assert_int_equal(s.seq_lost, 0);
	assert_int_equal(s.seq_restarts, 0);
	nfw_export_free(e);
	nfw_decode_free(d);
}

static void test_v5(void **s) { (void)s; roundtrip(NFW_FLOW_V5, 0, 64, 0); roundtrip(NFW_FLOW_V5, 50, 40, 0); }
static void test_v9(void **s) { (void)s; roundtrip(NFW_FLOW_V9, 0, 64, 1); roundtrip(NFW_FLOW_V9, 10, 64, 1); }
static void test_ipfix(void **s) { (void)s; roundtrip(NFW_FLOW_IPFIX, 0, 64, 1); roundtrip(NFW_FLOW_IPFIX, 4, 64, 1); }
static void test_sflow(void **s) { (void)s; roundtrip(NFW_FLOW_SFLOW, 256, 40, 1); }

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5),
		cmocka_unit_test(test_v9),
		cmocka_unit_test(test_ipfix),
		cmocka_unit_test(test_sflow),
	};
	return cmocka_run_group_tests_name("export_roundtrip", tests, NULL, NULL);
}
