/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_GEN_H
#define NFW_GEN_H

/*
 * nfwatch-gen internals. The pipeline, one file per stage:
 *
 *   scenario.c  scenario JSON (a file or a built-in, builtin.c) -> struct scenario
 *   behave.c    each behaviour -> conversations (both directions, labelled)
 *   split.c     conversations -> flow records as an exporter would cut them:
 *               active / inactive timeouts, flowEndReason, 1:N packet sampling,
 *               export time; records sorted by export time
 *   emit.c      records -> datagrams per exporter (lib/export) -> pcap or
 *               paced UDP to loopback
 *   truth.c     labels and per-exporter expected totals as JSON
 *
 * Time is simulated: six hours of flows are produced as fast as the CPU
 * goes, each record stamped with its scenario time.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nfw_flow.h"

#define GEN_MAX_EXPORTERS 16
#define GEN_MAX_BEHAVIOURS 64
#define GEN_MAX_HOME 8

/* ---- deterministic random numbers ---- */

struct rng {
	uint64_t s;
};

static inline uint64_t
rng_u64(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, 1) */
static inline double
rng_unit(struct rng *r)
{
	return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return n ? (uint32_t)(rng_u64(r) % n) : 0;
}

double rng_exp(struct rng *r, double mean);
double rng_lognormal(struct rng *r, double median, double sigma);
double rng_pareto(struct rng *r, double xmin, double alpha);
uint64_t rng_binomial(struct rng *r, uint64_t n, double p);

/* ---- scenario ---- */

struct prefix {
	uint8_t addr[16]; /* IPv4-mapped for IPv4 */
	uint8_t len;      /* in the 128-bit space (IPv4 /16 is 112) */
};

struct exporter_cfg {
	char name[32];
	uint16_t version;         /* NFW_FLOW_* */
	uint8_t addr[16];
	uint16_t port;            /* exporter source port */
	uint16_t collector_port;  /* destination port in captures */
	uint32_t domain;
	uint32_t sampling;        /* 1: unsampled */
	uint32_t active_timeout_s;
	uint32_t inactive_timeout_s;
	uint32_t template_every;
	bool app_name;            /* IPFIX: a variable-length applicationName field */
};

struct behaviour {
	char type[32];
	char name[64];
	json_t *params;           /* the behaviour's own JSON object (borrowed) */
	uint64_t start_ms;        /* absolute */
	uint64_t end_ms;
	int exporter;             /* fixed exporter index, or -1: by internal host */
};

struct scenario {
	char name[64];
	uint64_t start_ms;
	uint64_t end_ms;
	uint64_t seed;
	struct prefix home[GEN_MAX_HOME];
	unsigned nhome;
	struct exporter_cfg exp[GEN_MAX_EXPORTERS];
	unsigned nexp;
	struct behaviour beh[GEN_MAX_BEHAVIOURS];
	unsigned nbeh;
	uint64_t max_records;
	json_t *root;             /* owns the JSON */
};

/* Load a scenario from a file path or a built-in name. 0 or -1 with err. */
int scenario_load(const char *name_or_path, struct scenario *sc, char *err, size_t errlen);
void scenario_free(struct scenario *sc);
/* Built-in scenario JSON text by name, or NULL; list them. */
const char *builtin_scenario(const char *name);
const char *const *builtin_names(void);

/* Parsing helpers shared by scenario.c and behave.c */
int parse_addr(const char *s, uint8_t out[16]);
int parse_prefix(const char *s, struct prefix *p);
int parse_duration_ms(json_t *v, uint64_t *out);
bool in_home(const struct scenario *sc, const uint8_t a[16]);
/* host number i (1-based) inside a prefix */
void prefix_host(const struct prefix *p, uint64_t i, uint8_t out[16]);

/* ---- conversations and labels ---- */

#define GEN_END_IDLE   1
#define GEN_END_ACTIVE 2
#define GEN_END_FIN    3
#define GEN_END_FORCED 4

