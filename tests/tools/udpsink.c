/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * udpsink: receive export datagrams on a loopback UDP port and write them
 * into a pcap (sender address and port kept), so that the same bytes can be
 * decoded by nfwatch-query and by tshark. Bounded: stops after `idle_ms`
 * with nothing received (once something was), or after `max_s` seconds.
 *
 *   udpsink OUT.pcap PORT [idle_ms] [max_s]      (binds 127.0.0.1; prints READY)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nfw_capture.h"

static uint64_t
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int
main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: udpsink OUT.pcap PORT [idle_ms] [max_s]\n");
		return 2;
	}
	int port = atoi(argv[2]);
	int idle = argc > 3 ? atoi(argv[3]) : 2000;
	int max_s = argc > 4 ? atoi(argv[4]) : 60;
	if (port <= 0 || port > 65535 || idle <= 0 || max_s <= 0 || max_s > 600)
		return 2;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int rcvbuf = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		fprintf(stderr, "udpsink: bind 127.0.0.1:%d: %s\n", port, strerror(errno));
		return 1;
	}
	char err[256];
	struct nfw_pcap_writer *w = nfw_pcap_writer_open(argv[1], err, sizeof(err));
	if (w == NULL) {
		fprintf(stderr, "udpsink: %s\n", err);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	uint64_t start = now_ms(), last = 0;
	unsigned long n = 0;
	static uint8_t buf[65536];
	for (;;) {
		uint64_t t = now_ms();
		if (t - start > (uint64_t)max_s * 1000)
			break;
		if (n > 0 && t - last > (uint64_t)idle)
			break;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		struct sockaddr_in from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (r < 0)
			continue;
		uint8_t src[16], dst[16];
		nfw_flow_addr_set4(src, ntohl(from.sin_addr.s_addr));
		nfw_flow_addr_set4(dst, INADDR_LOOPBACK);
		struct timespec rt;
		clock_gettime(CLOCK_REALTIME, &rt);
		nfw_pcap_writer_put_udp(w, src, ntohs(from.sin_port), dst, (uint16_t)port, buf,
					(size_t)r, (uint64_t)rt.tv_sec * 1000 + (uint64_t)rt.tv_nsec / 1000000);
		n++;
		last = now_ms();
	}
	nfw_pcap_writer_close(w);
	close(fd);
	fprintf(stderr, "udpsink: %lu datagrams\n", n);
	return 0;
}
