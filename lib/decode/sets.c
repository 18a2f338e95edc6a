/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data sets (v9 FlowSet id >= 256, IPFIX Set id >= 256): run a compiled
 * template over each record, and keep sets whose template has not arrived
 * yet in a small bounded queue.
 *
 * A data set holds as many whole records as fit; what is left (shorter than
 * one record) is padding (RFC 7011 §3.3.1), which some exporters fill with
 * non-zero bytes: it is accepted. A variable-length record that runs past
 * the set end is a short_record drop.
 *
 * Records of options templates feed the sampling table (IEs 34, 35, 48-50,
 * 302, 305/306, 309/310, 318/319) and systemInitTimeMilliseconds (160).
 * Records of templates that carry neither addresses nor counters (NBAR
 * application names, firewall event tables) are counted, not emitted.
 *
 * Flow templates with fixed-length fields run one of two compiled forms:
 * the byte-shuffle form (struct tpl_shuf, SSSE3: the whole record in about
 * ten PSHUFB) where the CPU has it, and the flat ops (one threaded load and
 * store per field) elsewhere and for the last records of a set. They give
 * the same records byte for byte (tests/decode/test_vendor.c runs both).
 */
#include "decode_priv.h"

#if defined(__x86_64__) || defined(__i386__)
#include <tmmintrin.h>
#define HAVE_SHUF 1
#endif

#define NTP_UNIX_OFFSET 2208988800ULL

/* sampling IEs seen in one record: only options and sampling-tagged templates need them */
struct smp_acc {
	uint64_t s_int, s_pkti, s_space, s_size, s_pop, s_total, s_sel, sysinit;
};

struct rec_acc {
	uint64_t start, end;
	uint64_t sampler_id;
	bool has_sampler;
	bool has_icmp;
	uint16_t icmp;
	struct smp_acc s;
};

static inline uint64_t
ntp_to_ms(uint64_t v)
{
	uint64_t sec = v >> 32;
	uint64_t frac = v & 0xffffffffu;
	if (sec < NTP_UNIX_OFFSET)
		return 0;
	return (sec - NTP_UNIX_OFFSET) * 1000 + ((frac * 1000) >> 32);
}

static inline void
exec_op(const struct tpl_op *o, const uint8_t *p, unsigned len, struct nfw_flow *f,
	struct rec_acc *a)
{
	switch (o->code) {
	case OP_SKIP: break;
	case OP_SRC4: nfw_flow_addr_set4(f->src_addr, rd32(p)); f->af = 4; break;
	case OP_DST4: nfw_flow_addr_set4(f->dst_addr, rd32(p)); f->af = 4; break;
	case OP_NH4: nfw_flow_addr_set4(f->nexthop, rd32(p)); break;
	case OP_SRC6: memcpy(f->src_addr, p, 16); f->af = 6; break;
	case OP_DST6: memcpy(f->dst_addr, p, 16); f->af = 6; break;
	case OP_NH6: memcpy(f->nexthop, p, 16); break;
	case OP_SPORT: f->src_port = (uint16_t)rd_uint(p, len); break;
	case OP_DPORT: f->dst_port = (uint16_t)rd_uint(p, len); break;
	case OP_ICMP: /* applied after the record: dst_port, when the record has none */
		a->icmp = (uint16_t)rd_uint(p, len);
		a->has_icmp = true;
		break;
	case OP_PROTO: f->proto = (uint8_t)rd_uint(p, len); break;
	case OP_TCPFLAGS: f->tcp_flags = (uint8_t)rd_uint(p, len); break;
	case OP_TOS: f->tos = (uint8_t)rd_uint(p, len); break;
	case OP_BYTES: f->bytes = rd_uint(p, len); break;
	case OP_PKTS: f->packets = rd_uint(p, len); break;
	case OP_IN_IF: f->in_if = (uint32_t)rd_uint(p, len); break;
	case OP_OUT_IF: f->out_if = (uint32_t)rd_uint(p, len); break;
	case OP_SRC_AS: f->src_as = (uint32_t)rd_uint(p, len); break;
	case OP_DST_AS: f->dst_as = (uint32_t)rd_uint(p, len); break;
	case OP_DIRECTION: f->direction = (uint8_t)rd_uint(p, len); break;
	case OP_END_REASON: f->end_reason = (uint8_t)rd_uint(p, len); break;
	case OP_START_UP: case OP_START_S: case OP_START_MS: case OP_START_NTP: case OP_START_DUS:
		a->start = rd_uint(p, len);
		break;
	case OP_END_UP: case OP_END_S: case OP_END_MS: case OP_END_NTP: case OP_END_DUS:
		a->end = rd_uint(p, len);
		break;
	case OP_SAMPLER_ID: a->sampler_id = rd_uint(p, len); a->has_sampler = true; break;
	case OP_SAMPLING_INT: a->s.s_int = rd_uint(p, len); break;
	case OP_SAMPLING_PKTI: a->s.s_pkti = rd_uint(p, len); break;
	case OP_SAMPLING_SPACE: a->s.s_space = rd_uint(p, len); break;
	case OP_SAMPLING_SIZE: a->s.s_size = rd_uint(p, len); break;
	case OP_SAMPLING_POP: a->s.s_pop = rd_uint(p, len); break;
	case OP_SEL_TOTAL: a->s.s_total = rd_uint(p, len); break;
	case OP_SEL_SELECTED: a->s.s_sel = rd_uint(p, len); break;
	case OP_SYSINIT_MS: a->s.sysinit = rd_uint(p, len); break;
	default: break;
	}
}

