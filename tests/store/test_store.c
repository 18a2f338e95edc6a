/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow segments: write across rotation windows and read back equal with
 * each codec; a torn last block, a corrupted payload and a corrupted block
 * header are each reported with their offset while every good block is
 * still read; a file left .current by a crash reads up to its last block.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nfw_store.h"

#define N 5000

static struct nfw_flow_closed mkrec(unsigned i)
{
	struct nfw_flow_closed c;
	memset(&c, 0, sizeof(c));
	nfw_flow_addr_set4(c.f.src_addr, 0x0a000000 + i);
	c.f.dst_addr[0] = 0x20; c.f.dst_addr[1] = 0x01; c.f.dst_addr[15] = (uint8_t)i;
	nfw_flow_addr_set4(c.f.exporter, 0xc0000201);
	c.f.bytes = 1000ull * i + 7;
	c.f.packets = i + 1;
	c.f.start_ms = 1768478400000ull + (uint64_t)i * 40;
	c.f.end_ms = c.f.start_ms + 500;        /* 5000 x 40 ms = 200 s: 4 windows of 60 s */
	c.f.sampling = 1 + i % 3;
	c.f.in_if = i;
	c.f.out_if = i + 1;
	c.f.domain = 7;
	c.f.src_as = 64500;
	c.f.dst_as = 64501;
	c.f.src_port = (uint16_t)i;
	c.f.dst_port = 443;
	c.f.exporter_port = 2055;
	c.f.version = NFW_FLOW_IPFIX;
	c.f.proto = 6;
	c.f.tcp_flags = 0x1b;
	c.f.end_reason = 3;
	c.f.af = 4;
	c.f.tos = 0x20;
	c.f.flags = 1;
	c.records = 1 + i % 5;
	c.reason = (uint8_t)(i % 5);
	return c;
}

static char root[256];

struct readall {
	unsigned n;
	unsigned files;
	unsigned bad;
	char damage[512];
	int check_equal;
};

static int
read_file(const char *path, void *arg)
{
	struct readall *ra = arg;
	char err[512];
	struct nfw_segr *r = nfw_segr_open(path, err, sizeof(err));
	assert_non_null(r);
	struct nfw_flow_closed c;
	while (nfw_segr_next(r, &c) == 1) {
		if (ra->check_equal) {
			struct nfw_flow_closed want = mkrec(ra->n);
			assert_memory_equal(&c, &want, sizeof(c));
		}
		ra->n++;
	}
	struct nfw_segr_stats st;
	nfw_segr_stats_get(r, &st);
	ra->bad += (unsigned)st.bad_blocks;
	if (st.bad_blocks)
		snprintf(ra->damage, sizeof(ra->damage), "%s", nfw_segr_damage(r));
	ra->files++;
	nfw_segr_close(r);
	return 0;
}

static void
write_all(uint8_t codec, unsigned n, int close_it, uint32_t rotate_s)
{
	char err[256];
	struct nfw_segw_params p = { .dir = root, .shard = 3, .rotate_s = rotate_s, .codec = codec,
				     .block_records = 256 };
	struct nfw_segw *w = nfw_segw_open(&p, err, sizeof(err));
	assert_non_null(w);
	for (unsigned i = 0; i < n; i++) {
		struct nfw_flow_closed c = mkrec(i);
		assert_int_equal(nfw_segw_put(w, &c), 0);
	}
	struct nfw_segw_stats s;
	nfw_segw_stats_get(w, &s);
	if (close_it) {
		assert_int_equal(nfw_segw_close(w), 0);
	} else {
		/* a crash: nothing more is written, the handle is lost */
		free(NULL);
	}
	(void)s;
}

static void
fresh_root(const char *tag)
{
	char cmd[600];
	snprintf(root, sizeof(root), "/tmp/nfw_test_store_%d_%s", (int)getpid(), tag);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
}

static void
test_roundtrip_codecs(void **state)
{
	(void)state;
	static const char *names[] = { "none", "lz4", "zstd" };
	for (int codec = 0; codec < 3; codec++) {
		fresh_root(names[codec]);
		write_all((uint8_t)codec, N, 1, 60);
		struct readall ra = { .check_equal = 1 };
		int files = nfw_store_walk(root, read_file, &ra);
		print_message("%s: %d files, %u records\n", names[codec], files, ra.n);
		assert_int_equal(files, 4); /* 200 s of flows in 60 s windows */
		assert_int_equal(ra.n, N);
		assert_int_equal(ra.bad, 0);
	}
	/* the nfcapd-like layout: DIR/YYYY/MM/DD/nfwatch.YYYYMMDDhhmm.sSHARD */
	char p[512];
	snprintf(p, sizeof(p), "%s/2026/01/15/nfwatch.202601151200.s3", root);
	assert_int_equal(access(p, F_OK), 0);
}

static char first_file[512];
static int
first(const char *path, void *arg)
{
	(void)arg;
	snprintf(first_file, sizeof(first_file), "%s", path);
	return 1;
}

static long
file_size(const char *p)
{
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	return (long)sb.st_size;
}

