#include "engine.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <linux/rtnetlink.h>

#include "actions/hooks.h"
#include "policy/parse.h"
#include "converge.h"
#include "monitor/monitor.h"
#include "service/actor.h"
#include "service/backoff.h"
#include "service/metrics.h"
#include "service/notify.h"
#include "service/state.h"
#include "service/status.h"

/* What the engine keeps per namespace name; it outlives the namespace
 * itself, so heal counts survive a deletion and re-creation. */
struct nsrun {
	char name[NH_NETNS_NAMSIZ];
	bool dirty;
	bool created;                   /* netheal (re-)created it: run on_create once converged */
	uint64_t since_us;              /* first event not yet acted on */
	uint32_t actor_port;            /* the port of the last requester that changed it */
	char healed_detail[256];        /* objects healed in this batch, for on_heal */
	bool reread;                    /* an action failed: the namespace was read again */
	uint64_t failed_at_us;          /* last failed action here */
	uint64_t event_at_us;           /* last kernel event here */
	ev_timer wake;                  /* backoff or retry: diff again then */
	struct nh_status_ns *st;        /* state and counters; NULL while not managed */
	struct engine *e;
};

struct engine {
	struct ev_loop *loop;
	const struct nh_run_options *opt;
	struct nh_policy policy;
	struct nh_monitor *mon;
	struct nh_world world;
	bool views_stale;
	struct nsrun **ns;
	size_t n_ns, cap_ns;
	struct nh_strmap ns_by_name;    /* name → struct nsrun */
	size_t n_dirty;
	struct nh_flap *flap;           /* flap damping per object */
	struct nh_retry *retry;         /* backoff of failed actions per object */
	struct nh_retry *once;          /* reports and audit drift: logged once per change */
	struct nh_metrics *metrics;
	struct nh_hooks_runner *hooks;
	struct nh_status status;
	ev_prepare prepare;
	ev_signal sighup, sigterm, sigint;
	ev_timer resync, watchdog, flush;
	ev_periodic clockwatch;
	uint64_t converge_start_us;     /* latency base of heals made by a full convergence */
	int exit_code;
};

/* ---- per-namespace bookkeeping ---- */

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents);

static struct nsrun *nsrun_get(struct engine *e, const char *name)
{
	struct nsrun *n = nh_strmap_get(&e->ns_by_name, name);

	if (n)
		return n;
	if (nh_grow(&e->ns, &e->cap_ns, e->n_ns + 1, sizeof(*e->ns)) < 0)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	nh_strlcpy(n->name, name, sizeof(n->name));
	if (nh_strmap_put(&e->ns_by_name, n->name, n) < 0) {
		free(n);
		return NULL;
	}
	n->e = e;
	ev_init(&n->wake, wake_cb);
	n->wake.data = n;
	e->ns[e->n_ns++] = n;
	return n;
}

static void flush_soon(struct engine *e);

/* The one place a namespace's state changes (dhcpleased's state_transition). */
static void state_transition(struct nsrun *n, enum nh_ns_state to)
{
	if (!n->st || n->st->state == to)
		return;
	nh_debug("netns %s: %s -> %s", *n->name ? n->name : "-",
		 nh_ns_state_to_string(n->st->state), nh_ns_state_to_string(to));
	n->st->state = to;
	flush_soon(n->e);
}

/* Managed namespaces have a status entry; others do not show up there. */
static void set_managed(struct nsrun *n, bool managed)
{
	struct engine *e = n->e;

	if (managed && !n->st) {
		n->st = nh_status_ns_get(&e->status, n->name, true);
		flush_soon(e);
	} else if (!managed && n->st) {
		nh_status_ns_remove(&e->status, n->name);
		nh_metrics_forget_netns(e->metrics, n->name);
		n->st = NULL;
		flush_soon(e);
	}
}

static void mark_dirty(struct engine *e, const char *name, uint64_t t_us, uint32_t port)
{
	struct nsrun *n = nsrun_get(e, name);

	if (!n)
		return;
	if (!n->dirty) {
		n->dirty = true;
		n->since_us = t_us;
		e->n_dirty++;
	}
	if (port)
		n->actor_port = port;
}

