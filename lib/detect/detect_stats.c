/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The detectors' counters by name: what the appliance (`show detect stats`,
 * the summary) and nfwatch-query (--stats) print, every table's refusals,
 * evictions and expiries among them, so no entity a detector lets go is
 * lost silently. The table lists every field of struct nfw_detect_stats
 * (checked at build time by size).
 */
#include <stddef.h>

#include "nfw_detect.h"

#define S_(field) { #field, offsetof(struct nfw_detect_stats, field) }
static const struct {
	const char *name;
	size_t off;
} stat_defs[] = {
	S_(flows),
	S_(flows_bad_times),
	S_(beacon_tuples),
	S_(beacon_tuples_refused),
	S_(beacon_seen_lost),
	S_(beacon_seen_skipped),
	S_(beacon_tuples_expired),
	S_(beacon_tuples_evicted),
	S_(fanout_sources),
	S_(fanout_sources_refused),
	S_(fanout_sources_expired),
	S_(fanout_sources_evicted),
	S_(exfil_pairs_refused),
	S_(exfil_pairs_expired),
	S_(exfil_pairs_evicted),
	S_(exfil_hosts_expired),
	S_(vol_dsts),
	S_(vol_dsts_refused),
	S_(vol_dsts_expired),
	S_(vol_dsts_evicted),
	S_(vol_flows_solicited),
	S_(dns_clients_refused),
	S_(dns_clients_expired),
	S_(dns_clients_evicted),
	S_(beacon_shared_tuples),
	S_(findings_grouped),
};
#undef S_

#define NSTATS (sizeof(stat_defs) / sizeof(stat_defs[0]))
_Static_assert(NSTATS * sizeof(uint64_t) == sizeof(struct nfw_detect_stats), "every counter has a name");

unsigned
nfw_detect_stat_count(void)
{
	return NSTATS;
}

const char *
nfw_detect_stat_name(unsigned i)
{
	return i < NSTATS ? stat_defs[i].name : NULL;
}

uint64_t
nfw_detect_stat_value(const struct nfw_detect_stats *s, unsigned i)
{
	return i < NSTATS ? *(const uint64_t *)((const char *)s + stat_defs[i].off) : 0;
}

void
nfw_detect_stats_add(struct nfw_detect_stats *dst, const struct nfw_detect_stats *src)
{
	for (unsigned i = 0; i < NSTATS; i++)
		*(uint64_t *)((char *)dst + stat_defs[i].off) += nfw_detect_stat_value(src, i);
}
