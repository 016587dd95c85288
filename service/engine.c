/*
 * `netheal run`: the event loop around the core (SPEC §5). The monitor
 * reports namespaces and kernel events to the core; before the loop sleeps,
 * the core heals what they marked dirty. Signals reload and stop; timers
 * resync, ping the watchdog and write status and metrics.
 */
#include "engine.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "actions/hooks.h"
#include "common/util.h"
#include "monitor/monitor.h"
#include "policy/diff.h"
#include "policy/parse.h"
#include "service/core.h"
#include "service/instance.h"
#include "service/kernel.h"
#include "service/metrics.h"
#include "service/notify.h"
#include "service/report.h"
#include "service/status.h"

/* Heal passes per loop iteration before events are read again: a pass
 * that failed on a stale view heals again at once (SPEC §4.8). */
#define PASSES_PER_ITERATION 4
/* Rounds of converging at start and after a reload. */
#define CONVERGE_ROUNDS 5
/* Reads of the event socket (NH_MONITOR batches of 64 messages) a reload
 * makes before its converge, at most: 16,384 messages. */
#define RELOAD_READ_BATCHES 256
/* Status and metrics are written this long after a change, not per heal:
 * 50 ms, or 1 ms per namespace up to 10 s. A write renders what changed
 * but copies every namespace's entry (at 1000: ~0.6 ms); waiting in
 * proportion keeps its cost per second, and so per heal in a stream of
 * them, the same at 10 and at 10,000 (SPEC §8). At 0.1 ms per namespace
 * the writes were 45 % of netheal's CPU per address heal at 1000 (perf,
 * a heal every 50 ms). (Namespaces known, managed or not: nh_core_count
 * is O(1); the core calls this while it is being made, too.) */
#define FLUSH_DELAY_MIN_S 0.05
#define FLUSH_DELAY_PER_NS_S 0.001
#define FLUSH_DELAY_MAX_S 10.0
/* STATUS= (systemctl status) at most this often: systemd reads each one,
 * and with a heal every 50 ms the message was a fifth of netheal's CPU per
 * heal at one namespace. A line held back goes with a later flush. */
#define STATUS_INTERVAL_S 1.0
/* Links set aside (actions.h) are deleted this long after each was: by
 * then the kernel has mostly removed them with their old namespace, and a
 * delete that is left (a namespace someone keeps open) holds the loop for
 * its grace period away from the rebuilds. */
#define ASIDE_DELAY_S 2.0

struct engine {
	struct ev_loop *loop;
	const struct nh_run_options *opt;
	struct nh_policy *policy;       /* in force (the core points to it) */
	struct nh_monitor *mon;
	struct nh_kernel kernel;
	struct nh_exec_aside aside;     /* links a heal set aside, deleted after it */
	struct nh_core *core;
	struct nh_hooks_runner *hooks;
	struct nh_status head;          /* version, pid, start time of this run */
	ev_prepare prepare;
	ev_idle more;                   /* a pass left work: do not sleep */
	ev_signal sighup, sigterm, sigint;
	ev_timer resync, watchdog, flush, retry;
	ev_timer aside_w;               /* deletes what is set aside */
	ev_periodic clockwatch;
	int lock_fd;                    /* nh_instance_lock's, -1 none */
	ev_io lock_w;                   /* another run asking who holds it */
	int status_err, metrics_err;    /* the last write's, logged when it changes */
	char status_line[128];          /* the newest STATUS= line */
	char status_sent_line[128];     /* the last one sent */
	double status_sent;             /* when (s, CLOCK_MONOTONIC), 0 never */
	ev_timer status_w;              /* status_line waits for its turn */
	uint64_t watchdog_usec;
	uint64_t watchdog_progress;     /* the core's progress at the last ping */
	bool watchdog_withheld;         /* said once per stall */
	int exit_code;
	/* the rule of the namespace whose routes were last asked about
	 * before the core had a record of it (on_route_kept) */
	struct {
		const struct nh_policy *policy;
		char name[NH_NETNS_NAMSIZ];
		const struct nh_netns_rule *rule;
	} kept_memo;
};

/* ---- status, metrics, notify ---- */

/* A status or metrics file that cannot be written (its directory replaced
 * by a file, a read-only mount) is said once, and again when it can be:
 * healing goes on either way. A directory that vanished is made again. */
static void write_result(const char *what, const char *path, int r, int *last)
{
	if (r == *last)
		return;
	if (r < 0)
		nh_log_errno(NH_WARNING, r, "cannot write the %s file %s (netheal goes on healing; "
			     "trying again at each change)", what, path);
	else
		nh_notice("the %s file %s is written again", what, path);
	*last = r;
}

