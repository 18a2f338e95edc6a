/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_METER_H
#define NFW_METER_H

/*
 * nfw_meter: raw packets into flow records, an exporter's job (nfpcapd's,
 * softflowd's) for captures of ordinary traffic and mirror ports.
 *
 * A flow is one direction of a conversation: source and destination
 * address and port, protocol (ICMP: type << 8 | code in the destination
 * port, as exporters put it). It counts packets and bytes (the IP length by
 * its header, so a capture cut by its snap length counts what was on the
 * wire), ORs the TCP flags, keeps the first ToS and its first and last
 * packet's time. Fragments past the first carry no ports: they count in
 * the flow of their addresses and protocol with ports 0.
 *
 * A flow ends when it has seen no packet for `inactive_s` (default 15), or
 * when a packet comes `active_s` (default 1800) or more after its first:
 * that packet starts the next record of the conversation, as an exporter's
 * active timeout cuts long flows. Time is the packets' own (a capture read
 * offline ages exactly as the traffic did): flows idle past inactive_s are
 * ended as the capture's clock passes them, oldest first; nfw_meter_flush
 * ends the rest. A packet older than the newest seen (captures are not
 * always in order) is counted at its own time and ages nothing.
 *
 * The table holds max_flows flows (default 1 M, ~100 bytes each, allocated
 * at create). A new flow with the table full ends the least recently seen
 * one early (evicted_full, counted): no packet is lost, and every packet
 * handed in is in exactly one record or counted by its drop reason:
 *   packets = metered + sum(dropped).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_METER_DROPS(X) \
	X(NOT_IP,     "not_ip",     "frame is not IPv4 or IPv6") \
	X(TRUNCATED,  "truncated",  "frame cut before its transport header") \
	X(BAD_HEADER, "bad_header", "IP or transport header lengths inconsistent") \
	X(VLAN_DEPTH, "vlan_depth", "more VLAN tags than the bound") \
	X(LINKTYPE,   "linktype",   "capture link type not supported")

enum nfw_meter_drop {
#define NFW_X_METER_ENUM_(n, s, h) NFW_METER_DROP_##n,
	NFW_METER_DROPS(NFW_X_METER_ENUM_)
#undef NFW_X_METER_ENUM_
	NFW_METER_DROP__MAX
};

const char *nfw_meter_drop_str(unsigned reason);

struct nfw_meter_config {
	double active_s;      /**< 1800: a flow's record ends this long after its first packet */
	double inactive_s;    /**< 15: a flow with no packet for this long ends */
	uint32_t max_flows;   /**< 1 M flows in the table */
	/** Each ended flow (valid during the call); the flow's version is NFW_FLOW_METER. */
	void (*emit)(const struct nfw_flow *f, void *arg);
	void *emit_arg;
};

/** The defaults above (emit NULL: the caller sets it). */
void nfw_meter_config_default(struct nfw_meter_config *c);

struct nfw_meter_stats {
	uint64_t packets;                        /**< frames handed in */
	uint64_t metered;                        /**< counted in a flow */
	uint64_t dropped[NFW_METER_DROP__MAX];   /**< not counted, by reason */
	uint64_t fragments;                      /**< past the first, counted with ports 0 */
	uint64_t out_of_order;                   /**< older than the newest packet seen */
	uint64_t flows;                          /**< records emitted */
	uint64_t ended_inactive;                 /**< of them: idle for inactive_s */
	uint64_t ended_active;                   /**< cut at active_s */
	uint64_t evicted_full;                   /**< ended early: the table was full */
	uint64_t flushed;                        /**< ended by nfw_meter_flush */
	uint64_t active_flows;                   /**< in the table now */
};

struct nfw_meter;

/** NULL with errno EINVAL (no emit, a timeout not positive, no flows) or ENOMEM. */
struct nfw_meter *nfw_meter_create(const struct nfw_meter_config *c);
void nfw_meter_free(struct nfw_meter *m);

/** One frame of a pcap link type, captured caplen of wirelen bytes at ts_us (Unix microseconds). */
void nfw_meter_frame(struct nfw_meter *m, int linktype, const uint8_t *frame, size_t caplen, size_t wirelen,
		     uint64_t ts_us);

/**
 * The clock moves to now_us without a packet (a live port gone quiet):
 * flows idle past inactive_s end. A time before the newest packet's does
 * nothing.
 */
void nfw_meter_advance(struct nfw_meter *m, uint64_t now_us);

/** End every flow (at the end of a capture). */
void nfw_meter_flush(struct nfw_meter *m);

void nfw_meter_stats_get(const struct nfw_meter *m, struct nfw_meter_stats *st);

#ifdef __cplusplus
}
#endif

#endif /* NFW_METER_H */