static inline __attribute__((always_inline)) uint64_t
abs_time(const struct msg_ctx *m, uint8_t op, uint64_t v, bool *ok)
{
	*ok = true;
	switch (op) {
	case OP_START_MS: case OP_END_MS: return v;
	case OP_START_S: case OP_END_S: return v * 1000;
	case OP_START_NTP: case OP_END_NTP: return ntp_to_ms(v);
	case OP_START_DUS: case OP_END_DUS: return m->export_ms - v / 1000;
	case OP_START_UP: case OP_END_UP:
		if (m->version == 9)
			return (uint64_t)((int64_t)m->export_ms - (int32_t)(m->uptime_ms - (uint32_t)v));
		if (m->dom != NULL && m->dom->sysinit_ms != 0)
			return m->dom->sysinit_ms + v;
		break;
	default: break;
	}
	*ok = false;
	return m->export_ms;
}

/* The sampling rate an options or data record announces, or 0. */
static uint32_t
acc_rate(const struct smp_acc *a)
{
	uint64_t r = 0;
	if (a->s_int > 0)
		r = a->s_int;
	else if (a->s_pkti > 0 && a->s_space > 0)
		r = (a->s_pkti + a->s_space) / a->s_pkti;
	else if (a->s_size > 0 && a->s_pop > 0)
		r = a->s_pop / a->s_size;
	else if (a->s_sel > 0 && a->s_total > 0)
		r = a->s_total / a->s_sel;
	if (r > UINT32_MAX)
		r = UINT32_MAX;
	return (uint32_t)r;
}

static void
finish_options(struct nfw_decode *d, struct msg_ctx *m, const struct rec_acc *a)
{
	uint32_t rate = acc_rate(&a->s);

	CNT(d, m->ex, options_records, 1);
	if (rate > 0)
		nfw_sampler_set(d, m, a->sampler_id, a->has_sampler, rate);
	if (a->s.sysinit != 0 && m->dom != NULL)
		m->dom->sysinit_ms = a->s.sysinit;
}

static inline void
finish_times(const struct msg_ctx *m, const struct tpl *t, struct nfw_flow *f,
	     const struct rec_acc *a)
{
	bool ok_s = false, ok_e = false;

	if (t->start_op)
		f->start_ms = abs_time(m, t->start_op, a->start, &ok_s);
	if (t->end_op)
		f->end_ms = abs_time(m, t->end_op, a->end, &ok_e);
	if (ok_s && ok_e)
		return;
	if (!ok_s && ok_e) {
		f->start_ms = f->end_ms;
	} else if (ok_s && !ok_e) {
		f->end_ms = f->start_ms;
	} else {
		f->start_ms = f->end_ms = m->export_ms;
		f->flags |= NFW_FLOW_F_TIME_APPROX;
	}
}

