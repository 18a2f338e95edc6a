/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stored flows on a reader thread (stored_read.h). The reader fills
 * batches of BATCH records in a ring of NBATCH; the caller takes them in
 * order. A batch is one kind (sessions from segments, records from
 * nfdump's files). One mutex and two condition variables guard the ring: a
 * batch is 2048 records, so the hand-off costs nothing beside them. When
 * the caller stops early (-c, a signal) the reader is told, the ring is
 * drained unread, the thread joined: nothing is left running.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nfw_nfcapd.h"
#include "nfw_store.h"
#include "stored_read.h"

#define BATCH 2048
#define NBATCH 4

struct batch {
	struct nfw_flow_closed c[BATCH]; /* the readers decode straight into these */
	unsigned n;
	bool session;
};

struct pipe {
	char **paths;
	size_t npaths, cap;
	struct batch b[NBATCH];
	unsigned head, tail, count; /* taken at head, filled at tail */
	bool done, quit;
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	struct batch *cur;          /* the reader's batch being filled (one of b[], not yet counted) */
	struct stored_stats *st;
	int err;
};

int
stored_file(const char *path)
{
	return nfw_seg_is_segment(path) || nfw_nfcapd_is(path);
}

static int
collect(const char *path, void *arg)
{
	struct pipe *p = arg;
	if (p->npaths == p->cap) {
		size_t nc = p->cap ? p->cap * 2 : 64;
		char **v = realloc(p->paths, nc * sizeof(*v));
		if (v == NULL)
			return 1;
		p->paths = v;
		p->cap = nc;
	}
	if ((p->paths[p->npaths] = strdup(path)) == NULL)
		return 1;
	p->npaths++;
	return 0;
}

/* ---- the reader's side ---- */

/* a free batch to fill, or NULL when told to quit */
static struct batch *
reader_take(struct pipe *p, bool session)
{
	pthread_mutex_lock(&p->mu);
	while (p->count == NBATCH && !p->quit)
		pthread_cond_wait(&p->freed, &p->mu);
	struct batch *b = p->quit ? NULL : &p->b[p->tail];
	pthread_mutex_unlock(&p->mu);
	if (b != NULL) {
		b->n = 0;
		b->session = session;
	}
	return b;
}

static void
reader_publish(struct pipe *p)
{
	if (p->cur == NULL || p->cur->n == 0)
		return;
	pthread_mutex_lock(&p->mu);
	p->tail = (p->tail + 1) % NBATCH;
	p->count++;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->mu);
	p->cur = NULL;
}

/* where the next record goes (the current batch's next slot; nfw_segr_next and nfw_nfcapd_next
 * decode into it, and a record read there counts once reader_commit says so); NULL when told to quit */
static struct nfw_flow_closed *
reader_slot(struct pipe *p, bool session)
{
	if (p->cur != NULL && (p->cur->session != session || p->cur->n == BATCH))
		reader_publish(p);
	if (p->cur == NULL && (p->cur = reader_take(p, session)) == NULL)
		return NULL;
	return &p->cur->c[p->cur->n];
}

static inline void
reader_commit(struct pipe *p)
{
	p->cur->n++;
}

static void
read_segment(struct pipe *p, const char *path)
{
	struct stored_stats *s = p->st;
	char err[512];
	struct nfw_segr *r = nfw_segr_open(path, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "nfwatch-query: %s\n", err);
		s->damaged = 1;
		return;
	}
	struct nfw_flow_closed *c;
	while ((c = reader_slot(p, true)) != NULL && nfw_segr_next(r, c) == 1)
		reader_commit(p);
	struct nfw_segr_stats st;
	nfw_segr_stats_get(r, &st);
	if (st.bad_blocks > 0) {
		fprintf(stderr, "nfwatch-query: %s: %llu damaged block(s) skipped, last: %s\n", path,
			(unsigned long long)st.bad_blocks, nfw_segr_damage(r));
		s->damaged = 1;
	}
	s->files++;
	s->blocks += st.blocks;
	s->flows += st.records;
	s->bad_blocks += st.bad_blocks;
	s->bad_bytes += st.bad_bytes;
	nfw_segr_close(r);
}

