/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_STORE_H
#define NFW_STORE_H

/*
 * nfw_store: flow segment files, one stream per shard, rotated every N
 * minutes into a directory tree like nfcapd's:
 *
 *   DIR/YYYY/MM/DD/nfwatch.YYYYMMDDhhmm.sSHARD        closed, fsynced
 *   DIR/YYYY/MM/DD/nfwatch.YYYYMMDDhhmm.sSHARD.current being written
 *
 * Format v1 (little-endian):
 *   file header, 64 bytes: magic "NFWSEG\0\1", version, header length,
 *     record length (128), codec (0 none, 1 LZ4, 2 zstd), shard, created
 *     and window start (Unix ms), CRC32C of the header
 *   blocks: a 32-byte header (magic "NFWB", records, raw length, payload
 *     length, first start ms, CRC32C of the payload, CRC32C of the header)
 *     and the payload: records of 128 bytes, compressed by the codec
 *
 * A reader checks every CRC and length. A torn last block (a crash while
 * writing) or a corrupted one is reported with its file offset and skipped;
 * the blocks before and after it are still read (a corrupted block header
 * is skipped by scanning for the next valid block header).
 *
 * The writer runs on its shard's lcore but does file I/O: in the appliance
 * it runs in the shard's flush path, never inside an rx burst.
 */

#include <stddef.h>
#include <stdint.h>

#include "nfw_flowtab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_SEG_CODEC_NONE 0
#define NFW_SEG_CODEC_LZ4  1
#define NFW_SEG_CODEC_ZSTD 2

/** "none", "lz4", "zstd" -> codec; -1 if unknown. */
int nfw_seg_codec_parse(const char *s);

struct nfw_segw_params {
	const char *dir;          /**< root directory (created if missing) */
	uint32_t shard;
	uint32_t rotate_s;        /**< window length, default 300 */
	uint8_t codec;            /**< default LZ4 */
	uint32_t block_records;   /**< records per block, default 1024 (max 4096) */
};

struct nfw_segw_stats {
	uint64_t records;
	uint64_t blocks;
	uint64_t files;           /**< files closed */
	uint64_t bytes;           /**< bytes written */
	uint64_t write_errors;    /**< records lost to I/O errors */
};

struct nfw_segw;

/** NULL with a message in err (directory not writable, bad parameters). */
struct nfw_segw *nfw_segw_open(const struct nfw_segw_params *p, char *err, size_t errlen);

/**
 * Append one closed flow. Files rotate by the flows' end time (event
 * time), forward only: a flow that ends before the current file's window
 * (it closed late) goes into the current file. Returns 0 or -EIO (counted
 * in write_errors; the writer goes on).
 */
int nfw_segw_put(struct nfw_segw *w, const struct nfw_flow_closed *c);

/** Close the current file now (flush, fsync, rename); the next put opens another. */
int nfw_segw_rotate(struct nfw_segw *w);

/** Rotate and free. Returns 0 or -EIO. NULL is accepted. */
int nfw_segw_close(struct nfw_segw *w);

void nfw_segw_stats_get(const struct nfw_segw *w, struct nfw_segw_stats *s);

struct nfw_segr_stats {
	uint64_t records;
	uint64_t blocks;
	uint64_t bad_blocks;      /**< skipped: CRC or length wrong, or torn */
	uint64_t bad_bytes;       /**< bytes skipped with them */
};

struct nfw_segr;

/** Open a segment file; NULL and a message when it is not one. */
struct nfw_segr *nfw_segr_open(const char *path, char *err, size_t errlen);

/**
 * Next record: 1, 0 at the end. Damage is not fatal: the reader skips it,
 * counts it, and nfw_segr_damage() describes the last one ("" if none).
 */
int nfw_segr_next(struct nfw_segr *r, struct nfw_flow_closed *out);
const char *nfw_segr_damage(const struct nfw_segr *r);
void nfw_segr_stats_get(const struct nfw_segr *r, struct nfw_segr_stats *s);
void nfw_segr_close(struct nfw_segr *r);

/** True when the file starts with the segment magic. */
int nfw_seg_is_segment(const char *path);

/**
 * Segment files under dir (recursively), sorted by name: calls fn for
 * each; stops when fn returns non-zero. Returns the count or -errno.
 */
int nfw_store_walk(const char *dir, int (*fn)(const char *path, void *arg), void *arg);
/** The same for the files accept() takes (segments and nfdump's files, for nfwatch-query). */
int nfw_store_walk_files(const char *dir, int (*accept)(const char *path), int (*fn)(const char *path, void *arg),
			 void *arg);

/** CRC32C (Castagnoli) of a buffer (the SSE 4.2 instruction where there is one). */
uint32_t nfw_crc32c(uint32_t crc, const void *buf, size_t len);
/** The same by tables alone (what nfw_crc32c falls back to; the tests hold the two equal). */
uint32_t nfw_crc32c_table(uint32_t crc, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NFW_STORE_H */
