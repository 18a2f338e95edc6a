// SPDX-License-Identifier: BSD-3-Clause
//
// The detectors' intake: closed flows per second into nfw_detect, one at a
// time and in bursts (table look-ups prefetched), for a site-like mix:
// 20 000 internal hosts talking to 200 000 external addresses on a few
// service ports, a quarter of it inbound; a million flows per pass.
// BM_control_bulk is the appliance's control thread (every detector but
// beaconing, which runs on the workers) on the line-rate stream's mix
// (nfwatch-gen --bulk: 65 536 internal sources, 256 external destinations,
// all outbound), where every source is past the scan prefilter;
// BM_worker_bulk is a worker's beaconing on the same mix, 2 M tuples replayed
// (most are first sightings that push out others: the seen table is lossy);
// BM_worker_recurring is beaconing where every flow is a new session of a
// known tuple (clients calling the same servers again and again).
//
//   build/bench/bench_detect --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nfw_detect.h"

namespace {

std::vector<nfw_flow>
mix(unsigned n)
{
	static const uint16_t ports[] = { 443, 80, 53, 22, 445, 8443, 25, 123 };
	std::vector<nfw_flow> v(n);
	uint64_t s = 7;
	for (unsigned i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t x = (uint32_t)(s >> 33);
		nfw_flow &f = v[i];
		std::memset(&f, 0, sizeof(f));
		uint32_t in = 0x0a140000u + x % 20000;          // 10.20.x.y
		uint32_t out = 0x60000000u + (x >> 7) % 200000; // outside
		bool inbound = (x & 3) == 0;
		nfw_flow_addr_set4(f.src_addr, inbound ? out : in);
		nfw_flow_addr_set4(f.dst_addr, inbound ? in : out);
		f.src_port = (uint16_t)(32768 + x % 28000);
		f.dst_port = ports[(x >> 3) % 8];
		f.proto = f.dst_port == 53 || f.dst_port == 123 ? 17 : 6;
		f.af = 4;
		f.start_ms = 1767225600000ull + i * 3ull;
		f.end_ms = f.start_ms + 200 + x % 5000;
		f.bytes = 200 + x % 20000;
		f.packets = 2 + x % 30;
		f.tcp_flags = f.proto == 6 ? 0x1b : 0;
		f.sampling = 1;
	}
	return v;
}

// nfwatch-gen --bulk's shape: sources 10.0/16 & src_mask, destinations
// 203.0.113/24 & dst_mask, eight service ports (or 443 alone); start times
// step by step_ms every 4 flows
std::vector<nfw_flow>
bulk(unsigned n, uint32_t src_mask = 0xffff, uint32_t dst_mask = 0xff, bool one_port = false,
     uint64_t step_ms = 1)
{
	static const uint16_t ports[] = { 443, 80, 53, 123, 25, 22, 8443, 993 };
	std::vector<nfw_flow> v(n);
	uint64_t s = one_port ? 13 : 11;
	for (unsigned i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t x = s >> 13;
		nfw_flow &f = v[i];
		std::memset(&f, 0, sizeof(f));
		nfw_flow_addr_set4(f.src_addr, 0x0a000000u + ((uint32_t)x & src_mask));
		nfw_flow_addr_set4(f.dst_addr, 0xcb007100u + ((uint32_t)(x >> 16) & dst_mask));
		f.src_port = (uint16_t)(32768 + (x >> 24) % 28000);
		f.dst_port = one_port ? 443 : ports[(x >> 40) & 7];
		f.proto = f.dst_port == 53 || f.dst_port == 123 ? 17 : 6;
		f.af = 4;
		f.start_ms = 1767225600000ull + i / 4 * step_ms;
		f.end_ms = f.start_ms + 1000;
		f.packets = 1 + (x >> 44) % 40;
		f.bytes = f.packets * (60 + (x >> 50) % 1400);
		f.tcp_flags = f.proto == 6 ? 0x1b : 0;
		f.sampling = 1;
	}
	return v;
}

enum part { ALL, CONTROL_BULK, WORKER_BULK, WORKER_RECURRING };

void
run(benchmark::State &state, bool burst, part p = ALL)
{
	auto v = p == CONTROL_BULK	? bulk(1u << 22)
		 : p == WORKER_BULK	? bulk(1u << 21)
		 : p == WORKER_RECURRING ? bulk(1u << 20, 0xfff, 0x3f, true, 40) // 2^18 tuples, 4 sessions each a pass
					 : mix(1u << 20);
	nfw_detect_config c;
	nfw_detect_config_default(&c);
	if (p == CONTROL_BULK)
		c.parts = NFW_DETECT_ALL & ~NFW_DETECT_BEACON;
	if (p == WORKER_BULK || p == WORKER_RECURRING)
		c.parts = NFW_DETECT_BEACON;
	nfw_detect *d = nfw_detect_create(&c);
	uint64_t n = 0;
	for (auto _ : state) {
		if (burst) {
			for (size_t i = 0; i < v.size(); i += 256)
				nfw_detect_add_burst(d, &v[i], 256);
		} else {
			for (auto &f : v)
				nfw_detect_add(d, &f);
		}
		n += v.size();
	}
	state.counters["flows/s"] = benchmark::Counter((double)n, benchmark::Counter::kIsRate);
	state.counters["ns/flow"] = benchmark::Counter((double)n, benchmark::Counter::kIsRate |
								  benchmark::Counter::kInvert);
	if (p == WORKER_BULK || p == WORKER_RECURRING) { // per flow: how the tuple table answered
		nfw_detect_stats st;
		nfw_detect_stats_get(d, &st);
		state.counters["refused/flow"] = (double)st.beacon_tuples_refused / (double)n;
		state.counters["seen_lost/flow"] = (double)st.beacon_seen_lost / (double)n;
	}
	nfw_detect_free(d);
}

void
BM_detect_single(benchmark::State &state)
{
	run(state, false);
}

void
BM_detect_burst(benchmark::State &state)
{
	run(state, true);
}

void
BM_control_bulk(benchmark::State &state)
{
	run(state, true, CONTROL_BULK);
}

void
BM_worker_bulk(benchmark::State &state)
{
	run(state, true, WORKER_BULK);
}

void
BM_worker_recurring(benchmark::State &state)
{
	run(state, true, WORKER_RECURRING);
}

/*
 * A beaconing run over 20 000 tuples of 40 sessions at random (a mean of
 * 8 minutes apart), unsampled (range 1) or at 1:100 (range 100), where
 * every tuple that fails the direct test also gets the phase search
 * (beacon_phase.c). The first run after new sessions pays for it: each
 * iteration adds one session to every tuple, then runs.
 */
void
BM_beacon_run(benchmark::State &state)
{
	const unsigned ntup = 20000, nsess = 40;
	const uint32_t rate = (uint32_t)state.range(0);
	nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.parts = NFW_DETECT_BEACON;
	nfw_detect *d = nfw_detect_create(&c);
	uint64_t s = 11, t0 = 1768478400000ull;
	std::vector<uint64_t> last(ntup, t0);
	auto session = [&](unsigned j, unsigned i) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		double u = (double)(s >> 11) / 9007199254740992.0;
		last[j] += 1000 + (uint64_t)(-480000.0 * std::log(1 - u));
		nfw_flow f;
		std::memset(&f, 0, sizeof(f));
		nfw_flow_addr_set4(f.src_addr, 0x0a140000u + j);
		nfw_flow_addr_set4(f.dst_addr, 0x60000000u + j);
		f.src_port = (uint16_t)(30000 + i);
		f.dst_port = 443;
		f.proto = 6;
		f.start_ms = f.end_ms = last[j];
		f.packets = rate;
		f.bytes = 64ull * rate;
		f.sampling = rate;
		f.af = 4;
		nfw_detect_add(d, &f);
	};
	for (unsigned i = 0; i < nsess; i++)
		for (unsigned j = 0; j < ntup; j++)
			session(j, i);
	unsigned i = nsess;
	const nfw_finding *out;
	uint64_t runs = 0;
	for (auto _ : state) {
		state.PauseTiming();
		for (unsigned j = 0; j < ntup; j++)
			session(j, i);
		i++;
		state.ResumeTiming();
		benchmark::DoNotOptimize(nfw_detect_run(d, &out));
		runs++;
	}
	state.counters["s/tuple"] = benchmark::Counter((double)runs * ntup, benchmark::Counter::kIsRate |
									   benchmark::Counter::kInvert);
	nfw_detect_free(d);
}

