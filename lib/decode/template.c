/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Template cache: validation, compilation to a flat op table, and the cache
 * keyed by (exporter, observation domain, template id).
 *
 * Compilation maps each Information Element to an opcode (ie_map below).
 * Where several IEs could fill the same record field (octetDeltaCount vs
 * octetTotalCount vs initiatorOctets; seconds vs milliseconds vs sysUpTime
 * timestamps), the best one present is chosen here, once, by rank; the rest
 * become skips. A template with only fixed-length fields keeps just the ops
 * it uses, each with its byte offset, so a record decodes in a loop over a
 * handful of ops with one bounds check per record. A template with
 * variable-length fields (RFC 7011 §7; Huawei v9 IE 236) keeps one op per
 * field and is walked with a cursor.
 *
 * Refusals, counted per set in set_dropped[]:
 *   bad_template     id < 256, field count 0 (v9), scope count 0 or above
 *                    the field count, records of length 0, length overflow
 *   template_limit   fields over max_fields, templates over the per-exporter
 *                    or total cap
 */
#include <stddef.h>

#include "decode_priv.h"

enum slot_kind {
	SK_NONE, SK_SRC, SK_DST, SK_NH, SK_SPORT, SK_DPORT, SK_BYTES, SK_PKTS,
	SK_START, SK_END, SK__COUNT
};

struct ie_map {
	uint8_t op;
	uint8_t slot;
	uint8_t rank;   /* higher wins within a slot */
	uint8_t need;   /* required length (4, 16) or 0 for integers 1..8 */
};

