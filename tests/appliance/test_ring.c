/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance core on net_ring: a two-queue port built from rings, the
 * v9 exporter's packets placed on queue 0 and the IPFIX and v5 exporters'
 * on queue 1, two worker lcores on one CPU (--lcores 0@0,1@1,2@1). Then:
 *  - templates stay per lcore: worker 0 knows only the v9 exporter and its
 *    templates, worker 1 only the IPFIX and v5 exporters;
 *  - each worker decoded exactly its exporters' records;
 *  - records reach the right shard: every closed flow on a shard hashes
 *    to it (misrouted 0), and both shards got records;
 *  - the counters add up: records = own shard + enqueued + ring full,
 *    ring full 0, enqueued = dequeued, and the flow tables saw every record.
 *
 * usage: test_ring CAPTURE.pcap   (from nfwatch-gen --scenario small)
 */
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "app.h"

static int failures, passes;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL: " __VA_ARGS__); printf("\n"); } \
	else { passes++; printf("ok: " __VA_ARGS__); printf("\n"); } } while (0)

struct tpl_count {
	unsigned n;
	uint8_t addr_last;
	unsigned foreign;
	const struct nfw_decode *d;
	uint8_t want_last;
};

static int
count_tpl(const struct nfw_template_info *t, void *arg)
{
	struct tpl_count *c = arg;
	struct nfw_exporter_info ei;
	nfw_decode_exporter_get(c->d, t->exporter_idx, &ei);
	c->n++;
	if (ei.addr.addr[15] != c->want_last)
		c->foreign++;
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: test_ring CAPTURE.pcap\n");
		return 2;
	}
	char prefix[64];
	snprintf(prefix, sizeof(prefix), "--file-prefix=ringt%d", (int)getpid());
	char *eal[] = { argv[0], (char *)"--lcores", (char *)"0@0,1@1,2@1", (char *)"--no-huge",
			(char *)"-m", (char *)"512", (char *)"--no-pci", (char *)"--no-shconf", prefix,
			(char *)"--log-level=4", NULL };
	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	struct app *a = &g_app;
	char err[256];
	cfg_defaults(&a->cfg);
	a->cfg.mode = MODE_FLOW;
	a->cfg.rxq_per_port = 2;
	a->cfg.flows_per_shard = 65536;

	struct rte_ring *rx[2], *tx[1];
	rx[0] = rte_ring_create("trx0", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	rx[1] = rte_ring_create("trx1", 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	tx[0] = rte_ring_create("ttx0", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (rx[0] == NULL || rx[1] == NULL || tx[0] == NULL ||
	    rte_eth_from_rings("nfwring", rx, 2, tx, 1, SOCKET_ID_ANY) < 0) {
		fprintf(stderr, "net_ring port: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (app_setup(a, err, sizeof(err)) != 0 || ports_init(a) != 0) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	CHECK(a->nworkers == 2 && a->w[0]->nrxq == 1 && a->w[1]->nrxq == 1 && a->w[0]->rxq[0].queue == 0 &&
	      a->w[1]->rxq[0].queue == 1, "two workers, queue 0 on worker 0 and queue 1 on worker 1");

	/* frames onto the queues: exporter 192.0.2.1 (v9) to 0, the others to 1 */
	struct rte_mempool *mp = rte_mempool_lookup("mbufs_s0");
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(argv[1], ebuf);
	if (mp == NULL || pc == NULL) {
		fprintf(stderr, "pool or capture: %s\n", pc ? "no pool" : ebuf);
		return 1;
	}
	struct nfw_decode *expect[2] = { nfw_decode_create(NULL), nfw_decode_create(NULL) };
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned placed[2] = { 0, 0 };
	while (pcap_next_ex(pc, &h, &data) == 1) {
		struct nfw_capture_pkt pkt;
		unsigned skip, n;
		if (!nfw_capture_parse_frame(1, data, h->caplen, h->len, &pkt, &skip))
			continue;
		unsigned q = pkt.src.addr[15] == 1 ? 0 : 1;
		nfw_decode_datagram(expect[q], pkt.payload, pkt.len, &pkt.src, 1, &n);
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		char *p = m ? rte_pktmbuf_append(m, (uint16_t)h->caplen) : NULL;
		if (p == NULL) {
			fprintf(stderr, "mbuf\n");
			return 1;
		}
		memcpy(p, data, h->caplen);
		if (rte_ring_enqueue(rx[q], m) != 0) {
			fprintf(stderr, "rx ring full\n");
			return 1;
		}
		placed[q]++;
	}
	pcap_close(pc);
	printf("placed %u frames on queue 0, %u on queue 1\n", placed[0], placed[1]);

	for (unsigned i = 0; i < a->nworkers; i++)
		rte_eal_remote_launch(worker_main, a->w[i], a->w[i]->lcore);
	for (int t = 0; t < 200 && (rte_ring_count(rx[0]) > 0 || rte_ring_count(rx[1]) > 0); t++)
		usleep(50000);
	usleep(500000);
	a->quit = true;
	rte_eal_mp_wait_lcore();

	/* templates per lcore */
	for (unsigned i = 0; i < 2; i++) {
		const struct worker *w = a->w[i];
		struct tpl_count tc = { .d = w->dec, .want_last = (uint8_t)(i == 0 ? 1 : 2) };
		nfw_decode_templates_walk(w->dec, count_tpl, &tc);
		unsigned ne = nfw_decode_exporter_count(w->dec);
		CHECK(tc.n > 0 && tc.foreign == 0, "worker %u holds %u templates, all of its own exporter", i, tc.n);
		CHECK(ne == (i == 0 ? 1u : 2u), "worker %u saw %u exporter(s)", i, ne);
		struct nfw_decode_stats got, want;
		nfw_decode_stats_total(w->dec, &got);
		nfw_decode_stats_total(expect[i], &want);
		CHECK(got.records == want.records && got.datagrams == placed[i] && got.decoded == placed[i],
		      "worker %u decoded %llu records of %llu datagrams (expected %llu)", i,
		      (unsigned long long)got.records, (unsigned long long)got.datagrams,
		      (unsigned long long)want.records);
	}
	/* shards and conservation */
	uint64_t enq = 0, deq = 0, recs = 0, ft_recs = 0;
	for (unsigned i = 0; i < 2; i++) {
		const struct worker *w = a->w[i];
		struct nfw_flowtab_stats fs;
		nfw_flowtab_stats_get(w->ft, &fs);
		CHECK(w->st.records == w->st.own_shard + w->st.enqueued + w->st.ring_full && w->st.ring_full == 0,
		      "worker %u: records %llu = own shard %llu + enqueued %llu", i,
		      (unsigned long long)w->st.records, (unsigned long long)w->st.own_shard,
		      (unsigned long long)w->st.enqueued);
		CHECK(w->st.misrouted == 0 && fs.records > 0,
		      "shard %u: %llu records, %llu flows closed, none misrouted", i,
		      (unsigned long long)fs.records, (unsigned long long)w->st.flows_closed);
		CHECK(fs.active == 0, "shard %u: flushed at stop", i);
		enq += w->st.enqueued;
		deq += w->st.dequeued;
		recs += w->st.records;
		ft_recs += fs.records;
	}
	CHECK(enq == deq && enq > 0, "every enqueued record dequeued (%llu)", (unsigned long long)enq);
	CHECK(ft_recs == recs, "the flow tables saw every record (%llu)", (unsigned long long)recs);

	nfw_decode_free(expect[0]);
	nfw_decode_free(expect[1]);
	app_teardown(a);
	ports_close(a);
	rte_eal_cleanup();
	printf("%d passed, %d failed\n", passes, failures);
	return failures ? 1 : 0;
}
