/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exfiltration: per (internal src, external dst), bytes out and in. Pairs
 * that have sent more than 1 MB get 5-minute buckets of bytes out over the
 * last 24 h (a window that slides with the pair's newest flow, an hour at
 * least at a time); at run time:
 *   - bytes out in the busiest 5 minutes, hour and 24 hours, and in total;
 *   - producer / consumer ratio (out - in) / (out + in): +1 is pure upload;
 *   - first contact: the pair appears after the first hour of the data;
 *   - the host's own baseline: its median hourly upload to everyone else.
 * A pair is reported when it sent at least exfil_min_bytes within the last
 * 24 h with a ratio of at least 0.6; its busiest hour against the host's
 * baseline raises the score. Backup servers (role) lower it. This catches
 * both a 3 GB burst and 200 MB trickled over five hours, on the first day
 * of a pair as on its tenth, and leaves a steady trickle (a sync agent's
 * megabyte an hour) alone however long it runs. A finding is kept when it
 * is made (detect_retire): the burst stays reported after it slides out.
 * Pairs with no flow, and hosts with no upload, for exfil_idle_s are dropped
 * at the next run (their tables would otherwise fill for good); when the
 * pair table is three quarters full, so are pairs that never sent a
 * megabyte (small_pair_cutoff).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

#define BUCKET_MS 300000ull
#define NBUCKETS 288 /* 24 h */
#define BUCKET_SLIDE 12 /* buckets: the window moves an hour at least */
#define TRACK_BYTES (1u << 20)

/* two lines, both prefetched: a flow touches most of it */
struct pair {
	uint8_t src[16], dst[16];
	uint64_t out, in, flows;
	uint64_t first_ms, last_ms;
	uint64_t *bucket;       /* NBUCKETS of bytes out, from bucket0 */
	uint32_t rate;          /* the highest sampling rate among its flows */
	uint64_t bucket0;       /* index (ms / BUCKET_MS) of bucket[0] */
} __attribute__((aligned(64)));

#define HOURS (24 * 8)

/*
 * A host's upload per hour over its last 8 days. A flow of the newest hour
 * touches this one line (prefetched; the hosts' lines are 4 MB for 65 536
 * hosts, where the rings would have spread them over 100); moving to a new
 * hour writes the ring (exfil_state.hourly, HOURS cells per host, by
 * hour % HOURS) and clears the cells it passes, so a cell never holds two
 * hours eight days apart.
 */
struct host {
	uint8_t addr[16];
	uint64_t first_hour;
	uint64_t cur_hour;       /* the newest hour seen */
	uint64_t cur_bytes;      /* its bytes out so far (its cell stays 0 until the next hour) */
	uint64_t prev_bytes;     /* the hour before's (the same) */
} __attribute__((aligned(64)));

struct exfil_state {
	struct pair *p;
	void *pmem;             /* p, before its alignment */
	struct dslot *slot;
	uint32_t mask, n, max;
	struct host *h;
	void *hmem;             /* h, before its alignment */
	uint64_t *hourly;       /* HOURS cells per host */
	struct dslot *hslot;
	uint32_t hmask, nh, hmax;
	uint64_t data_first_ms;
};

struct exfil_state *
exfil_create(const struct nfw_detect_config *c)
{
	struct exfil_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->max = c->fanout_max_sources * 4;
	s->hmax = c->fanout_max_sources;
	uint32_t n = 1024;
	while (n < s->max * 2u)
		n <<= 1;
	s->mask = n - 1;
	n = 1024;
	while (n < s->hmax * 2u)
		n <<= 1;
	s->hmask = n - 1;
	s->p = detect_calloc_lines(s->max, sizeof(*s->p), &s->pmem);
	s->slot = calloc((size_t)s->mask + 1, sizeof(*s->slot));
	s->h = detect_calloc_lines(s->hmax, sizeof(*s->h), &s->hmem);
	s->hourly = calloc((size_t)s->hmax * HOURS, sizeof(*s->hourly));
	s->hslot = calloc((size_t)s->hmask + 1, sizeof(*s->hslot));
	if (s->p == NULL || s->slot == NULL || s->h == NULL || s->hourly == NULL || s->hslot == NULL) {
		exfil_free(s);
		return NULL;
	}
	return s;
}

void
exfil_free(struct exfil_state *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; s->p != NULL && i < s->n; i++)
		free(s->p[i].bucket);
	free(s->pmem);
	free(s->slot);
	free(s->hmem);
	free(s->hourly);
	free(s->hslot);
	free(s);
}

