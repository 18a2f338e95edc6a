/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/meter on frames built here, byte by byte: what each flow counts, the
 * two timeouts to the microsecond, ICMP, IPv6 with extension headers, VLAN
 * tags, fragments, damaged frames by reason, a full table, packets out of
 * order; and the accounting identity packets = metered + dropped.
 */
#include <errno.h>
#include <pcap/dlt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "nfw_meter.h"

#define T0 1767225600000000ull /* 2026-01-01, microseconds */
#define MAXF 64

static struct nfw_flow got[MAXF];
static unsigned ngot;

static void
collect(const struct nfw_flow *f, void *arg)
{
	(void)arg;
	assert_true(ngot < MAXF);
	got[ngot++] = *f;
}

static struct nfw_meter *
mk(double active, double inactive, uint32_t max)
{
	struct nfw_meter_config c;
	nfw_meter_config_default(&c);
	c.active_s = active;
	c.inactive_s = inactive;
	c.max_flows = max;
	c.emit = collect;
	ngot = 0;
	struct nfw_meter *m = nfw_meter_create(&c);
	assert_non_null(m);
	return m;
}

static size_t
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* Ethernet (vlans tags), IPv4 a.b.c.d -> e.f.g.h, the L4 bytes given, padded to ip_len with zeros. */
static size_t
eth_ipv4(uint8_t *f, int vlans, uint32_t src, uint32_t dst, uint8_t proto, uint16_t frag, const uint8_t *l4,
	 size_t l4len, size_t payload)
{
	size_t o = 12;
	memset(f, 0, 12);
	for (int i = 0; i < vlans; i++) {
		o += put16(f + o, 0x8100);
		o += put16(f + o, (uint16_t)(100 + i));
	}
	o += put16(f + o, 0x0800);
	uint8_t *ip = f + o;
	size_t tl = 20 + l4len + payload;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[1] = 0x10; /* ToS */
	put16(ip + 2, (uint16_t)tl);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	for (int i = 0; i < 4; i++) {
		ip[12 + i] = (uint8_t)(src >> (24 - 8 * i));
		ip[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
	}
	memcpy(ip + 20, l4, l4len);
	memset(ip + 20 + l4len, 0, payload);
	return o + tl;
}

static size_t
tcp_hdr(uint8_t *p, uint16_t sp, uint16_t dp, uint8_t flags)
{
	memset(p, 0, 20);
	put16(p, sp);
	put16(p + 2, dp);
	p[12] = 0x50;
	p[13] = flags;
	return 20;
}

static size_t
udp_hdr(uint8_t *p, uint16_t sp, uint16_t dp, size_t payload)
{
	put16(p, sp);
	put16(p + 2, dp);
	put16(p + 4, (uint16_t)(8 + payload));
	put16(p + 6, 0);
	return 8;
}

/* one UDP packet of `payload` bytes from 10.0.0.1:sp to 10.0.0.2:53 at t */
static void
udp_at(struct nfw_meter *m, uint16_t sp, size_t payload, uint64_t t)
{
	uint8_t f[1600], l4[8];
	udp_hdr(l4, sp, 53, payload);
	size_t n = eth_ipv4(f, 0, 0x0a000001, 0x0a000002, 17, 0, l4, 8, payload);
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, t);
}

static void
check_identity(const struct nfw_meter *m)
{
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	uint64_t dropped = 0;
	for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
		dropped += st.dropped[r];
	assert_int_equal(st.packets, st.metered + dropped);
	assert_int_equal(st.flows, st.ended_inactive + st.ended_active + st.evicted_full + st.flushed);
}

/* A TCP conversation: two flows, each direction's packets, IP bytes, OR-ed flags, times. */
static void
test_tcp_session(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 1024);
	static const struct {
		int back;
		uint8_t flags;
		size_t payload;
	} seq[] = { { 0, 0x02, 0 }, { 1, 0x12, 0 }, { 0, 0x10, 0 }, { 0, 0x18, 300 }, { 1, 0x10, 1448 },
		    { 1, 0x18, 500 }, { 0, 0x11, 0 }, { 1, 0x11, 0 }, { 0, 0x10, 0 } };
	uint8_t f[1600], l4[20];
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		tcp_hdr(l4, seq[i].back ? 443 : 40000, seq[i].back ? 40000 : 443, seq[i].flags);
		size_t n = eth_ipv4(f, 0, seq[i].back ? 0xc6336401 : 0x0a000001, seq[i].back ? 0x0a000001 : 0xc6336401, 6, 0,
				    l4, 20, seq[i].payload);
		nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0 + i * 10000);
	}
	assert_int_equal(ngot, 0);
	nfw_meter_flush(m);
	assert_int_equal(ngot, 2);
	const struct nfw_flow *c = got[0].src_port == 40000 ? &got[0] : &got[1];
	const struct nfw_flow *s = got[0].src_port == 40000 ? &got[1] : &got[0];
	assert_int_equal(c->packets, 5);
	assert_int_equal(c->bytes, 5 * 40 + 300);
	assert_int_equal(c->tcp_flags, 0x1b);
	assert_int_equal(c->dst_port, 443);
	assert_int_equal(c->proto, 6);
	assert_int_equal(c->af, 4);
	assert_int_equal(c->tos, 0x10);
	assert_int_equal(c->start_ms, T0 / 1000);
	assert_int_equal(c->end_ms, T0 / 1000 + 80);
	assert_int_equal(c->version, NFW_FLOW_METER);
	assert_int_equal(c->sampling, 1);
	assert_int_equal(s->packets, 4);
	assert_int_equal(s->bytes, 4 * 40 + 1448 + 500);
	assert_int_equal(s->tcp_flags, 0x1b);
	assert_int_equal(s->start_ms, T0 / 1000 + 10);
	assert_int_equal(s->end_ms, T0 / 1000 + 70);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.flushed, 2);
	assert_int_equal(st.active_flows, 0);
	check_identity(m);
	nfw_meter_free(m);
}

