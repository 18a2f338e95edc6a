/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_APP_H
#define NFW_APP_H

/*
 * The nfwatch appliance (see ../../../shared/DESIGN.md, "Data path").
 *
 *   config.c   profile files (dpdk-config/) and options -> struct app_cfg
 *   port.c     ports, rx queues, mbuf pools per socket, RSS as offered
 *   worker.c   the worker lcore loop, one engine per --mode:
 *                rxonly  rx burst and free
 *                decode  + L2-L4 walk, allow-list, decoder
 *                flow    + records hashed to their shard (own shard direct,
 *                          others over SPSC rings), flow table per shard
 *                full    + closed flows to segment files
 *   main.c     EAL, lcores, signals, periodic stats, the summary
 *
 * Every worker lcore is also one shard: it owns the flow table for the keys
 * that hash to it. Rings run from every worker to every other (SPSC).
 * Accounting, per worker and in total, at every moment:
 *   rx = skipped[L2-L4 reason] + denied + datagrams
 *   datagrams = decoded + dropped[decode reason]      (lib/decode)
 *   records = own shard + enqueued + ring_full
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ring.h>

#include "nfw_capture.h"
#include "nfw_ctl.h"
#include "nfw_decode.h"
#include "nfw_detect.h"
#include "nfw_filter.h"
#include "nfw_flowtab.h"
#include "nfw_meter.h"
#include "nfw_sketch.h"
#include "nfw_store.h"

#define APP_MAX_WORKERS 16
#define APP_MAX_RXQ 8
#define APP_MAX_ALLOW 64
#define APP_OUT_BATCH 64
#define APP_CLOSED_BATCH 32 /* closed flows handed to sketches, beaconing and the control ring together */

enum app_mode { MODE_RXONLY, MODE_DECODE, MODE_FLOW, MODE_FULL };

struct app_cfg {
	enum app_mode mode;
	unsigned duration_s;        /* 0: until SIGINT / SIGTERM */
	unsigned stats_interval_s;  /* 0: only at exit */
	char segments[1024];        /* directory, "" = none (full mode needs one) */
	unsigned rotate_min;
	int codec;
	unsigned flows_per_shard;
	unsigned flow_idle_s;
	unsigned burst;
	unsigned ring_size;
	unsigned rxq_per_port;
	unsigned nb_rxd;
	unsigned mbufs;             /* 0: sized from the ports */
	char summary_json[1024];
	char findings[1024];        /* stream findings as JSON lines ("" = no detection) */
	char report[1024];          /* the findings report at exit */
	char report_dir[1024];      /* where `save report` may write ("": report's directory, else cwd) */
	char detect_config[1024];
	unsigned epoch_s;           /* detectors run every epoch_s seconds */
	struct nfw_prefix allow[APP_MAX_ALLOW];
	unsigned nallow;
	bool interactive;           /* -i: the prompt on the main lcore */
	char cmdline_file[1024];    /* commands to run at start */
	char ctl_socket[108];       /* unix socket for nfwatch-ctl ("" = none) */
	bool telemetry;             /* /nfwatch/... endpoints (on unless --no-telemetry) */
	bool detect;                /* --detect: detectors on the control thread */
	bool meter;                 /* --mode meter: the port carries packets (a mirror), not exports */
	double meter_active_s, meter_inactive_s;
};

/* Which exporters a worker takes: deny first, then allow (empty allow = all). */
struct acl {
	struct nfw_prefix allow[APP_MAX_ALLOW];
	unsigned nallow;
	struct nfw_prefix deny[APP_MAX_ALLOW];
	unsigned ndeny;
};

/*
 * A request from the control thread to one worker, served between bursts
 * (and while paused): the control thread fills it and bumps seq; the worker
 * does it and sets done = seq. Nothing the worker owns is read or written
 * by anyone else; the buffers belong to the requester.
 */
enum wreq_kind {
	WREQ_EXPORTERS,  /* copy the decoder's exporters to out (struct nfw_ctl_exporter) */
	WREQ_TEMPLATES,  /* copy the template cache to out (struct nfw_ctl_template) */
	WREQ_TOPFLOWS,   /* the topn largest open flows matching filter, a slice per loop */
	WREQ_SAMPLING,   /* sampling override for addr */
	WREQ_ACL,        /* take the exporter allow / deny lists in acl */
	WREQ_ROTATE,     /* close the segment file, start the next */
	WREQ_FLUSH,      /* close every open flow */
	WREQ_DETECT_CFG, /* new detector settings (dcfg) for the worker's beaconing */
	WREQ_BEACONS,    /* run the worker's beaconing; copy its findings to out (struct nfw_finding) */
};

struct wreq {
	uint32_t seq;
	uint32_t done;
	enum wreq_kind kind;
	int rc;
	uint8_t addr[16];
	uint32_t rate;
	const struct acl *acl;
	const struct nfw_detect_config *dcfg;
	const struct nfw_filter *filter;
	unsigned topn;
	enum nfw_ctl_by by;
	void *out;
	unsigned max, n;
	uint32_t cursor;
	bool scanning;
};

/* The sketches of one epoch: heavy hitters by bytes and distinct counts. */
struct sketch_set {
	struct nfw_hh *src, *dst, *port;
	struct nfw_hll *srcs, *dsts;
	uint64_t updates;
};

