/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Detectors on hand-made flows, one behaviour at a time, with exact
 * entities and evidence:
 *  - a beacon every 60 s (+-10 %, one missed beat) -> period 60 s, 40 events;
 *    the same pattern on one source port (a keepalive) and Poisson arrivals
 *    -> nothing;
 *  - 300 SYN-only probes to 300 hosts on 3389 -> horizontal scan; 300 SNMP
 *    requests all answered -> nothing;
 *  - 60 internal hosts on 445 from an internal host -> lateral movement;
 *  - 400 MB up to one external host -> exfiltration with bytes_out exact;
 *    with that host in roles.backup -> nothing;
 *  - 5000 DNS flows of 240-byte packets from one client while 50 peers make
 *    20 -> DNS tunnelling to its resolver;
 *  - 1000 sources x 3000 packets in 60 s to one host -> volumetric, src null;
 *  - beaconing tuples idle for beacon_idle_s dropped, the index intact,
 *    a dropped beacon still reported; the same for a scanner, a DNS
 *    tunnel and an exfiltration pair; a flood 30 h into the data found
 *    (the volumetric window slides), the first one still reported;
 *  - an exporter with a clock 300 days ahead expires nothing; two that went
 *    quiet do not keep the clock from the one still sending;
 *  - a beacon seen through 1:100 packet sampling (one session in ten seen,
 *    each as two records on its port): period 60 s by phase coherence, the
 *    sessions seen, sampling 100; one in three seen (more sessions than its
 *    ring holds): the sessions seen of all time and those there were since
 *    the first; the same records unsampled, Poisson
 *    arrivals sampled -> nothing; the phase search alone on exact multiples;
 *  - a vertical scan of consecutive ports (1-1024, and all 65 535) counts
 *    its ports within the HyperLogLog's error: consecutive numbers are not
 *    random hashes (the ports were once counted 1.8x too many);
 *  - every detector at once on an IPv6-only site: the entities in their
 *    IPv6 form, "[addr]:port" in the summaries, the HLL counts no more than
 *    the attempts behind them.
 */
#include <arpa/inet.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "detect_priv.h" /* beacon_phase_fit */
#include "nfw_detect.h"

#define T0 1768478400000ull

static struct nfw_flow
fl(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto, uint64_t t, uint64_t dur,
   uint64_t bytes, uint64_t pkts, uint8_t flags)
{
	struct nfw_flow f;
	memset(&f, 0, sizeof(f));
	nfw_flow_addr_set4(f.src_addr, src);
	nfw_flow_addr_set4(f.dst_addr, dst);
	f.src_port = sport;
	f.dst_port = dport;
	f.proto = proto;
	f.start_ms = t;
	f.end_ms = t + dur;
	f.bytes = bytes;
	f.packets = pkts;
	f.tcp_flags = flags;
	f.af = 4;
	f.sampling = 1;
	return f;
}

static struct nfw_detect *
mk(const char *backup)
{
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	if (backup != NULL)
		nfw_prefix_parse(backup, &c.role[NFW_ROLE_BACKUP][c.nrole[NFW_ROLE_BACKUP]++]);
	return nfw_detect_create(&c);
}

/* beaconing alone (a worker's part), with a small table */
static struct nfw_detect *
mk_beacons(uint32_t max_tuples)
{
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.beacon_max_tuples = max_tuples;
	c.parts = NFW_DETECT_BEACON;
	return nfw_detect_create(&c);
}

/* every detector, tables for max_sources sources (x 4 exfiltration pairs) */
static struct nfw_detect *
mk_small(uint32_t max_sources)
{
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.fanout_max_sources = max_sources;
	return nfw_detect_create(&c);
}

static unsigned run(struct nfw_detect *d, const struct nfw_finding **f);
static const struct nfw_finding *find_type(const struct nfw_finding *f, unsigned n, unsigned type);

/* a run: the one finding of a type it must have, with its id */
static const struct nfw_finding *
run_find(struct nfw_detect *d, unsigned type, const char *id)
{
	const struct nfw_finding *f;
	unsigned n = run(d, &f);
	const struct nfw_finding *x = find_type(f, n, type);
	assert_non_null(x);
	assert_string_equal(x->id, id);
	return x;
}

/* every run twice: at once, and in slices of one tuple (as a worker runs it): the same findings */
static unsigned
run(struct nfw_detect *d, const struct nfw_finding **f)
{
	static char ids[64][160];
	unsigned n = nfw_detect_run(d, f);
	for (unsigned i = 0; i < n && i < 64; i++)
		memcpy(ids[i], (*f)[i].id, sizeof(ids[i]));
	nfw_detect_run_begin(d);
	unsigned steps = 0;
	while (!nfw_detect_run_step(d, 1))
		steps++;
	assert_int_equal(nfw_detect_run_end(d, f), n);
	for (unsigned i = 0; i < n && i < 64; i++)
		assert_string_equal((*f)[i].id, ids[i]);
	return n;
}

static double
ev(const struct nfw_finding *f, const char *name)
{
	for (unsigned i = 0; i < f->nev; i++)
		if (strcmp(f->ev[i].name, name) == 0)
			return f->ev[i].num;
	return NAN;
}

/* a string evidence ("" when there is none) */
static const char *
evs(const struct nfw_finding *f, const char *name)
{
	for (unsigned i = 0; i < f->nev; i++)
		if (strcmp(f->ev[i].name, name) == 0 && f->ev[i].is_str)
			return f->ev[i].str;
	return "";
}

/* the finding with this id, or NULL */
static const struct nfw_finding *
find_id(const struct nfw_finding *f, unsigned n, const char *id)
{
	for (unsigned i = 0; i < n; i++)
		if (strcmp(f[i].id, id) == 0)
			return &f[i];
	return NULL;
}

/* the first finding of a type (the only one these tests expect), or NULL */
static const struct nfw_finding *
find_type(const struct nfw_finding *f, unsigned n, unsigned type)
{
	const struct nfw_finding *x = NULL;
	for (unsigned i = 0; i < n; i++)
		if (f[i].type == type) {
			assert_null(x);
			x = &f[i];
		}
	return x;
}

/* the finding's summary holds s (out of line: gcc cannot see that find_type's NULL fails first) */
static __attribute__((noinline)) bool
summary_has(const struct nfw_finding *f, const char *s)
{
	return f != NULL && strstr(f->summary, s) != NULL;
}

static uint64_t lcg = 12345;
static double
u01(void)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(lcg >> 11) / 9007199254740992.0;
}

static void
test_beacon(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	const struct nfw_finding *f;
	uint64_t t = T0;
	for (unsigned i = 0; i < 41; i++) {
		t += (uint64_t)(60000 * (i == 20 ? 2 : 1) * (0.9 + 0.2 * u01())); /* a missed beat at 20 */
		if (i == 20)
			continue;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	unsigned n = run(d, &f);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].type, NFW_FINDING_BEACONING);
	assert_string_equal(f[0].id, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	assert_int_equal(ev(&f[0], "connections"), 40);
	assert_true(fabs(ev(&f[0], "period_s") - 60) < 3);
	assert_true(ev(&f[0], "jitter") < 0.1);
	nfw_detect_free(d);

	/* the parts: beaconing alone (a worker's shard) finds it, the rest (the control thread) does not */
	struct nfw_detect_config only, rest;
	nfw_detect_config_default(&only);
	rest = only;
	only.parts = NFW_DETECT_BEACON;
	rest.parts = NFW_DETECT_ALL & ~NFW_DETECT_BEACON;
	struct nfw_detect *db = nfw_detect_create(&only), *dr = nfw_detect_create(&rest);
	t = T0;
	for (unsigned i = 0; i < 30; i++) {
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(db, &r);
		nfw_detect_add(dr, &r);
	}
	assert_int_equal(run(db, &f), 1);
	assert_int_equal(f[0].type, NFW_FINDING_BEACONING);
	assert_int_equal(run(dr, &f), 0);
	nfw_detect_free(db);
	nfw_detect_free(dr);

	/* 300 beats over 5 h: the tuple keeps its newest 64 sessions, the count
	 * and the first of all time (the ring wraps four times, and again after
	 * the run sorted it) */
	d = mk(NULL);
	t = T0;
	uint64_t first = 0;
	for (unsigned i = 0; i < 300; i++) {
		t += (uint64_t)(60000 * (0.95 + 0.1 * u01()));
		first = i == 0 ? t : first;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
		if (i == 150)
			assert_int_equal(run(d, &f), 1);
	}
	assert_int_equal(run(d, &f), 1);
	assert_int_equal(ev(&f[0], "connections"), 300);
	assert_int_equal(f[0].first_ms, first);
	assert_int_equal(f[0].last_ms, t);
	assert_true(fabs(ev(&f[0], "span_s") - (double)(t - first) / 1000) < 1e-9);
	assert_true(fabs(ev(&f[0], "period_s") - 60) < 2);
	nfw_detect_free(d);

	/* each session exported as three records (split by active timeout): one
	 * event of their summed bytes, the continuations of the newest one too */
	d = mk(NULL);
	t = T0;
	for (unsigned i = 0; i < 30; i++) {
		t += 60000;
		for (unsigned k = 0; k < 3; k++) {
			struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6,
					       t + k * 1000, 1000, 100 + 10 * k + (i == 29 ? 1000 : 0), 2, 0x1b);
			nfw_detect_add(d, &r);
		}
	}
	assert_int_equal(run(d, &f), 1);
	assert_int_equal(ev(&f[0], "connections"), 30);
	assert_true(fabs(ev(&f[0], "bytes_median") - 330) < 1e-9);
	/* 29 events of 330 B and the newest of 3330: mean 430, population sd sqrt(290000) */
	assert_true(fabs(ev(&f[0], "bytes_cv") - sqrt(290000.0) / 430) < 1e-9);
	nfw_detect_free(d);

	/* the same rhythm on one connection (one source port): a keepalive */
	d = mk(NULL);
	t = T0;
	for (unsigned i = 0; i < 40; i++) {
		t += 30000;
		struct nfw_flow r = fl(0x0a000008, 0xcb007150, 51000, 443, 6, t, 40, 97, 1, 0x18);
		nfw_detect_add(d, &r);
	}
	/* and Poisson arrivals (mean 120 s) of a busy host to one server */
	t = T0;
	for (unsigned i = 0; i < 200; i++) {
		t += (uint64_t)(-120000 * log(1 - u01()));
		struct nfw_flow r = fl(0x0a000009, 0xc6120002, (uint16_t)(30000 + i), 443, 6, t, 2000, 30000, 30, 0x1b);
		nfw_detect_add(d, &r);
	}
	assert_int_equal(run(d, &f), 0);
	nfw_detect_free(d);
}

