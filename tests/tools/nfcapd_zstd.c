/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfcapd_zstd IN OUT: an uncompressed nfdump 1.7 file rewritten with ZSTD
 * blocks (compression 4), as nfdump 1.7.2 and later write them; Debian's
 * nfdump 1.7.1 writes none, and tests/query/test_nfcapd.sh reads both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

int
main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: nfcapd_zstd IN OUT\n");
		return 2;
	}
	FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
	uint8_t h[40], bh[12];
	if (in == NULL || out == NULL || fread(h, 1, 40, in) != 40 || h[16] != 0) {
		fprintf(stderr, "nfcapd_zstd: %s: not an uncompressed nfdump file\n", argv[1]);
		return 1;
	}
	h[16] = 4;
	size_t cap = 16u << 20;
	uint8_t *raw = malloc(cap), *z = malloc(ZSTD_compressBound(cap));
	if (raw == NULL || z == NULL || fwrite(h, 1, 40, out) != 40)
		return 1;
	while (fread(bh, 1, 12, in) == 12) {
		uint32_t size = (uint32_t)bh[4] | (uint32_t)bh[5] << 8 | (uint32_t)bh[6] << 16 | (uint32_t)bh[7] << 24;
		if (size > cap || fread(raw, 1, size, in) != size)
			return 1;
		size_t n = ZSTD_compress(z, ZSTD_compressBound(cap), raw, size, 3);
		if (ZSTD_isError(n))
			return 1;
		for (int i = 0; i < 4; i++)
			bh[4 + i] = (uint8_t)(n >> (8 * i));
		bh[10] &= (uint8_t)~1u; /* compressed now */
		if (fwrite(bh, 1, 12, out) != 12 || fwrite(z, 1, n, out) != n)
			return 1;
	}
	free(raw);
	free(z);
	return fclose(out) == 0 ? 0 : 1;
}
