/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nfwatch-query: the offline tool. Today it decodes captures and raw export
 * payload files and prints the records and the per-exporter statistics;
 * later issues add filters, aggregation, flow segments and reports.
 *
 *   nfwatch-query -r FILE [-r FILE ...] [-o line|csv|json|ndjson] [--stats[=json]]
 *                 [-q] [--exporter ADDR[:PORT]]
 *   nfwatch-query --listen ADDR:PORT [--idle-exit S] [--max-seconds S] ...
 *   nfwatch-query --flow-file FLOWS.json [--report | --output REPORT.json] ...
 *
 * --listen is a small live collector on a UDP socket (recvmmsg batches),
 * for loopback tests and the side-by-side benchmark with nfcapd and
 * nfacctd; it stops after --idle-exit seconds without a datagram (once one
 * came), after --max-seconds, or on SIGINT / SIGTERM, then prints what
 * --stats asks for. The appliance (app/nfwatch) is the line-rate collector.
 *
 * All files share one decoder context, in order, so templates sent in one
 * file decode data in the next (vendor samples often come split that way).
 * A directory (or a segment file) is read as flow segments written by the
 * appliance: the stitched flows are printed, and damaged blocks are
 * reported with their offset and skipped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nfw_capture.h"
#include "nfw_decode.h"
#include "nfw_report.h"
#include "nfw_store.h"
#include "nfw_detect.h"
#include "nfw_filter.h"
#include "nfw_flowtab.h"
#include "nfw_stat.h"
#include "flowfile.h"
#include "nfdump.h"
#include "meter_input.h"
#include "stored_read.h"

#define MAX_FILES 256

static struct nfw_filter *g_filter; /* NULL: every record */
static uint64_t g_twin_from, g_twin_to; /* -t, ms; g_twin_to 0: no window */
static uint64_t g_max_passed;           /* -c: stop after this many (0: no limit) */
static struct nfw_stat_summary g_sum;   /* nfdump's summary block */
static struct nfd *g_nfd;               /* the nfdump stage, when asked for */
static struct nfw_segw *g_segw;         /* -w DIR: records to segments instead of output */
static volatile sig_atomic_t stop_flag;

/*
 * A progress line on a terminal (stderr) once a run has taken a second:
 * records read, their rate, the time so far; rewritten every half second,
 * wiped at the end. Nothing when stderr is not a terminal.
 */
static bool g_progress;
static uint64_t g_prog_n, g_prog_next = 1u << 16, g_prog_t0, g_prog_last;
static bool g_prog_shown;

static uint64_t
mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void
progress_show(void)
{
	uint64_t now = mono_ms();
	if (now < g_prog_t0 + 1000 || now < g_prog_last + 500)
		return;
	g_prog_last = now;
	double s = (double)(now - g_prog_t0) / 1000.0;
	char n[32], r[32];
	nfw_stat_num(g_prog_n, false, n, sizeof(n));
	nfw_stat_num((uint64_t)((double)g_prog_n / s), false, r, sizeof(r));
	fprintf(stderr, "\rnfwatch-query: %s records read, %s/s, %02u:%02u ", n, r, (unsigned)s / 60, (unsigned)s % 60);
	g_prog_shown = true;
}

static inline void
progress_count(uint64_t n)
{
	g_prog_n += n;
	if (__builtin_expect(g_progress && g_prog_n >= g_prog_next, 0)) {
		g_prog_next = g_prog_n + (1u << 16);
		progress_show();
	}
}

static void
progress_end(void)
{
	if (g_prog_shown)
		fprintf(stderr, "\r\033[K");
	g_prog_shown = false;
}

/*
 * Every record read comes here: it is counted for the summary, then kept
 * when it lies inside the -t window (first and last seen both inside, as
 * nfdump) and matches the filter. -c stops the reading after N kept.
 */
static inline bool
keep(const struct nfw_flow *f)
{
	progress_count(1);
	bool in = g_twin_to == 0 || (f->start_ms >= g_twin_from &&
				     (f->end_ms > f->start_ms ? f->end_ms : f->start_ms) <= g_twin_to);
	bool ok = in && (g_filter == NULL || nfw_filter_match(g_filter, f));
	if (g_max_passed != 0 && g_sum.passed >= g_max_passed) {
		stop_flag = 1;
		return false;
	}
	nfw_stat_summary_read(&g_sum, f, ok);
	return ok;
}