/* STATUS=line when it is new, at most every STATUS_INTERVAL_S: a line
 * that comes sooner waits, and the newest one waiting goes when it may. */
static void notify_status(struct engine *e, const char *line)
{
	/* monotonic: ev_now is the wall clock, and a clock stepped back
	 * would hold the line for as long as the step */
	double now = (double)nh_now_us() / 1e6, due = e->status_sent + STATUS_INTERVAL_S;

	nh_strlcpy(e->status_line, line, sizeof(e->status_line));
	if (strcmp(line, e->status_sent_line) == 0) {
		ev_timer_stop(e->loop, &e->status_w);
		return;
	}
	if (now < due) {
		if (!ev_is_active(&e->status_w)) {
			ev_timer_set(&e->status_w, due - now, 0.);
			ev_timer_start(e->loop, &e->status_w);
		}
		return;
	}
	nh_notify_status("%s", line);
	nh_strlcpy(e->status_sent_line, line, sizeof(e->status_sent_line));
	e->status_sent = now;
}

static void status_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine *e = w->data;

	(void)loop;
	(void)revents;
	notify_status(e, e->status_line);
}

/* Write the status and metrics files, and STATUS= for systemd; at a stop
 * (stopping), the status file alone: the metrics file goes (SPEC §7) and
 * systemd was told STOPPING=1. */
static void write_files(struct engine *e, bool stopping)
{
	struct nh_core_snapshot snap;
	struct nh_metrics_info info = { NETHEAL_VERSION, e->head.started_ms, nh_wall_ms() };
	const struct nh_settings *s = &e->policy->settings;
	char line[128];

	if (nh_core_snapshot(e->core, &snap) < 0) {
		nh_err("out of memory writing status");
		return;
	}
	nh_status_summary_snapshot(&snap, line, sizeof(line));
	if (!stopping)
		notify_status(e, line);
	write_result("status", s->status_file, nh_status_write_snapshot(s->status_file, &e->head, &snap),
		     &e->status_err);
	if (*s->metrics_file && !stopping)
		write_result("metrics", s->metrics_file, nh_metrics_write(&snap, &info, s->metrics_file),
			     &e->metrics_err);
	nh_core_snapshot_free(&snap);
}

static void changed(void *ctx)
{
	struct engine *e = ctx;

	if (!ev_is_active(&e->flush)) {
		double delay = e->core ? (double)nh_core_count(e->core) * FLUSH_DELAY_PER_NS_S : 0.;

		delay = delay < FLUSH_DELAY_MIN_S ? FLUSH_DELAY_MIN_S : delay > FLUSH_DELAY_MAX_S ? FLUSH_DELAY_MAX_S : delay;
		ev_timer_set(&e->flush, delay, 0.);
		ev_timer_start(e->loop, &e->flush);
	}
}

/* ---- the core's side effects ---- */

static void outcome(void *ctx, const struct nh_action *a, const struct nh_outcome_info *o)
{
	(void)ctx;
	nh_report_outcome(a, o);
}

static void netns_created(void *ctx, const char *name)
{
	(void)ctx;
	nh_report_netns_created(name);
}

static void hook(void *ctx, const struct nh_netns *ns, char *const *argv, const char *event, const char *detail)
{
	struct engine *e = ctx;
	int r = nh_hook_run(e->hooks, argv, ns->name, event, detail, e->policy->settings.hook_timeout,
			    nh_report_hook_done, e);

	if (r < 0)
		nh_report_hook_not_started(ns->name, argv[0], event, r);
}

/* ---- healing ---- */

/* Wake for the first link set aside ASIDE_DELAY_S after it was. */
static void arm_aside(struct engine *e)
{
	uint64_t first = UINT64_MAX, now = nh_now_us();
	double wait;

	if (!e->aside.n || ev_is_active(&e->aside_w))
		return;
	for (size_t i = 0; i < e->aside.n; i++)
		if (e->aside.v[i].since_us < first)
			first = e->aside.v[i].since_us;
	wait = ASIDE_DELAY_S - (first < now ? (double)(now - first) / 1e6 : 0.);
	ev_timer_set(&e->aside_w, wait > 0.01 ? wait : 0.01, 0.);
	ev_timer_start(e->loop, &e->aside_w);
}

/* The links the passes set aside (actions.h) ASIDE_DELAY_S ago or more
 * (all: at a stop), deleted: those the kernel already removed with their
 * namespace cost an ENODEV. */
