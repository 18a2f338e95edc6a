/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DNS tunnelling: per internal client, flows and bytes to port 53, the
 * mean request size, and the resolver it uses most. A host that answers
 * DNS for many internal clients (>= 20 distinct), or that receives at
 * least half as many DNS flows from internal hosts as it sends (it
 * forwards: a recursive resolver), is a resolver: it is not judged as a
 * client (its upstream traffic is big by nature), nor are hosts in the
 * resolvers role. A client is reported when its DNS flows are
 * far above its peers' (>= dns_min_flows and >= 20 x the median client)
 * and its requests are large (mean >= dns_min_request bytes per packet).
 * A run that finds the client table 3/4 full drops, down to half, clients
 * still below dns_min_flows (dns_clients_evicted; one that comes back
 * starts again): a site with more clients than places would otherwise
 * refuse every later one, a tunnel among them, until they went idle.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

/* two lines, both prefetched */
struct client {
	uint8_t addr[16];
	uint64_t flows, bytes, packets;
	uint64_t first_ms, last_ms;
	struct nfw_hll *clients_of;  /* internal hosts querying this one on 53 */
	uint64_t served;             /* DNS flows it received from internal hosts */
	uint8_t top_dst[16];
	uint64_t top_count;
	uint8_t cand_dst[16];
	uint64_t cand_count;
} __attribute__((aligned(64)));

struct dns_state {
	struct client *c;
	void *cmem;            /* c, before its alignment */
	struct dslot *slot;
	uint32_t mask, n, max;
	uint64_t halved_ms;    /* when the counts were last halved */
};

struct dns_state *
dns_create(const struct nfw_detect_config *cfg)
{
	struct dns_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->max = cfg->fanout_max_sources;
	uint32_t n = 1024;
	while (n < s->max * 2u)
		n <<= 1;
	s->mask = n - 1;
	s->c = detect_calloc_lines(s->max, sizeof(*s->c), &s->cmem);
	s->slot = calloc(n, sizeof(*s->slot));
	if (s->c == NULL || s->slot == NULL) {
		dns_free(s);
		return NULL;
	}
	return s;
}

void
dns_free(struct dns_state *s)
{
	if (s == NULL)
		return;
	for (uint32_t i = 0; s->c != NULL && i < s->n; i++)
		nfw_hll_free(s->c[i].clients_of);
	free(s->cmem);
	free(s->slot);
	free(s);
}

static struct client *
client_get(struct dns_state *s, const uint8_t a[16], uint64_t h)
{
	struct dslot *slot = dslot_find(s->slot, s->mask, s->c, sizeof(*s->c), offsetof(struct client, addr), a, h);
	if (slot->idx != 0)
		return &s->c[slot->idx - 1];
	if (s->n >= s->max)
		return NULL;
	struct client *c = &s->c[s->n];
	memcpy(c->addr, a, 16);
	c->clients_of = nfw_hll_create(8);
	if (c->clients_of == NULL)
		return NULL;
	slot->idx = ++s->n;
	slot->sig = dslot_sig(h);
	return c;
}

static inline bool
dns_query(const struct fctx *x)
{
	const struct nfw_flow *f = x->f;
	return f->dst_port == 53 && (f->proto == 17 || f->proto == 6) && x->src_home;
}

/* a query's misses in two waves (nfw_detect_add_burst): the client's and resolver's slots, then their entries */
void
dns_prefetch(struct nfw_detect *d, const struct fctx *x)
{
	const struct dns_state *s = d->dns;
	if (!dns_query(x))
		return;
	__builtin_prefetch(&s->slot[(uint32_t)x->hs & s->mask]);
	if (x->dst_home)
		__builtin_prefetch(&s->slot[(uint32_t)x->hd & s->mask]);
}

void
dns_prefetch_entries(struct nfw_detect *d, const struct fctx *x)
{
	const struct dns_state *s = d->dns;
	if (!dns_query(x))
		return;
	uint32_t k = dslot_peek(s->slot, s->mask, x->hs);
	if (k != 0) {
		__builtin_prefetch(&s->c[k - 1]);
		__builtin_prefetch((const char *)&s->c[k - 1] + 64);
	}
	if (x->dst_home && (k = dslot_peek(s->slot, s->mask, x->hd)) != 0)
		__builtin_prefetch(&s->c[k - 1]);
}