/* ---- logging helpers ---- */

static void rule_str(const struct nh_action *a, char *buf, size_t size)
{
	nh_origin_str(&a->rule, buf, size);
}

static void log_action(enum nh_event ev, const struct nh_action *a, long long latency_us,
		       const char *reason, const char *actor)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char rule[300];

	rule_str(a, rule, sizeof(rule));
	f.netns = a->netns;
	f.link = *a->link.name ? a->link.name : NULL;
	f.object = a->object;
	f.action = nh_action_name(a);
	f.latency_us = latency_us;
	f.reason = reason;
	f.rule = *rule ? rule : NULL;
	f.actor = actor;
	nh_log_event(ev, &f, "%s", a->drift);
}

/* ---- healing ---- */

/* Flap damping and retries are per object; "state:up" alone is not one. */
static void obj_key(const struct nh_action *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s %s", a->link.name, a->object);
}

static void arm_wake(struct nsrun *n, unsigned int delay_ms)
{
	double at = delay_ms / 1000.0;

	if (ev_is_active(&n->wake)) {
		double remaining = ev_timer_remaining(n->e->loop, &n->wake);

		if (remaining <= at)
			return;
		ev_timer_stop(n->e->loop, &n->wake);
	}
	ev_timer_set(&n->wake, at, 0.);
	ev_timer_start(n->e->loop, &n->wake);
}

static void hook_done(const struct nh_hook_result *r, void *ctx);

static void run_hook(struct engine *e, struct nsrun *n, char **argv, const char *event, const char *detail)
{
	if (!argv || !argv[0])
		return;
	if (nh_hook_run(e->hooks, argv, n->name, event, detail, e->policy.settings.hook_timeout,
			hook_done, e) < 0) {
		struct nh_log_fields f = NH_LOG_FIELDS_INIT;

		f.netns = n->name;
		f.action = argv[0];
		f.reason = "could not start";
		nh_log_event(NH_EV_HOOK_FAILED, &f, "hook %s for %s could not start", argv[0], event);
	}
}

static void hook_done(const struct nh_hook_result *r, void *ctx)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char reason[96];

	(void)ctx;
	f.netns = r->netns;
	f.action = r->program;
	if (r->timed_out)
		snprintf(reason, sizeof(reason), "killed after the hook timeout");
	else if (r->signal)
		snprintf(reason, sizeof(reason), "killed by signal %d", r->signal);
	else
		snprintf(reason, sizeof(reason), "exit status %d", r->exit_status);
	f.reason = reason;
	if (!r->timed_out && !r->signal && r->exit_status == 0)
		nh_log_event(NH_EV_HOOK_RUN, &f, "hook %s for %s ran", r->program, r->event);
	else
		nh_log_event(NH_EV_HOOK_FAILED, &f, "hook %s for %s failed: %s", r->program, r->event, reason);
}

static void add_detail(struct nsrun *n, const char *object)
{
	size_t len = strlen(n->healed_detail);

	if (len + strlen(object) + 2 >= sizeof(n->healed_detail))
		return;
	snprintf(n->healed_detail + len, sizeof(n->healed_detail) - len, "%s%s", len ? " " : "", object);
}

static void netns_created(struct engine *e, const char *name)
{
	struct nsrun *c = nsrun_get(e, name);
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char object[NH_NETNS_NAMSIZ + 8];

	if (c)
		c->created = true;
	snprintf(object, sizeof(object), "netns:%s", name);
	f.netns = name;
	f.object = object;
	nh_log_event(NH_EV_NETNS_CREATED, &f, "namespace %s created", name);
	e->views_stale = true;
}

