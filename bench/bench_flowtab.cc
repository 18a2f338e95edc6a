// SPDX-License-Identifier: BSD-3-Clause
//
// Flow table: records/s into one shard's table, one at a time vs in bursts
// of 32 with prefetch, for a working set that fits the caches and one that
// does not, and for records that close their flow on arrival vs records
// that stay open (active-timeout splits).
//
//   build/bench/bench_flowtab --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "nfw_flowtab.h"

namespace {

uint64_t g_closed;

void
sink(const nfw_flow_closed *c, void *)
{
	g_closed += c->records;
}

std::vector<nfw_flow>
stream(unsigned distinct, unsigned n, bool closing)
{
	std::vector<nfw_flow> v(n);
	uint64_t s = 42;
	for (unsigned i = 0; i < n; i++) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		unsigned k = (unsigned)(s >> 33) % distinct;
		nfw_flow &f = v[i];
		std::memset(&f, 0, sizeof(f));
		nfw_flow_addr_set4(f.src_addr, 0x0a000000u + k);
		nfw_flow_addr_set4(f.dst_addr, 0xc6336400u + (k % 251));
		nfw_flow_addr_set4(f.exporter, 0xc0000201u);
		f.exporter_port = 2055;
		f.version = 9;
		f.src_port = (uint16_t)(1024 + k % 60000);
		f.dst_port = 443;
		f.proto = 6;
		f.af = 4;
		f.start_ms = 1000000 + i;
		f.end_ms = f.start_ms + 10;
		f.bytes = 1000;
		f.packets = 10;
		f.end_reason = closing ? 3 : 2;
		f.tcp_flags = 0x18;
		f.sampling = 1;
	}
	return v;
}

void
run(benchmark::State &state, bool burst)
{
	const unsigned distinct = (unsigned)state.range(0);
	const bool closing = state.range(1) != 0;
	auto v = stream(distinct, 1u << 20, closing);
	nfw_flowtab_params p{};
	p.max_flows = distinct * 2 > 1024 ? distinct * 2 : 1024;
	p.idle_ms = 3600000;
	p.emit = sink;
	nfw_flowtab *t = nfw_flowtab_create(&p);
	uint64_t n = 0;
	for (auto _ : state) {
		if (burst) {
			for (size_t i = 0; i < v.size(); i += 32)
				nfw_flowtab_add_burst(t, &v[i], 32);
		} else {
			for (auto &r : v)
				nfw_flowtab_add(t, &r);
		}
		n += v.size();
	}
	state.counters["records/s"] = benchmark::Counter((double)n, benchmark::Counter::kIsRate);
	state.counters["ns/record"] = benchmark::Counter((double)n,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["bytes/flow"] = (double)nfw_flowtab_memory(t) / p.max_flows;
	nfw_flowtab_free(t);
}

void BM_flowtab_single(benchmark::State &s) { run(s, false); }
void BM_flowtab_burst(benchmark::State &s) { run(s, true); }

} // namespace

// args: distinct keys, records close on arrival (1) or stay open (0)
BENCHMARK(BM_flowtab_single)->Args({16384, 0})->Args({1 << 20, 0})->Args({1 << 20, 1});
BENCHMARK(BM_flowtab_burst)->Args({16384, 0})->Args({1 << 20, 0})->Args({1 << 20, 1});
