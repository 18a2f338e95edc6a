/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v5 (Cisco NetFlow Services Export Version 5).
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +---------------------------------------------------------------+
 * |        version = 5        |            count (1..30)          |
 * |                       sysUpTime (ms)                          |
 * |                       unix_secs                               |
 * |                       unix_nsecs                              |
 * |                       flow_sequence                           |
 * | engine_type | engine_id   | mode(2) |   sampling interval(14) |
 * +---------------------------------------------------------------+
 * then count records of 48 bytes:
 *   srcaddr dstaddr nexthop (4 each) input output (2 each) dPkts dOctets
 *   First Last (4 each, sysUpTime ms) srcport dstport (2 each) pad1
 *   tcp_flags prot tos (1 each) src_as dst_as (2 each) src_mask dst_mask
 *   pad2 (2)
 *
 * The datagram must hold 24 + 48 * count bytes; extra bytes after the last
 * record (some exporters pad) are accepted and counted as padding_bytes.
 * The engine type and id form the domain: sequence numbers (which count
 * flows, not datagrams) are tracked per (exporter, engine).
 */
#include "decode_priv.h"

#define V5_HDR 24
#define V5_REC 48
#define V5_MAX_COUNT 30

static inline uint64_t
uptime_to_abs(uint64_t export_ms, uint32_t uptime, uint32_t t)
{
	/* signed difference: a flow may be stamped slightly after the header */
	int64_t age = (int32_t)(uptime - t);
	return (uint64_t)((int64_t)export_ms - age);
}

int
nfw_v5_decode(struct nfw_decode *d, struct exporter *ex, const uint8_t *buf, size_t len,
	      uint64_t now_ms)
{
	(void)now_ms;
	if (len < V5_HDR)
		return 1 + NFW_DROP_TOO_SHORT;
	unsigned count = rd16(buf + 2);
	if (count == 0 || count > V5_MAX_COUNT || len < V5_HDR + (size_t)count * V5_REC)
		return 1 + NFW_DROP_V5_BAD_COUNT;

	uint32_t uptime = rd32(buf + 4);
	uint64_t export_ms = (uint64_t)rd32(buf + 8) * 1000 + rd32(buf + 12) / 1000000;
	uint32_t seq = rd32(buf + 16);
	uint32_t domain = rd16(buf + 20);
	uint16_t smp = rd16(buf + 22);
	uint32_t rate = smp & 0x3fff;

	if (rate == 0)
		rate = 1;
	else if (ex->last_rate != rate)
		CNT(d, ex, sampling_updates, 1);
	ex->last_rate = rate;

	struct domain_state *dom = nfw_dom_get(d, (uint32_t)(ex - d->exporters), domain);
	if (dom != NULL)
		nfw_seq_check(d, ex, &dom->seq, seq, count, uptime, true, export_ms);

	size_t extra = len - (V5_HDR + (size_t)count * V5_REC);
	if (extra > 0)
		CNT(d, ex, padding_bytes, extra);

	const uint8_t *r = buf + V5_HDR;
	for (unsigned i = 0; i < count; i++, r += V5_REC) {
		struct nfw_flow *f = nfw_out_slot(d, ex);
		if (f == NULL)
			break;
		nfw_flow_addr_set4(f->src_addr, rd32(r));
		nfw_flow_addr_set4(f->dst_addr, rd32(r + 4));
		nfw_flow_addr_set4(f->nexthop, rd32(r + 8));
		memcpy(f->exporter, ex->addr.addr, 16);
		f->in_if = rd16(r + 12);
		f->out_if = rd16(r + 14);
		f->packets = rd32(r + 16);
		f->bytes = rd32(r + 20);
		f->start_ms = uptime_to_abs(export_ms, uptime, rd32(r + 24));
		f->end_ms = uptime_to_abs(export_ms, uptime, rd32(r + 28));
		f->src_port = rd16(r + 32);
		f->dst_port = rd16(r + 34);
		f->tcp_flags = r[37];
		f->proto = r[38];
		f->tos = r[39];
		f->src_as = rd16(r + 40);
		f->dst_as = rd16(r + 42);
		f->domain = domain;
		f->exporter_port = ex->addr.port;
		f->version = NFW_FLOW_V5;
		f->direction = 0;
		f->end_reason = 0;
		f->af = 4;
		f->flags = 0;
		f->pad_ = 0;
		nfw_finish_rate(d, ex, f, rate, true);
	}
	return 0;
}