void
dns_add(struct nfw_detect *d, const struct fctx *x)
{
	const struct nfw_flow *f = x->f;
	struct dns_state *s = d->dns;
	if (!dns_query(x))
		return;
	struct client *c = client_get(s, f->src_addr, x->hs);
	if (c == NULL) {
		d->st.dns_clients_refused++;
		return;
	}
	if (c->flows == 0 || f->start_ms < c->first_ms)
		c->first_ms = f->start_ms;
	if (f->end_ms > c->last_ms)
		c->last_ms = f->end_ms;
	c->flows++;
	c->bytes = detect_sat_add(c->bytes, f->bytes);
	c->packets += f->packets;
	/* the resolver it uses most: a two-candidate majority count */
	if (memcmp(c->cand_dst, f->dst_addr, 16) == 0) {
		c->cand_count++;
	} else if (c->cand_count == 0) {
		memcpy(c->cand_dst, f->dst_addr, 16);
		c->cand_count = 1;
	} else {
		c->cand_count--;
	}
	if (x->dst_home) {
		struct client *r = client_get(s, f->dst_addr, x->hd);
		if (r != NULL) {
			nfw_hll_add(r->clients_of, x->hs);
			r->served++;
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* One client: its finding (NULL: none, or the list is full). */
static struct nfw_finding *
client_eval(struct nfw_detect *d, const struct client *c, double median)
{
	const struct nfw_detect_config *cfg = &d->cfg;
	if (c->flows == 0)
		return NULL;
	double clients = nfw_hll_count(c->clients_of);
	/* a resolver: many internal clients, or it forwards most of what it is asked */
	if (clients >= 20 || c->served * 2 >= c->flows || has_role(d, NFW_ROLE_RESOLVER, c->addr))
		return NULL;
	double req = c->packets ? (double)c->bytes / (double)c->packets : 0;
	if ((double)c->flows < cfg->dns_min_flows || (double)c->flows < 20 * median ||
	    req < cfg->dns_min_request)
		return NULL;
	double score = 50 + 25 * fmin(1.0, log10((double)c->flows / (20 * median + 1)) / 2) +
		       25 * fmin(1.0, (req - cfg->dns_min_request) / cfg->dns_min_request);
	if (score < cfg->min_score)
		return NULL;
	struct nfw_finding *f = finding_new(d, NFW_FINDING_DNS_TUNNELING);
	if (f == NULL)
		return NULL;
	memcpy(f->src, c->addr, 16);
	memcpy(f->dst, c->cand_dst, 16);
	f->has_src = f->has_dst = true;
	f->dst_port = 53;
	f->proto = 17;
	f->first_ms = c->first_ms;
	f->last_ms = c->last_ms;
	f->score = score;
	finding_why(f, true, "%llu DNS flows, peers' median %.0f", (unsigned long long)c->flows, median);
	finding_why(f, true, "%.0f B a packet", req);
	char a[64], b[64];
	snprintf(f->summary, sizeof(f->summary),
		 "%s made %llu DNS flows to %s (peers' median %.0f), %.0f B per packet, %.1f MB out",
		 nfw_addr_str(c->addr, a, sizeof(a)), (unsigned long long)c->flows,
		 nfw_addr_str(c->cand_dst, b, sizeof(b)), median, req, (double)c->bytes / 1e6);
	finding_ev(f, "flows", (double)c->flows);
	finding_ev(f, "bytes_out", (double)c->bytes);
	finding_ev(f, "peer_median_flows", median);
	finding_ev(f, "bytes_per_packet", req);
	finding_finish(f);
	return f;
}

void
dns_run(struct nfw_detect *d)
{
	struct dns_state *s = d->dns;
	const struct nfw_detect_config *cfg = &d->cfg;
	if (s->n == 0)
		return;
	uint64_t *fl = malloc(s->n * sizeof(uint64_t));
	unsigned nc = 0;
	if (fl == NULL)
		return;
	for (uint32_t i = 0; i < s->n; i++)
		if (s->c[i].flows > 0)
			fl[nc++] = s->c[i].flows;
	if (nc == 0) {
		free(fl);
		return;
	}
	qsort(fl, nc, sizeof(uint64_t), cmp_u64);
	double median = (double)fl[nc / 2];
	free(fl);
	const uint64_t idle_ms = (uint64_t)(cfg->dns_idle_s * 1000);
	const bool pressure = s->n > s->max / 4 * 3;
	uint32_t kept = 0;
	for (uint32_t i = 0; i < s->n; i++) {
		struct client *c = &s->c[i];
		struct nfw_finding *f = client_eval(d, c, median);
		bool idle = c->last_ms + idle_ms < d->now_ms && c->served == 0;
		/* a full table: clients below dns_min_flows (not resolvers) make room, down to half */
		bool evict = !idle && pressure && kept + (s->n - i) > s->max / 2 && f == NULL && c->served == 0 &&
			     (double)c->flows < cfg->dns_min_flows;
		if (!idle && !evict) {
			if (kept != i)
				s->c[kept] = *c;
			kept++;
			continue;
		}
		if (f != NULL)
			detect_retire(d, f);
		nfw_hll_free(c->clients_of);
		if (idle)
			d->st.dns_clients_expired++;
		else
			d->st.dns_clients_evicted++;
	}
	if (kept != s->n) {
		memset(&s->c[kept], 0, (size_t)(s->n - kept) * sizeof(*s->c));
		s->n = kept;
		addr_index_rebuild(s->slot, s->mask, s->c, sizeof(*s->c), offsetof(struct client, addr), s->n);
	}
	if (s->halved_ms == 0) {
		s->halved_ms = d->now_ms;
	} else if (d->now_ms >= s->halved_ms + idle_ms) {
		for (uint32_t i = 0; i < s->n; i++) {
			struct client *c = &s->c[i];
			c->flows >>= 1;
			c->bytes >>= 1;
			c->packets >>= 1;
			c->served >>= 1;
			c->cand_count >>= 1;
		}
		s->halved_ms = d->now_ms;
	}
}
