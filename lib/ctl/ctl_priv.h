/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_CTL_PRIV_H
#define NFW_CTL_PRIV_H

#include "nfw_ctl.h"

/* One parsed argument of a matched command. */
struct ctl_arg {
	const char *name;
	enum nfw_ctl_tok kind;
	char s[NFW_CTL_MAX_LINE];
	uint64_t u;
	struct nfw_prefix pfx;
};

struct ctl_args {
	unsigned n;
	struct ctl_arg v[NFW_CTL_MAX_TOKENS];
};

/* A handler: the answer as JSON (a new reference), or NULL with err set. */
typedef json_t *(*ctl_fn)(struct nfw_ctl *c, const struct ctl_args *a, char *err, size_t errlen);

struct ctl_cmd_def {
	const char *syntax;
	const char *help;
	ctl_fn fn;
};

struct ctl_cmd {
	const struct ctl_cmd_def *def;
	struct nfw_ctl_token tok[NFW_CTL_MAX_TOKENS];
	unsigned ntok;
};

struct nfw_ctl {
	struct nfw_ctl_ops ops;
	void *arg;
	struct ctl_cmd *cmds;
	unsigned ncmds;
	bool quit;
	char *report_dir;      /* realpath: where `save report` may write */
};

/* commands.c: the table */
const struct ctl_cmd_def *ctl_command_defs(unsigned *n);

/* argument lookup (the grammar guarantees presence for required ones) */
const struct ctl_arg *ctl_arg(const struct ctl_args *a, const char *name);
const char *ctl_arg_s(const struct ctl_args *a, const char *name);
uint64_t ctl_arg_u(const struct ctl_args *a, const char *name);

/* a JSON string answer: "done", "paused", ... */
/*
 * save.c: j written to name inside the report directory (the path written
 * in out), or -1 with a message in err.
 */
int ctl_save_json(struct nfw_ctl *c, const char *name, json_t *j, char *out, size_t outlen, char *err,
		  size_t errlen);
json_t *ctl_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
