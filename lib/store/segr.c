/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment reader: validates every header, length and checksum; damage is
 * skipped and described, never misread. See nfw_store.h.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <lz4.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "seg_format.h"

#define RESYNC_CHUNK 65536

struct nfw_segr {
	int fd;
	uint64_t off;
	uint64_t size;
	uint8_t codec;
	uint8_t *raw;
	uint8_t *comp;
	size_t comp_cap;
	uint32_t nrec;
	uint32_t cur;
	char damage[512];
	struct nfw_segr_stats st;
};

static int
read_at(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
nfw_seg_is_segment(const char *path)
{
	uint8_t m[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	int ok = read_at(fd, m, 8, 0) == 0 && memcmp(m, SEG_MAGIC, 8) == 0;
	close(fd);
	return ok;
}

struct nfw_segr *
nfw_segr_open(const char *path, char *err, size_t errlen)
{
	struct nfw_segr *r = calloc(1, sizeof(*r));
	uint8_t h[SEG_HDR_LEN];
	struct stat sb;

	if (r == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	r->size = (uint64_t)sb.st_size;
	if (r->size < SEG_HDR_LEN || read_at(r->fd, h, SEG_HDR_LEN, 0) != 0 ||
	    memcmp(h, SEG_MAGIC, 8) != 0) {
		snprintf(err, errlen, "%s: not an nfwatch segment file", path);
		goto fail;
	}
	if (le32g(h + 60) != nfw_crc32c(0, h, 60)) {
		snprintf(err, errlen, "%s: segment header checksum mismatch", path);
		goto fail;
	}
	if (le16g(h + 8) != SEG_VERSION || le16g(h + 10) != SEG_HDR_LEN || le16g(h + 12) != SEG_REC_LEN ||
	    h[14] > NFW_SEG_CODEC_ZSTD) {
		snprintf(err, errlen, "%s: segment format version %u (record %u, codec %u) not supported",
			 path, le16g(h + 8), le16g(h + 12), h[14]);
		goto fail;
	}
	r->codec = h[14];
	r->off = SEG_HDR_LEN;
	size_t raw = (size_t)BLK_MAX_RECORDS * SEG_REC_LEN;
	r->comp_cap = ZSTD_compressBound(raw) > (size_t)LZ4_compressBound((int)raw) ?
		      ZSTD_compressBound(raw) : (size_t)LZ4_compressBound((int)raw);
	r->raw = malloc(raw);
	r->comp = malloc(r->comp_cap);
	if (r->raw == NULL || r->comp == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	return r;
fail:
	nfw_segr_close(r);
	return NULL;
}

static int
header_ok(const uint8_t *h, size_t comp_cap)
{
	if (memcmp(h, BLK_MAGIC, 4) != 0 || le32g(h + 28) != nfw_crc32c(0, h, 28))
		return 0;
	uint32_t n = le32g(h + 4), raw = le32g(h + 8), plen = le32g(h + 12);
	return n >= 1 && n <= BLK_MAX_RECORDS && raw == n * SEG_REC_LEN && plen >= 1 && plen <= comp_cap;
}

/* After a bad block header at `from`: the offset of the next valid one, or size. */
static uint64_t
resync(struct nfw_segr *r, uint64_t from)
{
	static uint8_t buf[RESYNC_CHUNK + BLK_HDR_LEN];
	for (uint64_t pos = from; pos + BLK_HDR_LEN <= r->size; pos += RESYNC_CHUNK) {
		size_t len = RESYNC_CHUNK + BLK_HDR_LEN;
		if (pos + len > r->size)
			len = (size_t)(r->size - pos);
		if (read_at(r->fd, buf, len, pos) != 0)
			break;
		for (size_t i = 0; i + BLK_HDR_LEN <= len; i++)
			if (buf[i] == 'N' && header_ok(buf + i, r->comp_cap))
				return pos + i;
	}
	return r->size;
}

static void
damage(struct nfw_segr *r, uint64_t skipped, const char *fmt, uint64_t off, uint64_t a, uint64_t b)
{
	snprintf(r->damage, sizeof(r->damage), fmt, (unsigned long long)off, (unsigned long long)a,
		 (unsigned long long)b);
	r->st.bad_blocks++;
	r->st.bad_bytes += skipped;
}

/* Load the next good block: 1, or 0 at the end. */
static int
load_block(struct nfw_segr *r)
{
	uint8_t h[BLK_HDR_LEN];

	while (r->off < r->size) {
		uint64_t at = r->off;
		if (r->size - at < BLK_HDR_LEN) {
			damage(r, r->size - at, "torn block at offset %llu: %llu bytes where a header "
			       "needs %llu", at, r->size - at, BLK_HDR_LEN);
			r->off = r->size;
			return 0;
		}
		if (read_at(r->fd, h, BLK_HDR_LEN, at) != 0)
			return 0;
		if (!header_ok(h, r->comp_cap)) {
			uint64_t next = resync(r, at + 1);
			damage(r, next - at, "bad block header at offset %llu: skipped %llu bytes to "
			       "offset %llu", at, next - at, next);
			r->off = next;
			continue;
		}
		uint32_t n = le32g(h + 4), raw = le32g(h + 8), plen = le32g(h + 12);
		if (r->size - at - BLK_HDR_LEN < plen) {
			damage(r, r->size - at, "torn block at offset %llu: %llu payload bytes of %llu "
			       "written", at, r->size - at - BLK_HDR_LEN, plen);
			r->off = r->size;
			return 0;
		}
		r->off = at + BLK_HDR_LEN + plen;
		if (read_at(r->fd, r->comp, plen, at + BLK_HDR_LEN) != 0)
			return 0;
		if (le32g(h + 24) != nfw_crc32c(0, r->comp, plen)) {
			damage(r, BLK_HDR_LEN + plen, "block at offset %llu: payload checksum mismatch "
			       "(%llu records, %llu bytes skipped)", at, n, BLK_HDR_LEN + plen);
			continue;
		}
		bool ok;
		switch (r->codec) {
		case NFW_SEG_CODEC_LZ4:
			ok = LZ4_decompress_safe((const char *)r->comp, (char *)r->raw, (int)plen, (int)raw) == (int)raw;
			break;
		case NFW_SEG_CODEC_ZSTD: {
			size_t d = ZSTD_decompress(r->raw, raw, r->comp, plen);
			ok = !ZSTD_isError(d) && d == raw;
			break;
		}
		default:
			ok = plen == raw;
			if (ok)
				memcpy(r->raw, r->comp, raw);
			break;
		}
		if (!ok) {
			damage(r, BLK_HDR_LEN + plen, "block at offset %llu: does not decompress to "
			       "%llu records (%llu bytes skipped)", at, n, BLK_HDR_LEN + plen);
			continue;
		}
		r->nrec = n;
		r->cur = 0;
		r->st.blocks++;
		return 1;
	}
	return 0;
}

int
nfw_segr_next(struct nfw_segr *r, struct nfw_flow_closed *out)
{
	if (r->cur >= r->nrec && !load_block(r))
		return 0;
	seg_rec_decode(r->raw + (size_t)r->cur * SEG_REC_LEN, out);
	r->cur++;
	r->st.records++;
	return 1;
}

const char *
nfw_segr_damage(const struct nfw_segr *r)
{
	return r->damage;
}

void
nfw_segr_stats_get(const struct nfw_segr *r, struct nfw_segr_stats *s)
{
	*s = r->st;
}

void
nfw_segr_close(struct nfw_segr *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->raw);
	free(r->comp);
	free(r);
}

/* ---- directory walk ---- */

struct walk_list {
	char **v;
	size_t n, cap;
	int err;
	int (*accept)(const char *path);
};

static struct walk_list *walk_cur;

static int
walk_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	struct walk_list *l = walk_cur;
	if (type != FTW_F || !l->accept(path))
		return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 64;
		char **v = realloc(l->v, nc * sizeof(*v));
		if (v == NULL) {
			l->err = -ENOMEM;
			return 1;
		}
		l->v = v;
		l->cap = nc;
	}
	l->v[l->n] = strdup(path);
	if (l->v[l->n] == NULL) {
		l->err = -ENOMEM;
		return 1;
	}
	l->n++;
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
nfw_store_walk(const char *dir, int (*fn)(const char *path, void *arg), void *arg)
{
	return nfw_store_walk_files(dir, nfw_seg_is_segment, fn, arg);
}

int
nfw_store_walk_files(const char *dir, int (*accept)(const char *path), int (*fn)(const char *path, void *arg),
		     void *arg)
{
	struct walk_list l = { .accept = accept };
	walk_cur = &l;
	if (nftw(dir, walk_cb, 32, FTW_PHYS) != 0 && l.err == 0)
		l.err = -errno;
	walk_cur = NULL;
	int rc = l.err;
	if (rc == 0) {
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
		for (size_t i = 0; i < l.n && fn(l.v[i], arg) == 0; i++)
			;
		rc = (int)l.n;
	}
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return rc;
}
