/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoder context: construction, the version dispatch, exporter and domain
 * lookup, sampling-rate resolution, and the accounting every other file
 * relies on.
 *
 * Dispatch is on the first bytes, never on the UDP port (like nfcapd):
 *   00 05          NetFlow v5
 *   00 09          NetFlow v9
 *   00 0a          IPFIX
 *   00 00 00 05    sFlow v5 (32-bit version)
 * Each decoder returns 0 (decoded) or 1 + NFW_DROP_* (dropped whole); this
 * file turns that into exactly one of `decoded` or `dropped[reason]` per
 * datagram, so datagrams == decoded + sum(dropped) holds by construction.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "decode_priv.h"

static const char *const drop_str[] = {
#define NFW_X_STR_(name, str, help) str,
	NFW_DROP_REASONS(NFW_X_STR_)
#undef NFW_X_STR_
};

static const char *const drop_help[] = {
#define NFW_X_HELP_(name, str, help) help,
	NFW_DROP_REASONS(NFW_X_HELP_)
#undef NFW_X_HELP_
};

const char *
nfw_drop_reason_str(unsigned reason)
{
	return reason < NFW_DROP__MAX ? drop_str[reason] : "unknown";
}

const char *
nfw_drop_reason_help(unsigned reason)
{
	return reason < NFW_DROP__MAX ? drop_help[reason] : "unknown";
}

static void
params_default(struct nfw_decode_params *p, const struct nfw_decode_params *in)
{
	static const struct nfw_decode_params zero;

	*p = in != NULL ? *in : zero;
	if (p->max_exporters == 0)
		p->max_exporters = 1024;
	if (p->max_templates == 0)
		p->max_templates = 4096;
	if (p->max_templates_per_exp == 0)
		p->max_templates_per_exp = 512;
	if (p->max_fields == 0)
		p->max_fields = 256;
	if (p->max_samplers == 0)
		p->max_samplers = 4096;
	if (p->pending_sets == 0)
		p->pending_sets = 64;
	if (p->pending_bytes == 0)
		p->pending_bytes = 256 * 1024;
	if (p->pending_max_age_ms == 0)
		p->pending_max_age_ms = 60000;
	if (p->batch_size == 0)
		p->batch_size = 8192;
	if (p->seq_reorder_window == 0)
		p->seq_reorder_window = 64;
}

struct nfw_decode *
nfw_decode_create(const struct nfw_decode_params *in)
{
	struct nfw_decode *d;
	struct nfw_decode_params p;

	params_default(&p, in);
	if (p.max_exporters > 65535 || p.max_templates > (1u << 20) || p.max_fields > 512 ||
	    p.max_samplers > (1u << 20) || p.pending_sets > 4096 || p.batch_size > (1u << 20) ||
	    p.pending_bytes / p.pending_sets < 64 || p.pending_bytes > (64u << 20)) {
		errno = EINVAL;
		return NULL;
	}

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto fail;
	d->prm = p;
	d->last_exp = UINT32_MAX;
#if defined(__x86_64__) || defined(__i386__)
	d->simd = !p.flat_only && __builtin_cpu_supports("ssse3");
#endif

	d->exporters = calloc(p.max_exporters, sizeof(*d->exporters));
	if (d->exporters == NULL || ktab_init(&d->exp_tab, p.max_exporters) != 0)
		goto fail;

	d->max_domains = p.max_exporters * 4;
	d->domains = calloc(d->max_domains, sizeof(*d->domains));
	if (d->domains == NULL || ktab_init(&d->dom_tab, d->max_domains) != 0)
		goto fail;

	d->tpl_stride = sizeof(struct tpl) + (size_t)p.max_fields * sizeof(struct tpl_op);
	d->tpl_stride = (d->tpl_stride + 63) & ~(size_t)63;
	d->tpl_arena = calloc((size_t)p.max_templates + 1, d->tpl_stride); /* +1: compile scratch */
	if (d->tpl_arena == NULL || ktab_init(&d->tpl_tab, p.max_templates) != 0)
		goto fail;
	for (uint32_t i = 0; i < p.max_templates; i++)
		tpl_at(d, i)->next_free = i + 1 < p.max_templates ? i + 1 : UINT32_MAX;
	d->tpl_free = 0;

	d->sampler_rate = calloc(p.max_samplers, sizeof(*d->sampler_rate));
	if (d->sampler_rate == NULL || ktab_init(&d->smp_tab, p.max_samplers) != 0)
		goto fail;

	d->pending_slot_size = p.pending_bytes / p.pending_sets;
	d->pending = calloc(p.pending_sets, sizeof(*d->pending));
	d->pending_arena = malloc((size_t)d->pending_slot_size * p.pending_sets);
	if (d->pending == NULL || d->pending_arena == NULL)
		goto fail;
	for (uint32_t i = 0; i < p.pending_sets; i++)
		d->pending[i].data = d->pending_arena + (size_t)i * d->pending_slot_size;

	d->batch = malloc((size_t)p.batch_size * sizeof(*d->batch));
	if (d->batch == NULL)
		goto fail;
	return d;

fail:
	nfw_decode_free(d);
	errno = ENOMEM;
	return NULL;
}

