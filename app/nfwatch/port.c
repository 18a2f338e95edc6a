/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: every port EAL found, --rxq queues each (RSS over IP and UDP
 * when the device offers it, masked by what it offers; net_pcap has none:
 * give it one rx_pcap per queue), one tx queue (unused), one mbuf pool per
 * socket. The (port, queue) pairs are dealt to the workers round-robin.
 */
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mbuf_dyn.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "app.h"

static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];

static struct rte_mempool *
pool_for(struct app *a, int socket, unsigned n)
{
	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		socket = 0;
	if (pools[socket] == NULL) {
		char name[32];
		snprintf(name, sizeof(name), "mbufs_s%d", socket);
		pools[socket] = rte_pktmbuf_pool_create(name, n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (pools[socket] == NULL)
			fprintf(stderr, "nfwatch: mbuf pool of %u on socket %d: %s (raise -m or lower --mbufs)\n",
				n, socket, rte_strerror(rte_errno));
	}
	(void)a;
	return pools[socket];
}

int
ports_init(struct app *a)
{
	const struct app_cfg *c = &a->cfg;
	uint16_t port;
	unsigned nports = rte_eth_dev_count_avail(), next_worker = 0;

	if (nports == 0) {
		fprintf(stderr, "nfwatch: no port: give a --vdev (see dpdk-config/) or a NIC\n");
		return -1;
	}
	unsigned n = c->mbufs ? c->mbufs : nports * c->rxq_per_port * (c->nb_rxd + c->burst) * 2 + 4096;
	RTE_ETH_FOREACH_DEV(port) {
		struct rte_eth_dev_info info;
		struct rte_eth_conf conf = { 0 };
		if (rte_eth_dev_info_get(port, &info) != 0)
			return -1;
		uint16_t nq = (uint16_t)c->rxq_per_port;
		if (nq > info.max_rx_queues) {
			fprintf(stderr, "nfwatch: port %u offers %u rx queues, %u asked\n", port,
				info.max_rx_queues, nq);
			return -1;
		}
		/* meter mode: the packets' own times where the port gives them. A NIC that offers
		 * the offload is asked for it; net_pcap stamps every packet with the capture's time
		 * without offering it. The field is the one registered name: read where a packet's
		 * flag says it was set, arrival time otherwise. */
		if (c->meter && (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP) != 0)
			conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
		if (c->meter && a->w[0]->ts_off < 0) {
			int off;
			uint64_t flag;
			if (rte_mbuf_dyn_rx_timestamp_register(&off, &flag) == 0)
				for (unsigned i = 0; i < a->nworkers; i++) {
					a->w[i]->ts_off = off;
					a->w[i]->ts_flag = flag;
				}
		}
		if (nq > 1 && info.flow_type_rss_offloads != 0) {
			conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
			conf.rx_adv_conf.rss_conf.rss_hf =
				(RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP) & info.flow_type_rss_offloads;
		}
		int rc = rte_eth_dev_configure(port, nq, 1, &conf);
		if (rc != 0) {
			fprintf(stderr, "nfwatch: configure port %u: %s\n", port, rte_strerror(-rc));
			return -1;
		}
		struct rte_mempool *mp = pool_for(a, rte_eth_dev_socket_id(port), n);
		if (mp == NULL)
			return -1;
		uint16_t nrxd = (uint16_t)c->nb_rxd, ntxd = 512;
		rte_eth_dev_adjust_nb_rx_tx_desc(port, &nrxd, &ntxd);
		for (uint16_t q = 0; q < nq; q++) {
			rc = rte_eth_rx_queue_setup(port, q, nrxd, rte_eth_dev_socket_id(port), NULL, mp);
			if (rc != 0) {
				fprintf(stderr, "nfwatch: port %u rx queue %u: %s\n", port, q, rte_strerror(-rc));
				return -1;
			}
			struct worker *w = a->w[next_worker++ % a->nworkers];
			if (w->nrxq >= APP_MAX_RXQ) {
				fprintf(stderr, "nfwatch: more than %d rx queues for one worker\n", APP_MAX_RXQ);
				return -1;
			}
			w->rxq[w->nrxq].port = port;
			w->rxq[w->nrxq].queue = q;
			w->nrxq++;
		}
		rc = rte_eth_tx_queue_setup(port, 0, ntxd, rte_eth_dev_socket_id(port), NULL);
		if (rc == 0)
			rc = rte_eth_dev_start(port);
		if (rc != 0) {
			fprintf(stderr, "nfwatch: start port %u: %s\n", port, rte_strerror(-rc));
			return -1;
		}
		rte_eth_promiscuous_enable(port);
	}
	return 0;
}

void
ports_close(struct app *a)
{
	uint16_t port;
	(void)a;
	RTE_ETH_FOREACH_DEV(port) {
		rte_eth_dev_stop(port);
		rte_eth_dev_close(port);
	}
}
