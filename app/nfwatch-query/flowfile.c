/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --flow-file FILE: flow records given as JSON, for the detectors and the
 * record outputs. Accepted:
 *   - nfwatch-query's own -o json (an array) and -o ndjson (a line each);
 *   - any JSON array or JSON lines of objects with the usual field names:
 *       src_ip / srcaddr / sa, dst_ip / dstaddr / da, src_port / sp,
 *       dst_port / dp, protocol / proto (number or tcp / udp / icmp),
 *       bytes / in_bytes, packets / in_pkts, start / end (RFC 3339 or a
 *       Unix time), start_ms / end_ms, tcp_flags, sampling, exporter
 *   - nProbe-style names: IPV4_SRC_ADDR, IPV4_DST_ADDR, IPV6_SRC_ADDR,
 *       IPV6_DST_ADDR, L4_SRC_PORT, L4_DST_PORT, PROTOCOL, IN_BYTES,
 *       IN_PKTS, FIRST_SWITCHED, LAST_SWITCHED, TCP_FLAGS
 * Unix times are taken as seconds, or milliseconds when they are larger
 * than 1e11, from 1970 to the year 10 889. A record without both
 * addresses, or with a value out of its range (a port past 65535, a
 * negative count, a time that is not one) is skipped and counted, never
 * wrapped or guessed; the first few are named by their position and why.
 */
#define _XOPEN_SOURCE 700
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "flowfile.h"

static json_t *
field(json_t *o, const char *const *names)
{
	for (; *names != NULL; names++) {
		json_t *v = json_object_get(o, *names);
		if (v != NULL && !json_is_null(v))
			return v;
	}
	return NULL;
}

static int
addr_of(json_t *v, uint8_t out[16])
{
	struct in_addr a4;
	struct in6_addr a6;
	const char *s = json_string_value(v);
	if (s == NULL)
		return -1;
	if (inet_pton(AF_INET, s, &a4) == 1) {
		nfw_flow_addr_set4(out, ntohl(a4.s_addr));
		return 4;
	}
	if (inet_pton(AF_INET6, s, &a6) == 1) {
		memcpy(out, &a6, 16);
		return nfw_flow_addr_is4(out) ? 4 : 6;
	}
	return -1;
}

/*
 * A count, port, rate or flag set: an integer, a real or a decimal string,
 * within lo..hi. 0 with *out set (0 when absent), or -1 with why filled.
 */
static int
num_of(json_t *v, const char *what, uint64_t hi, uint64_t *out, char *why, size_t len)
{
	double x;
	*out = 0;
	if (v == NULL)
		return 0;
	if (json_is_integer(v)) {
		x = (double)json_integer_value(v);
	} else if (json_is_real(v)) {
		x = json_real_value(v);
	} else if (json_is_string(v)) {
		char *end;
		x = strtod(json_string_value(v), &end);
		if (end == json_string_value(v) || *end != '\0') {
			snprintf(why, len, "%s \"%.40s\" is not a number", what, json_string_value(v));
			return -1;
		}
	} else {
		snprintf(why, len, "%s is not a number", what);
		return -1;
	}
	if (!(x >= 0 && x <= (double)hi)) { /* NaN too */
		snprintf(why, len, "%s %.17g is out of range 0..%llu", what, x, (unsigned long long)hi);
		return -1;
	}
	*out = x >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)x;
	if (json_is_integer(v))
		*out = (uint64_t)json_integer_value(v); /* exact above 2^53 */
	return 0;
}

#define MS_MAX ((1ull << 48) - 1) /* the year 10 889: the latest time nfwatch keeps */

/* Unix ms from RFC 3339 or a number (seconds, or ms when > 1e11); 0 if absent; -1 with why. */
static int
time_of(json_t *v, const char *what, uint64_t *out, char *why, size_t len)
{
	*out = 0;
	if (v == NULL)
		return 0;
	double x;
	const char *s = json_string_value(v);
	if (json_is_number(v)) {
		x = json_number_value(v);
	} else if (s == NULL) {
		snprintf(why, len, "%s is neither a time nor a number", what);
		return -1;
	} else {
		struct tm tm;
		memset(&tm, 0, sizeof(tm));
		const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (e == NULL)
			e = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
		if (e == NULL) {
			char *end;
			x = strtod(s, &end);
			if (end == s || *end != '\0') {
				snprintf(why, len, "%s \"%.40s\" is not a time", what, s);
				return -1;
			}
		} else {
			time_t t = timegm(&tm);
			if (t < 0) {
				snprintf(why, len, "%s \"%.40s\" is before 1970", what, s);
				return -1;
			}
			x = (double)t;
			if (*e == '.')
				x += strtod(e, NULL);
		}
	}
	double ms = x > 1e11 ? x : x * 1000;
	if (!(ms >= 0 && ms <= (double)MS_MAX)) {
		snprintf(why, len, "%s %.17g is not a time between 1970 and the year 10 889", what, x);
		return -1;
	}
	*out = (uint64_t)ms;
	return 0;
}

static int
proto_of(json_t *v, uint8_t *out, char *why, size_t len)
{
	const char *s = json_string_value(v);
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = { { "tcp", 6 }, { "udp", 17 }, { "icmp", 1 }, { "icmp6", 58 }, { "ipv6-icmp", 58 } };
	for (size_t i = 0; s != NULL && i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].num;
			return 0;
		}
	uint64_t n;
	if (num_of(v, "protocol", 255, &n, why, len) != 0)
		return -1;
	*out = (uint8_t)n;
	return 0;
}

