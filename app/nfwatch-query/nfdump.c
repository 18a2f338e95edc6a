/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The nfdump stage of nfwatch-query. One pass over the records:
 *   - each -s element statistic has its own table (the field's value is the key);
 *   - -s record, -A, -b and -B share one table keyed by the aggregation key;
 *   - -O without aggregation keeps the records (bounded by the same limit)
 *     and sorts them at the end;
 *   - otherwise records are printed as they come.
 * At the end: each statistic's top N per order, then the aggregated records
 * (ordered by -O, else in first-seen order), then the summary.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "nfdump.h"

struct nfd {
	struct nfd_opts o;
	struct nfw_stat_out out;
	struct nfw_stat_fmt *fmt;
	struct nfw_stat_table *st[NFD_MAX_STATS]; /* element statistics; NULL for record */
	struct nfw_stat_table *agg;               /* -s record, -A, -b, -B */
	struct nfw_stat_entry *keep;              /* -O without aggregation */
	size_t nkeep, capkeep;
	bool full, header_done, stream;
	uint64_t flows, packets, bytes;           /* the passed records, for the percentages */
	struct nfw_flow batch[NFW_STAT_BURST];    /* records on their way to the -s and -A tables, a burst at a time */
	unsigned nbatch;
};

/*
 * The layout of aggregated records when no -o was given: only the fields in
 * the key, as nfdump prints them ("%ts %td %sa %pkt %byt %bps %bpp %fl" for
 * -A srcip); -b / -B show both directions' packets and bytes.
 */
static void
agg_format(const struct nfw_stat_keydef *kd, char *buf, size_t len)
{
	uint32_t m = kd->fields;
	bool bi = kd->bidir != NFW_STAT_UNIDIR;
	const char *src = (m & NFW_STAT_K_SRCIP) ? ((m & NFW_STAT_K_SRCPORT) ? " %sap" : " %sa")
						  : (m & NFW_STAT_K_SRCPORT) ? " %sp" : "";
	const char *dst = (m & NFW_STAT_K_DSTIP) ? ((m & NFW_STAT_K_DSTPORT) ? " %dap" : " %da")
						  : (m & NFW_STAT_K_DSTPORT) ? " %dp" : "";
	snprintf(buf, len, "fmt:%%ts %%td%s%s%s%s%s%s%s%s%s%s%s%s %%fl", (m & NFW_STAT_K_PROTO) ? " %pr" : "",
		 src, *src != '\0' && *dst != '\0' ? (bi ? " <->" : " ->") : "", dst,
		 (m & NFW_STAT_K_SRCAS) ? " %sas" : "", (m & NFW_STAT_K_DSTAS) ? " %das" : "",
		 (m & NFW_STAT_K_INIF) ? " %in" : "", (m & NFW_STAT_K_OUTIF) ? " %out" : "",
		 (m & NFW_STAT_K_TOS) ? " %tos" : "", (m & NFW_STAT_K_NEXTHOP) ? " %nh" : "",
		 (m & NFW_STAT_K_EXPORTER) ? " %ra" : "",
		 bi ? " %opkt %ipkt %obyt %ibyt" : " %pkt %byt %bps %bpp");
}

struct nfd *
nfd_create(const struct nfd_opts *o, FILE *fp, char *err, size_t errlen)
{
	struct nfd *d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto oom;
	d->o = *o;
	d->out = (struct nfw_stat_out){ .fp = fp, .exact = o->exact, .quiet = o->quiet, .csv = o->csv,
					.json = o->json };
	char layout[256];
	const char *fs = o->fmt != NULL ? o->fmt : o->csv ? "csv"
					   : o->kd.bidir != NFW_STAT_UNIDIR ? "bidir" : "line";
	if (o->fmt == NULL && !o->csv && o->agg && o->kd.fields != NFW_STAT_K_5TUPLE) {
		agg_format(&o->kd, layout, sizeof(layout));
		fs = layout;
	}
	d->fmt = nfw_stat_fmt_compile(fs, err, errlen);
	if (d->fmt == NULL)
		goto fail;
	bool record_stat = false;
	for (unsigned i = 0; i < o->nstats; i++) {
		if (o->stats[i].elem == NFW_STAT_E_RECORD) {
			record_stat = true;
			continue;
		}
		static const struct nfw_stat_keydef none = { 0 };
		d->st[i] = nfw_stat_table_create(&none, o->limit);
		if (d->st[i] == NULL)
			goto oom;
	}
	if (o->agg || record_stat) {
		/* o->kd is the -A key, or the 5-tuple when none was given */
		d->agg = nfw_stat_table_create(&o->kd, o->limit);
		if (d->agg == NULL)
			goto oom;
	}
	/* records straight out: no statistic, no aggregation, no order */
	d->stream = o->nstats == 0 && !o->agg && o->order < 0;
	return d;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	nfd_free(d);
	return NULL;
}

void
nfd_free(struct nfd *d)
{
	if (d == NULL)
		return;
	for (unsigned i = 0; i < NFD_MAX_STATS; i++)
		nfw_stat_table_free(d->st[i]);
	nfw_stat_table_free(d->agg);
	nfw_stat_fmt_free(d->fmt);
	free(d->keep);
	free(d);
}

static int
limit_hit(struct nfd *d, const char *what)
{
	if (!d->full)
		fprintf(stderr, "nfwatch-query: %s: more than %zu distinct entries: the output would be "
			"incomplete (raise --agg-limit, or narrow the input with a filter or -t)\n", what,
			d->o.limit != 0 ? d->o.limit : (size_t)NFW_STAT_DEFAULT_LIMIT);
	d->full = true;
	return -1;
}

/* the batched records into every -s table, their look-ups overlapped */
static int
batch_flush(struct nfd *d)
{
	int rc = 0;
	for (unsigned i = 0; i < d->o.nstats && d->nbatch > 0; i++)
		if (d->st[i] != NULL && nfw_stat_elem_add_burst(d->st[i], &d->o.stats[i], d->batch, d->nbatch) != 0)
			rc = limit_hit(d, "-s");
	if (d->agg != NULL && d->nbatch > 0 && nfw_stat_table_add_burst(d->agg, d->batch, d->nbatch) != 0)
		rc = limit_hit(d, "aggregation");
	d->nbatch = 0;
	return rc;
}

int
nfd_put(struct nfd *d, const struct nfw_flow *f)
{
	d->flows++;
	d->packets += f->packets;
	d->bytes += f->bytes;
	if (d->stream) {
		struct nfw_stat_entry e;
		if (!d->header_done) {
			nfw_stat_fmt_header(d->fmt, &d->out);
			d->header_done = true;
		}
		nfw_stat_entry_from_flow(f, &e);
		nfw_stat_fmt_row(d->fmt, &d->out, &e);
		return 0;
	}
	int rc = 0;
	if (d->o.nstats > 0 || d->agg != NULL) {
		d->batch[d->nbatch++] = *f;
		if (d->nbatch == NFW_STAT_BURST)
			rc = batch_flush(d);
	}
	if (d->o.order >= 0 && d->agg == NULL) {
		size_t lim = d->o.limit != 0 ? d->o.limit : NFW_STAT_DEFAULT_LIMIT;
		if (d->nkeep == d->capkeep) {
			size_t nc = d->capkeep == 0 ? 4096 : d->capkeep * 2;
			if (nc > lim)
				nc = lim;
			if (d->nkeep >= lim)
				return limit_hit(d, "-O");
			void *p = realloc(d->keep, nc * sizeof(*d->keep));
			if (p == NULL)
				return limit_hit(d, "-O");
			d->keep = p;
			d->capkeep = nc;
		}
		nfw_stat_entry_from_flow(f, &d->keep[d->nkeep++]);
	}
	return rc;
}

static int
print_sorted(struct nfd *d, const struct nfw_stat_entry *e, size_t n, int order, size_t topn)
{
	const struct nfw_stat_entry **rows = NULL;
	size_t k = n;
	if (n > 0) {
		rows = malloc(n * sizeof(*rows));
		if (rows == NULL) {
			fprintf(stderr, "nfwatch-query: out of memory\n");
			return 1;
		}
		if (order >= 0) {
			k = nfw_stat_top(e, n, (enum nfw_stat_order)order, topn, rows);
		} else {
			for (size_t i = 0; i < n; i++)
				rows[i] = &e[i];
			if (topn != 0 && topn < n)
				k = topn;
		}
	}
	nfw_stat_fmt_header(d->fmt, &d->out);
	for (size_t i = 0; i < k; i++)
		nfw_stat_fmt_row(d->fmt, &d->out, rows[i]);
	free(rows);
	return 0;
}

int
nfd_finish(struct nfd *d, const struct nfw_stat_summary *s)
{
	batch_flush(d);
	int rc = d->full ? 1 : 0;
	FILE *fp = d->out.fp;
	bool record_stat = false;
	for (unsigned i = 0; i < d->o.nstats; i++) {
		const struct nfw_stat_spec *sp = &d->o.stats[i];
		for (unsigned j = 0; j < sp->norders; j++) {
			enum nfw_stat_order o = sp->orders[j];
			if (sp->elem == NFW_STAT_E_RECORD) {
				record_stat = true;
				const struct nfw_stat_entry *e = nfw_stat_table_entries(d->agg);
				if (!d->out.quiet && !d->out.csv && !d->out.json)
					fprintf(fp, "Top %zu flows ordered by %s:\n",
						d->o.topn == 0 ? nfw_stat_table_count(d->agg)
							       : (d->o.topn < nfw_stat_table_count(d->agg)
									  ? d->o.topn : nfw_stat_table_count(d->agg)),
						nfw_stat_order_name(o));
				rc |= print_sorted(d, e, nfw_stat_table_count(d->agg), (int)o, d->o.topn);
				continue;
			}
			size_t n = nfw_stat_table_count(d->st[i]);
			const struct nfw_stat_entry **rows = n > 0 ? malloc(n * sizeof(*rows)) : NULL;
			if (n > 0 && rows == NULL) {
				fprintf(stderr, "nfwatch-query: out of memory\n");
				return 1;
			}
			size_t k = n > 0 ? nfw_stat_top(nfw_stat_table_entries(d->st[i]), n, o, d->o.topn, rows) : 0;
			nfw_stat_elem_print(&d->out, sp, o, rows, k, d->flows, d->packets, d->bytes);
			free(rows);
		}
	}
	if (d->agg != NULL && !record_stat) {
		/* -A / -b / -B alone: the aggregated records, by -O or first seen */
		rc |= print_sorted(d, nfw_stat_table_entries(d->agg), nfw_stat_table_count(d->agg), d->o.order,
				   d->o.topn_given ? d->o.topn : 0);
	} else if (d->o.order >= 0 && d->agg == NULL && d->o.nstats == 0) {
		rc |= print_sorted(d, d->keep, d->nkeep, d->o.order, d->o.topn_given ? d->o.topn : 0);
	} else if (d->stream && !d->header_done) {
		nfw_stat_fmt_header(d->fmt, &d->out);
	}
	nfw_stat_summary_print(&d->out, s);
	return rc;
}
