/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fan-out: port scans and lateral movement.
 *
 * Every flow of a source not yet tracked weighs on it in a conservative
 * count-min (a tracked source's flows skip it): a failed
 * attempt (TCP without ACK: SYN only, SYN then RST) weighs 10, a UDP or
 * ICMP probe 5, an established TCP flow 1. Only sources past the
 * prefilter (scan_prefilter x 10) get state, so a flood of spoofed
 * sources cannot exhaust memory; internal sources reaching internal hosts
 * on admin ports are tracked at once (a lateral sweep may be short). A
 * tracked source keeps, in one flat entry, HyperLogLogs of its
 * destinations, ports and internal destinations reached on admin ports,
 * counts of attempts, failures and replies (flows back to it from the port
 * it probed), and its top eight ports and destinations.
 *
 * At run time a tracked source is
 *   lateral_movement  internal, reaching >= lateral_min_dsts internal hosts
 *                     on admin ports (445, 3389, 5985, 5986, 22, 135, 139)
 *   port_scan         wide (horizontal: >= scan_min_dsts destinations;
 *                     vertical: >= scan_min_ports ports on one destination;
 *                     block: both >= 20) and at least 30 % of its attempts
 *                     failed or unanswered: a poller whose requests are all
 *                     answered is not scanning. Answers (service port to
 *                     ephemeral port) are no attempts at all.
 * Monitoring pollers (role) score lower.
 *
 * State is bounded in time as well as in size: a source with no flow for
 * scan_idle_s (by detect_clock) is dropped at the next run (its
 * finding kept, detect_retire), and the prefilter's counts are halved
 * once per scan_idle_s, so the sources a link saw last month do not all
 * end up past it. A busy link fills the table with clients past the
 * prefilter by sheer volume, and a scanner that comes later would be
 * refused until they go idle (a day): a run that finds it 3/4 full drops,
 * down to half, the sources whose shares rule out both findings
 * (fanout_sources_evicted). A busy client comes back at its next flow; a
 * scanner refused meanwhile gets in at its next attempt after the run.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect_priv.h"

#define HLL_P 9

/*
 * One tracked source, flat. A flow touches three lines of it (prefetched
 * together): the counts, the top ports, the top destinations; then one
 * register in each HyperLogLog, whose line follows from the slot alone.
 * The counts are 32-bit and saturate (a source past 4 G attempts within
 * scan_idle_s keeps its shares).
 */
struct src {
	uint8_t addr[16];
	uint32_t attempts, failed, udp, replies, admin;
	uint32_t sampling;                  /* the highest rate its flows came at (1 or 0: unsampled) */
	uint64_t first_ms, last_ms;
	uint32_t admin_win, admin_win_n;    /* the 10-minute window of its last admin attempt, and
					       its admin attempts in it */
	uint32_t admin_burst;               /* the most admin attempts in one such window */
	uint8_t admin_ports;                /* which admin ports it tried (bit i: admin_list[i]) */
	struct nfw_top8 top_ports;          /* key: the port */
	struct nfw_top8 fail_ports;         /* key: the port; count: failed TCP attempts on it */
	struct nfw_top8 top_dsts;           /* key: 32 bits of the destination's hash */
	uint8_t top_dst_addr[NFW_TOP8_K][16];
	uint8_t dsts[1u << HLL_P];       /* destinations */
	uint8_t ports[1u << HLL_P];      /* destination ports */
	uint8_t admin_dsts[1u << HLL_P]; /* internal destinations on admin ports */
	uint8_t fail_dsts[1u << HLL_P];  /* destinations of failed TCP attempts */
} __attribute__((aligned(64)));

#define SRC_HOT_LINES ((offsetof(struct src, top_dst_addr) + 63) / 64)

struct fanout_state {
	struct nfw_cms *pre;
	struct dslot *slot;
	uint32_t mask;
	struct src *s;
	void *mem;             /* s, before its alignment */
	uint32_t n, max;
	uint64_t halved_ms;    /* when the prefilter was last halved */
};

static const uint16_t admin_list[] = { 445, 3389, 5985, 5986, 22, 135, 139 };
#define ADMIN_WIN_MS 600000u /* lateral movement is a sweep: its admin attempts within 10 minutes */

/* the port's bit in src.admin_ports, 0: not an admin port */
static unsigned
admin_bit(uint16_t p)
{
	for (unsigned i = 0; i < sizeof(admin_list) / sizeof(admin_list[0]); i++)
		if (admin_list[i] == p)
			return 1u << i;
	return 0;
}


struct fanout_state *
fanout_create(const struct nfw_detect_config *c)
{
	struct fanout_state *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	s->max = c->fanout_max_sources;
	uint32_t n = 1024;
	while (n < s->max * 2u && n < (1u << 28))
		n <<= 1;
	s->mask = n - 1;
	s->pre = nfw_cms_create(1u << 16, 4, 1, 0x5ca11);
	s->slot = calloc(n, sizeof(*s->slot));
	s->s = detect_calloc_lines(s->max, sizeof(*s->s), &s->mem);
	if (s->pre == NULL || s->slot == NULL || s->s == NULL) {
		fanout_free(s);
		return NULL;
	}
	return s;
}

void
fanout_free(struct fanout_state *s)
{
	if (s == NULL)
		return;
	free(s->mem);
	free(s->slot);
	nfw_cms_free(s->pre);
	free(s);
}

static inline struct dslot *
find_slot(struct fanout_state *s, const uint8_t addr[16], uint64_t h)
{
	return dslot_find(s->slot, s->mask, s->s, sizeof(*s->s), offsetof(struct src, addr), addr, h);
}

static inline uint32_t
sat_inc(uint32_t v, uint32_t by)
{
	return v + by < v ? UINT32_MAX : v + by;
}

/*
 * A port's hash for the ports HyperLogLog: fully mixed (splitmix64's
 * finaliser). A bare multiply spreads consecutive ports evenly over the
 * registers, which a HyperLogLog reads as far more values than there are:
 * a scan of ports 1-1024 counted ~1850 (tests/crosscheck/exporters_detect.sh).
 */
static inline uint64_t
port_hash(uint16_t port)
{
	uint64_t z = (port + 1) * 0x9e3779b97f4a7c15ULL;
	z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ z >> 27) * 0x94d049bb133111ebULL;
	return z ^ z >> 31;
}

