/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The command engine against a fake appliance: exact answers (text tables,
 * JSON), typed-argument errors, merging of per-worker exporters and flows,
 * configuration changes reaching the appliance, and quit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "nfw_ctl.h"

/* ---- the fake appliance ---- */

static struct {
	struct nfw_detect_config dc;
	int applied;
	uint8_t sampling_addr[16];
	uint32_t sampling_rate;
	int acl_allow;
	struct nfw_prefix acl;
	int running;
	int quit;
	int flushed;
	char last_filter[256];
	struct nfw_finding findings[2];
} fk;

static int
f_ports(void *arg, struct nfw_ctl_port *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	memset(out, 0, 2 * sizeof(*out));
	for (unsigned i = 0; i < 2; i++) {
		out[i].id = (uint16_t)i;
		snprintf(out[i].name, sizeof(out[i].name), "net_pcap%u", i);
		snprintf(out[i].driver, sizeof(out[i].driver), "net_pcap");
		snprintf(out[i].mac, sizeof(out[i].mac), "02:00:00:00:00:0%u", i);
		out[i].rx_queues = 1;
		out[i].ipackets = 1000 + i;
		out[i].ibytes = 150000 + i;
		out[i].taken = 1000 + i;
	}
	return 2;
}

static int
f_lcores(void *arg, struct nfw_ctl_lcore *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	memset(out, 0, sizeof(*out));
	out[0].lcore = 1;
	out[0].shard = 0;
	snprintf(out[0].role, sizeof(out[0].role), "worker");
	snprintf(out[0].state, sizeof(out[0].state), "running");
	out[0].rx_pkts = 10;
	out[0].busy_pct = 12.34;
	return 1;
}

static int
f_rings(void *arg, struct nfw_ctl_ring *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)out;
	snprintf(err, errlen, "no rings in this mode");
	return -1;
}

static void
exp_set(struct nfw_ctl_exporter *e, uint32_t v4, uint16_t port, unsigned lcore, uint64_t dgrams)
{
	memset(e, 0, sizeof(*e));
	nfw_exporter_addr_set4(&e->info.addr, v4);
	e->info.addr.port = port;
	e->info.version = NFW_FLOW_V9;
	e->info.sampling = 10;
	e->info.first_ms = 1767225600000ull;
	e->info.last_ms = 1767225660000ull + lcore;
	e->info.stats.datagrams = dgrams;
	e->info.stats.decoded = dgrams - 1;
	e->info.stats.dropped[NFW_DROP_MSG_TRUNCATED] = 1;
	e->info.stats.records = dgrams * 20;
	e->info.stats.templates_active = 2;
	e->lcore = lcore;
}

static int
f_exporters(void *arg, struct nfw_ctl_exporter *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	exp_set(&out[0], 0xc0000201, 2055, 1, 100); /* one exporter on two lcores */
	exp_set(&out[1], 0xc0000201, 2055, 2, 50);
	exp_set(&out[2], 0xc0000202, 4739, 2, 7);
	out[2].info.version = NFW_FLOW_IPFIX;
	out[2].sampling_override = 100;
	return 3;
}

static int
f_templates(void *arg, struct nfw_ctl_template *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	memset(out, 0, 2 * sizeof(*out));
	nfw_exporter_addr_set4(&out[0].exporter, 0xc0000201);
	out[0].exporter.port = 2055;
	out[0].t.id = 256;
	out[0].t.version = 9;
	out[0].t.fields = 18;
	out[0].t.record_len = 45;
	out[0].t.records = 3000;
	out[0].lcore = 1;
	out[1] = out[0];
	nfw_exporter_addr_set4(&out[1].exporter, 0xc0000202);
	out[1].exporter.port = 4739;
	out[1].t.id = 300;
	out[1].t.version = 10;
	out[1].t.options = 1;
	out[1].t.scope_fields = 1;
	return 2;
}

