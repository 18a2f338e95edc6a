/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFWQ_NFDUMP_H
#define NFWQ_NFDUMP_H

/*
 * nfwatch-query's nfdump stage: the records that passed the time window and
 * the filter go through here when an nfdump product is asked for (-s, -A,
 * -b / -B, -O, -o long|extended|fmt:); it aggregates, sorts and prints them
 * with nfdump's layouts and summary block. nfwatch's own record listing
 * (-o line|csv|json|ndjson with none of those) does not come here.
 */

#include <stdbool.h>
#include <stdio.h>

#include "nfw_flow.h"
#include "nfw_stat.h"

#define NFD_MAX_STATS 8

struct nfd_opts {
	struct nfw_stat_spec stats[NFD_MAX_STATS]; /* -s */
	unsigned nstats;
	bool agg;                   /* -A, -b or -B given */
	struct nfw_stat_keydef kd;  /* the aggregation key: -A's, else the 5-tuple (set it) */
	int order;                  /* -O, or -1 */
	size_t topn;                /* -n (0: all) */
	bool topn_given;            /* -n limits -A / -O listings too, when given */
	const char *fmt;            /* -o value for nfdump layouts, or NULL: line */
	bool csv, json;             /* -o csv / json / ndjson with an nfdump product */
	bool exact, quiet;          /* -N, -q */
	size_t limit;               /* aggregation entries at most */
};

struct nfd;

/** NULL with a message in err (a bad format, out of memory). */
struct nfd *nfd_create(const struct nfd_opts *o, FILE *fp, char *err, size_t errlen);
/** A record that passed. -1 when a table is full (the message is printed once). */
int nfd_put(struct nfd *d, const struct nfw_flow *f);
/** Print everything, the summary (s) last. 0, or 1 when a limit was hit. */
int nfd_finish(struct nfd *d, const struct nfw_stat_summary *s);
void nfd_free(struct nfd *d);

#endif
