/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The meter's flow table (nfw_meter.h): entries in one flat array
 * allocated at create, found by a power-of-two array of chain heads (the
 * key's 64-bit hash picks the chain; entries keep 32 bits of it to skip
 * most key compares), and threaded on a list in the order they last saw a
 * packet. Packets come in time order, so the list's head is always the
 * flow idle longest: inactive expiry looks at the head only, and a full
 * table evicts it. Every operation is O(1) but the chain walk.
 *
 * The link layer and IP header come from lib/capture's walker
 * (nfw_capture_parse_ip); this file reads the transport header.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_capture.h"
#include "nfw_meter.h"
#include "nfw_sketch.h"

static const char *const drop_str[] = {
#define NFW_X_METER_STR_(n, s, h) s,
	NFW_METER_DROPS(NFW_X_METER_STR_)
#undef NFW_X_METER_STR_
};

const char *
nfw_meter_drop_str(unsigned reason)
{
	return reason < NFW_METER_DROP__MAX ? drop_str[reason] : "unknown";
}

/* The key, laid out as the first 37 bytes of an entry. */
struct mkey {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
};
#define KEY_LEN 37

struct mflow {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto;
	uint8_t af, flags, tos;
	uint32_t hash;            /* the low 32 bits of the key's hash */
	uint32_t hnext;           /* the chain (index + 1; 0: end), or the free list */
	uint32_t prev, next;      /* the list by last packet (index + 1; 0: none) */
	uint64_t first_us, last_us;
	uint64_t packets, bytes;
};

struct nfw_meter {
	struct nfw_meter_config cfg;
	uint64_t active_us, inactive_us;
	struct mflow *f;
	uint32_t *head;           /* chain heads (index + 1) */
	uint32_t mask;
	uint32_t free_list;       /* index + 1 */
	uint32_t oldest, newest;  /* the list's ends (index + 1) */
	uint64_t now_us;
	struct nfw_meter_stats st;
};

void
nfw_meter_config_default(struct nfw_meter_config *c)
{
	memset(c, 0, sizeof(*c));
	c->active_s = 1800;
	c->inactive_s = 15;
	c->max_flows = 1u << 20;
}