static const uint8_t v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/*
 * Run the flat ops of a TPL_F_FAST template over one record: threaded code,
 * each handler does its load and store and jumps straight to the next op's
 * handler (one predictable indirect jump per field, no shared switch). IPv4
 * addresses are stored as they come: the set's prototype record already
 * holds their IPv4-mapped prefix (set_ctx_init).
 */
#define ST(w, val) do { uint##w##_t x_ = (uint##w##_t)(val); memcpy(dp, &x_, sizeof(x_)); } while (0)
#define FAST_NEXT() do { \
		if (++o == end) \
			return; \
		s = rec + o->off; \
		dp = base + o->dst; \
		goto *const_tab[o->kind]; \
	} while (0)

static inline void
exec_fast(const struct tpl *t, const uint8_t *rec, struct nfw_flow *f)
{
	static const void *const const_tab[] = {
		[FK_NONE] = &&k_none,
		[FK_1_1] = &&k_1_1, [FK_1_2] = &&k_1_2, [FK_1_4] = &&k_1_4, [FK_1_8] = &&k_1_8,
		[FK_2_1] = &&k_2_1, [FK_2_2] = &&k_2_2, [FK_2_4] = &&k_2_4, [FK_2_8] = &&k_2_8,
		[FK_4_1] = &&k_4_1, [FK_4_2] = &&k_4_2, [FK_4_4] = &&k_4_4, [FK_4_8] = &&k_4_8,
		[FK_8_1] = &&k_8_1, [FK_8_2] = &&k_8_2, [FK_8_4] = &&k_8_4, [FK_8_8] = &&k_8_8,
		[FK_ADDR4] = &&k_addr4, [FK_ADDR16] = &&k_addr16, [FK_ICMP] = &&k_icmp,
		[FK_GENERIC] = &&k_generic,
	};
	_Static_assert(sizeof(const_tab) / sizeof(const_tab[0]) == FK_GENERIC + 1,
		       "one handler per fast kind");
	uint8_t *base = (uint8_t *)f;
	const struct tpl_op *o = t->ops;
	const struct tpl_op *end = o + t->nops;
	const uint8_t *s;
	uint8_t *dp;

	if (o == end)
		return;
	s = rec + o->off;
	dp = base + o->dst;
	goto *const_tab[o->kind];
k_1_1: *dp = s[0]; FAST_NEXT();
k_1_2: ST(16, s[0]); FAST_NEXT();
k_1_4: ST(32, s[0]); FAST_NEXT();
k_1_8: ST(64, s[0]); FAST_NEXT();
k_2_1: *dp = (uint8_t)rd16(s); FAST_NEXT();
k_2_2: ST(16, rd16(s)); FAST_NEXT();
k_2_4: ST(32, rd16(s)); FAST_NEXT();
k_2_8: ST(64, rd16(s)); FAST_NEXT();
k_4_1: *dp = (uint8_t)rd32(s); FAST_NEXT();
k_4_2: ST(16, rd32(s)); FAST_NEXT();
k_4_4: ST(32, rd32(s)); FAST_NEXT();
k_4_8: ST(64, rd32(s)); FAST_NEXT();
k_8_1: *dp = (uint8_t)rd64(s); FAST_NEXT();
k_8_2: ST(16, rd64(s)); FAST_NEXT();
k_8_4: ST(32, rd64(s)); FAST_NEXT();
k_8_8: ST(64, rd64(s)); FAST_NEXT();
k_addr4: memcpy(dp + 12, s, 4); FAST_NEXT();
k_addr16: memcpy(dp, s, 16); FAST_NEXT();
k_icmp: /* after the record (fast_icmp) */
	FAST_NEXT();
k_generic: {
		uint64_t v = rd_uint(s, o->len);
		switch (o->dst_w) {
		case 1: *dp = (uint8_t)v; break;
		case 2: ST(16, v); break;
		case 4: ST(32, v); break;
		default: ST(64, v); break;
		}
	}
	FAST_NEXT();
k_none:
	FAST_NEXT();
}
#undef FAST_NEXT
#undef ST

