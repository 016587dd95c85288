/* The status model, its JSON file (checked with jq when installed) as read
 * back through jansson, and the liveness check `netheal status` relies on. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "service/atomic.h"
#include "service/instance.h"
#include "service/state.h"
#include "service/status.h"

static char tmpdir[] = "/tmp/netheal-status-test.XXXXXX";

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

static bool have_jq(void)
{
	return system("command -v jq >/dev/null 2>&1") == 0;
}

/* jq's verdict on a file: 0 when it parses as JSON. */
static int jq_check(const char *path, const char *filter)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "jq -e '%s' '%s' >/dev/null", filter, path);
	return system(cmd);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_state_names(void **state)
{
	(void)state;
	for (int i = 0; i < NH_NS__COUNT; i++)
		assert_int_equal(nh_ns_state_from_string(nh_ns_state_to_string(i)), i);
	assert_string_equal(nh_ns_state_to_string(NH_NS_BACKOFF), "backoff");
	assert_string_equal(nh_ns_state_to_string(NH_NS__COUNT), "unknown");
	assert_int_equal(nh_ns_state_from_string("healed"), -EINVAL);
	assert_false(nh_ns_state_is_drifting(NH_NS_CONVERGED));
	assert_true(nh_ns_state_is_drifting(NH_NS_AUDIT));      /* drift left alone */
	assert_true(nh_ns_state_is_drifting(NH_NS_CONFLICT));
}

static void fill(struct nh_status *s)
{
	struct nh_status_ns *blue, *host, *q;

	nh_status_init(s, 812, 1735732800123);
	blue = nh_status_ns_get(s, "blue", true);
	host = nh_status_ns_get(s, "", true);
	q = nh_status_ns_get(s, "qrouter-\"x\\y\n", true);
	assert_non_null(blue);
	assert_non_null(host);
	assert_non_null(q);
	/* Entries are allocated one by one: pointers survive insertions. */
	for (int i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "ns%02d", i);
		assert_non_null(nh_status_ns_get(s, name, true));
	}
	assert_ptr_equal(nh_status_ns_get(s, "blue", false), blue);
	for (int i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "ns%02d", i);
		assert_int_equal(nh_status_ns_remove(s, name), 0);
	}
	assert_int_equal(nh_status_ns_remove(s, "ns00"), -ENOENT);
	assert_null(nh_status_ns_get(s, "red", false));
	nh_status_heal(s, blue, "address:10.1.1.100/24", 1735732801456);
	nh_status_heal(s, blue, "route:default", 1735732802789);
	nh_status_heal(s, host, "state:up", 1735732803000);
	nh_status_heal_failed(s, blue, "Nexthop has invalid gateway \"10.1.1.1\"");
	blue->state = NH_NS_BACKOFF;
	q->state = NH_NS_AUDIT;
	s->events = 1043;
	s->resyncs = 2;
}

static void test_model_and_summary(void **state)
{
	struct nh_status s;
	char line[128];

	(void)state;
	fill(&s);
	assert_int_equal(s.n_ns, 3);
	assert_string_equal(s.ns[0]->name, "");            /* sorted: the host first */
	assert_string_equal(s.ns[1]->name, "blue");
	assert_int_equal(s.heals, 3);
	assert_int_equal(s.ns[1]->heals, 2);
	assert_int_equal(s.heal_failures, 1);
	assert_string_equal(s.ns[1]->last_heal_object, "route:default");
	assert_int_equal(nh_status_n_drifting(&s), 2);      /* blue, and q in audit */
	nh_status_summary(&s, line, sizeof(line));
	assert_string_equal(line, "3 namespaces, 2 drifting, 3 heals");
	nh_status_free(&s);
	nh_status_free(&s);     /* leaves it empty: twice is fine */
	nh_status_free(NULL);
}

