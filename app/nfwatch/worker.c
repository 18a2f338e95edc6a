/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker lcore: rx burst -> prefetch -> L2-L4 walk -> allow-list ->
 * decoder (by version, whatever the port) -> records to their shard -> flow
 * table -> closed flows to segments. In meter mode (a mirror port: packets,
 * not exports) the walk and decoder give way to lib/meter, whose flows take
 * the same road from the shard on; its clock is the packets' rx timestamp
 * where the port gives one (net_pcap: the capture's own times), else their
 * arrival. Nothing in the loop allocates, locks
 * or prints; segment writes happen when a flow closes (a block of 1024
 * records at a time), the cost of full mode.
 *
 * Stop: the main lcore sets quit. Each worker stops rx, pushes its staged
 * records into the rings and says produce_done; it keeps draining its own
 * rings until every worker is done producing and its rings are empty, then
 * flushes its flow table and closes its segment file. Nothing received is
 * lost on a clean stop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include "app.h"

/*
 * Closed flows on their way to detection, a batch at a time: the sketches,
 * the beaconing state (in bursts whose table misses overlap) and the ring
 * to the control thread (one bulk enqueue). Called when the batch fills and
 * wherever the worker stops between bursts (control_point, the loop's end,
 * the clean stop), so a flow waits here for one burst at most and is always
 * in the epoch's sketches it closed in.
 */
static void
closed_flush(struct worker *w)
{
	unsigned n = w->nclosed;
	uint64_t hs[APP_CLOSED_BATCH], hd[APP_CLOSED_BATCH]; /* hashed once: sketches and beaconing */
	if (n == 0)
		return;
	w->nclosed = 0;
	for (unsigned i = 0; i < n && (g_app.sketches || w->beacons != NULL); i++) {
		hs[i] = nfw_hash64(w->closed[i].src_addr, 16, 0);
		hd[i] = nfw_hash64(w->closed[i].dst_addr, 16, 0);
	}
	if (g_app.sketches)
		for (unsigned i = 0; i < n; i++)
			sketch_set_add(&w->sk[w->sk_cur], &w->closed[i], hs[i], hd[i]);
	if (w->beacons != NULL) /* every session of a tuple closes on this shard: its state is here */
		nfw_detect_add_burst_hashed(w->beacons, w->closed, hs, hd, n);
	if (w->to_ctl != NULL) {
		unsigned done = rte_ring_enqueue_burst_elem(w->to_ctl, w->closed, sizeof(w->closed[0]), n, NULL);
		w->st.to_detect += done;
		w->st.detect_full += n - done; /* counted: they are in the segments, not in detection */
	}
}

static void
emit_closed(const struct nfw_flow_closed *c, void *arg)
{
	struct worker *w = arg;
	w->st.flows_closed++;
	if (g_app.nworkers > 1 && shard_of(&c->f, g_app.nworkers) != w->id)
		w->st.misrouted++;
	if (w->segw != NULL && nfw_segw_put(w->segw, c) != 0)
		w->st.seg_errors++;
	if (!g_app.sketches && w->beacons == NULL && w->to_ctl == NULL)
		return;
	w->closed[w->nclosed++] = c->f;
	if (w->nclosed == APP_CLOSED_BATCH)
		closed_flush(w);
}

static void meter_emit(const struct nfw_flow *f, void *arg);

int
worker_init(struct app *a, struct worker *w, char *err, size_t errlen)
{
	const struct app_cfg *c = &a->cfg;
	w->dec = nfw_decode_create(NULL);
	if (w->dec == NULL) {
		snprintf(err, errlen, "decoder for worker %u: out of memory", w->id);
		return -1;
	}
	acl_from_cfg(&w->acl, c);
	w->ts_off = -1; /* until a port gives rx timestamps (port.c) */
	if (c->meter) {
		struct nfw_meter_config mc;
		nfw_meter_config_default(&mc);
		mc.active_s = c->meter_active_s;
		mc.inactive_s = c->meter_inactive_s;
		mc.max_flows = c->flows_per_shard;
		mc.emit = meter_emit;
		mc.emit_arg = w;
		w->meter = nfw_meter_create(&mc);
		if (w->meter == NULL) {
			snprintf(err, errlen, "meter of %u flows for worker %u: out of memory", c->flows_per_shard, w->id);
			return -1;
		}
	}
	if (a->sketches && (sketch_set_init(&w->sk[0]) != 0 || sketch_set_init(&w->sk[1]) != 0)) {
		snprintf(err, errlen, "sketches for worker %u: out of memory", w->id);
		return -1;
	}
	if (c->mode >= MODE_FLOW) {
		struct nfw_flowtab_params fp = {
			.max_flows = c->flows_per_shard,
			.idle_ms = c->flow_idle_s * 1000,
			.emit = emit_closed,
			.emit_arg = w,
		};
		w->ft = nfw_flowtab_create(&fp);
		if (w->ft == NULL) {
			snprintf(err, errlen, "flow table of %u flows for shard %u: out of memory",
				 c->flows_per_shard, w->id);
			return -1;
		}
	}
	if (c->mode == MODE_FULL) {
		struct nfw_segw_params sp = {
			.dir = c->segments,
			.shard = w->id,
			.rotate_s = c->rotate_min * 60,
			.codec = (uint8_t)c->codec,
		};
		w->segw = nfw_segw_open(&sp, err, errlen);
		if (w->segw == NULL)
			return -1;
	}
	return 0;
}

void
worker_fini(struct worker *w)
{
	if (w->segw != NULL && nfw_segw_close(w->segw) != 0)
		w->st.seg_errors++;
	w->segw = NULL;
	nfw_flowtab_free(w->ft);
	w->ft = NULL;
	nfw_decode_free(w->dec);
	w->dec = NULL;
	nfw_meter_free(w->meter);
	w->meter = NULL;
	sketch_set_free(&w->sk[0]);
	sketch_set_free(&w->sk[1]);
	nfw_detect_free(w->beacons);
	w->beacons = NULL;
}

/*
 * Which shard owns a record: (src, dst, dst port, proto). Records a timeout
 * split meet again on one shard, and so do all the sessions of one
 * (src, dst, dst port, proto) tuple whatever their source port: the
 * per-tuple state of beaconing has a single owner.
 */
unsigned
shard_of(const struct nfw_flow *f, unsigned n)
{
	uint64_t a, b, c2, d;
	memcpy(&a, f->src_addr + 8, 8);
	memcpy(&b, f->dst_addr + 8, 8);
	memcpy(&c2, f->src_addr, 8);
	memcpy(&d, f->dst_addr, 8);
	uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL) ^ (c2 + d);
	h ^= ((uint64_t)f->dst_port << 16 | f->proto) * 0x165667b19e3779f9ULL;
	h ^= h >> 31;
	return (unsigned)((h * 0xbf58476d1ce4e5b9ULL) >> 40) % n;
}