/*
 * A burst's misses in two waves (nfw_detect_add_burst): the home slots of
 * source and destination; then the tracked sources those slots name, with
 * the registers their HyperLogLogs will take (in the entry: their address
 * follows from the slot alone), or, for a source not tracked, the count-min
 * cells its flow goes to.
 */
void
fanout_prefetch(struct nfw_detect *d, const struct fctx *fx)
{
	const struct fanout_state *s = d->fanout;
	__builtin_prefetch(&s->slot[(uint32_t)fx->hs & s->mask]);
	__builtin_prefetch(&s->slot[(uint32_t)fx->hd & s->mask]);
}

void
fanout_prefetch_entries(struct nfw_detect *d, const struct fctx *fx)
{
	const struct fanout_state *s = d->fanout;
	uint32_t i = dslot_peek(s->slot, s->mask, fx->hs), j = dslot_peek(s->slot, s->mask, fx->hd);
	if (i != 0) {
		const struct src *x = &s->s[i - 1];
		for (unsigned l = 0; l < SRC_HOT_LINES; l++)
			__builtin_prefetch((const char *)x + 64 * l);
		__builtin_prefetch(&x->dsts[nfw_hll_regs_index(HLL_P, fx->hd)]);
		__builtin_prefetch(&x->ports[nfw_hll_regs_index(HLL_P, port_hash(fx->f->dst_port))]);
	} else {
		nfw_cms_prefetch(s->pre, fx->hs); /* not tracked: its flow goes to the prefilter */
	}
	if (j != 0)
		__builtin_prefetch(&s->s[j - 1]);
}