static void test_write_and_load(void **state)
{
	struct nh_status s, back;
	char path[256], *raw, *file;
	struct stat st;

	(void)state;
	fill(&s);
	/* The directory is created when missing. */
	snprintf(path, sizeof(path), "%s/run/netheal/status.json", tmpdir);
	assert_int_equal(nh_status_write(path, &s), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	if (have_jq()) {
		assert_int_equal(jq_check(path, "."), 0);
		assert_int_equal(jq_check(path, ".pid == 812 and .version == \"" NETHEAL_VERSION "\""), 0);
		assert_int_equal(jq_check(path, ".totals == {namespaces: 3, drifting: 2, heals: 3, "
					  "heal_failures: 1, events: 1043, resyncs: 2}"), 0);
		assert_int_equal(jq_check(path, "[.namespaces[].name] == [\"-\", \"blue\", \"qrouter-\\\"x\\\\y\\n\"]"), 0);
		assert_int_equal(jq_check(path, ".namespaces[1].last_heal == {time: \"2025-01-01T12:00:02.789Z\", "
					  "object: \"route:default\"}"), 0);
		assert_int_equal(jq_check(path, ".namespaces[2].last_heal == null and .namespaces[2].last_error == null"), 0);
		assert_int_equal(jq_check(path, ".started == \"2025-01-01T12:00:00.123Z\""), 0);
		assert_int_equal(jq_check(path, "has(\"stopped\") | not"), 0);     /* running */
	} else {
		print_message("jq not installed: JSON checked by jansson only\n");
	}

	assert_int_equal(nh_status_load(path, &back, &raw), 0);
	file = slurp(path);
	assert_string_equal(raw, file);
	assert_int_equal(back.pid, 812);
	assert_string_equal(back.version, NETHEAL_VERSION);
	assert_int_equal(back.started_ms, 1735732800123);
	assert_int_equal(back.updated_ms, s.updated_ms);
	assert_int_equal(back.stopped_ms, 0);
	assert_int_equal(back.heals, 3);
	assert_int_equal(back.heal_failures, 1);
	assert_int_equal(back.events, 1043);
	assert_int_equal(back.resyncs, 2);
	assert_int_equal(back.n_ns, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(back.ns[i]->name, s.ns[i]->name);
		assert_int_equal(back.ns[i]->state, s.ns[i]->state);
		assert_int_equal(back.ns[i]->heals, s.ns[i]->heals);
		assert_int_equal(back.ns[i]->heal_failures, s.ns[i]->heal_failures);
		assert_int_equal(back.ns[i]->last_heal_ms, s.ns[i]->last_heal_ms);
		assert_string_equal(back.ns[i]->last_heal_object, s.ns[i]->last_heal_object);
		assert_string_equal(back.ns[i]->last_error, s.ns[i]->last_error);
	}
	/* Rewriting replaces the file and leaves no temporary behind. */
	s.ns[1]->state = NH_NS_CONVERGED;
	assert_int_equal(nh_status_write(path, &s), 0);
	{
		char dir[256];
		DIR *d;
		struct dirent *de;
		int n = 0;

		snprintf(dir, sizeof(dir), "%s/run/netheal", tmpdir);
		d = opendir(dir);
		assert_non_null(d);
		while ((de = readdir(d)))
			n += de->d_name[0] != '.';
		closedir(d);
		assert_int_equal(n, 1);
	}
	free(raw);
	free(file);
	nh_status_free(&back);
	nh_status_free(&s);
}

/* The service's writes keep each entry's text between writes: what
 * changed is rendered again, what went is gone, and the file reads the
 * same as one rendered from scratch. */
static uint64_t shown_seq;

/* The core gives each record a `shown` of its own, and a new one whenever
 * what its entry shows changes (netns_shown_changed): so do these. */
static void shown_changed(struct nh_netns *ns)
{
	ns->shown = ++shown_seq;
}

static struct nh_netns *record(struct nh_netns_rule *rule, const char *name)
{
	struct nh_netns *ns = calloc(1, sizeof(*ns));

	assert_non_null(ns);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->rule = rule;
	shown_changed(ns);
	return ns;
}

static void assert_same_entries(const struct nh_status *a, const struct nh_status *b)
{
	assert_int_equal(a->n_ns, b->n_ns);
	for (size_t i = 0; i < a->n_ns; i++) {
		assert_string_equal(a->ns[i]->name, b->ns[i]->name);
		assert_int_equal(a->ns[i]->state, b->ns[i]->state);
		assert_int_equal(a->ns[i]->heals, b->ns[i]->heals);
		assert_int_equal(a->ns[i]->heal_failures, b->ns[i]->heal_failures);
		assert_int_equal(a->ns[i]->last_heal_ms, b->ns[i]->last_heal_ms);
		assert_string_equal(a->ns[i]->last_heal_object, b->ns[i]->last_heal_object);
		assert_string_equal(a->ns[i]->last_error, b->ns[i]->last_error);
	}
}

/* Write snap to path with head (the service's, keeping entries) and to
 * path2 from scratch: both read back the same. */
static void assert_written_as_fresh(struct nh_status *head, const struct nh_core_snapshot *snap,
				    const char *path, const char *path2)
{
	struct nh_status fresh, got, want;

	assert_int_equal(nh_status_write_snapshot(path, head, snap), 0);
	nh_status_init(&fresh, head->pid, head->started_ms);
	assert_int_equal(nh_status_write_snapshot(path2, &fresh, snap), 0);
	assert_int_equal(nh_status_load(path, &got, NULL), 0);
	assert_int_equal(nh_status_load(path2, &want, NULL), 0);
	assert_same_entries(&got, &want);
	nh_status_free(&got);
	nh_status_free(&want);
	nh_status_free(&fresh);
}

static void test_snapshot_writes_keep_entries(void **state)
{
	struct nh_netns_rule rule = { 0 };
	struct nh_core_totals totals = { 0 };
	struct nh_netns *ns[3] = { record(&rule, ""), record(&rule, "blue"), record(&rule, "red") };
	struct nh_core_snapshot snap = { &totals, (const struct nh_netns **)ns, 3 };
	struct nh_status head, fresh, got, want;
	char path[256], path2[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/cached.json", tmpdir);
	snprintf(path2, sizeof(path2), "%s/fresh.json", tmpdir);
	nh_status_init(&head, 42, 1700000000000);
	assert_int_equal(nh_status_write_snapshot(path, &head, &snap), 0);
	assert_int_equal(nh_status_load(path, &got, NULL), 0);
	assert_int_equal(got.n_ns, 3);
	assert_string_equal(got.ns[0]->name, "");   /* "-" in the file */
	assert_int_equal(got.ns[1]->heals, 0);
	nh_status_free(&got);

	/* blue heals and fails, red goes */
	ns[1]->heals = 7;
	ns[1]->heal_failures = 1;
	ns[1]->last_heal_ms = 1700000001234;
	snprintf(ns[1]->last_heal_object, sizeof(ns[1]->last_heal_object), "address:10.1.1.100/24");
	snprintf(ns[1]->last_error, sizeof(ns[1]->last_error), "File exists");
	ns[1]->state = NH_NS_BACKOFF;
	shown_changed(ns[1]);
	snap.n = 2;
	assert_int_equal(nh_status_write_snapshot(path, &head, &snap), 0);
	nh_status_init(&fresh, 42, 1700000000000);
	assert_int_equal(nh_status_write_snapshot(path2, &fresh, &snap), 0);
	assert_int_equal(nh_status_load(path, &got, NULL), 0);
	assert_int_equal(nh_status_load(path2, &want, NULL), 0);
	assert_same_entries(&got, &want);
	assert_int_equal(got.ns[1]->heals, 7);
	assert_string_equal(got.ns[1]->last_error, "File exists");
	nh_status_free(&got);
	nh_status_free(&want);

	/* the error clears with no counter changing: still seen */
	ns[1]->last_error[0] = '\0';
	shown_changed(ns[1]);
	assert_int_equal(nh_status_write_snapshot(path, &head, &snap), 0);
	assert_int_equal(nh_status_load(path, &got, NULL), 0);
	assert_string_equal(got.ns[1]->last_error, "");
	nh_status_free(&got);

	/* a namespace comes before the others (every entry moves down a
	 * place), then blue is made anew (a new record, the same name) */
	{
		struct nh_netns *moved[3] = { ns[0], record(&rule, "aaa"), ns[1] };
		struct nh_netns *anew = record(&rule, "blue");

		snap.ns = (const struct nh_netns **)moved;
		snap.n = 3;
		moved[1]->heals = 3;
		assert_written_as_fresh(&head, &snap, path, path2);
		moved[2] = anew;
		assert_written_as_fresh(&head, &snap, path, path2);
		assert_int_equal(nh_status_load(path, &got, NULL), 0);
		assert_int_equal(got.n_ns, 3);
		assert_string_equal(got.ns[1]->name, "aaa");
		assert_int_equal(got.ns[1]->heals, 3);
		assert_int_equal(got.ns[2]->heals, 0);  /* the new blue's */
		nh_status_free(&got);
		/* the first goes: every entry moves up a place */
		snap.ns = (const struct nh_netns **)moved + 1;
		snap.n = 2;
		assert_written_as_fresh(&head, &snap, path, path2);
		snap.ns = (const struct nh_netns **)ns;
		free(moved[1]);
		free(anew);
	}

	/* no namespaces at all */
	snap.n = 0;
	assert_int_equal(nh_status_write_snapshot(path, &head, &snap), 0);
	assert_int_equal(nh_status_load(path, &got, NULL), 0);
	assert_int_equal(got.n_ns, 0);
	nh_status_free(&got);

	nh_status_free(&head);
	nh_status_free(&fresh);
	for (size_t i = 0; i < 3; i++)
		free(ns[i]);
}

/* Names are arbitrary bytes: the file stays valid JSON whatever they hold. */
static void test_hostile_names(void **state)
{
	static const char *names[] = {
		"ctl\x01\x1f\x7f", "bad\xff\xfeutf8", "trunc\xc3", "ok-\xc3\xa9-\xf0\x9f\x98\x80",
		"surrogate\xed\xa0\x80", "over\xc0\xaf", "tab\there",
	};
	struct nh_status s, back;
	char path[256];

	(void)state;
	nh_status_init(&s, 1, 0);
	for (size_t i = 0; i < NH_ARRAY_SIZE(names); i++) {
		struct nh_status_ns *e = nh_status_ns_get(&s, names[i], true);

		assert_non_null(e);
		snprintf(e->last_error, sizeof(e->last_error), "err %s", names[i]);
	}
	snprintf(path, sizeof(path), "%s/hostile.json", tmpdir);
	assert_int_equal(nh_status_write(path, &s), 0);
	if (have_jq())
		assert_int_equal(jq_check(path, ".namespaces | length == 7"), 0);
	assert_int_equal(nh_status_load(path, &back, NULL), 0);
	assert_int_equal(back.n_ns, NH_ARRAY_SIZE(names));
	/* Valid UTF-8 and control characters come back as they were. */
	assert_non_null(nh_status_ns_get(&back, "ok-\xc3\xa9-\xf0\x9f\x98\x80", false));
	assert_non_null(nh_status_ns_get(&back, "ctl\x01\x1f\x7f", false));
	assert_non_null(nh_status_ns_get(&back, "tab\there", false));
	/* Invalid bytes became U+FFFD. */
	assert_non_null(nh_status_ns_get(&back, "bad\xef\xbf\xbd\xef\xbf\xbdutf8", false));
	nh_status_free(&back);
	nh_status_free(&s);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_load_errors(void **state)
{
	struct nh_status s;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/none.json", tmpdir);
	assert_int_equal(nh_status_load(path, &s, NULL), -ENOENT);
	snprintf(path, sizeof(path), "%s/bad.json", tmpdir);
	write_text(path, "{\"version\": \"0.1.0\", \"pid\": 12");
	assert_int_equal(nh_status_load(path, &s, NULL), -EINVAL);
	write_text(path, "[1, 2, 3]");                 /* JSON, but no status */
	assert_int_equal(nh_status_load(path, &s, NULL), -EINVAL);
	write_text(path, "{\"version\":\"x\",\"pid\":5,\"started\":\"2025-01-01T00:00:00.000Z\","
		   "\"updated\":\"2025-01-01T00:00:00.000Z\",\"totals\":{\"heals\":0,\"heal_failures\":0,"
		   "\"events\":0,\"resyncs\":0},\"namespaces\":[{\"name\":\"a\",\"state\":\"melting\","
		   "\"heals\":0,\"heal_failures\":0,\"last_heal\":null,\"last_error\":null}]}");
	assert_int_equal(nh_status_load(path, &s, NULL), -EINVAL);   /* unknown state */
	write_text(path, "{\"version\":\"x\",\"pid\":5,\"started\":\"2025-01-01T00:00:00.000Z\","
		   "\"updated\":\"2025-01-01T00:00:00.000Z\",\"totals\":{\"heals\":0,\"heal_failures\":0,"
		   "\"events\":0,\"resyncs\":0},\"namespaces\":[]}");
	assert_int_equal(nh_status_load(path, &s, NULL), 0);
	assert_int_equal(s.pid, 5);
	assert_int_equal(s.n_ns, 0);
	nh_status_free(&s);
}

/* A status file with one namespace entry ns (a JSON object's text). */
static void write_status_with(const char *path, const char *ns)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"version\":\"x\",\"pid\":5,\"started\":\"2025-01-01T00:00:00.000Z\","
		 "\"updated\":\"2025-01-01T00:00:00.000Z\",\"totals\":{\"heals\":0,\"heal_failures\":0,"
		 "\"events\":0,\"resyncs\":0},\"namespaces\":[%s]}", ns);
	write_text(path, text);
}

/* The file is read with jansson: text that is not JSON, or not UTF-8, is
 * not a status file; escapes are decoded; counters are non-negative
 * integers. */
static void test_load_json(void **state)
{
	static const char *not_json[] = {
		"", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "01", "1.", ".5", "-", "+1", "1e",
		"tru", "nul", "\"abc", "\"a\tb\"", "\"\\x\"", "\"\\u12g4\"", "{} x", "[1 2]",
		"\"\xff\"", "\"\xc3\"", "{\"a\" 1}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
		"1234567890123456789012345678901234567890123456789012345678901234567890",
		"{\"version\":\"\xff\"}",
	};
	static const char *bad_counter[] = { "42.5", "-1", "\"7\"", "null", "1e400" };
	struct nh_status s;
	char path[256], ns[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/json.json", tmpdir);
	for (size_t i = 0; i < NH_ARRAY_SIZE(not_json); i++) {
		write_text(path, not_json[i]);
		if (nh_status_load(path, &s, NULL) != -EINVAL)
			fail_msg("accepted as a status file: %s", not_json[i]);
		assert_int_equal(s.n_ns, 0);
	}
	/* Escapes, a surrogate pair among them, are decoded. */
	write_status_with(path, "{\"name\":\"\\u00e9\\ud83d\\ude00\\n\\/\",\"state\":\"converged\","
			  "\"heals\":42,\"heal_failures\":0,\"last_heal\":null,\"last_error\":\"a\\\"b\"}");
	assert_int_equal(nh_status_load(path, &s, NULL), 0);
	assert_int_equal(s.n_ns, 1);
	assert_string_equal(s.ns[0]->name, "\xc3\xa9\xf0\x9f\x98\x80\n/");
	assert_int_equal(s.ns[0]->heals, 42);
	assert_string_equal(s.ns[0]->last_error, "a\"b");
	nh_status_free(&s);
	/* A name cannot hold NUL. */
	write_status_with(path, "{\"name\":\"a\\u0000b\",\"state\":\"converged\","
			  "\"heals\":0,\"heal_failures\":0,\"last_heal\":null,\"last_error\":null}");
	assert_int_equal(nh_status_load(path, &s, NULL), -EINVAL);
	for (size_t i = 0; i < NH_ARRAY_SIZE(bad_counter); i++) {
		snprintf(ns, sizeof(ns), "{\"name\":\"a\",\"state\":\"converged\",\"heals\":%s,"
			 "\"heal_failures\":0,\"last_heal\":null,\"last_error\":null}", bad_counter[i]);
		write_status_with(path, ns);
		if (nh_status_load(path, &s, NULL) != -EINVAL)
			fail_msg("accepted heals: %s", bad_counter[i]);
	}
	/* A missing counter. */
	write_status_with(path, "{\"name\":\"a\",\"state\":\"converged\",\"heal_failures\":0,"
			  "\"last_heal\":null,\"last_error\":null}");
	assert_int_equal(nh_status_load(path, &s, NULL), -EINVAL);
}

/* Rows a and b both in buf, a first. */
static void assert_row_before(const char *buf, const char *a, const char *b)
{
	const char *pa = strstr(buf, a), *pb = strstr(buf, b);

	assert_non_null(pa);
	assert_non_null(pb);
	assert_true(pa < pb);
}

/* status PATTERN... and --problems; rows in natural order, the host first,
 * the totals still of every namespace */
static void test_print_filter(void **state)
{
	static char *const patterns[] = { "c-*", "-" };
	const struct nh_status_filter by_name = { patterns, 2, false }, problems = { NULL, 0, true },
				      both = { patterns, 1, true };
	struct nh_status s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	nh_status_init(&s, 812, 1735732800123);
	for (int i = 1; i <= 12; i++) {
		char name[16];

		snprintf(name, sizeof(name), "c-%d", i);
		assert_non_null(nh_status_ns_get(&s, name, true));
	}
	assert_non_null(nh_status_ns_get(&s, "", true));
	assert_non_null(nh_status_ns_get(&s, "blue", true));
	nh_status_ns_get(&s, "c-10", false)->state = NH_NS_BACKOFF;
	nh_status_heal_failed(&s, nh_status_ns_get(&s, "blue", false), "File exists");
	nh_status_ns_get(&s, "c-2", false)->state = NH_NS_AUDIT;

	f = open_memstream(&buf, &len);
	assert_int_equal(nh_status_print(&s, NULL, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "14 namespaces, 2 drifting"));
	assert_null(strstr(buf, "listed:"));
	/* each row there (a missing one made its strstr NULL, which
	 * compared before any other), in natural order */
	assert_row_before(buf, "\n- ", "\nblue ");
	assert_row_before(buf, "\nblue ", "\nc-1 ");
	assert_row_before(buf, "\nc-2 ", "\nc-10 ");
	assert_row_before(buf, "\nc-9 ", "\nc-10 ");
	free(buf);

	f = open_memstream(&buf, &len);
	assert_int_equal(nh_status_print(&s, &by_name, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "14 namespaces, 2 drifting"));
	assert_non_null(strstr(buf, "listed: 13 of 14 namespaces\n"));
	assert_non_null(strstr(buf, "\n- "));
	assert_non_null(strstr(buf, "\nc-12 "));
	assert_null(strstr(buf, "\nblue "));
	free(buf);

	f = open_memstream(&buf, &len);
	assert_int_equal(nh_status_print(&s, &problems, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "listed: 3 of 14 namespaces (drifting or with an error)\n"));
	assert_non_null(strstr(buf, "\nblue "));      /* its last error */
	assert_non_null(strstr(buf, "\nc-2 "));       /* audit: drift left alone */
	assert_non_null(strstr(buf, "\nc-10 "));
	assert_null(strstr(buf, "\nc-1 "));
	assert_null(strstr(buf, "\n- "));
	free(buf);

	f = open_memstream(&buf, &len);
	assert_int_equal(nh_status_print(&s, &both, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "listed: 2 of 14 namespaces (drifting or with an error)\n"));
	assert_null(strstr(buf, "\nblue "));
	free(buf);
	nh_status_free(&s);
}

static void test_print(void **state)
{
	struct nh_status s;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	fill(&s);
	assert_int_equal(nh_status_print(&s, NULL, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "netheal " NETHEAL_VERSION ", pid 812"));
	assert_non_null(strstr(buf, "3 namespaces, 2 drifting, 3 heals, 1 failed heal, 1043 events, 2 resyncs"));
	assert_non_null(strstr(buf, "NAMESPACE"));
	assert_non_null(strstr(buf, "\nblue "));
	assert_non_null(strstr(buf, "backoff"));
	assert_non_null(strstr(buf, "route:default"));
	assert_non_null(strstr(buf, "Nexthop has invalid gateway"));
	assert_non_null(strstr(buf, "\n- "));             /* the host */
	assert_non_null(strstr(buf, "qrouter-\"x\\y?"));  /* the newline is shown as '?' */
	free(buf);
	/* a long object widens its column: LAST ERROR stays aligned */
	nh_status_heal(&s, nh_status_ns_get(&s, "", false), "sysctl:net.ipv4.conf.v-peer1.rp_filter", 1735732804000);
	f = open_memstream(&buf, &len);
	assert_int_equal(nh_status_print(&s, NULL, f), 0);
	fclose(f);
	{
		const char *head = strstr(buf, "NAMESPACE"), *err = strstr(buf, "Nexthop");
		const char *row = err;

		assert_non_null(head);
		assert_non_null(err);
		while (row > buf && row[-1] != '\n')
			row--;
		assert_int_equal(err - row, strstr(head, "LAST ERROR") - head);
		assert_non_null(strstr(buf, "sysctl:net.ipv4.conf.v-peer1.rp_filter  -\n"));
	}
	free(buf);
	nh_status_free(&s);
}

/* A process whose comm is "netheal": sleep started through a symlink; with
 * lock, holding the one-run lock (service/instance.h) as `netheal run`
 * does, through a listening socket it inherits. */
static pid_t fake_netheal(const char *link, bool lock)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		memcpy(sa.sun_path + 1, NH_INSTANCE_LOCK_NAME, strlen(NH_INSTANCE_LOCK_NAME));
		if (lock && (fd < 0 || bind(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un,
				sun_path) + 1 + strlen(NH_INSTANCE_LOCK_NAME))) < 0 || listen(fd, 8) < 0))
			_exit(126);
		execl(link, "netheal", "30", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void test_service_alive(void **state)
{
	struct nh_instance_holder h;
	char link[256];
	pid_t pid;
	int st;

	(void)state;
	assert_int_equal(nh_status_service(0), NH_SERVICE_GONE);
	assert_int_equal(nh_status_service(-1), NH_SERVICE_GONE);
	assert_int_equal(nh_status_service(getpid()), NH_SERVICE_OTHER);        /* alive, but not netheal */
	snprintf(link, sizeof(link), "%s/netheal", tmpdir);
	assert_int_equal(symlink("/bin/sleep", link), 0);
	if (nh_instance_holder(&h) != -ENOENT) {
		/* a netheal runs in this network namespace: its lock is not ours */
		print_message("skipping: the one-run lock is held here (pid %d)\n", (int)h.pid);
		skip();
	}
	/* a netheal without the lock: not the service (a `netheal monitor`) */
	pid = fake_netheal(link, false);
	for (int i = 0; i < 200 && nh_status_service(pid) != NH_SERVICE_NOT_RUN; i++)
		usleep(10000);
	assert_int_equal(nh_status_service(pid), NH_SERVICE_NOT_RUN);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	/* with it: the service */
	pid = fake_netheal(link, true);
	for (int i = 0; i < 200 && nh_status_service(pid) != NH_SERVICE_RUNNING; i++)
		usleep(10000);
	assert_int_equal(nh_status_service(pid), NH_SERVICE_RUNNING);
	assert_int_equal(nh_instance_holder(&h), 0);
	assert_int_equal(h.pid, pid);
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	assert_int_equal(nh_status_service(pid), NH_SERVICE_GONE);
	assert_int_equal(nh_instance_holder(&h), -ENOENT);
}

static void test_atomic_write(void **state)
{
	char path[256];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/a/b/c", tmpdir);
	assert_int_equal(nh_mkdir_p(path, 0755), 0);
	assert_int_equal(nh_mkdir_p(path, 0755), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/a/b/c/metrics.prom", tmpdir);
	assert_int_equal(nh_atomic_write(path, "x 1\n", 4, 0640), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(st.st_size, 4);
	/* A missing directory is made when the file cannot be made without it. */
	snprintf(path, sizeof(path), "%s/d/e/status.json", tmpdir);
	assert_int_equal(nh_atomic_write(path, "{}\n", 3, 0644), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 3);
	/* A directory in the way: an error, and no temporary file left. */
	snprintf(path, sizeof(path), "%s/a/b", tmpdir);
	assert_true(nh_atomic_write(path, "x", 1, 0644) < 0);
	snprintf(path, sizeof(path), "%s/a/b/c/", tmpdir);
	assert_int_equal(nh_atomic_write(path, "x", 1, 0644), -EISDIR);
	{
		char dir[256];
		DIR *d;
		struct dirent *de;

		snprintf(dir, sizeof(dir), "%s/a", tmpdir);
		d = opendir(dir);
		assert_non_null(d);
		while ((de = readdir(d)))
			assert_false(strncmp(de->d_name, ".b.", 3) == 0);
		closedir(d);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_model_and_summary),
		cmocka_unit_test(test_write_and_load),
		cmocka_unit_test(test_snapshot_writes_keep_entries),
		cmocka_unit_test(test_hostile_names),
		cmocka_unit_test(test_load_json),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_print_filter),
		cmocka_unit_test(test_service_alive),
		cmocka_unit_test(test_atomic_write),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
