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
		cmocka_unit_test(test_free_leaves_hooks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
