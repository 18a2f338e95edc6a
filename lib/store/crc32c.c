/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CRC32C (Castagnoli, reflected 0x82F63B78): the SSE 4.2 crc32 instruction
 * where the processor has it (x86-64, checked once at run time), three
 * streams at a time so the instruction's 3-cycle latency overlaps (the
 * streams are joined by shifting with a table of x^(8n) mod P built once);
 * otherwise table driven, slice by 8. Every block of a segment is checked,
 * so reading segments spent a tenth of its time here with the tables
 * alone (bench/RESULTS.md).
 */
#include <pthread.h>
#include <stdbool.h>

#include "nfw_store.h"

static uint32_t tab[8][256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
		tab[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++)
		for (int s = 1; s < 8; s++)
			tab[s][i] = (tab[s - 1][i] >> 8) ^ tab[0][tab[s - 1][i] & 0xff];
}

static uint32_t
crc_table(uint32_t crc, const uint8_t *p, size_t len)
{
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
		crc = tab[7][lo & 0xff] ^ tab[6][(lo >> 8) & 0xff] ^ tab[5][(lo >> 16) & 0xff] ^
		      tab[4][lo >> 24] ^ tab[3][p[4]] ^ tab[2][p[5]] ^ tab[1][p[6]] ^ tab[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ tab[0][(crc ^ *p++) & 0xff];
	return crc;
}

#if defined(__x86_64__)
#include <string.h>

/* crc (a CRC register) advanced over n zero bytes: multiplication by x^(8n), the slow way, once */
static uint32_t
shift_zeros(uint32_t crc, size_t n)
{
	while (n--)
		crc = (crc >> 8) ^ tab[0][crc & 0xff];
	return crc;
}

#define HW_STRIPE 4096 /* bytes per stream per round: three of them */
static uint32_t shift_tab[4][256]; /* crc -> crc advanced over HW_STRIPE zero bytes, by byte */
static bool have_hw;

static void
init_hw(void)
{
	init();
	__builtin_cpu_init();
	have_hw = __builtin_cpu_supports("sse4.2");
	/* the shift is linear: each register bit's image once (32 x 4 KB of zeros), then the byte tables */
	uint32_t basis[32];
	for (unsigned k = 0; k < 32; k++)
		basis[k] = shift_zeros(1u << k, HW_STRIPE);
	for (unsigned b = 0; b < 4; b++)
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t v = 0;
			for (unsigned k = 0; k < 8; k++)
				if (i & (1u << k))
					v ^= basis[8 * b + k];
			shift_tab[b][i] = v;
		}
}

static inline uint32_t
shift_stripe(uint32_t crc)
{
	return shift_tab[0][crc & 0xff] ^ shift_tab[1][(crc >> 8) & 0xff] ^ shift_tab[2][(crc >> 16) & 0xff] ^
	       shift_tab[3][crc >> 24];
}

__attribute__((target("sse4.2"))) static uint32_t
crc_hw(uint32_t crc, const uint8_t *p, size_t len)
{
	uint64_t c0 = crc;
	while (len >= 3 * HW_STRIPE) {
		uint64_t c1 = 0, c2 = 0;
		for (size_t i = 0; i < HW_STRIPE; i += 8) {
			uint64_t a, b, c;
			memcpy(&a, p + i, 8);
			memcpy(&b, p + HW_STRIPE + i, 8);
			memcpy(&c, p + 2 * HW_STRIPE + i, 8);
			c0 = __builtin_ia32_crc32di(c0, a);
			c1 = __builtin_ia32_crc32di(c1, b);
			c2 = __builtin_ia32_crc32di(c2, c);
		}
		/* crc(A B C) = shift(shift(crc(A)) ^ crc(B)) ^ crc(C), each crc of B, C from 0 */
		c0 = shift_stripe(shift_stripe((uint32_t)c0) ^ (uint32_t)c1) ^ (uint32_t)c2;
		p += 3 * HW_STRIPE;
		len -= 3 * HW_STRIPE;
	}
	while (len >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		c0 = __builtin_ia32_crc32di(c0, a);
		p += 8;
		len -= 8;
	}
	while (len--)
		c0 = __builtin_ia32_crc32qi((uint32_t)c0, *p++);
	return (uint32_t)c0;
}

uint32_t
nfw_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&once, init_hw);
	return have_hw ? ~crc_hw(~crc, buf, len) : ~crc_table(~crc, buf, len);
}

/* the table form, for the test that holds the two to the same values */
uint32_t
nfw_crc32c_table(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&once, init_hw);
	return ~crc_table(~crc, buf, len);
}
#else
uint32_t
nfw_crc32c(uint32_t crc, const void *buf, size_t len)
{
	pthread_once(&once, init);
	return ~crc_table(~crc, buf, len);
}

uint32_t
nfw_crc32c_table(uint32_t crc, const void *buf, size_t len)
{
	return nfw_crc32c(crc, buf, len);
}
#endif
