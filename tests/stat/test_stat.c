/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/stat: aggregation keys and masks, two-sided element statistics,
 * bidirectional pairing (-b, -B), top N against a full sort, the entry
 * limit, rates, number scaling and formats, with exact values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nfw_decode.h"
#include "nfw_stat.h"

static struct nfw_flow
rec(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t proto, uint64_t pkts, uint64_t bytes,
    uint64_t start_ms, uint64_t end_ms)
{
	struct nfw_flow f;
	memset(&f, 0, sizeof(f));
	nfw_flow_addr_set4(f.src_addr, src);
	nfw_flow_addr_set4(f.dst_addr, dst);
	f.src_port = sport;
	f.dst_port = dport;
	f.proto = proto;
	f.af = 4;
	f.packets = pkts;
	f.bytes = bytes;
	f.start_ms = start_ms;
	f.end_ms = end_ms;
	f.sampling = 1;
	return f;
}

static struct nfw_stat_keydef
kd_of(const char *list)
{
	struct nfw_stat_keydef kd;
	char err[256];
	memset(&kd, 0, sizeof(kd));
	if (nfw_stat_keydef_parse(list, &kd, err, sizeof(err)) != 0)
		fail_msg("%s: %s", list, err);
	return kd;
}

static void
test_aggregate_masks(void **state)
{
	(void)state;
	struct nfw_stat_keydef kd = kd_of("srcip4/24,dstport");
	struct nfw_stat_table *t = nfw_stat_table_create(&kd, 0);
	assert_non_null(t);
	struct nfw_flow a = rec(0x0a000105, 1111, 0xc0a80001, 443, 6, 3, 300, 1000, 2000);
	struct nfw_flow b = rec(0x0a0001fe, 2222, 0xc0a80002, 443, 6, 5, 700, 1500, 4000);
	struct nfw_flow c = rec(0x0a000201, 3333, 0xc0a80003, 443, 17, 1, 100, 500, 600);
	struct nfw_flow d = rec(0x0a000105, 1111, 0xc0a80001, 80, 6, 2, 20, 100, 200);
	assert_int_equal(nfw_stat_table_add(t, &a), 0);
	assert_int_equal(nfw_stat_table_add(t, &b), 0);
	assert_int_equal(nfw_stat_table_add(t, &c), 0);
	assert_int_equal(nfw_stat_table_add(t, &d), 0);
	assert_int_equal(nfw_stat_table_count(t), 3); /* 10.0.1/24:443, 10.0.2/24:443, 10.0.1/24:80 */
	const struct nfw_stat_entry *e = nfw_stat_table_entries(t);
	char buf[64];
	assert_string_equal(nfw_addr_str(e[0].key.src, buf, sizeof(buf)), "10.0.1.0");
	assert_int_equal(e[0].key.dst_port, 443);
	assert_int_equal(e[0].key.src_port, 0);   /* not in the key */
	assert_int_equal(e[0].key.proto, 0);
	assert_int_equal(e[0].flows, 2);
	assert_int_equal(e[0].packets, 8);
	assert_int_equal(e[0].bytes, 1000);
	assert_int_equal(e[0].first_ms, 1000);
	assert_int_equal(e[0].last_ms, 4000);
	/* pps 8 / 3 s = 2, bps 8000 / 3 s = 2666, bpp 125 */
	assert_int_equal(nfw_stat_pps(&e[0]), 2);
	assert_int_equal(nfw_stat_bps(&e[0]), 2666);
	assert_int_equal(nfw_stat_bpp(&e[0]), 125);
	assert_string_equal(nfw_addr_str(e[1].key.src, buf, sizeof(buf)), "10.0.2.0");
	assert_int_equal(e[2].key.dst_port, 80);
	nfw_stat_table_free(t);

	char err[256];
	struct nfw_stat_keydef bad;
	assert_int_equal(nfw_stat_keydef_parse("srcip4/33", &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "-A: 'srcip4/33': the mask is 0..32");
	assert_int_equal(nfw_stat_keydef_parse("srcip,colour", &bad, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown field 'colour'"));
	assert_int_equal(nfw_stat_keydef_parse("proto/8", &bad, err, sizeof(err)), -1);
	assert_string_equal(err, "-A: 'proto' takes no /mask");
}

static void
test_elem_two_sided(void **state)
{
	(void)state;
	struct nfw_stat_spec sp;
	char err[256];
	assert_int_equal(nfw_stat_spec_parse("ip/bytes/flows", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.elem, NFW_STAT_E_IP);
	assert_int_equal(sp.norders, 2);
	assert_int_equal(sp.orders[0], NFW_STAT_O_BYTES);
	assert_int_equal(sp.orders[1], NFW_STAT_O_FLOWS);
	static const struct nfw_stat_keydef none;
	struct nfw_stat_table *t = nfw_stat_table_create(&none, 0);
	struct nfw_flow a = rec(1, 10, 2, 20, 6, 1, 100, 0, 0);
	struct nfw_flow b = rec(2, 20, 3, 30, 6, 1, 50, 0, 0);
	assert_int_equal(nfw_stat_elem_add(t, &sp, &a), 0);
	assert_int_equal(nfw_stat_elem_add(t, &sp, &b), 0);
	assert_int_equal(nfw_stat_table_count(t), 3);
	const struct nfw_stat_entry *top[3];
	assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), 3, NFW_STAT_O_BYTES, 0, top), 3);
	char buf[64];
	/* host 2 is in both: 150 bytes, 2 flows */
	assert_string_equal(nfw_addr_str(top[0]->key.src, buf, sizeof(buf)), "0.0.0.2");
	assert_int_equal(top[0]->bytes, 150);
	assert_int_equal(top[0]->flows, 2);
	assert_int_equal(top[1]->bytes, 100);
	assert_int_equal(top[2]->bytes, 50);
	nfw_stat_table_free(t);

	assert_int_equal(nfw_stat_spec_parse("srcip", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.orders[0], NFW_STAT_O_FLOWS); /* nfdump's default */
	assert_int_equal(nfw_stat_spec_parse("srcnet/16/bytes", &sp, err, sizeof(err)), 0);
	assert_int_equal(sp.mask4, 16);
	assert_int_equal(nfw_stat_spec_parse("srcip/bites", &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown order 'bites'"));
	assert_int_equal(nfw_stat_spec_parse("colour/bytes", &sp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown statistic 'colour'"));

	/* :p splits by protocol: host 2 over TCP and over UDP are two entries */
	assert_int_equal(nfw_stat_spec_parse("srcip:p/bytes", &sp, err, sizeof(err)), 0);
	assert_true(sp.by_proto);
	assert_int_equal(sp.elem, NFW_STAT_E_SRCIP);
	t = nfw_stat_table_create(&none, 0);
	struct nfw_flow c = rec(2, 10, 3, 30, 6, 1, 70, 0, 0), u = rec(2, 10, 3, 53, 17, 1, 30, 0, 0);
	assert_int_equal(nfw_stat_elem_add(t, &sp, &c), 0);
	assert_int_equal(nfw_stat_elem_add(t, &sp, &u), 0);
	assert_int_equal(nfw_stat_elem_add(t, &sp, &c), 0);
	assert_int_equal(nfw_stat_table_count(t), 2);
	assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), 2, NFW_STAT_O_BYTES, 0, top), 2);
	assert_int_equal(top[0]->key.proto, 6);
	assert_int_equal(top[0]->bytes, 140);
	assert_int_equal(top[1]->key.proto, 17);
	assert_int_equal(top[1]->bytes, 30);
	nfw_stat_table_free(t);
}

static void
test_bidir(void **state)
{
	(void)state;
	struct nfw_stat_keydef kd = { .fields = NFW_STAT_K_5TUPLE, .src_mask4 = 32, .dst_mask4 = 32,
				      .src_mask6 = 128, .dst_mask6 = 128, .bidir = NFW_STAT_BIDIR };
	struct nfw_stat_table *t = nfw_stat_table_create(&kd, 0);
	/* the server's answer is read first: -b prints it that way; -B turns it round */
	struct nfw_flow ans = rec(0xc0a80001, 443, 0x0a000001, 50000, 6, 10, 9000, 1000, 3000);
	struct nfw_flow req = rec(0x0a000001, 50000, 0xc0a80001, 443, 6, 4, 400, 900, 2900);
	struct nfw_flow other = rec(0x0a000001, 50001, 0xc0a80001, 443, 6, 1, 60, 5000, 5000);
	assert_int_equal(nfw_stat_table_add(t, &ans), 0);
	assert_int_equal(nfw_stat_table_add(t, &req), 0);
	assert_int_equal(nfw_stat_table_add(t, &other), 0);
	assert_int_equal(nfw_stat_table_count(t), 2);
	const struct nfw_stat_entry *e = nfw_stat_table_entries(t);
	assert_int_equal(e[0].key.src_port, 443);
	assert_int_equal(e[0].key.dst_port, 50000);
	assert_int_equal(e[0].flows, 2);
	assert_int_equal(e[0].packets, 14);
	assert_int_equal(e[0].in_packets, 10);
	assert_int_equal(e[0].in_bytes, 9000);
	assert_int_equal(e[0].first_ms, 900);
	nfw_stat_table_free(t);

	kd.bidir = NFW_STAT_BIDIR_GUESS;
	t = nfw_stat_table_create(&kd, 0);
	assert_int_equal(nfw_stat_table_add(t, &ans), 0);
	assert_int_equal(nfw_stat_table_add(t, &req), 0);
	e = nfw_stat_table_entries(t);
	assert_int_equal(e[0].key.src_port, 50000); /* client -> server */
	assert_int_equal(e[0].key.dst_port, 443);
	assert_int_equal(e[0].in_packets, 4);
	assert_int_equal(e[0].in_bytes, 400);
	assert_int_equal(e[0].packets, 14);
	nfw_stat_table_free(t);

	/* a host pair: both directions of every port in one row */
	struct nfw_stat_keydef hp = kd_of("srcip,dstip");
	hp.bidir = NFW_STAT_BIDIR;
	t = nfw_stat_table_create(&hp, 0);
	assert_int_equal(nfw_stat_table_add(t, &ans), 0);
	assert_int_equal(nfw_stat_table_add(t, &req), 0);
	assert_int_equal(nfw_stat_table_add(t, &other), 0);
	assert_int_equal(nfw_stat_table_count(t), 1);
	assert_int_equal(nfw_stat_table_entries(t)[0].bytes, 9460);
	nfw_stat_table_free(t);
}

static void
test_top_n_and_limit(void **state)
{
	(void)state;
	struct nfw_stat_keydef kd = kd_of("srcport");
	struct nfw_stat_table *t = nfw_stat_table_create(&kd, 5000);
	/* port p gets (p * 7919) % 1000 bytes: many ties, in no order */
	for (unsigned p = 0; p < 5000; p++) {
		struct nfw_flow f = rec(1, (uint16_t)p, 2, 80, 6, 1, (p * 7919u) % 1000u, p, p + 10);
		assert_int_equal(nfw_stat_table_add(t, &f), 0);
	}
	struct nfw_flow one_more = rec(1, 6000, 2, 80, 6, 1, 1, 0, 0);
	assert_int_equal(nfw_stat_table_add(t, &one_more), -ENOSPC);
	assert_int_equal(nfw_stat_table_refused(t), 1);
	struct nfw_flow again = rec(1, 7, 2, 80, 6, 1, 1, 0, 0); /* a key already there still counts */
	assert_int_equal(nfw_stat_table_add(t, &again), 0);
	size_t n = nfw_stat_table_count(t);
	assert_int_equal(n, 5000);
	const struct nfw_stat_entry **all = malloc(n * sizeof(*all)), *top[25];
	assert_non_null(all);
	for (int o = NFW_STAT_O_FLOWS; o < NFW_STAT_O__MAX; o++) {
		assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), n, o, 0, all), n);
		assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), n, o, 25, top), 25);
		for (int i = 0; i < 25; i++)
			assert_ptr_equal(top[i], all[i]); /* the heap's top N is the sort's first N */
	}
	assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), n, NFW_STAT_O_BYTES, 3, top), 3);
	assert_int_equal(top[0]->bytes, 999);
	assert_int_equal(top[1]->bytes, 999); /* 999 at five ports: ties broken by the key, */
	assert_int_equal(top[2]->bytes, 999); /* so the same three on every run */
	assert_true(top[0]->key.src_port != top[1]->key.src_port);
	assert_int_equal(nfw_stat_top(nfw_stat_table_entries(t), n, NFW_STAT_O_TSTART, 2, top), 2);
	assert_int_equal(top[0]->first_ms, 0);
	assert_int_equal(top[1]->first_ms, 0); /* port 7 again at 0 */
	free(all);
	nfw_stat_table_free(t);
}

