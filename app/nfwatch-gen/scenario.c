/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Scenario files: parse and validate, with errors that name the field.
 *
 *   { "name", "start" (RFC 3339), "duration" ("6h", "90m", "1h30m" or seconds),
 *     "seed", "home": [prefixes], "max_records",
 *     "exporters": [ { "name", "version": v5|v9|ipfix|sflow, "addr", "port",
 *                      "collector_port", "domain", "sampling", "active_timeout",
 *                      "inactive_timeout", "template_every", "app_name" } ],
 *     "behaviours": [ { "type", "name", "start" (offset), "duration",
 *                       "exporter" (name), ...the behaviour's own fields } ] }
 *
 * The built-in "sampled" is "default" with every exporter sampling 1:100,
 * an sFlow exporter and a beacon with a steady sleep added.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen.h"

int
parse_addr(const char *s, uint8_t out[16])
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		nfw_flow_addr_set4(out, ntohl(a4.s_addr));
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out, &a6, 16);
		return 0;
	}
	return -1;
}

int
parse_prefix(const char *s, struct prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	if (parse_addr(buf, p->addr) != 0)
		return -1;
	char *end;
	long len = strtol(slash + 1, &end, 10);
	bool v4 = nfw_flow_addr_is4(p->addr);
	if (*end != '\0' || len < 0 || len > (v4 ? 32 : 128))
		return -1;
	p->len = (uint8_t)(v4 ? 96 + len : len);
	return 0;
}

void
prefix_host(const struct prefix *p, uint64_t i, uint8_t out[16])
{
	memcpy(out, p->addr, 16);
	unsigned hostbits = 128u - p->len;
	if (hostbits < 64)
		i &= (1ull << hostbits) - 1;
	for (int b = 15; b >= 8 && i != 0; b--) {
		uint64_t sum = (uint64_t)out[b] + (i & 0xff);
		out[b] = (uint8_t)sum;
		i = (i >> 8) + (sum >> 8);
	}
}

static bool
prefix_has(const struct prefix *p, const uint8_t a[16])
{
	unsigned full = p->len / 8, rem = p->len % 8;
	if (memcmp(p->addr, a, full) != 0)
		return false;
	if (rem == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rem));
	return (p->addr[full] & mask) == (a[full] & mask);
}

bool
in_home(const struct scenario *sc, const uint8_t a[16])
{
	for (unsigned i = 0; i < sc->nhome; i++)
		if (prefix_has(&sc->home[i], a))
			return true;
	return false;
}

int
parse_duration_ms(json_t *v, uint64_t *out)
{
	if (json_is_integer(v) || json_is_real(v)) {
		double s = json_number_value(v);
		if (s < 0 || s > 366.0 * 86400)
			return -1;
		*out = (uint64_t)(s * 1000);
		return 0;
	}
	if (!json_is_string(v))
		return -1;
	const char *s = json_string_value(v);
	uint64_t total = 0;
	bool any = false;
	while (*s) {
		char *end;
		double x = strtod(s, &end);
		if (end == s || x < 0)
			return -1;
		uint64_t mul;
		switch (*end) {
		case 'd': mul = 86400000; break;
		case 'h': mul = 3600000; break;
		case 'm':
			if (end[1] == 's') {
				mul = 1;
				end++;
			} else {
				mul = 60000;
			}
			break;
		case 's': mul = 1000; break;
		default: return -1;
		}
		total += (uint64_t)(x * (double)mul);
		s = end + 1;
		any = true;
	}
	if (!any || total > 366ull * 86400000)
		return -1;
	*out = total;
	return 0;
}

static int
parse_time(const char *s, uint64_t *ms)
{
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (end == NULL || (*end != 'Z' && *end != '\0'))
		return -1;
	time_t t = timegm(&tm);
	if (t < 0)
		return -1;
	*ms = (uint64_t)t * 1000;
	return 0;
}

static uint16_t
parse_version(const char *s)
{
	if (strcmp(s, "v5") == 0)
		return NFW_FLOW_V5;
	if (strcmp(s, "v9") == 0)
		return NFW_FLOW_V9;
	if (strcmp(s, "ipfix") == 0)
		return NFW_FLOW_IPFIX;
	if (strcmp(s, "sflow") == 0)
		return NFW_FLOW_SFLOW;
	return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

static int
get_uint(json_t *o, const char *key, uint64_t def, uint64_t max, uint64_t *out, char *err,
	 size_t errlen, const char *where)
{
	json_t *v = json_object_get(o, key);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v) && !json_is_real(v))
		FAIL("%s: \"%s\" must be a number", where, key);
	double x = json_number_value(v);
	if (x < 0 || x > (double)max)
		FAIL("%s: \"%s\" out of range 0..%llu", where, key, (unsigned long long)max);
	*out = (uint64_t)x;
	return 0;
}

