/* Hooks as child processes on a real (default) libev loop: exit codes,
 * timeouts (SIGTERM, then SIGKILL of the whole group), the environment,
 * and that a slow hook never blocks the loop. No network state involved. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <ev.h>

#include "actions/hooks.h"
#include "common/util.h"

static char tmpdir[] = "/tmp/netheal-hooks-test.XXXXXX";

struct outcome {
	int n;                          /* results received */
	struct nh_hook_result res[8];
	char event[8][32], netns[8][32];
	uint64_t at_us[8];
};

static void done_cb(const struct nh_hook_result *res, void *ctx)
{
	struct outcome *o = ctx;

	if (o->n < 8) {
		o->res[o->n] = *res;
		/* The strings live only during the callback. */
		snprintf(o->event[o->n], sizeof(o->event[0]), "%s", res->event);
		snprintf(o->netns[o->n], sizeof(o->netns[0]), "%s", res->netns);
		o->at_us[o->n] = nh_now_us();
	}
	o->n++;
}

static void safety_cb(struct ev_loop *loop, ev_timer *w NH_UNUSED, int revents NH_UNUSED)
{
	ev_break(loop, EVBREAK_ALL);
}

struct wait_ctx {
	struct outcome *o;
	int want;
	ev_timer safety;
	ev_prepare check;
};

static void check_cb(struct ev_loop *loop, ev_prepare *w, int revents NH_UNUSED)
{
	struct wait_ctx *c = w->data;

	if (c->o->n >= c->want)
		ev_break(loop, EVBREAK_ALL);
}

/* Run the default loop until want results arrived (or 20 s passed). */
static void run_until(struct outcome *o, int want)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct wait_ctx c = { .o = o, .want = want };

	ev_timer_init(&c.safety, safety_cb, 20., 0.);
	ev_timer_start(loop, &c.safety);
	ev_prepare_init(&c.check, check_cb);
	c.check.data = &c;
	ev_prepare_start(loop, &c.check);
	if (o->n < want)
		ev_run(loop, 0);
	ev_timer_stop(loop, &c.safety);
	ev_prepare_stop(loop, &c.check);
	assert_int_equal(o->n, want);
}

static int setup(void **state)
{
	struct nh_hooks_runner *r;

	if (!mkdtemp(tmpdir))
		return -1;
	r = nh_hooks_runner_new(ev_default_loop(0));
	if (!r)
		return -1;
	*state = r;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	nh_hooks_runner_free(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_exit_codes(void **state)
{
	struct nh_hooks_runner *r = *state;
	char *ok[] = { "/bin/sh", "-c", "exit 0", NULL };
	char *three[] = { "/bin/sh", "-c", "exit 3", NULL };
	char *self_kill[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	struct outcome o = { 0 };

	assert_int_equal(nh_hook_run(r, ok, "blue", "netns-created", NULL, 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r, three, "blue", "healed", "address:10.1.1.100/24", 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r, self_kill, "", "healed", NULL, 10, done_cb, &o), 0);
	assert_int_equal(nh_hooks_running(r), 3);
	run_until(&o, 3);
	assert_int_equal(nh_hooks_running(r), 0);
	for (int i = 0; i < 3; i++) {
		const struct nh_hook_result *res = &o.res[i];

		assert_false(res->timed_out);
		assert_true(res->pid > 0);
		if (strcmp(o.event[i], "netns-created") == 0) {
			assert_true(res->exited);
			assert_int_equal(res->exit_status, 0);
			assert_string_equal(o.netns[i], "blue");
		} else if (strcmp(o.netns[i], "blue") == 0) {
			assert_true(res->exited);
			assert_int_equal(res->exit_status, 3);
		} else {
			assert_string_equal(o.netns[i], "-");   /* the host */
			assert_false(res->exited);
			assert_int_equal(res->signal, SIGUSR1);
		}
	}
}

static void test_timeout_sigterm(void **state)
{
	struct nh_hooks_runner *r = *state;
	char *slow[] = { "/bin/sleep", "30", NULL };
	struct outcome o = { 0 };
	uint64_t t0 = nh_now_us();

	assert_int_equal(nh_hook_run(r, slow, "blue", "healed", NULL, 1, done_cb, &o), 0);
	run_until(&o, 1);
	assert_true(o.res[0].timed_out);
	assert_false(o.res[0].exited);
	assert_int_equal(o.res[0].signal, SIGTERM);
	assert_true(o.at_us[0] - t0 >= 1000000);
	assert_true(o.at_us[0] - t0 < 1500000);
	assert_true(o.res[0].duration_us >= 1000000);
}

/* Live (not zombie) processes in process group pgid. Orphans are reaped by
 * pid 1, which may take its time: zombies do not count. */
static int group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d))) {
		char path[300], buf[512], state;
		const char *p;
		int pgrp;
		FILE *f;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[0] = '\0';
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
		/* "pid (comm) state ppid pgrp ...": comm may hold spaces. */
		p = strrchr(buf, ')');
		if (p && sscanf(p + 1, " %c %*d %d", &state, &pgrp) == 2 && pgrp == pgid && state != 'Z')
			n++;
	}
	closedir(d);
	return n;
}

