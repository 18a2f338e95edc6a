/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_CTL_H
#define NFW_CTL_H

/*
 * nfw_ctl: the appliance's commands, one set of handlers behind every front
 * end (the interactive console, --cmdline-file scripts, the control socket
 * and the telemetry endpoints).
 *
 * A command is a grammar line ("show exporter <addr:addr>") and a handler.
 * nfw_ctl_exec() reads one line of untrusted text: it splits it into words
 * (double quotes keep spaces), finds the command whose tokens all accept
 * them, checks every typed argument (ranges, lengths, addresses,
 * prefixes), and runs the handler. The handler asks the appliance for data
 * through struct nfw_ctl_ops (snapshots: never live worker state) and
 * builds its answer as JSON; the answer goes out as that JSON or as
 * aligned text for people. Errors are one line: "error: ...".
 *
 * Grammar tokens:
 *   word                  the keyword itself
 *   <name:a|b|c>          one of the keywords, kept as argument `name`
 *   <name:uint:MIN-MAX>   an unsigned integer in range
 *   <name:addr>           an IPv4 or IPv6 address
 *   <name:prefix>         an address with an optional /len
 *   <name:word>           any word (up to 127 characters)
 *   <name:path>           a file name (up to 255 characters)
 *   <name:text>           the rest of the line (a filter expression)
 *
 * The library does not use DPDK: the appliance's glue (app/nfwatch)
 * implements the ops; the tests use a fake.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nfw_decode.h"
#include "nfw_detect.h"
#include "nfw_filter.h"
#include "nfw_flowtab.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_CTL_MAX_LINE 512     /* as librte_cmdline: longer lines are refused */
#define NFW_CTL_MAX_TOKENS 12
#define NFW_CTL_MAX_TOP 1000     /* show flows top N / show top ... N */

enum nfw_ctl_fmt { NFW_CTL_TEXT, NFW_CTL_JSON };

enum nfw_ctl_tok {
	NFW_CTL_TOK_KEYWORD,   /* one fixed word */
	NFW_CTL_TOK_CHOICE,    /* one of several words */
	NFW_CTL_TOK_UINT,
	NFW_CTL_TOK_ADDR,
	NFW_CTL_TOK_PREFIX,
	NFW_CTL_TOK_WORD,
	NFW_CTL_TOK_PATH,
	NFW_CTL_TOK_TEXT,
};

/** One token of a command, as front ends need it (completion, typed parsing). */
struct nfw_ctl_token {
	enum nfw_ctl_tok kind;
	char name[24];        /* argument name (empty for a keyword) */
	char words[160];      /* keyword / choices separated by '|' */
	uint64_t min, max;    /* UINT */
};

/* ---- what the appliance provides ---- */

struct nfw_ctl_port {
	uint16_t id;
	char name[64];
	char driver[32];
	char mac[24];
	uint16_t rx_queues;
	bool link_up;
	uint32_t speed_mbps;
	uint64_t ipackets, ibytes, imissed, ierrors, rx_nombuf;
	uint64_t taken;       /* packets the workers took from its queues */
};

struct nfw_ctl_lcore {
	unsigned lcore;
	int shard;            /* -1 for the control lcore */
	char role[16];
	char state[16];       /* running, paused, stopped */
	uint64_t rx_pkts, datagrams, denied, records, own_shard, enqueued, ring_full, dequeued;
	uint64_t flows_active, flows_closed;
	double busy_pct;
};

struct nfw_ctl_ring {
	char name[40];
	unsigned size, used;
	uint64_t enqueued, full;
};

struct nfw_ctl_exporter {
	struct nfw_exporter_info info;
	unsigned lcore;       /* the worker whose decoder saw it */
	uint32_t sampling_override;
};

struct nfw_ctl_template {
	struct nfw_exporter_addr exporter;
	struct nfw_template_info t;
	unsigned lcore;
};

enum nfw_ctl_by { NFW_CTL_BY_BYTES, NFW_CTL_BY_PACKETS, NFW_CTL_BY_FLOWS };
enum nfw_ctl_top { NFW_CTL_TOP_SRC, NFW_CTL_TOP_DST, NFW_CTL_TOP_PORT };

struct nfw_ctl_talker {
	char key[48];         /* an address, or a port "6/443" */
	uint64_t bytes;       /* an upper bound (space-saving) */
	uint64_t error;       /* bytes - error is a lower bound */
};

/* a heavy changer: its rate in the epoch before last and in the last one */
struct nfw_ctl_change {
	char key[48];         /* an address, or a port "6/443" */
	double before_bps;    /* bytes per second (count-min estimates: upper bounds) */
	double after_bps;
};

struct nfw_ctl_sketch {
	char name[32];
	char kind[24];        /* count-min, hyperloglog, space-saving */
	uint64_t bytes;       /* memory */
	double fill;          /* share of counters / registers in use */
	double error;         /* expected error, as stated in `detail` */
	char detail[96];
	uint64_t updates;
};

/** The window the report covers and its input totals. */
struct nfw_ctl_window {
	uint64_t first_ms, last_ms, packets, records;
};

