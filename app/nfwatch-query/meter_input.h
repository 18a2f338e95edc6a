/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFWQ_METER_INPUT_H
#define NFWQ_METER_INPUT_H

#include <signal.h>

#include "nfw_capture.h"
#include "nfw_meter.h"

/*
 * A capture of ordinary traffic through the meter (lib/meter): every frame
 * of path into m, whose emit gets the flows. The frames are added to
 * tot->frames. 0, or -1 with a message in err (unreadable, or damaged:
 * what was read before the damage stands). Stops early when *stop is set.
 */
int meter_capture(struct nfw_meter *m, const char *path, struct nfw_capture_stats *tot,
		  const volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