/*
 * First sightings under pressure: a beacon every 60 s among 6000 new
 * one-shot tuples a minute, where the table of first sightings holds 1024
 * (beacon_max_tuples 1024): a first sighting pushed out by the newest
 * would last ~10 s, and the beacon's would never meet its second session.
 * Admitted with the probability that keeps sightings ~15 minutes, the
 * beacon's tuple is made within a few dozen sessions and found.
 */
static void
test_beacon_busy(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_beacons(1024);
	uint64_t t = T0;
	uint32_t other = 0;
	for (unsigned i = 0; i < 360; i++) {
		for (unsigned k = 0; k < 6000; k++, other++) { /* one-shot tuples, spread over the minute */
			struct nfw_flow r = fl(0x0a000100 + other % 251, 0x60000000 + other, 50000, 443, 6,
					       t + k * 10, 200, 900, 3, 0x1b);
			nfw_detect_add(d, &r);
		}
		t += (uint64_t)(60000 * (0.95 + 0.1 * u01()));
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *x = run_find(d, NFW_FINDING_BEACONING, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	assert_true(ev(x, "connections") >= 48); /* made within the first ~300 sessions */
	print_message("busy beacon: %.0f of 360 sessions tracked\n", ev(x, "connections"));
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_true(st.beacon_seen_skipped > 2000000); /* most one-shot sightings were not admitted */
	assert_true(st.beacon_tuples <= 1024);
	nfw_detect_free(d);
}

/*
 * The phase search alone: intervals of 1 to 7 periods of exactly 60 s.
 * The period is 60 s, not 30 s (as coherent), Z is the number of
 * intervals, no jitter, every interval on a whole number of periods.
 */
static void
test_beacon_phase_fit(void **state)
{
	(void)state;
	static const unsigned k[] = { 3, 1, 7, 2, 5, 2, 4, 1, 6, 3, 2, 9, 1, 4, 2, 3, 5, 2, 1, 3 };
	double iv[20];
	unsigned beats = 0;
	for (unsigned i = 0; i < 20; i++) {
		iv[i] = k[i] * 60000.0;
		beats += k[i];
	}
	struct beacon_phase ph;
	assert_true(beacon_phase_fit(iv, 20, 5000, &ph));
	assert_true(fabs(ph.period - 60000) < 1e-6);
	assert_true(fabs(ph.z - 20) < 1e-6);
	assert_true(ph.jitter < 1e-9);
	assert_int_equal(ph.on, 20);
	assert_int_equal(ph.beats, beats);
	assert_false(beacon_phase_fit(iv, 20, 600000, &ph)); /* no candidate that long */
}

/* a flow the way an exporter sampling 1:100 reports one sampled packet */
static struct nfw_flow
fl_sampled(uint32_t src, uint32_t dst, uint16_t sport, uint64_t t, uint32_t rate)
{
	struct nfw_flow r = fl(src, dst, sport, 443, 6, t, 0, 64ull * rate, rate, 0x10);
	r.sampling = rate;
	return r;
}

/*
 * 1:100 packet sampling of a beacon of small sessions every 60 s (+-0.5 s)
 * for 6 h: one session in ten is seen, and each seen session comes as two
 * records 3 s apart on its source port (sFlow: a record per sampled
 * packet). Most intervals are many periods, so the direct test cannot
 * hold; the phases can. Unsampled (rate 1), the same records are not a
 * beacon; sampled Poisson arrivals to 100 destinations are none either.
 */
static void
test_beacon_sampled(void **state)
{
	(void)state;
	/* 1 in 10 sessions seen (the ring of 64 events holds them all), the same
	 * unsampled, and 1 in 3 (~120 sessions, the ring holds the newest 32) */
	static const struct { uint32_t rate; double keep; } cases[] = { { 100, 0.1 }, { 1, 0.1 }, { 100, 0.34 } };
	for (unsigned ci = 0; ci < 3; ci++) {
		uint32_t rate = cases[ci].rate;
		struct nfw_detect *d = mk_beacons(1024);
		unsigned seen = 0;
		uint64_t first = 0, last = 0;
		lcg = 7;
		for (unsigned i = 0; i < 360; i++) {
			uint64_t t = T0 + i * 60000ull + (uint64_t)(1000 * u01());
			if (u01() >= cases[ci].keep)
				continue;
			for (unsigned part = 0; part < 2; part++) {
				struct nfw_flow r = fl_sampled(0x0a000007, 0xc6336417, (uint16_t)(40000 + i),
							       t + part * 3000, rate);
				nfw_detect_add(d, &r);
			}
			first = first ? first : t;
			last = t;
			seen++;
		}
		if (ci < 2)
			assert_true(seen >= 20 && seen <= 32);
		else
			assert_true(seen >= 100 && seen <= 140);
		const struct nfw_finding *f;
		unsigned n = run(d, &f);
		if (rate == 1) {
			assert_int_equal(n, 0);
			nfw_detect_free(d);
			continue;
		}
		assert_int_equal(n, 1);
		assert_string_equal(f[0].id, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
		assert_true(fabs(ev(&f[0], "period_s") - 60) < 0.5);
		if (ci == 0)
			assert_int_equal(ev(&f[0], "connections"), seen);
		else /* the ring's sessions scaled by the events of all time: within a session of 32 */
			assert_true(fabs(ev(&f[0], "connections") - seen) <= seen / 32.0 + 1);
		assert_int_equal(ev(&f[0], "sampling"), 100);
		assert_int_equal(ev(&f[0], "sessions_estimated"), (last - first + 30000) / 60000 + 1);
		assert_true(ev(&f[0], "phase_z") >= 18);
		print_message("sampled beacon: %u of 360 sessions seen (%.0f reported), Z %.1f\n", seen,
			      ev(&f[0], "connections"), ev(&f[0], "phase_z"));
		nfw_detect_free(d);
	}

	struct nfw_detect *d = mk_beacons(1024);
	for (unsigned j = 0; j < 100; j++) {
		uint64_t t = T0;
		for (unsigned i = 0; i < 30; i++) { /* a mean of 12 minutes: 6 h */
			t += 1000 + (uint64_t)(-720000 * log(1 - u01()));
			struct nfw_flow r = fl_sampled(0x0a000100 + j, 0x60000000 + j, (uint16_t)(30000 + i), t, 100);
			nfw_detect_add(d, &r);
		}
	}
	const struct nfw_finding *f;
	assert_int_equal(run(d, &f), 0);
	nfw_detect_free(d);
}

/*
 * A full tuple table (1024) of clients calling their usual servers at
 * random: the run that finds it full drops those analysed and not periodic
 * down to half, and a beacon that starts afterwards gets its tuple (it was
 * refused for as long as the others stayed busy).
 */
static void
test_beacon_table_full(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_beacons(1024);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	uint64_t end = T0;
	for (unsigned j = 0; j < 1024; j++) {
		uint64_t t = T0;
		for (unsigned r = 0; r < 15; r++) { /* Poisson, a mean of 8 minutes */
			t += 1000 + (uint64_t)(-480000 * log(1 - u01()));
			struct nfw_flow x = fl(0x0a000100 + j % 200, 0x60000000 + j, (uint16_t)(30000 + r), 443, 6, t,
					       500, 4000, 8, 0x1b);
			nfw_detect_add(d, &x);
			end = t > end ? t : end;
		}
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples, 1024);
	assert_int_equal(run(d, &f), 0);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples_evicted, 512);
	uint64_t t = end;
	for (unsigned i = 0; i < 40; i++) {
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples_refused, 0);
	const struct nfw_finding *x = run_find(d, NFW_FINDING_BEACONING, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	assert_int_equal(ev(x, "connections"), 40);
	nfw_detect_free(d);
}

/*
 * Tuples come and go around a beacon that lasts: 600 short-lived tuples
 * every two hours, each expired at the next run (their index slots leave
 * by backward shift, the last tuples move into their places); the beacon's
 * tuple is found through all of it with every session.
 */
static void
test_beacon_churn(void **state)
{
	(void)state;
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.beacon_max_tuples = 1024;
	c.beacon_idle_s = 3600;
	c.parts = NFW_DETECT_BEACON;
	struct nfw_detect *d = nfw_detect_create(&c);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	uint64_t t = T0;
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned j = 0; j < 600; j++)
			for (unsigned k = 0; k < 2; k++) {
				struct nfw_flow x = fl(0x0a000100 + j % 100, 0x60000000 + round * 1000 + j,
						       (uint16_t)(30000 + k), 443, 6, t + k * 20000 + j, 500, 4000, 8, 0x1b);
				nfw_detect_add(d, &x);
			}
		for (unsigned i = 0; i < 120; i++) {
			t += 60000;
			struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + round * 120 + i), 443, 6, t,
					       300, 310, 5, 0x1b);
			nfw_detect_add(d, &r);
		}
		run(d, &f);
		nfw_detect_stats_get(d, &st);
		assert_int_equal(st.beacon_tuples_expired, 600 * (round + 1));
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples, 1 + 4 * 600);
	assert_int_equal(st.beacon_tuples_refused, 0);
	const struct nfw_finding *x = run_find(d, NFW_FINDING_BEACONING, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	assert_int_equal(ev(x, "connections"), 480);
	nfw_detect_free(d);
}