static void
stage_flush(struct worker *w, unsigned j)
{
	unsigned n = w->nstage[j];
	if (n == 0)
		return;
	unsigned done = rte_ring_enqueue_burst_elem(w->out[j], w->stage[j], sizeof(struct nfw_flow), n, NULL);
	w->st.enqueued += done;
	w->st.ring_full += n - done; /* counted, never silent */
	w->nstage[j] = 0;
}

static void
drain_rings(struct app *a, struct worker *w, unsigned budget)
{
	struct nfw_flow buf[64];
	for (unsigned j = 0; j < a->nworkers; j++) {
		if (w->in[j] == NULL)
			continue;
		unsigned got = 0, n;
		while (got < budget &&
		       (n = rte_ring_dequeue_burst_elem(w->in[j], buf, sizeof(buf[0]), 64, NULL)) > 0) {
			nfw_flowtab_add_burst(w->ft, buf, n);
			w->st.dequeued += n;
			got += n;
		}
	}
}

static inline uint64_t
now_ms(const struct app *a)
{
	return a->start_ms + (rte_get_tsc_cycles() - a->tsc0) * 1000 / a->tsc_hz;
}

/* per-exporter sums of the records (the exporter as records name it: the sFlow agent) */
static inline void
exp_sum(struct worker *w, const struct nfw_flow *f)
{
	struct exp_sum *e = w->last_sum;
	if (e == NULL || e->port != f->exporter_port || memcmp(e->addr, f->exporter, 16) != 0) {
		unsigned i;
		for (i = 0; i < w->nsums; i++)
			if (w->sums[i].port == f->exporter_port && memcmp(w->sums[i].addr, f->exporter, 16) == 0)
				break;
		if (i == w->nsums) {
			if (w->nsums == APP_MAX_EXP_SUMS) {
				w->sums_overflow++;
				return;
			}
			memcpy(w->sums[i].addr, f->exporter, 16);
			w->sums[i].port = f->exporter_port;
			w->sums[i].version = f->version;
			w->nsums++;
		}
		e = w->last_sum = &w->sums[i];
	}
	e->records++;
	e->bytes += f->bytes;
	e->packets += f->packets;
}

