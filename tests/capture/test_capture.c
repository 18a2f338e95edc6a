/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture reader: the frame walker (Ethernet, VLAN / QinQ with its depth
 * bound, Linux cooked, raw IP, IPv6 extension headers, fragments,
 * truncation), raw payload files (hex lines, back-to-back IPFIX and v5
 * splitting), and the pcap writer read back through libpcap.
 */
#include <pcap/dlt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nfw_capture.h"
#include "../decode/pktbuild.h"

static struct pb F;

static void
eth(struct pb *p, const uint16_t *tags, unsigned ntags, uint16_t type)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
	pb_bytes(p, macs, 12);
	for (unsigned i = 0; i < ntags; i++) {
		pb_u16(p, tags[i]);
		pb_u16(p, (uint16_t)(100 + i));
	}
	pb_u16(p, type);
}

static void
ipv4_udp(struct pb *p, uint32_t src, uint16_t sport, uint16_t dport, size_t plen, uint16_t frag)
{
	pb_u8(p, 0x46); /* with 4 bytes of options */
	pb_u8(p, 0);
	pb_u16(p, (uint16_t)(24 + 8 + plen));
	pb_u16(p, 1);
	pb_u16(p, frag);
	pb_u8(p, 64);
	pb_u8(p, 17);
	pb_u16(p, 0);
	pb_u32(p, src);
	pb_u32(p, 0xc0000264);
	pb_u32(p, 0x01010101); /* options */
	pb_u16(p, sport);
	pb_u16(p, dport);
	pb_u16(p, (uint16_t)(8 + plen));
	pb_u16(p, 0);
	for (size_t i = 0; i < plen; i++)
		pb_u8(p, (uint8_t)i);
}

static int
parse(int lt, size_t caplen, size_t wirelen, struct nfw_capture_pkt *o, unsigned *skip)
{
	memset(o, 0, sizeof(*o));
	*skip = 99;
	return nfw_capture_parse_frame(lt, F.b, caplen, wirelen, o, skip);
}

static void
test_frames(void **state)
{
	(void)state;
	struct nfw_capture_pkt o;
	unsigned skip;
	static const uint16_t qinq[] = { 0x88a8, 0x8100 };
	static const uint16_t deep[] = { 0x8100, 0x8100, 0x8100, 0x8100, 0x8100 };

	/* QinQ, IPv4 with options */
	F.n = 0;
	eth(&F, qinq, 2, 0x0800);
	ipv4_udp(&F, 0xc0000201, 40000, 2055, 10, 0);
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 1);
	assert_int_equal(o.len, 10);
	assert_int_equal(o.src.port, 40000);
	assert_int_equal(o.dst_port, 2055);
	assert_int_equal(flow_v4(o.src.addr), 0xc0000201);
	assert_int_equal(o.payload[9], 9);
	/* 5 tags: over the bound */
	F.n = 0;
	eth(&F, deep, 5, 0x0800);
	ipv4_udp(&F, 1, 1, 2, 4, 0);
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_VLAN_DEPTH);
	/* a fragment (MF set) and a later fragment */
	F.n = 0;
	eth(&F, NULL, 0, 0x0800);
	ipv4_udp(&F, 1, 1, 2, 4, 0x2000);
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_FRAGMENT);
	/* cut by the snap length */
	F.n = 0;
	eth(&F, NULL, 0, 0x0800);
	ipv4_udp(&F, 1, 1, 2, 100, 0);
	assert_int_equal(parse(DLT_EN10MB, 60, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_TRUNCATED);
	/* UDP length larger than the IP payload, not truncated: bad header */
	F.n = 0;
	eth(&F, NULL, 0, 0x0800);
	ipv4_udp(&F, 1, 1, 2, 10, 0);
	pb_set16(&F, 14 + 24 + 4, 200);
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_BAD_HEADER);
	/* ARP */
	F.n = 0;
	eth(&F, NULL, 0, 0x0806);
	pb_zero(&F, 28);
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_NOT_IP);
	/* Linux cooked v1 */
	F.n = 0;
	pb_zero(&F, 14);
	pb_u16(&F, 0x0800);
	ipv4_udp(&F, 0x7f000001, 1234, 2055, 6, 0);
	assert_int_equal(parse(DLT_LINUX_SLL, F.n, F.n, &o, &skip), 1);
	assert_int_equal(o.len, 6);
	/* raw IPv6 with a hop-by-hop header, UDP */
	F.n = 0;
	pb_u32(&F, 0x60000000);
	pb_u16(&F, 8 + 8 + 4);
	pb_u8(&F, 0);  /* hop-by-hop */
	pb_u8(&F, 64);
	uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 3 };
	pb_bytes(&F, s6, 16);
	pb_bytes(&F, s6, 16);
	pb_u8(&F, 17); pb_u8(&F, 0); pb_zero(&F, 6);
	pb_u16(&F, 5000); pb_u16(&F, 4739); pb_u16(&F, 12); pb_u16(&F, 0);
	pb_u32(&F, 0xdeadbeef);
	assert_int_equal(parse(DLT_RAW, F.n, F.n, &o, &skip), 1);
	assert_int_equal(o.len, 4);
	assert_int_equal(o.src.port, 5000);
	assert_memory_equal(o.src.addr, s6, 16);
	/* TCP */
	F.n = 0;
	eth(&F, NULL, 0, 0x0800);
	ipv4_udp(&F, 1, 1, 2, 4, 0);
	F.b[14 + 9] = 6;
	assert_int_equal(parse(DLT_EN10MB, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_NOT_UDP);
	/* unknown link type */
	assert_int_equal(parse(147, F.n, F.n, &o, &skip), 0);
	assert_int_equal(skip, NFW_CAPTURE_SKIP_LINKTYPE);
}

