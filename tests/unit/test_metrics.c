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

static char *format(const struct nh_metrics *m)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(nh_metrics_format(m, f), 0);
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

static void check_with_promtool(const struct nh_metrics *m, const char *name)
{
	char path[256];
	struct stat st;
	int r;

	snprintf(path, sizeof(path), "%s/textfile/%s.prom", tmpdir, name);
	assert_int_equal(nh_metrics_write(m, path), 0);
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
	"netheal_heal_latency_seconds_count 0\n";

static void test_empty(void **state)
{
	struct nh_metrics *m = nh_metrics_new();
	char *text;

	(void)state;
	text = format(m);
	assert_string_equal(text, empty_text);
	free(text);
	check_with_promtool(m, "empty");
	nh_metrics_free(m);
	nh_metrics_free(NULL);
}

static void test_counts(void **state)
{
	struct nh_metrics *m = nh_metrics_new();
	char *text;

	(void)state;
	assert_int_equal(nh_metrics_heal(m, "blue", "address:10.1.1.100/24", 143), 0);
	assert_int_equal(nh_metrics_heal(m, "blue", "address:10.1.1.101/24", 90), 0);   /* same series */
	assert_int_equal(nh_metrics_heal(m, "blue", "route", 100), 0);                  /* a bare kind */
	assert_int_equal(nh_metrics_heal(m, "", "state:up", 1000001), 0);               /* host, +Inf bucket */
	assert_int_equal(nh_metrics_heal(m, "blue", "frobnicate:x", 2000), 0);          /* unknown kind */
	assert_int_equal(nh_metrics_set_drift(m, "blue", 2), 0);
	assert_int_equal(nh_metrics_set_drift(m, "blue", 0), 0);
	assert_int_equal(nh_metrics_set_drift(m, "", 1), 0);
	assert_int_equal(nh_metrics_resync(m, "interval"), 0);
	assert_int_equal(nh_metrics_resync(m, "enobufs"), 0);
	assert_int_equal(nh_metrics_resync(m, "interval"), 0);
	nh_metrics_heal_failed(m);
	for (int i = 0; i < 7; i++)
		nh_metrics_event(m);
	text = format(m);
	assert_non_null(strstr(text,
		"netheal_heals_total{netns=\"-\",object=\"state\"} 1\n"
		"netheal_heals_total{netns=\"blue\",object=\"address\"} 2\n"
		"netheal_heals_total{netns=\"blue\",object=\"other\"} 1\n"
		"netheal_heals_total{netns=\"blue\",object=\"route\"} 1\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"-\"} 1\nnetheal_drift{netns=\"blue\"} 0\n"));
	assert_non_null(strstr(text, "netheal_heal_failures_total 1\n"));
	assert_non_null(strstr(text, "netheal_resyncs_total{reason=\"enobufs\"} 1\n"
				     "netheal_resyncs_total{reason=\"interval\"} 2\n"));
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
	nh_metrics_forget_netns(m, "blue");
	text = format(m);
	assert_null(strstr(text, "blue"));
	assert_non_null(strstr(text, "netheal_heals_total{netns=\"-\",object=\"state\"} 1\n"));
	free(text);
	nh_metrics_free(m);
}

static void test_label_escaping(void **state)
{
	struct nh_metrics *m = nh_metrics_new();
	char *text;

	(void)state;
	nh_metrics_heal(m, "q\"uo\\te\nnl", "link:x", 1);
	nh_metrics_set_drift(m, "bad\xff" "utf8-\xc3\xa9", 3);
	text = format(m);
	assert_non_null(strstr(text, "netheal_heals_total{netns=\"q\\\"uo\\\\te\\nnl\",object=\"link\"} 1\n"));
	assert_non_null(strstr(text, "netheal_drift{netns=\"bad?utf8-\xc3\xa9\"} 3\n"));
	free(text);
	check_with_promtool(m, "escaping");
	nh_metrics_free(m);
}

/* Many namespaces: series stay sorted and are found again. */
static void test_many(void **state)
{
	struct nh_metrics *m = nh_metrics_new();
	char *text, *prev, *p;

	(void)state;
	for (int round = 0; round < 2; round++)
		for (int i = 999; i >= 0; i--) {
			char ns[32];

			snprintf(ns, sizeof(ns), "ns%04d", i);
			assert_int_equal(nh_metrics_heal(m, ns, "route:default", 300), 0);
			assert_int_equal(nh_metrics_set_drift(m, ns, (uint64_t)i), 0);
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
	nh_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
