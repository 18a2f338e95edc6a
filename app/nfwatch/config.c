/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Profiles and options.
 *
 * A profile (a .conf file in dpdk-config/) is a short text file of `key = value`
 * lines, `#` comments:
 *   eal = <EAL words>          e.g. -l 0-1 --no-huge -m 1024 --no-pci --no-shconf
 *   vdev = <devargs>           one per line (net_pcap0,rx_pcap=FILE, ...)
 *   <app option> = <value>     any option below, without its dashes
 * The command line overrides the profile: its EAL words come after the
 * profile's, its application options after "--" are parsed after the
 * profile's. A unique --file-prefix is added when none is given.
 *
 *   nfwatch [--profile FILE] [EAL options] -- [options]
 *     --mode rxonly|decode|flow|full|meter   --duration S   --stats-interval S
 *     --meter-active S  --meter-inactive S (meter: a mirror port's packets to flows,
 *     then the flow mode's pipeline)
 *     --segments DIR  --rotate MIN  --codec none|lz4|zstd
 *     --flows N (per shard)  --flow-idle S  --burst N  --ring N  --rxq N
 *     --rxd N  --mbufs N  --allow PREFIX (repeat)  --summary-json FILE
 *     --findings FILE.ndjson  --report FILE.json  --report-dir DIR (where `save
 *     report` may write; default: --report's directory, else the current one)
 *     --detect-config FILE  --epoch S
 *     -i (the prompt)  --cmdline-file FILE  --ctl-socket PATH  --no-telemetry
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"

#define MAX_WORDS 512

const char *
mode_name(enum app_mode m)
{
	static const char *const n[] = { "rxonly", "decode", "flow", "full" };
	return n[m];
}

void
cfg_defaults(struct app_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = MODE_FULL;
	c->meter_active_s = 1800;
	c->meter_inactive_s = 15;
	c->rotate_min = 5;
	c->codec = NFW_SEG_CODEC_LZ4;
	c->flows_per_shard = 1u << 20;
	c->flow_idle_s = 60;
	c->burst = 32;
	c->ring_size = 16384;
	c->rxq_per_port = 1;
	c->nb_rxd = 1024;
	c->epoch_s = 10;
	c->telemetry = true;
}

/* words of the profile (`eal`, `vdev`) and app options, appended to lists */
static int
read_profile(const char *path, char **eal, int *neal, char **app, int *napp)
{
	FILE *fp = fopen(path, "r");
	char line[2048];
	unsigned ln = 0;
	if (fp == NULL) {
		fprintf(stderr, "nfwatch: profile %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		char *h = strchr(line, '#');
		if (h != NULL)
			*h = '\0';
		char *eq = strchr(line, '=');
		char *k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (*k == '\0' || *k == '\n')
			continue;
		if (eq == NULL) {
			fprintf(stderr, "nfwatch: %s:%u: expected key = value\n", path, ln);
			fclose(fp);
			return -1;
		}
		*eq = '\0';
		char *v = eq + 1;
		for (char *e = eq - 1; e >= k && (*e == ' ' || *e == '\t'); e--)
			*e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		for (char *e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		if (strcmp(k, "eal") == 0) {
			for (char *tok = strtok(v, " \t"); tok != NULL; tok = strtok(NULL, " \t")) {
				if (*neal >= MAX_WORDS - 8)
					goto toolong;
				eal[(*neal)++] = strdup(tok);
			}
		} else if (strcmp(k, "vdev") == 0) {
			if (*neal >= MAX_WORDS - 8)
				goto toolong;
			eal[(*neal)++] = strdup("--vdev");
			eal[(*neal)++] = strdup(v);
		} else {
			if (*napp >= MAX_WORDS - 8)
				goto toolong;
			char opt[256];
			if (strlen(k) > 200) {
				fprintf(stderr, "nfwatch: %s:%u: key too long\n", path, ln);
				fclose(fp);
				return -1;
			}
			snprintf(opt, sizeof(opt), "--%.200s", k);
			app[(*napp)++] = strdup(opt);
			if (*v != '\0')
				app[(*napp)++] = strdup(v);
		}
	}
	fclose(fp);
	return 0;
toolong:
	fprintf(stderr, "nfwatch: %s: too many words\n", path);
	fclose(fp);
	return -1;
}

/* EAL may keep pointers into its argv for the life of the process: static storage */
static char *eal[MAX_WORDS * 2];
static char *app[MAX_WORDS * 2];
static char *argv_out[MAX_WORDS * 5];

int
cfg_build_argv(int argc, char **argv, int *out_argc, char ***out_argv)
{
	int neal = 0, napp = 0, i;
	bool prefix = false;

	if (argc > MAX_WORDS) {
		fprintf(stderr, "nfwatch: too many arguments\n");
		return -1;
	}
	eal[neal++] = argv[0];
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if ((strcmp(argv[i], "--profile") == 0 || strcmp(argv[i], "-P") == 0) && i + 1 < argc) {
			if (read_profile(argv[++i], eal, &neal, app, &napp) != 0)
				return -1;
		}
	}
	/* the user's EAL words, after the profile's */
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--profile") == 0 || strcmp(argv[i], "-P") == 0) {
			i++;
			continue;
		}
		if (neal >= MAX_WORDS)
			return -1;
		eal[neal++] = argv[i];
	}
	for (int k = 0; k < neal; k++)
		if (strncmp(eal[k], "--file-prefix", 13) == 0)
			prefix = true;
	if (!prefix) {
		char fp[64];
		snprintf(fp, sizeof(fp), "--file-prefix=nfw-%d", (int)getpid());
		eal[neal++] = strdup(fp);
	}
	int n = 0;
	for (int k = 0; k < neal; k++)
		argv_out[n++] = eal[k];
	argv_out[n++] = (char *)"--";
	for (int k = 0; k < napp; k++)
		argv_out[n++] = app[k];
	for (i = i + 1; i < argc; i++)
		argv_out[n++] = argv[i];
	argv_out[n] = NULL;
	*out_argc = n;
	*out_argv = argv_out;
	return 0;
}

static int
parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *s == '-' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "nfwatch: --%s takes %lu..%lu, not '%s'\n", opt, min, max, s);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