/* a kept record to the output: nfwatch's listing, or the nfdump stage */
static inline void
put_record(struct nfw_flow_writer *w, const struct nfw_flow *f)
{
	if (g_segw != NULL) {
		/* each record as it came: a flow of one record (nfdump -w keeps records too) */
		struct nfw_flow_closed c = { .f = *f, .records = 1, .reason = NFW_FLOW_CLOSE_FLUSH };
		nfw_segw_put(g_segw, &c);
	} else if (g_nfd != NULL)
		nfd_put(g_nfd, f);
	else if (w != NULL)
		nfw_flow_writer_put(w, f);
}

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: nfwatch-query (-r FILE [-r FILE ...] | --listen ADDR:PORT | --flow-file FILE) [options] [FILTER]\n"
		"  FILTER                 nfdump-style expression, e.g. 'proto tcp and dst port 443'\n"
		"                         (records and detectors see only what matches)\n"
		"  -r, --read FILE        pcap / pcapng capture, or raw export payloads\n"
		"                         (.hex lines, back-to-back v5 / v9 / IPFIX / sFlow); a capture\n"
		"                         of ordinary traffic (not exports) is metered into flows\n"
		"      --meter, --no-meter  meter every capture, or read every one as exports\n"
		"      --active S, --inactive S  the meter's timeouts (default 1800 s, 15 s)\n"
		"  -o, --output FMT       records as line (default), csv, json or ndjson\n"
		"  -q, --quiet            no records (with --stats: statistics only)\n"
		"      --stats[=json]     per-exporter statistics after the records\n"
		"      --exporter A[:P]   exporter address for raw payload files (default 0.0.0.0:0)\n"
		"      --listen A:P       collect live from a UDP socket instead of -r files\n"
		"      --flow-file FILE   flow records as JSON (array or lines: nfwatch's own, src_ip/...,\n"
		"                         IPV4_SRC_ADDR/...) instead of -r files\n"
		"      --report FILE      run the detectors, write the findings report (JSON);\n"
		"      --output FILE.json the same (a value that is not a format name)\n"
		"      --detect-config F  detector configuration (home networks, roles, thresholds)\n"
		"      --idle-exit S      with --listen: stop S seconds after the last datagram\n"
		"      --max-seconds S    with --listen: stop after S seconds\n"
		"nfdump's statistics and layouts (nfdump 1.7's meaning):\n"
		"  -R DIR, -M D1:D2       directories of segments or nfdump 1.7 files (nfcapd.*; also as -r)\n"
		"  -s FIELD[:p][/ORDER...] top N by srcip, dstip, ip, srcport, dstport, port, proto,\n"
		"                         srcnet, dstnet, net, srcas, dstas, as, inif, outif, if,\n"
		"                         router, nhip, tos, record (:p: split by protocol too); ORDER\n"
		"                         flows (default), packets, bytes, pps, bps, bpp; several -s at once\n"
		"  -n N                   top N (default 10; 0: all)\n"
		"  -A FIELDS              aggregate on proto, srcip, dstip, srcip4/N, srcip6/N, srcport,\n"
		"                         dstport, srcas, dstas, inif, outif, tos, nexthop, router\n"
		"  -b, -B                 bidirectional aggregation (-B: client -> server);\n"
		"                         -b -A srcip,dstip: one row per host pair\n"
		"  -O ORDER               order records: tstart, tend, flows, packets, bytes, pps, bps, bpp\n"
		"  -c N                   stop after N matching records\n"
		"  -t WINDOW              yyyy/MM/dd.hh:mm:ss[-yyyy/MM/dd.hh:mm:ss] (flows inside it)\n"
		"  -o long|extended|nfline|fmt:%%ts %%sa ...  nfdump's layouts and tokens\n"
		"  -N                     exact numbers (no 1.2 M scaling)\n"
		"  -q                     no header and no summary (with --stats / --report: no records)\n"
		"  -w DIR                 write the records as nfwatch segments (DIR/YYYY/MM/DD/...)\n"
		"      --codec C          with -w: lz4 (default), zstd or none\n"
		"      --agg-limit N      distinct entries an aggregation may hold (default %u)\n"
		"  -h, --help             this text\n", NFW_STAT_DEFAULT_LIMIT);
}

/*
 * -t as nfdump takes it: yyyy/MM/dd.hh:mm:ss[-yyyy/MM/dd.hh:mm:ss], where
 * the seconds, minutes and hours may be left off (taken as 0); local time.
 * A window of one time runs to the end of the data.
 */
