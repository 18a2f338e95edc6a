/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * JSON answers as aligned text for people, one renderer for every command:
 *   a string            the line itself
 *   an object           "key: value" lines, keys padded to one column;
 *                       nested objects and arrays indented below their key
 *   an array of objects a table: one column per key (in first-seen order),
 *                       numbers right-aligned, strings left-aligned
 *   an empty array      "(none)"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_priv.h"


static void
scalar(const json_t *v, char *out, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		snprintf(out, len, "%s", json_string_value(v));
		break;
	case JSON_INTEGER:
		snprintf(out, len, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL: {
		double d = json_real_value(v);
		if (d >= 1000 || d <= -1000)
			snprintf(out, len, "%.0f", d);
		else
			snprintf(out, len, "%.4g", d);
		break;
	}
	case JSON_TRUE:
		snprintf(out, len, "yes");
		break;
	case JSON_FALSE:
		snprintf(out, len, "no");
		break;
	case JSON_NULL:
		snprintf(out, len, "-");
		break;
	default: {
		char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		snprintf(out, len, "%s", s ? s : "");
		free(s);
		break;
	}
	}
}

static bool
is_scalar(const json_t *v)
{
	return !json_is_object(v) && !json_is_array(v);
}

static bool
table_like(const json_t *v)
{
	if (!json_is_array(v) || json_array_size(v) == 0)
		return false;
	size_t i;
	json_t *e;
	json_array_foreach(v, i, e)
		if (!json_is_object(e))
			return false;
	return true;
}

static void render(FILE *fp, const json_t *v, int indent);

static void
table(FILE *fp, const json_t *arr, int indent)
{
	const char *cols[64];
	size_t width[64];
	bool numeric[64];
	unsigned nc = 0;
	size_t i;
	json_t *row;
	const char *k;
	json_t *x;
	char cell[256];

	json_array_foreach(arr, i, row)
		json_object_foreach(row, k, x) {
			unsigned c;
			for (c = 0; c < nc; c++)
				if (strcmp(cols[c], k) == 0)
					break;
			if (c == nc && nc < 64) {
				cols[nc] = k;
				width[nc] = strlen(k);
				numeric[nc] = true;
				nc++;
			}
			if (c < nc) {
				scalar(x, cell, sizeof(cell));
				if (strlen(cell) > width[c])
					width[c] = strlen(cell);
				if (!json_is_number(x))
					numeric[c] = false;
			}
		}
	fprintf(fp, "%*s", indent, "");
	for (unsigned c = 0; c < nc; c++) {
		if (c + 1 == nc && !numeric[c])
			fprintf(fp, "%s%s", c ? "  " : "", cols[c]);
		else
			fprintf(fp, numeric[c] ? "%s%*s" : "%s%-*s", c ? "  " : "", (int)width[c], cols[c]);
	}
	fputc('\n', fp);
	json_array_foreach(arr, i, row) {
		fprintf(fp, "%*s", indent, "");
		for (unsigned c = 0; c < nc; c++) {
			x = json_object_get(row, cols[c]);
			if (x == NULL)
				snprintf(cell, sizeof(cell), "-");
			else
				scalar(x, cell, sizeof(cell));
			/* the last column is not padded: no trailing blanks */
			if (c + 1 == nc && !numeric[c])
				fprintf(fp, "%s%s", c ? "  " : "", cell);
			else
				fprintf(fp, numeric[c] ? "%s%*s" : "%s%-*s", c ? "  " : "", (int)width[c], cell);
		}
		fputc('\n', fp);
	}
}

static void
object(FILE *fp, const json_t *o, int indent)
{
	size_t w = 0;
	const char *k;
	json_t *x;
	char cell[1024];
	json_object_foreach((json_t *)o, k, x)
		if (is_scalar(x) && strlen(k) > w)
			w = strlen(k);
	json_object_foreach((json_t *)o, k, x) {
		if (is_scalar(x)) {
			scalar(x, cell, sizeof(cell));
			fprintf(fp, "%*s%s:%*s %s\n", indent, "", k, (int)(w - strlen(k)), "", cell);
		} else if (json_is_array(x) && !table_like(x) && json_array_size(x) > 0) {
			bool all_scalar = true;
			size_t i;
			json_t *e;
			json_array_foreach(x, i, e)
				all_scalar = all_scalar && is_scalar(e);
			if (all_scalar) {
				fprintf(fp, "%*s%s:%*s ", indent, "", k, (int)(w > strlen(k) ? w - strlen(k) : 0), "");
				json_array_foreach(x, i, e) {
					scalar(e, cell, sizeof(cell));
					fprintf(fp, "%s%s", i ? ", " : "", cell);
				}
				fputc('\n', fp);
			} else {
				fprintf(fp, "%*s%s:\n", indent, "", k);
				render(fp, x, indent + 2);
			}
		} else {
			fprintf(fp, "%*s%s:\n", indent, "", k);
			render(fp, x, indent + 2);
		}
	}
}

static void
render(FILE *fp, const json_t *v, int indent)
{
	char cell[1024];
	if (json_is_string(v)) {
		fprintf(fp, "%*s%s\n", indent, "", json_string_value(v));
	} else if (json_is_object(v)) {
		object(fp, v, indent);
	} else if (json_is_array(v)) {
		if (json_array_size(v) == 0)
			fprintf(fp, "%*s(none)\n", indent, "");
		else if (table_like(v))
			table(fp, v, indent);
		else {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e) {
				if (is_scalar(e)) {
					scalar(e, cell, sizeof(cell));
					fprintf(fp, "%*s%s\n", indent, "", cell);
				} else {
					render(fp, e, indent + 2);
				}
			}
		}
	} else {
		scalar(v, cell, sizeof(cell));
		fprintf(fp, "%*s%s\n", indent, "", cell);
	}
}

char *
nfw_ctl_render_text(const json_t *v)
{
	char *s = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&s, &n);
	if (fp == NULL)
		return NULL;
	render(fp, v, 0);
	fclose(fp);
	return s;
}
