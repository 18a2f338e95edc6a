/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Volumetric attacks on internal destinations. Every flow's packets weigh
 * on its destination in a count-min; destinations past vol_prefilter
 * packets (default 20 000: one bucket at vol_min_pps, so any flood that
 * could be reported passes it while it lasts; it was 100 000, and a 30 s
 * flood of 3000 pps on a quiet server was spent in the prefilter,
 * tests/crosscheck/exporters_detect.sh) get state: 10-second buckets of
 * packets, bytes and flows (24 h, each flow spread evenly over its
 * duration, so one long flow is not a spike), a HyperLogLog of sources, and what the destination sent back.
 * At run time the peak bucket is compared with the destination's own
 * baseline (median + 6 x MAD of its buckets), and reported when
 *   peak pps >= vol_min_pps, far above the baseline,
 *   sources >= vol_min_sources (a flood comes from many sources; one CDN
 *   server filling a download is not one), and
 *   the destination answered little during the attack's span (a flash
 *   crowd of real clients gets answers; spoofed floods do not; a server's
 *   answered history before the flood does not count).
 * Flows whose sampling rate is unknown count, but cannot make the absolute
 * threshold alone. Answers to connections the destination opened itself
 * (vol_solicited: a download, an update storm, a proxy's fetches from
 * hundreds of servers) are not counted at all (vol_flows_solicited): a
 * busy client receiving what it asked for is not under attack.
 *
 * On a link that runs for days the buckets are the last 24 h: a flow past
 * the window slides it forward (by at least an hour at a time). A
 * destination with no flow for vol_idle_s (by detect_clock) is dropped at
 * the next run, and
 * the prefilter's counts are halved as often. A volumetric finding is
 * kept (detect_retire) when it is made, so an attack that has slid out of
 * the window is still in the report.
 *
 * The table holds fanout_max_sources / 16 destinations (4096 by default).
 * A busy site's ordinary servers pass the prefilter by volume over a day,
 * and a flood target that came later was refused until they went idle: a
 * run that finds the table 3/4 full drops, down to half, the destinations
 * whose peak bucket is below half of vol_min_pps (vol_dsts_evicted). One of
 * them comes back at its next flow (its prefilter count is kept); a flood
 * target, thousands of flows a second, gets a place the moment one is free.
 * Each destination keeps its peak bucket, so a run evaluates in full (two
 * sorts of up to 8640 buckets) only the destinations that reached
 * vol_min_pps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

#define VB_MS 10000ull
#define VB_N 8640 /* 24 h */
#define VB_SLIDE 360 /* buckets the window moves at least: an hour */

struct vdst {
	uint8_t addr[16];
	uint64_t b0;                 /* bucket index of pk[0] */
	float *pk, *by;              /* per bucket */
	float *ans;                  /* per bucket: packets it sent back */
	uint32_t *fl;
	struct nfw_hll *srcs;
	uint64_t packets, known_packets;
	uint64_t first_ms, last_ms;
	float peak;    /* the largest pk[] */
	uint32_t rate; /* the highest sampling rate among its flows */
};

struct vol_state {
	struct nfw_cms *pre;
	uint64_t data_first_ms, data_last_ms; /* the whole window: baselines span it */
	struct vdst *d;
	struct dslot *slot;
	uint32_t mask, n, max;
	uint64_t halved_ms;    /* when the prefilter was last halved */
};

struct vol_state *
vol_create(const struct nfw_detect_config *c)
{
	struct vol_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->max = c->fanout_max_sources / 16 > 64 ? c->fanout_max_sources / 16 : 64;
	s->mask = 1;
	while (s->mask + 1 < s->max * 2)
		s->mask = s->mask * 2 + 1;
	s->pre = nfw_cms_create(1u << 16, 4, 1, 0x701);
	s->d = calloc(s->max, sizeof(*s->d));
	s->slot = calloc(s->mask + 1, sizeof(*s->slot));
	if (s->pre == NULL || s->d == NULL || s->slot == NULL) {
		vol_free(s);
		return NULL;
	}
	return s;
}

