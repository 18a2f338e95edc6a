/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The commands: the grammar table and one handler each. Handlers only read
 * what the ops hand them (copies taken by the appliance), build JSON, and
 * ask the ops for every change; every value that reaches an op was
 * range-checked by the grammar or here.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"
#include "nfw_report.h"

#define MAX_PORTS 64
#define MAX_LCORES 130
#define MAX_RINGS 300
#define MAX_EXPORTERS 8192
#define MAX_TEMPLATES 16384
#define MAX_SKETCHES 32

#define FAIL(...)                                    \
	do {                                         \
		snprintf(err, errlen, __VA_ARGS__); \
		return NULL;                         \
	} while (0)

static json_t *
num(uint64_t v)
{
	return json_integer((json_int_t)v);
}

static const char *
addr_s(const uint8_t a[16], char *buf, size_t len)
{
	return nfw_addr_str(a, buf, len);
}

static const char *
version_s(unsigned v)
{
	switch (v) {
	case NFW_FLOW_V5: return "v5";
	case NFW_FLOW_V9: return "v9";
	case NFW_FLOW_IPFIX: return "ipfix";
	case NFW_FLOW_SFLOW: return "sflow5";
	default: return "-";
	}
}

/* ---- help ---- */

static json_t *
h_help(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const char *topic = ctl_arg_s(a, "topic");
	json_t *arr = json_array();
	for (unsigned i = 0; i < c->ncmds; i++) {
		const struct ctl_cmd_def *d = c->cmds[i].def;
		if (topic[0] != '\0' && strstr(d->syntax, topic) == NULL && strstr(d->help, topic) == NULL)
			continue;
		json_array_append_new(arr, json_pack("{s:s, s:s}", "command", d->syntax, "help", d->help));
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		FAIL("no help on '%s' ('help' lists every command)", topic);
	}
	return arr;
}

/* ---- ports, lcores, rings ---- */

static json_t *
h_port(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	struct nfw_ctl_port p[MAX_PORTS];
	int n = c->ops.ports(c->arg, p, MAX_PORTS, err, errlen);
	if (n < 0)
		return NULL;
	const struct ctl_arg *which = ctl_arg(a, "port");
	bool info = strcmp(ctl_arg_s(a, "what"), "info") == 0;
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		if (which != NULL && p[i].id != which->u)
			continue;
		json_t *o;
		if (info)
			o = json_pack("{s:i, s:s, s:s, s:s, s:i, s:s, s:i}", "port", p[i].id, "name", p[i].name,
				      "driver", p[i].driver, "mac", p[i].mac, "rx_queues", p[i].rx_queues, "link",
				      p[i].link_up ? "up" : "down", "speed_mbps", p[i].speed_mbps);
		else
			o = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o}", "port", p[i].id, "rx_packets",
				      num(p[i].ipackets), "rx_bytes", num(p[i].ibytes), "missed", num(p[i].imissed),
				      "errors", num(p[i].ierrors), "no_mbuf", num(p[i].rx_nombuf), "taken",
				      num(p[i].taken));
		json_array_append_new(arr, o);
	}
	if (which != NULL && json_array_size(arr) == 0) {
		json_decref(arr);
		FAIL("no port %llu (%d port%s)", (unsigned long long)which->u, n, n == 1 ? "" : "s");
	}
	return arr;
}

static json_t *
h_lcores(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct nfw_ctl_lcore *l = calloc(MAX_LCORES, sizeof(*l));
	if (l == NULL)
		FAIL("out of memory");
	int n = c->ops.lcores(c->arg, l, MAX_LCORES, err, errlen);
	json_t *arr = n < 0 ? NULL : json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:i, s:s, s:s}", "lcore", l[i].lcore, "role", l[i].role, "state", l[i].state);
		json_object_set_new(o, "shard", l[i].shard >= 0 ? json_integer(l[i].shard) : json_null());
		json_object_set_new(o, "rx", num(l[i].rx_pkts));
		json_object_set_new(o, "datagrams", num(l[i].datagrams));
		json_object_set_new(o, "denied", num(l[i].denied));
		json_object_set_new(o, "records", num(l[i].records));
		json_object_set_new(o, "own_shard", num(l[i].own_shard));
		json_object_set_new(o, "to_rings", num(l[i].enqueued));
		json_object_set_new(o, "ring_full", num(l[i].ring_full));
		json_object_set_new(o, "from_rings", num(l[i].dequeued));
		json_object_set_new(o, "flows_active", num(l[i].flows_active));
		json_object_set_new(o, "flows_closed", num(l[i].flows_closed));
		json_object_set_new(o, "busy_pct", json_real(round(l[i].busy_pct * 10) / 10));
		json_array_append_new(arr, o);
	}
	free(l);
	return arr;
}