void
nfw_decode_free(struct nfw_decode *d)
{
	if (d == NULL)
		return;
	free(d->batch);
	free(d->pending_arena);
	free(d->pending);
	ktab_fini(&d->smp_tab);
	free(d->sampler_rate);
	ktab_fini(&d->tpl_tab);
	free(d->tpl_arena);
	ktab_fini(&d->dom_tab);
	free(d->domains);
	ktab_fini(&d->exp_tab);
	free(d->exporters);
	free(d);
}

static struct tkey
exp_key(const struct nfw_exporter_addr *a)
{
	struct tkey k;
	memcpy(&k.w[0], a->addr, 8);
	memcpy(&k.w[1], a->addr + 8, 8);
	k.w[2] = a->port;
	return k;
}

static uint32_t
exporter_lookup(struct nfw_decode *d, const struct nfw_exporter_addr *a, uint64_t now_ms)
{
	if (d->last_exp != UINT32_MAX) {
		const struct exporter *e = &d->exporters[d->last_exp];
		if (e->addr.port == a->port && memcmp(e->addr.addr, a->addr, 16) == 0)
			return d->last_exp;
	}
	struct tkey k = exp_key(a);
	uint32_t i = ktab_find(&d->exp_tab, &k);
	if (i == UINT32_MAX) {
		if (d->nexporters >= d->prm.max_exporters ||
		    ktab_insert(&d->exp_tab, &k, d->nexporters) != 0)
			return UINT32_MAX;
		i = d->nexporters++;
		struct exporter *e = &d->exporters[i];
		e->addr = *a;
		e->first_ms = now_ms;
		for (uint32_t j = 0; j < d->noverrides; j++)
			if (memcmp(d->overrides[j].addr, a->addr, 16) == 0)
				e->override_rate = d->overrides[j].rate;
	}
	d->last_exp = i;
	return i;
}

struct domain_state *
nfw_dom_get(struct nfw_decode *d, uint32_t exp_idx, uint32_t domain)
{
	struct tkey k = { { ((uint64_t)exp_idx << 32) | domain, 0, 2 } };
	uint32_t i = ktab_find(&d->dom_tab, &k);

	if (i != UINT32_MAX)
		return &d->domains[i];
	if (d->ndomains >= d->max_domains || ktab_insert(&d->dom_tab, &k, d->ndomains) != 0)
		return NULL;
	struct domain_state *s = &d->domains[d->ndomains++];
	memset(s, 0, sizeof(*s));
	s->exp_idx = exp_idx;
	s->domain = domain;
	d->exporters[exp_idx].ndomains++;
	return s;
}

static struct tkey
smp_key(const struct msg_ctx *m, uint64_t sampler_id)
{
	struct tkey k = { { ((uint64_t)m->exp_idx << 32) | m->domain, sampler_id, 3 } };
	return k;
}

