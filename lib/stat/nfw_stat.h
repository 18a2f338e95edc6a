/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_STAT_H
#define NFW_STAT_H

/*
 * nfw_stat: nfdump's statistics and aggregation over flow records.
 *
 *   -s FIELD[/ORDER[/ORDER...]]   element statistics: top N values of one field
 *   -s record/ORDER               top N aggregated records (the -A key, else the 5-tuple)
 *   -A FIELD[,FIELD...]           aggregation key (addresses may carry /MASK)
 *   -b / -B                       bidirectional aggregation (-B: the server side, the
 *                                 lower port, is made the destination)
 *   -O ORDER                      order of records or aggregated records
 *   -o fmt:...                    nfdump's format tokens (%ts %sa %byt ...); line, long
 *                                 and extended are nfdump's own formats written in them
 *
 * One aggregation table type serves all of them: a key built from the chosen
 * fields of a record (struct nfw_stat_key, fixed 88 bytes, compared with
 * memcmp), an open-addressing index over a growable entry array (power-of-two
 * slots, linear probing, 32-bit hashes kept in the entries so most probes
 * never touch a key), growing by doubling up to a hard limit of entries.
 * Past the limit an add fails with -ENOSPC and the caller stops with a clear
 * error: memory is bounded by the limit (~160 bytes an entry with its slots).
 *
 * Top N is a bounded min-heap over the entries (n log N), all entries are
 * sorted only for -n 0. Ties are broken by the key, so the output is the
 * same on every run (nfdump leaves tie order to its hash table).
 *
 * Counters follow nfdump: pps = packets / duration, bps = 8 * bytes /
 * duration (duration in seconds from first to last seen; 0 when 0), bpp =
 * bytes / packets. Element statistics of two-sided fields (ip, port, as, if)
 * count a record once for each side, as nfdump does.
 *
 * Not thread-safe: one table per thread.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Aggregation fields (bits of nfw_stat_keydef.fields). */
#define NFW_STAT_K_PROTO    0x0001u
#define NFW_STAT_K_SRCIP    0x0002u
#define NFW_STAT_K_DSTIP    0x0004u
#define NFW_STAT_K_SRCPORT  0x0008u
#define NFW_STAT_K_DSTPORT  0x0010u
#define NFW_STAT_K_SRCAS    0x0020u
#define NFW_STAT_K_DSTAS    0x0040u
#define NFW_STAT_K_INIF     0x0080u
#define NFW_STAT_K_OUTIF    0x0100u
#define NFW_STAT_K_TOS      0x0200u
#define NFW_STAT_K_NEXTHOP  0x0400u
#define NFW_STAT_K_EXPORTER 0x0800u
#define NFW_STAT_K_5TUPLE (NFW_STAT_K_PROTO | NFW_STAT_K_SRCIP | NFW_STAT_K_DSTIP | \
			   NFW_STAT_K_SRCPORT | NFW_STAT_K_DSTPORT)

/** Bidirectional modes. */
enum nfw_stat_bidir {
	NFW_STAT_UNIDIR = 0,
	NFW_STAT_BIDIR,       /**< -b: both directions of a conversation in one entry */
	NFW_STAT_BIDIR_GUESS, /**< -B: as -b, oriented client -> server (lower port) */
};

/** An aggregation key definition. */
struct nfw_stat_keydef {
	uint32_t fields;         /**< NFW_STAT_K_* */
	uint8_t src_mask4, dst_mask4;   /**< prefix lengths applied to IPv4 (32: none) */
	uint8_t src_mask6, dst_mask6;   /**< and to IPv6 (128: none) */
	enum nfw_stat_bidir bidir;
};

/** The key of an aggregated entry: fields not in the key are zero. */
struct nfw_stat_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint8_t nexthop[16];
	uint8_t exporter[16];
	uint32_t src_as, dst_as;
	uint32_t in_if, out_if;
	uint16_t src_port, dst_port;
	uint8_t proto, tos, af, pad_;
};

/** One aggregated entry (or one record, flows = 1). */
struct nfw_stat_entry {
	struct nfw_stat_key key;   /**< oriented as printed (bidir: the first record seen) */
	uint64_t flows;
	uint64_t packets, bytes;   /**< all directions */
	uint64_t in_packets, in_bytes; /**< bidir: key.src -> key.dst; else = packets, bytes */
	uint64_t first_ms, last_ms;
	uint32_t hash;
	uint8_t tcp_flags;         /**< OR of the records' flags */
	uint8_t af;                /**< the first record's family (prints an unkeyed address) */
	uint8_t pad_[2];
};

