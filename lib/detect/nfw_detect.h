/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_DETECT_H
#define NFW_DETECT_H

/*
 * nfw_detect: flow sessions in, findings out (shared/spec/FINDINGS.md).
 *
 * Input is flows with counts already scaled by their sampling rate, and
 * stitched where an exporter split them by timeout (lib/flow closed
 * flows). Detectors in this version:
 *
 *   beaconing         per (src, dst, dst port, proto): session start times,
 *                     a period estimate tolerant of jitter and missed beats
 *                     (intervals folded onto multiples of the median), the
 *                     share of intervals on the period, MAD jitter, Bowley
 *                     skew, size regularity, persistence; at least
 *                     `beacon_min_events` sessions. Sessions that all reuse
 *                     one source port are one long-lived connection
 *                     (keepalives, NTP): not a beacon. A tuple whose
 *                     records were sampled, where most sessions go unseen,
 *                     is also tested by the phase coherence of its
 *                     intervals at a searched period (`beacon_min_phase_z`).
 *   port_scan         per source, behind a count-min prefilter on failed or
 *   lateral_movement  unanswered attempts (so spoofed floods cannot exhaust
 *                     memory): HyperLogLogs of distinct destinations, ports
 *                     and (destination, port) pairs, the answered share, and
 *                     the main port and destination. Internal sources fanning
 *                     out to internal hosts on admin ports are lateral
 *                     movement; everything else wide enough is a scan
 *                     (horizontal, vertical or block).
 *
 *   exfiltration      per (internal host, external destination): upload
 *                     volume in 5-minute buckets (busiest 5 min, hour, total),
 *                     producer / consumer ratio, first contact, the host's
 *                     own hourly baseline.
 *   volumetric        per internal destination (count-min prefilter): 10-s
 *                     buckets of packets spread over each flow's duration,
 *                     a median + MAD baseline, distinct sources, and how
 *                     much it answered: a flood from many sources, not a
 *                     flash crowd, not one long download.
 *   dns_tunneling     per internal client: DNS flows against the peers'
 *                     median and large requests; resolvers are recognized by
 *                     their many internal clients and not judged as clients.
 *
 * Roles from the configuration (resolvers, backup servers, NTP servers,
 * monitoring pollers, CDN and SaaS ranges) lower a finding's score rather
 * than hide it. Records whose rate is unknown never make an absolute
 * volume threshold on their own.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfw_decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_FINDING_TYPES(X) \
	X(PORT_SCAN,        "port_scan") \
	X(VOLUMETRIC,       "volumetric") \
	X(EXFILTRATION,     "exfiltration") \
	X(BEACONING,        "beaconing") \
	X(LATERAL_MOVEMENT, "lateral_movement") \
	X(DNS_TUNNELING,    "dns_tunneling")

enum nfw_finding_type {
#define NFW_X_FT_(n, s) NFW_FINDING_##n,
	NFW_FINDING_TYPES(NFW_X_FT_)
#undef NFW_X_FT_
	NFW_FINDING__MAX
};

enum nfw_severity { NFW_SEV_LOW, NFW_SEV_MEDIUM, NFW_SEV_HIGH, NFW_SEV_CRITICAL };

const char *nfw_finding_type_str(unsigned t);
const char *nfw_severity_str(unsigned s);

#define NFW_EVIDENCE_MAX 14

struct nfw_evidence {
	const char *name;   /**< static string */
	double num;
	char str[48];       /**< is_str: a string value instead of num */
	bool is_str;
};

struct nfw_finding {
	char id[160];
	uint8_t type;
	uint8_t severity;
	double score;            /**< 0..100 */
	uint8_t src[16], dst[16];
	bool has_src, has_dst;
	int32_t dst_port;        /**< -1: none */
	uint8_t proto;           /**< 0: none */
	uint64_t first_ms, last_ms;
	char summary[256];
	struct nfw_evidence ev[NFW_EVIDENCE_MAX];
	unsigned nev;
	/* the score explained (evidence score_raised_by, score_lowered_by): short
	 * phrases, "; " between them, empty when nothing did */
	char raised[160];
	char lowered[160];
};