static char *
tmpfile_with(const void *data, size_t len, const char *suffix)
{
	static char path[256];
	snprintf(path, sizeof(path), "/tmp/nfw_test_cap_%d%s", (int)getpid(), suffix);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
	return path;
}

static unsigned
count_payloads(const char *path, size_t *lens, unsigned max)
{
	char err[256];
	struct nfw_exporter_addr src;
	memset(&src, 0, sizeof(src));
	struct nfw_capture *c = nfw_capture_open(path, &src, err, sizeof(err));
	assert_non_null(c);
	struct nfw_capture_pkt pkt;
	unsigned n = 0;
	while (nfw_capture_next(c, &pkt) == 1) {
		if (n < max)
			lens[n] = pkt.len;
		n++;
	}
	nfw_capture_close(c);
	return n;
}

static void
test_raw_files(void **state)
{
	(void)state;
	size_t lens[8];
	/* two IPFIX messages (16 and 20 bytes) back to back */
	F.n = 0;
	pb_u16(&F, 10); pb_u16(&F, 16); pb_zero(&F, 12);
	pb_u16(&F, 10); pb_u16(&F, 20); pb_zero(&F, 16);
	char *p = tmpfile_with(F.b, F.n, ".ipfix");
	assert_int_equal(count_payloads(p, lens, 8), 2);
	assert_int_equal(lens[0], 16);
	assert_int_equal(lens[1], 20);
	unlink(p);
	/* two v5 datagrams of 1 and 2 records */
	F.n = 0;
	pb_u16(&F, 5); pb_u16(&F, 1); pb_zero(&F, 20 + 48);
	pb_u16(&F, 5); pb_u16(&F, 2); pb_zero(&F, 20 + 96);
	p = tmpfile_with(F.b, F.n, ".dat");
	assert_int_equal(count_payloads(p, lens, 8), 2);
	assert_int_equal(lens[0], 72);
	assert_int_equal(lens[1], 120);
	unlink(p);
	/* hex lines with comments */
	const char *hex = "# two payloads\n0009 0001\n\n  aabb cc # tail comment\n";
	p = tmpfile_with(hex, strlen(hex), ".hex");
	assert_int_equal(count_payloads(p, lens, 8), 2);
	assert_int_equal(lens[0], 4);
	assert_int_equal(lens[1], 3);
	unlink(p);
	/* a missing file is an error with a message */
	char err[256];
	assert_null(nfw_capture_open("/nonexistent/x.pcap", NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "No such file"));
}

static void
test_pcap_writer_roundtrip(void **state)
{
	(void)state;
	char path[256], err[256];
	snprintf(path, sizeof(path), "/tmp/nfw_test_w_%d.pcap", (int)getpid());
	struct nfw_pcap_writer *w = nfw_pcap_writer_open(path, err, sizeof(err));
	assert_non_null(w);
	uint8_t s4[16], d4[16], s6[16] = { 0x20, 0x01, [15] = 1 }, d6[16] = { 0x20, 0x01, [15] = 2 };
	nfw_flow_addr_set4(s4, 0xc0000201);
	nfw_flow_addr_set4(d4, 0xc0000264);
	uint8_t payload[300];
	for (int i = 0; i < 300; i++)
		payload[i] = (uint8_t)i;
	assert_int_equal(nfw_pcap_writer_put_udp(w, s4, 1111, d4, 2055, payload, 300, 1767225600123ull), 0);
	assert_int_equal(nfw_pcap_writer_put_udp(w, s6, 2222, d6, 4739, payload, 100, 1767225601000ull), 0);
	assert_int_equal(nfw_pcap_writer_put_udp(w, s4, 1, d6, 1, payload, 1, 1), -EINVAL);
	assert_int_equal(nfw_pcap_writer_close(w), 0);

	struct nfw_capture *c = nfw_capture_open(path, NULL, err, sizeof(err));
	assert_non_null(c);
	struct nfw_capture_pkt pkt;
	assert_int_equal(nfw_capture_next(c, &pkt), 1);
	assert_int_equal(pkt.len, 300);
	assert_int_equal(pkt.src.port, 1111);
	assert_int_equal(pkt.dst_port, 2055);
	assert_int_equal(pkt.ts_ms, 1767225600123ull);
	assert_memory_equal(pkt.payload, payload, 300);
	assert_int_equal(nfw_capture_next(c, &pkt), 1);
	assert_int_equal(pkt.len, 100);
	assert_memory_equal(pkt.src.addr, s6, 16);
	assert_int_equal(nfw_capture_next(c, &pkt), 0);
	struct nfw_capture_stats st;
	nfw_capture_stats_get(c, &st);
	assert_int_equal(st.frames, 2);
	assert_int_equal(st.payloads, 2);
	nfw_capture_close(c);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_raw_files),
		cmocka_unit_test(test_pcap_writer_roundtrip),
	};
	return cmocka_run_group_tests_name("capture", tests, NULL, NULL);
}
