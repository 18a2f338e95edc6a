/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance side of the commands (struct nfw_ctl_ops): what a command
 * reads is a copy (worker requests answered between bursts, counters minus
 * the clear-stats baseline, the control thread's own detector and sketch
 * state); what it changes goes to each worker as a request, so no worker
 * ever shares its state or waits. Called with ctl.lock held.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "control.h"

#define REQ_TIMEOUT_MS 2000

static int
ask_all(struct app *a, struct wreq *proto, char *err, size_t errlen)
{
	for (unsigned i = 0; i < a->nworkers; i++) {
		struct wreq r = *proto;
		if (worker_request(a, a->w[i], &r, REQ_TIMEOUT_MS) != 0) {
			snprintf(err, errlen, "worker on lcore %u did not answer (stopping?)", a->w[i]->lcore);
			return -1;
		}
		if (r.rc != 0) {
			snprintf(err, errlen, "worker on lcore %u: %s", a->w[i]->lcore, strerror(-r.rc));
			return -1;
		}
	}
	return 0;
}

/* ---- reads ---- */

static int
o_ports(void *arg, struct nfw_ctl_port *out, unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	uint16_t port;
	unsigned n = 0;
	(void)err;
	(void)errlen;
	RTE_ETH_FOREACH_DEV(port) {
		if (n == max)
			break;
		struct nfw_ctl_port *p = &out[n++];
		struct rte_eth_dev_info info;
		struct rte_eth_stats es;
		struct rte_eth_link link;
		struct rte_ether_addr mac;
		memset(p, 0, sizeof(*p));
		p->id = port;
		rte_eth_dev_get_name_by_port(port, p->name);
		if (rte_eth_dev_info_get(port, &info) == 0)
			snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
		if (rte_eth_macaddr_get(port, &mac) == 0)
			rte_ether_format_addr(p->mac, sizeof(p->mac), &mac);
		if (rte_eth_link_get_nowait(port, &link) == 0) {
			p->link_up = link.link_status == RTE_ETH_LINK_UP;
			p->speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
		}
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(port, &es);
		const uint64_t *b = c->port_base[port];
		p->ipackets = es.ipackets - b[0];
		p->ibytes = es.ibytes - b[1];
		p->imissed = es.imissed - b[2];
		p->ierrors = es.ierrors - b[3];
		p->rx_nombuf = es.rx_nombuf - b[4];
		for (unsigned i = 0; i < a->nworkers; i++)
			for (unsigned k = 0; k < a->w[i]->nrxq; k++)
				if (a->w[i]->rxq[k].port == port) {
					p->rx_queues++;
					p->taken += a->w[i]->rxq[k].rx_pkts;
				}
		p->taken -= b[5];
	}
	return (int)n;
}

static int
o_lcores(void *arg, struct nfw_ctl_lcore *out, unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	unsigned n = 0;
	(void)err;
	(void)errlen;
	if (max > 0) {
		struct nfw_ctl_lcore *l = &out[n++];
		memset(l, 0, sizeof(*l));
		l->lcore = rte_get_main_lcore();
		l->shard = -1;
		snprintf(l->role, sizeof(l->role), "control");
		snprintf(l->state, sizeof(l->state), "running");
	}
	for (unsigned i = 0; i < a->nworkers && n < max; i++) {
		const struct worker *w = a->w[i];
		const struct wstats *b = &c->base[i];
		struct nfw_ctl_lcore *l = &out[n++];
		memset(l, 0, sizeof(*l));
		l->lcore = w->lcore;
		l->shard = (int)w->id;
		snprintf(l->role, sizeof(l->role), "worker");
		snprintf(l->state, sizeof(l->state), "%s",
			 w->finished ? "stopped" : a->paused ? "paused" : "running");
		l->rx_pkts = w->st.rx_pkts - b->rx_pkts;
		l->datagrams = w->st.datagrams - b->datagrams;
		l->denied = w->st.denied - b->denied;
		l->records = w->st.records - b->records;
		l->own_shard = w->st.own_shard - b->own_shard;
		l->enqueued = w->st.enqueued - b->enqueued;
		l->ring_full = w->st.ring_full - b->ring_full;
		l->dequeued = w->st.dequeued - b->dequeued;
		l->flows_closed = w->st.flows_closed - b->flows_closed;
		if (w->ft != NULL) {
			struct nfw_flowtab_stats fs;
			nfw_flowtab_stats_get(w->ft, &fs); /* plain counters, one writer */
			l->flows_active = fs.active;
		}
		uint64_t tot = w->st.total_cycles - b->total_cycles, busy = w->st.busy_cycles - b->busy_cycles;
		l->busy_pct = tot ? 100.0 * (double)busy / (double)tot : 0;
	}
	return (int)n;
}