static void delete_aside(struct engine *e, bool all)
{
	uint64_t now = nh_now_us(), delay = (uint64_t)(ASIDE_DELAY_S * 1e6);
	struct nh_exec_aside_done d;
	int r = nh_exec_delete_aside(&e->kernel.exec, all ? UINT64_MAX : now > delay ? now - delay : 0, &d);

	if (d.deleted && e->mon)
		nh_monitor_changed(e->mon);

	if (d.dropped)
		nh_log_errno(NH_WARNING, r, "%u link%s set aside (nhaside*) could not be deleted in %d tries: left "
			     "where %s", d.dropped, d.dropped == 1 ? "" : "s", NH_EXEC_ASIDE_TRIES,
			     d.dropped == 1 ? "it is" : "they are");
	else if (r < 0)
		nh_log_errno(NH_NOTICE, r, "deleting a link set aside (nhaside*): tried again later");
	nh_debug("links set aside: %u deleted, %u gone with their namespace, %zu waiting", d.deleted, d.gone,
		 e->aside.n);
}

static void heal_now(struct engine *e)
{
	/* events are still queued: read on first (the socket stays readable) */
	if (e->mon && nh_monitor_behind(e->mon))
		return;
	for (int i = 0; i < PASSES_PER_ITERATION && nh_core_pending(e->core); i++) {
		int r = nh_core_heal(e->core);

		if (r != 0 && e->mon)
			nh_monitor_changed(e->mon);     /* the events of its requests are queued */
		if (r < 0) {
			/* out of memory: the namespaces stay dirty; try again soon */
			if (!ev_is_active(&e->retry))
				ev_timer_start(e->loop, &e->retry);
			ev_idle_stop(e->loop, &e->more);
			return;
		}
	}
	arm_aside(e);
	if (nh_core_pending(e->core))
		ev_idle_start(e->loop, &e->more);
	else
		ev_idle_stop(e->loop, &e->more);
}

static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	heal_now(w->data);
}

/* The status write comes last in its loop iteration (EV_MINPRI), after
 * the heals of the events read in it: at 1000 namespaces a write takes
 * about a millisecond, and a heal behind it was the tail of the heal
 * latency. */
static void flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine *e = w->data;

	(void)loop;
	(void)revents;
	if (e->core)
		heal_now(e);
	write_files(e, false);
}

static void more_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* nothing: being active keeps the loop from sleeping until prepare */
}

static void aside_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	delete_aside(w->data, false);
	arm_aside(w->data);
}

static void retry_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	/* the prepare watcher runs right after this */
}

/* ---- the monitor ---- */

static void on_netns_added(struct nh_monitor *m, struct nh_ns *ns, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	nh_core_netns_added(e->core, ns->name, &ns->obs);
}

static void on_netns_removed(struct nh_monitor *m, const char *name, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	nh_core_netns_removed(e->core, name);
}

static void on_unwatched(struct nh_monitor *m, const char *name, const char *why, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	nh_core_netns_unwatched(e->core, name, why);
}

static void on_event(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	nh_core_event(e->core, &ns->obs, ev);
}

static void on_dropped(struct nh_monitor *m, struct nh_ns *ns, const struct nh_dropped *d, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	nh_core_dropped(e->core, &ns->obs, d);
}

static void log_resync(const char *netns, const char *reason)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.netns = netns;
	f.reason = reason;
	nh_log_event(NH_EV_RESYNC, &f, "namespace re-read: %s", reason);
}

static void on_resynced(struct nh_monitor *m, struct nh_ns *ns, const char *reason, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	log_resync(ns->name, reason);
	nh_core_resynced(e->core, &ns->obs, reason);
}

/* The routes a namespace's state keeps: those its rule's diff could read
 * (nh_diff_route_relevant); none in a namespace no rule manages. The rule
 * is the core's record's once it has one; before (the first reads, at
 * start and adoption) it is looked up by name, once per namespace: a read
 * asks about each of its routes in turn. */
static bool on_route_kept(struct nh_monitor *m, const struct nh_ns *ns, const struct nh_route *r, void *ctx)
{
	struct engine *e = ctx;
	const struct nh_netns *rec = ns->obs.user;
	const struct nh_netns_rule *rule;

	(void)m;
	if (rec) {
		rule = rec->rule;
	} else {
		if (e->kept_memo.policy != e->policy || strcmp(e->kept_memo.name, ns->name) != 0) {
			e->kept_memo.policy = e->policy;
			nh_strlcpy(e->kept_memo.name, ns->name, sizeof(e->kept_memo.name));
			e->kept_memo.rule = nh_policy_rule_for(e->policy, ns->name);
		}
		rule = e->kept_memo.rule;
	}
	return rule && nh_diff_route_relevant(rule, r);
}

static const struct nh_monitor_ops monitor_ops = {
	.netns_added = on_netns_added,
	.netns_removed = on_netns_removed,
	.unwatched = on_unwatched,
	.event = on_event,
	.dropped = on_dropped,
	.resynced = on_resynced,
	.route_kept = on_route_kept,
};