/* inactive 15 s: a gap of 15 s ends the flow, 14.999999 s does not; active 1800 s cuts at the packet due */
static void
test_timeouts(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 1024);
	udp_at(m, 1000, 100, T0);
	udp_at(m, 1000, 100, T0 + 14999999);           /* same flow */
	udp_at(m, 1000, 100, T0 + 14999999 + 15000000); /* 15 s after the last: ends it, opens the next */
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].packets, 2);
	assert_int_equal(got[0].bytes, 2 * 128);
	assert_int_equal(got[0].end_ms, (T0 + 14999999) / 1000);
	nfw_meter_flush(m);
	assert_int_equal(ngot, 2);
	assert_int_equal(got[1].packets, 1);
	nfw_meter_free(m);

	/* a packet every 10 s for 2000 s: records of 0..1790 s (180 packets) and 1800..1990 s (20) */
	m = mk(1800, 15, 1024);
	for (unsigned i = 0; i < 200; i++)
		udp_at(m, 2000, 10, T0 + i * 10000000ull);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].packets, 180);
	assert_int_equal(got[0].end_ms - got[0].start_ms, 1790000);
	nfw_meter_flush(m);
	assert_int_equal(got[1].packets, 20);
	assert_int_equal(got[1].start_ms, T0 / 1000 + 1800000);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.ended_active, 1);
	assert_int_equal(st.flushed, 1);
	check_identity(m);
	nfw_meter_free(m);
}

/* ICMP type and code in the destination port; two VLAN tags; IPv6 past a hop-by-hop header; fragments */
static void
test_protocols(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 1024);
	uint8_t f[1600], l4[64];
	/* an echo request, type 8 code 0 */
	memset(l4, 0, 8);
	l4[0] = 8;
	size_t n = eth_ipv4(f, 2, 0x0a000001, 0x0a000009, 1, 0, l4, 8, 56);
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0);
	/* IPv6 UDP behind a hop-by-hop options header, raw IP link type */
	memset(f, 0, 200);
	f[0] = 0x60;
	put16(f + 4, 8 + 8 + 20);
	f[6] = 0; /* hop-by-hop */
	f[7] = 64;
	f[8] = 0x20; f[9] = 0x01; f[10] = 0x0d; f[11] = 0xb8; f[23] = 1;
	f[24] = 0x20; f[25] = 0x01; f[26] = 0x0d; f[27] = 0xb8; f[39] = 2;
	f[40] = 17; /* next: UDP */
	f[41] = 0;  /* 8 bytes */
	udp_hdr(f + 48, 5353, 53, 20);
	nfw_meter_frame(m, DLT_RAW, f, 40 + 36, 40 + 36, T0 + 1);
	/* an IPv4 datagram in two fragments: the first with its ports, the second without */
	udp_hdr(l4, 7000, 8000, 2000);
	n = eth_ipv4(f, 0, 0x0a000001, 0x0a000002, 17, 0x2000, l4, 8, 1472);
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0 + 2);
	n = eth_ipv4(f, 0, 0x0a000001, 0x0a000002, 17, 185, l4, 0, 528);
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0 + 3);
	nfw_meter_flush(m);
	assert_int_equal(ngot, 4);
	unsigned seen = 0;
	for (unsigned i = 0; i < ngot; i++) {
		const struct nfw_flow *x = &got[i];
		if (x->proto == 1) {
			assert_int_equal(x->dst_port, 0x0800);
			assert_int_equal(x->bytes, 84);
			seen |= 1;
		} else if (x->af == 6) {
			assert_int_equal(x->src_port, 5353);
			assert_int_equal(x->dst_port, 53);
			assert_int_equal(x->bytes, 40 + 36);
			assert_int_equal(x->dst_addr[15], 2);
			seen |= 2;
		} else if (x->src_port == 7000) {
			assert_int_equal(x->bytes, 1500);
			seen |= 4;
		} else {
			assert_int_equal(x->src_port, 0);
			assert_int_equal(x->dst_port, 0);
			assert_int_equal(x->bytes, 548);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.fragments, 1);
	check_identity(m);
	nfw_meter_free(m);
}

