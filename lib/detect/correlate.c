/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Site-wide context over a finished list of findings: what no detector
 * sees from its own entity.
 *
 *   shared periodic services  a destination (address, port, protocol) that
 *                             at least beacon_shared_hosts internal hosts
 *                             each reach on a period of their own is a
 *                             service (chat, mail push, an EDR cloud, an
 *                             update check), not C2: RITA scores this as
 *                             prevalence. Its beaconing findings go
 *                             (beacon_shared_tuples).
 *   a handful on a rare one   fewer hosts beaconing to one destination are
 *                             the threat, and one finding: the lowest
 *                             address names it, the best score is its
 *                             score, its evidence lists the hosts
 *                             (findings_grouped counts the ones folded in).
 *   chains                    a host that is the source of findings of two
 *                             or more types (a beacon, then lateral
 *                             movement or an upload) is likely compromised:
 *                             each of those findings gains 10, and says why.
 *
 * It runs where every finding is in one list: nfw_detect_run_end of an
 * instance running every detector (nfwatch-query), and the appliance's
 * merge of its workers' beaconing with the control thread's detectors, so
 * that both report the same. Its input is the detectors' own findings of
 * this run (a list is never correlated twice). Two sorts of an index: the
 * cost is n log n in the findings, whatever their number.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* qsort_r */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

/* beaconing findings by destination, port, protocol, then source */
static int
by_service(const void *a, const void *b, void *base)
{
	const struct nfw_finding *f = base, *x = &f[*(const unsigned *)a], *y = &f[*(const unsigned *)b];
	int c = memcmp(x->dst, y->dst, 16);
	if (c != 0)
		return c;
	if (x->dst_port != y->dst_port)
		return x->dst_port < y->dst_port ? -1 : 1;
	if (x->proto != y->proto)
		return x->proto < y->proto ? -1 : 1;
	return memcmp(x->src, y->src, 16);
}

static int
by_source(const void *a, const void *b, void *base)
{
	const struct nfw_finding *f = base, *x = &f[*(const unsigned *)a], *y = &f[*(const unsigned *)b];
	int c = memcmp(x->src, y->src, 16);
	if (c != 0)
		return c;
	return x->type - y->type;
}

static bool
same_service(const struct nfw_finding *x, const struct nfw_finding *y)
{
	return memcmp(x->dst, y->dst, 16) == 0 && x->dst_port == y->dst_port && x->proto == y->proto;
}

/* Beacons to one destination: gone when shared, one finding when a handful. */
static void
beacon_groups(struct nfw_detect *d, struct nfw_finding *f, const unsigned *idx, unsigned m, bool *gone)
{
	char a[64], list[48];
	for (unsigned i = 0; i < m;) {
		unsigned j = i + 1;
		while (j < m && same_service(&f[idx[i]], &f[idx[j]]))
			j++;
		unsigned k = j - i;
		if (k >= d->cfg.beacon_shared_hosts) {
			for (unsigned t = i; t < j; t++)
				gone[idx[t]] = true;
			d->st.beacon_shared_tuples += k;
		} else if (k > 1) {
			struct nfw_finding *r = &f[idx[i]]; /* the lowest source names the group */
			size_t o = 0;
			list[0] = '\0';
			for (unsigned t = i; t < j; t++) {
				const struct nfw_finding *g = &f[idx[t]];
				if (g->score > r->score)
					r->score = g->score;
				if (g->first_ms < r->first_ms)
					r->first_ms = g->first_ms;
				if (g->last_ms > r->last_ms)
					r->last_ms = g->last_ms;
				if (o < sizeof(list))
					o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", t > i ? "," : "",
							      nfw_addr_str(g->src, a, sizeof(a)));
				if (t > i) {
					gone[idx[t]] = true;
					d->st.findings_grouped++;
				}
			}
			finding_ev(r, "hosts", k);
			finding_ev_str(r, "srcs", list);
			finding_why(r, true, "%u hosts on one rare destination", k);
			finding_finish(r);
			size_t len = strlen(r->summary);
			snprintf(r->summary + len, sizeof(r->summary) - len, "; %u hosts beacon there: %s", k, list);
		}
		i = j;
	}
}

/* A source with findings of two or more types: each of them gains 10. */
static void
chains(struct nfw_finding *f, const unsigned *idx, unsigned m)
{
	for (unsigned i = 0; i < m;) {
		unsigned j = i + 1, types = 1;
		while (j < m && memcmp(f[idx[i]].src, f[idx[j]].src, 16) == 0) {
			types += f[idx[j]].type != f[idx[j - 1]].type;
			j++;
		}
		if (types > 1) {
			char what[96];
			size_t o = 0;
			what[0] = '\0';
			for (unsigned t = i; t < j; t++)
				if ((t == i || f[idx[t]].type != f[idx[t - 1]].type) && o < sizeof(what))
					o += (size_t)snprintf(what + o, sizeof(what) - o, "%s%s", o ? ", " : "",
							      nfw_finding_type_str(f[idx[t]].type));
			for (unsigned t = i; t < j; t++) {
				struct nfw_finding *x = &f[idx[t]];
				x->score += 10;
				finding_why(x, true, "the same host: %s", what);
				finding_finish(x);
			}
		}
		i = j;
	}
}

unsigned
nfw_findings_correlate(struct nfw_detect *d, struct nfw_finding *f, unsigned n)
{
	d->st.beacon_shared_tuples = 0;
	d->st.findings_grouped = 0;
	if (n == 0)
		return 0;
	unsigned *idx = malloc(n * sizeof(*idx));
	bool *gone = calloc(n, sizeof(*gone));
	if (idx == NULL || gone == NULL) { /* no context: the findings as they are */
		free(idx);
		free(gone);
		return n;
	}
	unsigned m = 0;
	for (unsigned i = 0; i < n; i++)
		if (f[i].type == NFW_FINDING_BEACONING && f[i].has_src && f[i].has_dst)
			idx[m++] = i;
	qsort_r(idx, m, sizeof(*idx), by_service, f);
	beacon_groups(d, f, idx, m, gone);

	m = 0;
	for (unsigned i = 0; i < n; i++)
		if (!gone[i] && f[i].has_src)
			idx[m++] = i;
	qsort_r(idx, m, sizeof(*idx), by_source, f);
	chains(f, idx, m);

	unsigned kept = 0;
	for (unsigned i = 0; i < n; i++)
		if (!gone[i]) {
			if (kept != i)
				f[kept] = f[i];
			kept++;
		}
	free(idx);
	free(gone);
	nfw_findings_sort(f, kept);
	return kept;
}
