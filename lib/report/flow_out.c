/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow record writers. Text formats are written with stdio directly (they
 * are the hot output path of nfwatch-query); JSON goes through jansson.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfw_report.h"

struct nfw_flow_writer {
	FILE *fp;
	enum nfw_out_fmt fmt;
	unsigned long long n;
};

int
nfw_out_fmt_parse(const char *s)
{
	if (strcmp(s, "line") == 0)
		return NFW_OUT_LINE;
	if (strcmp(s, "csv") == 0)
		return NFW_OUT_CSV;
	if (strcmp(s, "json") == 0)
		return NFW_OUT_JSON;
	if (strcmp(s, "ndjson") == 0)
		return NFW_OUT_NDJSON;
	return -1;
}

const char *
nfw_proto_str(unsigned proto, char *buf, size_t len)
{
	switch (proto) {
	case 1: return "ICMP";
	case 6: return "TCP";
	case 17: return "UDP";
	case 47: return "GRE";
	case 50: return "ESP";
	case 58: return "ICMP6";
	case 132: return "SCTP";
	default: snprintf(buf, len, "%u", proto); return buf;
	}
}

const char *
nfw_time_str(unsigned long long ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(buf, len, "invalid");
		return buf;
	}
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
	return buf;
}

static const char *
tcp_flags_str(uint8_t fl, char buf[9])
{
	static const char names[] = "CEUAPRSF";
	for (int i = 0; i < 8; i++)
		buf[i] = (fl & (0x80 >> i)) ? names[i] : '.';
	buf[8] = '\0';
	return buf;
}

json_t *
nfw_flow_to_json(const struct nfw_flow *f)
{
	char a[64], b[64], n[64], e[64], ts[40], te[40], pb[8];
	json_t *o = json_pack("{s:s, s:s, s:i, s:i, s:s, s:i, s:I, s:I, s:s, s:s, s:I, s:I,"
			 " s:i, s:I, s:I, s:I, s:I, s:s, s:i, s:i, s:i, s:s, s:i, s:I, s:i, s:I, s:b}",
			 "src_ip", nfw_addr_str(f->src_addr, a, sizeof(a)),
			 "dst_ip", nfw_addr_str(f->dst_addr, b, sizeof(b)),
			 "src_port", (int)f->src_port,
			 "dst_port", (int)f->dst_port,
			 "proto", nfw_proto_str(f->proto, pb, sizeof(pb)),
			 "protocol", (int)f->proto,
			 "bytes", (json_int_t)f->bytes,
			 "packets", (json_int_t)f->packets,
			 "start", nfw_time_str(f->start_ms, ts, sizeof(ts)),
			 "end", nfw_time_str(f->end_ms, te, sizeof(te)),
			 "start_ms", (json_int_t)f->start_ms,
			 "end_ms", (json_int_t)f->end_ms,
			 "tcp_flags", (int)f->tcp_flags,
			 "in_if", (json_int_t)f->in_if,
			 "out_if", (json_int_t)f->out_if,
			 "src_as", (json_int_t)f->src_as,
			 "dst_as", (json_int_t)f->dst_as,
			 "next_hop", nfw_addr_str(f->nexthop, n, sizeof(n)),
			 "direction", (int)f->direction,
			 "end_reason", (int)f->end_reason,
			 "tos", (int)f->tos,
			 "exporter", nfw_addr_str(f->exporter, e, sizeof(e)),
			 "exporter_port", (int)f->exporter_port,
			 "domain", (json_int_t)f->domain,
			 "version", (int)f->version,
			 "sampling", (json_int_t)f->sampling,
			 "rate_unknown", (f->flags & NFW_FLOW_F_RATE_UNKNOWN) != 0);
	/* JSON integers here are signed 64-bit: a count past 2^63 (scaled by a
	 * sampling rate) is written as a number with a fraction's precision, never wrapped */
	if (o != NULL && f->bytes > INT64_MAX)
		json_object_set_new(o, "bytes", json_real((double)f->bytes));
	if (o != NULL && f->packets > INT64_MAX)
		json_object_set_new(o, "packets", json_real((double)f->packets));
	return o;
}

