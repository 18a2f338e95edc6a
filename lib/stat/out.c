/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output in nfdump's terms: number scaling, times, the element statistics
 * table, compiled formats (nfdump's % tokens; line, long, extended and the
 * bidirectional layout are formats written in them, as in nfdump) and the
 * summary block. A format is compiled once into a flat list of tokens and
 * literals; a row is one pass over it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfw_decode.h"
#include "nfw_stat.h"

const char *
nfw_stat_num(uint64_t v, bool exact, char *buf, size_t len)
{
	double d = (double)v;
	if (exact || v < 1000000ull)
		snprintf(buf, len, "%llu", (unsigned long long)v);
	else if (d >= 1e12)
		snprintf(buf, len, "%.1f T", d / 1e12);
	else if (d >= 1e9)
		snprintf(buf, len, "%.1f G", d / 1e9);
	else
		snprintf(buf, len, "%.1f M", d / 1e6);
	return buf;
}

const char *
nfw_stat_time(uint64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (localtime_r(&s, &tm) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	size_t n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	if (n > 0 && n + 5 <= len)
		snprintf(buf + n, len - n, ".%03u", (unsigned)(ms % 1000));
	return buf;
}

static const char *
time_s(uint64_t ms, char *buf, size_t len)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (localtime_r(&s, &tm) == NULL || strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, len, "?");
	return buf;
}

static const char *
duration_str(uint64_t ms, bool exact, char *buf, size_t len)
{
	if (exact)
		snprintf(buf, len, "%llu.%03u", (unsigned long long)(ms / 1000), (unsigned)(ms % 1000));
	else
		snprintf(buf, len, "%02llu:%02u:%02u.%03u", (unsigned long long)(ms / 3600000),
			 (unsigned)(ms / 60000 % 60), (unsigned)(ms / 1000 % 60), (unsigned)(ms % 1000));
	return buf;
}

static const char *
proto_str(unsigned p, bool exact, char *buf, size_t len)
{
	static const char *const names[256] = {
		[1] = "ICMP", [2] = "IGMP", [6] = "TCP", [17] = "UDP", [41] = "IPv6", [47] = "GRE",
		[50] = "ESP", [51] = "AH", [58] = "ICMP6", [89] = "OSPF", [103] = "PIM", [132] = "SCTP",
	};
	if (!exact && p < 256 && names[p] != NULL)
		snprintf(buf, len, "%s", names[p]);
	else
		snprintf(buf, len, "%u", p);
	return buf;
}

static const char *
flags_str(unsigned f, char *buf, size_t len)
{
	static const char letters[] = "CEUAPRSF"; /* bit 7 .. bit 0, as nfdump prints them */
	if (len < 9)
		return "";
	for (int i = 0; i < 8; i++)
		buf[i] = (f & (0x80u >> i)) ? letters[i] : '.';
	buf[8] = '\0';
	return buf;
}

static uint64_t
duration_ms(const struct nfw_stat_entry *e)
{
	return e->last_ms > e->first_ms ? e->last_ms - e->first_ms : 0;
}

static double
pct(uint64_t v, uint64_t total)
{
	return total == 0 ? 0.0 : (double)v * 100.0 / (double)total;
}

