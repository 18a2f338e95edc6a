/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sFlow v5: flow samples with sampled Ethernet / VLAN / IPv4 / TCP headers,
 * expanded samples with IPv6 / UDP, extended gateway ASes, counter and
 * discard samples counted, sequence loss, and malformed datagrams.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "nfw_decode.h"
#include "pktbuild.h"

static struct pb P;
#define NOW 1767225600123ull

static size_t
sf_header(struct pb *p, uint32_t seq, uint32_t nsamples)
{
	pb_u32(p, 5);
	pb_u32(p, 1);
	pb_u32(p, 0x0a0000fd); /* agent 10.0.0.253 */
	pb_u32(p, 3);          /* sub-agent */
	pb_u32(p, seq);
	pb_u32(p, 123456);
	size_t at = p->n;
	pb_u32(p, nsamples);
	return at;
}

static void
hdr_eth_vlan_ipv4_tcp(struct pb *p)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	pb_bytes(p, macs, 12);
	pb_u16(p, 0x8100); pb_u16(p, 100);
	pb_u16(p, 0x0800);
	pb_u8(p, 0x45); pb_u8(p, 0); pb_u16(p, 986); pb_u32(p, 0);
	pb_u8(p, 64); pb_u8(p, 6); pb_u16(p, 0);
	pb_u32(p, 0x0a000105); pb_u32(p, 0xc6336407);
	pb_u16(p, 51000); pb_u16(p, 443); pb_u32(p, 1); pb_u32(p, 0);
	pb_u8(p, 0x50); pb_u8(p, 0x18); pb_u16(p, 1000); pb_u32(p, 0);
}

static void
sample_flow(struct pb *p, uint32_t rate)
{
	pb_u32(p, 1); /* 0:1 flow sample */
	size_t len_at = p->n;
	pb_u32(p, 0);
	pb_u32(p, 77);          /* seq */
	pb_u32(p, 5);           /* source id */
	pb_u32(p, rate);
	pb_u32(p, 1000000);     /* pool */
	pb_u32(p, 0);           /* drops */
	pb_u32(p, 5);           /* input */
	pb_u32(p, 9);           /* output */
	pb_u32(p, 2);           /* records */
	/* sampled header */
	pb_u32(p, 1);
	size_t rl = p->n;
	pb_u32(p, 0);
	pb_u32(p, 1);           /* Ethernet */
	pb_u32(p, 1004);        /* frame length */
	pb_u32(p, 4);
	size_t hl_at = p->n;
	pb_u32(p, 0);
	size_t h0 = p->n;
	hdr_eth_vlan_ipv4_tcp(p);
	size_t hl = p->n - h0;
	while ((p->n - h0) % 4)
		pb_u8(p, 0);
	p->b[hl_at + 3] = (uint8_t)hl;
	p->b[rl + 3] = (uint8_t)(p->n - rl - 4);
	/* extended gateway: next hop 10.0.0.1, AS 64512, src AS 64513, peer, one segment 3 ASes */
	pb_u32(p, 1003);
	size_t gl = p->n;
	pb_u32(p, 0);
	pb_u32(p, 1); pb_u32(p, 0x0a000001);
	pb_u32(p, 64512); pb_u32(p, 64513); pb_u32(p, 64514);
	pb_u32(p, 1); pb_u32(p, 2); pb_u32(p, 3); pb_u32(p, 100); pb_u32(p, 200); pb_u32(p, 300);
	pb_u32(p, 0); pb_u32(p, 0); /* communities, localpref */
	p->b[gl + 3] = (uint8_t)(p->n - gl - 4);
	uint32_t sl = (uint32_t)(p->n - len_at - 4);
	p->b[len_at + 2] = (uint8_t)(sl >> 8);
	p->b[len_at + 3] = (uint8_t)sl;
}

static void
sample_expanded_v6(struct pb *p, uint32_t rate)
{
	pb_u32(p, 3); /* 0:3 expanded */
	size_t len_at = p->n;
	pb_u32(p, 0);
	pb_u32(p, 78); pb_u32(p, 0); pb_u32(p, 7); pb_u32(p, rate); pb_u32(p, 0); pb_u32(p, 0);
	pb_u32(p, 0); pb_u32(p, 11); pb_u32(p, 0); pb_u32(p, 12);
	pb_u32(p, 1);
	pb_u32(p, 1);
	size_t rl = p->n;
	pb_u32(p, 0);
	pb_u32(p, 12);  /* IPv6 header directly */
	pb_u32(p, 200);
	pb_u32(p, 0);
	pb_u32(p, 48);
	pb_u32(p, 0x60000000); pb_u16(p, 8); pb_u8(p, 17); pb_u8(p, 64);
	static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	pb_bytes(p, s6, 16);
	pb_bytes(p, d6, 16);
	pb_u16(p, 5353); pb_u16(p, 53); pb_u16(p, 8); pb_u16(p, 0);
	p->b[rl + 3] = (uint8_t)(p->n - rl - 4);
	uint32_t sl = (uint32_t)(p->n - len_at - 4);
	p->b[len_at + 3] = (uint8_t)sl;
}

