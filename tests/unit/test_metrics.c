/* The Prometheus text file: exact output, escaping, histogram, and
 * `promtool check metrics` on it when promtool is installed. */
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

#include "service/metrics.h"

/* What the metrics file renders: records and totals, built here as the
 * core would keep them. */
struct sim {
	struct nh_netns *ns[1100];
	size_t n;
	struct nh_core_totals totals;
	struct nh_netns_rule rule;      /* any rule: the records are managed */
};

static struct sim *sim_new(void)
{
	return calloc(1, sizeof(struct sim));
}

static void sim_free(struct sim *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->ns[i]);
	free(m);
}

static struct nh_netns *sim_ns(struct sim *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->ns[i]->name, name) == 0)
			return m->ns[i];
	/* kept sorted by name, as nh_core_snapshot gives them */
	for (i = 0; i < m->n && strcmp(m->ns[i]->name, name) < 0; i++)
		;
	memmove(&m->ns[i + 1], &m->ns[i], (m->n - i) * sizeof(m->ns[0]));
	m->ns[i] = calloc(1, sizeof(struct nh_netns));
	assert_non_null(m->ns[i]);
	snprintf(m->ns[i]->name, sizeof(m->ns[i]->name), "%s", name);
	m->ns[i]->rule = &m->rule;
	m->n++;
	return m->ns[i];
}

static void sim_heal(struct sim *m, const char *netns, const char *object, uint64_t latency_us)
{
	sim_ns(m, netns)->heals_by_kind[nh_obj_kind_of(object)]++;
	nh_histogram_observe(&m->totals.latency, latency_us);
}

static void sim_forget(struct sim *m, const char *netns)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->ns[i]->name, netns) != 0)
			continue;
		free(m->ns[i]);
		memmove(&m->ns[i], &m->ns[i + 1], (m->n - i - 1) * sizeof(m->ns[0]));
		m->n--;
		return;
	}
}

static const struct nh_metrics_info info = { "0.1.0", 1700000000123, 1700000042500 };

static struct nh_core_snapshot snapshot(const struct sim *m)
{
	return (struct nh_core_snapshot){ &m->totals, (const struct nh_netns **)m->ns, m->n };
}

static char tmpdir[] = "/tmp/netheal-metrics-test.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static char *format(const struct sim *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	struct nh_core_snapshot snap = snapshot(m);

	assert_int_equal(nh_metrics_format(&snap, &info, f), 0);
	fclose(f);
	return buf;
}

/* promtool's verdict on path: 0 clean, -1 when promtool is not installed. */
static int promtool(const char *path)
{
	char cmd[512];

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "promtool check metrics < '%s'", path);
	return system(cmd);
}