static void
ring_row(struct nfw_ctl_ring *r, const struct rte_ring *ring, uint64_t enq, uint64_t full)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", ring->name);
	r->size = rte_ring_get_capacity(ring);
	r->used = rte_ring_count(ring);
	r->enqueued = enq;
	r->full = full;
}

static int
o_rings(void *arg, struct nfw_ctl_ring *out, unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	unsigned n = 0;
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		for (unsigned j = 0; j < a->nworkers && n < max; j++)
			if (w->out[j] != NULL) /* per-pair counts are not kept: the producer's totals */
				ring_row(&out[n++], w->out[j], w->st.enqueued, w->st.ring_full);
		if (w->to_ctl != NULL && n < max)
			ring_row(&out[n++], w->to_ctl, w->st.to_detect, w->st.detect_full);
	}
	if (n == 0) {
		snprintf(err, errlen, "no rings: one worker without detection (rings join shards and feed the "
			 "detectors)");
		return -1;
	}
	return (int)n;
}

static const struct nfw_ctl_exporter *
exp_base_of(const struct control *c, const struct nfw_ctl_exporter *e)
{
	for (unsigned i = 0; i < c->nexp_base; i++)
		if (c->exp_base[i].lcore == e->lcore && c->exp_base[i].info.addr.port == e->info.addr.port &&
		    memcmp(c->exp_base[i].info.addr.addr, e->info.addr.addr, 16) == 0)
			return &c->exp_base[i];
	return NULL;
}

static uint32_t
override_of(const struct control *c, const uint8_t addr[16])
{
	for (unsigned i = 0; i < c->novr; i++)
		if (memcmp(c->ovr[i].addr, addr, 16) == 0)
			return c->ovr[i].rate;
	return 0;
}

/* a copying request to every worker in turn, each filling the rest of out (elements of elem bytes) */
static int
collect(struct app *a, const struct wreq *proto, void *out, size_t elem, unsigned max, unsigned timeout_ms,
	char *err, size_t errlen)
{
	unsigned n = 0;
	for (unsigned i = 0; i < a->nworkers && n < max; i++) {
		struct wreq r = *proto;
		r.out = (char *)out + (size_t)n * elem;
		r.max = max - n;
		if (worker_request(a, a->w[i], &r, timeout_ms) != 0) {
			snprintf(err, errlen, "worker on lcore %u did not answer (stopping?)", a->w[i]->lcore);
			return -1;
		}
		n += r.n;
	}
	return (int)n;
}

/* every worker's exporters, raw (no baseline) */
static int
exporters_raw(struct app *a, struct nfw_ctl_exporter *out, unsigned max, char *err, size_t errlen)
{
	struct wreq r = { .kind = WREQ_EXPORTERS };
	return collect(a, &r, out, sizeof(*out), max, REQ_TIMEOUT_MS, err, errlen);
}