/* A heal the kernel took: its record, metrics, and the status of n. */
static void count_heal(struct engine *e, struct nsrun *n, const struct nh_action *a, uint64_t latency)
{
	log_action(NH_EV_HEALED, a, (long long)latency, NULL, NULL);
	nh_metrics_heal(e->metrics, a->netns, a->object, latency);
	if (n && n->st)
		nh_status_heal(&e->status, n->st, a->object, nh_wall_ms());
	else
		e->status.heals++;
	if (a->type == NH_ACT_NETNS_CREATE)
		netns_created(e, a->netns);
}

static void heal_failed(struct engine *e, struct nsrun *n, const struct nh_action *a,
			const struct nh_result *res, uint64_t now_ms)
{
	const char *reason = *res->reason ? res->reason : strerror(-res->err);
	struct nh_retry_verdict v;
	char key[128], err[256];

	obj_key(a, key, sizeof(key));
	if (nh_retry_failed(e->retry, a->netns, key, res->err, reason, now_ms, &v) == 0 &&
	    nh_retry_change_logs(v.change))
		log_action(NH_EV_HEAL_FAILED, a, -1, reason, NULL);
	nh_metrics_heal_failed(e->metrics);
	n->failed_at_us = nh_now_us();
	snprintf(err, sizeof(err), "%.95s: %.150s", a->object, reason);
	if (n->st)
		nh_status_heal_failed(&e->status, n->st, err);
	arm_wake(n, (unsigned int)(v.delay_ms ? v.delay_ms : NH_RETRY_INITIAL_MS));
}

static void healed(struct engine *e, struct nsrun *n, const struct nh_action *a,
		   const struct nh_result *res, uint64_t since_us, uint64_t now_ms)
{
	uint64_t latency = res->acked_us > since_us ? res->acked_us - since_us : 0;
	struct nh_flap_verdict fv;
	struct nh_retry_verdict rv;
	char key[128], actor[128];

	obj_key(a, key, sizeof(key));
	nh_retry_succeeded(e->retry, a->netns, key, &rv);
	count_heal(e, n, a, latency);
	/* A delete-link is the first half of a re-create: the create counts. */
	if (a->type != NH_ACT_LINK_DELETE &&
	    nh_flap_record_heal(e->flap, a->netns, key, now_ms, &fv) == 0 && fv.became_flapping) {
		nh_actor_describe(e->mon, n->name, n->actor_port, actor, sizeof(actor));
		log_action(NH_EV_FLAPPING, a, -1, "healed too often: backing off", actor);
	}
	add_detail(n, a->object);
}

/* Heal one action, unless flap damping or a failure backoff says wait.
 * Returns true when the kernel took it. */
static bool heal_one(struct engine *e, struct nsrun *n, const struct nh_action *a, uint64_t now_us)
{
	/* Adopting a namespace we create marks it dirty again: keep the start. */
	uint64_t now_ms = now_us / 1000, since_us = n->since_us, delay;
	struct nh_result res;
	char key[128];

	obj_key(a, key, sizeof(key));
	delay = nh_flap_delay_ms(e->flap, a->netns, key, now_ms);
	/* A failed action waits for its backoff, or for the next kernel event
	 * in its namespace: that may be what it was waiting for (SPEC §4.5). */
	if (delay == 0 && n->event_at_us <= n->failed_at_us)
		delay = nh_retry_delay_ms(e->retry, a->netns, key, now_ms);
	if (delay > 0) {
		arm_wake(n, (unsigned int)delay);
		return false;
	}
	memset(&res, 0, sizeof(res));
	(void)nh_world_exec(&e->world, a, &res);
	if (res.err && !n->reread) {
		/* EEXIST, ENODEV, EINVAL on a link being deleted: most failures
		 * mean the kernel moved on before its events reached us. Read
		 * the namespace again and look once more before calling it a
		 * failure; the second time it is one (and backs off). */
		struct nh_ns *ns = nh_monitor_find(e->mon, a->netns);

		if (ns)
			(void)nh_ns_refresh(ns);
		n->reread = true;
		mark_dirty(e, n->name, now_us, 0);
		if (strcmp(a->netns, n->name) != 0)
			mark_dirty(e, a->netns, now_us, 0);
		return false;
	}
	if (res.err) {
		heal_failed(e, n, a, &res, now_ms);
		return false;
	}
	healed(e, n, a, &res, since_us, now_ms);
	return true;
}

