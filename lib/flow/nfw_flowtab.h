/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_FLOWTAB_H
#define NFW_FLOWTAB_H

/*
 * nfw_flowtab: a shard's flow table. It stitches the records an exporter
 * split by its active timeout back into one flow, ages flows out, and
 * hands closed flows to a callback. One table belongs to one shard (one
 * lcore): no locks, no allocation after create.
 *
 * Key: source and destination address and port, protocol, and the shard's
 * id for the exporter (two routers seeing the same conversation keep two
 * flows: adding them would double count).
 *
 * A record for key K:
 *   - no flow for K                      -> a new flow
 *   - a flow for K whose last record ended
 *     at most `stitch_gap_ms` before this
 *     record starts                      -> the record is merged into it
 *   - a flow for K that ended longer ago -> that flow closes (superseded),
 *                                           the record starts a new one
 * A flow closes when a record ends it (flowEndReason idle 1, end of flow 3,
 * forced 4, or TCP FIN / RST without an end reason), when it has seen no
 * record for `idle_ms` of event time (aged), or at a flush. Time is event
 * time: the latest record end the table has seen, so replayed captures age
 * exactly as live traffic would.
 *
 * Memory: max_flows entries of one 64-byte cache line (key, counters,
 * flags, times) and 16 bytes more (sampling, interfaces, ToS), plus an
 * index of 2 x max_flows 8-byte slots: 96 bytes per tracked flow
 * (nfw_flowtab_memory). When the table is full a new flow's record is
 * passed through as its own closed flow and counted (full): never lost.
 * An entry holds up to 2^48 bytes, 2^32 packets, 255 records and 49 days
 * between first and last: a record that would overflow one closes it
 * (limit) and opens the next; a record beyond that alone passes through
 * (limit). Sums stay exact.
 */

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Why a flow left the table. */
#define NFW_FLOW_CLOSE_REASONS(X) \
	X(END,        "end",        "a record ended it (end reason, FIN or RST)") \
	X(AGED,       "aged",       "no record for idle_ms of event time") \
	X(SUPERSEDED, "superseded", "a later record of the same key started a new flow") \
	X(FULL,       "full",       "table full: the record passed through unstitched") \
	X(FLUSH,      "flush",      "flushed at stop or rotation") \
	X(LIMIT,      "limit",      "an entry's counters or span would overflow: closed, the record starts the next")

enum nfw_flow_close {
#define NFW_X_CL_ENUM_(n, s, h) NFW_FLOW_CLOSE_##n,
	NFW_FLOW_CLOSE_REASONS(NFW_X_CL_ENUM_)
#undef NFW_X_CL_ENUM_
	NFW_FLOW_CLOSE__MAX
};

const char *nfw_flow_close_str(unsigned reason);

/** A closed flow: the stitched record plus how many records made it. */
struct nfw_flow_closed {
	struct nfw_flow f;     /**< counters summed, first start .. last end */
	uint32_t records;
	uint8_t reason;        /**< enum nfw_flow_close */
};

typedef void (*nfw_flowtab_emit_fn)(const struct nfw_flow_closed *c, void *arg);

struct nfw_flowtab_params {
	uint32_t max_flows;       /**< default 1 M */
	uint32_t idle_ms;         /**< age out after this much event time, default 60 000 */
	uint32_t stitch_gap_ms;   /**< default 2 000 */
	uint32_t max_exporters;   /**< default 1024 */
	nfw_flowtab_emit_fn emit; /**< required */
	void *emit_arg;
};

struct nfw_flowtab_stats {
	uint64_t records;        /**< records in */
	uint64_t created;
	uint64_t merged;         /**< records stitched into an existing flow */
	uint64_t closed[NFW_FLOW_CLOSE__MAX];
	uint64_t active;         /**< flows in the table now */
	uint64_t exporter_full;  /**< records whose exporter did not fit: passed through */
};

struct nfw_flowtab;

/** NULL with errno EINVAL (no emit, sizes out of range) or ENOMEM. */
struct nfw_flowtab *nfw_flowtab_create(const struct nfw_flowtab_params *p);
void nfw_flowtab_free(struct nfw_flowtab *t);

/** Take one record (counts already scaled). Closed flows go to emit. */
void nfw_flowtab_add(struct nfw_flowtab *t, const struct nfw_flow *r);

#define NFW_FLOWTAB_BURST 32

/**
 * Take n records, in order, as nfw_flowtab_add would, with the table's
 * cache misses overlapped (hash, prefetch the slots, prefetch the entries,
 * then add). The same results as n calls of nfw_flowtab_add.
 */
void nfw_flowtab_add_burst(struct nfw_flowtab *t, const struct nfw_flow *r, unsigned n);

/**
 * Age out flows idle for idle_ms of event time, looking at most `budget`
 * slots from where the last call stopped (bounded work for a worker loop).
 * Returns the flows closed.
 */
unsigned nfw_flowtab_age(struct nfw_flowtab *t, unsigned budget);

/** Close and emit every flow (reason flush). */
void nfw_flowtab_flush(struct nfw_flowtab *t);

/**
 * Look at the open flows without changing them: visits up to `budget` slots
 * from `cursor` (start at 0), calling fn with each flow as it stands
 * (reason FLUSH, not counted as closed). Returns the cursor to continue
 * from; *done is true once the whole table was seen. A scan in slices of a
 * few thousand slots keeps a worker's loop short (`show flows top`).
 */
uint32_t nfw_flowtab_scan(const struct nfw_flowtab *t, uint32_t cursor, unsigned budget,
			  void (*fn)(const struct nfw_flow_closed *c, void *arg), void *arg, bool *done);

void nfw_flowtab_stats_get(const struct nfw_flowtab *t, struct nfw_flowtab_stats *s);

/** Bytes the table holds (index, entries, exporter map). */
size_t nfw_flowtab_memory(const struct nfw_flowtab *t);

#ifdef __cplusplus
}
#endif

#endif /* NFW_FLOWTAB_H */
