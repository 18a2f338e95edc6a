/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Front ends of the one command set (lib/ctl):
 *
 *   -i                 librte_cmdline on the main lcore. Its parse context is
 *                      built from lib/ctl's grammar: keywords and choices
 *                      become string tokens (tab completion, '?' help), typed
 *                      arguments become num / ipaddr tokens; the callback puts
 *                      the line back together and runs it through lib/ctl,
 *                      which checks every value again and words the errors.
 *                      A last catch-all instance sends any other line to
 *                      lib/ctl too, so a mistyped line gets a clear error
 *                      rather than cmdline's "Bad arguments".
 *   --cmdline-file F   lines read here (cmdline_file_new discards output in
 *                      22.11), echoed with the prompt, answers on stdout; the
 *                      first error stops the run with the file and line.
 *   telemetry          /nfwatch/stats, /nfwatch/exporters, /nfwatch/findings
 *                      read the snapshots the control thread refreshes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_ipaddr.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_telemetry.h>

#include "control.h"

/* ---- the prompt ---- */

struct cl_tok {
	union {
		cmdline_parse_token_string_t s;
		cmdline_parse_token_num_t n;
		cmdline_parse_token_ipaddr_t ip;
	} u;
	enum nfw_ctl_tok kind;
	unsigned off;
	char words[160];   /* "a#b#c" for cmdline */
};

struct cl_cmd {
	struct cl_tok tok[NFW_CTL_MAX_TOKENS];
	unsigned ntok;
	cmdline_parse_inst_t *inst;
};

static struct cl_cmd *cl_cmds;
static unsigned cl_ncmds;
static cmdline_parse_ctx_t *cl_ctx;
static struct cl_tok cl_any;

static void
cl_run_line(struct cmdline *cl, const char *line)
{
	char *out = NULL;
	enum nfw_ctl_status st = control_exec(&g_ctl, line, NFW_CTL_TEXT, &out);
	if (out != NULL)
		cmdline_printf(cl, "%s", out);
	free(out);
	if (st == NFW_CTL_QUIT || g_app.quit)
		cmdline_quit(cl);
}

static void
cl_typed(void *res, struct cmdline *cl, void *data)
{
	const struct cl_cmd *c = data;
	char line[NFW_CTL_MAX_LINE * 2] = "";
	size_t u = 0;
	for (unsigned i = 0; i < c->ntok && u < sizeof(line); i++) {
		const struct cl_tok *t = &c->tok[i];
		const char *p = (const char *)res + t->off;
		char w[NFW_CTL_MAX_LINE];
		switch (t->kind) {
		case NFW_CTL_TOK_UINT: {
			uint64_t v;
			memcpy(&v, p, sizeof(v));
			snprintf(w, sizeof(w), "%llu", (unsigned long long)v);
			break;
		}
		case NFW_CTL_TOK_ADDR:
		case NFW_CTL_TOK_PREFIX: {
			cmdline_ipaddr_t ip;
			char ab[64];
			memcpy(&ip, p, sizeof(ip));
			inet_ntop(ip.family, ip.family == AF_INET ? (const void *)&ip.addr.ipv4 : (const void *)&ip.addr.ipv6,
				  ab, sizeof(ab));
			if (t->kind == NFW_CTL_TOK_PREFIX)
				snprintf(w, sizeof(w), "%s/%u", ab, ip.prefixlen);
			else
				snprintf(w, sizeof(w), "%s", ab);
			break;
		}
		default:
			snprintf(w, sizeof(w), "%s", p);
			break;
		}
		u += (size_t)snprintf(line + u, sizeof(line) - u, "%s%s", i ? " " : "", w);
	}
	if (u >= NFW_CTL_MAX_LINE) {
		cmdline_printf(cl, "error: line longer than %d characters\n", NFW_CTL_MAX_LINE - 1);
		return;
	}
	cl_run_line(cl, line);
}

static void
cl_other(void *res, struct cmdline *cl, void *data)
{
	(void)data;
	cl_run_line(cl, (const char *)res);
}

/* does one of our typed instances take this line? (what cmdline's own matcher does) */
static bool
typed_match(const char *buf)
{
	for (unsigned i = 0; i < cl_ncmds; i++) {
		const char *p = buf;
		unsigned k;
		for (k = 0; k < cl_cmds[i].ntok; k++) {
			cmdline_parse_token_hdr_t *t = cl_cmds[i].inst->tokens[k];
			while (*p == ' ' || *p == '\t')
				p++;
			int n = t->ops->parse(t, p, NULL, 0);
			if (n < 0)
				break;
			p += n;
		}
		if (k < cl_cmds[i].ntok)
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '\n' || *p == '\r' || *p == '#')
			return true;
	}
	return false;
}

/*
 * The catch-all token: the whole line, but only when no typed instance
 * takes it (two matches would be "Ambiguous command" to librte_cmdline).
 */