static json_t *
h_rings(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct nfw_ctl_ring *r = calloc(MAX_RINGS, sizeof(*r));
	if (r == NULL)
		FAIL("out of memory");
	int n = c->ops.rings(c->arg, r, MAX_RINGS, err, errlen);
	json_t *arr = n < 0 ? NULL : json_array();
	for (int i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:i, s:i, s:o, s:o}", "ring", r[i].name, "size",
						     r[i].size, "used", r[i].used, "enqueued", num(r[i].enqueued),
						     "full", num(r[i].full)));
	free(r);
	return arr;
}

static json_t *
h_clear(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	if (c->ops.clear_stats(c->arg, err, errlen) != 0)
		return NULL;
	return ctl_msg("statistics cleared");
}

/* ---- exporters and templates ---- */

/* the same exporter seen by several workers: one row, counters summed */
struct exp_row {
	struct nfw_ctl_exporter e;
	unsigned lcores;
};

static unsigned
merge_exporters(const struct nfw_ctl_exporter *in, int n, struct exp_row *out)
{
	unsigned m = 0;
	for (int i = 0; i < n; i++) {
		unsigned k;
		for (k = 0; k < m; k++)
			if (out[k].e.info.addr.port == in[i].info.addr.port &&
			    memcmp(out[k].e.info.addr.addr, in[i].info.addr.addr, 16) == 0)
				break;
		if (k == m) {
			out[m].e = in[i];
			out[m].lcores = 1;
			m++;
			continue;
		}
		struct nfw_exporter_info *d = &out[k].e.info;
		const uint64_t *s = (const uint64_t *)&in[i].info.stats;
		uint64_t *t = (uint64_t *)&d->stats;
		for (size_t j = 0; j < sizeof(d->stats) / sizeof(uint64_t); j++)
			t[j] += s[j];
		if (in[i].info.first_ms < d->first_ms)
			d->first_ms = in[i].info.first_ms;
		if (in[i].info.last_ms > d->last_ms) {
			d->last_ms = in[i].info.last_ms;
			d->sampling = in[i].info.sampling;
			d->version = in[i].info.version;
		}
		if (in[i].info.domains > d->domains)
			d->domains = in[i].info.domains;
		out[k].lcores++;
	}
	return m;
}

static uint64_t
dropped_total(const struct nfw_decode_stats *s)
{
	uint64_t d = 0;
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		d += s->dropped[r];
	return d;
}

