/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * File readers behind nfw_capture_open: libpcap for pcap / pcapng, and a
 * splitter for raw payload files (see nfw_capture.h). A raw file is read
 * whole, up to NFW_RAW_MAX bytes.
 */
#include <ctype.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include "nfw_capture.h"

#define NFW_RAW_MAX (256u << 20)

static const char *const skip_str[] = {
#define NFW_X_CAP_STR_(n, s, h) s,
	NFW_CAPTURE_SKIPS(NFW_X_CAP_STR_)
#undef NFW_X_CAP_STR_
};

const char *
nfw_capture_skip_str(unsigned reason)
{
	return reason < NFW_CAPTURE_SKIP__MAX ? skip_str[reason] : "unknown";
}

struct raw_dgram {
	size_t off;
	size_t len;
};

struct nfw_capture {
	pcap_t *pc;
	int linktype;
	/* raw mode */
	uint8_t *raw;
	size_t raw_len;
	struct raw_dgram *dg;
	size_t ndg;
	size_t next;
	struct nfw_exporter_addr raw_src;
	uint64_t raw_ts_ms;
	struct nfw_capture_stats st;
	char err[PCAP_ERRBUF_SIZE + 64];
};

static bool
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
push_dgram(struct nfw_capture *c, size_t *cap, size_t off, size_t len)
{
	if (c->ndg == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct raw_dgram *n = realloc(c->dg, ncap * sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		c->dg = n;
		*cap = ncap;
	}
	c->dg[c->ndg].off = off;
	c->dg[c->ndg].len = len;
	c->ndg++;
	return 0;
}

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = tolower(ch);
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Convert a .hex file in place: each line becomes one datagram. */
static int
split_hex(struct nfw_capture *c, size_t *cap)
{
	size_t in = 0, out = 0;

	while (in < c->raw_len) {
		size_t start = out;
		bool comment = false;
		int hi = -1;
		while (in < c->raw_len && c->raw[in] != '\n') {
			int ch = c->raw[in++];
			if (ch == '#')
				comment = true;
			if (comment)
				continue;
			int v = hexval(ch);
			if (v < 0)
				continue;
			if (hi < 0) {
				hi = v;
			} else {
				c->raw[out++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		in++;
		if (out > start && push_dgram(c, cap, start, out - start) != 0)
			return -ENOMEM;
	}
	return 0;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Split back-to-back datagrams by their own framing. */
static int
split_raw(struct nfw_capture *c, size_t *cap)
{
	size_t off = 0;

	while (off < c->raw_len) {
		const uint8_t *p = c->raw + off;
		size_t left = c->raw_len - off;
		size_t len = left;
		if (left >= 16 && be16(p) == 10 && be16(p + 2) >= 16 && be16(p + 2) <= left)
			len = be16(p + 2);
		else if (left >= 24 && be16(p) == 5 && be16(p + 2) >= 1 && be16(p + 2) <= 30 &&
			 24 + (size_t)be16(p + 2) * 48 <= left)
			len = 24 + (size_t)be16(p + 2) * 48;
		/* a v5 remainder shorter than 24 bytes stays attached (trailing pad) */
		if (left - len > 0 && left - len < 16)
			len = left;
		if (push_dgram(c, cap, off, len) != 0)
			return -ENOMEM;
		off += len;
	}
	return 0;
}

static struct nfw_capture *
open_raw(const char *path, const struct nfw_exporter_addr *src, char *err, size_t errlen)
{
	struct nfw_capture *c = calloc(1, sizeof(*c));
	FILE *fp = NULL;
	struct stat sb;
	size_t cap = 0;

	if (c == NULL)
		goto nomem;
	fp = fopen(path, "rb");
	if (fp == NULL || fstat(fileno(fp), &sb) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((uint64_t)sb.st_size > NFW_RAW_MAX) {
		snprintf(err, errlen, "%s: raw payload file over %u MiB", path, NFW_RAW_MAX >> 20);
		goto fail;
	}
	c->raw_len = (size_t)sb.st_size;
	c->raw = malloc(c->raw_len ? c->raw_len : 1);
	if (c->raw == NULL)
		goto nomem;
	if (c->raw_len > 0 && fread(c->raw, 1, c->raw_len, fp) != c->raw_len) {
		snprintf(err, errlen, "%s: short read", path);
		goto fail;
	}
	fclose(fp);
	fp = NULL;
	c->raw_ts_ms = (uint64_t)sb.st_mtim.tv_sec * 1000 + (uint64_t)sb.st_mtim.tv_nsec / 1000000;
	if (src != NULL)
		c->raw_src = *src;
	if ((has_suffix(path, ".hex") ? split_hex(c, &cap) : split_raw(c, &cap)) != 0)
		goto nomem;
	return c;
nomem:
	snprintf(err, errlen, "%s: out of memory", path);
fail:
	if (fp != NULL)
		fclose(fp);
	nfw_capture_close(c);
	return NULL;
}

struct nfw_capture *
nfw_capture_open(const char *path, const struct nfw_exporter_addr *raw_src, char *err,
		 size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	uint8_t magic[4] = { 0 };
	FILE *fp = fopen(path, "rb");

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t got = fread(magic, 1, 4, fp);
	fclose(fp);
	uint32_t m = (uint32_t)magic[0] << 24 | (uint32_t)magic[1] << 16 | (uint32_t)magic[2] << 8 | magic[3];
	bool is_pcap = got == 4 && (m == 0xa1b2c3d4 || m == 0xd4c3b2a1 || m == 0xa1b23c4d ||
				    m == 0x4d3cb2a1 || m == 0x0a0d0d0a);
	if (!is_pcap)
		return open_raw(path, raw_src, err, errlen);

	struct nfw_capture *c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	c->pc = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, ebuf);
	if (c->pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		free(c);
		return NULL;
	}
	c->linktype = pcap_datalink(c->pc);
	return c;
}

int
nfw_capture_next(struct nfw_capture *c, struct nfw_capture_pkt *out)
{
	if (c->pc == NULL) {
		if (c->next >= c->ndg)
			return 0;
		const struct raw_dgram *g = &c->dg[c->next++];
		c->st.frames++;
		c->st.payloads++;
		out->payload = c->raw + g->off;
		out->len = g->len;
		out->src = c->raw_src;
		out->dst_port = 0;
		out->ts_ms = c->raw_ts_ms;
		return 1;
	}
	for (;;) {
		struct nfw_capture_frame fr;
		int rc = nfw_capture_next_frame(c, &fr);
		if (rc != 1)
			return rc;
		unsigned skip = 0;
		memset(out, 0, sizeof(*out));
		if (nfw_capture_parse_frame(fr.linktype, fr.data, fr.caplen, fr.wirelen, out, &skip)) {
			out->ts_ms = fr.ts_us / 1000;
			c->st.payloads++;
			return 1;
		}
		c->st.skipped[skip]++;
	}
}

int
nfw_capture_next_frame(struct nfw_capture *c, struct nfw_capture_frame *out)
{
	if (c->pc == NULL)
		return -ENOTSUP;
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(c->pc, &h, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		if (!c->st.damaged)
			snprintf(c->err, sizeof(c->err), "damaged after frame %llu: %s",
				 (unsigned long long)c->st.frames, pcap_geterr(c->pc));
		c->st.damaged = 1;
		return -EIO;
	}
	c->st.frames++;
	out->data = data;
	out->caplen = h->caplen;
	out->wirelen = h->len;
	out->linktype = c->linktype;
	out->ts_us = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
	return 1;
}

/* an export header: NetFlow v5 / v9, IPFIX, sFlow v5, by their own lengths and fields */
static bool
export_header(const uint8_t *p, size_t len)
{
	if (len < 16)
		return false;
	uint16_t ver = be16(p);
	if (ver == 5)
		return be16(p + 2) >= 1 && be16(p + 2) <= 30 && len == 24 + 48u * be16(p + 2);
	if (ver == 9)
		return len >= 20 && be16(p + 2) <= 1000;
	if (ver == 10)
		return be16(p + 2) == len;
	uint32_t v32 = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	uint32_t at = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7];
	return v32 == 5 && (at == 1 || at == 2) && len >= 28;
}

/* the ports collectors listen on (a damaged export still goes to one) */
static bool
collector_port(uint16_t p)
{
	return p == 2055 || p == 2056 || p == 4739 || p == 4740 || p == 6343 || p == 9995 || p == 9996;
}

int
nfw_capture_holds_exports(const char *path, char *err, size_t errlen)
{
	struct nfw_capture *c = nfw_capture_open(path, NULL, err, errlen);
	if (c == NULL)
		return -1;
	if (c->pc == NULL) {
		nfw_capture_close(c);
		return 1;
	}
	unsigned ip = 0, exports = 0;
	struct nfw_capture_frame fr;
	while (ip < 256 && nfw_capture_next_frame(c, &fr) == 1) {
		struct nfw_ip_pkt pk;
		struct nfw_capture_pkt u;
		unsigned skip;
		if (!nfw_capture_parse_ip(fr.linktype, fr.data, fr.caplen, fr.wirelen, &pk, &skip))
			continue;
		ip++;
		if (nfw_capture_parse_frame(fr.linktype, fr.data, fr.caplen, fr.wirelen, &u, &skip) &&
		    (export_header(u.payload, u.len) || collector_port(u.dst_port)))
			exports++;
	}
	nfw_capture_close(c);
	return exports > 0 && exports * 2 >= ip;
}

const char *
nfw_capture_error(const struct nfw_capture *c)
{
	return c->err;
}

void
nfw_capture_stats_get(const struct nfw_capture *c, struct nfw_capture_stats *st)
{
	*st = c->st;
}

void
nfw_capture_close(struct nfw_capture *c)
{
	if (c == NULL)
		return;
	if (c->pc != NULL)
		pcap_close(c->pc);
	free(c->raw);
	free(c->dg);
	free(c);
}
