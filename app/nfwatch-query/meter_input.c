/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-query's third input, after export captures and segments: a
 * capture of ordinary traffic (a SPAN port, tcpdump on a host), metered
 * into flows as nfpcapd or softflowd -r would (lib/meter), which then go
 * where decoded records go: the filter, the nfdump stage, -w segments, the
 * detectors. main.c decides per file which input it is
 * (nfw_capture_holds_exports, or --meter / --no-meter).
 */
#include <errno.h>
#include <stdio.h>

#include "meter_input.h"

int
meter_capture(struct nfw_meter *m, const char *path, struct nfw_capture_stats *tot,
	      const volatile sig_atomic_t *stop, char *err, size_t errlen)
{
	struct nfw_capture *c = nfw_capture_open(path, NULL, err, errlen);
	if (c == NULL)
		return -1;
	struct nfw_capture_frame fr;
	int rc;
	while (!*stop && (rc = nfw_capture_next_frame(c, &fr)) == 1)
		nfw_meter_frame(m, fr.linktype, fr.data, fr.caplen, fr.wirelen, fr.ts_us);
	int out = 0;
	if (!*stop && rc == -ENOTSUP) {
		snprintf(err, errlen, "%s: raw export payloads, not packets: nothing to meter", path);
		out = -1;
	} else if (!*stop && rc < 0) {
		snprintf(err, errlen, "%s: %s (the packets before it were metered)", path, nfw_capture_error(c));
		out = -1;
	}
	struct nfw_capture_stats cs;
	nfw_capture_stats_get(c, &cs);
	tot->frames += cs.frames;
	nfw_capture_close(c);
	return out;
}