static void
elem_value(const struct nfw_stat_spec *sp, const struct nfw_stat_entry *e, bool exact, char *buf,
	   size_t len)
{
	const struct nfw_stat_key *k = &e->key;
	switch (sp->elem) {
	case NFW_STAT_E_SRCIP: case NFW_STAT_E_DSTIP: case NFW_STAT_E_IP:
	case NFW_STAT_E_EXPORTER: case NFW_STAT_E_NEXTHOP:
		nfw_addr_str(k->src, buf, len);
		break;
	case NFW_STAT_E_SRCNET: case NFW_STAT_E_DSTNET: case NFW_STAT_E_NET: {
		char a[64];
		nfw_addr_str(k->src, a, sizeof(a));
		snprintf(buf, len, "%s/%u", a, k->af == 4 ? sp->mask4 : sp->mask6);
		break;
	}
	case NFW_STAT_E_SRCPORT: case NFW_STAT_E_DSTPORT: case NFW_STAT_E_PORT:
		snprintf(buf, len, "%u", k->src_port);
		break;
	case NFW_STAT_E_PROTO:
		proto_str(k->proto, exact, buf, len);
		break;
	case NFW_STAT_E_SRCAS: case NFW_STAT_E_DSTAS: case NFW_STAT_E_AS:
		snprintf(buf, len, "%u", k->src_as);
		break;
	case NFW_STAT_E_INIF: case NFW_STAT_E_OUTIF: case NFW_STAT_E_IF:
		snprintf(buf, len, "%u", k->in_if);
		break;
	case NFW_STAT_E_TOS:
		snprintf(buf, len, "%u", k->tos);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

void
nfw_stat_elem_print(const struct nfw_stat_out *out, const struct nfw_stat_spec *sp, enum nfw_stat_order o,
		    const struct nfw_stat_entry *const *rows, size_t n, uint64_t total_flows,
		    uint64_t total_packets, uint64_t total_bytes)
{
	FILE *fp = out->fp;
	char t1[40], t2[40], d[40], v[80], fl[32], pk[32], by[32], pps[32], bps[32], bpp[32];
	const char *title = nfw_stat_elem_title(sp->elem);

	if (out->json) {
		for (size_t i = 0; i < n; i++) {
			const struct nfw_stat_entry *e = rows[i];
			elem_value(sp, e, true, v, sizeof(v));
			fprintf(fp, "{\"stat\":\"%s\",\"order\":\"%s\",\"rank\":%zu,\"value\":\"%s\","
				"\"first\":%llu,\"last\":%llu,\"flows\":%llu,\"packets\":%llu,\"bytes\":%llu,"
				"\"pps\":%llu,\"bps\":%llu,\"bpp\":%llu}\n",
				title, nfw_stat_order_name(o), i + 1, v, (unsigned long long)e->first_ms,
				(unsigned long long)e->last_ms, (unsigned long long)e->flows,
				(unsigned long long)e->packets, (unsigned long long)e->bytes,
				(unsigned long long)nfw_stat_pps(e), (unsigned long long)nfw_stat_bps(e),
				(unsigned long long)nfw_stat_bpp(e));
		}
		return;
	}
	if (out->csv) {
		fprintf(fp, "ts,te,td,pr,val,fl,flP,pkt,pktP,byt,bytP,pps,bps,bpp\n");
		for (size_t i = 0; i < n; i++) {
			const struct nfw_stat_entry *e = rows[i];
			elem_value(sp, e, true, v, sizeof(v));
			char pr[8] = "any";
			if (sp->elem == NFW_STAT_E_PROTO || sp->by_proto)
				snprintf(pr, sizeof(pr), "%u", e->key.proto);
			fprintf(fp, "%s,%s,%s,%s,%s,%llu,%.1f,%llu,%.1f,%llu,%.1f,%llu,%llu,%llu\n",
				time_s(e->first_ms, t1, sizeof(t1)), time_s(e->last_ms, t2, sizeof(t2)),
				duration_str(duration_ms(e), true, d, sizeof(d)), pr, v,
				(unsigned long long)e->flows, pct(e->flows, total_flows),
				(unsigned long long)e->packets, pct(e->packets, total_packets),
				(unsigned long long)e->bytes, pct(e->bytes, total_bytes),
				(unsigned long long)nfw_stat_pps(e), (unsigned long long)nfw_stat_bps(e),
				(unsigned long long)nfw_stat_bpp(e));
		}
		return;
	}
	if (!out->quiet) {
		fprintf(fp, "Top %zu %s ordered by %s:\n", n, title, nfw_stat_order_name(o));
		fprintf(fp, "%-23s %16s %-5s %16s %12s %14s %14s %10s %8s %5s\n", "Date first seen", "Duration",
			"Proto", title, "Flows(%)", "Packets(%)", "Bytes(%)", "pps", "bps", "bpp");
	}
	for (size_t i = 0; i < n; i++) {
		const struct nfw_stat_entry *e = rows[i];
		bool x = out->exact;
		elem_value(sp, e, x, v, sizeof(v));
		char pr[16] = "any"; /* nfdump names the protocol there for -s proto and :p */
		if (sp->elem == NFW_STAT_E_PROTO || sp->by_proto)
			proto_str(e->key.proto, x, pr, sizeof(pr));
		fprintf(fp, "%-23s %16s %-5s %16s %6s(%4.1f) %8s(%4.1f) %8s(%4.1f) %10s %8s %5s\n",
			nfw_stat_time(e->first_ms, t1, sizeof(t1)), duration_str(duration_ms(e), x, d, sizeof(d)),
			pr, v, nfw_stat_num(e->flows, x, fl, sizeof(fl)), pct(e->flows, total_flows),
			nfw_stat_num(e->packets, x, pk, sizeof(pk)), pct(e->packets, total_packets),
			nfw_stat_num(e->bytes, x, by, sizeof(by)), pct(e->bytes, total_bytes),
			nfw_stat_num(nfw_stat_pps(e), x, pps, sizeof(pps)),
			nfw_stat_num(nfw_stat_bps(e), x, bps, sizeof(bps)),
			nfw_stat_num(nfw_stat_bpp(e), x, bpp, sizeof(bpp)));
	}
	if (!out->quiet)
		fputc('\n', fp);
}

/* --- formats --- */

enum tok {
	T_LIT, T_TS, T_TE, T_TD, T_PR, T_SA, T_DA, T_SAP, T_DAP, T_SP, T_DP, T_SAS, T_DAS,
	T_IN, T_OUT, T_PKT, T_BYT, T_FL, T_FLG, T_TOS, T_BPS, T_PPS, T_BPP, T_NH, T_RA,
	T_IPKT, T_OPKT, T_IBYT, T_OBYT,
};

static const struct {
	const char *name;   /* after '%' */
	enum tok t;
	int width;          /* negative: left-aligned */
	const char *title;
	const char *csv;
} tokens[] = {
	/* longest names first, so %sap is not read as %sa + "p" */
	{ "sap", T_SAP, 22, "Src IP Addr:Port", "sap" },
	{ "dap", T_DAP, -22, "Dst IP Addr:Port", "dap" },
	{ "sas", T_SAS, 6, "Src AS", "sas" },
	{ "das", T_DAS, 6, "Dst AS", "das" },
	{ "pkt", T_PKT, 8, "Packets", "pkt" },
	{ "byt", T_BYT, 8, "Bytes", "byt" },
	{ "flg", T_FLG, -8, "Flags", "flg" },
	{ "tos", T_TOS, 3, "Tos", "tos" },
	{ "bps", T_BPS, 8, "bps", "bps" },
	{ "pps", T_PPS, 8, "pps", "pps" },
	{ "bpp", T_BPP, 6, "Bpp", "bpp" },
	{ "out", T_OUT, 6, "Output", "out" },
	{ "ipkt", T_IPKT, 8, "In Pkt", "ipkt" },
	{ "opkt", T_OPKT, 8, "Out Pkt", "opkt" },
	{ "ibyt", T_IBYT, 8, "In Byte", "ibyt" },
	{ "obyt", T_OBYT, 8, "Out Byte", "obyt" },
	{ "ts", T_TS, -23, "Date first seen", "ts" },
	{ "te", T_TE, -23, "Date last seen", "te" },
	{ "tr", T_TE, -23, "Date flow received", "tr" },
	{ "td", T_TD, 12, "Duration", "td" },
	{ "pr", T_PR, -5, "Proto", "pr" },
	{ "sa", T_SA, 16, "Src IP Addr", "sa" },
	{ "da", T_DA, 16, "Dst IP Addr", "da" },
	{ "sp", T_SP, 6, "Src Pt", "sp" },
	{ "dp", T_DP, 6, "Dst Pt", "dp" },
	{ "in", T_IN, 5, "Input", "in" },
	{ "fl", T_FL, 5, "Flows", "fl" },
	{ "nh", T_NH, 16, "Next-hop IP", "nh" },
	{ "ra", T_RA, 16, "Router IP", "ra" },
};

#define FMT_MAX_ITEMS 64

struct fmt_item {
	enum tok t;
	int tix;          /* index in tokens[], T_LIT: -1 */
	char lit[64];
};

struct nfw_stat_fmt {
	struct fmt_item it[FMT_MAX_ITEMS];
	unsigned n;
};

static const char *const named[][2] = {
	{ "line", "%ts %td %pr %sap -> %dap %pkt %byt %fl" },
	{ "long", "%ts %td %pr %sap -> %dap %flg %tos %pkt %byt %fl" },
	{ "extended", "%ts %td %pr %sap -> %dap %flg %tos %pkt %byt %pps %bps %bpp %fl" },
	{ "bidir", "%ts %td %pr %sap <-> %dap %opkt %ipkt %obyt %ibyt %fl" },
	{ "csv", "%ts,%te,%td,%sa,%da,%sp,%dp,%pr,%flg,%tos,%ipkt,%ibyt,%opkt,%obyt,%in,%out,%sas,%das,%nh,%ra,%fl" },
};

struct nfw_stat_fmt *
nfw_stat_fmt_compile(const char *spec, char *err, size_t errlen)
{
	const char *s = NULL;
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		if (strcmp(spec, named[i][0]) == 0)
			s = named[i][1];
	if (s == NULL && strncmp(spec, "fmt:", 4) == 0)
		s = spec + 4;
	if (s == NULL) {
		snprintf(err, errlen, "format '%s': expected line, long, extended or fmt:...", spec);
		errno = EINVAL;
		return NULL;
	}
	struct nfw_stat_fmt *f = calloc(1, sizeof(*f));
	if (f == NULL) {
		snprintf(err, errlen, "format: out of memory");
		return NULL;
	}
	const char *p = s;
	while (*p != '\0') {
		if (f->n == FMT_MAX_ITEMS) {
			snprintf(err, errlen, "format: more than %d items", FMT_MAX_ITEMS);
			goto fail;
		}
		struct fmt_item *it = &f->it[f->n];
		if (*p == '%') {
			int found = -1;
			for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]) && found < 0; i++)
				if (strncmp(p + 1, tokens[i].name, strlen(tokens[i].name)) == 0)
					found = (int)i;
			if (found < 0) {
				snprintf(err, errlen, "format: unknown token '%.5s' (column %u): expected %%ts %%te "
					 "%%td %%pr %%sa %%da %%sap %%dap %%sp %%dp %%sas %%das %%in %%out %%pkt "
					 "%%byt %%fl %%flg %%tos %%bps %%pps %%bpp %%nh %%ra %%ipkt %%opkt %%ibyt "
					 "%%obyt", p, (unsigned)(p - s) + 1);
				goto fail;
			}
			it->t = tokens[found].t;
			it->tix = found;
			p += 1 + strlen(tokens[found].name);
		} else {
			size_t n = strcspn(p, "%");
			if (n >= sizeof(it->lit))
				n = sizeof(it->lit) - 1;
			it->t = T_LIT;
			it->tix = -1;
			memcpy(it->lit, p, n);
			it->lit[n] = '\0';
			p += n;
		}
		f->n++;
	}
	return f;