/** Orders (-s FIELD/ORDER, -O ORDER). */
enum nfw_stat_order {
	NFW_STAT_O_FLOWS,
	NFW_STAT_O_PACKETS,
	NFW_STAT_O_BYTES,
	NFW_STAT_O_PPS,
	NFW_STAT_O_BPS,
	NFW_STAT_O_BPP,
	NFW_STAT_O_TSTART,   /**< ascending */
	NFW_STAT_O_TEND,     /**< ascending */
	NFW_STAT_O__MAX,
};

/** Parse an order name (flows, packets, bytes, pps, bps, bpp, tstart, tend); -1 if unknown. */
int nfw_stat_order_parse(const char *s);
const char *nfw_stat_order_name(enum nfw_stat_order o);

/**
 * Parse an -A list ("srcip,dstport", "srcip4/24,proto", "srcip6/64") into kd.
 * Returns 0, or -1 with a message naming the field in err.
 */
int nfw_stat_keydef_parse(const char *list, struct nfw_stat_keydef *kd, char *err, size_t errlen);

/** Rates of an entry, as nfdump computes them. */
uint64_t nfw_stat_pps(const struct nfw_stat_entry *e);
uint64_t nfw_stat_bps(const struct nfw_stat_entry *e);
uint64_t nfw_stat_bpp(const struct nfw_stat_entry *e);

/** Fill an entry from one record: every key field set, flows 1. */
void nfw_stat_entry_from_flow(const struct nfw_flow *f, struct nfw_stat_entry *e);

/* --- the aggregation table --- */

struct nfw_stat_table;

/**
 * A table aggregating records by kd, holding at most max_entries entries
 * (0: NFW_STAT_DEFAULT_LIMIT). NULL with errno ENOMEM or EINVAL.
 */
#define NFW_STAT_DEFAULT_LIMIT (8u << 20)
struct nfw_stat_table *nfw_stat_table_create(const struct nfw_stat_keydef *kd, size_t max_entries);
void nfw_stat_table_free(struct nfw_stat_table *t);

/** Add a record. 0, or -ENOSPC when a new key would pass the limit (counted, not added). */
int nfw_stat_table_add(struct nfw_stat_table *t, const struct nfw_flow *f);
/** Add a prepared key with one record's counters (element statistics). */
int nfw_stat_table_add_key(struct nfw_stat_table *t, const struct nfw_stat_key *k,
			   const struct nfw_flow *f);
/**
 * n keys at once, key i counting flow f[i] (forward): the same as
 * nfw_stat_table_add_key one by one, with the table's misses overlapped
 * (hashes, then slots, then entries prefetched). 0, or the last error; the
 * keys after an error are still added.
 */
#define NFW_STAT_BURST 32
/** n records into an aggregation table (nfw_stat_table_add each), a burst at a time. */
int nfw_stat_table_add_burst(struct nfw_stat_table *t, const struct nfw_flow *f, unsigned n);
int nfw_stat_table_add_keys(struct nfw_stat_table *t, const struct nfw_stat_key *k, const struct nfw_flow *const *f,
			    unsigned n);

size_t nfw_stat_table_count(const struct nfw_stat_table *t);
/** Keys refused at the limit. */
uint64_t nfw_stat_table_refused(const struct nfw_stat_table *t);
/** Entries in first-seen order (valid until the next add). */
const struct nfw_stat_entry *nfw_stat_table_entries(const struct nfw_stat_table *t);

/**
 * The top n entries by order (n 0: all), into out (n, or all, pointers).
 * Descending for counts and rates, ascending for tstart / tend; ties by key.
 * Returns how many were written. out must hold min(n, count) pointers
 * (count when n is 0).
 */
size_t nfw_stat_top(const struct nfw_stat_entry *e, size_t count, enum nfw_stat_order o, size_t n,
		    const struct nfw_stat_entry **out);

/* --- element statistics (-s) --- */

/** Fields of -s. */
enum nfw_stat_elem {
	NFW_STAT_E_RECORD,
	NFW_STAT_E_SRCIP, NFW_STAT_E_DSTIP, NFW_STAT_E_IP,
	NFW_STAT_E_SRCPORT, NFW_STAT_E_DSTPORT, NFW_STAT_E_PORT,
	NFW_STAT_E_PROTO,
	NFW_STAT_E_SRCNET, NFW_STAT_E_DSTNET, NFW_STAT_E_NET,
	NFW_STAT_E_SRCAS, NFW_STAT_E_DSTAS, NFW_STAT_E_AS,
	NFW_STAT_E_INIF, NFW_STAT_E_OUTIF, NFW_STAT_E_IF,
	NFW_STAT_E_EXPORTER, NFW_STAT_E_NEXTHOP, NFW_STAT_E_TOS,
	NFW_STAT_E__MAX,
};