static struct ie_map
ie_map(uint16_t id)
{
	struct ie_map m = { OP_SKIP, SK_NONE, 0, 0 };
#define M(o, s, r, n) do { m.op = (o); m.slot = (s); m.rank = (r); m.need = (n); } while (0)
	switch (id) {
	case 1: M(OP_BYTES, SK_BYTES, 5, 0); break;
	case 2: M(OP_PKTS, SK_PKTS, 5, 0); break;
	case 4: M(OP_PROTO, SK_NONE, 0, 0); break;
	case 5: M(OP_TOS, SK_NONE, 0, 0); break;
	case 6: M(OP_TCPFLAGS, SK_NONE, 0, 0); break;
	case 7: M(OP_SPORT, SK_SPORT, 2, 0); break;
	case 8: M(OP_SRC4, SK_SRC, 2, 4); break;
	case 10: M(OP_IN_IF, SK_NONE, 0, 0); break;
	case 11: M(OP_DPORT, SK_DPORT, 2, 0); break;
	case 12: M(OP_DST4, SK_DST, 2, 4); break;
	case 14: M(OP_OUT_IF, SK_NONE, 0, 0); break;
	case 15: M(OP_NH4, SK_NH, 4, 4); break;
	case 16: M(OP_SRC_AS, SK_NONE, 0, 0); break;
	case 17: M(OP_DST_AS, SK_NONE, 0, 0); break;
	case 18: M(OP_NH4, SK_NH, 2, 4); break;
	case 21: M(OP_END_UP, SK_END, 2, 0); break;
	case 22: M(OP_START_UP, SK_START, 2, 0); break;
	case 23: M(OP_BYTES, SK_BYTES, 2, 0); break;
	case 24: M(OP_PKTS, SK_PKTS, 2, 0); break;
	case 27: M(OP_SRC6, SK_SRC, 1, 16); break;
	case 28: M(OP_DST6, SK_DST, 1, 16); break;
	case 32: M(OP_ICMP, SK_NONE, 0, 0); break;
	case 34: M(OP_SAMPLING_INT, SK_NONE, 0, 0); break;
	case 48: M(OP_SAMPLER_ID, SK_NONE, 0, 0); break;
	case 50: M(OP_SAMPLING_INT, SK_NONE, 0, 0); break;
	case 61: M(OP_DIRECTION, SK_NONE, 0, 0); break;
	case 62: M(OP_NH6, SK_NH, 3, 16); break;
	case 63: M(OP_NH6, SK_NH, 1, 16); break;
	case 85: M(OP_BYTES, SK_BYTES, 4, 0); break;
	case 86: M(OP_PKTS, SK_PKTS, 4, 0); break;
	case 136: M(OP_END_REASON, SK_NONE, 0, 0); break;
	case 139: M(OP_ICMP, SK_NONE, 0, 0); break;
	case 150: M(OP_START_S, SK_START, 5, 0); break;
	case 151: M(OP_END_S, SK_END, 5, 0); break;
	case 152: M(OP_START_MS, SK_START, 6, 0); break;
	case 153: M(OP_END_MS, SK_END, 6, 0); break;
	case 154: M(OP_START_NTP, SK_START, 4, 8); break;
	case 155: M(OP_END_NTP, SK_END, 4, 8); break;
	case 156: M(OP_START_NTP, SK_START, 4, 8); break;
	case 157: M(OP_END_NTP, SK_END, 4, 8); break;
	case 158: M(OP_START_DUS, SK_START, 3, 0); break;
	case 159: M(OP_END_DUS, SK_END, 3, 0); break;
	case 160: M(OP_SYSINIT_MS, SK_NONE, 0, 0); break;
	case 180: M(OP_SPORT, SK_SPORT, 1, 0); break;
	case 181: M(OP_DPORT, SK_DPORT, 1, 0); break;
	case 182: M(OP_SPORT, SK_SPORT, 1, 0); break;
	case 183: M(OP_DPORT, SK_DPORT, 1, 0); break;
	case 231: M(OP_BYTES, SK_BYTES, 3, 0); break;
	case 298: M(OP_PKTS, SK_PKTS, 3, 0); break;
	case 302: M(OP_SAMPLER_ID, SK_NONE, 0, 0); break;
	case 305: M(OP_SAMPLING_PKTI, SK_NONE, 0, 0); break;
	case 306: M(OP_SAMPLING_SPACE, SK_NONE, 0, 0); break;
	case 309: M(OP_SAMPLING_SIZE, SK_NONE, 0, 0); break;
	case 310: M(OP_SAMPLING_POP, SK_NONE, 0, 0); break;
	case 318: M(OP_SEL_TOTAL, SK_NONE, 0, 0); break;
	case 319: M(OP_SEL_SELECTED, SK_NONE, 0, 0); break;
	case 352: M(OP_BYTES, SK_BYTES, 1, 0); break;
	default: break;
	}
#undef M
	return m;
}

/* flat-op destinations are byte offsets into struct nfw_flow */
_Static_assert(sizeof(struct nfw_flow) <= 255, "nfw_flow offsets must fit a uint8_t");

#define FLOW_FIELD(op, field) \
	case op: o->dst = (uint8_t)offsetof(struct nfw_flow, field); \
		o->dst_w = (uint8_t)sizeof(((struct nfw_flow *)0)->field); break