fail:
	free(f);
	errno = EINVAL;
	return NULL;
}

void
nfw_stat_fmt_free(struct nfw_stat_fmt *f)
{
	free(f);
}

static void
put_col(FILE *fp, const struct nfw_stat_out *out, int width, const char *v)
{
	if (out->csv)
		fputs(v, fp);
	else if (width < 0)
		fprintf(fp, "%-*s", -width, v);
	else
		fprintf(fp, "%*s", width, v);
}

void
nfw_stat_fmt_header(const struct nfw_stat_fmt *f, const struct nfw_stat_out *out)
{
	if (out->quiet || out->json)
		return;
	for (unsigned i = 0; i < f->n; i++) {
		const struct fmt_item *it = &f->it[i];
		if (it->t == T_LIT)
			fputs(out->csv ? (strchr(it->lit, ',') ? "," : "") : it->lit, out->fp);
		else
			put_col(out->fp, out, tokens[it->tix].width,
				out->csv ? tokens[it->tix].csv : tokens[it->tix].title);
	}
	fputc('\n', out->fp);
}

/* an address; one not in the aggregation key (all zero) reads 0.0.0.0 or ::
 * by the family of the entry's first record, as nfdump */
static const char *
addr_str(const uint8_t a[16], uint8_t af, char *buf, size_t len)
{
	static const uint8_t zero[16];
	if (memcmp(a, zero, 16) == 0) {
		snprintf(buf, len, "%s", af == 6 ? "::" : "0.0.0.0");
		return buf;
	}
	return nfw_addr_str(a, buf, len);
}

