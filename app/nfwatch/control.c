/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control thread (control.h): every 2 ms, or after a 50 us pause (the
 * lock free for commands) while they keep coming, it takes the closed flows
 * the workers hand over and feeds the detectors; every epoch it swaps the
 * workers' sketches and merges them, runs the detectors and streams new
 * or changed findings; every second it refreshes the telemetry snapshots;
 * it answers the unix socket; it prints the interval stats; it ends the
 * run at --duration. All of it under ctl.lock, which commands take too.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "control.h"
#include "nfw_report.h"

struct control g_ctl = { .lock = PTHREAD_MUTEX_INITIALIZER, .snap_lock = PTHREAD_MUTEX_INITIALIZER, .lfd = -1 };

uint64_t
control_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
sum_all(struct app *a, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		const uint64_t *src = (const uint64_t *)&w->st;
		uint64_t *dst = (uint64_t *)&t->st;
		for (size_t k = 0; k < sizeof(w->st) / 8; k++)
			dst[k] += src[k];
		struct nfw_decode_stats d;
		nfw_decode_stats_total(w->dec, &d);
		const uint64_t *ds = (const uint64_t *)&d;
		uint64_t *dd = (uint64_t *)&t->dec;
		for (size_t k = 0; k < sizeof(d) / 8; k++)
			dd[k] += ds[k];
		if (w->ft != NULL) {
			struct nfw_flowtab_stats f;
			nfw_flowtab_stats_get(w->ft, &f);
			const uint64_t *fs = (const uint64_t *)&f;
			uint64_t *fd = (uint64_t *)&t->ft;
			for (size_t k = 0; k < sizeof(f) / 8; k++)
				fd[k] += fs[k];
		}
		if (w->segw != NULL) {
			struct nfw_segw_stats s;
			nfw_segw_stats_get(w->segw, &s);
			t->seg.records += s.records;
			t->seg.blocks += s.blocks;
			t->seg.files += s.files;
			t->seg.bytes += s.bytes;
			t->seg.write_errors += s.write_errors;
		}
	}
}

void
print_stats(struct app *a, const char *title)
{
	struct totals t;
	uint64_t skipped = 0, dropped = 0;
	sum_all(a, &t);
	for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
		skipped += t.st.skipped[r];
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		dropped += t.dec.dropped[r];
	printf("%s: rx %llu = skipped %llu + denied %llu + datagrams %llu | datagrams = decoded %llu + "
	       "dropped %llu | records %llu (ring full %llu) | flows active %llu closed %llu | "
	       "segments %llu\n", title, (unsigned long long)t.st.rx_pkts, (unsigned long long)skipped,
	       (unsigned long long)t.st.denied, (unsigned long long)t.st.datagrams,
	       (unsigned long long)t.dec.decoded, (unsigned long long)dropped,
	       (unsigned long long)t.st.records, (unsigned long long)t.st.ring_full,
	       (unsigned long long)t.ft.active, (unsigned long long)t.st.flows_closed,
	       (unsigned long long)t.seg.records);
	fflush(stdout);
}