static int
o_exporters(void *arg, struct nfw_ctl_exporter *out, unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	int n = exporters_raw(a, out, max, err, errlen);
	for (int i = 0; i < n; i++) {
		out[i].sampling_override = override_of(c, out[i].info.addr.addr);
		const struct nfw_ctl_exporter *b = exp_base_of(c, &out[i]);
		if (b == NULL)
			continue;
		uint64_t *s = (uint64_t *)&out[i].info.stats;
		const uint64_t *z = (const uint64_t *)&b->info.stats;
		for (size_t k = 0; k < sizeof(out[i].info.stats) / sizeof(uint64_t); k++)
			s[k] -= z[k];
		out[i].info.stats.templates_active += b->info.stats.templates_active; /* a level, not a count */
	}
	return n;
}

static int
o_templates(void *arg, struct nfw_ctl_template *out, unsigned max, char *err, size_t errlen)
{
	struct wreq r = { .kind = WREQ_TEMPLATES };
	return collect(arg, &r, out, sizeof(*out), max, REQ_TIMEOUT_MS, err, errlen);
}

static int
o_top_flows(void *arg, unsigned n, enum nfw_ctl_by by, const struct nfw_filter *f, struct nfw_flow_closed *out,
	    unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	if (a->cfg.mode < MODE_FLOW) {
		snprintf(err, errlen, "no flow tables in %s mode", mode_name(a->cfg.mode));
		return -1;
	}
	struct wreq r = { .kind = WREQ_TOPFLOWS, .filter = f, .topn = n, .by = by };
	/* a scan of a million-flow table takes a few hundred loop turns */
	return collect(a, &r, out, sizeof(*out), max, 10000, err, errlen);
}

static int
no_sketches(char *err, size_t errlen)
{
	snprintf(err, errlen, "no sketches: they run in full mode or with --detect");
	return -1;
}

/* a set's heavy hitters by source, destination or port */
static const struct nfw_hh *
sketch_of(const struct sketch_set *s, enum nfw_ctl_top what)
{
	return what == NFW_CTL_TOP_SRC ? s->src : what == NFW_CTL_TOP_DST ? s->dst : s->port;
}

/* a sketch label as people read it: an address, or "proto/port" */
static void
sketch_key(enum nfw_ctl_top what, const uint8_t label[16], char *out, size_t len)
{
	if (what == NFW_CTL_TOP_PORT)
		snprintf(out, len, "%u/%u", label[0], (unsigned)label[1] << 8 | label[2]);
	else
		nfw_addr_str(label, out, len);
}

static int
o_top(void *arg, enum nfw_ctl_top what, struct nfw_ctl_talker *out, unsigned max, char *err, size_t errlen)
{
	struct control *c = &g_ctl;
	if (!c->sketches) {
		return no_sketches(err, errlen);
	}
	control_epoch_sketches(arg, c); /* an epoch ends now: the answer includes the last flows */
	const struct nfw_hh *t = sketch_of(&c->total, what);
	struct nfw_topk_item *it = calloc(max, sizeof(*it));
	if (it == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	unsigned n = nfw_hh_list(t, it, max);
	for (unsigned i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		sketch_key(what, it[i].label, out[i].key, sizeof(out[i].key));
		out[i].bytes = it[i].count;
		out[i].error = it[i].error;
	}
	free(it);
	return (int)n;
}

static int
o_changes(void *arg, enum nfw_ctl_top what, struct nfw_ctl_change *out, unsigned max, char *err, size_t errlen)
{
	(void)arg;
	struct control *c = &g_ctl;
	if (!c->sketches) {
		return no_sketches(err, errlen);
	}
	if (c->epochs < 2) {
		snprintf(err, errlen, "two epochs are needed (%llu so far, one every --epoch seconds)",
			 (unsigned long long)c->epochs);
		return -1;
	}
	/* the last two epochs, as rates: this does not end an epoch (show top and show sketch do, and
	 * the epoch they cut short is compared as what it is, a shorter one) */
	const struct nfw_hh *before = sketch_of(&c->prev, what), *after = sketch_of(&c->last, what);
	struct nfw_hh_change *ch = calloc(max, sizeof(*ch));
	if (ch == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	unsigned n = nfw_hh_changes(before, c->prev_s, after, c->last_s, ch, max);
	for (unsigned i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		sketch_key(what, ch[i].label, out[i].key, sizeof(out[i].key));
		out[i].before_bps = ch[i].before;
		out[i].after_bps = ch[i].after;
	}
	free(ch);
	return (int)n;
}

static void
sk_row(struct nfw_ctl_sketch *s, const char *name, const char *kind, uint64_t bytes, double fill, double error,
       const char *detail, uint64_t updates)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->kind, sizeof(s->kind), "%s", kind);
	s->bytes = bytes;
	s->fill = fill;
	s->error = error;
	snprintf(s->detail, sizeof(s->detail), "%s", detail);
	s->updates = updates;
}

