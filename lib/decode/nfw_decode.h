/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_DECODE_H
#define NFW_DECODE_H

/*
 * nfw_decode: NetFlow v5, NetFlow v9 (RFC 3954), IPFIX (RFC 7011) and sFlow v5
 * export datagrams in, normalized `struct nfw_flow` records out.
 *
 * A program decodes in a few lines:
 *
 *	struct nfw_decode *d = nfw_decode_create(NULL);
 *	struct nfw_exporter_addr ex = { .port = 2055 };
 *	nfw_exporter_addr_set4(&ex, 0xc0000201);
 *	unsigned n;
 *	const struct nfw_flow *recs = nfw_decode_datagram(d, buf, len, &ex, now_ms, &n);
 *	...
 *	nfw_decode_free(d);
 *
 * Accounting contract, per exporter and in total, at every moment:
 *
 *	datagrams == decoded + sum(dropped[reason])
 *
 * A datagram is dropped whole when its framing cannot be trusted: a header
 * that does not fit, an unknown version, a message or set length that
 * overruns. Nothing from a dropped datagram is used, not even its templates.
 * Inside a decoded datagram, a set whose content is refused (a malformed
 * template, a data set with no template) is counted in set_dropped[reason];
 * data sets that arrive before their template wait in a small bounded queue
 * (sets_deferred) and are decoded when it comes (sets_replayed) or dropped
 * as no_template when they age out or the queue is full:
 *
 *	sets_deferred == sets_replayed + set_dropped[no_template] (from the queue) + pending
 *
 * Thread-safety: a context is single-threaded. The appliance gives each
 * worker lcore its own context (its own template cache, sampling table and
 * sequence trackers); contexts share nothing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Every reason a datagram, set or record is dropped. X(name, string, help).
 * The enum, the counter names and the CLI / JSON strings all come from here.
 */
#define NFW_DROP_REASONS(X) \
	X(TOO_SHORT,        "too_short",        "datagram shorter than its version's header") \
	X(BAD_VERSION,      "bad_version",      "version field is not 5, 9, 10 or sFlow 5") \
	X(V5_BAD_COUNT,     "v5_bad_count",     "v5 record count is 0, over 30, or disagrees with the length") \
	X(MSG_TRUNCATED,    "msg_truncated",    "IPFIX message length exceeds the datagram") \
	X(BAD_MSG_LENGTH,   "bad_msg_length",   "IPFIX message length shorter than its header") \
	X(TRAILING_BYTES,   "trailing_bytes",   "non-zero bytes after the last IPFIX message") \
	X(BAD_SET_LENGTH,   "bad_set_length",   "set / FlowSet length below 4 or past the message end") \
	X(BAD_SET_ID,       "bad_set_id",       "reserved set id") \
	X(TOO_MANY_SETS,    "too_many_sets",    "more sets in one message than the bound") \
	X(SFLOW_BAD_AGENT,  "sflow_bad_agent",  "sFlow agent address type not IPv4 or IPv6") \
	X(SFLOW_BAD_SAMPLE, "sflow_bad_sample", "sFlow sample or record length overruns") \
	X(EXPORTER_LIMIT,   "exporter_limit",   "exporter table full") \
	X(BAD_TEMPLATE,     "bad_template",     "template malformed: field count, scope count or length") \
	X(TEMPLATE_LIMIT,   "template_limit",   "template refused: per-exporter or total cap reached") \
	X(NO_TEMPLATE,      "no_template",      "data set whose template never arrived") \
	X(SHORT_RECORD,     "short_record",     "data record shorter than its template") \
	X(BATCH_FULL,       "batch_full",       "output batch full: record dropped")

enum nfw_drop_reason {
#define NFW_X_ENUM_(name, str, help) NFW_DROP_##name,
	NFW_DROP_REASONS(NFW_X_ENUM_)
#undef NFW_X_ENUM_
	NFW_DROP__MAX
};

/** The counter / JSON name of a drop reason ("no_template"), or "unknown". */
const char *nfw_drop_reason_str(unsigned reason);
/** One line of help for a drop reason. */
const char *nfw_drop_reason_help(unsigned reason);

/** Counters. All monotonic except templates_active and sets_pending. */
struct nfw_decode_stats {
	uint64_t datagrams;                  /**< datagrams in */
	uint64_t decoded;                    /**< datagrams fully walked */
	uint64_t dropped[NFW_DROP__MAX];     /**< datagrams dropped whole, by reason */
	uint64_t set_dropped[NFW_DROP__MAX]; /**< sets dropped inside decoded datagrams */
	uint64_t rec_dropped[NFW_DROP__MAX]; /**< records dropped (short_record, batch_full) */
	uint64_t records;                    /**< flow records produced */
	uint64_t options_records;            /**< options data records consumed */
	uint64_t messages;                   /**< IPFIX messages (several per datagram possible) */
	uint64_t sets_deferred;              /**< data sets queued awaiting their template */
	uint64_t sets_replayed;              /**< queued sets decoded when the template came */
	uint64_t sets_pending;               /**< queued now */
	uint64_t templates_added;
	uint64_t templates_updated;          /**< same id re-sent with another layout */
	uint64_t templates_refreshed;        /**< same id re-sent unchanged */
	uint64_t templates_withdrawn;
	uint64_t templates_active;           /**< in the cache now */
	uint64_t seq_lost;                   /**< v5/v9/sFlow: datagrams; IPFIX: records */
	uint64_t seq_reordered;
	uint64_t seq_restarts;
	uint64_t seq_resync;                 /**< tracking restarted for lack of a count */
	uint64_t sampling_updates;           /**< sampling announcements applied */
	uint64_t sampled_records;            /**< records scaled by a rate > 1 */
	uint64_t rate_unknown_records;
	uint64_t sflow_flow_samples;
	uint64_t sflow_counter_samples;
	uint64_t sflow_discard_samples;
	uint64_t sflow_unparsed_samples;     /**< flow samples with no usable header */
	uint64_t padding_bytes;              /**< zero fill accepted after the last set */
	uint64_t shuffled_records;           /**< of `records`, decoded by a template's
					          byte-shuffle form (SSSE3) */
};