static int
load_exporters(struct nfw_ctl *c, struct exp_row **rows, unsigned *m, char *err, size_t errlen)
{
	struct nfw_ctl_exporter *e = calloc(MAX_EXPORTERS, sizeof(*e));
	*rows = calloc(MAX_EXPORTERS, sizeof(**rows));
	if (e == NULL || *rows == NULL) {
		free(e);
		free(*rows);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int n = c->ops.exporters(c->arg, e, MAX_EXPORTERS, err, errlen);
	if (n < 0) {
		free(e);
		free(*rows);
		return -1;
	}
	*m = merge_exporters(e, n, *rows);
	free(e);
	return 0;
}

static json_t *
h_exporters(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct exp_row *r;
	unsigned m;
	char ab[64];
	if (load_exporters(c, &r, &m, err, errlen) != 0)
		return NULL;
	json_t *arr = json_array();
	for (unsigned i = 0; i < m; i++) {
		const struct nfw_exporter_info *x = &r[i].e.info;
		json_t *o = json_pack("{s:s, s:i, s:s}", "exporter", addr_s(x->addr.addr, ab, sizeof(ab)), "port",
				      x->addr.port, "version", version_s(x->version));
		json_object_set_new(o, "datagrams", num(x->stats.datagrams));
		json_object_set_new(o, "decoded", num(x->stats.decoded));
		json_object_set_new(o, "dropped", num(dropped_total(&x->stats)));
		json_object_set_new(o, "records", num(x->stats.records));
		json_object_set_new(o, "seq_lost", num(x->stats.seq_lost));
		json_object_set_new(o, "sampling", num(r[i].e.sampling_override ? r[i].e.sampling_override : x->sampling));
		json_object_set_new(o, "templates", num(x->stats.templates_active));
		json_object_set_new(o, "lcores", num(r[i].lcores));
		json_array_append_new(arr, o);
	}
	free(r);
	return arr;
}

static int
load_templates(struct nfw_ctl *c, struct nfw_ctl_template **t, int *n, char *err, size_t errlen)
{
	*t = calloc(MAX_TEMPLATES, sizeof(**t));
	if (*t == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*n = c->ops.templates(c->arg, *t, MAX_TEMPLATES, err, errlen);
	if (*n < 0) {
		free(*t);
		return -1;
	}
	return 0;
}

static json_t *
template_rows(const struct nfw_ctl_template *t, int n, const struct nfw_prefix *only)
{
	char ab[64];
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		if (only != NULL && memcmp(only->addr, t[i].exporter.addr, 16) != 0)
			continue;
		json_t *o = json_pack("{s:s, s:i, s:I, s:i, s:s, s:s, s:i, s:i, s:i}", "exporter",
				      addr_s(t[i].exporter.addr, ab, sizeof(ab)), "port", t[i].exporter.port, "domain",
				      (json_int_t)t[i].t.domain, "id", t[i].t.id, "version",
				      t[i].t.version == 10 ? "ipfix" : "v9", "kind", t[i].t.options ? "options" : "data",
				      "fields", t[i].t.fields, "scope_fields", t[i].t.scope_fields, "record_len",
				      t[i].t.record_len);
		json_object_set_new(o, "records", num(t[i].t.records));
		json_object_set_new(o, "lcore", json_integer(t[i].lcore));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
h_templates(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	struct nfw_ctl_template *t;
	int n;
	const struct ctl_arg *only = ctl_arg(a, "addr");
	if (load_templates(c, &t, &n, err, errlen) != 0)
		return NULL;
	json_t *arr = template_rows(t, n, only ? &only->pfx : NULL);
	free(t);
	return arr;
}

static json_t *
reasons(const uint64_t *v, unsigned n, const char *(*name)(unsigned))
{
	json_t *o = json_object();
	for (unsigned r = 0; r < n; r++)
		if (v[r] != 0)
			json_object_set_new(o, name(r), num(v[r]));
	return o;
}

static const char *
drop_name(unsigned r)
{
	return nfw_drop_reason_str(r);
}

static json_t *
h_exporter(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct ctl_arg *want = ctl_arg(a, "addr");
	struct exp_row *r;
	unsigned m;
	char ab[64], t0[40], t1[40];
	if (load_exporters(c, &r, &m, err, errlen) != 0)
		return NULL;
	struct nfw_ctl_template *t;
	int nt;
	if (load_templates(c, &t, &nt, err, errlen) != 0) {
		free(r);
		return NULL;
	}
	json_t *arr = json_array();
	for (unsigned i = 0; i < m; i++) {
		const struct nfw_exporter_info *x = &r[i].e.info;
		if (memcmp(x->addr.addr, want->pfx.addr, 16) != 0)
			continue;
		const struct nfw_decode_stats *s = &x->stats;
		json_t *o = json_pack("{s:s, s:i, s:s, s:s, s:s}", "exporter", addr_s(x->addr.addr, ab, sizeof(ab)),
				      "port", x->addr.port, "version", version_s(x->version), "first_seen",
				      nfw_time_str(x->first_ms, t0, sizeof(t0)), "last_seen",
				      nfw_time_str(x->last_ms, t1, sizeof(t1)));
		json_object_set_new(o, "datagrams", num(s->datagrams));
		json_object_set_new(o, "decoded", num(s->decoded));
		json_object_set_new(o, "dropped", num(dropped_total(s)));
		json_object_set_new(o, "records", num(s->records));
		json_object_set_new(o, "seq_lost", num(s->seq_lost));
		json_object_set_new(o, "seq_reordered", num(s->seq_reordered));
		json_object_set_new(o, "seq_restarts", num(s->seq_restarts));
		json_object_set_new(o, "sampling", num(x->sampling));
		json_object_set_new(o, "sampling_override", num(r[i].e.sampling_override));
		json_object_set_new(o, "sampled_records", num(s->sampled_records));
		json_object_set_new(o, "rate_unknown_records", num(s->rate_unknown_records));
		json_object_set_new(o, "domains", num(x->domains));
		json_object_set_new(o, "templates_active", num(s->templates_active));
		json_object_set_new(o, "lcores", num(r[i].lcores));
		json_object_set_new(o, "drops", reasons(s->dropped, NFW_DROP__MAX, drop_name));
		json_t *tl = json_array();
		for (int k = 0; k < nt; k++)
			if (t[k].exporter.port == x->addr.port && memcmp(t[k].exporter.addr, x->addr.addr, 16) == 0)
				json_array_append_new(tl, json_pack("{s:I, s:i, s:s, s:i, s:I}", "domain",
					(json_int_t)t[k].t.domain, "id", t[k].t.id, "kind",
					t[k].t.options ? "options" : "data", "fields", t[k].t.fields, "records",
					(json_int_t)t[k].t.records));
		json_object_set_new(o, "templates", tl);
		json_array_append_new(arr, o);
	}
	free(r);
	free(t);
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		FAIL("no exporter %s ('show exporters' lists them)", want->s);
	}
	if (json_array_size(arr) == 1) {
		json_t *one = json_incref(json_array_get(arr, 0));
		json_decref(arr);
		return one;
	}
	return arr;
}

/* ---- flows and sketches ---- */

static enum nfw_ctl_by g_by; /* qsort has no context argument; the control thread is single */

static uint64_t
by_value(const struct nfw_flow_closed *f, enum nfw_ctl_by by)
{
	return by == NFW_CTL_BY_BYTES ? f->f.bytes : by == NFW_CTL_BY_PACKETS ? f->f.packets : f->records;
}

static int
cmp_flow(const void *x, const void *y)
{
	uint64_t a = by_value(x, g_by), b = by_value(y, g_by);
	return a < b ? 1 : a > b ? -1 : 0;
}

static json_t *
h_top_flows(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	unsigned n = (unsigned)ctl_arg_u(a, "n");
	const char *bys = ctl_arg_s(a, "by");
	enum nfw_ctl_by by = strcmp(bys, "packets") == 0 ? NFW_CTL_BY_PACKETS
			     : strcmp(bys, "flows") == 0 ? NFW_CTL_BY_FLOWS : NFW_CTL_BY_BYTES;
	struct nfw_filter *f = NULL;
	const struct ctl_arg *expr = ctl_arg(a, "expr");
	if (expr != NULL && (f = nfw_filter_compile(expr->s, err, errlen)) == NULL)
		return NULL;
	unsigned max = n * 64;
	struct nfw_flow_closed *fl = calloc(max, sizeof(*fl));
	if (fl == NULL) {
		nfw_filter_free(f);
		FAIL("out of memory");
	}
	int got = c->ops.top_flows(c->arg, n, by, f, fl, max, err, errlen);
	nfw_filter_free(f);
	if (got < 0) {
		free(fl);
		return NULL;
	}
	g_by = by;
	qsort(fl, (size_t)got, sizeof(*fl), cmp_flow);
	json_t *arr = json_array();
	char sa[64], da[64], pb[16], tb[40];
	for (int i = 0; i < got && i < (int)n; i++) {
		const struct nfw_flow *r = &fl[i].f;
		json_t *o = json_pack("{s:i, s:s, s:i, s:s, s:i, s:s}", "rank", i + 1, "src",
				      addr_s(r->src_addr, sa, sizeof(sa)), "sport", r->src_port, "dst",
				      addr_s(r->dst_addr, da, sizeof(da)), "dport", r->dst_port, "proto",
				      nfw_proto_str(r->proto, pb, sizeof(pb)));
		json_object_set_new(o, "bytes", num(r->bytes));
		json_object_set_new(o, "packets", num(r->packets));
		json_object_set_new(o, "flows", num(fl[i].records));
		json_object_set_new(o, "start", json_string(nfw_time_str(r->start_ms, tb, sizeof(tb))));
		json_object_set_new(o, "duration_ms", num(r->end_ms > r->start_ms ? r->end_ms - r->start_ms : 0));
		json_array_append_new(arr, o);
	}
	free(fl);
	return arr;
}

static int
cmp_talker(const void *x, const void *y)
{
	const struct nfw_ctl_talker *a = x, *b = y;
	return a->bytes < b->bytes ? 1 : a->bytes > b->bytes ? -1 : strcmp(a->key, b->key);
}

static enum nfw_ctl_top
top_what(const char *w)
{
	return strcmp(w, "src") == 0 ? NFW_CTL_TOP_SRC : strcmp(w, "dst") == 0 ? NFW_CTL_TOP_DST : NFW_CTL_TOP_PORT;
}

static json_t *
h_top(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const char *w = ctl_arg_s(a, "what");
	unsigned n = (unsigned)ctl_arg_u(a, "n");
	enum nfw_ctl_top what = top_what(w);
	struct nfw_ctl_talker *t = calloc(NFW_CTL_MAX_TOP * 4, sizeof(*t));
	if (t == NULL)
		FAIL("out of memory");
	int got = c->ops.top(c->arg, what, t, NFW_CTL_MAX_TOP * 4, err, errlen);
	if (got < 0) {
		free(t);
		return NULL;
	}
	qsort(t, (size_t)got, sizeof(*t), cmp_talker);
	json_t *arr = json_array();
	for (int i = 0; i < got && i < (int)n; i++)
		json_array_append_new(arr, json_pack("{s:i, s:s, s:o, s:o}", "rank", i + 1, w, t[i].key, "bytes",
						     num(t[i].bytes), "error", num(t[i].error)));
	free(t);
	return arr;
}

static json_t *
h_changes(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const char *w = ctl_arg_s(a, "what");
	unsigned n = (unsigned)ctl_arg_u(a, "n");
	enum nfw_ctl_top what = top_what(w);
	struct nfw_ctl_change *t = calloc(n, sizeof(*t));
	if (t == NULL)
		FAIL("out of memory");
	int got = c->ops.changes(c->arg, what, t, n, err, errlen);
	if (got < 0) {
		free(t);
		return NULL;
	}
	json_t *arr = json_array();
	for (int i = 0; i < got; i++) {
		json_t *o = json_pack("{s:i, s:s}", "rank", i + 1, w, t[i].key);
		json_object_set_new(o, "before_bps", num((uint64_t)llround(t[i].before_bps)));
		json_object_set_new(o, "after_bps", num((uint64_t)llround(t[i].after_bps)));
		json_object_set_new(o, "change_bps", json_integer((json_int_t)llround(t[i].after_bps - t[i].before_bps)));
		json_array_append_new(arr, o);
	}
	free(t);
	return arr;
}

static json_t *
h_sketch(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct nfw_ctl_sketch s[MAX_SKETCHES];
	int n = c->ops.sketches(c->arg, s, MAX_SKETCHES, err, errlen);
	if (n < 0)
		return NULL;
	json_t *arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s}", "sketch", s[i].name, "kind", s[i].kind);
		json_object_set_new(o, "memory_bytes", num(s[i].bytes));
		json_object_set_new(o, "fill", json_real(round(s[i].fill * 10000) / 10000));
		json_object_set_new(o, "error", json_real(s[i].error));
		json_object_set_new(o, "updates", num(s[i].updates));
		json_object_set_new(o, "detail", json_string(s[i].detail));
		json_array_append_new(arr, o);
	}
	return arr;
}

