/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The exporter model: how a router or probe would cut conversations into
 * flow records.
 *
 * - Each conversation belongs to one exporter: the behaviour's, or one
 *   chosen by a hash of its internal endpoint (IPv6 never goes to a v5
 *   exporter, which cannot carry it).
 * - Each direction is a flow. A flow longer than the active timeout is cut
 *   into records of at most that length (flowEndReason 2); the last record
 *   ends with the conversation: 3 (end detected: FIN / RST) for TCP that
 *   closed, 1 (idle timeout) otherwise. Counters are spread evenly over the
 *   pieces, and no record carries more than 4e9 bytes (32-bit counters).
 * - A record is exported when its flow ends: at once for an active timeout
 *   or a FIN, `inactive_timeout` later for an idle end.
 * - 1:N packet sampling: each record keeps Binomial(packets, 1/N) packets
 *   and bytes in proportion; a record left with no packet is not exported.
 *   sFlow agents send one sample per sampled packet, when it passes.
 *
 * `expected` accumulates, per exporter, what a decoder must report:
 * records, and bytes and packets multiplied back by the rate.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static uint64_t
hash16(const uint8_t a[16])
{
	uint64_t h = 1469598103934665603ull;
	for (int i = 0; i < 16; i++)
		h = (h ^ a[i]) * 1099511628211ull;
	return h;
}

static int
pick_exporter(const struct scenario *sc, const struct conv *c)
{
	if (c->exporter >= 0)
		return c->exporter;
	const uint8_t *inner = in_home(sc, c->src) ? c->src : in_home(sc, c->dst) ? c->dst : c->src;
	bool v6 = !nfw_flow_addr_is4(c->src);
	unsigned elig[GEN_MAX_EXPORTERS], n = 0;
	for (unsigned i = 0; i < sc->nexp; i++)
		if (!v6 || sc->exp[i].version != NFW_FLOW_V5)
			elig[n++] = i;
	if (n == 0)
		return -1;
	return (int)elig[hash16(inner) % n];
}

static int
rec_push(struct records *r, const struct grec *g, uint64_t limit)
{
	if (r->n >= limit)
		return -1;
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 65536;
		struct grec *v = realloc(r->v, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		r->v = v;
		r->cap = nc;
	}
	r->v[r->n++] = *g;
	return 0;
}

static int
by_export_time(const void *a, const void *b)
{
	const struct grec *x = a, *y = b;
	if (x->export_ms != y->export_ms)
		return x->export_ms < y->export_ms ? -1 : 1;
	/* the record's own start breaks ties, then its flow key: a total order */
	if (x->f.start_ms != y->f.start_ms)
		return x->f.start_ms < y->f.start_ms ? -1 : 1;
	int c = memcmp(x->f.src_addr, y->f.src_addr, 16);
	if (c != 0)
		return c;
	c = memcmp(x->f.dst_addr, y->f.dst_addr, 16);
	if (c != 0)
		return c;
	if (x->f.src_port != y->f.src_port)
		return x->f.src_port < y->f.src_port ? -1 : 1;
	if (x->f.dst_port != y->f.dst_port)
		return x->f.dst_port < y->f.dst_port ? -1 : 1;
	return (x->exporter > y->exporter) - (x->exporter < y->exporter);
}

/* One direction of a conversation. */
static int
split_flow(const struct scenario *sc, struct rng *r, const struct conv *c, bool rev, int ei,
	   struct records *out)
{
	const struct exporter_cfg *e = &sc->exp[ei];
	struct expected *ex = &out->exp[ei];
	uint64_t pkts = rev ? c->pkts_rev : c->pkts_fwd;
	uint64_t bytes = rev ? c->bytes_rev : c->bytes_fwd;
	uint64_t start = c->start_ms + (rev ? 1 : 0);
	uint64_t end = start + c->dur_ms;
	uint64_t at = (uint64_t)e->active_timeout_s * 1000;
	uint64_t pieces = c->dur_ms / at + 1;
	uint64_t by_bytes = bytes / 4000000000ull + 1;