/* ICMP type/code (IE 32, 139) goes to dst_port when the record carries no port. */
static void
fast_icmp(const struct tpl *t, const uint8_t *rec, struct nfw_flow *f)
{
	for (unsigned i = 0; i < t->nops; i++)
		if (t->ops[i].kind == FK_ICMP && f->dst_port == 0)
			f->dst_port = (uint16_t)rd_uint(rec + t->ops[i].off, t->ops[i].len);
}

#ifdef HAVE_SHUF
/* Run the shuffle form (struct tpl_shuf): the record and its prototype in, the flow out. */
__attribute__((target("ssse3"))) static inline void
exec_shuf(const struct tpl_shuf *restrict sh, const uint8_t *restrict rec,
	  const struct nfw_flow *restrict proto, struct nfw_flow *restrict f)
{
	const uint8_t *pp = (const uint8_t *)proto;
	uint8_t *out = (uint8_t *)f;
	const uint16_t *src = sh->src;
	const uint8_t (*mask)[16] = sh->mask;

#define SHUF_STEP(acc) \
	acc = _mm_or_si128(acc, _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(rec + *src++)), \
						 _mm_load_si128((const __m128i *)*mask++)))
	for (unsigned c = 0; c + 1 < TPL_SHUF_CHUNKS; c++) {
		__m128i acc = _mm_loadu_si128((const __m128i *)(pp + 16 * c));
		SHUF_STEP(acc);
		for (unsigned k = 1; k < sh->cnt[c]; k++)
			SHUF_STEP(acc);
		_mm_storeu_si128((__m128i *)(out + 16 * c), acc);
	}
	__m128i last = _mm_loadl_epi64((const __m128i *)(pp + 16 * (TPL_SHUF_CHUNKS - 1)));
	for (unsigned k = 0; k < sh->cnt[TPL_SHUF_CHUNKS - 1]; k++)
		SHUF_STEP(last);
	_mm_storel_epi64((__m128i *)(out + 16 * (TPL_SHUF_CHUNKS - 1)), last);
#undef SHUF_STEP
}
_Static_assert(sizeof(struct nfw_flow) > 16 * (TPL_SHUF_CHUNKS - 1) &&
	       sizeof(struct nfw_flow) <= 16 * (TPL_SHUF_CHUNKS - 1) + 8,
	       "the shuffle form writes nfw_flow as 8 x 16 bytes and 8");
#endif

/* What every record of one data set shares. */
struct set_ctx {
	struct nfw_flow proto;   /* copied into each record before its ops run */
	uint32_t rate;           /* per-set rate when the template carries none */
	bool known;
	bool per_record_rate;
	uint64_t flows;          /* records finished with the per-set rate */
	uint64_t shuffled;       /* records run by the shuffle form */
};

static void
set_ctx_init(struct nfw_decode *d, struct msg_ctx *m, const struct tpl *t, struct set_ctx *c)
{
	memset(&c->proto, 0, sizeof(c->proto));
	memcpy(c->proto.exporter, m->ex->addr.addr, 16);
	c->proto.exporter_port = m->ex->addr.port;
	c->proto.domain = m->domain;
	c->proto.version = m->version == 9 ? NFW_FLOW_V9 : NFW_FLOW_IPFIX;
	c->proto.af = t->af;
	c->flows = 0;
	c->shuffled = 0;
	c->rate = 1;
	c->known = true;
	if (t->flags & TPL_F_FAST) /* exec_fast stores IPv4 addresses without their prefix */
		for (unsigned i = 0; i < t->nops; i++)
			if (t->ops[i].kind == FK_ADDR4)
				memcpy((uint8_t *)&c->proto + t->ops[i].dst, v4mapped_prefix, 12);
	c->per_record_rate = (t->flags & TPL_F_SAMPLING) != 0;
	if (!c->per_record_rate) {
		uint32_t r = nfw_rate_lookup(d, m, 0, false);
		c->rate = nfw_effective_rate(m->ex, r, &c->known);
		c->proto.sampling = c->rate;
		c->proto.flags = c->known ? 0 : NFW_FLOW_F_RATE_UNKNOWN;
	}
}