/* The flat form of one op (kind FK_NONE where there is none). */
static void
fast_form(struct tpl_op *o)
{
	o->kind = FK_NONE;
	o->dst = 0;
	o->dst_w = 0;
	switch (o->code) {
	FLOW_FIELD(OP_SRC4, src_addr);
	FLOW_FIELD(OP_DST4, dst_addr);
	FLOW_FIELD(OP_NH4, nexthop);
	FLOW_FIELD(OP_SRC6, src_addr);
	FLOW_FIELD(OP_DST6, dst_addr);
	FLOW_FIELD(OP_NH6, nexthop);
	FLOW_FIELD(OP_SPORT, src_port);
	FLOW_FIELD(OP_DPORT, dst_port);
	FLOW_FIELD(OP_ICMP, dst_port);
	FLOW_FIELD(OP_PROTO, proto);
	FLOW_FIELD(OP_TCPFLAGS, tcp_flags);
	FLOW_FIELD(OP_TOS, tos);
	FLOW_FIELD(OP_BYTES, bytes);
	FLOW_FIELD(OP_PKTS, packets);
	FLOW_FIELD(OP_IN_IF, in_if);
	FLOW_FIELD(OP_OUT_IF, out_if);
	FLOW_FIELD(OP_SRC_AS, src_as);
	FLOW_FIELD(OP_DST_AS, dst_as);
	FLOW_FIELD(OP_DIRECTION, direction);
	FLOW_FIELD(OP_END_REASON, end_reason);
	case OP_START_UP: case OP_START_S: case OP_START_MS: case OP_START_NTP: case OP_START_DUS:
		o->dst = (uint8_t)offsetof(struct nfw_flow, start_ms);
		o->dst_w = 8;
		break;
	case OP_END_UP: case OP_END_S: case OP_END_MS: case OP_END_NTP: case OP_END_DUS:
		o->dst = (uint8_t)offsetof(struct nfw_flow, end_ms);
		o->dst_w = 8;
		break;
	case OP_SKIP:
		o->kind = FK_NONE;
		return;
	default:
		return; /* sampling and options ops: no flat form */
	}
	if (o->code == OP_SRC4 || o->code == OP_DST4 || o->code == OP_NH4) {
		o->kind = FK_ADDR4;
	} else if (o->code == OP_SRC6 || o->code == OP_DST6 || o->code == OP_NH6) {
		o->kind = FK_ADDR16;
	} else if (o->code == OP_ICMP) {
		o->kind = FK_ICMP;
	} else {
		static const uint8_t widx[9] = { 0, 1, 2, 0, 3, 0, 0, 0, 4 };
		unsigned si = o->len <= 8 ? widx[o->len] : 0;
		unsigned di = widx[o->dst_w];
		o->kind = si != 0 ? (uint8_t)(FK_1_1 + (si - 1) * 4 + (di - 1)) : FK_GENERIC;
	}
}
#undef FLOW_FIELD

/* Where each byte of struct nfw_flow comes from in the shuffle form. */
#define SRC_PROTO (-1) /* the set's prototype (or a zero it already holds) */
#define SRC_ZERO (-2)  /* a zero byte of a field (zero-extension) */

static bool
shuf_claim(int32_t *from, unsigned at, int32_t src)
{
	if (from[at] != SRC_PROTO)
		return false; /* two ops write one byte: leave it to the flat ops */
	from[at] = src;
	return true;
}

/* Bytes the prototype owns; no field op may land on them. */
static bool
shuf_proto_owned(unsigned at)
{
	static const struct { uint8_t off, len; } own[] = {
#define OWN(field) { offsetof(struct nfw_flow, field), sizeof(((struct nfw_flow *)0)->field) }
		OWN(exporter), OWN(exporter_port), OWN(domain), OWN(version), OWN(af),
		OWN(sampling), OWN(flags),
#undef OWN
	};
	for (unsigned i = 0; i < sizeof(own) / sizeof(own[0]); i++)
		if (at >= own[i].off && at < (unsigned)own[i].off + own[i].len)
			return true;
	return false;
}

/*
 * Build the shuffle form (struct tpl_shuf) of a TPL_F_FAST template, or
 * leave shuf.n at 0 when a byte would be written twice or too many loads
 * would be needed. Each chunk's record bytes are covered greedily by 16-byte
 * windows starting at the lowest byte not yet covered.
 */
