// SPDX-License-Identifier: BSD-3-Clause
//
// Sketch updates in ns/op: count-min (plain and conservative, 4 x 64 K),
// HyperLogLog (p = 12 and 16), space-saving top-k (k = 1000) on a skewed
// key stream, heavy hitters (k = 256) on a skewed stream of 100 000 keys
// and on 200 keys (every key held, as ports or a site's busiest servers),
// and the 64-bit key hash.
//
//   build/bench/bench_sketch --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "nfw_sketch.h"

namespace {

std::vector<uint64_t>
keys(size_t n, unsigned distinct)
{
	std::vector<uint64_t> v(n);
	uint64_t s = 1;
	for (auto &k : v) {
		s = s * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t x = (s >> 33) % distinct;
		x = (x * x) % distinct; // skewed
		k = nfw_hash64(&x, sizeof(x), 5);
	}
	return v;
}

void
BM_hash64(benchmark::State &st)
{
	uint8_t key[40] = { 1, 2, 3 };
	uint64_t acc = 0;
	for (auto _ : st) {
		key[0]++;
		acc += nfw_hash64(key, sizeof(key), 7);
	}
	benchmark::DoNotOptimize(acc);
}

void
BM_cms_add(benchmark::State &st)
{
	auto v = keys(1 << 16, 200000);
	nfw_cms *c = nfw_cms_create(1 << 16, 4, (int)st.range(0), 1);
	size_t i = 0;
	for (auto _ : st)
		nfw_cms_add(c, v[i++ & 0xffff], 1);
	st.counters["bytes"] = (double)nfw_cms_memory(c);
	nfw_cms_free(c);
}

void
BM_hll_add(benchmark::State &st)
{
	auto v = keys(1 << 16, 1u << 30);
	nfw_hll *h = nfw_hll_create((uint8_t)st.range(0));
	size_t i = 0;
	for (auto _ : st)
		nfw_hll_add(h, v[i++ & 0xffff]);
	benchmark::DoNotOptimize(nfw_hll_count(h));
	nfw_hll_free(h);
}

void
BM_topk_add(benchmark::State &st)
{
	auto v = keys(1 << 16, 100000);
	nfw_topk *t = nfw_topk_create(1000);
	size_t i = 0;
	uint8_t label[16] = { 0 };
	for (auto _ : st) {
		uint64_t k = v[i++ & 0xffff];
		nfw_topk_add(t, k, label, 1);
	}
	nfw_topk_free(t);
}

// heavy hitters: count-min (CU, 4096 x 4) + a heap of the k = 256 largest
void
BM_hh_add(benchmark::State &st)
{
	auto v = keys(1 << 16, (unsigned)st.range(0));
	nfw_hh *h = nfw_hh_create(256, 4096, 4, 1);
	size_t i = 0;
	uint8_t label[16] = { 0 };
	for (auto _ : st) {
		uint64_t k = v[i++ & 0xffff];
		nfw_hh_add(h, k, label, 1 + (k & 1023));
	}
	nfw_hh_free(h);
}

} // namespace

BENCHMARK(BM_hash64);
BENCHMARK(BM_hh_add)->Arg(100000)->Arg(200); // a skewed stream; few keys, all held (ports)
BENCHMARK(BM_cms_add)->Arg(0)->Arg(1);
BENCHMARK(BM_hll_add)->Arg(12)->Arg(16);
BENCHMARK(BM_topk_add);