/* A hook that ignores SIGTERM and has a child of its own: SIGKILL to the
 * whole group after the grace, and nothing of it survives. */
static void test_timeout_sigkill_group(void **state)
{
	struct nh_hooks_runner *r = *state;
	char *stubborn[] = { "/bin/sh", "-c", "trap '' TERM; /bin/sleep 30; :", NULL };
	struct outcome o = { 0 };
	uint64_t t0 = nh_now_us();

	nh_hooks_runner_set_kill_grace(r, 300);
	assert_int_equal(nh_hook_run(r, stubborn, "blue", "healed", NULL, 1, done_cb, &o), 0);
	run_until(&o, 1);
	nh_hooks_runner_set_kill_grace(r, NH_HOOK_KILL_GRACE_MS);
	assert_true(o.res[0].timed_out);
	assert_int_equal(o.res[0].signal, SIGKILL);
	assert_true(o.at_us[0] - t0 >= 1300000);
	assert_true(o.at_us[0] - t0 < 2000000);
	/* The group's other member (sleep) was killed too. */
	for (int i = 0; i < 100 && group_alive(o.res[0].pid); i++)
		usleep(10000);
	assert_int_equal(group_alive(o.res[0].pid), 0);
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 8192);
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, 8191, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_environment(void **state)
{
	struct nh_hooks_runner *r = *state;
	char script[1024], out[256];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct outcome o = { 0 };
	char *text, *p;
	int leak;

	snprintf(out, sizeof(out), "%s/env.out", tmpdir);
	snprintf(script, sizeof(script),
		 "exec > '%s'\n"
		 "printf 'netns=%%s\\nevent=%%s\\ndetail=%%s\\n' \"$NETHEAL_NETNS\" \"$NETHEAL_EVENT\" \"$NETHEAL_DETAIL\"\n"
		 "printf 'notify=%%s\\nkept=%%s\\n' \"${NOTIFY_SOCKET-unset}\" \"${NETHEAL_TEST_KEPT-unset}\"\n"
		 "printf 'preload=%%s\\nlang=%%s\\npath=%%s\\n' \"${LD_PRELOAD-unset}\" \"${LANG-unset}\" \"$PATH\"\n"
		 "printf 'stdin=%%s\\n' \"$(cat)\"\n"
		 "grep -E '^Sig(Blk|Ign):' /proc/self/status\n"
		 "echo fds:; ls /proc/$$/fd; echo end\n",
		 out);
	setenv("NOTIFY_SOCKET", "/run/systemd/notify", 1);
	setenv("NETHEAL_DETAIL", "stale", 1);
	setenv("NETHEAL_TEST_KEPT", "yes", 1);
	setenv("LD_PRELOAD", "/nonexistent/evil.so", 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("PATH", "/tmp/evil:/usr/bin:/bin", 1);
	/* An fd netheal forgot to mark close-on-exec must not reach the hook. */
	leak = open("/dev/null", O_RDONLY);
	assert_true(leak > 2);
	signal(SIGPIPE, SIG_IGN);
	assert_int_equal(nh_hook_run(r, argv, "blue", "netns-created", "created by netheal", 10, done_cb, &o), 0);
	signal(SIGPIPE, SIG_DFL);
	close(leak);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("NETHEAL_DETAIL");
	unsetenv("NETHEAL_TEST_KEPT");
	unsetenv("LD_PRELOAD");
	setenv("PATH", "/usr/local/bin:/usr/bin:/bin", 1);
	run_until(&o, 1);
	assert_true(o.res[0].exited);
	assert_int_equal(o.res[0].exit_status, 0);
	text = slurp(out);
	assert_non_null(strstr(text, "netns=blue\nevent=netns-created\ndetail=created by netheal\n"));
	/* a clean environment: only PATH (fixed), the locale, and ours */
	assert_non_null(strstr(text, "notify=unset\nkept=unset\n"));
	assert_non_null(strstr(text, "preload=unset\nlang=C.UTF-8\npath=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"));
	assert_non_null(strstr(text, "stdin=\n"));
	assert_non_null(strstr(text, "SigBlk:\t0000000000000000\n"));
	/* Standard signals (1-31): none ignored, though netheal ignores SIGPIPE.
	 * Bits 32 and up are glibc's internal real-time signals. */
	p = strstr(text, "SigIgn:\t");
	assert_non_null(p);
	assert_int_equal(strtoull(p + strlen("SigIgn:\t"), NULL, 16) & 0x7fffffffull, 0);
	assert_non_null(strstr(text, "fds:\n0\n1\n2\nend\n"));
	free(text);
}

struct tick {
	uint64_t at_us;
	int fired;
};

static void tick_cb(struct ev_loop *loop NH_UNUSED, ev_timer *w, int revents NH_UNUSED)
{
	struct tick *t = w->data;

	t->fired++;
	t->at_us = nh_now_us();
}

/* The loop keeps running while a hook runs: a 100 ms timer fires long
 * before the 1 s hook ends. */
static void test_does_not_block(void **state)
{
	struct nh_hooks_runner *r = *state;
	char *slow[] = { "/bin/sleep", "1", NULL };
	struct outcome o = { 0 };
	struct tick t = { 0 };
	ev_timer timer;
	uint64_t t0 = nh_now_us();

	ev_now_update(ev_default_loop(0));
	ev_timer_init(&timer, tick_cb, 0.1, 0.);
	timer.data = &t;
	ev_timer_start(ev_default_loop(0), &timer);
	assert_int_equal(nh_hook_run(r, slow, "blue", "healed", NULL, 10, done_cb, &o), 0);
	assert_true(nh_now_us() - t0 < 100000);        /* nh_hook_run returned at once */
	run_until(&o, 1);
	assert_int_equal(t.fired, 1);
	assert_true(t.at_us - t0 < 500000);
	assert_true(t.at_us < o.at_us[0]);
	assert_true(o.res[0].exited);
	assert_false(o.res[0].timed_out);
	assert_true(o.res[0].duration_us >= 1000000);
}

static void test_refused(void **state)
{
	struct nh_hooks_runner *r = *state;
	char *relative[] = { "sh", "-c", "exit 0", NULL };
	char *missing[] = { "/nonexistent/netheal-hook", NULL };
	char *dir[] = { "/", NULL };
	char *empty[] = { NULL };
	struct outcome o = { 0 };
	struct ev_loop *other;

	assert_int_equal(nh_hook_run(r, relative, "blue", "healed", NULL, 1, done_cb, &o), -EINVAL);
	assert_int_equal(nh_hook_run(r, empty, "blue", "healed", NULL, 1, done_cb, &o), -EINVAL);
	assert_int_equal(nh_hook_run(r, NULL, "blue", "healed", NULL, 1, done_cb, &o), -EINVAL);
	assert_int_equal(nh_hook_run(r, missing, "blue", "healed", NULL, 1, done_cb, &o), -ENOENT);
	assert_int_equal(nh_hook_run(r, dir, "blue", "healed", NULL, 1, done_cb, &o), -EACCES);
	assert_int_equal(nh_hooks_running(r), 0);
	assert_int_equal(o.n, 0);

	/* Child watchers need the default loop. */
	other = ev_loop_new(0);
	assert_non_null(other);
	errno = 0;
	assert_null(nh_hooks_runner_new(other));
	assert_int_equal(errno, EINVAL);
	ev_loop_destroy(other);
	nh_hooks_runner_free(NULL);
}

/* A script that logs "start DETAIL" and "end" around a short sleep into
 * tmpdir/name: the log shows which runs overlapped. */
static void logging_script(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "echo \"start $NETHEAL_NETNS $NETHEAL_DETAIL\" >> '%s/%s'; /bin/sleep 0.2; "
		 "echo end >> '%s/%s'", tmpdir, name, tmpdir, name);
}

