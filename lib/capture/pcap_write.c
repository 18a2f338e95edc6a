/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal pcap writer (classic format, LINKTYPE_ETHERNET, microseconds).
 * IPv4 headers carry a correct header checksum; UDP over IPv6 carries its
 * mandatory checksum, UDP over IPv4 none (0), as RFC 768 allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_capture.h"

struct nfw_pcap_writer {
	FILE *fp;
	int err;
	uint8_t frame[14 + 40 + 8 + 65000];
};

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void
be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct nfw_pcap_writer *
nfw_pcap_writer_open(const char *path, char *err, size_t errlen)
{
	struct nfw_pcap_writer *w = calloc(1, sizeof(*w));
	uint8_t gh[24] = { 0 };

	if (w == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	w->fp = fopen(path, "wb");
	if (w->fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(w);
		return NULL;
	}
	le32(gh, 0xa1b2c3d4);
	gh[4] = 2;  /* version 2.4 */
	gh[6] = 4;
	le32(gh + 16, 65535); /* snaplen */
	le32(gh + 20, 1);     /* Ethernet */
	if (fwrite(gh, 1, sizeof(gh), w->fp) != sizeof(gh))
		w->err = 1;
	return w;
}

int
nfw_pcap_writer_put_udp(struct nfw_pcap_writer *w, const uint8_t src[16], uint16_t sport,
			const uint8_t dst[16], uint16_t dport, const uint8_t *payload, size_t len,
			uint64_t ts_ms)
{
	uint8_t *frame = w->frame;
	int v4 = nfw_flow_addr_is4(src);
	size_t off = 0;

	if (v4 != nfw_flow_addr_is4(dst) || len > 65000)
		return -EINVAL;
	static const uint8_t dmac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
	memcpy(frame, dmac, 6);
	memcpy(frame + 6, smac, 6);
	be16(frame + 12, v4 ? 0x0800 : 0x86dd);
	off = 14;
	size_t udp_len = 8 + len;
	uint8_t *udp;
	if (v4) {
		uint8_t *ip = frame + off;
		memset(ip, 0, 20);
		ip[0] = 0x45;
		be16(ip + 2, (uint16_t)(20 + udp_len));
		ip[6] = 0x40; /* DF */
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, src + 12, 4);
		memcpy(ip + 16, dst + 12, 4);
		be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		off += 20;
		udp = frame + off;
		be16(udp, sport);
		be16(udp + 2, dport);
		be16(udp + 4, (uint16_t)udp_len);
		be16(udp + 6, 0);
		memcpy(udp + 8, payload, len);
	} else {
		uint8_t *ip = frame + off;
		memset(ip, 0, 40);
		ip[0] = 0x60;
		be16(ip + 4, (uint16_t)udp_len);
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		off += 40;
		udp = frame + off;
		be16(udp, sport);
		be16(udp + 2, dport);
		be16(udp + 4, (uint16_t)udp_len);
		be16(udp + 6, 0);
		memcpy(udp + 8, payload, len);
		uint32_t sum = csum_add(0, src, 16);
		sum = csum_add(sum, dst, 16);
		sum += (uint32_t)udp_len + 17;
		sum = csum_add(sum, udp, udp_len);
		uint16_t c = csum_fold(sum);
		be16(udp + 6, c == 0 ? 0xffff : c);
	}
	off += udp_len;
	uint8_t rh[16];
	le32(rh, (uint32_t)(ts_ms / 1000));
	le32(rh + 4, (uint32_t)(ts_ms % 1000) * 1000);
	le32(rh + 8, (uint32_t)off);
	le32(rh + 12, (uint32_t)off);
	if (fwrite(rh, 1, 16, w->fp) != 16 || fwrite(frame, 1, off, w->fp) != off) {
		w->err = 1;
		return -EIO;
	}
	return 0;
}

int
nfw_pcap_writer_close(struct nfw_pcap_writer *w)
{
	if (w == NULL)
		return 0;
	int rc = w->err ? -EIO : 0;
	if (fclose(w->fp) != 0)
		rc = -EIO;
	free(w);
	return rc;
}