static const char *
addr_port(const uint8_t a[16], uint8_t af, uint16_t port, bool csv, char *buf, size_t len)
{
	char s[64];
	addr_str(a, af, s, sizeof(s));
	bool v4 = strchr(s, ':') == NULL;
	if (csv || !v4)
		snprintf(buf, len, "%s%s%u", s, v4 ? ":" : ".", port);
	else
		snprintf(buf, len, "%s:%-5u", s, port);
	return buf;
}

void
nfw_stat_fmt_row(const struct nfw_stat_fmt *f, const struct nfw_stat_out *out, const struct nfw_stat_entry *e)
{
	FILE *fp = out->fp;
	char v[96];
	bool x = out->exact || out->csv;
	const struct nfw_stat_key *k = &e->key;

	if (out->json) {
		char sa[64], da[64];
		fprintf(fp, "{\"first\":%llu,\"last\":%llu,\"proto\":%u,\"src_ip\":\"%s\",\"src_port\":%u,"
			"\"dst_ip\":\"%s\",\"dst_port\":%u,\"packets\":%llu,\"bytes\":%llu,\"in_packets\":%llu,"
			"\"in_bytes\":%llu,\"flows\":%llu,\"tcp_flags\":%u}\n",
			(unsigned long long)e->first_ms, (unsigned long long)e->last_ms, k->proto,
			nfw_addr_str(k->src, sa, sizeof(sa)), k->src_port, nfw_addr_str(k->dst, da, sizeof(da)),
			k->dst_port, (unsigned long long)e->packets, (unsigned long long)e->bytes,
			(unsigned long long)e->in_packets, (unsigned long long)e->in_bytes,
			(unsigned long long)e->flows, e->tcp_flags);
		return;
	}
	for (unsigned i = 0; i < f->n; i++) {
		const struct fmt_item *it = &f->it[i];
		int w = it->tix >= 0 ? tokens[it->tix].width : 0;
		switch (it->t) {
		case T_LIT: fputs(out->csv ? (strchr(it->lit, ',') ? "," : "") : it->lit, fp); continue;
		case T_TS:
			if (out->csv)
				time_s(e->first_ms, v, sizeof(v));
			else
				nfw_stat_time(e->first_ms, v, sizeof(v));
			break;
		case T_TE:
			if (out->csv)
				time_s(e->last_ms, v, sizeof(v));
			else
				nfw_stat_time(e->last_ms, v, sizeof(v));
			break;
		case T_TD: duration_str(duration_ms(e), x, v, sizeof(v)); break;
		case T_PR: proto_str(k->proto, out->exact, v, sizeof(v)); break;
		case T_SA: addr_str(k->src, e->af, v, sizeof(v)); break;
		case T_DA: addr_str(k->dst, e->af, v, sizeof(v)); break;
		case T_SAP: addr_port(k->src, e->af, k->src_port, out->csv, v, sizeof(v)); break;
		case T_DAP: addr_port(k->dst, e->af, k->dst_port, out->csv, v, sizeof(v)); break;
		case T_SP: snprintf(v, sizeof(v), "%u", k->src_port); break;
		case T_DP: snprintf(v, sizeof(v), "%u", k->dst_port); break;
		case T_SAS: snprintf(v, sizeof(v), "%u", k->src_as); break;
		case T_DAS: snprintf(v, sizeof(v), "%u", k->dst_as); break;
		case T_IN: snprintf(v, sizeof(v), "%u", k->in_if); break;
		case T_OUT: snprintf(v, sizeof(v), "%u", k->out_if); break;
		/* %pkt / %byt are the "in" direction, as nfdump's: in a bidirectional entry
		 * the first record's way; otherwise that is all of it */
		case T_PKT: nfw_stat_num(e->in_packets, x, v, sizeof(v)); break;
		case T_BYT: nfw_stat_num(e->in_bytes, x, v, sizeof(v)); break;
		case T_FL: nfw_stat_num(e->flows, x, v, sizeof(v)); break;
		case T_FLG: flags_str(e->tcp_flags, v, sizeof(v)); break;
		case T_TOS: snprintf(v, sizeof(v), "%u", k->tos); break;
		case T_BPS: nfw_stat_num(nfw_stat_bps(e), x, v, sizeof(v)); break;
		case T_PPS: nfw_stat_num(nfw_stat_pps(e), x, v, sizeof(v)); break;
		case T_BPP: nfw_stat_num(nfw_stat_bpp(e), x, v, sizeof(v)); break;
		case T_NH: addr_str(k->nexthop, e->af, v, sizeof(v)); break;
		case T_RA: addr_str(k->exporter, 4, v, sizeof(v)); break;
		case T_IPKT: nfw_stat_num(e->in_packets, x, v, sizeof(v)); break;
		case T_OPKT: nfw_stat_num(e->packets - e->in_packets, x, v, sizeof(v)); break;
		case T_IBYT: nfw_stat_num(e->in_bytes, x, v, sizeof(v)); break;
		case T_OBYT: nfw_stat_num(e->bytes - e->in_bytes, x, v, sizeof(v)); break;
		}
		put_col(fp, out, w, v);
	}
	fputc('\n', fp);
}