/* ---- configuration ---- */

/* Every problem of a configuration as a log record naming FILE:LINE.
 * Sorted by file and line, and a run of the same one once, as `check`
 * prints them. */
static void log_diags(struct nh_diags *d)
{
	nh_diags_sort(d);
	for (size_t i = 0, j; i < d->n; i = j) {
		struct nh_log_fields f = NH_LOG_FIELDS_INIT;
		char rule[512], times[32] = "";

		for (j = i + 1; j < d->n && nh_diag_same(&d->v[i], &d->v[j]); j++)
			;
		if (j - i > 1)
			snprintf(times, sizeof(times), " (%zu times)", j - i);
		if (d->v[i].line)
			snprintf(rule, sizeof(rule), "%s:%u", d->v[i].file, d->v[i].line);
		else
			snprintf(rule, sizeof(rule), "%s", d->v[i].file);     /* the file as a whole */
		f.rule = rule;
		f.reason = d->v[i].msg;
		if (d->v[i].warning)
			nh_warn("%s: warning: %s%s", rule, d->v[i].msg, times);
		else
			nh_log_event(NH_EV_CONFIG_REJECTED, &f, "%s: error: %s%s", rule, d->v[i].msg, times);
	}
}

/* Replace *field with a copy of value; -ENOMEM leaves it as it was. */
static int override(char **field, const char *value)
{
	char *copy;

	if (!value)
		return 0;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

static int load_policy(const struct nh_run_options *opt, struct nh_policy *p)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load(opt->config, p, &d);

	log_diags(&d);
	if (r == 0 && opt->strict && d.warnings) {
		nh_err("%u warning%s, and --strict makes them errors", d.warnings, d.warnings == 1 ? "" : "s");
		r = -EINVAL;
	}
	nh_diags_free(&d);
	if (r < 0)
		return r;
	if (override(&p->settings.netns_dir, opt->netns_dir) < 0 ||
	    override(&p->settings.status_file, opt->status_file) < 0)
		return -ENOMEM;
	if (opt->audit)
		p->settings.mode = NH_MODE_AUDIT;
	return 0;
}

static void log_config(enum nh_event ev, const char *config, const char *why)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.reason = why;
	nh_log_event(ev, &f, "configuration %s %s", config, ev == NH_EV_CONFIG_LOADED ? "loaded" : "rejected");
}

/* damped: a reload's (nh_core_converge) */
static void converge(struct engine *e, unsigned int rounds, bool damped)
{
	int r = nh_core_converge(e->core, rounds, damped);

	if (e->mon)
		nh_monitor_changed(e->mon);     /* its events are queued */
	if (r < 0)
		nh_err("out of memory converging: the namespaces are healed as memory allows");
	/* what is left (reports, failures, audit) is handled, logged and
	 * retried by the event path from here on */
	nh_core_mark_all(e->core, nh_now_us());
}

static void policy_free(struct nh_policy *p)
{
	nh_policy_free(p);
	free(p);
}

/* The pid a status file names; 0 when there is none to read. */
static pid_t status_pid(const char *path)
{
	struct nh_status s;
	pid_t pid;

	if (!path || !*path || nh_status_load(path, &s, NULL) < 0)
		return 0;
	pid = s.pid;
	nh_status_free(&s);
	return pid;
}

/* One service per status file too: a `run` with another netns_dir but the
 * same status file would overwrite the first's. The file names the pid
 * that writes it (a stale one names a dead pid, or a process that is not
 * netheal). 0, or -EBUSY with the reason logged. */
static int running_already(const char *path)
{
	pid_t pid = status_pid(path);

	if (!pid || pid == getpid() || nh_status_service(pid) != NH_SERVICE_RUNNING)
		return 0;
	nh_err("netheal (pid %d) is running already and writes the status file %s: stop it first, or give "
	       "this one another status_file", (int)pid, path);
	return -EBUSY;
}

/* A file of this run's that a reload moves (status_file, metrics_file):
 * the old one would be read as this running netheal's for ever after, so
 * it goes; with names_pid (a status file), one naming another pid is not
 * this run's and stays. */
static void moved_file(const char *what, const char *was, const char *now, bool names_pid)
{
	pid_t pid;
	bool ours;

	if (strcmp(was, now) == 0 || !*was)
		return;
	pid = names_pid ? status_pid(was) : 0;
	ours = !pid || pid == getpid();
	if (ours && unlink(was) < 0 && errno != ENOENT)
		nh_log_errno(NH_WARNING, errno, "%s is now %s; removing the old one, %s", what, *now ? now : "\"\"",
			     was);
	else
		nh_notice("%s is now %s (%s %s)", what, *now ? now : "\"\"", was, ours ? "removed" : "left: "
			  "another netheal's");
}

