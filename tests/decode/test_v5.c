/* SPDX-License-Identifier: BSD-3-Clause */
/* NetFlow v5: fields, time conversion, header sampling, drops, sequence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nfw_decode.h"
#include "pktbuild.h"

#define EXPORT_S 1767225600u /* 2026-01-01T00:00:00Z */

static void
v5_header(struct pb *p, uint16_t count, uint32_t uptime, uint32_t seq, uint16_t sampling)
{
	pb_u16(p, 5);
	pb_u16(p, count);
	pb_u32(p, uptime);
	pb_u32(p, EXPORT_S);
	pb_u32(p, 250000000); /* .250 s */
	pb_u32(p, seq);
	pb_u8(p, 1);  /* engine type */
	pb_u8(p, 2);  /* engine id */
	pb_u16(p, sampling);
}

static void
v5_record(struct pb *p, uint32_t src, uint32_t dst, uint32_t pkts, uint32_t bytes,
	  uint32_t first, uint32_t last, uint16_t sport, uint16_t dport, uint8_t proto)
{
	pb_u32(p, src);
	pb_u32(p, dst);
	pb_u32(p, 0x0a0000fe);
	pb_u16(p, 3);
	pb_u16(p, 4);
	pb_u32(p, pkts);
	pb_u32(p, bytes);
	pb_u32(p, first);
	pb_u32(p, last);
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u8(p, 0);
	pb_u8(p, 0x12);
	pb_u8(p, proto);
	pb_u8(p, 0x28);
	pb_u16(p, 64500);
	pb_u16(p, 64501);
	pb_u8(p, 24);
	pb_u8(p, 16);
	pb_u16(p, 0);
}

static void
test_v5_fields(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000201, 2055);
	static struct pb p;
	unsigned n;

	p.n = 0;
	v5_header(&p, 2, 100000, 0, 0);
	v5_record(&p, 0x0a000001, 0xcb007101, 10, 5000, 90000, 99000, 40000, 443, 6);
	v5_record(&p, 0x0a000002, 0xcb007102, 1, 76, 100500, 100500, 5353, 53, 17);
	const struct nfw_flow *f = nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	assert_int_equal(n, 2);
	assert_int_equal(flow_v4(f[0].src_addr), 0x0a000001);
	assert_int_equal(flow_v4(f[0].dst_addr), 0xcb007101);
	assert_int_equal(flow_v4(f[0].nexthop), 0x0a0000fe);
	assert_int_equal(f[0].packets, 10);
	assert_int_equal(f[0].bytes, 5000);
	assert_int_equal(f[0].src_port, 40000);
	assert_int_equal(f[0].dst_port, 443);
	assert_int_equal(f[0].proto, 6);
	assert_int_equal(f[0].tcp_flags, 0x12);
	assert_int_equal(f[0].tos, 0x28);
	assert_int_equal(f[0].in_if, 3);
	assert_int_equal(f[0].out_if, 4);
	assert_int_equal(f[0].src_as, 64500);
	assert_int_equal(f[0].dst_as, 64501);
	assert_int_equal(f[0].domain, 0x0102);
	assert_int_equal(f[0].af, 4);
	assert_int_equal(f[0].version, NFW_FLOW_V5);
	assert_int_equal(f[0].sampling, 1);
	assert_int_equal(f[0].flags, 0);
	assert_int_equal(f[0].exporter_port, 2055);
	assert_int_equal(flow_v4(f[0].exporter), 0xc0000201);
	/* export time 1767225600.250; uptime 100000: first 90000 is 10 s before */
	assert_int_equal(f[0].start_ms, 1767225600250ull - 10000);
	assert_int_equal(f[0].end_ms, 1767225600250ull - 1000);
	/* a flow stamped after the header's uptime stays after the export time */
	assert_int_equal(f[1].start_ms, 1767225600250ull + 500);

	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.datagrams, 1);
	assert_int_equal(s.decoded, 1);
	assert_int_equal(s.records, 2);
	assert_int_equal(s.rate_unknown_records, 0);
	nfw_decode_free(d);
}

