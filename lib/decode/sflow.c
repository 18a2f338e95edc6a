/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sFlow version 5 (sflow.org, "sFlow Version 5", 2004), XDR encoded.
 *
 * Datagram: | version = 5 | agent address type (1 IPv4, 2 IPv6) |
 *           agent address (4 or 16) | sub-agent id | sequence number |
 *           uptime (ms) | sample count | samples... |
 * Sample:   | enterprise (20 bits) : format (12 bits) | length | data |
 *   0:1 flow sample:          seq, source id, sampling rate, sample pool,
 *                             drops, input, output, record count, records
 *   0:3 expanded flow sample: seq, source id type, index, sampling rate,
 *                             sample pool, drops, input format, value,
 *                             output format, value, record count, records
 *   0:2, 0:4 counter samples, 0:5 discarded-packet events: counted
 * Flow record: | enterprise:format | length | data |
 *   0:1 sampled header (protocol, frame length, stripped, header length,
 *       header bytes), 0:3 sampled IPv4, 0:4 sampled IPv6,
 *   0:1002 extended router (next hop), 0:1003 extended gateway (ASes)
 *
 * Each flow sample becomes one record: the sampled packet's key, bytes =
 * frame length and packets = 1, both multiplied by the sampling rate. sFlow
 * carries no flow times: the record is stamped with the arrival time. The
 * datagram sequence is tracked per (exporter, sub-agent).
 *
 * Two passes, like the other decoders: all sample and record lengths are
 * checked before anything is decoded.
 */
#include "decode_priv.h"

#define SFLOW_MAX_SAMPLES 1024
#define SFLOW_MAX_RECORDS 256

static inline size_t
pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

/* Walk `n` records of a flow sample; returns 0 or -1 if they overrun. */
static int
records_frame(const uint8_t *p, size_t len, uint32_t n)
{
	size_t off = 0;

	if (n > SFLOW_MAX_RECORDS)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 8)
			return -1;
		uint32_t rl = rd32(p + off + 4);
		off += 8;
		if (rl > len - off)
			return -1;
		off += pad4(rl) <= len - off ? pad4(rl) : rl;
	}
	return 0;
}

/* Offset of the record count in a flow sample (0:1) or expanded (0:3). */
static size_t
flow_sample_hdr(uint32_t fmt)
{
	return fmt == 1 ? 28 : 40;
}

static int
sflow_validate(const uint8_t *buf, size_t len, size_t *hdr_len)
{
	if (len < 28)
		return 1 + NFW_DROP_TOO_SHORT;
	uint32_t at = rd32(buf + 4);
	size_t alen = at == 1 ? 4 : at == 2 ? 16 : 0;
	if (alen == 0)
		return 1 + NFW_DROP_SFLOW_BAD_AGENT;
	size_t h = 8 + alen + 16;
	if (len < h)
		return 1 + NFW_DROP_TOO_SHORT;
	uint32_t ns = rd32(buf + h - 4);
	if (ns > SFLOW_MAX_SAMPLES)
		return 1 + NFW_DROP_SFLOW_BAD_SAMPLE;
	size_t off = h;
	for (uint32_t i = 0; i < ns; i++) {
		if (len - off < 8)
			return 1 + NFW_DROP_SFLOW_BAD_SAMPLE;
		uint32_t tag = rd32(buf + off);
		uint32_t sl = rd32(buf + off + 4);
		off += 8;
		if (sl > len - off)
			return 1 + NFW_DROP_SFLOW_BAD_SAMPLE;
		uint32_t fmt = tag & 0xfff;
		if ((tag >> 12) == 0 && (fmt == 1 || fmt == 3)) {
			size_t fh = flow_sample_hdr(fmt);
			if (sl < fh + 4)
				return 1 + NFW_DROP_SFLOW_BAD_SAMPLE;
			uint32_t nr = rd32(buf + off + fh);
			if (records_frame(buf + off + fh + 4, sl - fh - 4, nr) != 0)
				return 1 + NFW_DROP_SFLOW_BAD_SAMPLE;
		}
		off += sl;
	}
	*hdr_len = h;
	return 0;
}

/* next hop: | type | addr | */
static void
read_addr(const uint8_t *p, size_t len, uint8_t out[16], size_t *used)
{
	*used = 0;
	if (len < 4)
		return;
	uint32_t t = rd32(p);
	if (t == 1 && len >= 8) {
		nfw_flow_addr_set4(out, rd32(p + 4));
		*used = 8;
	} else if (t == 2 && len >= 20) {
		memcpy(out, p + 4, 16);
		*used = 20;
	}
}

