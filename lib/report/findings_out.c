/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The findings report of shared/spec/FINDINGS.md: entity fields null where
 * they do not apply, times RFC 3339 UTC with Z, addresses as inet_ntop
 * prints them, evidence as the detector gave it.
 */
#include <time.h>

#include "nfw_report.h"

static json_t *
rfc3339(uint64_t ms)
{
	char buf[32];
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	if (ms == 0 || gmtime_r(&s, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_string(buf);
}

static const char *
proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : p == 17 ? "udp" : p == 1 ? "icmp" : p == 58 ? "icmp6" : "other";
}

json_t *
nfw_finding_to_json(const struct nfw_finding *f)
{
	char a[64], b[64];
	json_t *ev = json_object();
	for (unsigned i = 0; i < f->nev; i++)
		json_object_set_new(ev, f->ev[i].name, f->ev[i].is_str ? json_string(f->ev[i].str)
								 : json_real(f->ev[i].num));
	if (f->raised[0] != '\0')
		json_object_set_new(ev, "score_raised_by", json_string(f->raised));
	if (f->lowered[0] != '\0')
		json_object_set_new(ev, "score_lowered_by", json_string(f->lowered));
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(f->id));
	json_object_set_new(o, "type", json_string(nfw_finding_type_str(f->type)));
	json_object_set_new(o, "severity", json_string(nfw_severity_str(f->severity)));
	json_object_set_new(o, "score", json_real((double)(long long)(f->score * 10 + 0.5) / 10.0));
	json_object_set_new(o, "src", f->has_src ? json_string(nfw_addr_str(f->src, a, sizeof(a))) : json_null());
	json_object_set_new(o, "dst", f->has_dst ? json_string(nfw_addr_str(f->dst, b, sizeof(b))) : json_null());
	json_object_set_new(o, "dst_port", f->dst_port >= 0 ? json_integer(f->dst_port) : json_null());
	json_object_set_new(o, "proto", f->proto ? json_string(proto_name(f->proto)) : json_null());
	json_object_set_new(o, "first_seen", rfc3339(f->first_ms));
	json_object_set_new(o, "last_seen", rfc3339(f->last_ms));
	json_object_set_new(o, "summary", json_string(f->summary));
	json_object_set_new(o, "evidence", ev);
	return o;
}

json_t *
nfw_findings_report(const struct nfw_finding *f, unsigned n, uint64_t start_ms, uint64_t end_ms,
		    uint64_t packets, uint64_t records, const struct nfw_decode *d)
{
	json_t *root = json_object();
	json_object_set_new(root, "generator", json_string("nfwatch 0.1.0"));
	json_object_set_new(root, "window", json_pack("{s:o, s:o}", "start", rfc3339(start_ms), "end",
						      rfc3339(end_ms)));
	json_t *in = json_object();
	json_object_set_new(in, "packets", json_integer((json_int_t)packets));
	json_object_set_new(in, "records", json_integer((json_int_t)records));
	json_t *dropped = json_object(), *exps = json_array();
	if (d != NULL) {
		struct nfw_decode_stats t;
		nfw_decode_stats_total(d, &t);
		for (unsigned r = 0; r < NFW_DROP__MAX; r++)
			if (t.dropped[r] != 0)
				json_object_set_new(dropped, nfw_drop_reason_str(r), json_integer((json_int_t)t.dropped[r]));
		for (unsigned i = 0; i < nfw_decode_exporter_count(d); i++) {
			struct nfw_exporter_info ei;
			char a[64];
			if (nfw_decode_exporter_get(d, i, &ei) != 0)
				continue;
			json_array_append_new(exps, json_pack("{s:s, s:i, s:i, s:I, s:I, s:i}",
				"addr", nfw_addr_str(ei.addr.addr, a, sizeof(a)), "domains", (int)ei.domains,
				"version", ei.version == NFW_FLOW_IPFIX ? 10 : ei.version == NFW_FLOW_SFLOW ? 5 : ei.version,
				"records", (json_int_t)ei.stats.records, "sequence_lost", (json_int_t)ei.stats.seq_lost,
				"sampling", ei.sampling ? (int)ei.sampling : 1));
		}
	}
	json_object_set_new(in, "dropped", dropped);
	json_object_set_new(in, "exporters", exps);
	json_object_set_new(root, "input", in);
	json_t *arr = json_array();
	for (unsigned i = 0; i < n; i++)
		json_array_append_new(arr, nfw_finding_to_json(&f[i]));
	json_object_set_new(root, "findings", arr);
	return root;
}
