/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Filter expressions: a tokenizer, a recursive-descent parser that builds a
 * flat array of nodes (operators point at their operands by index), and an
 * evaluator that walks it with short-circuit and / or. Depth and size are
 * bounded at compile time, so matching cannot recurse without limit.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "nfw_decode.h"
#include "nfw_filter.h"

#define MAX_DEPTH 64
#define MAX_TOKENS 512

enum node_op {
	N_AND, N_OR, N_NOT, N_TRUE,
	N_AF,        /* num = 4 or 6 */
	N_PROTO,     /* num */
	N_NET,       /* pfx, dir */
	N_PORT,      /* cmp, num, dir */
	N_AS,        /* cmp, num, dir */
	N_IF,        /* num, dir (0 in, 1 out) */
	N_FIELD,     /* field, cmp, num */
	N_FLAGS,     /* num: all these bits set */
	N_EXPORTER,  /* pfx */
	N_NEXTHOP,   /* pfx */
};

enum dir { D_ANY, D_SRC, D_DST };
enum cmp { C_EQ, C_NE, C_GT, C_LT, C_GE, C_LE };
enum field { F_BYTES, F_PACKETS, F_TOS, F_DURATION, F_SAMPLING, F_PPS, F_BPS, F_BPP, F_ICMP_TYPE,
	F_ICMP_CODE };

struct node {
	uint8_t op, dir, cmp, field;
	int a, b;            /* operands of and / or / not */
	uint64_t num;
	struct nfw_prefix pfx;
};

struct nfw_filter {
	struct node *n;
	unsigned nn;
	int root;
	char *text;
};

struct parser {
	char tok[MAX_TOKENS][80];
	unsigned pos[MAX_TOKENS];
	unsigned ntok, i, depth;
	struct nfw_filter *f;
	char *err;
	size_t errlen;
};

static int
perr(struct parser *p, const char *what)
{
	if (p->i < p->ntok)
		snprintf(p->err, p->errlen, "filter: %s at '%s' (column %u)", what, p->tok[p->i], p->pos[p->i] + 1);
	else
		snprintf(p->err, p->errlen, "filter: %s at the end of the expression", what);
	return -1;
}

static bool
is_word_char(int c)
{
	return isalnum(c) || c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
}

static int
tokenize(struct parser *p, const char *s)
{
	unsigned i = 0;
	size_t len = strlen(s);
	while (i < len) {
		if (isspace((unsigned char)s[i])) {
			i++;
			continue;
		}
		if (p->ntok == MAX_TOKENS) {
			snprintf(p->err, p->errlen, "filter: more than %d words", MAX_TOKENS);
			return -1;
		}
		unsigned start = i, n;
		if (is_word_char((unsigned char)s[i])) {
			while (i < len && is_word_char((unsigned char)s[i]))
				i++;
		} else if (strchr("()[],", s[i]) != NULL) {
			i++;
		} else if (strncmp(s + i, "&&", 2) == 0 || strncmp(s + i, "||", 2) == 0 ||
			   strncmp(s + i, ">=", 2) == 0 || strncmp(s + i, "<=", 2) == 0 ||
			   strncmp(s + i, "==", 2) == 0 || strncmp(s + i, "!=", 2) == 0) {
			i += 2;
		} else if (strchr("!<>=", s[i]) != NULL) {
			i++;
		} else {
			snprintf(p->err, p->errlen, "filter: unexpected character '%c' (column %u)", s[i], i + 1);
			return -1;
		}
		n = i - start;
		if (n >= sizeof(p->tok[0])) {
			snprintf(p->err, p->errlen, "filter: word too long (column %u)", start + 1);
			return -1;
		}
		memcpy(p->tok[p->ntok], s + start, n);
		p->tok[p->ntok][n] = '\0';
		p->pos[p->ntok++] = start;
	}
	return 0;
}

static bool
peek(const struct parser *p, const char *w)
{
	return p->i < p->ntok && strcasecmp(p->tok[p->i], w) == 0;
}

static bool
accept(struct parser *p, const char *w)
{
	if (!peek(p, w))
		return false;
	p->i++;
	return true;
}