void
vol_free(struct vol_state *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; s->d != NULL && i < s->n; i++) {
		free(s->d[i].pk);
		free(s->d[i].ans);
		free(s->d[i].by);
		free(s->d[i].fl);
		nfw_hll_free(s->d[i].srcs);
	}
	free(s->d);
	free(s->slot);
	nfw_cms_free(s->pre);
	free(s);
}

/* The tracked destination, or NULL with *slotp the empty slot where it would go. */
static struct vdst *
find(struct vol_state *s, const uint8_t a[16], uint64_t h, struct dslot **slotp)
{
	struct dslot *slot = dslot_find(s->slot, s->mask, s->d, sizeof(*s->d), offsetof(struct vdst, addr), a, h);
	*slotp = slot;
	return slot->idx != 0 ? &s->d[slot->idx - 1] : NULL;
}

void
vol_prefetch(struct nfw_detect *d, const struct fctx *x)
{
	if (x->dst_home)
		nfw_cms_prefetch(d->vol->pre, x->hd);
}

/* Move the window so that bucket b is its last (an hour further at least). */
static void
window_slide(struct vdst *v, uint64_t b)
{
	uint64_t by = detect_slide_by(v->b0, VB_N, b, VB_SLIDE);
	detect_slide(v->pk, sizeof(*v->pk), VB_N, by);
	detect_slide(v->by, sizeof(*v->by), VB_N, by);
	detect_slide(v->ans, sizeof(*v->ans), VB_N, by);
	detect_slide(v->fl, sizeof(*v->fl), VB_N, by);
	v->b0 += by;
	v->peak = 0;
	for (unsigned i = 0; i < VB_N; i++)
		v->peak = v->pk[i] > v->peak ? v->pk[i] : v->peak;
}

/*
 * An answer the destination asked for: the server side of a TCP connection
 * it opened (from the lower port to its ephemeral one), acknowledged,
 * carrying data (200 bytes a packet or more; flags alone would not do: a
 * sampled download's records hold its data segments, ACK only): a download,
 * an update storm, a proxy's fetches, a CDN's video. A flood is traffic
 * nobody asked for; SYN-ACK reflection (handshake packets only) and UDP
 * reflection (no connection at all) still count.
 */
static inline bool
vol_solicited(const struct nfw_flow *f)
{
	return f->proto == 6 && f->src_port < f->dst_port && f->dst_port >= 1024 && (f->tcp_flags & 0x10) != 0 &&
	       f->bytes >= 200 * f->packets;
}

