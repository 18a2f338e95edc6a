/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The aggregation table: keys built from records by a key definition, an
 * open-addressing index (power-of-two slots, linear probing, at most half
 * full) over an entry array that grows by doubling, both bounded by the
 * table's entry limit. A slot holds the entry's number and its key's 32-bit
 * hash, so a probe touches an entry (and compares 88 bytes) only when the
 * hashes agree. Bursts (nfw_stat_table_add_keys) hash their keys first and
 * prefetch the home slots, then the entries those slots name, then look
 * them up: a table much larger than the caches costs its misses once per
 * burst, overlapped, not one after another.
 *
 * Bidirectional keys are stored canonical (the smaller address:port side
 * first); an entry remembers which way its first record went, and is
 * printed that way, with the counters of that direction as "in".
 */
#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_stat.h"
#include "stat_priv.h"

static_assert(sizeof(struct nfw_stat_key) == 88, "key layout");
static_assert(sizeof(struct nfw_stat_key) % 8 == 0, "key is whole words");

struct nfw_stat_table {
	struct nfw_stat_keydef kd;
	struct nfw_stat_entry *e;
	uint8_t *swapped;   /* bidir: the first record went dst -> src of the canonical key */
	size_t n, cap;      /* entries used, allocated */
	uint64_t *slot;     /* entry number + 1 (low 32 bits; 0 empty), key hash (high 32) */
	size_t nslots;      /* power of two */
	size_t limit;
	uint64_t refused;
};

#define INIT_SLOTS 4096u

/* 64-bit words mixed a la splitmix, folded to 32 bits (where there is no crc32 instruction) */
static uint32_t
key_hash_mix(const struct nfw_stat_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof(*k); i += 8) {
		uint64_t w;
		memcpy(&w, p + i, 8);
		h ^= w;
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return (uint32_t)(h ^ (h >> 32));
}

#if defined(__x86_64__)
/*
 * The key's 11 words through the crc32 instruction in two streams (its
 * latency overlapped), joined by a multiply: a quarter of the mixing
 * loop's cost, and as even over the slots (hashes only place entries: the
 * output's order never depends on them).
 */
__attribute__((target("sse4.2"))) static uint32_t
key_hash_crc(const struct nfw_stat_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	uint64_t a = 0x9e3779b9u, b = 0x7f4a7c15u;
	for (size_t i = 0; i + 16 <= sizeof(*k); i += 16) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, p + i + 8, 8);
		a = __builtin_ia32_crc32di(a, x);
		b = __builtin_ia32_crc32di(b, y);
	}
	uint64_t z;
	memcpy(&z, p + sizeof(*k) - 8, 8); /* 88 bytes: the last word */
	a = __builtin_ia32_crc32di(a, z);
	uint64_t h = (a << 32 | b) * 0x94d049bb133111ebull;
	return (uint32_t)(h >> 32);
}

static int hash_hw = -1; /* -1: not asked yet */

static inline uint32_t
key_hash(const struct nfw_stat_key *k)
{
	if (__builtin_expect(hash_hw < 0, 0)) {
		__builtin_cpu_init();
		hash_hw = __builtin_cpu_supports("sse4.2");
	}
	return hash_hw ? key_hash_crc(k) : key_hash_mix(k);
}
#else
static inline uint32_t
key_hash(const struct nfw_stat_key *k)
{
	return key_hash_mix(k);
}
#endif