/* The rule in force for a watched namespace: its core record's, or by
 * name in policy for one the core has no record of. */
static const struct nh_netns_rule *rule_of(const struct nh_policy *policy, const struct nh_ns *ns)
{
	const struct nh_netns *rec = ns->obs.user;

	return rec ? rec->rule : nh_policy_rule_for(policy, ns->name);
}

/* The namespaces whose state keeps fewer routes than their rule under
 * next may read (on_route_kept, nh_diff_routes_widen): before[i] was the
 * rule of the i-th namespace; before NULL (out of memory) counts as every
 * one. Returns them, in again (n entries), for reread_widened once next
 * is e->policy. */
static void widened(const struct engine *e, const struct nh_policy *next, const struct nh_netns_rule **before,
		    struct nh_ns **again, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct nh_ns *ns = nh_monitor_at(e->mon, i);

		again[i] = !before || nh_diff_routes_widen(before[i], rule_of(next, ns)) ? ns : NULL;
	}
}

static void reread_widened(struct nh_ns **again, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!again[i])
			continue;
		/* a failure is retried by the monitor, and logged as a resync */
		if (nh_ns_refresh(again[i]) == 0)
			nh_debug("netns %s: read again: the policy may name routes it did not keep",
				 *again[i]->name ? again[i]->name : "-");
	}
}

static void reload(struct engine *e)
{
	struct nh_policy *next = calloc(1, sizeof(*next));
	int r = next ? 0 : -ENOMEM;
	size_t was, n_ns = nh_monitor_count(e->mon);
	const struct nh_netns_rule **before = calloc(n_ns + 1, sizeof(*before));
	struct nh_ns **again = calloc(n_ns + 1, sizeof(*again));

	nh_notify_reloading();
	if (r == 0 && !again)
		r = -ENOMEM;
	if (r == 0)
		r = load_policy(e->opt, next);
	/* as at start: one service per status file */
	if (r == 0 && strcmp(next->settings.status_file, e->policy->settings.status_file) != 0)
		r = running_already(next->settings.status_file);
	for (size_t i = 0; r == 0 && before && i < n_ns; i++)
		before[i] = rule_of(e->policy, nh_monitor_at(e->mon, i));
	if (r == 0)
		r = nh_core_set_policy(e->core, next);
	if (r == 0)
		widened(e, next, before, again, n_ns);
	free(before);
	if (r < 0) {
		free(again);
		log_config(NH_EV_CONFIG_REJECTED, e->opt->config, r == -ENOMEM ?
			   "out of memory: the old policy stays in force" : "the old policy stays in force");
		policy_free(next);
		nh_notify_ready(NULL);
		return;
	}
	if (strcmp(next->settings.netns_dir, e->policy->settings.netns_dir) != 0)
		nh_warn("netns_dir changes only take effect on restart");
	moved_file("status_file", e->policy->settings.status_file, next->settings.status_file, true);
	moved_file("metrics_file", e->policy->settings.metrics_file, next->settings.metrics_file, false);
	if (nh_monitor_set_optional(e->mon, nh_kernel_monitor_groups(next)) < 0)
		nh_warn("cannot change the event subscriptions: neighbour and netconf events may be missed "
			"until the next resync");
	nh_kernel_policy_changed(&e->kernel, e->core);
	/* the core took next; the old policy is referenced no more */
	was = e->policy->n_netns;
	policy_free(e->policy);
	e->policy = next;
	memset(&e->kept_memo, 0, sizeof(e->kept_memo));        /* it named the old policy's rules */
	/* the converge below diffs every namespace: first what is queued,
	 * older than the re-reads that follow (SIGHUP mid-burst doubled
	 * heals and deleted a veth end rebuilt a moment before) */
	if (!nh_monitor_read_queued(e->mon, RELOAD_READ_BATCHES))
		nh_debug("reload: events still queued after %d reads; the heals after it catch up",
			 RELOAD_READ_BATCHES);
	reread_widened(again, n_ns);
	free(again);
	nh_log_event(NH_EV_CONFIG_LOADED, NULL, "configuration %s reloaded: %zu namespace rule%s (%zu before)",
		     e->opt->config, next->n_netns, next->n_netns == 1 ? "" : "s", was);
	converge(e, CONVERGE_ROUNDS, true);
	changed(e);
	/* the new policy was built while the old one lived; glibc keeps the
	 * old one's pages, freed below the new one, unless told to give them
	 * back (at 1000 namespaces +8.5 MB RSS after the first reload, the
	 * heap in use unchanged) */
	malloc_trim(0);
	nh_notify_ready(NULL);
}