struct conv {
	uint8_t src[16], dst[16];
	uint64_t start_ms, dur_ms;
	uint64_t bytes_fwd, pkts_fwd;
	uint64_t bytes_rev, pkts_rev;   /* 0 packets: unanswered */
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t flags_fwd, flags_rev;
	uint8_t end;                    /* GEN_END_FIN or GEN_END_IDLE */
	int16_t label;                  /* index into labels, -1 for background */
	int16_t exporter;               /* fixed exporter or -1 */
};

struct label {
	char type[32];           /* port_scan, volumetric, ... or a benign kind */
	char behaviour[64];
	bool malicious;
	uint8_t src[16], dst[16];
	bool has_src, has_dst;
	int32_t dst_port;        /* -1 when not one port */
	uint8_t proto;
	uint64_t first_ms, last_ms;
	json_t *extra;           /* kind-specific facts (owned) */
	uint64_t conversations;
};

struct convs {
	struct conv *v;
	size_t n, cap;
	struct label *lab;
	size_t nlab, caplab;
	uint64_t limit;          /* refuse to grow past this many conversations */
	bool overflow;
};

int convs_push(struct convs *c, const struct conv *x);
int label_add(struct convs *c, const char *type, const char *behaviour, bool malicious);
void convs_free(struct convs *c);

/* Run every behaviour of the scenario. 0 or -1 with err. */
int behave_all(const struct scenario *sc, struct convs *out, char *err, size_t errlen);

/* ---- records ---- */

struct grec {
	struct nfw_flow f;       /* counts as sampled (unscaled) */
	uint64_t export_ms;
	uint16_t exporter;
	int16_t label;
};

struct expected {            /* what a decoder should report per exporter */
	uint64_t records, bytes, packets;     /* scaled by the rate */
	uint64_t sampled_away;                /* records with no sampled packet */
	uint64_t datagrams;
};

struct records {
	struct grec *v;
	size_t n, cap;
	struct expected exp[GEN_MAX_EXPORTERS];
};

int split_all(const struct scenario *sc, const struct convs *cv, struct records *out,
	      char *err, size_t errlen);
void records_free(struct records *r);

/* ---- output ---- */

struct emit_opts {
	const char *pcap_path;     /* write a capture */
	const char *send_addr;     /* or send: "127.0.0.1:2055" */
	uint64_t pps;              /* pacing for send (0: as fast as possible) */
	uint32_t max_seconds;      /* bound on a send run */
	const char *send_src_base; /* source address of exporter 0 when sending (127.0.1.1) */
};

int emit_all(const struct scenario *sc, struct records *r, const struct emit_opts *o,
	     char *err, size_t errlen);

/* Sending helpers shared by emit.c and replay.c. */
struct sockaddr_in;
struct pacer {
	uint64_t pps;          /* 0: as fast as possible */
	uint32_t max_seconds;  /* 0: unbounded */
	uint64_t t0_ns;
	uint64_t sent;
};
/* Parse ADDR:PORT, loopback only. 0 or -1 with err. */
int send_dest(const char *to, struct sockaddr_in *out, char *err, size_t errlen);
/* A UDP socket bound to base + index (127.0.1.1 by default) and port, or -1. */
int send_socket(const char *base, unsigned index, uint16_t port, char *err, size_t errlen);
/* Wait for the next datagram's slot; -1 with err past max_seconds. */
int pace(struct pacer *p, char *err, size_t errlen);

/* Replay the export payloads of a capture over loopback, one socket per
 * exporter (source address and port) found in it. */
int replay_capture(const char *path, const struct emit_opts *o, char *err, size_t errlen);

int truth_write(const char *path, const struct scenario *sc, const struct convs *cv,
		const struct records *r, char *err, size_t errlen);
int expect_write(const char *path, const struct scenario *sc, const struct records *r, char *err,
		 size_t errlen);

#endif