static void
build_key(const struct nfw_stat_keydef *kd, const struct nfw_flow *f, struct nfw_stat_key *k)
{
	uint32_t m = kd->fields;
	memset(k, 0, sizeof(*k));
	int is4 = f->af == 4;
	if (m & (NFW_STAT_K_SRCIP | NFW_STAT_K_DSTIP | NFW_STAT_K_NEXTHOP | NFW_STAT_K_EXPORTER))
		k->af = f->af;
	if (m & NFW_STAT_K_SRCIP) {
		memcpy(k->src, f->src_addr, 16);
		stat_mask_addr(k->src, is4, kd->src_mask4, kd->src_mask6);
	}
	if (m & NFW_STAT_K_DSTIP) {
		memcpy(k->dst, f->dst_addr, 16);
		stat_mask_addr(k->dst, is4, kd->dst_mask4, kd->dst_mask6);
	}
	if (m & NFW_STAT_K_NEXTHOP)
		memcpy(k->nexthop, f->nexthop, 16);
	if (m & NFW_STAT_K_EXPORTER)
		memcpy(k->exporter, f->exporter, 16);
	if (m & NFW_STAT_K_SRCPORT)
		k->src_port = f->src_port;
	if (m & NFW_STAT_K_DSTPORT)
		k->dst_port = f->dst_port;
	if (m & NFW_STAT_K_PROTO)
		k->proto = f->proto;
	if (m & NFW_STAT_K_TOS)
		k->tos = f->tos;
	if (m & NFW_STAT_K_SRCAS)
		k->src_as = f->src_as;
	if (m & NFW_STAT_K_DSTAS)
		k->dst_as = f->dst_as;
	if (m & NFW_STAT_K_INIF)
		k->in_if = f->in_if;
	if (m & NFW_STAT_K_OUTIF)
		k->out_if = f->out_if;
}

static void
key_swap(struct nfw_stat_key *k)
{
	uint8_t t[16];
	memcpy(t, k->src, 16);
	memcpy(k->src, k->dst, 16);
	memcpy(k->dst, t, 16);
	uint16_t p = k->src_port;
	k->src_port = k->dst_port;
	k->dst_port = p;
	uint32_t a = k->src_as;
	k->src_as = k->dst_as;
	k->dst_as = a;
	a = k->in_if;
	k->in_if = k->out_if;
	k->out_if = a;
}

/* canonical side order: compare (addr, port) of the two sides; true when swapped */
static bool
key_canon(struct nfw_stat_key *k)
{
	int c = memcmp(k->src, k->dst, 16);
	if (c > 0 || (c == 0 && k->src_port > k->dst_port)) {
		key_swap(k);
		return true;
	}
	return false;
}

void
nfw_stat_entry_from_flow(const struct nfw_flow *f, struct nfw_stat_entry *e)
{
	static const struct nfw_stat_keydef all = {
		.fields = ~0u, .src_mask4 = 32, .dst_mask4 = 32, .src_mask6 = 128, .dst_mask6 = 128,
	};
	memset(e, 0, sizeof(*e));
	build_key(&all, f, &e->key);
	e->key.af = e->af = f->af;
	e->flows = 1;
	e->packets = e->in_packets = f->packets;
	e->bytes = e->in_bytes = f->bytes;
	e->first_ms = f->start_ms;
	e->last_ms = f->end_ms > f->start_ms ? f->end_ms : f->start_ms;
	e->tcp_flags = f->tcp_flags;
}

struct nfw_stat_table *
nfw_stat_table_create(const struct nfw_stat_keydef *kd, size_t max_entries)
{
	struct nfw_stat_table *t;
	if (kd == NULL || max_entries > (1u << 30)) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto fail;
	t->kd = *kd;
	t->limit = max_entries != 0 ? max_entries : NFW_STAT_DEFAULT_LIMIT;
	t->nslots = INIT_SLOTS;
	t->slot = calloc(t->nslots, sizeof(*t->slot));
	if (t->slot == NULL)
		goto fail_table;
	return t;
fail_table:
	free(t);
fail:
	errno = ENOMEM;
	return NULL;
}

void
nfw_stat_table_free(struct nfw_stat_table *t)
{
	if (t == NULL)
		return;
	free(t->slot);
	free(t->e);
	free(t->swapped);
	free(t);
}

