/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_CAPTURE_H
#define NFW_CAPTURE_H

/*
 * nfw_capture: export datagrams out of files, for the offline tool, tests
 * and benchmarks.
 *
 * - pcap and pcapng (libpcap): Ethernet (up to 4 VLAN / QinQ tags), Linux
 *   cooked v1 and v2, raw IP, BSD loopback; IPv4 (options allowed) and IPv6
 *   (extension headers walked); UDP. Each UDP payload comes out with its
 *   source address and port (the exporter) and the capture timestamp.
 * - raw payload files: `.hex` (one hex payload per line, `#` comments),
 *   otherwise the bytes of one or more datagrams back to back: IPFIX
 *   messages are split by their length field (RFC 5655 files), NetFlow v5
 *   by 24 + 48 * count; anything else is one datagram. Raw payloads come
 *   from the exporter address given at open.
 *
 * Frames that carry no export datagram are counted by reason, never
 * silently skipped: frames == payloads + sum(skipped).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfw_decode.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_CAPTURE_SKIPS(X) \
	X(NOT_IP,      "not_ip",      "frame is not IPv4 or IPv6") \
	X(NOT_UDP,     "not_udp",     "IP packet is not UDP") \
	X(FRAGMENT,    "fragment",    "IP fragment (export datagrams are not reassembled offline)") \
	X(TRUNCATED,   "truncated",   "frame cut short by the capture snap length") \
	X(BAD_HEADER,  "bad_header",  "IP or UDP header lengths inconsistent") \
	X(VLAN_DEPTH,  "vlan_depth",  "more VLAN tags than the bound") \
	X(LINKTYPE,    "linktype",    "capture link type not supported")

enum nfw_capture_skip {
#define NFW_X_CAP_ENUM_(n, s, h) NFW_CAPTURE_SKIP_##n,
	NFW_CAPTURE_SKIPS(NFW_X_CAP_ENUM_)
#undef NFW_X_CAP_ENUM_
	NFW_CAPTURE_SKIP__MAX
};

const char *nfw_capture_skip_str(unsigned reason);

struct nfw_capture_stats {
	uint64_t frames;                         /**< frames or raw datagrams read */
	uint64_t damaged;                        /**< 1 when reading stopped at a damaged record */
	uint64_t payloads;                       /**< UDP payloads handed out */
	uint64_t skipped[NFW_CAPTURE_SKIP__MAX]; /**< frames with no payload, by reason */
};

struct nfw_capture_pkt {
	const uint8_t *payload;     /**< valid until the next call */
	size_t len;
	struct nfw_exporter_addr src;
	uint16_t dst_port;
	uint64_t ts_ms;             /**< capture time, Unix ms */
};

struct nfw_capture;

/**
 * Open a capture or raw payload file. `raw_src` is the exporter raw payloads
 * are attributed to (NULL: 0.0.0.0 port 0). Returns NULL and writes a
 * message into err (errlen bytes) when the file cannot be read.
 */
struct nfw_capture *nfw_capture_open(const char *path, const struct nfw_exporter_addr *raw_src,
				     char *err, size_t errlen);

/**
 * Next payload: 1 and *out filled, 0 at the end of the file, -EIO when the
 * file is damaged (a truncated last record, a bad record header): what was
 * read before it stands, and nfw_capture_error() says what went wrong.
 */
int nfw_capture_next(struct nfw_capture *c, struct nfw_capture_pkt *out);

/** One frame as captured (nfw_capture_next_frame). */
struct nfw_capture_frame {
	const uint8_t *data;        /**< valid until the next call */
	size_t caplen, wirelen;
	int linktype;               /**< the pcap link type */
	uint64_t ts_us;             /**< capture time, Unix microseconds */
};

/**
 * The next frame whatever it holds (for the meter: raw packets to flows),
 * counted in `frames`: 1, 0 at the end, -EIO when the file is damaged, or
 * -ENOTSUP for a raw payload file (it has no frames).
 */