/* A report (conflict, missing) or drift left alone in audit mode: logged
 * once, until it goes away. */
static void report(struct engine *e, struct nsrun *n, const struct nh_action *a, uint64_t now_ms)
{
	enum nh_event ev = NH_EV_DRIFT;
	struct nh_retry_verdict v;
	const char *why = a->drift;
	char key[128];

	if (a->type == NH_ACT_REPORT_CONFLICT)
		ev = NH_EV_CONFLICT;
	else if (a->type == NH_ACT_REPORT_MISSING && strncmp(a->object, "netns:", 6) == 0)
		ev = NH_EV_NETNS_MISSING;
	else if (!nh_action_is_report(a->type))
		why = "audit mode: not changed";
	obj_key(a, key, sizeof(key));
	if (nh_retry_failed(e->once, a->netns, key, -(int)a->type - 1, why, now_ms, &v) == 0 &&
	    nh_retry_change_logs(v.change))
		log_action(ev, a, -1, why, NULL);
	if (n->st && nh_action_is_report(a->type))
		nh_strlcpy(n->st->last_error, a->drift, sizeof(n->st->last_error));
}

static size_t view_of(struct engine *e, const char *name)
{
	ssize_t i;

	if (e->views_stale) {
		(void)nh_world_views(&e->world);
		e->views_stale = false;
	}
	i = nh_world_view_index(&e->world, name);
	return i < 0 ? (size_t)-1 : (size_t)i;
}

/* Reports and audit drift are logged once; once the namespace shows none,
 * forget them, so the next one is logged again. */
static void forget_reports(struct engine *e, const struct nsrun *n, const struct nh_plan *plan)
{
	for (size_t i = 0; i < plan->n; i++)
		if (nh_action_is_report(plan->actions[i].type) || nh_world_audit(&e->world, &plan->actions[i]))
			return;
	nh_retry_forget(e->once, n->name, NULL);
}

static void heal_netns(struct engine *e, struct nsrun *n)
{
	uint64_t now_us = nh_now_us();
	bool conflicts = false, missing = false, pending = false, audit = false, fixed = false;
	struct nh_ns *ns = nh_monitor_find(e->mon, n->name);
	const struct nh_netns_rule *rule;
	struct nh_plan plan;
	size_t idx;

	n->dirty = false;
	e->n_dirty--;
	/* Never heal from a partial view: wait for the re-read. */
	if (ns && !ns->have_valid)
		return;
	if (!nh_monitor_host(e->mon)->have_valid)
		return;
	idx = view_of(e, n->name);
	/* No view: gone, and no rule names it (it was only matched). */
	set_managed(n, idx != (size_t)-1 && e->world.views[idx].rule != NULL);
	if (!n->st)
		return;
	nh_plan_init(&plan);
	if (nh_diff_netns(e->world.views, e->world.n_views, idx, &plan) < 0) {
		nh_err("netns %s: out of memory computing the plan", n->name);
		mark_dirty(e, n->name, now_us, 0);
		goto out;
	}
	nh_plan_sort(&plan);
	forget_reports(e, n, &plan);
	n->healed_detail[0] = '\0';
	for (size_t i = 0; i < plan.n; i++) {
		const struct nh_action *a = &plan.actions[i];

		if (nh_action_is_report(a->type)) {
			report(e, n, a, now_us / 1000);
			conflicts |= a->type == NH_ACT_REPORT_CONFLICT;
			missing |= a->type == NH_ACT_REPORT_MISSING;
		} else if (nh_world_audit(&e->world, a)) {
			report(e, n, a, now_us / 1000);
			audit = true;
		} else if (heal_one(e, n, a, now_us)) {
			fixed = true;
		} else {
			pending = true;
		}
	}
	rule = e->world.views[idx].rule;
	if (n->created && !pending) {
		char what[NH_NETNS_NAMSIZ + 8];

		/* Built (or as built as it gets): tell whoever waits for it. */
		snprintf(what, sizeof(what), "netns:%s", n->name);
		run_hook(e, n, rule->hooks.on_create, "netns-created", what);
		n->created = false;
	}
	if (fixed) {
		run_hook(e, n, rule->hooks.on_heal, "healed", n->healed_detail);
		/* Our own changes come back as events; confirm with a fresh diff. */
		state_transition(n, NH_NS_HEALING);
	} else if (pending) {
		state_transition(n, ev_is_active(&n->wake) ? NH_NS_BACKOFF : NH_NS_DRIFTING);
	} else if (conflicts) {
		state_transition(n, NH_NS_CONFLICT);
	} else if (missing) {
		/* Something it may not create is not there (a link without
		 * kind, a create = false namespace): drift it waits out. */
		state_transition(n, NH_NS_DRIFTING);
	} else if (audit) {
		state_transition(n, NH_NS_AUDIT);
	} else {
		state_transition(n, NH_NS_CONVERGED);
	}
	if (!pending)
		n->reread = false;
	nh_metrics_set_drift(e->metrics, n->name, plan.n);
	(void)nh_world_learn_view(&e->world, idx);
out:
	nh_plan_free(&plan);
}