/* ---- findings ---- */

static int
parse_type(const char *s)
{
	for (unsigned t = 0; t < NFW_FINDING__MAX; t++)
		if (strcmp(nfw_finding_type_str(t), s) == 0)
			return (int)t;
	return -1;
}

static int
parse_severity(const char *s)
{
	for (unsigned v = 0; v <= NFW_SEV_CRITICAL; v++)
		if (strcmp(nfw_severity_str(v), s) == 0)
			return (int)v;
	return -1;
}

static json_t *
h_findings(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct nfw_finding *f;
	struct nfw_ctl_window w;
	int n = c->ops.findings(c->arg, &f, &w, err, errlen);
	if (n < 0)
		return NULL;
	int type = ctl_arg(a, "type") ? parse_type(ctl_arg_s(a, "type")) : -1;
	int sev = ctl_arg(a, "severity") ? parse_severity(ctl_arg_s(a, "severity")) : -1;
	json_t *arr = json_array();
	char b[64];
	for (int i = 0; i < n; i++) {
		if ((type >= 0 && f[i].type != type) || (sev >= 0 && f[i].severity < sev))
			continue;
		json_t *o = json_pack("{s:i, s:s, s:s, s:s}", "rank", i + 1, "id", f[i].id, "type",
				      nfw_finding_type_str(f[i].type), "severity", nfw_severity_str(f[i].severity));
		json_object_set_new(o, "score", json_real(round(f[i].score * 10) / 10));
		json_object_set_new(o, "src", f[i].has_src ? json_string(addr_s(f[i].src, b, sizeof(b))) : json_null());
		json_object_set_new(o, "dst", f[i].has_dst ? json_string(addr_s(f[i].dst, b, sizeof(b))) : json_null());
		json_object_set_new(o, "summary", json_string(f[i].summary));
		json_array_append_new(arr, o);
	}
	return arr;
}

