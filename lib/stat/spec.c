/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The words of nfdump's statistics command line: orders, -A field lists,
 * -s FIELD/ORDER specs, and the keys element statistics are counted by.
 * Every refusal names the word and what was expected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nfw_stat.h"
#include "stat_priv.h"

static const char *const order_names[NFW_STAT_O__MAX] = {
	"flows", "packets", "bytes", "pps", "bps", "bpp", "tstart", "tend",
};

int
nfw_stat_order_parse(const char *s)
{
	for (int i = 0; i < NFW_STAT_O__MAX; i++)
		if (strcasecmp(s, order_names[i]) == 0)
			return i;
	return -1;
}

const char *
nfw_stat_order_name(enum nfw_stat_order o)
{
	return o < NFW_STAT_O__MAX ? order_names[o] : "?";
}

/* a prefix length after '/', within max; -1 when not a number in range */
static int
mask_len(const char *s, unsigned max)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	long v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 && v <= (long)max ? (int)v : -1;
}

int
nfw_stat_keydef_parse(const char *list, struct nfw_stat_keydef *kd, char *err, size_t errlen)
{
	static const struct { const char *w; uint32_t bit; } words[] = {
		{ "proto", NFW_STAT_K_PROTO }, { "srcport", NFW_STAT_K_SRCPORT },
		{ "dstport", NFW_STAT_K_DSTPORT }, { "srcas", NFW_STAT_K_SRCAS },
		{ "dstas", NFW_STAT_K_DSTAS }, { "inif", NFW_STAT_K_INIF },
		{ "outif", NFW_STAT_K_OUTIF }, { "tos", NFW_STAT_K_TOS },
		{ "nexthop", NFW_STAT_K_NEXTHOP }, { "next", NFW_STAT_K_NEXTHOP },
		{ "router", NFW_STAT_K_EXPORTER }, { "exporter", NFW_STAT_K_EXPORTER },
	};
	char buf[256];
	uint32_t fields = 0;

	kd->src_mask4 = kd->dst_mask4 = 32;
	kd->src_mask6 = kd->dst_mask6 = 128;
	if (strlen(list) >= sizeof(buf)) {
		snprintf(err, errlen, "-A: list too long");
		return -1;
	}
	strcpy(buf, list);
	for (char *save = NULL, *w = strtok_r(buf, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(w, '/');
		if (slash != NULL)
			*slash++ = '\0';
		bool done = false;
		for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
			if (strcasecmp(w, words[i].w) == 0) {
				if (slash != NULL) {
					snprintf(err, errlen, "-A: '%s' takes no /mask", w);
					return -1;
				}
				fields |= words[i].bit;
				done = true;
			}
		if (done)
			continue;
		/* srcip, dstip, srcip4/N, srcip6/N, dstip4/N, dstip6/N, srcnet, dstnet */
		bool src = strncasecmp(w, "src", 3) == 0, dst = strncasecmp(w, "dst", 3) == 0;
		const char *rest = w + 3;
		if ((src || dst) && (strcasecmp(rest, "ip") == 0 || strcasecmp(rest, "ip4") == 0 ||
				     strcasecmp(rest, "ip6") == 0 || strcasecmp(rest, "net") == 0)) {
			bool six = strcasecmp(rest, "ip6") == 0;
			uint8_t *m4 = src ? &kd->src_mask4 : &kd->dst_mask4;
			uint8_t *m6 = src ? &kd->src_mask6 : &kd->dst_mask6;
			if (strcasecmp(rest, "net") == 0 && slash == NULL) {
				*m4 = 24; /* no per-record masks are kept: nfdump's usual /24 and /64 */
				*m6 = 64;
			}
			if (slash != NULL) {
				int m = mask_len(slash, six ? 128 : 32);
				if (m < 0) {
					snprintf(err, errlen, "-A: '%s/%s': the mask is 0..%u", w, slash,
						 six ? 128 : 32);
					return -1;
				}
				if (six)
					*m6 = (uint8_t)m;
				else
					*m4 = (uint8_t)m;
			}
			fields |= src ? NFW_STAT_K_SRCIP : NFW_STAT_K_DSTIP;
			continue;
		}
		snprintf(err, errlen, "-A: unknown field '%s' (proto, srcip, dstip, srcip4/N, srcip6/N, "
			 "srcnet, srcport, dstport, srcas, dstas, inif, outif, tos, nexthop, router)", w);
		return -1;
	}
	if (fields == 0) {
		snprintf(err, errlen, "-A: no field given");
		return -1;
	}
	kd->fields = fields;
	return 0;
}

static const struct {
	const char *word;
	const char *title;
} elems[NFW_STAT_E__MAX] = {
	[NFW_STAT_E_RECORD] = { "record", "flows" },
	[NFW_STAT_E_SRCIP] = { "srcip", "Src IP Addr" },
	[NFW_STAT_E_DSTIP] = { "dstip", "Dst IP Addr" },
	[NFW_STAT_E_IP] = { "ip", "IP Addr" },
	[NFW_STAT_E_SRCPORT] = { "srcport", "Src Port" },
	[NFW_STAT_E_DSTPORT] = { "dstport", "Dst Port" },
	[NFW_STAT_E_PORT] = { "port", "Port" },
	[NFW_STAT_E_PROTO] = { "proto", "Protocol" },
	[NFW_STAT_E_SRCNET] = { "srcnet", "Src Net" },
	[NFW_STAT_E_DSTNET] = { "dstnet", "Dst Net" },
	[NFW_STAT_E_NET] = { "net", "Net" },
	[NFW_STAT_E_SRCAS] = { "srcas", "Src AS" },
	[NFW_STAT_E_DSTAS] = { "dstas", "Dst AS" },
	[NFW_STAT_E_AS] = { "as", "AS" },
	[NFW_STAT_E_INIF] = { "inif", "Input If" },
	[NFW_STAT_E_OUTIF] = { "outif", "Output If" },
	[NFW_STAT_E_IF] = { "if", "In/Out If" },
	[NFW_STAT_E_EXPORTER] = { "router", "Router IP" },
	[NFW_STAT_E_NEXTHOP] = { "nhip", "Nexthop IP" },
	[NFW_STAT_E_TOS] = { "tos", "Tos" },
};

const char *
nfw_stat_elem_title(enum nfw_stat_elem e)
{
	return e < NFW_STAT_E__MAX ? elems[e].title : "?";
}

int
nfw_stat_spec_parse(const char *s, struct nfw_stat_spec *sp, char *err, size_t errlen)
{
	char buf[128];
	memset(sp, 0, sizeof(*sp));
	sp->mask4 = 24;
	sp->mask6 = 64;
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "-s: '%.40s...' is too long", s);
		return -1;
	}
	strcpy(buf, s);
	char *save = NULL, *w = strtok_r(buf, "/", &save);
	if (w == NULL) {
		snprintf(err, errlen, "-s: a field is missing (srcip, dstip, ip, dstport, record, ...)");
		return -1;
	}
	size_t wl = strlen(w);
	if (wl > 2 && w[wl - 2] == ':' && (w[wl - 1] == 'p' || w[wl - 1] == 'P')) { /* nfdump's :p */
		sp->by_proto = true;
		w[wl - 2] = '\0';
	}
	int e = -1;
	for (int i = 0; i < NFW_STAT_E__MAX; i++)
		if (strcasecmp(w, elems[i].word) == 0)
			e = i;
	if (strcasecmp(w, "exporter") == 0)
		e = NFW_STAT_E_EXPORTER;
	if (strcasecmp(w, "nexthop") == 0)
		e = NFW_STAT_E_NEXTHOP;
	if (e < 0) {
		snprintf(err, errlen, "-s: unknown statistic '%s' (record, srcip, dstip, ip, srcport, "
			 "dstport, port, proto, srcnet, dstnet, net, srcas, dstas, as, inif, outif, if, "
			 "router, nhip, tos)", w);
		return -1;
	}
	sp->elem = (enum nfw_stat_elem)e;
	bool net = e == NFW_STAT_E_SRCNET || e == NFW_STAT_E_DSTNET || e == NFW_STAT_E_NET;
	while ((w = strtok_r(NULL, "/", &save)) != NULL) {
		if (net && w[0] >= '0' && w[0] <= '9') {
			int m = mask_len(w, 32);
			if (m < 0) {
				snprintf(err, errlen, "-s %s: the mask '%s' is 0..32", elems[e].word, w);
				return -1;
			}
			sp->mask4 = (uint8_t)m;
			continue;
		}
		int o = nfw_stat_order_parse(w);
		if (o < 0 || o == NFW_STAT_O_TSTART || o == NFW_STAT_O_TEND) {
			snprintf(err, errlen, "-s %s: unknown order '%s' (flows, packets, bytes, pps, bps, bpp)",
				 elems[e].word, w);
			return -1;
		}
		if (sp->norders == NFW_STAT_MAX_ORDERS) {
			snprintf(err, errlen, "-s %s: at most %d orders", elems[e].word, NFW_STAT_MAX_ORDERS);
			return -1;
		}
		sp->orders[sp->norders++] = (enum nfw_stat_order)o;
	}
	if (sp->norders == 0)
		sp->orders[sp->norders++] = NFW_STAT_O_FLOWS; /* nfdump's default */
	return 0;
}