/* ---- signals and timers ---- */

static void sighup_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)loop;
	(void)revents;
	reload(w->data);
}

static void sigterm_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct engine *e = w->data;

	(void)revents;
	nh_notify_stopping();
	nh_log_event(NH_EV_STOPPING, NULL, "stopping on signal %d", w->signum);
	e->exit_code = 0;
	ev_break(loop, EVBREAK_ALL);
}

static void resync_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine *e = w->data;
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	size_t n = 0, read = 0;

	(void)loop;
	(void)revents;
	/* the directory too: another namespace mounted over a watched name
	 * makes no inotify event (adversarial trial: never noticed) */
	(void)nh_monitor_scan(e->mon);
	for (size_t i = 0; i < nh_monitor_count(e->mon); i++) {
		struct nh_ns *ns = nh_monitor_at(e->mon, i);

		n++;
		if (nh_ns_refresh(ns) == 0) {
			read++;
			nh_debug("netns %s: re-read: interval", *ns->name ? ns->name : "-");
			nh_core_resynced(e->core, &ns->obs, "interval");
		}
	}
	/* one record for the whole round, not one per namespace (a line per
	 * namespace was 290,000 a day at 1000 namespaces: new-user trial);
	 * what it found is logged as heals */
	f.reason = "interval";
	nh_log_event(NH_EV_RESYNC, &f, "%zu of %zu namespaces re-read: interval", read, n);
}

/* Ping only while the loop makes progress on what is due: a loop that runs
 * but whose healing is wedged is as good as dead, and systemd restarts it. */
static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine *e = w->data;
	uint64_t progress = nh_core_progress(e->core);

	(void)loop;
	(void)revents;
	if (progress == e->watchdog_progress && nh_core_overdue(e->core, nh_now_us(), e->watchdog_usec / 2)) {
		if (!e->watchdog_withheld)
			nh_err("work is due but no heal pass ran for %llu ms: not pinging the watchdog",
			       (unsigned long long)(e->watchdog_usec / 2000));
		e->watchdog_withheld = true;
		return;
	}
	e->watchdog_withheld = false;
	e->watchdog_progress = progress;
	nh_notify_watchdog();
	/* the metrics file's age tells a dead daemon from an idle one */
	if (*e->policy->settings.metrics_file)
		write_files(e, false);
}

static void start_timers(struct engine *e)
{
	if (e->policy->settings.resync_interval) {
		double t = e->policy->settings.resync_interval;

		ev_timer_init(&e->resync, resync_cb, t, t);
		e->resync.data = e;
		ev_timer_start(e->loop, &e->resync);
	}
	if (nh_notify_watchdog_usec(&e->watchdog_usec) > 0 && e->watchdog_usec) {
		double t = e->watchdog_usec / 2e6;

		ev_timer_init(&e->watchdog, watchdog_cb, t, t);
		e->watchdog.data = e;
		ev_timer_start(e->loop, &e->watchdog);
	}
}

static void never_cb(struct ev_loop *loop, ev_periodic *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
}

static void lock_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct engine *e = w->data;
	int r = nh_instance_drain(e->lock_fd);

	(void)revents;
	if (r < 0) {
		/* EMFILE: readable still, it would wake the loop at once;
		 * another run asking is told no pid */
		nh_log_errno(NH_WARNING, r, "not answering who holds @%s any more", NH_INSTANCE_LOCK_NAME);
		ev_io_stop(loop, w);
	}
}

static void start_watchers(struct engine *e)
{
	/* Without a timerfd to notice clock jumps, libev wakes up every
	 * 59.743 s; it opens one as soon as a periodic watcher exists. One
	 * that never fires buys zero wake-ups while idle (SPEC §5.7). */
	ev_periodic_init(&e->clockwatch, never_cb, 1e12, 0, NULL);
	ev_periodic_start(e->loop, &e->clockwatch);
	ev_prepare_init(&e->prepare, prepare_cb);
	e->prepare.data = e;
	ev_prepare_start(e->loop, &e->prepare);
	ev_idle_init(&e->more, more_cb);
	e->more.data = e;
	ev_timer_init(&e->retry, retry_cb, 0.1, 0.);
	e->retry.data = e;
	ev_init(&e->aside_w, aside_cb);
	e->aside_w.data = e;
	ev_signal_init(&e->sighup, sighup_cb, SIGHUP);
	ev_signal_init(&e->sigterm, sigterm_cb, SIGTERM);
	ev_signal_init(&e->sigint, sigterm_cb, SIGINT);
	e->sighup.data = e->sigterm.data = e->sigint.data = e;
	ev_signal_start(e->loop, &e->sighup);
	ev_signal_start(e->loop, &e->sigterm);
	ev_signal_start(e->loop, &e->sigint);
	if (e->lock_fd >= 0) {
		ev_io_init(&e->lock_w, lock_cb, e->lock_fd, EV_READ);
		e->lock_w.data = e;
		ev_io_start(e->loop, &e->lock_w);
	}
}

