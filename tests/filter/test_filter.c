/* SPDX-License-Identifier: BSD-3-Clause */
/* Filter expressions: every primitive, precedence, and the errors people meet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "nfw_filter.h"

static struct nfw_flow
rec(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto)
{
	struct nfw_flow f;
	memset(&f, 0, sizeof(f));
	nfw_flow_addr_set4(f.src_addr, src);
	nfw_flow_addr_set4(f.dst_addr, dst);
	nfw_flow_addr_set4(f.exporter, 0x7f000001);
	f.src_port = sport;
	f.dst_port = dport;
	f.proto = proto;
	f.af = 4;
	f.bytes = 1500;
	f.packets = 3;
	f.start_ms = 1000;
	f.end_ms = 4000;
	f.tcp_flags = 0x12; /* SYN ACK */
	f.sampling = 1;
	f.in_if = 7;
	f.out_if = 9;
	f.src_as = 64500;
	f.dst_as = 15169;
	return f;
}

static int
m(const char *expr, const struct nfw_flow *r)
{
	char err[256];
	struct nfw_filter *f = nfw_filter_compile(expr, err, sizeof(err));
	if (f == NULL)
		fail_msg("%s: %s", expr, err);
	int v = nfw_filter_match(f, r);
	nfw_filter_free(f);
	return v;
}

static void
test_primitives(void **state)
{
	(void)state;
	struct nfw_flow r = rec(0x0a000105, 0xc0a80201, 40000, 443, 6);
	assert_int_equal(m("", &r), 1);
	assert_int_equal(m("any", &r), 1);
	assert_int_equal(m("proto tcp", &r), 1);
	assert_int_equal(m("proto udp", &r), 0);
	assert_int_equal(m("proto 6", &r), 1);
	assert_int_equal(m("src host 10.0.1.5", &r), 1);
	assert_int_equal(m("dst host 10.0.1.5", &r), 0);
	assert_int_equal(m("host 192.168.2.1", &r), 1);
	assert_int_equal(m("ip 192.168.2.2", &r), 0);
	assert_int_equal(m("src net 10.0.0.0/8", &r), 1);
	assert_int_equal(m("dst net 10.0.0.0/8", &r), 0);
	assert_int_equal(m("net 192.168.0.0/16", &r), 1);
	assert_int_equal(m("net 192.168.3.0/24", &r), 0);
	assert_int_equal(m("port 443", &r), 1);
	assert_int_equal(m("src port 443", &r), 0);
	assert_int_equal(m("dst port > 1024", &r), 0);
	assert_int_equal(m("src port > 1024", &r), 1);
	assert_int_equal(m("src port>=40000", &r), 1);
	assert_int_equal(m("src port gt 40000", &r), 0);
	assert_int_equal(m("port lt 100", &r), 0);
	assert_int_equal(m("port != 443", &r), 1); /* the source port is not 443 */
	assert_int_equal(m("bytes > 1k", &r), 1);
	assert_int_equal(m("bytes > 2k", &r), 0);
	assert_int_equal(m("packets = 3", &r), 1);
	assert_int_equal(m("duration >= 3000", &r), 1);
	assert_int_equal(m("duration > 3000", &r), 0);
	assert_int_equal(m("flags S", &r), 1);
	assert_int_equal(m("flags SA", &r), 1);
	assert_int_equal(m("flags R", &r), 0);
	assert_int_equal(m("in if 7", &r), 1);
	assert_int_equal(m("out if 7", &r), 0);
	assert_int_equal(m("src as 64500", &r), 1);
	assert_int_equal(m("as 15169", &r), 1);
	assert_int_equal(m("dst as 64500", &r), 0);
	assert_int_equal(m("ipv4", &r), 1);
	assert_int_equal(m("inet6", &r), 0);
	assert_int_equal(m("exporter 127.0.0.0/8", &r), 1);
	assert_int_equal(m("exporter 10.9.9.9", &r), 0);
	assert_int_equal(m("sampling 1", &r), 1);
	assert_int_equal(m("PROTO TCP AND DST PORT 443", &r), 1);
}

static void
test_logic(void **state)
{
	(void)state;
	struct nfw_flow r = rec(0x0a000105, 0xc0a80201, 40000, 53, 17);
	assert_int_equal(m("proto udp and port 53", &r), 1);
	assert_int_equal(m("proto tcp and port 53", &r), 0);
	assert_int_equal(m("proto tcp or port 53", &r), 1);
	assert_int_equal(m("not proto tcp", &r), 1);
	assert_int_equal(m("! proto udp", &r), 0);
	/* and binds tighter than or */
	assert_int_equal(m("proto tcp and port 80 or port 53", &r), 1);
	assert_int_equal(m("proto tcp and (port 80 or port 53)", &r), 0);
	assert_int_equal(m("proto udp && (dst port 53 || dst port 853) && not src net 192.168.0.0/16", &r), 1);
	assert_int_equal(m("not (proto udp and port 53)", &r), 0);
	assert_int_equal(m("not not proto udp", &r), 1);

	struct nfw_flow v6;
	memset(&v6, 0, sizeof(v6));
	v6.af = 6;
	v6.src_addr[0] = 0x20;
	v6.src_addr[1] = 0x01;
	v6.src_addr[2] = 0x0d;
	v6.src_addr[3] = 0xb8;
	v6.src_addr[15] = 1;
	assert_int_equal(m("src net 2001:db8::/32 and ipv6", &v6), 1);
	assert_int_equal(m("src host 2001:db8::1", &v6), 1);
	assert_int_equal(m("net 10.0.0.0/8", &v6), 0);
}

