/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_TEST_PKTBUILD_H
#define NFW_TEST_PKTBUILD_H

/*
 * Byte-level packet builder for hand-made export datagrams in tests:
 * big-endian writers and a "patch the length here later" helper.
 */

#include <stdint.h>
#include <string.h>

#include "nfw_decode.h"

struct pb {
	uint8_t b[65536];
	size_t n;
};

static inline void pb_u8(struct pb *p, uint8_t v) { p->b[p->n++] = v; }
static inline void pb_u16(struct pb *p, uint16_t v) { pb_u8(p, (uint8_t)(v >> 8)); pb_u8(p, (uint8_t)v); }
static inline void pb_u32(struct pb *p, uint32_t v) { pb_u16(p, (uint16_t)(v >> 16)); pb_u16(p, (uint16_t)v); }
static inline void pb_u64(struct pb *p, uint64_t v) { pb_u32(p, (uint32_t)(v >> 32)); pb_u32(p, (uint32_t)v); }
static inline void pb_bytes(struct pb *p, const void *s, size_t n) { memcpy(p->b + p->n, s, n); p->n += n; }
static inline void pb_zero(struct pb *p, size_t n) { memset(p->b + p->n, 0, n); p->n += n; }
static inline void pb_set16(struct pb *p, size_t at, uint16_t v) { p->b[at] = (uint8_t)(v >> 8); p->b[at + 1] = (uint8_t)v; }
/* patch a 16-bit length at `at` to cover from `from` to the end */
static inline void pb_len16(struct pb *p, size_t at, size_t from) { pb_set16(p, at, (uint16_t)(p->n - from)); }

static inline struct nfw_exporter_addr
test_exporter(uint32_t v4, uint16_t port)
{
	struct nfw_exporter_addr e;
	memset(&e, 0, sizeof(e));
	nfw_exporter_addr_set4(&e, v4);
	e.port = port;
	return e;
}

static inline uint32_t
flow_v4(const uint8_t a[16])
{
	return (uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 | (uint32_t)a[14] << 8 | a[15];
}

static inline uint64_t
drops_sum(const uint64_t *a)
{
	uint64_t s = 0;
	for (unsigned i = 0; i < NFW_DROP__MAX; i++)
		s += a[i];
	return s;
}

#endif