struct nfw_flow_writer *
nfw_flow_writer_open(FILE *fp, enum nfw_out_fmt fmt)
{
	struct nfw_flow_writer *w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->fp = fp;
	w->fmt = fmt;
	switch (fmt) {
	case NFW_OUT_LINE:
		fprintf(fp, "%-23s %9s %-5s %39s -> %-39s %-8s %10s %12s %6s %s\n", "Date first seen",
			"Duration", "Proto", "Src IP:Port", "Dst IP:Port", "Flags", "Packets", "Bytes",
			"Rate", "Exporter");
		break;
	case NFW_OUT_CSV:
		fprintf(fp, "start,end,proto,src_ip,src_port,dst_ip,dst_port,tcp_flags,packets,bytes,"
			    "in_if,out_if,src_as,dst_as,next_hop,tos,direction,end_reason,exporter,"
			    "exporter_port,domain,version,sampling,rate_unknown\n");
		break;
	case NFW_OUT_JSON:
		fputs("[", fp);
		break;
	case NFW_OUT_NDJSON:
		break;
	}
	return w;
}

void
nfw_flow_writer_put(struct nfw_flow_writer *w, const struct nfw_flow *f)
{
	char a[64], b[64], n[64], e[64], ts[40], te[40], pb[8], fl[9];

	switch (w->fmt) {
	case NFW_OUT_LINE: {
		char sa[80], da[80];
		nfw_addr_port_str(f->src_addr, f->src_port, sa, sizeof(sa));
		nfw_addr_port_str(f->dst_addr, f->dst_port, da, sizeof(da));
		uint64_t dur = f->end_ms >= f->start_ms ? f->end_ms - f->start_ms : 0;
		fprintf(w->fp, "%-23s %9.3f %-5s %39s -> %-39s %-8s %10" PRIu64 " %12" PRIu64
			" %5u%s %s\n",
			nfw_time_str(f->start_ms, ts, sizeof(ts)), (double)dur / 1000.0,
			nfw_proto_str(f->proto, pb, sizeof(pb)), sa, da, tcp_flags_str(f->tcp_flags, fl),
			f->packets, f->bytes, f->sampling,
			(f->flags & NFW_FLOW_F_RATE_UNKNOWN) ? "?" : " ",
			nfw_addr_str(f->exporter, e, sizeof(e)));
		break;
	}
	case NFW_OUT_CSV:
		fprintf(w->fp, "%s,%s,%u,%s,%u,%s,%u,%u,%" PRIu64 ",%" PRIu64 ",%u,%u,%u,%u,%s,%u,%u,%u,%s,%u,%u,%u,%u,%d\n",
			nfw_time_str(f->start_ms, ts, sizeof(ts)), nfw_time_str(f->end_ms, te, sizeof(te)),
			f->proto, nfw_addr_str(f->src_addr, a, sizeof(a)), f->src_port,
			nfw_addr_str(f->dst_addr, b, sizeof(b)), f->dst_port, f->tcp_flags, f->packets,
			f->bytes, f->in_if, f->out_if, f->src_as, f->dst_as,
			nfw_addr_str(f->nexthop, n, sizeof(n)), f->tos, f->direction, f->end_reason,
			nfw_addr_str(f->exporter, e, sizeof(e)), f->exporter_port, f->domain, f->version,
			f->sampling, (f->flags & NFW_FLOW_F_RATE_UNKNOWN) != 0);
		break;
	case NFW_OUT_JSON:
	case NFW_OUT_NDJSON: {
		json_t *o = nfw_flow_to_json(f);
		if (o == NULL)
			break;
		if (w->fmt == NFW_OUT_JSON)
			fputs(w->n > 0 ? ",\n" : "\n", w->fp);
		json_dumpf(o, w->fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (w->fmt == NFW_OUT_NDJSON)
			fputc('\n', w->fp);
		json_decref(o);
		break;
	}
	}
	w->n++;
}

unsigned long long
nfw_flow_writer_close(struct nfw_flow_writer *w)
{
	if (w == NULL)
		return 0;
	unsigned long long n = w->n;
	if (w->fmt == NFW_OUT_JSON)
		fputs(n > 0 ? "\n]\n" : "]\n", w->fp);
	free(w);
	return n;
}