/* Parse app options (after "--"). 0, or -1 with a message printed. */
int cfg_parse_app(struct app_cfg *c, int argc, char **argv);
/* Build the full argv: profile EAL words, vdevs, then the user's. */
int cfg_build_argv(int argc, char **argv, int *out_argc, char ***out_argv);
void cfg_defaults(struct app_cfg *c);
const char *mode_name(enum app_mode m);

struct wstats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t skipped[NFW_CAPTURE_SKIP__MAX];
	uint64_t denied;
	uint64_t multiseg_copied;
	uint64_t meter_timed;    /* meter mode: packets that came with their own time (rx timestamp) */
	uint64_t datagrams;
	uint64_t records;
	uint64_t own_shard;
	uint64_t enqueued;
	uint64_t ring_full;
	uint64_t dequeued;
	uint64_t flows_closed;
	uint64_t misrouted;      /* closed flows whose key belongs to another shard: must stay 0 */
	uint64_t to_detect;      /* closed flows handed to the control lcore's detectors */
	uint64_t detect_full;    /* ... that found its ring full: counted, the segment still has them */
	uint64_t seg_errors;
	uint64_t busy_cycles;
	uint64_t total_cycles;
};

struct rxq_ref {
	uint16_t port;
	uint16_t queue;
	uint64_t rx_pkts;
};

#define APP_MAX_EXP_SUMS 64

struct exp_sum {
	uint8_t addr[16];
	uint16_t port;
	uint16_t version;
	uint64_t records, bytes, packets;
};

struct worker {
	unsigned id;
	unsigned lcore;
	struct rxq_ref rxq[APP_MAX_RXQ];
	unsigned nrxq;
	struct nfw_decode *dec;
	struct nfw_meter *meter;                /* --mode meter: packets to flows, before the flow table */
	int64_t ts_off;                         /* the ports' rx timestamp field (-1: none) */
	uint64_t ts_flag;
	struct nfw_flowtab *ft;
	struct nfw_segw *segw;
	struct nfw_detect *beacons;             /* beaconing on this shard's tuples (detection on) */
	struct rte_ring *in[APP_MAX_WORKERS];   /* from worker j to this one */
	struct rte_ring *out[APP_MAX_WORKERS];  /* from this one to worker j */
	struct rte_ring *to_ctl;                /* closed flows to the control lcore (detection) */
	struct nfw_flow stage[APP_MAX_WORKERS][APP_OUT_BATCH];
	unsigned nstage[APP_MAX_WORKERS];
	struct nfw_flow closed[APP_CLOSED_BATCH]; /* closed flows not yet past detection */
	unsigned nclosed;
	volatile bool produce_done;
	volatile bool finished;
	struct wstats st;
	struct exp_sum sums[APP_MAX_EXP_SUMS];
	struct exp_sum *last_sum;
	unsigned nsums;
	uint64_t sums_overflow;
	struct acl acl;
	struct wreq req;
	struct sketch_set sk[2];    /* double-buffered: the worker fills sk[cur] */
	unsigned sk_cur;
	uint32_t sk_epoch;          /* the epoch sk[cur] belongs to (acknowledged) */
	uint8_t linear[16384];
} __rte_cache_aligned;

struct app {
	struct app_cfg cfg;
	struct worker *w[APP_MAX_WORKERS];
	unsigned nworkers;
	volatile bool quit;
	bool detect;
	volatile bool paused;
	bool sketches;              /* per-worker sketches of closed flows */
	uint32_t sk_epoch;          /* the control thread bumps it to swap the sketches */
	uint64_t start_ms;
	uint64_t tsc_hz;
	uint64_t tsc0;
};

extern struct app g_app;

/* every worker's counters summed (decoder, flow table and segment counters too) */
struct totals {
	struct wstats st;
	struct nfw_decode_stats dec;
	struct nfw_flowtab_stats ft;
	struct nfw_segw_stats seg;
};
void sum_all(struct app *a, struct totals *t);

/* app.c: workers, their state and rings; 0 or -1 with err */
int app_setup(struct app *a, char *err, size_t errlen);
void app_teardown(struct app *a);

/* port.c */
int ports_init(struct app *a);
void ports_close(struct app *a);

/* worker.c */
int worker_init(struct app *a, struct worker *w, char *err, size_t errlen);
int worker_main(void *arg);
void worker_fini(struct worker *w);
bool allow_check(const struct acl *acl, const uint8_t addr[16]);
void acl_from_cfg(struct acl *acl, const struct app_cfg *c);
/* run a request on worker w, waiting at most timeout_ms; 0, or -1 (no answer) */
int worker_request(struct app *a, struct worker *w, struct wreq *r, unsigned timeout_ms);
/* sketches */
int sketch_set_init(struct sketch_set *s);
void sketch_set_free(struct sketch_set *s);
void sketch_set_clear(struct sketch_set *s);
void sketch_set_merge(struct sketch_set *dst, const struct sketch_set *src);
void sketch_set_add(struct sketch_set *s, const struct nfw_flow *f, uint64_t hs, uint64_t hd);
unsigned shard_of(const struct nfw_flow *f, unsigned nshards);

#endif
