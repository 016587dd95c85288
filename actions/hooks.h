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
 * At the timeout the whole process group gets SIGTERM, and SIGKILL after a
 * grace period (a hook that forks a helper cannot leave it behind). A daemon
 * a hook starts (setsid, its own group) is left alone.
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

struct nh_hook_result {
	pid_t pid;
	const char *program;    /* argv[0] */
	const char *netns;      /* as in the environment: "-" for the host */
	const char *event;
	const char *detail;
	bool exited;            /* it exited: exit_status is its code */
	int exit_status;
	int signal;             /* it was killed by this signal (exited false) */
	bool timed_out;         /* it ran past the timeout and netheal killed it */
	uint64_t duration_us;
};

/* Called once per hook when it has ended. The strings live until the
 * callback returns. */
typedef void nh_hook_done_fn(const struct nh_hook_result *res, void *ctx);

/* A runner on loop, which must be the default loop (libev's child
 * watchers): NULL with errno EINVAL otherwise, or ENOMEM. */
struct nh_hooks_runner *nh_hooks_runner_new(struct ev_loop *loop);
/* Stop watching. Running hooks are left running (netheal stopping must not
 * kill what the policy started; the unit's KillMode decides); their
 * callbacks are never called. Accepts NULL. */
void nh_hooks_runner_free(struct nh_hooks_runner *r);
/* SIGTERM → SIGKILL grace, NH_HOOK_KILL_GRACE_MS unless set. */
void nh_hooks_runner_set_kill_grace(struct nh_hooks_runner *r, unsigned int ms);
/* Hooks started and not ended yet. */
size_t nh_hooks_running(const struct nh_hooks_runner *r);

/*
 * Start argv (NULL-terminated, argv[0] absolute) for event in netns ("" or
 * NULL: the host) with detail (may be NULL), killed after timeout_s seconds
 * (0: never). Returns 0 when it started (done will be called), or -errno
 * when it could not (done is not called): -EINVAL for an empty argv or a
 * relative program, -ENOENT/-EACCES/... from exec, -ENOMEM.
 */
int nh_hook_run(struct nh_hooks_runner *r, char *const argv[], const char *netns,
		const char *event, const char *detail, unsigned int timeout_s,
		nh_hook_done_fn *done, void *ctx);

#endif
