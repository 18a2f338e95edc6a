/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_DECODE_PRIV_H
#define NFW_DECODE_PRIV_H

/*
 * Internals shared by the decoder files. Layout of a context:
 *
 *   exporters[]   per (address, port): stats, cached per-exporter settings
 *   domains       per (exporter, observation domain): sequence tracker,
 *                 default sampling rate, systemInitTime (IPFIX IE 160)
 *   templates     per (exporter, domain, template id): compiled op tables
 *                 in a preallocated slot arena with a free list
 *   samplers      per (exporter, domain, sampler id): sampling rate
 *   pending       data sets that came before their template
 *
 * All tables are open-addressing hash tables of fixed, power-of-two size
 * (key_table below) allocated at create time; nothing is allocated later.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nfw_decode.h"

/* ---- cursor over untrusted bytes (big-endian readers) ---- */

struct cur {
	const uint8_t *p;
	const uint8_t *end;
};

static inline size_t
cur_left(const struct cur *c)
{
	return (size_t)(c->end - c->p);
}

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return __builtin_bswap32(v);
}

static inline uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return __builtin_bswap64(v);
}

/* Unsigned big-endian integer of 1..8 bytes (reduced-size encoding, RFC 7011 §6.2). */
static inline uint64_t
rd_uint(const uint8_t *p, unsigned len)
{
	switch (len) {
	case 1: return p[0];
	case 2: return rd16(p);
	case 4: return rd32(p);
	case 8: return rd64(p);
	default: break;
	}
	uint64_t v = 0;
	if (len > 8) { /* keep the low 8 bytes of an oversized field */
		p += len - 8;
		len = 8;
	}
	for (unsigned i = 0; i < len; i++)
		v = (v << 8) | p[i];
	return v;
}

/* True when n bytes at p are all zero (exporters pad datagrams with zeros). */
static inline bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* ---- fixed-size open-addressing table: 24-byte key -> uint32 value ---- */

struct tkey {
	uint64_t w[3];
};

struct tslot {
	struct tkey key;
	uint32_t val;
	uint32_t used;
};

struct key_table {
	struct tslot *slots;
	uint32_t mask;
	uint32_t count;
	uint32_t cap;   /* entries allowed (<= half the slots) */
};

int ktab_init(struct key_table *t, uint32_t cap);
void ktab_fini(struct key_table *t);
/* Returns the value or UINT32_MAX. */
uint32_t ktab_find(const struct key_table *t, const struct tkey *k);
/* Insert a new key (must be absent). Returns 0 or -ENOSPC. */
int ktab_insert(struct key_table *t, const struct tkey *k, uint32_t val);
/* Remove a key; returns 0 or -ENOENT. */
int ktab_remove(struct key_table *t, const struct tkey *k);

/* ---- compiled templates ---- */

enum tpl_opcode {
	OP_SKIP = 0,
	OP_SRC4, OP_DST4, OP_NH4, OP_SRC6, OP_DST6, OP_NH6,
	OP_SPORT, OP_DPORT, OP_ICMP, OP_PROTO, OP_TCPFLAGS, OP_TOS,
	OP_BYTES, OP_PKTS, OP_IN_IF, OP_OUT_IF, OP_SRC_AS, OP_DST_AS,
	OP_DIRECTION, OP_END_REASON,
	/* time, start and end */
	OP_START_UP, OP_END_UP,         /* sysUpTime ms (21/22) */
	OP_START_S, OP_END_S,           /* seconds (150/151) */
	OP_START_MS, OP_END_MS,         /* milliseconds (152/153) */
	OP_START_NTP, OP_END_NTP,       /* NTP 64-bit (154..157) */
	OP_START_DUS, OP_END_DUS,       /* delta microseconds before export (158/159) */
	/* sampling in a data or options record */
	OP_SAMPLER_ID, OP_SAMPLING_INT, OP_SAMPLING_PKTI, OP_SAMPLING_SPACE,
	OP_SAMPLING_SIZE, OP_SAMPLING_POP, OP_SEL_TOTAL, OP_SEL_SELECTED,
	OP_SYSINIT_MS,
	OP__COUNT
};

#define TPL_VARLEN 0xffff