/*
 * A volumetric run on a busy site: 3000 internal servers past the
 * prefilter (2400 flows of 10 packets each over 24 h), none near a flood's
 * rate. Arg 1: as configured; a run sorts the buckets of no destination
 * (each keeps its peak). Arg 0: vol_min_pps at 0.001, so every destination
 * is evaluated in full (two sorts of 8640 buckets), as every run did before
 * the peak was kept.
 */
void
BM_vol_run(benchmark::State &state)
{
	const unsigned nsrv = 3000, nflows = 2400;
	nfw_detect_config c;
	nfw_detect_config_default(&c);
	c.parts = NFW_DETECT_VOLUME;
	if (state.range(0) == 0)
		c.vol_min_pps = 0.001;
	nfw_detect *d = nfw_detect_create(&c);
	const uint64_t t0 = 1768478400000ull;
	for (unsigned i = 0; i < nflows; i++)
		for (unsigned j = 0; j < nsrv; j++) {
			nfw_flow f;
			std::memset(&f, 0, sizeof(f));
			nfw_flow_addr_set4(f.src_addr, 0x60000000u + (i * 7919 + j) % 100000);
			nfw_flow_addr_set4(f.dst_addr, 0x0a140000u + j);
			f.src_port = (uint16_t)(30000 + i % 30000);
			f.dst_port = 443;
			f.proto = 6;
			f.start_ms = t0 + i * 36000ull + j;
			f.end_ms = f.start_ms + 2000;
			f.packets = 10;
			f.bytes = 6000;
			f.sampling = 1;
			f.af = 4;
			nfw_detect_add(d, &f);
		}
	const nfw_finding *out;
	for (auto _ : state)
		benchmark::DoNotOptimize(nfw_detect_run(d, &out));
	nfw_detect_stats st;
	nfw_detect_stats_get(d, &st);
	state.counters["dsts"] = (double)st.vol_dsts;
	nfw_detect_free(d);
}

} // namespace

BENCHMARK(BM_beacon_run)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_vol_run)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_detect_single)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_detect_burst)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_control_bulk)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_worker_bulk)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_worker_recurring)->Unit(benchmark::kMillisecond);