static void
sample_counter(struct pb *p, uint32_t fmt)
{
	pb_u32(p, fmt);
	pb_u32(p, 12);
	pb_u32(p, 1); pb_u32(p, 2); pb_u32(p, 0);
}

static void
test_sflow_samples(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000204, 6343);
	unsigned n;

	P.n = 0;
	sf_header(&P, 1, 4);
	sample_flow(&P, 512);
	sample_expanded_v6(&P, 100);
	sample_counter(&P, 2);
	sample_counter(&P, 5);
	const struct nfw_flow *f = nfw_decode_datagram(d, P.b, P.n, &ex, NOW, &n);
	assert_int_equal(n, 2);
	assert_int_equal(flow_v4(f[0].src_addr), 0x0a000105);
	assert_int_equal(flow_v4(f[0].dst_addr), 0xc6336407);
	assert_int_equal(f[0].src_port, 51000);
	assert_int_equal(f[0].dst_port, 443);
	assert_int_equal(f[0].proto, 6);
	assert_int_equal(f[0].tcp_flags, 0x18);
	assert_int_equal(f[0].bytes, 1004ull * 512);
	assert_int_equal(f[0].packets, 512);
	assert_int_equal(f[0].sampling, 512);
	assert_int_equal(f[0].in_if, 5);
	assert_int_equal(f[0].out_if, 9);
	assert_int_equal(f[0].src_as, 64513);
	assert_int_equal(f[0].dst_as, 300);
	assert_int_equal(flow_v4(f[0].nexthop), 0x0a000001);
	assert_int_equal(flow_v4(f[0].exporter), 0x0a0000fd); /* the agent */
	assert_int_equal(f[0].domain, 3);
	assert_int_equal(f[0].start_ms, NOW);
	assert_int_equal(f[0].version, NFW_FLOW_SFLOW);
	assert_true(f[0].flags & NFW_FLOW_F_FROM_SAMPLE);
	assert_int_equal(f[1].af, 6);
	assert_int_equal(f[1].src_addr[0], 0x20);
	assert_int_equal(f[1].src_addr[15], 1);
	assert_int_equal(f[1].dst_port, 53);
	assert_int_equal(f[1].proto, 17);
	assert_int_equal(f[1].bytes, 200ull * 100);
	assert_int_equal(f[1].in_if, 11);
	assert_int_equal(f[1].out_if, 12);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.sflow_flow_samples, 2);
	assert_int_equal(s.sflow_counter_samples, 1);
	assert_int_equal(s.sflow_discard_samples, 1);
	assert_int_equal(s.sampled_records, 2);
	/* sequence: 2 datagrams missing */
	P.n = 0;
	sf_header(&P, 4, 0);
	nfw_decode_datagram(d, P.b, P.n, &ex, NOW, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.seq_lost, 2);
	nfw_decode_free(d);
}

static void
test_sflow_malformed(void **state)
{
	(void)state;
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex = test_exporter(0xc0000204, 6343);
	struct nfw_decode_stats s;
	unsigned n;

	/* agent address type 3 */
	P.n = 0;
	sf_header(&P, 1, 0);
	P.b[7] = 3;
	nfw_decode_datagram(d, P.b, P.n, &ex, NOW, &n);
	/* claims 2 samples, holds 1 */
	P.n = 0;
	sf_header(&P, 2, 2);
	sample_counter(&P, 2);
	nfw_decode_datagram(d, P.b, P.n, &ex, NOW, &n);
	/* a sample whose length runs past the end */
	P.n = 0;
	sf_header(&P, 3, 1);
	sample_flow(&P, 10);
	nfw_decode_datagram(d, P.b, P.n - 8, &ex, NOW, &n);
	/* a record inside a flow sample running past the sample */
	P.n = 0;
	sf_header(&P, 4, 1);
	size_t s0 = P.n;
	sample_flow(&P, 10);
	P.b[s0 + 8 + 32 + 4 + 2] = 0x7f; /* first record length */
	nfw_decode_datagram(d, P.b, P.n, &ex, NOW, &n);
	/* truncated header */
	nfw_decode_datagram(d, P.b, 20, &ex, NOW, &n);
	nfw_decode_stats_total(d, &s);
	assert_int_equal(s.dropped[NFW_DROP_SFLOW_BAD_AGENT], 1);
	assert_int_equal(s.dropped[NFW_DROP_SFLOW_BAD_SAMPLE], 3);
	assert_int_equal(s.dropped[NFW_DROP_TOO_SHORT], 1);
	assert_int_equal(s.decoded, 0);
	assert_int_equal(s.records, 0);
	nfw_decode_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sflow_samples),
		cmocka_unit_test(test_sflow_malformed),
	};
	return cmocka_run_group_tests_name("decode_sflow", tests, NULL, NULL);
}
