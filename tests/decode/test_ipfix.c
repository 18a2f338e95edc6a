/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX: templates with enterprise IEs, variable-length fields with 1- and
 * 3-byte lengths, set padding, several messages per datagram, withdrawal
 * (one and all), options templates (305/306, 318/319, 160), sysUpTime
 * times, record-counting sequence numbers, and framing drops.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nfw_decode.h"
#include "pktbuild.h"

#define EXPORT_S 1767225600u
#define T0_MS    ((uint64_t)EXPORT_S * 1000)

static struct pb P;

static size_t
msg_begin(struct pb *p, uint32_t seq, uint32_t odid)
{
	size_t at = p->n;
	pb_u16(p, 10);
	pb_u16(p, 0);
	pb_u32(p, EXPORT_S);
	pb_u32(p, seq);
	pb_u32(p, odid);
	return at;
}

static void
msg_end(struct pb *p, size_t at)
{
	pb_len16(p, at + 2, at);
}

/*
 * template 256: src4, dst4, PEN field (4 bytes, skipped), var-len app name
 * (PEN, skipped), dport, proto, bytes(8), pkts(8), start ms(8), end ms(8)
 */
static void
tpl_256(struct pb *p)
{
	size_t at = p->n;
	pb_u16(p, 2); pb_u16(p, 0);
	pb_u16(p, 256); pb_u16(p, 10);
	pb_u16(p, 8); pb_u16(p, 4);
	pb_u16(p, 12); pb_u16(p, 4);
	pb_u16(p, 0x8000 | 100); pb_u16(p, 4); pb_u32(p, 16982);
	pb_u16(p, 0x8000 | 101); pb_u16(p, 65535); pb_u32(p, 16982);
	pb_u16(p, 11); pb_u16(p, 2);
	pb_u16(p, 4); pb_u16(p, 1);
	pb_u16(p, 1); pb_u16(p, 8);
	pb_u16(p, 2); pb_u16(p, 8);
	pb_u16(p, 152); pb_u16(p, 8);
	pb_u16(p, 153); pb_u16(p, 8);
	pb_len16(p, at + 2, at);
}

static void
rec_256(struct pb *p, uint32_t src, size_t namelen, uint64_t bytes)
{
	pb_u32(p, src);
	pb_u32(p, 0xc6336401);
	pb_u32(p, 0xffffffff);
	if (namelen < 255) {
		pb_u8(p, (uint8_t)namelen);
	} else {
		pb_u8(p, 255);
		pb_u16(p, (uint16_t)namelen);
	}
	for (size_t i = 0; i < namelen; i++)
		pb_u8(p, 'a');
	pb_u16(p, 443);
	pb_u8(p, 6);
	pb_u64(p, bytes);
	pb_u64(p, 3);
	pb_u64(p, T0_MS - 2000);
	pb_u64(p, T0_MS - 500);
}

static void
test_ipfix_template_varlen(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	unsigned n;

	P.n = 0;
	size_t m = msg_begin(&P, 0, 42);
	tpl_256(&P);
	size_t at = P.n;
	pb_u16(&P, 256); pb_u16(&P, 0);
	rec_256(&P, 0x0a000001, 5, 1500);
	rec_256(&P, 0x0a000002, 300, 2500); /* 3-byte length form */
	rec_256(&P, 0x0a000003, 0, 3500);
	pb_u8(&P, 0xaa); pb_u8(&P, 0xbb); /* non-zero set padding, as some exporters send */
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	const struct nfw_flow *f = nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 3);
	assert_int_equal(flow_v4(f[0].src_addr), 0x0a000001);
	assert_int_equal(flow_v4(f[1].src_addr), 0x0a000002);
	assert_int_equal(flow_v4(f[2].src_addr), 0x0a000003);
	assert_int_equal(f[1].bytes, 2500);
	assert_int_equal(f[2].packets, 3);
	assert_int_equal(f[0].dst_port, 443);
	assert_int_equal(f[0].start_ms, T0_MS - 2000);
	assert_int_equal(f[0].end_ms, T0_MS - 500);
	assert_int_equal(f[0].domain, 42);
	assert_int_equal(f[0].version, NFW_FLOW_IPFIX);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.messages, 1);
	assert_int_equal(s.records, 3);
	assert_int_equal(drops_sum(s.rec_dropped), 0);
	nfw_decode_free(d);
}