static int
f_top_flows(void *arg, unsigned n, enum nfw_ctl_by by, const struct nfw_filter *f, struct nfw_flow_closed *out,
	    unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)by; (void)err; (void)errlen;
	snprintf(fk.last_filter, sizeof(fk.last_filter), "%s", f ? nfw_filter_text(f) : "");
	unsigned k = 0;
	for (unsigned i = 0; i < 6 && k < max && k < n * 2; i++) { /* two "shards" worth */
		struct nfw_flow_closed c;
		memset(&c, 0, sizeof(c));
		nfw_flow_addr_set4(c.f.src_addr, 0x0a000001 + i);
		nfw_flow_addr_set4(c.f.dst_addr, 0xc6336401);
		c.f.proto = i % 2 ? 17 : 6;
		c.f.src_port = (uint16_t)(40000 + i);
		c.f.dst_port = i % 2 ? 53 : 443;
		c.f.bytes = 1000 * (i + 1);
		c.f.packets = 100 - i;
		c.f.start_ms = 1767225600000ull;
		c.f.end_ms = c.f.start_ms + 1500;
		c.records = 1;
		if (f == NULL || nfw_filter_match(f, &c.f))
			out[k++] = c;
	}
	return (int)k;
}

static int
f_top(void *arg, enum nfw_ctl_top what, struct nfw_ctl_talker *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	if (what != NFW_CTL_TOP_SRC)
		return 0;
	snprintf(out[0].key, sizeof(out[0].key), "10.0.0.1");
	out[0].bytes = 500;
	snprintf(out[1].key, sizeof(out[1].key), "10.0.0.2");
	out[1].bytes = 900;
	out[1].error = 3;
	return 2;
}

static int
f_changes(void *arg, enum nfw_ctl_top what, struct nfw_ctl_change *out, unsigned max, char *err, size_t errlen)
{
	(void)arg;
	if (what == NFW_CTL_TOP_PORT) {
		snprintf(err, errlen, "two epochs are needed");
		return -1;
	}
	unsigned n = max < 2 ? max : 2;
	snprintf(out[0].key, sizeof(out[0].key), "10.0.0.9");
	out[0].before_bps = 1000.4;
	out[0].after_bps = 250000.6;
	if (n > 1) {
		snprintf(out[1].key, sizeof(out[1].key), "10.0.0.3");
		out[1].before_bps = 9000;
		out[1].after_bps = 0;
	}
	return (int)n;
}

static int
f_sketches(void *arg, struct nfw_ctl_sketch *out, unsigned max, char *err, size_t errlen)
{
	(void)arg; (void)max; (void)err; (void)errlen;
	memset(out, 0, sizeof(*out));
	snprintf(out[0].name, sizeof(out[0].name), "sources");
	snprintf(out[0].kind, sizeof(out[0].kind), "hyperloglog");
	out[0].bytes = 4096;
	out[0].fill = 0.25;
	out[0].error = 0.01625;
	snprintf(out[0].detail, sizeof(out[0].detail), "p=12");
	return 1;
}

static int
f_detect_stats(void *arg, struct nfw_detect_stats *out, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	out->flows = 1000;
	out->beacon_tuples_refused = 7;
	out->dns_clients_evicted = 12;
	return 0;
}

static int
f_findings(void *arg, const struct nfw_finding **out, struct nfw_ctl_window *w, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	*out = fk.findings;
	w->first_ms = 1767225600000ull;
	w->last_ms = 1767229200000ull;
	w->packets = 10;
	w->records = 200;
	return 2;
}

static json_t *
f_settings(void *arg)
{
	(void)arg;
	return json_pack("{s:s, s:i}", "mode", "full", "workers", 2);
}

static int
f_detect_config(void *arg, struct nfw_detect_config *out, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	*out = fk.dc;
	return 0;
}

static int
f_detect_apply(void *arg, const struct nfw_detect_config *c, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	fk.dc = *c;
	fk.applied++;
	return 0;
}

static int
f_clear(void *arg, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	return 0;
}

static int
f_sampling(void *arg, const uint8_t addr[16], uint32_t rate, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	memcpy(fk.sampling_addr, addr, 16);
	fk.sampling_rate = rate;
	return 0;
}

static int
f_acl(void *arg, bool allow, const struct nfw_prefix *p, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	fk.acl_allow = allow;
	fk.acl = *p;
	return 0;
}

static int
f_run(void *arg, bool start, char *err, size_t errlen)
{
	(void)arg;
	if (start == (fk.running == 1)) {
		snprintf(err, errlen, "workers already %s", start ? "running" : "paused");
		return -1;
	}
	fk.running = start;
	return 0;
}

static int
f_rotate(void *arg, char *err, size_t errlen)
{
	(void)arg;
	snprintf(err, errlen, "no segments (--segments not given)");
	return -1;
}

static int
f_flush(void *arg, char *err, size_t errlen)
{
	(void)arg; (void)err; (void)errlen;
	fk.flushed++;
	return 0;
}