static int
any_parse(cmdline_parse_token_hdr_t *tk, const char *buf, void *res, unsigned ressize)
{
	(void)tk;
	size_t n = strcspn(buf, "\n\r");
	if (n == 0 || typed_match(buf))
		return -1;
	if (res != NULL) {
		if (ressize < n + 1)
			return -1;
		memcpy(res, buf, n);
		((char *)res)[n] = '\0';
	}
	return (int)n;
}

static int
any_help(cmdline_parse_token_hdr_t *tk, char *dst, unsigned size)
{
	(void)tk;
	snprintf(dst, size, "any other line");
	return 0;
}

static struct cmdline_token_ops any_ops = { .parse = any_parse, .get_help = any_help };

static void
tok_string(struct cl_tok *t, const char *words, unsigned off)
{
	t->u.s.hdr.ops = &cmdline_token_string_ops;
	t->u.s.hdr.offset = off;
	t->u.s.string_data.str = words;
}

static int
cl_build(struct control *c)
{
	unsigned n = nfw_ctl_command_count(c->ctl);
	cl_cmds = calloc(n, sizeof(*cl_cmds));
	cl_ctx = calloc(n + 2, sizeof(*cl_ctx));
	if (cl_cmds == NULL || cl_ctx == NULL)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const struct nfw_ctl_token *tk;
		const char *help;
		struct cl_cmd *cc = &cl_cmds[i];
		unsigned off = 0;
		cc->ntok = nfw_ctl_command_tokens(c->ctl, i, &tk, &help);
		cc->inst = calloc(1, sizeof(*cc->inst) + (cc->ntok + 1) * sizeof(void *));
		if (cc->inst == NULL)
			return -1;
		for (unsigned k = 0; k < cc->ntok; k++) {
			struct cl_tok *t = &cc->tok[k];
			t->kind = tk[k].kind;
			t->off = off;
			switch (tk[k].kind) {
			case NFW_CTL_TOK_KEYWORD:
			case NFW_CTL_TOK_CHOICE:
				snprintf(t->words, sizeof(t->words), "%s", tk[k].words);
				for (char *p = t->words; *p; p++)
					if (*p == '|')
						*p = '#';
				tok_string(t, t->words, off);
				off += sizeof(cmdline_fixed_string_t);
				break;
			case NFW_CTL_TOK_UINT:
				t->u.n.hdr.ops = &cmdline_token_num_ops;
				t->u.n.hdr.offset = off;
				t->u.n.num_data.type = RTE_UINT64;
				off += sizeof(uint64_t);
				break;
			case NFW_CTL_TOK_ADDR:
			case NFW_CTL_TOK_PREFIX:
				t->u.ip.hdr.ops = &cmdline_token_ipaddr_ops;
				t->u.ip.hdr.offset = off;
				t->u.ip.ipaddr_data.flags = CMDLINE_IPADDR_V4 | CMDLINE_IPADDR_V6 |
					(tk[k].kind == NFW_CTL_TOK_PREFIX ? CMDLINE_IPADDR_NETWORK : 0);
				off += sizeof(cmdline_ipaddr_t);
				break;
			case NFW_CTL_TOK_WORD:
			case NFW_CTL_TOK_PATH:
				tok_string(t, NULL, off);
				off += sizeof(cmdline_fixed_string_t);
				break;
			case NFW_CTL_TOK_TEXT:
				tok_string(t, TOKEN_STRING_MULTI, off);
				off += sizeof(cmdline_multi_string_t);
				break;
			}
			off = (off + 7) & ~7u;
			cc->inst->tokens[k] = &t->u.s.hdr;
		}
		cc->inst->f = cl_typed;
		cc->inst->data = cc;
		cc->inst->help_str = help;
		cl_ctx[i] = cc->inst;
	}
	/* anything else: lib/ctl says what is wrong with it */
	static cmdline_parse_inst_t *any;
	any = calloc(1, sizeof(*any) + 2 * sizeof(void *));
	if (any == NULL)
		return -1;
	cl_any.u.s.hdr.ops = &any_ops;
	cl_any.u.s.hdr.offset = 0;
	any->f = cl_other;
	any->help_str = "any other line: checked, and explained if wrong";
	any->tokens[0] = &cl_any.u.s.hdr;
	cl_ctx[n] = any;
	cl_ncmds = n;
	return 0;
}

int
frontend_interactive(struct app *a, struct control *c)
{
	if (cl_ctx == NULL && cl_build(c) != 0) {
		fprintf(stderr, "nfwatch: prompt: out of memory\n");
		return -1;
	}
	printf("nfwatch interactive: 'help' lists the commands, TAB completes, 'quit' stops.\n");
	fflush(stdout);
	struct cmdline *cl = cmdline_stdin_new(cl_ctx, "nfwatch> ");
	if (cl == NULL) {
		fprintf(stderr, "nfwatch: prompt: cannot start\n");
		return -1;
	}
	if (!a->quit)
		cmdline_interact(cl);
	cmdline_stdin_exit(cl);
	printf("\n");
	a->quit = true;
	return 0;
}

