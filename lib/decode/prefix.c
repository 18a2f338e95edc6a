/* SPDX-License-Identifier: BSD-3-Clause */
/* Address prefixes (home networks, roles, exporter allow-lists), in the 128-bit space. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_decode.h"

int
nfw_prefix_parse(const char *s, struct nfw_prefix *p)
{
	char buf[80];
	struct in_addr a4;
	struct in6_addr a6;
	long len = -1;

	if (strlen(s) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", s);
	char *slash = strchr(buf, '/');
	if (slash != NULL) {
		char *end;
		*slash = '\0';
		len = strtol(slash + 1, &end, 10);
		if (*end != '\0' || slash[1] == '\0')
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		nfw_flow_addr_set4(p->addr, ntohl(a4.s_addr));
		if (len < 0)
			len = 32;
		if (len > 32)
			return -1;
		p->len = (uint8_t)(96 + len);
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &a6) == 1) {
		memcpy(p->addr, &a6, 16);
		if (len < 0)
			len = 128;
		if (len > 128)
			return -1;
		p->len = (uint8_t)len;
		return 0;
	}
	return -1;
}

bool
nfw_prefix_match(const struct nfw_prefix *p, unsigned n, const uint8_t a[16])
{
	for (unsigned i = 0; i < n; i++) {
		unsigned full = p[i].len / 8, rem = p[i].len % 8;
		if (memcmp(p[i].addr, a, full) != 0)
			continue;
		if (rem == 0 || ((p[i].addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rem))) == 0)
			return true;
	}
	return false;
}