/*
 * One of nfdump's files (nfcapd.*, nfdump -w): its records are records as
 * an exporter sent them, so for the detectors they are stitched like
 * decoded ones (the flow table), not taken as sessions.
 */
static void
read_nfcapd(struct pipe *p, const char *path)
{
	struct stored_stats *s = p->st;
	char err[512];
	struct nfw_nfcapd *r = nfw_nfcapd_open(path, err, sizeof(err));
	if (r == NULL) {
		fprintf(stderr, "nfwatch-query: %s\n", err);
		s->damaged = 1;
		return;
	}
	struct nfw_flow_closed *c;
	int rc = 0;
	bool quit = false;
	while ((c = reader_slot(p, false)) != NULL && (rc = nfw_nfcapd_next(r, &c->f)) == 1)
		reader_commit(p);
	if (c == NULL)
		quit = true;
	if (!quit && rc < 0) {
		fprintf(stderr, "nfwatch-query: %s: %s (the flows before it were read)\n", path, nfw_nfcapd_error(r));
		s->damaged = 1;
	}
	struct nfw_nfcapd_stats st;
	nfw_nfcapd_stats_get(r, &st);
	if (st.bad_records > 0)
		fprintf(stderr, "nfwatch-query: %s: %llu damaged record(s): the rest of their blocks skipped\n", path,
			(unsigned long long)st.bad_records);
	s->nf_files++;
	s->nf_blocks += st.blocks;
	s->nf_flows += st.flows;
	s->nf_skipped += st.skipped;
	s->nf_bad_records += st.bad_records;
	nfw_nfcapd_close(r);
}

static void *
reader(void *arg)
{
	struct pipe *p = arg;
	for (size_t i = 0; i < p->npaths; i++) {
		pthread_mutex_lock(&p->mu);
		bool quit = p->quit;
		pthread_mutex_unlock(&p->mu);
		if (quit)
			break;
		if (nfw_seg_is_segment(p->paths[i]))
			read_segment(p, p->paths[i]);
		else
			read_nfcapd(p, p->paths[i]);
	}
	reader_publish(p);
	pthread_mutex_lock(&p->mu);
	p->done = true;
	pthread_cond_signal(&p->filled);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* ---- the caller's side ---- */

int
stored_read(const char *path, void (*sink)(const struct nfw_flow *f, bool session, void *arg), void *arg,
	    volatile sig_atomic_t *stop, struct stored_stats *st, unsigned *found)
{
	struct pipe *p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->st = st;
	int rc = 0;
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		int n = nfw_store_walk_files(path, stored_file, collect, p);
		if (n < 0)
			rc = n;
	} else if (collect(path, p) != 0) {
		rc = -ENOMEM;
	}
	*found = (unsigned)p->npaths;
	pthread_t tid;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->filled, NULL);
	pthread_cond_init(&p->freed, NULL);
	if (rc == 0 && p->npaths > 0 && pthread_create(&tid, NULL, reader, p) != 0)
		rc = -errno;
	if (rc == 0 && p->npaths > 0) {
		for (;;) {
			pthread_mutex_lock(&p->mu);
			while (p->count == 0 && !p->done)
				pthread_cond_wait(&p->filled, &p->mu);
			if (p->count == 0) { /* done, and nothing left */
				pthread_mutex_unlock(&p->mu);
				break;
			}
			struct batch *b = &p->b[p->head];
			pthread_mutex_unlock(&p->mu);
			for (unsigned i = 0; i < b->n && !*stop; i++)
				sink(&b->c[i].f, b->session, arg);
			pthread_mutex_lock(&p->mu);
			p->head = (p->head + 1) % NBATCH;
			p->count--;
			if (*stop) /* -c, or a signal: the reader stops at its next record */
				p->quit = true;
			pthread_cond_signal(&p->freed);
			pthread_mutex_unlock(&p->mu);
		}
		pthread_join(tid, NULL);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->filled);
	pthread_cond_destroy(&p->freed);
	for (size_t i = 0; i < p->npaths; i++)
		free(p->paths[i]);
	free(p->paths);
	free(p);
	return rc;
}