static void
err_is(const char *expr, const char *want)
{
	char err[256] = "";
	struct nfw_filter *f = nfw_filter_compile(expr, err, sizeof(err));
	assert_null(f);
	assert_string_equal(err, want);
}

static void
test_errors(void **state)
{
	(void)state;
	err_is("proto", "filter: a number is missing at the end of the expression");
	err_is("proto tcpx", "filter: not a number at 'tcpx' (column 7)");
	err_is("port 70000", "filter: number out of range at '70000' (column 6)");
	err_is("host 10.0.0.0/8", "filter: not an IP address at '10.0.0.0/8' (column 6)");
	err_is("net 10.0.0.300/8", "filter: not a prefix like 10.0.0.0/8 at '10.0.0.300/8' (column 5)");
	err_is("proto tcp port 80", "filter: expected and / or at 'port' (column 11)");
	err_is("(proto tcp", "filter: expected ')' at the end of the expression");
	err_is("proto tcp)", "filter: unbalanced ')' at ')' (column 10)");
	err_is("src 10.0.0.1", "filter: expected host, ip, net, port or as after src / dst at '10.0.0.1' (column 5)");
	err_is("frobnicate", "filter: unknown word at 'frobnicate' (column 1)");
	err_is("proto tcp and", "filter: a condition is missing at the end of the expression");
	err_is("port 80 ; drop", "filter: unexpected character ';' (column 9)");
	err_is("flags SX", "filter: TCP flags are letters of FSRPAUEC at 'SX' (column 7)");
	err_is("in 7", "filter: expected 'if' after in / out at '7' (column 4)");

	/* nesting and size are bounded: no deep recursion, no unbounded memory */
	char deep[400];
	memset(deep, '(', 100);
	strcpy(deep + 100, "any");
	memset(deep + 103, ')', 100);
	deep[203] = '\0';
	err_is(deep, "filter: nested too deeply at '(' (column 65)");
	char big[1100];
	size_t n = 0;
	while (n + 8 < 1000) /* about 140 conditions and as many operators */
		n += (size_t)snprintf(big + n, sizeof(big) - n, "%sany", n ? " or " : "");
	char err[256];
	struct nfw_filter *f = nfw_filter_compile(big, err, sizeof(err));
	assert_null(f);
	assert_non_null(strstr(err, "expression too long"));
	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	err_is(big, "filter: longer than 1024 characters");
}

/* nfdump's lists, rates and the other words added for the seed workflows */
static void
test_nfdump_words(void **state)
{
	(void)state;
	struct nfw_flow r = rec(0x0a000105, 0xc0a80201, 40000, 443, 6); /* 1500 B, 3 pkts, 3 s */
	assert_int_equal(m("dst port in [80 443 53]", &r), 1);
	assert_int_equal(m("dst port in [80, 53]", &r), 0);
	assert_int_equal(m("not dst port in [80 443 53 25 587 993 22]", &r), 0);
	assert_int_equal(m("port in [ 40000 ]", &r), 1);
	assert_int_equal(m("src port in [443]", &r), 0);
	assert_int_equal(m("src net 10.0.0.0/8 and dst port in [445 3389 5985 22 135]", &r), 0);
	assert_int_equal(m("dst ip in [192.168.2.1 10.9.9.9]", &r), 1);
	assert_int_equal(m("src host in [192.168.2.1]", &r), 0);
	assert_int_equal(m("net in [172.16.0.0/12 192.168.0.0/16]", &r), 1);
	/* pps = 3 / 3 s = 1; bps = 1500 * 8 / 3 s = 4000; bpp = 500 */
	assert_int_equal(m("pps = 1", &r), 1);
	assert_int_equal(m("bps = 4000", &r), 1);
	assert_int_equal(m("bps > 4k", &r), 0);
	assert_int_equal(m("bpp = 500 and bpp < 501", &r), 1);
	r.end_ms = r.start_ms; /* no duration: rates are 0, as nfdump */
	assert_int_equal(m("pps = 0 and bps = 0", &r), 1);
	nfw_flow_addr_set4(r.nexthop, 0x0a0000fe);
	assert_int_equal(m("next ip 10.0.0.254", &r), 1);
	assert_int_equal(m("router ip 127.0.0.1", &r), 1);
	assert_int_equal(m("router ip 127.0.0.2", &r), 0);
	struct nfw_flow icmp = rec(0x0a000105, 0xc0a80201, 0, 8 << 8, 1); /* echo request */
	assert_int_equal(m("icmp-type 8 and icmp-code 0", &icmp), 1);
	assert_int_equal(m("icmp-type 0", &icmp), 0);
	assert_int_equal(m("icmp-type 3", &r), 0); /* TCP is no ICMP */
	err_is("dst port in [80 443", "filter: expected ']' at the end of the expression");
	err_is("dst port in []", "filter: an empty list at the end of the expression");
	err_is("dst port in [80 x]", "filter: not a number at 'x' (column 17)");
	err_is("router 10.0.0.1", "filter: expected 'ip' after router at '10.0.0.1' (column 8)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_primitives),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_nfdump_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
