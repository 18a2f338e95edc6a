/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_SKETCH_H
#define NFW_SKETCH_H

/*
 * nfw_sketch: the mergeable summaries the detectors run on. Each worker
 * lcore keeps its own per epoch; the control lcore merges them.
 *
 * count-min    d rows x w counters (w a power of two). add() with
 *              conservative update raises only the counters at the current
 *              minimum (Estan & Varghese): never underestimates, errs less
 *              than plain count-min. Error: at most e/w x N with
 *              probability 1 - e^-d. Mergeable by adding counters: the
 *              merge of plain sketches equals the sketch of the union; the
 *              merge of conservative ones is an upper bound of it, still
 *              never below the truth.
 * HyperLogLog  2^p one-byte registers (p 4..18) of a 64-bit hash: standard
 *              error 1.04 / sqrt(2^p); linear counting while the estimate is
 *              below 2.5 x 2^p; merged by register max, which equals the
 *              sketch of the union exactly.
 * top-k        space-saving (Metwally et al.) over k counters with a min-heap
 *              and a hash index: every key with true count > N / k is kept,
 *              and each kept count overestimates by at most its recorded
 *              error.
 *
 * Keys are 64-bit hashes (nfw_hash64); top-k also keeps up to 16 bytes
 * of the key itself (an address) for reporting. No allocation after create;
 * not thread-safe (one owner each).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** 64-bit hash of len bytes with a seed (for sketch keys). */
uint64_t nfw_hash64(const void *data, size_t len, uint64_t seed);

/* ---- count-min ---- */

struct nfw_cms;

/** width a power of two (16..2^26), depth 1..16; conservative: 1 for CU. NULL + errno. */
struct nfw_cms *nfw_cms_create(uint32_t width, uint32_t depth, int conservative, uint64_t seed);
void nfw_cms_free(struct nfw_cms *s);
void nfw_cms_add(struct nfw_cms *s, uint64_t key, uint64_t count);
uint64_t nfw_cms_estimate(const struct nfw_cms *s, uint64_t key);
/** Add, and return the key's new estimate (one pass over the rows). */
uint64_t nfw_cms_add_est(struct nfw_cms *s, uint64_t key, uint64_t count);
uint32_t nfw_cms_width(const struct nfw_cms *s);
/** Start fetching the key's cells (a burst: prefetch all, then add). */
void nfw_cms_prefetch(const struct nfw_cms *s, uint64_t key);
/** Add src into dst. 0, or -EINVAL when dimensions or seeds differ. */
int nfw_cms_merge(struct nfw_cms *dst, const struct nfw_cms *src);
void nfw_cms_clear(struct nfw_cms *s);
/** Every counter (and the total) halved: an old count fades, a count-min stays a count-min. */
void nfw_cms_halve(struct nfw_cms *s);
uint64_t nfw_cms_total(const struct nfw_cms *s);
size_t nfw_cms_memory(const struct nfw_cms *s);

/* ---- HyperLogLog ---- */

struct nfw_hll;

/** precision 4..18. NULL + errno. */
struct nfw_hll *nfw_hll_create(uint8_t precision);
void nfw_hll_free(struct nfw_hll *h);
void nfw_hll_add(struct nfw_hll *h, uint64_t hash);
/** The register nfw_hll_add(h, hash) would touch, brought into the cache. */
void nfw_hll_prefetch(const struct nfw_hll *h, uint64_t hash);
double nfw_hll_count(const struct nfw_hll *h);
/** Register max. 0, or -EINVAL when precisions differ. */
int nfw_hll_merge(struct nfw_hll *dst, const struct nfw_hll *src);
void nfw_hll_clear(struct nfw_hll *h);
/** The registers, for tests and snapshots (2^p bytes). */
const uint8_t *nfw_hll_registers(const struct nfw_hll *h, size_t *n);
/**
 * The same on registers the caller owns (2^p bytes, zeroed to start), for
 * a HyperLogLog embedded in a table entry: no pointer to follow, and the
 * register's address is known before the entry is read.
 */
void nfw_hll_regs_add(uint8_t *reg, uint8_t precision, uint64_t hash);
double nfw_hll_regs_count(const uint8_t *reg, uint8_t precision);
/** The register nfw_hll_regs_add(reg, p, hash) touches. */
static inline uint32_t
nfw_hll_regs_index(uint8_t precision, uint64_t hash)
{
	return (uint32_t)(hash >> (64 - precision));
}

/* ---- top-k (space-saving) ---- */

struct nfw_topk_item {
	uint64_t key;
	uint64_t count;     /**< an upper bound of the true count */
	uint64_t error;     /**< count - error is a lower bound */
	uint8_t label[16];  /**< the entity (e.g. an address) as given to add() */
};

struct nfw_topk;

