/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_APP_CONTROL_H
#define NFW_APP_CONTROL_H

/*
 * The control thread and the command front ends.
 *
 *   control.c    the control thread: closed flows to the detectors, an epoch
 *                tick (sketch swap and merge, detectors, streamed findings),
 *                snapshots for telemetry, the unix socket, periodic stats
 *   ops.c        struct nfw_ctl_ops over the appliance: worker requests,
 *                counters with their clear-stats baselines, configuration
 *   frontends.c  the librte_cmdline prompt (-i), --cmdline-file scripts and
 *                the telemetry endpoints
 *
 * One mutex (ctl.lock) orders everything that is not a worker: the control
 * thread's tick, and every command from any front end. Workers never take
 * it: they answer requests between bursts (app.h, struct wreq).
 */

#include <pthread.h>
#include <stdio.h>

#include <jansson.h>

#include "app.h"
#include "nfw_ctl.h"
#include "nfw_detect.h"

#define CTL_MAX_CONNS 8
#define CTL_MAX_OVERRIDES 256

struct seen {
	char id[160];
	double score;
};

struct conn {
	int fd;
	uint64_t since_ms;
	size_t len;
	bool overflow;     /* the line was too long: the rest is read and dropped up to its newline */
	char buf[NFW_CTL_MAX_LINE + 8];
};

struct override {
	uint8_t addr[16];
	uint32_t rate;
};

struct control {
	pthread_mutex_t lock;
	struct nfw_ctl *ctl;
	/* detection */
	struct nfw_detect *det;
	struct nfw_detect_config dcfg;
	FILE *findings;
	struct seen *seen;
	unsigned nseen, capseen;
	uint64_t flows, streamed;
	uint64_t first_ms, last_ms;
	const struct nfw_finding *cur;      /* the merged list below */
	unsigned ncur;
	struct nfw_finding *merged;         /* the control thread's findings and every worker's beacons */
	unsigned capmerged;
	double beacon_ask_ms_max;           /* longest a worker took to run its beaconing */
	bool snapshotting;                  /* telemetry: findings as of the last epoch, no new run */
	struct nfw_detect_stats dstats;     /* the detectors' counters at control_close */
	bool dstats_final;
	/* sketches: the last whole epoch and everything since start */
	struct sketch_set last, total;
	struct sketch_set prev;     /* the epoch before last: heavy changers (show changes) */
	double last_s, prev_s;      /* their lengths */
	uint64_t epoch_tsc;         /* when the last epoch ended */
	bool sketches;
	uint64_t epochs;
	/* clear stats: what the counters were */
	struct wstats base[APP_MAX_WORKERS];
	uint64_t port_base[RTE_MAX_ETHPORTS][6]; /* ipackets ibytes imissed ierrors nombuf taken */
	struct nfw_ctl_exporter *exp_base;
	unsigned nexp_base;
	/* exporter allow / deny and sampling overrides, as commanded */
	struct acl acl;
	struct override ovr[CTL_MAX_OVERRIDES];
	unsigned novr;
	/* telemetry snapshots (their own lock: the telemetry thread reads them) */
	pthread_mutex_t snap_lock;
	json_t *snap_stats, *snap_exporters, *snap_findings;
	/* the unix socket */
	int lfd;
	struct conn conns[CTL_MAX_CONNS];
	/* threads */
	pthread_t thread, main_thread;
	bool thread_started;
	volatile bool wake_main;
};

extern struct control g_ctl;

/* control.c */
int control_open(struct app *a, struct control *c);
int control_start(struct app *a, struct control *c);
void control_join(struct control *c);
#define CTL_DRAIN_BUDGET 65536 /* closed flows per worker per 2 ms tick: 32 M/s, more than detection takes */
void control_drain(struct app *a, struct control *c, unsigned budget);
void control_close(struct app *a, struct control *c, uint64_t packets, uint64_t records);
void control_run_detectors(struct app *a, struct control *c);
/* The detectors' counters: the control thread's and every worker's beaconing (false: detection off). */
bool control_detect_stats(struct app *a, const struct control *c, struct nfw_detect_stats *out);
void control_epoch_sketches(struct app *a, struct control *c);
void print_stats(struct app *a, const char *title);
void print_detail(struct app *a, bool live);
uint64_t control_now_ms(void);

/* ops.c */
extern const struct nfw_ctl_ops app_ctl_ops;
/* run one command line under the lock; *out as nfw_ctl_exec */
enum nfw_ctl_status control_exec(struct control *c, const char *line, enum nfw_ctl_fmt fmt, char **out);
void control_snapshot(struct control *c);

/* frontends.c */
int frontend_script(struct app *a, struct control *c, const char *path);
int frontend_interactive(struct app *a, struct control *c);
int frontend_telemetry_register(void);

#endif