/* decoded (or metered) records to their shard's flow table, here or staged for its worker */
static void
route_records(struct app *a, struct worker *w, const struct nfw_flow *recs, unsigned n)
{
	if (a->nworkers == 1) {
		nfw_flowtab_add_burst(w->ft, recs, n);
		w->st.own_shard += n;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned s = shard_of(&recs[i], a->nworkers);
		if (s == w->id) {
			nfw_flowtab_add(w->ft, &recs[i]);
			w->st.own_shard++;
			continue;
		}
		w->stage[s][w->nstage[s]++] = recs[i];
		if (w->nstage[s] == APP_OUT_BATCH)
			stage_flush(w, s);
	}
}

/* a flow the meter ended: a record like a decoded one */
static void
meter_emit(const struct nfw_flow *f, void *arg)
{
	struct worker *w = arg;
	w->st.records++;
	route_records(&g_app, w, f, 1);
}

static inline uint64_t
now_us(const struct app *a)
{
	return a->start_ms * 1000 + (rte_get_tsc_cycles() - a->tsc0) * 1000000 / a->tsc_hz;
}

/* the packet's own time for the meter, when the port stamped it (ns or us): false when it did not */
static inline bool
pkt_time_us(const struct worker *w, const struct rte_mbuf *m, uint64_t *us)
{
	if (w->ts_off < 0 || (m->ol_flags & w->ts_flag) == 0)
		return false;
	uint64_t v = *RTE_MBUF_DYNFIELD(m, w->ts_off, const uint64_t *);
	*us = v > 100000000000000000ull ? v / 1000 : v; /* past 1e17: nanoseconds */
	return true;
}

static void
handle_pkt(struct app *a, struct worker *w, struct rte_mbuf *m, uint64_t t_ms)
{
	const uint8_t *data = rte_pktmbuf_mtod(m, const uint8_t *);
	size_t len = m->data_len;
	struct nfw_capture_pkt pkt;
	unsigned skip = 0;

	if (m->nb_segs > 1) { /* a jumbo export datagram: one linear copy */
		len = m->pkt_len < sizeof(w->linear) ? m->pkt_len : sizeof(w->linear);
		data = rte_pktmbuf_read(m, 0, (uint32_t)len, w->linear);
		w->st.multiseg_copied++;
	}
	if (w->meter != NULL) { /* a mirror port: the packet itself is the traffic */
		uint64_t t_us;
		bool timed = pkt_time_us(w, m, &t_us);
		w->st.meter_timed += timed;
		/* the wire length is not known past pkt_len (a replayed capture's snap length cut its
		 * frames): the IP header's length is what an exporter counts, so the frame may be cut */
		nfw_meter_frame(w->meter, 1 /* DLT_EN10MB */, data, len, (size_t)m->pkt_len + 65536,
				timed ? t_us : now_us(a));
		return;
	}
	if (!nfw_capture_parse_frame(1 /* DLT_EN10MB */, data, len, m->pkt_len, &pkt, &skip)) {
		w->st.skipped[skip]++;
		return;
	}
	if (!allow_check(&w->acl, pkt.src.addr)) {
		w->st.denied++;
		return;
	}
	w->st.datagrams++;
	unsigned n;
	const struct nfw_flow *recs = nfw_decode_datagram(w->dec, pkt.payload, pkt.len, &pkt.src, t_ms, &n);
	w->st.records += n;
	for (unsigned i = 0; i < n; i++)
		exp_sum(w, &recs[i]);
	if (a->cfg.mode == MODE_DECODE)
		return;
	route_records(a, w, recs, n);
}

/* ---- requests from the control thread ---- */

struct exp_walk {
	struct wreq *r;
	const struct worker *w;
};

static int
tpl_copy(const struct nfw_template_info *t, void *arg)
{
	struct exp_walk *x = arg;
	struct wreq *r = x->r;
	if (r->n == r->max)
		return 1;
	struct nfw_ctl_template *o = &((struct nfw_ctl_template *)r->out)[r->n++];
	struct nfw_exporter_info ei;
	memset(o, 0, sizeof(*o));
	o->t = *t;
	o->lcore = x->w->lcore;
	if (nfw_decode_exporter_get(x->w->dec, t->exporter_idx, &ei) == 0)
		o->exporter = ei.addr;
	return 0;
}