static int
parse_time1(const char *s, size_t n, uint64_t *ms)
{
	char buf[40];
	struct tm tm;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(&tm, 0, sizeof(tm));
	int y, mo, d, h = 0, mi = 0, se = 0, k;
	char tail;
	k = sscanf(buf, "%4d/%2d/%2d.%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &se, &tail);
	if (k < 3 || k > 6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 || y < 1970)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return -1;
	*ms = (uint64_t)t * 1000;
	return 0;
}

static int
parse_twin(const char *s, uint64_t *from, uint64_t *to, char *err, size_t errlen)
{
	const char *dash = strchr(s, '-');
	size_t n1 = dash != NULL ? (size_t)(dash - s) : strlen(s);
	if (parse_time1(s, n1, from) != 0 ||
	    (dash != NULL && parse_time1(dash + 1, strlen(dash + 1), to) != 0)) {
		snprintf(err, errlen, "-t '%s': expected yyyy/MM/dd.hh:mm:ss[-yyyy/MM/dd.hh:mm:ss]", s);
		return -1;
	}
	if (dash == NULL)
		*to = UINT64_MAX;
	if (*to < *from) {
		snprintf(err, errlen, "-t '%s': the window ends before it starts", s);
		return -1;
	}
	return 0;
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

static void
on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static uint64_t
now_ms_real(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define LISTEN_BATCH 64

/* Receive and decode until idle, the time bound, or a signal. 0 or 1. */
static int
run_listen(const char *spec, struct nfw_decode *d, struct nfw_flow_writer *w, unsigned idle_s,
	   unsigned max_s, struct nfw_capture_stats *cs)
{
	struct nfw_exporter_addr bind_addr;
	if (parse_exporter(spec, &bind_addr) != 0 || bind_addr.port == 0) {
		fprintf(stderr, "nfwatch-query: --listen takes ADDR:PORT\n");
		return 2;
	}
	bool v4 = nfw_flow_addr_is4(bind_addr.addr);
	int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_storage ss;
	socklen_t sl;
	memset(&ss, 0, sizeof(ss));
	if (v4) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(bind_addr.port);
		memcpy(&a->sin_addr, bind_addr.addr + 12, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(bind_addr.port);
		memcpy(&a->sin6_addr, bind_addr.addr, 16);
		sl = sizeof(*a);
	}
	int rcvbuf = 8 << 20;
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, sl) != 0) {
		fprintf(stderr, "nfwatch-query: listen %s: %s\n", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	fprintf(stderr, "nfwatch-query: listening on %s\n", spec);

	static uint8_t bufs[LISTEN_BATCH][65536];
	struct mmsghdr msgs[LISTEN_BATCH];
	struct iovec iov[LISTEN_BATCH];
	struct sockaddr_storage from[LISTEN_BATCH];
	uint64_t start = now_ms_real(), last = 0;
	while (!stop_flag) {
		uint64_t t = now_ms_real();
		if (max_s > 0 && t - start >= (uint64_t)max_s * 1000)
			break;
		if (idle_s > 0 && last > 0 && t - last >= (uint64_t)idle_s * 1000)
			break;
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		for (int i = 0; i < LISTEN_BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &from[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		int n = recvmmsg(fd, msgs, LISTEN_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			continue;
		t = now_ms_real();
		last = t;
		for (int i = 0; i < n; i++) {
			struct nfw_exporter_addr ex;
			memset(&ex, 0, sizeof(ex));
			if (from[i].ss_family == AF_INET) {
				const struct sockaddr_in *a = (const struct sockaddr_in *)&from[i];
				nfw_exporter_addr_set4(&ex, ntohl(a->sin_addr.s_addr));
				ex.port = ntohs(a->sin_port);
			} else {
				const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&from[i];
				memcpy(ex.addr, &a->sin6_addr, 16);
				ex.port = ntohs(a->sin6_port);
			}
			cs->frames++;
			cs->payloads++;
			unsigned k;
			const struct nfw_flow *recs = nfw_decode_datagram(d, bufs[i], msgs[i].msg_len, &ex, t, &k);
			for (unsigned j = 0; j < k; j++)
				if (keep(&recs[j]))
					put_record(w, &recs[j]);
		}
	}
	close(fd);
	return 0;
}

/* --report: records are stitched into sessions (a flow table), sessions go to the detectors */
struct detect_pipe {
	struct nfw_flowtab *ft;
	struct nfw_detect *det;
	uint64_t first_ms, last_ms;
	uint64_t sessions;
};

static void
detect_session(const struct nfw_flow *f, struct detect_pipe *p)
{
	if (p->first_ms == 0 || f->start_ms < p->first_ms)
		p->first_ms = f->start_ms;
	if (f->end_ms > p->last_ms)
		p->last_ms = f->end_ms;
	p->sessions++;
	nfw_detect_add(p->det, f);
}

static void
on_closed(const struct nfw_flow_closed *c, void *arg)
{
	detect_session(&c->f, arg);
}

struct flow_sink {
	struct nfw_flow_writer *w;
	struct detect_pipe *dp;
};

/* a record read (stored, from a flow file, metered): the filter, the output, the detectors (sessions as they are,
 * records stitched) */
static void
on_stored(const struct nfw_flow *f, bool session, void *arg)
{
	struct flow_sink *k = arg;
	if (!keep(f))
		return;
	put_record(k->w, f);
	if (k->dp != NULL) {
		if (session)
			detect_session(f, k->dp);
		else
			nfw_flowtab_add(k->dp->ft, f);
	}
}

/* a record as an exporter would send it (a flow file, the meter) */
static void
on_file_flow(const struct nfw_flow *f, void *arg)
{
	on_stored(f, false, arg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "read", required_argument, NULL, 'r' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "stats", optional_argument, NULL, 'S' },
		{ "exporter", required_argument, NULL, 'e' },
		{ "listen", required_argument, NULL, 'l' },
		{ "report", required_argument, NULL, 'p' },
		{ "flow-file", required_argument, NULL, 'F' },
		{ "detect-config", required_argument, NULL, 'C' },
		{ "idle-exit", required_argument, NULL, 'I' },
		{ "max-seconds", required_argument, NULL, 'X' },
		{ "agg-limit", required_argument, NULL, 'L' },
		{ "codec", required_argument, NULL, 'Z' },
		{ "meter", no_argument, NULL, 1001 },
		{ "no-meter", no_argument, NULL, 1002 },
		{ "active", required_argument, NULL, 1003 },
		{ "inactive", required_argument, NULL, 1004 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *files[MAX_FILES];
	unsigned nfiles = 0;
	int fmt = NFW_OUT_LINE;
	int quiet = 0, stats = 0; /* stats: 1 text, 2 json */
	struct nfw_exporter_addr raw_src;
	const char *listen_spec = NULL, *report = NULL, *detect_cfg = NULL, *flow_file = NULL;
	unsigned idle_s = 0, max_s = 0;
	int c, rc = 0;
	struct nfd_opts nopt = { .order = -1, .topn = 10 };
	bool nfdump_mode = false, bidir = false, bidir_guess = false;
	const char *agg_list = NULL, *time_win = NULL, *write_dir = NULL;
	int codec = NFW_SEG_CODEC_LZ4;
	char oerr[512];
	int meter_mode = -1; /* -1: by what each capture holds, 0: --no-meter, 1: --meter */
	struct nfw_meter_config mcfg;
	nfw_meter_config_default(&mcfg);

	memset(&raw_src, 0, sizeof(raw_src));
	nfw_exporter_addr_set4(&raw_src, 0);
	while ((c = getopt_long(argc, argv, "r:R:M:o:qhs:A:bBO:c:n:Nt:w:", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'R':
			if (nfiles >= MAX_FILES) {
				fprintf(stderr, "nfwatch-query: at most %d input files\n", MAX_FILES);
				return 2;
			}
			files[nfiles++] = optarg;
			break;
		case 'M': {
			/* nfdump's -M /base/dir1:dir2: directories beside the first one */
			static char paths[MAX_FILES][512];
			const char *colon = strchr(optarg, ':');
			const char *slash = strrchr(optarg, '/');
			size_t base = slash != NULL && (colon == NULL || slash < colon) ? (size_t)(slash - optarg) + 1 : 0;
			const char *p = optarg;
			for (bool first = true; *p != '\0' || first; first = false) {
				size_t n = strcspn(p, ":");
				if (nfiles >= MAX_FILES || n + base >= sizeof(paths[0])) {
					fprintf(stderr, "nfwatch-query: -M: too many or too long directories\n");
					return 2;
				}
				if (first)
					snprintf(paths[nfiles], sizeof(paths[0]), "%.*s", (int)n, p);
				else
					snprintf(paths[nfiles], sizeof(paths[0]), "%.*s%.*s", (int)base, optarg, (int)n, p);
				files[nfiles] = paths[nfiles];
				nfiles++;
				p += n;
				if (*p == ':')
					p++;
				if (*p == '\0')
					break;
			}
			break;
		}
		case 'o': {
			/* -o FMT: the records' format; long, extended and fmt:... are nfdump's
			 * layouts; --output REPORT.json (anything that is not a format name,
			 * with a dot or a slash) is the findings report */
			int f2 = nfw_out_fmt_parse(optarg);
			if (f2 >= 0) {
				fmt = f2;
			} else if (strcmp(optarg, "long") == 0 || strcmp(optarg, "extended") == 0 ||
				   strcmp(optarg, "nfline") == 0 || strncmp(optarg, "fmt:", 4) == 0) {
				nopt.fmt = strcmp(optarg, "nfline") == 0 ? "line" : optarg;
				nfdump_mode = true;
			} else if (strchr(optarg, '.') != NULL || strchr(optarg, '/') != NULL) {
				report = optarg;
			} else {
				fprintf(stderr, "nfwatch-query: unknown output format '%s' (line, long, extended, "
						"csv, json, ndjson, fmt:...; or a report file name)\n", optarg);
				return 2;
			}
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 's':
			if (nopt.nstats == NFD_MAX_STATS) {
				fprintf(stderr, "nfwatch-query: at most %d -s statistics\n", NFD_MAX_STATS);
				return 2;
			}
			if (nfw_stat_spec_parse(optarg, &nopt.stats[nopt.nstats], oerr, sizeof(oerr)) != 0) {
				fprintf(stderr, "nfwatch-query: %s\n", oerr);
				return 2;
			}
			nopt.nstats++;
			nfdump_mode = true;
			break;
		case 'A':
			agg_list = optarg;
			nfdump_mode = true;
			break;
		case 'b':
		case 'B':
			bidir = true;
			bidir_guess |= c == 'B';
			nfdump_mode = true;
			break;
		case 'O': {
			int o = nfw_stat_order_parse(optarg);
			if (o < 0) {
				fprintf(stderr, "nfwatch-query: -O: unknown order '%s' (tstart, tend, flows, packets, "
						"bytes, pps, bps, bpp)\n", optarg);
				return 2;
			}
			nopt.order = o;
			nfdump_mode = true;
			break;
		}
		case 'c':
		case 'n':
		case 'L': {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(optarg, &end, 10);
			if (*optarg == '\0' || *optarg == '-' || *end != '\0' || errno != 0 ||
			    (c == 'L' && (v == 0 || v > (1u << 30)))) {
				fprintf(stderr, "nfwatch-query: -%s takes a number%s, not '%s'\n",
					c == 'L' ? "-agg-limit" : c == 'c' ? "c" : "n",
					c == 'L' ? " of entries, 1..1073741824" : "", optarg);
				return 2;
			}
			if (c == 'c')
				g_max_passed = v;
			else if (c == 'n')
				nopt.topn = (size_t)v, nopt.topn_given = true;
			else
				nopt.limit = (size_t)v;
			break;
		}
		case 'N':
			nopt.exact = true;
			break;
		case 'w':
			write_dir = optarg;
			break;
		case 'Z':
			codec = nfw_seg_codec_parse(optarg);
			if (codec < 0) {
				fprintf(stderr, "nfwatch-query: --codec takes lz4, zstd or none\n");
				return 2;
			}
			break;
		case 't':
			time_win = optarg;
			break;
		case 'S':
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
		case 'l':
			listen_spec = optarg;
			break;
		case 'p':
			report = optarg;
			break;
		case 'C':
			detect_cfg = optarg;
			break;
		case 'F':
			flow_file = optarg;
			break;
		case 'I':
		case 'X': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 || v > 86400) {
				fprintf(stderr, "nfwatch-query: --%s takes 0..86400 seconds\n",
					c == 'I' ? "idle-exit" : "max-seconds");
				return 2;
			}
			if (c == 'I')
				idle_s = (unsigned)v;
			else
				max_s = (unsigned)v;
			break;
		}
		case 1001:
		case 1002:
			meter_mode = c == 1001;
			break;
		case 1003:
		case 1004: {
			char *end;
			double v = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(v >= 1 && v <= 604800)) {
				fprintf(stderr, "nfwatch-query: --%s takes 1..604800 seconds\n",
					c == 1003 ? "active" : "inactive");
				return 2;
			}
			if (c == 1003)
				mcfg.active_s = v;
			else
				mcfg.inactive_s = v;
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if ((nfiles > 0) + (listen_spec != NULL) + (flow_file != NULL) != 1) {
		usage(stderr);
		return 2;
	}
	if (time_win != NULL && parse_twin(time_win, &g_twin_from, &g_twin_to, oerr, sizeof(oerr)) != 0) {
		fprintf(stderr, "nfwatch-query: %s\n", oerr);
		return 2;
	}
	if (agg_list != NULL) {
		/* with -b, which nfdump refuses with -A: -b -A srcip,dstip is a host pair */
		if (nfw_stat_keydef_parse(agg_list, &nopt.kd, oerr, sizeof(oerr)) != 0) {
			fprintf(stderr, "nfwatch-query: %s\n", oerr);
			return 2;
		}
	} else {
		nopt.kd = (struct nfw_stat_keydef){ .fields = NFW_STAT_K_5TUPLE, .src_mask4 = 32, .dst_mask4 = 32,
						    .src_mask6 = 128, .dst_mask6 = 128 };
	}
	if (bidir) {
		uint32_t sd = NFW_STAT_K_SRCIP | NFW_STAT_K_DSTIP, pp = NFW_STAT_K_SRCPORT | NFW_STAT_K_DSTPORT;
		uint32_t fl = nopt.kd.fields;
		if ((fl & sd) != 0 && (fl & sd) != sd) {
			fprintf(stderr, "nfwatch-query: -b/-B: aggregate on both srcip and dstip (a pair of hosts), "
					"or on neither\n");
			return 2;
		}
		if ((fl & pp) != 0 && (fl & pp) != pp) {
			fprintf(stderr, "nfwatch-query: -b/-B: aggregate on both srcport and dstport, or on neither\n");
			return 2;
		}
		nopt.kd.bidir = bidir_guess ? NFW_STAT_BIDIR_GUESS : NFW_STAT_BIDIR;
	}
	/* -A with -s ELEMENT only: nfdump ignores the aggregation there; with -s record it is the key */
	nopt.agg = agg_list != NULL || bidir;
	if (nopt.agg && nopt.nstats > 0) {
		bool rec = false;
		for (unsigned i = 0; i < nopt.nstats; i++)
			rec |= nopt.stats[i].elem == NFW_STAT_E_RECORD;
		if (!rec && !bidir) {
			fprintf(stderr, "nfwatch-query: note: -A is ignored for element statistics (as nfdump)\n");
			nopt.agg = false;
		}
	}
	if (nfdump_mode) {
		nopt.quiet = quiet;
		nopt.csv = fmt == NFW_OUT_CSV;
		nopt.json = fmt == NFW_OUT_JSON || fmt == NFW_OUT_NDJSON;
		if (nopt.fmt != NULL && (nopt.csv || nopt.json))
			nopt.csv = nopt.json = false;
	}
	if (optind < argc) { /* the filter: the remaining words, joined as nfdump does */
		char expr[NFW_FILTER_MAX_LEN + 2] = "", ferr[256];
		size_t used = 0;
		for (int i = optind; i < argc; i++) {
			int k = snprintf(expr + used, sizeof(expr) - used, "%s%s", i > optind ? " " : "", argv[i]);
			if (k < 0 || (size_t)k >= sizeof(expr) - used) {
				fprintf(stderr, "nfwatch-query: filter: longer than %d characters\n", NFW_FILTER_MAX_LEN);
				return 2;
			}
			used += (size_t)k;
		}
		g_filter = nfw_filter_compile(expr, ferr, sizeof(ferr));
		if (g_filter == NULL) {
			fprintf(stderr, "nfwatch-query: %s\n", ferr);
			return 2;
		}
	}
	bool filtering = g_filter != NULL || g_twin_to != 0 || g_max_passed != 0;
	/* -q: nfdump's quiet (no header, no summary); with --stats or --report and no
	 * nfdump product it keeps its older meaning: no records at all */
	if (quiet && !nfdump_mode && stats == 0 && report == NULL)
		quiet = 0, nopt.quiet = true, nfdump_mode = false;
	if (write_dir != NULL) {
		if (nfdump_mode) {
			fprintf(stderr, "nfwatch-query: -w writes records; run -s, -A, -O or -o on what it wrote\n");
			return 2;
		}
		struct nfw_segw_params wp = { .dir = write_dir, .codec = (uint8_t)codec };
		g_segw = nfw_segw_open(&wp, oerr, sizeof(oerr));
		if (g_segw == NULL) {
			fprintf(stderr, "nfwatch-query: -w %s: %s\n", write_dir, oerr);
			return 1;
		}
		quiet = 1;
	}
	if (nfdump_mode) {
		g_nfd = nfd_create(&nopt, stdout, oerr, sizeof(oerr));
		if (g_nfd == NULL) {
			fprintf(stderr, "nfwatch-query: %s\n", oerr);
			return 2;
		}
		quiet = 1; /* nfwatch's own listing is off */
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
	struct detect_pipe dp = { 0 };
	struct nfw_detect_stats dstats; /* the detectors' counters, for --stats */
	bool have_dstats = false;
	if (report != NULL) {
		struct nfw_detect_config dc;
		char derr[512];
		nfw_detect_config_default(&dc);
		if (detect_cfg != NULL && nfw_detect_config_load(&dc, detect_cfg, derr, sizeof(derr)) != 0) {
			fprintf(stderr, "nfwatch-query: %s\n", derr);
			nfw_flow_writer_close(w);
			nfw_decode_free(d);
			return 2;
		}
		struct nfw_flowtab_params fp = { .max_flows = 1u << 20, .emit = on_closed, .emit_arg = &dp };
		dp.ft = nfw_flowtab_create(&fp);
		dp.det = nfw_detect_create(&dc);
		if (dp.ft == NULL || dp.det == NULL) {
			fprintf(stderr, "nfwatch-query: detectors: out of memory\n");
			return 1;
		}
	}
	struct nfw_capture_stats cap_tot;
	memset(&cap_tot, 0, sizeof(cap_tot));
	g_progress = isatty(STDERR_FILENO) && getenv("NFW_NO_PROGRESS") == NULL;
	g_prog_t0 = mono_ms();
	if (listen_spec != NULL) {
		rc = run_listen(listen_spec, d, w, idle_s, max_s, &cap_tot);
		if (rc == 2) {
			nfw_flow_writer_close(w);
			nfw_decode_free(d);
			return 2;
		}
	}
	struct stored_stats segs = { 0 };
	struct flow_sink ssink = { .w = w, .dp = report != NULL ? &dp : NULL };
	uint64_t file_flows = 0;
	if (flow_file != NULL) {
		struct flow_sink sink = { .w = w, .dp = report != NULL ? &dp : NULL };
		struct flowfile_stats fst;
		char ferr[512];
		if (flowfile_read(flow_file, on_file_flow, &sink, &fst, ferr, sizeof(ferr)) != 0) {
			fprintf(stderr, "nfwatch-query: %s\n", ferr);
			rc = 1;
		} else if (fst.skipped > 0) {
			fprintf(stderr, "nfwatch-query: %s: %llu records read, %llu skipped\n", flow_file,
				(unsigned long long)fst.records, (unsigned long long)fst.skipped);
		}
		file_flows = fst.records;
	}
	struct nfw_meter *meter = NULL;
	struct flow_sink msink = { .w = w, .dp = report != NULL ? &dp : NULL };
	struct nfw_meter_stats mst = { 0 };
	for (unsigned i = 0; i < nfiles; i++) {
		char err[512];
		struct stat sb;
		if (stat(files[i], &sb) == 0 && (S_ISDIR(sb.st_mode) || stored_file(files[i]))) {
			unsigned found = 0;
			int n = stored_read(files[i], on_stored, &ssink, &stop_flag, &segs, &found);
			if (n < 0) {
				fprintf(stderr, "nfwatch-query: %s: %s\n", files[i], strerror(-n));
				rc = 1;
			}
			if (S_ISDIR(sb.st_mode) && n == 0 && found == 0)
				fprintf(stderr, "nfwatch-query: %s: no segment files and no nfdump files\n", files[i]);
			continue;
		}
		int meter_this = meter_mode;
		if (meter_this < 0) {
			int e = nfw_capture_holds_exports(files[i], err, sizeof(err));
			if (e < 0) {
				fprintf(stderr, "nfwatch-query: %s\n", err);
				rc = 1;
				continue;
			}
			meter_this = e == 0;
			if (meter_this)
				fprintf(stderr, "nfwatch-query: %s: packets, not exports: metered into flows (active %g s, "
					"inactive %g s; --no-meter reads it as exports)\n", files[i], mcfg.active_s,
					mcfg.inactive_s);
		}
		if (meter_this) {
			if (meter == NULL) { /* one meter for every file: a capture split in files continues */
				mcfg.emit = on_file_flow;
				mcfg.emit_arg = &msink;
				meter = nfw_meter_create(&mcfg);
				if (meter == NULL) {
					fprintf(stderr, "nfwatch-query: meter: %s\n", strerror(errno));
					return 1;
				}
			}
			if (meter_capture(meter, files[i], &cap_tot, &stop_flag, err, sizeof(err)) != 0) {
				fprintf(stderr, "nfwatch-query: %s\n", err);
				rc = 1;
			}
			continue;
		}
		struct nfw_capture *cap = nfw_capture_open(files[i], &raw_src, err, sizeof(err));
		if (cap == NULL) {
			fprintf(stderr, "nfwatch-query: %s\n", err);
			rc = 1;
			continue;
		}
		struct nfw_capture_pkt pkt;
		int crc = 1;
		while (!stop_flag && (crc = nfw_capture_next(cap, &pkt)) == 1) {
			unsigned n;
			const struct nfw_flow *recs =
				nfw_decode_datagram(d, pkt.payload, pkt.len, &pkt.src, pkt.ts_ms, &n);
			if (filtering) {
				for (unsigned k = 0; k < n; k++)
					if (keep(&recs[k])) {
						put_record(w, &recs[k]);
						if (dp.ft != NULL)
							nfw_flowtab_add(dp.ft, &recs[k]);
					}
				continue;
			}
			progress_count(n);
			for (unsigned k = 0; k < n; k++) {
				if (g_nfd != NULL) /* only the nfdump stage prints a summary */
					nfw_stat_summary_read(&g_sum, &recs[k], true);
				put_record(w, &recs[k]);
			}
			if (dp.ft != NULL)
				nfw_flowtab_add_burst(dp.ft, recs, n);
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
	if (meter != NULL) {
		nfw_meter_flush(meter);
		nfw_meter_stats_get(meter, &mst);
		nfw_meter_free(meter);
	}
	progress_end();
	nfw_flow_writer_close(w);
	if (g_segw != NULL) {
		struct nfw_segw_stats ws;
		int wrc = nfw_segw_rotate(g_segw);
		nfw_segw_stats_get(g_segw, &ws);
		wrc |= nfw_segw_close(g_segw);
		if (wrc != 0 || ws.write_errors != 0) {
			fprintf(stderr, "nfwatch-query: -w %s: %llu records lost to write errors\n", write_dir,
				(unsigned long long)ws.write_errors);
			rc = 1;
		}
	}
	if (g_nfd != NULL) {
		if (nfd_finish(g_nfd, &g_sum) != 0)
			rc = 1;
		nfd_free(g_nfd);
	}
	if (segs.damaged)
		rc = 1;
	if (report != NULL) {
		const struct nfw_finding *fnd;
		nfw_flowtab_flush(dp.ft);
		unsigned nf = nfw_detect_run(dp.det, &fnd);
		nfw_detect_stats_get(dp.det, &dstats);
		have_dstats = true;
		struct nfw_decode_stats ts;
		nfw_decode_stats_total(d, &ts);
		json_t *rep = nfw_findings_report(fnd, nf, dp.first_ms, dp.last_ms, cap_tot.frames,
						  ts.records + segs.flows + segs.nf_flows + file_flows + mst.flows, d);
		if (json_dump_file(rep, report, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
			fprintf(stderr, "nfwatch-query: cannot write %s\n", report);
			rc = 1;
		} else {
			fprintf(stderr, "nfwatch-query: %u finding%s from %llu session%s in %s\n", nf,
				nf == 1 ? "" : "s", (unsigned long long)dp.sessions, dp.sessions == 1 ? "" : "s",
				report);
		}
		json_decref(rep);
		nfw_detect_free(dp.det);
		nfw_flowtab_free(dp.ft);
	}

	if (stats == 1 && segs.files > 0)
		printf("\nSegments: files %llu, blocks %llu, flows %llu, damaged blocks %llu (%llu bytes)\n",
		       (unsigned long long)segs.files, (unsigned long long)segs.blocks,
		       (unsigned long long)segs.flows, (unsigned long long)segs.bad_blocks,
		       (unsigned long long)segs.bad_bytes);
	if (stats == 1 && segs.nf_files > 0)
		printf("\nnfdump files: %llu, blocks %llu, flows %llu, other records %llu, damaged records %llu\n",
		       (unsigned long long)segs.nf_files, (unsigned long long)segs.nf_blocks,
		       (unsigned long long)segs.nf_flows, (unsigned long long)segs.nf_skipped,
		       (unsigned long long)segs.nf_bad_records);
	if (stats == 1) {
		printf("\nCapture: frames %llu, export datagrams %llu", (unsigned long long)cap_tot.frames,
		       (unsigned long long)cap_tot.payloads);
		for (unsigned r = 0; r < NFW_CAPTURE_SKIP__MAX; r++)
			if (cap_tot.skipped[r] != 0)
				printf(", skipped %s %llu", nfw_capture_skip_str(r),
				       (unsigned long long)cap_tot.skipped[r]);
		printf("\n");
		if (mst.packets > 0) {
			printf("Meter: packets %llu, metered %llu, flows %llu (inactive %llu, active %llu, table full %llu, "
			       "at the end %llu), fragments %llu, out of order %llu",
			       (unsigned long long)mst.packets, (unsigned long long)mst.metered,
			       (unsigned long long)mst.flows, (unsigned long long)mst.ended_inactive,
			       (unsigned long long)mst.ended_active, (unsigned long long)mst.evicted_full,
			       (unsigned long long)mst.flushed, (unsigned long long)mst.fragments,
			       (unsigned long long)mst.out_of_order);
			for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
				if (mst.dropped[r] != 0)
					printf(", dropped %s %llu", nfw_meter_drop_str(r), (unsigned long long)mst.dropped[r]);
			printf("\n");
		}
		nfw_decode_report_text(stdout, d);
		if (have_dstats)
			nfw_detect_stats_text(stdout, &dstats);
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
		if (mst.packets > 0) {
			json_t *dr = json_object();
			for (unsigned r = 0; r < NFW_METER_DROP__MAX; r++)
				json_object_set_new(dr, nfw_meter_drop_str(r), json_integer((json_int_t)mst.dropped[r]));
			json_object_set_new(o, "meter", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
				"packets", (json_int_t)mst.packets, "metered", (json_int_t)mst.metered,
				"flows", (json_int_t)mst.flows, "ended_inactive", (json_int_t)mst.ended_inactive,
				"ended_active", (json_int_t)mst.ended_active, "evicted_full", (json_int_t)mst.evicted_full,
				"flushed", (json_int_t)mst.flushed, "fragments", (json_int_t)mst.fragments,
				"out_of_order", (json_int_t)mst.out_of_order, "dropped", dr));
		}
		if (have_dstats)
			json_object_set_new(o, "detection", nfw_detect_stats_to_json(&dstats));
		json_object_set_new(o, "nfdump_files", json_pack("{s:I, s:I, s:I, s:I, s:I}",
			"files", (json_int_t)segs.nf_files, "blocks", (json_int_t)segs.nf_blocks,
			"flows", (json_int_t)segs.nf_flows, "other_records", (json_int_t)segs.nf_skipped,
			"damaged_records", (json_int_t)segs.nf_bad_records));
		json_object_set_new(o, "segments", json_pack("{s:I, s:I, s:I, s:I, s:I}",
			"files", (json_int_t)segs.files, "blocks", (json_int_t)segs.blocks,
			"flows", (json_int_t)segs.flows, "bad_blocks", (json_int_t)segs.bad_blocks,
			"bad_bytes", (json_int_t)segs.bad_bytes));
		json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		fputc('\n', stdout);
		json_decref(o);
	}
	nfw_decode_free(d);
	nfw_filter_free(g_filter);
	if (fflush(stdout) != 0)
		rc = 1;
	return rc;
}
