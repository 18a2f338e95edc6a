/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Behaviours: each turns its JSON parameters into conversations (a forward
 * flow and, when answered, a reverse one) with a ground-truth label.
 *
 * background       internal hosts to many external ones over HTTPS, HTTP,
 *                  DNS, NTP, SMTP, SSH; log-normal / Pareto sizes; arrivals
 *                  follow a daily rhythm (low at 04:00, high at 16:00)
 * benign look-alikes (labelled, malicious: false):
 *   ntp_polling    clients polling NTP servers every `interval`
 *   saas_keepalive TLS keepalives every `interval` on one connection: the
 *                  exporter's inactive timeout makes a record per keepalive
 *   backup         one multi-GB transfer to one host
 *   cdn_burst      many hosts downloading from a CDN range at once
 *   snmp_poller    one poller sweeping hundreds of hosts every `interval`
 *   dns_resolver   the site's resolver: clients to it, it to upstreams
 * attacks (malicious: true; `type` as in FINDINGS.md):
 *   horizontal_scan, vertical_scan, slow_scan          port_scan
 *   syn_flood, udp_flood (spoofed sources)             volumetric
 *   beacon (period, jitter, size, missed beats)        beaconing
 *   exfil_bulk, exfil_slow                             exfiltration
 *   dns_tunnel (many large queries to a resolver)      dns_tunneling
 *   lateral (fan-out to admin ports)                   lateral_movement
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* ---- random distributions ---- */

double
rng_exp(struct rng *r, double mean)
{
	return -mean * log(1.0 - rng_unit(r));
}

double
rng_lognormal(struct rng *r, double median, double sigma)
{
	double u1 = rng_unit(r), u2 = rng_unit(r);
	double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
	return median * exp(sigma * z);
}

double
rng_pareto(struct rng *r, double xmin, double alpha)
{
	return xmin / pow(1.0 - rng_unit(r), 1.0 / alpha);
}

uint64_t
rng_binomial(struct rng *r, uint64_t n, double p)
{
	if (p >= 1.0)
		return n;
	if (n <= 64) {
		uint64_t k = 0;
		for (uint64_t i = 0; i < n; i++)
			k += rng_unit(r) < p;
		return k;
	}
	double mean = (double)n * p, sd = sqrt(mean * (1.0 - p));
	if (mean < 20) { /* Poisson approximation by inversion */
		double l = exp(-mean), prod = rng_unit(r);
		uint64_t k = 0;
		while (prod > l && k < n) {
			k++;
			prod *= rng_unit(r);
		}
		return k;
	}
	double u1 = rng_unit(r), u2 = rng_unit(r);
	double z = sqrt(-2.0 * log(1.0 - u1)) * cos(2.0 * M_PI * u2);
	double k = floor(mean + sd * z + 0.5);
	if (k < 0)
		k = 0;
	if (k > (double)n)
		k = (double)n;
	return (uint64_t)k;
}

/* ---- containers ---- */

int
convs_push(struct convs *c, const struct conv *x)
{
	if (c->n >= c->limit) {
		c->overflow = true;
		return -1;
	}
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 65536;
		struct conv *v = realloc(c->v, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		c->v = v;
		c->cap = nc;
	}
	c->v[c->n++] = *x;
	if (x->label >= 0) {
		struct label *l = &c->lab[x->label];
		if (l->conversations == 0 || x->start_ms < l->first_ms)
			l->first_ms = x->start_ms;
		if (x->start_ms + x->dur_ms > l->last_ms)
			l->last_ms = x->start_ms + x->dur_ms;
		l->conversations++;
	}
	return 0;
}

int
label_add(struct convs *c, const char *type, const char *behaviour, bool malicious)
{
	if (c->nlab == c->caplab) {
		size_t nc = c->caplab ? c->caplab * 2 : 16;
		struct label *v = realloc(c->lab, nc * sizeof(*v));
		if (v == NULL)
			return -1;
		c->lab = v;
		c->caplab = nc;
	}
	struct label *l = &c->lab[c->nlab];
	memset(l, 0, sizeof(*l));
	snprintf(l->type, sizeof(l->type), "%s", type);
	snprintf(l->behaviour, sizeof(l->behaviour), "%s", behaviour);
	l->malicious = malicious;
	l->dst_port = -1;
	l->extra = json_object();
	return (int)c->nlab++;
}

