/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer over the nfdump file reader (lib/nfcapd): any bytes as a file,
 * read to its end or its first damage; every flow handed out is checked
 * for sane times. Seeded with a real nfcapd file's head, each compression.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "nfw_nfcapd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	FILE *fp = fmemopen((void *)data, size, "rb");
	if (fp == NULL)
		return 0;
	char err[256];
	struct nfw_nfcapd *r = nfw_nfcapd_open_stream(fp, "fuzz", err, sizeof(err));
	if (r == NULL)
		return 0;
	struct nfw_flow f;
	while (nfw_nfcapd_next(r, &f) == 1)
		if (f.end_ms < f.start_ms || (f.af != 4 && f.af != 6))
			abort();
	struct nfw_nfcapd_stats st;
	nfw_nfcapd_stats_get(r, &st);
	if (st.flows > st.records)
		abort();
	nfw_nfcapd_close(r);
	return 0;
}
