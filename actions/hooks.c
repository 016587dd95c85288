#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <ev.h>

#include "common/util.h"

extern char **environ;

struct hook {
	struct hook *next, *prev;
	struct nh_hooks_runner *runner;
	ev_child child;
	ev_timer timer;
	pid_t pid;
	bool term_sent;
	uint64_t start_us;
	char *program, *netns, *event, *detail;
	nh_hook_done_fn *done;
	void *ctx;
};

struct nh_hooks_runner {
	struct ev_loop *loop;
	struct hook *running;           /* doubly linked */
	size_t n_running;
	unsigned int kill_grace_ms;
};

/* A hook runs as root: it gets a clean environment, not whatever netheal
 * was started with (LD_PRELOAD, IFS, BASH_ENV, NOTIFY_SOCKET, a user's
 * PATH): a fixed PATH, the locale and time zone, and our three. */
#define HOOK_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static bool env_kept(const char *kv)
{
	static const char *const keep[] = { "LANG=", "LANGUAGE=", "TZ=" };

	for (size_t i = 0; i < NH_ARRAY_SIZE(keep); i++)
		if (strncmp(kv, keep[i], strlen(keep[i])) == 0)
			return true;
	return strncmp(kv, "LC_", 3) == 0 && strchr(kv, '=');
}

static void env_free(char **env, size_t own_from)
{
	if (!env)
		return;
	for (size_t i = own_from; env[i]; i++)
		free(env[i]);
	free(env);
}

/* "KEY=VALUE", malloc'd; NULL on ENOMEM. */
static char *env_pair(const char *key, const char *val)
{
	size_t len = strlen(key) + strlen(val) + 2;
	char *s = malloc(len);

	if (s)
		snprintf(s, len, "%s=%s", key, val);
	return s;
}

/* PATH, environ's locale and time zone, and our three. The first *own_from
 * entries are borrowed (environ's, and the constant PATH); the rest are
 * ours to free. */
static char **env_build(const struct hook *h, size_t *own_from)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = calloc(n + 5, sizeof(*env));
	if (!env)
		return NULL;
	env[k++] = (char *)HOOK_PATH;
	for (size_t i = 0; i < n; i++)
		if (env_kept(environ[i]))
			env[k++] = environ[i];
	*own_from = k;
	env[k] = env_pair("NETHEAL_NETNS", h->netns);
	if (env[k])
		env[k + 1] = env_pair("NETHEAL_EVENT", h->event);
	if (env[k + 1])
		env[k + 2] = env_pair("NETHEAL_DETAIL", h->detail);
	if (!env[k + 2]) {
		env_free(env, k);
		return NULL;
	}
	return env;
}

static void hook_free(struct hook *h)
{
	if (!h)
		return;
	free(h->program);
	free(h->netns);
	free(h->event);
	free(h->detail);
	free(h);
}

static void hook_unlink(struct hook *h)
{
	struct nh_hooks_runner *r = h->runner;

	ev_child_stop(r->loop, &h->child);
	ev_timer_stop(r->loop, &h->timer);
	if (h->prev)
		h->prev->next = h->next;
	else
		r->running = h->next;
	if (h->next)
		h->next->prev = h->prev;
	r->n_running--;
}

static void child_cb(struct ev_loop *loop NH_UNUSED, ev_child *w, int revents NH_UNUSED)
{
	struct hook *h = w->data;
	struct nh_hook_result res = {
		.pid = h->pid,
		.program = h->program,
		.netns = h->netns,
		.event = h->event,
		.detail = h->detail,
		.timed_out = h->term_sent,
		.duration_us = nh_now_us() - h->start_us,
	};

	if (WIFEXITED(w->rstatus)) {
		res.exited = true;
		res.exit_status = WEXITSTATUS(w->rstatus);
	} else if (WIFSIGNALED(w->rstatus)) {
		res.signal = WTERMSIG(w->rstatus);
	}
	hook_unlink(h);
	h->done(&res, h->ctx);
	hook_free(h);
}

/* Timeout: SIGTERM to the hook's process group, then SIGKILL after the
 * grace. The leader is not reaped before child_cb, so the group id cannot
 * have been recycled. */