static int
new_node(struct parser *p, enum node_op op)
{
	if (p->f->nn == NFW_FILTER_MAX_NODES)
		return perr(p, "expression too long");
	struct node *n = &p->f->n[p->f->nn];
	memset(n, 0, sizeof(*n));
	n->op = (uint8_t)op;
	n->a = n->b = -1;
	return (int)p->f->nn++;
}

/* N, with an optional k / m / g multiplier (1000s, as nfdump) */
static int
number(struct parser *p, uint64_t max, uint64_t *out)
{
	if (p->i >= p->ntok)
		return perr(p, "a number is missing");
	const char *s = p->tok[p->i];
	char *end;
	if (!isdigit((unsigned char)s[0]))
		return perr(p, "not a number");
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	uint64_t mul = 1;
	if (*end != '\0' && end[1] == '\0') {
		switch (tolower((unsigned char)*end)) {
		case 'k': mul = 1000; end++; break;
		case 'm': mul = 1000000; end++; break;
		case 'g': mul = 1000000000; end++; break;
		default: break;
		}
	}
	if (*end != '\0' || errno != 0)
		return perr(p, "not a number");
	if (v > max / mul)
		return perr(p, "number out of range");
	*out = v * mul;
	p->i++;
	return 0;
}

static int
comparison(struct parser *p, uint8_t *cmp)
{
	static const struct { const char *w; enum cmp c; } ops[] = {
		{ "=", C_EQ }, { "==", C_EQ }, { "eq", C_EQ }, { "!=", C_NE }, { "ne", C_NE },
		{ ">", C_GT }, { "gt", C_GT }, { "<", C_LT }, { "lt", C_LT },
		{ ">=", C_GE }, { "ge", C_GE }, { "<=", C_LE }, { "le", C_LE },
	};
	*cmp = C_EQ;
	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (accept(p, ops[k].w)) {
			*cmp = (uint8_t)ops[k].c;
			return 0;
		}
	return 0;
}

static int
prefix(struct parser *p, struct nfw_prefix *out, bool host)
{
	if (p->i >= p->ntok)
		return perr(p, host ? "an address is missing" : "a prefix is missing");
	if (nfw_prefix_parse(p->tok[p->i], out) != 0 || (host && strchr(p->tok[p->i], '/') != NULL))
		return perr(p, host ? "not an IP address" : "not a prefix like 10.0.0.0/8");
	p->i++;
	return 0;
}

static int
proto_number(struct parser *p, uint64_t *out)
{
	static const struct { const char *w; unsigned n; } names[] = {
		{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 }, { "esp", 50 },
		{ "ah", 51 }, { "icmp6", 58 }, { "ipv6-icmp", 58 }, { "sctp", 132 },
	};
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (accept(p, names[k].w)) {
			*out = names[k].n;
			return 0;
		}
	return number(p, 255, out);
}

static int
flag_bits(struct parser *p, uint64_t *out)
{
	static const char letters[] = "FSRPAUEC"; /* bit 0 .. bit 7 */
	if (p->i >= p->ntok)
		return perr(p, "TCP flags are missing");
	uint64_t v = 0;
	for (const char *c = p->tok[p->i]; *c; c++) {
		const char *at = strchr(letters, toupper((unsigned char)*c));
		if (at == NULL)
			return perr(p, "TCP flags are letters of FSRPAUEC");
		v |= 1u << (at - letters);
	}
	*out = v;
	p->i++;
	return 0;
}

static int expr(struct parser *p);

/*
 * "in [ a b c ]" (commas optional, as nfdump): the primitive built by one()
 * for each element, joined by or. one() parses one element at p->i.
 */
static int
in_list(struct parser *p, int (*one)(struct parser *p, void *arg), void *arg)
{
	int acc = -1;
	if (!accept(p, "["))
		return perr(p, "expected '[' after in");
	while (!accept(p, "]")) {
		if (p->i >= p->ntok)
			return perr(p, "expected ']'");
		if (accept(p, ","))
			continue;
		int k = one(p, arg);
		if (k < 0)
			return -1;
		if (acc < 0) {
			acc = k;
			continue;
		}
		int o = new_node(p, N_OR);
		if (o < 0)
			return -1;
		p->f->n[o].a = acc;
		p->f->n[o].b = k;
		acc = o;
	}
	if (acc < 0)
		return perr(p, "an empty list");
	return acc;
}

