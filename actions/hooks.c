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
#include <utlist.h>

#include "common/hash.h"
#include "common/util.h"

extern char **environ;

/* The hooks of one namespace and event: at most one running and one due
 * after it (a later call merges into the due one). */
struct slot {
	UT_hash_handle hh;
	char *key;                      /* event, '\x1f', namespace */
	struct hook *running, *due;
};

struct hook {
	struct hook *next, *prev;       /* on the runner's running or waiting list */
	struct nh_hooks_runner *runner;
	struct slot *slot;
	ev_child child;
	ev_timer timer;
	pid_t pid;
	bool term_sent;
	uint64_t start_us;
	char **argv;                    /* owned copy, NULL-terminated */
	char *netns, *event, *detail;
	unsigned int timeout_s;
	nh_hook_done_fn *done;
	void *ctx;
};

struct list {
	struct hook *head;              /* utlist's DL: head->prev is the tail */
	size_t n;
};

struct nh_hooks_runner {
	struct ev_loop *loop;
	struct slot *slots;             /* uthash by key */
	struct list running, waiting;   /* waiting: in the order they were asked for */
	unsigned int kill_grace_ms;
	size_t max_running;
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

static void argv_free(char **argv)
{
	if (!argv)
		return;
	for (size_t i = 0; argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* A copy of argv, NULL-terminated; NULL on ENOMEM. */
static char **argv_dup(char *const argv[])
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		copy[i] = strdup(argv[i]);
		if (!copy[i]) {
			argv_free(copy);
			return NULL;
		}
	}
	return copy;
}

static void hook_free(struct hook *h)
{
	if (!h)
		return;
	argv_free(h->argv);
	free(h->netns);
	free(h->event);
	free(h->detail);
	free(h);
}

static void list_add(struct list *l, struct hook *h)
{
	DL_APPEND(l->head, h);
	l->n++;
}

static void list_del(struct list *l, struct hook *h)
{
	DL_DELETE(l->head, h);
	h->next = h->prev = NULL;
	l->n--;
}

static void slot_put(struct nh_hooks_runner *r, struct slot *s)
{
	if (s->running || s->due)
		return;
	HASH_DEL(r->slots, s);
	free(s->key);
	free(s);
}

/* The slot of netns and event, made if need be; NULL on ENOMEM. */
static struct slot *slot_get(struct nh_hooks_runner *r, const char *netns, const char *event)
{
	size_t len = strlen(event) + strlen(netns) + 2;
	char *key = malloc(len);
	struct slot *s = NULL;

