/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_REPORT_H
#define NFW_REPORT_H

/*
 * nfw_report: output of flow records (line, csv, json, ndjson) and of the
 * decoder statistics (aligned text for people, JSON via jansson).
 *
 * Record JSON uses the field names analysts' tools already read:
 * src_ip, dst_ip, src_port, dst_port, protocol, bytes, packets, start, end
 * (RFC 3339 UTC with milliseconds), start_ms / end_ms (Unix ms), tcp_flags,
 * in_if, out_if, src_as, dst_as, next_hop, direction, end_reason, tos,
 * exporter, exporter_port, domain, version, sampling, rate_unknown.
 */

#include <stdio.h>

#include <jansson.h>

#include "nfw_decode.h"
#include "nfw_detect.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nfw_out_fmt {
	NFW_OUT_LINE,
	NFW_OUT_CSV,
	NFW_OUT_JSON,
	NFW_OUT_NDJSON,
};

/** "line", "csv", "json", "ndjson" -> enum; -1 when unknown. */
int nfw_out_fmt_parse(const char *s);

struct nfw_flow_writer;

/** Start writing records to fp (the header line for csv / line, '[' for json). NULL on ENOMEM. */
struct nfw_flow_writer *nfw_flow_writer_open(FILE *fp, enum nfw_out_fmt fmt);
void nfw_flow_writer_put(struct nfw_flow_writer *w, const struct nfw_flow *f);
/** Finish (']' for json) and free; NULL is accepted. Returns the records written. */
unsigned long long nfw_flow_writer_close(struct nfw_flow_writer *w);

/** One record as a new JSON object (NULL on ENOMEM). */
json_t *nfw_flow_to_json(const struct nfw_flow *f);

/** Protocol name ("TCP", "UDP", ... or the number) into buf. */
const char *nfw_proto_str(unsigned proto, char *buf, size_t len);

/** RFC 3339 UTC with milliseconds ("2026-01-15T14:00:00.123Z") into buf. */
const char *nfw_time_str(unsigned long long ms, char *buf, size_t len);

/** Decoder counters as JSON: drops by reason only where non-zero. */
json_t *nfw_decode_stats_to_json(const struct nfw_decode_stats *s);

/** Everything `--stats` shows, as JSON: totals, per exporter, templates. */
json_t *nfw_decode_report_json(const struct nfw_decode *d);

/** The same as aligned text. */
void nfw_decode_report_text(FILE *fp, const struct nfw_decode *d);

/** The detectors' counters as JSON, every one by its name. */
json_t *nfw_detect_stats_to_json(const struct nfw_detect_stats *s);

/** The non-zero ones on one line: "detection counters: flows 12, ...". */
void nfw_detect_stats_text(FILE *fp, const struct nfw_detect_stats *s);

/** One finding as in shared/spec/FINDINGS.md. */
json_t *nfw_finding_to_json(const struct nfw_finding *f);

/**
 * The findings report (shared/spec/findings.schema.json): generator,
 * window, input (packets, records, drops by reason, exporters from the
 * decoder, which may be NULL), findings in priority order.
 */
json_t *nfw_findings_report(const struct nfw_finding *f, unsigned n, uint64_t start_ms,
			    uint64_t end_ms, uint64_t packets, uint64_t records,
			    const struct nfw_decode *d);

#ifdef __cplusplus
}
#endif

#endif /* NFW_REPORT_H */
