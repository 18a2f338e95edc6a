/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Records -> datagrams -> a capture file or paced UDP.
 *
 * Records arrive sorted by export time. Each exporter keeps a small buffer
 * and sends a datagram when it holds a full one or when its oldest record
 * has waited a second, as exporters do; the datagram carries the time of
 * that moment, so captures come out in time order across exporters. NetFlow
 * v9 headers carry whole seconds only, so a v9 exporter stamps its header
 * with the next whole second: its sysUpTime-relative times then decode to
 * the exact millisecond.
 *
 * Sending (--send ADDR:PORT) uses one UDP socket per exporter, bound to its
 * own loopback source (127.0.1.1, 127.0.1.2, ... by default) and source
 * port, so that a collector tells the exporters apart; `pps` paces the
 * datagrams, and a send run stops by itself after max_seconds. Only
 * loopback destinations are accepted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "nfw_capture.h"
#include "nfw_export.h"

#define BUF_RECS 128
#define FLUSH_MS 1000

struct out_exp {
	struct nfw_export *enc;
	struct nfw_flow buf[BUF_RECS];
	unsigned n;
	uint64_t first_ms;
	int fd;
};

struct sink {
	const struct scenario *sc;
	struct records *r;
	struct nfw_pcap_writer *pw;
	struct sockaddr_in to;
	const struct emit_opts *o;
	struct pacer pacer;
	char *err;
	size_t errlen;
	int failed;
};

static uint64_t
mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
send_dest(const char *to, struct sockaddr_in *out, char *err, size_t errlen)
{
	char host[64];
	const char *colon = strrchr(to, ':');
	if (colon == NULL || (size_t)(colon - to) >= sizeof(host)) {
		snprintf(err, errlen, "--send takes ADDR:PORT, like 127.0.0.1:2055");
		return -1;
	}
	memcpy(host, to, (size_t)(colon - to));
	host[colon - to] = '\0';
	long port = strtol(colon + 1, NULL, 10);
	memset(out, 0, sizeof(*out));
	out->sin_family = AF_INET;
	out->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &out->sin_addr) != 1 || port <= 0 || port > 65535) {
		snprintf(err, errlen, "--send: bad address %s", to);
		return -1;
	}
	if ((ntohl(out->sin_addr.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "--send only goes to loopback (127.0.0.0/8), not %s", host);
		return -1;
	}
	return 0;
}

