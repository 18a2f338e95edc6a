/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyperLogLog (Flajolet et al. 2007) over 64-bit hashes: the top p bits
 * pick the register, the rank is the position of the first 1 in the rest.
 * Estimate: alpha_m m^2 / sum 2^-M[j]; below 2.5 m with empty registers,
 * linear counting m ln(m / V). With 64-bit hashes no large-range
 * correction is needed. Registers are bytes; merge is register max.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_sketch.h"

struct nfw_hll {
	uint8_t p;
	uint32_t m;
	uint8_t reg[];
};

struct nfw_hll *
nfw_hll_create(uint8_t p)
{
	if (p < 4 || p > 18) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_hll *h = calloc(1, sizeof(*h) + (1u << p));
	if (h == NULL)
		return NULL;
	h->p = p;
	h->m = 1u << p;
	return h;
}

void
nfw_hll_free(struct nfw_hll *h)
{
	free(h);
}

void
nfw_hll_regs_add(uint8_t *reg, uint8_t p, uint64_t x)
{
	uint32_t j = (uint32_t)(x >> (64 - p));
	uint64_t w = x << p | (1ull << (p - 1)); /* a sentinel bounds the rank */
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
	if (rank > reg[j])
		reg[j] = rank;
}

void
nfw_hll_add(struct nfw_hll *h, uint64_t x)
{
	nfw_hll_regs_add(h->reg, h->p, x);
}

/* 2^-r for every rank a register can hold (1 .. 64 - p + 1): no ldexp per register */
static const double pow2_neg[66] = {
	0x1p-0, 0x1p-1, 0x1p-2, 0x1p-3, 0x1p-4, 0x1p-5, 0x1p-6, 0x1p-7, 0x1p-8, 0x1p-9, 0x1p-10,
	0x1p-11, 0x1p-12, 0x1p-13, 0x1p-14, 0x1p-15, 0x1p-16, 0x1p-17, 0x1p-18, 0x1p-19,
	0x1p-20, 0x1p-21, 0x1p-22, 0x1p-23, 0x1p-24, 0x1p-25, 0x1p-26, 0x1p-27, 0x1p-28,
	0x1p-29, 0x1p-30, 0x1p-31, 0x1p-32, 0x1p-33, 0x1p-34, 0x1p-35, 0x1p-36, 0x1p-37,
	0x1p-38, 0x1p-39, 0x1p-40, 0x1p-41, 0x1p-42, 0x1p-43, 0x1p-44, 0x1p-45, 0x1p-46,
	0x1p-47, 0x1p-48, 0x1p-49, 0x1p-50, 0x1p-51, 0x1p-52, 0x1p-53, 0x1p-54, 0x1p-55,
	0x1p-56, 0x1p-57, 0x1p-58, 0x1p-59, 0x1p-60, 0x1p-61, 0x1p-62, 0x1p-63, 0x1p-64,
	0x1p-65
};

void
nfw_hll_prefetch(const struct nfw_hll *h, uint64_t x)
{
	__builtin_prefetch(&h->reg[x >> (64 - h->p)]);
}

double
nfw_hll_regs_count(const uint8_t *reg, uint8_t p)
{
	uint32_t mm = 1u << p;
	double m = mm, sum = 0;
	uint32_t zeros = 0;
	for (uint32_t j = 0; j < mm; j++) {
		sum += pow2_neg[reg[j]];
		zeros += reg[j] == 0;
	}
	double alpha = mm == 16 ? 0.673 : mm == 32 ? 0.697 : mm == 64 ? 0.709 : 0.7213 / (1.0 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);
	return e;
}

double
nfw_hll_count(const struct nfw_hll *h)
{
	return nfw_hll_regs_count(h->reg, h->p);
}

int
nfw_hll_merge(struct nfw_hll *dst, const struct nfw_hll *src)
{
	if (dst->p != src->p)
		return -EINVAL;
	for (uint32_t j = 0; j < dst->m; j++)
		if (src->reg[j] > dst->reg[j])
			dst->reg[j] = src->reg[j];
	return 0;
}

void
nfw_hll_clear(struct nfw_hll *h)
{
	memset(h->reg, 0, h->m);
}

const uint8_t *
nfw_hll_registers(const struct nfw_hll *h, size_t *n)
{
	*n = h->m;
	return h->reg;
}
