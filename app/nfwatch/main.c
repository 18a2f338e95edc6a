/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch: the appliance. EAL and profile, one worker (and shard) per
 * worker lcore, SPSC rings between them, periodic stats, and on
 * SIGINT / SIGTERM / --duration a clean stop: rx stops, rings drain,
 * flow tables flush, segments are fsynced, the summary is printed (and
 * written as JSON with --summary-json), exit 0.
 *
 *   nfwatch [--profile dpdk-config/pcap.conf] [EAL options] -- [options]
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "app.h"
#include "control.h"
#include "nfw_detect.h"
#include "nfw_report.h"


static void
on_signal(int sig)
{
	(void)sig;
	g_app.quit = true;
}


static json_t *
reasons_json(const uint64_t *v, unsigned n, const char *(*name)(unsigned))
{
	json_t *o = json_object();
	for (unsigned r = 0; r < n; r++)
		if (v[r] != 0)
			json_object_set_new(o, name(r), json_integer((json_int_t)v[r]));
	return o;
}

static const char *
skip_name(unsigned r)
{
	return nfw_capture_skip_str(r);
}

static const char *
drop_name(unsigned r)
{
	return nfw_drop_reason_str(r);
}

static const char *
close_name(unsigned r)
{
	return nfw_flow_close_str(r);
}

