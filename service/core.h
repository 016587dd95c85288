/*
 * The core of the service: one executor for every way netheal heals.
 *
 * It holds the policy in force, a record per namespace (service/netns.h) and
 * the world's views and indexes (service/world.h). Kernel events mark
 * namespaces dirty; nh_core_heal diffs every dirty namespace against its
 * rule (policy/diff.h), sorts the actions into one plan in dependency order
 * and executes them with one set of rules (SPEC §4, §5):
 *
 *  - a report (conflict, missing) or drift in audit mode is logged once per
 *    change;
 *  - an action that an earlier failed one needs (its namespace, its link)
 *    is not tried in the same pass;
 *  - flap damping may say wait (SPEC §5.4), unless damping is off (start-up
 *    and `apply`: nh_core_converge, not damped; a reload keeps it); a failed
 *    action waits for its backoff or for the next kernel event in its
 *    namespace (SPEC §4.5, §4.6), but in a converge it is tried at once;
 *  - an action the kernel refuses is first taken for a stale view: the
 *    namespaces involved are read again and the namespace healed again at
 *    once, unlogged (SPEC §4.8); only a failure that persists through that
 *    and the first backoff is `heal-failed`;
 *  - a create the kernel acknowledged whose object does not then exist
 *    under the policy's name is a failure (SPEC §4.7);
 *  - a removal the kernel made as a consequence of another change does not
 *    count toward flap damping, and its heal says actor=kernel (SPEC §5.4).
 *
 * Start-up, reload, `apply` and event heals all run this executor: start-up,
 * reload and `apply` mark every namespace dirty and call nh_core_converge.
 *
 * Two seams make it testable without the kernel (tests/unit/test_core.c):
 * the kernel (struct nh_kernel_ops: execute an action, read a namespace
 * again, who owns a netlink port) and the reporter (struct nh_reporter: an
 * action's outcome, a namespace created, a hook to run, status changed).
 * Nothing calls back into the core while it heals: the kernel side reports
 * what it learns (a namespace adopted, a re-read done) through the
 * nh_core_* intake functions from the event loop, never from inside an
 * action.
 */
#ifndef NETHEAL_SERVICE_CORE_H
#define NETHEAL_SERVICE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ev.h>

#include "actions/actions.h"
#include "monitor/observe.h"
#include "service/histogram.h"
#include "service/netns.h"
#include "service/world.h"

/* The kernel, as the core sees it (service/kernel.c: the real one). */
struct nh_kernel_ops {
	/* Execute one action (actions/actions.h). Returns res->err. For a
	 * create-netns, the new namespace is opened but not reported to the
	 * core: the core asks for it with observed(). -EEXIST (res->err too)
	 * when someone else made it just before: opened all the same. */
	int (*exec)(void *ctx, const struct nh_action *a, struct nh_result *res);
	/* The observed state of namespace name ("" = the host), opening it
	 * when it exists but is not watched yet; NULL when it does not exist. */
	struct nh_observed *(*observed)(void *ctx, const char *netns);
	/* Read namespace netns again now, replacing its observed state. 0, or
	 * -errno: then obs->valid is false and the kernel side keeps trying;
	 * it calls nh_core_resynced once a read succeeds. */
	int (*reread)(void *ctx, const char *netns);
	/* Whether link `name` exists in netns now (asked after a create the
	 * kernel acknowledged, SPEC §4.7): 1 yes, 0 no, -errno unknown. */
	int (*link_exists)(void *ctx, const char *netns, const char *name);
	/* Who owns netlink port in netns: "pid:812/NetworkManager",
	 * "port:N" when unknown. May be NULL. */
	void (*actor)(void *ctx, const char *netns, uint32_t port, char *buf, size_t size);
	/* Whether port is one of netheal's own request sockets. May be NULL. */
	bool (*own_port)(void *ctx, uint32_t port);
	/* How many namespaces' observed states have a link named name now
	 * (every state observed() gives out); SIZE_MAX when not known. May be
	 * NULL (struct nh_view's links_named). */
	size_t (*links_named)(void *ctx, const char *name);
	/* Read the sysctls want names (want->sysctls: their keys) in namespace
	 * netns into its observed state's sysctls, replacing them; a key that
	 * cannot be read is left out. Asked before each diff of a namespace
	 * whose rule has sysctls: SPEC §3.1 heals the ones the kernel does not
	 * announce whenever the namespace is looked at again (the real kernel
	 * takes the announced ones from the namespace's netconf table, kept by
	 * events, and opens /proc/sys only for the others). 0 or -errno.
	 * May be NULL (no sysctl is ever known: each is set). */
	int (*read_sysctls)(void *ctx, const char *netns, const struct nh_state *want);
	/* The observed states are a kernel's own, with the prefix routes it
	 * adds for addresses (struct nh_view's kernel_routes). */
	bool kernel_routes;
};