/** An exporter as the collector sees it: source address and UDP port. */
struct nfw_exporter_addr {
	uint8_t addr[16]; /**< IPv4-mapped for IPv4 */
	uint16_t port;
};

static inline void
nfw_exporter_addr_set4(struct nfw_exporter_addr *e, uint32_t v4_host_order)
{
	nfw_flow_addr_set4(e->addr, v4_host_order);
}

/** Creation parameters; NULL or zero fields take the defaults shown. */
struct nfw_decode_params {
	uint32_t max_exporters;          /**< 1024 */
	uint32_t max_templates;          /**< 4096, all exporters together */
	uint32_t max_templates_per_exp;  /**< 512 */
	uint32_t max_fields;             /**< 256 fields per template (hard cap 512) */
	uint32_t max_samplers;           /**< 4096 */
	uint32_t pending_sets;           /**< 64 queued data sets awaiting a template */
	uint32_t pending_bytes;          /**< 256 KiB of queued set bytes */
	uint32_t pending_max_age_ms;     /**< 60000: queued sets older are dropped */
	uint32_t batch_size;             /**< 8192 records returned per datagram at most */
	uint32_t seq_reorder_window;     /**< 64 datagrams (v5, v9, sFlow) */
	bool flat_only;                  /**< never use the byte-shuffle form of
					      templates (SSSE3): tests compare the two */
};

struct nfw_decode;

/**
 * Create a decoder context. Returns NULL with errno EINVAL (a parameter out
 * of range) or ENOMEM. All memory is allocated here; decoding allocates none.
 */
struct nfw_decode *nfw_decode_create(const struct nfw_decode_params *p);

/** Free a context; NULL is accepted. */
void nfw_decode_free(struct nfw_decode *d);

/**
 * Decode one UDP payload from exporter `ex`, received at `now_ms` (Unix ms).
 * The version field picks the decoder, whatever the port. Returns the records
 * in an array owned by the context, valid until the next call; *n is their
 * count (0 is normal: template-only datagrams, drops). Never fails: every
 * outcome is counted.
 */
const struct nfw_flow *nfw_decode_datagram(struct nfw_decode *d, const uint8_t *buf,
					   size_t len, const struct nfw_exporter_addr *ex,
					   uint64_t now_ms, unsigned *n);

/** Totals over all exporters. */
void nfw_decode_stats_total(const struct nfw_decode *d, struct nfw_decode_stats *out);

/** Number of exporters seen (index 0 .. n-1 for the functions below). */
unsigned nfw_decode_exporter_count(const struct nfw_decode *d);

/** Per-exporter view. */
struct nfw_exporter_info {
	struct nfw_exporter_addr addr;
	uint16_t version;         /**< last version seen (NFW_FLOW_*) */
	uint32_t domains;         /**< observation domains / source ids seen */
	uint32_t sampling;        /**< last rate applied (0 if none announced) */
	uint64_t first_ms, last_ms;
	struct nfw_decode_stats stats;
};

/** Fill `out` for exporter `idx`. Returns 0, or -ENOENT. */
int nfw_decode_exporter_get(const struct nfw_decode *d, unsigned idx, struct nfw_exporter_info *out);

/** One cached template, for `show templates`. */
struct nfw_template_info {
	unsigned exporter_idx;
	uint32_t domain;
	uint16_t id;
	uint16_t fields;
	uint16_t scope_fields;    /**< > 0 for options templates */
	uint16_t record_len;      /**< minimum length (var-len fields count 1) */
	uint8_t version;          /**< 9 or 10 */
	uint8_t options;
	uint64_t records;         /**< records decoded with it */
	uint64_t arrived_ms;
};

/**
 * Walk the template cache: calls fn for each template; stops early when fn
 * returns non-zero. Returns the number visited.
 */
unsigned nfw_decode_templates_walk(const struct nfw_decode *d,
				   int (*fn)(const struct nfw_template_info *t, void *arg), void *arg);

/**
 * Override the sampling rate for every record of an exporter address (any
 * port); rate 0 removes the override. Returns 0, -EINVAL or -ENOSPC.
 */
int nfw_decode_set_sampling_override(struct nfw_decode *d, const uint8_t addr[16], uint32_t rate);

/** An address prefix: home networks, roles, exporter allow-lists. */
struct nfw_prefix {
	uint8_t addr[16]; /**< IPv4-mapped for IPv4 */
	uint8_t len;      /**< in the 128-bit space (an IPv4 /24 is 120) */
};

/** Parse "10.0.0.0/8", "2001:db8::/32" or a bare address; 0 or -1. */
int nfw_prefix_parse(const char *s, struct nfw_prefix *p);
/** True when addr is in any of the n prefixes. */
bool nfw_prefix_match(const struct nfw_prefix *p, unsigned n, const uint8_t addr[16]);

/** Format an address (IPv4-mapped shown as IPv4) into buf; returns buf. */
const char *nfw_addr_str(const uint8_t addr[16], char *buf, size_t len);
/** Format an address and a port, "192.0.2.1:443" or "[2001:db8::1]:443"; returns buf. */
const char *nfw_addr_port_str(const uint8_t addr[16], uint16_t port, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* NFW_DECODE_H */