static json_t *
h_finding(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct nfw_finding *f;
	struct nfw_ctl_window w;
	const char *id = ctl_arg_s(a, "id");
	int n = c->ops.findings(c->arg, &f, &w, err, errlen);
	if (n < 0)
		return NULL;
	for (int i = 0; i < n; i++)
		if (strcmp(f[i].id, id) == 0)
			return nfw_finding_to_json(&f[i]);
	FAIL("no finding %s ('show findings' lists them)", id);
}

static json_t *
h_detect_stats(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct nfw_detect_stats st;
	memset(&st, 0, sizeof(st));
	if (c->ops.detect_stats(c->arg, &st, err, errlen) != 0)
		return NULL;
	json_t *arr = json_array();
	for (unsigned i = 0; i < nfw_detect_stat_count(); i++)
		json_array_append_new(arr, json_pack("{s:s, s:o}", "counter", nfw_detect_stat_name(i), "value",
						     num(nfw_detect_stat_value(&st, i))));
	return arr;
}

static json_t *
h_save_report(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct nfw_finding *f;
	struct nfw_ctl_window w;
	char path[PATH_MAX];
	int n = c->ops.findings(c->arg, &f, &w, err, errlen);
	if (n < 0)
		return NULL;
	json_t *r = nfw_findings_report(f, (unsigned)n, w.first_ms, w.last_ms, w.packets, w.records, NULL);
	if (r == NULL)
		FAIL("out of memory");
	int rc = ctl_save_json(c, ctl_arg_s(a, "file"), r, path, sizeof(path), err, errlen);
	json_decref(r);
	if (rc != 0)
		return NULL;
	return ctl_msg("report: %d finding%s written to %s", n, n == 1 ? "" : "s", path);
}

