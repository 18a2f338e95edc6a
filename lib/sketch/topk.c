/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Space-saving top-k: k (key, count, error) nodes in a min-heap by count,
 * and an open-addressing index key -> heap position (load <= 0.5, backward
 * shift deletion). A key not held replaces the minimum and inherits its
 * count as error. O(log k) per update.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_sketch.h"

struct node {
	uint64_t key;
	uint64_t count;
	uint64_t error;
	uint32_t islot;  /* its index slot, kept current through backward shifts */
	uint8_t label[16];
};

struct islot {
	uint64_t key;
	uint32_t pos;   /* heap position + 1; 0 empty */
	uint32_t pad;
};

struct nfw_topk {
	uint32_t k;
	uint32_t n;
	uint32_t mask;
	uint64_t total;
	struct node *heap;
	struct islot *idx;
};

static inline uint32_t
ih(const struct nfw_topk *t, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ULL;
	return (uint32_t)(h >> 32) & t->mask;
}

static struct islot *
ifind(struct nfw_topk *t, uint64_t key)
{
	for (uint32_t i = ih(t, key);; i = (i + 1) & t->mask) {
		if (t->idx[i].pos == 0)
			return NULL;
		if (t->idx[i].key == key)
			return &t->idx[i];
	}
}

static void
iput(struct nfw_topk *t, uint64_t key, uint32_t pos)
{
	uint32_t i = ih(t, key);
	while (t->idx[i].pos != 0 && t->idx[i].key != key)
		i = (i + 1) & t->mask;
	t->idx[i].key = key;
	t->idx[i].pos = pos + 1;
	t->heap[pos].islot = i;
}

static void
idel(struct nfw_topk *t, uint64_t key)
{
	uint32_t i = ih(t, key);
	while (t->idx[i].key != key || t->idx[i].pos == 0)
		i = (i + 1) & t->mask;
	uint32_t hole = i, j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (t->idx[j].pos == 0)
			break;
		uint32_t home = ih(t, t->idx[j].key);
		int in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!in_range) {
			t->idx[hole] = t->idx[j];
			t->heap[t->idx[hole].pos - 1].islot = hole;
			hole = j;
		}
	}
	t->idx[hole].pos = 0;
}

static void
hswap(struct nfw_topk *t, uint32_t a, uint32_t b)
{
	struct node x = t->heap[a];
	t->heap[a] = t->heap[b];
	t->heap[b] = x;
	t->idx[t->heap[a].islot].pos = a + 1;
	t->idx[t->heap[b].islot].pos = b + 1;
}

static void
sift_up(struct nfw_topk *t, uint32_t i)
{
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (t->heap[p].count <= t->heap[i].count)
			break;
		hswap(t, p, i);
		i = p;
	}
}

static void
sift_down(struct nfw_topk *t, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < t->n && t->heap[l].count < t->heap[m].count)
			m = l;
		if (r < t->n && t->heap[r].count < t->heap[m].count)
			m = r;
		if (m == i)
			return;
		hswap(t, i, m);
		i = m;
	}
}

struct nfw_topk *
nfw_topk_create(uint32_t k)
{
	if (k < 1 || k > (1u << 20)) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_topk *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	uint32_t n = 16;
	while (n < 2 * k)
		n <<= 1;
	t->k = k;
	t->mask = n - 1;
	t->heap = calloc(k, sizeof(*t->heap));
	t->idx = calloc(n, sizeof(*t->idx));
	if (t->heap == NULL || t->idx == NULL) {
		nfw_topk_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

void
nfw_topk_free(struct nfw_topk *t)
{
	if (t == NULL)
		return;
	free(t->heap);
	free(t->idx);
	free(t);
}

/* a key not held: into a free node, or in place of the minimum */
static void
place(struct nfw_topk *t, const struct node *nd)
{
	if (t->n < t->k) {
		t->heap[t->n] = *nd;
		iput(t, nd->key, t->n);
		t->n++;
		sift_up(t, t->n - 1);
		return;
	}
	idel(t, t->heap[0].key);
	t->heap[0] = *nd;
	iput(t, nd->key, 0);
	sift_down(t, 0);
}

static void
add_err(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t count, uint64_t err)
{
	struct islot *s = ifind(t, key);
	t->total += count;
	if (s != NULL) {
		uint32_t p = s->pos - 1;
		t->heap[p].count += count;
		t->heap[p].error += err;
		sift_down(t, p);
		return;
	}
	struct node nd = { .key = key, .count = count, .error = err };
	if (label != NULL)
		memcpy(nd.label, label, 16);
	if (t->n == t->k) { /* replacing the minimum: the newcomer may have been counted as often as it */
		nd.count += t->heap[0].count;
		nd.error += t->heap[0].count;
	}
	place(t, &nd);
}

void
nfw_topk_add(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t count)
{
	add_err(t, key, label, count, 0);
}

void
nfw_topk_offer(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t value)
{
	nfw_topk_offer_lazy(t, key, label, value, 0);
}

void
nfw_topk_offer_lazy(struct nfw_topk *t, uint64_t key, const uint8_t label[16], uint64_t value, unsigned lag)
{
	struct islot *s = ifind(t, key);
	if (s != NULL) {
		uint32_t p = s->pos - 1;
		uint64_t c = t->heap[p].count;
		if (value > c + (lag ? c >> lag : 0)) {
			t->heap[p].count = value;
			sift_down(t, p);
		}
		return;
	}
	if (t->n == t->k && value <= t->heap[0].count)
		return;
	struct node nd = { .key = key, .count = value };
	if (label != NULL)
		memcpy(nd.label, label, 16);
	place(t, &nd);
}

uint32_t
nfw_topk_count(const struct nfw_topk *t)
{
	return t->n;
}

uint64_t
nfw_topk_min(const struct nfw_topk *t)
{
	return t->n < t->k ? 0 : t->heap[0].count;
}

void
nfw_topk_merge(struct nfw_topk *dst, const struct nfw_topk *src)
{
	uint64_t added = 0;
	for (uint32_t i = 0; i < src->n; i++) {
		add_err(dst, src->heap[i].key, src->heap[i].label, src->heap[i].count, src->heap[i].error);
		added += src->heap[i].count;
	}
	/* the stream total is the sum of both totals, whatever the nodes hold */
	dst->total = dst->total - added + src->total;
}

static int
by_count_desc(const void *a, const void *b)
{
	const struct nfw_topk_item *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->key > y->key) - (x->key < y->key);
}

void
nfw_topk_items_sort(struct nfw_topk_item *it, unsigned n)
{
	qsort(it, n, sizeof(*it), by_count_desc);
}

unsigned
nfw_topk_list(const struct nfw_topk *t, struct nfw_topk_item *out, unsigned max)
{
	struct nfw_topk_item *all = malloc((t->n ? t->n : 1) * sizeof(*all));
	if (all == NULL)
		return 0;
	for (uint32_t i = 0; i < t->n; i++) {
		all[i].key = t->heap[i].key;
		all[i].count = t->heap[i].count;
		all[i].error = t->heap[i].error;
		memcpy(all[i].label, t->heap[i].label, 16);
	}
	nfw_topk_items_sort(all, t->n);
	unsigned n = t->n < max ? t->n : max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

uint64_t
nfw_topk_total(const struct nfw_topk *t)
{
	return t->total;
}

void
nfw_topk_clear(struct nfw_topk *t)
{
	t->n = 0;
	t->total = 0;
	memset(t->idx, 0, ((size_t)t->mask + 1) * sizeof(*t->idx));
}