static int
parse_exporter(json_t *o, unsigned i, struct exporter_cfg *e, char *err, size_t errlen)
{
	char where[48];
	uint64_t v;
	snprintf(where, sizeof(where), "exporters[%u]", i);
	if (!json_is_object(o))
		FAIL("%s: not an object", where);
	const char *name = json_string_value(json_object_get(o, "name"));
	snprintf(e->name, sizeof(e->name), "%s", name ? name : "exporter");
	const char *ver = json_string_value(json_object_get(o, "version"));
	e->version = ver ? parse_version(ver) : 0;
	if (e->version == 0)
		FAIL("%s: \"version\" must be v5, v9, ipfix or sflow", where);
	const char *addr = json_string_value(json_object_get(o, "addr"));
	if (addr == NULL || parse_addr(addr, e->addr) != 0)
		FAIL("%s: \"addr\" must be an IPv4 or IPv6 address", where);
	if (get_uint(o, "port", 40000 + i, 65535, &v, err, errlen, where))
		return -1;
	e->port = (uint16_t)v;
	uint16_t defport = e->version == NFW_FLOW_IPFIX ? 4739 : e->version == NFW_FLOW_SFLOW ? 6343 : 2055;
	if (get_uint(o, "collector_port", defport, 65535, &v, err, errlen, where))
		return -1;
	e->collector_port = (uint16_t)v;
	if (get_uint(o, "domain", 0, UINT32_MAX, &v, err, errlen, where))
		return -1;
	e->domain = (uint32_t)v;
	if (get_uint(o, "sampling", 1, 1u << 24, &v, err, errlen, where))
		return -1;
	e->sampling = v ? (uint32_t)v : 1;
	if (e->version == NFW_FLOW_V5 && e->sampling > 0x3fff)
		FAIL("%s: v5 carries sampling up to 16383", where);
	if (get_uint(o, "active_timeout", 60, 86400, &v, err, errlen, where))
		return -1;
	e->active_timeout_s = (uint32_t)v;
	if (get_uint(o, "inactive_timeout", 15, 3600, &v, err, errlen, where))
		return -1;
	e->inactive_timeout_s = (uint32_t)v;
	if (e->active_timeout_s == 0 || e->inactive_timeout_s == 0)
		FAIL("%s: timeouts must be at least 1 s", where);
	if (get_uint(o, "template_every", 20, 100000, &v, err, errlen, where))
		return -1;
	e->template_every = (uint32_t)v;
	e->app_name = json_is_true(json_object_get(o, "app_name"));
	return 0;
}

