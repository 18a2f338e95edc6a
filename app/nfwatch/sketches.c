/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-worker sketches of closed flows, double-buffered by epoch:
 * heavy hitters by bytes (nfw_hh: a conservative count-min and the k
 * largest estimates; sources, destinations, protocol / destination port)
 * and distinct sources and destinations (HyperLogLog). A worker fills
 * sk[cur]; the control thread bumps the epoch, each worker flips cur at
 * its next control point and says so; the control thread then merges the
 * set the worker left (count-min cells add, HLL registers max, candidates
 * re-estimated) and clears it for the epoch after. The worker never waits.
 * An update costs ~30 ns per heavy-hitter sketch (bench_sketch BM_hh_add).
 */
#include <string.h>

#include "app.h"

#define SK_TOPK 256
#define SK_CMS_WIDTH 4096
#define SK_CMS_DEPTH 4
#define SK_HLL_P 12

int
sketch_set_init(struct sketch_set *s)
{
	memset(s, 0, sizeof(*s));
	/* one seed for every worker's and the control thread's copies: they merge */
	s->src = nfw_hh_create(SK_TOPK, SK_CMS_WIDTH, SK_CMS_DEPTH, 0x51);
	s->dst = nfw_hh_create(SK_TOPK, SK_CMS_WIDTH, SK_CMS_DEPTH, 0xd5);
	s->port = nfw_hh_create(SK_TOPK, SK_CMS_WIDTH, SK_CMS_DEPTH, 0x90);
	s->srcs = nfw_hll_create(SK_HLL_P);
	s->dsts = nfw_hll_create(SK_HLL_P);
	if (s->src == NULL || s->dst == NULL || s->port == NULL || s->srcs == NULL || s->dsts == NULL) {
		sketch_set_free(s);
		return -1;
	}
	return 0;
}

void
sketch_set_free(struct sketch_set *s)
{
	nfw_hh_free(s->src);
	nfw_hh_free(s->dst);
	nfw_hh_free(s->port);
	nfw_hll_free(s->srcs);
	nfw_hll_free(s->dsts);
	memset(s, 0, sizeof(*s));
}

void
sketch_set_clear(struct sketch_set *s)
{
	nfw_hh_clear(s->src);
	nfw_hh_clear(s->dst);
	nfw_hh_clear(s->port);
	nfw_hll_clear(s->srcs);
	nfw_hll_clear(s->dsts);
	s->updates = 0;
}

void
sketch_set_merge(struct sketch_set *dst, const struct sketch_set *src)
{
	nfw_hh_merge(dst->src, src->src);
	nfw_hh_merge(dst->dst, src->dst);
	nfw_hh_merge(dst->port, src->port);
	nfw_hll_merge(dst->srcs, src->srcs);
	nfw_hll_merge(dst->dsts, src->dsts);
	dst->updates += src->updates;
}

/* hs, hd: nfw_hash64(address, 16, 0) of the source and destination (the detectors' hashes too) */
void
sketch_set_add(struct sketch_set *s, const struct nfw_flow *f, uint64_t hs, uint64_t hd)
{
	uint8_t port[16] = { 0 };
	port[0] = f->proto;
	port[1] = (uint8_t)(f->dst_port >> 8);
	port[2] = (uint8_t)f->dst_port;
	nfw_hh_add(s->src, hs, f->src_addr, f->bytes);
	nfw_hh_add(s->dst, hd, f->dst_addr, f->bytes);
	nfw_hh_add(s->port, (uint64_t)f->proto << 16 | f->dst_port, port, f->bytes);
	nfw_hll_add(s->srcs, hs);
	nfw_hll_add(s->dsts, hd);
	s->updates++;
}