/*
 * A beaconing tuple idle for beacon_idle_s is dropped at the next run; a
 * beacon among them keeps its finding in every later run. 3000 tuples of
 * two sessions are dropped around 3000 that stay: the index must still find
 * every one of those (a third session creates no tuple).
 */
static void
test_beacon_idle(void **state)
{
	(void)state;
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.parts = NFW_DETECT_BEACON;
	c.beacon_idle_s = 3600;
	c.beacon_max_tuples = 8192;
	struct nfw_detect *d = nfw_detect_create(&c);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;

	/* a beacon every 60 s for 30 minutes, then silence */
	uint64_t t = T0;
	for (unsigned i = 0; i < 30; i++) {
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	/* 6000 tuples of two sessions: even ones at T0, odd ones two hours later */
	for (unsigned k = 0; k < 6000; k++)
		for (unsigned j = 0; j < 2; j++) {
			uint64_t tk = T0 + (k % 2 ? 7200000 : 0) + j * 1000;
			struct nfw_flow r = fl(0x0a010000 + k, 0xcb007100 + k % 200, (uint16_t)(20000 + j), 80, 6, tk, 10, 500, 4, 0x1b);
			nfw_detect_add(d, &r);
		}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples, 6001);
	assert_int_equal(run(d, &f), 1); /* nothing idle for an hour yet (the newest flow is at T0 + 2 h) */
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples_expired, 3001); /* the beacon (ended T0 + 30 min) and the early ones */
	assert_string_equal(f[0].id, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	/* the 3000 left are all found: a third session of each adds an event, no tuple */
	for (unsigned k = 1; k < 6000; k += 2) {
		struct nfw_flow r = fl(0x0a010000 + k, 0xcb007100 + k % 200, 20009, 80, 6, T0 + 7300000, 10, 500, 4, 0x1b);
		nfw_detect_add(d, &r);
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples, 6001);
	/* the dropped beacon is still reported, once, by later runs */
	assert_int_equal(run(d, &f), 1);
	assert_string_equal(f[0].id, "beaconing-10.0.0.7-198.51.100.23-443-tcp");
	assert_int_equal(ev(&f[0], "connections"), 30);
	/* and when it starts again it is one finding, not two */
	t = T0 + 7400000;
	for (unsigned i = 0; i < 20; i++) {
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(41000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	assert_int_equal(run(d, &f), 1);
	assert_int_equal(ev(&f[0], "connections"), 20);
	nfw_detect_free(d);
}

/*
 * An exporter whose clock is months ahead does not make the others' state
 * idle; exporters that went quiet do not keep it from aging.
 */
static void
test_clock_outlier(void **state)
{
	(void)state;
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.beacon_idle_s = 3600;
	struct nfw_detect *d = nfw_detect_create(&c);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	uint64_t t = T0;
	for (unsigned i = 0; i < 30; i++) { /* a beacon, exported by 192.0.2.1 and by 192.0.2.2 */
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_flow_addr_set4(r.exporter, 0xc0000201 + i % 2);
		nfw_detect_add(d, &r);
	}
	struct nfw_flow odd = fl(0x0a000009, 0xc6120002, 30000, 443, 6, T0 + 300 * 86400000ull, 10, 100, 1, 0x1b);
	nfw_flow_addr_set4(odd.exporter, 0xc0000203); /* 300 days ahead */
	nfw_detect_add(d, &odd);
	assert_int_equal(run(d, &f), 1);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples_expired, 0);
	nfw_detect_free(d);

	/* two exporters that went quiet after an hour do not hold the clock back: the one
	 * still sending 500 flows up to T0 + 10 h sets it, and the beacon (idle 9.5 h) goes */
	d = nfw_detect_create(&c);
	t = T0;
	for (unsigned i = 0; i < 30; i++) {
		t += 60000;
		struct nfw_flow r = fl(0x0a000007, 0xc6336417, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_flow_addr_set4(r.exporter, 0xc0000201 + i % 2);
		nfw_detect_add(d, &r);
	}
	for (unsigned i = 0; i < 500; i++) {
		struct nfw_flow r = fl(0x0a000009, 0xc6120002 + i, (uint16_t)(30000 + i), 443, 6,
				       T0 + 3600000 + i * 64800ull, 10, 100, 1, 0x1b); /* 500 sites, once each */
		nfw_flow_addr_set4(r.exporter, 0xc0000203);
		nfw_detect_add(d, &r);
	}
	assert_int_equal(run(d, &f), 1); /* the beacon, kept after its tuple was dropped */
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_tuples_expired, 1);
	nfw_detect_free(d);
}

static void
test_scan_and_lateral(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	const struct nfw_finding *f;
	for (uint32_t i = 0; i < 300; i++) {
		struct nfw_flow r = fl(0xc6336442, 0x0a140000 + i, (uint16_t)(40000 + i), 3389, 6, T0 + i * 50, 0, 44, 1, 0x02);
		nfw_detect_add(d, &r);
		/* an SNMP poller whose every request is answered */
		struct nfw_flow q = fl(0x0a090005, 0x0a146400 + i, (uint16_t)(50000 + i), 161, 17, T0 + i * 50, 5, 118, 1, 0);
		struct nfw_flow a = fl(0x0a146400 + i, 0x0a090005, 161, (uint16_t)(50000 + i), 17, T0 + i * 50 + 2, 5, 900, 1, 0);
		nfw_detect_add(d, &q);
		nfw_detect_add(d, &a);
	}
	/* lateral movement: 60 internal hosts on 445 within a minute, every other one lets it in;
	 * then the same hosts on 3389; pings (port 0) among them */
	for (uint32_t i = 0; i < 60; i++) {
		struct nfw_flow r = fl(0x0a0f0009, 0x0a1e0000 + i, (uint16_t)(41000 + i), 445, 6, T0 + i * 1000, 0,
				       i % 2 ? 44 : 4000, i % 2 ? 1 : 12, i % 2 ? 0x02 : 0x1b);
		struct nfw_flow p = fl(0x0a0f0009, 0x0a1e0000 + i, 0, 0, 1, T0 + i * 1000, 0, 84, 1, 0);
		struct nfw_flow q = fl(0x0a0f0009, 0x0a1e0000 + i, (uint16_t)(42000 + i), 3389, 6, T0 + 60000 + i * 1000,
				       0, 4000, 12, 0x1b);
		nfw_detect_add(d, &r);
		nfw_detect_add(d, &p);
		nfw_detect_add(d, &q);
	}
	/* an internal host sweeping 445 over 400 hosts, almost nothing answers: a scan, not lateral
	 * movement, however much else it does (its own browsing) */
	for (uint32_t i = 0; i < 400; i++) {
		struct nfw_flow r = fl(0x0a0f0011, 0x0a200000 + i, (uint16_t)(20000 + i), 445, 6, T0 + i * 200, 0, 44, 1,
				       i % 40 ? 0x02 : 0x16);
		struct nfw_flow w = fl(0x0a0f0011, 0xc6336500 + i % 250, (uint16_t)(30000 + i), 443, 6, T0 + i * 200, 900,
				       30000, 30, 0x1b);
		nfw_detect_add(d, &r);
		nfw_detect_add(d, &w);
	}
	/* a monitoring host checking SSH on 40 servers every 5 minutes for 4 hours, all answered */
	for (uint32_t k = 0; k < 48; k++)
		for (uint32_t i = 0; i < 40; i++) {
			struct nfw_flow m = fl(0x0a0000a1, 0x0a080000 + i, (uint16_t)(10000 + (k * 40 + i) % 50000), 22, 6,
					       T0 + k * 300000ull + i * 200, 5, 400, 6, 0x1b);
			nfw_detect_add(d, &m);
		}
	/* an admin's jump host: SSH to 30 servers over 4 hours, a few an hour, all answered */
	for (uint32_t i = 0; i < 30; i++) {
		struct nfw_flow j = fl(0x0a000016, 0x0a080000 + i, (uint16_t)(33000 + i), 22, 6, T0 + i * 480000ull,
				       600000, 200000, 900, 0x1b);
		nfw_detect_add(d, &j);
	}
	unsigned n = run(d, &f);
	assert_int_equal(n, 3);
	const struct nfw_finding *scan = find_id(f, n, "port_scan-198.51.100.66---3389-tcp");
	assert_non_null(scan);
	assert_false(scan->has_dst);
	assert_true(fabs(ev(scan, "distinct_dsts") - 300) < 300 * 0.15); /* HLL p=9: 4.6 % sigma */
	assert_true(ev(scan, "failed_share") > 0.99);
	assert_true(strstr(scan->raised, "hosts unanswered on 3389") != NULL);
	const struct nfw_finding *sweep = find_id(f, n, "port_scan-10.15.0.17---445-tcp");
	assert_non_null(sweep);
	assert_string_equal(evs(sweep, "kind"), "horizontal");
	assert_true(fabs(ev(sweep, "distinct_dsts") - 390) < 390 * 0.15); /* 10 of 400 answered */
	assert_true(fabs(ev(sweep, "failed_share") - 390.0 / 400) < 1e-9);
	assert_true(strstr(sweep->raised, "a host of the site") != NULL);
	const struct nfw_finding *lat = find_id(f, n, "lateral_movement-10.15.0.9---445-tcp");
	assert_non_null(lat);
	assert_true(fabs(ev(lat, "distinct_internal_dsts") - 60) < 60 * 0.15);
	assert_string_equal(evs(lat, "ports"), "445,3389"); /* never port 0 */
	assert_int_equal(ev(lat, "attempts"), 120);
	assert_true(fabs(ev(lat, "failed_share") - 0.25) < 1e-9);
	assert_int_equal(ev(lat, "burst_10min"), 120);
	nfw_detect_free(d);
}

static void
test_scan_vertical(void **state)
{
	(void)state;
	static const uint32_t ranges[] = { 1024, 65535 };
	for (unsigned r = 0; r < 2; r++) {
		struct nfw_detect *d = mk(NULL);
		/* SYNs from one port range on 10.20.1.99 to every port of 10.20.5.5, each reset */
		for (uint32_t p = 1; p <= ranges[r]; p++) {
			struct nfw_flow a = fl(0x0a140163, 0x0a140505, (uint16_t)(1024 + p % 60000), (uint16_t)p, 6,
					       T0 + p * 50, 0, 44, 1, 0x02);
			nfw_detect_add(d, &a);
		}
		const struct nfw_finding *f = run_find(d, NFW_FINDING_PORT_SCAN, "port_scan-10.20.1.99-10.20.5.5---tcp");
		assert_non_null(f);
		/* the prefilter holds back the first attempts (weighted), HLL p=9 has a 4.6 % sigma */
		double np = ev(f, "distinct_ports");
		assert_true(fabs(np - ranges[r]) < ranges[r] * 0.15);
		nfw_detect_free(d);
	}
}

/*
 * A scanner idle for scan_idle_s is dropped at the next run with its
 * finding kept; the sources still active stay and are found in the index.
 */
static void
test_scan_idle(void **state)
{
	(void)state;
	struct nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.parts = NFW_DETECT_FANOUT;
	c.scan_idle_s = 3600;
	struct nfw_detect *d = nfw_detect_create(&c);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;

	for (uint32_t i = 0; i < 300; i++) { /* two scanners: one at T0, one two hours later */
		struct nfw_flow r = fl(0xc6336442, 0x0a140000 + i, (uint16_t)(40000 + i), 3389, 6, T0 + i * 50, 0, 44, 1, 0x02);
		struct nfw_flow q = fl(0xc6336443, 0x0a150000 + i, (uint16_t)(40000 + i), 22, 6, T0 + 7200000 + i * 50, 0, 44, 1, 0x02);
		nfw_detect_add(d, &r);
		nfw_detect_add(d, &q);
	}
	assert_int_equal(run(d, &f), 2);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.fanout_sources, 2);
	assert_int_equal(st.fanout_sources_expired, 1);
	/* the second scanner goes on: found in the rebuilt index, not tracked twice */
	for (uint32_t i = 300; i < 400; i++) {
		struct nfw_flow q = fl(0xc6336443, 0x0a150000 + i, (uint16_t)(40000 + i), 22, 6, T0 + 7200000 + i * 50, 0, 44, 1, 0x02);
		nfw_detect_add(d, &q);
	}
	assert_int_equal(run(d, &f), 2);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.fanout_sources, 2);
	assert_int_equal(st.fanout_sources_expired, 1);
	const struct nfw_finding *old = strcmp(f[0].id, "port_scan-198.51.100.66---3389-tcp") == 0 ? &f[0] : &f[1];
	const struct nfw_finding *live = old == &f[0] ? &f[1] : &f[0];
	assert_string_equal(old->id, "port_scan-198.51.100.66---3389-tcp");
	assert_string_equal(live->id, "port_scan-198.51.100.67---22-tcp");
	assert_true(fabs(ev(live, "attempts") - 381) < 0.5); /* tracked from its 20th probe (prefilter 200, a probe weighs 10) */
	nfw_detect_free(d);
}