/* Frames that hold no flow, each counted by its reason; a snap length cut after the TCP flags is fine */
static void
test_bad_frames(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 1024);
	uint8_t f[1600], l4[20];
	memset(f, 0, sizeof(f));
	put16(f + 12, 0x0806); /* ARP */
	nfw_meter_frame(m, DLT_EN10MB, f, 60, 60, T0);
	nfw_meter_frame(m, DLT_EN10MB, f, 10, 60, T0); /* cut inside the Ethernet header */
	put16(f + 12, 0x8100);
	nfw_meter_frame(m, DLT_EN10MB, f, 15, 60, T0); /* a VLAN tag cut short (the fuzzer's find) */
	put16(f + 12, 0x0806);
	tcp_hdr(l4, 1, 2, 0x02);
	size_t n = eth_ipv4(f, 0, 0x0a000001, 0x0a000002, 6, 0, l4, 20, 1000);
	nfw_meter_frame(m, DLT_EN10MB, f, 14 + 20 + 10, n, T0); /* cut before the flags */
	nfw_meter_frame(m, DLT_EN10MB, f, 14 + 20 + 14, n, T0); /* cut just after: metered, 1040 bytes */
	f[14] = 0x44; /* IHL 4 */
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0);
	f[14] = 0x45;
	put16(f + 16, 2000); /* a total length past an uncut frame */
	nfw_meter_frame(m, DLT_EN10MB, f, n, n, T0);
	nfw_meter_frame(m, 147 /* a user link type */, f, n, n, T0);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.packets, 8);
	assert_int_equal(st.metered, 1);
	assert_int_equal(st.dropped[NFW_METER_DROP_NOT_IP], 1);
	assert_int_equal(st.dropped[NFW_METER_DROP_TRUNCATED], 3);
	assert_int_equal(st.dropped[NFW_METER_DROP_BAD_HEADER], 2);
	assert_int_equal(st.dropped[NFW_METER_DROP_LINKTYPE], 1);
	nfw_meter_flush(m);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].bytes, 1040);
	check_identity(m);
	assert_string_equal(nfw_meter_drop_str(NFW_METER_DROP_TRUNCATED), "truncated");
	nfw_meter_free(m);
}

/* A table of 4: the flow idle longest ends early for each new one; every packet is still in a record */
static void
test_table_full(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 4);
	for (unsigned i = 0; i < 10; i++)
		udp_at(m, (uint16_t)(3000 + i), 10, T0 + i);
	udp_at(m, 3009, 10, T0 + 10); /* the newest: still in the table */
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.evicted_full, 6);
	assert_int_equal(ngot, 6);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(got[i].src_port, 3000 + i); /* oldest first */
	nfw_meter_flush(m);
	assert_int_equal(ngot, 10);
	uint64_t pk = 0;
	for (unsigned i = 0; i < ngot; i++)
		pk += got[i].packets;
	assert_int_equal(pk, 11);
	check_identity(m);
	nfw_meter_free(m);
}

/* A packet older than the newest is counted at its own time and ages nothing */
static void
test_out_of_order(void **state)
{
	(void)state;
	struct nfw_meter *m = mk(1800, 15, 1024);
	udp_at(m, 4000, 10, T0 + 20000000);
	udp_at(m, 4001, 10, T0);            /* older: no expiry, its own flow */
	udp_at(m, 4000, 10, T0 + 10000000); /* older than the flow's first: it starts earlier */
	nfw_meter_flush(m);
	assert_int_equal(ngot, 2);
	const struct nfw_flow *a = got[0].src_port == 4000 ? &got[0] : &got[1];
	assert_int_equal(a->packets, 2);
	assert_int_equal(a->start_ms, T0 / 1000 + 10000);
	assert_int_equal(a->end_ms, T0 / 1000 + 20000);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	assert_int_equal(st.out_of_order, 2);
	check_identity(m);
	nfw_meter_free(m);
}

static void
test_bad_config(void **state)
{
	(void)state;
	struct nfw_meter_config c;
	nfw_meter_config_default(&c);
	errno = 0;
	assert_null(nfw_meter_create(&c)); /* no emit */
	assert_int_equal(errno, EINVAL);
	c.emit = collect;
	c.inactive_s = 0;
	assert_null(nfw_meter_create(&c));
	c.inactive_s = 15;
	c.max_flows = 0;
	assert_null(nfw_meter_create(&c));
	c.max_flows = 16;
	struct nfw_meter *m = nfw_meter_create(&c);
	assert_non_null(m);
	nfw_meter_free(m);
	nfw_meter_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_session),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_protocols),
		cmocka_unit_test(test_bad_frames),
		cmocka_unit_test(test_table_full),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_bad_config),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