static void
flow_sample(struct nfw_decode *d, struct exporter *ex, const uint8_t *s, size_t sl, uint32_t fmt,
	    const uint8_t agent[16], uint32_t sub_agent, uint64_t now_ms)
{
	uint32_t rate, in, out;
	size_t fh = flow_sample_hdr(fmt);

	if (fmt == 1) {
		rate = rd32(s + 8);
		in = rd32(s + 20) & 0x3fffffff;
		out = rd32(s + 24) & 0x3fffffff;
	} else {
		rate = rd32(s + 12);
		in = rd32(s + 28);
		out = rd32(s + 36);
	}
	uint32_t nr = rd32(s + fh);
	const uint8_t *p = s + fh + 4;
	const uint8_t *end = s + sl;

	struct nfw_flow f;
	memset(&f, 0, sizeof(f));
	bool have_key = false;
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t tag = rd32(p);
		uint32_t rl = rd32(p + 4);
		const uint8_t *r = p + 8;
		size_t adv = pad4(rl) <= (size_t)(end - r) ? pad4(rl) : rl;
		p = r + adv;
		if ((tag >> 12) != 0)
			continue;
		switch (tag & 0xfff) {
		case 1: /* sampled header */
			if (rl >= 16 && !have_key) {
				uint32_t hp = rd32(r);
				uint32_t flen = rd32(r + 4);
				uint32_t hl = rd32(r + 12);
				if (hl > rl - 16)
					hl = rl - 16;
				if (nfw_pkt_parse(r + 16, hl, hp, &f) == 0) {
					have_key = true;
					f.bytes = flen;
				}
			}
			break;
		case 3: /* sampled IPv4 */
			if (rl >= 32 && !have_key) {
				f.bytes = rd32(r);
				f.proto = (uint8_t)rd32(r + 4);
				nfw_flow_addr_set4(f.src_addr, rd32(r + 8));
				nfw_flow_addr_set4(f.dst_addr, rd32(r + 12));
				f.src_port = (uint16_t)rd32(r + 16);
				f.dst_port = (uint16_t)rd32(r + 20);
				f.tcp_flags = (uint8_t)rd32(r + 24);
				f.tos = (uint8_t)rd32(r + 28);
				f.af = 4;
				have_key = true;
			}
			break;
		case 4: /* sampled IPv6 */
			if (rl >= 56 && !have_key) {
				f.bytes = rd32(r);
				f.proto = (uint8_t)rd32(r + 4);
				memcpy(f.src_addr, r + 8, 16);
				memcpy(f.dst_addr, r + 24, 16);
				f.src_port = (uint16_t)rd32(r + 40);
				f.dst_port = (uint16_t)rd32(r + 44);
				f.tcp_flags = (uint8_t)rd32(r + 48);
				f.af = 6;
				have_key = true;
			}
			break;
		case 1002: { /* extended router */
			size_t u;
			read_addr(r, rl, f.nexthop, &u);
			break;
		}
		case 1003: { /* extended gateway */
			size_t u;
			read_addr(r, rl, f.nexthop, &u);
			if (u > 0 && rl >= u + 12) {
				f.src_as = rd32(r + u + 4);
				/* dst AS: last AS of the last path segment */
				size_t q = u + 12;
				if (rl >= q + 4) {
					uint32_t nseg = rd32(r + q);
					q += 4;
					for (uint32_t sgi = 0; sgi < nseg && sgi < 64; sgi++) {
						if (rl < q + 8)
							break;
						uint32_t cnt = rd32(r + q + 4);
						q += 8;
						if (cnt == 0 || cnt > (rl - q) / 4)
							break;
						f.dst_as = rd32(r + q + (size_t)(cnt - 1) * 4);
						q += (size_t)cnt * 4;
					}
				}
			}
			break;
		}
		default:
			break;
		}
	}
	CNT(d, ex, sflow_flow_samples, 1);
	if (!have_key) {
		CNT(d, ex, sflow_unparsed_samples, 1);
		return;
	}
	struct nfw_flow *o = nfw_out_slot(d, ex);
	if (o == NULL)
		return;
	f.packets = 1;
	f.in_if = in;
	f.out_if = out;
	f.start_ms = f.end_ms = now_ms;
	memcpy(f.exporter, agent, 16);
	f.exporter_port = ex->addr.port;
	f.domain = sub_agent;
	f.version = NFW_FLOW_SFLOW;
	f.flags = NFW_FLOW_F_FROM_SAMPLE;
	*o = f;
	if (rate != 0 && ex->last_rate != rate) {
		ex->last_rate = rate;
		CNT(d, ex, sampling_updates, 1);
	}
	nfw_finish_rate(d, ex, o, rate, rate != 0);
}

int
nfw_sflow_decode(struct nfw_decode *d, struct exporter *ex, const uint8_t *buf, size_t len,
		 uint64_t now_ms)
{
	size_t h = 0;
	int rc = sflow_validate(buf, len, &h);
	if (rc != 0)
		return rc;

	uint8_t agent[16];
	if (rd32(buf + 4) == 1)
		nfw_flow_addr_set4(agent, rd32(buf + 8));
	else
		memcpy(agent, buf + 8, 16);
	uint32_t sub_agent = rd32(buf + h - 16);
	uint32_t seq = rd32(buf + h - 12);
	uint32_t uptime = rd32(buf + h - 8);
	uint32_t ns = rd32(buf + h - 4);

	uint32_t exp_idx = (uint32_t)(ex - d->exporters);
	struct domain_state *dom = nfw_dom_get(d, exp_idx, sub_agent);
	if (dom != NULL)
		nfw_seq_check(d, ex, &dom->seq, seq, 1, uptime, true, now_ms);

	size_t off = h;
	for (uint32_t i = 0; i < ns; i++) {
		uint32_t tag = rd32(buf + off);
		uint32_t sl = rd32(buf + off + 4);
		const uint8_t *s = buf + off + 8;
		off += 8 + (size_t)sl;
		uint32_t fmt = tag & 0xfff;
		if ((tag >> 12) != 0) {
			CNT(d, ex, sflow_unparsed_samples, 1);
			continue;
		}
		switch (fmt) {
		case 1:
		case 3:
			flow_sample(d, ex, s, sl, fmt, agent, sub_agent, now_ms);
			break;
		case 2:
		case 4:
			CNT(d, ex, sflow_counter_samples, 1);
			break;
		case 5:
			CNT(d, ex, sflow_discard_samples, 1);
			break;
		default:
			CNT(d, ex, sflow_unparsed_samples, 1);
			break;
		}
	}
	if (off < len)
		CNT(d, ex, padding_bytes, len - off);
	return 0;
}
