// SPDX-License-Identifier: BSD-3-Clause
//
// The main of every benchmark program: Google Benchmark 1.7 on Debian 12
// ships no benchmark_main library.
#include <benchmark/benchmark.h>

int
main(int argc, char **argv)
{
	benchmark::Initialize(&argc, argv);
	if (benchmark::ReportUnrecognizedArguments(argc, argv))
		return 1;
	benchmark::RunSpecifiedBenchmarks();
	benchmark::Shutdown();
	return 0;
}