static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents NH_UNUSED)
{
	struct hook *h = w->data;

	if (!h->term_sent) {
		h->term_sent = true;
		kill(-h->pid, SIGTERM);
		ev_timer_set(w, h->runner->kill_grace_ms / 1000.0, 0.);
		ev_timer_start(loop, w);
		return;
	}
	kill(-h->pid, SIGKILL);
}

struct nh_hooks_runner *nh_hooks_runner_new(struct ev_loop *loop)
{
	struct nh_hooks_runner *r;

	if (!loop || !ev_is_default_loop(loop)) {
		errno = EINVAL;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->loop = loop;
	r->kill_grace_ms = NH_HOOK_KILL_GRACE_MS;
	return r;
}

void nh_hooks_runner_free(struct nh_hooks_runner *r)
{
	if (!r)
		return;
	while (r->running) {
		struct hook *h = r->running;

		hook_unlink(h);
		hook_free(h);
	}
	free(r);
}

void nh_hooks_runner_set_kill_grace(struct nh_hooks_runner *r, unsigned int ms)
{
	r->kill_grace_ms = ms;
}

size_t nh_hooks_running(const struct nh_hooks_runner *r)
{
	return r->n_running;
}

static struct hook *hook_new(char *const argv[], const char *netns, const char *event,
			     const char *detail)
{
	struct hook *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->program = strdup(argv[0]);
	h->netns = strdup(netns && *netns ? netns : "-");
	h->event = strdup(event ? event : "");
	h->detail = strdup(detail ? detail : "");
	if (!h->program || !h->netns || !h->event || !h->detail) {
		hook_free(h);
		return NULL;
	}
	return h;
}

/* posix_spawn with stdin on /dev/null, nothing but 0-2 open, its own
 * process group, default signals and an empty mask. Returns 0 or -errno. */
static int spawn(struct hook *h, char *const argv[], char **env)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	int r;

	sigemptyset(&none);
	sigfillset(&all);
	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	r = posix_spawnattr_init(&attr);
	if (r) {
		posix_spawn_file_actions_destroy(&fa);
		return -r;
	}
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (!r)
		r = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					     POSIX_SPAWN_SETSIGDEF);
	if (!r)
		r = posix_spawnattr_setpgroup(&attr, 0);
	if (!r)
		r = posix_spawnattr_setsigmask(&attr, &none);
	if (!r)
		r = posix_spawnattr_setsigdefault(&attr, &all);
	/* glibc reports a failed exec here (ENOENT, EACCES) rather than as
	 * exit status 127, so the caller can log the real reason. */
	if (!r)
		r = posix_spawn(&h->pid, argv[0], &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

int nh_hook_run(struct nh_hooks_runner *r, char *const argv[], const char *netns,
		const char *event, const char *detail, unsigned int timeout_s,
		nh_hook_done_fn *done, void *ctx)
{
	struct hook *h;
	char **env = NULL;
	size_t own_from = 0;
	int ret;

	if (!argv || !argv[0] || argv[0][0] != '/' || !done)
		return -EINVAL;
	h = hook_new(argv, netns, event, detail);
	if (!h)
		return -ENOMEM;
	env = env_build(h, &own_from);
	if (!env) {
		ret = -ENOMEM;
		goto out;
	}
	h->runner = r;
	h->done = done;
	h->ctx = ctx;
	h->start_us = nh_now_us();
	ret = spawn(h, argv, env);
	if (ret < 0)
		goto out;
	/* Registered before the loop runs again: libev handles SIGCHLD only
	 * then, so a hook that has already exited is still found. */
	ev_child_init(&h->child, child_cb, h->pid, 0);
	h->child.data = h;
	ev_child_start(r->loop, &h->child);
	ev_init(&h->timer, timer_cb);
	h->timer.data = h;
	if (timeout_s > 0) {
		/* The loop's cached time may be old after a long converge. */
		ev_now_update(r->loop);
		ev_timer_set(&h->timer, (double)timeout_s, 0.);
		ev_timer_start(r->loop, &h->timer);
	}
	h->next = r->running;
	if (r->running)
		r->running->prev = h;
	r->running = h;
	r->n_running++;
	h = NULL;
out:
	env_free(env, own_from);
	hook_free(h);
	return ret;
}