static void check_with_promtool(const struct sim *m, const char *name)
{
	char path[256];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/textfile/%s.prom", tmpdir, name);
	struct nh_core_snapshot snap = snapshot(m);

	assert_int_equal(nh_metrics_write(&snap, &info, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	r = promtool(path);
	if (r < 0)
		print_message("promtool not installed (Debian: prometheus): format checked by this test only\n");
	else
		assert_int_equal(r, 0);
}

static const char empty_text[] =
	"# HELP netheal_heals_total Objects netheal put back, by namespace and object kind.\n"
	"# TYPE netheal_heals_total counter\n"
	"# HELP netheal_drift Drifts the last comparison of a namespace with the policy found.\n"
	"# TYPE netheal_drift gauge\n"
	"# HELP netheal_heal_failures_total Heal actions the kernel refused.\n"
	"# TYPE netheal_heal_failures_total counter\n"
	"netheal_heal_failures_total 0\n"
	"# HELP netheal_resyncs_total Full re-reads of a namespace, by reason.\n"
	"# TYPE netheal_resyncs_total counter\n"
	"# HELP netheal_events_total Kernel and namespace-directory events handled.\n"
	"# TYPE netheal_events_total counter\n"
	"netheal_events_total 0\n"
	"# HELP netheal_heal_latency_seconds Time from the event that showed drift to the kernel's acknowledgement of the fix.\n"
	"# TYPE netheal_heal_latency_seconds histogram\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.0001\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.00025\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.0005\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.001\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.002\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.005\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.01\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.05\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.1\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"0.25\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"1\"} 0\n"
	"netheal_heal_latency_seconds_bucket{le=\"+Inf\"} 0\n"
	"netheal_heal_latency_seconds_sum 0.000000\n"
	"netheal_heal_latency_seconds_count 0\n"
	"# HELP netheal_build_info The version of netheal running.\n"
	"# TYPE netheal_build_info gauge\n"
	"netheal_build_info{version=\"0.1.0\"} 1\n"
	"# HELP netheal_start_time_seconds When the service started, in Unix time.\n"
	"# TYPE netheal_start_time_seconds gauge\n"
	"netheal_start_time_seconds 1700000000.123\n"
	"# HELP netheal_last_update_time_seconds When this file was last written, in Unix time (at every change and watchdog ping).\n"
	"# TYPE netheal_last_update_time_seconds gauge\n"
	"netheal_last_update_time_seconds 1700000042.500\n";

static void test_empty(void **state)
{
	struct sim *m = sim_new();
	char *text;

	(void)state;
	text = format(m);
	assert_string_equal(text, empty_text);
	free(text);
	check_with_promtool(m, "empty");
	sim_free(m);
	sim_free(NULL);
}

static void test_counts(void **state)
{
	struct sim *m = sim_new();
	char *text;

	(void)state;
	sim_heal(m, "blue", "address:10.1.1.100/24", 143);
	sim_heal(m, "blue", "address:10.1.1.101/24", 90);   /* same series */
	sim_heal(m, "blue", "route", 100);                  /* a bare kind */
	sim_heal(m, "", "state:up", 1000001);               /* host, +Inf bucket */
	sim_heal(m, "blue", "frobnicate:x", 2000);          /* unknown kind */
	sim_ns(m, "blue")->drift = 2;
	sim_ns(m, "blue")->drift = 0;
	sim_ns(m, "")->drift = 1;
	m->totals.resyncs_by_reason[NH_RESYNC_INTERVAL] = 2;
	m->totals.resyncs_by_reason[NH_RESYNC_OVERRUN] = 1;
	m->totals.heal_failures = 1;
	m->totals.events = 7;
	text = format(m);
	assert_non_null(strstr(text,
		"netheal_heals_total{netns=\"-\",object=\"state\"} 1\n"
		"netheal_heals_total{netns=\"blue\",object=\"address\"} 2\n"
		"netheal_heals_total{netns=\"blue\",object=\"other\"} 1\n"
		"netheal_heals_total{netns=\"blue\",object=\"route\"} 1\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"-\"} 1\nnetheal_drift{netns=\"blue\"} 0\n"));
	assert_non_null(strstr(text, "netheal_heal_failures_total 1\n"));
	assert_non_null(strstr(text, "netheal_resyncs_total{reason=\"interval\"} 2\n"
				     "netheal_resyncs_total{reason=\"overrun\"} 1\n"));
	assert_non_null(strstr(text, "netheal_events_total 7\n"));
	/* 90 and 100 µs ≤ 0.0001 s (le is inclusive); 143 ≤ 0.00025; 2000 ≤ 0.002. */
	assert_non_null(strstr(text,
		"netheal_heal_latency_seconds_bucket{le=\"0.0001\"} 2\n"
		"netheal_heal_latency_seconds_bucket{le=\"0.00025\"} 3\n"
		"netheal_heal_latency_seconds_bucket{le=\"0.0005\"} 3\n"
		"netheal_heal_latency_seconds_bucket{le=\"0.001\"} 3\n"
		"netheal_heal_latency_seconds_bucket{le=\"0.002\"} 4\n"));
	assert_non_null(strstr(text,
		"netheal_heal_latency_seconds_bucket{le=\"1\"} 4\n"
		"netheal_heal_latency_seconds_bucket{le=\"+Inf\"} 5\n"
		"netheal_heal_latency_seconds_sum 1.002334\n"
		"netheal_heal_latency_seconds_count 5\n"));
	free(text);
	check_with_promtool(m, "counts");

	/* A namespace that went away takes its series with it. */
	sim_forget(m, "blue");
	text = format(m);
	assert_null(strstr(text, "blue"));
	assert_non_null(strstr(text, "netheal_heals_total{netns=\"-\",object=\"state\"} 1\n"));
	free(text);
	sim_free(m);
}

/* Issue 12: sysctls, rules and neighbours are kinds of their own, in the
 * file's name order among the others. */
static void test_object_kinds(void **state)
{
	struct sim *m = sim_new();
	char *text;

	(void)state;
	assert_int_equal(nh_obj_kind_of("sysctl:net.ipv4.ip_forward"), NH_OBJK_SYSCTL);
	assert_int_equal(nh_obj_kind_of("rule:100"), NH_OBJK_RULE);
	assert_int_equal(nh_obj_kind_of("neigh:2001:db8::1"), NH_OBJK_NEIGH);
	assert_string_equal(nh_obj_kind_to_string(NH_OBJK_NEIGH), "neigh");
	sim_heal(m, "red", "sysctl:net.ipv4.ip_forward", 60);
	sim_heal(m, "red", "rule:100", 60);
	sim_heal(m, "red", "neigh:10.1.1.1", 60);
	sim_heal(m, "red", "neigh:2001:db8::1", 60);
	sim_heal(m, "red", "route:default", 60);
	text = format(m);
	assert_non_null(strstr(text,
		"netheal_heals_total{netns=\"red\",object=\"neigh\"} 2\n"
		"netheal_heals_total{netns=\"red\",object=\"route\"} 1\n"
		"netheal_heals_total{netns=\"red\",object=\"rule\"} 1\n"
		"netheal_heals_total{netns=\"red\",object=\"sysctl\"} 1\n"));
	free(text);
	sim_free(m);
}

static void test_label_escaping(void **state)
{
	struct sim *m = sim_new();
	char *text;

	(void)state;
	sim_heal(m, "q\"uo\\te\nnl", "link:x", 1);
	sim_ns(m, "bad\xff" "utf8-\xc3\xa9")->drift = 3;
	text = format(m);
	assert_non_null(strstr(text, "netheal_heals_total{netns=\"q\\\"uo\\\\te\\nnl\",object=\"link\"} 1\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"bad\\\\xffutf8-\xc3\xa9\"} 3\n"));
	/* names that differ in a byte that is not UTF-8 stay two series */
	sim_ns(m, "x\xfe")->drift = 1;
	sim_ns(m, "x\xfd")->drift = 2;
	free(text);
	text = format(m);
	assert_non_null(strstr(text, "netheal_drift{netns=\"x\\\\xfd\"} 2\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"x\\\\xfe\"} 1\n"));
	free(text);
	check_with_promtool(m, "escaping");
	sim_free(m);
}

/* Many namespaces: series stay sorted and are found again. */
static void test_many(void **state)
{
	struct sim *m = sim_new();
	char *text, *prev, *p;

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 999; i >= 0; i--) {
			char ns[32];

			snprintf(ns, sizeof(ns), "ns%04d", i);
			sim_heal(m, ns, "route:default", 300);
			sim_ns(m, ns)->drift = (uint64_t)i;
		}
	text = format(m);
	assert_non_null(strstr(text, "netheal_heals_total{netns=\"ns0000\",object=\"route\"} 2\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"ns0999\"} 999\n"));
	prev = strstr(text, "netheal_drift{netns=\"ns0000\"}");
	assert_non_null(prev);
	p = strstr(text, "netheal_drift{netns=\"ns0001\"}");
	assert_true(p > prev);
	assert_non_null(strstr(text, "netheal_heal_latency_seconds_count 2000\n"));
	free(text);
	check_with_promtool(m, "many");
	sim_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_object_kinds),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