/* --- summary --- */

void
nfw_stat_summary_read(struct nfw_stat_summary *s, const struct nfw_flow *f, bool passed)
{
	uint64_t end = f->end_ms > f->start_ms ? f->end_ms : f->start_ms;
	s->processed++;
	if (s->win_first_ms == 0 || f->start_ms < s->win_first_ms)
		s->win_first_ms = f->start_ms;
	if (end > s->win_last_ms)
		s->win_last_ms = end;
	if (!passed)
		return;
	s->passed++;
	s->flows++;
	s->packets += f->packets;
	s->bytes += f->bytes;
	if (s->first_ms == 0 || f->start_ms < s->first_ms)
		s->first_ms = f->start_ms;
	if (end > s->last_ms)
		s->last_ms = end;
}

void
nfw_stat_summary_print(const struct nfw_stat_out *out, const struct nfw_stat_summary *s)
{
	FILE *fp = out->fp;
	char a[32], b[32], c[32], t1[40], t2[40];
	uint64_t dur = s->last_ms > s->first_ms ? s->last_ms - s->first_ms : 0;
	uint64_t bps = dur == 0 ? 0 : (uint64_t)((double)s->bytes * 8000.0 / (double)dur);
	uint64_t pps = dur == 0 ? 0 : s->packets * 1000 / dur;
	uint64_t bpp = s->packets == 0 ? 0 : s->bytes / s->packets;
	if (out->quiet || out->json)
		return;
	if (out->csv) {
		fprintf(fp, "\nSummary\nflows,bytes,packets,avg_bps,avg_pps,avg_bpp\n%llu,%llu,%llu,%llu,%llu,%llu\n",
			(unsigned long long)s->flows, (unsigned long long)s->bytes, (unsigned long long)s->packets,
			(unsigned long long)bps, (unsigned long long)pps, (unsigned long long)bpp);
		return;
	}
	fprintf(fp, "Summary: total flows: %llu, total bytes: %s, total packets: %s, avg bps: %s, "
		"avg pps: %llu, avg bpp: %llu\n", (unsigned long long)s->flows,
		nfw_stat_num(s->bytes, out->exact, a, sizeof(a)), nfw_stat_num(s->packets, out->exact, b, sizeof(b)),
		nfw_stat_num(bps, out->exact, c, sizeof(c)), (unsigned long long)pps, (unsigned long long)bpp);
	if (s->processed > 0)
		fprintf(fp, "Time window: %s - %s\n", time_s(s->win_first_ms, t1, sizeof(t1)),
			time_s(s->win_last_ms, t2, sizeof(t2)));
	else
		fprintf(fp, "Time window: <empty>\n");
	fprintf(fp, "Total flows processed: %llu, passed: %llu\n", (unsigned long long)s->processed,
		(unsigned long long)s->passed);
}
