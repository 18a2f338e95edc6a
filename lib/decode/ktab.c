/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixed-size open-addressing hash table with linear probing and
 * backward-shift deletion (no tombstones, so lookups never degrade after
 * template churn). Keys are 24 bytes; the table is sized at init to a power
 * of two at least twice the entry cap, so probe chains stay short and an
 * insert past the cap is refused instead of filling the table.
 */
#include <errno.h>
#include <stdlib.h>

#include "decode_priv.h"

static inline uint32_t
khash(const struct tkey *k)
{
	uint64_t h = k->w[0] * 0x9e3779b97f4a7c15ULL;
	h ^= (k->w[1] + 0x632be59bd9b4e019ULL) * 0xc2b2ae3d27d4eb4fULL;
	h ^= (k->w[2] + 0x165667b19e3779f9ULL) * 0x94d049bb133111ebULL;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

static inline bool
keq(const struct tkey *a, const struct tkey *b)
{
	return a->w[0] == b->w[0] && a->w[1] == b->w[1] && a->w[2] == b->w[2];
}

int
ktab_init(struct key_table *t, uint32_t cap)
{
	uint32_t n = 16;

	while (n < cap * 2u && n < (1u << 30))
		n <<= 1;
	t->slots = calloc(n, sizeof(*t->slots));
	if (t->slots == NULL)
		return -ENOMEM;
	t->mask = n - 1;
	t->count = 0;
	t->cap = cap;
	return 0;
}

void
ktab_fini(struct key_table *t)
{
	free(t->slots);
	t->slots = NULL;
}

uint32_t
ktab_find(const struct key_table *t, const struct tkey *k)
{
	uint32_t i = khash(k) & t->mask;

	for (uint32_t n = 0; n <= t->mask; n++) {
		const struct tslot *s = &t->slots[i];
		if (!s->used)
			return UINT32_MAX;
		if (keq(&s->key, k))
			return s->val;
		i = (i + 1) & t->mask;
	}
	return UINT32_MAX;
}

int
ktab_insert(struct key_table *t, const struct tkey *k, uint32_t val)
{
	if (t->count >= t->cap)
		return -ENOSPC;
	uint32_t i = khash(k) & t->mask;
	while (t->slots[i].used)
		i = (i + 1) & t->mask;
	t->slots[i].key = *k;
	t->slots[i].val = val;
	t->slots[i].used = 1;
	t->count++;
	return 0;
}

int
ktab_remove(struct key_table *t, const struct tkey *k)
{
	uint32_t i = khash(k) & t->mask;
	uint32_t n;

	for (n = 0; n <= t->mask; n++) {
		if (!t->slots[i].used)
			return -ENOENT;
		if (keq(&t->slots[i].key, k))
			break;
		i = (i + 1) & t->mask;
	}
	if (n > t->mask)
		return -ENOENT;
	/* backward shift: pull later members of the chain into the hole */
	uint32_t hole = i;
	uint32_t j = i;
	for (;;) {
		j = (j + 1) & t->mask;
		if (!t->slots[j].used)
			break;
		uint32_t home = khash(&t->slots[j].key) & t->mask;
		/* can j move to hole? only if home is not cyclically in (hole, j] */
		bool in_range = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!in_range) {
			t->slots[hole] = t->slots[j];
			hole = j;
		}
	}
	t->slots[hole].used = 0;
	t->count--;
	return 0;
}