/* Before the loop sleeps: every namespace that events marked dirty. */
static void prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct engine *e = w->data;

	(void)loop;
	(void)revents;
	for (size_t i = 0; e->n_dirty && i < e->n_ns; i++)
		if (e->ns[i]->dirty)
			heal_netns(e, e->ns[i]);
}

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nsrun *n = w->data;

	(void)loop;
	(void)revents;
	mark_dirty(n->e, n->name, nh_now_us(), 0);
}

/* ---- monitor callbacks ---- */

static void mark_rule_dirty(struct engine *e, const struct nh_netns_rule *r, uint64_t t_us)
{
	if (!r->match) {       /* a named rule, or the host's (name "") */
		mark_dirty(e, r->name, t_us, 0);
		return;
	}
	for (size_t k = 1; k < nh_monitor_count(e->mon); k++) {
		struct nh_ns *ns = nh_monitor_at(e->mon, k);

		if (nh_world_rule_for(&e->world, ns->name) == r)
			mark_dirty(e, ns->name, t_us, 0);
	}
}

/* A link changed in netns that other namespaces' rules depend on (a
 * physical link in the host, a veth peer end): they must look again too. */
static void link_changed(struct engine *e, const char *netns, const char *link, uint64_t t_us)
{
	const struct nh_rule_list *l = nh_world_refs(&e->world, netns, link);

	for (size_t i = 0; l && i < l->n; i++)
		mark_rule_dirty(e, l->v[i], t_us);
}

/* A link appeared in netns that its own rule does not want: when another
 * namespace wants a link of that name, it may be one of its own that someone
 * moved here, and that namespace must look for it. */
static void foreign_link_appeared(struct engine *e, const char *netns, const char *link, uint64_t t_us)
{
	const struct nh_netns_rule *own = nh_world_rule_for(&e->world, netns);
	const struct nh_rule_list *l;

	if (own && nh_state_link_by_name(&own->want, link))
		return;
	l = nh_world_wanting(&e->world, link);
	for (size_t i = 0; l && i < l->n; i++)
		mark_rule_dirty(e, l->v[i], t_us);
}

/* Our own request sockets cause events too; those name no other actor. */
static bool own_port(struct engine *e, uint32_t port)
{
	if (!port)
		return false;
	for (size_t i = 0; i < nh_monitor_count(e->mon); i++)
		if (nh_monitor_at(e->mon, i)->req.portid == port)
			return true;
	return false;
}