static int
parse_root(struct scenario *sc, char *err, size_t errlen)
{
	json_t *r = sc->root;
	uint64_t v;

	if (!json_is_object(r))
		FAIL("scenario: not a JSON object");
	const char *name = json_string_value(json_object_get(r, "name"));
	snprintf(sc->name, sizeof(sc->name), "%s", name ? name : "unnamed");
	const char *start = json_string_value(json_object_get(r, "start"));
	sc->start_ms = 1768478400000ull; /* 2026-01-15T12:00:00Z */
	if (start != NULL && parse_time(start, &sc->start_ms) != 0)
		FAIL("scenario: \"start\" must be RFC 3339 like 2026-01-15T12:00:00Z");
	uint64_t dur = 3600000;
	json_t *d = json_object_get(r, "duration");
	if (d != NULL && (parse_duration_ms(d, &dur) != 0 || dur == 0))
		FAIL("scenario: \"duration\" must be like \"6h\", \"90m\" or seconds (up to a year)");
	sc->end_ms = sc->start_ms + dur;
	if (get_uint(r, "seed", 1, UINT64_MAX >> 11, &sc->seed, err, errlen, "scenario"))
		return -1;
	if (get_uint(r, "max_records", 20000000, 200000000, &sc->max_records, err, errlen, "scenario"))
		return -1;

	json_t *home = json_object_get(r, "home");
	if (home != NULL) {
		if (!json_is_array(home) || json_array_size(home) > GEN_MAX_HOME)
			FAIL("scenario: \"home\" must be a list of at most %d prefixes", GEN_MAX_HOME);
		for (size_t i = 0; i < json_array_size(home); i++) {
			const char *p = json_string_value(json_array_get(home, i));
			if (p == NULL || parse_prefix(p, &sc->home[i]) != 0)
				FAIL("scenario: home[%zu] is not a prefix like 10.0.0.0/8", i);
		}
		sc->nhome = (unsigned)json_array_size(home);
	}
	if (sc->nhome == 0) {
		parse_prefix("10.0.0.0/8", &sc->home[0]);
		sc->nhome = 1;
	}

	json_t *exps = json_object_get(r, "exporters");
	if (!json_is_array(exps) || json_array_size(exps) == 0 ||
	    json_array_size(exps) > GEN_MAX_EXPORTERS)
		FAIL("scenario: \"exporters\" must list 1 to %d exporters", GEN_MAX_EXPORTERS);
	for (size_t i = 0; i < json_array_size(exps); i++)
		if (parse_exporter(json_array_get(exps, i), (unsigned)i, &sc->exp[i], err, errlen))
			return -1;
	sc->nexp = (unsigned)json_array_size(exps);

	json_t *behs = json_object_get(r, "behaviours");
	if (!json_is_array(behs) || json_array_size(behs) > GEN_MAX_BEHAVIOURS)
		FAIL("scenario: \"behaviours\" must be a list of at most %d", GEN_MAX_BEHAVIOURS);
	for (size_t i = 0; i < json_array_size(behs); i++) {
		json_t *b = json_array_get(behs, i);
		struct behaviour *be = &sc->beh[i];
		const char *type = json_string_value(json_object_get(b, "type"));
		if (!json_is_object(b) || type == NULL)
			FAIL("behaviours[%zu]: an object with a \"type\"", i);
		snprintf(be->type, sizeof(be->type), "%s", type);
		const char *bn = json_string_value(json_object_get(b, "name"));
		if (bn != NULL)
			snprintf(be->name, sizeof(be->name), "%s", bn);
		else
			snprintf(be->name, sizeof(be->name), "%s#%zu", type, i);
		be->params = b;
		uint64_t off = 0, bd = sc->end_ms - sc->start_ms;
		json_t *st = json_object_get(b, "start");
		if (st != NULL && parse_duration_ms(st, &off) != 0)
			FAIL("behaviours[%zu] (%s): \"start\" is an offset like \"2h\"", i, type);
		json_t *du = json_object_get(b, "duration");
		if (du != NULL && parse_duration_ms(du, &bd) != 0)
			FAIL("behaviours[%zu] (%s): bad \"duration\"", i, type);
		be->start_ms = sc->start_ms + off;
		be->end_ms = be->start_ms + bd;
		if (be->end_ms > sc->end_ms)
			be->end_ms = sc->end_ms;
		if (be->start_ms >= sc->end_ms)
			FAIL("behaviours[%zu] (%s): starts after the scenario ends", i, type);
		be->exporter = -1;
		const char *en = json_string_value(json_object_get(b, "exporter"));
		if (en != NULL) {
			for (unsigned k = 0; k < sc->nexp; k++)
				if (strcmp(sc->exp[k].name, en) == 0)
					be->exporter = (int)k;
			if (be->exporter < 0)
				FAIL("behaviours[%zu] (%s): no exporter named \"%s\"", i, type, en);
		}
	}
	sc->nbeh = (unsigned)json_array_size(behs);
	(void)v;
	return 0;
}

int
scenario_load(const char *what, struct scenario *sc, char *err, size_t errlen)
{
	json_error_t je;
	const char *base = strcmp(what, "sampled") == 0 ? "default" : what;
	const char *text = builtin_scenario(base);

	memset(sc, 0, sizeof(*sc));
	if (text != NULL) {
		sc->root = json_loads(text, 0, &je);
		if (sc->root == NULL)
			FAIL("built-in scenario %s: line %d: %s", what, je.line, je.text);
	} else {
		sc->root = json_load_file(what, 0, &je);
		if (sc->root == NULL)
			FAIL("%s: %s (line %d) - not a built-in scenario either", what, je.text, je.line);
	}
	if (strcmp(what, "sampled") == 0) {
		/* every exporter sampling 1:100, plus an sFlow agent */
		json_t *exps = json_object_get(sc->root, "exporters");
		for (size_t i = 0; i < json_array_size(exps); i++)
			json_object_set_new(json_array_get(exps, i), "sampling", json_integer(100));
		json_array_append_new(exps, json_pack("{s:s, s:s, s:s, s:i}", "name", "access-sflow",
						      "version", "sflow", "addr", "192.0.2.4",
						      "sampling", 100));
		/* an implant with a steady sleep (the usual default): at 1:100 about one
		 * session in six is seen, and their phases still line up */
		json_array_append_new(json_object_get(sc->root, "behaviours"),
				      json_pack("{s:s, s:s, s:s, s:i, s:s, s:f, s:i}", "type", "beacon", "src",
						"10.20.4.21", "dst", "198.51.100.31", "port", 8443, "period", "30s",
						"jitter", 0.02, "bytes", 600));
		json_object_set_new(sc->root, "name", json_string("sampled"));
	}
	if (parse_root(sc, err, errlen) != 0) {
		scenario_free(sc);
		return -1;
	}
	return 0;
}

void
scenario_free(struct scenario *sc)
{
	json_decref(sc->root);
	sc->root = NULL;
}