static void
test_ipfix_multi_message_and_seq(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	struct nfw_decode_stats s;
	unsigned n;

	/* one datagram, two messages: template + 2 records (seq 0), 1 record (seq 2) */
	P.n = 0;
	size_t m = msg_begin(&P, 0, 1);
	tpl_256(&P);
	size_t at = P.n;
	pb_u16(&P, 256); pb_u16(&P, 0);
	rec_256(&P, 1, 0, 1);
	rec_256(&P, 2, 0, 1);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	m = msg_begin(&P, 2, 1);
	at = P.n;
	pb_u16(&P, 256); pb_u16(&P, 0);
	rec_256(&P, 3, 0, 1);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 3);
	/* next message claims seq 10: 7 records lost (3..9) */
	P.n = 0;
	m = msg_begin(&P, 10, 1);
	at = P.n;
	pb_u16(&P, 256); pb_u16(&P, 0);
	rec_256(&P, 4, 0, 1);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.messages, 3);
	assert_int_equal(s.datagrams, 2);
	assert_int_equal(s.seq_lost, 7);
	/* back to 0 with no gap to fill: a restart, not loss */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 7);
	assert_int_equal(s.seq_restarts, 1);
	nfw_decode_free(d);
}

static void
test_ipfix_withdrawal(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	struct nfw_decode_stats s;
	unsigned n;

	P.n = 0;
	size_t m = msg_begin(&P, 0, 1);
	tpl_256(&P);
	size_t at = P.n;
	pb_u16(&P, 2); pb_u16(&P, 0);
	pb_u16(&P, 257); pb_u16(&P, 1); pb_u16(&P, 8); pb_u16(&P, 4);
	pb_u16(&P, 258); pb_u16(&P, 1); pb_u16(&P, 12); pb_u16(&P, 4);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_active, 3);
	/* withdraw 257, then all */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	at = P.n;
	pb_u16(&P, 2); pb_u16(&P, 8); pb_u16(&P, 257); pb_u16(&P, 0);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_active, 2);
	assert_int_equal(s.templates_withdrawn, 1);
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	pb_u16(&P, 2); pb_u16(&P, 8); pb_u16(&P, 2); pb_u16(&P, 0);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.templates_active, 0);
	assert_int_equal(s.templates_withdrawn, 3);
	/* data for a withdrawn template waits for a new one */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	at = P.n;
	pb_u16(&P, 256); pb_u16(&P, 0);
	rec_256(&P, 1, 0, 1);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 0);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.sets_deferred, 1);
	nfw_decode_free(d);
}

/* options template 300 with scope ODID and the given IEs (each 4 bytes) */
static void
opt_tpl(struct pb *p, const uint16_t *ies, unsigned nies)
{
	size_t at = p->n;
	pb_u16(p, 3); pb_u16(p, 0);
	pb_u16(p, 300); pb_u16(p, (uint16_t)(1 + nies)); pb_u16(p, 1);
	pb_u16(p, 149); pb_u16(p, 4);
	for (unsigned i = 0; i < nies; i++) {
		pb_u16(p, ies[i]);
		pb_u16(p, ies[i] == 160 ? 8 : 4);
	}
	pb_len16(p, at + 2, at);
}

