/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame walker: link layer -> IP (nfw_capture_parse_ip, what the meter
 * reads) -> UDP payload (nfw_capture_parse_frame), over untrusted bytes.
 * Checked in a fixed order at each layer: the header fits, its claimed
 * length is at least the header, the claimed length fits what was captured.
 */
#include <pcap/dlt.h>
#include <stdbool.h>
#include <string.h>

#include "nfw_capture.h"

#define VLAN_MAX 4
#define IPV6_EXT_MAX 8

static inline uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * IPv4: the header fits, its lengths are consistent; a total length past
 * what was captured is a snap length's cut (trunc) or a bad header.
 */
static int
ipv4(const uint8_t *p, size_t len, bool trunc, struct nfw_ip_pkt *out, unsigned *skip)
{
	if (len < 20 || (p[0] >> 4) != 4) {
		*skip = len < 20 && trunc ? NFW_CAPTURE_SKIP_TRUNCATED : NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	size_t tl = be16(p + 2);
	if (ihl < 20 || tl < ihl || ihl > len) {
		*skip = ihl > len && ihl <= tl && trunc ? NFW_CAPTURE_SKIP_TRUNCATED : NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	if (tl > len && !trunc) {
		*skip = NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	uint16_t frag = be16(p + 6);
	out->af = 4;
	out->tos = p[1];
	out->proto = p[9];
	out->ip_len = (uint32_t)tl;
	out->fragment = (frag & 0x3fff) != 0; /* MF set or offset non-zero */
	out->later_fragment = (frag & 0x1fff) != 0;
	nfw_flow_addr_set4(out->src, be32(p + 12));
	nfw_flow_addr_set4(out->dst, be32(p + 16));
	out->l4 = p + ihl;
	out->l4_len = (tl < len ? tl : len) - ihl;
	out->cut = tl > len;
	return 1;
}

/* IPv6: the fixed header, then up to IPV6_EXT_MAX extension headers (a fragment header ends the walk) */
static int
ipv6(const uint8_t *p, size_t len, bool trunc, struct nfw_ip_pkt *out, unsigned *skip)
{
	if (len < 40 || (p[0] >> 4) != 6) {
		*skip = len < 40 && trunc ? NFW_CAPTURE_SKIP_TRUNCATED : NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	size_t pl = be16(p + 4);
	if (pl > len - 40 && !trunc) {
		*skip = NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	size_t left = pl < len - 40 ? pl : len - 40; /* what was captured of the payload */
	const uint8_t *q = p + 40;
	uint8_t nh = p[6];
	out->fragment = out->later_fragment = false;
	for (int i = 0; i < IPV6_EXT_MAX && (nh == 0 || nh == 43 || nh == 60 || nh == 44); i++) {
		if (left < 8) {
			*skip = pl > len - 40 ? NFW_CAPTURE_SKIP_TRUNCATED : NFW_CAPTURE_SKIP_BAD_HEADER;
			return 0;
		}
		if (nh == 44) { /* a fragment: its upper layer is in the first one only */
			out->fragment = true;
			out->later_fragment = (be16(q + 2) & 0xfff8) != 0;
			nh = q[0];
			q += 8;
			left -= 8;
			break;
		}
		size_t el = ((size_t)q[1] + 1) * 8;
		if (el > left) {
			*skip = pl > len - 40 ? NFW_CAPTURE_SKIP_TRUNCATED : NFW_CAPTURE_SKIP_BAD_HEADER;
			return 0;
		}
		nh = q[0];
		q += el;
		left -= el;
	}
	out->af = 6;
	out->tos = (uint8_t)((be16(p) >> 4) & 0xff);
	out->proto = nh;
	out->ip_len = (uint32_t)(40 + pl);
	memcpy(out->src, p + 8, 16);
	memcpy(out->dst, p + 24, 16);
	out->l4 = q;
	out->l4_len = left;
	out->cut = pl > len - 40;
	return 1;
}

static int
by_ethertype(uint16_t type, const uint8_t *p, size_t len, bool trunc, struct nfw_ip_pkt *out, unsigned *skip)
{
	if (type == 0x0800)
		return ipv4(p, len, trunc, out, skip);
	if (type == 0x86dd)
		return ipv6(p, len, trunc, out, skip);
	*skip = NFW_CAPTURE_SKIP_NOT_IP;
	return 0;
}

static int
by_version(const uint8_t *p, size_t len, bool trunc, struct nfw_ip_pkt *out, unsigned *skip)
{
	if (len >= 1 && (p[0] >> 4) == 4)
		return ipv4(p, len, trunc, out, skip);
	if (len >= 1 && (p[0] >> 4) == 6)
		return ipv6(p, len, trunc, out, skip);
	*skip = NFW_CAPTURE_SKIP_NOT_IP;
	return 0;
}

int
nfw_capture_parse_ip(int linktype, const uint8_t *f, size_t caplen, size_t wirelen, struct nfw_ip_pkt *out,
		     unsigned *skip)
{
	bool trunc = caplen < wirelen;

	switch (linktype) {
	case DLT_EN10MB: {
		if (caplen < 14) {
			*skip = NFW_CAPTURE_SKIP_TRUNCATED;
			return 0;
		}
		size_t off = 12;
		uint16_t type = be16(f + off);
		int depth = 0;
		while (type == 0x8100 || type == 0x88a8 || type == 0x9100) {
			if (++depth > VLAN_MAX) {
				*skip = NFW_CAPTURE_SKIP_VLAN_DEPTH;
				return 0;
			}
			off += 4;
			if (caplen < off + 2) { /* (caplen - off would wrap: a tag past a 15-byte frame) */
				*skip = NFW_CAPTURE_SKIP_TRUNCATED;
				return 0;
			}
			type = be16(f + off);
		}
		off += 2;
		return by_ethertype(type, f + off, caplen - off, trunc, out, skip);
	}
	case DLT_LINUX_SLL:
		if (caplen < 16) {
			*skip = NFW_CAPTURE_SKIP_TRUNCATED;
			return 0;
		}
		return by_ethertype(be16(f + 14), f + 16, caplen - 16, trunc, out, skip);
#ifdef DLT_LINUX_SLL2
	case DLT_LINUX_SLL2:
		if (caplen < 20) {
			*skip = NFW_CAPTURE_SKIP_TRUNCATED;
			return 0;
		}
		return by_ethertype(be16(f), f + 20, caplen - 20, trunc, out, skip);
#endif
	case DLT_RAW:
	case 101: /* LINKTYPE_RAW */
	case 228: /* LINKTYPE_IPV4 */
	case 229: /* LINKTYPE_IPV6 */
		return by_version(f, caplen, trunc, out, skip);
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < 4) {
			*skip = NFW_CAPTURE_SKIP_TRUNCATED;
			return 0;
		}
		return by_version(f + 4, caplen - 4, trunc, out, skip);
	default:
		*skip = NFW_CAPTURE_SKIP_LINKTYPE;
		return 0;
	}
}

int
nfw_capture_parse_frame(int linktype, const uint8_t *f, size_t caplen, size_t wirelen,
			struct nfw_capture_pkt *out, unsigned *skip)
{
	struct nfw_ip_pkt ip;
	if (!nfw_capture_parse_ip(linktype, f, caplen, wirelen, &ip, skip))
		return 0;
	if (ip.cut) { /* an export datagram is read whole or not at all */
		*skip = NFW_CAPTURE_SKIP_TRUNCATED;
		return 0;
	}
	if (ip.fragment) {
		*skip = NFW_CAPTURE_SKIP_FRAGMENT;
		return 0;
	}
	if (ip.proto != 17) {
		*skip = NFW_CAPTURE_SKIP_NOT_UDP;
		return 0;
	}
	const uint8_t *p = ip.l4;
	size_t len = ip.l4_len;
	if (len < 8) {
		*skip = NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	uint16_t ul = be16(p + 4);
	if (ul < 8 || ul > len) {
		*skip = NFW_CAPTURE_SKIP_BAD_HEADER;
		return 0;
	}
	memcpy(out->src.addr, ip.src, 16);
	out->src.port = be16(p);
	out->dst_port = be16(p + 2);
	out->payload = p + 8;
	out->len = ul - 8u;
	return 1;
}
