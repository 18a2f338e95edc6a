/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_QUERY_FLOWFILE_H
#define NFW_QUERY_FLOWFILE_H

#include <stddef.h>
#include <stdint.h>

#include "nfw_flow.h"

struct flowfile_stats {
	uint64_t records;
	uint64_t skipped;
};

/* Read JSON flow records (see flowfile.c); fn gets each. 0, or -1 with err. */
int flowfile_read(const char *path, void (*fn)(const struct nfw_flow *f, void *arg), void *arg,
		  struct flowfile_stats *st, char *err, size_t errlen);

#endif
