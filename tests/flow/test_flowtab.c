/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: stitching of active-timeout splits, superseded keys, closing
 * on end reasons and TCP flags, event-time aging, exporters kept apart,
 * the full table passing records through, conservation of every byte and
 * packet over a random workload, and the memory per flow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nfw_flowtab.h"

#define MAXC 4096
static struct nfw_flow_closed got[MAXC];
static unsigned ngot;

static void
sink(const struct nfw_flow_closed *c, void *arg)
{
	(void)arg;
	if (ngot < MAXC)
		got[ngot] = *c;
	ngot++;
}

static struct nfw_flow
rec(uint32_t src, uint16_t sport, uint64_t start, uint64_t end, uint64_t bytes, uint8_t reason)
{
	struct nfw_flow f;
	memset(&f, 0, sizeof(f));
	nfw_flow_addr_set4(f.src_addr, src);
	nfw_flow_addr_set4(f.dst_addr, 0xc6336401);
	nfw_flow_addr_set4(f.exporter, 0xc0000201);
	f.exporter_port = 2055;
	f.version = NFW_FLOW_V9;
	f.src_port = sport;
	f.dst_port = 443;
	f.proto = 6;
	f.af = 4;
	f.start_ms = start;
	f.end_ms = end;
	f.bytes = bytes;
	f.packets = bytes / 100;
	f.end_reason = reason;
	f.tcp_flags = 0x18;
	f.sampling = 1;
	return f;
}

static struct nfw_flowtab *
mk(uint32_t max)
{
	struct nfw_flowtab_params p = { .max_flows = max, .idle_ms = 60000, .stitch_gap_ms = 2000,
					.emit = sink };
	ngot = 0;
	return nfw_flowtab_create(&p);
}

static void
test_stitch(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(1024);
	struct nfw_flow r;
	r = rec(0x0a000001, 1000, 0, 60000, 6000, 2);
	nfw_flowtab_add(t, &r);
	r = rec(0x0a000001, 1000, 60000, 120000, 5000, 2);
	nfw_flowtab_add(t, &r);
	assert_int_equal(ngot, 0);
	r = rec(0x0a000001, 1000, 120000, 150000, 1000, 3);
	r.tcp_flags = 0x11;
	nfw_flowtab_add(t, &r);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].records, 3);
	assert_int_equal(got[0].f.bytes, 12000);
	assert_int_equal(got[0].f.packets, 120);
	assert_int_equal(got[0].f.start_ms, 0);
	assert_int_equal(got[0].f.end_ms, 150000);
	assert_int_equal(got[0].f.tcp_flags, 0x19);
	assert_int_equal(got[0].f.end_reason, 3);
	assert_int_equal(got[0].reason, NFW_FLOW_CLOSE_END);
	assert_int_equal(got[0].f.af, 4);
	assert_int_equal(got[0].f.exporter_port, 2055);
	struct nfw_flowtab_stats s;
	nfw_flowtab_stats_get(t, &s);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.created, 1);
	assert_int_equal(s.merged, 2);
	assert_int_equal(s.active, 0);
	nfw_flowtab_free(t);
}

static void
test_superseded_and_exporters(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(1024);
	struct nfw_flow r = rec(0x0a000001, 1000, 0, 1000, 100, 2);
	nfw_flowtab_add(t, &r);
	/* the same key from another exporter: a flow of its own */
	struct nfw_flow r2 = rec(0x0a000001, 1000, 500, 1500, 200, 2);
	nfw_flowtab_add(t, &r2);
	r2.exporter[15] = 9;
	nfw_flowtab_add(t, &r2);
	/* the first exporter's key again 10 s later: a new conversation */
	r = rec(0x0a000001, 1000, 10000, 11000, 300, 2);
	nfw_flowtab_add(t, &r);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].reason, NFW_FLOW_CLOSE_SUPERSEDED);
	assert_int_equal(got[0].f.bytes, 300); /* 100 + 200 stitched */
	assert_int_equal(got[0].records, 2);
	nfw_flowtab_flush(t);
	assert_int_equal(ngot, 3);
	uint64_t sum = 0;
	for (unsigned i = 0; i < ngot; i++)
		sum += got[i].f.bytes;
	assert_int_equal(sum, 100 + 200 + 200 + 300);
	nfw_flowtab_free(t);
}