static void
test_ipfix_options_sampling(void **state)
{
	(void)state;
	static const struct {
		uint16_t ies[2];
		uint32_t v[2];
		uint32_t rate;
	} cases[] = {
		{ { 305, 306 }, { 1, 99 }, 100 },      /* 1 selected, 99 skipped */
		{ { 318, 319 }, { 50000, 500 }, 100 }, /* observed / selected */
		{ { 34, 0 }, { 256, 0 }, 256 },        /* samplingInterval */
	};
	for (unsigned c = 0; c < 3; c++) {
		struct nfw_decode *d = nfw_decode_create(NULL);
		struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
		unsigned n, nies = cases[c].ies[1] ? 2 : 1;

		P.n = 0;
		size_t m = msg_begin(&P, 0, 9);
		opt_tpl(&P, cases[c].ies, nies);
		size_t at = P.n;
		pb_u16(&P, 300); pb_u16(&P, 0);
		pb_u32(&P, 9);
		for (unsigned i = 0; i < nies; i++)
			pb_u32(&P, cases[c].v[i]);
		pb_len16(&P, at + 2, at);
		tpl_256(&P);
		at = P.n;
		pb_u16(&P, 256); pb_u16(&P, 0);
		rec_256(&P, 1, 0, 1000);
		pb_len16(&P, at + 2, at);
		msg_end(&P, m);
		const struct nfw_flow *f = nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
		assert_int_equal(n, 1);
		assert_int_equal(f[0].sampling, cases[c].rate);
		assert_int_equal(f[0].bytes, 1000ull * cases[c].rate);
		assert_int_equal(f[0].packets, 3ull * cases[c].rate);
		assert_int_equal(f[0].flags & NFW_FLOW_F_RATE_UNKNOWN, 0);
		nfw_decode_free(d);
	}
}

/*
 * One message: the options record (sampling, template 300) when opt, then
 * nrec flow records of template 256; templates in the first.
 */
static void
seq_msg(struct pb *p, uint32_t seq, unsigned nrec, bool opt, bool first)
{
	static const uint16_t ies[1] = { 34 };
	size_t m = msg_begin(p, seq, 5);
	if (first) {
		opt_tpl(p, ies, 1);
		tpl_256(p);
	}
	size_t at;
	if (opt) {
		at = p->n;
		pb_u16(p, 300); pb_u16(p, 0);
		pb_u32(p, 5);
		pb_u32(p, 1);
		pb_len16(p, at + 2, at);
	}
	at = p->n;
	pb_u16(p, 256); pb_u16(p, 0);
	for (unsigned i = 0; i < nrec; i++)
		rec_256(p, 0x0a000001 + i, 0, 100);
	pb_len16(p, at + 2, at);
	msg_end(p, m);
}

/*
 * Sequence conventions. RFC 7011: the data records sent before this message,
 * options records included. softflowd: the flow records sent including this
 * message's. Twelve messages of 3, 5, 2, ... records (an options record in
 * every fourth), the ninth missing: each stream counts exactly the records
 * of the missing message lost, and nothing else.
 */
static void
test_ipfix_seq_conventions(void **state)
{
	(void)state;
	static const unsigned nrec[12] = { 3, 5, 2, 7, 4, 4, 1, 6, 8, 2, 3, 5 };
	for (int softflowd = 0; softflowd < 2; softflowd++) {
		struct nfw_decode *d = nfw_decode_create(NULL);
		struct nfw_exporter_addr ex = test_exporter(0xc0000204, 4739);
		struct nfw_decode_stats s;
		unsigned n;
		uint32_t sent_all = 0, sent_flows = 0;
		for (unsigned i = 0; i < 12; i++) {
			bool opt = i % 4 == 0;
			uint32_t seq = softflowd ? sent_flows + nrec[i] : sent_all;
			sent_all += nrec[i] + opt;
			sent_flows += nrec[i];
			if (i == 8)
				continue; /* lost on the way */
			P.n = 0;
			seq_msg(&P, seq, nrec[i], opt, i == 0);
			nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
			assert_int_equal(n, nrec[i]);
		}
		nfw_decode_stats_total(d, &s);
		assert_int_equal(s.messages, 11);
		/* message 9: 8 flow records, and its options record where the exporter counts those */
		assert_int_equal(s.seq_lost, softflowd ? 8 : 9);
		assert_int_equal(s.seq_restarts, 0);
		assert_int_equal(s.seq_reordered, 0);
		nfw_decode_free(d);
	}
}