static double
hll_fill(const struct nfw_hll *h, size_t *m)
{
	const uint8_t *r = nfw_hll_registers(h, m);
	size_t used = 0;
	for (size_t i = 0; i < *m; i++)
		used += r[i] != 0;
	return *m ? (double)used / (double)*m : 0;
}

static int
o_sketches(void *arg, struct nfw_ctl_sketch *out, unsigned max, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	char d[96];
	if (!c->sketches) {
		return no_sketches(err, errlen);
	}
	if (max < 5)
		return 0;
	control_epoch_sketches(a, c);
	/* the memory: every worker's two sets and the control thread's two */
	unsigned copies = a->nworkers * 2 + 2;
	static const char *const tn[] = { "top_src_bytes", "top_dst_bytes", "top_port_bytes" };
	const struct nfw_hh *hh[] = { c->total.src, c->total.dst, c->total.port };
	for (unsigned i = 0; i < 3; i++) {
		uint64_t total = nfw_hh_total(hh[i]);
		snprintf(d, sizeof(d), "count-min 4096x4 + top 256; estimates high by <= %.0f bytes (e*N/w)",
			 ceil(M_E * (double)total / 4096));
		sk_row(&out[i], tn[i], "count-min+heap", (uint64_t)copies * nfw_hh_memory(hh[i]), nfw_hh_fill(hh[i]),
		       M_E / 4096, d, c->total.updates);
	}
	size_t m;
	double f = hll_fill(c->total.srcs, &m);
	snprintf(d, sizeof(d), "p=12; ~%.0f distinct sources; error 1.04/sqrt(m)", nfw_hll_count(c->total.srcs));
	sk_row(&out[3], "distinct_src", "hyperloglog", (uint64_t)copies * m, f, 1.04 / sqrt((double)m), d,
	       c->total.updates);
	f = hll_fill(c->total.dsts, &m);
	snprintf(d, sizeof(d), "p=12; ~%.0f distinct destinations", nfw_hll_count(c->total.dsts));
	sk_row(&out[4], "distinct_dst", "hyperloglog", (uint64_t)copies * m, f, 1.04 / sqrt((double)m), d,
	       c->total.updates);
	return 5;
}

static int
detect_off(char *err, size_t errlen)
{
	snprintf(err, errlen, "detection is off: start with --detect, --findings FILE or --report FILE");
	return -1;
}

static int
o_findings(void *arg, const struct nfw_finding **out, struct nfw_ctl_window *w, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	if (c->det == NULL) {
		return detect_off(err, errlen);
	}
	if (!c->snapshotting) { /* a person asking: as of now */
		control_drain(a, c, CTL_DRAIN_BUDGET);
		control_run_detectors(a, c);
	}
	struct totals t;
	sum_all(a, &t);
	*out = c->cur;
	w->first_ms = c->first_ms;
	w->last_ms = c->last_ms;
	w->packets = t.st.rx_pkts;
	w->records = t.st.records;
	return (int)c->ncur;
}

static int
o_detect_stats(void *arg, struct nfw_detect_stats *out, char *err, size_t errlen)
{
	if (!control_detect_stats(arg, &g_ctl, out)) {
		return detect_off(err, errlen);
	}
	return 0;
}