static inline uint64_t
pair_hash(uint64_t hsrc, uint64_t hdst)
{
	return hsrc * 0x9e3779b97f4a7c15ULL ^ hdst;
}

void
exfil_prefetch(struct nfw_detect *d, const struct fctx *x)
{
	const struct exfil_state *s = d->exfil;
	uint64_t h;
	if (x->src_home && !x->dst_home) {
		__builtin_prefetch(&s->hslot[(uint32_t)x->hs & s->hmask]);
		h = pair_hash(x->hs, x->hd);
	} else if (!x->src_home && x->dst_home) {
		h = pair_hash(x->hd, x->hs);
	} else {
		return;
	}
	__builtin_prefetch(&s->slot[(uint32_t)(h ^ h >> 31) & s->mask]);
}

/* second stage: the slots are in cache now; fetch the host line and hour cell, and the pair */
void
exfil_prefetch_entries(struct nfw_detect *d, const struct fctx *x)
{
	const struct exfil_state *s = d->exfil;
	uint64_t h;
	if (x->src_home && !x->dst_home) {
		uint32_t k = dslot_peek(s->hslot, s->hmask, x->hs);
		if (k != 0) {
			const struct host *e = &s->h[k - 1];
			__builtin_prefetch(e->addr);
		}
		h = pair_hash(x->hs, x->hd);
	} else if (!x->src_home && x->dst_home) {
		h = pair_hash(x->hd, x->hs);
	} else {
		return;
	}
	/* the pair index's slot bits below, its signature above */
	uint32_t k = dslot_peek(s->slot, s->mask, (h & ~0xffffffffull) | (uint32_t)(h ^ h >> 31));
	if (k != 0) {
		__builtin_prefetch(&s->p[k - 1]);
		__builtin_prefetch((const char *)&s->p[k - 1] + 64);
	}
}

static struct pair *
pair_get(struct exfil_state *s, const uint8_t src[16], const uint8_t dst[16], uint64_t hsrc,
	 uint64_t hdst, bool create)
{
	uint64_t h = pair_hash(hsrc, hdst);
	uint32_t i = (uint32_t)(h ^ h >> 31) & s->mask, sig = dslot_sig(h);
	for (;; i = (i + 1) & s->mask) {
		if (s->slot[i].idx == 0)
			break;
		if (s->slot[i].sig != sig)
			continue;
		struct pair *p = &s->p[s->slot[i].idx - 1];
		if (memcmp(p->src, src, 16) == 0 && memcmp(p->dst, dst, 16) == 0)
			return p;
	}
	if (!create || s->n >= s->max)
		return NULL;
	struct pair *p = &s->p[s->n];
	memcpy(p->src, src, 16);
	memcpy(p->dst, dst, 16);
	s->slot[i].idx = ++s->n;
	s->slot[i].sig = sig;
	return p;
}

static struct host *
host_get(struct exfil_state *s, const uint8_t a[16], uint64_t h, bool create)
{
	struct dslot *slot = dslot_find(s->hslot, s->hmask, s->h, sizeof(*s->h), offsetof(struct host, addr), a, h);
	if (slot->idx != 0)
		return &s->h[slot->idx - 1];
	if (!create || s->nh >= s->hmax)
		return NULL;
	struct host *nh = &s->h[s->nh];
	memcpy(nh->addr, a, 16);
	slot->idx = ++s->nh;
	slot->sig = dslot_sig(h);
	return nh;
}

/*
 * The newest hour and the one before stay in the host's line (flows of
 * two exporters, or of a capture replayed, straddle an hour boundary);
 * their ring cells stay 0 until the host moves on. Moving on writes them
 * and clears the cells of the hours it passes.
 */