void
vol_add(struct nfw_detect *d, const struct fctx *x)
{
	const struct nfw_flow *f = x->f;
	struct vol_state *s = d->vol;
	struct dslot *slot = NULL;
	if (s->data_first_ms == 0 || f->start_ms < s->data_first_ms)
		s->data_first_ms = f->start_ms;
	if (f->end_ms > s->data_last_ms)
		s->data_last_ms = f->end_ms;
	/* what a tracked destination sends back */
	struct vdst *back = s->n > 0 ? find(s, f->src_addr, x->hs, &slot) : NULL;
	if (back != NULL) { /* counted in the bucket it started in (inside the window) */
		uint64_t b = f->start_ms / VB_MS;
		if (b >= back->b0 && b < back->b0 + VB_N)
			back->ans[b - back->b0] += (float)f->packets;
	}
	if (!x->dst_home)
		return;
	if (vol_solicited(f)) {
		d->st.vol_flows_solicited++;
		return;
	}
	uint64_t key = x->hd;
	uint64_t est = nfw_cms_add_est(s->pre, key, f->packets);
	struct vdst *v = find(s, f->dst_addr, x->hd, &slot);
	if (v == NULL) {
		if ((double)est < d->cfg.vol_prefilter)
			return;
		if (s->n >= s->max) {
			d->st.vol_dsts_refused++;
			return;
		}
		v = &s->d[s->n];
		memcpy(v->addr, f->dst_addr, 16);
		v->pk = calloc(VB_N, sizeof(float));
		v->by = calloc(VB_N, sizeof(float));
		v->ans = calloc(VB_N, sizeof(float));
		v->fl = calloc(VB_N, sizeof(uint32_t));
		v->srcs = nfw_hll_create(12);
		if (v->pk == NULL || v->by == NULL || v->ans == NULL || v->fl == NULL || v->srcs == NULL)
			return;
		/* buckets from the start of the data, or ending an hour after this flow
		 * (by its own time: a far-off clock elsewhere moves nothing here) */
		uint64_t first_b = s->data_first_ms / VB_MS, at_b = f->start_ms / VB_MS;
		v->b0 = at_b >= first_b + (VB_N - VB_SLIDE) ? at_b - (VB_N - VB_SLIDE) : first_b;
		v->first_ms = f->start_ms;
		slot->idx = ++s->n;
		slot->sig = dslot_sig(x->hd);
		d->st.vol_dsts++;
	}
	v->packets += f->packets;
	if (f->sampling > v->rate)
		v->rate = f->sampling;
	if (!(f->flags & NFW_FLOW_F_RATE_UNKNOWN) || f->sampling <= 1)
		v->known_packets += f->packets;
	if (f->start_ms < v->first_ms)
		v->first_ms = f->start_ms;
	if (f->end_ms > v->last_ms)
		v->last_ms = f->end_ms;
	nfw_hll_add(v->srcs, x->hs);
	uint64_t t0 = f->start_ms, t1 = f->end_ms > f->start_ms ? f->end_ms : f->start_ms + 1;
	uint64_t b1 = (t1 - 1) / VB_MS;
	if (b1 >= v->b0 + VB_N)
		window_slide(v, b1);
	/* only the buckets inside the window: a flow may span years (a bad clock) */
	uint64_t bz = b1 < v->b0 + VB_N - 1 ? b1 : v->b0 + VB_N - 1;
	for (uint64_t b = t0 / VB_MS > v->b0 ? t0 / VB_MS : v->b0; b <= bz; b++) {
		uint64_t lo = b * VB_MS > t0 ? b * VB_MS : t0;
		uint64_t hi = (b + 1) * VB_MS < t1 ? (b + 1) * VB_MS : t1;
		double share = (double)(hi - lo) / (double)(t1 - t0);
		float pk = v->pk[b - v->b0] += (float)((double)f->packets * share);
		v->peak = pk > v->peak ? pk : v->peak;
		v->by[b - v->b0] += (float)((double)f->bytes * share);
		if (b == t0 / VB_MS)
			v->fl[b - v->b0]++;
	}
}

static int
cmp_f(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return (x > y) - (x < y);
}

