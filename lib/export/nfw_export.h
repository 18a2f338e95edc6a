/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_EXPORT_H
#define NFW_EXPORT_H

/*
 * nfw_export: encode flow records as an exporter would send them: NetFlow
 * v5, NetFlow v9, IPFIX and sFlow v5 datagrams. Used by nfwatch-gen, the
 * tests (hand-built packets with known contents) and the benchmarks.
 *
 * One encoder is one exporter stream (one observation domain): it keeps the
 * sequence number and the sysUpTime base, sends templates (IPv4 id 256,
 * IPv6 id 257) and, when `sampling` > 1, a sampling options template (258)
 * and record in the first datagram and every `template_every` datagrams.
 * With `app_name`, IPFIX templates end with applicationName (IE 96) as a
 * variable-length field (RFC 7011 §7), named from the service port.
 * Records are written with the byte and packet counts they hold: a caller
 * that announces 1:N sampling passes counts already divided by N.
 */

#include <stddef.h>
#include <stdint.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

struct nfw_export_params {
	uint16_t version;        /**< NFW_FLOW_V5, _V9, _IPFIX or _SFLOW */
	uint32_t domain;         /**< source id / observation domain / sub-agent */
	uint32_t sampling;       /**< rate to announce; 0 or 1 announces none (v5: 0 in header) */
	uint32_t template_every; /**< re-send templates every N datagrams (0: first only) */
	uint64_t boot_ms;        /**< exporter boot time (Unix ms): sysUpTime base */
	uint8_t agent[16];       /**< sFlow agent address (IPv4-mapped or IPv6) */
	uint16_t mtu;            /**< datagram size bound, default 1400 */
	uint8_t app_name;        /**< IPFIX: add applicationName (IE 96), variable length */
};

/** The application name the encoder writes for a record ("https", "dns", "" ...). */
const char *nfw_export_app_name(const struct nfw_flow *f);

struct nfw_export;

/** Returns NULL with errno EINVAL (bad version) or ENOMEM. */
struct nfw_export *nfw_export_create(const struct nfw_export_params *p);
void nfw_export_free(struct nfw_export *e);

/**
 * Encode as many of recs[0..n) as fit one datagram into buf (cap bytes,
 * at least mtu). *used is the count consumed (0 only when n == 0). Returns
 * the datagram length. `now_ms` is the export time.
 */
size_t nfw_export_build(struct nfw_export *e, const struct nfw_flow *recs, unsigned n,
			unsigned *used, uint64_t now_ms, uint8_t *buf, size_t cap);

/** Force templates (and sampling options) into the next datagram. */
void nfw_export_resend_templates(struct nfw_export *e);

#ifdef __cplusplus
}
#endif

#endif /* NFW_EXPORT_H */