static json_t *
o_settings(void *arg)
{
	struct app *a = arg;
	const struct app_cfg *cf = &a->cfg;
	json_t *o = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:b, s:b}", "mode", mode_name(cf->mode),
			      "workers", a->nworkers, "flows_per_shard", cf->flows_per_shard, "flow_idle_s",
			      cf->flow_idle_s, "burst", cf->burst, "ring", cf->ring_size, "epoch_s", cf->epoch_s,
			      "detection", a->detect, "sketches", a->sketches);
	json_object_set_new(o, "segments", json_string(cf->segments[0] ? cf->segments : "-"));
	json_object_set_new(o, "state", json_string(a->paused ? "paused" : "running"));
	json_t *allow = json_array(), *deny = json_array();
	char b[64], s[80];
	for (unsigned i = 0; i < g_ctl.acl.nallow; i++) {
		const struct nfw_prefix *p = &g_ctl.acl.allow[i];
		snprintf(s, sizeof(s), "%s/%u", nfw_addr_str(p->addr, b, sizeof(b)), p->len >= 96 ? p->len - 96 : p->len);
		json_array_append_new(allow, json_string(s));
	}
	for (unsigned i = 0; i < g_ctl.acl.ndeny; i++) {
		const struct nfw_prefix *p = &g_ctl.acl.deny[i];
		snprintf(s, sizeof(s), "%s/%u", nfw_addr_str(p->addr, b, sizeof(b)), p->len >= 96 ? p->len - 96 : p->len);
		json_array_append_new(deny, json_string(s));
	}
	json_object_set_new(o, "exporters_allowed", allow);
	json_object_set_new(o, "exporters_denied", deny);
	return o;
}

static int
o_detect_config(void *arg, struct nfw_detect_config *out, char *err, size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	*out = g_ctl.det != NULL ? *nfw_detect_config_get(g_ctl.det) : g_ctl.dcfg;
	return 0;
}

static int
o_detect_apply(void *arg, const struct nfw_detect_config *cf, char *err, size_t errlen)
{
	struct app *a = arg;
	if (g_ctl.det != NULL) {
		/* the workers' beaconing first: nothing changes unless all of it can */
		struct wreq r = { .kind = WREQ_DETECT_CFG, .dcfg = cf };
		if (ask_all(a, &r, err, errlen) != 0)
			return -1;
		nfw_detect_reconfigure(g_ctl.det, cf);
	}
	g_ctl.dcfg = *cf;
	return 0;
}

/* ---- actions ---- */

static int
o_clear(void *arg, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	static struct nfw_ctl_exporter ex[8192];
	int n = exporters_raw(a, ex, 8192, err, errlen);
	if (n < 0)
		return -1;
	struct nfw_ctl_exporter *b = realloc(c->exp_base, ((size_t)n + 1) * sizeof(*b));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	memcpy(b, ex, (size_t)n * sizeof(*b));
	c->exp_base = b;
	c->nexp_base = (unsigned)n;
	for (unsigned i = 0; i < a->nworkers; i++)
		c->base[i] = a->w[i]->st;
	uint16_t port;
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_stats es;
		memset(&es, 0, sizeof(es));
		rte_eth_stats_get(port, &es);
		uint64_t v[6] = { es.ipackets, es.ibytes, es.imissed, es.ierrors, es.rx_nombuf, 0 };
		for (unsigned i = 0; i < a->nworkers; i++)
			for (unsigned k = 0; k < a->w[i]->nrxq; k++)
				if (a->w[i]->rxq[k].port == port)
					v[5] += a->w[i]->rxq[k].rx_pkts;
		memcpy(c->port_base[port], v, sizeof(v));
	}
	return 0;
}

