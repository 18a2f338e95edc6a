/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef NFW_FILTER_H
#define NFW_FILTER_H

/*
 * nfw_filter: nfdump-style filter expressions, compiled once into a small
 * tree and run per record (nfwatch-query, `show flows ... filter EXPR`).
 *
 *   expr    := term { (or | "||") term }
 *   term    := factor { (and | "&&") factor }
 *   factor  := (not | "!") factor | "(" expr ")" | prim
 *   prim    := any | ipv4 | inet | ipv6 | inet6
 *            | proto (tcp|udp|icmp|icmp6|gre|esp|ah|sctp|N)
 *            | [src|dst] (host|ip) ADDR
 *            | [src|dst] net PREFIX            (10.0.0.0/8, 2001:db8::/32)
 *            | [src|dst] port [CMP] N
 *            | [src|dst] (port|host|ip|net) in [ V V ... ]   (commas optional)
 *            | [src|dst] as [CMP] N
 *            | (in|out) if N
 *            | (bytes|packets|tos|duration|sampling|pps|bps|bpp) [CMP] N[k|m|g]
 *            | (icmp-type|icmp-code) [CMP] N
 *            | flags FLAGS                     (letters of FSRPAUEC, all set)
 *            | exporter ADDR | router ip ADDR | next ip ADDR
 *   CMP     := = | == | eq | != | ne | > | gt | < | lt | >= | ge | <= | le
 *
 * Without src or dst, host / net / port / as match either side. duration
 * is in milliseconds; pps and bps are per second of the flow's duration (0
 * when it has none), bpp is bytes per packet, as nfdump computes them. Keywords are case-insensitive. Errors name the word
 * that could not be read and its position.
 */

#include <stdbool.h>
#include <stddef.h>

#include "nfw_flow.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NFW_FILTER_MAX_LEN 1024   /**< longest expression accepted */
#define NFW_FILTER_MAX_NODES 256  /**< primitives and operators in one expression */

struct nfw_filter;

/** Compile expr; NULL with a message in err on a syntax error or ENOMEM. */
struct nfw_filter *nfw_filter_compile(const char *expr, char *err, size_t errlen);
/** True when the record matches. */
bool nfw_filter_match(const struct nfw_filter *f, const struct nfw_flow *r);
/** The expression it was compiled from. */
const char *nfw_filter_text(const struct nfw_filter *f);
void nfw_filter_free(struct nfw_filter *f);

#ifdef __cplusplus
}
#endif

#endif