/* One runs per namespace and event; later calls merge into one due run,
 * which gets every object once, after the running one ends. */
static void test_one_per_namespace(void **state)
{
	struct nh_hooks_runner *r = *state;
	char script[512], path[300], *text;
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct outcome o = { 0 };

	logging_script(script, sizeof(script), "slot.log");
	assert_int_equal(nh_hook_run(r, argv, "blue", "healed", "address:10.1.1.100/24", 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r, argv, "blue", "healed", "route:default link:v-peer1", 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r, argv, "blue", "healed", "link:v-peer1 address:10.1.1.100/24 sysctl:x",
				     10, done_cb, &o), 0);
	assert_int_equal(nh_hooks_running(r), 1);
	assert_int_equal(nh_hooks_waiting(r), 1);
	run_until(&o, 2);
	assert_int_equal(nh_hooks_running(r) + nh_hooks_waiting(r), 0);
	snprintf(path, sizeof(path), "%s/slot.log", tmpdir);
	text = slurp(path);
	assert_string_equal(text, "start blue address:10.1.1.100/24\nend\n"
			    "start blue route:default link:v-peer1 address:10.1.1.100/24 sysctl:x\nend\n");
	free(text);
	assert_true(o.res[0].exited && o.res[1].exited);
}

/* At most max_running at once in all; the rest in the order asked for. */
static void test_bounded(void **state)
{
	struct nh_hooks_runner *r = *state;
	char script[512], path[300], *text;
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	const char *names[] = { "ns1", "ns2", "ns3", "ns4", "ns5" };
	struct outcome o = { 0 };
	int now = 0, most = 0;

	logging_script(script, sizeof(script), "bounded.log");
	nh_hooks_runner_set_max_running(r, 2);
	for (size_t i = 0; i < NH_ARRAY_SIZE(names); i++)
		assert_int_equal(nh_hook_run(r, argv, names[i], "netns-created", "x", 10, done_cb, &o), 0);
	assert_int_equal(nh_hooks_running(r), 2);
	assert_int_equal(nh_hooks_waiting(r), 3);
	run_until(&o, 5);
	nh_hooks_runner_set_max_running(r, NH_HOOKS_MAX_RUNNING);
	snprintf(path, sizeof(path), "%s/bounded.log", tmpdir);
	text = slurp(path);
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		now += strncmp(line, "start", 5) == 0 ? 1 : -1;
		most = now > most ? now : most;
	}
	free(text);
	assert_int_equal(now, 0);
	assert_int_equal(most, 2);
	/* the waiting ones started in the order asked for */
	assert_string_equal(o.netns[4], "ns5");
}