/* Per lcore and per exporter, for people: what the interval and the exit print. */
void
print_detail(struct app *a, bool live)
{
	printf("  %-6s %-5s %12s %12s %12s %12s %10s %12s %7s\n", "lcore", "shard", "rx", "datagrams",
	       "records", "to rings", "ring full", "flows", "busy %");
	for (unsigned i = 0; i < a->nworkers; i++) {
		const struct worker *w = a->w[i];
		double busy = w->st.total_cycles ? 100.0 * (double)w->st.busy_cycles / (double)w->st.total_cycles : 0;
		printf("  %-6u %-5u %12llu %12llu %12llu %12llu %10llu %12llu %6.1f%%\n", w->lcore, w->id,
		       (unsigned long long)w->st.rx_pkts, (unsigned long long)w->st.datagrams,
		       (unsigned long long)w->st.records, (unsigned long long)w->st.enqueued,
		       (unsigned long long)w->st.ring_full, (unsigned long long)w->st.flows_closed, busy);
		for (unsigned q = 0; q < w->nrxq; q++)
			printf("    port %u queue %u: rx %llu\n", w->rxq[q].port, w->rxq[q].queue,
			       (unsigned long long)w->rxq[q].rx_pkts);
	}
	/* exporters as each worker's decoder saw them (one exporter may feed several queues);
	 * while the workers run, a copy each worker makes between bursts */
	printf("  %-39s %5s %10s %10s %10s %12s %8s %6s\n", "exporter", "port", "datagrams", "decoded",
	       "dropped", "records", "seq lost", "rate");
	static struct nfw_ctl_exporter ex[1024];
	for (unsigned i = 0; i < a->nworkers; i++) {
		struct worker *w = a->w[i];
		unsigned n = 0;
		if (live) {
			struct wreq r = { .kind = WREQ_EXPORTERS, .out = ex, .max = 1024 };
			if (worker_request(a, w, &r, 1000) != 0)
				continue;
			n = r.n;
		} else {
			for (unsigned k = 0; k < nfw_decode_exporter_count(w->dec) && n < 1024; k++)
				if (nfw_decode_exporter_get(w->dec, k, &ex[n].info) == 0)
					n++;
		}
		for (unsigned k = 0; k < n; k++) {
			const struct nfw_exporter_info *ei = &ex[k].info;
			char addr[64];
			uint64_t dropped = 0;
			for (unsigned r = 0; r < NFW_DROP__MAX; r++)
				dropped += ei->stats.dropped[r];
			printf("  %-39s %5u %10llu %10llu %10llu %12llu %8llu %6u\n",
			       nfw_addr_str(ei->addr.addr, addr, sizeof(addr)), ei->addr.port,
			       (unsigned long long)ei->stats.datagrams, (unsigned long long)ei->stats.decoded,
			       (unsigned long long)dropped, (unsigned long long)ei->stats.records,
			       (unsigned long long)ei->stats.seq_lost, ei->sampling);
		}
	}
	fflush(stdout);
}

/* ---- detection ---- */

/*
 * Take at most `budget` closed flows from each worker's ring: a ring that
 * refills as fast as it drains must not keep the control thread here (the
 * tick, the socket and --duration wait on it); what does not fit the ring
 * meanwhile is counted by the worker (detect_full) and is in the segments.
 */
void
control_drain(struct app *a, struct control *c, unsigned budget)
{
	struct nfw_flow buf[256];
	if (c->det == NULL)
		return;
	for (unsigned i = 0; i < a->nworkers; i++) {
		unsigned n, got = 0;
		while (got < budget &&
		       (n = rte_ring_dequeue_burst_elem(a->w[i]->to_ctl, buf, sizeof(buf[0]), 256, NULL)) > 0) {
			got += n;
			for (unsigned k = 0; k < n; k++) {
				if (c->first_ms == 0 || buf[k].start_ms < c->first_ms)
					c->first_ms = buf[k].start_ms;
				if (buf[k].end_ms > c->last_ms)
					c->last_ms = buf[k].end_ms;
			}
			nfw_detect_add_burst(c->det, buf, n);
			c->flows += n;
		}
	}
}

/*
 * One worker's beaconing findings appended at c->merged + *n: asked of a
 * running worker (it runs its tuples between bursts), run here on one that
 * has finished (its state is quiescent).
 */
static void
worker_beacons(struct app *a, struct control *c, struct worker *w, unsigned *n)
{
	if (w->beacons == NULL || *n >= c->capmerged)
		return;
	if (__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE)) {
		const struct nfw_finding *f;
		unsigned k = nfw_detect_run(w->beacons, &f);
		if (k > c->capmerged - *n)
			k = c->capmerged - *n;
		memcpy(c->merged + *n, f, k * sizeof(*f));
		*n += k;
		return;
	}
	struct wreq r = { .kind = WREQ_BEACONS, .out = c->merged + *n, .max = c->capmerged - *n };
	uint64_t t0 = rte_get_tsc_cycles();
	if (worker_request(a, w, &r, 5000) == 0)
		*n += r.n;
	double ms = (double)(rte_get_tsc_cycles() - t0) * 1000.0 / (double)rte_get_tsc_hz();
	if (ms > c->beacon_ask_ms_max)
		c->beacon_ask_ms_max = ms;
}

