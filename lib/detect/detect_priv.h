/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_DETECT_PRIV_H
#define NFW_DETECT_PRIV_H

#include <stddef.h>
#include <string.h>

#include "nfw_decode.h"
#include "nfw_detect.h"
#include "nfw_sketch.h"

#define DETECT_MAX_FINDINGS 10000
#define DETECT_CLOCKS 64

struct beacon_state;
struct fanout_state;
struct exfil_state;
struct dns_state;
struct vol_state;

struct nfw_detect {
	struct nfw_detect_config cfg;
	struct nfw_detect_stats st;
	struct beacon_state *beacon;
	struct fanout_state *fanout;
	struct exfil_state *exfil;
	struct dns_state *dns;
	struct vol_state *vol;
	struct nfw_finding *findings;
	unsigned nfindings;
	uint32_t run_cursor;   /* a run in slices: the next beaconing tuple */
	bool run_rest_done;
	struct nfw_finding *retired; /* findings of entities dropped as idle: a ring */
	unsigned nretired, retired_next;
	/* the detectors' clock (detect_clock): each exporter's newest flow end */
	struct dclock {
		uint8_t addr[16];
		uint16_t port;
		uint64_t end_ms;
		uint64_t flows;    /* since the last run: its weight */
	} clk[DETECT_CLOCKS];
	unsigned nclk, clk_last;
	uint64_t now_ms;       /* set at the start of each run */
};

#define DETECT_RETIRED_MAX 1024

static inline bool
is_home(const struct nfw_detect *d, const uint8_t a[16])
{
	return nfw_prefix_match(d->cfg.home, d->cfg.nhome, a);
}

static inline bool
has_role(const struct nfw_detect *d, unsigned role, const uint8_t a[16])
{
	return nfw_prefix_match(d->cfg.role[role], d->cfg.nrole[role], a);
}

/* A new finding slot (NULL when the list is full). */
struct nfw_finding *finding_new(struct nfw_detect *d, unsigned type);
void finding_ev(struct nfw_finding *f, const char *name, double v);
void finding_ev_str(struct nfw_finding *f, const char *name, const char *s);
/* what raised (or lowered) a finding's score, a short phrase; "; " between them */
void finding_why(struct nfw_finding *f, bool raised, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* id type-src-dst-port-proto and the severity from the score */
void finding_finish(struct nfw_finding *f);
/*
 * An entity dropped as idle (beaconing tuple, scanning source, DNS client,
 * exfiltration pair) keeps the finding it made: every later run reports it
 * (once, and not when a live entity reports the same id), so what was
 * found stays in the report of a long run. The newest DETECT_RETIRED_MAX.
 */
void detect_retire(struct nfw_detect *d, const struct nfw_finding *f);
/*
 * "Now" for idle timeouts: over the exporters (up to DETECT_CLOCKS, the rest
 * share the last clock), each one's newest flow end weighted by the flows it
 * sent since the last run, the weighted (lower) median. One exporter whose
 * clock is off by months (or live sFlow, stamped on arrival, beside a
 * replayed capture) cannot make every entity look idle, and exporters that
 * went silent do not hold the clock back. No flow since the last run: the
 * clock stays. Called at the start of a run (d->now_ms); resets the weights.
 */
uint64_t detect_clock(struct nfw_detect *d);
/*
 * An index slot of the detectors' open-addressing tables: the entry + 1
 * (0 = empty) and 32 bits of the key's hash, so a probe that is not the key
 * is refused without touching its entry (one cache miss less per probe).
 */
struct dslot {
	uint32_t idx;
	uint32_t sig;
};

static inline uint32_t
dslot_sig(uint64_t h)
{
	return (uint32_t)(h >> 32);
}

/*
 * The slot of a 16-byte address in a dslot index (linear probing from
 * h & mask, h = nfw_hash64(address)) over entries of `stride` bytes whose
 * address is at addr_off: the address's slot, or the empty one where it
 * would go. Only a probe whose signature matches reads an entry.
 */
static inline struct dslot *
dslot_find(struct dslot *slot, uint32_t mask, const void *entries, size_t stride, size_t addr_off,
	   const uint8_t addr[16], uint64_t h)
{
	uint32_t sig = dslot_sig(h);
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		if (slot[i].idx == 0)
			return &slot[i];
		if (slot[i].sig == sig &&
		    memcmp((const uint8_t *)entries + (size_t)(slot[i].idx - 1) * stride + addr_off, addr, 16) == 0)
			return &slot[i];
	}
}

/*
 * For a prefetch: the entry (1-based) whose slot signature matches h, on
 * h's probe run (to the first empty slot, eight probes at most: one or two
 * index lines); 0 when none. At half load four lookups in ten end past the
 * home slot: prefetching only the home slot's entry would leave them to
 * miss.
 */