/* A hook that waited its turn and then cannot start says so through done;
 * freeing the runner drops what waits without a call. */
static void test_waiting_cannot_start(void **state)
{
	struct nh_hooks_runner *r = *state, *r2;
	char *slow[] = { "/bin/sleep", "0.2", NULL };
	char *missing[] = { "/nonexistent/hook", NULL };
	struct outcome o = { 0 };

	nh_hooks_runner_set_max_running(r, 1);
	assert_int_equal(nh_hook_run(r, slow, "blue", "healed", NULL, 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r, missing, "red", "healed", NULL, 10, done_cb, &o), 0);
	run_until(&o, 2);
	nh_hooks_runner_set_max_running(r, NH_HOOKS_MAX_RUNNING);
	assert_true(o.res[0].exited);
	assert_int_equal(o.res[0].start_error, 0);
	assert_string_equal(o.netns[1], "red");
	assert_int_equal(o.res[1].start_error, -ENOENT);
	assert_false(o.res[1].exited);
	assert_int_equal(nh_hooks_running(r) + nh_hooks_waiting(r), 0);

	r2 = nh_hooks_runner_new(ev_default_loop(0));
	assert_non_null(r2);
	nh_hooks_runner_set_max_running(r2, 1);
	memset(&o, 0, sizeof(o));
	assert_int_equal(nh_hook_run(r2, slow, "blue", "healed", NULL, 10, done_cb, &o), 0);
	assert_int_equal(nh_hook_run(r2, slow, "red", "healed", NULL, 10, done_cb, &o), 0);
	assert_int_equal(nh_hooks_waiting(r2), 1);
	nh_hooks_runner_free(r2);
	usleep(300000);
	assert_int_equal(o.n, 0);
}

/* Freeing the runner leaves running hooks alone and never calls back. */
static void test_free_leaves_hooks(void **state)
{
	struct nh_hooks_runner *r = nh_hooks_runner_new(ev_default_loop(0));
	char script[1024], pidfile[200];
	char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct outcome o = { 0 };
	char *text = NULL;
	pid_t pid;
	int st;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "%s/pid", tmpdir);
	snprintf(script, sizeof(script), "echo $$ > '%s.tmp' && mv '%s.tmp' '%s' && exec /bin/sleep 30",
		 pidfile, pidfile, pidfile);
	assert_int_equal(nh_hook_run(r, argv, "blue", "healed", NULL, 60, done_cb, &o), 0);
	for (int i = 0; i < 500 && access(pidfile, F_OK) != 0; i++)
		usleep(10000);
	text = slurp(pidfile);
	pid = atoi(text);
	free(text);
	assert_true(pid > 0);
	nh_hooks_runner_free(r);
	assert_int_equal(kill(pid, 0), 0);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(o.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_codes),
		cmocka_unit_test(test_timeout_sigterm),
		cmocka_unit_test(test_timeout_sigkill_group),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_does_not_block),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_one_per_namespace),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_waiting_cannot_start),
		cmocka_unit_test(test_free_leaves_hooks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