#define NFW_ROLES(X) \
	X(RESOLVER,   "resolvers") \
	X(BACKUP,     "backup") \
	X(NTP,        "ntp") \
	X(MONITORING, "monitoring") \
	X(CDN_SAAS,   "cdn_saas")

enum nfw_role {
#define NFW_X_ROLE_(n, s) NFW_ROLE_##n,
	NFW_ROLES(NFW_X_ROLE_)
#undef NFW_X_ROLE_
	NFW_ROLE__MAX
};

/** "resolvers", "backup", ... as in the configuration file. */
const char *nfw_role_str(unsigned r);

#define NFW_DETECT_MAX_PREFIXES 32

struct nfw_detect_config {
	struct nfw_prefix home[NFW_DETECT_MAX_PREFIXES];
	unsigned nhome;
	struct nfw_prefix role[NFW_ROLE__MAX][NFW_DETECT_MAX_PREFIXES];
	unsigned nrole[NFW_ROLE__MAX];
	/* beaconing */
	unsigned beacon_min_events;      /**< 12 */
	double beacon_max_jitter;        /**< 0.25: MAD / period */
	double beacon_min_on_period;     /**< 0.7: share of intervals on a multiple of the period */
	double beacon_min_period_s;      /**< 5 */
	double beacon_min_phase_z;       /**< 18: sampled tuples, Rayleigh Z of the intervals' phases
	                                      at the period (beacon_phase.c); ~Exp(1) at random */
	unsigned beacon_max_tuples;      /**< 1 M tuples tracked */
	unsigned beacon_shared_hosts;    /**< 5: a destination this many internal hosts beacon to is a
					      shared service, not C2 (nfw_findings_correlate) */
	double beacon_idle_s;            /**< 21600: a tuple with no session for this long is
					      dropped at the next run (the table stays bounded
					      on a link that runs for months) */
	/* fan-out: scans and lateral movement */
	double scan_prefilter;           /**< 20 weighted attempts before a source is tracked */
	unsigned scan_min_dsts;          /**< 50 distinct destinations: horizontal */
	unsigned scan_min_ports;         /**< 50 distinct ports on one destination: vertical */
	unsigned lateral_min_dsts;       /**< 20 internal destinations on admin ports */
	unsigned fanout_max_sources;     /**< 65536 sources tracked */
	double scan_idle_s;              /**< 86400: a tracked source (port_scan, lateral_movement)
					      with no flow for this long is dropped at the next run,
					      and the prefilter's counts are halved as often */
	/* exfiltration */
	double exfil_min_bytes;          /**< 100 MB out to one destination */
	double exfil_idle_s;             /**< 86400: a (host, destination) pair with no flow for
					      this long is dropped at the next run */
	/* DNS tunnelling */
	double dns_min_flows;            /**< 200 DNS flows from one client */
	double dns_min_request;          /**< 120 bytes per packet on average */
	double dns_idle_s;               /**< 86400: a client with no DNS flow for this long is
					      dropped at the next run; every client's counts are
					      halved as often (a day's half-life) */
	/* volumetric */
	double vol_prefilter;            /**< 20 000 packets before a destination is tracked */
	double vol_min_pps;              /**< 2 000 packets/s at the peak */
	double vol_min_sources;          /**< 100 distinct sources */
	double vol_idle_s;               /**< 86400: a tracked destination with no flow for this
					      long is dropped at the next run, and the prefilter's
					      counts are halved as often */
	/* reporting */
	double min_score;                /**< 30: findings scoring less are not reported */
	/* which detectors an instance runs (0: all): the appliance keeps beaconing,
	 * whose per-tuple state is sharded, on each worker and the rest on the
	 * control thread */
	unsigned parts;
};

#define NFW_DETECT_BEACON 1u   /**< beaconing */
#define NFW_DETECT_FANOUT 2u   /**< port_scan, lateral_movement */
#define NFW_DETECT_EXFIL 4u    /**< exfiltration */
#define NFW_DETECT_DNS 8u      /**< dns_tunneling */
#define NFW_DETECT_VOLUME 16u  /**< volumetric */
#define NFW_DETECT_ALL 31u