void
convs_free(struct convs *c)
{
	for (size_t i = 0; i < c->nlab; i++)
		json_decref(c->lab[i].extra);
	free(c->lab);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

/* ---- parameter access with errors that name the behaviour ---- */

struct bctx {
	const struct scenario *sc;
	const struct behaviour *b;
	struct rng *r;
	struct convs *out;
	char *err;
	size_t errlen;
	int label;
};

#define BFAIL(x, ...) do { \
	char m_[200]; snprintf(m_, sizeof(m_), __VA_ARGS__); \
	snprintf((x)->err, (x)->errlen, "behaviour %s (%s): %s", (x)->b->name, (x)->b->type, m_); \
	return -1; } while (0)

static double
num(const struct bctx *x, const char *key, double def)
{
	json_t *v = json_object_get(x->b->params, key);
	return (json_is_integer(v) || json_is_real(v)) ? json_number_value(v) : def;
}

static int
addr_param(struct bctx *x, const char *key, uint8_t out[16])
{
	const char *s = json_string_value(json_object_get(x->b->params, key));
	if (s == NULL || parse_addr(s, out) != 0)
		BFAIL(x, "\"%s\" must be an IP address", key);
	return 0;
}

static int
prefix_param(struct bctx *x, const char *key, struct prefix *p)
{
	const char *s = json_string_value(json_object_get(x->b->params, key));
	if (s == NULL || parse_prefix(s, p) != 0)
		BFAIL(x, "\"%s\" must be a prefix like 10.0.0.0/24", key);
	return 0;
}

static int
dur_param(struct bctx *x, const char *key, uint64_t def, uint64_t *out)
{
	json_t *v = json_object_get(x->b->params, key);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (parse_duration_ms(v, out) != 0 || *out == 0)
		BFAIL(x, "\"%s\" must be a duration like \"30s\"", key);
	return 0;
}

static int
positive(struct bctx *x, const char *key, double v, double max)
{
	if (!(v > 0) || v > max)
		BFAIL(x, "\"%s\" must be in (0, %g]", key, max);
	return 0;
}

/* ---- conversation helpers ---- */

static void
conv_init(struct bctx *x, struct conv *c, const uint8_t src[16], const uint8_t dst[16],
	  uint16_t sport, uint16_t dport, uint8_t proto, uint64_t start, uint64_t dur)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->src, src, 16);
	memcpy(c->dst, dst, 16);
	c->sport = sport;
	c->dport = dport;
	c->proto = proto;
	c->start_ms = start;
	c->dur_ms = dur;
	c->end = proto == 6 ? GEN_END_FIN : GEN_END_IDLE;
	c->flags_fwd = proto == 6 ? 0x1b : 0;  /* FIN PSH ACK SYN */
	c->flags_rev = proto == 6 ? 0x1b : 0;
	c->label = (int16_t)x->label;
	c->exporter = (int16_t)x->b->exporter;
}

/* a request / response exchange of the given payload sizes */
static void
conv_sizes(struct conv *c, double req, double resp)
{
	const double mss = 1400.0, hdr = c->proto == 6 ? 52.0 : 28.0;
	uint64_t pf = (uint64_t)ceil(req / mss) + (c->proto == 6 ? 3 : 0);
	uint64_t pr = (uint64_t)ceil(resp / mss) + (c->proto == 6 ? 2 : 0);
	if (pf == 0)
		pf = 1;
	if (c->proto == 6 && pr > 2)
		pf += pr / 2; /* acks */
	c->pkts_fwd = pf;
	c->bytes_fwd = (uint64_t)req + pf * (uint64_t)hdr;
	c->pkts_rev = resp > 0 ? (pr ? pr : 1) : 0;
	c->bytes_rev = resp > 0 ? (uint64_t)resp + c->pkts_rev * (uint64_t)hdr : 0;
}

static uint16_t
eph_port(struct rng *r)
{
	return (uint16_t)(32768 + rng_below(r, 28232));
}

static int
push(struct bctx *x, const struct conv *c)
{
	if (c->start_ms >= x->b->end_ms || c->start_ms < x->b->start_ms)
		return 0; /* outside the behaviour's window */
	if (convs_push(x->out, c) != 0)
		BFAIL(x, "more than max_records (%llu) conversations: shorten the scenario or "
			 "raise \"max_records\"", (unsigned long long)x->out->limit);
	return 0;
}

static struct label *
lab(struct bctx *x)
{
	return &x->out->lab[x->label];
}

static void
lab_set(struct bctx *x, const uint8_t *src, const uint8_t *dst, int port, uint8_t proto)
{
	struct label *l = lab(x);
	if (src != NULL) {
		memcpy(l->src, src, 16);
		l->has_src = true;
	}
	if (dst != NULL) {
		memcpy(l->dst, dst, 16);
		l->has_dst = true;
	}
	l->dst_port = port;
	l->proto = proto;
}