/* 50 clients making 20 DNS flows each, and one making 5000 with 240-byte packets, to 10.9.0.53 */
static void
dns_tunnel_and_peers(struct nfw_detect *d)
{
	for (uint32_t c = 0; c < 50; c++)
		for (unsigned i = 0; i < 20; i++) {
			struct nfw_flow r = fl(0x0a010000 + c, 0x0a090035, (uint16_t)(30000 + i), 53, 17, T0 + i * 60000, 10, 70, 1, 0);
			nfw_detect_add(d, &r);
		}
	for (unsigned i = 0; i < 5000; i++) {
		struct nfw_flow r = fl(0x0a0e0002, 0x0a090035, (uint16_t)(20000 + i % 40000), 53, 17, T0 + i * 200, 10, 240, 1, 0);
		nfw_detect_add(d, &r);
	}
}

/*
 * A host's hourly baseline spans its last 8 days: 14 days of 1 MB an hour,
 * then a 400 MB upload to a new host; the baseline is 1 MB. (Before, the
 * ring of 192 hours added each hour to the one 8 days before it, and the
 * median read 2 MB.)
 */
static void
test_exfil_baseline(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	const struct nfw_finding *f;
	for (unsigned h = 0; h < 14 * 24; h++) {
		struct nfw_flow b = fl(0x0a000028, 0xc6120005, (uint16_t)(40000 + h), 443, 6,
				       T0 + h * 3600000ull + 600000, 1000, 1000000, 800, 0x1b);
		nfw_detect_add(d, &b);
	}
	uint64_t t = T0 + 14 * 24 * 3600000ull + 60000;
	for (unsigned i = 0; i < 40; i++) {
		t += 5000 + (uint64_t)(50000 * u01());
		struct nfw_flow r = fl(0x0a000028, 0xcb0071c9, (uint16_t)(42000 + i), 443, 6, t, 30000, 10000000,
				       7000, 0x1b);
		nfw_detect_add(d, &r);
	}
	unsigned n = run(d, &f), found = 0;
	for (unsigned i = 0; i < n; i++) {
		/* the steady megabyte an hour (336 MB in all, 24 MB a day) is no exfiltration */
		assert_string_not_equal(f[i].id, "exfiltration-10.0.0.40-198.18.0.5----");
		if (strcmp(f[i].id, "exfiltration-10.0.0.40-203.0.113.201----") == 0) {
			found++;
			assert_int_equal(ev(&f[i], "bytes_out"), 400000000.0);
			assert_int_equal(ev(&f[i], "host_baseline_hourly_bytes"), 1000000.0);
		}
	}
	assert_int_equal(found, 1);
	nfw_detect_free(d);
}

