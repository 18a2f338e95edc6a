/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPFIX (RFC 7011).
 *
 * Message header (§3.1), 16 bytes:
 *  0                   1                   2                   3
 * +-------------------------------+-------------------------------+
 * |       Version = 0x000a        |        Length (message)       |
 * |                          Export Time                          |
 * |                        Sequence Number                        |
 * |                    Observation Domain ID                      |
 * +---------------------------------------------------------------+
 * Set header (§3.3.2): | Set ID (2) | Length (2) |
 *   2      Template Set: | Template ID | Field Count | field specifiers |
 *   3      Options Template Set: | Template ID | Field Count |
 *          Scope Field Count | field specifiers |
 *   >=256  Data Set
 * Field specifier (§3.2): | E + IE id (2) | length (2) | [PEN (4) if E] |
 *
 * A datagram may hold several messages back to back; each is framed by its
 * own Length. A field count of 0 withdraws a template (§8.1); template id 2
 * (or 3) with count 0 withdraws all (options) templates of the domain.
 * Enterprise-specific IEs are skipped. The sequence number counts data
 * records per domain; it is checked after the message is decoded, when its
 * record count is known. A data set waiting for its template leaves the
 * count unknown: tracking resyncs on the next message instead of guessing.
 */
#include "decode_priv.h"

#define IPFIX_HDR 16

static int
ipfix_validate_sets(const uint8_t *p, size_t len)
{
	size_t off = 0;
	unsigned nsets = 0;

	while (off < len) {
		if (len - off < 4)
			return 1 + NFW_DROP_BAD_SET_LENGTH;
		uint16_t sl = rd16(p + off + 2);
		if (sl < 4 || sl > len - off)
			return 1 + NFW_DROP_BAD_SET_LENGTH;
		if (++nsets > NFW_MAX_SETS)
			return 1 + NFW_DROP_TOO_MANY_SETS;
		off += sl;
	}
	return 0;
}

/* Pass 1 over the whole datagram. */
static int
ipfix_validate(const uint8_t *buf, size_t len, size_t *used)
{
	size_t off = 0;

	while (off < len) {
		size_t left = len - off;
		if (off > 0 && all_zero(buf + off, left))
			break;
		if (left < IPFIX_HDR)
			return 1 + (off == 0 ? NFW_DROP_TOO_SHORT : NFW_DROP_TRAILING_BYTES);
		if (rd16(buf + off) != 10)
			return 1 + NFW_DROP_TRAILING_BYTES;
		uint16_t ml = rd16(buf + off + 2);
		if (ml < IPFIX_HDR)
			return 1 + NFW_DROP_BAD_MSG_LENGTH;
		if (ml > left)
			return 1 + NFW_DROP_MSG_TRUNCATED;
		int rc = ipfix_validate_sets(buf + off + IPFIX_HDR, ml - IPFIX_HDR);
		if (rc != 0)
			return rc;
		off += ml;
	}
	*used = off;
	return 0;
}

/* Read `n` field specifiers; returns bytes consumed or 0 if they overrun. */
static size_t
read_fields(const uint8_t *p, size_t len, uint16_t n, struct tpl_field *f, bool store)
{
	size_t off = 0;

	for (uint16_t i = 0; i < n; i++) {
		if (len - off < 4)
			return 0;
		uint16_t id = rd16(p + off);
		uint16_t fl = rd16(p + off + 2);
		uint32_t pen = 0;
		off += 4;
		if (id & 0x8000) {
			if (len - off < 4)
				return 0;
			pen = rd32(p + off);
			off += 4;
			id &= 0x7fff;
			if (pen == 0)
				pen = 0xffffffffu; /* keep it apart from IANA IEs */
		}
		if (store) {
			f[i].id = id;
			f[i].len = fl;
			f[i].pen = pen;
		}
	}
	return off;
}

static void
ipfix_templates(struct nfw_decode *d, struct msg_ctx *m, const uint8_t *p, size_t len,
		bool options)
{
	struct tpl_field f[NFW_TPL_FIELDS_HARD];
	const size_t hdr = options ? 6 : 4;

	while (len >= 4) {
		uint16_t id = rd16(p);
		uint16_t n = rd16(p + 2);
		if (id == 0 && all_zero(p, len))
			return; /* set padding */
		if (n == 0) { /* withdrawal: 4 bytes in both set types */
			if (id == (options ? 3 : 2))
				nfw_tpl_withdraw(d, m, 0, true, options);
			else if (id >= 256)
				nfw_tpl_withdraw(d, m, id, false, options);
			else
				CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			p += 4;
			len -= 4;
			continue;
		}
		if (len < hdr) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			return;
		}
		uint16_t nscope = options ? rd16(p + 4) : 0;
		bool store = n <= NFW_TPL_FIELDS_HARD;
		size_t used = read_fields(p + hdr, len - hdr, n, f, store);
		if (used == 0) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			return; /* overruns the set: nothing after it can be framed */
		}
		p += hdr + used;
		len -= hdr + used;
		if (options && (nscope == 0 || nscope > n)) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_BAD_TEMPLATE);
			continue;
		}
		if (!store) {
			CNT_DROP(d, m->ex, set_dropped, NFW_DROP_TEMPLATE_LIMIT);
			continue;
		}
		int rc = nfw_tpl_add(d, m, id, f, n, nscope, options);
		if (rc != 0)
			CNT_DROP(d, m->ex, set_dropped, rc - 1);
	}
}

static void
ipfix_message(struct nfw_decode *d, struct exporter *ex, uint32_t exp_idx, const uint8_t *msg,
	      size_t ml, uint64_t now_ms)
{
	struct msg_ctx m = {
		.ex = ex,
		.exp_idx = exp_idx,
		.domain = rd32(msg + 12),
		.export_ms = (uint64_t)rd32(msg + 4) * 1000,
		.now_ms = now_ms,
		.version = 10,
	};
	m.dom = nfw_dom_get(d, exp_idx, m.domain);
	CNT(d, ex, messages, 1);

	const uint8_t *p = msg + IPFIX_HDR;
	const uint8_t *end = msg + ml;
	while (p < end) {
		uint16_t id = rd16(p);
		uint16_t sl = rd16(p + 2);
		const uint8_t *s = p + 4;
		size_t n = sl - 4u;
		p += sl;
		if (id == 2)
			ipfix_templates(d, &m, s, n, false);
		else if (id == 3)
			ipfix_templates(d, &m, s, n, true);
		else if (id < 256)
			CNT_DROP(d, ex, set_dropped, NFW_DROP_BAD_SET_ID);
		else
			nfw_data_set(d, &m, id, s, n);
	}
	if (m.dom == NULL)
		return;
	if (m.count_unknown) {
		if (m.dom->seq.valid)
			CNT(d, ex, seq_resync, 1);
		m.dom->seq.valid = 0;
		return;
	}
	nfw_seq_check_ipfix(d, ex, &m.dom->seq, rd32(msg + 8), (uint32_t)m.data_records,
			    (uint32_t)m.flow_records, m.export_ms);
}

int
nfw_ipfix_decode(struct nfw_decode *d, struct exporter *ex, uint32_t exp_idx, const uint8_t *buf,
		 size_t len, uint64_t now_ms)
{
	size_t used = 0;
	int rc = ipfix_validate(buf, len, &used);

	if (rc != 0)
		return rc;
	if (used < len)
		CNT(d, ex, padding_bytes, len - used);
	size_t off = 0;
	while (off < used) {
		uint16_t ml = rd16(buf + off + 2);
		ipfix_message(d, ex, exp_idx, buf + off, ml, now_ms);
		off += ml;
	}
	return 0;
}