static void
test_numbers_and_formats(void **state)
{
	(void)state;
	char b[32];
	assert_string_equal(nfw_stat_num(999999, false, b, sizeof(b)), "999999");
	assert_string_equal(nfw_stat_num(1000000, false, b, sizeof(b)), "1.0 M");
	assert_string_equal(nfw_stat_num(20100000000ull, false, b, sizeof(b)), "20.1 G");
	assert_string_equal(nfw_stat_num(1200000000000ull, false, b, sizeof(b)), "1.2 T");
	assert_string_equal(nfw_stat_num(1200000000000ull, true, b, sizeof(b)), "1200000000000");

	char err[256];
	struct nfw_stat_fmt *f = nfw_stat_fmt_compile("fmt:%sa|%sap|%dp|%pkt|%byt|%fl|%flg|%td", err, sizeof(err));
	assert_non_null(f);
	char *out = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&out, &len);
	struct nfw_stat_out o = { .fp = fp, .exact = true, .quiet = true };
	struct nfw_flow r = rec(0x0a000105, 40000, 0xc0a80201, 443, 6, 3, 1500, 1000, 62500);
	r.tcp_flags = 0x1b; /* FIN SYN PSH ACK */
	struct nfw_stat_entry e;
	nfw_stat_entry_from_flow(&r, &e);
	nfw_stat_fmt_row(f, &o, &e);
	fclose(fp);
	assert_string_equal(out, "        10.0.1.5|        10.0.1.5:40000|   443|       3|    1500|    1|...AP.SF|      61.500\n");
	free(out);
	nfw_stat_fmt_free(f);
	assert_null(nfw_stat_fmt_compile("fmt:%ts %zz", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown token '%zz' (column 5)"));
	assert_null(nfw_stat_fmt_compile("wide", err, sizeof(err)));
	f = nfw_stat_fmt_compile("extended", err, sizeof(err));
	assert_non_null(f);
	nfw_stat_fmt_free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aggregate_masks),
		cmocka_unit_test(test_elem_two_sided),
		cmocka_unit_test(test_bidir),
		cmocka_unit_test(test_top_n_and_limit),
		cmocka_unit_test(test_numbers_and_formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
