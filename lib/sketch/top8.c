/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The eight largest keys of a small stream, space-saving in one cache line
 * (struct nfw_top8, embedded in its owner: no allocation, no pointer to
 * follow, one line to fetch). A key is found by a scan of eight keys; a
 * key not held takes the place of the smallest count and inherits it, as
 * in nfw_topk. For per-entity evidence (a scanner's top ports and hosts),
 * where nfw_topk's heap and index cost three allocations and their misses
 * on every flow.
 */
#include <string.h>

#include "nfw_sketch.h"

static inline uint32_t
sat_add(uint32_t a, uint32_t b)
{
	return a + b < a ? UINT32_MAX : a + b;
}

unsigned
nfw_top8_add(struct nfw_top8 *t, uint32_t key, uint32_t count, bool *fresh)
{
	unsigned min = 0;
	for (unsigned i = 0; i < NFW_TOP8_K; i++)
		if (t->count[i] != 0 && t->key[i] == key) {
			t->count[i] = sat_add(t->count[i], count);
			*fresh = false;
			return i;
		}
	for (unsigned i = 1; i < NFW_TOP8_K; i++)
		if (t->count[i] < t->count[min])
			min = i;
	t->key[min] = key;
	t->count[min] = sat_add(t->count[min], count); /* 0 for a free slot; the replaced minimum otherwise */
	*fresh = true;
	return min;
}

unsigned
nfw_top8_list(const struct nfw_top8 *t, const uint8_t (*labels)[16], struct nfw_topk_item *out, unsigned max)
{
	struct nfw_topk_item all[NFW_TOP8_K];
	unsigned n = 0;
	for (unsigned i = 0; i < NFW_TOP8_K; i++)
		if (t->count[i] != 0) {
			memset(&all[n], 0, sizeof(all[n]));
			all[n].key = t->key[i];
			all[n].count = t->count[i];
			if (labels != NULL)
				memcpy(all[n].label, labels[i], 16);
			n++;
		}
	nfw_topk_items_sort(all, n);
	n = n < max ? n : max;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}
