/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_NFCAPD_H
#define NFW_NFCAPD_H

/*
 * nfw_nfcapd: nfdump's flow files (nfcapd.YYYYMMDDhhmm, and whatever
 * nfdump -w writes), read into nfwatch's records, so an archive of years
 * of nfcapd files runs through the same commands and detectors.
 *
 * The layout is nfdump 1.7's (file layout 2): a 40-byte file header (magic
 * 0xA50C, the compression of its blocks), then data blocks, each a 12-byte
 * header (records, size, type, flags) and its bytes, compressed with LZO,
 * BZ2, LZ4 or ZSTD unless the block says it is not; blocks of type 3 hold
 * records, and of those the V3 records (type 11) are flows: a 12-byte
 * header and elements (generic flow, IPv4 / IPv6 addresses, interfaces and
 * direction, AS numbers, next hop, the router it came from, ...). Every
 * other record (exporter and sampler descriptions, the appendix's ident
 * and statistics) is skipped and counted. Files are read as they were
 * written: on a little-endian machine (nfdump writes its own byte order;
 * a big-endian file is refused, said so).
 *
 * nfdump 1.6's layout (file layout 1) is refused with the way out: nfdump
 * 1.7 reads it and writes layout 2 (nfdump -r old -w new).
 *
 * Untrusted bytes: every length is checked against what is left before it
 * is used; a damaged block stops the file (what was read stands) and is
 * said; a damaged record ends its block, counted.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nfw_nfcapd_stats {
	uint64_t blocks;          /**< data blocks read */
	uint64_t blocks_other;    /**< of them, not of type 3 (skipped) */
	uint64_t records;         /**< records in type 3 blocks */
	uint64_t flows;           /**< V3 records handed out */
	uint64_t skipped;         /**< other records (exporters, samplers, ident, statistics) */
	uint64_t bad_records;     /**< a record whose length does not fit: the rest of its block is skipped */
	uint8_t compression;      /**< 0 none, 1 LZO, 2 BZ2, 3 LZ4, 4 ZSTD */
};

struct nfw_nfcapd;

/** True when path starts with nfdump's file magic (either byte order, either layout). */
bool nfw_nfcapd_is(const char *path);

/** NULL and a message in err when the file cannot be read as nfdump 1.7's. */
struct nfw_nfcapd *nfw_nfcapd_open(const char *path, char *err, size_t errlen);
/** The same from an open stream (closed by nfw_nfcapd_close, or here on failure); name is for messages. */
struct nfw_nfcapd *nfw_nfcapd_open_stream(FILE *fp, const char *name, char *err, size_t errlen);

/**
 * The next flow: 1 and *out filled, 0 at the end, -EIO when a block is
 * damaged (nfw_nfcapd_error says how; the flows before it stand).
 */
int nfw_nfcapd_next(struct nfw_nfcapd *r, struct nfw_flow *out);

const char *nfw_nfcapd_error(const struct nfw_nfcapd *r);
void nfw_nfcapd_stats_get(const struct nfw_nfcapd *r, struct nfw_nfcapd_stats *st);
/** "none", "lzo", "bz2", "lz4", "zstd" */
const char *nfw_nfcapd_compression_str(unsigned c);
void nfw_nfcapd_close(struct nfw_nfcapd *r);

#ifdef __cplusplus
}
#endif

#endif /* NFW_NFCAPD_H */