/* 0, or -1 with why: the record is skipped */
static int
record_of(json_t *o, struct nfw_flow *f, char *why, size_t len)
{
	static const char *const src[] = { "src_ip", "srcaddr", "sa", "src_addr", "IPV4_SRC_ADDR", "IPV6_SRC_ADDR", NULL };
	static const char *const dst[] = { "dst_ip", "dstaddr", "da", "dst_addr", "IPV4_DST_ADDR", "IPV6_DST_ADDR", NULL };
	static const char *const sp[] = { "src_port", "sp", "srcport", "L4_SRC_PORT", NULL };
	static const char *const dp[] = { "dst_port", "dp", "dstport", "L4_DST_PORT", NULL };
	static const char *const pr[] = { "protocol", "proto", "pr", "PROTOCOL", NULL };
	static const char *const by[] = { "bytes", "in_bytes", "ibyt", "octets", "IN_BYTES", NULL };
	static const char *const pk[] = { "packets", "in_pkts", "ipkt", "pkts", "IN_PKTS", NULL };
	static const char *const st[] = { "start_ms", "start", "first", "t_first", "ts", "FIRST_SWITCHED", NULL };
	static const char *const en[] = { "end_ms", "end", "last", "t_last", "te", "LAST_SWITCHED", NULL };
	static const char *const fl[] = { "tcp_flags", "flags", "TCP_FLAGS", NULL };
	static const char *const sm[] = { "sampling", "sampling_rate", "SAMPLING_INTERVAL", NULL };
	static const char *const ex[] = { "exporter", "exporter_ip", "ra", NULL };

	memset(f, 0, sizeof(*f));
	int a1 = addr_of(field(o, src), f->src_addr), a2 = addr_of(field(o, dst), f->dst_addr);
	if (a1 < 0 || a2 < 0) {
		snprintf(why, len, "no source or destination address");
		return -1;
	}
	f->af = (uint8_t)a1;
	uint64_t sport, dport, flags, rate, reason;
	if (num_of(field(o, sp), "source port", 65535, &sport, why, len) != 0 ||
	    num_of(field(o, dp), "destination port", 65535, &dport, why, len) != 0 ||
	    proto_of(field(o, pr), &f->proto, why, len) != 0 ||
	    num_of(field(o, by), "bytes", UINT64_MAX, &f->bytes, why, len) != 0 ||
	    num_of(field(o, pk), "packets", UINT64_MAX, &f->packets, why, len) != 0 ||
	    time_of(field(o, st), "start", &f->start_ms, why, len) != 0 ||
	    time_of(field(o, en), "end", &f->end_ms, why, len) != 0 ||
	    num_of(field(o, sm), "sampling", UINT32_MAX, &rate, why, len) != 0 ||
	    num_of(json_object_get(o, "end_reason"), "end_reason", 255, &reason, why, len) != 0)
		return -1;
	json_t *fv = field(o, fl); /* a number; nfdump's letters ("...AP.SF") are not read */
	if (!json_is_number(fv))
		fv = NULL;
	if (num_of(fv, "tcp_flags", 255, &flags, why, len) != 0)
		return -1;
	f->src_port = (uint16_t)sport;
	f->dst_port = (uint16_t)dport;
	f->tcp_flags = (uint8_t)flags;
	f->end_reason = (uint8_t)reason;
	if (f->end_ms < f->start_ms)
		f->end_ms = f->start_ms;
	f->sampling = rate > 0 ? (uint32_t)rate : 1;
	if (json_is_true(json_object_get(o, "rate_unknown")))
		f->flags |= NFW_FLOW_F_RATE_UNKNOWN;
	if (addr_of(field(o, ex), f->exporter) < 0)
		nfw_flow_addr_set4(f->exporter, 0);
	return 0;
}

int
flowfile_read(const char *path, void (*fn)(const struct nfw_flow *f, void *arg), void *arg,
	      struct flowfile_stats *st, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "r");
	memset(st, 0, sizeof(*st));
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return -1;
	}
	int c;
	do
		c = fgetc(fp);
	while (c == ' ' || c == '\n' || c == '\r' || c == '\t');
	if (c == EOF) {
		fclose(fp);
		return 0;
	}
	ungetc(c, fp);
	struct nfw_flow f;
	char why[160];
	if (c == '[') {
		json_error_t je;
		json_t *arr = json_loadf(fp, 0, &je);
		fclose(fp);
		if (!json_is_array(arr)) {
			snprintf(err, errlen, "%s: line %d: %s", path, je.line, arr ? "not a list" : je.text);
			json_decref(arr);
			return -1;
		}
		for (size_t i = 0; i < json_array_size(arr); i++) {
			if (record_of(json_array_get(arr, i), &f, why, sizeof(why)) != 0) {
				if (st->skipped++ < 3)
					fprintf(stderr, "nfwatch-query: %s: record %zu: %s: skipped\n", path, i, why);
				continue;
			}
			st->records++;
			fn(&f, arg);
		}
		json_decref(arr);
		return 0;
	}
	/* JSON lines */
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t ln = 0;
	while ((n = getline(&line, &cap, fp)) > 0) {
		ln++;
		if (n <= 1)
			continue;
		json_error_t je;
		json_t *o = json_loads(line, 0, &je);
		if (o == NULL || record_of(o, &f, why, sizeof(why)) != 0) {
			if (st->skipped++ < 3)
				fprintf(stderr, "nfwatch-query: %s:%llu: %s: skipped\n", path, (unsigned long long)ln,
					o == NULL ? je.text : why);
			json_decref(o);
			continue;
		}
		json_decref(o);
		st->records++;
		fn(&f, arg);
	}
	free(line);
	fclose(fp);
	return 0;
}