/* ---- configuration ---- */

static json_t *
prefixes_json(const struct nfw_prefix *p, unsigned n)
{
	json_t *arr = json_array();
	char b[64];
	for (unsigned i = 0; i < n; i++) {
		unsigned len = p[i].len;
		bool v4 = len >= 96 && memcmp(p[i].addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
		char s[80];
		snprintf(s, sizeof(s), "%s/%u", addr_s(p[i].addr, b, sizeof(b)), v4 ? len - 96 : len);
		json_array_append_new(arr, json_string(s));
	}
	return arr;
}

static json_t *
h_show_config(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	struct nfw_detect_config dc;
	if (c->ops.detect_config(c->arg, &dc, err, errlen) != 0)
		return NULL;
	json_t *root = json_object();
	json_t *app = c->ops.settings(c->arg);
	if (app != NULL)
		json_object_set_new(root, "appliance", app);
	json_object_set_new(root, "home", prefixes_json(dc.home, dc.nhome));
	json_t *roles = json_object();
	for (unsigned r = 0; r < NFW_ROLE__MAX; r++)
		json_object_set_new(roles, nfw_role_str(r), prefixes_json(dc.role[r], dc.nrole[r]));
	json_object_set_new(root, "roles", roles);
	json_t *det = json_object();
	for (unsigned i = 0; i < nfw_detect_param_count(); i++) {
		const char *dn, *pn;
		double lo, hi;
		nfw_detect_param_info(i, &dn, &pn, &lo, &hi);
		json_t *d = json_object_get(det, dn);
		if (d == NULL) {
			d = json_object();
			json_object_set_new(det, dn, d);
		}
		double v = nfw_detect_param_get(&dc, i);
		json_object_set_new(d, pn, v == floor(v) && fabs(v) < 1e15 ? json_integer((json_int_t)v) : json_real(v));
	}
	json_object_set_new(root, "detectors", det);
	return root;
}

static json_t *
h_set_detector(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	struct nfw_detect_config dc;
	const char *det = ctl_arg_s(a, "name"), *param = ctl_arg_s(a, "param"), *vs = ctl_arg_s(a, "value");
	char *end;
	errno = 0;
	double v = strtod(vs, &end);
	if (*vs == '\0' || *end != '\0' || errno != 0 || !isfinite(v))
		FAIL("value: '%s' is not a number", vs);
	if (c->ops.detect_config(c->arg, &dc, err, errlen) != 0 ||
	    nfw_detect_config_set(&dc, det, param, v, err, errlen) != 0 ||
	    c->ops.detect_apply(c->arg, &dc, err, errlen) != 0)
		return NULL;
	return ctl_msg("%s.%s = %g", det, param, v);
}

static int
prefix_find(const struct nfw_prefix *p, unsigned n, const struct nfw_prefix *x)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i].len == x->len && memcmp(p[i].addr, x->addr, 16) == 0)
			return (int)i;
	return -1;
}