static void
test_v5_sampling(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000201, 2055);
	static struct pb p;
	unsigned n;

	p.n = 0;
	v5_header(&p, 1, 100000, 0, 0x4000 | 100); /* mode 01, interval 100 */
	v5_record(&p, 0x0a000001, 0xcb007101, 3, 1500, 90000, 99000, 40000, 443, 6);
	const struct nfw_flow *f = nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].sampling, 100);
	assert_int_equal(f[0].packets, 300);
	assert_int_equal(f[0].bytes, 150000);
	struct nfw_exporter_info ei;
	assert_int_equal(nfw_decode_exporter_get(d, 0, &ei), 0);
	assert_int_equal(ei.sampling, 100);
	assert_int_equal(ei.stats.sampled_records, 1);
	nfw_decode_free(d);
}

static void
test_v5_drops(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000201, 2055);
	static struct pb p;
	unsigned n;

	/* header only */
	p.n = 0;
	v5_header(&p, 1, 1, 0, 0);
	nfw_decode_datagram(d, p.b, 20, &ex, 1, &n);
	assert_int_equal(n, 0);
	/* count 0, count 31, count 2 with one record */
	p.n = 0;
	v5_header(&p, 0, 1, 0, 0);
	nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	p.n = 0;
	v5_header(&p, 31, 1, 0, 0);
	for (int i = 0; i < 31; i++)
		v5_record(&p, 1, 2, 1, 1, 0, 0, 1, 2, 6);
	nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	p.n = 0;
	v5_header(&p, 2, 1, 0, 0);
	v5_record(&p, 1, 2, 1, 1, 0, 0, 1, 2, 6);
	nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	assert_int_equal(n, 0);
	/* one good record with 6 trailing pad bytes: decoded, padding counted */
	p.n = 0;
	v5_header(&p, 1, 1, 0, 0);
	v5_record(&p, 1, 2, 1, 1, 0, 0, 1, 2, 6);
	pb_zero(&p, 6);
	nfw_decode_datagram(d, p.b, p.n, &ex, 1, &n);
	assert_int_equal(n, 1);

	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.datagrams, 5);
	assert_int_equal(s.decoded, 1);
	assert_int_equal(s.dropped[NFW_DROP_TOO_SHORT], 1);
	assert_int_equal(s.dropped[NFW_DROP_V5_BAD_COUNT], 3);
	assert_int_equal(s.datagrams, s.decoded + drops_sum(s.dropped));
	assert_int_equal(s.padding_bytes, 6);
	assert_int_equal(s.records, 1);
	nfw_decode_free(d);
}

static void
send_seq(struct nfw_decode *d, const struct nfw_exporter_addr *ex, uint32_t seq, uint16_t count,
	 uint32_t uptime)
{
	static struct pb p;
	unsigned n;
	p.n = 0;
	v5_header(&p, count, uptime, seq, 0);
	for (unsigned i = 0; i < count; i++)
		v5_record(&p, 1, 2, 1, 1, 0, 0, 1, 2, 6);
	nfw_decode_datagram(d, p.b, p.n, ex, 1, &n);
}

static void
test_v5_sequence(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000201, 2055);
	struct nfw_decode_stats s;

	send_seq(d, &ex, 1000, 10, 50000);  /* first: sets expectation 1010 */
	send_seq(d, &ex, 1010, 10, 50100);  /* in order */
	send_seq(d, &ex, 1050, 10, 50200);  /* 30 flows lost (1020..1049) */
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 30);
	send_seq(d, &ex, 1020, 10, 50150);  /* late: fills 10 of the gap */
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 20);
	assert_int_equal(s.seq_reordered, 1);
	send_seq(d, &ex, 1060, 10, 50300);  /* in order after the late one */
	send_seq(d, &ex, 5, 10, 100);       /* uptime went back: restart, no loss */
	send_seq(d, &ex, 15, 10, 200);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 20);
	assert_int_equal(s.seq_restarts, 1);
	assert_int_equal(s.records, 70);
	nfw_decode_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5_fields),
		cmocka_unit_test(test_v5_sampling),
		cmocka_unit_test(test_v5_drops),
		cmocka_unit_test(test_v5_sequence),
	};
	return cmocka_run_group_tests_name("decode_v5", tests, NULL, NULL);
}