static void
test_ipfix_sysuptime(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	unsigned n;
	const uint64_t boot = T0_MS - 86400000ull;

	/* systemInitTimeMilliseconds (160) by options, then flows stamped 21/22 */
	P.n = 0;
	size_t m = msg_begin(&P, 0, 3);
	static const uint16_t ies[] = { 160 };
	opt_tpl(&P, ies, 1);
	size_t at = P.n;
	pb_u16(&P, 300); pb_u16(&P, 0); pb_u32(&P, 3); pb_u64(&P, boot);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 2); pb_u16(&P, 0);
	pb_u16(&P, 400); pb_u16(&P, 4);
	pb_u16(&P, 8); pb_u16(&P, 4); pb_u16(&P, 12); pb_u16(&P, 4);
	pb_u16(&P, 22); pb_u16(&P, 4); pb_u16(&P, 21); pb_u16(&P, 4);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 400); pb_u16(&P, 0);
	pb_u32(&P, 1); pb_u32(&P, 2); pb_u32(&P, 1000); pb_u32(&P, 61000);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	const struct nfw_flow *f = nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].start_ms, boot + 1000);
	assert_int_equal(f[0].end_ms, boot + 61000);
	assert_int_equal(f[0].flags & NFW_FLOW_F_TIME_APPROX, 0);
	nfw_decode_free(d);

	/* without it the times are unknown: export time, flagged */
	d = nfw_decode_create(NULL);
	P.n = 0;
	m = msg_begin(&P, 0, 3);
	at = P.n;
	pb_u16(&P, 2); pb_u16(&P, 0);
	pb_u16(&P, 400); pb_u16(&P, 4);
	pb_u16(&P, 8); pb_u16(&P, 4); pb_u16(&P, 12); pb_u16(&P, 4);
	pb_u16(&P, 22); pb_u16(&P, 4); pb_u16(&P, 21); pb_u16(&P, 4);
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 400); pb_u16(&P, 0);
	pb_u32(&P, 1); pb_u32(&P, 2); pb_u32(&P, 1000); pb_u32(&P, 61000);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	f = nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].start_ms, T0_MS);
	assert_true(f[0].flags & NFW_FLOW_F_TIME_APPROX);
	nfw_decode_free(d);
}

static void
test_ipfix_framing_drops(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	struct nfw_decode_stats s;
	unsigned n;

	/* message length beyond the datagram */
	P.n = 0;
	size_t m = msg_begin(&P, 0, 1);
	msg_end(&P, m);
	pb_set16(&P, 2, 100);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	/* message length below the header */
	pb_set16(&P, 2, 8);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	/* set length 0 */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	pb_zero(&P, 8);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	/* good message + 20 stray non-zero bytes */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	msg_end(&P, m);
	for (int i = 0; i < 20; i++)
		pb_u8(&P, 0x55);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	/* options template with scope count 0 and one with scope > fields */
	P.n = 0;
	m = msg_begin(&P, 0, 1);
	size_t at = P.n;
	pb_u16(&P, 3); pb_u16(&P, 0);
	pb_u16(&P, 300); pb_u16(&P, 1); pb_u16(&P, 0); pb_u16(&P, 34); pb_u16(&P, 4);
	pb_u16(&P, 301); pb_u16(&P, 1); pb_u16(&P, 8); pb_u16(&P, 34); pb_u16(&P, 4);
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.dropped[NFW_DROP_MSG_TRUNCATED], 1);
	assert_int_equal(s.dropped[NFW_DROP_BAD_MSG_LENGTH], 1);
	assert_int_equal(s.dropped[NFW_DROP_BAD_SET_LENGTH], 1);
	assert_int_equal(s.dropped[NFW_DROP_TRAILING_BYTES], 1);
	assert_int_equal(s.set_dropped[NFW_DROP_BAD_TEMPLATE], 2);
	assert_int_equal(s.decoded, 1);
	assert_int_equal(s.datagrams, 5);
	assert_int_equal(s.datagrams, s.decoded + drops_sum(s.dropped));
	nfw_decode_free(d);
}