#define NFW_STAT_MAX_ORDERS 6

/** One -s request. */
struct nfw_stat_spec {
	enum nfw_stat_elem elem;
	enum nfw_stat_order orders[NFW_STAT_MAX_ORDERS];
	unsigned norders;
	uint8_t mask4, mask6;     /**< srcnet / dstnet: default /24 and /64 */
	bool by_proto;            /**< "srcip:p": split by transport protocol too */
};

/** Parse "srcip/bytes", "dstport/flows/packets", "srcnet/24/bytes", "srcip:p/bytes"... 0 or -1 with err. */
int nfw_stat_spec_parse(const char *s, struct nfw_stat_spec *sp, char *err, size_t errlen);
/** nfdump's title of the field ("Src IP Addr", "Dst Port", ...). */
const char *nfw_stat_elem_title(enum nfw_stat_elem e);

/**
 * Add a record to the table of an element statistic (not for RECORD, which
 * uses nfw_stat_table_add with the -A key). Two-sided fields add twice.
 */
int nfw_stat_elem_add(struct nfw_stat_table *t, const struct nfw_stat_spec *sp, const struct nfw_flow *f);
/** The same for n records (at most NFW_STAT_BURST), their table look-ups overlapped. */
int nfw_stat_elem_add_burst(struct nfw_stat_table *t, const struct nfw_stat_spec *sp, const struct nfw_flow *f,
			    unsigned n);

/* --- output --- */

/** Output switches. */
struct nfw_stat_out {
	FILE *fp;
	bool exact;     /**< -N: no 1.2 M scaling, durations in seconds */
	bool quiet;     /**< -q: no headers */
	bool csv;       /**< comma-separated values */
	bool json;      /**< JSON lines */
};

/** nfdump's number scaling: 999999, 1.0 M, 20.1 G, 1.2 T (exact: plain). */
const char *nfw_stat_num(uint64_t v, bool exact, char *buf, size_t len);

/** Print the element statistic sp ordered by o: the title, the header and the rows. */
void nfw_stat_elem_print(const struct nfw_stat_out *out, const struct nfw_stat_spec *sp,
			 enum nfw_stat_order o, const struct nfw_stat_entry *const *rows, size_t n,
			 uint64_t total_flows, uint64_t total_packets, uint64_t total_bytes);

/* A compiled format (-o fmt:..., line, long, extended). */
struct nfw_stat_fmt;

/**
 * Compile a format: "line", "long", "extended" (nfdump's), "bidir" (-b's),
 * or "fmt:%ts %sa ..." with nfdump's tokens. NULL with a message in err
 * naming the unknown token and its column.
 */
struct nfw_stat_fmt *nfw_stat_fmt_compile(const char *spec, char *err, size_t errlen);
void nfw_stat_fmt_free(struct nfw_stat_fmt *f);
/** The header line (column titles). */
void nfw_stat_fmt_header(const struct nfw_stat_fmt *f, const struct nfw_stat_out *out);
/** One row. */
void nfw_stat_fmt_row(const struct nfw_stat_fmt *f, const struct nfw_stat_out *out,
		      const struct nfw_stat_entry *e);

/** Totals for nfdump's summary block. */
struct nfw_stat_summary {
	uint64_t processed, passed;       /**< records read, records that matched */
	uint64_t flows, packets, bytes;   /**< of what is printed (aggregated: the entries') */
	uint64_t first_ms, last_ms;       /**< of the passed records */
	uint64_t win_first_ms, win_last_ms; /**< of every record read */
};

/** Account one record read (passed or not) in s. */
void nfw_stat_summary_read(struct nfw_stat_summary *s, const struct nfw_flow *f, bool passed);
/** Print "Summary: total flows ...", "Time window: ...", "Total flows processed: ...". */
void nfw_stat_summary_print(const struct nfw_stat_out *out, const struct nfw_stat_summary *s);

/** "2026-01-15 12:05:00.000" (local time, as nfdump). */
const char *nfw_stat_time(uint64_t ms, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NFW_STAT_H */
