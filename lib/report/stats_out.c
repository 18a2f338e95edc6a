/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoder statistics for people (aligned text) and programs (JSON). Both
 * are built from the same counters and the same drop-reason list, so they
 * cannot disagree.
 */
#include <inttypes.h>
#include <string.h>

#include "nfw_report.h"

/* Scalar counters in display order: name, offset. */
#define STAT_FIELDS(X) \
	X(datagrams) X(decoded) X(records) X(options_records) X(messages) \
	X(sets_deferred) X(sets_replayed) X(sets_pending) \
	X(templates_added) X(templates_updated) X(templates_refreshed) X(templates_withdrawn) \
	X(templates_active) X(seq_lost) X(seq_reordered) X(seq_restarts) X(seq_resync) \
	X(sampling_updates) X(sampled_records) X(rate_unknown_records) \
	X(sflow_flow_samples) X(sflow_counter_samples) X(sflow_discard_samples) \
	X(sflow_unparsed_samples) X(padding_bytes) X(shuffled_records)

static json_t *
drops_json(const uint64_t *arr)
{
	json_t *o = json_object();
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		if (arr[r] != 0)
			json_object_set_new(o, nfw_drop_reason_str(r), json_integer((json_int_t)arr[r]));
	return o;
}

static uint64_t
sum(const uint64_t *arr)
{
	uint64_t s = 0;
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		s += arr[r];
	return s;
}

json_t *
nfw_decode_stats_to_json(const struct nfw_decode_stats *s)
{
	json_t *o = json_object();
#define X(f) json_object_set_new(o, #f, json_integer((json_int_t)s->f));
	STAT_FIELDS(X)
#undef X
	json_object_set_new(o, "dropped_total", json_integer((json_int_t)sum(s->dropped)));
	json_object_set_new(o, "dropped", drops_json(s->dropped));
	json_object_set_new(o, "set_dropped", drops_json(s->set_dropped));
	json_object_set_new(o, "record_dropped", drops_json(s->rec_dropped));
	return o;
}

static const char *
version_str(unsigned v)
{
	switch (v) {
	case NFW_FLOW_V5: return "v5";
	case NFW_FLOW_V9: return "v9";
	case NFW_FLOW_IPFIX: return "ipfix";
	case NFW_FLOW_SFLOW: return "sflow5";
	default: return "-";
	}
}

struct tpl_walk {
	json_t *arr;
	FILE *fp;
	const struct nfw_decode *d;
};

static int
tpl_cb(const struct nfw_template_info *t, void *arg)
{
	struct tpl_walk *w = arg;
	struct nfw_exporter_info ei;
	char a[64];

	if (nfw_decode_exporter_get(w->d, t->exporter_idx, &ei) != 0)
		return 0;
	nfw_addr_str(ei.addr.addr, a, sizeof(a));
	if (w->arr != NULL) {
		json_array_append_new(w->arr,
			json_pack("{s:s, s:i, s:I, s:i, s:s, s:i, s:i, s:i, s:I}", "exporter", a,
				  "exporter_port", (int)ei.addr.port, "domain", (json_int_t)t->domain,
				  "id", (int)t->id, "kind", t->options ? "options" : "data",
				  "fields", (int)t->fields, "scope_fields", (int)t->scope_fields,
				  "record_len", (int)t->record_len, "records", (json_int_t)t->records));
	} else {
		fprintf(w->fp, "  %-39s %5u %10u %6u %-7s %6u %5u %7u %12" PRIu64 "\n", a,
			ei.addr.port, t->domain, t->id, t->options ? "options" : "data", t->fields,
			t->scope_fields, t->record_len, t->records);
	}
	return 0;
}

json_t *
nfw_decode_report_json(const struct nfw_decode *d)
{
	struct nfw_decode_stats tot;
	json_t *root = json_object();
	json_t *exps = json_array();
	char a[64], t1[40], t2[40];

	nfw_decode_stats_total(d, &tot);
	json_object_set_new(root, "total", nfw_decode_stats_to_json(&tot));
	for (unsigned i = 0; i < nfw_decode_exporter_count(d); i++) {
		struct nfw_exporter_info ei;
		if (nfw_decode_exporter_get(d, i, &ei) != 0)
			continue;
		json_t *e = nfw_decode_stats_to_json(&ei.stats);
		json_object_set_new(e, "addr", json_string(nfw_addr_str(ei.addr.addr, a, sizeof(a))));
		json_object_set_new(e, "port", json_integer(ei.addr.port));
		json_object_set_new(e, "version", json_string(version_str(ei.version)));
		json_object_set_new(e, "domains", json_integer(ei.domains));
		json_object_set_new(e, "sampling", json_integer(ei.sampling));
		json_object_set_new(e, "first_seen", json_string(nfw_time_str(ei.first_ms, t1, sizeof(t1))));
		json_object_set_new(e, "last_seen", json_string(nfw_time_str(ei.last_ms, t2, sizeof(t2))));
		json_array_append_new(exps, e);
	}
	json_object_set_new(root, "exporters", exps);
	struct tpl_walk w = { .arr = json_array(), .d = d };
	nfw_decode_templates_walk(d, tpl_cb, &w);
	json_object_set_new(root, "templates", w.arr);
	return root;
}