static void
test_torn_and_corrupted(void **state)
{
	(void)state;
	fresh_root("damage");
	write_all(NFW_SEG_CODEC_LZ4, 1500, 1, 3600); /* one file: 1500 records, 6 blocks of 256 */
	nfw_store_walk(root, first, NULL);
	struct readall ra = { 0 };
	read_file(first_file, &ra);
	unsigned total = ra.n;
	assert_int_equal(total, 1500);

	/* torn: cut 10 bytes off the end */
	long sz = file_size(first_file);
	assert_int_equal(truncate(first_file, sz - 10), 0);
	memset(&ra, 0, sizeof(ra));
	read_file(first_file, &ra);
	print_message("torn: %u records, %s\n", ra.n, ra.damage);
	assert_int_equal(ra.n, 1500 - 1500 % 256); /* the last block (220 records) is gone */
	assert_int_equal(ra.bad, 1);
	assert_non_null(strstr(ra.damage, "torn block at offset"));

	/* corrupted payload of the second block: skipped, the others read */
	fresh_root("damage2");
	write_all(NFW_SEG_CODEC_NONE, 1500, 1, 3600);
	nfw_store_walk(root, first, NULL);
	long blk = 64 + 32 + 256 * 128; /* second block header offset */
	int fd = open(first_file, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "X", 1, blk + 32 + 1000), 1);
	memset(&ra, 0, sizeof(ra));
	read_file(first_file, &ra);
	print_message("corrupt payload: %u records, %s\n", ra.n, ra.damage);
	assert_int_equal(ra.n, 1500 - 256);
	assert_int_equal(ra.bad, 1);
	char want[64];
	snprintf(want, sizeof(want), "block at offset %ld", blk);
	assert_non_null(strstr(ra.damage, want));
	/* corrupted header of the third block: resync to the fourth */
	long blk3 = blk + 32 + 256 * 128;
	assert_int_equal(pwrite(fd, "ZZZZ", 4, blk3), 4);
	close(fd);
	memset(&ra, 0, sizeof(ra));
	read_file(first_file, &ra);
	print_message("corrupt header: %u records, %s\n", ra.n, ra.damage);
	assert_int_equal(ra.n, 1500 - 2 * 256);
	assert_int_equal(ra.bad, 2);
}

static void
test_crash_current(void **state)
{
	(void)state;
	fresh_root("crash");
	char err[256];
	struct nfw_segw_params p = { .dir = root, .shard = 0, .rotate_s = 3600, .block_records = 100 };
	struct nfw_segw *w = nfw_segw_open(&p, err, sizeof(err));
	for (unsigned i = 0; i < 250; i++) {
		struct nfw_flow_closed c = mkrec(i);
		nfw_segw_put(w, &c);
	}
	/* no close: blocks of 100 were written, 50 records were still in memory */
	struct readall ra = { .check_equal = 1 };
	int files = nfw_store_walk(root, read_file, &ra);
	assert_int_equal(files, 1);
	assert_int_equal(ra.n, 200);
	assert_int_equal(ra.bad, 0);
	nfw_segw_close(w); /* now the rest, renamed */
	memset(&ra, 0, sizeof(ra));
	files = nfw_store_walk(root, read_file, &ra);
	assert_int_equal(files, 1);
	assert_int_equal(ra.n, 250);
	/* not a segment */
	assert_null(nfw_segr_open("/etc/hostname", err, sizeof(err)));
	assert_non_null(strstr(err, "not an nfwatch segment"));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf /tmp/nfw_test_store_%d_*", (int)getpid());
	assert_int_equal(system(cmd), 0);
}

/* the instruction's three streams and the tables give one CRC, at every length and split */
static void
test_crc32c(void **state)
{
	(void)state;
	/* the check value of "123456789" (RFC 3720's CRC32C) */
	assert_int_equal(nfw_crc32c(0, "123456789", 9), 0xe3069283u);
	assert_int_equal(nfw_crc32c_table(0, "123456789", 9), 0xe3069283u);
	static uint8_t buf[40000];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof(buf); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	static const size_t lens[] = { 0, 1, 7, 8, 9, 4095, 12287, 12288, 12289, 24576 + 13, 40000 };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint32_t hw = nfw_crc32c(0, buf, lens[i]), sw = nfw_crc32c_table(0, buf, lens[i]);
		assert_int_equal(hw, sw);
		/* in two pieces: the running form */
		size_t h = lens[i] / 3;
		assert_int_equal(nfw_crc32c(nfw_crc32c(0, buf, h), buf + h, lens[i] - h), sw);
		assert_int_equal(nfw_crc32c(0, buf + 1, lens[i] ? lens[i] - 1 : 0),
				 nfw_crc32c_table(0, buf + 1, lens[i] ? lens[i] - 1 : 0)); /* unaligned */
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_roundtrip_codecs),
		cmocka_unit_test(test_torn_and_corrupted),
		cmocka_unit_test(test_crash_current),
	};
	return cmocka_run_group_tests_name("store", tests, NULL, NULL);
}