	if (!key)
		return NULL;
	snprintf(key, len, "%s\x1f%s", event, netns);
	HASH_FIND_STR(r->slots, key, s);
	if (s) {
		free(key);
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s || (s->key = key, NH_HASH_ADD(r->slots, key, s)) < 0) {
		free(s);
		free(key);
		return NULL;
	}
	return s;
}

/* The result of a hook that ended, or never started (err < 0). */
static void report(struct hook *h, int status, int err)
{
	struct nh_hook_result res = {
		.pid = h->pid,
		.program = h->argv[0],
		.netns = h->netns,
		.event = h->event,
		.detail = h->detail,
		.timed_out = h->term_sent,
		.start_error = err,
	};

	if (err >= 0) {
		res.duration_us = nh_now_us() - h->start_us;
		if (WIFEXITED(status)) {
			res.exited = true;
			res.exit_status = WEXITSTATUS(status);
		} else if (WIFSIGNALED(status)) {
			res.signal = WTERMSIG(status);
		}
	}
	h->done(&res, h->ctx);
}

static int start(struct hook *h);

/* Start what waits, in order, while there is room: a hook whose slot has
 * one running stays (at most one per slot runs). */
static void start_waiting(struct nh_hooks_runner *r)
{
	struct hook *h = r->waiting.head;

	while (h && r->running.n < r->max_running) {
		struct hook *next = h->next;
		struct slot *s = h->slot;
		int err;

		if (!s->running) {
			list_del(&r->waiting, h);
			s->due = NULL;
			err = start(h);
			if (err < 0) {
				/* it was asked for and will never run: say so */
				report(h, 0, err);
				slot_put(r, s);
				hook_free(h);
			}
		}
		h = next;
	}
}

static void child_cb(struct ev_loop *loop, ev_child *w, int revents NH_UNUSED)
{
	struct hook *h = w->data;
	struct nh_hooks_runner *r = h->runner;
	struct slot *s = h->slot;

	ev_child_stop(loop, &h->child);
	ev_timer_stop(loop, &h->timer);
	list_del(&r->running, h);
	s->running = NULL;
	report(h, w->rstatus, 0);
	slot_put(r, s);
	hook_free(h);
	start_waiting(r);
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
	r->max_running = NH_HOOKS_MAX_RUNNING;
	return r;
}

void nh_hooks_runner_free(struct nh_hooks_runner *r)
{
	struct slot *s, *tmp;

	if (!r)
		return;
	while (r->running.head) {
		struct hook *h = r->running.head;

		ev_child_stop(r->loop, &h->child);
		ev_timer_stop(r->loop, &h->timer);
		list_del(&r->running, h);
		hook_free(h);
	}
	while (r->waiting.head) {
		struct hook *h = r->waiting.head;

		list_del(&r->waiting, h);
		hook_free(h);
	}
	HASH_ITER(hh, r->slots, s, tmp) {
		HASH_DEL(r->slots, s);
		free(s->key);
		free(s);
	}
	free(r);
}

void nh_hooks_runner_set_kill_grace(struct nh_hooks_runner *r, unsigned int ms)
{
	r->kill_grace_ms = ms;
}

void nh_hooks_runner_set_max_running(struct nh_hooks_runner *r, size_t n)
{
	r->max_running = n ? n : 1;
	start_waiting(r);
}

size_t nh_hooks_running(const struct nh_hooks_runner *r)
{
	return r->running.n;
}

size_t nh_hooks_waiting(const struct nh_hooks_runner *r)
{
	return r->waiting.n;
}

static struct hook *hook_new(char *const argv[], const char *netns, const char *event,
			     const char *detail)
{
	struct hook *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->argv = argv_dup(argv);
	h->netns = strdup(netns && *netns ? netns : "-");
	h->event = strdup(event ? event : "");
	h->detail = strdup(detail ? detail : "");
	if (!h->argv || !h->netns || !h->event || !h->detail) {
		hook_free(h);
		return NULL;
	}
	return h;
}

/* posix_spawn with stdin on /dev/null, nothing but 0-2 open, its own
 * process group, default signals and an empty mask. Returns 0 or -errno. */
static int spawn(struct hook *h, char **env)
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
		r = posix_spawn(&h->pid, h->argv[0], &fa, &attr, h->argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/* Spawn h and watch it: on the running list, its slot's running one.
 * Returns 0 or -errno (h is then on no list). */
static int start(struct hook *h)
{
	struct nh_hooks_runner *r = h->runner;
	size_t own_from = 0;
	char **env = env_build(h, &own_from);
	int ret;

	if (!env)
		return -ENOMEM;
	h->start_us = nh_now_us();
	ret = spawn(h, env);
	env_free(env, own_from);
	if (ret < 0)
		return ret;
	/* Registered before the loop runs again: libev handles SIGCHLD only
	 * then, so a hook that has already exited is still found. */
	ev_child_init(&h->child, child_cb, h->pid, 0);
	h->child.data = h;
	ev_child_start(r->loop, &h->child);
	ev_init(&h->timer, timer_cb);
	h->timer.data = h;
	if (h->timeout_s > 0) {
		/* The loop's cached time may be old after a long converge. */
		ev_now_update(r->loop);
		ev_timer_set(&h->timer, (double)h->timeout_s, 0.);
		ev_timer_start(r->loop, &h->timer);
	}
	list_add(&r->running, h);
	h->slot->running = h;
	return 0;
}

/* Add detail's words (objects) to the due hook's, each once, up to
 * NH_HOOK_DETAIL_MAX bytes; past that the list ends with "...". Returns 0
 * or -ENOMEM (the detail is as it was). */
static int merge_detail(struct hook *h, const char *detail)
{
	size_t len = strlen(h->detail), cap = (len > NH_HOOK_DETAIL_MAX ? len : NH_HOOK_DETAIL_MAX) + 1;
	char *d;

	if (!detail || !*detail)
		return 0;
	d = malloc(cap);
	if (!d)
		return -ENOMEM;
	memcpy(d, h->detail, len + 1);
	for (const char *p = detail; *p; ) {
		size_t n = strcspn(p, " ");

		nh_words_add(d, cap, p, n);
		p += n;
		p += *p == ' ';
	}
	free(h->detail);
	h->detail = d;
	return 0;
}

/* A later call for a slot that has a hook due: that one runs with this
 * call's program, timeout and callback, and both calls' details. */
static int merge(struct hook *due, char *const argv[], const char *detail, unsigned int timeout_s,
		 nh_hook_done_fn *done, void *ctx)
{
	char **copy = argv_dup(argv);

	if (!copy || merge_detail(due, detail) < 0) {
		argv_free(copy);
		return -ENOMEM;
	}
	argv_free(due->argv);
	due->argv = copy;
	due->timeout_s = timeout_s;
	due->done = done;
	due->ctx = ctx;
	return 0;
}

int nh_hook_run(struct nh_hooks_runner *r, char *const argv[], const char *netns,
		const char *event, const char *detail, unsigned int timeout_s,
		nh_hook_done_fn *done, void *ctx)
{
	struct slot *s;
	struct hook *h;
	int ret;

	if (!argv || !argv[0] || argv[0][0] != '/' || !done)
		return -EINVAL;
	s = slot_get(r, netns && *netns ? netns : "-", event ? event : "");
	if (!s)
		return -ENOMEM;
	if (s->due)
		return merge(s->due, argv, detail, timeout_s, done, ctx);
	h = hook_new(argv, netns, event, detail);
	if (!h) {
		slot_put(r, s);
		return -ENOMEM;
	}
	h->runner = r;
	h->slot = s;
	h->timeout_s = timeout_s;
	h->done = done;
	h->ctx = ctx;
	if (s->running || r->running.n >= r->max_running) {
		/* its turn comes when a hook ends (start_waiting) */
		list_add(&r->waiting, h);
		s->due = h;
		return 0;
	}
	ret = start(h);
	if (ret < 0) {
		slot_put(r, s);
		hook_free(h);
	}
	return ret;
}