/* Run the detectors (and every worker's beaconing); stream each finding that is new, or whose score moved. */
void
control_run_detectors(struct app *a, struct control *c)
{
	if (c->det == NULL)
		return;
	const struct nfw_finding *own;
	unsigned n = nfw_detect_run(c->det, &own);
	if (c->merged == NULL) {
		c->capmerged = 4096;
		c->merged = calloc(c->capmerged, sizeof(*c->merged));
		if (c->merged == NULL)
			return;
	}
	if (n > c->capmerged)
		n = c->capmerged;
	memcpy(c->merged, own, n * sizeof(*own));
	for (unsigned i = 0; i < a->nworkers; i++)
		worker_beacons(a, c, a->w[i], &n);
	/* the site-wide context over everything, as nfw_detect_run gives it offline */
	n = nfw_findings_correlate(c->det, c->merged, n);
	const struct nfw_finding *f = c->merged;
	c->cur = f;
	c->ncur = n;
	for (unsigned i = 0; c->findings != NULL && i < n; i++) {
		unsigned k;
		for (k = 0; k < c->nseen; k++)
			if (strcmp(c->seen[k].id, f[i].id) == 0)
				break;
		if (k < c->nseen && fabs(c->seen[k].score - f[i].score) < 1.0)
			continue;
		if (k == c->nseen) {
			if (c->nseen == c->capseen) {
				unsigned nc = c->capseen ? c->capseen * 2 : 64;
				struct seen *s = realloc(c->seen, nc * sizeof(*s));
				if (s == NULL)
					return;
				c->seen = s;
				c->capseen = nc;
			}
			snprintf(c->seen[c->nseen++].id, sizeof(c->seen[0].id), "%s", f[i].id);
		}
		c->seen[k].score = f[i].score;
		json_t *j = nfw_finding_to_json(&f[i]);
		json_dumpf(j, c->findings, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fputc('\n', c->findings);
		json_decref(j);
		c->streamed++;
	}
	if (c->findings != NULL)
		fflush(c->findings);
}

/*
 * Swap the workers' sketches: bump the epoch; each worker flips to its other
 * set at its next control point and acknowledges; merge what it left and
 * clear it. A worker that does not acknowledge within 100 ms (stopped,
 * finished) is merged next time.
 */
void
control_epoch_sketches(struct app *a, struct control *c)
{
	if (!c->sketches)
		return;
	uint32_t ep = __atomic_add_fetch(&a->sk_epoch, 1, __ATOMIC_RELEASE);
	uint64_t now = rte_get_tsc_cycles(), end = now + rte_get_tsc_hz() / 10;
	/* the last epoch becomes the one before; the new last is merged into the other set */
	struct sketch_set older = c->prev;
	c->prev = c->last;
	c->last = older;
	c->prev_s = c->last_s;
	c->last_s = (double)(now - c->epoch_tsc) / (double)rte_get_tsc_hz();
	c->epoch_tsc = now;
	sketch_set_clear(&c->last);
	for (unsigned i = 0; i < a->nworkers; i++) {
		struct worker *w = a->w[i];
		while (__atomic_load_n(&w->sk_epoch, __ATOMIC_ACQUIRE) != ep && rte_get_tsc_cycles() < end &&
		       !__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE))
			rte_delay_us_sleep(100);
		if (__atomic_load_n(&w->sk_epoch, __ATOMIC_ACQUIRE) != ep &&
		    !__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE))
			continue;
		/* the worker fills sk[sk_cur] now (or has stopped): the other one is ours */
		struct sketch_set *old = &w->sk[w->sk_cur ^ 1];
		sketch_set_merge(&c->last, old);
		sketch_set_clear(old);
		if (__atomic_load_n(&w->finished, __ATOMIC_ACQUIRE)) {
			sketch_set_merge(&c->last, &w->sk[w->sk_cur]);
			sketch_set_clear(&w->sk[w->sk_cur]);
		}
	}
	sketch_set_merge(&c->total, &c->last);
	c->epochs++;
}