static int
o_set_sampling(void *arg, const uint8_t addr[16], uint32_t rate, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	unsigned i;
	for (i = 0; i < c->novr; i++)
		if (memcmp(c->ovr[i].addr, addr, 16) == 0)
			break;
	if (i == c->novr && rate != 0 && c->novr == CTL_MAX_OVERRIDES) {
		snprintf(err, errlen, "at most %d sampling overrides", CTL_MAX_OVERRIDES);
		return -1;
	}
	struct wreq r = { .kind = WREQ_SAMPLING, .rate = rate };
	memcpy(r.addr, addr, 16);
	if (ask_all(a, &r, err, errlen) != 0)
		return -1;
	if (rate == 0 && i < c->novr)
		c->ovr[i] = c->ovr[--c->novr];
	else if (rate != 0) {
		memcpy(c->ovr[i].addr, addr, 16);
		c->ovr[i].rate = rate;
		if (i == c->novr)
			c->novr++;
	}
	return 0;
}

/* drop every prefix of p[] that lies inside x (x itself included) */
static void
pfx_remove_within(struct nfw_prefix *p, unsigned *n, const struct nfw_prefix *x)
{
	for (unsigned i = 0; i < *n;) {
		if (p[i].len >= x->len && nfw_prefix_match(x, 1, p[i].addr))
			p[i] = p[--*n];
		else
			i++;
	}
}

static int
o_exporter_acl(void *arg, bool allow, const struct nfw_prefix *x, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	struct acl n = c->acl;
	/* the newest word on a prefix wins over older ones inside it */
	pfx_remove_within(n.allow, &n.nallow, x);
	pfx_remove_within(n.deny, &n.ndeny, x);
	struct nfw_prefix *list = allow ? n.allow : n.deny;
	unsigned *cnt = allow ? &n.nallow : &n.ndeny;
	if (*cnt == APP_MAX_ALLOW) {
		snprintf(err, errlen, "at most %d %s prefixes", APP_MAX_ALLOW, allow ? "allowed" : "denied");
		return -1;
	}
	list[(*cnt)++] = *x;
	struct wreq r = { .kind = WREQ_ACL, .acl = &n };
	if (ask_all(a, &r, err, errlen) != 0)
		return -1;
	c->acl = n;
	return 0;
}

static int
o_run(void *arg, bool start, char *err, size_t errlen)
{
	struct app *a = arg;
	if (start == !a->paused) {
		snprintf(err, errlen, "workers already %s", start ? "running" : "paused");
		return -1;
	}
	a->paused = !start;
	return 0;
}

static int
o_rotate(void *arg, char *err, size_t errlen)
{
	struct app *a = arg;
	if (a->cfg.mode != MODE_FULL) {
		snprintf(err, errlen, "no segments: they are written in full mode (--segments DIR)");
		return -1;
	}
	struct wreq r = { .kind = WREQ_ROTATE };
	return ask_all(a, &r, err, errlen);
}

static int
o_flush(void *arg, char *err, size_t errlen)
{
	struct app *a = arg;
	if (a->cfg.mode < MODE_FLOW) {
		snprintf(err, errlen, "no flow tables in %s mode", mode_name(a->cfg.mode));
		return -1;
	}
	struct wreq r = { .kind = WREQ_FLUSH };
	if (ask_all(a, &r, err, errlen) != 0)
		return -1;
	/* the closed flows come to the detectors through the rings: take them now */
	control_drain(a, &g_ctl, CTL_DRAIN_BUDGET);
	return 0;
}

static uint64_t
rx_total(const struct app *a)
{
	uint64_t n = 0;
	for (unsigned i = 0; i < a->nworkers; i++)
		n += a->w[i]->st.rx_pkts;
	return n;
}

/* rings between workers and to the detectors all empty */
static bool
rings_empty(const struct app *a)
{
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		for (unsigned j = 0; j < a->nworkers; j++)
			if ((w->out[j] != NULL && rte_ring_count(w->out[j]) > 0))
				return false;
	}
	return true;
}

