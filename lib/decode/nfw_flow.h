/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_FLOW_H
#define NFW_FLOW_H

/*
 * The normalized flow record every decoder produces and every later stage
 * (flow table, sketches, detectors, segment files, reports) consumes.
 *
 * Addresses are 16 bytes: IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so that
 * one key layout serves both families; `af` says which one it was on the wire.
 * Byte and packet counts are already multiplied by `sampling`, the rate the
 * decoder applied. Times are absolute Unix milliseconds, converted from
 * sysUpTime-relative fields where the exporter sent those.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Record flags. */
#define NFW_FLOW_F_RATE_UNKNOWN 0x01 /**< no sampling announcement seen: rate 1 assumed */
#define NFW_FLOW_F_TIME_APPROX  0x02 /**< no usable timestamps: export time used */
#define NFW_FLOW_F_FROM_SAMPLE  0x04 /**< built from an sFlow packet sample */

/** Export format a record came from (the version field on the wire). */
#define NFW_FLOW_V5    5
#define NFW_FLOW_V9    9
#define NFW_FLOW_IPFIX 10
#define NFW_FLOW_SFLOW 5005 /* sFlow v5: kept apart from NetFlow v5 */
#define NFW_FLOW_METER 9000 /* metered from raw packets (lib/meter) */

struct nfw_flow {
	uint8_t src_addr[16];
	uint8_t dst_addr[16];
	uint8_t nexthop[16];
	uint8_t exporter[16];   /**< exporter (or sFlow agent) address, IPv4-mapped */
	uint64_t bytes;         /**< scaled by `sampling` */
	uint64_t packets;       /**< scaled by `sampling` */
	uint64_t start_ms;      /**< Unix time, milliseconds */
	uint64_t end_ms;        /**< Unix time, milliseconds */
	uint32_t src_as;
	uint32_t dst_as;
	uint32_t in_if;
	uint32_t out_if;
	uint32_t domain;        /**< observation domain / source id / sFlow sub-agent */
	uint32_t sampling;      /**< the rate applied to bytes and packets (>= 1) */
	uint16_t src_port;
	uint16_t dst_port;
	uint16_t exporter_port;
	uint16_t version;       /**< NFW_FLOW_V5, _V9, _IPFIX or _SFLOW */
	uint8_t proto;
	uint8_t tcp_flags;
	uint8_t direction;      /**< 0 ingress, 1 egress (IE 61) */
	uint8_t end_reason;     /**< flowEndReason (IE 136), 0 if not sent */
	uint8_t af;             /**< 4 or 6 */
	uint8_t tos;
	uint8_t flags;          /**< NFW_FLOW_F_* */
	uint8_t pad_;
};

/** Store an IPv4 address (host order) as IPv4-mapped IPv6. */
static inline void
nfw_flow_addr_set4(uint8_t dst[16], uint32_t v4)
{
	for (int i = 0; i < 10; i++)
		dst[i] = 0;
	dst[10] = 0xff;
	dst[11] = 0xff;
	dst[12] = (uint8_t)(v4 >> 24);
	dst[13] = (uint8_t)(v4 >> 16);
	dst[14] = (uint8_t)(v4 >> 8);
	dst[15] = (uint8_t)v4;
}

/** True when a 16-byte address is IPv4-mapped. */
static inline int
nfw_flow_addr_is4(const uint8_t a[16])
{
	for (int i = 0; i < 10; i++)
		if (a[i] != 0)
			return 0;
	return a[10] == 0xff && a[11] == 0xff;
}

#ifdef __cplusplus
}
#endif

#endif /* NFW_FLOW_H */