void
fanout_add(struct nfw_detect *d, const struct fctx *fx)
{
	const struct nfw_flow *f = fx->f;
	struct fanout_state *s = d->fanout;
	bool tcp = f->proto == 6;
	bool failed = tcp && (f->tcp_flags & 0x10) == 0 && (f->tcp_flags & 0x02) != 0;
	bool probe = !tcp && f->packets <= 2 * (uint64_t)(f->sampling ? f->sampling : 1);

	/* a reply to a tracked source: the flow back from the port it probed */
	struct dslot *rs = s->n > 0 ? find_slot(s, f->dst_addr, fx->hd) : NULL;
	if (rs != NULL && rs->idx != 0) {
		struct src *x = &s->s[rs->idx - 1];
		if (x->udp > 0 || x->attempts > 0)
			x->replies = sat_inc(x->replies, 1);
	}

	/* a server's answer (from a service port to an ephemeral one) is nobody's probe:
	 * a resolver's upstream answers must not read as a vertical scan of the resolver
	 * while its own queries are still on their way to the detectors */
	if (f->src_port != 0 && f->src_port < 1024 && f->dst_port >= 1024 && f->proto != 1 && f->proto != 58)
		return;

	unsigned abit = admin_bit(f->dst_port);
	struct dslot *slot = find_slot(s, f->src_addr, fx->hs);
	if (slot->idx == 0) {
		/* a tracked source's flows skip the prefilter: it has done its job */
		uint64_t est = nfw_cms_add_est(s->pre, fx->hs, failed ? 10 : probe ? 5 : 1);
		/* internal hosts on internal admin ports skip the prefilter: they cannot be
		 * spoofed from outside, there are only as many as the site has, and a
		 * lateral sweep is short */
		bool inside = abit != 0 && fx->src_home && fx->dst_home;
		if (!inside && est < (uint64_t)(d->cfg.scan_prefilter * 10))
			return;
		if (s->n >= s->max) {
			d->st.fanout_sources_refused++;
			return;
		}
		struct src *x = &s->s[s->n];
		memcpy(x->addr, f->src_addr, 16);
		x->first_ms = f->start_ms;
		slot->idx = ++s->n;
		slot->sig = dslot_sig(fx->hs);
		d->st.fanout_sources++;
	}
	struct src *x = &s->s[slot->idx - 1];
	nfw_hll_regs_add(x->dsts, HLL_P, fx->hd);
	nfw_hll_regs_add(x->ports, HLL_P, port_hash(f->dst_port));
	bool fresh;
	nfw_top8_add(&x->top_ports, f->dst_port, 1, &fresh);
	unsigned k = nfw_top8_add(&x->top_dsts, (uint32_t)(fx->hd >> 32), 1, &fresh);
	if (fresh)
		memcpy(x->top_dst_addr[k], f->dst_addr, 16);
	x->attempts = sat_inc(x->attempts, 1);
	x->failed = sat_inc(x->failed, failed);
	if (failed) {
		nfw_top8_add(&x->fail_ports, f->dst_port, 1, &fresh);
		nfw_hll_regs_add(x->fail_dsts, HLL_P, fx->hd);
	}
	if (f->sampling > x->sampling)
		x->sampling = f->sampling;
	x->udp = sat_inc(x->udp, !tcp);
	if (abit != 0 && fx->dst_home) {
		nfw_hll_regs_add(x->admin_dsts, HLL_P, fx->hd);
		x->admin = sat_inc(x->admin, 1);
		x->admin_ports |= (uint8_t)abit;
		uint32_t w = (uint32_t)(f->start_ms / ADMIN_WIN_MS);
		if (w != x->admin_win) {
			x->admin_win = w;
			x->admin_win_n = 0;
		}
		x->admin_win_n = sat_inc(x->admin_win_n, 1);
		if (x->admin_win_n > x->admin_burst)
			x->admin_burst = x->admin_win_n;
	}
	if (f->start_ms < x->first_ms)
		x->first_ms = f->start_ms;
	if (f->end_ms > x->last_ms)
		x->last_ms = f->end_ms;
}

/* the top ports, most attempts first, without port 0 (ICMP, fragments: no port at all) */
static void
ports_str(const struct nfw_top8 *t, char *buf, size_t len)
{
	struct nfw_topk_item it[NFW_TOP8_K];
	unsigned n = nfw_top8_list(t, NULL, it, NFW_TOP8_K), k = 0;
	size_t o = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < n && k < 4 && o < len; i++)
		if (it[i].key != 0)
			o += (size_t)snprintf(buf + o, len - o, "%s%u", k++ ? "," : "", (unsigned)it[i].key);
}