static int
parse_allow(struct app_cfg *c, const char *s)
{
	if (c->nallow >= APP_MAX_ALLOW || nfw_prefix_parse(s, &c->allow[c->nallow]) != 0) {
		fprintf(stderr, "nfwatch: --allow takes an address or prefix (at most %d), not '%s'\n",
			APP_MAX_ALLOW, s);
		return -1;
	}
	c->nallow++;
	return 0;
}

int
cfg_parse_app(struct app_cfg *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "meter-active", required_argument, NULL, 1001 },
		{ "meter-inactive", required_argument, NULL, 1002 },
		{ "duration", required_argument, NULL, 'd' },
		{ "stats-interval", required_argument, NULL, 'I' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cmdline-file", required_argument, NULL, 'C' },
		{ "ctl-socket", required_argument, NULL, 'S' },
		{ "no-telemetry", no_argument, NULL, 'T' },
		{ "detect", no_argument, NULL, 'x' },
		{ "segments", required_argument, NULL, 's' },
		{ "rotate", required_argument, NULL, 'r' },
		{ "codec", required_argument, NULL, 'c' },
		{ "flows", required_argument, NULL, 'f' },
		{ "flow-idle", required_argument, NULL, 'F' },
		{ "burst", required_argument, NULL, 'b' },
		{ "ring", required_argument, NULL, 'R' },
		{ "rxq", required_argument, NULL, 'q' },
		{ "rxd", required_argument, NULL, 'D' },
		{ "mbufs", required_argument, NULL, 'M' },
		{ "allow", required_argument, NULL, 'a' },
		{ "summary-json", required_argument, NULL, 'j' },
		{ "findings", required_argument, NULL, 'X' },
		{ "report", required_argument, NULL, 'Y' },
		{ "report-dir", required_argument, NULL, 'P' },
		{ "detect-config", required_argument, NULL, 'Z' },
		{ "epoch", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "hi", opts, NULL)) != -1) {
		switch (o) {
		case 'm':
			if (strcmp(optarg, "rxonly") == 0) c->mode = MODE_RXONLY;
			else if (strcmp(optarg, "decode") == 0) c->mode = MODE_DECODE;
			else if (strcmp(optarg, "flow") == 0) c->mode = MODE_FLOW;
			else if (strcmp(optarg, "full") == 0) c->mode = MODE_FULL;
			else if (strcmp(optarg, "meter") == 0) c->mode = MODE_FLOW, c->meter = true;
			else {
				fprintf(stderr, "nfwatch: --mode is rxonly, decode, flow, full or meter\n");
				return -1;
			}
			break;
		case 1001:
		case 1002: {
			char *end;
			double v = strtod(optarg, &end);
			if (*optarg == '\0' || *end != '\0' || !(v >= 1 && v <= 604800)) {
				fprintf(stderr, "nfwatch: --%s takes 1..604800 seconds\n",
					o == 1001 ? "meter-active" : "meter-inactive");
				return -1;
			}
			if (o == 1001)
				c->meter_active_s = v;
			else
				c->meter_inactive_s = v;
			break;
		}
		case 'd': if (parse_uint("duration", optarg, 0, 86400 * 365, &c->duration_s)) return -1; break;
		case 'i': c->interactive = true; break;
		case 'T': c->telemetry = false; break;
		case 'x': c->detect = true; break;
		case 'C':
		case 'S': {
			char *dst = o == 'C' ? c->cmdline_file : c->ctl_socket;
			size_t cap = o == 'C' ? sizeof(c->cmdline_file) : sizeof(c->ctl_socket);
			if (strlen(optarg) >= cap) {
				fprintf(stderr, "nfwatch: --%s: path longer than %zu characters\n",
					o == 'C' ? "cmdline-file" : "ctl-socket", cap - 1);
				return -1;
			}
			snprintf(dst, cap, "%s", optarg);
			break;
		}
		case 'I': if (parse_uint("stats-interval", optarg, 0, 86400, &c->stats_interval_s)) return -1; break;
		case 's':
			if (strlen(optarg) >= sizeof(c->segments)) {
				fprintf(stderr, "nfwatch: --segments path too long\n");
				return -1;
			}
			snprintf(c->segments, sizeof(c->segments), "%s", optarg);
			break;
		case 'r': if (parse_uint("rotate", optarg, 1, 1440, &c->rotate_min)) return -1; break;
		case 'c':
			c->codec = nfw_seg_codec_parse(optarg);
			if (c->codec < 0) {
				fprintf(stderr, "nfwatch: --codec is none, lz4 or zstd\n");
				return -1;
			}
			break;
		case 'f': if (parse_uint("flows", optarg, 1024, 1u << 28, &c->flows_per_shard)) return -1; break;
		case 'F': if (parse_uint("flow-idle", optarg, 1, 86400, &c->flow_idle_s)) return -1; break;
		case 'b': if (parse_uint("burst", optarg, 1, 512, &c->burst)) return -1; break;
		case 'R': if (parse_uint("ring", optarg, 64, 1u << 22, &c->ring_size)) return -1; break;
		case 'q': if (parse_uint("rxq", optarg, 1, APP_MAX_RXQ, &c->rxq_per_port)) return -1; break;
		case 'D': if (parse_uint("rxd", optarg, 64, 32768, &c->nb_rxd)) return -1; break;
		case 'M': if (parse_uint("mbufs", optarg, 1024, 1u << 26, &c->mbufs)) return -1; break;
		case 'a': if (parse_allow(c, optarg)) return -1; break;
		case 'j':
			if (strlen(optarg) >= sizeof(c->summary_json)) {
				fprintf(stderr, "nfwatch: --summary-json path too long\n");
				return -1;
			}
			snprintf(c->summary_json, sizeof(c->summary_json), "%s", optarg);
			break;
		case 'X':
		case 'Y':
		case 'P':
		case 'Z': {
			char *dst = o == 'X' ? c->findings : o == 'Y' ? c->report : o == 'P' ? c->report_dir : c->detect_config;
			if (strlen(optarg) >= sizeof(c->findings)) {
				fprintf(stderr, "nfwatch: path too long: %s\n", optarg);
				return -1;
			}
			snprintf(dst, sizeof(c->findings), "%s", optarg);
			break;
		}
		case 'E': if (parse_uint("epoch", optarg, 1, 3600, &c->epoch_s)) return -1; break;
		case 'h':
			printf("usage: nfwatch [--profile FILE] [EAL options] -- [--mode rxonly|decode|flow|full|meter]\n"
			       "         [--duration S] [--stats-interval S] [--segments DIR] [--rotate MIN]\n"
			       "         [--codec none|lz4|zstd] [--flows N] [--flow-idle S] [--burst N]\n"
			       "         [--ring N] [--rxq N] [--rxd N] [--mbufs N] [--allow PREFIX]...\n"
			       "         [--summary-json FILE] [--findings FILE.ndjson] [--report FILE.json] [--report-dir DIR]\n"
			       "         [--detect-config FILE] [--epoch S]\n"
			       "         [-i | --interactive] [--cmdline-file FILE] [--ctl-socket PATH]\n"
			       "         [--no-telemetry] [--detect]\n");
			exit(0);
		default:
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "nfwatch: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (c->mode == MODE_FULL && c->segments[0] == '\0') {
		fprintf(stderr, "nfwatch: --mode full writes flow segments: give --segments DIR "
				"(or --mode flow)\n");
		return -1;
	}
	if ((c->detect || c->findings[0] != '\0' || c->report[0] != '\0') && c->mode < MODE_FLOW) {
		fprintf(stderr, "nfwatch: --detect, --findings and --report need flows: --mode flow or full\n");
		return -1;
	}
	if ((c->ring_size & (c->ring_size - 1)) != 0) {
		fprintf(stderr, "nfwatch: --ring must be a power of two\n");
		return -1;
	}
	return 0;
}

void
acl_from_cfg(struct acl *acl, const struct app_cfg *c)
{
	memset(acl, 0, sizeof(*acl));
	memcpy(acl->allow, c->allow, sizeof(c->allow));
	acl->nallow = c->nallow;
}

bool
allow_check(const struct acl *acl, const uint8_t addr[16])
{
	if (acl->ndeny > 0 && nfw_prefix_match(acl->deny, acl->ndeny, addr))
		return false;
	return acl->nallow == 0 || nfw_prefix_match(acl->allow, acl->nallow, addr);
}