/*
 * A pair's window slides: three days of 2 MB an hour to one host, then
 * 400 MB in 30 minutes on the third day. Found, with the burst in its busiest
 * hour (before, the pair's buckets covered its first 24 h only, and the day-3
 * burst never reached them); still reported two days after the burst, when
 * the window has slid past it.
 */
static void
test_exfil_window_slides(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	const struct nfw_finding *f;
	for (unsigned h = 0; h < 3 * 24; h++) {
		struct nfw_flow b = fl(0x0a000029, 0xcb0071ca, (uint16_t)(40000 + h), 443, 6,
				       T0 + h * 3600000ull + 600000 + (uint64_t)(900000 * u01()), 1000, 2000000, 1500, 0x1b);
		nfw_detect_add(d, &b);
	}
	/* 144 MB in all, 48 MB a day: a trickle (hourly: beaconing may speak, exfiltration not) */
	unsigned n = run(d, &f);
	assert_null(find_type(f, n, NFW_FINDING_EXFILTRATION));
	uint64_t t = T0 + 3 * 24 * 3600000ull;
	for (unsigned i = 0; i < 40; i++) {
		t += 45000;
		struct nfw_flow r = fl(0x0a000029, 0xcb0071ca, (uint16_t)(42000 + i), 443, 6, t, 30000, 10000000,
				       7000, 0x1b);
		nfw_detect_add(d, &r);
	}
	n = run(d, &f);
	const struct nfw_finding *x = find_type(f, n, NFW_FINDING_EXFILTRATION);
	assert_non_null(x);
	assert_string_equal(x->id, "exfiltration-10.0.0.41-203.0.113.202----");
	assert_int_equal(ev(x, "bytes_out"), 544000000.0);
	assert_true(ev(x, "max_1h_bytes") >= 400000000.0);
	assert_int_equal(ev(x, "first_contact"), 0);
	/* two days on, still sending its trickle: the burst has left the window, the finding stays */
	for (unsigned h = 0; h < 48; h++) {
		struct nfw_flow b = fl(0x0a000029, 0xcb0071ca, (uint16_t)(41000 + h), 443, 6,
				       t + h * 3600000ull + 600000, 1000, 2000000, 1500, 0x1b);
		nfw_detect_add(d, &b);
	}
	n = run(d, &f);
	x = find_type(f, n, NFW_FINDING_EXFILTRATION);
	assert_non_null(x);
	assert_string_equal(x->id, "exfiltration-10.0.0.41-203.0.113.202----");
	assert_true(ev(x, "max_1h_bytes") >= 400000000.0);
	nfw_detect_free(d);
}

/*
 * A busy link fills the pair table (4096 pairs here) with pairs of a few
 * kilobytes: at the next run the small ones quiet for an hour make room,
 * and the upload that came after is found (it was refused for good).
 */
static void
test_exfil_table_full(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_small(1024); /* 4096 pairs, 1024 hosts */
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	/* 4095 pairs of 1 KB and one backup-sized pair (2 MB), 1000 hosts */
	for (unsigned i = 0; i < 4096; i++) {
		struct nfw_flow r = fl(0x0a000100 + i % 1000, 0x60000000 + i, 40000, 443, 6, T0 + i, 1000,
				       i == 7 ? 2000000 : 1000, 4, 0x1b);
		nfw_detect_add(d, &r);
	}
	/* two hours on: a new pair is refused while the table is full */
	uint64_t t = T0 + 2 * 3600000ull;
	struct nfw_flow r0 = fl(0x0a000022, 0xcb0071c8, 41999, 443, 6, t, 1000, 10000000, 7000, 0x1b);
	nfw_detect_add(d, &r0);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.exfil_pairs_refused, 1);
	assert_int_equal(run(d, &f), 0);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.exfil_pairs_evicted, 4095); /* every small one; the 2 MB pair stays */
	assert_int_equal(st.exfil_pairs_expired, 0);
	for (unsigned i = 0; i < 40; i++) {
		t += 5000 + (uint64_t)(50000 * u01());
		struct nfw_flow r = fl(0x0a000022, 0xcb0071c8, (uint16_t)(42000 + i), 443, 6, t, 30000, 10000000,
				       7000, 0x1b);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *x = run_find(d, NFW_FINDING_EXFILTRATION, "exfiltration-10.0.0.34-203.0.113.200----");
	assert_int_equal(ev(x, "bytes_out"), 400000000.0);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.exfil_pairs_refused, 1);
	assert_int_equal(st.exfil_pairs_evicted, 4095);
	nfw_detect_free(d);
}

/*
 * 1024 busy clients past the scan prefilter by volume fill the source table
 * (fanout_max_sources 1024): the run drops those whose shares rule out
 * both findings down to half, and a scanner that starts afterwards is
 * tracked and found (it was refused until they went idle).
 */
static void
test_fanout_table_full(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_small(1024);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	for (unsigned r = 0; r < 300; r++)
		for (unsigned j = 0; j < 1024; j++) { /* established, answered: weight 1 each */
			struct nfw_flow x = fl(0x60000000 + j, 0x0a000100 + r % 50, (uint16_t)(30000 + r), 443, 6,
					       T0 + r * 1000 + j, 500, 4000, 8, 0x1b);
			nfw_detect_add(d, &x);
		}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.fanout_sources, 1024);
	run(d, &f);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.fanout_sources_evicted, 512);
	for (unsigned i = 0; i < 200; i++) { /* SYNs to 200 hosts, unanswered */
		struct nfw_flow x = fl(0xc6336442, 0x0a001400 + i, 51000, 3389, 6, T0 + 400000 + i * 100, 0, 44, 1,
				       0x02);
		nfw_detect_add(d, &x);
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.fanout_sources_refused, 0);
	run_find(d, NFW_FINDING_PORT_SCAN, "port_scan-198.51.100.66---3389-tcp");
	nfw_detect_free(d);
}

/*
 * 1023 clients of the site's resolver fill the DNS client table (1024 with
 * the resolver): the run drops clients below dns_min_flows down to half
 * (never the resolver), and a tunnel that starts afterwards is found.
 */
static void
test_dns_table_full(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_small(1024);
	const struct nfw_finding *f;
	struct nfw_detect_stats st;
	for (unsigned r = 0; r < 5; r++)
		for (unsigned j = 0; j < 1023; j++) {
			struct nfw_flow x = fl(0x0a010000 + j, 0x0a090035, (uint16_t)(30000 + r), 53, 17,
					       T0 + r * 60000 + j, 10, 70, 1, 0);
			nfw_detect_add(d, &x);
		}
	run(d, &f);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.dns_clients_evicted, 512);
	assert_int_equal(st.dns_clients_refused, 0);
	for (unsigned i = 0; i < 300; i++) {
		struct nfw_flow x = fl(0x0a0e0002, 0x0a090035, (uint16_t)(40000 + i), 53, 17, T0 + 400000 + i * 200,
				       10, 220, 1, 0);
		nfw_detect_add(d, &x);
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.dns_clients_refused, 0);
	run_find(d, NFW_FINDING_DNS_TUNNELING, "dns_tunneling-10.14.0.2-10.9.0.53-53-udp");
	nfw_detect_free(d);
}

