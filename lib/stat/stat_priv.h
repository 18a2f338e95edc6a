/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_STAT_PRIV_H
#define NFW_STAT_PRIV_H

/* Helpers shared by lib/stat's files; not part of its API. */

#include <stdint.h>

/* Keep the first m4 bits of an IPv4-mapped address (is4), or the first m6 of an IPv6 one. */
static inline void
stat_mask_addr(uint8_t a[16], int is4, unsigned m4, unsigned m6)
{
	unsigned bits = is4 ? 96u + m4 : m6;
	if (bits >= 128)
		return;
	unsigned byte = bits / 8, rem = bits % 8;
	if (rem != 0) {
		a[byte] &= (uint8_t)(0xff00u >> rem);
		byte++;
	}
	for (unsigned i = byte; i < 16; i++)
		a[i] = 0;
}

#endif