static int
grow_slots(struct nfw_stat_table *t)
{
	size_t ns = t->nslots * 2, mask = ns - 1;
	uint64_t *s = calloc(ns, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < t->n; i++) {
		size_t j = t->e[i].hash & mask;
		while (s[j] != 0)
			j = (j + 1) & mask;
		s[j] = (uint64_t)t->e[i].hash << 32 | (uint32_t)(i + 1);
	}
	free(t->slot);
	t->slot = s;
	t->nslots = ns;
	return 0;
}

static int
grow_entries(struct nfw_stat_table *t)
{
	size_t nc = t->cap == 0 ? 1024 : t->cap * 2;
	if (nc > t->limit)
		nc = t->limit;
	struct nfw_stat_entry *e = realloc(t->e, nc * sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	t->e = e;
	uint8_t *sw = realloc(t->swapped, nc);
	if (sw == NULL)
		return -ENOMEM;
	t->swapped = sw;
	t->cap = nc;
	return 0;
}

/* two keys alike, word by word (inline: a libc memcmp call per probe cost a tenth of -s) */
static inline bool
key_equal(const struct nfw_stat_key *a, const struct nfw_stat_key *b)
{
	const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
	uint64_t d = 0;
	for (size_t i = 0; i < sizeof(*a); i += 8) {
		uint64_t x, y;
		memcpy(&x, p + i, 8);
		memcpy(&y, q + i, 8);
		d |= x ^ y;
	}
	return d == 0;
}

/* the entry of key k (hash h), created when new; NULL at the limit or out of memory */
static struct nfw_stat_entry *
lookup(struct nfw_stat_table *t, const struct nfw_stat_key *k, uint32_t h, bool swapped)
{
	size_t mask = t->nslots - 1, j = h & mask;
	for (;;) {
		uint64_t s = t->slot[j];
		if (s == 0)
			break;
		if ((uint32_t)(s >> 32) == h) {
			struct nfw_stat_entry *e = &t->e[(uint32_t)s - 1];
			if (key_equal(&e->key, k))
				return e;
		}
		j = (j + 1) & mask;
	}
	if (t->n >= t->limit) {
		t->refused++;
		return NULL;
	}
	if (t->n == t->cap && grow_entries(t) != 0)
		return NULL;
	struct nfw_stat_entry *e = &t->e[t->n];
	memset(e, 0, sizeof(*e));
	e->key = *k;
	e->hash = h;
	e->first_ms = UINT64_MAX;
	t->swapped[t->n] = swapped;
	t->slot[j] = (uint64_t)h << 32 | (uint32_t)(++t->n);
	if (t->n * 2 > t->nslots && grow_slots(t) != 0) {
		/* the index stays valid (under full), only slower: carry on */
	}
	return &t->e[t->n - 1];
}

static void
account(struct nfw_stat_entry *e, const struct nfw_flow *f, bool forward)
{
	if (e->flows++ == 0)
		e->af = f->af;
	e->packets += f->packets;
	e->bytes += f->bytes;
	if (forward) {
		e->in_packets += f->packets;
		e->in_bytes += f->bytes;
	}
	uint64_t end = f->end_ms > f->start_ms ? f->end_ms : f->start_ms;
	if (f->start_ms < e->first_ms)
		e->first_ms = f->start_ms;
	if (end > e->last_ms)
		e->last_ms = end;
	e->tcp_flags |= f->tcp_flags;
}

int
nfw_stat_table_add_key(struct nfw_stat_table *t, const struct nfw_stat_key *k, const struct nfw_flow *f)
{
	struct nfw_stat_entry *e = lookup(t, k, key_hash(k), false);
	if (e == NULL)
		return t->n >= t->limit ? -ENOSPC : -ENOMEM;
	account(e, f, true);
	return 0;
}

/* m keys' hashes into h, their home slots and then the entries those name prefetched */
static void
burst_prefetch(const struct nfw_stat_table *t, const struct nfw_stat_key *k, uint32_t *h, unsigned m)
{
	size_t mask = t->nslots - 1;
	for (unsigned i = 0; i < m; i++) { /* wave 1: the home slots */
		h[i] = key_hash(&k[i]);
		__builtin_prefetch(&t->slot[h[i] & mask]);
	}
	for (unsigned i = 0; i < m; i++) { /* wave 2: the entries they name, when the hash agrees */
		uint64_t s = t->slot[h[i] & mask];
		if (s != 0 && (uint32_t)(s >> 32) == h[i])
			__builtin_prefetch(&t->e[(uint32_t)s - 1]);
	}
}

int
nfw_stat_table_add_keys(struct nfw_stat_table *t, const struct nfw_stat_key *k, const struct nfw_flow *const *f,
			unsigned n)
{
	uint32_t h[NFW_STAT_BURST * 2];
	int rc = 0;
	while (n > 0) {
		unsigned m = n < NFW_STAT_BURST * 2 ? n : NFW_STAT_BURST * 2;
		burst_prefetch(t, k, h, m);
		for (unsigned i = 0; i < m; i++) {
			struct nfw_stat_entry *e = lookup(t, &k[i], h[i], false);
			if (e == NULL) {
				rc = t->n >= t->limit ? -ENOSPC : -ENOMEM;
				continue;
			}
			account(e, f[i], true);
		}
		k += m;
		f += m;
		n -= m;
	}
	return rc;
}

int
nfw_stat_table_add_burst(struct nfw_stat_table *t, const struct nfw_flow *f, unsigned n)
{
	struct nfw_stat_key k[NFW_STAT_BURST];
	uint32_t h[NFW_STAT_BURST];
	bool sw[NFW_STAT_BURST];
	int rc = 0;
	while (n > 0) {
		unsigned m = n < NFW_STAT_BURST ? n : NFW_STAT_BURST;
		for (unsigned i = 0; i < m; i++) {
			build_key(&t->kd, &f[i], &k[i]);
			sw[i] = t->kd.bidir != NFW_STAT_UNIDIR && key_canon(&k[i]);
		}
		burst_prefetch(t, k, h, m);
		for (unsigned i = 0; i < m; i++) {
			struct nfw_stat_entry *e = lookup(t, &k[i], h[i], sw[i]);
			if (e == NULL) {
				rc = t->n >= t->limit ? -ENOSPC : -ENOMEM;
				continue;
			}
			bool fwd = t->kd.bidir == NFW_STAT_UNIDIR || t->swapped[e - t->e] == sw[i];
			account(e, &f[i], fwd);
		}
		f += m;
		n -= m;
	}
	return rc;
}

int
nfw_stat_table_add(struct nfw_stat_table *t, const struct nfw_flow *f)
{
	return nfw_stat_table_add_burst(t, f, 1);
}

size_t
nfw_stat_table_count(const struct nfw_stat_table *t)
{
	return t->n;
}

uint64_t
nfw_stat_table_refused(const struct nfw_stat_table *t)
{
	return t->refused;
}

/*
 * Orient the entries for printing: a bidirectional entry whose first record
 * went against the canonical order is turned round (its "in" counters are
 * already that direction's); -B then makes the lower port the destination.
 * The index is no longer valid afterwards, so this is done once, when reading.
 */
const struct nfw_stat_entry *
nfw_stat_table_entries(const struct nfw_stat_table *t)
{
	if (t->kd.bidir == NFW_STAT_UNIDIR)
		return t->e;
	struct nfw_stat_table *w = (struct nfw_stat_table *)t;
	for (size_t i = 0; i < w->n; i++) {
		struct nfw_stat_entry *e = &w->e[i];
		if (w->swapped[i] == 2)
			continue;
		bool turn = w->swapped[i] != 0;
		if (w->kd.bidir == NFW_STAT_BIDIR_GUESS) {
			/* the entry as it will be printed after `turn`: is its source the server? */
			uint16_t sp = turn ? e->key.dst_port : e->key.src_port;
			uint16_t dp = turn ? e->key.src_port : e->key.dst_port;
			if (sp < dp) {
				turn = !turn;
				e->in_packets = e->packets - e->in_packets;
				e->in_bytes = e->bytes - e->in_bytes;
			}
		}
		if (turn)
			key_swap(&e->key);
		w->swapped[i] = 2; /* oriented */
	}
	/* the index no longer matches the keys: rebuild it from the oriented keys is not
	 * needed, since a table is read only after its last add (documented) */
	return t->e;
}

/* --- ordering --- */

uint64_t
nfw_stat_pps(const struct nfw_stat_entry *e)
{
	uint64_t d = e->last_ms > e->first_ms ? e->last_ms - e->first_ms : 0;
	return d == 0 ? 0 : e->packets * 1000 / d;
}

uint64_t
nfw_stat_bps(const struct nfw_stat_entry *e)
{
	uint64_t d = e->last_ms > e->first_ms ? e->last_ms - e->first_ms : 0;
	return d == 0 ? 0 : (uint64_t)((double)e->bytes * 8000.0 / (double)d);
}

uint64_t
nfw_stat_bpp(const struct nfw_stat_entry *e)
{
	return e->packets == 0 ? 0 : e->bytes / e->packets;
}

static uint64_t
order_value(const struct nfw_stat_entry *e, enum nfw_stat_order o)
{
	switch (o) {
	case NFW_STAT_O_FLOWS: return e->flows;
	case NFW_STAT_O_PACKETS: return e->packets;
	case NFW_STAT_O_BYTES: return e->bytes;
	case NFW_STAT_O_PPS: return nfw_stat_pps(e);
	case NFW_STAT_O_BPS: return nfw_stat_bps(e);
	case NFW_STAT_O_BPP: return nfw_stat_bpp(e);
	case NFW_STAT_O_TSTART: return e->first_ms;
	default: return e->last_ms;
	}
}

/* <0 when a comes first in the output */
static int
before(const struct nfw_stat_entry *a, const struct nfw_stat_entry *b, enum nfw_stat_order o)
{
	uint64_t va = order_value(a, o), vb = order_value(b, o);
	if (va != vb) {
		bool asc = o == NFW_STAT_O_TSTART || o == NFW_STAT_O_TEND;
		return (va < vb) == asc ? -1 : 1;
	}
	int c = memcmp(&a->key, &b->key, sizeof(a->key));
	if (c != 0)
		return c;
	return a < b ? -1 : a > b; /* records with equal keys: read order */
}

static enum nfw_stat_order sort_order; /* qsort has no context argument */

static int
cmp_sort(const void *x, const void *y)
{
	return before(*(const struct nfw_stat_entry *const *)x, *(const struct nfw_stat_entry *const *)y,
		      sort_order);
}

/* heap of the n best so far; the root is the worst of them */
static void
sift_down(const struct nfw_stat_entry **h, size_t n, size_t i, enum nfw_stat_order o)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, w = i;
		if (l < n && before(h[w], h[l], o) < 0)
			w = l;
		if (r < n && before(h[w], h[r], o) < 0)
			w = r;
		if (w == i)
			return;
		const struct nfw_stat_entry *t = h[i];
		h[i] = h[w];
		h[w] = t;
		i = w;
	}
}

size_t
nfw_stat_top(const struct nfw_stat_entry *e, size_t count, enum nfw_stat_order o, size_t n,
	     const struct nfw_stat_entry **out)
{
	if (n == 0 || n >= count) {
		for (size_t i = 0; i < count; i++)
			out[i] = &e[i];
		sort_order = o;
		qsort(out, count, sizeof(*out), cmp_sort);
		return count;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = &e[i];
	for (size_t i = n / 2; i-- > 0;)
		sift_down(out, n, i, o);
	for (size_t i = n; i < count; i++)
		if (before(&e[i], out[0], o) < 0) {
			out[0] = &e[i];
			sift_down(out, n, 0, o);
		}
	sort_order = o;
	qsort(out, n, sizeof(*out), cmp_sort);
	return n;
}