/*
 * Fast ops: flow templates with fixed-length fields and no per-record
 * sampling IEs also get a flat form, one load/store per field straight into
 * struct nfw_flow (times land raw in start_ms / end_ms and are converted
 * after the record). kind names the source length and destination width.
 */
enum fast_kind {
	FK_NONE = 0,
	FK_1_1, FK_1_2, FK_1_4, FK_1_8,
	FK_2_1, FK_2_2, FK_2_4, FK_2_8,
	FK_4_1, FK_4_2, FK_4_4, FK_4_8,
	FK_8_1, FK_8_2, FK_8_4, FK_8_8,
	FK_ADDR4,     /* 4 bytes to an IPv4-mapped 16-byte address */
	FK_ADDR16,
	FK_ICMP,      /* type/code into dst_port unless a port was set */
	FK_GENERIC,   /* other lengths: rd_uint, then store by width (len, dst_w) */
};

struct tpl_op {
	uint16_t off;   /* fixed templates: offset of the field in the record */
	uint16_t len;   /* field length, TPL_VARLEN for variable */
	uint8_t code;   /* enum tpl_opcode */
	uint8_t kind;   /* enum fast_kind, when the template has TPL_F_FAST */
	uint8_t dst;    /* fast: offset in struct nfw_flow */
	uint8_t dst_w;  /* fast: destination width in bytes */
};

#define TPL_F_OPTIONS 0x01 /* options template */
#define TPL_F_VARLEN  0x02 /* has variable-length fields: walk every field */
#define TPL_F_FLOW    0x04 /* data records are flows (addresses or counters) */
#define TPL_F_TIME_UP 0x08 /* times are sysUpTime-relative */
#define TPL_F_SAMPLING 0x10 /* records carry a sampler id or rate: resolve per record */
#define TPL_F_FAST    0x20 /* ops have their flat form (see enum fast_kind) */
#define TPL_F_ICMP    0x40 /* has an ICMP type/code op: fills dst_port when it is 0 */

/*
 * The byte-shuffle form of a TPL_F_FAST template (x86 SSSE3): struct
 * nfw_flow is written as 9 chunks (8 x 16 bytes and the last 8), each the
 * set's prototype OR'ed with one or more PSHUFB of 16 record bytes loaded
 * at shuf_src: the mask moves each field byte to its place in the flow,
 * swapping network to host order and zero-extending, in one instruction
 * per 16 bytes instead of one op per field. cnt[c] steps make chunk c.
 * A step reads up to `over` bytes past the record, so the records that
 * close a set run the flat ops instead.
 */
#define TPL_SHUF_MAX 24
#define TPL_SHUF_CHUNKS 9

struct tpl_shuf {
	uint8_t n;                     /* steps; 0: no shuffle form */
	uint8_t over;                  /* bytes read past the record's end */
	uint8_t cnt[TPL_SHUF_CHUNKS];  /* steps of each chunk (>= 1) */
	uint16_t src[TPL_SHUF_MAX];    /* record offset of the step's 16-byte load */
	uint8_t mask[TPL_SHUF_MAX][16] __attribute__((aligned(16)));
};

struct tpl {
	struct tkey key;
	uint64_t records;
	uint64_t arrived_ms;
	uint32_t exp_idx;
	uint32_t domain;
	uint16_t id;
	uint16_t nfields;
	uint16_t nscope;
	uint16_t nops;
	uint16_t min_len;   /* record length with var-len fields at 1 byte */
	uint8_t version;
	uint8_t flags;
	uint8_t start_op;   /* the time kind chosen for flow start (OP_START_*), 0: none */
	uint8_t end_op;
	uint8_t af;         /* 6 when the chosen addresses are IPv6, else 4 */
	uint32_t layout_hash; /* to tell a refresh from an update */
	uint32_t next_free;
	struct tpl_shuf shuf;
	struct tpl_op ops[]; /* nops entries, stride set by max_fields */
};

/* ---- per (exporter, domain) state ---- */

