/*
 * Run policy hooks (SPEC §3.1 `on_create`, `on_heal`) as child processes
 * that never block healing: posix_spawn, then an ev_child watcher for the
 * exit and an ev_timer for hook_timeout; the outcome comes back through a
 * callback, and the caller logs hook-run / hook-failed.
 *
 * The child gets:
 *  - argv as given, executed with no shell and no PATH search (argv[0] must
 *    be absolute; `check` rejects other policies);
 *  - stdin /dev/null, stdout and stderr inherited (the journal under
 *    systemd), no other file descriptor;
 *  - a clean environment (hooks.c, env_kept): a fixed PATH, netheal's LANG,
 *    LANGUAGE, LC_* and TZ, and NETHEAL_NETNS (the namespace, "-" for the
 *    host), NETHEAL_EVENT (e.g. "netns-created", "healed") and NETHEAL_DETAIL
 *    (free text, e.g. the objects healed); nothing else, so nothing meant
 *    for netheal alone (NOTIFY_SOCKET, WATCHDOG_*, LISTEN_*) reaches it;
 *  - its own process group, default signal dispositions and an empty signal
 *    mask (libev blocks signals it watches; a hook must not inherit that).
 *
 * Bounded: at most one hook runs per namespace and event, with at most one
 * more due after it. A call while one is due merges into it: the due run
 * gets the latest program and both details (each object once; a heal burst
 * in one namespace runs on_heal once more after the running one, told
 * every object, and never loses the last heal). At most NH_HOOKS_MAX_RUNNING
 * run at once in all; the others wait their turn in the order asked for
 * (10,000 namespaces re-created at once must not fork 10,000 processes).
 *
 * At the timeout the whole process group gets SIGTERM, and SIGKILL after a
 * grace period (a hung hook's helpers go with it). Once the hook itself has
 * exited nothing is signalled: a helper it left running in its group (a
 * `cmd &`) is not watched, since its group id may be given on once the
 * group is empty; a daemon a hook starts (setsid, its own group) is left
 * alone either way. A waiting run takes the program of its latest call: a
 * reload that drops a hook does not cancel one already due.
 *
 * libev watches children only on the default loop (ev_default_loop), and its
 * SIGCHLD handler reaps every child of the process: code elsewhere in
 * netheal that forks must wait for its child synchronously (waitpid on that
 * pid) before returning to the loop, or use this runner.
 */
#ifndef NETHEAL_ACTIONS_HOOKS_H
#define NETHEAL_ACTIONS_HOOKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ev_loop;
struct nh_hooks_runner;

#define NH_HOOK_KILL_GRACE_MS 5000      /* SIGTERM → SIGKILL */
#define NH_HOOKS_MAX_RUNNING 32         /* hooks running at once, in all */
#define NH_HOOK_DETAIL_MAX 1024         /* bytes of a merged NETHEAL_DETAIL */

struct nh_hook_result {
	pid_t pid;
	const char *program;    /* argv[0] */
	const char *netns;      /* as in the environment: "-" for the host */
	const char *event;
	const char *detail;
	int start_error;        /* < 0: a hook that waited its turn could not
				 * start then (-errno from exec, -ENOMEM);
				 * pid, exited, signal, duration are 0 */
	bool exited;            /* it exited: exit_status is its code */
	int exit_status;
	int signal;             /* it was killed by this signal (exited false) */
	bool timed_out;         /* it ran past the timeout and netheal killed it */
	uint64_t duration_us;
};

/* Called once per hook run when it has ended, or when one that waited its
 * turn could not start. The strings live until the callback returns. */
typedef void nh_hook_done_fn(const struct nh_hook_result *res, void *ctx);

/* A runner on loop, which must be the default loop (libev's child
 * watchers): NULL with errno EINVAL otherwise, or ENOMEM. */
struct nh_hooks_runner *nh_hooks_runner_new(struct ev_loop *loop);
/* Stop watching. Running hooks are left running (netheal stopping must not
 * kill what the policy started; the unit's KillMode decides); those waiting
 * their turn are dropped; no callback is called. Accepts NULL. */
void nh_hooks_runner_free(struct nh_hooks_runner *r);
/* SIGTERM → SIGKILL grace, NH_HOOK_KILL_GRACE_MS unless set. */
void nh_hooks_runner_set_kill_grace(struct nh_hooks_runner *r, unsigned int ms);
/* At most n (>= 1; 0 counts as 1) running at once, NH_HOOKS_MAX_RUNNING
 * unless set; raising it starts what waits. */
void nh_hooks_runner_set_max_running(struct nh_hooks_runner *r, size_t n);
/* Hooks started and not ended yet. */
size_t nh_hooks_running(const struct nh_hooks_runner *r);
/* Hooks asked for and waiting their turn (each ends in a callback). */
size_t nh_hooks_waiting(const struct nh_hooks_runner *r);

/*
 * Start argv (NULL-terminated, argv[0] absolute) for event in netns ("" or
 * NULL: the host) with detail (may be NULL), killed after timeout_s seconds
 * (0: never). argv, netns, event and detail are copied. Returns 0 when it
 * started, waits its turn or merged into the one due (done will be called,
 * once per run: a merged call's done and ctx replace the due one's), or
 * -errno when it could not start now (done is not called): -EINVAL for an
 * empty argv or a relative program, -ENOENT/-EACCES/... from exec, -ENOMEM.
 */
int nh_hook_run(struct nh_hooks_runner *r, char *const argv[], const char *netns,
		const char *event, const char *detail, unsigned int timeout_s,
		nh_hook_done_fn *done, void *ctx);

#endif