int nfw_capture_next_frame(struct nfw_capture *c, struct nfw_capture_frame *out);

/**
 * Whether a capture holds export datagrams or ordinary traffic: of its first
 * 256 IP frames, the share that are UDP datagrams whose header reads as
 * NetFlow v5 (length 24 + 48 x count), v9, IPFIX (its length field) or sFlow
 * v5, or that go to a collector's port (2055, 2056, 4739, 4740, 6343, 9995,
 * 9996: a damaged export is still one). Half or more: 1, exports (raw
 * payload files always); 0: ordinary traffic (or no IP frame at all); -1:
 * not readable (err says why).
 */
int nfw_capture_holds_exports(const char *path, char *err, size_t errlen);

/** The last read error ("" when none). */
const char *nfw_capture_error(const struct nfw_capture *c);

void nfw_capture_stats_get(const struct nfw_capture *c, struct nfw_capture_stats *st);

/** Close; NULL is accepted. */
void nfw_capture_close(struct nfw_capture *c);

/** One IP packet of a frame, as far as it was captured (nfw_capture_parse_ip). */
struct nfw_ip_pkt {
	uint8_t src[16], dst[16];   /**< IPv4-mapped for IPv4 */
	uint8_t af;                 /**< 4 or 6 */
	uint8_t proto;              /**< the upper layer (after IPv6 extension headers) */
	uint8_t tos;                /**< IPv4 ToS, IPv6 traffic class */
	bool fragment;              /**< a fragment (IPv4 MF or offset, an IPv6 fragment header) */
	bool later_fragment;        /**< a fragment past the first: no upper-layer header */
	bool cut;                   /**< the capture's snap length cut the packet */
	uint32_t ip_len;            /**< the packet's length by its header (what exporters count) */
	const uint8_t *l4;          /**< the upper layer, into the frame */
	size_t l4_len;              /**< its bytes captured */
};

/**
 * Parse one frame down to its IP packet: link layer (as above), then the
 * IPv4 or IPv6 header. A packet longer than what was captured is fine when
 * the snap length cut it (cut), a bad header otherwise. Returns 1, or 0 and
 * *skip an NFW_CAPTURE_SKIP_* reason (not_ip, truncated, bad_header,
 * vlan_depth, linktype).
 */
int nfw_capture_parse_ip(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
			 struct nfw_ip_pkt *out, unsigned *skip);

/**
 * Parse one frame of the given pcap link type down to the UDP payload.
 * Returns 1 and fills out (payload points into frame), or 0 and sets
 * *skip to an NFW_CAPTURE_SKIP_* reason. Exposed for the appliance and tests.
 */
int nfw_capture_parse_frame(int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
			    struct nfw_capture_pkt *out, unsigned *skip);


/*
 * pcap writer: Ethernet / IPv4 or IPv6 / UDP frames around export payloads,
 * for generated captures (nfwatch-gen, the demo, tests). Microsecond pcap.
 */
struct nfw_pcap_writer;

/** Create (truncate) path. NULL and a message in err on failure. */
struct nfw_pcap_writer *nfw_pcap_writer_open(const char *path, char *err, size_t errlen);

/**
 * Append one UDP datagram from src:sport to dst:dport (addresses IPv4-mapped
 * or IPv6; both of one family). Returns 0, -EINVAL (mixed families or a
 * payload over 65000 bytes) or -EIO.
 */
int nfw_pcap_writer_put_udp(struct nfw_pcap_writer *w, const uint8_t src[16], uint16_t sport,
			    const uint8_t dst[16], uint16_t dport, const uint8_t *payload,
			    size_t len, uint64_t ts_ms);

/** Flush and close; returns 0 or -EIO. NULL is accepted. */
int nfw_pcap_writer_close(struct nfw_pcap_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* NFW_CAPTURE_H */