static void
test_tcp_flags_and_aging(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(1024);
	/* v5 style: no end reason; FIN closes */
	struct nfw_flow r = rec(0x0a000002, 2000, 0, 1000, 100, 0);
	nfw_flowtab_add(t, &r);
	r = rec(0x0a000002, 2000, 1500, 2500, 100, 0);
	r.tcp_flags = 0x01;
	nfw_flowtab_add(t, &r);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].records, 2);
	/* a UDP flow with no end: aged out once event time moves 60 s past it */
	r = rec(0x0a000003, 3000, 5000, 6000, 100, 0);
	r.proto = 17;
	nfw_flowtab_add(t, &r);
	assert_int_equal(nfw_flowtab_age(t, 1u << 20), 0);
	r = rec(0x0a000004, 4000, 66000, 66001, 100, 0);
	r.proto = 17;
	nfw_flowtab_add(t, &r); /* event time now 66 001 */
	assert_int_equal(nfw_flowtab_age(t, 1u << 20), 1);
	assert_int_equal(got[1].reason, NFW_FLOW_CLOSE_AGED);
	assert_int_equal(got[1].f.src_port, 3000);
	nfw_flowtab_free(t);
}

static void
test_full_passthrough(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(2);
	for (uint32_t i = 0; i < 5; i++) {
		struct nfw_flow r = rec(0x0a000010 + i, 1000, 0, 1000, 100, 2);
		nfw_flowtab_add(t, &r);
	}
	struct nfw_flowtab_stats s;
	nfw_flowtab_stats_get(t, &s);
	assert_int_equal(s.active, 2);
	assert_int_equal(s.closed[NFW_FLOW_CLOSE_FULL], 3);
	assert_int_equal(ngot, 3);
	nfw_flowtab_flush(t);
	assert_int_equal(ngot, 5);
	nfw_flowtab_free(t);
}

static void
test_conservation_random(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(300);
	uint64_t seed = 12345, bytes_in = 0, pk_in = 0, bytes_out = 0, pk_out = 0, recs_out = 0;
	const unsigned n = 200000;
	uint64_t now = 0;
	ngot = 0;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t x = (uint32_t)(seed >> 33);
		now += x % 50;
		struct nfw_flow r = rec(0x0a000000 + x % 400, (uint16_t)(1000 + (x >> 9) % 3), now,
					now + (x >> 12) % 5000, 64 + (x >> 5) % 9000, (uint8_t)((x >> 20) % 4));
		bytes_in += r.bytes;
		pk_in += r.packets;
		nfw_flowtab_add(t, &r);
		if (i % 64 == 0)
			nfw_flowtab_age(t, 64);
	}
	nfw_flowtab_flush(t);
	/* sum over what the sink saw: it kept the first MAXC; recount through stats */
	struct nfw_flowtab_stats s;
	nfw_flowtab_stats_get(t, &s);
	uint64_t closed = 0;
	for (unsigned r = 0; r < NFW_FLOW_CLOSE__MAX; r++)
		closed += s.closed[r];
	assert_int_equal(closed, ngot);
	assert_int_equal(s.active, 0);
	assert_int_equal(s.created, closed);
	assert_int_equal(s.created + s.merged, n);
	(void)bytes_out; (void)pk_out; (void)recs_out; (void)bytes_in; (void)pk_in;
	nfw_flowtab_free(t);
}

/* byte-exact conservation needs every closed flow: a summing sink */
static uint64_t sum_bytes, sum_pkts, sum_recs;
static void
sum_sink(const struct nfw_flow_closed *c, void *arg)
{
	(void)arg;
	sum_bytes += c->f.bytes;
	sum_pkts += c->f.packets;
	sum_recs += c->records;
}

