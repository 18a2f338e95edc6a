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
 *
 * IPFIX exporters do not all count as RFC 7011 says (the number of data
 * records sent before this message, options data records included).
 * softflowd counts the records *including* this message's, and only flow
 * records: every message whose count differs from the last read as a loss
 * or a restart (3184 "lost" records in 5421 messages of which none was
 * missing). nfw_seq_check_ipfix learns the convention per stream: of
 * before / including this message x all records / flow records only, the
 * one that explains consecutive messages. It switches when another
 * convention has explained the last two messages and the current one has
 * not; in a stream's first four messages a message the current convention
 * does not explain but another does is not counted. A sequence number is
 * then brought to the RFC's form (minus this message's count when it
 * includes it) and checked as above.
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

enum { SEQ_PRE_ALL, SEQ_PRE_FLOWS, SEQ_POST_ALL, SEQ_POST_FLOWS };

/* the sequence number in the RFC's form, and the count that advances it, under convention c */
static inline uint32_t
conv_seq(unsigned c, uint32_t seq, uint32_t all, uint32_t flows)
{
	return c == SEQ_POST_ALL ? seq - all : c == SEQ_POST_FLOWS ? seq - flows : seq;
}

static inline uint32_t
conv_count(unsigned c, uint32_t all, uint32_t flows)
{
	return c == SEQ_PRE_FLOWS || c == SEQ_POST_FLOWS ? flows : all;
}

void
nfw_seq_check_ipfix(struct nfw_decode *d, struct exporter *ex, struct seq_state *s, uint32_t seq,
		    uint32_t all, uint32_t flows, uint64_t export_ms)
{
	if (s->valid) {
		unsigned explained = 0;
		for (unsigned c = 0; c < 4; c++) {
			uint32_t prev = conv_seq(c, s->raw_last, s->all_last, s->flows_last);
			bool ok = conv_seq(c, seq, all, flows) == prev + conv_count(c, s->all_last, s->flows_last);
			s->streak[c] = ok ? (uint8_t)(s->streak[c] < 255 ? s->streak[c] + 1 : 255) : 0;
			explained |= (unsigned)ok << c;
		}
		if (s->seen < 255)
			s->seen++;
		if (!(explained & (1u << s->conv)) && explained != 0) {
			/* of the conventions that explain this message, the longest streak */
			unsigned best = (unsigned)__builtin_ctz(explained);
			for (unsigned c = best + 1; c < 4; c++)
				if ((explained & (1u << c)) && s->streak[c] > s->streak[best])
					best = c;
			if (s->streak[best] >= 2 || s->seen <= 4) {
				/* this stream counts another way (or may: a young stream is
				 * not charged while it shows which): in order under it */
				s->conv = (uint8_t)best;
				s->next = conv_seq(best, seq, all, flows);
			}
		}
	}
	s->raw_last = seq;
	s->all_last = all;
	s->flows_last = flows;
	nfw_seq_check(d, ex, s, conv_seq(s->conv, seq, all, flows), conv_count(s->conv, all, flows), 0, false,
		      export_ms);
}
