/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --replay FILE --send ADDR:PORT [--pps N]: the export payloads of any
 * capture (or raw payload file), sent over loopback at a paced rate. Each
 * exporter of the capture (source address and port) gets its own socket,
 * bound to 127.0.1.(k+1) with the same source port, so a collector still
 * sees distinct exporters. tcpreplay cannot do this on lo: the kernel drops
 * 127.x packets injected there (DESIGN.md).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gen.h"
#include "nfw_capture.h"

#define REPLAY_MAX_EXPORTERS 64

int
replay_capture(const char *path, const struct emit_opts *o, char *err, size_t errlen)
{
	struct nfw_exporter_addr seen[REPLAY_MAX_EXPORTERS];
	int fds[REPLAY_MAX_EXPORTERS];
	unsigned nseen = 0;
	struct sockaddr_in to;
	struct pacer pc = { .pps = o->pps, .max_seconds = o->max_seconds };
	int rc = -1;

	if (send_dest(o->send_addr, &to, err, errlen) != 0)
		return -1;
	struct nfw_capture *c = nfw_capture_open(path, NULL, err, errlen);
	if (c == NULL)
		return -1;
	struct nfw_capture_pkt pkt;
	int r;
	while ((r = nfw_capture_next(c, &pkt)) == 1) {
		unsigned k = 0;
		while (k < nseen && (seen[k].port != pkt.src.port ||
				     memcmp(seen[k].addr, pkt.src.addr, 16) != 0))
			k++;
		if (k == nseen) {
			if (nseen == REPLAY_MAX_EXPORTERS) {
				snprintf(err, errlen, "%s: more than %d exporters", path, REPLAY_MAX_EXPORTERS);
				goto out;
			}
			fds[k] = send_socket(o->send_src_base, k, pkt.src.port, err, errlen);
			if (fds[k] < 0)
				goto out;
			seen[k] = pkt.src;
			nseen++;
		}
		if (pace(&pc, err, errlen) != 0)
			goto out;
		if (sendto(fds[k], pkt.payload, pkt.len, 0, (const struct sockaddr *)&to, sizeof(to)) < 0) {
			snprintf(err, errlen, "sendto: %m");
			goto out;
		}
	}
	if (r < 0) {
		snprintf(err, errlen, "%s: %s", path, nfw_capture_error(c));
		goto out;
	}
	fprintf(stderr, "nfwatch-gen: replayed %llu datagrams from %u exporters\n",
		(unsigned long long)pc.sent, nseen);
	rc = 0;
out:
	for (unsigned k = 0; k < nseen; k++)
		close(fds[k]);
	nfw_capture_close(c);
	return rc;
}