/* the admin ports a source tried, in admin_list's order */
static void
admin_ports_str(uint8_t mask, char *buf, size_t len)
{
	size_t o = 0;
	unsigned k = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(admin_list) / sizeof(admin_list[0]) && o < len; i++)
		if (mask & (1u << i))
			o += (size_t)snprintf(buf + o, len - o, "%s%u", k++ ? "," : "", (unsigned)admin_list[i]);
}

/* failed TCP attempts, plus UDP / ICMP probes that got no reply, of all attempts */
static double
src_fail_share(const struct src *x)
{
	double unanswered = x->udp > x->replies ? (double)(x->udp - x->replies) : 0;
	return fmin(1.0, ((double)x->failed + unanswered) / x->attempts);
}

/*
 * An internal source whose admin attempts could make lateral movement: a
 * sweep (lateral_min_dsts / 2 of them within ten minutes), each host tried
 * a few times at most (a monitoring host checks the same servers every few
 * minutes, and an admin's jump host reaches its servers a few an hour).
 */
static bool
src_lateral_shape(const struct nfw_detect *d, const struct src *x)
{
	return is_home(d, x->addr) && x->admin >= d->cfg.lateral_min_dsts &&
	       x->admin_burst * 2 >= d->cfg.lateral_min_dsts;
}

/* whether a finding can follow from its counts as they are */
static bool
src_may_find(const struct nfw_detect *d, const struct src *x)
{
	return src_lateral_shape(d, x) || src_fail_share(x) >= 0.3 || x->failed >= d->cfg.scan_min_dsts;
}

/*
 * One tracked source: its finding (NULL: none, or the list is full). In
 * this order:
 *   horizontal scan  failed TCP attempts on >= scan_min_dsts hosts, most of
 *                    them on one port: whatever else the source does (a
 *                    workstation's own browsing does not hide its sweep of
 *                    445), and wherever it is (inside, on an admin port, it
 *                    is still a scan: most of it went unanswered);
 *   lateral movement the sweep shape above, on >= lateral_min_dsts hosts,
 *                    at most 4 admin attempts per host reached (1.5 when
 *                    sampled: a sweep seen through sampling shows each host
 *                    once, a poller's rounds still show), and some
 *                    of them let in (a sweep that failed nearly everywhere
 *                    is a scan: what sampling leaves of one is not lateral);
 *   other scans      vertical, block, UDP: >= 30 % of all its attempts
 *                    failed or unanswered.
 */
