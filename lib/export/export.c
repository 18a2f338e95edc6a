/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exporter-side encoders, the mirror image of lib/decode. Layouts:
 *
 *   v9 / IPFIX data template 256 (IPv4) and 257 (IPv6):
 *     src addr, dst addr, next hop, src port, dst port, proto, tcp flags,
 *     tos, in if, out if, src AS, dst AS, packets, bytes, start, end,
 *     direction, end reason
 *   times: v9 sysUpTime ms (22 / 21); IPFIX flowStart/EndMilliseconds (152/153)
 *   sampling options template 258:
 *     v9:    scope System (1) | samplingInterval (34) | samplingAlgorithm (35)
 *     IPFIX: scope observationDomainId (149) | samplingPacketInterval (305) |
 *            samplingPacketSpace (306)
 *   sFlow: one flow sample (0:1) per record, holding a sampled header
 *     and, when the record has a next hop, extended router data (0:1002)
 *     (Ethernet / IPv4 or IPv6 / TCP or UDP) of frame length bytes/packets.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_export.h"

struct nfw_export {
	struct nfw_export_params p;
	uint32_t seq;
	uint32_t dgrams;
	int force_tpl;
};

struct wbuf {
	uint8_t *p;
	size_t len;
	size_t cap;
};

static void
w8(struct wbuf *b, uint8_t v)
{
	b->p[b->len++] = v;
}

static void
w16(struct wbuf *b, uint16_t v)
{
	b->p[b->len++] = (uint8_t)(v >> 8);
	b->p[b->len++] = (uint8_t)v;
}

static void
w32(struct wbuf *b, uint32_t v)
{
	w16(b, (uint16_t)(v >> 16));
	w16(b, (uint16_t)v);
}