static uint64_t
flow_key(const struct nfw_flow_closed *c, enum nfw_ctl_by by)
{
	return by == NFW_CTL_BY_BYTES ? c->f.bytes : by == NFW_CTL_BY_PACKETS ? c->f.packets : c->records;
}

/* keep the topn largest in out[0..n), smallest last */
static void
top_keep(const struct nfw_flow_closed *c, void *arg)
{
	struct wreq *r = arg;
	struct nfw_flow_closed *o = r->out;
	if (r->filter != NULL && !nfw_filter_match(r->filter, &c->f))
		return;
	uint64_t v = flow_key(c, r->by);
	unsigned lim = r->topn < r->max ? r->topn : r->max;
	if (r->n == lim && (lim == 0 || v <= flow_key(&o[r->n - 1], r->by)))
		return;
	unsigned i = r->n < lim ? r->n++ : r->n - 1;
	while (i > 0 && flow_key(&o[i - 1], r->by) < v) {
		o[i] = o[i - 1];
		i--;
	}
	o[i] = *c;
}

/* Serve the pending request; true when it is answered. */
static bool
serve(struct worker *w, struct wreq *r)
{
	r->rc = 0;
	switch (r->kind) {
	case WREQ_EXPORTERS:
		r->n = 0;
		for (unsigned k = 0; k < nfw_decode_exporter_count(w->dec) && r->n < r->max; k++) {
			struct nfw_ctl_exporter *o = &((struct nfw_ctl_exporter *)r->out)[r->n];
			memset(o, 0, sizeof(*o));
			if (nfw_decode_exporter_get(w->dec, k, &o->info) == 0) {
				o->lcore = w->lcore;
				r->n++;
			}
		}
		return true;
	case WREQ_TEMPLATES: {
		struct exp_walk x = { r, w };
		r->n = 0;
		nfw_decode_templates_walk(w->dec, tpl_copy, &x);
		return true;
	}
	case WREQ_TOPFLOWS: {
		bool done = true;
		if (!r->scanning) {
			r->scanning = true;
			r->cursor = 0;
			r->n = 0;
		}
		if (w->ft != NULL)
			r->cursor = nfw_flowtab_scan(w->ft, r->cursor, 8192, top_keep, r, &done);
		if (done)
			r->scanning = false;
		return done;
	}
	case WREQ_SAMPLING:
		r->rc = nfw_decode_set_sampling_override(w->dec, r->addr, r->rate);
		return true;
	case WREQ_ACL:
		w->acl = *r->acl;
		return true;
	case WREQ_ROTATE:
		if (w->segw != NULL && nfw_segw_rotate(w->segw) != 0) {
			w->st.seg_errors++;
			r->rc = -EIO;
		}
		return true;
	case WREQ_FLUSH:
		if (w->ft != NULL)
			nfw_flowtab_flush(w->ft);
		closed_flush(w);
		return true;
	case WREQ_DETECT_CFG:
		if (w->beacons != NULL)
			nfw_detect_reconfigure(w->beacons, r->dcfg);
		return true;
	case WREQ_BEACONS: { /* in slices (64 analyses, 64 K tuples looked at) a loop turn: rx is never held long */
		const struct nfw_finding *f;
		if (w->beacons == NULL) {
			r->n = 0;
			return true;
		}
		if (!r->scanning) {
			r->scanning = true;
			nfw_detect_run_begin(w->beacons);
		}
		if (!nfw_detect_run_step(w->beacons, 64))
			return false;
		r->scanning = false;
		unsigned n = nfw_detect_run_end(w->beacons, &f);
		r->n = n < r->max ? n : r->max;
		if (r->n > 0)
			memcpy(r->out, f, r->n * sizeof(*f));
		return true;
	}
	}
	return true;
}

/* between bursts: answer the control thread, swap the sketches when asked */
static inline void
control_point(struct app *a, struct worker *w)
{
	closed_flush(w);
	uint32_t seq = __atomic_load_n(&w->req.seq, __ATOMIC_ACQUIRE);
	if (unlikely(seq != w->req.done) && serve(w, &w->req))
		__atomic_store_n(&w->req.done, seq, __ATOMIC_RELEASE);
	uint32_t ep = __atomic_load_n(&a->sk_epoch, __ATOMIC_ACQUIRE);
	if (unlikely(ep != w->sk_epoch)) {
		w->sk_cur ^= 1;
		__atomic_store_n(&w->sk_epoch, ep, __ATOMIC_RELEASE);
	}
}

