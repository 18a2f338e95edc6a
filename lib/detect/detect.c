/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detector context: configuration, dispatch of each flow to the detectors,
 * the findings list and its priority order (severity, then score).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "detect_priv.h"

static const char *const type_str[] = {
#define NFW_X_FTS_(n, s) s,
	NFW_FINDING_TYPES(NFW_X_FTS_)
#undef NFW_X_FTS_
};

const char *
nfw_finding_type_str(unsigned t)
{
	return t < NFW_FINDING__MAX ? type_str[t] : "unknown";
}

const char *
nfw_role_str(unsigned r)
{
	static const char *const n[] = {
#define NFW_X_RN_(n, s) s,
		NFW_ROLES(NFW_X_RN_)
#undef NFW_X_RN_
	};
	return r < NFW_ROLE__MAX ? n[r] : "unknown";
}

const char *
nfw_severity_str(unsigned s)
{
	static const char *const n[] = { "low", "medium", "high", "critical" };
	return s <= NFW_SEV_CRITICAL ? n[s] : "low";
}

void
nfw_detect_config_default(struct nfw_detect_config *c)
{
	memset(c, 0, sizeof(*c));
	static const char *const home[] = { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" };
	for (unsigned i = 0; i < 4; i++)
		nfw_prefix_parse(home[i], &c->home[c->nhome++]);
	c->beacon_min_events = 12;
	c->beacon_max_jitter = 0.25;
	c->beacon_min_on_period = 0.7;
	c->beacon_min_period_s = 5;
	c->beacon_min_phase_z = 18;
	c->beacon_max_tuples = 1u << 20;
	c->beacon_idle_s = 21600;
	c->beacon_shared_hosts = 5;
	c->scan_prefilter = 20;
	c->scan_min_dsts = 50;
	c->scan_min_ports = 50;
	c->lateral_min_dsts = 20;
	c->fanout_max_sources = 65536;
	c->scan_idle_s = 86400;
	c->dns_idle_s = 86400;
	c->exfil_idle_s = 86400;
	c->vol_idle_s = 86400;
	c->exfil_min_bytes = 100e6;
	c->dns_min_flows = 200;
	c->dns_min_request = 120;
	c->vol_prefilter = 20000; /* one 10 s bucket at vol_min_pps */
	c->vol_min_pps = 2000;
	c->vol_min_sources = 100;
	c->min_score = 30;
}

static int
load_prefixes(json_t *arr, struct nfw_prefix *out, unsigned *n, const char *where, char *err,
	      size_t errlen)
{
	if (!json_is_array(arr) || json_array_size(arr) > NFW_DETECT_MAX_PREFIXES) {
		snprintf(err, errlen, "%s: a list of at most %d prefixes", where, NFW_DETECT_MAX_PREFIXES);
		return -1;
	}
	*n = 0;
	for (size_t i = 0; i < json_array_size(arr); i++) {
		const char *s = json_string_value(json_array_get(arr, i));
		if (s == NULL || nfw_prefix_parse(s, &out[i]) != 0) {
			snprintf(err, errlen, "%s[%zu]: not a prefix like 10.0.0.0/8", where, i);
			return -1;
		}
		(*n)++;
	}
	return 0;
}

/* Every numeric setting: its place in the JSON file and on the CLI, its range, its field. */
struct param_def {
	const char *det;   /* JSON object ("" for the top level) */
	const char *name;
	double min, max;
	size_t off;
	bool is_uint;
};

#define PD_(det, name, min, max, field, u) { det, name, min, max, offsetof(struct nfw_detect_config, field), u }
static const struct param_def params[] = {
	PD_("beaconing", "min_events", 3, 1e6, beacon_min_events, true),
	PD_("beaconing", "max_jitter", 0, 1, beacon_max_jitter, false),
	PD_("beaconing", "min_on_period", 0, 1, beacon_min_on_period, false),
	PD_("beaconing", "min_period_s", 0, 86400, beacon_min_period_s, false),
	PD_("beaconing", "min_phase_z", 1, 1000, beacon_min_phase_z, false),
	PD_("beaconing", "idle_s", 60, 90 * 86400, beacon_idle_s, false),
	PD_("beaconing", "shared_hosts", 2, 1e6, beacon_shared_hosts, true),
	PD_("port_scan", "prefilter", 1, 1e9, scan_prefilter, false),
	PD_("port_scan", "min_dsts", 2, 1e9, scan_min_dsts, true),
	PD_("port_scan", "min_ports", 2, 65536, scan_min_ports, true),
	PD_("port_scan", "idle_s", 600, 90 * 86400, scan_idle_s, false),
	PD_("lateral_movement", "min_dsts", 2, 1e9, lateral_min_dsts, true),
	PD_("exfiltration", "min_bytes", 1, 1e15, exfil_min_bytes, false),
	PD_("exfiltration", "idle_s", 600, 90 * 86400, exfil_idle_s, false),
	PD_("dns_tunneling", "min_flows", 1, 1e12, dns_min_flows, false),
	PD_("dns_tunneling", "min_request", 1, 65535, dns_min_request, false),
	PD_("dns_tunneling", "idle_s", 600, 90 * 86400, dns_idle_s, false),
	PD_("volumetric", "prefilter", 1, 1e15, vol_prefilter, false),
	PD_("volumetric", "min_pps", 1, 1e12, vol_min_pps, false),
	PD_("volumetric", "min_sources", 1, 1e9, vol_min_sources, false),
	PD_("volumetric", "idle_s", 600, 90 * 86400, vol_idle_s, false),
	PD_("", "min_score", 0, 100, min_score, false),
};
#undef PD_
#define NPARAMS (sizeof(params) / sizeof(params[0]))

unsigned
nfw_detect_param_count(void)
{
	return NPARAMS;
}

int
nfw_detect_param_info(unsigned i, const char **detector, const char **name, double *min, double *max)
{
	if (i >= NPARAMS)
		return -1;
	*detector = params[i].det[0] ? params[i].det : "scoring";
	*name = params[i].name;
	*min = params[i].min;
	*max = params[i].max;
	return 0;
}

double
nfw_detect_param_get(const struct nfw_detect_config *c, unsigned i)
{
	const char *p = (const char *)c + params[i].off;
	if (params[i].is_uint) {
		unsigned u;
		memcpy(&u, p, sizeof(u));
		return u;
	}
	double v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static int
param_set(struct nfw_detect_config *c, const struct param_def *d, double v, char *err, size_t errlen)
{
	if (!(v >= d->min && v <= d->max) || (d->is_uint && v != (double)(unsigned)v)) {
		snprintf(err, errlen, "%s.%s: %s in %g..%g", d->det[0] ? d->det : "scoring", d->name,
			 d->is_uint ? "a whole number" : "a number", d->min, d->max);
		return -1;
	}
	char *p = (char *)c + d->off;
	if (d->is_uint) {
		unsigned u = (unsigned)v;
		memcpy(p, &u, sizeof(u));
	} else {
		memcpy(p, &v, sizeof(v));
	}
	return 0;
}

int
nfw_detect_config_set(struct nfw_detect_config *c, const char *detector, const char *name, double v,
		      char *err, size_t errlen)
{
	bool det_known = false;
	for (unsigned i = 0; i < NPARAMS; i++) {
		const char *dn = params[i].det[0] ? params[i].det : "scoring";
		if (strcmp(dn, detector) != 0)
			continue;
		det_known = true;
		if (strcmp(params[i].name, name) == 0)
			return param_set(c, &params[i], v, err, errlen);
	}
	if (!det_known) {
		snprintf(err, errlen, "no detector '%s' (beaconing, port_scan, lateral_movement, exfiltration, "
			 "dns_tunneling, volumetric, scoring)", detector);
		return -1;
	}
	size_t used = (size_t)snprintf(err, errlen, "%s has no parameter '%s' (", detector, name);
	for (unsigned i = 0; i < NPARAMS && used < errlen; i++) {
		const char *dn = params[i].det[0] ? params[i].det : "scoring";
		if (strcmp(dn, detector) == 0)
			used += (size_t)snprintf(err + used, errlen - used, "%s%s", err[used - 1] == '(' ? "" : ", ",
						 params[i].name);
	}
	if (used < errlen)
		snprintf(err + used, errlen - used, ")");
	return -1;
}

int
nfw_detect_config_load(struct nfw_detect_config *c, const char *path, char *err, size_t errlen)
{
	json_error_t je;
	json_t *r = json_load_file(path, 0, &je);
	int rc = -1;
	if (r == NULL) {
		snprintf(err, errlen, "%s: %s (line %d)", path, je.text, je.line);
		return -1;
	}
	if (!json_is_object(r)) {
		snprintf(err, errlen, "%s: not a JSON object", path);
		goto out;
	}
	if (json_object_get(r, "home") != NULL &&
	    load_prefixes(json_object_get(r, "home"), c->home, &c->nhome, "home", err, errlen))
		goto out;
	json_t *roles = json_object_get(r, "roles");
	for (unsigned i = 0; roles != NULL && i < NFW_ROLE__MAX; i++) {
		json_t *a = json_object_get(roles, nfw_role_str(i));
		char where[48];
		snprintf(where, sizeof(where), "roles.%s", nfw_role_str(i));
		if (a != NULL && load_prefixes(a, c->role[i], &c->nrole[i], where, err, errlen))
			goto out;
	}
	for (unsigned i = 0; i < NPARAMS; i++) {
		const struct param_def *d = &params[i];
		json_t *o = d->det[0] ? json_object_get(r, d->det) : r;
		json_t *v = json_object_get(o, d->name);
		if (v == NULL)
			continue;
		if (!json_is_number(v)) {
			snprintf(err, errlen, "%s.%s: a number", d->det[0] ? d->det : "config", d->name);
			goto out;
		}
		if (param_set(c, d, json_number_value(v), err, errlen) != 0)
			goto out;
	}
	rc = 0;
out:
	json_decref(r);
	return rc;
}

void
nfw_detect_reconfigure(struct nfw_detect *d, const struct nfw_detect_config *c)
{
	struct nfw_detect_config n = *c;
	/* table sizes were fixed at create */
	n.beacon_max_tuples = d->cfg.beacon_max_tuples;
	n.fanout_max_sources = d->cfg.fanout_max_sources;
	n.parts = d->cfg.parts;
	d->cfg = n;
}

const struct nfw_detect_config *
nfw_detect_config_get(const struct nfw_detect *d)
{
	return &d->cfg;
}

struct nfw_detect *
nfw_detect_create(const struct nfw_detect_config *c)
{
	struct nfw_detect *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->cfg = *c;
	unsigned p = c->parts ? c->parts : NFW_DETECT_ALL;
	d->cfg.parts = p;
	d->beacon = p & NFW_DETECT_BEACON ? beacon_create(c) : NULL;
	d->fanout = p & NFW_DETECT_FANOUT ? fanout_create(c) : NULL;
	d->exfil = p & NFW_DETECT_EXFIL ? exfil_create(c) : NULL;
	d->dns = p & NFW_DETECT_DNS ? dns_create(c) : NULL;
	d->vol = p & NFW_DETECT_VOLUME ? vol_create(c) : NULL;
	d->findings = calloc(DETECT_MAX_FINDINGS, sizeof(*d->findings));
	d->retired = calloc(DETECT_RETIRED_MAX, sizeof(*d->retired));
	if ((p & NFW_DETECT_BEACON && d->beacon == NULL) || (p & NFW_DETECT_FANOUT && d->fanout == NULL) ||
	    (p & NFW_DETECT_EXFIL && d->exfil == NULL) || (p & NFW_DETECT_DNS && d->dns == NULL) ||
	    (p & NFW_DETECT_VOLUME && d->vol == NULL) || d->findings == NULL || d->retired == NULL) {
		nfw_detect_free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

void
nfw_detect_free(struct nfw_detect *d)
{
	if (d == NULL)
		return;
	beacon_free(d->beacon);
	fanout_free(d->fanout);
	exfil_free(d->exfil);
	dns_free(d->dns);
	vol_free(d->vol);
	free(d->findings);
	free(d->retired);
	free(d);
}

/*
 * hs, hd: the addresses' hashes when the caller has them (NULL: computed
 * here). own: where a mended copy goes (outside the fctx, which stays
 * small for the bursts). A flow that ends before it starts (a v9 exporter's uptime
 * wrapping, a hand-written flow file) is taken as ending when it starts,
 * and times past DETECT_MS_MAX (the year 10 889) are taken as that; both
 * are counted (flows_bad_times). Every detector may rely on start_ms <=
 * end_ms <= DETECT_MS_MAX: no sum of a time and a window overflows.
 */
static inline void
fctx_make(struct nfw_detect *d, const struct nfw_flow *f, const uint64_t *hs, const uint64_t *hd,
	  struct fctx *x, struct nfw_flow *own)
{
	x->f = f;
	if (__builtin_expect(f->end_ms < f->start_ms || f->end_ms > DETECT_MS_MAX, 0)) {
		*own = *f;
		if (own->start_ms > DETECT_MS_MAX)
			own->start_ms = DETECT_MS_MAX;
		if (own->end_ms > DETECT_MS_MAX)
			own->end_ms = DETECT_MS_MAX;
		if (own->end_ms < own->start_ms)
			own->end_ms = own->start_ms;
		x->f = own;
		d->st.flows_bad_times++;
	}
	x->hs = hs != NULL ? *hs : nfw_hash64(f->src_addr, 16, 0);
	x->hd = hd != NULL ? *hd : nfw_hash64(f->dst_addr, 16, 0);
	x->src_home = is_home(d, f->src_addr);
	x->dst_home = is_home(d, f->dst_addr);
}

static inline void
clock_update(struct nfw_detect *d, const struct nfw_flow *f)
{
	struct dclock *c = &d->clk[d->clk_last];
	if (d->nclk == 0 || c->port != f->exporter_port || memcmp(c->addr, f->exporter, 16) != 0) {
		unsigned k;
		for (k = 0; k < d->nclk; k++)
			if (d->clk[k].port == f->exporter_port && memcmp(d->clk[k].addr, f->exporter, 16) == 0)
				break;
		if (k == d->nclk) {
			if (d->nclk < DETECT_CLOCKS) {
				d->nclk++;
				memcpy(d->clk[k].addr, f->exporter, 16);
				d->clk[k].port = f->exporter_port;
				d->clk[k].end_ms = 0;
				d->clk[k].flows = 0;
			} else {
				k = DETECT_CLOCKS - 1;
			}
		}
		d->clk_last = k;
		c = &d->clk[k];
	}
	if (f->end_ms > c->end_ms)
		c->end_ms = f->end_ms;
	c->flows++;
}

static int
cmp_clock(const void *a, const void *b)
{
	const struct dclock *x = a, *y = b;
	return (x->end_ms > y->end_ms) - (x->end_ms < y->end_ms);
}

uint64_t
detect_clock(struct nfw_detect *d)
{
	struct dclock v[DETECT_CLOCKS];
	uint64_t total = 0, acc = 0;
	for (unsigned k = 0; k < d->nclk; k++) {
		v[k] = d->clk[k];
		total += d->clk[k].flows;
		d->clk[k].flows = 0;
	}
	if (total == 0)
		return d->now_ms;
	qsort(v, d->nclk, sizeof(v[0]), cmp_clock);
	for (unsigned k = 0; k < d->nclk; k++) {
		acc += v[k].flows;
		if (2 * acc >= total)
			return v[k].end_ms;
	}
	return v[d->nclk - 1].end_ms;
}

static inline void
add_one(struct nfw_detect *d, const struct fctx *x)
{
	d->st.flows++;
	clock_update(d, x->f);
	if (d->beacon != NULL)
		beacon_add(d, x);
	if (d->fanout != NULL)
		fanout_add(d, x);
	if (d->exfil != NULL)
		exfil_add(d, x);
	if (d->dns != NULL)
		dns_add(d, x);
	if (d->vol != NULL)
		vol_add(d, x);
}

void
nfw_detect_add(struct nfw_detect *d, const struct nfw_flow *f)
{
	struct fctx x;
	struct nfw_flow own;
	fctx_make(d, f, NULL, NULL, &x, &own);
	add_one(d, &x);
}

/*
 * A burst, NFW_DETECT_BURST flows at a time, in two waves of prefetches:
 * every flow's hashes, with the index slots of the big tables and the
 * prefilters' count-min cells; then the entries those slots point at
 * (found on the slot's probe run by signature, dslot_peek, with the
 * registers inside them); then the work. A three-stage software pipeline
 * over the chunks measured the same (bench_detect) and was not kept.
 */
static void
stage_slots(struct nfw_detect *d, const struct nfw_flow *f, const uint64_t *hs, const uint64_t *hd,
	    struct fctx *x, struct nfw_flow *own, unsigned m)
{
	for (unsigned i = 0; i < m; i++) {
		fctx_make(d, &f[i], hs != NULL ? &hs[i] : NULL, hd != NULL ? &hd[i] : NULL, &x[i], &own[i]);
		if (d->beacon != NULL)
			beacon_prefetch(d, &x[i]);
		if (d->exfil != NULL)
			exfil_prefetch(d, &x[i]);
		if (d->fanout != NULL)
			fanout_prefetch(d, &x[i]);
		if (d->vol != NULL)
			vol_prefetch(d, &x[i]);
		if (d->dns != NULL)
			dns_prefetch(d, &x[i]);
	}
}

static void
stage_entries(struct nfw_detect *d, const struct fctx *x, unsigned m)
{
	for (unsigned i = 0; i < m; i++) {
		if (d->beacon != NULL)
			beacon_prefetch_entries(d, &x[i]);
		if (d->exfil != NULL)
			exfil_prefetch_entries(d, &x[i]);
		if (d->fanout != NULL)
			fanout_prefetch_entries(d, &x[i]);
		if (d->dns != NULL)
			dns_prefetch_entries(d, &x[i]);
	}
}

void
nfw_detect_add_burst_hashed(struct nfw_detect *d, const struct nfw_flow *f, const uint64_t *hs, const uint64_t *hd,
			    unsigned n)
{
	struct fctx x[NFW_DETECT_BURST];
	struct nfw_flow own[NFW_DETECT_BURST]; /* mended copies, written only for bad times */
	while (n > 0) {
		unsigned m = n < NFW_DETECT_BURST ? n : NFW_DETECT_BURST;
		stage_slots(d, f, hs, hd, x, own, m);
		stage_entries(d, x, m);
		for (unsigned i = 0; i < m; i++)
			add_one(d, &x[i]);
		f += m;
		n -= m;
		if (hs != NULL) {
			hs += m;
			hd += m;
		}
	}
}

void
nfw_detect_add_burst(struct nfw_detect *d, const struct nfw_flow *f, unsigned n)
{
	nfw_detect_add_burst_hashed(d, f, NULL, NULL, n);
}

void
detect_slide(void *a, size_t esize, size_t n, uint64_t by)
{
	if (by >= n) {
		memset(a, 0, n * esize);
		return;
	}
	memmove(a, (char *)a + by * esize, (n - by) * esize);
	memset((char *)a + (n - by) * esize, 0, by * esize);
}

void *
detect_calloc_lines(size_t n, size_t size, void **mem)
{
	*mem = calloc(1, n * size + 64);
	return *mem == NULL ? NULL : (void *)(((uintptr_t)*mem + 63) & ~(uintptr_t)63);
}

struct nfw_finding *
finding_new(struct nfw_detect *d, unsigned type)
{
	if (d->nfindings >= DETECT_MAX_FINDINGS)
		return NULL;
	struct nfw_finding *f = &d->findings[d->nfindings++];
	memset(f, 0, sizeof(*f));
	f->type = (uint8_t)type;
	f->dst_port = -1;
	return f;
}

void
finding_ev(struct nfw_finding *f, const char *name, double v)
{
	if (f->nev < NFW_EVIDENCE_MAX) {
		memset(&f->ev[f->nev], 0, sizeof(f->ev[0]));
		f->ev[f->nev].name = name;
		f->ev[f->nev++].num = v;
	}
}

void
finding_ev_str(struct nfw_finding *f, const char *name, const char *s)
{
	if (f->nev < NFW_EVIDENCE_MAX) {
		memset(&f->ev[f->nev], 0, sizeof(f->ev[0]));
		f->ev[f->nev].name = name;
		snprintf(f->ev[f->nev].str, sizeof(f->ev[0].str), "%s", s);
		f->ev[f->nev++].is_str = true;
	}
}

void
finding_why(struct nfw_finding *f, bool raised, const char *fmt, ...)
{
	char *buf = raised ? f->raised : f->lowered;
	size_t len = sizeof(f->raised), o = strlen(buf);
	if (o + 3 >= len)
		return;
	if (o > 0) {
		memcpy(buf + o, "; ", 3);
		o += 2;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
}

static const char *
proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmp6" : "other";
}

void
finding_finish(struct nfw_finding *f)
{
	char s[64] = "-", d[64] = "-", p[16] = "-";
	if (f->has_src)
		nfw_addr_str(f->src, s, sizeof(s));
	if (f->has_dst)
		nfw_addr_str(f->dst, d, sizeof(d));
	if (f->dst_port >= 0)
		snprintf(p, sizeof(p), "%d", f->dst_port);
	snprintf(f->id, sizeof(f->id), "%s-%s-%s-%s-%s", nfw_finding_type_str(f->type), s, d, p,
		 f->proto ? proto_name(f->proto) : "-");
	if (f->score > 100)
		f->score = 100;
	if (f->score < 0)
		f->score = 0;
	f->severity = f->score >= 90 ? NFW_SEV_CRITICAL : f->score >= 70 ? NFW_SEV_HIGH :
		      f->score >= 45 ? NFW_SEV_MEDIUM : NFW_SEV_LOW;
}

static int
by_priority(const void *a, const void *b)
{
	const struct nfw_finding *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return strcmp(x->id, y->id);
}

unsigned
nfw_detect_run(struct nfw_detect *d, const struct nfw_finding **out)
{
	nfw_detect_run_begin(d);
	while (!nfw_detect_run_step(d, UINT32_MAX))
		;
	return nfw_detect_run_end(d, out);
}

void
nfw_detect_run_begin(struct nfw_detect *d)
{
	d->nfindings = 0;
	d->run_cursor = 0;
	d->run_rest_done = false;
	d->now_ms = detect_clock(d);
}

bool
nfw_detect_run_step(struct nfw_detect *d, unsigned budget)
{
	if (!d->run_rest_done) { /* the sources' and destinations' tables: one step */
		if (d->fanout != NULL)
			fanout_run(d);
		if (d->exfil != NULL)
			exfil_run(d);
		if (d->dns != NULL)
			dns_run(d);
		if (d->vol != NULL)
			vol_run(d);
		d->run_rest_done = true;
		return d->beacon == NULL;
	}
	if (d->beacon == NULL || d->run_cursor == UINT32_MAX)
		return true;
	d->run_cursor = beacon_run_slice(d, d->run_cursor, budget);
	return d->run_cursor == UINT32_MAX;
}

void
addr_index_rebuild(struct dslot *slot, uint32_t mask, const void *entries, size_t stride, size_t addr_off,
		   uint32_t n)
{
	memset(slot, 0, ((size_t)mask + 1) * sizeof(*slot));
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *a = (const uint8_t *)entries + (size_t)k * stride + addr_off;
		uint64_t h = nfw_hash64(a, 16, 0);
		uint32_t i = (uint32_t)h & mask;
		while (slot[i].idx != 0)
			i = (i + 1) & mask;
		slot[i].idx = k + 1;
		slot[i].sig = dslot_sig(h);
	}
}

void
detect_retire(struct nfw_detect *d, const struct nfw_finding *f)
{
	if (d->retired == NULL)
		return;
	for (unsigned k = 0; k < d->nretired; k++)
		if (strcmp(d->retired[k].id, f->id) == 0) {
			d->retired[k] = *f;
			return;
		}
	d->retired[d->retired_next] = *f;
	d->retired_next = (d->retired_next + 1) % DETECT_RETIRED_MAX;
	if (d->nretired < DETECT_RETIRED_MAX)
		d->nretired++;
}

/* The kept findings of dropped entities, unless this run has the same id. */
static void
retired_report(struct nfw_detect *d)
{
	unsigned live = d->nfindings;
	for (unsigned k = 0; k < d->nretired; k++) {
		bool dup = false;
		for (unsigned j = 0; j < live && !dup; j++)
			dup = strcmp(d->findings[j].id, d->retired[k].id) == 0;
		if (dup)
			continue;
		struct nfw_finding *f = finding_new(d, d->retired[k].type);
		if (f != NULL)
			*f = d->retired[k];
	}
}

unsigned
nfw_detect_run_end(struct nfw_detect *d, const struct nfw_finding **out)
{
	retired_report(d);
	if (d->cfg.parts == NFW_DETECT_ALL)
		d->nfindings = nfw_findings_correlate(d, d->findings, d->nfindings);
	else
		nfw_findings_sort(d->findings, d->nfindings);
	*out = d->findings;
	return d->nfindings;
}

void
nfw_findings_sort(struct nfw_finding *f, unsigned n)
{
	qsort(f, n, sizeof(*f), by_priority);
}

void
nfw_detect_stats_get(const struct nfw_detect *d, struct nfw_detect_stats *s)
{
	*s = d->st;
}
