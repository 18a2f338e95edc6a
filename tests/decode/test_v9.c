/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v9: templates and data, data before its template, options
 * templates announcing sampling (per sampler id and per domain), variable
 * length fields (Huawei), zero padding, malformed FlowSets, caps, sequence.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nfw_decode.h"
#include "pktbuild.h"

#define EXPORT_S 1767225600u
#define UPTIME   3600000u

static size_t
v9_header(struct pb *p, uint32_t seq, uint32_t source_id)
{
	pb_u16(p, 9);
	pb_u16(p, 99); /* count: deliberately wrong, never trusted */
	pb_u32(p, UPTIME);
	pb_u32(p, EXPORT_S);
	pb_u32(p, seq);
	pb_u32(p, source_id);
	return p->n;
}

/* a template FlowSet of one template: n (id, length) fields */
static void
v9_template(struct pb *p, uint16_t id, const uint16_t (*f)[2], unsigned n)
{
	size_t at = p->n;
	pb_u16(p, 0);
	pb_u16(p, 0);
	pb_u16(p, id);
	pb_u16(p, (uint16_t)n);
	for (unsigned i = 0; i < n; i++) {
		pb_u16(p, f[i][0]);
		pb_u16(p, f[i][1]);
	}
	pb_len16(p, at + 2, at);
}

/* template 256: src, dst, sport, dport, proto, bytes(4), pkts(4), first, last, sampler id(1) */
static void
v9_template_256(struct pb *p)
{
	static const uint16_t f[][2] = { { 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 },
					 { 1, 4 }, { 2, 4 }, { 22, 4 }, { 21, 4 }, { 48, 1 } };
	v9_template(p, 256, f, 10);
}

static void
v9_data_256(struct pb *p, unsigned nrec, uint8_t sampler)
{
	size_t at = p->n;
	pb_u16(p, 256);
	pb_u16(p, 0);
	for (unsigned i = 0; i < nrec; i++) {
		pb_u32(p, 0x0a000001 + i);
		pb_u32(p, 0xcb007101);
		pb_u16(p, (uint16_t)(40000 + i));
		pb_u16(p, 443);
		pb_u8(p, 6);
		pb_u32(p, 1000);
		pb_u32(p, 10);
		pb_u32(p, UPTIME - 5000);
		pb_u32(p, UPTIME - 1000);
		pb_u8(p, sampler);
	}
	while ((p->n - at) % 4)
		pb_u8(p, 0); /* padding */
	pb_len16(p, at + 2, at);
}

/* options template 300: scope System(4) | sampler id(1) | interval(4) | algorithm(1) */
static void
v9_options_300(struct pb *p, int with_id)
{
	size_t at = p->n;
	pb_u16(p, 1);
	pb_u16(p, 0);
	pb_u16(p, 300);
	pb_u16(p, 4);
	pb_u16(p, with_id ? 12 : 8);
	pb_u16(p, 1); pb_u16(p, 4);
	if (with_id) {
		pb_u16(p, 48); pb_u16(p, 1);
	}
	pb_u16(p, 34); pb_u16(p, 4);
	pb_u16(p, 35); pb_u16(p, 1);
	while ((p->n - at) % 4)
		pb_u8(p, 0);
	pb_len16(p, at + 2, at);
}

static void
v9_options_data(struct pb *p, int with_id, uint8_t id, uint32_t rate)
{
	size_t at = p->n;
	pb_u16(p, 300);
	pb_u16(p, 0);
	pb_u32(p, 0);
	if (with_id)
		pb_u8(p, id);
	pb_u32(p, rate);
	pb_u8(p, 2);
	while ((p->n - at) % 4)
		pb_u8(p, 0);
	pb_len16(p, at + 2, at);
}

static struct pb P;

static const struct nfw_flow *
feed(struct nfw_decode *d, const struct nfw_exporter_addr *ex, unsigned *n)
{
	return nfw_decode_datagram(d, P.b, P.n, ex, (uint64_t)EXPORT_S * 1000, n);
}