struct nfw_meter *
nfw_meter_create(const struct nfw_meter_config *c)
{
	if (c->emit == NULL || !(c->active_s > 0) || !(c->inactive_s > 0) || c->max_flows == 0 ||
	    c->max_flows > (1u << 30) || c->active_s > 1e9 || c->inactive_s > 1e9) {
		errno = EINVAL;
		return NULL;
	}
	struct nfw_meter *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->cfg = *c;
	m->active_us = (uint64_t)(c->active_s * 1e6);
	m->inactive_us = (uint64_t)(c->inactive_s * 1e6);
	uint32_t nb = 1024;
	while (nb < c->max_flows && nb < (1u << 30))
		nb <<= 1;
	m->mask = nb - 1;
	m->head = calloc(nb, sizeof(*m->head));
	m->f = calloc(c->max_flows, sizeof(*m->f));
	if (m->head == NULL || m->f == NULL) {
		nfw_meter_free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (uint32_t i = 0; i < c->max_flows; i++)
		m->f[i].hnext = i + 2 <= c->max_flows ? i + 2 : 0;
	m->free_list = 1;
	return m;
}

void
nfw_meter_free(struct nfw_meter *m)
{
	if (m == NULL)
		return;
	free(m->head);
	free(m->f);
	free(m);
}

static void
list_unlink(struct nfw_meter *m, uint32_t id)
{
	struct mflow *x = &m->f[id - 1];
	if (x->prev)
		m->f[x->prev - 1].next = x->next;
	else
		m->oldest = x->next;
	if (x->next)
		m->f[x->next - 1].prev = x->prev;
	else
		m->newest = x->prev;
	x->prev = x->next = 0;
}

static void
list_append(struct nfw_meter *m, uint32_t id)
{
	struct mflow *x = &m->f[id - 1];
	x->prev = m->newest;
	x->next = 0;
	if (m->newest)
		m->f[m->newest - 1].next = id;
	else
		m->oldest = id;
	m->newest = id;
}

static void
emit(struct nfw_meter *m, const struct mflow *x)
{
	struct nfw_flow r;
	memset(&r, 0, sizeof(r));
	memcpy(r.src_addr, x->src, 16);
	memcpy(r.dst_addr, x->dst, 16);
	r.src_port = x->sport;
	r.dst_port = x->dport;
	r.proto = x->proto;
	r.af = x->af;
	r.tcp_flags = x->flags;
	r.tos = x->tos;
	r.packets = x->packets;
	r.bytes = x->bytes;
	r.start_ms = x->first_us / 1000;
	r.end_ms = x->last_us / 1000;
	r.sampling = 1;
	r.version = NFW_FLOW_METER;
	m->st.flows++;
	m->cfg.emit(&r, m->cfg.emit_arg);
}

/* End flow id (index + 1): emitted, out of its chain and the list, back on the free list. */
static void
end_flow(struct nfw_meter *m, uint32_t id)
{
	struct mflow *x = &m->f[id - 1];
	emit(m, x);
	uint32_t *pp = &m->head[x->hash & m->mask];
	while (*pp != id)
		pp = &m->f[*pp - 1].hnext;
	*pp = x->hnext;
	list_unlink(m, id);
	x->hnext = m->free_list;
	m->free_list = id;
	m->st.active_flows--;
}

static void
start(struct mflow *x, uint64_t ts, uint32_t len, uint8_t flags, uint8_t tos)
{
	x->first_us = x->last_us = ts;
	x->packets = 1;
	x->bytes = len;
	x->flags = flags;
	x->tos = tos;
}

void
nfw_meter_frame(struct nfw_meter *m, int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
		uint64_t ts_us)
{
	struct nfw_ip_pkt ip;
	unsigned skip = 0;
	m->st.packets++;
	if (!nfw_capture_parse_ip(linktype, frame, caplen, wirelen, &ip, &skip)) {
		m->st.dropped[skip == NFW_CAPTURE_SKIP_NOT_IP ? NFW_METER_DROP_NOT_IP :
			      skip == NFW_CAPTURE_SKIP_TRUNCATED ? NFW_METER_DROP_TRUNCATED :
			      skip == NFW_CAPTURE_SKIP_VLAN_DEPTH ? NFW_METER_DROP_VLAN_DEPTH :
			      skip == NFW_CAPTURE_SKIP_LINKTYPE ? NFW_METER_DROP_LINKTYPE : NFW_METER_DROP_BAD_HEADER]++;
		return;
	}
	struct mkey k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, ip.src, 16);
	memcpy(k.dst, ip.dst, 16);
	k.proto = ip.proto;
	uint8_t flags = 0;
	const uint8_t *p = ip.l4;
	if (ip.later_fragment) {
		m->st.fragments++;
	} else if (ip.proto == 6 || ip.proto == 17 || ip.proto == 132 || ip.proto == 136) {
		size_t need = ip.proto == 6 ? 14 : 4; /* TCP: through the flags */
		if (ip.l4_len < need) {
			m->st.dropped[ip.cut ? NFW_METER_DROP_TRUNCATED : NFW_METER_DROP_BAD_HEADER]++;
			return;
		}
		k.sport = (uint16_t)(p[0] << 8 | p[1]);
		k.dport = (uint16_t)(p[2] << 8 | p[3]);
		if (ip.proto == 6)
			flags = p[13];
	} else if (ip.proto == 1 || ip.proto == 58) {
		if (ip.l4_len < 2) {
			m->st.dropped[ip.cut ? NFW_METER_DROP_TRUNCATED : NFW_METER_DROP_BAD_HEADER]++;
			return;
		}
		k.dport = (uint16_t)(p[0] << 8 | p[1]); /* type << 8 | code */
	}
	m->st.metered++;

	/* the capture's clock: flows idle past the inactive timeout end, oldest first */
	if (ts_us > m->now_us)
		nfw_meter_advance(m, ts_us);
	else if (ts_us < m->now_us)
		m->st.out_of_order++;

	uint64_t h = nfw_hash64(&k, KEY_LEN, 0x6d65746572ull);
	uint32_t *chain = &m->head[(uint32_t)h & m->mask];
	uint32_t id = *chain;
	while (id) {
		const struct mflow *x = &m->f[id - 1];
		if (x->hash == (uint32_t)h && memcmp(x, &k, KEY_LEN) == 0)
			break;
		id = x->hnext;
	}
	if (id) {
		struct mflow *x = &m->f[id - 1];
		if (ts_us >= x->first_us + m->active_us) { /* the active timeout: this packet opens the next record */
			emit(m, x);
			m->st.ended_active++;
			start(x, ts_us, ip.ip_len, flags, ip.tos);
		} else {
			x->packets++;
			x->bytes += ip.ip_len;
			x->flags |= flags;
			if (ts_us > x->last_us)
				x->last_us = ts_us;
			if (ts_us < x->first_us)
				x->first_us = ts_us;
		}
		if (m->newest != id) {
			list_unlink(m, id);
			list_append(m, id);
		}
		return;
	}
	if (m->free_list == 0) { /* full: the flow idle longest ends early */
		m->st.evicted_full++;
		end_flow(m, m->oldest);
		chain = &m->head[(uint32_t)h & m->mask]; /* (unchanged; the chain may have lost an entry) */
	}
	id = m->free_list;
	struct mflow *x = &m->f[id - 1];
	m->free_list = x->hnext;
	memcpy(x, &k, KEY_LEN);
	x->af = ip.af;
	x->hash = (uint32_t)h;
	start(x, ts_us, ip.ip_len, flags, ip.tos);
	x->hnext = *chain;
	*chain = id;
	list_append(m, id);
	m->st.active_flows++;
}

void
nfw_meter_advance(struct nfw_meter *m, uint64_t now_us)
{
	if (now_us <= m->now_us)
		return;
	m->now_us = now_us;
	while (m->oldest && m->f[m->oldest - 1].last_us + m->inactive_us <= now_us) {
		m->st.ended_inactive++;
		end_flow(m, m->oldest);
	}
}

void
nfw_meter_flush(struct nfw_meter *m)
{
	while (m->oldest) {
		m->st.flushed++;
		end_flow(m, m->oldest);
	}
}

void
nfw_meter_stats_get(const struct nfw_meter *m, struct nfw_meter_stats *st)
{
	*st = m->st;
}