static int
f_wait(void *arg, unsigned idle_ms, unsigned timeout_s, char *err, size_t errlen)
{
	(void)arg; (void)idle_ms; (void)err; (void)errlen;
	return timeout_s > 0 ? 0 : -1;
}

static void
f_quit(void *arg)
{
	(void)arg;
	fk.quit++;
}

static const struct nfw_ctl_ops ops = {
	.ports = f_ports, .lcores = f_lcores, .rings = f_rings, .exporters = f_exporters,
	.templates = f_templates, .top_flows = f_top_flows, .top = f_top, .changes = f_changes,
	.sketches = f_sketches,
	.findings = f_findings, .detect_stats = f_detect_stats, .settings = f_settings, .detect_config = f_detect_config,
	.detect_apply = f_detect_apply, .clear_stats = f_clear, .set_sampling = f_sampling,
	.exporter_acl = f_acl, .run = f_run, .rotate = f_rotate, .flush = f_flush, .wait_idle = f_wait,
	.quit = f_quit,
};

static struct nfw_ctl *ctl;

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.running = 1;
	nfw_detect_config_default(&fk.dc);
	for (int i = 0; i < 2; i++) {
		struct nfw_finding *f = &fk.findings[i];
		snprintf(f->id, sizeof(f->id), "%s-10.0.0.%d", i ? "port_scan" : "beaconing", 5 + i);
		f->type = i ? NFW_FINDING_PORT_SCAN : NFW_FINDING_BEACONING;
		f->severity = i ? NFW_SEV_MEDIUM : NFW_SEV_HIGH;
		f->score = i ? 55 : 82.25;
		nfw_flow_addr_set4(f->src, 0x0a000005 + (uint32_t)i);
		f->has_src = true;
		f->dst_port = -1;
		f->first_ms = 1767225600000ull;
		f->last_ms = 1767229200000ull;
		snprintf(f->summary, sizeof(f->summary), "finding %d", i);
	}
	ctl = nfw_ctl_create(&ops, NULL);
	return ctl == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	nfw_ctl_free(ctl);
	return 0;
}

/* run a line; check the status and the exact answer */
static void
expect(const char *line, enum nfw_ctl_status st, const char *want)
{
	char *out;
	enum nfw_ctl_status got = nfw_ctl_exec(ctl, line, NFW_CTL_TEXT, &out);
	assert_non_null(out);
	if (got != st || strcmp(out, want) != 0)
		fail_msg("'%s': status %d, answer:\n%s\nwanted %d:\n%s", line, got, out, st, want);
	free(out);
}

static json_t *
jexec(const char *line)
{
	char *out;
	json_error_t je;
	assert_int_equal(nfw_ctl_exec(ctl, line, NFW_CTL_JSON, &out), NFW_CTL_OK);
	json_t *j = json_loads(out, JSON_DECODE_ANY, &je);
	free(out);
	assert_non_null(j);
	return j;
}

static void
test_tables(void **state)
{
	(void)state;
	expect("show port stats all", NFW_CTL_OK,
	       "port  rx_packets  rx_bytes  missed  errors  no_mbuf  taken\n"
	       "   0        1000    150000       0       0        0   1000\n"
	       "   1        1001    150001       0       0        0   1001\n");
	expect("show port info 1", NFW_CTL_OK,
	       "port  name       driver    mac                rx_queues  link  speed_mbps\n"
	       "   1  net_pcap1  net_pcap  02:00:00:00:00:01          1  down           0\n");
	expect("show exporters", NFW_CTL_OK,
	       "exporter   port  version  datagrams  decoded  dropped  records  seq_lost  sampling  templates  lcores\n"
	       "192.0.2.1  2055  v9             150      148        2     3000         0        10          4       2\n"
	       "192.0.2.2  4739  ipfix            7        6        1      140         0       100          2       1\n");
	expect("show templates 192.0.2.2", NFW_CTL_OK,
	       "exporter   port  domain   id  version  kind     fields  scope_fields  record_len  records  lcore\n"
	       "192.0.2.2  4739       0  300  ipfix    options      18             1          45     3000      1\n");
	expect("show top src 1", NFW_CTL_OK,
	       "rank  src       bytes  error\n"
	       "   1  10.0.0.2    900      3\n");
	expect("show top port 5", NFW_CTL_OK, "(none)\n");
	expect("show changes dst 5", NFW_CTL_OK,
	       "rank  dst       before_bps  after_bps  change_bps\n"
	       "   1  10.0.0.9        1000     250001      249000\n"
	       "   2  10.0.0.3        9000          0       -9000\n");
	expect("show changes src 1", NFW_CTL_OK,
	       "rank  src       before_bps  after_bps  change_bps\n"
	       "   1  10.0.0.9        1000     250001      249000\n");
	expect("show changes port 3", NFW_CTL_ERROR, "error: two epochs are needed\n");
	expect("show findings min-severity high", NFW_CTL_OK,
	       "rank  id                  type       severity  score  src       dst  summary\n"
	       "   1  beaconing-10.0.0.5  beaconing  high       82.3  10.0.0.5  -    finding 0\n");
	expect("show lcores", NFW_CTL_OK,
	       "lcore  role    state    shard  rx  datagrams  denied  records  own_shard  to_rings  ring_full  "
	       "from_rings  flows_active  flows_closed  busy_pct\n"
	       "    1  worker  running      0  10          0       0        0          0         0          0  "
	       "         0             0             0      12.3\n");
}