static void
test_v9_template_and_data(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000202, 2055);
	unsigned n;

	P.n = 0;
	v9_header(&P, 1, 7);
	v9_template_256(&P);
	v9_data_256(&P, 3, 0);
	const struct nfw_flow *f = feed(d, &ex, &n);
	assert_int_equal(n, 3);
	assert_int_equal(flow_v4(f[2].src_addr), 0x0a000003);
	assert_int_equal(f[2].src_port, 40002);
	assert_int_equal(f[0].dst_port, 443);
	assert_int_equal(f[0].bytes, 1000);
	assert_int_equal(f[0].packets, 10);
	assert_int_equal(f[0].start_ms, (uint64_t)EXPORT_S * 1000 - 5000);
	assert_int_equal(f[0].end_ms, (uint64_t)EXPORT_S * 1000 - 1000);
	assert_int_equal(f[0].domain, 7);
	assert_int_equal(f[0].version, NFW_FLOW_V9);
	assert_int_equal(f[0].sampling, 1);
	assert_true(f[0].flags & NFW_FLOW_F_RATE_UNKNOWN);

	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_added, 1);
	assert_int_equal(s.templates_active, 1);
	assert_int_equal(s.rate_unknown_records, 3);
	/* the same template again is a refresh, a new layout an update */
	P.n = 0;
	v9_header(&P, 2, 7);
	v9_template_256(&P);
	feed(d, &ex, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_refreshed, 1);
	assert_int_equal(s.templates_added, 1);
	nfw_decode_free(d);
}

/* template 257 (fast: fixed lengths, no sampler): src, dst, sport, dport, proto, ICMP type, bytes(8), pkts(4), first, last */
static void
v9_template_257(struct pb *p)
{
	static const uint16_t f[][2] = { { 8, 4 }, { 12, 4 }, { 7, 2 }, { 11, 2 }, { 4, 1 },
					 { 32, 2 }, { 1, 8 }, { 2, 4 }, { 22, 4 }, { 21, 4 } };
	v9_template(p, 257, f, 10);
}

/* records i = 0..n-1: odd ones are ICMP echo replies with no port (type 0x0800 in IE 32) */
static void
v9_data_257(struct pb *p, unsigned nrec)
{
	size_t at = p->n;
	pb_u16(p, 257);
	pb_u16(p, 0);
	for (unsigned i = 0; i < nrec; i++) {
		pb_u32(p, 0x0a000001 + i);
		pb_u32(p, 0xcb007101);
		pb_u16(p, i % 2 ? 0 : (uint16_t)(40000 + i));
		pb_u16(p, i % 2 ? 0 : 443);
		pb_u8(p, i % 2 ? 1 : 6);
		pb_u16(p, i % 2 ? 0x0800 : 0x0303); /* an ICMP field on a TCP record is ignored */
		pb_u64(p, 0x123456789aull + i);
		pb_u32(p, 10 + i);
		pb_u32(p, UPTIME - 5000);
		pb_u32(p, UPTIME - 1000 + i);
	}
	pb_len16(p, at + 2, at);
}

/*
 * A fixed-length template runs its byte-shuffle form on all records but the
 * last few (its 16-byte loads would read past the set) and the flat ops on
 * those: both give the same fields; a full batch counts each record it
 * refuses exactly once.
 */