struct seq_state {
	uint32_t next;       /* expected sequence number */
	uint32_t gap;        /* counted lost and not yet refilled by late arrivals */
	uint32_t gap_lo;     /* lowest sequence number of the open gaps */
	uint32_t last_uptime;
	uint64_t last_export_ms;
	uint8_t valid;
	/* IPFIX: how this exporter counts (nfw_seq_check_ipfix) */
	uint8_t conv;        /* seq.c's SEQ_PRE_ALL (RFC 7011) unless the stream shows otherwise */
	uint8_t streak[4];   /* consecutive messages each convention explained */
	uint8_t seen;        /* messages compared, up to 255 */
	uint32_t raw_last;   /* the last message's sequence number as sent */
	uint32_t all_last, flows_last; /* and its data records: all, and flow records only */
};

struct domain_state {
	uint32_t exp_idx;
	uint32_t domain;
	struct seq_state seq;
	uint32_t default_rate;  /* 0: none announced */
	uint64_t sysinit_ms;    /* 0: unknown */
};

struct exporter {
	struct nfw_exporter_addr addr;
	struct nfw_decode_stats st;
	uint64_t first_ms, last_ms;
	uint32_t ntemplates;
	uint32_t ndomains;
	uint32_t last_rate;
	uint32_t override_rate;
	uint16_t version;
};

struct pending_set {
	struct tkey key;       /* template key awaited */
	uint64_t arrived_ms;
	uint64_t export_ms;
	uint32_t uptime_ms;
	uint32_t exp_idx;
	uint32_t domain;
	uint32_t len;
	uint8_t version;
	uint8_t used;
	uint8_t *data;         /* slot of pending_slot_size bytes */
};

struct override {
	uint8_t addr[16];
	uint32_t rate;
};

#define NFW_MAX_OVERRIDES 64

struct nfw_decode {
	struct nfw_decode_params prm;
	struct nfw_decode_stats tot;

	struct exporter *exporters;
	uint32_t nexporters;
	struct key_table exp_tab;
	uint32_t last_exp;          /* one-entry cache, UINT32_MAX when empty */

	struct domain_state *domains;
	uint32_t ndomains;
	uint32_t max_domains;
	struct key_table dom_tab;

	uint8_t *tpl_arena;
	size_t tpl_stride;
	uint32_t tpl_free;          /* head of free list, UINT32_MAX when empty */
	uint32_t tpl_count;
	struct key_table tpl_tab;

	uint32_t *sampler_rate;
	uint32_t nsamplers;
	struct key_table smp_tab;

	struct pending_set *pending;
	uint8_t *pending_arena;
	uint32_t pending_slot_size;
	uint32_t npending;

	struct override overrides[NFW_MAX_OVERRIDES];
	uint32_t noverrides;

	struct nfw_flow *batch;
	uint32_t nout;
	bool simd;                  /* the CPU runs the shuffle form (SSSE3) */
};

/* Message context handed from a header parser to the set decoders. */
struct msg_ctx {
	struct exporter *ex;
	struct domain_state *dom; /* NULL when the domain table is full */
	uint32_t exp_idx;
	uint32_t domain;
	uint64_t export_ms;
	uint64_t now_ms;
	uint32_t uptime_ms;       /* v9 only */
	uint16_t version;         /* 9 or 10 */
	uint64_t data_records;    /* IPFIX: data records in this message */
	uint64_t flow_records;    /* IPFIX: of them, records of flow (not options) templates */
	bool count_unknown;       /* a set could not be counted (no template) */
};

static inline struct tpl *
tpl_at(const struct nfw_decode *d, uint32_t i)
{
	return (struct tpl *)(void *)(d->tpl_arena + (size_t)i * d->tpl_stride);
}

static inline struct tkey
tpl_key(uint32_t exp_idx, uint32_t domain, uint32_t id)
{
	struct tkey k = { { ((uint64_t)exp_idx << 32) | domain, id, 1 } };
	return k;
}

/* counting helpers: every counter lives twice, per exporter and in total */
#define CNT(d, ex, field, n) do { (ex)->st.field += (n); (d)->tot.field += (n); } while (0)
#define CNT_DROP(d, ex, arr, reason) do { (ex)->st.arr[reason]++; (d)->tot.arr[reason]++; } while (0)

/* decode.c */
struct domain_state *nfw_dom_get(struct nfw_decode *d, uint32_t exp_idx, uint32_t domain);
uint32_t nfw_rate_lookup(struct nfw_decode *d, const struct msg_ctx *m, uint64_t sampler_id,
			 bool has_id);