static inline void
finish_flow(struct nfw_decode *d, struct msg_ctx *m, const struct tpl *t, struct set_ctx *c,
	    struct nfw_flow *f, const struct rec_acc *a)
{
	finish_times(m, t, f, a);
	if (c->per_record_rate) {
		uint32_t rate = acc_rate(&a->s);
		if (rate == 0)
			rate = nfw_rate_lookup(d, m, a->sampler_id, a->has_sampler);
		nfw_finish_rate(d, m->ex, f, rate, rate != 0);
		return;
	}
	if (c->rate > 1) {
		f->bytes *= c->rate;
		f->packets *= c->rate;
	}
	c->flows++;
}

static void
set_ctx_done(struct nfw_decode *d, struct msg_ctx *m, struct set_ctx *c)
{
	if (c->shuffled != 0)
		CNT(d, m->ex, shuffled_records, c->shuffled);
	if (c->flows == 0)
		return;
	CNT(d, m->ex, records, c->flows);
	if (!c->known)
		CNT(d, m->ex, rate_unknown_records, c->flows);
	else if (c->rate > 1)
		CNT(d, m->ex, sampled_records, c->flows);
}

static inline void
acc_reset(struct rec_acc *a, bool smp)
{
	a->start = 0;
	a->end = 0;
	a->has_sampler = false;
	a->sampler_id = 0;
	a->has_icmp = false;
	if (smp)
		memset(&a->s, 0, sizeof(a->s));
}

/* After a record's ops ran: hand it to the options, flow or other-data path. */
static inline void
finish_record(struct nfw_decode *d, struct msg_ctx *m, const struct tpl *t, struct set_ctx *c,
	      struct nfw_flow *f, const struct nfw_flow *scratch, const struct rec_acc *a)
{
	if (t->flags & TPL_F_OPTIONS)
		finish_options(d, m, a);
	else if (!(t->flags & TPL_F_FLOW))
		CNT(d, m->ex, options_records, 1);
	else if (f != scratch) {
		if (a->has_icmp && f->dst_port == 0)
			f->dst_port = a->icmp;
		finish_flow(d, m, t, c, f, a);
	}
}

/* A fast record after its fields: ICMP type/code, absolute times, the rate. */
static inline __attribute__((always_inline)) void
fast_finish(struct nfw_decode *d, struct msg_ctx *m, const struct tpl *t, struct set_ctx *c,
	    struct rec_acc *a, const uint8_t *rec, struct nfw_flow *f)
{
	if (t->flags & TPL_F_ICMP)
		fast_icmp(t, rec, f);
	a->start = f->start_ms;
	a->end = f->end_ms;
	finish_flow(d, m, t, c, f, a);
}

#ifdef HAVE_SHUF
/*
 * The records of a set the shuffle form can take (all but those too close
 * to the set's end for its 16-byte loads), compiled for SSSE3 as a whole so
 * the shuffle and the finish are inlined. Returns where it stopped.
 */
__attribute__((target("ssse3"))) static const uint8_t *
set_shuf(struct nfw_decode *d, struct msg_ctx *m, const struct tpl *t, struct set_ctx *c,
	 struct rec_acc *a, const uint8_t *p, const uint8_t *end, uint64_t *nrec, bool *full)
{
	const size_t rl = t->min_len;
	const size_t need = rl + t->shuf.over;
	uint64_t n = 0;

