/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFWQ_STORED_READ_H
#define NFWQ_STORED_READ_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "nfw_flow.h"

/*
 * Stored flows, nfwatch's segments and nfdump's files, read on a thread of
 * their own: it opens, checks, decompresses and decodes them into batches
 * of records, which the calling thread takes in order and hands to sink one
 * record at a time (session: a segment's stitched session, else a record
 * as an exporter sent it). Reading, checksums and LZ4 / LZO / BZ2 / ZSTD
 * then overlap the filter, the statistics and the detectors on the second
 * core (bench/RESULTS.md). What each file held, and its damage, is counted
 * in the stats and said on stderr as it is found.
 */
struct stored_stats {
	uint64_t files, blocks, flows, bad_blocks, bad_bytes;             /* segments */
	uint64_t nf_files, nf_blocks, nf_flows, nf_skipped, nf_bad_records; /* nfdump's files */
	int damaged;
};

/** True for a segment file or one of nfdump's. */
int stored_file(const char *path);

/**
 * Every stored file of path (a directory walked in name order, or one
 * file) through sink, until the end or *stop is set (by sink, or a
 * signal). 0, or -errno when the directory cannot be walked; *found is the
 * count of files.
 */
int stored_read(const char *path, void (*sink)(const struct nfw_flow *f, bool session, void *arg), void *arg,
		volatile sig_atomic_t *stop, struct stored_stats *st, unsigned *found);

#endif