static void
test_v9_fast_forms_and_batch_full(void **state)
{
	(void)state;
	for (int flat = 0; flat < 2; flat++) {
		struct nfw_decode_params prm = { .flat_only = flat != 0 };
		struct nfw_decode *d = nfw_decode_create(&prm);
		struct nfw_exporter_addr ex = test_exporter(0xc0000202, 2055);
		struct nfw_decode_stats s;
		unsigned n;

		assert_non_null(d);
		P.n = 0;
		v9_header(&P, 1, 7);
		v9_template_257(&P);
		v9_data_257(&P, 40);
		const struct nfw_flow *f = feed(d, &ex, &n);
		assert_int_equal(n, 40);
		for (unsigned i = 0; i < 40; i++) {
			assert_int_equal(flow_v4(f[i].src_addr), 0x0a000001 + i);
			assert_int_equal(flow_v4(f[i].dst_addr), 0xcb007101);
			assert_true(nfw_flow_addr_is4(f[i].src_addr) && nfw_flow_addr_is4(f[i].dst_addr));
			assert_int_equal(f[i].src_port, i % 2 ? 0 : 40000 + i);
			assert_int_equal(f[i].dst_port, i % 2 ? 0x0800 : 443);
			assert_int_equal(f[i].proto, i % 2 ? 1 : 6);
			assert_int_equal(f[i].bytes, 0x123456789aull + i);
			assert_int_equal(f[i].packets, 10 + i);
			assert_int_equal(f[i].start_ms, (uint64_t)EXPORT_S * 1000 - 5000);
			assert_int_equal(f[i].end_ms, (uint64_t)EXPORT_S * 1000 - 1000 + i);
			assert_int_equal(f[i].domain, 7);
			assert_int_equal(f[i].version, NFW_FLOW_V9);
			assert_int_equal(f[i].af, 4);
			assert_int_equal(f[i].exporter_port, 2055);
			assert_int_equal(flow_v4(f[i].exporter), 0xc0000202);
			assert_int_equal(f[i].in_if + f[i].out_if + f[i].src_as + f[i].dst_as + f[i].tos, 0);
			assert_int_equal(f[i].sampling, 1);
		}
		nfw_decode_stats_total(d, &s);
		assert_int_equal(s.records, 40);
		/* 35-byte records: the last one is too close to the set end for 16-byte loads */
		if (!flat && __builtin_cpu_supports("ssse3"))
			assert_int_equal(s.shuffled_records, 39);
		else
			assert_int_equal(s.shuffled_records, 0);
		nfw_decode_free(d);

		prm.batch_size = 4;
		d = nfw_decode_create(&prm);
		P.n = 0;
		v9_header(&P, 1, 7);
		v9_template_257(&P);
		v9_data_257(&P, 10);
		f = feed(d, &ex, &n);
		assert_int_equal(n, 4);
		assert_int_equal(f[3].packets, 13);
		nfw_decode_stats_total(d, &s);
		assert_int_equal(s.records, 4);
		assert_int_equal(s.rec_dropped[NFW_DROP_BATCH_FULL], 6);
		assert_int_equal(drops_sum(s.rec_dropped), 6);
		nfw_decode_free(d);
	}
}

static void
test_v9_data_before_template(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000202, 2055);
	struct nfw_decode_stats s;
	unsigned n;

	/* data first, in its own datagram */
	P.n = 0;
	v9_header(&P, 1, 7);
	v9_data_256(&P, 2, 0);
	feed(d, &ex, &n);
	assert_int_equal(n, 0);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.sets_deferred, 1);
	assert_int_equal(s.sets_pending, 1);
	/* data before the template inside one datagram */
	P.n = 0;
	v9_header(&P, 2, 7);
	v9_data_256(&P, 3, 0);
	v9_template_256(&P);
	const struct nfw_flow *f = feed(d, &ex, &n);
	assert_int_equal(n, 5); /* both queued sets decode when the template comes */
	assert_int_equal(flow_v4(f[0].src_addr), 0x0a000001);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.sets_deferred, 2);
	assert_int_equal(s.sets_replayed, 2);
	assert_int_equal(s.sets_pending, 0);
	assert_int_equal(s.records, 5);
	/* another source id does not see this template: queued, then aged out */
	P.n = 0;
	v9_header(&P, 1, 8);
	v9_data_256(&P, 1, 0);
	feed(d, &ex, &n);
	P.n = 0;
	v9_header(&P, 3, 7);
	nfw_decode_datagram(d, P.b, P.n, &ex, (uint64_t)EXPORT_S * 1000 + 61000, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.set_dropped[NFW_DROP_NO_TEMPLATE], 1);
	assert_int_equal(s.sets_pending, 0);
	assert_int_equal(s.sets_deferred, s.sets_replayed + s.set_dropped[NFW_DROP_NO_TEMPLATE] + s.sets_pending);
	nfw_decode_free(d);
}

static void
test_v9_pending_queue_bound(void **state)
{
	(void)state;
	struct nfw_decode_params prm = { .pending_sets = 4, .pending_bytes = 4096 };
	struct nfw_decode *d = nfw_decode_create(&prm);
	struct nfw_exporter_addr ex = test_exporter(0xc0000202, 2055);
	struct nfw_decode_stats s;
	unsigned n;

	for (uint32_t i = 0; i < 10; i++) {
		P.n = 0;
		v9_header(&P, i, 7);
		v9_data_256(&P, 1, 0);
		feed(d, &ex, &n);
	}
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.sets_deferred, 10);
	assert_int_equal(s.sets_pending, 4);
	assert_int_equal(s.set_dropped[NFW_DROP_NO_TEMPLATE], 6);
	nfw_decode_free(d);
}