/** The defaults described above; home 10/8, 172.16/12, 192.168/16, fc00::/7. */
void nfw_detect_config_default(struct nfw_detect_config *c);

/**
 * Load a JSON configuration over the defaults:
 *   { "home": ["10.20.0.0/16", ...],
 *     "roles": { "resolvers": [...], "backup": [...], "ntp": [...],
 *                "monitoring": [...], "cdn_saas": [...] },
 *     "beaconing": { "min_events", "max_jitter", "min_on_period", "min_period_s", "idle_s",
 *                    "shared_hosts" },
 *     "port_scan": { "prefilter", "min_dsts", "min_ports", "idle_s" },
 *     "lateral_movement": { "min_dsts" },
 *     "exfiltration": { "min_bytes", "idle_s" },
 *     "dns_tunneling": { "min_flows", "min_request", "idle_s" },
 *     "volumetric": { "prefilter", "min_pps", "min_sources", "idle_s" },
 *     "min_score": 30 }
 * 0, or -1 with a message naming the field.
 */
int nfw_detect_config_load(struct nfw_detect_config *c, const char *path, char *err, size_t errlen);

/*
 * The numeric settings one at a time (the CLI's `set detector NAME param
 * VALUE`, `show config`): detector names as in the file, plus "scoring" for
 * min_score.
 */
unsigned nfw_detect_param_count(void);
int nfw_detect_param_info(unsigned i, const char **detector, const char **name, double *min, double *max);
double nfw_detect_param_get(const struct nfw_detect_config *c, unsigned i);
/** 0, or -1 with a message naming the detector's parameters or the range. */
int nfw_detect_config_set(struct nfw_detect_config *c, const char *detector, const char *name, double v,
			  char *err, size_t errlen);

struct nfw_detect_stats {
	uint64_t flows;
	uint64_t flows_bad_times;         /**< ending before they start (taken as ending then) or
					       past the year 10 889 (taken as then) */
	uint64_t beacon_tuples;
	uint64_t beacon_tuples_refused;   /**< tuple table full */
	uint64_t beacon_seen_lost;        /**< first sightings pushed out of their bucket (most
					       are tuples seen once that never return) */
	uint64_t beacon_seen_skipped;     /**< first sightings not kept: the table was busy (each
					       is kept with the chance that lets sightings wait ~15 min) */
	uint64_t beacon_tuples_expired;   /**< dropped after beacon_idle_s without a session */
	uint64_t beacon_tuples_evicted;   /**< dropped to make room in a table 3/4 full: not periodic,
					       or too short and an hour quiet */
	uint64_t fanout_sources;
	uint64_t fanout_sources_refused;  /**< source table full */
	uint64_t fanout_sources_expired;  /**< dropped after scan_idle_s without a flow */
	uint64_t fanout_sources_evicted;  /**< dropped to make room in a table 3/4 full: their
					       shares ruled out both findings */
	uint64_t exfil_pairs_refused;
	uint64_t exfil_pairs_expired;     /**< dropped after exfil_idle_s without a flow */
	uint64_t exfil_pairs_evicted;     /**< small pairs (< 1 MB) dropped to make room in a full table */
	uint64_t exfil_hosts_expired;     /**< hosts (hourly baselines) dropped after exfil_idle_s
					       without an upload */
	uint64_t vol_dsts;                /**< destinations tracked (past the prefilter) */
	uint64_t vol_dsts_refused;        /**< past the prefilter with the table full */
	uint64_t vol_dsts_expired;        /**< dropped after vol_idle_s without a flow */
	uint64_t vol_dsts_evicted;        /**< dropped to make room in a table 3/4 full: their
					       peak below half of vol_min_pps */
	uint64_t vol_flows_solicited;     /**< flows into an internal host that answer a connection it
					       opened, carrying data (downloads, updates, a proxy's
					       fetches): not counted towards a flood */
	uint64_t dns_clients_refused;
	uint64_t dns_clients_expired;     /**< dropped after dns_idle_s without a DNS flow */
	uint64_t dns_clients_evicted;     /**< dropped to make room in a table 3/4 full: below
					       dns_min_flows */
	/* site-wide context, at the last run (nfw_findings_correlate; not summed) */
	uint64_t beacon_shared_tuples;    /**< periodic tuples to a destination that at least
					       beacon_shared_hosts internal hosts reach on their own
					       period: a service, not reported */
	uint64_t findings_grouped;        /**< findings folded into another (several hosts beaconing
					       to one rare destination: one finding) */
};