	if (pkts == 0)
		return 0;
	if (pieces < by_bytes) {
		pieces = by_bytes;
		at = c->dur_ms / pieces + 1;
	}
	if (pieces > pkts)
		pieces = pkts;
	if (pieces > 1)
		at = (c->dur_ms + pieces - 1) / pieces;
	uint8_t flags = rev ? c->flags_rev : c->flags_fwd;
	for (uint64_t i = 0; i < pieces; i++) {
		struct grec g;
		memset(&g, 0, sizeof(g));
		struct nfw_flow *f = &g.f;
		memcpy(f->src_addr, rev ? c->dst : c->src, 16);
		memcpy(f->dst_addr, rev ? c->src : c->dst, 16);
		f->src_port = rev ? c->dport : c->sport;
		f->dst_port = rev ? c->sport : c->dport;
		f->proto = c->proto;
		f->af = nfw_flow_addr_is4(f->src_addr) ? 4 : 6;
		if (f->af == 4)
			nfw_flow_addr_set4(f->nexthop, 0x0a0000fe);
		f->start_ms = start + i * at;
		f->end_ms = i + 1 == pieces ? end : start + (i + 1) * at;
		if (f->end_ms < f->start_ms)
			f->end_ms = f->start_ms;
		/* even shares, the remainder in the last piece */
		f->packets = pkts / pieces + (i + 1 == pieces ? pkts % pieces : 0);
		f->bytes = bytes / pieces + (i + 1 == pieces ? bytes % pieces : 0);
		bool last = i + 1 == pieces, first = i == 0;
		f->tcp_flags = flags;
		if (c->proto == 6) {
			if (!last)
				f->tcp_flags &= (uint8_t)~0x05; /* FIN, RST come at the end */
			if (!first)
				f->tcp_flags &= (uint8_t)~0x02; /* SYN at the start */
		}
		f->end_reason = last ? c->end : GEN_END_ACTIVE;
		f->in_if = rev ? 2 : 1;
		f->out_if = rev ? 1 : 2;
		f->direction = 0;
		g.exporter = (uint16_t)ei;
		g.label = c->label;
		g.export_ms = f->end_ms + (f->end_reason == GEN_END_IDLE ? (uint64_t)e->inactive_timeout_s * 1000
									 : rng_below(r, 1000));

		uint32_t n = e->sampling;
		if (n > 1) {
			uint64_t s = rng_binomial(r, f->packets, 1.0 / n);
			if (s == 0) {
				ex->sampled_away++;
				continue;
			}
			f->bytes = (uint64_t)llround((double)f->bytes * (double)s / (double)f->packets);
			if (f->bytes < s)
				f->bytes = s;
			f->packets = s;
		}
		if (e->version == NFW_FLOW_SFLOW) {
			/* one sample per sampled packet, sent as the packet passes */
			uint64_t frame = f->bytes / f->packets;
			if (frame < 64)
				frame = 64;
			if (frame > 9000)
				frame = 9000;
			uint64_t s = f->packets;
			for (uint64_t k = 0; k < s; k++) {
				struct grec p = g;
				p.f.packets = 1;
				p.f.bytes = frame;
				p.export_ms = f->start_ms + rng_below(r, (uint32_t)(f->end_ms - f->start_ms + 1));
				p.f.start_ms = p.f.end_ms = p.export_ms;
				if (rec_push(out, &p, sc->max_records) != 0)
					return -1;
				ex->records++;
				ex->packets += n;
				ex->bytes += frame * n;
			}
			continue;
		}
		if (rec_push(out, &g, sc->max_records) != 0)
			return -1;
		ex->records++;
		ex->packets += f->packets * (n > 1 ? n : 1);
		ex->bytes += f->bytes * (n > 1 ? n : 1);
	}
	return 0;
}

int
split_all(const struct scenario *sc, const struct convs *cv, struct records *out, char *err,
	  size_t errlen)
{
	struct rng r = { sc->seed ^ 0x5bd1e995u };

	for (size_t i = 0; i < cv->n; i++) {
		const struct conv *c = &cv->v[i];
		int ei = pick_exporter(sc, c);
		if (ei < 0) {
			snprintf(err, errlen, "an IPv6 conversation has only v5 exporters to go to: "
				 "add a v9, IPFIX or sFlow exporter");
			return -1;
		}
		if (split_flow(sc, &r, c, false, ei, out) != 0 || split_flow(sc, &r, c, true, ei, out) != 0) {
			snprintf(err, errlen, "more than max_records (%llu) records: shorten the "
				 "scenario or raise \"max_records\"", (unsigned long long)sc->max_records);
			return -1;
		}
	}
	qsort(out->v, out->n, sizeof(*out->v), by_export_time);
	return 0;
}

void
records_free(struct records *r)
{
	free(r->v);
	memset(r, 0, sizeof(*r));
}