struct nfw_ctl_ops {
	/* reads: a count (>= 0), or -1 with a message in err */
	int (*ports)(void *arg, struct nfw_ctl_port *out, unsigned max, char *err, size_t errlen);
	int (*lcores)(void *arg, struct nfw_ctl_lcore *out, unsigned max, char *err, size_t errlen);
	int (*rings)(void *arg, struct nfw_ctl_ring *out, unsigned max, char *err, size_t errlen);
	int (*exporters)(void *arg, struct nfw_ctl_exporter *out, unsigned max, char *err, size_t errlen);
	int (*templates)(void *arg, struct nfw_ctl_template *out, unsigned max, char *err, size_t errlen);
	/** Each shard's n largest open flows matching f (NULL: all); the library merges. */
	int (*top_flows)(void *arg, unsigned n, enum nfw_ctl_by by, const struct nfw_filter *f,
			 struct nfw_flow_closed *out, unsigned max, char *err, size_t errlen);
	int (*top)(void *arg, enum nfw_ctl_top what, struct nfw_ctl_talker *out, unsigned max, char *err,
		   size_t errlen);
	/** Heavy changers between the last two epochs, largest change first. */
	int (*changes)(void *arg, enum nfw_ctl_top what, struct nfw_ctl_change *out, unsigned max, char *err,
		       size_t errlen);
	int (*sketches)(void *arg, struct nfw_ctl_sketch *out, unsigned max, char *err, size_t errlen);
	/** The detectors' counters, summed over the control thread's and the workers' parts. */
	int (*detect_stats)(void *arg, struct nfw_detect_stats *out, char *err, size_t errlen);
	/** The current findings, prioritized, and the window they cover. */
	int (*findings)(void *arg, const struct nfw_finding **out, struct nfw_ctl_window *w, char *err,
			size_t errlen);
	/** The appliance's own settings, as JSON (a new reference). */
	json_t *(*settings)(void *arg);
	/** The detector configuration in force; apply a changed one. */
	int (*detect_config)(void *arg, struct nfw_detect_config *out, char *err, size_t errlen);
	int (*detect_apply)(void *arg, const struct nfw_detect_config *c, char *err, size_t errlen);
	/* actions: 0, or -1 with a message */
	int (*clear_stats)(void *arg, char *err, size_t errlen);
	int (*set_sampling)(void *arg, const uint8_t addr[16], uint32_t rate, char *err, size_t errlen);
	int (*exporter_acl)(void *arg, bool allow, const struct nfw_prefix *p, char *err, size_t errlen);
	int (*run)(void *arg, bool start, char *err, size_t errlen);
	int (*rotate)(void *arg, char *err, size_t errlen);
	int (*flush)(void *arg, char *err, size_t errlen);
	/** Wait until no packet arrived for idle_ms, at most timeout_s; 0 or -1 (timed out). */
	int (*wait_idle)(void *arg, unsigned idle_ms, unsigned timeout_s, char *err, size_t errlen);
	void (*quit)(void *arg);
};

struct nfw_ctl;

/** NULL on ENOMEM. Every op must be set (the tests' fake sets them all). */
struct nfw_ctl *nfw_ctl_create(const struct nfw_ctl_ops *ops, void *arg);
void nfw_ctl_free(struct nfw_ctl *c);
/**
 * Where `save report FILE` may write: FILE must be in dir or beneath it
 * (resolved, so ".." and symbolic links do not lead out; relative names
 * count from dir). The default is the directory the process was in at
 * nfw_ctl_create. 0, or -errno (dir missing or not a directory).
 */
int nfw_ctl_set_report_dir(struct nfw_ctl *c, const char *dir);
const char *nfw_ctl_report_dir(const struct nfw_ctl *c);

enum nfw_ctl_status { NFW_CTL_OK = 0, NFW_CTL_ERROR = 1, NFW_CTL_QUIT = 2 };

/**
 * Run one command line. The answer (text or JSON, ending in a newline) is
 * returned in *out (malloc'd; the caller frees). Blank lines and lines
 * starting with '#' do nothing and answer "".
 */
enum nfw_ctl_status nfw_ctl_exec(struct nfw_ctl *c, const char *line, enum nfw_ctl_fmt fmt, char **out);

/**
 * The same, returning the handler's JSON (a new reference, NULL on error,
 * with the message in err): for the telemetry endpoints.
 */
json_t *nfw_ctl_query(struct nfw_ctl *c, const char *line, char *err, size_t errlen);

/** The commands, for front ends that build their own parsers (librte_cmdline). */
unsigned nfw_ctl_command_count(const struct nfw_ctl *c);
/** Tokens of command i; *help its one-line help. Returns the token count. */
unsigned nfw_ctl_command_tokens(const struct nfw_ctl *c, unsigned i, const struct nfw_ctl_token **tok,
				const char **help);

/** Render any JSON answer as aligned text (objects as "key: value" lines, arrays of objects as tables). */
char *nfw_ctl_render_text(const json_t *v);

#ifdef __cplusplus
}
#endif

#endif