int
worker_request(struct app *a, struct worker *w, struct wreq *r, unsigned timeout_ms)
{
	(void)a;
	if (__atomic_load_n(&w->req.seq, __ATOMIC_ACQUIRE) != __atomic_load_n(&w->req.done, __ATOMIC_ACQUIRE))
		return -1; /* still on an earlier request that timed out: do not touch it */
	uint32_t seq = w->req.done + 1;
	r->seq = w->req.seq;
	r->done = w->req.done;
	r->scanning = false;
	w->req = *r;
	__atomic_store_n(&w->req.seq, seq, __ATOMIC_RELEASE);
	uint64_t hz = rte_get_tsc_hz(), end = rte_get_tsc_cycles() + (uint64_t)timeout_ms * hz / 1000;
	while (__atomic_load_n(&w->req.done, __ATOMIC_ACQUIRE) != seq) {
		if (__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE) || rte_get_tsc_cycles() > end)
			return -1;
		rte_delay_us_sleep(50);
	}
	*r = w->req;
	return 0;
}

int
worker_main(void *arg)
{
	struct worker *w = arg;
	struct app *a = &g_app;
	const unsigned burst = a->cfg.burst;
	struct rte_mbuf *pk[512];
	uint64_t last = rte_get_tsc_cycles();

	while (!a->quit) {
		uint64_t t0 = rte_get_tsc_cycles();
		unsigned work = 0;
		control_point(a, w);
		if (a->paused) {
			rte_pause();
			continue;
		}
		uint64_t t_ms = now_ms(a);
		for (unsigned q = 0; q < w->nrxq; q++) {
			uint16_t n = rte_eth_rx_burst(w->rxq[q].port, w->rxq[q].queue, pk, (uint16_t)burst);
			if (n == 0)
				continue;
			work += n;
			w->rxq[q].rx_pkts += n;
			w->st.rx_pkts += n;
			for (uint16_t i = 0; i < n; i++)
				w->st.rx_bytes += pk[i]->pkt_len;
			if (a->cfg.mode == MODE_RXONLY) {
				rte_pktmbuf_free_bulk(pk, n);
				continue;
			}
			for (uint16_t i = 0; i < n; i++) {
				if (i + 2 < n)
					rte_prefetch0(rte_pktmbuf_mtod(pk[i + 2], void *));
				handle_pkt(a, w, pk[i], t_ms);
			}
			rte_pktmbuf_free_bulk(pk, n);
		}
		if (w->meter != NULL && w->st.meter_timed == 0 && work == 0) /* a quiet port still ages its flows */
			nfw_meter_advance(w->meter, now_us(a));
		if (w->ft != NULL) {
			for (unsigned j = 0; j < a->nworkers; j++)
				stage_flush(w, j);
			drain_rings(a, w, 4096);
			nfw_flowtab_age(w->ft, 64);
			closed_flush(w);
		}
		uint64_t t1 = rte_get_tsc_cycles();
		if (work > 0)
			w->st.busy_cycles += t1 - t0;
		w->st.total_cycles += t1 - last;
		last = t1;
	}
	/* clean stop: the meter's flows end, hand off what is staged, then drain until every producer is done */
	if (w->meter != NULL)
		nfw_meter_flush(w->meter);
	if (w->ft != NULL)
		for (unsigned j = 0; j < a->nworkers; j++)
			stage_flush(w, j);
	__atomic_store_n(&w->produce_done, true, __ATOMIC_RELEASE);
	if (w->ft != NULL) {
		for (;;) {
			bool all_done = true;
			for (unsigned j = 0; j < a->nworkers; j++)
				if (!__atomic_load_n(&a->w[j]->produce_done, __ATOMIC_ACQUIRE))
					all_done = false;
			drain_rings(a, w, UINT32_MAX);
			if (all_done) {
				drain_rings(a, w, UINT32_MAX); /* what came in after the last look */
				break;
			}
			rte_pause();
		}
		nfw_flowtab_flush(w->ft);
		closed_flush(w);
	}
	__atomic_store_n(&w->finished, true, __ATOMIC_RELEASE);
	return 0;
}
