/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfdump 1.7 files (nfw_nfcapd.h): the file header, then block by block:
 * read it whole, decompress it into the second buffer (LZO, BZ2, LZ4 or
 * ZSTD, by the file header, unless the block is flagged uncompressed),
 * then walk its records, a V3 record's elements one by one. Field offsets
 * are nfdump 1.7's element layouts (src/lib/nfxV3.h), read byte by byte
 * from the little-endian file, never by casting the buffer.
 */
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzo/lzo1x.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "nfw_nfcapd.h"

#define FILE_HEADER 40
#define BLOCK_HEADER 12
#define BLOCK_MAX (16u << 20)     /* nfdump's blocks are at most 5 MB; anything past this is damage */
#define V3_RECORD 11
#define V3_HEADER 12

struct nfw_nfcapd {
	FILE *fp;
	uint8_t *raw, *plain;         /* a block as read, and decompressed */
	size_t len, off;              /* the current block's records: length, next record */
	uint8_t compression;
	uint64_t block_no;
	struct nfw_nfcapd_stats st;
	char err[256];
};

static inline uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t
le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* an IPv6 address as nfdump keeps it: two 64-bit halves, each in host order */
static void
addr6(uint8_t out[16], const uint8_t *p)
{
	for (int h = 0; h < 2; h++) {
		uint64_t v = le64(p + 8 * h);
		for (int i = 0; i < 8; i++)
			out[8 * h + i] = (uint8_t)(v >> (56 - 8 * i));
	}
}

const char *
nfw_nfcapd_compression_str(unsigned c)
{
	static const char *const s[] = { "none", "lzo", "bz2", "lz4", "zstd" };
	return c < 5 ? s[c] : "unknown";
}

bool
nfw_nfcapd_is(const char *path)
{
	uint8_t m[2];
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		return false;
	bool is = fread(m, 1, 2, fp) == 2 && ((m[0] == 0x0c && m[1] == 0xa5) || (m[0] == 0xa5 && m[1] == 0x0c));
	fclose(fp);
	return is;
}

struct nfw_nfcapd *
nfw_nfcapd_open(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	return nfw_nfcapd_open_stream(fp, path, err, errlen);
}

struct nfw_nfcapd *
nfw_nfcapd_open_stream(FILE *fp, const char *path, char *err, size_t errlen)
{
	uint8_t h[FILE_HEADER];
	size_t got = fread(h, 1, sizeof(h), fp);
	const char *why = NULL;
	if (got < 4 || le16(h) != 0xa50c)
		why = got >= 2 && h[0] == 0xa5 && h[1] == 0x0c ? "an nfdump file written on a big-endian machine: not supported"
								  : "not an nfdump file";
	else if (le16(h + 2) == 1)
		why = "nfdump 1.6's file layout: not supported (nfdump 1.7 converts it: nfdump -r OLD -w NEW)";
	else if (le16(h + 2) != 2)
		why = "an nfdump file layout this version does not know";
	else if (got < sizeof(h))
		why = "its file header is cut short";
	else if (h[17] != 0)
		why = "an encrypted nfdump file: not supported";
	else if (h[16] > 4)
		why = "an nfdump file compressed in a way this version does not know";
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		fclose(fp);
		return NULL;
	}
	struct nfw_nfcapd *r = calloc(1, sizeof(*r));
	if (r != NULL) {
		r->raw = malloc(BLOCK_MAX);
		r->plain = malloc(BLOCK_MAX);
	}
	if (r == NULL || r->raw == NULL || r->plain == NULL || (h[16] == 1 && lzo_init() != LZO_E_OK)) {
		snprintf(err, errlen, "%s: out of memory", path);
		nfw_nfcapd_close(r);
		fclose(fp);
		return NULL;
	}
	r->fp = fp;
	r->compression = h[16];
	r->st.compression = h[16];
	return r;
}

/* The block's bytes decompressed into r->plain: its length, or -1 with r->err said. */
static long
decompress(struct nfw_nfcapd *r, size_t n)
{
	switch (r->compression) {
	case 1: {
		lzo_uint out = BLOCK_MAX;
		if (lzo1x_decompress_safe(r->raw, n, r->plain, &out, NULL) != LZO_E_OK)
			break;
		return (long)out;
	}
	case 2: {
		bz_stream bs;
		memset(&bs, 0, sizeof(bs));
		if (BZ2_bzDecompressInit(&bs, 0, 0) != BZ_OK)
			break;
		bs.next_in = (char *)r->raw;
		bs.avail_in = (unsigned)n;
		bs.next_out = (char *)r->plain;
		bs.avail_out = BLOCK_MAX;
		int rc = BZ2_bzDecompress(&bs);
		long out = (long)(BLOCK_MAX - bs.avail_out);
		BZ2_bzDecompressEnd(&bs);
		if (rc != BZ_STREAM_END)
			break;
		return out;
	}
	case 3: {
		int out = LZ4_decompress_safe((const char *)r->raw, (char *)r->plain, (int)n, BLOCK_MAX);
		if (out < 0)
			break;
		return out;
	}
	case 4: {
		size_t out = ZSTD_decompress(r->plain, BLOCK_MAX, r->raw, n);
		if (ZSTD_isError(out))
			break;
		return (long)out;
	}
	}
	snprintf(r->err, sizeof(r->err), "block %llu: its %s data does not decompress",
		 (unsigned long long)r->block_no, nfw_nfcapd_compression_str(r->compression));
	return -1;
}