/* add or delete x in list p[n] (capacity NFW_DETECT_MAX_PREFIXES); 0 or -1 with err */
static int
prefix_edit(struct nfw_prefix *p, unsigned *n, bool add, const struct ctl_arg *x, const char *what, char *err,
	    size_t errlen)
{
	int at = prefix_find(p, *n, &x->pfx);
	if (add) {
		if (at >= 0) {
			snprintf(err, errlen, "%s already has %s", what, x->s);
			return -1;
		}
		if (*n == NFW_DETECT_MAX_PREFIXES) {
			snprintf(err, errlen, "%s is full (%d prefixes)", what, NFW_DETECT_MAX_PREFIXES);
			return -1;
		}
		p[(*n)++] = x->pfx;
		return 0;
	}
	if (at < 0) {
		snprintf(err, errlen, "%s has no %s", what, x->s);
		return -1;
	}
	memmove(&p[at], &p[at + 1], (*n - (unsigned)at - 1) * sizeof(*p));
	(*n)--;
	return 0;
}

static json_t *
h_homenet(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	struct nfw_detect_config dc;
	const struct ctl_arg *x = ctl_arg(a, "prefix");
	const char *op = ctl_arg_s(a, "op");
	if (c->ops.detect_config(c->arg, &dc, err, errlen) != 0)
		return NULL;
	if (op[0] == '\0') { /* set homenet P: that one network */
		dc.home[0] = x->pfx;
		dc.nhome = 1;
	} else if (prefix_edit(dc.home, &dc.nhome, strcmp(op, "add") == 0, x, "homenet", err, errlen) != 0) {
		return NULL;
	}
	if (c->ops.detect_apply(c->arg, &dc, err, errlen) != 0)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, "homenet", prefixes_json(dc.home, dc.nhome));
	return o;
}

static json_t *
h_allowlist(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	struct nfw_detect_config dc;
	const char *role = ctl_arg_s(a, "role");
	unsigned r;
	for (r = 0; r < NFW_ROLE__MAX; r++)
		if (strcmp(nfw_role_str(r), role) == 0)
			break;
	if (r == NFW_ROLE__MAX)
		FAIL("no role '%s'", role);
	if (c->ops.detect_config(c->arg, &dc, err, errlen) != 0 ||
	    prefix_edit(dc.role[r], &dc.nrole[r], strcmp(ctl_arg_s(a, "op"), "add") == 0, ctl_arg(a, "prefix"),
			role, err, errlen) != 0 ||
	    c->ops.detect_apply(c->arg, &dc, err, errlen) != 0)
		return NULL;
	json_t *o = json_object();
	json_object_set_new(o, role, prefixes_json(dc.role[r], dc.nrole[r]));
	return o;
}

static json_t *
h_set_sampling(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct ctl_arg *x = ctl_arg(a, "exporter");
	uint32_t rate = (uint32_t)ctl_arg_u(a, "rate");
	if (c->ops.set_sampling(c->arg, x->pfx.addr, rate, err, errlen) != 0)
		return NULL;
	if (rate == 0)
		return ctl_msg("sampling override for %s removed", x->s);
	return ctl_msg("sampling for %s: 1:%u from now on", x->s, rate);
}

static json_t *
h_exporter_acl(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	const struct ctl_arg *x = ctl_arg(a, "prefix");
	bool allow = strcmp(ctl_arg_s(a, "action"), "allow") == 0;
	if (c->ops.exporter_acl(c->arg, allow, &x->pfx, err, errlen) != 0)
		return NULL;
	return ctl_msg("exporters in %s: %s", x->s, allow ? "allowed" : "denied");
}

/* ---- running ---- */

static json_t *
h_start(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	if (c->ops.run(c->arg, true, err, errlen) != 0)
		return NULL;
	return ctl_msg("workers running");
}

static json_t *
h_stop(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	if (c->ops.run(c->arg, false, err, errlen) != 0)
		return NULL;
	return ctl_msg("workers paused (state kept; 'start' resumes)");
}

static json_t *
h_rotate(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	if (c->ops.rotate(c->arg, err, errlen) != 0)
		return NULL;
	return ctl_msg("segments rotated");
}

static json_t *
h_flush(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	if (c->ops.flush(c->arg, err, errlen) != 0)
		return NULL;
	return ctl_msg("flow tables flushed");
}

static json_t *
h_wait(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	unsigned s = (unsigned)ctl_arg_u(a, "seconds");
	if (c->ops.wait_idle(c->arg, 300, s, err, errlen) != 0)
		return NULL;
	return ctl_msg("idle");
}