static struct nfw_finding *
src_eval(struct nfw_detect *d, const struct src *x)
{
	const struct nfw_detect_config *c = &d->cfg;
	if (!src_may_find(d, x))
		return NULL; /* no finding can follow: the counts below are not needed */
	double fail_share = src_fail_share(x);
	/* estimates, never more than the flows that fed them (an HLL may read 63 of 60) */
	double nd = fmin(nfw_hll_regs_count(x->dsts, HLL_P), x->attempts);
	double np = fmin(nfw_hll_regs_count(x->ports, HLL_P), x->attempts);
	double nad = fmin(nfw_hll_regs_count(x->admin_dsts, HLL_P), x->admin);
	double nfd = fmin(nfw_hll_regs_count(x->fail_dsts, HLL_P), x->failed);
	struct nfw_topk_item tp, td, fp = { .count = 0 };
	nfw_top8_list(&x->top_ports, NULL, &tp, 1);
	nfw_top8_list(&x->top_dsts, (const uint8_t(*)[16])x->top_dst_addr, &td, 1);
	if (x->failed > 0)
		nfw_top8_list(&x->fail_ports, NULL, &fp, 1);
	double port_share = (double)tp.count / x->attempts, dst_share = (double)td.count / x->attempts;
	struct nfw_finding *f = NULL;
	char a[64], b[64], ports[48];
	bool monitor = has_role(d, NFW_ROLE_MONITORING, x->addr);

	if (nfd >= c->scan_min_dsts && fp.count * 2 >= x->failed) {
		/* its attempts on that port (the top ports' counts may have lost a few) */
		struct nfw_topk_item it[NFW_TOP8_K];
		unsigned n = nfw_top8_list(&x->top_ports, NULL, it, NFW_TOP8_K);
		double on_port = fp.count;
		for (unsigned i = 0; i < n; i++)
			if (it[i].key == fp.key && it[i].count > on_port)
				on_port = it[i].count;
		double port_fail = fmin(1.0, fp.count / on_port);
		f = finding_new(d, NFW_FINDING_PORT_SCAN);
		if (f == NULL)
			return NULL;
		f->dst_port = (int32_t)fp.key;
		f->proto = 6;
		f->score = 40 + 30 * fmin(1.0, log10(nfd) / 3.0) + 30 * port_fail;
		finding_why(f, true, "%.0f hosts unanswered on %u", nfd, (unsigned)fp.key);
		finding_why(f, true, "%.0f %% of its attempts there failed", port_fail * 100);
		if (monitor) {
			f->score *= 0.5;
			finding_why(f, false, "a monitoring host (role)");
		}
		snprintf(f->summary, sizeof(f->summary),
			 "%s probed %.0f hosts on port %u (horizontal scan), %.0f %% of %.0f attempts there failed",
			 nfw_addr_str(x->addr, a, sizeof(a)), nfd, (unsigned)fp.key, port_fail * 100, on_port);
		finding_ev_str(f, "kind", "horizontal");
		finding_ev(f, "distinct_dsts", nfd);
		finding_ev(f, "distinct_ports", np);
		finding_ev(f, "attempts", on_port);
		finding_ev(f, "failed_share", port_fail);
	} else if (src_lateral_shape(d, x) && nad >= c->lateral_min_dsts &&
		   x->admin <= (x->sampling > 1 ? 1.5 : 4) * nad && x->failed * 10 < x->admin * 9) {
		f = finding_new(d, NFW_FINDING_LATERAL_MOVEMENT);
		if (f == NULL)
			return NULL;
		f->dst_port = (int32_t)tp.key;
		for (unsigned i = 0; i < sizeof(admin_list) / sizeof(admin_list[0]); i++)
			if (x->admin_ports & (1u << i)) { /* the first admin port it tried the most */
				f->dst_port = admin_list[i];
				break;
			}
		f->proto = 6;
		unsigned services = (unsigned)__builtin_popcount(x->admin_ports);
		double fail_admin = fmin(1.0, (double)x->failed / x->admin);
		f->score = 55 + 25 * fmin(1.0, log10(nad / c->lateral_min_dsts + 1) / log10(11)) + 15 * fail_admin +
			   5 * fmin(2, services - 1);
		finding_why(f, true, "%.0f internal hosts, %u in 10 min", nad, x->admin_burst);
		if (services > 1)
			finding_why(f, true, "%u admin services", services);
		if (fail_admin > 0.05)
			finding_why(f, true, "%.0f %% refused", fail_admin * 100);
		admin_ports_str(x->admin_ports, ports, sizeof(ports));
		snprintf(f->summary, sizeof(f->summary),
			 "%s reached %.0f internal hosts on admin ports (%s), %u of them within 10 minutes, "
			 "%.0f %% of %u admin attempts refused",
			 nfw_addr_str(x->addr, a, sizeof(a)), nad, ports, x->admin_burst, fail_admin * 100, x->admin);
		finding_ev(f, "distinct_internal_dsts", nad);
		finding_ev_str(f, "ports", ports);
		finding_ev(f, "attempts", (double)x->admin);
		finding_ev(f, "failed_share", fail_admin);
		finding_ev(f, "burst_10min", x->admin_burst);
	} else if (fail_share >= 0.3 && (nd >= c->scan_min_dsts || np >= c->scan_min_ports ||
					  (nd >= 20 && np >= 20))) {
		const char *kind = "block";
		if (nd >= c->scan_min_dsts && port_share >= 0.5)
			kind = "horizontal";
		else if (np >= c->scan_min_ports && dst_share >= 0.5)
			kind = "vertical";
		else if (!(nd >= 20 && np >= 20))
			return NULL; /* wide but neither one port nor one host nor a block */
		f = finding_new(d, NFW_FINDING_PORT_SCAN);
		if (f == NULL)
			return NULL;
		if (strcmp(kind, "horizontal") == 0)
			f->dst_port = (int32_t)tp.key;
		if (strcmp(kind, "vertical") == 0) {
			memcpy(f->dst, td.label, 16);
			f->has_dst = true;
		}
		double width = strcmp(kind, "vertical") == 0 ? np : nd;
		f->score = 40 + 30 * fmin(1.0, log10(width) / 3.0) + 30 * fail_share;
		finding_why(f, true, "%.0f %s", width, strcmp(kind, "vertical") == 0 ? "ports" : "hosts");
		finding_why(f, true, "%.0f %% failed or unanswered", fail_share * 100);
		if (monitor) {
			f->score *= 0.5;
			finding_why(f, false, "a monitoring host (role)");
		}
		ports_str(&x->top_ports, ports, sizeof(ports));
		snprintf(f->summary, sizeof(f->summary),
			 "%s probed %.0f host%s on %.0f port%s (%s scan%s%s), %.0f %% of %llu attempts failed or unanswered",
			 nfw_addr_str(x->addr, a, sizeof(a)), nd, nd < 1.5 ? "" : "s", np, np < 1.5 ? "" : "s", kind,
			 f->has_dst ? " of " : "", f->has_dst ? nfw_addr_str(f->dst, b, sizeof(b)) : "",
			 fail_share * 100, (unsigned long long)x->attempts);
		finding_ev_str(f, "kind", kind);
		finding_ev(f, "distinct_dsts", nd);
		finding_ev(f, "distinct_ports", np);
		finding_ev(f, "attempts", (double)x->attempts);
		finding_ev(f, "failed_share", fail_share);
		if (ports[0] != '\0' && strcmp(kind, "horizontal") != 0)
			finding_ev_str(f, "top_ports", ports);
	}
	if (f != NULL && f->type == NFW_FINDING_PORT_SCAN && is_home(d, x->addr)) {
		f->score += 10; /* a host of the site scanning is a compromised host, not the internet's background */
		finding_why(f, true, "a host of the site");
	}
	if (f != NULL) {
		/* sampled: the counts are of the flows seen, and the finding says so */
		if (x->sampling > 1) {
			size_t len = strlen(f->summary);
			snprintf(f->summary + len, sizeof(f->summary) - len, " (sampled 1:%u)", x->sampling);
			finding_ev(f, "sampling", x->sampling);
		}
		memcpy(f->src, x->addr, 16);
		f->has_src = true;
		if (f->proto == 0 && (uint64_t)x->udp * 2 < x->attempts)
			f->proto = 6;
		else if (f->proto == 0)
			f->proto = 17;
		f->first_ms = x->first_ms;
		f->last_ms = x->last_ms;
		finding_finish(f);
	}
	return f;
}