/* ---- scripts ---- */

int
frontend_script(struct app *a, struct control *c, const char *path)
{
	FILE *fp = fopen(path, "r");
	char line[NFW_CTL_MAX_LINE + 2];
	unsigned ln = 0;
	int rc = 0;
	if (fp == NULL) {
		fprintf(stderr, "nfwatch: --cmdline-file %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (!a->quit && fgets(line, sizeof(line), fp) != NULL) {
		ln++;
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		else if (!feof(fp)) {
			fprintf(stderr, "nfwatch: %s:%u: line longer than %d characters\n", path, ln, NFW_CTL_MAX_LINE - 1);
			rc = -1;
			break;
		}
		char *out = NULL;
		const char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		printf("nfwatch> %s\n", p);
		enum nfw_ctl_status st = control_exec(c, p, NFW_CTL_TEXT, &out);
		if (out != NULL)
			fputs(out, stdout);
		fflush(stdout);
		free(out);
		if (st == NFW_CTL_ERROR) {
			fprintf(stderr, "nfwatch: %s:%u: the command failed; the script stops here\n", path, ln);
			rc = -1;
			break;
		}
		if (st == NFW_CTL_QUIT)
			break;
	}
	fclose(fp);
	return rc;
}

/* ---- telemetry ---- */

/* one JSON value into telemetry data: objects and arrays of scalars, one level of nesting */
static void
tel_dict_put(struct rte_tel_data *d, const char *k, const json_t *v)
{
	char key[RTE_TEL_MAX_STRING_LEN];
	snprintf(key, sizeof(key), "%s", k);
	if (json_is_integer(v))
		rte_tel_data_add_dict_u64(d, key, (uint64_t)json_integer_value(v));
	else if (json_is_real(v))
		rte_tel_data_add_dict_u64(d, key, (uint64_t)(json_real_value(v) + 0.5));
	else if (json_is_string(v)) {
		char s[RTE_TEL_MAX_STRING_LEN];
		snprintf(s, sizeof(s), "%s", json_string_value(v));
		rte_tel_data_add_dict_string(d, key, s);
	} else if (json_is_boolean(v)) {
		rte_tel_data_add_dict_int(d, key, json_is_true(v));
	}
}

/*
 * rows as a dict of dicts keyed "0", "1", ... in order (22.11 takes dicts
 * only inside dicts, and keys may not hold the '.' or ':' of an address)
 */
static int
tel_rows(struct rte_tel_data *d, const json_t *rows)
{
	rte_tel_data_start_dict(d);
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (i >= RTE_TEL_MAX_DICT_ENTRIES)
			break;
		struct rte_tel_data *c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)row, k, v)
			tel_dict_put(c, k, v);
		char key[24];
		snprintf(key, sizeof(key), "%zu", i);
		if (rte_tel_data_add_dict_container(d, key, c, 0) != 0)
			rte_tel_data_free(c);
	}
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct control *c = &g_ctl;
	pthread_mutex_lock(&c->snap_lock);
	rte_tel_data_start_dict(d);
	if (c->snap_stats != NULL) {
		const char *k;
		json_t *v;
		json_object_foreach(c->snap_stats, k, v)
			tel_dict_put(d, k, v);
	}
	pthread_mutex_unlock(&c->snap_lock);
	return 0;
}

static int
tel_exporters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct control *c = &g_ctl;
	int rc;
	pthread_mutex_lock(&c->snap_lock);
	json_t *rows = c->snap_exporters != NULL ? json_incref(c->snap_exporters) : json_array();
	pthread_mutex_unlock(&c->snap_lock);
	rc = tel_rows(d, rows);
	json_decref(rows);
	return rc;
}

static int
tel_findings(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	(void)params;
	struct control *c = &g_ctl;
	int rc;
	pthread_mutex_lock(&c->snap_lock);
	json_t *rows = c->snap_findings != NULL ? json_incref(c->snap_findings) : json_array();
	pthread_mutex_unlock(&c->snap_lock);
	rc = tel_rows(d, rows);
	json_decref(rows);
	return rc;
}

int
frontend_telemetry_register(void)
{
	if (rte_telemetry_register_cmd("/nfwatch/stats", tel_stats,
				       "nfwatch totals: rx, datagrams, records, flows, findings") != 0 ||
	    rte_telemetry_register_cmd("/nfwatch/exporters", tel_exporters,
				       "nfwatch exporters, as 'show exporters'") != 0 ||
	    rte_telemetry_register_cmd("/nfwatch/findings", tel_findings,
				       "nfwatch findings, highest priority first, as 'show findings'") != 0)
		return -1;
	return 0;
}