static void
shuf_compile(struct tpl *t)
{
	int32_t from[TPL_SHUF_CHUNKS * 16];
	struct tpl_shuf *sh = &t->shuf;
	unsigned over = 0;

	memset(sh, 0, sizeof(*sh));
	for (unsigned i = 0; i < TPL_SHUF_CHUNKS * 16; i++)
		from[i] = SRC_PROTO;
	for (unsigned i = 0; i < t->nops; i++) {
		const struct tpl_op *o = &t->ops[i];
		bool ok = true;
		switch (o->kind) {
		case FK_NONE: case FK_ICMP:
			continue; /* ICMP is applied after the record (TPL_F_ICMP) */
		case FK_ADDR4:
			for (unsigned k = 0; k < 4; k++)
				ok = ok && shuf_claim(from, o->dst + 12u + k, o->off + (int32_t)k);
			break;
		case FK_ADDR16:
			for (unsigned k = 0; k < 16; k++)
				ok = ok && shuf_claim(from, o->dst + k, o->off + (int32_t)k);
			break;
		default: { /* big-endian integer of len bytes into dst_w little-endian bytes */
			unsigned len = o->len > 8 ? 8 : o->len;
			unsigned first = o->off + (o->len - len); /* an oversized field keeps its low bytes */
			for (unsigned k = 0; k < o->dst_w; k++)
				ok = ok && shuf_claim(from, o->dst + k,
						      k < len ? (int32_t)(first + len - 1 - k) : SRC_ZERO);
			break;
		}
		}
		if (!ok)
			return;
	}
	for (unsigned i = 0; i < sizeof(struct nfw_flow); i++)
		if (from[i] != SRC_PROTO && shuf_proto_owned(i))
			return;
	for (unsigned c = 0; c < TPL_SHUF_CHUNKS; c++) {
		const unsigned clen = c + 1 < TPL_SHUF_CHUNKS ? 16 : sizeof(struct nfw_flow) - 16 * c;
		int32_t lo = -1;
		for (;;) {
			/* the lowest record byte of this chunk above the last window */
			int32_t w = INT32_MAX;
			for (unsigned k = 0; k < clen; k++)
				if (from[16 * c + k] > lo && from[16 * c + k] < w)
					w = from[16 * c + k];
			if (w == INT32_MAX && lo >= 0)
				break; /* chunk covered */
			if (sh->n == TPL_SHUF_MAX)
				return;
			if (w == INT32_MAX)
				w = 0; /* no record byte in this chunk: one all-zero step */
			uint8_t *mk = sh->mask[sh->n];
			for (unsigned k = 0; k < 16; k++) {
				int32_t f = k < clen ? from[16 * c + k] : SRC_PROTO;
				mk[k] = f >= w && f < w + 16 ? (uint8_t)(f - w) : 0x80;
			}
			sh->src[sh->n] = (uint16_t)w;
			if ((unsigned)w + 16 > t->min_len && (unsigned)w + 16 - t->min_len > over)
				over = (unsigned)w + 16 - t->min_len;
			sh->n++;
			sh->cnt[c]++;
			lo = w + 15;
		}
	}
	sh->over = (uint8_t)over;
}

/* FNV-1a over the (id, length, enterprise) of each field and the scope count. */
static uint32_t
tpl_layout_hash(const struct tpl_field *f, uint16_t n, uint16_t nscope)
{
	uint32_t h = 2166136261u;
	for (uint16_t i = 0; i < n; i++) {
		uint32_t w[3] = { f[i].id, f[i].len, f[i].pen };
		for (int k = 0; k < 3; k++)
			h = (h ^ w[k]) * 16777619u;
	}
	return (h ^ nscope) * 16777619u;
}