uint32_t
nfw_rate_lookup(struct nfw_decode *d, const struct msg_ctx *m, uint64_t sampler_id, bool has_id)
{
	if (has_id && d->nsamplers > 0) {
		struct tkey k = smp_key(m, sampler_id);
		uint32_t i = ktab_find(&d->smp_tab, &k);
		if (i != UINT32_MAX && d->sampler_rate[i] != 0)
			return d->sampler_rate[i];
	}
	return m->dom != NULL ? m->dom->default_rate : 0;
}

void
nfw_sampler_set(struct nfw_decode *d, const struct msg_ctx *m, uint64_t sampler_id, bool has_id,
		uint32_t rate)
{
	if (rate == 0)
		return;
	CNT(d, m->ex, sampling_updates, 1);
	m->ex->last_rate = rate;
	/* The domain default follows the newest announcement: exporters that tag
	 * records with a sampler id find their own entry first. */
	if (m->dom != NULL)
		m->dom->default_rate = rate;
	if (!has_id)
		return;
	struct tkey k = smp_key(m, sampler_id);
	uint32_t i = ktab_find(&d->smp_tab, &k);
	if (i == UINT32_MAX) {
		if (d->nsamplers >= d->prm.max_samplers ||
		    ktab_insert(&d->smp_tab, &k, d->nsamplers) != 0)
			return; /* table full: the domain default still applies */
		i = d->nsamplers++;
	}
	d->sampler_rate[i] = rate;
}

void
nfw_finish_rate(struct nfw_decode *d, struct exporter *ex, struct nfw_flow *f, uint32_t rate,
		bool known)
{
	rate = nfw_effective_rate(ex, known ? rate : 0, &known);
	f->sampling = rate;
	if (!known) {
		f->flags |= NFW_FLOW_F_RATE_UNKNOWN;
		CNT(d, ex, rate_unknown_records, 1);
	} else if (rate > 1) {
		f->bytes *= rate;
		f->packets *= rate;
		CNT(d, ex, sampled_records, 1);
	}
	CNT(d, ex, records, 1);
}

const struct nfw_flow *
nfw_decode_datagram(struct nfw_decode *d, const uint8_t *buf, size_t len,
		    const struct nfw_exporter_addr *a, uint64_t now_ms, unsigned *n)
{
	struct exporter *ex;
	uint32_t idx;
	int rc;

	d->nout = 0;
	*n = 0;
	idx = exporter_lookup(d, a, now_ms);
	if (idx == UINT32_MAX) {
		d->tot.datagrams++;
		d->tot.dropped[NFW_DROP_EXPORTER_LIMIT]++;
		return d->batch;
	}
	ex = &d->exporters[idx];
	ex->last_ms = now_ms;
	CNT(d, ex, datagrams, 1);
	if (d->npending > 0)
		nfw_pending_age(d, now_ms);

	if (len < 4) {
		rc = 1 + NFW_DROP_TOO_SHORT;
	} else {
		uint16_t v = rd16(buf);
		switch (v) {
		case 5:
			ex->version = NFW_FLOW_V5;
			rc = nfw_v5_decode(d, ex, buf, len, now_ms);
			break;
		case 9:
			ex->version = NFW_FLOW_V9;
			rc = nfw_v9_decode(d, ex, idx, buf, len, now_ms);
			break;
		case 10:
			ex->version = NFW_FLOW_IPFIX;
			rc = nfw_ipfix_decode(d, ex, idx, buf, len, now_ms);
			break;
		case 0:
			if (rd16(buf + 2) == 5) {
				ex->version = NFW_FLOW_SFLOW;
				rc = nfw_sflow_decode(d, ex, buf, len, now_ms);
				break;
			}
			/* fall through */
		default:
			rc = 1 + NFW_DROP_BAD_VERSION;
			break;
		}
	}
	if (rc == 0) {
		CNT(d, ex, decoded, 1);
	} else {
		/* dropped whole: take back anything a decoder produced */
		d->nout = 0;
		CNT_DROP(d, ex, dropped, rc - 1);
	}
	*n = d->nout;
	return d->batch;
}

