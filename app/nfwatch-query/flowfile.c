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
 * than 1e11. A record without both addresses is skipped and counted; the
 * first few are named by their position.
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

static uint64_t
num_of(json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v) > 0 ? (uint64_t)json_integer_value(v) : 0;
	if (json_is_real(v))
		return json_real_value(v) > 0 ? (uint64_t)json_real_value(v) : 0;
	if (json_is_string(v))
		return strtoull(json_string_value(v), NULL, 10);
	return 0;
}

/* Unix ms from RFC 3339 or a number (seconds, or ms when > 1e11). 0 if none. */
static uint64_t
time_of(json_t *v)
{
	if (v == NULL)
		return 0;
	if (json_is_number(v)) {
		double x = json_number_value(v);
		return x > 1e11 ? (uint64_t)x : (uint64_t)(x * 1000);
	}
	const char *s = json_string_value(v);
	if (s == NULL)
		return 0;
	struct tm tm;
	memset(&tm, 0, sizeof(tm));
	const char *e = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (e == NULL)
		e = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	if (e == NULL) {
		char *end;
		double x = strtod(s, &end);
		return end != s ? (x > 1e11 ? (uint64_t)x : (uint64_t)(x * 1000)) : 0;
	}
	uint64_t ms = (uint64_t)timegm(&tm) * 1000;
	if (*e == '.') {
		double frac = strtod(e, NULL);
		ms += (uint64_t)(frac * 1000);
	}
	return ms;
}

static uint8_t
proto_of(json_t *v)
{
	if (json_is_number(v))
		return (uint8_t)num_of(v);
	const char *s = json_string_value(v);
	if (s == NULL)
		return 0;
	if (strcasecmp(s, "tcp") == 0)
		return 6;
	if (strcasecmp(s, "udp") == 0)
		return 17;
	if (strcasecmp(s, "icmp") == 0)
		return 1;
	if (strcasecmp(s, "icmp6") == 0 || strcasecmp(s, "ipv6-icmp") == 0)
		return 58;
	return (uint8_t)strtoul(s, NULL, 10);
}

static int
record_of(json_t *o, struct nfw_flow *f)
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
	if (a1 < 0 || a2 < 0)
		return -1;
	f->af = (uint8_t)a1;
	f->src_port = (uint16_t)num_of(field(o, sp));
	f->dst_port = (uint16_t)num_of(field(o, dp));
	f->proto = proto_of(field(o, pr));
	f->bytes = num_of(field(o, by));
	f->packets = num_of(field(o, pk));
	f->start_ms = time_of(field(o, st));
	f->end_ms = time_of(field(o, en));
	if (f->end_ms < f->start_ms)
		f->end_ms = f->start_ms;
	json_t *flags = field(o, fl);
	f->tcp_flags = json_is_number(flags) ? (uint8_t)num_of(flags) : 0;
	uint64_t rate = num_of(field(o, sm));
	f->sampling = rate > 0 ? (uint32_t)rate : 1;
	if (json_is_true(json_object_get(o, "rate_unknown")))
		f->flags |= NFW_FLOW_F_RATE_UNKNOWN;
	if (addr_of(field(o, ex), f->exporter) < 0)
		nfw_flow_addr_set4(f->exporter, 0);
	f->end_reason = (uint8_t)num_of(json_object_get(o, "end_reason"));
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
			if (record_of(json_array_get(arr, i), &f) != 0) {
				if (st->skipped++ < 3)
					fprintf(stderr, "nfwatch-query: %s: record %zu has no source or destination address: skipped\n",
						path, i);
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
		if (o == NULL || record_of(o, &f) != 0) {
			if (st->skipped++ < 3)
				fprintf(stderr, "nfwatch-query: %s:%llu: %s: skipped\n", path, (unsigned long long)ln,
					o == NULL ? je.text : "no source or destination address");
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