/** The counters above by name (their field names), in order: for printing them all. */
unsigned nfw_detect_stat_count(void);
const char *nfw_detect_stat_name(unsigned i);
uint64_t nfw_detect_stat_value(const struct nfw_detect_stats *s, unsigned i);
/** dst += src, counter by counter (the control thread's detectors and the workers' beaconing). */
void nfw_detect_stats_add(struct nfw_detect_stats *dst, const struct nfw_detect_stats *src);

struct nfw_detect;

/** NULL with errno ENOMEM. The configuration is copied. */
struct nfw_detect *nfw_detect_create(const struct nfw_detect_config *c);
void nfw_detect_free(struct nfw_detect *d);
/** New thresholds, home networks and roles from now on (table sizes stay as created). */
void nfw_detect_reconfigure(struct nfw_detect *d, const struct nfw_detect_config *c);
const struct nfw_detect_config *nfw_detect_config_get(const struct nfw_detect *d);
/**
 * nfw_detect_run in slices, for a caller that must not stop for long (a
 * worker between bursts): begin; step with a budget (beaconing tuples
 * analysed; 1024 times as many too short to analyse may be passed over)
 * until it returns true (the other detectors run in the first step); end
 * gives what nfw_detect_run would. Flows may be added between steps.
 */
void nfw_detect_run_begin(struct nfw_detect *d);
bool nfw_detect_run_step(struct nfw_detect *d, unsigned budget);
unsigned nfw_detect_run_end(struct nfw_detect *d, const struct nfw_finding **out);
/** Order findings as nfw_detect_run does (severity, then score): to merge instances' lists. */
void nfw_findings_sort(struct nfw_finding *f, unsigned n);
/**
 * Site-wide context over one run's complete list (correlate.c): beacons to a
 * destination many internal hosts share are a service and go; a handful of
 * hosts on one rare destination become one finding; a host with findings of
 * several types gains in score. Sorted after; returns the new count, and
 * sets d's beacon_shared_tuples and findings_grouped. nfw_detect_run does it
 * when d runs every detector; the appliance calls it on its merged list.
 */
unsigned nfw_findings_correlate(struct nfw_detect *d, struct nfw_finding *f, unsigned n);

/** One flow (a stitched session). */
void nfw_detect_add(struct nfw_detect *d, const struct nfw_flow *f);
/** The same for n flows, their table look-ups overlapped (what the appliance feeds). */
#define NFW_DETECT_BURST 16
void nfw_detect_add_burst(struct nfw_detect *d, const struct nfw_flow *f, unsigned n);
/**
 * The same with the addresses' hashes the caller already has (it hashed
 * them for its own sketches): hs[i] and hd[i] are nfw_hash64(address, 16, 0)
 * of f[i]'s source and destination. Both NULL: computed here.
 */
void nfw_detect_add_burst_hashed(struct nfw_detect *d, const struct nfw_flow *f, const uint64_t *hs,
				 const uint64_t *hd, unsigned n);

/**
 * Analyse what was added; the findings, prioritized (severity, then score),
 * stay valid until the next call or free. Returns their count.
 */
unsigned nfw_detect_run(struct nfw_detect *d, const struct nfw_finding **out);

void nfw_detect_stats_get(const struct nfw_detect *d, struct nfw_detect_stats *s);

#ifdef __cplusplus
}
#endif

#endif /* NFW_DETECT_H */