static void
host_hour_add(struct exfil_state *s, struct host *h, uint64_t hr, uint64_t bytes)
{
	uint64_t *ring = &s->hourly[(size_t)(h - s->h) * HOURS];
	if (h->first_hour == 0)
		h->first_hour = h->cur_hour = hr;
	if (hr == h->cur_hour) {
		h->cur_bytes = detect_sat_add(h->cur_bytes, bytes);
	} else if (hr + 1 == h->cur_hour) {
		h->prev_bytes = detect_sat_add(h->prev_bytes, bytes);
	} else if (hr > h->cur_hour) {
		uint64_t cur = h->cur_hour;
		ring[(cur - 1) % HOURS] = detect_sat_add(ring[(cur - 1) % HOURS], h->prev_bytes);
		for (uint64_t k = cur + 1; k <= hr && k <= cur + HOURS; k++)
			ring[k % HOURS] = 0; /* the hours it moves past, and the new one */
		if (hr == cur + 1) {
			h->prev_bytes = h->cur_bytes; /* the hour before the new one: still in the line */
		} else {
			ring[cur % HOURS] = detect_sat_add(ring[cur % HOURS], h->cur_bytes);
			h->prev_bytes = 0;
		}
		h->cur_hour = hr;
		h->cur_bytes = bytes;
	} else if (hr + HOURS > h->cur_hour) {
		ring[hr % HOURS] += bytes; /* a late flow, within the ring */
	}                                       /* older than the ring: outside the baseline */
}

/* Move a pair's window so that bucket b is its last (BUCKET_SLIDE further at least). */
static void
pair_slide(struct pair *p, uint64_t b)
{
	uint64_t by = detect_slide_by(p->bucket0, NBUCKETS, b, BUCKET_SLIDE);
	detect_slide(p->bucket, sizeof(*p->bucket), NBUCKETS, by);
	p->bucket0 += by;
}

