/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every file of shared/testdata/vendor through the decoder, with its exact
 * outcome pinned: datagrams, decoded, records, options records, deferred
 * and pending sets, and every drop by reason. A file with no drops listed
 * must produce none. Files that come as template + data pairs are fed in
 * order to one decoder, as one exporter would send them. Each case runs
 * twice, with templates' byte-shuffle form and with the flat ops only, and
 * the two must give the same records byte for byte and the same counters. A last check
 * walks the vendor folders so a file without a row here fails the test.
 *
 * Where NFW_TESTDATA (../shared/testdata) is absent the tests say so and
 * skip.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "nfw_capture.h"
#include "nfw_decode.h"

#define MAXF 8
#define MAXD 3

struct drop {
	const char *where; /* "dgram", "set", "rec" */
	unsigned reason;
	unsigned count;
};

struct vcase {
	const char *files[MAXF];
	unsigned datagrams, decoded, records, options, deferred, pending;
	struct drop drops[MAXD];
};

#define LS "logstash-codec-netflow/"
#define SF "logstash-codec-sflow/"
#define CE "cesnet-ipfixcol/"
#define PY "python-netflow-hex/"
#define GF "goflow2-bytes/"
#define VF "vflow-bytes/"
#define TD "tcpdump-sflow/"
#define D(w, r, c) { w, NFW_DROP_##r, c }

