/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer over the meter (lib/meter): any bytes as a run of frames, each
 * [link type index 1][time step 2][caplen 2][wirelen 2][frame caplen bytes],
 * into a table of 64 flows (so the full-table eviction runs too). After the
 * flush: every packet is in a record or counted by a drop reason, and the
 * records' packets add up to the packets metered.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_meter.h"

static uint64_t emitted_packets;

static void
sink(const struct nfw_flow *f, void *arg)
{
	(void)arg;
	if (f->packets == 0 || f->end_ms < f->start_ms)
		abort();
	emitted_packets += f->packets;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int links[] = { 1 /* Ethernet */, 113 /* Linux cooked */, 276 /* cooked v2 */, 12, 101,
				     228, 229, 0 /* BSD loopback */, 147 /* unsupported */ };
	struct nfw_meter_config c;
	nfw_meter_config_default(&c);
	c.max_flows = 64;
	c.active_s = 60;
	c.inactive_s = 5;
	c.emit = sink;
	struct nfw_meter *m = nfw_meter_create(&c);
	if (m == NULL)
		abort();
	emitted_packets = 0;
	uint64_t t = 1767225600000000ull;
	size_t o = 0;
	while (size - o >= 7) {
		int lt = links[data[o] % (sizeof(links) / sizeof(links[0]))];
		t += (uint64_t)(data[o + 1] << 8 | data[o + 2]) * 1000; /* up to 65 s a step */
		size_t cap = (size_t)(data[o + 3] << 8 | data[o + 4]);
		size_t wire = (size_t)(data[o + 5] << 8 | data[o + 6]);
		o += 7;
		if (cap > size - o)
			cap = size - o;
		if (wire < cap)
			wire = cap;
		/* a copy of exactly cap bytes: reading past it is caught by the sanitizer */
		uint8_t *f = malloc(cap ? cap : 1);
		if (f == NULL)
			abort();
		memcpy(f, data + o, cap);
		nfw_meter_frame(m, lt, f, cap, wire, data[o - 6] == 0xff ? t - 3000000 : t);
		free(f);
		o += cap;
	}
	nfw_meter_flush(m);
	struct nfw_meter_stats st;
	nfw_meter_stats_get(m, &st);
	uint64_t dropped = 0;
	for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
		dropped += st.dropped[r];
	if (st.packets != st.metered + dropped || emitted_packets != st.metered || st.active_flows != 0 ||
	    st.flows != st.ended_inactive + st.ended_active + st.evicted_full + st.flushed)
		abort();
	nfw_meter_free(m);
	return 0;
}
