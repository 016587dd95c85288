#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "common/util.h"

/* Label values escape '\\', '"' and newline; a byte that is not UTF-8
 * (names are arbitrary bytes, the format wants UTF-8) is shown \xHH, as in
 * the log: two names differing there stay two series (a '?' for each made
 * "x\xff" and "x\xfe" one label twice, which Prometheus refuses). */
static void put_label(FILE *f, const char *name, const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	size_t left = strlen(val);

	fprintf(f, "%s=\"", name);
	while (left > 0) {
		size_t n = nh_utf8_len(p, left);

		if (n == 0) {
			fprintf(f, "\\\\x%02x", *p);        /* the value: backslash, x, HH */
			n = 1;
		} else if (*p == '\\' || *p == '"') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
		left -= n;
	}
	fputc('"', f);
}

static void put_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_seconds(FILE *f, const char *name, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	fprintf(f, "%s %" PRId64 ".%03" PRId64 "\n", name, ms / 1000, ms % 1000);
}

static void put_heals(FILE *f, const struct nh_core_snapshot *s)
{
	put_head(f, "netheal_heals_total", "counter", "Objects netheal put back, by namespace and object kind.");
	for (size_t i = 0; i < s->n; i++) {
		/* kinds in name order, for a stable file */
		static const enum nh_obj_kind order[] = {
			NH_OBJK_ADDRESS, NH_OBJK_LINK, NH_OBJK_MAC, NH_OBJK_MASTER, NH_OBJK_MTU,
			NH_OBJK_NEIGH, NH_OBJK_NETNS, NH_OBJK_OTHER, NH_OBJK_ROUTE, NH_OBJK_RULE,
			NH_OBJK_STATE, NH_OBJK_SYSCTL,
		};
		_Static_assert(NH_ARRAY_SIZE(order) == NH_OBJK__COUNT, "every object kind has its place");

		for (size_t k = 0; k < NH_ARRAY_SIZE(order); k++) {
			uint64_t v = s->ns[i]->heals_by_kind[order[k]];

			if (!v)
				continue;
			fputs("netheal_heals_total{", f);
			put_label(f, "netns", nh_netns_label(s->ns[i]));
			fputc(',', f);
			put_label(f, "object", nh_obj_kind_to_string(order[k]));
			fprintf(f, "} %" PRIu64 "\n", v);
		}
	}
}

static void put_drift(FILE *f, const struct nh_core_snapshot *s)
{
	put_head(f, "netheal_drift", "gauge", "Drifts the last comparison of a namespace with the policy found.");
	for (size_t i = 0; i < s->n; i++) {
		fputs("netheal_drift{", f);
		put_label(f, "netns", nh_netns_label(s->ns[i]));
		fprintf(f, "} %" PRIu64 "\n", s->ns[i]->drift);
	}
}

static void put_resyncs(FILE *f, const struct nh_core_totals *t)
{
	put_head(f, "netheal_resyncs_total", "counter", "Full re-reads of a namespace, by reason.");
	for (int r = 0; r < NH_RESYNC__COUNT; r++) {
		if (!t->resyncs_by_reason[r])
			continue;
		fputs("netheal_resyncs_total{", f);
		put_label(f, "reason", nh_resync_reason_to_string((enum nh_resync_reason)r));
		fprintf(f, "} %" PRIu64 "\n", t->resyncs_by_reason[r]);
	}
}

static void put_histogram(FILE *f, const struct nh_histogram *h)
{
	const char *name = "netheal_heal_latency_seconds";
	uint64_t cum = 0;

	put_head(f, name, "histogram", "Time from the event that showed drift to the kernel's acknowledgement of the fix.");
	for (size_t b = 0; b < NH_HISTOGRAM_BUCKETS; b++) {
		cum += h->counts[b];
		fprintf(f, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, nh_histogram_le[b], cum);
	}
	cum += h->counts[NH_HISTOGRAM_BUCKETS];
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	fprintf(f, "%s_sum %" PRIu64 ".%06" PRIu64 "\n", name, h->sum_us / 1000000, h->sum_us % 1000000);
	fprintf(f, "%s_count %" PRIu64 "\n", name, h->count);
}

int nh_metrics_format(const struct nh_core_snapshot *s, const struct nh_metrics_info *info, FILE *f)
{
	const struct nh_core_totals *t = s->totals;

	put_heals(f, s);
	put_drift(f, s);
	put_head(f, "netheal_heal_failures_total", "counter", "Heal actions the kernel refused.");
	fprintf(f, "netheal_heal_failures_total %" PRIu64 "\n", t->heal_failures);
	put_resyncs(f, t);
	put_head(f, "netheal_events_total", "counter", "Kernel and namespace-directory events handled.");
	fprintf(f, "netheal_events_total %" PRIu64 "\n", t->events);
	put_histogram(f, &t->latency);
	put_head(f, "netheal_build_info", "gauge", "The version of netheal running.");
	fputs("netheal_build_info{", f);
	put_label(f, "version", info->version);
	fputs("} 1\n", f);
	put_head(f, "netheal_start_time_seconds", "gauge", "When the service started, in Unix time.");
	put_seconds(f, "netheal_start_time_seconds", info->start_ms);
	put_head(f, "netheal_last_update_time_seconds", "gauge",
		 "When this file was last written, in Unix time (at every change and watchdog ping).");
	put_seconds(f, "netheal_last_update_time_seconds", info->now_ms);
	return ferror(f) ? -EIO : 0;
}

struct write_args {
	const struct nh_core_snapshot *s;
	const struct nh_metrics_info *info;
};

static int format_metrics(const void *arg, FILE *f)
{
	const struct write_args *w = arg;

	return nh_metrics_format(w->s, w->info, f);
}

int nh_metrics_write(const struct nh_core_snapshot *s, const struct nh_metrics_info *info, const char *path)
{
	struct write_args w = { s, info };

	return nh_atomic_write_formatted(path, 0644, format_metrics, &w);
}
