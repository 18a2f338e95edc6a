// SPDX-License-Identifier: BSD-3-Clause
//
// What a random cache line costs on this machine, the figure every table
// design here is judged by: random 8-byte loads over a 512 MB table (far
// beyond any cache), one at a time as a dependent chain (latency), all
// independent (how many the core keeps in flight), and a loop with ~30 ns
// of its own work per load, without and with a prefetch 16 loads ahead.
//
//   build/bench/bench_memory --benchmark_min_time=1
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

namespace {

constexpr size_t kBytes = size_t(512) << 20;
constexpr size_t kLines = kBytes / 64;

struct Table {
	uint64_t *a;
	std::vector<uint32_t> idx; // random line numbers
	size_t start;              // the chain's first word
	Table()
	{
		a = static_cast<uint64_t *>(std::aligned_alloc(64, kBytes));
		std::memset(a, 1, kBytes);
		idx.resize(1u << 22);
		uint64_t x = 88172645463325252ull;
		for (auto &i : idx) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			i = uint32_t(x % kLines);
		}
		// a dependent chain through every line in a random order (one cycle: no short loop
		// the cache could hold): line perm[k] names perm[k + 1]
		std::vector<uint32_t> perm(kLines);
		for (size_t k = 0; k < kLines; k++)
			perm[k] = uint32_t(k);
		for (size_t k = kLines - 1; k > 0; k--) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			std::swap(perm[k], perm[x % (k + 1)]);
		}
		for (size_t k = 0; k < kLines; k++)
			a[size_t(perm[k]) * 8] = size_t(perm[(k + 1) % kLines]) * 8;
		start = size_t(perm[0]) * 8;
	}
	~Table() { std::free(a); }
};

Table &
table()
{
	static Table t;
	return t;
}

void
BM_load_chain(benchmark::State &state)
{
	Table &t = table();
	size_t p = t.start;
	for (auto _ : state) {
		for (int i = 0; i < 4096; i++)
			p = t.a[p];
		benchmark::DoNotOptimize(p);
	}
	state.counters["ns/load"] = benchmark::Counter(double(state.iterations()) * 4096,
						       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void
BM_load_independent(benchmark::State &state)
{
	Table &t = table();
	size_t k = 0;
	uint64_t s = 0;
	for (auto _ : state) {
		for (int i = 0; i < 4096; i++, k = (k + 1) & (t.idx.size() - 1))
			s += t.a[size_t(t.idx[k]) * 8 + 1];
		benchmark::DoNotOptimize(s);
	}
	state.counters["ns/load"] = benchmark::Counter(double(state.iterations()) * 4096,
						       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// each iteration waits for its load (the next address depends on it) and then works
void
BM_load_with_work(benchmark::State &state)
{
	Table &t = table();
	const int ahead = int(state.range(0));
	size_t k = 0;
	uint64_t v = 0;
	for (auto _ : state) {
		for (int i = 0; i < 4096; i++, k = (k + 1) & (t.idx.size() - 1)) {
			if (ahead)
				__builtin_prefetch(&t.a[size_t(t.idx[(k + ahead) & (t.idx.size() - 1)]) * 8]);
			uint64_t w = t.a[size_t(t.idx[k]) * 8 + (v & 1)];
			for (int r = 0; r < 20; r++)
				w = w * 0x9e3779b97f4a7c15ULL ^ (w >> 29);
			v += w;
		}
		benchmark::DoNotOptimize(v);
	}
	state.counters["ns/load"] = benchmark::Counter(double(state.iterations()) * 4096,
						       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

} // namespace

BENCHMARK(BM_load_chain);
BENCHMARK(BM_load_independent);
BENCHMARK(BM_load_with_work)->Arg(0)->Arg(16);