/* Reduced-size encoding (RFC 7011 §6.2): every width conversion of the flat ops. */
static void
test_ipfix_reduced_size(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000203, 4739);
	unsigned n;
	static const uint16_t f[][2] = {
		{ 8, 4 }, { 12, 4 }, { 7, 1 }, { 11, 4 }, { 4, 2 }, { 6, 2 }, { 1, 3 }, { 2, 2 },
		{ 10, 1 }, { 14, 8 }, { 16, 2 }, { 17, 8 }, { 152, 8 }, { 153, 4 }, { 5, 1 }, { 32, 2 },
	};
	P.n = 0;
	size_t m = msg_begin(&P, 0, 1);
	size_t at = P.n;
	pb_u16(&P, 2); pb_u16(&P, 0);
	pb_u16(&P, 500); pb_u16(&P, 16);
	for (unsigned i = 0; i < 16; i++) {
		pb_u16(&P, f[i][0]);
		pb_u16(&P, f[i][1]);
	}
	pb_len16(&P, at + 2, at);
	at = P.n;
	pb_u16(&P, 500); pb_u16(&P, 0);
	pb_u32(&P, 0x0a000001); pb_u32(&P, 0x0a000002);
	pb_u8(&P, 200);                 /* sport, 1 byte */
	pb_u32(&P, 443);                /* dport, 4 bytes */
	pb_u16(&P, 17);                 /* proto, 2 bytes */
	pb_u16(&P, 0x0112);             /* tcp flags, 2 bytes: low 8 bits kept */
	pb_u8(&P, 0x01); pb_u16(&P, 0x0203); /* bytes, 3 bytes = 0x010203 */
	pb_u16(&P, 65000);              /* packets, 2 bytes */
	pb_u8(&P, 7);                   /* in if, 1 byte */
	pb_u64(&P, 0x100000009ull);     /* out if, 8 bytes: low 32 bits */
	pb_u16(&P, 64500);              /* src AS, 2 bytes */
	pb_u64(&P, 4200000000ull);      /* dst AS, 8 bytes */
	pb_u64(&P, T0_MS - 7000);       /* start ms, 8 bytes */
	pb_u32(&P, 1767225599);         /* end ms in 4 bytes: a nonsense exporter, kept raw */
	pb_u8(&P, 0xb8);                /* tos */
	pb_u16(&P, 0x0303);             /* ICMP type 3 code 3: dst port already set, kept */
	pb_len16(&P, at + 2, at);
	msg_end(&P, m);
	const struct nfw_flow *r = nfw_decode_datagram(d, P.b, P.n, &ex, T0_MS, &n);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].src_port, 200);
	assert_int_equal(r[0].dst_port, 443);
	assert_int_equal(r[0].proto, 17);
	assert_int_equal(r[0].tcp_flags, 0x12);
	assert_int_equal(r[0].bytes, 0x010203);
	assert_int_equal(r[0].packets, 65000);
	assert_int_equal(r[0].in_if, 7);
	assert_int_equal(r[0].out_if, 9);
	assert_int_equal(r[0].src_as, 64500);
	assert_int_equal(r[0].dst_as, 4200000000u);
	assert_int_equal(r[0].start_ms, T0_MS - 7000);
	assert_int_equal(r[0].end_ms, 1767225599);
	assert_int_equal(r[0].tos, 0xb8);
	assert_int_equal(flow_v4(r[0].dst_addr), 0x0a000002);
	assert_int_equal(r[0].af, 4);
	nfw_decode_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipfix_template_varlen),
		cmocka_unit_test(test_ipfix_multi_message_and_seq),
		cmocka_unit_test(test_ipfix_seq_conventions),
		cmocka_unit_test(test_ipfix_withdrawal),
		cmocka_unit_test(test_ipfix_options_sampling),
		cmocka_unit_test(test_ipfix_sysuptime),
		cmocka_unit_test(test_ipfix_framing_drops),
		cmocka_unit_test(test_ipfix_reduced_size),
	};
	return cmocka_run_group_tests_name("decode_ipfix", tests, NULL, NULL);
}