static void
wbytes(struct wbuf *b, const void *s, size_t n)
{
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
put16at(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

struct nfw_export *
nfw_export_create(const struct nfw_export_params *p)
{
	if (p == NULL || (p->version != NFW_FLOW_V5 && p->version != NFW_FLOW_V9 &&
			  p->version != NFW_FLOW_IPFIX && p->version != NFW_FLOW_SFLOW)) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_export *e = calloc(1, sizeof(*e));
	if (e == NULL)
		return NULL;
	e->p = *p;
	if (e->p.mtu == 0)
		e->p.mtu = 1400;
	if (e->p.mtu < 256)
		e->p.mtu = 256;
	e->force_tpl = 1;
	return e;
}

void
nfw_export_free(struct nfw_export *e)
{
	free(e);
}

void
nfw_export_resend_templates(struct nfw_export *e)
{
	e->force_tpl = 1;
}

static uint32_t
uptime(const struct nfw_export *e, uint64_t t)
{
	return (uint32_t)(t - e->p.boot_ms);
}

/* ---- NetFlow v5 ---- */

static size_t
build_v5(struct nfw_export *e, const struct nfw_flow *r, unsigned n, unsigned *used,
	 uint64_t now, struct wbuf *b)
{
	unsigned k = 0, max = (unsigned)((e->p.mtu - 24) / 48);
	if (max > 30)
		max = 30;
	for (; k < n && k < max; k++)
		if (!nfw_flow_addr_is4(r[k].src_addr))
			break; /* v5 is IPv4 only: the caller sends IPv6 elsewhere */
	if (k == 0)
		k = 1; /* an IPv6 record cannot be sent in v5: consume it, send nothing */
	if (!nfw_flow_addr_is4(r[0].src_addr)) {
		*used = 1;
		return 0;
	}
	w16(b, 5);
	w16(b, (uint16_t)k);
	w32(b, uptime(e, now));
	w32(b, (uint32_t)(now / 1000));
	w32(b, (uint32_t)(now % 1000) * 1000000u);
	w32(b, e->seq);
	w8(b, (uint8_t)(e->p.domain >> 8));
	w8(b, (uint8_t)e->p.domain);
	w16(b, e->p.sampling > 1 ? (uint16_t)(0x4000 | (e->p.sampling & 0x3fff)) : 0);
	for (unsigned i = 0; i < k; i++) {
		const struct nfw_flow *f = &r[i];
		wbytes(b, f->src_addr + 12, 4);
		wbytes(b, f->dst_addr + 12, 4);
		wbytes(b, f->nexthop + 12, 4);
		w16(b, (uint16_t)f->in_if);
		w16(b, (uint16_t)f->out_if);
		w32(b, (uint32_t)f->packets);
		w32(b, (uint32_t)f->bytes);
		w32(b, uptime(e, f->start_ms));
		w32(b, uptime(e, f->end_ms));
		w16(b, f->src_port);
		w16(b, f->dst_port);
		w8(b, 0);
		w8(b, f->tcp_flags);
		w8(b, f->proto);
		w8(b, f->tos);
		w16(b, (uint16_t)f->src_as);
		w16(b, (uint16_t)f->dst_as);
		w8(b, 0);
		w8(b, 0);
		w16(b, 0);
	}
	e->seq += k;
	*used = k;
	return b->len;
}

/* ---- NetFlow v9 and IPFIX ---- */

struct fdef {
	uint16_t id;
	uint16_t len4;   /* length in the IPv4 template */
	uint16_t len6;
};

/* v9 layout; IPFIX differs in time fields and counter widths (see below) */
static const struct fdef v9_fields[] = {
	{ 8, 4, 0 }, { 12, 4, 0 }, { 15, 4, 0 }, { 27, 0, 16 }, { 28, 0, 16 }, { 62, 0, 16 },
	{ 7, 2, 2 }, { 11, 2, 2 }, { 4, 1, 1 }, { 6, 1, 1 }, { 5, 1, 1 }, { 10, 2, 2 },
	{ 14, 2, 2 }, { 16, 4, 4 }, { 17, 4, 4 }, { 2, 4, 4 }, { 1, 4, 4 }, { 22, 4, 4 },
	{ 21, 4, 4 }, { 61, 1, 1 }, { 136, 1, 1 },
};

static const struct fdef ipfix_fields[] = {
	{ 8, 4, 0 }, { 12, 4, 0 }, { 15, 4, 0 }, { 27, 0, 16 }, { 28, 0, 16 }, { 62, 0, 16 },
	{ 7, 2, 2 }, { 11, 2, 2 }, { 4, 1, 1 }, { 6, 1, 1 }, { 5, 1, 1 }, { 10, 4, 4 },
	{ 14, 4, 4 }, { 16, 4, 4 }, { 17, 4, 4 }, { 2, 8, 8 }, { 1, 8, 8 }, { 152, 8, 8 },
	{ 153, 8, 8 }, { 61, 1, 1 }, { 136, 1, 1 },
};

#define NFIELDS (sizeof(v9_fields) / sizeof(v9_fields[0]))

#define APP_NAME_IE 96
#define APP_NAME_MAX 15

const char *
nfw_export_app_name(const struct nfw_flow *f)
{
	uint16_t p = f->dst_port < f->src_port ? f->dst_port : f->src_port;
	switch (p) {
	case 22: return "ssh";
	case 25: return "smtp";
	case 53: return "dns";
	case 80: return "http";
	case 123: return "ntp";
	case 135: return "msrpc";
	case 161: return "snmp";
	case 443: return "https";
	case 445: return "smb";
	case 993: return "imaps";
	case 3389: return "rdp";
	case 5985: return "winrm";
	default: return "";
	}
}

static size_t
rec_len(const struct nfw_export *e, const struct fdef *fd, int v6)
{
	size_t n = 0;
	for (size_t i = 0; i < NFIELDS; i++)
		n += v6 ? fd[i].len6 : fd[i].len4;
	if (e->p.app_name && e->p.version == NFW_FLOW_IPFIX)
		n += 1 + APP_NAME_MAX; /* the most a record can take */
	return n;
}

static void
put_uint(struct wbuf *b, uint64_t v, unsigned len)
{
	for (unsigned i = len; i > 0; i--)
		w8(b, (uint8_t)(v >> (8 * (i - 1))));
}

static void
put_record(const struct nfw_export *e, struct wbuf *b, const struct fdef *fd, int v6,
	   const struct nfw_flow *f)
{
	for (size_t i = 0; i < NFIELDS; i++) {
		unsigned len = v6 ? fd[i].len6 : fd[i].len4;
		if (len == 0)
			continue;
		switch (fd[i].id) {
		case 8: wbytes(b, f->src_addr + 12, 4); break;
		case 12: wbytes(b, f->dst_addr + 12, 4); break;
		case 15: wbytes(b, f->nexthop + 12, 4); break;
		case 27: wbytes(b, f->src_addr, 16); break;
		case 28: wbytes(b, f->dst_addr, 16); break;
		case 62: wbytes(b, f->nexthop, 16); break;
		case 7: put_uint(b, f->src_port, len); break;
		case 11: put_uint(b, f->dst_port, len); break;
		case 4: put_uint(b, f->proto, len); break;
		case 6: put_uint(b, f->tcp_flags, len); break;
		case 5: put_uint(b, f->tos, len); break;
		case 10: put_uint(b, f->in_if, len); break;
		case 14: put_uint(b, f->out_if, len); break;
		case 16: put_uint(b, f->src_as, len); break;
		case 17: put_uint(b, f->dst_as, len); break;
		case 2: put_uint(b, f->packets, len); break;
		case 1: put_uint(b, f->bytes, len); break;
		case 22: put_uint(b, uptime(e, f->start_ms), len); break;
		case 21: put_uint(b, uptime(e, f->end_ms), len); break;
		case 152: put_uint(b, f->start_ms, len); break;
		case 153: put_uint(b, f->end_ms, len); break;
		case 61: put_uint(b, f->direction, len); break;
		case 136: put_uint(b, f->end_reason, len); break;
		default: put_uint(b, 0, len); break;
		}
	}
	if (e->p.app_name && e->p.version == NFW_FLOW_IPFIX) {
		const char *name = nfw_export_app_name(f);
		size_t n = strlen(name);
		w8(b, (uint8_t)n);
		wbytes(b, name, n);
	}
}

static void
put_templates(const struct nfw_export *e, struct wbuf *b, int ipfix, const struct fdef *fd)
{
	size_t set = b->len;
	w16(b, ipfix ? 2 : 0);
	w16(b, 0);
	for (int v6 = 0; v6 < 2; v6++) {
		uint16_t cnt = 0;
		for (size_t i = 0; i < NFIELDS; i++)
			cnt += (v6 ? fd[i].len6 : fd[i].len4) != 0;
		bool app = e->p.app_name && ipfix;
		w16(b, (uint16_t)(256 + v6));
		w16(b, (uint16_t)(cnt + app));
		for (size_t i = 0; i < NFIELDS; i++) {
			uint16_t len = v6 ? fd[i].len6 : fd[i].len4;
			if (len == 0)
				continue;
			w16(b, fd[i].id);
			w16(b, len);
		}
		if (app) {
			w16(b, APP_NAME_IE);
			w16(b, 0xffff);
		}
	}
	put16at(b->p + set + 2, (uint16_t)(b->len - set));

	if (e->p.sampling <= 1)
		return;
	/* options template 258 and its record */
	set = b->len;
	if (ipfix) {
		w16(b, 3);
		w16(b, 0);
		w16(b, 258);
		w16(b, 3); /* fields */
		w16(b, 1); /* scope fields */
		w16(b, 149); w16(b, 4);
		w16(b, 305); w16(b, 4);
		w16(b, 306); w16(b, 4);
		w16(b, 0); /* pad to 4 */
	} else {
		w16(b, 1);
		w16(b, 0);
		w16(b, 258);
		w16(b, 4);  /* scope length */
		w16(b, 8);  /* option length */
		w16(b, 1); w16(b, 4);   /* scope: System */
		w16(b, 34); w16(b, 4);
		w16(b, 35); w16(b, 1);
		w16(b, 0); /* pad to 4 */
	}
	put16at(b->p + set + 2, (uint16_t)(b->len - set));
	set = b->len;
	w16(b, 258);
	w16(b, 0);
	if (ipfix) {
		w32(b, e->p.domain);
		w32(b, 1);
		w32(b, e->p.sampling - 1);
	} else {
		w32(b, 0);
		w32(b, e->p.sampling);
		w8(b, 1);
		w8(b, 0); w8(b, 0); w8(b, 0); /* padding */
	}
	put16at(b->p + set + 2, (uint16_t)(b->len - set));
}

static size_t
build_v9_ipfix(struct nfw_export *e, const struct nfw_flow *r, unsigned n, unsigned *used,
	       uint64_t now, struct wbuf *b)
{
	const int ipfix = e->p.version == NFW_FLOW_IPFIX;
	const struct fdef *fd = ipfix ? ipfix_fields : v9_fields;
	const size_t hdr = ipfix ? 16 : 20;
	uint32_t nrec = 0, nsets_recs = 0;

	b->len = hdr;
	bool tpl = e->force_tpl || (e->p.template_every > 0 && e->dgrams % e->p.template_every == 0);
	if (tpl) {
		put_templates(e, b, ipfix, fd);
		e->force_tpl = 0;
		if (e->p.sampling > 1)
			nrec++; /* the options record is a data record (IPFIX sequence) */
	}
	unsigned k = 0;
	while (k < n) {
		int v6 = !nfw_flow_addr_is4(r[k].src_addr);
		size_t rl = rec_len(e, fd, v6);
		if (b->len + 4 + rl + 3 > e->p.mtu)
			break;
		size_t set = b->len;
		w16(b, (uint16_t)(256 + v6));
		w16(b, 0);
		while (k < n && (!nfw_flow_addr_is4(r[k].src_addr)) == v6 && b->len + rl + 3 <= e->p.mtu) {
			put_record(e, b, fd, v6, &r[k]);
			k++;
			nsets_recs++;
		}
		if (!ipfix)
			while ((b->len - set) % 4)
				w8(b, 0); /* RFC 3954 §5.3: FlowSets end on a 4-octet boundary */
		put16at(b->p + set + 2, (uint16_t)(b->len - set));
	}
	nrec += nsets_recs;
	/* header */
	struct wbuf h = { b->p, 0, hdr };
	if (ipfix) {
		w16(&h, 10);
		w16(&h, (uint16_t)b->len);
		w32(&h, (uint32_t)(now / 1000));
		w32(&h, e->seq);
		w32(&h, e->p.domain);
		e->seq += nrec;
	} else {
		w16(&h, 9);
		w16(&h, (uint16_t)(nsets_recs + (tpl ? 2 + (e->p.sampling > 1 ? 2 : 0) : 0)));
		w32(&h, uptime(e, now));
		w32(&h, (uint32_t)(now / 1000));
		w32(&h, e->seq);
		w32(&h, e->p.domain);
		e->seq++;
	}
	*used = k;
	return b->len;
}

/* ---- sFlow v5 ---- */

static void
put_sampled_header(struct wbuf *b, const struct nfw_flow *f, uint32_t frame_len)
{
	int v6 = !nfw_flow_addr_is4(f->src_addr);
	uint8_t hdr[128];
	struct wbuf h = { hdr, 0, sizeof(hdr) };
	static const uint8_t mac_d[6] = { 0x02, 0, 0, 0, 0, 1 }, mac_s[6] = { 0x02, 0, 0, 0, 0, 2 };

	wbytes(&h, mac_d, 6);
	wbytes(&h, mac_s, 6);
	w16(&h, v6 ? 0x86dd : 0x0800);
	uint16_t l4len = f->proto == 6 ? 20 : 8;
	uint16_t iplen = (uint16_t)(frame_len > 14 ? frame_len - 14u : 28u + l4len);
	if (!v6) {
		w8(&h, 0x45); w8(&h, f->tos); w16(&h, iplen); w32(&h, 0);
		w8(&h, 64); w8(&h, f->proto); w16(&h, 0);
		wbytes(&h, f->src_addr + 12, 4);
		wbytes(&h, f->dst_addr + 12, 4);
	} else {
		w32(&h, 0x60000000u | ((uint32_t)f->tos << 20));
		w16(&h, (uint16_t)(iplen > 40 ? iplen - 40 : l4len));
		w8(&h, f->proto); w8(&h, 64);
		wbytes(&h, f->src_addr, 16);
		wbytes(&h, f->dst_addr, 16);
	}
	w16(&h, f->src_port);
	w16(&h, f->dst_port);
	if (f->proto == 6) {
		w32(&h, 1); w32(&h, 0);
		w8(&h, 0x50); w8(&h, f->tcp_flags); w16(&h, 8192); w32(&h, 0);
	} else {
		w16(&h, 8); w16(&h, 0);
	}
	size_t hl = h.len;
	w32(b, 1);                 /* record: sampled header */
	w32(b, (uint32_t)(16 + ((hl + 3) & ~(size_t)3)));
	w32(b, 1);                 /* Ethernet */
	w32(b, frame_len);
	w32(b, 4);                 /* stripped (FCS) */
	w32(b, (uint32_t)hl);
	wbytes(b, hdr, hl);
	while (b->len % 4)
		w8(b, 0);
}

static bool
all_zero16(const uint8_t a[16])
{
	for (int i = 0; i < 16; i++)
		if (a[i] != 0)
			return false;
	return true;
}

static size_t
build_sflow(struct nfw_export *e, const struct nfw_flow *r, unsigned n, unsigned *used,
	    uint64_t now, struct wbuf *b)
{
	int agent6 = !nfw_flow_addr_is4(e->p.agent);
	w32(b, 5);
	w32(b, agent6 ? 2 : 1);
	if (agent6)
		wbytes(b, e->p.agent, 16);
	else
		wbytes(b, e->p.agent + 12, 4);
	w32(b, e->p.domain);
	w32(b, e->seq++);
	w32(b, uptime(e, now));
	size_t nsamp_at = b->len;
	w32(b, 0);
	unsigned k = 0;
	const size_t sample_max = 8 + 32 + 8 + 16 + 128 + 8 + 28;
	uint32_t rate = e->p.sampling > 0 ? e->p.sampling : 1;
	while (k < n && b->len + sample_max <= e->p.mtu) {
		const struct nfw_flow *f = &r[k];
		uint32_t frame = f->packets > 0 ? (uint32_t)(f->bytes / f->packets) : 64u;
		if (frame < 64)
			frame = 64;
		w32(b, 1); /* flow sample */
		size_t len_at = b->len;
		w32(b, 0);
		w32(b, e->dgrams * 64 + k); /* sample seq */
		w32(b, f->in_if & 0xffffff);
		w32(b, rate);
		w32(b, (e->dgrams * 64 + k) * rate);
		w32(b, 0);
		w32(b, f->in_if);
		w32(b, f->out_if);
		bool nh = !all_zero16(f->nexthop);
		w32(b, nh ? 2 : 1); /* records */
		put_sampled_header(b, f, frame);
		if (nh) { /* extended router data (0:1002): next hop, masks */
			bool nh4 = nfw_flow_addr_is4(f->nexthop);
			w32(b, 1002);
			w32(b, nh4 ? 16 : 28);
			w32(b, nh4 ? 1 : 2);
			if (nh4)
				wbytes(b, f->nexthop + 12, 4);
			else
				wbytes(b, f->nexthop, 16);
			w32(b, 0);
			w32(b, 0);
		}
		uint32_t sl = (uint32_t)(b->len - len_at - 4);
		b->p[len_at] = (uint8_t)(sl >> 24);
		b->p[len_at + 1] = (uint8_t)(sl >> 16);
		b->p[len_at + 2] = (uint8_t)(sl >> 8);
		b->p[len_at + 3] = (uint8_t)sl;
		k++;
	}
	b->p[nsamp_at + 2] = (uint8_t)(k >> 8);
	b->p[nsamp_at + 3] = (uint8_t)k;
	*used = k;
	return b->len;
}

size_t
nfw_export_build(struct nfw_export *e, const struct nfw_flow *recs, unsigned n, unsigned *used,
		 uint64_t now_ms, uint8_t *buf, size_t cap)
{
	struct wbuf b = { buf, 0, cap };
	size_t len = 0;

	*used = 0;
	if (n == 0 || cap < e->p.mtu)
		return 0;
	switch (e->p.version) {
	case NFW_FLOW_V5: len = build_v5(e, recs, n, used, now_ms, &b); break;
	case NFW_FLOW_V9:
	case NFW_FLOW_IPFIX: len = build_v9_ipfix(e, recs, n, used, now_ms, &b); break;
	case NFW_FLOW_SFLOW: len = build_sflow(e, recs, n, used, now_ms, &b); break;
	default: break;
	}
	if (len > 0)
		e->dgrams++;
	return len;
}
