/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse a sampled packet header (sFlow "sampled header" record) into the
 * flow key of a record: Ethernet with up to 4 VLAN / QinQ tags, IPv4 (the
 * L4 header only in the first fragment), IPv6 with up to 8 extension
 * headers, then TCP / UDP ports and TCP flags, ICMP type and code as the
 * destination port (type << 8 | code, as nfdump shows them).
 *
 * `proto` is the sFlow header_protocol: 1 Ethernet, 11 IPv4, 12 IPv6.
 * Returns 0 when an IP header was found, -1 otherwise. A header cut short
 * (sFlow samples the first 128 bytes) keeps whatever was read before.
 */
#include "decode_priv.h"

#define ETH_VLAN_MAX 4
#define IPV6_EXT_MAX 8

static void
parse_l4(const uint8_t *p, size_t len, uint8_t proto, struct nfw_flow *f)
{
	switch (proto) {
	case 6:
		if (len >= 14) {
			f->src_port = rd16(p);
			f->dst_port = rd16(p + 2);
			f->tcp_flags = p[13];
		}
		break;
	case 17:
	case 132:
		if (len >= 4) {
			f->src_port = rd16(p);
			f->dst_port = rd16(p + 2);
		}
		break;
	case 1:
	case 58:
		if (len >= 2)
			f->dst_port = (uint16_t)(p[0] << 8 | p[1]);
		break;
	default:
		break;
	}
}

static int
parse_ipv4(const uint8_t *p, size_t len, struct nfw_flow *f)
{
	if (len < 20 || (p[0] >> 4) != 4)
		return -1;
	size_t ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return -1;
	f->af = 4;
	f->tos = p[1];
	f->proto = p[9];
	nfw_flow_addr_set4(f->src_addr, rd32(p + 12));
	nfw_flow_addr_set4(f->dst_addr, rd32(p + 16));
	uint16_t frag = rd16(p + 6) & 0x1fff;
	if (frag == 0 && len > ihl)
		parse_l4(p + ihl, len - ihl, f->proto, f);
	return 0;
}

static int
parse_ipv6(const uint8_t *p, size_t len, struct nfw_flow *f)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return -1;
	f->af = 6;
	f->tos = (uint8_t)((rd16(p) >> 4) & 0xff);
	memcpy(f->src_addr, p + 8, 16);
	memcpy(f->dst_addr, p + 24, 16);
	uint8_t nh = p[6];
	size_t off = 40;
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		if (nh == 0 || nh == 43 || nh == 60) {
			if (len - off < 8)
				break;
			size_t el = ((size_t)p[off + 1] + 1) * 8;
			nh = p[off];
			if (el > len - off) {
				off = len;
				break;
			}
			off += el;
		} else if (nh == 44) {
			if (len - off < 8)
				break;
			bool first = (rd16(p + off + 2) & 0xfff8) == 0;
			nh = p[off];
			off += 8;
			if (!first) {
				f->proto = nh;
				return 0;
			}
		} else {
			break;
		}
	}
	f->proto = nh;
	if (off < len)
		parse_l4(p + off, len - off, nh, f);
	return 0;
}

int
nfw_pkt_parse(const uint8_t *p, size_t len, unsigned proto, struct nfw_flow *f)
{
	if (proto == 11)
		return parse_ipv4(p, len, f);
	if (proto == 12)
		return parse_ipv6(p, len, f);
	if (proto != 1 || len < 14)
		return -1;
	size_t off = 12;
	uint16_t type = rd16(p + off);
	for (int i = 0; i < ETH_VLAN_MAX && (type == 0x8100 || type == 0x88a8 || type == 0x9100);
	     i++) {
		off += 4;
		if (len - off < 2)
			return -1;
		type = rd16(p + off);
	}
	off += 2;
	if (type == 0x0800)
		return parse_ipv4(p + off, len - off, f);
	if (type == 0x86dd)
		return parse_ipv6(p + off, len - off, f);
	return -1;
}