static void
test_v9_options_sampling(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000202, 2055);
	unsigned n;

	/* sampler 5 runs 1:100, sampler 6 runs 1:1000 */
	P.n = 0;
	v9_header(&P, 1, 7);
	v9_options_300(&P, 1);
	v9_options_data(&P, 1, 5, 100);
	v9_options_data(&P, 1, 6, 1000);
	v9_template_256(&P);
	v9_data_256(&P, 1, 5);
	v9_data_256(&P, 1, 6);
	const struct nfw_flow *f = feed(d, &ex, &n);
	assert_int_equal(n, 2);
	assert_int_equal(f[0].sampling, 100);
	assert_int_equal(f[0].bytes, 100000);
	assert_int_equal(f[0].packets, 1000);
	assert_int_equal(f[1].sampling, 1000);
	assert_int_equal(f[1].bytes, 1000000);
	assert_int_equal(f[1].flags & NFW_FLOW_F_RATE_UNKNOWN, 0);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.options_records, 2);
	assert_int_equal(s.sampling_updates, 2);
	assert_int_equal(s.sampled_records, 2);
	nfw_decode_free(d);

	/* Cisco style: interval and algorithm with no sampler id: the domain default */
	d = nfw_decode_create(NULL);
	P.n = 0;
	v9_header(&P, 1, 7);
	v9_options_300(&P, 0);
	v9_options_data(&P, 0, 0, 64);
	v9_template_256(&P);
	v9_data_256(&P, 1, 0);
	f = feed(d, &ex, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].sampling, 64);
	assert_int_equal(f[0].bytes, 64000);
	/* an operator override wins */
	assert_int_equal(nfw_decode_set_sampling_override(d, ex.addr, 10), 0);
	P.n = 0;
	v9_header(&P, 2, 7);
	v9_data_256(&P, 1, 0);
	f = feed(d, &ex, &n);
	assert_int_equal(f[0].sampling, 10);
	assert_int_equal(f[0].bytes, 10000);
	nfw_decode_free(d);
}

static void
test_v9_varlen_and_padding(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 2055);
	unsigned n;

	/* Huawei style: IE 236 (VRF name) variable length between the addresses and counters */
	P.n = 0;
	v9_header(&P, 1, 0);
	size_t at = P.n;
	pb_u16(&P, 0); pb_u16(&P, 0);
	pb_u16(&P, 1315); pb_u16(&P, 4);
	pb_u16(&P, 8); pb_u16(&P, 4);
	pb_u16(&P, 236); pb_u16(&P, 65535);
	pb_u16(&P, 12); pb_u16(&P, 4);
	pb_u16(&P, 1); pb_u16(&P, 8);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 1315); pb_u16(&P, 0);
	pb_u32(&P, 0x0a010101); pb_u8(&P, 3); pb_bytes(&P, "abc", 3); pb_u32(&P, 0x0a020202); pb_u64(&P, 777);
	pb_u32(&P, 0x0a010102); pb_u8(&P, 255); pb_u16(&P, 300); pb_zero(&P, 300);
	pb_u32(&P, 0x0a020203); pb_u64(&P, 888);
	pb_u8(&P, 0); pb_u8(&P, 0); /* 2 bytes set padding */
	pb_len16(&P, at + 2, at);
	pb_zero(&P, 600); /* zero-filled tail, as Palo Alto sends */
	const struct nfw_flow *f = feed(d, &ex, &n);
	assert_int_equal(n, 2);
	assert_int_equal(flow_v4(f[0].src_addr), 0x0a010101);
	assert_int_equal(flow_v4(f[0].dst_addr), 0x0a020202);
	assert_int_equal(f[0].bytes, 777);
	assert_int_equal(flow_v4(f[1].dst_addr), 0x0a020203);
	assert_int_equal(f[1].bytes, 888);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.decoded, 1);
	assert_int_equal(s.padding_bytes, 600);
	assert_int_equal(drops_sum(s.rec_dropped), 0);
	nfw_decode_free(d);
}