static void
test_exporter_detail(void **state)
{
	(void)state;
	json_t *j = jexec("show exporter 192.0.2.1");
	assert_string_equal(json_string_value(json_object_get(j, "exporter")), "192.0.2.1");
	assert_int_equal(json_integer_value(json_object_get(j, "datagrams")), 150);
	assert_int_equal(json_integer_value(json_object_get(j, "lcores")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "drops"), "msg_truncated")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "last_seen")), "2026-01-01T00:01:00.002Z");
	json_t *t = json_object_get(j, "templates");
	assert_int_equal(json_array_size(t), 1);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 0), "id")), 256);
	json_decref(j);
	expect("show exporter 192.0.2.9", NFW_CTL_ERROR,
	       "error: no exporter 192.0.2.9 ('show exporters' lists them)\n");
}

static void
test_flows_and_filter(void **state)
{
	(void)state;
	json_t *j = jexec("show flows top 2 by bytes filter proto udp and dst port 53");
	assert_string_equal(fk.last_filter, "proto udp and dst port 53");
	assert_int_equal(json_array_size(j), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "bytes")), 6000);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 1), "bytes")), 4000);
	assert_string_equal(json_string_value(json_object_get(json_array_get(j, 0), "proto")), "UDP");
	json_decref(j);
	j = jexec("show flows top 1 by packets");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(j, 0), "packets")), 100);
	json_decref(j);
	expect("show flows top 3 by bytes filter proto tcp port 80", NFW_CTL_ERROR,
	       "error: filter: expected and / or at 'port' (column 11)\n");
}

static void
test_errors(void **state)
{
	(void)state;
	expect("frob", NFW_CTL_ERROR, "error: unknown command 'frob' ('help' lists the commands)\n");
	expect("show", NFW_CTL_ERROR,
	       "error: show: incomplete, expected port or lcores or rings or exporters or exporter or templates or "
	       "flows or top or changes or sketch or findings or finding or detect or config\n");
	expect("show port stats", NFW_CTL_ERROR,
	       "error: show port stats: incomplete, expected all or <port> (0..1023)\n");
	expect("show port stats 70000", NFW_CTL_ERROR,
	       "error: show port stats: expected all or <port> (0..1023), got '70000'\n");
	expect("show port stats 7", NFW_CTL_ERROR, "error: no port 7 (2 ports)\n");
	expect("show port bogus all", NFW_CTL_ERROR, "error: show port: what: 'bogus' is not one of stats|info\n");
	expect("show exporter 300.1.1.1", NFW_CTL_ERROR,
	       "error: show exporter: addr: '300.1.1.1' is not an IP address\n");
	expect("show exporter 10.0.0.0/8", NFW_CTL_ERROR,
	       "error: show exporter: addr: '10.0.0.0/8' is not an IP address\n");
	expect("show lcores now", NFW_CTL_ERROR, "error: 'show lcores' takes no more words, got 'now'\n");
	expect("show flows top 0 by bytes", NFW_CTL_ERROR, "error: show flows top: n: 0 is out of range 1..1000\n");
	expect("show rings", NFW_CTL_ERROR, "error: no rings in this mode\n");
	expect("rotate segments", NFW_CTL_ERROR, "error: no segments (--segments not given)\n");
	expect("show finding \"unterminated", NFW_CTL_ERROR, "error: unterminated quote\n");
	char line[700];
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	expect(line, NFW_CTL_ERROR, "error: line longer than 511 characters\n");
	char *out;
	assert_int_equal(nfw_ctl_exec(ctl, "show nothing", NFW_CTL_JSON, &out), NFW_CTL_ERROR);
	if (strstr(out, "{\"error\":\"show: expected port or lcores") == NULL)
		fail_msg("%s", out);
	free(out);
	expect("show \x1b[A lcores", NFW_CTL_ERROR, "error: control character 0x1b in the line\n");
	expect("", NFW_CTL_OK, "");
	expect("  # a comment", NFW_CTL_OK, "");
}