/* One tracked destination: its finding (NULL: none, or the list is full). */
static struct nfw_finding *
dst_eval(struct nfw_detect *d, const struct vdst *v)
{
	const struct vol_state *s = d->vol;
	const struct nfw_detect_config *c = &d->cfg;
	if (v->pk == NULL || v->peak / (VB_MS / 1000.0) < c->vol_min_pps || s->data_last_ms / VB_MS < v->b0)
		return NULL;
	unsigned last = (unsigned)((s->data_last_ms / VB_MS) - v->b0);
	unsigned nb = last + 1 < VB_N ? last + 1 : VB_N;
	unsigned peak = 0;
	for (unsigned b = 0; b < nb; b++)
		if (v->pk[b] > v->pk[peak])
			peak = b;
	/* the baseline: every bucket of the window, median and MAD */
	float *tmp = malloc(nb * sizeof(float));
	if (tmp == NULL)
		return NULL;
	memcpy(tmp, v->pk, nb * sizeof(float));
	qsort(tmp, nb, sizeof(float), cmp_f);
	double med = tmp[nb / 2];
	for (unsigned b = 0; b < nb; b++)
		tmp[b] = fabsf(v->pk[b] - (float)med);
	qsort(tmp, nb, sizeof(float), cmp_f);
	double mad = tmp[nb / 2];
	free(tmp);
	double pps = v->pk[peak] / (VB_MS / 1000.0), bps = v->by[peak] * 8 / (VB_MS / 1000.0);
	double base_pps = (med + 6 * mad) / (VB_MS / 1000.0);
	double srcs = nfw_hll_count(v->srcs);
	/* the attack's span: buckets above half the peak */
	unsigned a = peak, z = peak;
	while (a > 0 && v->pk[a - 1] >= v->pk[peak] / 2)
		a--;
	while (z + 1 < nb && v->pk[z + 1] >= v->pk[peak] / 2)
		z++;
	/* what it answered during that span: a long answered history must not hide a flood */
	double span_in = 0, span_back = 0;
	for (unsigned b = a; b <= z; b++) {
		span_in += v->pk[b];
		span_back += v->ans[b];
	}
	double answered = span_in > 0 ? fmin(1.0, span_back / span_in) : 0;
	double known = v->packets ? (double)v->known_packets / (double)v->packets : 0;
	if (pps < c->vol_min_pps || pps < 4 * base_pps || srcs < c->vol_min_sources || answered > 0.5 ||
	    pps * known < c->vol_min_pps)
		return NULL;
	double score = 50 + 25 * fmin(1.0, log10(pps / c->vol_min_pps + 1) / 2) +
		       15 * fmin(1.0, log10(srcs / c->vol_min_sources + 1)) + 10 * (1 - answered);
	if (score < c->min_score)
		return NULL;
	struct nfw_finding *f = finding_new(d, NFW_FINDING_VOLUMETRIC);
	if (f == NULL)
		return NULL;
	memcpy(f->dst, v->addr, 16);
	f->has_dst = true;
	f->first_ms = (v->b0 + a) * VB_MS;
	f->last_ms = (v->b0 + z + 1) * VB_MS;
	f->score = score;
	finding_why(f, true, "%.0f packets/s, %.0fx its baseline", pps, base_pps > 0 ? pps / base_pps : pps);
	finding_why(f, true, "~%.0f sources", srcs);
	finding_why(f, true, "%.0f %% unanswered", (1 - answered) * 100);
	char b[64];
	snprintf(f->summary, sizeof(f->summary),
		 "%s received %.0f packets/s (%.1f Mbit/s) from ~%.0f sources for %.0f s; its baseline is %.0f packets/s",
		 nfw_addr_str(v->addr, b, sizeof(b)), pps, bps / 1e6, srcs,
		 (double)(z - a + 1) * VB_MS / 1000.0, base_pps);
	finding_ev(f, "pps", pps);
	finding_ev(f, "bps", bps);
	finding_ev(f, "baseline_bps", base_pps * (bps / (pps > 0 ? pps : 1)));
	finding_ev(f, "baseline_pps", base_pps);
	finding_ev(f, "distinct_srcs", srcs);
	finding_ev(f, "answered_share", answered);
	if (v->rate > 1)
		finding_ev(f, "sampling", v->rate);
	finding_finish(f);
	return f;
}

void
vol_run(struct nfw_detect *d)
{
	struct vol_state *s = d->vol;
	const uint64_t idle_ms = (uint64_t)(d->cfg.vol_idle_s * 1000);
	const bool pressure = s->n > s->max / 4 * 3;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		struct vdst *v = &s->d[i];
		struct nfw_finding *f = dst_eval(d, v);
		if (f != NULL)
			detect_retire(d, f); /* an attack stays reported after it slides out of the window */
		bool idle = v->last_ms + idle_ms < d->now_ms;
		/* a full table: destinations far below a flood's rate make room, down to half */
		bool evict = !idle && pressure && kept + (s->n - i) > s->max / 2 && f == NULL &&
			     v->peak / (VB_MS / 1000.0) < d->cfg.vol_min_pps / 2;
		if (!idle && !evict) {
			if (kept != i)
				s->d[kept] = *v;
			kept++;
			continue;
		}
		free(v->pk);
		free(v->ans);
		free(v->by);
		free(v->fl);
		nfw_hll_free(v->srcs);
		if (idle)
			d->st.vol_dsts_expired++;
		else
			d->st.vol_dsts_evicted++;
	}
	if (kept != s->n) {
		memset(&s->d[kept], 0, (size_t)(s->n - kept) * sizeof(*s->d));
		s->n = kept;
		addr_index_rebuild(s->slot, s->mask, s->d, sizeof(*s->d), offsetof(struct vdst, addr), s->n);
	}
	if (s->halved_ms == 0) {
		s->halved_ms = d->now_ms;
	} else if (d->now_ms >= s->halved_ms + idle_ms) {
		nfw_cms_halve(s->pre);
		s->halved_ms = d->now_ms;
	}
}
