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
#include "nfw_detect.h"
#include "nfw_report.h"


static void
on_signal(int sig)
{
	(void)sig;
	g_app.quit = true;
}


struct totals {
	struct wstats st;
	struct nfw_decode_stats dec;
	struct nfw_flowtab_stats ft;
	struct nfw_segw_stats seg;
};

static void
sum_all(struct app *a, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		const uint64_t *src = (const uint64_t *)&w->st;
		uint64_t *dst = (uint64_t *)&t->st;
		for (size_t k = 0; k < sizeof(w->st) / 8; k++)
			dst[k] += src[k];
		struct nfw_decode_stats d;
		nfw_decode_stats_total(w->dec, &d);
		const uint64_t *ds = (const uint64_t *)&d;
		uint64_t *dd = (uint64_t *)&t->dec;
		for (size_t k = 0; k < sizeof(d) / 8; k++)
			dd[k] += ds[k];
		if (w->ft != NULL) {
			struct nfw_flowtab_stats f;
			nfw_flowtab_stats_get(w->ft, &f);
			const uint64_t *fs = (const uint64_t *)&f;
			uint64_t *fd = (uint64_t *)&t->ft;
			for (size_t k = 0; k < sizeof(f) / 8; k++)
				fd[k] += fs[k];
		}
		if (w->segw != NULL) {
			struct nfw_segw_stats s;
			nfw_segw_stats_get(w->segw, &s);
			t->seg.records += s.records;
			t->seg.blocks += s.blocks;
			t->seg.files += s.files;
			t->seg.bytes += s.bytes;
			t->seg.write_errors += s.write_errors;
		}
	}
}

static void
print_stats(struct app *a, const char *title)
{
	struct totals t;
	uint64_t skipped = 0, dropped = 0;
	sum_all(a, &t);
	for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
		skipped += t.st.skipped[r];
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		dropped += t.dec.dropped[r];
	printf("%s: rx %llu = skipped %llu + denied %llu + datagrams %llu | datagrams = decoded %llu + "
	       "dropped %llu | records %llu (ring full %llu) | flows active %llu closed %llu | "
	       "segments %llu\n", title, (unsigned long long)t.st.rx_pkts, (unsigned long long)skipped,
	       (unsigned long long)t.st.denied, (unsigned long long)t.st.datagrams,
	       (unsigned long long)t.dec.decoded, (unsigned long long)dropped,
	       (unsigned long long)t.st.records, (unsigned long long)t.st.ring_full,
	       (unsigned long long)t.ft.active, (unsigned long long)t.st.flows_closed,
	       (unsigned long long)t.seg.records);
	fflush(stdout);
}

/* Per lcore and per exporter, for people: what the interval and the exit print. */
static void
print_detail(struct app *a)
{
	printf("  %-6s %-5s %12s %12s %12s %12s %10s %12s %7s\n", "lcore", "shard", "rx", "datagrams",
	       "records", "to rings", "ring full", "flows", "busy %");
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		double busy = w->st.total_cycles ? 100.0 * (double)w->st.busy_cycles / (double)w->st.total_cycles : 0;
		printf("  %-6u %-5u %12llu %12llu %12llu %12llu %10llu %12llu %6.1f%%\n", w->lcore, w->id,
		       (unsigned long long)w->st.rx_pkts, (unsigned long long)w->st.datagrams,
		       (unsigned long long)w->st.records, (unsigned long long)w->st.enqueued,
		       (unsigned long long)w->st.ring_full, (unsigned long long)w->st.flows_closed, busy);
		for (unsigned q = 0; q < w->nrxq; q++)
			printf("    port %u queue %u: rx %llu\n", w->rxq[q].port, w->rxq[q].queue,
			       (unsigned long long)w->rxq[q].rx_pkts);
	}
	/* exporters as each worker's decoder saw them (one exporter may feed several queues) */
	printf("  %-39s %5s %10s %10s %10s %12s %8s %6s\n", "exporter", "port", "datagrams", "decoded",
	       "dropped", "records", "seq lost", "rate");
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		for (unsigned k = 0; k < nfw_decode_exporter_count(w->dec); k++) {
			struct nfw_exporter_info ei;
			char addr[64];
			uint64_t dropped = 0;
			if (nfw_decode_exporter_get(w->dec, k, &ei) != 0)
				continue;
			for (unsigned r = 0; r < NFW_DROP__MAX; r++)
				dropped += ei.stats.dropped[r];
			printf("  %-39s %5u %10llu %10llu %10llu %12llu %8llu %6u\n",
			       nfw_addr_str(ei.addr.addr, addr, sizeof(addr)), ei.addr.port,
			       (unsigned long long)ei.stats.datagrams, (unsigned long long)ei.stats.decoded,
			       (unsigned long long)dropped, (unsigned long long)ei.stats.records,
			       (unsigned long long)ei.stats.seq_lost, ei.sampling);
		}
	}
	fflush(stdout);
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

/* ---- detection on the control lcore ---- */

struct seen {
	char id[160];
	double score;
};

struct control {
	struct nfw_detect *det;
	FILE *findings;
	struct seen *seen;
	unsigned nseen, capseen;
	uint64_t flows, streamed;
	uint64_t first_ms, last_ms;
};

static void
ctl_drain(struct app *a, struct control *c)
{
	struct nfw_flow buf[256];
	for (unsigned i = 0; i < a->nworkers; i++) {
		unsigned n;
		while ((n = rte_ring_dequeue_burst_elem(a->w[i]->to_ctl, buf, sizeof(buf[0]), 256, NULL)) > 0)
			for (unsigned k = 0; k < n; k++) {
				if (c->first_ms == 0 || buf[k].start_ms < c->first_ms)
					c->first_ms = buf[k].start_ms;
				if (buf[k].end_ms > c->last_ms)
					c->last_ms = buf[k].end_ms;
				nfw_detect_add(c->det, &buf[k]);
				c->flows++;
			}
	}
}