static inline uint32_t
dslot_peek(const struct dslot *slot, uint32_t mask, uint64_t h)
{
	uint32_t sig = dslot_sig(h);
	for (uint32_t k = 0, i = (uint32_t)h & mask; k < 8; k++, i = (i + 1) & mask) {
		if (slot[i].idx == 0)
			return 0;
		if (slot[i].sig == sig)
			return slot[i].idx;
	}
	return 0;
}

/* The same index rebuilt over n entries: after idle entries were dropped. */
void addr_index_rebuild(struct dslot *slot, uint32_t mask, const void *entries, size_t stride,
			size_t addr_off, uint32_t n);

/* What every detector needs of a flow, computed once. */
struct fctx {
	const struct nfw_flow *f;
	uint64_t hs, hd;        /* nfw_hash64 of the source and destination address */
	bool src_home, dst_home;
};

#define DETECT_MS_MAX ((1ull << 48) - 1) /* the latest time a detector sees: the year 10 889 */

/* a + b, stopping at 2^64 - 1: byte sums of flows scaled by their rate must not wrap */
static inline uint64_t
detect_sat_add(uint64_t a, uint64_t b)
{
	uint64_t r;
	return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

/*
 * n zeroed entries of size bytes on a 64-byte boundary (entries declared
 * aligned(64)): calloc, so pages are touched only as entries fill, aligned
 * by hand. *mem is what to free. NULL when out of memory.
 */
void *detect_calloc_lines(size_t n, size_t size, void **mem);

/* A window of n elements of esize bytes moved `by` elements on: the oldest dropped, zeros in. */
void detect_slide(void *a, size_t esize, size_t n, uint64_t by);
/* How far a window of n buckets from b0 moves so that bucket b is its last: min_by at least. */
static inline uint64_t
detect_slide_by(uint64_t b0, size_t n, uint64_t b, uint64_t min_by)
{
	uint64_t by = b - (b0 + n - 1);
	return by < min_by ? min_by : by;
}

struct beacon_state *beacon_create(const struct nfw_detect_config *c);
void beacon_free(struct beacon_state *b);
void beacon_add(struct nfw_detect *d, const struct fctx *x);
void beacon_prefetch(struct nfw_detect *d, const struct fctx *x);
void beacon_prefetch_entries(struct nfw_detect *d, const struct fctx *x);
/* tuples [from, from + budget): the next one, or UINT32_MAX when all were seen */
uint32_t beacon_run_slice(struct nfw_detect *d, uint32_t from, uint32_t budget);

/* A period found by phase coherence in intervals thinned by sampling (beacon_phase.c). */
#define NFW_BEACON_PHASE_MAX 256 /* intervals the jitter estimate looks at */
struct beacon_phase {
	double z;         /* Rayleigh Z at the period: ~Exp(1) for arrivals at random */
	double period;    /* ms, as the intervals */
	double jitter;    /* median per-beat deviation / period of the intervals on it */
	unsigned on;      /* intervals within a quarter period of a whole number of periods */
	unsigned beats;   /* periods those intervals span */
};
/* false when no candidate period is at least min_period (out zeroed) */
bool beacon_phase_fit(const double *iv, unsigned n, double min_period, struct beacon_phase *out);

struct fanout_state *fanout_create(const struct nfw_detect_config *c);
void fanout_free(struct fanout_state *s);
void fanout_add(struct nfw_detect *d, const struct fctx *x);
void fanout_prefetch(struct nfw_detect *d, const struct fctx *x);
void fanout_prefetch_entries(struct nfw_detect *d, const struct fctx *x);
void fanout_run(struct nfw_detect *d);

struct exfil_state *exfil_create(const struct nfw_detect_config *c);
void exfil_free(struct exfil_state *s);
void exfil_add(struct nfw_detect *d, const struct fctx *x);
void exfil_prefetch(struct nfw_detect *d, const struct fctx *x);
void exfil_prefetch_entries(struct nfw_detect *d, const struct fctx *x);
void exfil_run(struct nfw_detect *d);

struct dns_state *dns_create(const struct nfw_detect_config *c);
void dns_free(struct dns_state *s);
void dns_add(struct nfw_detect *d, const struct fctx *x);
void dns_prefetch(struct nfw_detect *d, const struct fctx *x);
void dns_prefetch_entries(struct nfw_detect *d, const struct fctx *x);
void dns_run(struct nfw_detect *d);

struct vol_state *vol_create(const struct nfw_detect_config *c);
void vol_free(struct vol_state *s);
void vol_add(struct nfw_detect *d, const struct fctx *x);
void vol_prefetch(struct nfw_detect *d, const struct fctx *x);
void vol_run(struct nfw_detect *d);

#endif