static int
o_wait_idle(void *arg, unsigned idle_ms, unsigned timeout_s, char *err, size_t errlen)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	uint64_t start = control_now_ms(), changed = start, last = rx_total(a);
	/* let the control thread run meanwhile: the lock is given back while waiting */
	pthread_mutex_unlock(&c->lock);
	int rc = -1;
	while (!a->quit && control_now_ms() - start < (uint64_t)timeout_s * 1000) {
		rte_delay_us_sleep(20000);
		uint64_t now = control_now_ms(), rx = rx_total(a);
		if (rx != last) {
			last = rx;
			changed = now;
		} else if (now - changed >= idle_ms && rings_empty(a)) {
			rc = 0;
			break;
		}
	}
	pthread_mutex_lock(&c->lock);
	if (rc != 0)
		snprintf(err, errlen, a->quit ? "stopping" : "packets still arriving after %u s", timeout_s);
	return rc;
}

static void
o_quit(void *arg)
{
	struct app *a = arg;
	a->quit = true;
}

const struct nfw_ctl_ops app_ctl_ops = {
	.ports = o_ports,
	.lcores = o_lcores,
	.rings = o_rings,
	.exporters = o_exporters,
	.templates = o_templates,
	.top_flows = o_top_flows,
	.top = o_top,
	.changes = o_changes,
	.sketches = o_sketches,
	.findings = o_findings,
	.detect_stats = o_detect_stats,
	.settings = o_settings,
	.detect_config = o_detect_config,
	.detect_apply = o_detect_apply,
	.clear_stats = o_clear,
	.set_sampling = o_set_sampling,
	.exporter_acl = o_exporter_acl,
	.run = o_run,
	.rotate = o_rotate,
	.flush = o_flush,
	.wait_idle = o_wait_idle,
	.quit = o_quit,
};

enum nfw_ctl_status
control_exec(struct control *c, const char *line, enum nfw_ctl_fmt fmt, char **out)
{
	pthread_mutex_lock(&c->lock);
	enum nfw_ctl_status st = nfw_ctl_exec(c->ctl, line, fmt, out);
	pthread_mutex_unlock(&c->lock);
	return st;
}

/* the telemetry endpoints' data: the same handlers' JSON, refreshed every second */
void
control_snapshot(struct control *c)
{
	char err[256];
	json_t *st = json_object();
	struct totals t;
	sum_all(&g_app, &t);
	json_object_set_new(st, "rx_pkts", json_integer((json_int_t)t.st.rx_pkts));
	json_object_set_new(st, "datagrams", json_integer((json_int_t)t.st.datagrams));
	json_object_set_new(st, "denied", json_integer((json_int_t)t.st.denied));
	json_object_set_new(st, "records", json_integer((json_int_t)t.st.records));
	json_object_set_new(st, "ring_full", json_integer((json_int_t)t.st.ring_full));
	json_object_set_new(st, "flows_active", json_integer((json_int_t)t.ft.active));
	json_object_set_new(st, "flows_closed", json_integer((json_int_t)t.st.flows_closed));
	json_object_set_new(st, "segment_records", json_integer((json_int_t)t.seg.records));
	json_object_set_new(st, "detect_flows", json_integer((json_int_t)c->flows));
	json_object_set_new(st, "findings", json_integer((json_int_t)c->ncur));
	json_t *ex = nfw_ctl_query(c->ctl, "show exporters", err, sizeof(err));
	c->snapshotting = true; /* the findings of the last epoch: the detectors run on the epoch */
	json_t *fi = c->det != NULL ? nfw_ctl_query(c->ctl, "show findings", err, sizeof(err)) : json_array();
	c->snapshotting = false;
	pthread_mutex_lock(&c->snap_lock);
	json_decref(c->snap_stats);
	c->snap_stats = st;
	if (ex != NULL) {
		json_decref(c->snap_exporters);
		c->snap_exporters = ex;
	}
	if (fi != NULL) {
		json_decref(c->snap_findings);
		c->snap_findings = fi;
	}
	pthread_mutex_unlock(&c->snap_lock);
}