static void
test_exfil_dns_flood(void **state)
{
	(void)state;
	const struct nfw_finding *f;
	for (int with_role = 0; with_role < 2; with_role++) {
		struct nfw_detect *d = mk(with_role ? "203.0.113.200/32" : NULL);
		/* an hour of ordinary traffic first, so the upload is a first contact */
		struct nfw_flow b = fl(0x0a000022, 0xc6120003, 40000, 443, 6, T0, 1000, 5000, 10, 0x1b);
		nfw_detect_add(d, &b);
		uint64_t t = T0 + 7200000;
		for (unsigned i = 0; i < 40; i++) {
			/* irregular: perfectly periodic uploads would also be a beacon */
			t += 5000 + (uint64_t)(50000 * u01());
			struct nfw_flow r = fl(0x0a000022, 0xcb0071c8, (uint16_t)(42000 + i), 443, 6,
					       t, 30000, 10000000, 7000, 0x1b);
			nfw_detect_add(d, &r);
		}
		unsigned n = run(d, &f);
		if (with_role) {
			assert_int_equal(n, 0);
		} else {
			assert_int_equal(n, 1);
			assert_string_equal(f[0].id, "exfiltration-10.0.0.34-203.0.113.200----");
			assert_int_equal(ev(&f[0], "bytes_out"), 400000000.0);
			assert_int_equal(ev(&f[0], "first_contact"), 1);
			assert_true(ev(&f[0], "pcr") > 0.99);
		}
		/* two days later (exfil_idle_s 24 h) the pairs are dropped, the finding stays */
		struct nfw_flow late = fl(0x0a000023, 0xc6120004, 40001, 443, 6, T0 + 50 * 3600000ull, 1000, 5000, 10, 0x1b);
		nfw_detect_add(d, &late);
		assert_int_equal(run(d, &f), with_role ? 0 : 1);
		struct nfw_detect_stats st;
		nfw_detect_stats_get(d, &st);
		assert_int_equal(st.exfil_pairs_expired, 2);
		assert_int_equal(st.exfil_hosts_expired, 1); /* 10.0.0.34; 10.0.0.35 uploads at 50 h */
		if (!with_role) {
			assert_int_equal(run(d, &f), 1);
			assert_int_equal(ev(&f[0], "bytes_out"), 400000000.0);
		}
		nfw_detect_free(d);
	}

	struct nfw_detect *d = mk(NULL);
	dns_tunnel_and_peers(d);
	unsigned n = run(d, &f);
	for (unsigned i = 0; i < n; i++)
		print_message("finding: %s %s\n", f[i].id, f[i].summary);
	assert_int_equal(n, 1);
	assert_string_equal(f[0].id, "dns_tunneling-10.14.0.2-10.9.0.53-53-udp");
	assert_int_equal(ev(&f[0], "flows"), 5000);
	assert_int_equal(ev(&f[0], "peer_median_flows"), 20);
	nfw_detect_free(d);

	/* the same with dns_idle_s = 1 h and one more client three hours later: the 51
	 * clients are dropped (the resolver, which serves, stays); the tunnel is still reported */
	struct nfw_detect_config dc;
	nfw_detect_config_default(&dc);
	dc.parts = NFW_DETECT_DNS;
	dc.dns_idle_s = 3600;
	d = nfw_detect_create(&dc);
	dns_tunnel_and_peers(d);
	struct nfw_flow late = fl(0x0a0e0003, 0x0a090035, 20001, 53, 17, T0 + 3 * 3600000, 10, 70, 1, 0);
	nfw_detect_add(d, &late);
	assert_int_equal(run(d, &f), 1);
	assert_string_equal(f[0].id, "dns_tunneling-10.14.0.2-10.9.0.53-53-udp");
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.dns_clients_expired, 51);
	assert_int_equal(run(d, &f), 1);
	assert_int_equal(ev(&f[0], "flows"), 5000);
	nfw_detect_free(d);

	/* 1000 spoofed sources, 3000 packets each over 60 s, to one host */
	d = mk(NULL);
	/* an hour of quiet first: the baseline spans the window */
	struct nfw_flow quiet = fl(0x0a000001, 0x0a50000a, 50000, 22, 6, T0, 1000, 1000, 10, 0x1b);
	nfw_detect_add(d, &quiet);
	for (uint32_t s = 0; s < 1000; s++) {
		struct nfw_flow r = fl(0x2c000000 + s * 7919, 0x0a50000a, (uint16_t)(1024 + s), 443, 6,
				       T0 + 3600000, 60000, 180000, 3000, 0x02);
		nfw_detect_add(d, &r);
	}
	n = run(d, &f);
	assert_int_equal(n, 1);
	assert_int_equal(f[0].type, NFW_FINDING_VOLUMETRIC);
	assert_false(f[0].has_src);
	assert_string_equal(f[0].id, "volumetric---10.80.0.10----");
	assert_true(fabs(ev(&f[0], "pps") - 50000) < 2500);   /* 3 M packets in 60 s */
	assert_true(fabs(ev(&f[0], "distinct_srcs") - 1000) < 60);

	/* 30 hours on (the buckets are the last 24 h): the first host still gets a flow an
	 * hour, a second host is flooded the same way: found; the first flood, out of the
	 * window now, is still reported */
	for (unsigned h = 2; h <= 31; h++) {
		struct nfw_flow r = fl(0x0a000001, 0x0a50000a, 50000, 22, 6, T0 + h * 3600000ull, 1000, 1000, 10, 0x1b);
		nfw_detect_add(d, &r);
	}
	struct nfw_flow quiet2 = fl(0x0a000001, 0x0a50000b, 50000, 22, 6, T0 + 29 * 3600000ull, 1000, 1000, 10, 0x1b);
	nfw_detect_add(d, &quiet2);
	for (uint32_t s = 0; s < 1000; s++) {
		struct nfw_flow r = fl(0x2d000000 + s * 7919, 0x0a50000b, (uint16_t)(1024 + s), 80, 6,
				       T0 + 30 * 3600000ull, 60000, 180000, 3000, 0x02);
		nfw_detect_add(d, &r);
	}
	n = run(d, &f);
	assert_int_equal(n, 2);
	const struct nfw_finding *v2 = strcmp(f[0].id, "volumetric---10.80.0.11----") == 0 ? &f[0] : &f[1];
	assert_string_equal(v2->id, "volumetric---10.80.0.11----");
	assert_true(fabs(ev(v2, "pps") - 50000) < 2500);
	assert_int_equal(v2->first_ms / 10000, (T0 + 30 * 3600000ull) / 10000);
	assert_string_equal((v2 == &f[0] ? &f[1] : &f[0])->id, "volumetric---10.80.0.10----");
	nfw_detect_free(d);
}

/*
 * A 30-second SYN flood (3000 pps, every SYN from another spoofed source) on
 * a quiet server is found at its rate; a busy but steady server (20 pps for
 * two hours: more packets in all than the flood) is tracked and not
 * reported. With the prefilter at 100 000 packets the flood went untracked.
 */
static void
test_flood_short(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	for (uint32_t i = 0; i < 144000; i++) { /* 20 pps to 10.80.0.20 for two hours */
		struct nfw_flow r = fl(0xcb007100 + i % 50, 0x0a500014, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + i * 50ull, 0, 60, 1, 0x1b);
		nfw_detect_add(d, &r);
	}
	struct nfw_flow quiet = fl(0xcb007101, 0x0a500015, 50000, 443, 6, T0, 1000, 1000, 10, 0x1b);
	nfw_detect_add(d, &quiet);
	for (uint32_t i = 0; i < 90000; i++) { /* 3000 SYNs a second for 30 s to 10.80.0.21 */
		struct nfw_flow r = fl(0x64400000 + i * 37, 0x0a500015, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + 3600000 + i / 3, 0, 40, 1, 0x02);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *f;
	assert_int_equal(run(d, &f), 1);
	assert_string_equal(f[0].id, "volumetric---10.80.0.21----");
	/* the flood's first 20 000 packets fill the prefilter; the full buckets are at 3000 pps */
	assert_true(fabs(ev(&f[0], "pps") - 3000) < 30);
	assert_true(fabs(ev(&f[0], "distinct_srcs") - 70000) < 70000 * 0.05);
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.vol_dsts, 2);
	assert_int_equal(st.vol_dsts_refused, 0);
	nfw_detect_free(d);
}

/*
 * A proxy fetching from 400 servers at once (3000 packets/s of answers to
 * its own connections, from port 443 to its ephemeral ports, full-size
 * segments) is not under attack; 400 reflectors sending DNS answers it
 * never asked for at the same rate to another host are a flood. The
 * proxy's flows are counted as solicited, not as packets at all.
 */
static void
test_flood_solicited(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	struct nfw_flow q1 = fl(0x1f000001, 0x0a000008, 443, 40000, 6, T0, 1000, 1000, 10, 0x1b);
	struct nfw_flow q2 = fl(0x1f000001, 0x0a000050, 40000, 443, 6, T0, 1000, 1000, 10, 0x1b);
	nfw_detect_add(d, &q1); /* an hour before: the baselines are quiet */
	nfw_detect_add(d, &q2);
	for (uint32_t i = 0; i < 60000; i++) { /* 20 s: one flow of 1 packet each, 1448 B */
		struct nfw_flow r = fl(0x1f000000 + i % 400 * 97, 0x0a000008, 443, (uint16_t)(32768 + i % 400), 6,
				       T0 + 3600000 + i / 3, 0, 1500, 1, 0x10);
		struct nfw_flow u = fl(0x3d000000 + i % 400 * 97, 0x0a000050, 53, (uint16_t)(1024 + i % 60000), 17,
				       T0 + 3600000 + i / 3, 0, 1400, 1, 0);
		nfw_detect_add(d, &r);
		nfw_detect_add(d, &u);
	}
	const struct nfw_finding *f;
	assert_int_equal(run(d, &f), 1);
	assert_string_equal(f[0].id, "volumetric---10.0.0.80----");
	assert_true(fabs(ev(&f[0], "pps") - 3000) < 30);
	assert_true(strstr(f[0].raised, "100 % unanswered") != NULL);
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.vol_flows_solicited, 60000);
	nfw_detect_free(d);
}

