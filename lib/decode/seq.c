/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sequence tracking per (exporter, observation domain).
 *
 * The caller passes the datagram's sequence number and how far it advances
 * the sequence: 1 per datagram for NetFlow v9 and sFlow, the record count
 * for NetFlow v5 (flow_sequence counts flows) and IPFIX (counts data
 * records, RFC 7011 §3.1). Outcomes:
 *
 *   seq == expected                       in order
 *   0 < seq - expected < 2^31             gap: seq - expected counted lost,
 *                                         unless a restart is recognized
 *   seq behind expected, within window,   reordered: a late datagram fills
 *   inside an open gap                    part of a gap already counted lost
 *   behind with no open gap, far behind,  exporter restart: tracking resets,
 *   or sysUpTime went back                nothing counted lost
 *
 * A restart shows as sysUpTime going backwards (v5, v9, sFlow) or, for IPFIX
 * which has no uptime, a sequence that falls further back than the reorder
 * window. The window is seq_reorder_window datagrams (times the datagram's
 * own count for record-counting formats).
 */
#include "decode_priv.h"

void
nfw_seq_check(struct nfw_decode *d, struct exporter *ex, struct seq_state *s, uint32_t seq,
	      uint32_t count, uint32_t uptime_ms, bool has_uptime, uint64_t export_ms)
{
	uint64_t window = (uint64_t)d->prm.seq_reorder_window * (count > 0 ? count : 1);

	if (window > (1u << 30))
		window = 1u << 30;
	if (!s->valid) {
		s->valid = 1;
		goto accept;
	}
	/* sysUpTime went back by more than a few seconds: the exporter restarted */
	if (has_uptime && uptime_ms + 5000u < s->last_uptime && s->last_uptime - uptime_ms < 0x80000000u) {
		CNT(d, ex, seq_restarts, 1);
		goto accept;
	}
	uint32_t ahead = seq - s->next;
	if (ahead == 0)
		goto accept_keep_gap;
	if (ahead < 0x80000000u) {
		/* a gap; a huge one with the uptime reset or far in time is a restart */
		if (ahead > (1u << 24)) {
			CNT(d, ex, seq_restarts, 1);
			goto accept;
		}
		CNT(d, ex, seq_lost, ahead);
		if (s->gap == 0)
			s->gap_lo = s->next;
		s->gap = ahead < 0x7fffffffu - s->gap ? s->gap + ahead : 0x7fffffffu;
		goto accept_keep_gap;
	}
	uint32_t behind = s->next - seq;
	uint32_t back = count > 0 ? count : 1;
	if (behind <= window && s->gap >= back && seq - s->gap_lo < s->next - s->gap_lo) {
		/* a late datagram fills part of a gap counted as lost */
		CNT(d, ex, seq_reordered, 1);
		s->gap -= back;
		if (ex->st.seq_lost >= back) {
			ex->st.seq_lost -= back;
			d->tot.seq_lost -= back;
		}
		if (has_uptime && uptime_ms > s->last_uptime)
			s->last_uptime = uptime_ms;
		return; /* expected stays where it was */
	}
	CNT(d, ex, seq_restarts, 1);
accept:
	s->gap = 0;
accept_keep_gap:
	s->next = seq + count;
	s->last_uptime = uptime_ms;
	s->last_export_ms = export_ms;
}