static json_t *
h_quit(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen)
{
	(void)a;
	(void)err;
	(void)errlen;
	c->quit = true;
	c->ops.quit(c->arg);
	return ctl_msg("bye");
}

#define TYPES "port_scan|volumetric|exfiltration|beaconing|lateral_movement|dns_tunneling"
#define SEVS "low|medium|high|critical"
#define ROLES "resolvers|backup|ntp|monitoring|cdn_saas"
#define DETS "beaconing|port_scan|lateral_movement|exfiltration|dns_tunneling|volumetric|scoring"

static const struct ctl_cmd_def defs[] = {
	{ "help", "list every command", h_help },
	{ "help <topic:word>", "the commands whose syntax or help mention a word", h_help },
	{ "show port <what:stats|info> all", "counters (stats) or device facts (info) of every port", h_port },
	{ "show port <what:stats|info> <port:uint:0-1023>", "counters or device facts of one port", h_port },
	{ "show lcores", "per lcore: role, shard, rx, records, rings, flows, busy share", h_lcores },
	{ "show rings", "every SPSC ring: size, in use, enqueued, full", h_rings },
	{ "clear stats", "start the counters shown from zero (the summary keeps the totals)", h_clear },
	{ "show exporters", "every exporter: datagrams, decoded, dropped, records, sampling, templates", h_exporters },
	{ "show exporter <addr:addr>", "one exporter: drops by reason, sequence loss, sampling, templates", h_exporter },
	{ "show templates", "every cached v9 / IPFIX template", h_templates },
	{ "show templates <addr:addr>", "the templates of one exporter", h_templates },
	{ "show flows top <n:uint:1-1000> by <by:bytes|packets|flows>", "the largest open flows", h_top_flows },
	{ "show flows top <n:uint:1-1000> by <by:bytes|packets|flows> filter <expr:text>",
	  "the largest open flows matching an nfdump-style filter", h_top_flows },
	{ "show top <what:src|dst|port> <n:uint:1-1000>", "heavy hitters by bytes, from the sketches", h_top },
	{ "show changes <what:src|dst|port> <n:uint:1-1000>",
	  "heavy changers: bytes/s in the last epoch against the one before, from the sketches", h_changes },
	{ "show sketch", "the sketches: memory, fill, expected error", h_sketch },
	{ "show findings", "the findings, highest priority first", h_findings },
	{ "show findings type <type:" TYPES ">", "the findings of one type", h_findings },
	{ "show findings min-severity <severity:" SEVS ">", "the findings at or above a severity", h_findings },
	{ "show findings type <type:" TYPES "> min-severity <severity:" SEVS ">", "both filters", h_findings },
	{ "show finding <id:word>", "one finding with its evidence", h_finding },
	{ "show detect stats", "the detectors' counters: entities tracked, refused (table full), evicted to make room, expired",
	  h_detect_stats },
	{ "save report <file:path>", "write the findings report (JSON, as --report)", h_save_report },
	{ "show config", "appliance settings, home networks, roles, detector parameters", h_show_config },
	{ "set detector <name:" DETS "> param <param:word> <value:word>", "change one detector parameter",
	  h_set_detector },
	{ "set homenet <prefix:prefix>", "the home network, replacing the list", h_homenet },
	{ "homenet <op:add|del> <prefix:prefix>", "add or remove a home network", h_homenet },
	{ "allowlist <op:add|del> <role:" ROLES "> <prefix:prefix>", "a role's prefixes (lower scores)", h_allowlist },
	{ "set sampling <exporter:addr> <rate:uint:0-16777215>", "override an exporter's sampling rate (0 removes)",
	  h_set_sampling },
	{ "set exporter <action:allow|deny> <prefix:prefix>", "take or refuse a prefix's export packets (deny wins; once any prefix is allowed, only allowed ones are taken)",
	  h_exporter_acl },
	{ "start", "resume the workers", h_start },
	{ "stop", "pause the workers, keeping their state", h_stop },
	{ "rotate segments", "close the current segment files and start new ones", h_rotate },
	{ "flush flows", "close every open flow now (to segments and detectors)", h_flush },
	{ "wait idle <seconds:uint:1-3600>", "wait until no packet arrived for 300 ms (scripts)", h_wait },
	{ "quit", "stop the appliance cleanly", h_quit },
};

const struct ctl_cmd_def *
ctl_command_defs(unsigned *n)
{
	*n = sizeof(defs) / sizeof(defs[0]);
	return defs;
}