/*
 * Prevalence: 12 hosts each polling one SaaS server every 60 s (a new
 * connection each time) are a service, and no finding; two hosts beaconing
 * to one rare destination are one finding naming both; a host with a
 * beacon and lateral movement has both raised, and says why.
 */
static void
test_shared_service(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	for (uint32_t h = 0; h < 14; h++) {
		uint32_t dst = h < 12 ? 0x34700001 : 0xc6336417; /* 12 on the SaaS, 2 on the rare one */
		uint64_t t = T0 + h * 1000;
		for (unsigned i = 0; i < 40; i++) {
			t += (uint64_t)(60000 * (0.97 + 0.06 * u01()));
			struct nfw_flow r = fl(0x0a100001 + h, dst, (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
			nfw_detect_add(d, &r);
		}
	}
	for (uint32_t i = 0; i < 30; i++) { /* the first rare-destination host then reaches 30 servers on 445 */
		struct nfw_flow r = fl(0x0a10000d, 0x0a080000 + i, (uint16_t)(41000 + i), 445, 6, T0 + 600000 + i * 1000,
				       0, i % 2 ? 44 : 4000, i % 2 ? 1 : 12, i % 2 ? 0x02 : 0x1b);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *f;
	unsigned n = run(d, &f);
	assert_int_equal(n, 2);
	const struct nfw_finding *b = find_id(f, n, "beaconing-10.16.0.13-198.51.100.23-443-tcp");
	assert_non_null(b);
	assert_int_equal(ev(b, "hosts"), 2);
	assert_string_equal(evs(b, "srcs"), "10.16.0.13,10.16.0.14");
	assert_true(strstr(b->raised, "2 hosts on one rare destination") != NULL);
	assert_true(strstr(b->raised, "the same host: beaconing, lateral_movement") != NULL);
	const struct nfw_finding *l = find_id(f, n, "lateral_movement-10.16.0.13---445-tcp");
	assert_non_null(l);
	assert_true(strstr(l->raised, "the same host: beaconing, lateral_movement") != NULL);
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_shared_tuples, 12);
	assert_int_equal(st.findings_grouped, 1);
	/* with the threshold above 12 hosts, the SaaS tuples are reported again, as one finding */
	struct nfw_detect_config c = *nfw_detect_config_get(d);
	c.beacon_shared_hosts = 13;
	nfw_detect_reconfigure(d, &c);
	n = run(d, &f);
	assert_int_equal(n, 3);
	b = find_id(f, n, "beaconing-10.16.0.1-52.112.0.1-443-tcp");
	assert_non_null(b);
	assert_int_equal(ev(b, "hosts"), 12);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.beacon_shared_tuples, 0);
	assert_int_equal(st.findings_grouped, 12);
	nfw_detect_free(d);
}

/*
 * 64 steady servers (1 pps each, ten hours: past the prefilter by volume)
 * fill the volumetric table (fanout_max_sources 1024: 64 destinations); a
 * run drops them down to half, and a flood on another server afterwards is
 * tracked and found. Before, it was refused until they went idle, a day.
 */
static void
test_vol_table_full(void **state)
{
	(void)state;
	struct nfw_detect *d = mk_small(1024);
	struct nfw_detect_stats st;
	for (uint32_t i = 0; i < 36000; i++)
		for (uint32_t j = 0; j < 64; j++) { /* one flow a second of one packet... */
			struct nfw_flow r = fl(0xcb007100 + i % 50, 0x0a510000 + j, (uint16_t)(1024 + i % 60000), 443,
					       6, T0 + i * 1000ull + j, 0, 60, 1, 0x1b);
			nfw_detect_add(d, &r);
		}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.vol_dsts, 64);
	const struct nfw_finding *f;
	assert_int_equal(run(d, &f), 0);
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.vol_dsts_evicted, 32);
	for (uint32_t i = 0; i < 90000; i++) { /* 3000 SYNs a second for 30 s to 10.80.0.21 */
		struct nfw_flow r = fl(0x64400000 + i * 37, 0x0a500015, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + 36000000 + i / 3, 0, 40, 1, 0x02);
		nfw_detect_add(d, &r);
	}
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.vol_dsts_refused, 0);
	assert_int_equal(st.vol_dsts, 65);
	const struct nfw_finding *x = run_find(d, NFW_FINDING_VOLUMETRIC, "volumetric---10.80.0.21----");
	assert_true(fabs(ev(x, "pps") - 3000) < 30);
	nfw_detect_free(d);
}

/* an IPv6 flow: fl() with addresses given as text */
static struct nfw_flow
fl6(const char *src, const char *dst, uint16_t sport, uint16_t dport, uint8_t proto, uint64_t t, uint64_t dur,
    uint64_t bytes, uint64_t pkts, uint8_t flags)
{
	struct nfw_flow f = fl(0, 0, sport, dport, proto, t, dur, bytes, pkts, flags);
	assert_int_equal(inet_pton(AF_INET6, src, f.src_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, f.dst_addr), 1);
	f.af = 6;
	return f;
}

/*
 * Every detector on an IPv6-only site (home fc00::/7, the default), at once:
 * a beacon, a horizontal scan, a lateral sweep, a 400 MB upload, a DNS
 * tunnel through the site's resolver and a flood, each found once with its
 * entities written the IPv6 way, and nothing else (the resolver, the 50
 * ordinary DNS clients and the quiet flows raise nothing).
 */
