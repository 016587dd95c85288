/* Diagnostics: every problem of a run, printed sorted by file and line. */
#include "parse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void nh_diags_free(struct nh_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

int nh_diags_add(struct nh_diags *d, const char *file, unsigned int line, bool warning,
		 const char *fmt, ...)
{
	struct nh_diag g = { .line = line, .warning = warning, .seq = d->n };
	va_list ap;
	int r;

	if (nh_grow(&d->v, &d->cap, d->n + 1, sizeof(*d->v)) < 0)
		return -ENOMEM;
	va_start(ap, fmt);
	r = vasprintf(&g.msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	g.file = strdup(file ? file : "-");
	if (!g.file) {
		free(g.msg);
		return -ENOMEM;
	}
	d->v[d->n++] = g;
	if (warning)
		d->warnings++;
	else
		d->errors++;
	return 0;
}

/* By file, then line; ties in the order found. */
static int diag_order(const struct nh_diag *x, const struct nh_diag *y)
{
	int r = strcmp(x->file, y->file);

	if (r)
		return r;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int diag_cmp(const void *a, const void *b)
{
	return diag_order(*(const struct nh_diag *const *)a, *(const struct nh_diag *const *)b);
}

static int diag_cmp_in_place(const void *a, const void *b)
{
	return diag_order(a, b);
}

void nh_diags_sort(struct nh_diags *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), diag_cmp_in_place);
}

bool nh_diag_same(const struct nh_diag *a, const struct nh_diag *b)
{
	return a->line == b->line && a->warning == b->warning && strcmp(a->file, b->file) == 0 &&
	       strcmp(a->msg, b->msg) == 0;
}

static void diag_print(const struct nh_diag *g, size_t times, FILE *f)
{
	const char *sev = g->warning ? "warning" : "error";

	if (g->line)
		fprintf(f, "%s:%u: %s: %s", g->file, g->line, sev, g->msg);
	else
		fprintf(f, "%s: %s: %s", g->file, sev, g->msg);
	if (times > 1)
		fprintf(f, " (%zu times)", times);
	fputc('\n', f);
}

void nh_diags_print(const struct nh_diags *d, FILE *f)
{
	const struct nh_diag **order;

	if (!d->n)
		return;
	order = calloc(d->n, sizeof(*order));
	if (!order) {
		/* Unsorted beats silent. */
		for (size_t i = 0; i < d->n; i++)
			diag_print(&d->v[i], 1, f);
		return;
	}
	for (size_t i = 0; i < d->n; i++)
		order[i] = &d->v[i];
	qsort(order, d->n, sizeof(*order), diag_cmp);
	for (size_t i = 0, j; i < d->n; i = j) {
		for (j = i + 1; j < d->n && nh_diag_same(order[i], order[j]); j++)
			;
		diag_print(order[i], j - i, f);
	}
	free(order);
}