/* Compile into `t` (ops sized for max_fields). Returns 0 or 1 + NFW_DROP_*. */
static int
tpl_compile(const struct nfw_decode *d, struct tpl *t, const struct tpl_field *f, uint16_t n,
	    uint16_t nscope, bool options)
{
	uint8_t best_rank[SK__COUNT] = { 0 };
	int best_idx[SK__COUNT];
	uint32_t min_len = 0;
	bool varlen = false;

	if (n > d->prm.max_fields)
		return 1 + NFW_DROP_TEMPLATE_LIMIT;
	for (int s = 0; s < SK__COUNT; s++)
		best_idx[s] = -1;
	for (uint16_t i = 0; i < n; i++) {
		struct ie_map m = f[i].pen != 0 ? (struct ie_map){ OP_SKIP, SK_NONE, 0, 0 } : ie_map(f[i].id);
		if (f[i].len == TPL_VARLEN) {
			varlen = true;
			min_len += 1;
		} else {
			min_len += f[i].len;
		}
		if (m.slot != SK_NONE && m.op != OP_SKIP) {
			bool len_ok = m.need ? f[i].len == m.need : (f[i].len >= 1 && f[i].len <= 8);
			if (len_ok && m.rank > best_rank[m.slot]) {
				best_rank[m.slot] = m.rank;
				best_idx[m.slot] = i;
			}
		}
	}
	if (min_len == 0 || min_len > 65535)
		return 1 + NFW_DROP_BAD_TEMPLATE;

	t->nfields = n;
	t->nscope = nscope;
	t->min_len = (uint16_t)min_len;
	t->layout_hash = tpl_layout_hash(f, n, nscope);
	t->flags = (uint8_t)((options ? TPL_F_OPTIONS : 0) | (varlen ? TPL_F_VARLEN : 0));
	t->nops = 0;
	t->start_op = 0;
	t->end_op = 0;
	t->af = 4;

	uint32_t off = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct ie_map m = f[i].pen != 0 ? (struct ie_map){ OP_SKIP, SK_NONE, 0, 0 } : ie_map(f[i].id);
		uint8_t op = m.op;
		if (m.slot != SK_NONE && best_idx[m.slot] != (int)i)
			op = OP_SKIP;
		if (op != OP_SKIP && m.slot == SK_NONE &&
		    (f[i].len == TPL_VARLEN || f[i].len == 0 || f[i].len > 8))
			op = OP_SKIP; /* integers only; odd lengths are skipped */
		if (op == OP_START_UP || op == OP_END_UP)
			t->flags |= TPL_F_TIME_UP;
		if (op >= OP_START_UP && op <= OP_START_DUS && (op - OP_START_UP) % 2 == 0)
			t->start_op = op;
		else if (op >= OP_START_UP && op <= OP_END_DUS)
			t->end_op = op;
		if (op >= OP_SAMPLER_ID && op <= OP_SEL_SELECTED)
			t->flags |= TPL_F_SAMPLING;
		if (op == OP_SRC6 || op == OP_DST6)
			t->af = 6;
		if (varlen || op != OP_SKIP) {
			struct tpl_op *o = &t->ops[t->nops++];
			o->code = op;
			o->len = f[i].len;
			o->off = (uint16_t)off;
			fast_form(o);
		}
		if (f[i].len != TPL_VARLEN)
			off += f[i].len;
	}
	if (best_idx[SK_SRC] >= 0 || best_idx[SK_DST] >= 0 || best_idx[SK_BYTES] >= 0 ||
	    best_idx[SK_PKTS] >= 0)
		t->flags |= TPL_F_FLOW;
	if (options)
		t->flags &= (uint8_t)~TPL_F_FLOW;
	if ((t->flags & (TPL_F_FLOW | TPL_F_VARLEN | TPL_F_SAMPLING)) == TPL_F_FLOW) {
		t->flags |= TPL_F_FAST;
		for (unsigned i = 0; i < t->nops; i++) {
			if (t->ops[i].kind == FK_NONE)
				t->flags &= (uint8_t)~TPL_F_FAST;
			if (t->ops[i].kind == FK_ICMP)
				t->flags |= TPL_F_ICMP;
		}
	}
	memset(&t->shuf, 0, sizeof(t->shuf));
	if (t->flags & TPL_F_FAST)
		shuf_compile(t);
	return 0;
}

struct tpl *
nfw_tpl_find(struct nfw_decode *d, uint32_t exp_idx, uint32_t domain, uint16_t id)
{
	struct tkey k = tpl_key(exp_idx, domain, id);
	uint32_t i = ktab_find(&d->tpl_tab, &k);
	return i == UINT32_MAX ? NULL : tpl_at(d, i);
}