static void
drops_text(FILE *fp, const char *title, const uint64_t *arr)
{
	if (sum(arr) == 0)
		return;
	fprintf(fp, "    %s:", title);
	for (unsigned r = 0; r < NFW_DROP__MAX; r++)
		if (arr[r] != 0)
			fprintf(fp, " %s=%" PRIu64, nfw_drop_reason_str(r), arr[r]);
	fputc('\n', fp);
}

static void
stats_text(FILE *fp, const struct nfw_decode_stats *s)
{
	fprintf(fp, "    datagrams %" PRIu64 " = decoded %" PRIu64 " + dropped %" PRIu64 "\n",
		s->datagrams, s->decoded, sum(s->dropped));
	drops_text(fp, "dropped", s->dropped);
	fprintf(fp, "    records %" PRIu64 ", options records %" PRIu64 ", IPFIX messages %" PRIu64
		"\n", s->records, s->options_records, s->messages);
	drops_text(fp, "sets dropped", s->set_dropped);
	drops_text(fp, "records dropped", s->rec_dropped);
	fprintf(fp, "    sets deferred %" PRIu64 ", replayed %" PRIu64 ", pending %" PRIu64 "\n",
		s->sets_deferred, s->sets_replayed, s->sets_pending);
	fprintf(fp, "    templates: active %" PRIu64 ", added %" PRIu64 ", updated %" PRIu64
		", refreshed %" PRIu64 ", withdrawn %" PRIu64 "\n", s->templates_active,
		s->templates_added, s->templates_updated, s->templates_refreshed,
		s->templates_withdrawn);
	fprintf(fp, "    sequence: lost %" PRIu64 ", reordered %" PRIu64 ", restarts %" PRIu64
		", resync %" PRIu64 "\n", s->seq_lost, s->seq_reordered, s->seq_restarts,
		s->seq_resync);
	fprintf(fp, "    sampling: announcements %" PRIu64 ", scaled records %" PRIu64
		", rate unknown %" PRIu64 "\n", s->sampling_updates, s->sampled_records,
		s->rate_unknown_records);
	if (s->sflow_flow_samples + s->sflow_counter_samples + s->sflow_discard_samples +
	    s->sflow_unparsed_samples > 0)
		fprintf(fp, "    sflow samples: flow %" PRIu64 ", counter %" PRIu64 ", discard %" PRIu64
			", unparsed %" PRIu64 "\n", s->sflow_flow_samples, s->sflow_counter_samples,
			s->sflow_discard_samples, s->sflow_unparsed_samples);
}

void
nfw_decode_report_text(FILE *fp, const struct nfw_decode *d)
{
	struct nfw_decode_stats tot;
	char a[64];

	nfw_decode_stats_total(d, &tot);
	fprintf(fp, "Exporters: %u\n", nfw_decode_exporter_count(d));
	for (unsigned i = 0; i < nfw_decode_exporter_count(d); i++) {
		struct nfw_exporter_info ei;
		if (nfw_decode_exporter_get(d, i, &ei) != 0)
			continue;
		fprintf(fp, "  %s port %u  %s  domains %u  sampling %u\n",
			nfw_addr_str(ei.addr.addr, a, sizeof(a)), ei.addr.port, version_str(ei.version),
			ei.domains, ei.sampling);
		stats_text(fp, &ei.stats);
	}
	fprintf(fp, "Total:\n");
	stats_text(fp, &tot);
	if (tot.templates_active > 0) {
		fprintf(fp, "Templates:\n  %-39s %5s %10s %6s %-7s %6s %5s %7s %12s\n", "exporter",
			"port", "domain", "id", "kind", "fields", "scope", "reclen", "records");
		struct tpl_walk w = { .fp = fp, .d = d };
		nfw_decode_templates_walk(d, tpl_cb, &w);
	}
}

json_t *
nfw_detect_stats_to_json(const struct nfw_detect_stats *s)
{
	json_t *o = json_object();
	for (unsigned i = 0; i < nfw_detect_stat_count(); i++)
		json_object_set_new(o, nfw_detect_stat_name(i), json_integer((json_int_t)nfw_detect_stat_value(s, i)));
	return o;
}

void
nfw_detect_stats_text(FILE *fp, const struct nfw_detect_stats *s)
{
	fprintf(fp, "detection counters:");
	for (unsigned i = 0, k = 0; i < nfw_detect_stat_count(); i++)
		if (nfw_detect_stat_value(s, i) != 0)
			fprintf(fp, "%s %s %" PRIu64, k++ ? "," : "", nfw_detect_stat_name(i), nfw_detect_stat_value(s, i));
	fprintf(fp, "\n");
}
