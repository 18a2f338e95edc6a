/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's state, set up and torn down: one worker (and shard) per
 * worker lcore, and an SPSC ring from every worker to every other. Split
 * from main.c so that tests drive the same code on ports they build
 * themselves (tests/appliance/test_ring.c uses net_ring).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "app.h"

struct app g_app;

static int
rings_create(struct app *a)
{
	for (unsigned i = 0; i < a->nworkers; i++)
		for (unsigned j = 0; j < a->nworkers; j++) {
			if (i == j)
				continue;
			char name[RTE_RING_NAMESIZE];
			snprintf(name, sizeof(name), "rec_%u_%u", i, j);
			struct rte_ring *r = rte_ring_create_elem(name, sizeof(struct nfw_flow), a->cfg.ring_size,
								  (int)rte_lcore_to_socket_id(a->w[j]->lcore),
								  RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (r == NULL) {
				fprintf(stderr, "nfwatch: ring %s of %u records: %s\n", name, a->cfg.ring_size,
					rte_strerror(rte_errno));
				return -1;
			}
			a->w[i]->out[j] = r;
			a->w[j]->in[i] = r;
		}
	return 0;
}

static uint64_t
wall_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
app_setup(struct app *a, char *err, size_t errlen)
{
	unsigned lcore;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (a->nworkers == APP_MAX_WORKERS)
			break;
		struct worker *w = rte_zmalloc_socket("worker", sizeof(*w), RTE_CACHE_LINE_SIZE,
						      (int)rte_lcore_to_socket_id(lcore));
		if (w == NULL) {
			snprintf(err, errlen, "worker state: out of memory (raise -m)");
			return -1;
		}
		w->id = a->nworkers;
		w->lcore = lcore;
		a->w[a->nworkers++] = w;
	}
	if (a->nworkers == 0) {
		snprintf(err, errlen, "no worker lcore: give at least two (-l 0-1)");
		return -1;
	}
	a->tsc_hz = rte_get_tsc_hz();
	a->tsc0 = rte_get_tsc_cycles();
	a->start_ms = wall_now_ms();
	a->detect = a->cfg.detect || a->cfg.findings[0] != '\0' || a->cfg.report[0] != '\0';
	a->sketches = a->cfg.mode == MODE_FULL || (a->detect && a->cfg.mode >= MODE_FLOW);
	for (unsigned i = 0; a->detect && i < a->nworkers; i++) {
		char name[RTE_RING_NAMESIZE];
		snprintf(name, sizeof(name), "to_ctl_%u", i);
		/* 2^18 closed flows (38 MB): the workers keep closing flows while the control
		 * thread runs the detectors (tens of ms at a time); 2^16 overflowed then */
		a->w[i]->to_ctl = rte_ring_create_elem(name, sizeof(struct nfw_flow), 1u << 18,
						       (int)rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (a->w[i]->to_ctl == NULL) {
			snprintf(err, errlen, "ring to the control lcore: %s", rte_strerror(rte_errno));
			return -1;
		}
	}
	if (a->cfg.mode >= MODE_FLOW && a->nworkers > 1 && rings_create(a) != 0) {
		snprintf(err, errlen, "cannot create the rings between workers");
		return -1;
	}
	for (unsigned i = 0; i < a->nworkers; i++)
		if (worker_init(a, a->w[i], err, errlen) != 0)
			return -1;
	return 0;
}

void
app_teardown(struct app *a)
{
	for (unsigned i = 0; i < a->nworkers; i++) {
		worker_fini(a->w[i]);
		rte_free(a->w[i]);
		a->w[i] = NULL;
	}
	a->nworkers = 0;
}