int
nfw_tpl_add(struct nfw_decode *d, struct msg_ctx *m, uint16_t id, const struct tpl_field *f,
	    uint16_t nfields, uint16_t nscope, bool options)
{
	struct tpl *scratch = tpl_at(d, d->prm.max_templates); /* the spare slot */
	struct tkey k = tpl_key(m->exp_idx, m->domain, id);
	uint32_t idx;
	int rc;

	if (id < 256 || nfields == 0 ||
	    nscope > nfields)
		return 1 + NFW_DROP_BAD_TEMPLATE;
	idx = ktab_find(&d->tpl_tab, &k);
	if (idx != UINT32_MAX) {
		/* exporters resend their templates every few seconds: a refresh is not compiled again */
		struct tpl *t = tpl_at(d, idx);
		if (t->layout_hash == tpl_layout_hash(f, nfields, nscope) && t->nfields == nfields) {
			t->arrived_ms = m->now_ms;
			CNT(d, m->ex, templates_refreshed, 1);
			return 0;
		}
	}
	rc = tpl_compile(d, scratch, f, nfields, nscope, options);
	if (rc != 0)
		return rc;
	if (idx != UINT32_MAX) {
		struct tpl *t = tpl_at(d, idx);
		t->arrived_ms = m->now_ms;
		uint64_t recs = t->records;
		uint32_t nf = t->next_free;
		memcpy(t, scratch, d->tpl_stride);
		t->key = k;
		t->records = recs;
		t->next_free = nf;
		t->exp_idx = m->exp_idx;
		t->domain = m->domain;
		t->id = id;
		t->version = (uint8_t)m->version;
		t->arrived_ms = m->now_ms;
		CNT(d, m->ex, templates_updated, 1);
		if (d->npending > 0)
			nfw_pending_replay(d, m, t);
		return 0;
	}
	if (m->ex->ntemplates >= d->prm.max_templates_per_exp || d->tpl_free == UINT32_MAX)
		return 1 + NFW_DROP_TEMPLATE_LIMIT;
	idx = d->tpl_free;
	struct tpl *t = tpl_at(d, idx);
	if (ktab_insert(&d->tpl_tab, &k, idx) != 0)
		return 1 + NFW_DROP_TEMPLATE_LIMIT;
	d->tpl_free = t->next_free;
	memcpy(t, scratch, d->tpl_stride);
	t->key = k;
	t->records = 0;
	t->next_free = UINT32_MAX;
	t->exp_idx = m->exp_idx;
	t->domain = m->domain;
	t->id = id;
	t->version = (uint8_t)m->version;
	t->arrived_ms = m->now_ms;
	m->ex->ntemplates++;
	d->tpl_count++;
	CNT(d, m->ex, templates_added, 1);
	if (d->npending > 0)
		nfw_pending_replay(d, m, t);
	return 0;
}

static void
tpl_remove(struct nfw_decode *d, struct exporter *ex, uint32_t idx)
{
	struct tpl *t = tpl_at(d, idx);
	ktab_remove(&d->tpl_tab, &t->key);
	t->next_free = d->tpl_free;
	d->tpl_free = idx;
	ex->ntemplates--;
	d->tpl_count--;
	CNT(d, ex, templates_withdrawn, 1);
}

void
nfw_tpl_withdraw(struct nfw_decode *d, struct msg_ctx *m, uint16_t id, bool all, bool options)
{
	if (!all) {
		struct tkey k = tpl_key(m->exp_idx, m->domain, id);
		uint32_t idx = ktab_find(&d->tpl_tab, &k);
		if (idx != UINT32_MAX)
			tpl_remove(d, m->ex, idx);
		return;
	}
	/* all (options) templates of this domain: RFC 7011 §8.1 */
	for (uint32_t i = 0; i < d->prm.max_templates; i++) {
		struct tpl *t = tpl_at(d, i);
		if (t->next_free != UINT32_MAX || t->exp_idx != m->exp_idx || t->domain != m->domain)
			continue;
		if (ktab_find(&d->tpl_tab, &t->key) != i)
			continue;
		if (((t->flags & TPL_F_OPTIONS) != 0) == options)
			tpl_remove(d, m->ex, i);
	}
}
