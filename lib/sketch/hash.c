/* SPDX-License-Identifier: BSD-3-Clause */
/* 64-bit hash for sketch keys: 8 bytes at a time, multiply-xorshift, a final mix. */
#include <string.h>

#include "nfw_sketch.h"

static inline uint64_t
mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t
nfw_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ mix(v)) * 0x9e3779b97f4a7c15ULL;
		h = h << 27 | h >> 37;
		p += 8;
		len -= 8;
	}
	uint64_t tail = 0;
	memcpy(&tail, p, len);
	h ^= mix(tail ^ 0x5bd1e9955bd1e995ULL);
	return mix(h);
}