int
send_socket(const char *base_s, unsigned index, uint16_t port, char *err, size_t errlen)
{
	struct in_addr base;
	if (inet_pton(AF_INET, base_s ? base_s : "127.0.1.1", &base) != 1 ||
	    (ntohl(base.s_addr) >> 24) != 127) {
		snprintf(err, errlen, "--send-src must be a 127.x address");
		return -1;
	}
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(port) };
	src.sin_addr.s_addr = htonl(ntohl(base.s_addr) + index);
	int one = 1, sndbuf = 4 << 20;
	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0) {
		char a[32];
		inet_ntop(AF_INET, &src.sin_addr, a, sizeof(a));
		snprintf(err, errlen, "bind %s:%u: %s", a, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
pace(struct pacer *p, char *err, size_t errlen)
{
	uint64_t now = mono_ns();
	if (p->t0_ns == 0)
		p->t0_ns = now;
	if (p->pps > 0) {
		uint64_t due = p->t0_ns + p->sent * 1000000000ull / p->pps;
		if (due > now) {
			struct timespec d = { (time_t)((due - now) / 1000000000ull),
					      (long)((due - now) % 1000000000ull) };
			nanosleep(&d, NULL);
		}
	}
	if (p->max_seconds > 0 && mono_ns() - p->t0_ns > (uint64_t)p->max_seconds * 1000000000ull) {
		snprintf(err, errlen, "send stopped after %u s (--max-seconds) with %llu datagrams sent",
			 p->max_seconds, (unsigned long long)p->sent);
		return -1;
	}
	p->sent++;
	return 0;
}

static int
put(struct sink *s, unsigned ei, struct out_exp *oe, const uint8_t *buf, size_t len,
    uint64_t ts_ms)
{
	const struct exporter_cfg *e = &s->sc->exp[ei];
	s->r->exp[ei].datagrams++;
	if (s->pw != NULL) {
		uint8_t dst[16];
		if (nfw_flow_addr_is4(e->addr))
			nfw_flow_addr_set4(dst, 0xc0000264u); /* 192.0.2.100, the collector */
		else
			parse_addr("2001:db8::100", dst);
		if (nfw_pcap_writer_put_udp(s->pw, e->addr, e->port, dst, e->collector_port, buf, len,
					    ts_ms) != 0) {
			snprintf(s->err, s->errlen, "%s: write failed", s->o->pcap_path);
			return -1;
		}
		return 0;
	}
	if (pace(&s->pacer, s->err, s->errlen) != 0)
		return -1;
	if (sendto(oe->fd, buf, len, 0, (const struct sockaddr *)&s->to, sizeof(s->to)) < 0) {
		snprintf(s->err, s->errlen, "sendto: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static int
flush(struct sink *s, unsigned ei, struct out_exp *oe, uint64_t now)
{
	uint8_t buf[2048];
	uint64_t hdr_time = now;
	if (s->sc->exp[ei].version == NFW_FLOW_V9)
		hdr_time = (now + 999) / 1000 * 1000;
	unsigned off = 0;
	while (off < oe->n) {
		unsigned used;
		size_t len = nfw_export_build(oe->enc, oe->buf + off, oe->n - off, &used, hdr_time, buf,
					      sizeof(buf));
		if (used == 0)
			break;
		if (len > 0 && put(s, ei, oe, buf, len, now) != 0)
			return -1;
		off += used;
	}
	oe->n = 0;
	return 0;
}

static int
open_sockets(struct sink *s, struct out_exp *oe, unsigned n)
{
	if (send_dest(s->o->send_addr, &s->to, s->err, s->errlen) != 0)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		oe[i].fd = send_socket(s->o->send_src_base, i, s->sc->exp[i].port, s->err, s->errlen);
		if (oe[i].fd < 0)
			return -1;
	}
	return 0;
}

int
emit_all(const struct scenario *sc, struct records *r, const struct emit_opts *o, char *err,
	 size_t errlen)
{
	struct out_exp *oe = calloc(sc->nexp, sizeof(*oe));
	struct sink s = { .sc = sc, .r = r, .o = o, .err = err, .errlen = errlen };
	int rc = -1;

	if (oe == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < sc->nexp; i++) {
		oe[i].fd = -1;
		const struct exporter_cfg *e = &sc->exp[i];
		struct nfw_export_params p = {
			.version = e->version,
			.domain = e->domain,
			.sampling = e->sampling,
			.template_every = e->template_every,
			.boot_ms = sc->start_ms - 86400000ull - i * 3600000ull,
			.mtu = 1400,
			.app_name = e->app_name,
		};
		memcpy(p.agent, e->addr, 16);
		oe[i].enc = nfw_export_create(&p);
		if (oe[i].enc == NULL) {
			snprintf(err, errlen, "exporter %s: cannot create its encoder", e->name);
			goto out;
		}
	}
	if (o->pcap_path != NULL) {
		s.pw = nfw_pcap_writer_open(o->pcap_path, err, errlen);
		if (s.pw == NULL)
			goto out;
	} else if (open_sockets(&s, oe, sc->nexp) != 0) {
		goto out;
	}
	s.pacer.pps = o->pps;
	s.pacer.max_seconds = o->max_seconds;
	uint64_t now = sc->start_ms;
	for (size_t k = 0; k < r->n; k++) {
		const struct grec *g = &r->v[k];
		now = g->export_ms > now ? g->export_ms : now;
		for (unsigned i = 0; i < sc->nexp; i++)
			if (oe[i].n > 0 && now >= oe[i].first_ms + FLUSH_MS && flush(&s, i, &oe[i], now) != 0)
				goto out;
		struct out_exp *x = &oe[g->exporter];
		if (x->n == 0)
			x->first_ms = now;
		x->buf[x->n++] = g->f;
		if (x->n == BUF_RECS && flush(&s, g->exporter, x, now) != 0)
			goto out;
	}
	for (unsigned i = 0; i < sc->nexp; i++)
		if (oe[i].n > 0 && flush(&s, i, &oe[i], now + FLUSH_MS) != 0)
			goto out;
	rc = 0;
out:
	if (s.pw != NULL && nfw_pcap_writer_close(s.pw) != 0 && rc == 0) {
		snprintf(err, errlen, "%s: write failed", o->pcap_path);
		rc = -1;
	}
	for (unsigned i = 0; i < sc->nexp; i++) {
		nfw_export_free(oe[i].enc);
		if (oe[i].fd >= 0)
			close(oe[i].fd);
	}
	free(oe);
	return rc;
}