void
fanout_run(struct nfw_detect *d)
{
	struct fanout_state *s = d->fanout;
	const uint64_t idle_ms = (uint64_t)(d->cfg.scan_idle_s * 1000);
	const bool pressure = s->n > s->max / 4 * 3;
	uint32_t kept = 0;

	for (uint32_t i = 0; i < s->n; i++) {
		struct src *x = &s->s[i];
		struct nfw_finding *f = src_eval(d, x);
		bool idle = x->last_ms + idle_ms < d->now_ms;
		/* a full table: sources whose shares rule out both findings make room, down to half */
		bool evict = !idle && pressure && kept + (s->n - i) > s->max / 2 && !src_may_find(d, x);
		if (!idle && !evict) {
			if (kept != i)
				s->s[kept] = *x;
			kept++;
			continue;
		}
		if (f != NULL)
			detect_retire(d, f);
		if (idle)
			d->st.fanout_sources_expired++;
		else
			d->st.fanout_sources_evicted++;
	}
	if (kept != s->n) {
		memset(&s->s[kept], 0, (size_t)(s->n - kept) * sizeof(*s->s));
		s->n = kept;
		addr_index_rebuild(s->slot, s->mask, s->s, sizeof(*s->s), offsetof(struct src, addr), s->n);
	}
	if (s->halved_ms == 0)
		s->halved_ms = d->now_ms;
	else if (d->now_ms >= s->halved_ms + idle_ms) {
		nfw_cms_halve(s->pre);
		s->halved_ms = d->now_ms;
	}
}