/* Signals that came before the loop's watchers existed: reading the
 * policy and the namespaces can take seconds at 10,000, and SIGHUP's
 * default action ends the process (systemd counts that a clean exit and
 * does not restart it). Kept here, and fed to the watchers once they are
 * started. */
static volatile sig_atomic_t early_signal[NSIG];
/* fed in this order: a stop before a reload */
static const int early_signals[] = { SIGTERM, SIGINT, SIGHUP };

static void early_cb(int sig)
{
	if (sig > 0 && sig < NSIG)
		early_signal[sig] = 1;
}

static void catch_early_signals(void)
{
	struct sigaction sa = { .sa_handler = early_cb, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NH_ARRAY_SIZE(early_signals); i++)
		(void)sigaction(early_signals[i], &sa, NULL);
}

static void feed_early_signals(struct engine *e)
{
	for (size_t i = 0; i < NH_ARRAY_SIZE(early_signals); i++)
		if (early_signal[early_signals[i]]) {
			early_signal[early_signals[i]] = 0;
			ev_feed_signal_event(e->loop, early_signals[i]);
		}
}

static void engine_free(struct engine *e)
{
	nh_core_free(e->core);
	if (e->aside.n)
		delete_aside(e, true);  /* a clean stop leaves nothing aside */
	nh_exec_aside_free(&e->aside);
	nh_monitor_free(e->mon);
	if (e->hooks && nh_hooks_waiting(e->hooks))
		nh_warn("stopping: %zu hook%s waiting their turn will not run (%zu running are left to finish)",
			nh_hooks_waiting(e->hooks), nh_hooks_waiting(e->hooks) == 1 ? "" : "s",
			nh_hooks_running(e->hooks));
	nh_hooks_runner_free(e->hooks);
	nh_status_free(&e->head);
	policy_free(e->policy);
	if (e->lock_fd >= 0)
		close(e->lock_fd);     /* last: nothing of this run is left */
}

/* A clean stop removes the metrics file (SPEC §7): no stale numbers. */
static void remove_metrics(struct engine *e)
{
	const char *path = e->policy->settings.metrics_file;

	if (path && *path && unlink(path) < 0 && errno != ENOENT)
		nh_log_errno(NH_WARNING, errno, "cannot remove %s", path);
}

/* One service per network namespace (service/instance.h). 0, or -EBUSY
 * with the reason logged. A lock that cannot be made, or that another
 * user's process holds, is said, not fatal: it only guards against a
 * mistake, and must not let any user keep netheal from starting. */
static int take_lock(struct engine *e)
{
	struct nh_instance_holder h;
	int fd = nh_instance_lock(&h);

	if (fd == -EBUSY && h.known)
		nh_err("netheal (pid %d) is running already in this network namespace: stop it first",
		       (int)h.pid);
	else if (fd == -EBUSY)
		nh_err("another netheal is running already in this network namespace: stop it first");
	else if (fd == -EPERM)
		nh_warn("@%s is held by pid %d of uid %u, no netheal of root's: running without the "
			"one-netheal lock", NH_INSTANCE_LOCK_NAME, (int)h.pid, (unsigned int)h.uid);
	else if (fd < 0)
		nh_log_errno(NH_WARNING, fd, "cannot tell whether another netheal runs here");
	if (fd == -EBUSY)
		return fd;
	e->lock_fd = fd < 0 ? -1 : fd;
	return 0;
}