enum nh_outcome {
	NH_OUT_HEALED = 0,      /* the kernel took it; log false: it was there already (EEXIST),
				   nothing healed, nothing counted */
	NH_OUT_FAILED,          /* refused, and it persists: heal-failed */
	NH_OUT_SKIPPED,         /* not tried: audit mode, or an action it needs failed */
	NH_OUT_DEFERRED,        /* not tried yet: flap damping or retry backoff */
	NH_OUT_REPORT,          /* a conflict or a missing object: nothing to execute */
	NH_OUT_FLAPPING,        /* healed too often: damped from now on */
	NH_OUT__COUNT
};

struct nh_outcome_info {
	enum nh_outcome type;
	bool log;               /* a change worth a log record (reports, failures: once per change) */
	const struct nh_result *res;    /* HEALED, FAILED; else NULL */
	const char *why;        /* in words: the kernel's reason, "audit mode: not changed", ... */
	const char *actor;      /* HEALED, FLAPPING: "kernel" or "pid:N/COMM" when known; else NULL */
	long long latency_us;   /* HEALED: from the first event of the batch to the ack; else -1 */
	bool blocked;           /* SKIPPED: it needs an object not made yet (why says which); counted as left to fix */
};

/* Side effects other than the kernel (service/report.c logs them; `apply`
 * prints them; the unit tests record them). Every member may be NULL. */
struct nh_reporter {
	void (*outcome)(void *ctx, const struct nh_action *a, const struct nh_outcome_info *o);
	void (*netns_created)(void *ctx, const char *name);
	/* Run hook argv of namespace ns (its on_create or on_heal) for event
	 * ("netns-created", "healed") with detail. */
	void (*hook)(void *ctx, const struct nh_netns *ns, char *const *argv, const char *event,
		     const char *detail);
	/* Something status or metrics show changed. */
	void (*changed)(void *ctx);
	void *ctx;
};

struct nh_core_config {
	const struct nh_kernel_ops *kernel;
	void *kernel_ctx;
	struct nh_reporter reporter;
	struct ev_loop *loop;           /* the namespaces' timers run on it; NULL: no timers (apply) */
	uint64_t (*now_us)(void);       /* monotonic µs; NULL: nh_now_us */
	int64_t (*wall_ms)(void);       /* wall clock ms since the epoch; NULL: nh_wall_ms */
};

/* Why a namespace was read again from scratch (netheal_resyncs_total{reason}). */
enum nh_resync_reason {
	NH_RESYNC_INTERVAL = 0,         /* resync_interval */
	NH_RESYNC_OVERRUN,              /* events were lost (ENOBUFS, a truncated read) */
	NH_RESYNC_DUMP_INTERRUPTED,     /* a dump was interrupted and repeated later */
	NH_RESYNC_RETRY,                /* a read failed and was repeated later */
	NH_RESYNC_NSID,                 /* its nsid named another namespace a moment ago */
	NH_RESYNC_OTHER,
	NH_RESYNC__COUNT
};
const char *nh_resync_reason_to_string(enum nh_resync_reason r);
/* The monitor's word for it ("overrun", ...); NH_RESYNC_OTHER when unknown. */
enum nh_resync_reason nh_resync_reason_from_string(const char *s);

/* Totals since start (status, metrics). */
struct nh_core_totals {
	uint64_t events;                /* kernel and directory events handled */
	uint64_t heals, heal_failures;
	uint64_t resyncs;
	uint64_t resyncs_by_reason[NH_RESYNC__COUNT];
	struct nh_histogram latency;    /* heal latency */
	uint64_t diffs, diffs_part;     /* namespaces diffed; of them, part of one (service/netns.h nh_scope) */
};

/* What the renderers read: the totals and the managed namespaces' records
 * sorted by name (the host, "", first). */
struct nh_core_snapshot {
	const struct nh_core_totals *totals;
	const struct nh_netns **ns;
	size_t n;
};

struct nh_core;

/* A core with policy in force (kept by reference; it must outlive the core
 * or the next nh_core_set_policy). 0, or -ENOMEM. */
int nh_core_new(const struct nh_core_config *cfg, const struct nh_policy *policy, struct nh_core **out);
void nh_core_free(struct nh_core *c);           /* accepts NULL */

/* Put another policy in force, atomically: on failure (-ENOMEM) the old
 * one stays and nothing changed. Every namespace is diffed again. */
int nh_core_set_policy(struct nh_core *c, const struct nh_policy *policy);
const struct nh_policy *nh_core_policy(const struct nh_core *c);

/* ---- what the kernel side reports (from the event loop, never mid-heal) ---- */

/* A namespace appeared (adopted, read): obs is its observed state, owned by
 * the caller until nh_core_netns_removed. "" is the host. */
