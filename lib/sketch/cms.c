/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Count-min sketch, optionally with conservative update. Row i's column is
 * taken from the key hash remixed with a per-row seed, masked by w - 1.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_sketch.h"

struct nfw_cms {
	uint32_t width;
	uint32_t depth;
	uint32_t mask;
	int conservative;
	uint64_t seed;
	uint64_t total;
	uint64_t row_seed[16];
	uint64_t c[]; /* depth x width */
};

static inline uint32_t
col(const struct nfw_cms *s, uint64_t key, uint32_t row)
{
	uint64_t h = (key ^ s->row_seed[row]) * 0x9e3779b97f4a7c15ULL;
	h ^= h >> 29;
	return (uint32_t)(h >> 32) & s->mask;
}

struct nfw_cms *
nfw_cms_create(uint32_t width, uint32_t depth, int conservative, uint64_t seed)
{
	if (width < 16 || width > (1u << 26) || (width & (width - 1)) != 0 || depth < 1 || depth > 16) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_cms *s = calloc(1, sizeof(*s) + (size_t)width * depth * sizeof(uint64_t));
	if (s == NULL)
		return NULL;
	s->width = width;
	s->depth = depth;
	s->mask = width - 1;
	s->conservative = conservative != 0;
	s->seed = seed;
	for (uint32_t i = 0; i < depth; i++)
		s->row_seed[i] = nfw_hash64(&i, sizeof(i), seed);
	return s;
}

void
nfw_cms_free(struct nfw_cms *s)
{
	free(s);
}

void
nfw_cms_add(struct nfw_cms *s, uint64_t key, uint64_t count)
{
	if (s->conservative) { /* it has to read the cells anyway */
		(void)nfw_cms_add_est(s, key, count);
		return;
	}
	s->total += count;
	for (uint32_t i = 0; i < s->depth; i++)
		s->c[(size_t)i * s->width + col(s, key, i)] += count;
}

/*
 * Depth 4, conservative: what every sketch of the data path is. Straight
 * code, the four loads issued together and the writes without branches
 * (the generic loop below compiles to a branchy kilobyte).
 */
static inline uint64_t
add_est_cons4(struct nfw_cms *s, uint64_t key, uint64_t count)
{
	uint64_t *c0 = &s->c[col(s, key, 0)], *c1 = &s->c[(size_t)s->width + col(s, key, 1)];
	uint64_t *c2 = &s->c[(size_t)2 * s->width + col(s, key, 2)];
	uint64_t *c3 = &s->c[(size_t)3 * s->width + col(s, key, 3)];
	uint64_t v0 = *c0, v1 = *c1, v2 = *c2, v3 = *c3;
	uint64_t m01 = v0 < v1 ? v0 : v1, m23 = v2 < v3 ? v2 : v3;
	uint64_t target = (m01 < m23 ? m01 : m23) + count;
	s->total += count;
	*c0 = v0 < target ? target : v0;
	*c1 = v1 < target ? target : v1;
	*c2 = v2 < target ? target : v2;
	*c3 = v3 < target ? target : v3;
	return target;
}

uint64_t
nfw_cms_add_est(struct nfw_cms *s, uint64_t key, uint64_t count)
{
	if (s->depth == 4 && s->conservative)
		return add_est_cons4(s, key, count);
	uint32_t cols[16];
	uint64_t min = UINT64_MAX;
	s->total += count;
	for (uint32_t i = 0; i < s->depth; i++) {
		cols[i] = col(s, key, i);
		uint64_t v = s->c[(size_t)i * s->width + cols[i]];
		if (v < min)
			min = v;
	}
	uint64_t target = min + count;
	if (s->conservative) {
		for (uint32_t i = 0; i < s->depth; i++) {
			uint64_t *v = &s->c[(size_t)i * s->width + cols[i]];
			if (*v < target)
				*v = target;
		}
		return target;
	}
	for (uint32_t i = 0; i < s->depth; i++)
		s->c[(size_t)i * s->width + cols[i]] += count;
	return target; /* every row grew by count: the smallest is min + count */
}

void
nfw_cms_halve(struct nfw_cms *s)
{
	for (size_t i = 0; i < (size_t)s->width * s->depth; i++)
		s->c[i] >>= 1;
	s->total >>= 1;
}

void
nfw_cms_prefetch(const struct nfw_cms *s, uint64_t key)
{
	for (uint32_t i = 0; i < s->depth; i++)
		__builtin_prefetch(&s->c[(size_t)i * s->width + col(s, key, i)]);
}

uint32_t
nfw_cms_width(const struct nfw_cms *s)
{
	return s->width;
}

uint64_t
nfw_cms_estimate(const struct nfw_cms *s, uint64_t key)
{
	uint64_t min = UINT64_MAX;
	for (uint32_t i = 0; i < s->depth; i++) {
		uint64_t v = s->c[(size_t)i * s->width + col(s, key, i)];
		if (v < min)
			min = v;
	}
	return min;
}

int
nfw_cms_merge(struct nfw_cms *dst, const struct nfw_cms *src)
{
	if (dst->width != src->width || dst->depth != src->depth || dst->seed != src->seed)
		return -EINVAL;
	size_t n = (size_t)dst->width * dst->depth;
	for (size_t i = 0; i < n; i++)
		dst->c[i] += src->c[i];
	dst->total += src->total;
	return 0;
}

void
nfw_cms_clear(struct nfw_cms *s)
{
	memset(s->c, 0, (size_t)s->width * s->depth * sizeof(uint64_t));
	s->total = 0;
}

uint64_t
nfw_cms_total(const struct nfw_cms *s)
{
	return s->total;
}

size_t
nfw_cms_memory(const struct nfw_cms *s)
{
	return sizeof(*s) + (size_t)s->width * s->depth * sizeof(uint64_t);
}
