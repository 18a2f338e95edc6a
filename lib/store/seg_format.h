/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_SEG_FORMAT_H
#define NFW_SEG_FORMAT_H

/* On-disk layout of segment files v1, shared by the writer and the reader. */

#include <stdint.h>
#include <string.h>

#include "nfw_store.h"

#define SEG_MAGIC "NFWSEG\0\1"
#define SEG_VERSION 1
#define SEG_HDR_LEN 64
#define SEG_REC_LEN 128
#define BLK_MAGIC "NFWB"
#define BLK_HDR_LEN 32
#define BLK_MAX_RECORDS 4096

static inline void
le16p(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
le32p(uint8_t *p, uint32_t v)
{
	le16p(p, (uint16_t)v);
	le16p(p + 2, (uint16_t)(v >> 16));
}

static inline void
le64p(uint8_t *p, uint64_t v)
{
	le32p(p, (uint32_t)v);
	le32p(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t
le16g(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32g(const uint8_t *p)
{
	return (uint32_t)le16g(p) | (uint32_t)le16g(p + 2) << 16;
}

static inline uint64_t
le64g(const uint8_t *p)
{
	return (uint64_t)le32g(p) | (uint64_t)le32g(p + 4) << 32;
}

/*
 * Record, 128 bytes:
 *   0 src[16] 16 dst[16] 32 exporter[16] 48 bytes 56 packets 64 start_ms 72 end_ms
 *   80 records 84 sampling 88 in_if 92 out_if 96 domain 100 src_as 104 dst_as
 *   108 src_port 110 dst_port 112 exporter_port 114 version 116 proto 117 tcp_flags
 *   118 end_reason 119 af 120 tos 121 flags 122 close reason 123..127 zero
 */
static inline void
seg_rec_encode(uint8_t *p, const struct nfw_flow_closed *c)
{
	const struct nfw_flow *f = &c->f;
	memset(p, 0, SEG_REC_LEN);
	memcpy(p, f->src_addr, 16);
	memcpy(p + 16, f->dst_addr, 16);
	memcpy(p + 32, f->exporter, 16);
	le64p(p + 48, f->bytes);
	le64p(p + 56, f->packets);
	le64p(p + 64, f->start_ms);
	le64p(p + 72, f->end_ms);
	le32p(p + 80, c->records);
	le32p(p + 84, f->sampling);
	le32p(p + 88, f->in_if);
	le32p(p + 92, f->out_if);
	le32p(p + 96, f->domain);
	le32p(p + 100, f->src_as);
	le32p(p + 104, f->dst_as);
	le16p(p + 108, f->src_port);
	le16p(p + 110, f->dst_port);
	le16p(p + 112, f->exporter_port);
	le16p(p + 114, f->version);
	p[116] = f->proto;
	p[117] = f->tcp_flags;
	p[118] = f->end_reason;
	p[119] = f->af;
	p[120] = f->tos;
	p[121] = f->flags;
	p[122] = c->reason;
}

static inline void
seg_rec_decode(const uint8_t *p, struct nfw_flow_closed *c)
{
	struct nfw_flow *f = &c->f;
	memset(c, 0, sizeof(*c));
	memcpy(f->src_addr, p, 16);
	memcpy(f->dst_addr, p + 16, 16);
	memcpy(f->exporter, p + 32, 16);
	f->bytes = le64g(p + 48);
	f->packets = le64g(p + 56);
	f->start_ms = le64g(p + 64);
	f->end_ms = le64g(p + 72);
	c->records = le32g(p + 80);
	f->sampling = le32g(p + 84);
	f->in_if = le32g(p + 88);
	f->out_if = le32g(p + 92);
	f->domain = le32g(p + 96);
	f->src_as = le32g(p + 100);
	f->dst_as = le32g(p + 104);
	f->src_port = le16g(p + 108);
	f->dst_port = le16g(p + 110);
	f->exporter_port = le16g(p + 112);
	f->version = le16g(p + 114);
	f->proto = p[116];
	f->tcp_flags = p[117];
	f->end_reason = p[118];
	f->af = p[119];
	f->tos = p[120];
	f->flags = p[121];
	c->reason = p[122];
}

#endif
