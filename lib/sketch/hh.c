/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heavy hitters: a conservative-update count-min over every key and a
 * top-k of the largest estimates (nfw_sketch.h). An update is one
 * count-min pass that returns the new estimate; the heap is touched only
 * when that estimate beats the smallest one held, and a held key moves in
 * it only when its estimate has grown by 1/8 since it last moved (a few
 * hot keys, ports or a site's busiest servers, take most updates: each
 * used to sift to a leaf; bench_sketch BM_hh_add/200 14.8 -> 8.6 ns).
 * Lists give every key at its estimate now. Heavy changers between
 * two epochs' sketches come from the union of their candidates, each
 * estimated in both (Krishnamurthy et al., sketch-based change detection,
 * with the top-k lists as the keys to ask about).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_sketch.h"

#define HH_LAG 3 /* a held key's heap count trails its estimate by at most 1/8 */

struct nfw_hh {
	struct nfw_cms *cms;
	struct nfw_topk *top;
	uint32_t k;
};

struct nfw_hh *
nfw_hh_create(uint32_t k, uint32_t width, uint32_t depth, uint64_t seed)
{
	if (k < 1 || k > (1u << 16) || width > (1u << 22)) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_hh *h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->k = k;
	h->cms = nfw_cms_create(width, depth, 1, seed);
	h->top = nfw_topk_create(k);
	if (h->cms == NULL || h->top == NULL) {
		int e = errno;
		nfw_hh_free(h);
		errno = e ? e : ENOMEM;
		return NULL;
	}
	return h;
}

void
nfw_hh_free(struct nfw_hh *h)
{
	if (h == NULL)
		return;
	nfw_cms_free(h->cms);
	nfw_topk_free(h->top);
	free(h);
}

void
nfw_hh_add(struct nfw_hh *h, uint64_t key, const uint8_t label[16], uint64_t count)
{
	uint64_t est = nfw_cms_add_est(h->cms, key, count);
	if (est > nfw_topk_min(h->top))
		nfw_topk_offer_lazy(h->top, key, label, est, HH_LAG);
}

int
nfw_hh_merge(struct nfw_hh *dst, const struct nfw_hh *src)
{
	int rc = nfw_cms_merge(dst->cms, src->cms);
	if (rc != 0)
		return rc;
	/* both sides' candidates, re-estimated on the merged counts */
	struct nfw_topk_item *it = malloc(((size_t)dst->k + src->k) * sizeof(*it));
	if (it == NULL)
		return -ENOMEM;
	unsigned n = nfw_topk_list(dst->top, it, dst->k);
	n += nfw_topk_list(src->top, it + n, src->k);
	for (unsigned i = 0; i < n; i++)
		nfw_topk_offer(dst->top, it[i].key, it[i].label, nfw_cms_estimate(dst->cms, it[i].key));
	free(it);
	return 0;
}

unsigned
nfw_hh_list(const struct nfw_hh *h, struct nfw_topk_item *out, unsigned max)
{
	/* every key held, at its estimate now (held counts trail by up to 1/2^HH_LAG), largest first */
	struct nfw_topk_item *all = malloc((size_t)h->k * sizeof(*all));
	if (all == NULL)
		return 0;
	unsigned n = nfw_topk_list(h->top, all, h->k);
	uint64_t bound = (uint64_t)ceil(M_E * (double)nfw_cms_total(h->cms) / nfw_cms_width(h->cms));
	for (unsigned i = 0; i < n; i++) {
		all[i].count = nfw_cms_estimate(h->cms, all[i].key);
		all[i].error = bound < all[i].count ? bound : all[i].count;
	}
	nfw_topk_items_sort(all, n);
	n = n < max ? n : max;
	memcpy(out, all, n * sizeof(*out));
	free(all);
	return n;
}

void
nfw_hh_clear(struct nfw_hh *h)
{
	nfw_cms_clear(h->cms);
	nfw_topk_clear(h->top);
}

uint64_t
nfw_hh_total(const struct nfw_hh *h)
{
	return nfw_cms_total(h->cms);
}

size_t
nfw_hh_memory(const struct nfw_hh *h)
{
	return nfw_cms_memory(h->cms) + (size_t)h->k * 64; /* heap node + index slots */
}

double
nfw_hh_fill(const struct nfw_hh *h)
{
	return h->k ? (double)nfw_topk_count(h->top) / h->k : 0;
}

static int
by_change_desc(const void *x, const void *y)
{
	const struct nfw_hh_change *a = x, *b = y;
	double da = fabs(a->after - a->before), db = fabs(b->after - b->before);
	if (da != db)
		return da < db ? 1 : -1;
	return (a->key > b->key) - (a->key < b->key);
}

unsigned
nfw_hh_changes(const struct nfw_hh *a, double a_s, const struct nfw_hh *b, double b_s, struct nfw_hh_change *out,
	       unsigned max)
{
	if (a_s <= 0 || b_s <= 0 || max == 0)
		return 0;
	struct nfw_topk_item *it = malloc(((size_t)a->k + b->k) * sizeof(*it));
	struct nfw_hh_change *ch = malloc(((size_t)a->k + b->k) * sizeof(*ch));
	if (it == NULL || ch == NULL) {
		free(it);
		free(ch);
		return 0;
	}
	unsigned n = nfw_topk_list(a->top, it, a->k);
	n += nfw_topk_list(b->top, it + n, b->k);
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++) {
		bool dup = false;
		for (unsigned j = 0; j < i && !dup; j++) /* at most 2k candidates, once per query */
			dup = it[j].key == it[i].key;
		if (dup)
			continue;
		ch[m].key = it[i].key;
		memcpy(ch[m].label, it[i].label, 16);
		ch[m].before = (double)nfw_cms_estimate(a->cms, it[i].key) / a_s;
		ch[m].after = (double)nfw_cms_estimate(b->cms, it[i].key) / b_s;
		m++;
	}
	qsort(ch, m, sizeof(*ch), by_change_desc);
	if (m > max)
		m = max;
	memcpy(out, ch, m * sizeof(*out));
	free(it);
	free(ch);
	return m;
}