static const struct vcase cases[] = {
	/* logstash: IPFIX, template files then data files */
	{ { LS "ipfix.dat" }, 3, 3, 12, 1, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_barracuda_tpl.dat", LS "ipfix_test_barracuda_data256.dat" }, 2, 2, 8, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_barracuda_extended_uniflow_tpl256.dat",
	    LS "ipfix_test_barracuda_extended_uniflow_data256.dat" }, 2, 2, 2, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_ixia_tpldata256.dat" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_ixia_tpldata271.dat" }, 1, 1, 2, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_juniper_mx240_junos151r6s3_opttpl512.dat",
	    LS "ipfix_test_juniper_mx240_junos151r6s3_data512.dat" }, 2, 2, 0, 1, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_mikrotik_tpl.dat", LS "ipfix_test_mikrotik_data258.dat",
	    LS "ipfix_test_mikrotik_data259.dat" }, 3, 3, 46, 0, 0, 0, { { 0 } } },
	/* netscaler data also holds a set for template 280, never sent */
	{ { LS "ipfix_test_netscaler_tpl.dat", LS "ipfix_test_netscaler_data.dat" }, 2, 2, 3, 0, 1, 1, { { 0 } } },
	{ { LS "ipfix_test_nokia_bras_tpl.dat", LS "ipfix_test_nokia_bras_data256.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_openbsd_pflow_tpl.dat", LS "ipfix_test_openbsd_pflow_data.dat" }, 2, 2, 26, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_procera_tpl52935.dat", LS "ipfix_test_procera_data52935.dat" }, 2, 2, 8, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_viptela_tpl257.dat", LS "ipfix_test_viptela_data257.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_vmware_vds_tpl.dat", LS "ipfix_test_vmware_vds_data264.dat",
	    LS "ipfix_test_vmware_vds_data266.dat", LS "ipfix_test_vmware_vds_data266_267.dat" }, 4, 4, 5, 0, 0, 0, { { 0 } } },
	{ { LS "ipfix_test_yaf_tpls_option_tpl.dat", LS "ipfix_test_yaf_tpl45841.dat",
	    LS "ipfix_test_yaf_data45841.dat", LS "ipfix_test_yaf_data45873.dat",
	    LS "ipfix_test_yaf_data53248.dat" }, 5, 5, 2, 1, 0, 0, { { 0 } } },
	/* logstash: NetFlow v5 */
	{ { LS "netflow5.dat" }, 12, 12, 30, 0, 0, 0, { { 0 } } },
	{ { LS "netflow5_test_invalid01.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", V5_BAD_COUNT, 1) } },
	{ { LS "netflow5_test_invalid02.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", V5_BAD_COUNT, 1) } },
	{ { LS "netflow5_test_juniper_mx80.dat" }, 1, 1, 29, 0, 0, 0, { { 0 } } },
	{ { LS "netflow5_test_microtik.dat" }, 1, 1, 30, 0, 0, 0, { { 0 } } },
	/* logstash: NetFlow v9 */
	{ { LS "netflow9_cisco_asr1001x_tpl259.dat" }, 1, 1, 25, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_0length_fields_tpl_data.dat" }, 1, 1, 10, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_1941K9.dat" }, 1, 1, 29, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_aci_tpl256-258.dat", LS "netflow9_test_cisco_aci_data256.dat" }, 2, 2, 3, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_asa_1_tpl.dat", LS "netflow9_test_cisco_asa_1_data.dat" }, 2, 2, 14, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_asa_2_tpl_26x.dat", LS "netflow9_test_cisco_asa_2_tpl_27x.dat",
	    LS "netflow9_test_cisco_asa_2_data.dat" }, 3, 3, 19, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_asr9k_opttpl256.dat", LS "netflow9_test_cisco_asr9k_opttpl257.dat",
	    LS "netflow9_test_cisco_asr9k_opttpl334.dat", LS "netflow9_test_cisco_asr9k_tpl260.dat",
	    LS "netflow9_test_cisco_asr9k_tpl266.dat", LS "netflow9_test_cisco_asr9k_data256.dat",
	    LS "netflow9_test_cisco_asr9k_data260.dat" }, 7, 7, 21, 19, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_nbar_opttpl260.dat", LS "netflow9_test_cisco_nbar_tpl262.dat",
	    LS "netflow9_test_cisco_nbar_data262.dat" }, 3, 3, 5, 15, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_cisco_wlc_tpl.dat", LS "netflow9_test_cisco_wlc_8510_tpl_262.dat",
	    LS "netflow9_test_cisco_wlc_data261.dat" }, 3, 3, 19, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_field_layer2segmentid_tpl.dat", LS "netflow9_test_field_layer2segmentid_data.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_fortigate_fortios_521_tpl.dat", LS "netflow9_test_fortigate_fortios_521_data256.dat",
	    LS "netflow9_test_fortigate_fortios_521_data257.dat" }, 3, 3, 1, 1, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_fortigate_fortios_542_appid_tpl258-269.dat",
	    LS "netflow9_test_fortigate_fortios_542_appid_data258_262.dat" }, 2, 2, 17, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_h3c_tpl3281.dat", LS "netflow9_test_h3c_data3281.dat" }, 2, 2, 16, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_h3c_netstream_varstring_tpl3281.dat",
	    LS "netflow9_test_h3c_netstream_varstring_data3281.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_huawei_netstream_tpl.dat", LS "netflow9_test_huawei_netstream_data.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_invalid01.dat" }, 1, 1, 2, 1, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_iptnetflow_reduced_size_encoding_tpldata260.dat" }, 1, 1, 12, 0, 6, 6, { { 0 } } },
	{ { LS "netflow9_test_juniper_srx_tplopt.dat" }, 1, 1, 0, 1, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_macaddr_tpl.dat", LS "netflow9_test_macaddr_data.dat" }, 2, 2, 29, 1, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_nprobe_dpi.dat" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_nprobe_tpl.dat", LS "netflow9_test_nprobe_data.dat" }, 2, 2, 1, 1, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_paloalto_81_tpl256-263.dat",
	    LS "netflow9_test_paloalto_81_data257_1flowset_in_large_zerofilled_packet.dat" }, 2, 2, 1, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_paloalto_panos_tpl.dat", LS "netflow9_test_paloalto_panos_data.dat" }, 2, 2, 8, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_softflowd_tpl_data.dat" }, 1, 1, 7, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_streamcore_tpl_data256.dat" }, 1, 1, 2, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_streamcore_tpl_data260.dat" }, 1, 1, 2, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_ubnt_edgerouter_tpl.dat", LS "netflow9_test_ubnt_edgerouter_data1024.dat",
	    LS "netflow9_test_ubnt_edgerouter_data1025.dat" }, 3, 3, 16, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_unknown_tpl266_292_data.dat" }, 1, 1, 2, 0, 0, 0, { { 0 } } },
	{ { LS "netflow9_test_valid01.dat" }, 1, 1, 7, 0, 0, 0, { { 0 } } },
	/* logstash sFlow: whole datagrams decode; header fragments are not datagrams */
	{ { SF "sflow_1_counters_sample.dat" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { SF "sflow_counters_sample.dat" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { SF "sflow_flow_sample.dat" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	{ { SF "sflow_flow_sample_eth_vlan.dat" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	{ { SF "sflow_with_lag_counters.dat" }, 1, 1, 5, 0, 0, 0, { { 0 } } },
	{ { SF "sflow_ethernet_ipv4_udp_header.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	{ { SF "sflow_ethernet_vlan_ipv4_tcp_header.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	{ { SF "sflow_ipv4_tcp_header.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	{ { SF "sflow_tcp.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	{ { SF "sflow_udp.dat" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	/* CESNET ipfixcol */
	{ { CE "01-odid0.ipfix" }, 218, 218, 4251, 0, 0, 0, { { 0 } } },
	{ { CE "01-odid4.ipfix" }, 219, 219, 4243, 0, 0, 0, { { 0 } } },
	{ { CE "02-odid0.ipfix" }, 15, 15, 121, 0, 0, 0, { { 0 } } },
	{ { CE "02-odid4.ipfix" }, 15, 15, 117, 0, 0, 0, { { 0 } } },
	{ { CE "03-odid0-a.ipfix", CE "03-odid0-b.ipfix" }, 37, 37, 262, 0, 0, 0, { { 0 } } },
	{ { CE "04-odid256_512.ipfix" }, 3, 3, 22, 0, 0, 0, { { 0 } } },
	{ { CE "bad-length-in-set-very-long.ipfix" }, 1, 0, 0, 0, 0, 0, { D("dgram", MSG_TRUNCATED, 1) } },
	{ { CE "bad-length-in-set.ipfix" }, 1, 0, 0, 0, 0, 0, { D("dgram", MSG_TRUNCATED, 1) } },
	{ { CE "bad-template-field-count.ipfix" }, 1, 1, 0, 0, 3, 3, { D("set", BAD_TEMPLATE, 1) } },
	{ { CE "enterprise-from-nfv9.ipfix" }, 10, 10, 57, 0, 1, 1, { D("set", BAD_TEMPLATE, 1) } },
	{ { CE "header-and-zeros.ipfix" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_SET_LENGTH, 1) } },
	{ { CE "missing-template-258.ipfix" }, 1, 1, 4, 0, 1, 1, { { 0 } } },
	{ { CE "only-data-no-templates.ipfix" }, 1, 1, 0, 0, 3, 3, { { 0 } } },
	{ { CE "withdrawal-message-256.ipfix" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { "cesnet-ipfixcol2/example_flows.ipfix" }, 68, 68, 3979, 0, 0, 0, { { 0 } } },
	/* python-netflow (softflowd): V9_WITH_ZEROS is source id 0x01020000, which never sent templates */
	{ { PY "PACKET_V9_TEMPLATE.hex", PY "PACKETS_V9.hex", PY "PACKET_V9_WITH_ZEROS.hex" }, 5, 5, 44, 0, 5, 5, { { 0 } } },
	{ { PY "PACKET_V9_TEMPLATE_MIXED.hex" }, 1, 1, 8, 0, 1, 0, { { 0 } } },
	{ { PY "PACKET_IPFIX_TEMPLATE.hex", PY "PACKET_IPFIX.hex" }, 2, 2, 22, 1, 0, 0, { { 0 } } },
	{ { PY "PACKET_IPFIX_TEMPLATE_ETHER.hex", PY "PACKET_IPFIX_ETHER.hex" }, 2, 2, 22, 1, 0, 0, { { 0 } } },
	{ { PY "PACKET_IPFIX_PADDING.hex" }, 1, 1, 2, 1, 0, 0, { { 0 } } },
	{ { PY "PACKET_V5.hex" }, 1, 1, 3, 0, 0, 0, { { 0 } } },
	{ { PY "PACKET_V1.hex" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	{ { PY "PACKET_INVALID.hex" }, 1, 0, 0, 0, 0, 0, { D("dgram", BAD_VERSION, 1) } },
	/* goflow2 */
	{ { GF "netflow_TestDecodeNetFlowV5_data.bin" }, 1, 1, 6, 0, 0, 0, { { 0 } } },
	{ { GF "netflow_TestDecodeNetFlowV9_template.bin", GF "netflow_TestDecodeNetFlowV9_data.bin" }, 2, 2, 21, 0, 0, 0, { { 0 } } },
	{ { GF "sflow_TestExpandedSFlowDecode_data.bin" }, 1, 1, 5, 0, 0, 0, { { 0 } } },
	{ { GF "sflow_TestSFlowDecodeDropEgressQueue_data.bin" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { GF "sflow_TestSFlowDecodeDropExtendedACL_data.bin" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { GF "sflow_TestSFlowDecodeDropExtendedFunction_data.bin" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { GF "sflow_TestSFlowDecode_data.bin" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	/* vflow: multiMessage is one datagram: a set overruns its message */
	{ { VF "ipfix_decoder_TestDecodeDataTpl_tpl.bin", VF "ipfix_decoder_TestDecodeDataTpl_payload.bin" }, 2, 2, 4, 0, 0, 0, { { 0 } } },
	{ { VF "ipfix_decoder_init_optsTpl.bin" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { VF "ipfix_decoder_init_tpl.bin" }, 1, 1, 0, 0, 0, 0, { { 0 } } },
	{ { VF "ipfix_decoder_init_unknownDatasetMessage.bin" }, 1, 0, 0, 0, 0, 0, { D("dgram", MSG_TRUNCATED, 1) } },
	{ { VF "netflow_v5_decoder_global_TestV5FlowPacket.bin" }, 1, 1, 29, 0, 0, 0, { { 0 } } },
	{ { VF "sflow_decoder_global_TestsFlowRawPacket.bin" }, 1, 1, 5, 0, 0, 0, { { 0 } } },
	/* tcpdump sFlow captures */
	{ { TD "sflow-print-v6.pcap" }, 25, 25, 13, 0, 0, 0, { { 0 } } },
	{ { TD "sflow_expanded.pcap" }, 1, 1, 1, 0, 0, 0, { { 0 } } },
	{ { TD "sflow_multiple_counter_30_pdus.pcap" }, 30, 30, 7, 0, 0, 0, { { 0 } } },
	{ { TD "sflow_print-segv.pcap" }, 1, 0, 0, 0, 0, 0, { D("dgram", TOO_SHORT, 1) } },
};

/* raw files whose bytes are one datagram (the splitter would cut multiMessage in two) */
static const char *const whole_files[] = { VF "ipfix_decoder_init_multiMessage.bin" };

static char vendor_dir[4096];

static int
setup(void **state)
{
	(void)state;
	const char *td = getenv("NFW_TESTDATA");
	if (td == NULL)
		td = "../shared/testdata";
	snprintf(vendor_dir, sizeof(vendor_dir), "%s/vendor", td);
	return 0;
}

static bool
have_data(void)
{
	struct stat sb;
	if (stat(vendor_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		print_message("vendor test data not found at %s: skipping\n", vendor_dir);
		return false;
	}
	return true;
}

static uint64_t
drop_count(const struct nfw_decode_stats *s, const char *where, unsigned r)
{
	if (strcmp(where, "dgram") == 0)
		return s->dropped[r];
	if (strcmp(where, "set") == 0)
		return s->set_dropped[r];
	return s->rec_dropped[r];
}

/* Every record a run produced, in order, to compare the two template forms. */
struct outbuf {
	struct nfw_flow *r;
	size_t n, cap;
};

static void
out_add(struct outbuf *o, const struct nfw_flow *r, unsigned n)
{
	if (n == 0)
		return;
	if (o->n + n > o->cap) {
		o->cap = (o->n + n) * 2;
		o->r = realloc(o->r, o->cap * sizeof(*o->r));
		assert_non_null(o->r);
	}
	memcpy(o->r + o->n, r, n * sizeof(*r));
	o->n += n;
}

static void
decode_case(const struct vcase *c, bool flat_only, struct nfw_decode_stats *s, struct outbuf *o)
{
	struct nfw_decode_params prm = { .flat_only = flat_only };
	struct nfw_decode *d = nfw_decode_create(&prm);
	struct nfw_exporter_addr ex;
	char path[4608], err[512];

	assert_non_null(d);
	memset(&ex, 0, sizeof(ex));
	nfw_exporter_addr_set4(&ex, 0xc0000201);
	ex.port = 2055;
	for (unsigned i = 0; i < MAXF && c->files[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", vendor_dir, c->files[i]);
		struct nfw_capture *cap = nfw_capture_open(path, &ex, err, sizeof(err));
		if (cap == NULL)
			fail_msg("%s", err);
		struct nfw_capture_pkt pkt;
		while (nfw_capture_next(cap, &pkt) == 1) {
			unsigned n;
			const struct nfw_flow *r =
				nfw_decode_datagram(d, pkt.payload, pkt.len, &pkt.src, 1767225600000ull, &n);
			out_add(o, r, n);
		}
		nfw_capture_close(cap);
	}
	nfw_decode_stats_total(d, s);
	nfw_decode_free(d);
}

static uint64_t g_shuffled; /* over all cases: the shuffle form must have run */

static void
run_case(const struct vcase *c)
{
	struct nfw_decode_stats s, flat;
	struct outbuf o = { 0 }, of = { 0 };

	decode_case(c, false, &s, &o);
	decode_case(c, true, &flat, &of);
	print_message("%-70.70s dg %llu dec %llu rec %llu shuffled %llu\n", c->files[0],
		      (unsigned long long)s.datagrams, (unsigned long long)s.decoded,
		      (unsigned long long)s.records, (unsigned long long)s.shuffled_records);
	/* the byte-shuffle form and the flat ops give the same records, byte for byte */
	assert_int_equal(o.n, of.n);
	assert_int_equal(o.n, s.records);
	for (size_t i = 0; i < o.n; i++)
		if (memcmp(&o.r[i], &of.r[i], sizeof(o.r[i])) != 0)
			fail_msg("%s: record %zu differs between the shuffle form and the flat ops",
				 c->files[0], i);
	assert_int_equal(flat.shuffled_records, 0);
	flat.shuffled_records = s.shuffled_records;
	assert_memory_equal(&s, &flat, sizeof(s));
	g_shuffled += s.shuffled_records;
	free(o.r);
	free(of.r);

	assert_int_equal(s.datagrams, c->datagrams);
	assert_int_equal(s.decoded, c->decoded);
	assert_int_equal(s.records, c->records);
	assert_int_equal(s.options_records, c->options);
	assert_int_equal(s.sets_deferred, c->deferred);
	assert_int_equal(s.sets_pending, c->pending);
	/* every drop is the expected one, in the expected number */
	uint64_t want_d = 0, want_s = 0, want_r = 0, got_d = 0, got_s = 0, got_r = 0;
	for (unsigned i = 0; i < MAXD && c->drops[i].where != NULL; i++) {
		assert_int_equal(drop_count(&s, c->drops[i].where, c->drops[i].reason), c->drops[i].count);
		if (c->drops[i].where[0] == 'd')
			want_d += c->drops[i].count;
		else if (c->drops[i].where[0] == 's')
			want_s += c->drops[i].count;
		else
			want_r += c->drops[i].count;
	}
	for (unsigned r = 0; r < NFW_DROP__MAX; r++) {
		got_d += s.dropped[r];
		got_s += s.set_dropped[r];
		got_r += s.rec_dropped[r];
	}
	assert_int_equal(got_d, want_d);
	assert_int_equal(got_s, want_s);
	assert_int_equal(got_r, want_r);
	assert_int_equal(s.datagrams, s.decoded + got_d);
}

static void
test_vendor_cases(void **state)
{
	(void)state;
	if (!have_data())
		skip();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
#if defined(__x86_64__)
	print_message("records decoded by the shuffle form: %llu\n", (unsigned long long)g_shuffled);
	assert_int_equal(g_shuffled, 430); /* every x86-64 machine here has SSSE3 */
#endif
}

static void
test_vendor_whole_datagram(void **state)
{
	(void)state;
	if (!have_data())
		skip();
	char path[4608];
	snprintf(path, sizeof(path), "%s/%s", vendor_dir, whole_files[0]);
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	static uint8_t buf[65536];
	size_t len = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	struct nfw_decode *d = nfw_decode_create(NULL);
	struct nfw_exporter_addr ex;
	memset(&ex, 0, sizeof(ex));
	unsigned n;
	nfw_decode_datagram(d, buf, len, &ex, 1, &n);
	struct nfw_decode_stats s;
	nfw_decode_stats_total(d, &s);
	assert_int_equal(n, 0);
	assert_int_equal(s.dropped[NFW_DROP_BAD_SET_LENGTH], 1);
	assert_int_equal(s.templates_added, 0); /* nothing of a dropped datagram is used */
	nfw_decode_free(d);
}

static bool
listed(const char *rel)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (unsigned k = 0; k < MAXF && cases[i].files[k] != NULL; k++)
			if (strcmp(cases[i].files[k], rel) == 0)
				return true;
	return strcmp(whole_files[0], rel) == 0;
}

static void
test_vendor_every_file_listed(void **state)
{
	(void)state;
	if (!have_data())
		skip();
	DIR *top = opendir(vendor_dir);
	assert_non_null(top);
	struct dirent *de;
	unsigned nfiles = 0, missing = 0;
	while ((de = readdir(top)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char sub[4608];
		snprintf(sub, sizeof(sub), "%s/%s", vendor_dir, de->d_name);
		DIR *dd = opendir(sub);
		if (dd == NULL)
			continue;
		struct dirent *fe;
		while ((fe = readdir(dd)) != NULL) {
			const char *dot = strrchr(fe->d_name, '.');
			if (dot == NULL || (strcmp(dot, ".dat") != 0 && strcmp(dot, ".bin") != 0 &&
					    strcmp(dot, ".ipfix") != 0 && strcmp(dot, ".hex") != 0 &&
					    strcmp(dot, ".pcap") != 0))
				continue;
			char rel[1024];
			snprintf(rel, sizeof(rel), "%s/%s", de->d_name, fe->d_name);
			nfiles++;
			if (!listed(rel)) {
				print_error("vendor file without an expected outcome: %s\n", rel);
				missing++;
			}
		}
		closedir(dd);
	}
	closedir(top);
	print_message("%u vendor files, all with expected outcomes\n", nfiles);
	assert_true(nfiles > 100);
	assert_int_equal(missing, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vendor_cases),
		cmocka_unit_test(test_vendor_whole_datagram),
		cmocka_unit_test(test_vendor_every_file_listed),
	};
	return cmocka_run_group_tests_name("decode_vendor", tests, setup, NULL);
}