static json_t *
summary_json(struct app *a, double secs)
{
	struct totals t;
	sum_all(a, &t);
	json_t *root = json_object();
	json_object_set_new(root, "mode", json_string(mode_name(a->cfg.mode)));
	json_object_set_new(root, "seconds", json_real(secs));
	/* ports and queues */
	json_t *ports = json_array();
	uint16_t port;
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_stats es;
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(port, &es);
		json_t *q = json_array();
		uint64_t rx = 0;
		for (unsigned i = 0; i < a->nworkers; i++)
			for (unsigned k = 0; k < a->w[i]->nrxq; k++)
				if (a->w[i]->rxq[k].port == port) {
					json_array_append_new(q, json_pack("{s:i, s:i, s:I}", "queue",
						a->w[i]->rxq[k].queue, "lcore", a->w[i]->lcore,
						"rx_pkts", (json_int_t)a->w[i]->rxq[k].rx_pkts));
					rx += a->w[i]->rxq[k].rx_pkts;
				}
		json_array_append_new(ports, json_pack("{s:i, s:I, s:I, s:I, s:I, s:o}", "port", port,
			"rx_pkts", (json_int_t)rx, "dev_ipackets", (json_int_t)es.ipackets,
			"imissed", (json_int_t)es.imissed, "rx_nombuf", (json_int_t)es.rx_nombuf, "queues", q));
	}
	json_object_set_new(root, "ports", ports);
	/* lcores */
	json_t *lc = json_array();
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		struct nfw_decode_stats d;
		nfw_decode_stats_total(w->dec, &d);
		json_array_append_new(lc, json_pack("{s:i, s:s, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:f, s:f}",
			"lcore", w->lcore, "role", "worker", "shard", w->id,
			"rx_pkts", (json_int_t)w->st.rx_pkts, "datagrams", (json_int_t)w->st.datagrams,
			"decoded", (json_int_t)d.decoded, "records", (json_int_t)w->st.records,
			"ring_full", (json_int_t)w->st.ring_full, "flows_closed", (json_int_t)w->st.flows_closed,
			"busy_s", (double)w->st.busy_cycles / (double)a->tsc_hz,
			"total_s", (double)w->st.total_cycles / (double)a->tsc_hz));
	}
	json_object_set_new(root, "lcores", lc);
	/* totals */
	uint64_t dropped = 0;
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		dropped += t.dec.dropped[r];
	json_t *tot = json_pack("{s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
		"rx_pkts", (json_int_t)t.st.rx_pkts, "rx_bytes", (json_int_t)t.st.rx_bytes,
		"skipped", reasons_json(t.st.skipped, NFW_CAPTURE_SKIP__MAX, skip_name),
		"denied", (json_int_t)t.st.denied, "datagrams", (json_int_t)t.st.datagrams,
		"decoded", (json_int_t)t.dec.decoded, "dropped_total", (json_int_t)dropped,
		"dropped", reasons_json(t.dec.dropped, NFW_DROP__MAX, drop_name),
		"set_dropped", reasons_json(t.dec.set_dropped, NFW_DROP__MAX, drop_name),
		"records", (json_int_t)t.st.records, "own_shard", (json_int_t)t.st.own_shard,
		"enqueued", (json_int_t)t.st.enqueued, "ring_full", (json_int_t)t.st.ring_full,
		"dequeued", (json_int_t)t.st.dequeued, "multiseg_copied", (json_int_t)t.st.multiseg_copied);
	json_object_set_new(tot, "to_detect", json_integer((json_int_t)t.st.to_detect));
	json_object_set_new(tot, "detect_full", json_integer((json_int_t)t.st.detect_full));
	json_object_set_new(root, "totals", tot);
	if (a->cfg.meter) { /* a mirror port: packets = metered + dropped by reason, flows by how they ended */
		struct nfw_meter_stats m = { 0 }, x;
		for (unsigned i = 0; i < a->nworkers; i++) {
			if (a->w[i]->meter == NULL)
				continue;
			nfw_meter_stats_get(a->w[i]->meter, &x);
			m.packets += x.packets;
			m.metered += x.metered;
			for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
				m.dropped[r] += x.dropped[r];
			m.fragments += x.fragments;
			m.out_of_order += x.out_of_order;
			m.flows += x.flows;
			m.ended_inactive += x.ended_inactive;
			m.ended_active += x.ended_active;
			m.evicted_full += x.evicted_full;
			m.flushed += x.flushed;
		}
		json_t *dr = json_object();
		for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
			json_object_set_new(dr, nfw_meter_drop_str(r), json_integer((json_int_t)m.dropped[r]));
		json_object_set_new(root, "meter", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
			"packets", (json_int_t)m.packets, "metered", (json_int_t)m.metered, "flows", (json_int_t)m.flows,
			"ended_inactive", (json_int_t)m.ended_inactive, "ended_active", (json_int_t)m.ended_active,
			"evicted_full", (json_int_t)m.evicted_full, "flushed", (json_int_t)m.flushed,
			"fragments", (json_int_t)m.fragments, "out_of_order", (json_int_t)m.out_of_order,
			"timed", (json_int_t)t.st.meter_timed, "dropped", dr));
	}
	struct nfw_detect_stats ds;
	if (control_detect_stats(a, &g_ctl, &ds))
		json_object_set_new(root, "detection", nfw_detect_stats_to_json(&ds));
	json_object_set_new(root, "decoder", nfw_decode_stats_to_json(&t.dec));
	json_object_set_new(root, "flows", json_pack("{s:I, s:I, s:I, s:I, s:o}",
		"records", (json_int_t)t.ft.records, "created", (json_int_t)t.ft.created,
		"merged", (json_int_t)t.ft.merged, "active", (json_int_t)t.ft.active,
		"closed", reasons_json(t.ft.closed, NFW_FLOW_CLOSE__MAX, close_name)));
	json_object_set_new(root, "segments", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"records", (json_int_t)t.seg.records, "blocks", (json_int_t)t.seg.blocks,
		"files", (json_int_t)t.seg.files, "bytes", (json_int_t)t.seg.bytes,
		"errors", (json_int_t)(t.seg.write_errors + t.st.seg_errors)));
	/* exporters: summed over workers */
	json_t *ex = json_array();
	for (unsigned i = 0; i < a->nworkers; i++)
		for (unsigned k = 0; k < a->w[i]->nsums; k++) {
			const struct exp_sum *s = &a->w[i]->sums[k];
			char addr[64];
			nfw_addr_str(s->addr, addr, sizeof(addr));
			json_t *found = NULL;
			size_t idx;
			json_t *e;
			json_array_foreach(ex, idx, e)
				if (strcmp(json_string_value(json_object_get(e, "addr")), addr) == 0 &&
				    json_integer_value(json_object_get(e, "port")) == s->port)
					found = e;
			if (found == NULL) {
				found = json_pack("{s:s, s:i, s:i, s:I, s:I, s:I}", "addr", addr, "port", s->port,
						  "version", s->version, "records", (json_int_t)0, "bytes",
						  (json_int_t)0, "packets", (json_int_t)0);
				json_array_append_new(ex, found);
			}
			json_object_set_new(found, "records", json_integer(json_integer_value(json_object_get(found, "records")) + (json_int_t)s->records));
			json_object_set_new(found, "bytes", json_integer(json_integer_value(json_object_get(found, "bytes")) + (json_int_t)s->bytes));
			json_object_set_new(found, "packets", json_integer(json_integer_value(json_object_get(found, "packets")) + (json_int_t)s->packets));
		}
	json_object_set_new(root, "exporters", ex);
	return root;
}

