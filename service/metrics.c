#include "metrics.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "common/util.h"

/* Upper bounds of the latency histogram, µs and as printed. Heals are
 * sub-millisecond (SPEC §8 p50 ≤ 0.4 ms); the tail is veth and namespace
 * rebuilds on busy bridges (tens of ms). */
static const struct {
	uint64_t us;
	const char *le;
} buckets[] = {
	{ 100, "0.0001" }, { 250, "0.00025" }, { 500, "0.0005" }, { 1000, "0.001" },
	{ 2000, "0.002" }, { 5000, "0.005" }, { 10000, "0.01" }, { 50000, "0.05" },
	{ 100000, "0.1" }, { 250000, "0.25" }, { 1000000, "1" },
};
#define N_BUCKETS NH_ARRAY_SIZE(buckets)

/* Object kinds of SPEC §6; anything else is "other". */
static const char *const kinds[] = {
	"address", "route", "state", "link", "master", "mtu", "mac", "netns",
};

/* One labelled value. a is owned (netns, reason); b is a static kind or NULL. */
struct series {
	char *a;
	const char *b;
	uint64_t v;
};

/* Sorted by (a, b), for a deterministic file and binary search. */
struct series_set {
	struct series *v;
	size_t n, cap;
};

struct nh_metrics {
	struct series_set heals;        /* netns, kind */
	struct series_set drift;        /* netns */
	struct series_set resyncs;      /* reason */
	uint64_t heal_failures;
	uint64_t events;
	uint64_t latency_counts[N_BUCKETS + 1];     /* per bucket, last is +Inf; not cumulative */
	uint64_t latency_sum_us;
	uint64_t latency_count;
};

static int series_cmp(const char *a, const char *b, const struct series *s)
{
	int c = strcmp(a, s->a);

	if (c || (!b && !s->b))
		return c;
	if (!b || !s->b)
		return b ? 1 : -1;
	return strcmp(b, s->b);
}