static int start(struct engine *e)
{
	const struct nh_run_options *opt = e->opt;
	struct nh_core_config cfg = {
		.kernel = &nh_kernel_ops, .kernel_ctx = &e->kernel, .loop = e->loop,
		.reporter = { outcome, netns_created, hook, changed, e },
	};
	int r;

	/* refuse before changing anything when events cannot be read */
	r = nh_monitor_probe();
	if (r == 0)
		r = take_lock(e);
	if (r == 0)
		r = running_already(e->policy->settings.status_file);
	if (r < 0)
		return r;
	e->hooks = nh_hooks_runner_new(e->loop);
	if (!e->hooks)
		return nh_log_errno(NH_ERR, -ENOMEM, "cannot start");
	/* no event sockets while building: see nh_monitor_attach */
	r = nh_monitor_new(NULL, e->policy->settings.netns_dir, nh_kernel_monitor_groups(e->policy),
			   &monitor_ops, e, &e->mon);
	if (r < 0)
		return nh_log_errno(NH_ERR, r, "cannot watch the namespaces in %s", e->policy->settings.netns_dir);
	if (opt->rcvbuf && nh_monitor_set_rcvbuf(e->mon, opt->rcvbuf) < 0)
		nh_warn("--rcvbuf %d ignored", opt->rcvbuf);
	nh_kernel_init(&e->kernel, e->mon);
	e->kernel.exec.aside = &e->aside;
	r = nh_core_new(&cfg, e->policy, &e->core);
	if (r < 0)
		return nh_log_errno(NH_ERR, r, "cannot start");
	for (size_t i = 0; i < nh_monitor_count(e->mon); i++) {
		struct nh_ns *ns = nh_monitor_at(e->mon, i);

		nh_core_netns_added(e->core, ns->name, &ns->obs);
	}
	log_config(NH_EV_CONFIG_LOADED, opt->config, NULL);
	nh_log_event(NH_EV_STARTED, NULL, "netheal %s started, mode %s", NETHEAL_VERSION,
		     nh_mode_to_string(e->policy->settings.mode));
	start_watchers(e);
	feed_early_signals(e);
	/* The first pass builds with no event socket (its thousands of
	 * changes would only fill it); subscribing reads every namespace
	 * again, which is also the read after that pass; the rest of the
	 * converge runs subscribed, so nothing changed meanwhile goes unseen. */
	if (nh_core_converge_first(e->core) < 0)
		nh_err("out of memory converging: the namespaces are healed as memory allows");
	r = nh_monitor_attach(e->mon, e->loop);
	if (r < 0)
		return nh_log_errno(NH_ERR, r, "cannot watch the namespaces in %s", e->policy->settings.netns_dir);
	nh_core_views_changed(e->core);
	converge(e, CONVERGE_ROUNDS - 1, false);
	start_timers(e);
	return 0;
}

int nh_engine_run(const struct nh_run_options *opt)
{
	struct engine e = { .opt = opt, .exit_code = 1, .lock_fd = -1 };
	char line[128];
	struct nh_core_snapshot snap;

	nh_log_init(opt->log, opt->verbose);
	signal(SIGPIPE, SIG_IGN);
	/* `netheal monitor`'s signal (its observed state): a `pkill -USR1
	 * netheal` meant for it must not end the service */
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
	/* glibc raises its mmap threshold to the size of each mapped block
	 * freed, so after the first re-read of a namespace with 1000 links
	 * (a 500 KiB array) such arrays came from the heap and each one moved
	 * by a grow left a hole that small blocks then filled: RSS grew in
	 * 512 KiB steps as namespaces were rebuilt. A fixed threshold
	 * (mallopt(3): setting it ends the adjusting) keeps big arrays
	 * mapped and gives them back when freed. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	catch_early_signals();
	/* the default loop: hooks need its child watchers */
	e.loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	if (!e.loop)
		nh_fatal("cannot start the event loop");
	nh_status_init(&e.head, getpid(), nh_wall_ms());
	/* first of all: the core reports changes from the moment it exists */
	ev_init(&e.flush, flush_cb);
	ev_set_priority(&e.flush, EV_MINPRI);
	e.flush.data = &e;
	ev_init(&e.status_w, status_cb);
	e.status_w.data = &e;
	e.policy = calloc(1, sizeof(*e.policy));
	if (!e.policy || load_policy(opt, e.policy) < 0) {
		log_config(NH_EV_CONFIG_REJECTED, opt->config, "cannot start");
		policy_free(e.policy);
		nh_status_free(&e.head);
		return 1;
	}
	if (start(&e) == 0) {
		write_files(&e, false);
		if (nh_core_snapshot(e.core, &snap) == 0) {
			nh_status_summary_snapshot(&snap, line, sizeof(line));
			nh_core_snapshot_free(&snap);
			/* for whoever runs it without systemd: the first
			 * converge is done (READY=1 says it to systemd) */
			nh_info("ready: %s", line);
			nh_notify_ready(line);
		} else {
			nh_notify_ready(NULL);
		}
		ev_run(e.loop, 0);
		/* the status file is what `netheal status` and operators read
		 * after a stop: the last heals (a write may still be due) and
		 * that it stopped cleanly, and when */
		if (e.exit_code == 0)
			e.head.stopped_ms = nh_wall_ms();
		if (ev_is_active(&e.flush) || e.exit_code == 0)
			write_files(&e, true);
		if (e.exit_code == 0)
			remove_metrics(&e);
	}
	engine_free(&e);
	return e.exit_code;
}
