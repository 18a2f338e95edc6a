/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NetFlow v9 (RFC 3954).
 *
 * Header (§5.1), 20 bytes:
 *  | version = 9 | count | sysUpTime | UNIX secs | sequence | source id |
 * then FlowSets (§5.2-5.3), each | FlowSet id (2) | length (2) | ... |:
 *   id 0      template FlowSet: records | template id | field count |
 *             then field count x | type (2) | length (2) |
 *   id 1      options template FlowSet (§6.1): | template id |
 *             option scope length | option length | scope fields |
 *             option fields | padding to 4 bytes
 *   id 2-255  reserved: counted in set_dropped[bad_set_id]
 *   id >= 256 data FlowSet for that template
 *
 * The header count is not trusted (softflowd gets it wrong); FlowSet
 * lengths are walked instead. Exporters pad datagrams with zeros (Palo Alto
 * sends one FlowSet in a 1400-byte zero-filled packet): an all-zero tail is
 * padding. A field of length 65535 is variable length, encoded as in IPFIX
 * (Huawei NetStream sends these). The sequence number counts datagrams per
 * (exporter, source id); sysUpTime going back marks a restart.
 *
 * Two passes: the framing is checked first, with no side effects, so a
 * datagram is either dropped whole or decoded.
 */
#include "decode_priv.h"

#define V9_HDR 20

/* Pass 1: returns 0 or 1 + NFW_DROP_*; *body_len excludes accepted padding. */
static int
v9_validate(const uint8_t *p, size_t len, size_t *body_len)
{
	size_t off = 0;
	unsigned nsets = 0;

	while (len - off >= 4) {
		uint16_t sl = rd16(p + off + 2);
		if (sl < 4) {
			if (all_zero(p + off, len - off))
				break;
			return 1 + NFW_DROP_BAD_SET_LENGTH;
		}
		if (sl > len - off)
			return 1 + NFW_DROP_BAD_SET_LENGTH;
		if (++nsets > NFW_MAX_SETS)
			return 1 + NFW_DROP_TOO_MANY_SETS;
		off += sl;
	}
	*body_len = off;
	return 0;
}

/* n field specifiers | type (2) | length (2) |, already bounds-checked */
static void
read_fields(const uint8_t *q, uint16_t n, struct tpl_field *f)
{
	for (uint16_t i = 0; i < n; i++, q += 4) {
		f[i].id = rd16(q);
		f[i].len = rd16(q + 2);
		f[i].pen = 0;
	}
}

static void
v9_templates(struct nfw_decode *d, struct msg_ctx *m, const uint8_t *p, size_t len)
{
	struct tpl_field f[NFW_TPL_FIELDS_HARD];

	while (len >= 4) {
		uint16_t id = rd16(p);
		uint16_t n = rd16(p + 2);
		if (id == 0 && n == 0 && all_zero(p, len))
			return; /* padding */
		if (n == 0 || (size_t)n * 4 > len - 4) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			return; /* the rest of the set cannot be framed */
		}
		const uint8_t *q = p + 4;
		p += 4 + (size_t)n * 4;
		len -= 4 + (size_t)n * 4;
		if (n > NFW_TPL_FIELDS_HARD) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_TEMPLATE_LIMIT);
			continue;
		}
		read_fields(q, n, f);
		int rc = nfw_tpl_add(d, m, id, f, n, 0, false);
		if (rc != 0)
			CNT_DROP(d, m->ex, set_dropped, rc - 1);
	}
}

static void
v9_options_templates(struct nfw_decode *d, struct msg_ctx *m, const uint8_t *p, size_t len)
{
	struct tpl_field f[NFW_TPL_FIELDS_HARD];

	while (len >= 6) {
		if (all_zero(p, len))
			return; /* padding */
		uint16_t id = rd16(p);
		uint16_t sl = rd16(p + 2);
		uint16_t ol = rd16(p + 4);
		if ((sl % 4) != 0 || (ol % 4) != 0 || sl + ol == 0 || (size_t)sl + ol > len - 6) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			return;
		}
		const uint8_t *q = p + 6;
		uint16_t n = (uint16_t)((sl + ol) / 4);
		p += 6 + (size_t)sl + ol;
		len -= 6 + (size_t)sl + ol;
		if (n > NFW_TPL_FIELDS_HARD) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_TEMPLATE_LIMIT);
			continue;
		}
		read_fields(q, n, f);
		int rc = nfw_tpl_add(d, m, id, f, n, (uint16_t)(sl / 4), true);
		if (rc != 0)
			CNT_DROP(d, m->ex, set_dropped, rc - 1);
	}
}

int
nfw_v9_decode(struct nfw_decode *d, struct exporter *ex, uint32_t exp_idx, const uint8_t *buf,
	      size_t len, uint64_t now_ms)
{
	size_t body = 0;

	if (len < V9_HDR)
		return 1 + NFW_DROP_TOO_SHORT;
	int rc = v9_validate(buf + V9_HDR, len - V9_HDR, &body);
	if (rc != 0)
		return rc;
	if (V9_HDR + body < len)
		CNT(d, ex, padding_bytes, len - V9_HDR - body);

	struct msg_ctx m = {
		.ex = ex,
		.exp_idx = exp_idx,
		.domain = rd32(buf + 16),
		.export_ms = (uint64_t)rd32(buf + 8) * 1000,
		.now_ms = now_ms,
		.uptime_ms = rd32(buf + 4),
		.version = 9,
	};
	m.dom = nfw_dom_get(d, exp_idx, m.domain);
	if (m.dom != NULL)
		nfw_seq_check(d, ex, &m.dom->seq, rd32(buf + 12), 1, m.uptime_ms, true, m.export_ms);

	const uint8_t *p = buf + V9_HDR;
	const uint8_t *end = p + body;
	while (p < end) {
		uint16_t id = rd16(p);
		uint16_t sl = rd16(p + 2);
		const uint8_t *s = p + 4;
		size_t n = sl - 4u;
		p += sl;
		if (id == 0)
			v9_templates(d, &m, s, n);
		else if (id == 1)
			v9_options_templates(d, &m, s, n);
		else if (id < 256)
			CNT_DROP(d, ex, set_dropped, NFW_DROP_BAD_SET_ID);
		else
			nfw_data_set(d, &m, id, s, n);
	}
	return 0;
}