/* internal host i of the first home prefix, IPv4 or IPv6 */
static void
home_host(const struct scenario *sc, uint64_t i, bool v6, uint8_t out[16])
{
	const struct prefix *p = &sc->home[0];
	for (unsigned k = 0; k < sc->nhome; k++)
		if (nfw_flow_addr_is4(sc->home[k].addr) != v6) {
			p = &sc->home[k];
			break;
		}
	prefix_host(p, i, out);
}

static double
rhythm(uint64_t ms)
{
	double h = (double)((ms / 1000) % 86400) / 3600.0;
	return 0.3 + 0.7 * (0.5 - 0.5 * cos(2.0 * M_PI * (h - 4.0) / 24.0));
}

/* ---- background ---- */

static int
beh_background(struct bctx *x)
{
	double hosts = num(x, "hosts", 100), ext = num(x, "externals", 1000);
	double fph = num(x, "flows_per_host_hour", 30), v6s = num(x, "v6_share", 0.1);
	if (positive(x, "hosts", hosts, 65000) || positive(x, "externals", ext, 1e6) ||
	    positive(x, "flows_per_host_hour", fph, 36000))
		return -1;
	struct prefix ext4, ext6;
	parse_prefix("198.18.0.0/15", &ext4);
	parse_prefix("2001:db8:ffff::/48", &ext6);
	static const struct { uint16_t port; uint8_t proto; double share, req, resp, sigma; } svc[] = {
		{ 443, 6, 0.55, 1500, 40000, 2.2 },
		{ 80, 6, 0.10, 800, 20000, 2.0 },
		{ 53, 17, 0.20, 60, 180, 0.3 },
		{ 123, 17, 0.03, 48, 48, 0.0 },
		{ 25, 6, 0.04, 30000, 500, 1.5 },
		{ 22, 6, 0.03, 5000, 20000, 2.5 },
		{ 993, 6, 0.05, 2000, 15000, 1.8 },
	};
	const double mean_gap_ms = 3600000.0 / fph;
	for (uint64_t h = 1; h <= (uint64_t)hosts; h++) {
		bool v6 = rng_unit(x->r) < v6s;
		uint8_t src[16];
		home_host(x->sc, h, v6, src);
		/* thinning: candidates at the peak rate, kept with the rhythm's weight */
		for (double t = (double)x->b->start_ms + rng_exp(x->r, mean_gap_ms);
		     t < (double)x->b->end_ms; t += rng_exp(x->r, mean_gap_ms)) {
			if (rng_unit(x->r) > rhythm((uint64_t)t))
				continue;
			double u = rng_unit(x->r), acc = 0;
			unsigned k = 0;
			for (; k < sizeof(svc) / sizeof(svc[0]) - 1; k++) {
				acc += svc[k].share;
				if (u < acc)
					break;
			}
			uint8_t dst[16];
			/* a few popular destinations take most flows (Pareto rank) */
			uint64_t rank = (uint64_t)rng_pareto(x->r, 1.0, 0.8) % (uint64_t)ext;
			prefix_host(v6 ? &ext6 : &ext4, rank + 1, dst);
			struct conv c;
			double resp = svc[k].sigma > 0 ? rng_lognormal(x->r, svc[k].resp, svc[k].sigma) : svc[k].resp;
			if (resp > 5e9)
				resp = 5e9;
			uint64_t dur = svc[k].proto == 17 ? 1 + rng_below(x->r, 50)
				       : (uint64_t)(200 + resp / 200.0 + rng_exp(x->r, 3000));
			conv_init(x, &c, src, dst, eph_port(x->r), svc[k].port, svc[k].proto, (uint64_t)t, dur);
			conv_sizes(&c, rng_lognormal(x->r, svc[k].req, 0.5), resp);
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

/* ---- benign look-alikes ---- */

static int
beh_ntp(struct bctx *x)
{
	double clients = num(x, "clients", 20);
	uint64_t ival;
	json_t *servers = json_object_get(x->b->params, "servers");
	if (positive(x, "clients", clients, 65000) || dur_param(x, "interval", 64000, &ival))
		return -1;
	if (!json_is_array(servers) || json_array_size(servers) == 0)
		BFAIL(x, "\"servers\" must list NTP server addresses");
	uint8_t srv[8][16];
	size_t ns = json_array_size(servers) < 8 ? json_array_size(servers) : 8;
	for (size_t i = 0; i < ns; i++) {
		const char *s = json_string_value(json_array_get(servers, i));
		if (s == NULL || parse_addr(s, srv[i]) != 0)
			BFAIL(x, "servers[%zu] is not an address", i);
	}
	lab_set(x, NULL, srv[0], 123, 17);
	for (uint64_t cl = 1; cl <= (uint64_t)clients; cl++) {
		uint8_t src[16];
		home_host(x->sc, 2000 + cl, false, src);
		const uint8_t *dst = srv[cl % ns];
		for (uint64_t t = x->b->start_ms + rng_below(x->r, (uint32_t)ival); t < x->b->end_ms;
		     t += ival + rng_below(x->r, 200)) {
			struct conv c;
			conv_init(x, &c, src, dst, 123, 123, 17, t, 1 + rng_below(x->r, 30));
			conv_sizes(&c, 48, 48);
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

static int
beh_keepalive(struct bctx *x)
{
	double hosts = num(x, "hosts", 10), port = num(x, "port", 443);
	uint64_t ival;
	uint8_t dst[16];
	if (positive(x, "hosts", hosts, 65000) || dur_param(x, "interval", 30000, &ival) ||
	    addr_param(x, "dst", dst))
		return -1;
	lab_set(x, NULL, dst, (int)port, 6);
	for (uint64_t h = 1; h <= (uint64_t)hosts; h++) {
		uint8_t src[16];
		home_host(x->sc, 3000 + h, false, src);
		uint16_t sport = eph_port(x->r); /* one long-lived connection */
		for (uint64_t t = x->b->start_ms + rng_below(x->r, (uint32_t)ival); t < x->b->end_ms;
		     t += ival + rng_below(x->r, 100)) {
			struct conv c;
			conv_init(x, &c, src, dst, sport, (uint16_t)port, 6, t, 20 + rng_below(x->r, 40));
			c.flags_fwd = c.flags_rev = 0x18; /* PSH ACK, no SYN / FIN */
			c.end = GEN_END_IDLE;
			c.pkts_fwd = 1;
			c.bytes_fwd = 97;
			c.pkts_rev = 1;
			c.bytes_rev = 97;
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

static int
beh_backup(struct bctx *x)
{
	uint8_t src[16], dst[16];
	double bytes = num(x, "bytes", 5e9), port = num(x, "port", 22);
	if (addr_param(x, "src", src) || addr_param(x, "dst", dst) ||
	    positive(x, "bytes", bytes, 1e13))
		return -1;
	lab_set(x, src, dst, (int)port, 6);
	struct conv c;
	conv_init(x, &c, src, dst, eph_port(x->r), (uint16_t)port, 6, x->b->start_ms,
		  x->b->end_ms - x->b->start_ms - 1000);
	conv_sizes(&c, bytes, 0);
	c.pkts_rev = c.pkts_fwd / 2 + 1;
	c.bytes_rev = c.pkts_rev * 52;
	json_object_set_new(lab(x)->extra, "bytes", json_real(bytes));
	return push(x, &c);
}

static int
beh_cdn(struct bctx *x)
{
	struct prefix cdn;
	double hosts = num(x, "hosts", 50), bytes = num(x, "bytes", 1e8);
	if (prefix_param(x, "cdn", &cdn) || positive(x, "hosts", hosts, 65000) ||
	    positive(x, "bytes", bytes, 1e11))
		return -1;
	uint8_t first[16];
	prefix_host(&cdn, 1, first);
	lab_set(x, NULL, first, 443, 6);
	uint64_t span = x->b->end_ms - x->b->start_ms;
	unsigned nsrv = 128u - cdn.len >= 8 ? 250u : (1u << (128u - cdn.len)) - 2u;
	for (uint64_t h = 1; h <= (uint64_t)hosts; h++) {
		uint8_t cl[16], srv[16];
		home_host(x->sc, h, false, cl);
		prefix_host(&cdn, 1 + rng_below(x->r, nsrv ? nsrv : 1), srv);
		struct conv c;
		uint64_t t = x->b->start_ms + rng_below(x->r, (uint32_t)(span / 2));
		conv_init(x, &c, cl, srv, eph_port(x->r), 443, 6, t, 20000 + rng_below(x->r, 100000));
		conv_sizes(&c, 2000, rng_lognormal(x->r, bytes, 0.3));
		if (push(x, &c))
			return -1;
	}
	return 0;
}

static int
beh_snmp(struct bctx *x)
{
	uint8_t poller[16];
	struct prefix tg;
	double count = num(x, "count", 100);
	uint64_t ival;
	if (addr_param(x, "poller", poller) || prefix_param(x, "targets", &tg) ||
	    positive(x, "count", count, 65000) || dur_param(x, "interval", 300000, &ival))
		return -1;
	lab_set(x, poller, NULL, 161, 17);
	for (uint64_t t = x->b->start_ms + 1000; t < x->b->end_ms; t += ival) {
		for (uint64_t i = 1; i <= (uint64_t)count; i++) {
			uint8_t dst[16];
			prefix_host(&tg, i, dst);
			struct conv c;
			conv_init(x, &c, poller, dst, eph_port(x->r), 161, 17, t + i * 50, 5);
			conv_sizes(&c, 90, 300 + rng_below(x->r, 900));
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

static int
beh_resolver(struct bctx *x)
{
	uint8_t res[16];
	double clients = num(x, "clients", 100), qps = num(x, "qps", 5);
	json_t *ups = json_object_get(x->b->params, "upstreams");
	if (addr_param(x, "resolver", res) || positive(x, "clients", clients, 65000) ||
	    positive(x, "qps", qps, 10000))
		return -1;
	if (!json_is_array(ups) || json_array_size(ups) == 0)
		BFAIL(x, "\"upstreams\" must list addresses");
	uint8_t up[8][16];
	size_t nu = json_array_size(ups) < 8 ? json_array_size(ups) : 8;
	for (size_t i = 0; i < nu; i++) {
		const char *s = json_string_value(json_array_get(ups, i));
		if (s == NULL || parse_addr(s, up[i]) != 0)
			BFAIL(x, "upstreams[%zu] is not an address", i);
	}
	lab_set(x, res, NULL, 53, 17);
	for (double t = (double)x->b->start_ms; t < (double)x->b->end_ms;
	     t += rng_exp(x->r, 1000.0 / qps)) {
		uint8_t cl[16];
		home_host(x->sc, 1 + rng_below(x->r, (uint32_t)clients), false, cl);
		struct conv c;
		conv_init(x, &c, cl, res, eph_port(x->r), 53, 17, (uint64_t)t, 1);
		conv_sizes(&c, 40 + rng_below(x->r, 40), 80 + rng_below(x->r, 200));
		if (push(x, &c))
			return -1;
		if (rng_unit(x->r) < 0.4) { /* cache miss: the resolver asks upstream */
			conv_init(x, &c, res, up[rng_below(x->r, (uint32_t)nu)], eph_port(x->r), 53, 17,
				  (uint64_t)t + 1, 20 + rng_below(x->r, 80));
			conv_sizes(&c, 50 + rng_below(x->r, 40), 100 + rng_below(x->r, 300));
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

/* ---- attacks ---- */

static void
scan_probe(struct bctx *x, struct conv *c, const uint8_t src[16], const uint8_t dst[16],
	   uint16_t port, uint64_t t, double p_open, double p_rst)
{
	conv_init(x, c, src, dst, eph_port(x->r), port, 6, t, 0);
	c->flags_fwd = 0x02; /* SYN */
	c->pkts_fwd = 1;
	c->bytes_fwd = 44;
	double u = rng_unit(x->r);
	if (u < p_open) {
		c->flags_fwd = 0x06; /* SYN, then RST after the SYN-ACK */
		c->pkts_fwd = 2;
		c->bytes_fwd = 84;
		c->flags_rev = 0x12;
		c->pkts_rev = 1;
		c->bytes_rev = 44;
		c->end = GEN_END_FIN;
	} else if (u < p_open + p_rst) {
		c->flags_rev = 0x14; /* RST ACK: closed */
		c->pkts_rev = 1;
		c->bytes_rev = 40;
		c->end = GEN_END_FIN;
	} else {
		c->end = GEN_END_IDLE; /* filtered: no answer */
	}
}

static int
beh_hscan(struct bctx *x, bool slow)
{
	uint8_t src[16];
	struct prefix tg;
	double port = num(x, "port", 22), rate = num(x, "rate", 10);
	unsigned hostbits;
	if (addr_param(x, "src", src) || prefix_param(x, "targets", &tg) ||
	    positive(x, "port", port, 65535) || positive(x, "rate", rate, 1e6))
		return -1;
	hostbits = 128u - tg.len;
	uint64_t space = hostbits >= 20 ? (1u << 20) : (1ull << hostbits) - 2;
	double count = num(x, "count", (double)space);
	if (positive(x, "count", count, 1 << 20))
		return -1;
	if (count > (double)space)
		count = (double)space;
	lab_set(x, src, NULL, (int)port, 6);
	json_object_set_new(lab(x)->extra, "kind", json_string("horizontal"));
	json_object_set_new(lab(x)->extra, "targets", json_integer((json_int_t)count));
	if (slow)
		json_object_set_new(lab(x)->extra, "slow", json_true());
	double gap = slow ? (double)(x->b->end_ms - x->b->start_ms) / count : 1000.0 / rate;
	double t = (double)x->b->start_ms;
	for (uint64_t i = 1; i <= (uint64_t)count && t < (double)x->b->end_ms; i++) {
		uint8_t dst[16];
		prefix_host(&tg, i, dst);
		struct conv c;
		scan_probe(x, &c, src, dst, (uint16_t)port, (uint64_t)t, 0.05, 0.25);
		if (push(x, &c))
			return -1;
		t += slow ? gap * (0.5 + rng_unit(x->r)) : gap;
	}
	return 0;
}

static int
beh_vscan(struct bctx *x)
{
	uint8_t src[16], dst[16];
	double rate = num(x, "rate", 20);
	const char *ports = json_string_value(json_object_get(x->b->params, "ports"));
	unsigned lo = 1, hi = 1024;
	if (addr_param(x, "src", src) || addr_param(x, "target", dst) ||
	    positive(x, "rate", rate, 1e6))
		return -1;
	if (ports != NULL && (sscanf(ports, "%u-%u", &lo, &hi) != 2 || lo == 0 || hi > 65535 || lo > hi))
		BFAIL(x, "\"ports\" must be a range like \"1-1024\"");
	lab_set(x, src, dst, -1, 6);
	json_object_set_new(lab(x)->extra, "kind", json_string("vertical"));
	json_object_set_new(lab(x)->extra, "ports", json_integer(hi - lo + 1));
	double t = (double)x->b->start_ms;
	for (unsigned p = lo; p <= hi && t < (double)x->b->end_ms; p++, t += 1000.0 / rate) {
		struct conv c;
		bool open = p == 22 || p == 80 || p == 443;
		scan_probe(x, &c, src, dst, (uint16_t)p, (uint64_t)t, open ? 1.0 : 0.0, open ? 0.0 : 0.9);
		if (push(x, &c))
			return -1;
	}
	return 0;
}

static int
beh_flood(struct bctx *x, uint8_t proto)
{
	uint8_t dst[16];
	double port = num(x, "port", 80), sources = num(x, "sources", 1000), pps = num(x, "pps", 10000);
	double bpp = num(x, "bytes_per_packet", proto == 6 ? 60 : 512);
	double ports_per_src = num(x, "ports_per_source", 4);
	if (addr_param(x, "dst", dst) || positive(x, "sources", sources, 1e6) ||
	    positive(x, "pps", pps, 1e9) || positive(x, "bytes_per_packet", bpp, 9000) ||
	    positive(x, "ports_per_source", ports_per_src, 64))
		return -1;
	lab_set(x, NULL, dst, (int)port, proto);
	json_object_set_new(lab(x)->extra, "sources", json_integer((json_int_t)sources));
	json_object_set_new(lab(x)->extra, "pps", json_real(pps));
	uint64_t dur = x->b->end_ms - x->b->start_ms;
	double pkts_per_conv = pps * ((double)dur / 1000.0) / (sources * ports_per_src);
	for (uint64_t s = 0; s < (uint64_t)sources; s++) {
		uint8_t src[16];
		/* spoofed: anywhere outside the site */
		do {
			nfw_flow_addr_set4(src, (uint32_t)rng_u64(x->r) | 0x01000000u);
		} while (in_home(x->sc, src));
		for (unsigned k = 0; k < (unsigned)ports_per_src; k++) {
			struct conv c;
			conv_init(x, &c, src, dst, eph_port(x->r), (uint16_t)port, proto,
				  x->b->start_ms + rng_below(x->r, 1000), dur - 1000);
			c.pkts_fwd = (uint64_t)ceil(pkts_per_conv);
			c.bytes_fwd = c.pkts_fwd * (uint64_t)bpp;
			c.flags_fwd = proto == 6 ? 0x02 : 0;
			c.pkts_rev = 0;
			c.end = GEN_END_IDLE;
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

static int
beh_beacon(struct bctx *x)
{
	uint8_t src[16], dst[16];
	double port = num(x, "port", 443), jitter = num(x, "jitter", 0.1);
	double bytes = num(x, "bytes", 300), resp = num(x, "response_bytes", 1200);
	double missed = num(x, "missed", 0.0);
	uint64_t period;
	if (addr_param(x, "src", src) || addr_param(x, "dst", dst) ||
	    dur_param(x, "period", 60000, &period) || positive(x, "bytes", bytes, 1e9))
		return -1;
	if (jitter < 0 || jitter >= 1 || missed < 0 || missed >= 1)
		BFAIL(x, "\"jitter\" and \"missed\" are fractions in [0, 1)");
	const char *ps = json_string_value(json_object_get(x->b->params, "proto"));
	uint8_t proto = ps != NULL && strcmp(ps, "udp") == 0 ? 17 : 6;
	lab_set(x, src, dst, (int)port, proto);
	json_object_set_new(lab(x)->extra, "period_s", json_real((double)period / 1000.0));
	json_object_set_new(lab(x)->extra, "jitter", json_real(jitter));
	for (double t = (double)x->b->start_ms + rng_unit(x->r) * (double)period;
	     t < (double)x->b->end_ms;
	     t += (double)period * (1.0 + jitter * (2.0 * rng_unit(x->r) - 1.0))) {
		if (rng_unit(x->r) < missed)
			continue;
		struct conv c;
		conv_init(x, &c, src, dst, eph_port(x->r), (uint16_t)port, proto, (uint64_t)t,
			  100 + rng_below(x->r, 400));
		conv_sizes(&c, bytes * (0.95 + 0.1 * rng_unit(x->r)), resp * (0.9 + 0.2 * rng_unit(x->r)));
		if (push(x, &c))
			return -1;
	}
	return 0;
}

static int
beh_exfil(struct bctx *x, bool slow)
{
	uint8_t src[16], dst[16];
	double bytes = num(x, "bytes", 1e9), port = num(x, "port", 443);
	double flows = num(x, "flows", slow ? 200 : 1);
	if (addr_param(x, "src", src) || addr_param(x, "dst", dst) ||
	    positive(x, "bytes", bytes, 1e13) || positive(x, "flows", flows, 1e6))
		return -1;
	lab_set(x, src, dst, (int)port, 6);
	json_object_set_new(lab(x)->extra, "kind", json_string(slow ? "low_and_slow" : "bulk"));
	json_object_set_new(lab(x)->extra, "bytes", json_real(bytes));
	uint64_t span = x->b->end_ms - x->b->start_ms;
	for (uint64_t i = 0; i < (uint64_t)flows; i++) {
		struct conv c;
		uint64_t t = slow ? x->b->start_ms + (uint64_t)((double)span * ((double)i + rng_unit(x->r)) / flows)
				  : x->b->start_ms + i * 1000;
		uint64_t dur = slow ? 2000 + rng_below(x->r, 30000) : span - 1000 - i * 1000;
		conv_init(x, &c, src, dst, eph_port(x->r), (uint16_t)port, 6, t, dur);
		double b = bytes / flows * (slow ? 0.7 + 0.6 * rng_unit(x->r) : 1.0);
		conv_sizes(&c, b, 4000);
		if (push(x, &c))
			return -1;
	}
	return 0;
}

static int
beh_dns_tunnel(struct bctx *x)
{
	uint8_t src[16], res[16], ups[16];
	double qpm = num(x, "qpm", 200), qb = num(x, "query_bytes", 200);
	if (addr_param(x, "src", src) || addr_param(x, "resolver", res) ||
	    positive(x, "qpm", qpm, 1e6) || positive(x, "query_bytes", qb, 1400))
		return -1;
	if (json_object_get(x->b->params, "upstream") != NULL) {
		if (addr_param(x, "upstream", ups))
			return -1;
	} else {
		parse_addr("198.51.100.99", ups);
	}
	lab_set(x, src, res, 53, 17);
	json_object_set_new(lab(x)->extra, "qpm", json_real(qpm));
	for (double t = (double)x->b->start_ms; t < (double)x->b->end_ms;
	     t += rng_exp(x->r, 60000.0 / qpm)) {
		struct conv c;
		double q = qb * (0.8 + 0.4 * rng_unit(x->r));
		conv_init(x, &c, src, res, eph_port(x->r), 53, 17, (uint64_t)t, 1 + rng_below(x->r, 20));
		conv_sizes(&c, q, q * 1.6);
		if (push(x, &c))
			return -1;
		/* the resolver forwards every tunnelled query to the tunnel's server */
		conv_init(x, &c, res, ups, eph_port(x->r), 53, 17, (uint64_t)t + 1, 20 + rng_below(x->r, 60));
		conv_sizes(&c, q + 11, q * 1.6 + 11);
		if (push(x, &c))
			return -1;
	}
	return 0;
}

static int
beh_lateral(struct bctx *x)
{
	uint8_t src[16];
	struct prefix tg;
	double count = num(x, "count", 50);
	json_t *ports = json_object_get(x->b->params, "ports");
	if (addr_param(x, "src", src) || prefix_param(x, "targets", &tg) ||
	    positive(x, "count", count, 65000))
		return -1;
	uint16_t pl[8] = { 445, 3389, 5985, 22, 135 };
	size_t np = 5;
	if (ports != NULL) {
		if (!json_is_array(ports) || json_array_size(ports) == 0 || json_array_size(ports) > 8)
			BFAIL(x, "\"ports\" must list 1 to 8 ports");
		np = json_array_size(ports);
		for (size_t i = 0; i < np; i++) {
			json_int_t p = json_integer_value(json_array_get(ports, i));
			if (p <= 0 || p > 65535)
				BFAIL(x, "ports[%zu] out of range", i);
			pl[i] = (uint16_t)p;
		}
	}
	lab_set(x, src, NULL, pl[0], 6);
	json_object_set_new(lab(x)->extra, "targets", json_integer((json_int_t)count));
	uint64_t span = x->b->end_ms - x->b->start_ms;
	for (uint64_t i = 1; i <= (uint64_t)count; i++) {
		uint8_t dst[16];
		prefix_host(&tg, i, dst);
		for (size_t k = 0; k < np; k++) {
			struct conv c;
			uint64_t t = x->b->start_ms + (uint64_t)((double)span * ((double)i - 1 + rng_unit(x->r)) / count);
			if (rng_unit(x->r) < 0.3) { /* the service answers: a session */
				conv_init(x, &c, src, dst, eph_port(x->r), pl[k], 6, t, 1000 + rng_below(x->r, 20000));
				conv_sizes(&c, 3000 + rng_below(x->r, 50000), 2000 + rng_below(x->r, 20000));
			} else {
				scan_probe(x, &c, src, dst, pl[k], t, 0.0, 0.5);
			}
			if (push(x, &c))
				return -1;
		}
	}
	return 0;
}

struct beh_def {
	const char *type;
	const char *label;      /* label type; NULL: background, no label */
	bool malicious;
	int (*fn)(struct bctx *x);
};

static int beh_hscan_fast(struct bctx *x) { return beh_hscan(x, false); }
static int beh_hscan_slow(struct bctx *x) { return beh_hscan(x, true); }
static int beh_syn(struct bctx *x) { return beh_flood(x, 6); }
static int beh_udp(struct bctx *x) { return beh_flood(x, 17); }
static int beh_exfil_bulk(struct bctx *x) { return beh_exfil(x, false); }
static int beh_exfil_slow(struct bctx *x) { return beh_exfil(x, true); }

static const struct beh_def defs[] = {
	{ "background", NULL, false, beh_background },
	{ "ntp_polling", "ntp", false, beh_ntp },
	{ "saas_keepalive", "saas_keepalive", false, beh_keepalive },
	{ "backup", "backup", false, beh_backup },
	{ "cdn_burst", "cdn_burst", false, beh_cdn },
	{ "snmp_poller", "snmp_poller", false, beh_snmp },
	{ "dns_resolver", "dns_resolver", false, beh_resolver },
	{ "horizontal_scan", "port_scan", true, beh_hscan_fast },
	{ "slow_scan", "port_scan", true, beh_hscan_slow },
	{ "vertical_scan", "port_scan", true, beh_vscan },
	{ "syn_flood", "volumetric", true, beh_syn },
	{ "udp_flood", "volumetric", true, beh_udp },
	{ "beacon", "beaconing", true, beh_beacon },
	{ "exfil_bulk", "exfiltration", true, beh_exfil_bulk },
	{ "exfil_slow", "exfiltration", true, beh_exfil_slow },
	{ "dns_tunnel", "dns_tunneling", true, beh_dns_tunnel },
	{ "lateral", "lateral_movement", true, beh_lateral },
};

int
behave_all(const struct scenario *sc, struct convs *out, char *err, size_t errlen)
{
	out->limit = sc->max_records / 2 + 1;
	for (unsigned i = 0; i < sc->nbeh; i++) {
		const struct behaviour *b = &sc->beh[i];
		const struct beh_def *def = NULL;
		for (size_t k = 0; k < sizeof(defs) / sizeof(defs[0]); k++)
			if (strcmp(defs[k].type, b->type) == 0)
				def = &defs[k];
		if (def == NULL) {
			snprintf(err, errlen, "behaviour %s: unknown type \"%s\"", b->name, b->type);
			return -1;
		}
		/* each behaviour has its own stream: adding one leaves the others as they were */
		struct rng r = { sc->seed * 1000003u + i * 7919u + 1 };
		struct bctx x = { sc, b, &r, out, err, errlen, -1 };
		if (def->label != NULL) {
			x.label = label_add(out, def->label, b->name, def->malicious);
			if (x.label < 0) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		}
		if (def->fn(&x) != 0)
			return -1;
	}
	return 0;
}