static void
test_config(void **state)
{
	(void)state;
	expect("set detector beaconing param min_events 20", NFW_CTL_OK, "beaconing.min_events = 20\n");
	assert_int_equal(fk.dc.beacon_min_events, 20);
	expect("set detector beaconing param min_events 2.5", NFW_CTL_ERROR,
	       "error: beaconing.min_events: a whole number in 3..1e+06\n");
	expect("set detector beaconing param speed 3", NFW_CTL_ERROR,
	       "error: beaconing has no parameter 'speed' (min_events, max_jitter, min_on_period, min_period_s, min_phase_z, idle_s, shared_hosts)\n");
	expect("set detector volumetric param min_pps fast", NFW_CTL_ERROR, "error: value: 'fast' is not a number\n");
	expect("set detector scoring param min_score 40", NFW_CTL_OK, "scoring.min_score = 40\n");
	expect("allowlist add backup 10.9.0.0/16", NFW_CTL_OK, "backup: 10.9.0.0/16\n");
	expect("allowlist add backup 10.9.0.0/16", NFW_CTL_ERROR, "error: backup already has 10.9.0.0/16\n");
	expect("allowlist del ntp 10.9.0.0/16", NFW_CTL_ERROR, "error: ntp has no 10.9.0.0/16\n");
	expect("set homenet 10.20.0.0/16", NFW_CTL_OK, "homenet: 10.20.0.0/16\n");
	expect("homenet add 2001:db8::/32", NFW_CTL_OK, "homenet: 10.20.0.0/16, 2001:db8::/32\n");
	json_t *j = jexec("show config");
	json_t *d = json_object_get(j, "detectors");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "beaconing"), "min_events")), 20);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "scoring"), "min_score")), 40);
	assert_string_equal(json_string_value(json_array_get(json_object_get(json_object_get(j, "roles"), "backup"), 0)),
			    "10.9.0.0/16");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "appliance"), "mode")), "full");
	json_decref(j);
	assert_int_equal(fk.applied, 5);

	expect("set sampling 192.0.2.1 100", NFW_CTL_OK, "sampling for 192.0.2.1: 1:100 from now on\n");
	assert_int_equal(fk.sampling_rate, 100);
	assert_int_equal(fk.sampling_addr[15], 1);
	expect("set sampling 192.0.2.1 0", NFW_CTL_OK, "sampling override for 192.0.2.1 removed\n");
	expect("set sampling 192.0.2.1 16777216", NFW_CTL_ERROR,
	       "error: set sampling 192.0.2.1: rate: 16777216 is out of range 0..16777215\n");
	expect("set exporter deny 198.51.100.0/24", NFW_CTL_OK, "exporters in 198.51.100.0/24: denied\n");
	assert_int_equal(fk.acl_allow, 0);
	assert_int_equal(fk.acl.len, 96 + 24);
}