static void on_event(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx)
{
	struct engine *e = ctx;
	struct nsrun *n;

	(void)m;
	nh_metrics_event(e->metrics);
	e->status.events++;
	mark_dirty(e, ns->name, ev->t_us, own_port(e, ev->actor_port) ? 0 : ev->actor_port);
	n = nsrun_get(e, ns->name);
	if (n)
		n->event_at_us = ev->t_us;
	if (ev->obj == NH_OBJ_LINK) {
		const char *was = nh_world_known_name(&e->world, ns->name, ev->link.ifindex);

		link_changed(e, ns->name, ev->link.name, ev->t_us);
		if (was && strcmp(was, ev->link.name) != 0)
			link_changed(e, ns->name, was, ev->t_us);       /* renamed */
		if (ev->type == RTM_NEWLINK)
			foreign_link_appeared(e, ns->name, ev->link.name, ev->t_us);
	}
}

static void on_netns_added(struct nh_monitor *m, struct nh_ns *ns, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	e->views_stale = true;
	mark_dirty(e, ns->name, nh_now_us(), 0);
}

static void on_netns_removed(struct nh_monitor *m, const char *name, void *ctx)
{
	struct engine *e = ctx;

	(void)m;
	e->views_stale = true;
	mark_dirty(e, name, nh_now_us(), 0);
	/* The veth peers it held died with it. */
	mark_dirty(e, "", nh_now_us(), 0);
}

static void on_resynced(struct nh_monitor *m, struct nh_ns *ns, const char *reason, void *ctx)
{
	struct engine *e = ctx;
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	(void)m;
	f.netns = ns->name;
	f.reason = reason;
	nh_log_event(NH_EV_RESYNC, &f, "namespace re-read: %s", reason);
	nh_metrics_resync(e->metrics, reason);
	e->status.resyncs++;
	mark_dirty(e, ns->name, nh_now_us(), 0);
}

static const struct nh_monitor_ops monitor_ops = {
	.netns_added = on_netns_added,
	.netns_removed = on_netns_removed,
	.event = on_event,
	.resynced = on_resynced,
};

/* ---- status, metrics, notify ---- */

static void flush_now(struct engine *e)
{
	char line[128];

	nh_status_summary(&e->status, line, sizeof(line));
	nh_notify_status("%s", line);
	if (nh_status_write(e->policy.settings.status_file, &e->status) < 0)
		nh_debug("could not write %s", e->policy.settings.status_file);
	if (*e->policy.settings.metrics_file &&
	    nh_metrics_write(e->metrics, e->policy.settings.metrics_file) < 0)
		nh_debug("could not write %s", e->policy.settings.metrics_file);
}

static void flush_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)revents;
	flush_now(w->data);
}

/* Status and metrics are written a moment after a change, not per heal. */
static void flush_soon(struct engine *e)
{
	if (!ev_is_active(&e->flush)) {
		ev_timer_set(&e->flush, 0.05, 0.);
		ev_timer_start(e->loop, &e->flush);
	}
}

/* ---- converge at start and after reload ---- */

static void converge_done(const struct nh_action *a, const struct nh_result *res, void *ctx)
{
	struct engine *e = ctx;

	if (res->err == 0 || res->err == -EEXIST) {
		/* At start and after a reload, latency counts from the start
		 * of the convergence. */
		uint64_t latency = res->acked_us > e->converge_start_us ? res->acked_us - e->converge_start_us : 0;
		struct nsrun *n = nsrun_get(e, a->netns);

		if (n)
			set_managed(n, true);
		count_heal(e, n, a, latency);
	} else {
		log_action(NH_EV_HEAL_FAILED, a, -1, *res->reason ? res->reason : strerror(-res->err), NULL);
	}
}

static void converge_skipped(const struct nh_action *a, const char *why, void *ctx)
{
	struct engine *e = ctx;

	/* Audit drift is logged (once) by the normal path right after. */
	if (!nh_world_audit(&e->world, a))
		log_action(NH_EV_DRIFT, a, -1, why, NULL);
}

