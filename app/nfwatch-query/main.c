/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-query: the offline tool. Today it decodes captures and raw export
 * payload files and prints the records and the per-exporter statistics;
 * later issues add filters, aggregation, flow segments and reports.
 *
 *   nfwatch-query -r FILE [-r FILE ...] [-o line|csv|json|ndjson] [--stats[=json]]
 *                 [-q] [--exporter ADDR[:PORT]]
 *
 * All files share one decoder context, in order, so templates sent in one
 * file decode data in the next (vendor samples often come split that way).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nfw_capture.h"
#include "nfw_decode.h"
#include "nfw_report.h"

#define MAX_FILES 256

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: nfwatch-query -r FILE [-r FILE ...] [options]\n"
		"  -r, --read FILE        pcap / pcapng capture, or raw export payloads\n"
		"                         (.hex lines, back-to-back v5 / v9 / IPFIX / sFlow)\n"
		"  -o, --output FMT       records as line (default), csv, json or ndjson\n"
		"  -q, --quiet            no records (with --stats: statistics only)\n"
		"      --stats[=json]     per-exporter statistics after the records\n"
		"      --exporter A[:P]   exporter address for raw payload files (default 0.0.0.0:0)\n"
		"  -h, --help             this text\n");
}

static int
parse_exporter(const char *s, struct nfw_exporter_addr *out)
{
	char buf[80];
	const char *port = NULL;
	struct in_addr a4;
	struct in6_addr a6;

	memset(out, 0, sizeof(*out));
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	char *host = buf;
	if (buf[0] == '[') {
		char *e = strchr(buf, ']');
		if (e == NULL)
			return -EINVAL;
		*e = '\0';
		host = buf + 1;
		if (e[1] == ':')
			port = e + 2;
	} else {
		char *c = strchr(buf, ':');
		if (c != NULL && strchr(c + 1, ':') == NULL) {
			*c = '\0';
			port = c + 1;
		}
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		nfw_exporter_addr_set4(out, ntohl(a4.s_addr));
	else if (inet_pton(AF_INET6, host, &a6) == 1)
		memcpy(out->addr, &a6, 16);
	else
		return -EINVAL;
	if (port != NULL) {
		char *end;
		long p = strtol(port, &end, 10);
		if (*port == '\0' || *end != '\0' || p < 0 || p > 65535)
			return -EINVAL;
		out->port = (uint16_t)p;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stats", optional_argument, NULL, 's' },
		{ "exporter", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *files[MAX_FILES];
	unsigned nfiles = 0;
	int fmt = NFW_OUT_LINE;
	int quiet = 0, stats = 0; /* stats: 1 text, 2 json */
	struct nfw_exporter_addr raw_src;
	int c, rc = 0;

	memset(&raw_src, 0, sizeof(raw_src));
	nfw_exporter_addr_set4(&raw_src, 0);
	while ((c = getopt_long(argc, argv, "r:o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (nfiles >= MAX_FILES) {
				fprintf(stderr, "nfwatch-query: at most %d input files\n", MAX_FILES);
				return 2;
			}
			files[nfiles++] = optarg;
			break;
		case 'o':
			fmt = nfw_out_fmt_parse(optarg);
			if (fmt < 0) {
				fprintf(stderr, "nfwatch-query: unknown output format '%s' "
						"(line, csv, json, ndjson)\n", optarg);
				return 2;
			}
			break;
		case 'q':
			quiet = 1;
			break;
		case 's':
			if (optarg == NULL || strcmp(optarg, "text") == 0) {
				stats = 1;
			} else if (strcmp(optarg, "json") == 0) {
				stats = 2;
			} else {
				fprintf(stderr, "nfwatch-query: --stats takes text or json\n");
				return 2;
			}
			break;
		case 'e':
			if (parse_exporter(optarg, &raw_src) != 0) {
				fprintf(stderr, "nfwatch-query: bad exporter address '%s'\n", optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || nfiles == 0) {
		usage(stderr);
		return 2;
	}

	struct nfw_decode *d = nfw_decode_create(NULL);
	if (d == NULL) {
		fprintf(stderr, "nfwatch-query: decoder: %s\n", strerror(errno));
		return 1;
	}
	struct nfw_flow_writer *w = NULL;
	if (!quiet) {
		w = nfw_flow_writer_open(stdout, (enum nfw_out_fmt)fmt);
		if (w == NULL) {
			fprintf(stderr, "nfwatch-query: out of memory\n");
			nfw_decode_free(d);
			return 1;
		}
	}
	struct nfw_capture_stats cap_tot;
	memset(&cap_tot, 0, sizeof(cap_tot));
	for (unsigned i = 0; i < nfiles; i++) {
		char err[512];
		struct nfw_capture *cap = nfw_capture_open(files[i], &raw_src, err, sizeof(err));
		if (cap == NULL) {
			fprintf(stderr, "nfwatch-query: %s\n", err);
			rc = 1;
			continue;
		}
		struct nfw_capture_pkt pkt;
		int crc;
		while ((crc = nfw_capture_next(cap, &pkt)) == 1) {
			unsigned n;
			const struct nfw_flow *recs =
				nfw_decode_datagram(d, pkt.payload, pkt.len, &pkt.src, pkt.ts_ms, &n);
			for (unsigned k = 0; w != NULL && k < n; k++)
				nfw_flow_writer_put(w, &recs[k]);
		}
		if (crc < 0) {
			fprintf(stderr, "nfwatch-query: %s: %s (records before it were read)\n",
				files[i], nfw_capture_error(cap));
			rc = 1;
		}
		struct nfw_capture_stats cs;
		nfw_capture_stats_get(cap, &cs);
		cap_tot.frames += cs.frames;
		cap_tot.payloads += cs.payloads;
		for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
			cap_tot.skipped[r] += cs.skipped[r];
		nfw_capture_close(cap);
	}
	nfw_flow_writer_close(w);

	if (stats == 1) {
		printf("\nCapture: frames %llu, export datagrams %llu", (unsigned long long)cap_tot.frames,
		       (unsigned long long)cap_tot.payloads);
		for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
			if (cap_tot.skipped[r] != 0)
				printf(", skipped %s %llu", nfw_capture_skip_str(r),
				       (unsigned long long)cap_tot.skipped[r]);
		printf("\n");
		nfw_decode_report_text(stdout, d);
	} else if (stats == 2) {
		json_t *o = nfw_decode_report_json(d);
		json_t *cj = json_object();
		json_object_set_new(cj, "frames", json_integer((json_int_t)cap_tot.frames));
		json_object_set_new(cj, "payloads", json_integer((json_int_t)cap_tot.payloads));
		json_t *sk = json_object();
		for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
			if (cap_tot.skipped[r] != 0)
				json_object_set_new(sk, nfw_capture_skip_str(r),
						    json_integer((json_int_t)cap_tot.skipped[r]));
		json_object_set_new(cj, "skipped", sk);
		json_object_set_new(o, "capture", cj);
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	}
	nfw_decode_free(d);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