int
control_open(struct app *a, struct control *c)
{
	char err[512];
	c->lfd = -1;
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		c->conns[i].fd = -1;
	acl_from_cfg(&c->acl, &a->cfg);
	nfw_detect_config_default(&c->dcfg);
	if (a->cfg.detect_config[0] != '\0' &&
	    nfw_detect_config_load(&c->dcfg, a->cfg.detect_config, err, sizeof(err)) != 0) {
		fprintf(stderr, "nfwatch: %s\n", err);
		return -1;
	}
	if (a->detect) {
		/* beaconing on each worker (a tuple's sessions all close on its shard), the rest here */
		struct nfw_detect_config own = c->dcfg, shard = c->dcfg;
		own.parts = NFW_DETECT_ALL & ~NFW_DETECT_BEACON;
		shard.parts = NFW_DETECT_BEACON;
		c->det = nfw_detect_create(&own);
		for (unsigned i = 0; c->det != NULL && i < a->nworkers; i++)
			if (a->cfg.mode >= MODE_FLOW && (a->w[i]->beacons = nfw_detect_create(&shard)) == NULL)
				break;
		if (c->det == NULL || (a->cfg.mode >= MODE_FLOW && a->nworkers > 0 &&
				       a->w[a->nworkers - 1]->beacons == NULL)) {
			fprintf(stderr, "nfwatch: detectors: out of memory\n");
			return -1;
		}
	}
	if (a->cfg.findings[0] != '\0') {
		c->findings = fopen(a->cfg.findings, "w");
		if (c->findings == NULL) {
			fprintf(stderr, "nfwatch: %s: %s\n", a->cfg.findings, strerror(errno));
			return -1;
		}
	}
	c->sketches = a->sketches;
	c->epoch_tsc = rte_get_tsc_cycles();
	if (c->sketches && (sketch_set_init(&c->last) != 0 || sketch_set_init(&c->total) != 0 ||
			    sketch_set_init(&c->prev) != 0)) {
		fprintf(stderr, "nfwatch: sketches: out of memory\n");
		return -1;
	}
	c->ctl = nfw_ctl_create(&app_ctl_ops, a);
	if (c->ctl == NULL) {
		fprintf(stderr, "nfwatch: commands: out of memory\n");
		return -1;
	}
	char dir[sizeof(a->cfg.report)];
	snprintf(dir, sizeof(dir), "%s", a->cfg.report_dir);
	if (dir[0] == '\0' && strchr(a->cfg.report, '/') != NULL) { /* --report's directory */
		snprintf(dir, sizeof(dir), "%s", a->cfg.report);
		*strrchr(dir, '/') = '\0';
		if (dir[0] == '\0')
			snprintf(dir, sizeof(dir), "/");
	}
	int rc = dir[0] != '\0' ? nfw_ctl_set_report_dir(c->ctl, dir) : 0;
	if (rc != 0) {
		fprintf(stderr, "nfwatch: report directory %s: %s\n", dir, strerror(-rc));
		return -1;
	}
	c->main_thread = pthread_self();
	return 0;
}

bool
control_detect_stats(struct app *a, const struct control *c, struct nfw_detect_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (c->det == NULL) {
		*out = c->dstats;
		return c->dstats_final;
	}
	nfw_detect_stats_get(c->det, out);
	for (unsigned i = 0; i < a->nworkers; i++)
		if (a->w[i]->beacons != NULL) { /* a running worker's counters, read as they are */
			struct nfw_detect_stats w;
			nfw_detect_stats_get(a->w[i]->beacons, &w);
			w.flows = 0; /* the same closed flows the control thread counts */
			nfw_detect_stats_add(out, &w);
		}
	return true;
}

