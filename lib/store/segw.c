/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segment writer: buffers a block of records, compresses and writes it
 * with its checksums; rotates by event time; a file is written as
 * NAME.current and renamed to NAME after fsync when it closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "seg_format.h"

struct nfw_segw {
	struct nfw_segw_params p;
	char dir[3072];
	char path[4096];     /* final name of the open file */
	char tmp[4200];      /* NAME.current */
	int fd;
	uint64_t window;     /* start of the open file's window, ms */
	uint8_t *raw;        /* block being filled */
	uint8_t *comp;
	size_t comp_cap;
	uint32_t nrec;
	uint64_t first_ms;
	struct nfw_segw_stats st;
};

int
nfw_seg_codec_parse(const char *s)
{
	if (strcmp(s, "none") == 0)
		return NFW_SEG_CODEC_NONE;
	if (strcmp(s, "lz4") == 0)
		return NFW_SEG_CODEC_LZ4;
	if (strcmp(s, "zstd") == 0)
		return NFW_SEG_CODEC_ZSTD;
	return -1;
}

static int
mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

struct nfw_segw *
nfw_segw_open(const struct nfw_segw_params *in, char *err, size_t errlen)
{
	if (in == NULL || in->dir == NULL || strlen(in->dir) >= 3000) {
		snprintf(err, errlen, "segments: a directory is needed");
		return NULL;
	}
	struct nfw_segw *w = calloc(1, sizeof(*w));
	if (w == NULL) {
		snprintf(err, errlen, "segments: out of memory");
		return NULL;
	}
	w->p = *in;
	if (w->p.rotate_s == 0)
		w->p.rotate_s = 300;
	if (w->p.block_records == 0)
		w->p.block_records = 1024;
	if (w->p.block_records > BLK_MAX_RECORDS || w->p.codec > NFW_SEG_CODEC_ZSTD) {
		snprintf(err, errlen, "segments: block_records 1..%d and codec none, lz4 or zstd",
			 BLK_MAX_RECORDS);
		free(w);
		return NULL;
	}
	snprintf(w->dir, sizeof(w->dir), "%s", in->dir);
	w->p.dir = w->dir;
	w->fd = -1;
	size_t raw = (size_t)w->p.block_records * SEG_REC_LEN;
	w->comp_cap = ZSTD_compressBound(raw) > (size_t)LZ4_compressBound((int)raw) ?
		      ZSTD_compressBound(raw) : (size_t)LZ4_compressBound((int)raw);
	w->raw = malloc(raw);
	w->comp = malloc(w->comp_cap);
	int rc = mkdirs(w->dir);
	if (w->raw == NULL || w->comp == NULL || rc != 0) {
		snprintf(err, errlen, "segments: %s: %s", w->dir, rc ? strerror(-rc) : "out of memory");
		free(w->raw);
		free(w->comp);
		free(w);
		return NULL;
	}
	return w;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
file_open(struct nfw_segw *w, uint64_t t_ms)
{
	uint64_t win_ms = (uint64_t)w->p.rotate_s * 1000;
	w->window = t_ms / win_ms * win_ms;
	time_t s = (time_t)(w->window / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	char sub[3200];
	snprintf(sub, sizeof(sub), "%s/%04d/%02d/%02d", w->dir, tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday);
	int rc = mkdirs(sub);
	if (rc != 0)
		return rc;
	snprintf(w->path, sizeof(w->path), "%s/nfwatch.%04d%02d%02d%02d%02d.s%u", sub,
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, w->p.shard);
	snprintf(w->tmp, sizeof(w->tmp), "%s.current", w->path);
	/* a window seen again after a rotation gets a fresh name, never an overwrite */
	for (unsigned k = 1; access(w->path, F_OK) == 0 || access(w->tmp, F_OK) == 0; k++) {
		char base[4096];
		snprintf(base, sizeof(base), "%s/nfwatch.%04d%02d%02d%02d%02d.s%u.%u", sub,
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, w->p.shard, k);
		snprintf(w->path, sizeof(w->path), "%s", base);
		snprintf(w->tmp, sizeof(w->tmp), "%s.current", base);
	}
	w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return -errno;
	uint8_t h[SEG_HDR_LEN];
	memset(h, 0, sizeof(h));
	memcpy(h, SEG_MAGIC, 8);
	le16p(h + 8, SEG_VERSION);
	le16p(h + 10, SEG_HDR_LEN);
	le16p(h + 12, SEG_REC_LEN);
	h[14] = w->p.codec;
	le32p(h + 16, w->p.shard);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	le64p(h + 20, (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000);
	le64p(h + 28, w->window);
	le32p(h + 60, nfw_crc32c(0, h, 60));
	rc = write_all(w->fd, h, sizeof(h));
	if (rc == 0)
		w->st.bytes += sizeof(h);
	return rc;
}

static int
block_write(struct nfw_segw *w)
{
	if (w->nrec == 0)
		return 0;
	size_t raw = (size_t)w->nrec * SEG_REC_LEN;
	const uint8_t *payload = w->raw;
	size_t plen = raw;
	if (w->p.codec == NFW_SEG_CODEC_LZ4) {
		int n = LZ4_compress_default((const char *)w->raw, (char *)w->comp, (int)raw, (int)w->comp_cap);
		if (n > 0) {
			payload = w->comp;
			plen = (size_t)n;
		}
	} else if (w->p.codec == NFW_SEG_CODEC_ZSTD) {
		size_t n = ZSTD_compress(w->comp, w->comp_cap, w->raw, raw, 3);
		if (!ZSTD_isError(n)) {
			payload = w->comp;
			plen = n;
		}
	}
	uint8_t h[BLK_HDR_LEN];
	memcpy(h, BLK_MAGIC, 4);
	le32p(h + 4, w->nrec);
	le32p(h + 8, (uint32_t)raw);
	le32p(h + 12, (uint32_t)plen);
	le64p(h + 16, w->first_ms);
	le32p(h + 24, nfw_crc32c(0, payload, plen));
	le32p(h + 28, nfw_crc32c(0, h, 28));
	int rc = write_all(w->fd, h, sizeof(h));
	if (rc == 0)
		rc = write_all(w->fd, payload, plen);
	if (rc == 0) {
		w->st.blocks++;
		w->st.records += w->nrec;
		w->st.bytes += sizeof(h) + plen;
	} else {
		w->st.write_errors += w->nrec;
	}
	w->nrec = 0;
	return rc;
}

int
nfw_segw_rotate(struct nfw_segw *w)
{
	if (w->fd < 0)
		return 0;
	int rc = block_write(w);
	if (fsync(w->fd) != 0 && rc == 0)
		rc = -errno;
	if (close(w->fd) != 0 && rc == 0)
		rc = -errno;
	w->fd = -1;
	if (rename(w->tmp, w->path) != 0 && rc == 0)
		rc = -errno;
	w->st.files++;
	return rc;
}

int
nfw_segw_put(struct nfw_segw *w, const struct nfw_flow_closed *c)
{
	uint64_t t = c->f.end_ms;
	uint64_t win_ms = (uint64_t)w->p.rotate_s * 1000;
	int rc = 0;

	/* forward only: a flow that closes late goes into the current file */
	if (w->fd >= 0 && t >= w->window + win_ms)
		rc = nfw_segw_rotate(w);
	if (w->fd < 0) {
		int o = file_open(w, t);
		if (o != 0) {
			if (w->fd >= 0)
				close(w->fd);
			w->fd = -1;
			w->st.write_errors++;
			return -EIO;
		}
	}
	if (w->nrec == 0)
		w->first_ms = c->f.start_ms;
	seg_rec_encode(w->raw + (size_t)w->nrec * SEG_REC_LEN, c);
	w->nrec++;
	if (w->nrec == w->p.block_records && block_write(w) != 0)
		rc = -EIO;
	return rc ? -EIO : 0;
}

int
nfw_segw_close(struct nfw_segw *w)
{
	if (w == NULL)
		return 0;
	int rc = nfw_segw_rotate(w);
	free(w->raw);
	free(w->comp);
	free(w);
	return rc ? -EIO : 0;
}

void
nfw_segw_stats_get(const struct nfw_segw *w, struct nfw_segw_stats *s)
{
	*s = w->st;
}