static void
addr_key(struct nfw_stat_key *k, const uint8_t a[16], uint8_t af, int m4, int m6)
{
	memcpy(k->src, a, 16);
	k->af = af;
	if (m4 >= 0)
		stat_mask_addr(k->src, af == 4, (unsigned)m4, (unsigned)m6);
}

/* the element keys of one record (one, or two for two-sided fields): their count, 0 for an unknown element */
static unsigned
elem_keys(const struct nfw_stat_spec *sp, const struct nfw_flow *f, struct nfw_stat_key k[2])
{
	unsigned n = 1;
	memset(k, 0, 2 * sizeof(*k));
	switch (sp->elem) {
	case NFW_STAT_E_SRCIP: addr_key(&k[0], f->src_addr, f->af, -1, -1); break;
	case NFW_STAT_E_DSTIP: addr_key(&k[0], f->dst_addr, f->af, -1, -1); break;
	case NFW_STAT_E_IP:
		addr_key(&k[0], f->src_addr, f->af, -1, -1);
		addr_key(&k[1], f->dst_addr, f->af, -1, -1);
		n = 2;
		break;
	case NFW_STAT_E_SRCNET: addr_key(&k[0], f->src_addr, f->af, sp->mask4, sp->mask6); break;
	case NFW_STAT_E_DSTNET: addr_key(&k[0], f->dst_addr, f->af, sp->mask4, sp->mask6); break;
	case NFW_STAT_E_NET:
		addr_key(&k[0], f->src_addr, f->af, sp->mask4, sp->mask6);
		addr_key(&k[1], f->dst_addr, f->af, sp->mask4, sp->mask6);
		n = 2;
		break;
	case NFW_STAT_E_SRCPORT: k[0].src_port = f->src_port; break;
	case NFW_STAT_E_DSTPORT: k[0].src_port = f->dst_port; break;
	case NFW_STAT_E_PORT:
		k[0].src_port = f->src_port;
		k[1].src_port = f->dst_port;
		n = 2;
		break;
	case NFW_STAT_E_PROTO: k[0].proto = f->proto; break;
	case NFW_STAT_E_SRCAS: k[0].src_as = f->src_as; break;
	case NFW_STAT_E_DSTAS: k[0].src_as = f->dst_as; break;
	case NFW_STAT_E_AS:
		k[0].src_as = f->src_as;
		k[1].src_as = f->dst_as;
		n = 2;
		break;
	case NFW_STAT_E_INIF: k[0].in_if = f->in_if; break;
	case NFW_STAT_E_OUTIF: k[0].in_if = f->out_if; break;
	case NFW_STAT_E_IF:
		k[0].in_if = f->in_if;
		k[1].in_if = f->out_if;
		n = 2;
		break;
	case NFW_STAT_E_EXPORTER: memcpy(k[0].src, f->exporter, 16); break;
	case NFW_STAT_E_NEXTHOP: memcpy(k[0].src, f->nexthop, 16); break;
	case NFW_STAT_E_TOS: k[0].tos = f->tos; break;
	default:
		return 0;
	}
	if (sp->by_proto) /* :p: one entry per value and protocol */
		for (unsigned i = 0; i < n; i++)
			k[i].proto = f->proto;
	return n;
}

int
nfw_stat_elem_add(struct nfw_stat_table *t, const struct nfw_stat_spec *sp, const struct nfw_flow *f)
{
	return nfw_stat_elem_add_burst(t, sp, f, 1);
}

int
nfw_stat_elem_add_burst(struct nfw_stat_table *t, const struct nfw_stat_spec *sp, const struct nfw_flow *f,
			unsigned n)
{
	struct nfw_stat_key k[NFW_STAT_BURST * 2];
	const struct nfw_flow *of[NFW_STAT_BURST * 2];
	unsigned m = 0;
	if (n > NFW_STAT_BURST)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		unsigned c = elem_keys(sp, &f[i], &k[m]);
		if (c == 0)
			return -EINVAL;
		for (unsigned j = 0; j < c; j++)
			of[m + j] = &f[i];
		m += c;
	}
	return nfw_stat_table_add_keys(t, k, of, m);
}