void nh_core_netns_added(struct nh_core *c, const char *name, struct nh_observed *obs);
/* Its file is gone: obs is no longer valid. */
void nh_core_netns_removed(struct nh_core *c, const char *name);
/* A namespace in the directory the monitor could not open for lack of
 * descriptors (monitor.h ops->unwatched): shown drifting with why as its
 * last error while a rule covers it (now, or after a reload), and neither
 * diffed nor made (it exists); why NULL: that is over
 * (nh_core_netns_added follows when it was opened). */
void nh_core_netns_unwatched(struct nh_core *c, const char *name, const char *why);
/* One kernel event in obs's namespace, already applied to obs->have. */
void nh_core_event(struct nh_core *c, struct nh_observed *obs, const struct nh_nl_event *ev);
/* An object observe dropped from obs as a consequence of another change
 * (routes with their link, address or link state; addresses and permanent
 * neighbours with their link): monitor/observe.h's struct nh_dropped. A
 * record is made only when obs's rule names it (a binary search). */
void nh_core_dropped(struct nh_core *c, struct nh_observed *obs, const struct nh_dropped *d);
/* obs was read again from scratch (after lost events, a failed read, or
 * resync_interval); reason as nh_resync_reason_from_string reads it. */
void nh_core_resynced(struct nh_core *c, struct nh_observed *obs, const char *reason);

/* ---- healing ---- */

/* Mark every namespace the policy manages dirty, as of t_us. */
void nh_core_mark_all(struct nh_core *c, uint64_t t_us);
/* Namespaces wait to be healed. */
bool nh_core_pending(const struct nh_core *c);
/* One pass over the dirty namespaces (see above). Returns how many actions
 * the kernel took, or -ENOMEM (the namespaces stay dirty). */
int nh_core_heal(struct nh_core *c);
/* Start-up, reload and `apply`: heal every managed namespace, read again
 * what changed (no events arrive meanwhile), and again, until a pass
 * executes nothing or after `rounds` passes. A failed action is tried at
 * once, not after its backoff. damped: flap damping stays in force (a
 * reload: an object fought over stays deferred, so a configuration run
 * that reloads does not start the fight again, SPEC §5.4); else it is off
 * (start-up and `apply`, where no fight was seen). Returns how many
 * actions are left (reports, failures, deferred; 0 = converged; drift in
 * a namespace in audit mode is left alone by the policy's choice and not
 * counted), or -ENOMEM. */
int nh_core_converge(struct nh_core *c, unsigned int rounds, bool damped);
/* `run`'s start-up: the first pass of a converge alone, damping off, with
 * nothing read again after it: the caller reads every namespace next (it
 * subscribes to events first, nh_monitor_attach, so that one read serves
 * both) and then calls nh_core_converge for the rest. Returns how many
 * actions the kernel took, or -ENOMEM. */
int nh_core_converge_first(struct nh_core *c);
/* The caller read namespaces again behind the core's back (nh_monitor_attach
 * reads every one): whether each could be read may have changed, so the
 * views are made again before the next pass. */
void nh_core_views_changed(struct nh_core *c);
/* The plan for every managed namespace as it is now; changes nothing.
 * -EAGAIN when a namespace could not be read (a warning names it; plan
 * holds the others' drifts): it is never planned as missing. */
int nh_core_plan(struct nh_core *c, struct nh_plan *plan);

/* ---- reading (status, metrics) ---- */

const struct nh_core_totals *nh_core_totals(const struct nh_core *c);
/* Fill s. Its array is the core's, sorted again only when a record came or
 * went or a rule changed: valid until the next change to the core (a pass,
 * an event, a policy), so use it at once. 0 or -ENOMEM (s empty). */
int nh_core_snapshot(struct nh_core *c, struct nh_core_snapshot *s);
void nh_core_snapshot_free(struct nh_core_snapshot *s);
/* The records in name order; NULL at the end. Only managed ones count for
 * status: check ns->rule. */
size_t nh_core_count(const struct nh_core *c);
struct nh_netns *nh_core_find(struct nh_core *c, const char *name);
/* Every record, for renderers: fn(ns, arg) in no particular order. */
void nh_core_each(struct nh_core *c, void (*fn)(struct nh_netns *ns, void *arg), void *arg);
size_t nh_core_n_managed(const struct nh_core *c);

/* For the watchdog (issue: a stuck loop): the number of heal passes that
 * did work, and whether namespaces are due (dirty, or a timer overdue by
 * more than grace_us at now_us). A loop that has work due and made no pass
 * since the last look is stuck. */
uint64_t nh_core_progress(const struct nh_core *c);
bool nh_core_overdue(const struct nh_core *c, uint64_t now_us, uint64_t grace_us);

#endif