static void
stats_fill_gauges(const struct nfw_decode *d, struct nfw_decode_stats *s, int exp_idx)
{
	s->sets_pending = 0;
	for (uint32_t i = 0; i < d->prm.pending_sets; i++)
		if (d->pending[i].used && (exp_idx < 0 || d->pending[i].exp_idx == (uint32_t)exp_idx))
			s->sets_pending++;
	s->templates_active = exp_idx < 0 ? d->tpl_count : d->exporters[exp_idx].ntemplates;
}

void
nfw_decode_stats_total(const struct nfw_decode *d, struct nfw_decode_stats *out)
{
	*out = d->tot;
	stats_fill_gauges(d, out, -1);
}

unsigned
nfw_decode_exporter_count(const struct nfw_decode *d)
{
	return d->nexporters;
}

int
nfw_decode_exporter_get(const struct nfw_decode *d, unsigned idx, struct nfw_exporter_info *out)
{
	if (idx >= d->nexporters)
		return -ENOENT;
	const struct exporter *e = &d->exporters[idx];
	memset(out, 0, sizeof(*out));
	out->addr = e->addr;
	out->version = e->version;
	out->domains = e->ndomains;
	out->sampling = e->override_rate ? e->override_rate : e->last_rate;
	out->first_ms = e->first_ms;
	out->last_ms = e->last_ms;
	out->stats = e->st;
	stats_fill_gauges(d, &out->stats, (int)idx);
	return 0;
}

unsigned
nfw_decode_templates_walk(const struct nfw_decode *d,
			  int (*fn)(const struct nfw_template_info *t, void *arg), void *arg)
{
	unsigned n = 0;

	for (uint32_t i = 0; i <= d->tpl_tab.mask; i++) {
		const struct tslot *s = &d->tpl_tab.slots[i];
		if (!s->used)
			continue;
		const struct tpl *t = tpl_at(d, s->val);
		struct nfw_template_info ti = {
			.exporter_idx = t->exp_idx,
			.domain = t->domain,
			.id = t->id,
			.fields = t->nfields,
			.scope_fields = t->nscope,
			.record_len = t->min_len,
			.version = t->version,
			.options = (t->flags & TPL_F_OPTIONS) != 0,
			.records = t->records,
			.arrived_ms = t->arrived_ms,
		};
		n++;
		if (fn(&ti, arg) != 0)
			break;
	}
	return n;
}

int
nfw_decode_set_sampling_override(struct nfw_decode *d, const uint8_t addr[16], uint32_t rate)
{
	uint32_t j;

	if (rate > (1u << 24))
		return -EINVAL;
	for (j = 0; j < d->noverrides; j++)
		if (memcmp(d->overrides[j].addr, addr, 16) == 0)
			break;
	if (j == d->noverrides) {
		if (rate == 0)
			return 0;
		if (d->noverrides >= NFW_MAX_OVERRIDES)
			return -ENOSPC;
		memcpy(d->overrides[j].addr, addr, 16);
		d->noverrides++;
	}
	d->overrides[j].rate = rate;
	if (rate == 0)
		d->overrides[j] = d->overrides[--d->noverrides];
	for (uint32_t i = 0; i < d->nexporters; i++)
		if (memcmp(d->exporters[i].addr.addr, addr, 16) == 0)
			d->exporters[i].override_rate = rate;
	return 0;
}

const char *
nfw_addr_str(const uint8_t addr[16], char *buf, size_t len)
{
	if (nfw_flow_addr_is4(addr)) {
		if (inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len) == NULL && len > 0)
			buf[0] = '\0';
	} else if (inet_ntop(AF_INET6, addr, buf, (socklen_t)len) == NULL && len > 0) {
		buf[0] = '\0';
	}
	return buf;
}

const char *
nfw_addr_port_str(const uint8_t addr[16], uint16_t port, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	nfw_addr_str(addr, a, sizeof(a));
	snprintf(buf, len, nfw_flow_addr_is4(addr) ? "%s:%u" : "[%s]:%u", a, port);
	return buf;
}