static void
test_v9_malformed(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000204, 2055);
	struct nfw_decode_stats s;
	unsigned n;

	/* FlowSet length past the end */
	P.n = 0;
	v9_header(&P, 1, 0);
	pb_u16(&P, 256); pb_u16(&P, 400); pb_zero(&P, 20);
	feed(d, &ex, &n);
	/* FlowSet length 2 with non-zero bytes after */
	P.n = 0;
	v9_header(&P, 2, 0);
	pb_u16(&P, 256); pb_u16(&P, 2); pb_u32(&P, 0xdeadbeef);
	feed(d, &ex, &n);
	/* short header */
	P.n = 0;
	v9_header(&P, 3, 0);
	nfw_decode_datagram(d, P.b, 12, &ex, 1, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.dropped[NFW_DROP_BAD_SET_LENGTH], 2);
	assert_int_equal(s.dropped[NFW_DROP_TOO_SHORT], 1);
	assert_int_equal(s.decoded, 0);

	/* template claiming 50 fields in 12 bytes; reserved set id 7; template id 10 */
	P.n = 0;
	v9_header(&P, 4, 0);
	size_t at = P.n;
	pb_u16(&P, 0); pb_u16(&P, 0); pb_u16(&P, 256); pb_u16(&P, 50); pb_u32(&P, 0x00080004);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 7); pb_u16(&P, 0); pb_u32(&P, 0);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 0); pb_u16(&P, 0); pb_u16(&P, 10); pb_u16(&P, 1); pb_u32(&P, 0x00080004);
	pb_len16(&P, at + 2, at);
	feed(d, &ex, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.decoded, 1);
	assert_int_equal(s.set_dropped[NFW_DROP_BAD_TEMPLATE], 2);
	assert_int_equal(s.set_dropped[NFW_DROP_BAD_SET_ID], 1);
	assert_int_equal(s.templates_active, 0);
	assert_int_equal(s.datagrams, s.decoded + drops_sum(s.dropped));
	nfw_decode_free(d);
}

static void
test_v9_template_caps(void **state)
{
	(void)state;
	struct nfw_decode_params prm = { .max_templates_per_exp = 3, .max_fields = 4 };
	struct nfw_decode *d = nfw_decode_create(&prm);
	struct nfw_exporter_addr ex = test_exporter(0xc0000205, 2055);
	struct nfw_decode_stats s;
	unsigned n;

	P.n = 0;
	v9_header(&P, 1, 0);
	size_t at = P.n;
	pb_u16(&P, 0); pb_u16(&P, 0);
	for (uint16_t id = 256; id < 261; id++) {
		pb_u16(&P, id); pb_u16(&P, 2);
		pb_u16(&P, 8); pb_u16(&P, 4);
		pb_u16(&P, 12); pb_u16(&P, 4);
	}
	pb_u16(&P, 400); pb_u16(&P, 5); /* five fields: over max_fields */
	for (int i = 0; i < 5; i++) {
		pb_u16(&P, 1); pb_u16(&P, 4);
	}
	pb_len16(&P, at + 2, at);
	feed(d, &ex, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_added, 3);
	assert_int_equal(s.set_dropped[NFW_DROP_TEMPLATE_LIMIT], 3);
	assert_int_equal(s.templates_active, 3);
	nfw_decode_free(d);
}

static void
test_v9_sequence(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000206, 2055);
	struct nfw_decode_stats s;
	unsigned n;
	static const uint32_t seqs[] = { 10, 11, 14, 12, 15, 16 };

	for (unsigned i = 0; i < 6; i++) {
		P.n = 0;
		v9_header(&P, seqs[i], 0);
		feed(d, &ex, &n);
	}
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 1); /* 12 and 13 missed, 12 came late */
	assert_int_equal(s.seq_reordered, 1);
	assert_int_equal(s.seq_restarts, 0);
	nfw_decode_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v9_template_and_data),
		cmocka_unit_test(test_v9_fast_forms_and_batch_full),
		cmocka_unit_test(test_v9_data_before_template),
		cmocka_unit_test(test_v9_pending_queue_bound),
		cmocka_unit_test(test_v9_options_sampling),
		cmocka_unit_test(test_v9_varlen_and_padding),
		cmocka_unit_test(test_v9_malformed),
		cmocka_unit_test(test_v9_template_caps),
		cmocka_unit_test(test_v9_sequence),
	};
	return cmocka_run_group_tests_name("decode_v9", tests, NULL, NULL);
}