static size_t series_find(const struct series_set *set, const char *a, const char *b, bool *found)
{
	size_t lo = 0, hi = set->n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = series_cmp(a, b, &set->v[mid]);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The series (a, b), created at 0 when missing; NULL on ENOMEM. */
static struct series *series_get(struct series_set *set, const char *a, const char *b)
{
	bool found;
	size_t i = series_find(set, a, b, &found);
	char *copy;

	if (found)
		return &set->v[i];
	if (nh_grow(&set->v, &set->cap, set->n + 1, sizeof(*set->v)) < 0)
		return NULL;
	copy = strdup(a);
	if (!copy)
		return NULL;
	memmove(&set->v[i + 1], &set->v[i], (set->n - i) * sizeof(*set->v));
	set->v[i] = (struct series){ .a = copy, .b = b };
	set->n++;
	return &set->v[i];
}

static void series_forget(struct series_set *set, const char *a)
{
	size_t j = 0;

	for (size_t i = 0; i < set->n; i++) {
		if (strcmp(set->v[i].a, a) == 0)
			free(set->v[i].a);
		else
			set->v[j++] = set->v[i];
	}
	set->n = j;
}

static void series_free(struct series_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		free(set->v[i].a);
	free(set->v);
}

struct nh_metrics *nh_metrics_new(void)
{
	return calloc(1, sizeof(struct nh_metrics));
}

void nh_metrics_free(struct nh_metrics *m)
{
	if (!m)
		return;
	series_free(&m->heals);
	series_free(&m->drift);
	series_free(&m->resyncs);
	free(m);
}

static const char *object_kind(const char *object)
{
	size_t len = strcspn(object, ":");

	for (size_t i = 0; i < NH_ARRAY_SIZE(kinds); i++)
		if (strlen(kinds[i]) == len && strncmp(kinds[i], object, len) == 0)
			return kinds[i];
	return "other";
}

static const char *netns_label(const char *netns)
{
	return netns && *netns ? netns : "-";
}

int nh_metrics_heal(struct nh_metrics *m, const char *netns, const char *object, uint64_t latency_us)
{
	struct series *s = series_get(&m->heals, netns_label(netns), object_kind(object ? object : ""));
	size_t b = 0;

	if (!s)
		return -ENOMEM;
	s->v++;
	while (b < N_BUCKETS && latency_us > buckets[b].us)
		b++;
	m->latency_counts[b]++;
	m->latency_sum_us += latency_us;
	m->latency_count++;
	return 0;
}

void nh_metrics_heal_failed(struct nh_metrics *m)
{
	m->heal_failures++;
}

int nh_metrics_resync(struct nh_metrics *m, const char *reason)
{
	struct series *s = series_get(&m->resyncs, reason && *reason ? reason : "unknown", NULL);

	if (!s)
		return -ENOMEM;
	s->v++;
	return 0;
}

void nh_metrics_event(struct nh_metrics *m)
{
	m->events++;
}

int nh_metrics_set_drift(struct nh_metrics *m, const char *netns, uint64_t n)
{
	struct series *s = series_get(&m->drift, netns_label(netns), NULL);

	if (!s)
		return -ENOMEM;
	s->v = n;
	return 0;
}

void nh_metrics_forget_netns(struct nh_metrics *m, const char *netns)
{
	series_forget(&m->heals, netns_label(netns));
	series_forget(&m->drift, netns_label(netns));
}

/* ---- text format -------------------------------------------------------- */

/* Label values escape '\\', '"' and newline; bytes that are not UTF-8
 * (names are arbitrary bytes) become '?', as the format requires UTF-8. */
static void put_label(FILE *f, const char *name, const char *val)
{
	const unsigned char *p = (const unsigned char *)val;
	size_t left = strlen(val);

	fprintf(f, "%s=\"", name);
	while (left > 0) {
		size_t n = nh_utf8_len(p, left);

		if (n == 0) {
			fputc('?', f);
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

static void put_set(FILE *f, const char *name, const struct series_set *set,
		    const char *la, const char *lb)
{
	for (size_t i = 0; i < set->n; i++) {
		fprintf(f, "%s{", name);
		put_label(f, la, set->v[i].a);
		if (lb) {
			fputc(',', f);
			put_label(f, lb, set->v[i].b);
		}
		fprintf(f, "} %" PRIu64 "\n", set->v[i].v);
	}
}

static void put_histogram(FILE *f, const struct nh_metrics *m)
{
	const char *name = "netheal_heal_latency_seconds";
	uint64_t cum = 0;

	put_head(f, name, "histogram", "Time from the event that showed drift to the kernel's acknowledgement of the fix.");
	for (size_t b = 0; b < N_BUCKETS; b++) {
		cum += m->latency_counts[b];
		fprintf(f, "%s_bucket{le=\"%s\"} %" PRIu64 "\n", name, buckets[b].le, cum);
	}
	cum += m->latency_counts[N_BUCKETS];
	fprintf(f, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name, cum);
	fprintf(f, "%s_sum %" PRIu64 ".%06" PRIu64 "\n", name,
		m->latency_sum_us / 1000000, m->latency_sum_us % 1000000);
	fprintf(f, "%s_count %" PRIu64 "\n", name, m->latency_count);
}

int nh_metrics_format(const struct nh_metrics *m, FILE *f)
{
	put_head(f, "netheal_heals_total", "counter", "Objects netheal put back, by namespace and object kind.");
	put_set(f, "netheal_heals_total", &m->heals, "netns", "object");
	put_head(f, "netheal_drift", "gauge", "Drifts the last comparison of a namespace with the policy found.");
	put_set(f, "netheal_drift", &m->drift, "netns", NULL);
	put_head(f, "netheal_heal_failures_total", "counter", "Heal actions the kernel refused.");
	fprintf(f, "netheal_heal_failures_total %" PRIu64 "\n", m->heal_failures);
	put_head(f, "netheal_resyncs_total", "counter", "Full re-reads of a namespace, by reason.");
	put_set(f, "netheal_resyncs_total", &m->resyncs, "reason", NULL);
	put_head(f, "netheal_events_total", "counter", "Kernel and namespace-directory events handled.");
	fprintf(f, "netheal_events_total %" PRIu64 "\n", m->events);
	put_histogram(f, m);
	return ferror(f) ? -EIO : 0;
}

static int format_metrics(const void *m, FILE *f)
{
	return nh_metrics_format(m, f);
}

int nh_metrics_write(const struct nh_metrics *m, const char *path)
{
	return nh_atomic_write_formatted(path, 0644, format_metrics, m);
}
