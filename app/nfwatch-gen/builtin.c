/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Built-in scenarios. `nfwatch-gen --dump-scenario NAME` prints one, as a
 * starting point for your own file.
 *
 *   default  6 h of a 300-host site behind three exporters (v9, IPFIX with a
 *            variable-length field, v5): background traffic with a daily
 *            rhythm, every benign look-alike and every attack
 *   benign   the same site with only background and the look-alikes
 *   small    30 min, fewer hosts, one of each attack: for quick tests
 *   sampled  default with every exporter 1:100 and an sFlow agent added
 */
#include <string.h>

#include "gen.h"

#define SITE \
	"\"home\": [\"10.20.0.0/16\", \"2001:db8:20::/48\"]," \
	"\"exporters\": [" \
	" {\"name\": \"core-v9\", \"version\": \"v9\", \"addr\": \"192.0.2.1\", \"domain\": 1}," \
	" {\"name\": \"edge-ipfix\", \"version\": \"ipfix\", \"addr\": \"192.0.2.2\", \"domain\": 7, \"app_name\": true}," \
	" {\"name\": \"dc-v5\", \"version\": \"v5\", \"addr\": \"192.0.2.3\"}],"

#define LOOKALIKES \
	"{\"type\": \"ntp_polling\", \"clients\": 40, \"servers\": [\"198.51.100.123\", \"198.51.100.124\"], \"interval\": \"64s\"}," \
	"{\"type\": \"saas_keepalive\", \"hosts\": 25, \"dst\": \"203.0.113.80\", \"port\": 443, \"interval\": \"30s\"}," \
	"{\"type\": \"backup\", \"src\": \"10.20.9.10\", \"dst\": \"198.51.100.200\", \"port\": 22, \"start\": \"2h\", \"bytes\": 6e9, \"duration\": \"50m\"}," \
	"{\"type\": \"cdn_burst\", \"hosts\": 120, \"cdn\": \"203.0.113.0/26\", \"start\": \"3h\", \"bytes\": 150e6, \"duration\": \"10m\"}," \
	"{\"type\": \"snmp_poller\", \"poller\": \"10.20.9.5\", \"targets\": \"10.20.100.0/24\", \"count\": 200, \"interval\": \"5m\"}," \
	"{\"type\": \"dns_resolver\", \"resolver\": \"10.20.9.53\", \"clients\": 200, \"upstreams\": [\"198.51.100.53\", \"203.0.113.53\"], \"qps\": 5}"

static const char default_json[] =
	"{\"name\": \"default\", \"start\": \"2026-01-15T12:00:00Z\", \"duration\": \"6h\", \"seed\": 42,"
	SITE
	"\"behaviours\": ["
	"{\"type\": \"background\", \"hosts\": 300, \"externals\": 5000, \"flows_per_host_hour\": 40, \"v6_share\": 0.15},"
	LOOKALIKES ","
	"{\"type\": \"horizontal_scan\", \"src\": \"198.51.100.66\", \"targets\": \"10.20.50.0/24\", \"port\": 3389, \"start\": \"1h\", \"rate\": 20},"
	"{\"type\": \"vertical_scan\", \"src\": \"198.51.100.67\", \"target\": \"10.20.60.10\", \"ports\": \"1-1024\", \"start\": \"1h30m\", \"rate\": 50},"
	"{\"type\": \"slow_scan\", \"src\": \"198.51.100.68\", \"targets\": \"10.20.70.0/24\", \"port\": 22, \"count\": 120, \"start\": \"30m\", \"duration\": \"5h\"},"
	"{\"type\": \"syn_flood\", \"dst\": \"10.20.80.10\", \"port\": 443, \"sources\": 3000, \"pps\": 20000, \"start\": \"4h\", \"duration\": \"5m\"},"
	"{\"type\": \"udp_flood\", \"dst\": \"10.20.80.11\", \"port\": 53, \"sources\": 2000, \"pps\": 30000, \"bytes_per_packet\": 512, \"start\": \"5h\", \"duration\": \"3m\"},"
	"{\"type\": \"beacon\", \"src\": \"10.20.4.7\", \"dst\": \"198.51.100.23\", \"port\": 443, \"period\": \"60s\", \"jitter\": 0.2, \"bytes\": 310, \"missed\": 0.05},"
	"{\"type\": \"exfil_bulk\", \"src\": \"10.20.12.34\", \"dst\": \"203.0.113.200\", \"port\": 443, \"start\": \"4h30m\", \"bytes\": 3e9, \"duration\": \"20m\"},"
	"{\"type\": \"exfil_slow\", \"src\": \"10.20.12.35\", \"dst\": \"198.51.100.201\", \"port\": 443, \"bytes\": 200e6, \"start\": \"30m\", \"duration\": \"5h\", \"flows\": 300},"
	"{\"type\": \"dns_tunnel\", \"src\": \"10.20.14.2\", \"resolver\": \"10.20.9.53\", \"qpm\": 300, \"query_bytes\": 220, \"start\": \"2h\", \"duration\": \"2h\"},"
	"{\"type\": \"lateral\", \"src\": \"10.20.15.9\", \"targets\": \"10.20.30.0/24\", \"count\": 60, \"ports\": [445, 3389, 5985, 22], \"start\": \"5h\", \"duration\": \"20m\"}"
	"]}";

