/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command engine: grammar lines compiled once into tokens; a command
 * line split into words; each command tried in turn, every typed argument
 * checked; the deepest failure explained ("show port stats: expected all
 * or <port> (0..1023), got 'x'"). The handler's JSON answer is rendered as
 * text or returned as JSON.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl_priv.h"

#define MAX_WORDS 64

/* ---- grammar ---- */

static int
compile(const struct ctl_cmd_def *def, struct ctl_cmd *out)
{
	char buf[256];
	char *save = NULL;
	memset(out, 0, sizeof(*out));
	out->def = def;
	snprintf(buf, sizeof(buf), "%s", def->syntax);
	for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		if (out->ntok == NFW_CTL_MAX_TOKENS)
			return -1;
		struct nfw_ctl_token *t = &out->tok[out->ntok++];
		if (w[0] != '<') {
			t->kind = NFW_CTL_TOK_KEYWORD;
			snprintf(t->words, sizeof(t->words), "%s", w);
			continue;
		}
		size_t n = strlen(w);
		if (n < 4 || w[n - 1] != '>')
			return -1;
		w[n - 1] = '\0';
		char *colon = strchr(w + 1, ':');
		if (colon == NULL)
			return -1;
		*colon = '\0';
		snprintf(t->name, sizeof(t->name), "%s", w + 1);
		const char *type = colon + 1;
		if (strncmp(type, "uint:", 5) == 0) {
			unsigned long long lo, hi;
			if (sscanf(type + 5, "%llu-%llu", &lo, &hi) != 2)
				return -1;
			t->kind = NFW_CTL_TOK_UINT;
			t->min = lo;
			t->max = hi;
		} else if (strcmp(type, "addr") == 0) {
			t->kind = NFW_CTL_TOK_ADDR;
		} else if (strcmp(type, "prefix") == 0) {
			t->kind = NFW_CTL_TOK_PREFIX;
		} else if (strcmp(type, "word") == 0) {
			t->kind = NFW_CTL_TOK_WORD;
		} else if (strcmp(type, "path") == 0) {
			t->kind = NFW_CTL_TOK_PATH;
		} else if (strcmp(type, "text") == 0) {
			t->kind = NFW_CTL_TOK_TEXT;
		} else {
			t->kind = NFW_CTL_TOK_CHOICE;
			snprintf(t->words, sizeof(t->words), "%s", type);
		}
	}
	return 0;
}

struct nfw_ctl *
nfw_ctl_create(const struct nfw_ctl_ops *ops, void *arg)
{
	unsigned n;
	const struct ctl_cmd_def *defs = ctl_command_defs(&n);
	struct nfw_ctl *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ops = *ops;
	c->arg = arg;
	c->cmds = calloc(n, sizeof(*c->cmds));
	c->report_dir = realpath(".", NULL);
	if (c->report_dir == NULL)
		c->report_dir = strdup("/nonexistent"); /* the start directory is gone: nowhere, until set */
	if (c->cmds == NULL || c->report_dir == NULL) {
		free(c->cmds);
		free(c->report_dir);
		free(c);
		return NULL;
	}
	for (unsigned i = 0; i < n; i++)
		if (compile(&defs[i], &c->cmds[c->ncmds]) == 0)
			c->ncmds++;
	return c;
}

void
nfw_ctl_free(struct nfw_ctl *c)
{
	if (c == NULL)
		return;
	free(c->cmds);
	free(c->report_dir);
	free(c);
}

unsigned
nfw_ctl_command_count(const struct nfw_ctl *c)
{
	return c->ncmds;
}

unsigned
nfw_ctl_command_tokens(const struct nfw_ctl *c, unsigned i, const struct nfw_ctl_token **tok, const char **help)
{
	if (i >= c->ncmds)
		return 0;
	*tok = c->cmds[i].tok;
	*help = c->cmds[i].def->help;
	return c->cmds[i].ntok;
}

/* ---- words ---- */

struct words {
	unsigned n;
	char w[MAX_WORDS][NFW_CTL_MAX_LINE];
	unsigned off[MAX_WORDS];   /* where each word starts in the line */
};