struct elem_arg {
	uint8_t op, dir;
	bool host;
};

static int
list_elem(struct parser *p, void *arg)
{
	const struct elem_arg *a = arg;
	int k;
	if (a->op == N_PORT) {
		uint64_t v = 0;
		if (number(p, 65535, &v) != 0 || (k = new_node(p, N_PORT)) < 0)
			return -1;
		p->f->n[k].num = v;
		p->f->n[k].cmp = C_EQ;
	} else {
		struct nfw_prefix x;
		if (prefix(p, &x, a->host) != 0 || (k = new_node(p, N_NET)) < 0)
			return -1;
		p->f->n[k].pfx = x;
	}
	p->f->n[k].dir = a->dir;
	return k;
}

static int
prim(struct parser *p)
{
	int k;
	uint8_t dir = D_ANY;
	if (accept(p, "any") || accept(p, "all"))
		return new_node(p, N_TRUE);
	if (accept(p, "ipv4") || accept(p, "inet")) {
		if ((k = new_node(p, N_AF)) >= 0)
			p->f->n[k].num = 4;
		return k;
	}
	if (accept(p, "ipv6") || accept(p, "inet6")) {
		if ((k = new_node(p, N_AF)) >= 0)
			p->f->n[k].num = 6;
		return k;
	}
	if (accept(p, "proto")) {
		uint64_t v = 0;
		if (proto_number(p, &v) != 0 || (k = new_node(p, N_PROTO)) < 0)
			return -1;
		p->f->n[k].num = v;
		return k;
	}
	if (accept(p, "in") || accept(p, "out")) {
		uint8_t d = strcasecmp(p->tok[p->i - 1], "out") == 0;
		uint64_t v = 0;
		if (!accept(p, "if"))
			return perr(p, "expected 'if' after in / out");
		if (number(p, UINT32_MAX, &v) != 0 || (k = new_node(p, N_IF)) < 0)
			return -1;
		p->f->n[k].num = v;
		p->f->n[k].dir = d;
		return k;
	}
	if (accept(p, "flags")) {
		uint64_t v = 0;
		if (flag_bits(p, &v) != 0 || (k = new_node(p, N_FLAGS)) < 0)
			return -1;
		p->f->n[k].num = v;
		return k;
	}
	if (accept(p, "exporter") || accept(p, "router") || accept(p, "next")) {
		bool nh = strcasecmp(p->tok[p->i - 1], "next") == 0;
		bool rt = strcasecmp(p->tok[p->i - 1], "router") == 0;
		struct nfw_prefix x;
		if ((nh || rt) && !accept(p, "ip") && !accept(p, "host"))
			return perr(p, nh ? "expected 'ip' after next" : "expected 'ip' after router");
		if (prefix(p, &x, false) != 0 || (k = new_node(p, nh ? N_NEXTHOP : N_EXPORTER)) < 0)
			return -1;
		p->f->n[k].pfx = x;
		return k;
	}
	static const struct { const char *w; enum field f; uint64_t max; } fields[] = {
		{ "bytes", F_BYTES, UINT64_MAX }, { "packets", F_PACKETS, UINT64_MAX },
		{ "tos", F_TOS, 255 }, { "duration", F_DURATION, UINT64_MAX },
		{ "sampling", F_SAMPLING, UINT32_MAX }, { "pps", F_PPS, UINT64_MAX },
		{ "bps", F_BPS, UINT64_MAX }, { "bpp", F_BPP, UINT64_MAX },
		{ "icmp-type", F_ICMP_TYPE, 255 }, { "icmp-code", F_ICMP_CODE, 255 },
	};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (accept(p, fields[i].w)) {
			uint8_t c = 0;
			uint64_t v = 0;
			if (comparison(p, &c) != 0 || number(p, fields[i].max, &v) != 0 ||
			    (k = new_node(p, N_FIELD)) < 0)
				return -1;
			p->f->n[k].field = (uint8_t)fields[i].f;
			p->f->n[k].cmp = c;
			p->f->n[k].num = v;
			return k;
		}
	if (accept(p, "src"))
		dir = D_SRC;
	else if (accept(p, "dst"))
		dir = D_DST;
	if (accept(p, "host") || accept(p, "ip") || accept(p, "net") || accept(p, "port")) {
		const char *w = p->tok[p->i - 1];
		if (accept(p, "in")) {
			struct elem_arg a = { .op = strcasecmp(w, "port") == 0 ? N_PORT : N_NET, .dir = dir,
					      .host = strcasecmp(w, "net") != 0 };
			return in_list(p, list_elem, &a);
		}
		p->i--;
	}
	if (accept(p, "host") || accept(p, "ip")) {
		struct nfw_prefix x;
		if (prefix(p, &x, true) != 0 || (k = new_node(p, N_NET)) < 0)
			return -1;
		p->f->n[k].pfx = x;
		p->f->n[k].dir = dir;
		return k;
	}
	if (accept(p, "net")) {
		struct nfw_prefix x;
		if (prefix(p, &x, false) != 0 || (k = new_node(p, N_NET)) < 0)
			return -1;
		p->f->n[k].pfx = x;
		p->f->n[k].dir = dir;
		return k;
	}
	if (accept(p, "port") || accept(p, "as")) {
		bool port = strcasecmp(p->tok[p->i - 1], "port") == 0;
		uint8_t c = 0;
		uint64_t v = 0;
		if (comparison(p, &c) != 0 || number(p, port ? 65535 : UINT32_MAX, &v) != 0 ||
		    (k = new_node(p, port ? N_PORT : N_AS)) < 0)
			return -1;
		p->f->n[k].cmp = c;
		p->f->n[k].num = v;
		p->f->n[k].dir = dir;
		return k;
	}
	if (dir != D_ANY)
		return perr(p, "expected host, ip, net, port or as after src / dst");
	return perr(p, p->i < p->ntok ? "unknown word" : "a condition is missing");
}

