/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Beaconing: per (internal src, dst, dst port, proto), the start times of
 * its sessions (a record that continues the previous session on the same
 * source port is not a new event). At run time, for tuples with enough
 * events:
 *   - sessions that mostly reuse one source port are one long-lived
 *     connection (keepalives, NTP client polls): skipped;
 *   - the period: the median interval P0, then every interval folded onto
 *     its nearest multiple of P0 (a missed beat is a double interval) and
 *     P = the median of the folded intervals;
 *   - on-period share: intervals within 25 % of a multiple of P, of which
 *     at least 75 % must be a single period (folding alone would make
 *     Poisson arrivals look periodic: only ~35 % of theirs are);
 *   - jitter: MAD of the folded intervals / P; Bowley skew of them;
 *   - size regularity (coefficient of variation of bytes), persistence;
 *   - a tuple whose records were sampled, where most sessions go unseen
 *     and the intervals are many periods, is also tested by the phase
 *     coherence of its intervals at a searched period (beacon_phase.c;
 *     searched again only when it has new sessions).
 * Events per tuple are capped (the newest 64 kept, with the count and the
 * first of all time) and tuples are capped (beacon_max_tuples, refusals
 * counted): at most ~1.2 KB a tuple.
 *
 * Most tuples are seen once (a client's one visit to a site), and a beacon
 * needs a dozen sessions: a tuple gets its place in the tuple table (and
 * its event list) at its second session. Its first waits in a table of
 * first sightings, 2-way buckets of one cache line, no allocation: a tuple
 * seen once costs that line. A first sighting pushed out of its bucket by
 * two newer ones is counted (beacon_seen_lost; most are tuples that never
 * come back); if its tuple does come back, it starts at that session. On
 * a busy link (more new tuples a second than the table holds in
 * SEEN_WAIT_S) a newcomer to a full bucket is admitted only by chance
 * (seen_admit; the rest counted in beacon_seen_skipped), so sightings wait
 * long enough to meet a beacon's next session.
 *
 * A busy site fills the tuple table with tuples that come back (clients
 * and their usual servers) and would refuse every later one, a new beacon
 * among them, until they go idle (hours, or never). A run that finds the
 * table more than 3/4 full makes room down to half: tuples analysed and not
 * periodic, and tuples too short to analyse that had no session for an
 * hour go (beacon_tuples_evicted; one that comes back starts again).
 *
 * A tuple with no session for beacon_idle_s (by detect_clock) is
 * dropped when a run passes it: its slot leaves the index by backward
 * shift, the last tuple moves into its place. A tuple dropped while it
 * reads as a beacon is analysed one last time and its finding is kept
 * (detect_retire) and reported by every later run, so a beacon that
 * stopped is still in the report of a long run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

/*
 * The newest MAX_EVENTS sessions of a tuple, a ring (grown 8, 16, 32, 64
 * as a tuple lives): the interval statistics need a few dozen; the count
 * and the first session of all time are in the tuple. A tuple's events
 * take at most 1 KB, so a worker's beaconing state is bounded by
 * beacon_max_tuples x ~1.2 KB (the tuple line, its key, its index slots).
 */
#define MAX_EVENTS 64

struct bkey {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t dport;
	uint8_t proto;
	uint8_t pad[5];
};

struct bevent {
	uint64_t t;
	uint32_t bytes;       /* saturated: a session of 4 GB is no beacon */
	uint16_t sport;
};
_Static_assert(sizeof(struct bevent) == 16, "an event is 16 bytes");

/*
 * A tuple: one cache line. The index (8-byte slots: a tuple number and a
 * signature, linear probing) finds it; the 64-bit tuple hash in the line
 * is its identity (two of a million tuples share one with odds of 1 in
 * 10^13), its key is in a parallel cold array (touched when the tuple is
 * made or analysed). A session continuing the newest event adds to pend,
 * written to the event when the next one comes: only a new session
 * touches the event list.
 */
struct tuple {
	uint64_t h;           /* tuple_hash */
	uint64_t last_end;
	struct bevent *ev;    /* cap of them, n held, the oldest at head */
	uint64_t pend;        /* bytes of the newest event's continuations, not yet in it */
	uint64_t first;       /* the start of its first session */
	uint32_t total;       /* events seen, including those the ring let go */
	uint16_t n, cap, head;
	uint16_t last_sport;
	uint32_t sampling;    /* the highest rate of its records (1: unsampled) */
	uint32_t phase_total; /* total when analyse_thinned last found no period (0: search) */
} __attribute__((aligned(64)));
_Static_assert(sizeof(struct tuple) == 64, "a tuple is one cache line");

/* A tuple's first session, waiting for its second (32 bytes: two per bucket line). */
struct bseen {
	uint64_t h;            /* tuple hash, 0: empty */
	uint64_t start, end;
	uint64_t bytes : 48;
	uint64_t sport : 16;
};
_Static_assert(sizeof(struct bseen) == 32, "two first sightings per cache line");

struct beacon_state {
	struct dslot *slot;
	uint32_t mask;
	struct tuple *t;       /* n of max, and their keys */
	void *t_mem;
	struct bkey *keys;
	uint32_t n, max;
	struct bseen *seen;    /* seen_mask + 1 buckets of two */
	uint32_t seen_mask;
	/* admission of first sightings to a full bucket (seen_admit) */
	uint32_t admit;        /* the chance, x 2^32 (UINT32_MAX: always) */
	uint64_t win_ms, win_new; /* this minute's start (flow time) and its new sightings */
	uint64_t rng;
	bool pressure;         /* this run: more than 3/4 of max tuples held */
};

#define SEEN_WAIT_S 900    /* how long first sightings should wait, on a busy link */

struct beacon_state *
beacon_create(const struct nfw_detect_config *c)
{
	struct beacon_state *b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->max = c->beacon_max_tuples;
	uint32_t n = 1024;
	while (n < b->max * 2u && n < (1u << 28))
		n <<= 1;
	b->mask = n - 1;
	b->slot = calloc(n, sizeof(*b->slot));
	b->t = detect_calloc_lines(b->max, sizeof(*b->t), &b->t_mem);
	b->keys = calloc(b->max, sizeof(*b->keys));
	uint32_t nb = 512;
	while (nb < b->max / 2u && nb < (1u << 27))
		nb <<= 1;
	b->seen_mask = nb - 1;
	b->admit = UINT32_MAX;
	b->rng = 0x9e3779b97f4a7c15ULL;
	b->seen = aligned_alloc(64, (size_t)nb * 2 * sizeof(*b->seen));
	if (b->seen != NULL)
		memset(b->seen, 0, (size_t)nb * 2 * sizeof(*b->seen));
	if (b->slot == NULL || b->t == NULL || b->keys == NULL || b->seen == NULL) {
		beacon_free(b);
		return NULL;
	}
	return b;
}

void
beacon_free(struct beacon_state *b)
{
	if (b == NULL)
		return;
	for (uint32_t i = 0; b->t != NULL && i < b->n; i++)
		free(b->t[i].ev);
	free(b->t_mem);
	free(b->keys);
	free(b->slot);
	free(b->seen);
	free(b);
}

static inline uint64_t
tuple_hash(const struct fctx *x)
{
	return ((x->hs * 0x9e3779b97f4a7c15ULL) ^ x->hd ^
		((uint64_t)x->f->dst_port << 8 | x->f->proto) * 0xc2b2ae3d27d4eb4fULL) | 1;
}

/* the hash the index works on (dslot: slot from its low bits, signature from its high ones) */
static inline uint64_t
index_hash(uint64_t h)
{
	return h ^ h >> 29;
}

static inline struct bseen *
seen_bucket(const struct beacon_state *b, uint64_t h)
{
	return &b->seen[2 * ((uint32_t)(h >> 24) & b->seen_mask)];
}

/* wave 1: the index slot */
void
beacon_prefetch(struct nfw_detect *d, const struct fctx *x)
{
	const struct beacon_state *b = d->beacon;
	if (!x->src_home || x->dst_home)
		return;
	__builtin_prefetch(&b->slot[(uint32_t)index_hash(tuple_hash(x)) & b->mask]);
}

/* wave 2: the tuple the index points at, or the first sightings' bucket */
void
beacon_prefetch_entries(struct nfw_detect *d, const struct fctx *x)
{
	const struct beacon_state *b = d->beacon;
	if (!x->src_home || x->dst_home)
		return;
	uint64_t h = tuple_hash(x);
	uint32_t idx = dslot_peek(b->slot, b->mask, index_hash(h));
	if (idx != 0)
		__builtin_prefetch(&b->t[idx - 1]);
	else
		__builtin_prefetch(seen_bucket(b, h));
}

static inline uint32_t
sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* the newest event's continuations, into the event */
static inline void
pend_flush(struct tuple *t)
{
	if (t->pend != 0 && t->n > 0) {
		struct bevent *e = &t->ev[(t->head + t->n - 1u) % t->cap];
		e->bytes = sat32(detect_sat_add(e->bytes, t->pend));
	}
	t->pend = 0;
}

static bool
event_push(struct tuple *t, uint64_t start, uint64_t bytes, uint16_t sport)
{
	pend_flush(t);
	if (t->n == t->cap && t->cap < MAX_EVENTS) { /* not yet a ring: head is 0 */
		uint16_t nc = t->cap ? (uint16_t)(t->cap * 2) : 8;
		struct bevent *e = realloc(t->ev, nc * sizeof(*e));
		if (e == NULL)
			return false;
		t->ev = e;
		t->cap = nc;
	}
	struct bevent *e;
	if (t->n < t->cap) {
		e = &t->ev[(t->head + t->n) % t->cap];
		t->n++;
	} else { /* the ring is full: the oldest goes */
		e = &t->ev[t->head];
		t->head = (uint16_t)((t->head + 1) % t->cap);
	}
	e->t = start;
	e->bytes = sat32(bytes);
	e->sport = sport;
	if (t->total == 0)
		t->first = start;
	if (t->total < UINT32_MAX)
		t->total++;
	return true;
}

/* bytes as the 48-bit field of a first sighting holds them (saturated) */
static inline uint64_t
sat48(uint64_t v)
{
	return v > 0xffffffffffffull ? 0xffffffffffffull : v;
}

/*
 * Whether a new first sighting takes a place (free: a way was empty). A
 * first sighting pushed out by the newest lasts capacity / (new sightings
 * a second): on a busy link, seconds, and a beacon's first session would
 * never meet its second. So to a full bucket a sighting is admitted only
 * with the chance that makes sightings last SEEN_WAIT_S, measured each
 * minute of flow time (flow ends; a jump back of more than 10 minutes
 * starts the count again): the other sightings wait long enough, and a
 * beacon, trying once a session, gets its tuple after about 1 / chance
 * sessions (at 50 000 new tuples a second and a million places, ~45)
 * instead of never. An idle link admits every one.
 */
static bool
seen_admit(struct beacon_state *b, uint64_t now_ms, bool free)
{
	b->win_new++;
	if (b->win_ms == 0 || now_ms + 600000 < b->win_ms) {
		b->win_ms = now_ms;
		b->win_new = 0;
	} else if (now_ms >= b->win_ms + 60000) {
		double rate = (double)b->win_new * 1000.0 / (double)(now_ms - b->win_ms);
		double chance = (double)(2 * (b->seen_mask + 1u)) / (rate * SEEN_WAIT_S);
		b->admit = chance >= 1 ? UINT32_MAX : (uint32_t)(chance * 4294967296.0);
		b->win_ms = now_ms;
		b->win_new = 0;
	}
	if (free || b->admit == UINT32_MAX)
		return true;
	b->rng ^= b->rng << 13; /* xorshift64 */
	b->rng ^= b->rng >> 7;
	b->rng ^= b->rng << 17;
	return (uint32_t)(b->rng >> 32) < b->admit;
}

/*
 * A tuple not in the tuple table: its first session is kept as a first
 * sighting. True at its second session: *first is the first (cleared from
 * the bucket), for the tuple to be created with it as its first event.
 * False: the flow was kept as a first sighting, or continues one.
 */
static bool
seen_check(struct nfw_detect *d, uint64_t h, const struct nfw_flow *f, struct bseen *first)
{
	struct beacon_state *b = d->beacon;
	struct bseen *bk = seen_bucket(b, h); /* h is odd: 0 marks an empty entry */
	for (unsigned w = 0; w < 2; w++) {
		struct bseen *e = &bk[w];
		if (e->h != h)
			continue;
		if (f->src_port == e->sport && f->start_ms <= e->end + 2000) {
			/* the same session, split by the exporter */
			if (f->end_ms > e->end)
				e->end = f->end_ms;
			e->bytes = sat48(e->bytes + sat48(f->bytes));
			return false;
		}
		*first = *e;
		e->h = 0;
		return true;
	}
	/* first sighting: an empty way, else (if admitted) the one waiting longest */
	struct bseen *v = bk[0].h == 0 ? &bk[0] : bk[1].h == 0 ? &bk[1] : bk[0].end <= bk[1].end ? &bk[0] : &bk[1];
	if (!seen_admit(b, f->end_ms, v->h == 0)) {
		d->st.beacon_seen_skipped++;
		return false;
	}
	if (v->h != 0)
		d->st.beacon_seen_lost++;
	v->h = h;
	v->start = f->start_ms;
	v->end = f->end_ms;
	v->bytes = sat48(f->bytes);
	v->sport = f->src_port;
	return false;
}

void
beacon_add(struct nfw_detect *d, const struct fctx *x)
{
	const struct nfw_flow *f = x->f;
	struct beacon_state *b = d->beacon;
	if (!x->src_home || x->dst_home)
		return; /* beacons leave the site */
	uint64_t h = tuple_hash(x), ih = index_hash(h);
	uint32_t sig = dslot_sig(ih), i = (uint32_t)ih & b->mask;
	struct tuple *t = NULL;
	for (;; i = (i + 1) & b->mask) {
		if (b->slot[i].idx == 0)
			break;
		if (b->slot[i].sig == sig && b->t[b->slot[i].idx - 1].h == h) {
			t = &b->t[b->slot[i].idx - 1];
			break;
		}
	}
	if (t == NULL) {
		struct bseen first;
		if (!seen_check(d, h, f, &first))
			return;
		if (b->n >= b->max) {
			d->st.beacon_tuples_refused++;
			return;
		}
		struct bkey *k = &b->keys[b->n];
		memcpy(k->src, f->src_addr, 16);
		memcpy(k->dst, f->dst_addr, 16);
		k->dport = f->dst_port;
		k->proto = f->proto;
		t = &b->t[b->n];
		t->h = h;
		b->slot[i].idx = ++b->n;
		b->slot[i].sig = sig;
		d->st.beacon_tuples++;
		if (!event_push(t, first.start, first.bytes, (uint16_t)first.sport))
			return;
	} else if (f->src_port == t->last_sport && f->start_ms <= t->last_end + 2000) {
		/* the same session, split by the exporter */
		if (f->end_ms > t->last_end)
			t->last_end = f->end_ms;
		t->pend = detect_sat_add(t->pend, f->bytes);
		return;
	}
	if (!event_push(t, f->start_ms, f->bytes, f->src_port))
		return;
	t->last_end = f->end_ms;
	t->last_sport = f->src_port;
	if (f->sampling > t->sampling)
		t->sampling = f->sampling;
}

/*
 * Sorts of at most MAX_EVENTS items, inline: qsort's callbacks and
 * analyse's allocations were a tenth of a worker's time on the site mix
 * (bench/linerate.sh, "site"), where popular tuples are analysed every run.
 * Shell's gaps for values; events are nearly in order once the ring is
 * unrolled from its head, so straight insertion.
 */
#define SHELL_SORT(v, n)                                                         \
	do {                                                                     \
		static const unsigned gaps_[] = { 23, 10, 4, 1 };                \
		for (unsigned g_ = 0; g_ < 4; g_++) {                            \
			unsigned h_ = gaps_[g_];                                 \
			for (unsigned i_ = h_; i_ < (n); i_++) {                 \
				__typeof__(*(v)) x_ = (v)[i_];                   \
				unsigned j_ = i_;                                \
				for (; j_ >= h_ && (v)[j_ - h_] > x_; j_ -= h_)  \
					(v)[j_] = (v)[j_ - h_];                  \
				(v)[j_] = x_;                                    \
			}                                                        \
		}                                                                \
	} while (0)

static void
sort_dbl(double *v, unsigned n)
{
	SHELL_SORT(v, n);
}

static void
sort_u16(uint16_t *v, unsigned n)
{
	SHELL_SORT(v, n);
}

/* the ring in time order from index 0 (head 0 after) */
static void
events_in_order(struct tuple *t)
{
	struct bevent tmp[MAX_EVENTS];
	unsigned n = t->n;
	for (unsigned i = 0; i < n; i++)
		tmp[i] = t->ev[(t->head + i) % t->cap];
	for (unsigned i = 1; i < n; i++) {
		struct bevent x = tmp[i];
		unsigned j = i;
		for (; j > 0 && tmp[j - 1].t > x.t; j--)
			tmp[j] = tmp[j - 1];
		tmp[j] = x;
	}
	memcpy(t->ev, tmp, n * sizeof(tmp[0]));
	t->head = 0;
}

static double
quantile(const double *sorted, unsigned n, double q)
{
	double pos = q * (n - 1);
	unsigned lo = (unsigned)pos;
	double fr = pos - lo;
	return lo + 1 < n ? sorted[lo] * (1 - fr) + sorted[lo + 1] * fr : sorted[lo];
}

/* What analyse measured of a tuple, for its finding. */
struct bfit {
	double period, jitter, on_share;
	double bytes_med, bytes_cv, span_s;
	uint64_t first, last;
};

/* The tuple's finding: entities, times, the evidence both tests give. NULL when the list is full. */
static struct nfw_finding *
beacon_finding(struct nfw_detect *d, const struct bkey *key, const struct bfit *m, double connections,
	       double score)
{
	bool role = has_role(d, NFW_ROLE_CDN_SAAS, key->dst) || has_role(d, NFW_ROLE_NTP, key->dst);
	if (role)
		score *= 0.5;
	struct nfw_finding *f = finding_new(d, NFW_FINDING_BEACONING);
	if (f == NULL)
		return NULL;
	finding_why(f, true, "%.0f sessions every %.0f s, %.0f %% on period", connections, m->period / 1000.0,
		    m->on_share * 100);
	finding_why(f, true, "jitter %.0f %%", m->jitter * 100);
	if (role)
		finding_why(f, false, "a CDN, SaaS or NTP destination (role)");
	memcpy(f->src, key->src, 16);
	memcpy(f->dst, key->dst, 16);
	f->has_src = f->has_dst = true;
	f->dst_port = key->dport;
	f->proto = key->proto;
	f->first_ms = m->first;
	f->last_ms = m->last;
	f->score = score;
	finding_ev(f, "connections", connections);
	finding_ev(f, "period_s", m->period / 1000.0);
	finding_ev(f, "jitter", m->jitter);
	finding_ev(f, "on_period", m->on_share);
	return f;
}

/*
 * A beacon seen through packet sampling (beacon_phase.c): most of its
 * sessions were not seen, so the intervals are many periods; their phases
 * still line up. Only for tuples whose records were sampled: unsampled,
 * the direct test above is the one that holds the false alarms down.
 */
static bool
analyse_thinned(struct nfw_detect *d, struct tuple *t, const struct bkey *key, double *iv, struct bfit *m)
{
	const struct nfw_detect_config *c = &d->cfg;
	struct beacon_phase ph;
	if (t->phase_total == t->total)
		return false; /* searched at this count already, and it was not periodic */
	t->phase_total = t->total;
	/* Intervals between sessions: an event on the source port of the one
	 * before continues its session (sFlow, a record per sampled packet,
	 * splits one session into many events seconds apart). */
	unsigned ni = 0;
	uint64_t prev = t->ev[0].t;
	for (unsigned i = 1; i < t->n; i++)
		if (t->ev[i].sport != t->ev[i - 1].sport) {
			iv[ni++] = (double)(t->ev[i].t - prev);
			prev = t->ev[i].t;
		}
	if (ni + 1 < c->beacon_min_events || m->span_s < 3600)
		return false;
	if (!beacon_phase_fit(iv, ni, c->beacon_min_period_s * 1000, &ph) ||
	    ph.z < c->beacon_min_phase_z || ph.jitter > c->beacon_max_jitter)
		return true;
	m->period = ph.period;
	m->jitter = ph.jitter;
	m->on_share = (double)ph.on / ni;
	double score = 30 + 30 * fmin(1.0, ph.z / (2 * c->beacon_min_phase_z)) + 20 * fmin(1.0, m->span_s / 14400.0) +
		       10 * m->on_share;
	/* The ring holds the newest MAX_EVENTS events: sessions seen of all
	 * time are its sessions scaled by the events of all time; the sessions
	 * there were, the periods from the first session of all time (m->first). */
	double seen = t->total > t->n ? floor((double)(ni + 1) * t->total / t->n + 0.5) : ni + 1;
	double sessions = floor((double)(m->last - m->first) / ph.period + 0.5) + 1;
	if (sessions < seen)
		sessions = seen;
	struct nfw_finding *f = beacon_finding(d, key, m, seen, score);
	if (f != NULL)
		finding_why(f, true, "sampled: phases coherent at the period, Z %.0f", ph.z);
	if (f == NULL)
		return true;
	t->phase_total = 0; /* a beacon: searched again next run, so it is reported again */
	char a[64], b[64];
	snprintf(f->summary, sizeof(f->summary),
		 "%s contacts %s every %.0f s (jitter %.0f %%) over %.1f h: %.0f sessions seen of ~%.0f, "
		 "sampled 1:%u",
		 nfw_addr_str(key->src, a, sizeof(a)), nfw_addr_port_str(key->dst, key->dport, b, sizeof(b)),
		 ph.period / 1000.0, ph.jitter * 100, m->span_s / 3600.0, seen, sessions, t->sampling);
	finding_ev(f, "sampling", t->sampling);
	finding_ev(f, "phase_z", ph.z);
	finding_ev(f, "sessions_estimated", sessions); /* connections: the sessions seen of them */
	finding_ev(f, "span_s", m->span_s);
	finding_ev(f, "bytes_median", m->bytes_med);
	finding_finish(f);
	return true;
}

/* PHASE_COST: a phase search in analyses (bench_detect BM_beacon_run: ~14 us against ~6 us) */
#define PHASE_COST 3

/* A tuple's tests, and what they cost in analyses (a run's slices are counted in them). */
static unsigned
analyse(struct nfw_detect *d, struct tuple *t, const struct bkey *key)
{
	unsigned cost = 1;
	const struct nfw_detect_config *c = &d->cfg;
	unsigned n = t->n;
	pend_flush(t);
	/* in time order; sorted, the oldest is first: the ring starts at 0 again */
	events_in_order(t);

	/* one long-lived connection: most sessions on the same source port */
	uint16_t sp[MAX_EVENTS];
	for (unsigned i = 0; i < n; i++)
		sp[i] = t->ev[i].sport;
	sort_u16(sp, n);
	unsigned run = 1, best = 1;
	for (unsigned i = 1; i < n; i++) {
		run = sp[i] == sp[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	if (best * 5 >= n * 4)
		return cost;

	unsigned ni = n - 1;
	double iv[MAX_EVENTS], fold[MAX_EVENTS], dev[MAX_EVENTS], byt[MAX_EVENTS];
	struct bfit m = { 0 };
	for (unsigned i = 0; i < ni; i++)
		iv[i] = (double)(t->ev[i + 1].t - t->ev[i].t);
	double mean = 0, var = 0;
	for (unsigned i = 0; i < n; i++) {
		byt[i] = (double)t->ev[i].bytes;
		mean += byt[i];
	}
	mean /= n;
	for (unsigned i = 0; i < n; i++)
		var += (byt[i] - mean) * (byt[i] - mean);
	m.bytes_cv = mean > 0 ? sqrt(var / n) / mean : 0;
	sort_dbl(byt, n);
	m.bytes_med = quantile(byt, n, 0.5);
	m.first = t->first < t->ev[0].t ? t->first : t->ev[0].t;
	m.last = t->ev[n - 1].t;
	m.span_s = (double)(m.last - m.first) / 1000.0;

	memcpy(fold, iv, ni * sizeof(double));
	sort_dbl(fold, ni);
	double p0 = quantile(fold, ni, 0.5);
	if (p0 < c->beacon_min_period_s * 1000)
		goto thinned;
	/* fold onto multiples of p0, then the period is their median */
	unsigned nf = 0;
	for (unsigned i = 0; i < ni; i++) {
		double k = floor(iv[i] / p0 + 0.5);
		if (k >= 1)
			fold[nf++] = iv[i] / k;
	}
	if (nf < c->beacon_min_events - 1)
		goto thinned;
	sort_dbl(fold, nf);
	double p = quantile(fold, nf, 0.5);
	/* Folding onto multiples squeezes any interval into +-50 % of the period:
	 * random (Poisson) arrivals would look periodic. A beacon's intervals are
	 * mostly one period (k = 1); missed beats are the exception. */
	unsigned on = 0, direct = 0;
	for (unsigned i = 0; i < ni; i++) {
		double k = floor(iv[i] / p + 0.5);
		if (k >= 1 && fabs(iv[i] / k - p) <= 0.25 * p) {
			on++;
			direct += k == 1;
		}
	}
	double on_share = (double)on / ni, direct_share = (double)direct / ni;
	if (direct_share < 0.75)
		goto thinned;
	for (unsigned i = 0; i < nf; i++)
		dev[i] = fabs(fold[i] - p);
	sort_dbl(dev, nf);
	double jitter = quantile(dev, nf, 0.5) / p;
	double q1 = quantile(fold, nf, 0.25), q3 = quantile(fold, nf, 0.75);
	double skew = q3 > q1 ? (q3 + q1 - 2 * p) / (q3 - q1) : 0;
	if (on_share < c->beacon_min_on_period || jitter > c->beacon_max_jitter)
		goto thinned;
	m.period = p;
	m.jitter = jitter;
	m.on_share = on_share;
	double score = 45 * on_share + 20 * (1 - jitter / c->beacon_max_jitter) +
		       15 * fmin(1.0, (double)t->total / 48.0) + 10 * fmin(1.0, m.span_s / 3600.0) +
		       10 * (m.bytes_cv < 0.3 ? 1.0 : 0.3);
	struct nfw_finding *f = beacon_finding(d, key, &m, (double)t->total, score);
	if (f == NULL)
		goto out;
	finding_why(f, m.bytes_cv < 0.3, "%s sizes", m.bytes_cv < 0.3 ? "regular" : "irregular");
	char a[64], b[64];
	snprintf(f->summary, sizeof(f->summary),
		 "%s contacts %s every %.0f s (MAD %.0f %%), %llu times over %.1f h, ~%.0f B each",
		 nfw_addr_str(key->src, a, sizeof(a)), nfw_addr_port_str(key->dst, key->dport, b, sizeof(b)),
		 p / 1000.0, jitter * 100, (unsigned long long)t->total, m.span_s / 3600.0,
		 m.bytes_med);
	finding_ev(f, "direct_share", direct_share);
	finding_ev(f, "bowley_skew", skew);
	finding_ev(f, "bytes_median", m.bytes_med);
	finding_ev(f, "bytes_cv", m.bytes_cv);
	finding_ev(f, "span_s", m.span_s);
	if (t->sampling > 1)
		finding_ev(f, "sampling", t->sampling);
	finding_finish(f);
	goto out;
thinned:
	if (t->sampling > 1 && analyse_thinned(d, t, key, iv, &m))
		cost += PHASE_COST;
out:
	return cost;
}

/* The index slot that holds tuple number idx (1-based). */
static uint32_t
slot_of(const struct beacon_state *b, uint32_t idx)
{
	uint32_t i = (uint32_t)index_hash(b->t[idx - 1].h) & b->mask;
	while (b->slot[i].idx != idx)
		i = (i + 1) & b->mask;
	return i;
}

/* Drop tuple i: its slot leaves by backward shift, the last tuple (and key) takes its place. */
static void
tuple_drop(struct beacon_state *b, uint32_t i)
{
	uint32_t hole = slot_of(b, i + 1), j = hole;
	for (;;) {
		j = (j + 1) & b->mask;
		if (b->slot[j].idx == 0)
			break;
		uint32_t home = (uint32_t)index_hash(b->t[b->slot[j].idx - 1].h) & b->mask;
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			b->slot[hole] = b->slot[j];
			hole = j;
		}
	}
	b->slot[hole].idx = 0;
	b->slot[hole].sig = 0;
	free(b->t[i].ev);
	uint32_t last = b->n - 1;
	if (i != last) {
		b->slot[slot_of(b, last + 1)].idx = i + 1;
		b->t[i] = b->t[last];
		b->keys[i] = b->keys[last];
	}
	memset(&b->t[last], 0, sizeof(b->t[last]));
	memset(&b->keys[last], 0, sizeof(b->keys[last]));
	b->n--;
}

uint32_t
beacon_run_slice(struct nfw_detect *d, uint32_t from, uint32_t budget)
{
	struct beacon_state *b = d->beacon;
	const uint64_t idle_ms = (uint64_t)(d->cfg.beacon_idle_s * 1000);
	uint32_t i = from, looked = 0;
	if (from == 0) /* a run begins: is the table under pressure? */
		b->pressure = b->n > b->max / 4 * 3;
	/* budget counts analyses; a tuple too short to analyse costs a compare,
	 * and at most 1024 per budget unit are looked at (a sequential scan) */
	for (uint32_t k = 0; i < b->n && k < budget && looked / 1024 < budget; looked++) {
		struct tuple *t = &b->t[i];
		if (t->last_end + idle_ms < d->now_ms) {
			unsigned had = d->nfindings;
			if (t->n >= d->cfg.beacon_min_events)
				analyse(d, t, &b->keys[i]);
			if (d->nfindings > had)
				detect_retire(d, &d->findings[d->nfindings - 1]);
			tuple_drop(b, i); /* the last tuple is in i now: look at it next */
			d->st.beacon_tuples_expired++;
			continue;
		}
		bool beacon = false;
		if (t->n >= d->cfg.beacon_min_events) {
			unsigned had = d->nfindings;
			k += analyse(d, t, &b->keys[i]);
			beacon = d->nfindings > had;
		}
		if (b->pressure && b->n > b->max / 2 && !beacon &&
		    (t->n >= d->cfg.beacon_min_events || t->last_end + 3600000 < d->now_ms)) {
			tuple_drop(b, i);
			d->st.beacon_tuples_evicted++;
			continue;
		}
		i++;
	}
	return i < b->n ? i : UINT32_MAX;
}