static void
test_conservation_exact(void **state)
{
	(void)state;
	struct nfw_flowtab_params p = { .max_flows = 500, .emit = sum_sink };
	struct nfw_flowtab *t = nfw_flowtab_create(&p);
	uint64_t seed = 99, bin = 0, pin = 0;
	const unsigned n = 300000;
	uint64_t now = 0;
	sum_bytes = sum_pkts = sum_recs = 0;
	for (unsigned i = 0; i < n; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t x = (uint32_t)(seed >> 33);
		now += x % 20;
		struct nfw_flow r = rec(0x0a000000 + x % 2000, 1000, now, now + x % 3000, 1 + (x >> 7) % 100000,
					(uint8_t)((x >> 17) % 5));
		bin += r.bytes;
		pin += r.packets;
		nfw_flowtab_add(t, &r);
		nfw_flowtab_age(t, 16);
	}
	nfw_flowtab_flush(t);
	assert_int_equal(sum_bytes, bin);
	assert_int_equal(sum_pkts, pin);
	assert_int_equal(sum_recs, n);
	nfw_flowtab_free(t);
}

/* the burst path gives exactly what one-by-one gives */
static uint64_t hist_a[4], hist_b[4];
static uint64_t *hist;
static void
hist_sink(const struct nfw_flow_closed *c, void *arg)
{
	(void)arg;
	hist[0] += c->f.bytes;
	hist[1] += c->records;
	hist[2] += c->reason * 1000003ull + c->f.start_ms;
	hist[3]++;
}

static void
test_burst_equals_single(void **state)
{
	(void)state;
	struct nfw_flow recs[1000];
	uint64_t seed = 7, now = 0;
	for (unsigned i = 0; i < 1000; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t x = (uint32_t)(seed >> 33);
		now += x % 30;
		recs[i] = rec(0x0a000000 + x % 150, 1000, now, now + x % 4000, 1 + x % 5000, (uint8_t)((x >> 11) % 4));
	}
	struct nfw_flowtab_params p = { .max_flows = 100, .emit = hist_sink };
	struct nfw_flowtab *a = nfw_flowtab_create(&p), *b = nfw_flowtab_create(&p);
	hist = hist_a;
	for (unsigned i = 0; i < 1000; i++)
		nfw_flowtab_add(a, &recs[i]);
	nfw_flowtab_flush(a);
	hist = hist_b;
	for (unsigned i = 0; i < 1000; i += 37)
		nfw_flowtab_add_burst(b, recs + i, i + 37 <= 1000 ? 37 : 1000 - i);
	nfw_flowtab_flush(b);
	assert_memory_equal(hist_a, hist_b, sizeof(hist_a));
	struct nfw_flowtab_stats sa, sb;
	nfw_flowtab_stats_get(a, &sa);
	nfw_flowtab_stats_get(b, &sb);
	assert_memory_equal(&sa, &sb, sizeof(sa));
	nfw_flowtab_free(a);
	nfw_flowtab_free(b);
}

/* a scan in slices sees every open flow once, as it stands, and changes nothing */
static uint64_t scan_bytes, scan_recs, scan_n;
static void
scan_fn(const struct nfw_flow_closed *c, void *arg)
{
	(void)arg;
	scan_bytes += c->f.bytes;
	scan_recs += c->records;
	scan_n++;
}

static void
test_scan(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(4096);
	uint64_t bytes = 0;
	for (unsigned i = 0; i < 1000; i++) {
		struct nfw_flow r = rec(0x0a000000 + i % 300, 1000, 1000 + i, 2000 + i, 100 + i, 0);
		bytes += r.bytes;
		nfw_flowtab_add(t, &r);
	}
	struct nfw_flowtab_stats before, after;
	nfw_flowtab_stats_get(t, &before);
	assert_int_equal(before.active, 300);
	bool done = false;
	uint32_t cur = 0;
	unsigned slices = 0;
	scan_bytes = scan_recs = scan_n = 0;
	while (!done) {
		cur = nfw_flowtab_scan(t, cur, 7, scan_fn, NULL, &done);
		slices++;
	}
	assert_int_equal(scan_n, 300);
	assert_int_equal(scan_bytes, bytes);
	assert_int_equal(scan_recs, 1000);
	assert_true(slices > 1000); /* 8192 slots, 7 at a time */
	nfw_flowtab_stats_get(t, &after);
	assert_memory_equal(&before, &after, sizeof(before));
	assert_int_equal(ngot, 0);
	nfw_flowtab_flush(t);
	assert_int_equal(ngot, 300);
	nfw_flowtab_free(t);
}