static int
factor(struct parser *p)
{
	int k, a;
	if (++p->depth > MAX_DEPTH)
		return perr(p, "nested too deeply");
	if (accept(p, "not") || accept(p, "!")) {
		if ((a = factor(p)) < 0 || (k = new_node(p, N_NOT)) < 0)
			return -1;
		p->f->n[k].a = a;
	} else if (accept(p, "(")) {
		if ((k = expr(p)) < 0)
			return -1;
		if (!accept(p, ")"))
			return perr(p, "expected ')'");
	} else {
		k = prim(p);
	}
	p->depth--;
	return k;
}

static int
binary(struct parser *p, bool is_or)
{
	int a = is_or ? binary(p, false) : factor(p);
	while (a >= 0 && (is_or ? (accept(p, "or") || accept(p, "||")) : (accept(p, "and") || accept(p, "&&")))) {
		int b = is_or ? binary(p, false) : factor(p), k;
		if (b < 0 || (k = new_node(p, is_or ? N_OR : N_AND)) < 0)
			return -1;
		p->f->n[k].a = a;
		p->f->n[k].b = b;
		a = k;
	}
	return a;
}

static int
expr(struct parser *p)
{
	return binary(p, true);
}

struct nfw_filter *
nfw_filter_compile(const char *text, char *err, size_t errlen)
{
	struct parser *p;
	struct nfw_filter *f;

	if (strlen(text) > NFW_FILTER_MAX_LEN) {
		snprintf(err, errlen, "filter: longer than %d characters", NFW_FILTER_MAX_LEN);
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	f = calloc(1, sizeof(*f));
	if (p == NULL || f == NULL || (f->n = calloc(NFW_FILTER_MAX_NODES, sizeof(*f->n))) == NULL ||
	    (f->text = strdup(text)) == NULL) {
		snprintf(err, errlen, "filter: out of memory");
		goto fail;
	}
	p->f = f;
	p->err = err;
	p->errlen = errlen;
	if (tokenize(p, text) != 0)
		goto fail;
	if (p->ntok == 0) {
		f->root = new_node(p, N_TRUE);
	} else {
		f->root = expr(p);
		if (f->root < 0)
			goto fail;
		if (p->i < p->ntok) {
			perr(p, p->tok[p->i][0] == ')' ? "unbalanced ')'" : "expected and / or");
			goto fail;
		}
	}
	free(p);
	return f;
fail:
	free(p);
	nfw_filter_free(f);
	return NULL;
}

static bool
compare(uint8_t c, uint64_t v, uint64_t ref)
{
	switch (c) {
	case C_EQ: return v == ref;
	case C_NE: return v != ref;
	case C_GT: return v > ref;
	case C_LT: return v < ref;
	case C_GE: return v >= ref;
	default: return v <= ref;
	}
}

static bool
either(uint8_t dir, bool src, bool dst)
{
	return dir == D_SRC ? src : dir == D_DST ? dst : (src || dst);
}

static bool
eval(const struct nfw_filter *f, int k, const struct nfw_flow *r)
{
	const struct node *n = &f->n[k];
	switch (n->op) {
	case N_AND: return eval(f, n->a, r) && eval(f, n->b, r);
	case N_OR: return eval(f, n->a, r) || eval(f, n->b, r);
	case N_NOT: return !eval(f, n->a, r);
	case N_TRUE: return true;
	case N_AF: return r->af == n->num;
	case N_PROTO: return r->proto == n->num;
	case N_NET:
		return either(n->dir, nfw_prefix_match(&n->pfx, 1, r->src_addr),
			      nfw_prefix_match(&n->pfx, 1, r->dst_addr));
	case N_PORT:
		return either(n->dir, compare(n->cmp, r->src_port, n->num), compare(n->cmp, r->dst_port, n->num));
	case N_AS:
		return either(n->dir, compare(n->cmp, r->src_as, n->num), compare(n->cmp, r->dst_as, n->num));
	case N_IF: return (n->dir ? r->out_if : r->in_if) == n->num;
	case N_FLAGS: return (r->tcp_flags & n->num) == n->num;
	case N_EXPORTER: return nfw_prefix_match(&n->pfx, 1, r->exporter);
	case N_NEXTHOP: return nfw_prefix_match(&n->pfx, 1, r->nexthop);
	case N_FIELD: {
		uint64_t v = 0;
		switch (n->field) {
		case F_BYTES: v = r->bytes; break;
		case F_PACKETS: v = r->packets; break;
		case F_TOS: v = r->tos; break;
		case F_DURATION: v = r->end_ms > r->start_ms ? r->end_ms - r->start_ms : 0; break;
		case F_PPS: case F_BPS: {
			/* as nfdump: per second of the flow's duration, 0 for a flow of no duration */
			uint64_t d = r->end_ms > r->start_ms ? r->end_ms - r->start_ms : 0;
			if (d != 0)
				v = n->field == F_PPS ? r->packets * 1000 / d
						      : (uint64_t)((double)r->bytes * 8000.0 / (double)d);
			break;
		}
		case F_BPP: v = r->packets == 0 ? 0 : r->bytes / r->packets; break;
		case F_ICMP_TYPE: case F_ICMP_CODE:
			/* ICMP type and code travel in the destination port (type << 8 | code) */
			if (r->proto != 1 && r->proto != 58)
				return false;
			v = n->field == F_ICMP_TYPE ? (uint64_t)(r->dst_port >> 8) : (uint64_t)(r->dst_port & 0xff);
			break;
		default: v = r->sampling; break;
		}
		return compare(n->cmp, v, n->num);
	}
	default: return false;
	}
}

bool
nfw_filter_match(const struct nfw_filter *f, const struct nfw_flow *r)
{
	return eval(f, f->root, r);
}

const char *
nfw_filter_text(const struct nfw_filter *f)
{
	return f->text;
}

void
nfw_filter_free(struct nfw_filter *f)
{
	if (f == NULL)
		return;
	free(f->n);
	free(f->text);
	free(f);
}