	while ((size_t)(end - p) >= need) {
		struct nfw_flow *f = nfw_out_slot(d, m->ex);
		if (f == NULL) {
			*full = true;
			break;
		}
		exec_shuf(&t->shuf, p, &c->proto, f);
		fast_finish(d, m, t, c, a, p, f);
		p += rl;
		n++;
	}
	*nrec += n;
	c->shuffled += n;
	return p;
}
#endif

void
nfw_data_set_with(struct nfw_decode *d, struct msg_ctx *m, struct tpl *t, const uint8_t *p,
		  size_t len)
{
	const uint8_t *end = p + len;
	const bool is_flow = (t->flags & TPL_F_FLOW) != 0;
	const bool need_smp = (t->flags & (TPL_F_OPTIONS | TPL_F_SAMPLING)) != 0;
	struct nfw_flow scratch;
	struct set_ctx c;
	struct rec_acc a;
	uint64_t nrec = 0;

	memset(&a, 0, sizeof(a)); /* once per set; records reset what they use */
	set_ctx_init(d, m, t, &c);
	if (t->flags & TPL_F_FAST) {
		const size_t rl = t->min_len;
		bool full = false;
#ifdef HAVE_SHUF
		if (d->simd && t->shuf.n != 0)
			p = set_shuf(d, m, t, &c, &a, p, end, &nrec, &full);
#endif
		while (!full && (size_t)(end - p) >= rl) {
			struct nfw_flow *f = nfw_out_slot(d, m->ex);
			if (f == NULL) {
				full = true;
				break;
			}
			*f = c.proto;
			exec_fast(t, p, f);
			fast_finish(d, m, t, &c, &a, p, f);
			p += rl;
			nrec++;
		}
		if (full) { /* batch full: nfw_out_slot counted this record, the rest follow */
			p += rl;
			nrec++;
			while ((size_t)(end - p) >= rl) {
				CNT_DROP(d, m->ex, rec_dropped, NFW_DROP_BATCH_FULL);
				p += rl;
				nrec++;
			}
		}
	} else if ((t->flags & TPL_F_VARLEN) == 0) {
		const size_t rl = t->min_len;
		const unsigned nops = t->nops;
		while ((size_t)(end - p) >= rl) {
			struct nfw_flow *f = is_flow ? nfw_out_slot(d, m->ex) : &scratch;
			if (f == NULL)
				f = &scratch; /* batch full: counted; options still walked */
			*f = c.proto;
			acc_reset(&a, need_smp);
			for (unsigned i = 0; i < nops; i++) {
				const struct tpl_op *o = &t->ops[i];
				exec_op(o, p + o->off, o->len, f, &a);
			}
			p += rl;
			nrec++;
			finish_record(d, m, t, &c, f, &scratch, &a);
		}
	} else {
		while (p < end) {
			const uint8_t *q = p;
			bool short_rec = false;

			if ((size_t)(end - p) < t->min_len)
				break; /* padding */
			struct nfw_flow *f = is_flow ? nfw_out_slot(d, m->ex) : &scratch;
			if (f == NULL)
				f = &scratch;
			*f = c.proto;
			acc_reset(&a, need_smp);
			for (unsigned i = 0; i < t->nops; i++) {
				const struct tpl_op *o = &t->ops[i];
				size_t flen = o->len;
				if (flen == TPL_VARLEN) {
					if (q >= end) {
						short_rec = true;
						break;
					}
					flen = *q++;
					if (flen == 255) {
						if ((size_t)(end - q) < 2) {
							short_rec = true;
							break;
						}
						flen = rd16(q);
						q += 2;
					}
				}
				if (flen > (size_t)(end - q)) {
					short_rec = true;
					break;
				}
				if (o->code != OP_SKIP)
					exec_op(o, q, (unsigned)flen, f, &a);
				q += flen;
			}
			if (short_rec) {
				if (f != &scratch)
					d->nout--; /* give the slot back */
				CNT_DROP(d, m->ex, rec_dropped, NFW_DROP_SHORT_RECORD);
				break;
			}
			p = q;
			nrec++;
			finish_record(d, m, t, &c, f, &scratch, &a);
		}
	}
	set_ctx_done(d, m, &c);
	t->records += nrec;
	m->data_records += nrec;
	if (!(t->flags & TPL_F_OPTIONS))
		m->flow_records += nrec;
}

