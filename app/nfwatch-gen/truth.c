/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * --truth FILE: the ground truth of a generated run, as JSON.
 *
 *   { "scenario", "seed", "start", "end",
 *     "exporters": [ { name, version, addr, port, collector_port, domain,
 *                      sampling, datagrams, records, bytes, packets,
 *                      sampled_away } ],   <- what a decoder must report,
 *                                             bytes and packets scaled
 *     "totals": { datagrams, records, bytes, packets, conversations },
 *     "labels": [ { id, type, behaviour, malicious, src, dst, dst_port,
 *                   proto, first_seen, last_seen, conversations, ... } ] }
 *
 * Label types of attacks are the finding types of FINDINGS.md (port_scan,
 * volumetric, exfiltration, beaconing, lateral_movement, dns_tunneling);
 * benign look-alikes carry their own kind and "malicious": false. Entity
 * fields follow FINDINGS.md (null where they do not apply), and ids are
 * built the same way: type-src-dst-port-proto.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen.h"
#include "nfw_decode.h"
#include "nfw_report.h"

static json_t *
time_json(uint64_t ms)
{
	char buf[40];
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static json_t *
addr_json(const uint8_t a[16], bool has)
{
	char buf[64];
	return has ? json_string(nfw_addr_str(a, buf, sizeof(buf))) : json_null();
}

static const char *
proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : "other";
}

static const char *
version_name(uint16_t v)
{
	return v == NFW_FLOW_V5 ? "v5" : v == NFW_FLOW_V9 ? "v9" : v == NFW_FLOW_IPFIX ? "ipfix" : "sflow";
}

int
truth_write(const char *path, const struct scenario *sc, const struct convs *cv,
	    const struct records *r, char *err, size_t errlen)
{
	json_t *root = json_object();
	json_t *exps = json_array(), *labs = json_array();
	uint64_t td = 0, tr = 0, tb = 0, tp = 0;
	char a[64];

	json_object_set_new(root, "scenario", json_string(sc->name));
	json_object_set_new(root, "seed", json_integer((json_int_t)sc->seed));
	json_object_set_new(root, "start", time_json(sc->start_ms));
	json_object_set_new(root, "end", time_json(sc->end_ms));
	for (unsigned i = 0; i < sc->nexp; i++) {
		const struct exporter_cfg *e = &sc->exp[i];
		const struct expected *x = &r->exp[i];
		json_array_append_new(exps, json_pack(
			"{s:s, s:s, s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
			"name", e->name, "version", version_name(e->version),
			"addr", nfw_addr_str(e->addr, a, sizeof(a)), "port", (int)e->port,
			"collector_port", (int)e->collector_port, "domain", (json_int_t)e->domain,
			"sampling", (json_int_t)e->sampling, "datagrams", (json_int_t)x->datagrams,
			"records", (json_int_t)x->records, "bytes", (json_int_t)x->bytes,
			"packets", (json_int_t)x->packets, "sampled_away", (json_int_t)x->sampled_away));
		td += x->datagrams;
		tr += x->records;
		tb += x->bytes;
		tp += x->packets;
	}
	json_object_set_new(root, "exporters", exps);
	json_object_set_new(root, "totals", json_pack("{s:I, s:I, s:I, s:I, s:I}",
		"datagrams", (json_int_t)td, "records", (json_int_t)tr, "bytes", (json_int_t)tb,
		"packets", (json_int_t)tp, "conversations", (json_int_t)cv->n));
	for (size_t i = 0; i < cv->nlab; i++) {
		const struct label *l = &cv->lab[i];
		char id[256], s1[64] = "-", s2[64] = "-", p[16] = "-";
		if (l->has_src)
			nfw_addr_str(l->src, s1, sizeof(s1));
		if (l->has_dst)
			nfw_addr_str(l->dst, s2, sizeof(s2));
		if (l->dst_port >= 0)
			snprintf(p, sizeof(p), "%d", l->dst_port);
		snprintf(id, sizeof(id), "%s-%s-%s-%s-%s", l->type, s1, s2, p, proto_name(l->proto));
		json_t *o = json_pack("{s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:s, s:o, s:o, s:I}",
			"id", id, "type", l->type, "behaviour", l->behaviour, "malicious", l->malicious,
			"src", addr_json(l->src, l->has_src), "dst", addr_json(l->dst, l->has_dst),
			"dst_port", l->dst_port >= 0 ? json_integer(l->dst_port) : json_null(),
			"proto", proto_name(l->proto), "first_seen", time_json(l->first_ms),
			"last_seen", time_json(l->last_ms), "conversations", (json_int_t)l->conversations);
		json_object_update(o, l->extra);
		json_array_append_new(labs, o);
	}
	json_object_set_new(root, "labels", labs);
	int rc = json_dump_file(root, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	if (rc != 0) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -1;
	}
	return 0;
}

/*
 * --expect FILE.csv: every record a decoder must produce from the generated
 * stream, in nfwatch-query's CSV columns: counts scaled by the rate, the
 * exporter (sFlow: the agent) and the rate filled in. Fields a format does
 * not carry are as the decoder leaves them (v5: no end reason). sFlow
 * records are stamped by the collector's arrival time, which the
 * generator does not decide: their start and end are the sample's time.
 */
int
expect_write(const char *path, const struct scenario *sc, const struct records *r, char *err,
	     size_t errlen)
{
	FILE *fp = fopen(path, "w");
	if (fp == NULL) {
		snprintf(err, errlen, "%s: cannot write", path);
		return -1;
	}
	struct nfw_flow_writer *w = nfw_flow_writer_open(fp, NFW_OUT_CSV);
	for (size_t i = 0; w != NULL && i < r->n; i++) {
		const struct exporter_cfg *e = &sc->exp[r->v[i].exporter];
		struct nfw_flow f = r->v[i].f;
		uint32_t rate = e->sampling > 1 ? e->sampling : 1;
		memcpy(f.exporter, e->addr, 16);
		f.exporter_port = e->port;
		f.domain = e->domain;
		f.version = e->version;
		f.sampling = rate;
		f.packets *= rate;
		f.bytes *= rate;
		if (e->version == NFW_FLOW_V5)
			f.end_reason = 0;
		nfw_flow_writer_put(w, &f);
	}
	nfw_flow_writer_close(w);
	if (fclose(fp) != 0) {
		snprintf(err, errlen, "%s: write failed", path);
		return -1;
	}
	return 0;
}