/** k 1..2^20. NULL + errno. */
struct nfw_topk *nfw_topk_create(uint32_t k);
void nfw_topk_free(struct nfw_topk *t);
void nfw_topk_add(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t count);
/**
 * Offer a key with a value that replaces its count when larger (a count-min
 * estimate): held keys move up, a newcomer enters when the table has room
 * or its value beats the smallest. For nfw_hh; error stays 0.
 */
void nfw_topk_offer(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t value);
/**
 * The same, but a held key's count moves (and the heap with it) only when
 * the value beats it by more than count >> lag (lag 0: any gain): a key
 * that takes most updates moves once per 1/2^lag of growth, not each time.
 * Held counts then trail their values by at most that share.
 */
void nfw_topk_offer_lazy(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t value,
			 unsigned lag);
/** Keys held now. */
uint32_t nfw_topk_count(const struct nfw_topk *t);
/** The smallest count held, 0 while fewer than k keys are held. */
uint64_t nfw_topk_min(const struct nfw_topk *t);
/** Merge src into dst (counts of common keys added; the k largest kept). */
void nfw_topk_merge(struct nfw_topk *dst, const struct nfw_topk *src);
/** Up to max items, largest count first. Returns how many. */
unsigned nfw_topk_list(const struct nfw_topk *t, struct nfw_topk_item *out, unsigned max);
uint64_t nfw_topk_total(const struct nfw_topk *t);
/** Items in list order: largest count first, then smallest key. */
void nfw_topk_items_sort(struct nfw_topk_item *it, unsigned n);
void nfw_topk_clear(struct nfw_topk *t);

/* ---- the eight largest of a small stream, in one cache line of its owner ---- */

#define NFW_TOP8_K 8

/**
 * All zero is empty. 32-bit keys (a port, or 32 bits of a hash whose
 * entity the owner keeps by slot) and 32-bit counts that saturate.
 */
struct nfw_top8 {
	uint32_t key[NFW_TOP8_K];
	uint32_t count[NFW_TOP8_K];
} __attribute__((aligned(64)));

/**
 * Count a key: its slot (0..7). *fresh says the key was not held and took
 * the slot (a free one, or the smallest's, whose count it inherits as in
 * space-saving): the owner stores its label for that slot then.
 */
unsigned nfw_top8_add(struct nfw_top8 *t, uint32_t key, uint32_t count, bool *fresh);
/** Up to max items, largest first; labels (8 of 16 bytes, by slot) may be NULL. */
unsigned nfw_top8_list(const struct nfw_top8 *t, const uint8_t (*labels)[16], struct nfw_topk_item *out,
		       unsigned max);

/* ---- heavy hitters: count-min (conservative update) + the k largest estimates ---- */

/*
 * Every update goes to the count-min; only a key whose new estimate beats
 * the k-th largest touches the heap, so most updates cost one count-min
 * update (~10 ns) instead of a heap operation. Mergeable: count-min cells
 * add, and the candidates of both sides are re-estimated on the merged
 * counts. Each listed count is an upper bound; count - error (e * N /
 * width, N the stream total) is a lower bound with probability 1 - e^-depth.
 */
struct nfw_hh;

/** k 1..2^16 keys kept, width a power of two (16..2^22), depth 1..16. NULL + errno. */
struct nfw_hh *nfw_hh_create(uint32_t k, uint32_t width, uint32_t depth, uint64_t seed);
void nfw_hh_free(struct nfw_hh *h);
void nfw_hh_add(struct nfw_hh *h, uint64_t key, const uint8_t label[16], uint64_t count);
/** dst += src. 0, or -EINVAL when shapes or seeds differ. */
int nfw_hh_merge(struct nfw_hh *dst, const struct nfw_hh *src);
/** Up to max items, largest first, error = the count-min bound. */
unsigned nfw_hh_list(const struct nfw_hh *h, struct nfw_topk_item *out, unsigned max);
void nfw_hh_clear(struct nfw_hh *h);
uint64_t nfw_hh_total(const struct nfw_hh *h);
size_t nfw_hh_memory(const struct nfw_hh *h);
/** Share of keys held (0..1). */
double nfw_hh_fill(const struct nfw_hh *h);

/** A key's rate in two epochs (count per second), both read off count-mins. */
struct nfw_hh_change {
	uint64_t key;
	uint8_t label[16];
	double before, after;
};

/**
 * Heavy changers from epoch a (a_s seconds long) to epoch b (b_s), same
 * shape and seed: the keys either epoch holds among its k largest, each
 * estimated in both count-mins (a key absent from one list still has its
 * count there), largest |after - before| first. Up to max; how many.
 */
unsigned nfw_hh_changes(const struct nfw_hh *a, double a_s, const struct nfw_hh *b, double b_s,
			struct nfw_hh_change *out, unsigned max);

#ifdef __cplusplus
}
#endif

#endif /* NFW_SKETCH_H */