/* counters an entry cannot hold: the entry closes (LIMIT) and the record opens the next; sums exact */
static void
test_limits(void **state)
{
	(void)state;
	struct nfw_flowtab *t = mk(1024);
	uint64_t bytes = 0, pkts = 0;
	/* 300 records of one flow: 255 fit an entry, the 256th opens the next */
	for (unsigned i = 0; i < 300; i++) {
		struct nfw_flow r = rec(0x0a000001, 1000, 1000 + i, 1001 + i, 100, 0);
		bytes += r.bytes;
		pkts += r.packets;
		nfw_flowtab_add(t, &r);
	}
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].reason, NFW_FLOW_CLOSE_LIMIT);
	assert_int_equal(got[0].records, 255);
	assert_int_equal(got[0].f.start_ms, 1000);
	assert_int_equal(got[0].f.end_ms, 1001 + 254);
	/* bytes past 2^48 in one entry */
	struct nfw_flow big = rec(0x0a000002, 1000, 5000, 6000, 0, 0);
	big.bytes = (1ull << 47) + 5;
	big.packets = 3000000000u;
	nfw_flowtab_add(t, &big);
	nfw_flowtab_add(t, &big); /* twice fits neither 2^48 bytes nor 2^32 packets */
	bytes += 2 * big.bytes;
	pkts += 2 * big.packets;
	assert_int_equal(ngot, 2);
	assert_int_equal(got[1].reason, NFW_FLOW_CLOSE_LIMIT);
	assert_int_equal(got[1].f.bytes, big.bytes);
	/* a record no entry holds passes through as it came; a backwards record too */
	struct nfw_flow huge = rec(0x0a000003, 1000, 7000, 8000, 0, 0);
	huge.bytes = 1ull << 50;
	nfw_flowtab_add(t, &huge);
	struct nfw_flow back = rec(0x0a000004, 1000, 9000, 8000, 10, 0);
	nfw_flowtab_add(t, &back);
	bytes += huge.bytes + back.bytes;
	pkts += huge.packets + back.packets;
	assert_int_equal(ngot, 4);
	assert_int_equal(got[2].reason, NFW_FLOW_CLOSE_LIMIT);
	assert_int_equal(got[2].f.bytes, 1ull << 50);
	assert_int_equal(got[3].f.start_ms, 9000);
	assert_int_equal(got[3].f.end_ms, 8000);
	nfw_flowtab_flush(t);
	uint64_t b = 0, p = 0, n = 0;
	for (unsigned i = 0; i < ngot; i++) {
		b += got[i].f.bytes;
		p += got[i].f.packets;
		n += got[i].records;
	}
	assert_int_equal(b, bytes);
	assert_int_equal(p, pkts);
	assert_int_equal(n, 300 + 4);
	nfw_flowtab_free(t);
}

static void
test_memory_per_flow(void **state)
{
	(void)state;
	struct nfw_flowtab_params p = { .max_flows = 1u << 20, .emit = sum_sink };
	struct nfw_flowtab *t = nfw_flowtab_create(&p);
	assert_non_null(t);
	size_t per = (nfw_flowtab_memory(t) - 1024 * 28) / (1u << 20);
	print_message("memory per tracked flow: %zu bytes\n", per);
	assert_true(per <= 96); /* 16 index + 64 entry + 16 cold */
	nfw_flowtab_free(t);
	struct nfw_flowtab_params bad = { .max_flows = 10 };
	assert_null(nfw_flowtab_create(&bad));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stitch),
		cmocka_unit_test(test_superseded_and_exporters),
		cmocka_unit_test(test_tcp_flags_and_aging),
		cmocka_unit_test(test_full_passthrough),
		cmocka_unit_test(test_conservation_random),
		cmocka_unit_test(test_conservation_exact),
		cmocka_unit_test(test_burst_equals_single),
		cmocka_unit_test(test_memory_per_flow),
		cmocka_unit_test(test_scan),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests_name("flowtab", tests, NULL, NULL);
}
