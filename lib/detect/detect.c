/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detector context: configuration, dispatch of each flow to the detectors,
 * the findings list and its priority order (severity, then score).
 */
#define _DEFAULT_SOURCE
#include <errno.h>
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
	c->beacon_max_tuples = 1u << 20;
	c->scan_prefilter = 20;
	c->scan_min_dsts = 50;
	c->scan_min_ports = 50;
	c->lateral_min_dsts = 20;
	c->fanout_max_sources = 65536;
	c->exfil_min_bytes = 100e6;
	c->dns_min_flows = 200;
	c->dns_min_request = 120;
	c->vol_prefilter = 100000;
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

static int
load_num(json_t *obj, const char *key, double min, double max, double *out, const char *where,
	 char *err, size_t errlen)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return 0;
	if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max) {
		snprintf(err, errlen, "%s.%s: a number in %g..%g", where, key, min, max);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
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
	static const char *const rn[] = {
#define NFW_X_RN_(n, s) s,
		NFW_ROLES(NFW_X_RN_)
#undef NFW_X_RN_
	};
	for (unsigned i = 0; roles != NULL && i < NFW_ROLE__MAX; i++) {
		json_t *a = json_object_get(roles, rn[i]);
		char where[48];
		snprintf(where, sizeof(where), "roles.%s", rn[i]);
		if (a != NULL && load_prefixes(a, c->role[i], &c->nrole[i], where, err, errlen))
			goto out;
	}
	double v;
	json_t *b = json_object_get(r, "beaconing");
	if (b != NULL) {
		v = c->beacon_min_events;
		if (load_num(b, "min_events", 3, 1e6, &v, "beaconing", err, errlen))
			goto out;
		c->beacon_min_events = (unsigned)v;
		if (load_num(b, "max_jitter", 0, 1, &c->beacon_max_jitter, "beaconing", err, errlen) ||
		    load_num(b, "min_on_period", 0, 1, &c->beacon_min_on_period, "beaconing", err, errlen) ||
		    load_num(b, "min_period_s", 0, 86400, &c->beacon_min_period_s, "beaconing", err, errlen))
			goto out;
	}
	json_t *s = json_object_get(r, "port_scan");
	if (s != NULL) {
		if (load_num(s, "prefilter", 1, 1e9, &c->scan_prefilter, "port_scan", err, errlen))
			goto out;
		v = c->scan_min_dsts;
		if (load_num(s, "min_dsts", 2, 1e9, &v, "port_scan", err, errlen))
			goto out;
		c->scan_min_dsts = (unsigned)v;
		v = c->scan_min_ports;
		if (load_num(s, "min_ports", 2, 65536, &v, "port_scan", err, errlen))
			goto out;
		c->scan_min_ports = (unsigned)v;
	}
	json_t *l = json_object_get(r, "lateral_movement");
	if (l != NULL) {
		v = c->lateral_min_dsts;
		if (load_num(l, "min_dsts", 2, 1e9, &v, "lateral_movement", err, errlen))
			goto out;
		c->lateral_min_dsts = (unsigned)v;
	}
	json_t *x = json_object_get(r, "exfiltration");
	if (x != NULL && load_num(x, "min_bytes", 1, 1e15, &c->exfil_min_bytes, "exfiltration", err, errlen))
		goto out;
	json_t *n = json_object_get(r, "dns_tunneling");
	if (n != NULL && (load_num(n, "min_flows", 1, 1e12, &c->dns_min_flows, "dns_tunneling", err, errlen) ||
			  load_num(n, "min_request", 1, 65535, &c->dns_min_request, "dns_tunneling", err, errlen)))
		goto out;
	json_t *vo = json_object_get(r, "volumetric");
	if (vo != NULL && (load_num(vo, "prefilter", 1, 1e15, &c->vol_prefilter, "volumetric", err, errlen) ||
			   load_num(vo, "min_pps", 1, 1e12, &c->vol_min_pps, "volumetric", err, errlen) ||
			   load_num(vo, "min_sources", 1, 1e9, &c->vol_min_sources, "volumetric", err, errlen)))
		goto out;
	if (load_num(r, "min_score", 0, 100, &c->min_score, "config", err, errlen))
		goto out;
	rc = 0;
out:
	json_decref(r);
	return rc;
}

struct nfw_detect *
nfw_detect_create(const struct nfw_detect_config *c)
{
	struct nfw_detect *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->cfg = *c;
	d->beacon = beacon_create(c);
	d->fanout = fanout_create(c);
	d->exfil = exfil_create(c);
	d->dns = dns_create(c);
	d->vol = vol_create(c);
	d->findings = calloc(DETECT_MAX_FINDINGS, sizeof(*d->findings));
	if (d->beacon == NULL || d->fanout == NULL || d->exfil == NULL || d->dns == NULL || d->vol == NULL ||
	    d->findings == NULL) {
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
	free(d);
}

void
nfw_detect_add(struct nfw_detect *d, const struct nfw_flow *f)
{
	struct fctx x = {
		.f = f,
		.hs = nfw_hash64(f->src_addr, 16, 0),
		.hd = nfw_hash64(f->dst_addr, 16, 0),
		.src_home = is_home(d, f->src_addr),
		.dst_home = is_home(d, f->dst_addr),
	};
	d->st.flows++;
	beacon_add(d, &x);
	fanout_add(d, &x);
	exfil_add(d, &x);
	dns_add(d, &x);
	vol_add(d, &x);
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
	d->nfindings = 0;
	beacon_run(d);
	fanout_run(d);
	exfil_run(d);
	dns_run(d);
	vol_run(d);
	qsort(d->findings, d->nfindings, sizeof(*d->findings), by_priority);
	*out = d->findings;
	return d->nfindings;
}

void
nfw_detect_stats_get(const struct nfw_detect *d, struct nfw_detect_stats *s)
{
	*s = d->st;
}