static int
split(const char *line, struct words *ws, char *err, size_t errlen)
{
	size_t i = 0, len = strlen(line);
	ws->n = 0;
	while (i < len) {
		if (isspace((unsigned char)line[i])) {
			i++;
			continue;
		}
		if (ws->n == MAX_WORDS) {
			snprintf(err, errlen, "more than %d words", MAX_WORDS);
			return -1;
		}
		char *dst = ws->w[ws->n];
		size_t k = 0;
		ws->off[ws->n] = (unsigned)i;
		if (line[i] == '"') {
			i++;
			while (i < len && line[i] != '"')
				dst[k++] = line[i++];
			if (i == len) {
				snprintf(err, errlen, "unterminated quote");
				return -1;
			}
			i++;
		} else {
			while (i < len && !isspace((unsigned char)line[i]))
				dst[k++] = line[i++];
		}
		dst[k] = '\0';
		ws->n++;
	}
	return 0;
}

/* ---- matching ---- */

static bool
choice_has(const char *choices, const char *w)
{
	size_t n = strlen(w);
	for (const char *p = choices; *p;) {
		const char *bar = strchr(p, '|');
		size_t k = bar ? (size_t)(bar - p) : strlen(p);
		if (k == n && strncasecmp(p, w, n) == 0)
			return true;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	return false;
}

static void
describe(const struct nfw_ctl_token *t, char *buf, size_t len)
{
	switch (t->kind) {
	case NFW_CTL_TOK_KEYWORD:
	case NFW_CTL_TOK_CHOICE:
		snprintf(buf, len, "%s", t->words);
		break;
	case NFW_CTL_TOK_UINT:
		snprintf(buf, len, "<%s> (%llu..%llu)", t->name, (unsigned long long)t->min,
			 (unsigned long long)t->max);
		break;
	case NFW_CTL_TOK_ADDR:
		snprintf(buf, len, "<%s> (an IP address)", t->name);
		break;
	case NFW_CTL_TOK_PREFIX:
		snprintf(buf, len, "<%s> (a prefix like 10.0.0.0/8)", t->name);
		break;
	default:
		snprintf(buf, len, "<%s>", t->name);
		break;
	}
}

/* Accept word w for token t into arg; 0, or -1 with why in err. */
static int
accept_word(const struct nfw_ctl_token *t, const char *w, const char *rest, struct ctl_arg *arg, char *err,
	    size_t errlen)
{
	memset(arg, 0, sizeof(*arg));
	arg->name = t->name;
	arg->kind = t->kind;
	switch (t->kind) {
	case NFW_CTL_TOK_KEYWORD:
		if (strcasecmp(t->words, w) != 0)
			return -1;
		return 1; /* matched, nothing to keep */
	case NFW_CTL_TOK_CHOICE:
		if (!choice_has(t->words, w)) {
			snprintf(err, errlen, "%s: '%s' is not one of %s", t->name, w, t->words);
			return -1;
		}
		for (size_t i = 0; w[i] && i < sizeof(arg->s) - 1; i++)
			arg->s[i] = (char)tolower((unsigned char)w[i]);
		return 0;
	case NFW_CTL_TOK_UINT: {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(w, &end, 10);
		if (!isdigit((unsigned char)w[0]) || *end != '\0' || errno != 0) {
			snprintf(err, errlen, "%s: '%s' is not a number", t->name, w);
			return -1;
		}
		if (v < t->min || v > t->max) {
			snprintf(err, errlen, "%s: %s is out of range %llu..%llu", t->name, w,
				 (unsigned long long)t->min, (unsigned long long)t->max);
			return -1;
		}
		arg->u = v;
		snprintf(arg->s, sizeof(arg->s), "%s", w);
		return 0;
	}
	case NFW_CTL_TOK_ADDR:
	case NFW_CTL_TOK_PREFIX:
		if ((t->kind == NFW_CTL_TOK_ADDR && strchr(w, '/') != NULL) || nfw_prefix_parse(w, &arg->pfx) != 0) {
			snprintf(err, errlen, "%s: '%s' is not %s", t->name, w,
				 t->kind == NFW_CTL_TOK_ADDR ? "an IP address" : "a prefix like 10.0.0.0/8");
			return -1;
		}
		snprintf(arg->s, sizeof(arg->s), "%s", w);
		return 0;
	case NFW_CTL_TOK_WORD:
	case NFW_CTL_TOK_PATH: {
		size_t max = t->kind == NFW_CTL_TOK_WORD ? 127 : 255;
		if (strlen(w) > max) {
			snprintf(err, errlen, "%s: longer than %zu characters", t->name, max);
			return -1;
		}
		snprintf(arg->s, sizeof(arg->s), "%s", w);
		return 0;
	}
	case NFW_CTL_TOK_TEXT:
		snprintf(arg->s, sizeof(arg->s), "%s", rest);
		for (size_t n = strlen(arg->s); n > 0 && isspace((unsigned char)arg->s[n - 1]); n--)
			arg->s[n - 1] = '\0';
		return 0;
	}
	return -1;
}

struct failure {
	int depth;           /* tokens matched before the failure */
	bool typed;          /* a typed argument refused the word (its reason kept) */
	char reason[256];
	char expected[512];  /* what the commands that got this far wanted next */
	unsigned nexpected;
	const char *got;     /* the word refused, NULL when missing */
	bool extra;          /* all tokens matched, words left over */
};

static void
note_failure(struct failure *f, int depth, const struct nfw_ctl_token *t, const char *reason, const char *got,
	     bool extra)
{
	bool typed = reason != NULL && reason[0] != '\0';
	if (depth < f->depth)
		return;
	if (depth > f->depth) {
		memset(f, 0, sizeof(*f));
		f->depth = depth;
	}
	f->got = got;
	f->extra = f->extra || extra;
	if (typed && !f->typed) {
		f->typed = true;
		snprintf(f->reason, sizeof(f->reason), "%s", reason);
	}
	if (t != NULL) {
		char d[200];
		describe(t, d, sizeof(d));
		char key[220], all[530];
		snprintf(key, sizeof(key), "|%s|", d);
		snprintf(all, sizeof(all), "|%s|", f->expected);
		for (char *p = all; (p = strstr(p, " or ")) != NULL;) {
			memmove(p + 1, p + 4, strlen(p + 4) + 1);
			*p = '|';
		}
		if (strstr(all, key) == NULL) {
			size_t u = strlen(f->expected);
			snprintf(f->expected + u, sizeof(f->expected) - u, "%s%s", u ? " or " : "", d);
			f->nexpected++;
		}
	}
}

/* Find and parse the command; the index, or -1 with the message in err. */
static int
match(struct nfw_ctl *c, const char *line, const struct words *ws, struct ctl_args *out, char *err,
      size_t errlen)
{
	struct failure f;
	memset(&f, 0, sizeof(f));
	f.depth = -1;
	for (unsigned ci = 0; ci < c->ncmds; ci++) {
		const struct ctl_cmd *cmd = &c->cmds[ci];
		struct ctl_args a;
		unsigned wi = 0, ti;
		char why[256];
		a.n = 0;
		for (ti = 0; ti < cmd->ntok; ti++) {
			const struct nfw_ctl_token *t = &cmd->tok[ti];
			if (wi == ws->n) {
				note_failure(&f, (int)ti, t, NULL, NULL, false);
				break;
			}
			why[0] = '\0';
			int r = accept_word(t, ws->w[wi], line + ws->off[wi], &a.v[a.n], why, sizeof(why));
			if (r < 0) {
				note_failure(&f, (int)ti, t, why, ws->w[wi], false);
				break;
			}
			if (r == 0)
				a.n++;
			wi = t->kind == NFW_CTL_TOK_TEXT ? ws->n : wi + 1;
		}
		if (ti < cmd->ntok)
			continue;
		if (wi < ws->n) {
			note_failure(&f, (int)ti, NULL, NULL, ws->w[wi], true);
			continue;
		}
		*out = a;
		return (int)ci;
	}
	/* the words that did match, to say where it went wrong */
	char head[NFW_CTL_MAX_LINE] = "";
	for (int i = 0; i < f.depth && i < (int)ws->n; i++) {
		size_t u = strlen(head);
		snprintf(head + u, sizeof(head) - u, "%s%s", i ? " " : "", ws->w[i]);
	}
	if (f.depth == 0 && !f.typed)
		snprintf(err, errlen, "unknown command '%s' ('help' lists the commands)", ws->w[0]);
	else if (f.typed && f.nexpected <= 1)
		snprintf(err, errlen, "%s: %s", head, f.reason);
	else if (f.got == NULL && f.nexpected > 0)
		snprintf(err, errlen, "%s: incomplete, expected %s", head, f.expected);
	else if (f.nexpected > 0)
		snprintf(err, errlen, "%s: expected %s, got '%s'", head, f.expected, f.got);
	else
		snprintf(err, errlen, "'%s' takes no more words, got '%s'", head, f.got ? f.got : "");
	return -1;
}

/* ---- running ---- */

const struct ctl_arg *
ctl_arg(const struct ctl_args *a, const char *name)
{
	for (unsigned i = 0; i < a->n; i++)
		if (strcmp(a->v[i].name, name) == 0)
			return &a->v[i];
	return NULL;
}

const char *
ctl_arg_s(const struct ctl_args *a, const char *name)
{
	const struct ctl_arg *x = ctl_arg(a, name);
	return x ? x->s : "";
}

uint64_t
ctl_arg_u(const struct ctl_args *a, const char *name)
{
	const struct ctl_arg *x = ctl_arg(a, name);
	return x ? x->u : 0;
}

json_t *
ctl_msg(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return json_string(buf);
}

static bool
blank(const char *line)
{
	while (isspace((unsigned char)*line))
		line++;
	return *line == '\0' || *line == '#';
}

static json_t *
run(struct nfw_ctl *c, const char *line, char *err, size_t errlen)
{
	struct words *ws;
	struct ctl_args a;
	json_t *res = NULL;

	if (strlen(line) >= NFW_CTL_MAX_LINE) {
		snprintf(err, errlen, "line longer than %d characters", NFW_CTL_MAX_LINE - 1);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)line; *p; p++)
		if ((*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f) {
			snprintf(err, errlen, "control character 0x%02x in the line", *p);
			return NULL;
		}
	ws = malloc(sizeof(*ws));
	if (ws == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (split(line, ws, err, errlen) == 0) {
		int ci = match(c, line, ws, &a, err, errlen);
		if (ci >= 0) {
			err[0] = '\0';
			res = c->cmds[ci].def->fn(c, &a, err, errlen);
			if (res == NULL && err[0] == '\0')
				snprintf(err, errlen, "out of memory");
		}
	}
	free(ws);
	return res;
}

json_t *
nfw_ctl_query(struct nfw_ctl *c, const char *line, char *err, size_t errlen)
{
	return run(c, line, err, errlen);
}

enum nfw_ctl_status
nfw_ctl_exec(struct nfw_ctl *c, const char *line, enum nfw_ctl_fmt fmt, char **out)
{
	char err[1024];
	*out = NULL;
	if (blank(line)) {
		*out = strdup("");
		return NFW_CTL_OK;
	}
	c->quit = false;
	json_t *res = run(c, line, err, sizeof(err));
	if (res == NULL) {
		if (fmt == NFW_CTL_JSON) {
			json_t *e = json_pack("{s:s}", "error", err);
			char *s = json_dumps(e, JSON_COMPACT);
			json_decref(e);
			if (s != NULL && asprintf(out, "%s\n", s) < 0)
				*out = NULL;
			free(s);
		} else if (asprintf(out, "error: %s\n", err) < 0) {
			*out = NULL;
		}
		return NFW_CTL_ERROR;
	}
	if (fmt == NFW_CTL_JSON) {
		char *s = json_dumps(res, JSON_INDENT(2) | JSON_ENCODE_ANY);
		if (s != NULL && asprintf(out, "%s\n", s) < 0)
			*out = NULL;
		free(s);
	} else {
		*out = nfw_ctl_render_text(res);
	}
	json_decref(res);
	return c->quit ? NFW_CTL_QUIT : NFW_CTL_OK;
}