static void
test_ipv6_site(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	char a[64], b[64];
	uint64_t t = T0;
	for (unsigned i = 0; i < 40; i++) { /* the beacon: 60 s +-10 % */
		t += (uint64_t)(60000 * (0.9 + 0.2 * u01()));
		struct nfw_flow r = fl6("fd00:10::7", "2001:db8:ee::23", (uint16_t)(40000 + i), 443, 6, t, 300, 310, 5, 0x1b);
		nfw_detect_add(d, &r);
	}
	for (unsigned i = 0; i < 300; i++) { /* SYNs to 300 hosts on 3389, unanswered */
		snprintf(a, sizeof(a), "fd00:20::%x", i + 1);
		struct nfw_flow r = fl6("2001:db8:bad::66", a, (uint16_t)(40000 + i), 3389, 6, T0 + i * 50, 0, 64, 1, 0x02);
		nfw_detect_add(d, &r);
	}
	for (unsigned i = 0; i < 60; i++) { /* an internal host on 445 of 60 internal hosts, half let it in */
		snprintf(a, sizeof(a), "fd00:30::%x", i + 1);
		struct nfw_flow r = fl6("fd00:15::9", a, (uint16_t)(41000 + i), 445, 6, T0 + i * 1000, 0, i % 2 ? 64 : 4000,
					i % 2 ? 1 : 12, i % 2 ? 0x02 : 0x1b);
		nfw_detect_add(d, &r);
	}
	/* 400 MB up to a host first contacted two hours in */
	struct nfw_flow ord = fl6("fd00:12::34", "2001:db8:ee::3", 40000, 443, 6, T0, 1000, 5000, 10, 0x1b);
	nfw_detect_add(d, &ord);
	t = T0 + 7200000;
	for (unsigned i = 0; i < 40; i++) {
		t += 5000 + (uint64_t)(50000 * u01());
		struct nfw_flow r = fl6("fd00:12::34", "2001:db8:ee::200", (uint16_t)(42000 + i), 443, 6, t, 30000,
					10000000, 7000, 0x1b);
		nfw_detect_add(d, &r);
	}
	for (unsigned c = 0; c < 50; c++) /* 50 ordinary clients of the resolver, and the tunnel */
		for (unsigned i = 0; i < 20; i++) {
			snprintf(a, sizeof(a), "fd00:1::%x", c + 1);
			struct nfw_flow r = fl6(a, "fd00:9::53", (uint16_t)(30000 + i), 53, 17, T0 + i * 60000, 10, 90, 1, 0);
			nfw_detect_add(d, &r);
		}
	for (unsigned i = 0; i < 5000; i++) {
		struct nfw_flow r = fl6("fd00:14::2", "fd00:9::53", (uint16_t)(20000 + i % 40000), 53, 17, T0 + i * 200,
					10, 260, 1, 0);
		nfw_detect_add(d, &r);
	}
	struct nfw_flow quiet = fl6("fd00::1", "fd00:80::a", 50000, 22, 6, T0, 1000, 1000, 10, 0x1b);
	nfw_detect_add(d, &quiet);
	for (unsigned s = 0; s < 1000; s++) { /* 1000 spoofed sources x 3000 packets in 60 s */
		snprintf(b, sizeof(b), "2001:db8:f0:%x::%x:%x", s % 7, (s * 7919 + 1) >> 16, (s * 7919 + 1) & 0xffff);
		struct nfw_flow r = fl6(b, "fd00:80::a", (uint16_t)(1024 + s), 443, 6, T0 + 3600000, 60000, 180000, 3000,
					0x02);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *f;
	unsigned n = run(d, &f);
	for (unsigned i = 0; i < n; i++)
		print_message("finding: %s %s\n", f[i].id, f[i].summary);
	assert_int_equal(n, 6);
	const struct nfw_finding *x = find_type(f, n, NFW_FINDING_BEACONING);
	assert_string_equal(x->id, "beaconing-fd00:10::7-2001:db8:ee::23-443-tcp");
	assert_true(summary_has(x, "fd00:10::7 contacts [2001:db8:ee::23]:443 every "));
	assert_int_equal(ev(x, "connections"), 40);
	assert_true(fabs(ev(x, "period_s") - 60) < 3);
	x = find_type(f, n, NFW_FINDING_PORT_SCAN);
	assert_string_equal(x->id, "port_scan-2001:db8:bad::66---3389-tcp");
	assert_true(summary_has(x, " hosts on port 3389 (horizontal scan)"));
	assert_true(fabs(ev(x, "distinct_dsts") - 300) < 300 * 0.15);
	x = find_type(f, n, NFW_FINDING_LATERAL_MOVEMENT);
	assert_string_equal(x->id, "lateral_movement-fd00:15::9---445-tcp");
	assert_true(fabs(ev(x, "distinct_internal_dsts") - 60) < 60 * 0.15);
	assert_true(ev(x, "distinct_internal_dsts") <= 60); /* no more than the attempts */
	x = find_type(f, n, NFW_FINDING_EXFILTRATION);
	assert_string_equal(x->id, "exfiltration-fd00:12::34-2001:db8:ee::200----");
	assert_int_equal(ev(x, "bytes_out"), 400000000.0);
	assert_int_equal(ev(x, "first_contact"), 1);
	x = find_type(f, n, NFW_FINDING_DNS_TUNNELING);
	assert_string_equal(x->id, "dns_tunneling-fd00:14::2-fd00:9::53-53-udp");
	assert_int_equal(ev(x, "flows"), 5000);
	assert_int_equal(ev(x, "peer_median_flows"), 20);
	x = find_type(f, n, NFW_FINDING_VOLUMETRIC);
	assert_string_equal(x->id, "volumetric---fd00:80::a----");
	assert_true(fabs(ev(x, "pps") - 50000) < 500);
	assert_true(fabs(ev(x, "distinct_srcs") - 1000) < 1000 * 0.05);
	nfw_detect_free(d);
}

/*
 * Flows with impossible times, as a flow file or a v9 exporter's wrapped
 * uptime may give them: one that ends before it starts, one that lasts
 * until the end of 64-bit time (a flood's worth of packets), an upload of
 * 200 MB over 300 years. They are mended and counted (flows_bad_times),
 * and take no longer than any other flow: the volumetric and exfiltration
 * buckets once walked every 10 s or minute of the span (2.8e10 steps).
 * Byte counts near 2^64 saturate (the upload/download ratio overflowed a
 * signed subtraction). Found by tests/fuzz/fuzz_detect.
 */
static void
test_bad_times(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	struct nfw_flow back = fl(0xcb007101, 0x0a50001e, 443, 50000, 6, T0 + 5000, 0, 4000, 100, 0x1b);
	back.end_ms = T0; /* ends before it starts */
	nfw_detect_add(d, &back);
	struct nfw_flow flood = fl(0xcb007102, 0x0a50001e, 50001, 443, 6, T0, 0, 4000000, 100000, 0x02);
	flood.end_ms = UINT64_MAX;
	nfw_detect_add(d, &flood);
	struct nfw_flow up = fl(0x0a000032, 0xcb007109, 50002, 443, 6, T0, 0, 200000000, 150000, 0x1b);
	up.end_ms = T0 + 300ull * 365 * 86400000;
	nfw_detect_add(d, &up);
	/* byte counts near 2^64 (a 32-bit counter scaled by a huge rate) saturate, never wrap */
	for (unsigned i = 0; i < 2; i++) {
		struct nfw_flow big = fl(0x0a000033, 0xcb00710a, (uint16_t)(50003 + i), 443, 6, T0 + i * 1000, 500,
					 UINT64_MAX - 5, 1000000, 0x1b);
		nfw_detect_add(d, &big);
	}
	struct nfw_flow big_in = fl(0xcb00710a, 0x0a000033, 443, 50003, 6, T0, 500, (1ull << 63) + 1, 1000, 0x1b);
	nfw_detect_add(d, &big_in);
	struct nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	assert_int_equal(st.flows, 6);
	assert_int_equal(st.flows_bad_times, 2);
	assert_int_equal(st.vol_dsts, 1);
	const struct nfw_finding *f;
	unsigned n = run(d, &f);
	for (unsigned i = 0; i < n; i++) {
		assert_true(f[i].first_ms <= f[i].last_ms);
		for (unsigned e = 0; e < f[i].nev; e++)
			assert_true(f[i].ev[e].is_str || isfinite(f[i].ev[e].num));
	}
	nfw_detect_free(d);
}

/*
 * A web server that answered everything for four hours (20 pps in, as much
 * back), then a minute's SYN flood at 3000 pps, unanswered: found. Its
 * answered share over all time (0.62) once hid the flood; it is judged on
 * the flood's span now. A flash crowd answered as it comes stays quiet.
 */
static void
test_flood_answered_history(void **state)
{
	(void)state;
	struct nfw_detect *d = mk(NULL);
	for (uint32_t i = 0; i < 28800; i++) { /* 10 packets in and out every 500 ms */
		struct nfw_flow q = fl(0xcb007100 + i % 200, 0x0a500028, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + i * 500ull, 400, 800, 10, 0x1b);
		struct nfw_flow r = fl(0x0a500028, 0xcb007100 + i % 200, 443, (uint16_t)(1024 + i % 60000), 6,
				       T0 + i * 500ull + 1, 400, 8000, 10, 0x1b);
		nfw_detect_add(d, &q);
		nfw_detect_add(d, &r);
	}
	for (uint32_t i = 0; i < 180000; i++) { /* 3000 SYNs a second for 60 s */
		struct nfw_flow r = fl(0x64400000 + i * 37, 0x0a500028, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + 4 * 3600000ull + i / 3, 0, 40, 1, 0x02);
		nfw_detect_add(d, &r);
	}
	/* a flash crowd on another server: 3000 clients a second for 60 s, each answered */
	for (uint32_t i = 0; i < 180000; i++) {
		struct nfw_flow q = fl(0x65400000 + i * 37, 0x0a500029, (uint16_t)(1024 + i % 60000), 443, 6,
				       T0 + 4 * 3600000ull + i / 3, 200, 600, 1, 0x1b);
		struct nfw_flow r = fl(0x0a500029, 0x65400000 + i * 37, 443, (uint16_t)(1024 + i % 60000), 6,
				       T0 + 4 * 3600000ull + i / 3 + 1, 200, 6000, 1, 0x1b);
		nfw_detect_add(d, &q);
		nfw_detect_add(d, &r);
	}
	const struct nfw_finding *x = run_find(d, NFW_FINDING_VOLUMETRIC, "volumetric---10.80.0.40----");
	assert_true(ev(x, "answered_share") < 0.01);
	assert_true(fabs(ev(x, "pps") - 3000) < 30);
	nfw_detect_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_beacon),
		cmocka_unit_test(test_beacon_idle),
		cmocka_unit_test(test_clock_outlier),
		cmocka_unit_test(test_scan_and_lateral),
		cmocka_unit_test(test_scan_vertical),
		cmocka_unit_test(test_flood_short),
		cmocka_unit_test(test_flood_solicited),
		cmocka_unit_test(test_shared_service),
		cmocka_unit_test(test_vol_table_full),
		cmocka_unit_test(test_ipv6_site),
		cmocka_unit_test(test_bad_times),
		cmocka_unit_test(test_flood_answered_history),
		cmocka_unit_test(test_scan_idle),
		cmocka_unit_test(test_exfil_dns_flood),
		cmocka_unit_test(test_exfil_baseline),
		cmocka_unit_test(test_exfil_window_slides),
		cmocka_unit_test(test_exfil_table_full),
		cmocka_unit_test(test_fanout_table_full),
		cmocka_unit_test(test_dns_table_full),
		cmocka_unit_test(test_beacon_busy),
		cmocka_unit_test(test_beacon_phase_fit),
		cmocka_unit_test(test_beacon_sampled),
		cmocka_unit_test(test_beacon_table_full),
		cmocka_unit_test(test_beacon_churn),
	};
	return cmocka_run_group_tests_name("detect_unit", tests, NULL, NULL);
}