void
exfil_add(struct nfw_detect *d, const struct fctx *x)
{
	const struct nfw_flow *f = x->f;
	struct exfil_state *s = d->exfil;
	bool out = x->src_home && !x->dst_home;
	bool in = !x->src_home && x->dst_home;
	if (s->data_first_ms == 0 || f->start_ms < s->data_first_ms)
		s->data_first_ms = f->start_ms;
	if (in) {
		struct pair *p = pair_get(s, f->dst_addr, f->src_addr, x->hd, x->hs, false);
		if (p != NULL)
			p->in = detect_sat_add(p->in, f->bytes);
		return;
	}
	if (!out)
		return;
	struct host *h = host_get(s, f->src_addr, x->hs, true);
	if (h != NULL)
		host_hour_add(s, h, f->start_ms / 3600000, f->bytes);
	struct pair *p = pair_get(s, f->src_addr, f->dst_addr, x->hs, x->hd, true);
	if (p == NULL) {
		d->st.exfil_pairs_refused++;
		return;
	}
	if (p->flows == 0)
		p->first_ms = f->start_ms;
	p->out = detect_sat_add(p->out, f->bytes);
	p->flows++;
	if (f->sampling > p->rate)
		p->rate = f->sampling;
	if (f->start_ms < p->first_ms)
		p->first_ms = f->start_ms;
	if (f->end_ms > p->last_ms)
		p->last_ms = f->end_ms;
	if (p->bucket == NULL && p->out >= TRACK_BYTES) {
		p->bucket = calloc(NBUCKETS, sizeof(uint64_t));
		p->bucket0 = p->first_ms / BUCKET_MS;
	}
	if (p->bucket != NULL) {
		/* spread the flow's bytes over its duration, bucket by bucket; each
		 * bucket takes the difference of the shares up to its two edges, so
		 * the parts add up to the flow's bytes exactly */
		uint64_t t0 = f->start_ms, t1 = f->end_ms > f->start_ms ? f->end_ms : f->start_ms + 1;
		if ((t1 - 1) / BUCKET_MS >= p->bucket0 + NBUCKETS)
			pair_slide(p, (t1 - 1) / BUCKET_MS);
		/* only the buckets inside the window: a flow may span years (a bad clock) */
		uint64_t ba = t0 / BUCKET_MS > p->bucket0 ? t0 / BUCKET_MS : p->bucket0;
		uint64_t bz = (t1 - 1) / BUCKET_MS < p->bucket0 + NBUCKETS - 1 ? (t1 - 1) / BUCKET_MS
									  : p->bucket0 + NBUCKETS - 1;
		uint64_t lo = ba * BUCKET_MS > t0 ? ba * BUCKET_MS : t0;
		uint64_t done = (uint64_t)((unsigned __int128)f->bytes * (lo - t0) / (t1 - t0));
		for (uint64_t b = ba; b <= bz; b++) {
			uint64_t hi = (b + 1) * BUCKET_MS < t1 ? (b + 1) * BUCKET_MS : t1;
			uint64_t upto = (uint64_t)((unsigned __int128)f->bytes * (hi - t0) / (t1 - t0));
			p->bucket[b - p->bucket0] = detect_sat_add(p->bucket[b - p->bucket0], upto - done);
			done = upto;
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* One pair: its finding (NULL: none, or the list is full). */
static struct nfw_finding *
pair_eval(struct nfw_detect *d, const struct pair *p)
{
	struct exfil_state *s = d->exfil;
	const struct nfw_detect_config *c = &d->cfg;
	if (p->bucket == NULL || (double)p->out < c->exfil_min_bytes)
		return NULL;
	double pcr = ((double)p->out - (double)p->in) / ((double)p->out + (double)p->in);
	if (pcr < 0.6)
		return NULL;
	uint64_t max5 = 0, max1h = 0, day = 0;
	for (unsigned b = 0; b < NBUCKETS; b++)
		day = detect_sat_add(day, p->bucket[b]);
	if ((double)day < c->exfil_min_bytes)
		return NULL; /* not within a day: a trickle, however long */
	for (unsigned b = 0; b < NBUCKETS; b++) {
		if (p->bucket[b] > max5)
			max5 = p->bucket[b];
		uint64_t h = 0;
		for (unsigned k = b; k < b + 12 && k < NBUCKETS; k++)
			h = detect_sat_add(h, p->bucket[k]);
		if (h > max1h)
			max1h = h;
	}
	/* the host's baseline: median hourly upload over the hours it was seen */
	double base = 0;
	struct host *h = host_get(s, p->src, nfw_hash64(p->src, 16, 0), false);
	if (h != NULL) {
		uint64_t hours[HOURS];
		unsigned nhrs = 0;
		for (unsigned k = 0; k < HOURS; k++) {
			uint64_t v = s->hourly[(size_t)(h - s->h) * HOURS + k] +
				     (k == h->cur_hour % HOURS ? h->cur_bytes : 0) +
				     (k == (h->cur_hour - 1) % HOURS ? h->prev_bytes : 0);
			if (v > 0)
				hours[nhrs++] = v;
		}
		if (nhrs > 0) {
			qsort(hours, nhrs, sizeof(uint64_t), cmp_u64);
			base = (double)hours[nhrs / 2];
		}
	}
	bool first_contact = p->first_ms > s->data_first_ms + 3600000;
	double gb = (double)p->out / 1e9;
	double score = 40 + 25 * fmin(1.0, log10(1 + (double)p->out / c->exfil_min_bytes) / 1.3) +
		       15 * pcr + (first_contact ? 10 : 0) +
		       10 * fmin(1.0, (double)max1h / (10.0 * (base > 0 ? base : 1)));
	bool role = has_role(d, NFW_ROLE_BACKUP, p->dst) || has_role(d, NFW_ROLE_BACKUP, p->src) ||
		    has_role(d, NFW_ROLE_CDN_SAAS, p->dst);
	if (role)
		score *= 0.3;
	if (score < c->min_score)
		return NULL;
	struct nfw_finding *f = finding_new(d, NFW_FINDING_EXFILTRATION);
	if (f == NULL)
		return NULL;
	memcpy(f->src, p->src, 16);
	memcpy(f->dst, p->dst, 16);
	f->has_src = f->has_dst = true;
	f->first_ms = p->first_ms;
	f->last_ms = p->last_ms;
	f->score = score;
	finding_why(f, true, "%.2f GB out, %.0f %% upload", gb, (pcr + 1) * 50);
	if (first_contact)
		finding_why(f, true, "a new destination");
	if (base > 0 && max1h > 2 * base)
		finding_why(f, true, "%.0fx its hourly baseline", (double)max1h / base);
	if (role)
		finding_why(f, false, "a backup or CDN/SaaS host (role)");
	char a[64], b[64];
	snprintf(f->summary, sizeof(f->summary),
		 "%s sent %.2f GB to %s in %llu flows over %.1f h (%.0f MB in its busiest hour, %.0f %% upload%s)",
		 nfw_addr_str(p->src, a, sizeof(a)), gb, nfw_addr_str(p->dst, b, sizeof(b)),
		 (unsigned long long)p->flows, (double)(p->last_ms - p->first_ms) / 3600000.0,
		 (double)max1h / 1e6, (pcr + 1) * 50, first_contact ? ", a new destination" : "");
	finding_ev(f, "bytes_out", (double)p->out);
	finding_ev(f, "bytes_in", (double)p->in);
	finding_ev(f, "pcr", pcr);
	finding_ev(f, "first_contact", first_contact);
	finding_ev(f, "max_5min_bytes", (double)max5);
	finding_ev(f, "max_1h_bytes", (double)max1h);
	finding_ev(f, "last_24h_bytes", (double)day);
	finding_ev(f, "host_baseline_hourly_bytes", base);
	finding_ev(f, "flows", (double)p->flows);
	if (p->rate > 1)
		finding_ev(f, "sampling", p->rate);
	finding_finish(f);
	return f;
}

/* The pair index again from the pairs left (after idle ones were dropped). */
static void
pair_index_rebuild(struct exfil_state *s)
{
	memset(s->slot, 0, ((size_t)s->mask + 1) * sizeof(*s->slot));
	for (uint32_t k = 0; k < s->n; k++) {
		uint64_t h = pair_hash(nfw_hash64(s->p[k].src, 16, 0), nfw_hash64(s->p[k].dst, 16, 0));
		uint32_t i = (uint32_t)(h ^ h >> 31) & s->mask;
		while (s->slot[i].idx != 0)
			i = (i + 1) & s->mask;
		s->slot[i].idx = k + 1;
		s->slot[i].sig = dslot_sig(h);
	}
}

/*
 * The pair table more than three quarters full: which small pairs (under
 * TRACK_BYTES in all, no buckets) make room. Those quiet for an hour, or
 * all of them when that is not enough: a busy link fills the table with
 * pairs that each sent a few kilobytes, and would otherwise refuse every
 * new pair, the next upload among them, until exfil_idle_s (a day) passes.
 * A small pair dropped that comes back starts again (its kilobytes lost,
 * and after the data's first hour it counts as a first contact).
 */
static uint64_t
small_pair_cutoff(const struct exfil_state *s, uint64_t now_ms)
{
	const uint64_t quiet_ms = 3600000;
	if (s->n <= s->max / 4 * 3)
		return 0; /* no pressure: none */
	uint32_t quiet = 0;
	for (uint32_t i = 0; i < s->n; i++)
		quiet += s->p[i].bucket == NULL && s->p[i].last_ms + quiet_ms < now_ms;
	return s->n - quiet <= s->max / 4 * 3 && now_ms > quiet_ms ? now_ms - quiet_ms : UINT64_MAX;
}

void
exfil_run(struct nfw_detect *d)
{
	struct exfil_state *s = d->exfil;
	const uint64_t idle_ms = (uint64_t)(d->cfg.exfil_idle_s * 1000);
	const uint64_t small_before = small_pair_cutoff(s, d->now_ms); /* small pairs quiet since: dropped */
	uint32_t kept = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		struct pair *p = &s->p[i];
		struct nfw_finding *f = pair_eval(d, p);
		if (f != NULL)
			detect_retire(d, f); /* kept when made: the burst stays reported after it slides out */
		bool idle = p->last_ms + idle_ms < d->now_ms;
		if (!idle && (p->bucket != NULL || p->last_ms >= small_before)) {
			if (kept != i)
				s->p[kept] = *p;
			kept++;
			continue;
		}
		free(p->bucket);
		if (idle)
			d->st.exfil_pairs_expired++;
		else
			d->st.exfil_pairs_evicted++;
	}
	if (kept != s->n) {
		memset(&s->p[kept], 0, (size_t)(s->n - kept) * sizeof(*s->p));
		s->n = kept;
		pair_index_rebuild(s);
	}
	/* hosts whose newest upload hour ended exfil_idle_s ago: their line and ring go */
	kept = 0;
	for (uint32_t i = 0; i < s->nh; i++) {
		if ((s->h[i].cur_hour + 1) * 3600000 + idle_ms < d->now_ms) {
			d->st.exfil_hosts_expired++;
			continue;
		}
		if (kept != i) {
			s->h[kept] = s->h[i];
			memcpy(&s->hourly[(size_t)kept * HOURS], &s->hourly[(size_t)i * HOURS], HOURS * sizeof(*s->hourly));
		}
		kept++;
	}
	if (kept != s->nh) {
		memset(&s->h[kept], 0, (size_t)(s->nh - kept) * sizeof(*s->h));
		memset(&s->hourly[(size_t)kept * HOURS], 0, (size_t)(s->nh - kept) * HOURS * sizeof(*s->hourly));
		s->nh = kept;
		addr_index_rebuild(s->hslot, s->hmask, s->h, sizeof(*s->h), offsetof(struct host, addr), s->nh);
	}
}