static int converge_all(struct engine *e)
{
	static const struct nh_converge_ops ops = { converge_done, converge_skipped, NULL };
	int r;

	e->converge_start_us = nh_now_us();
	r = nh_converge(&e->world, &ops, e);
	e->views_stale = true;
	/* Whatever is left (reports, failures, audit) is handled, logged and
	 * retried by the normal path from here on. */
	for (size_t i = 0; i < nh_monitor_count(e->mon); i++)
		mark_dirty(e, nh_monitor_at(e->mon, i)->name, nh_now_us(), 0);
	for (size_t i = 0; i < e->policy.n_netns; i++)
		if (!e->policy.netns[i].match)
			mark_dirty(e, e->policy.netns[i].name, nh_now_us(), 0);
	return r;
}

/* ---- configuration ---- */

/* Every problem of a configuration as a log record naming FILE:LINE. */
static void log_diags(const struct nh_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct nh_log_fields f = NH_LOG_FIELDS_INIT;
		char rule[512];

		if (d->v[i].line)
			snprintf(rule, sizeof(rule), "%s:%u", d->v[i].file, d->v[i].line);
		else
			snprintf(rule, sizeof(rule), "%s", d->v[i].file);     /* the file as a whole */
		f.rule = rule;
		f.reason = d->v[i].msg;
		if (d->v[i].warning)
			nh_warn("%s: warning: %s", rule, d->v[i].msg);
		else
			nh_log_event(NH_EV_CONFIG_REJECTED, &f, "%s: error: %s", rule, d->v[i].msg);
	}
}

static int load_policy(const struct nh_run_options *opt, struct nh_policy *p)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load(opt->config, p, &d);

	log_diags(&d);
	nh_diags_free(&d);
	if (r < 0)
		return r;
	if (opt->netns_dir) {
		free(p->settings.netns_dir);
		p->settings.netns_dir = strdup(opt->netns_dir);
	}
	if (opt->status_file) {
		free(p->settings.status_file);
		p->settings.status_file = strdup(opt->status_file);
	}
	if (opt->audit)
		p->settings.mode = NH_MODE_AUDIT;
	if (!p->settings.netns_dir || !p->settings.status_file)
		return -ENOMEM;
	return 0;
}

static void log_config(enum nh_event ev, const char *config, const char *why)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.reason = why;
	nh_log_event(ev, &f, "configuration %s %s", config, ev == NH_EV_CONFIG_LOADED ? "loaded" : "rejected");
}

static void reload(struct engine *e)
{
	struct nh_policy next = { 0 };

	nh_notify_reloading();
	if (load_policy(e->opt, &next) < 0) {
		log_config(NH_EV_CONFIG_REJECTED, e->opt->config, "the old policy stays in force");
		nh_policy_free(&next);
		nh_notify_ready(NULL);
		return;
	}
	if (strcmp(next.settings.netns_dir, e->policy.settings.netns_dir) != 0)
		nh_warn("netns_dir changes only take effect on restart");
	nh_policy_free(&e->policy);
	e->policy = next;
	if (nh_world_set_policy(&e->world, &e->policy) < 0)
		nh_fatal("out of memory");
	nh_flap_free(e->flap);
	e->flap = nh_flap_new(&e->policy.settings.backoff);
	if (!e->flap)
		nh_fatal("out of memory");
	log_config(NH_EV_CONFIG_LOADED, e->opt->config, NULL);
	converge_all(e);
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

	(void)loop;
	(void)revents;
	for (size_t i = 0; i < nh_monitor_count(e->mon); i++) {
		struct nh_ns *ns = nh_monitor_at(e->mon, i);

		if (nh_ns_refresh(ns) == 0)
			on_resynced(e->mon, ns, "interval", e);
	}
}

static void watchdog_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	nh_notify_watchdog();
}

