// SPDX-License-Identifier: BSD-3-Clause
//
// Decoder throughput per core: records/s for NetFlow v5, v9, IPFIX and
// sFlow. Datagrams are built once with lib/export (full-size, many
// distinct flows, templates re-sent every 100 datagrams as exporters do)
// and fed round-robin to one decoder context, as a worker lcore would.
//
//   build/bench/bench_decode --benchmark_min_time=2
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "nfw_decode.h"
#include "nfw_export.h"

namespace {

struct Stream {
	std::vector<std::vector<uint8_t>> dgrams;
	uint64_t records = 0;
};

void
make_flow(uint64_t i, nfw_flow *f, uint64_t t)
{
	std::memset(f, 0, sizeof(*f));
	nfw_flow_addr_set4(f->src_addr, 0x0a000000u + (uint32_t)(i * 2654435761u % 16777216u));
	nfw_flow_addr_set4(f->dst_addr, 0xcb007100u + (uint32_t)(i % 251));
	nfw_flow_addr_set4(f->nexthop, 0x0a0000feu);
	f->src_port = (uint16_t)(1024 + i % 60000);
	f->dst_port = (uint16_t)(i % 3 ? 443 : 53);
	f->proto = (uint8_t)(i % 3 ? 6 : 17);
	f->tcp_flags = 0x1b;
	f->packets = 1 + i % 50;
	f->bytes = f->packets * (64 + i % 1400);
	f->start_ms = t - 10000;
	f->end_ms = t - 100;
	f->in_if = 1;
	f->out_if = 2;
	f->af = 4;
}

Stream
build(uint16_t version, uint32_t sampling, unsigned ndgrams)
{
	Stream s;
	nfw_export_params p{};
	p.version = version;
	p.sampling = sampling;
	p.template_every = 100;
	p.boot_ms = 1767225600000ull - 3600000;
	p.mtu = 1472;
	nfw_flow_addr_set4(p.agent, 0xc0000201u);
	nfw_export *e = nfw_export_create(&p);
	std::vector<nfw_flow> recs(64);
	uint8_t buf[2048];
	uint64_t i = 0, t = 1767225600000ull;
	while (s.dgrams.size() < ndgrams) {
		for (auto &r : recs)
			make_flow(i++, &r, t);
		unsigned off = 0;
		while (off < recs.size() && s.dgrams.size() < ndgrams) {
			unsigned used = 0;
			size_t len = nfw_export_build(e, recs.data() + off, (unsigned)(recs.size() - off),
						      &used, t, buf, sizeof(buf));
			if (used == 0)
				break;
			off += used;
			s.dgrams.emplace_back(buf, buf + len);
		}
		t += 10;
	}
	nfw_export_free(e);
	// count what one pass decodes
	nfw_decode *d = nfw_decode_create(nullptr);
	nfw_exporter_addr ex{};
	nfw_exporter_addr_set4(&ex, 0xc0000201u);
	ex.port = 2055;
	for (auto &g : s.dgrams) {
		unsigned n;
		nfw_decode_datagram(d, g.data(), g.size(), &ex, t, &n);
		s.records += n;
	}
	nfw_decode_free(d);
	return s;
}

void
run(benchmark::State &state, uint16_t version, uint32_t sampling)
{
	static Stream streams[4][2];
	int vi = version == NFW_FLOW_V5 ? 0 : version == NFW_FLOW_V9 ? 1 : version == NFW_FLOW_IPFIX ? 2 : 3;
	Stream &s = streams[vi][sampling > 1];
	if (s.dgrams.empty())
		s = build(version, sampling, 2000);
	nfw_decode *d = nfw_decode_create(nullptr);
	nfw_exporter_addr ex{};
	nfw_exporter_addr_set4(&ex, 0xc0000201u);
	ex.port = 2055;
	uint64_t recs = 0, bytes = 0, sink = 0;
	for (auto _ : state) {
		for (auto &g : s.dgrams) {
			unsigned n;
			const nfw_flow *f = nfw_decode_datagram(d, g.data(), g.size(), &ex,
								1767225600000ull, &n);
			if (n > 0)
				sink += f[n - 1].bytes;
			recs += n;
			bytes += g.size();
		}
	}
	benchmark::DoNotOptimize(sink);
	state.counters["records/s"] = benchmark::Counter((double)recs, benchmark::Counter::kIsRate);
	state.counters["ns/record"] = benchmark::Counter((double)recs,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
	state.counters["records/dgram"] = (double)s.records / (double)s.dgrams.size();
	state.SetBytesProcessed((int64_t)bytes);
	nfw_decode_stats st;
	nfw_decode_stats_total(d, &st);
	if (st.decoded != st.datagrams || st.records != recs)
		state.SkipWithError("datagrams dropped or records lost in the benchmark stream");
	nfw_decode_free(d);
}

void BM_decode_v5(benchmark::State &s) { run(s, NFW_FLOW_V5, 0); }
void BM_decode_v9(benchmark::State &s) { run(s, NFW_FLOW_V9, 0); }
void BM_decode_ipfix(benchmark::State &s) { run(s, NFW_FLOW_IPFIX, 0); }
void BM_decode_sflow(benchmark::State &s) { run(s, NFW_FLOW_SFLOW, 512); }
void BM_decode_v9_sampled(benchmark::State &s) { run(s, NFW_FLOW_V9, 100); }
void BM_decode_ipfix_sampled(benchmark::State &s) { run(s, NFW_FLOW_IPFIX, 100); }

} // namespace

BENCHMARK(BM_decode_v5);
BENCHMARK(BM_decode_v9);
BENCHMARK(BM_decode_ipfix);
BENCHMARK(BM_decode_v9_sampled);
BENCHMARK(BM_decode_ipfix_sampled);
BENCHMARK(BM_decode_sflow);