/* The next block of records into r->plain: 1, 0 at the end, -EIO damaged. */
static int
next_block(struct nfw_nfcapd *r)
{
	for (;;) {
		uint8_t h[BLOCK_HEADER];
		size_t got = fread(h, 1, sizeof(h), r->fp);
		if (got == 0)
			return 0;
		r->block_no++;
		uint32_t size = le32(h + 4);
		uint16_t type = le16(h + 8), flags = le16(h + 10);
		if (got < sizeof(h) || size > BLOCK_MAX) {
			snprintf(r->err, sizeof(r->err), "block %llu: %s", (unsigned long long)r->block_no,
				 got < sizeof(h) ? "its header is cut short" : "a size past any block nfdump writes");
			return -EIO;
		}
		if (fread(r->raw, 1, size, r->fp) != size) {
			snprintf(r->err, sizeof(r->err), "block %llu: cut short (%u bytes announced)",
				 (unsigned long long)r->block_no, size);
			return -EIO;
		}
		r->st.blocks++;
		if (type != 3) { /* type 2 (1.6 records) or an unknown kind */
			r->st.blocks_other++;
			continue;
		}
		if (r->compression == 0 || (flags & 1)) {
			memcpy(r->plain, r->raw, size);
			r->len = size;
		} else {
			long n = decompress(r, size);
			if (n < 0)
				return -EIO;
			r->len = (size_t)n;
		}
		r->off = 0;
		return 1;
	}
}

/* A V3 record (length n, checked) into out: false when it has no addresses (not a flow). */
static bool
v3_flow(const uint8_t *p, size_t n, struct nfw_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->sampling = 1;
	f->version = p[11] == 5 || p[11] == 9 || p[11] == 10 ? p[11] : 0;
	unsigned elements = le16(p + 4);
	size_t o = V3_HEADER;
	bool addr = false;
	for (unsigned e = 0; e < elements && o + 4 <= n; e++) {
		uint16_t type = le16(p + o), len = le16(p + o + 2);
		if (len < 4 || len > n - o)
			break;
		const uint8_t *x = p + o + 4;
		size_t xl = len - 4u;
		switch (type) {
		case 1: /* EXgenericFlow */
			if (xl >= 48) {
				f->start_ms = le64(x);
				f->end_ms = le64(x + 8);
				f->packets = le64(x + 24);
				f->bytes = le64(x + 32);
				f->src_port = le16(x + 40);
				f->dst_port = le16(x + 42);
				f->proto = x[44];
				f->tcp_flags = x[45];
				f->tos = x[47];
			}
			break;
		case 2: /* EXipv4Flow */
			if (xl >= 8) {
				nfw_flow_addr_set4(f->src_addr, le32(x));
				nfw_flow_addr_set4(f->dst_addr, le32(x + 4));
				f->af = 4;
				addr = true;
			}
			break;
		case 3: /* EXipv6Flow */
			if (xl >= 32) {
				addr6(f->src_addr, x);
				addr6(f->dst_addr, x + 16);
				f->af = 6;
				addr = true;
			}
			break;
		case 4: /* EXflowMisc */
			if (xl >= 14) {
				f->in_if = le32(x);
				f->out_if = le32(x + 4);
				f->direction = x[10];
				f->end_reason = x[13];
			}
			break;
		case 7: /* EXasRouting */
			if (xl >= 8) {
				f->src_as = le32(x);
				f->dst_as = le32(x + 4);
			}
			break;
		case 10: /* EXipNextHopV4 */
			if (xl >= 4)
				nfw_flow_addr_set4(f->nexthop, le32(x));
			break;
		case 11: /* EXipNextHopV6 */
			if (xl >= 16)
				addr6(f->nexthop, x);
			break;
		case 12: /* EXipReceivedV4: the router it came from */
			if (xl >= 4)
				nfw_flow_addr_set4(f->exporter, le32(x));
			break;
		case 13: /* EXipReceivedV6 */
			if (xl >= 16)
				addr6(f->exporter, x);
			break;
		default: /* counters out, VLANs, MPLS, MACs, NSEL / NEL, payload: not nfwatch's */
			break;
		}
		o += len;
	}
	if (f->end_ms < f->start_ms)
		f->end_ms = f->start_ms;
	return addr;
}

int
nfw_nfcapd_next(struct nfw_nfcapd *r, struct nfw_flow *out)
{
	for (;;) {
		while (r->off + 4 <= r->len) {
			const uint8_t *p = r->plain + r->off;
			uint16_t type = le16(p), size = le16(p + 2);
			if (size < 4 || size > r->len - r->off || (type == V3_RECORD && size < V3_HEADER)) {
				r->st.bad_records++;
				r->off = r->len;
				break;
			}
			r->off += size;
			r->st.records++;
			if (type == V3_RECORD && v3_flow(p, size, out)) {
				r->st.flows++;
				return 1;
			}
			r->st.skipped++;
		}
		int rc = next_block(r);
		if (rc <= 0)
			return rc;
	}
}

const char *
nfw_nfcapd_error(const struct nfw_nfcapd *r)
{
	return r->err;
}

void
nfw_nfcapd_stats_get(const struct nfw_nfcapd *r, struct nfw_nfcapd_stats *st)
{
	*st = r->st;
}

void
nfw_nfcapd_close(struct nfw_nfcapd *r)
{
	if (r == NULL)
		return;
	if (r->fp != NULL)
		fclose(r->fp);
	free(r->raw);
	free(r->plain);
	free(r);
}