void nfw_sampler_set(struct nfw_decode *d, const struct msg_ctx *m, uint64_t sampler_id,
		     bool has_id, uint32_t rate);
/* Next record slot of the output batch, or NULL (counted batch_full). */
static inline struct nfw_flow *
nfw_out_slot(struct nfw_decode *d, struct exporter *ex)
{
	if (d->nout >= d->prm.batch_size) {
		ex->st.rec_dropped[NFW_DROP_BATCH_FULL]++;
		d->tot.rec_dropped[NFW_DROP_BATCH_FULL]++;
		return NULL;
	}
	return &d->batch[d->nout++];
}
void nfw_finish_rate(struct nfw_decode *d, struct exporter *ex, struct nfw_flow *f,
		     uint32_t rate, bool known);
/* The rate records get: an operator override wins; 0 becomes 1, unknown. */
static inline uint32_t
nfw_effective_rate(const struct exporter *ex, uint32_t rate, bool *known)
{
	if (ex->override_rate != 0) {
		*known = true;
		return ex->override_rate;
	}
	if (rate == 0) {
		*known = false;
		return 1;
	}
	*known = true;
	return rate;
}

/* seq.c */
enum seq_unit { SEQ_PACKETS, SEQ_RECORDS };
void nfw_seq_check(struct nfw_decode *d, struct exporter *ex, struct seq_state *s,
		   uint32_t seq, uint32_t count, uint32_t uptime_ms, bool has_uptime,
		   uint64_t export_ms);
void nfw_seq_check_ipfix(struct nfw_decode *d, struct exporter *ex, struct seq_state *s,
			 uint32_t seq, uint32_t all, uint32_t flows, uint64_t export_ms);

/* v5.c, v9.c, ipfix.c, sflow.c: return 0 or an NFW_DROP_* + 1 */
int nfw_v5_decode(struct nfw_decode *d, struct exporter *ex, const uint8_t *buf, size_t len,
		  uint64_t now_ms);
int nfw_v9_decode(struct nfw_decode *d, struct exporter *ex, uint32_t exp_idx,
		  const uint8_t *buf, size_t len, uint64_t now_ms);
int nfw_ipfix_decode(struct nfw_decode *d, struct exporter *ex, uint32_t exp_idx,
		     const uint8_t *buf, size_t len, uint64_t now_ms);
int nfw_sflow_decode(struct nfw_decode *d, struct exporter *ex, const uint8_t *buf, size_t len,
		     uint64_t now_ms);

/* template.c */
struct tpl_field {
	uint16_t id;
	uint16_t len;
	uint32_t pen;
};
/* Validate and compile; adds/updates the cache and replays pending sets. */
int nfw_tpl_add(struct nfw_decode *d, struct msg_ctx *m, uint16_t id, const struct tpl_field *f,
		uint16_t nfields, uint16_t nscope, bool options);
/* Bound on fields read from one template record, whatever max_fields says. */
#define NFW_TPL_FIELDS_HARD 512
/* Bound on sets walked in one message. */
#define NFW_MAX_SETS 4096
void nfw_tpl_withdraw(struct nfw_decode *d, struct msg_ctx *m, uint16_t id, bool all, bool options);
struct tpl *nfw_tpl_find(struct nfw_decode *d, uint32_t exp_idx, uint32_t domain, uint16_t id);
void nfw_tpl_drop_exporter_cache(struct nfw_decode *d);

/* sets.c */
void nfw_data_set(struct nfw_decode *d, struct msg_ctx *m, uint16_t tid, const uint8_t *p,
		  size_t len);
void nfw_data_set_with(struct nfw_decode *d, struct msg_ctx *m, struct tpl *t, const uint8_t *p,
		       size_t len);
void nfw_pending_replay(struct nfw_decode *d, struct msg_ctx *m, struct tpl *t);
void nfw_pending_age(struct nfw_decode *d, uint64_t now_ms);

/* pkt.c: parse a sampled packet header (sFlow) into a record */
int nfw_pkt_parse(const uint8_t *p, size_t len, unsigned proto, struct nfw_flow *f);

#endif /* NFW_DECODE_PRIV_H */