static void
on_wake(int sig)
{
	(void)sig; /* only to interrupt a blocking read in the prompt */
}

int
main(int argc, char **argv)
{
	struct control *ctl = &g_ctl;
	struct app *a = &g_app;
	int nargc;
	char **nargv;
	char err[512];
	int rc = 1;
	bool ctl_open = false;

	if (cfg_build_argv(argc, argv, &nargc, &nargv) != 0)
		return 2;
	int ret = rte_eal_init(nargc, nargv);
	if (ret < 0) {
		fprintf(stderr, "nfwatch: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	cfg_defaults(&a->cfg);
	if (cfg_parse_app(&a->cfg, nargc - ret, nargv + ret) != 0) {
		rte_eal_cleanup();
		return 2;
	}
	if (app_setup(a, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfwatch: %s\n", err);
		goto out;
	}
	if (ports_init(a) != 0)
		goto out;
	if (control_open(a, ctl) != 0)
		goto out;
	ctl_open = true;
	if (a->cfg.telemetry && frontend_telemetry_register() != 0)
		fprintf(stderr, "nfwatch: telemetry endpoints not registered (--no-telemetry?)\n");
	/* SIGINT / SIGTERM stop; SIGUSR1 wakes the prompt. No SA_RESTART: a read returns. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_wake;
	sigaction(SIGUSR1, &sa, NULL);
	printf("nfwatch: mode %s, %u worker lcore(s), %u port(s)\n", mode_name(a->cfg.mode), a->nworkers,
	       rte_eth_dev_count_avail());
	fflush(stdout);
	for (unsigned i = 0; i < a->nworkers; i++)
		rte_eal_remote_launch(worker_main, a->w[i], a->w[i]->lcore);
	uint64_t t0 = rte_get_tsc_cycles();
	if (control_start(a, ctl) != 0) {
		a->quit = true;
		rte_eal_mp_wait_lcore();
		goto out;
	}

	/* the front ends on the main lcore: a script, then the prompt; or just wait */
	int script_rc = 0;
	if (a->cfg.cmdline_file[0] != '\0' && frontend_script(a, ctl, a->cfg.cmdline_file) != 0) {
		script_rc = 1;
		a->quit = true;
	}
	if (a->cfg.interactive && !a->quit)
		frontend_interactive(a, ctl);
	while (!a->quit)
		rte_delay_us_sleep(20000);
	control_join(ctl);

	/* the workers flush their tables at stop: keep taking their closed flows */
	for (bool all = false; a->detect && !all;) {
		control_drain(a, ctl, CTL_DRAIN_BUDGET);
		all = true;
		for (unsigned i = 0; i < a->nworkers; i++)
			if (!__atomic_load_n(&a->w[i]->finished, __ATOMIC_ACQUIRE))
				all = false;
		if (!all)
			usleep(1000);
	}
	rte_eal_mp_wait_lcore();
	double secs = (double)(rte_get_tsc_cycles() - t0) / (double)a->tsc_hz;
	/* close the segment files before the summary counts them */
	for (unsigned i = 0; i < a->nworkers; i++)
		if (a->w[i]->segw != NULL) {
			if (nfw_segw_rotate(a->w[i]->segw) != 0)
				a->w[i]->st.seg_errors++;
		}
	print_stats(a, "summary");
	print_detail(a, false);
	struct totals tt;
	sum_all(a, &tt);
	control_close(a, ctl, tt.st.rx_pkts, tt.st.records);
	ctl_open = false;
	if (a->cfg.summary_json[0] != '\0') {
		json_t *j = summary_json(a, secs);
		if (json_dump_file(j, a->cfg.summary_json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			fprintf(stderr, "nfwatch: cannot write %s\n", a->cfg.summary_json);
		json_decref(j);
	}
	rc = script_rc;
out:
	if (ctl_open)
		control_close(a, ctl, 0, 0);
	app_teardown(a);
	ports_close(a);
	rte_eal_cleanup();
	return rc;
}