static const char benign_json[] =
	"{\"name\": \"benign\", \"start\": \"2026-01-15T12:00:00Z\", \"duration\": \"6h\", \"seed\": 43,"
	SITE
	"\"behaviours\": ["
	"{\"type\": \"background\", \"hosts\": 300, \"externals\": 5000, \"flows_per_host_hour\": 40, \"v6_share\": 0.15},"
	LOOKALIKES
	"]}";

static const char small_json[] =
	"{\"name\": \"small\", \"start\": \"2026-01-15T12:00:00Z\", \"duration\": \"30m\", \"seed\": 44,"
	SITE
	"\"behaviours\": ["
	"{\"type\": \"background\", \"hosts\": 40, \"externals\": 500, \"flows_per_host_hour\": 30, \"v6_share\": 0.2},"
	"{\"type\": \"saas_keepalive\", \"hosts\": 3, \"dst\": \"203.0.113.80\", \"port\": 443, \"interval\": \"30s\"},"
	"{\"type\": \"backup\", \"src\": \"10.20.9.10\", \"dst\": \"198.51.100.200\", \"port\": 22, \"start\": \"5m\", \"bytes\": 1e9, \"duration\": \"10m\"},"
	"{\"type\": \"horizontal_scan\", \"src\": \"198.51.100.66\", \"targets\": \"10.20.50.0/24\", \"port\": 3389, \"start\": \"2m\", \"rate\": 20},"
	"{\"type\": \"syn_flood\", \"dst\": \"10.20.80.10\", \"port\": 443, \"sources\": 500, \"pps\": 5000, \"start\": \"10m\", \"duration\": \"1m\"},"
	"{\"type\": \"beacon\", \"src\": \"10.20.4.7\", \"dst\": \"198.51.100.23\", \"port\": 443, \"period\": \"30s\", \"jitter\": 0.1, \"bytes\": 310},"
	"{\"type\": \"exfil_bulk\", \"src\": \"10.20.12.34\", \"dst\": \"203.0.113.200\", \"port\": 443, \"start\": \"15m\", \"bytes\": 5e8, \"duration\": \"5m\"},"
	"{\"type\": \"dns_tunnel\", \"src\": \"10.20.14.2\", \"resolver\": \"10.20.9.53\", \"qpm\": 200, \"query_bytes\": 200, \"start\": \"5m\", \"duration\": \"20m\"},"
	"{\"type\": \"lateral\", \"src\": \"10.20.15.9\", \"targets\": \"10.20.30.0/24\", \"count\": 30, \"ports\": [445, 3389], \"start\": \"20m\", \"duration\": \"5m\"}"
	"]}";

static const char *const names[] = { "default", "benign", "small", "sampled", NULL };

const char *const *
builtin_names(void)
{
	return names;
}

const char *
builtin_scenario(const char *name)
{
	if (strcmp(name, "default") == 0)
		return default_json;
	if (strcmp(name, "benign") == 0)
		return benign_json;
	if (strcmp(name, "small") == 0)
		return small_json;
	return NULL;
}