void
nfw_data_set(struct nfw_decode *d, struct msg_ctx *m, uint16_t tid, const uint8_t *p, size_t len)
{
	struct tpl *t = nfw_tpl_find(d, m->exp_idx, m->domain, tid);

	if (t != NULL) {
		nfw_data_set_with(d, m, t, p, len);
		return;
	}
	/* no template yet: the record count of this message is unknown */
	m->count_unknown = true;
	if (len > d->pending_slot_size) {
		CNT_DROP(d, m->ex, set_dropped, NFW_DROP_NO_TEMPLATE);
		return;
	}
	uint32_t slot = UINT32_MAX;
	uint64_t oldest = UINT64_MAX;
	uint32_t oldest_i = 0;
	for (uint32_t i = 0; i < d->prm.pending_sets; i++) {
		if (!d->pending[i].used) {
			slot = i;
			break;
		}
		if (d->pending[i].arrived_ms < oldest) {
			oldest = d->pending[i].arrived_ms;
			oldest_i = i;
		}
	}
	if (slot == UINT32_MAX) {
		/* queue full: the oldest set gives way */
		struct pending_set *o = &d->pending[oldest_i];
		struct exporter *oex = &d->exporters[o->exp_idx];
		CNT_DROP(d, oex, set_dropped, NFW_DROP_NO_TEMPLATE);
		o->used = 0;
		d->npending--;
		slot = oldest_i;
	}
	struct pending_set *ps = &d->pending[slot];
	ps->key = tpl_key(m->exp_idx, m->domain, tid);
	ps->arrived_ms = m->now_ms;
	ps->export_ms = m->export_ms;
	ps->uptime_ms = m->uptime_ms;
	ps->exp_idx = m->exp_idx;
	ps->domain = m->domain;
	ps->version = (uint8_t)m->version;
	ps->len = (uint32_t)len;
	memcpy(ps->data, p, len);
	ps->used = 1;
	d->npending++;
	CNT(d, m->ex, sets_deferred, 1);
}

void
nfw_pending_replay(struct nfw_decode *d, struct msg_ctx *m, struct tpl *t)
{
	/* oldest first, so records come out in arrival order */
	for (;;) {
		uint32_t best = UINT32_MAX;
		uint64_t best_t = UINT64_MAX;
		for (uint32_t i = 0; i < d->prm.pending_sets; i++) {
			struct pending_set *ps = &d->pending[i];
			if (ps->used && ps->key.w[0] == t->key.w[0] && ps->key.w[1] == t->key.w[1] &&
			    ps->key.w[2] == t->key.w[2] && ps->arrived_ms < best_t) {
				best = i;
				best_t = ps->arrived_ms;
			}
		}
		if (best == UINT32_MAX)
			return;
		struct pending_set *ps = &d->pending[best];
		struct msg_ctx r = *m;
		r.export_ms = ps->export_ms;
		r.uptime_ms = ps->uptime_ms;
		r.version = ps->version;
		r.data_records = 0;
		r.flow_records = 0;
		ps->used = 0;
		d->npending--;
		CNT(d, m->ex, sets_replayed, 1);
		nfw_data_set_with(d, &r, t, ps->data, ps->len);
	}
}

void
nfw_pending_age(struct nfw_decode *d, uint64_t now_ms)
{
	for (uint32_t i = 0; i < d->prm.pending_sets; i++) {
		struct pending_set *ps = &d->pending[i];
		if (ps->used && now_ms > ps->arrived_ms + d->prm.pending_max_age_ms) {
			CNT_DROP(d, &d->exporters[ps->exp_idx], set_dropped, NFW_DROP_NO_TEMPLATE);
			ps->used = 0;
			d->npending--;
		}
	}
}