static void start_timers(struct engine *e)
{
	uint64_t wd_usec = 0;

	if (e->policy.settings.resync_interval) {
		double t = e->policy.settings.resync_interval;

		ev_timer_init(&e->resync, resync_cb, t, t);
		e->resync.data = e;
		ev_timer_start(e->loop, &e->resync);
	}
	if (nh_notify_watchdog_usec(&wd_usec) > 0 && wd_usec) {
		double t = wd_usec / 2e6;

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
	ev_signal_init(&e->sighup, sighup_cb, SIGHUP);
	ev_signal_init(&e->sigterm, sigterm_cb, SIGTERM);
	ev_signal_init(&e->sigint, sigterm_cb, SIGINT);
	e->sighup.data = e->sigterm.data = e->sigint.data = e;
	ev_signal_start(e->loop, &e->sighup);
	ev_signal_start(e->loop, &e->sigterm);
	ev_signal_start(e->loop, &e->sigint);
	ev_init(&e->flush, flush_cb);
	e->flush.data = e;
}

static void engine_free(struct engine *e)
{
	for (size_t i = 0; i < e->n_ns; i++) {
		ev_timer_stop(e->loop, &e->ns[i]->wake);
		free(e->ns[i]);
	}
	free(e->ns);
	nh_strmap_free(&e->ns_by_name);
	nh_world_free(&e->world);
	nh_monitor_free(e->mon);
	nh_hooks_runner_free(e->hooks);
	nh_metrics_free(e->metrics);
	nh_retry_free(e->retry);
	nh_retry_free(e->once);
	nh_flap_free(e->flap);
	nh_status_free(&e->status);
	nh_policy_free(&e->policy);
}

int nh_engine_run(const struct nh_run_options *opt)
{
	struct engine e = { .opt = opt, .exit_code = 1 };
	char line[128];
	int r;

	nh_log_init(opt->log, opt->verbose);
	signal(SIGPIPE, SIG_IGN);
	/* The default loop: hooks need its child watchers. */
	e.loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	if (!e.loop)
		nh_fatal("cannot start the event loop");
	if (load_policy(opt, &e.policy) < 0) {
		log_config(NH_EV_CONFIG_REJECTED, opt->config, "cannot start");
		return 1;
	}
	e.flap = nh_flap_new(&e.policy.settings.backoff);
	e.retry = nh_retry_new(NH_RETRY_INITIAL_MS, NH_RETRY_MAX_MS);
	e.once = nh_retry_new(NH_RETRY_INITIAL_MS, NH_RETRY_MAX_MS);
	e.metrics = nh_metrics_new();
	e.hooks = nh_hooks_runner_new(e.loop);
	nh_status_init(&e.status, getpid(), nh_wall_ms());
	if (!e.flap || !e.retry || !e.once || !e.metrics || !e.hooks) {
		nh_err("out of memory");
		goto out;
	}
	/* No event sockets while building: see nh_monitor_attach. */
	r = nh_monitor_new(NULL, e.policy.settings.netns_dir, &monitor_ops, &e, &e.mon);
	if (r < 0) {
		nh_log_errno(NH_ERR, r, "cannot watch the namespaces in %s", e.policy.settings.netns_dir);
		goto out;
	}
	if (opt->rcvbuf)
		(void)nh_monitor_set_rcvbuf(e.mon, opt->rcvbuf);
	r = nh_world_init(&e.world, &e.policy, e.mon);
	if (r < 0) {
		nh_log_errno(NH_ERR, r, "cannot build the world view");
		goto out;
	}
	log_config(NH_EV_CONFIG_LOADED, opt->config, NULL);
	nh_log_event(NH_EV_STARTED, NULL, "netheal %s started, mode %s", NETHEAL_VERSION,
		     nh_mode_to_string(e.policy.settings.mode));
	start_watchers(&e);
	converge_all(&e);
	r = nh_monitor_attach(e.mon, e.loop);
	if (r < 0) {
		nh_log_errno(NH_ERR, r, "cannot watch the namespaces in %s", e.policy.settings.netns_dir);
		goto out;
	}
	e.views_stale = true;
	start_timers(&e);
	nh_status_summary(&e.status, line, sizeof(line));
	nh_notify_ready(line);
	flush_now(&e);
	ev_run(e.loop, 0);
out:
	engine_free(&e);
	return e.exit_code;
}
