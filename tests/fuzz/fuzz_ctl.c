/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer over the command language: any bytes as one command line to
 * lib/ctl (against an appliance that answers with small fixed data and
 * never writes a file: its findings fail, so `save report` stops there),
 * and as a filter expression compiled and run on one record.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nfw_ctl.h"

static int
none(void *arg, char *err, size_t errlen)
{
	(void)arg;
	snprintf(err, errlen, "not here");
	return -1;
}

static int
f_ports(void *arg, struct nfw_ctl_port *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	if (max > 0) {
		memset(out, 0, sizeof(*out));
		snprintf(out->name, sizeof(out->name), "p0");
	}
	return max > 0;
}

static int
f_lcores(void *arg, struct nfw_ctl_lcore *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)out; (void)max; (void)err; (void)errlen;
	return 0;
}

static int
f_rings(void *arg, struct nfw_ctl_ring *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)out; (void)max; (void)err; (void)errlen;
	return 0;
}

static int
f_exporters(void *arg, struct nfw_ctl_exporter *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	for (unsigned i = 0; i < 2 && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		nfw_exporter_addr_set4(&out[i].info.addr, 0xc0000201);
		out[i].info.stats.datagrams = 5 + i;
		out[i].lcore = i;
	}
	return max >= 2 ? 2 : (int)max;
}

static int
f_templates(void *arg, struct nfw_ctl_template *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)out; (void)max; (void)err; (void)errlen;
	return 0;
}

static int
f_top_flows(void *arg, unsigned n, enum nfw_ctl_by by, const struct nfw_filter *f, struct nfw_flow_closed *out,
	    unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)n; (void)by; (void)err; (void)errlen;
	unsigned k = 0;
	for (unsigned i = 0; i < 3 && k < max; i++) {
		struct nfw_flow_closed c;
		memset(&c, 0, sizeof(c));
		nfw_flow_addr_set4(c.f.src_addr, 0x0a000001 + i);
		c.f.proto = 6;
		c.f.bytes = i;
		if (f == NULL || nfw_filter_match(f, &c.f))
			out[k++] = c;
	}
	return (int)k;
}

static int
f_top(void *arg, enum nfw_ctl_top what, struct nfw_ctl_talker *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)what; (void)out; (void)max; (void)err; (void)errlen;
	return 0;
}

static int
f_sketches(void *arg, struct nfw_ctl_sketch *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)out; (void)max; (void)err; (void)errlen;
	return 0;
}

static int
f_detect_stats(void *arg, struct nfw_detect_stats *out, char *err, size_t errlen)
{
	(void)arg; (void)out;
	snprintf(err, errlen, "detection is off");
	return -1;
}

static int
f_findings(void *arg, const struct nfw_finding **out, struct nfw_ctl_window *w, char *err, size_t errlen)
{
	(void)arg; (void)out; (void)w;
	snprintf(err, errlen, "detection is off");
	return -1;
}

static json_t *
f_settings(void *arg)
{
	(void)arg;
	return json_object();
}

static struct nfw_detect_config g_dc;

static int
f_dc(void *arg, struct nfw_detect_config *out, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	*out = g_dc;
	return 0;
}

static int
f_apply(void *arg, const struct nfw_detect_config *c, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	g_dc = *c;
	return 0;
}

static int
f_sampling(void *arg, const uint8_t addr[16], uint32_t rate, char *err, size_t errlen)
{
	(void)arg; (void)addr; (void)rate; (void)err; (void)errlen;
	return 0;
}

static int
f_acl(void *arg, bool allow, const struct nfw_prefix *p, char *err, size_t errlen)
{
	(void)arg; (void)allow; (void)p; (void)err; (void)errlen;
	return 0;
}

static int
f_run(void *arg, bool start, char *err, size_t errlen)
{
	(void)arg; (void)start; (void)err; (void)errlen;
	return 0;
}

static int
f_wait(void *arg, unsigned idle_ms, unsigned timeout_s, char *err, size_t errlen)
{
	(void)arg; (void)idle_ms; (void)timeout_s; (void)err; (void)errlen;
	return 0;
}

static void
f_quit(void *arg)
{
	(void)arg;
}

static const struct nfw_ctl_ops ops = {
	.ports = f_ports, .lcores = f_lcores, .rings = f_rings, .exporters = f_exporters,
	.templates = f_templates, .top_flows = f_top_flows, .top = f_top, .sketches = f_sketches,
	.findings = f_findings, .detect_stats = f_detect_stats, .settings = f_settings, .detect_config = f_dc, .detect_apply = f_apply,
	.clear_stats = none, .set_sampling = f_sampling, .exporter_acl = f_acl, .run = f_run,
	.rotate = none, .flush = none, .wait_idle = f_wait, .quit = f_quit,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nfw_ctl *ctl;
	if (ctl == NULL) {
		nfw_detect_config_default(&g_dc);
		ctl = nfw_ctl_create(&ops, NULL);
	}
	char *line = malloc(size + 1);
	if (line == NULL)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	char *out = NULL;
	nfw_ctl_exec(ctl, line, size & 1 ? NFW_CTL_JSON : NFW_CTL_TEXT, &out);
	free(out);
	char err[256];
	struct nfw_filter *f = nfw_filter_compile(line, err, sizeof(err));
	if (f != NULL) {
		struct nfw_flow r;
		memset(&r, 0, sizeof(r));
		nfw_flow_addr_set4(r.src_addr, 0x0a000001);
		r.af = 4;
		(void)nfw_filter_match(f, &r);
		nfw_filter_free(f);
	}
	free(line);
	return 0;
}