void
control_close(struct app *a, struct control *c, uint64_t packets, uint64_t records)
{
	if (c->det != NULL) {
		control_drain(a, c, UINT32_MAX); /* the workers have finished */
		control_run_detectors(a, c);
		if (a->cfg.report[0] != '\0') {
			json_t *r = nfw_findings_report(c->cur, c->ncur, c->first_ms, c->last_ms, packets, records, NULL);
			if (json_dump_file(r, a->cfg.report, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
				fprintf(stderr, "nfwatch: cannot write %s\n", a->cfg.report);
			json_decref(r);
		}
		printf("detection: %llu flows, %llu findings streamed; beaconing on the workers answered in at "
		       "most %.1f ms\n", (unsigned long long)c->flows, (unsigned long long)c->streamed,
		       c->beacon_ask_ms_max);
		c->dstats_final = control_detect_stats(a, c, &c->dstats);
		nfw_detect_stats_text(stdout, &c->dstats);
	}
	if (c->findings != NULL)
		fclose(c->findings);
	c->findings = NULL;
	nfw_detect_free(c->det);
	c->det = NULL;
	c->cur = NULL;
	c->ncur = 0;
	free(c->merged);
	c->merged = NULL;
	free(c->seen);
	c->seen = NULL;
	free(c->exp_base);
	c->exp_base = NULL;
	sketch_set_free(&c->last);
	sketch_set_free(&c->prev);
	sketch_set_free(&c->total);
	nfw_ctl_free(c->ctl);
	c->ctl = NULL;
	pthread_mutex_lock(&c->snap_lock);
	json_decref(c->snap_stats);
	json_decref(c->snap_exporters);
	json_decref(c->snap_findings);
	c->snap_stats = c->snap_exporters = c->snap_findings = NULL;
	pthread_mutex_unlock(&c->snap_lock);
	if (c->lfd >= 0) {
		close(c->lfd);
		unlink(a->cfg.ctl_socket); /* only ever set to ours when the socket was opened */
		c->lfd = -1;
	}
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++)
		if (c->conns[i].fd >= 0) {
			close(c->conns[i].fd);
			c->conns[i].fd = -1;
		}
}

/* ---- the unix socket: one command line per connection ---- */

static int
socket_open(struct app *a, struct control *c)
{
	if (a->cfg.ctl_socket[0] == '\0') /* the default: beside DPDK's own sockets */
		snprintf(a->cfg.ctl_socket, sizeof(a->cfg.ctl_socket), "%s/nfwatch.sock", rte_eal_get_runtime_dir());
	const char *path = a->cfg.ctl_socket;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat sb;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "nfwatch: --ctl-socket: path too long\n");
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			fprintf(stderr, "nfwatch: --ctl-socket %s exists and is not a socket\n", path);
			return -1;
		}
		unlink(path); /* a stale socket of an earlier run */
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "nfwatch: control socket: %s\n", strerror(errno));
		return -1;
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(path, 0600) != 0 || listen(fd, CTL_MAX_CONNS) != 0) {
		fprintf(stderr, "nfwatch: control socket %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	c->lfd = fd;
	printf("nfwatch: control socket %s (nfwatch-ctl -s %s COMMAND)\n", path, path);
	return 0;
}

static void
conn_close(struct conn *k)
{
	close(k->fd);
	k->fd = -1;
	k->len = 0;
	k->overflow = false;
}

static void
conn_error(struct conn *k, const char *msg)
{
	char b[160];
	int n = snprintf(b, sizeof(b), "1\nerror: %s\n", msg);
	if (send(k->fd, b, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* the client is gone: nothing more to tell it */
	}
	conn_close(k);
}

static void
conn_answer(struct control *c, struct conn *k)
{
	char *nl = memchr(k->buf, '\n', k->len);
	enum nfw_ctl_fmt fmt = NFW_CTL_TEXT;
	char *out = NULL, *line = k->buf;
	enum nfw_ctl_status st;
	*nl = '\0';
	if (memchr(k->buf, '\0', (size_t)(nl - k->buf)) != NULL) {
		conn_error(k, "a NUL byte in the line");
		return;
	}
	if (nl > k->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	if (strncmp(line, "json ", 5) == 0) {
		fmt = NFW_CTL_JSON;
		line += 5;
	}
	st = nfw_ctl_exec(c->ctl, line, fmt, &out);
	/* answer: the status (0 ok, 1 error, 2 quitting), a newline, the text */
	char head[8];
	int hn = snprintf(head, sizeof(head), "%d\n", (int)st);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fl = fcntl(k->fd, F_GETFL);
	fcntl(k->fd, F_SETFL, fl & ~O_NONBLOCK);
	setsockopt(k->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (send(k->fd, head, (size_t)hn, MSG_NOSIGNAL) == hn && out != NULL) {
		size_t len = strlen(out), off = 0;
		ssize_t w;
		while (off < len && (w = send(k->fd, out + off, len - off, MSG_NOSIGNAL)) > 0)
			off += (size_t)w;
	}
	free(out);
	conn_close(k);
}

static void
socket_poll(struct control *c)
{
	if (c->lfd < 0)
		return;
	for (;;) {
		int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;
		unsigned i;
		for (i = 0; i < CTL_MAX_CONNS && c->conns[i].fd >= 0; i++)
			;
		if (i == CTL_MAX_CONNS) {
			struct conn busy = { .fd = fd };
			conn_error(&busy, "too many control connections");
			continue;
		}
		c->conns[i].fd = fd;
		c->conns[i].len = 0;
		c->conns[i].overflow = false;
		c->conns[i].since_ms = control_now_ms();
	}
	for (unsigned i = 0; i < CTL_MAX_CONNS; i++) {
		struct conn *k = &c->conns[i];
		if (k->fd < 0)
			continue;
		ssize_t n = recv(k->fd, k->buf + k->len, sizeof(k->buf) - 1 - k->len, 0);
		if (n > 0)
			k->len += (size_t)n;
		if (k->overflow) {
			bool end = memchr(k->buf, '\n', k->len) != NULL;
			k->len = 0;
			if (end)
				conn_error(k, "line longer than 511 characters");
			else if (n == 0 || control_now_ms() - k->since_ms > 2000)
				conn_close(k);
		} else if (memchr(k->buf, '\n', k->len) != NULL) {
			conn_answer(c, k);
		} else if (k->len == sizeof(k->buf) - 1) {
			k->overflow = true; /* read to its end, then say why (closing early would reset) */
			k->len = 0;
		} else if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
			if (k->len > 0) { /* a last line without its newline */
				k->buf[k->len++] = '\n';
				conn_answer(c, k);
			} else {
				conn_close(k);
			}
		} else if (control_now_ms() - k->since_ms > 2000) {
			conn_close(k); /* a client that never finishes its line */
		}
	}
}

/* ---- the thread ---- */

static void *
control_thread(void *arg)
{
	struct app *a = arg;
	struct control *c = &g_ctl;
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_get_tsc_cycles();
	uint64_t next_stats = t0 + a->cfg.stats_interval_s * hz;
	uint64_t next_epoch = t0 + a->cfg.epoch_s * hz, next_snap = t0;
	uint64_t took = 0;
	while (!a->quit) {
		/* a short pause while flows keep coming (the lock is free for commands meanwhile),
		 * the tick when the rings were empty */
		rte_delay_us_sleep(took > 0 ? 50 : 2000);
		pthread_mutex_lock(&c->lock);
		uint64_t now = rte_get_tsc_cycles(), before = c->flows;
		control_drain(a, c, CTL_DRAIN_BUDGET);
		took = c->flows - before;
		if (now >= next_epoch) {
			control_epoch_sketches(a, c);
			control_run_detectors(a, c);
			next_epoch = now + a->cfg.epoch_s * hz;
		}
		socket_poll(c);
		if (a->cfg.duration_s > 0 && now - t0 >= (uint64_t)a->cfg.duration_s * hz)
			a->quit = true;
		if (a->cfg.stats_interval_s > 0 && now >= next_stats) {
			print_stats(a, "stats");
			print_detail(a, true);
			next_stats = now + a->cfg.stats_interval_s * hz;
		}
		if (a->cfg.telemetry && now >= next_snap) {
			control_snapshot(c);
			next_snap = now + hz;
		}
		pthread_mutex_unlock(&c->lock);
	}
	/* wake the main thread if it sits in the prompt or a script's wait */
	pthread_kill(c->main_thread, SIGUSR1);
	return NULL;
}

int
control_start(struct app *a, struct control *c)
{
	if (strcmp(a->cfg.ctl_socket, "none") != 0 && socket_open(a, c) != 0)
		return -1;
	int rc = rte_ctrl_thread_create(&c->thread, "nfw-ctl", NULL, control_thread, a);
	if (rc != 0) {
		fprintf(stderr, "nfwatch: control thread: %s\n", strerror(rc));
		return -1;
	}
	c->thread_started = true;
	return 0;
}

void
control_join(struct control *c)
{
	if (c->thread_started)
		pthread_join(c->thread, NULL);
	c->thread_started = false;
}