/* Run the detectors; stream each finding that is new, or whose score moved. */
static void
ctl_epoch(struct control *c)
{
	const struct nfw_finding *f;
	unsigned n = nfw_detect_run(c->det, &f);
	for (unsigned i = 0; c->findings != NULL && i < n; i++) {
		unsigned k;
		for (k = 0; k < c->nseen; k++)
			if (strcmp(c->seen[k].id, f[i].id) == 0)
				break;
		if (k < c->nseen && fabs(c->seen[k].score - f[i].score) < 1.0)
			continue;
		if (k == c->nseen) {
			if (c->nseen == c->capseen) {
				unsigned nc = c->capseen ? c->capseen * 2 : 64;
				struct seen *s = realloc(c->seen, nc * sizeof(*s));
				if (s == NULL)
					return;
				c->seen = s;
				c->capseen = nc;
			}
			snprintf(c->seen[c->nseen++].id, sizeof(c->seen[0].id), "%s", f[i].id);
		}
		c->seen[k].score = f[i].score;
		json_t *j = nfw_finding_to_json(&f[i]);
		json_dumpf(j, c->findings, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', c->findings);
		json_decref(j);
		c->streamed++;
	}
	if (c->findings != NULL)
		fflush(c->findings);
}

static int
ctl_open(struct app *a, struct control *c)
{
	struct nfw_detect_config dc;
	char err[512];
	memset(c, 0, sizeof(*c));
	nfw_detect_config_default(&dc);
	if (a->cfg.detect_config[0] != '\0' &&
	    nfw_detect_config_load(&dc, a->cfg.detect_config, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfwatch: %s\n", err);
		return -1;
	}
	c->det = nfw_detect_create(&dc);
	if (c->det == NULL) {
		fprintf(stderr, "nfwatch: detectors: out of memory\n");
		return -1;
	}
	if (a->cfg.findings[0] != '\0') {
		c->findings = fopen(a->cfg.findings, "w");
		if (c->findings == NULL) {
			fprintf(stderr, "nfwatch: %s: %s\n", a->cfg.findings, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void
ctl_close(struct app *a, struct control *c, uint64_t packets, uint64_t records)
{
	if (c->det == NULL)
		return;
	ctl_drain(a, c);
	ctl_epoch(c);
	if (a->cfg.report[0] != '\0') {
		const struct nfw_finding *f;
		unsigned n = nfw_detect_run(c->det, &f);
		json_t *r = nfw_findings_report(f, n, c->first_ms, c->last_ms, packets, records, NULL);
		if (json_dump_file(r, a->cfg.report, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			fprintf(stderr, "nfwatch: cannot write %s\n", a->cfg.report);
		json_decref(r);
	}
	printf("detection: %llu flows, %llu findings streamed\n", (unsigned long long)c->flows,
	       (unsigned long long)c->streamed);
	if (c->findings != NULL)
		fclose(c->findings);
	nfw_detect_free(c->det);
	free(c->seen);
	c->det = NULL;
}

int
main(int argc, char **argv)
{
	struct control ctl = { 0 };
	struct app *a = &g_app;
	int nargc;
	char **nargv;
	char err[512];
	int rc = 1;

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
	if (a->detect && ctl_open(a, &ctl) != 0)
		goto out;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("nfwatch: mode %s, %u worker lcore(s), %u port(s)\n", mode_name(a->cfg.mode), a->nworkers,
	       rte_eth_dev_count_avail());
	fflush(stdout);
	for (unsigned i = 0; i < a->nworkers; i++)
		rte_eal_remote_launch(worker_main, a->w[i], a->w[i]->lcore);

	uint64_t t0 = rte_get_tsc_cycles(), next_stats = t0 + a->cfg.stats_interval_s * a->tsc_hz;
	uint64_t next_epoch = t0 + a->cfg.epoch_s * a->tsc_hz;
	while (!a->quit) {
		usleep(a->detect ? 2000 : 50000);
		uint64_t now = rte_get_tsc_cycles();
		if (a->detect) {
			ctl_drain(a, &ctl);
			if (now >= next_epoch) {
				ctl_epoch(&ctl);
				next_epoch = now + a->cfg.epoch_s * a->tsc_hz;
			}
		}
		if (a->cfg.duration_s > 0 && now - t0 >= (uint64_t)a->cfg.duration_s * a->tsc_hz)
			a->quit = true;
		if (a->cfg.stats_interval_s > 0 && now >= next_stats) {
			print_stats(a, "stats");
			print_detail(a);
			next_stats = now + a->cfg.stats_interval_s * a->tsc_hz;
		}
	}
	/* the workers flush their tables at stop: keep taking their closed flows */
	for (bool all = false; a->detect && !all;) {
		ctl_drain(a, &ctl);
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
	print_detail(a);
	if (a->detect) {
		struct totals tt;
		sum_all(a, &tt);
		ctl_close(a, &ctl, tt.st.rx_pkts, tt.st.records);
	}
	if (a->cfg.summary_json[0] != '\0') {
		json_t *j = summary_json(a, secs);
		if (json_dump_file(j, a->cfg.summary_json, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			fprintf(stderr, "nfwatch: cannot write %s\n", a->cfg.summary_json);
		json_decref(j);
	}
	rc = 0;
out:
	if (ctl.det != NULL)
		ctl_close(a, &ctl, 0, 0);
	app_teardown(a);
	ports_close(a);
	rte_eal_cleanup();
	return rc;
}