static void
test_findings_and_control(void **state)
{
	(void)state;
	json_t *j = jexec("show finding port_scan-10.0.0.6");
	assert_string_equal(json_string_value(json_object_get(j, "type")), "port_scan");
	json_decref(j);
	j = jexec("show findings type beaconing");
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	/* reports go into the report directory (here a fresh one) or beneath it, nowhere else */
	char dir[] = "/tmp/nfw_ctl_reports_XXXXXX", path[256], line[512], want[512];
	assert_non_null(mkdtemp(dir));
	assert_int_equal(nfw_ctl_set_report_dir(ctl, dir), 0);
	assert_string_equal(nfw_ctl_report_dir(ctl), dir);
	assert_int_equal(nfw_ctl_set_report_dir(ctl, "/nonexistent-dir"), -ENOENT);
	snprintf(path, sizeof(path), "%s/r.json", dir);
	snprintf(line, sizeof(line), "save report %s", path);
	snprintf(want, sizeof(want), "report: 2 findings written to %s\n", path);
	expect(line, NFW_CTL_OK, want);
	expect(line, NFW_CTL_OK, want); /* replaced */
	expect("save report r.json", NFW_CTL_OK, want); /* relative: from the report directory */
	json_error_t je;
	j = json_load_file(path, 0, &je);
	assert_non_null(j);
	assert_int_equal(json_array_size(json_object_get(j, "findings")), 2);
	json_decref(j);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	snprintf(want, sizeof(want), "error: cannot write /etc/nfw.json: outside the report directory %s\n", dir);
	expect("save report /etc/nfw.json", NFW_CTL_ERROR, want);
	snprintf(want, sizeof(want), "error: cannot write ../r.json: outside the report directory %s\n", dir);
	expect("save report ../r.json", NFW_CTL_ERROR, want);
	/* a link inside that points out, a link as the file itself, a directory */
	char sub[300], link[300];
	snprintf(sub, sizeof(sub), "%s/out", dir);
	assert_int_equal(symlink("/etc", sub), 0);
	snprintf(want, sizeof(want), "error: cannot write out/passwd: outside the report directory %s\n", dir);
	expect("save report out/passwd", NFW_CTL_ERROR, want);
	snprintf(link, sizeof(link), "%s/l.json", dir);
	assert_int_equal(symlink("/tmp/nfw_ctl_elsewhere.json", link), 0);
	snprintf(want, sizeof(want), "error: cannot write %s: it exists and is not a regular file\n", link);
	expect("save report l.json", NFW_CTL_ERROR, want);
	assert_int_equal(access("/tmp/nfw_ctl_elsewhere.json", F_OK), -1);
	snprintf(want, sizeof(want), "error: cannot write %s: it exists and is not a regular file\n", sub);
	expect("save report out", NFW_CTL_ERROR, want);
	expect("save report /nonexistent-dir/r.json", NFW_CTL_ERROR,
	       "error: cannot write /nonexistent-dir/r.json: No such file or directory\n");
	unlink(path);
	unlink(sub);
	unlink(link);
	assert_int_equal(rmdir(dir), 0); /* nothing else was left behind (no temporary files) */

	expect("stop", NFW_CTL_OK, "workers paused (state kept; 'start' resumes)\n");
	expect("stop", NFW_CTL_ERROR, "error: workers already paused\n");
	expect("start", NFW_CTL_OK, "workers running\n");
	expect("flush flows", NFW_CTL_OK, "flow tables flushed\n");
	assert_int_equal(fk.flushed, 1);
	expect("wait idle 2", NFW_CTL_OK, "idle\n");
	expect("show detect stats", NFW_CTL_OK,
	       "counter                 value\n"
	       "flows                    1000\n"
	       "flows_bad_times             0\n"
	       "beacon_tuples               0\n"
	       "beacon_tuples_refused       7\n"
	       "beacon_seen_lost            0\n"
	       "beacon_seen_skipped         0\n"
	       "beacon_tuples_expired       0\n"
	       "beacon_tuples_evicted       0\n"
	       "fanout_sources              0\n"
	       "fanout_sources_refused      0\n"
	       "fanout_sources_expired      0\n"
	       "fanout_sources_evicted      0\n"
	       "exfil_pairs_refused         0\n"
	       "exfil_pairs_expired         0\n"
	       "exfil_pairs_evicted         0\n"
	       "exfil_hosts_expired         0\n"
	       "vol_dsts                    0\n"
	       "vol_dsts_refused            0\n"
	       "vol_dsts_expired            0\n"
	       "vol_dsts_evicted            0\n"
	       "vol_flows_solicited         0\n"
	       "dns_clients_refused         0\n"
	       "dns_clients_expired         0\n"
	       "dns_clients_evicted        12\n"
	       "beacon_shared_tuples        0\n"
	       "findings_grouped            0\n");
	expect("show sketch", NFW_CTL_OK,
	       "sketch   kind         memory_bytes  fill    error  updates  detail\n"
	       "sources  hyperloglog          4096  0.25  0.01625        0  p=12\n");
	j = jexec("help");
	assert_int_equal(json_array_size(j), nfw_ctl_command_count(ctl));
	json_decref(j);
	j = jexec("help allowlist");
	assert_int_equal(json_array_size(j), 1);
	json_decref(j);
	expect("help zebra", NFW_CTL_ERROR, "error: no help on 'zebra' ('help' lists every command)\n");
	expect("quit", NFW_CTL_QUIT, "bye\n");
	assert_int_equal(fk.quit, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exporter_detail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flows_and_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_findings_and_control, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
