/*
 * The executor and the intake of the service core (service/core.h says what
 * it does). A heal pass: take the dirty namespaces, diff each into one
 * plan, sort it, run each action through one set of rules, then settle each
 * namespace's state.
 */
#include "core_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "policy/kind.h"
#include "service/status.h"

static const char *const resync_names[NH_RESYNC__COUNT] = {
	[NH_RESYNC_INTERVAL] = "interval",
	[NH_RESYNC_OVERRUN] = "overrun",
	[NH_RESYNC_DUMP_INTERRUPTED] = "dump-interrupted",
	[NH_RESYNC_RETRY] = "retry",
	[NH_RESYNC_NSID] = "nsid",
	[NH_RESYNC_OTHER] = "other",
};

const char *nh_resync_reason_to_string(enum nh_resync_reason r)
{
	return (unsigned)r < NH_RESYNC__COUNT ? resync_names[r] : "other";
}

enum nh_resync_reason nh_resync_reason_from_string(const char *s)
{
	for (int r = 0; r < NH_RESYNC_OTHER; r++)
		if (s && strcmp(s, resync_names[r]) == 0)
			return (enum nh_resync_reason)r;
	return NH_RESYNC_OTHER;
}

/* ---- records ---------------------------------------------------------------- */

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents);

/* ---- scope: what changed since a namespace's last diff (service/netns.h) ---- */

static bool scope_kept(const struct nh_netns_rule *r)
{
	return r && r->refs_known && r->want.n_links >= NH_SCOPE_MIN_LINKS;
}

/* Give ns its rule, and a scope when the rule is large: whole, for the
 * first diff under it. Out of memory, it has none: it is diffed whole. */
static void set_rule(struct nh_netns *ns, const struct nh_netns_rule *rule)
{
	ns->rule = rule;
	if (!scope_kept(rule)) {
		free(ns->scope);
		ns->scope = NULL;
		return;
	}
	if (!ns->scope && !(ns->scope = calloc(1, sizeof(*ns->scope))))
		return;
	ns->scope->n = 0;
	ns->scope->whole = true;
}

static void scope_add(struct nh_netns *ns, const char *link)
{
	struct nh_scope *s = ns->scope;

	if (!s || s->whole)
		return;
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->links[i], link) == 0)
			return;
	if (s->n == NH_SCOPE_MAX || nh_strlcpy(s->links[s->n], link, sizeof(s->links[0])) < 0) {
		s->whole = true;
		return;
	}
	s->n++;
}

static struct nh_netns *record_get(struct nh_core *c, const char *name)
{
	struct nh_netns *ns;

	HASH_FIND_STR(c->by_name, name, ns);
	return ns;
}

/* The record of name, made when missing. NULL on ENOMEM or a bad name. */
static struct nh_netns *record_make(struct nh_core *c, const char *name)
{
	struct nh_netns *ns = record_get(c, name);

	if (ns)
		return ns;
	ns = calloc(1, sizeof(*ns));
	if (!ns)
		return NULL;
	if (nh_strlcpy(ns->name, name, sizeof(ns->name)) < 0 || NH_HASH_ADD(c->by_name, name, ns) < 0) {
		free(ns);
		return NULL;
	}
	ns->core = c;
	ns->view = SIZE_MAX;
	ns->shown = ++c->shown_seq;
	set_rule(ns, nh_world_rule_for(&c->world, name));
	ev_init(&ns->wake, wake_cb);
	ns->wake.data = ns;
	c->views_stale = c->sorted_stale = true;
	core_changed(c);
	return ns;
}

static void record_free(struct nh_core *c, struct nh_netns *ns)
{
	if (c->cfg.loop)
		ev_timer_stop(c->cfg.loop, &ns->wake);
	if (ns->obs)
		ns->obs->user = NULL;
	nh_netns_forget_objs(ns);
	nh_world_forget(&c->world, ns->name, ns->rule);
	HASH_DEL(c->by_name, ns);
	if (ns->view < c->world.n_views)
		c->world.views[ns->view].tag = NULL;    /* another record may get its address */
	free(ns->scope);
	free(ns);
	c->views_stale = c->sorted_stale = true;
	core_changed(c);
}

/* A record is kept while the namespace exists, a rule names it, or it is
 * the host; a matched namespace that went is forgotten, so namespaces that
 * come and go do not pile up in status and metrics. */
static bool record_needed(const struct nh_netns *ns)
{
	return ns->obs || ns->unwatched || !ns->name[0] || (ns->rule && !ns->rule->match);
}

/* ---- dirty ------------------------------------------------------------------ */

/* Put ns on the dirty list, to diff what its scope says. */
static void enlist(struct nh_netns *ns, uint64_t t_us)
{
	struct nh_core *c = ns->core;

	if (ns->dirty)
		return;
	ns->dirty = true;
	ns->since_us = t_us;
	ns->next_dirty = c->dirty;
	c->dirty = ns;
}

/* Anything may have changed in ns: diff it whole. */
static void mark_dirty(struct nh_netns *ns, uint64_t t_us)
{
	if (ns->scope)
		ns->scope->whole = true;
	enlist(ns, t_us);
}

/* Only link may have changed in ns, and what a diff of part of it reads
 * whole (its addresses, routes, sysctls, rules, neighbours, and the links
 * they name); link NULL: only those. */
static void mark_part(struct nh_netns *ns, const char *link, uint64_t t_us)
{
	if (link)
		scope_add(ns, link);
	enlist(ns, t_us);
}

/* Something it may be waiting for happened: heal it now, past its retry
 * backoff (SPEC §4.5, §4.6). */
static void wake(struct nh_netns *ns, uint64_t t_us)
{
	ns->event_us = t_us;
	mark_dirty(ns, t_us);
}

static void wake_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nh_netns *ns = w->data;

	(void)loop;
	(void)revents;
	ns->wake_at_us = 0;
	mark_dirty(ns, core_now_us(ns->core));
}

/* Every record that the rule r governs. */
static void wake_rule(struct nh_core *c, const struct nh_netns_rule *r, uint64_t t_us)
{
	struct nh_netns *ns, *tmp;

	if (!r->match) {
		ns = record_get(c, r->name);
		if (ns)
			wake(ns, t_us);
		return;
	}
	HASH_ITER(hh, c->by_name, ns, tmp)
		if (ns->rule == r)
			wake(ns, t_us);
}

static void wake_list(struct nh_core *c, const struct nh_rule_list *l, uint64_t t_us)
{
	for (size_t i = 0; l && i < l->n; i++)
		wake_rule(c, l->v[i], t_us);
}

/* Back to the dirty list: what they waited for was read. They keep the
 * time of their first event. */
static void requeue_waiting(struct nh_core *c)
{
	for (size_t i = 0; i < c->n_waiting; i++) {
		struct nh_netns *ns = c->waiting[i];

		ns->waiting = false;
		ns->next_dirty = c->dirty;
		c->dirty = ns;
	}
	c->n_waiting = 0;
}

void nh_core_mark_all(struct nh_core *c, uint64_t t_us)
{
	struct nh_netns *ns, *tmp;

	HASH_ITER(hh, c->by_name, ns, tmp)
		if (ns->rule)
			mark_dirty(ns, t_us);
}

bool nh_core_pending(const struct nh_core *c)
{
	return c->dirty != NULL;
}

/* ---- views ------------------------------------------------------------------ */

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const struct nh_netns *const *)a)->name, (*(const struct nh_netns *const *)b)->name);
}

static bool view_wanted(const struct nh_netns *ns)
{
	return !ns->unwatched && record_needed(ns);
}

static int view_add(struct nh_core *c, struct nh_netns *ns)
{
	const struct nh_state *have = ns->obs && ns->obs->valid ? &ns->obs->have : NULL;

	return nh_world_view_add(&c->world, ns->name, ns->rule, have, ns);
}

/* Where ns goes among the n records of kept (in name order). */
static size_t place(struct nh_netns *const *kept, size_t n, const struct nh_netns *ns)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(kept[mid]->name, ns->name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The views again, in name order, without a sort of them all: the records
 * that had a view keep their order (the views were sorted) and those that
 * had none are placed among them. At 10,000 namespaces a namespace that
 * comes back sorted 10,000 views (milliseconds of strcmp) each time.
 */
static int rebuild_views(struct nh_core *c)
{
	size_t n_old = c->world.n_views, n_kept = 0, n_fresh = 0, cap_fresh = 0, i = 0;
	struct nh_netns **kept = calloc(n_old + 1, sizeof(*kept)), **fresh = NULL;
	struct nh_netns *ns, *tmp;
	int r = kept ? 0 : -ENOMEM;

	HASH_ITER(hh, c->by_name, ns, tmp) {
		if (r < 0)
			break;
		if (!view_wanted(ns))
			ns->view = SIZE_MAX;
		else if (ns->view < n_old && c->world.views[ns->view].tag == ns)
			kept[ns->view] = ns;
		else if ((r = nh_grow(&fresh, &cap_fresh, n_fresh + 1, sizeof(*fresh))) == 0)
			fresh[n_fresh++] = ns;
	}
	if (r < 0)
		goto out;
	for (size_t j = 0; j < n_old; j++)
		if (kept[j])
			kept[n_kept++] = kept[j];
	if (n_fresh)
		qsort(fresh, n_fresh, sizeof(*fresh), by_name);
	nh_world_views_begin(&c->world);
	for (size_t j = 0; j < n_fresh && r == 0; j++) {
		size_t at = place(kept, n_kept, fresh[j]);

		for (; i < at && r == 0; i++)
			r = view_add(c, kept[i]);
		if (r == 0)
			r = view_add(c, fresh[j]);
	}
	for (; i < n_kept && r == 0; i++)
		r = view_add(c, kept[i]);
	if (r < 0)
		goto out;
	nh_world_views_end(&c->world);
	for (size_t j = 0; j < c->world.n_views; j++)
		((struct nh_netns *)c->world.views[j].tag)->view = j;
	c->views_stale = false;
out:
	free(kept);
	free(fresh);
	return r;
}

/* ns's view shows its record as it is now (its state, its rule): set in
 * place when it has one it keeps, else the views are rebuilt before the
 * next diff. */
static void view_changed(struct nh_core *c, struct nh_netns *ns)
{
	struct nh_view *v = ns->view < c->world.n_views ? &c->world.views[ns->view] : NULL;

	if (c->views_stale || !v || v->tag != ns || !view_wanted(ns)) {
		c->views_stale = true;
		return;
	}
	v->have = ns->obs && ns->obs->valid ? &ns->obs->have : NULL;
	v->rule = ns->rule;
}

/* Views hold have pointers only for valid states. */
static void validity_changed(struct nh_core *c, struct nh_netns *ns)
{
	if (ns->view < c->world.n_views && ns->obs &&
	    (c->world.views[ns->view].have != NULL) != ns->obs->valid)
		view_changed(c, ns);
}

/* ---- the kernel seam ---------------------------------------------------------- */

static int kernel_reread(struct nh_core *c, const char *netns)
{
	struct nh_netns *ns = record_get(c, netns);
	int r;

	if (!ns || !ns->obs || !c->cfg.kernel->reread)
		return 0;
	r = c->cfg.kernel->reread(c->cfg.kernel_ctx, netns);
	validity_changed(c, ns);
	/* a change the read took in comes as a repeated event, which names
	 * no link: its next diff is whole, now */
	if (r == 0 && ns->scope)
		mark_dirty(ns, core_now_us(c));
	return r;
}

static void actor_of(struct nh_core *c, const char *netns, uint32_t port, char *buf, size_t size)
{
	if (!port) {
		nh_strcpy_cut(buf, size, "kernel");
		return;
	}
	if (c->cfg.kernel->actor)
		c->cfg.kernel->actor(c->cfg.kernel_ctx, netns, port, buf, size);
	else
		snprintf(buf, size, "port:%" PRIu32, port);
}

static bool own_port(const struct nh_core *c, uint32_t port)
{
	return port && c->cfg.kernel->own_port && c->cfg.kernel->own_port(c->cfg.kernel_ctx, port);
}

/* ---- one pass ---------------------------------------------------------------- */

/* A namespace diffed in this pass, and what became of its actions. */
struct owner {
	struct nh_netns *ns;
	struct nh_scope *part;          /* its scope when taken (owned), or NULL: diff it whole */
	bool diffed_part;               /* the diff was of that part */
	size_t n_actions;
	bool fixed, pending, conflicts, missing, audit;
	bool waits;             /* pending on more than failures: a link it needs, a re-read */
	bool stale;                     /* a failure sent it to be read again: its other actions wait */
	uint64_t wake_ms;               /* the earliest time one of its waiting actions is due */
	char detail[256];               /* the objects healed, for on_heal */
};

/* An earlier failure blocks what depends on it in the same pass:
 * everything in a namespace that could not be created, everything on a
 * link that could not be made. */
struct failure {
	enum nh_action_type type;
	const char *netns;
	const char *link;
	bool blocks_link;
	bool failed;                            /* it failed (not: it waits for something) */
	const struct nh_prefix *prefix;         /* an address not added: routes through it wait too */
	bool link_down;                         /* link not set up: routes on it or through its addresses wait
						 * (the kernel refuses a gateway it cannot reach) */
	uint64_t retry_ms;                      /* when it will be tried again; 0: not on its own */
};

/* A namespace a converging pass changed: a set by name, iterated in the
 * order first touched (uthash keeps it). A set, not a list searched: a
 * cold start at 1000 namespaces touches 1000 in 11,000 actions. */
struct touched {
	UT_hash_handle hh;
	char name[];
};

struct pass {
	struct owner *owners;
	size_t n_owners, cap_owners;
	struct nh_plan plan;
	struct failure *fails;
	size_t n_fails, cap_fails;
	struct touched *touched;                /* converging: namespaces to read again */
	size_t executed;
};

static void pass_free(struct pass *p)
{
	struct touched *t, *tmp;

	for (size_t i = 0; i < p->n_owners; i++)
		free(p->owners[i].part);
	free(p->owners);
	nh_plan_free(&p->plan);
	free(p->fails);
	HASH_ITER(hh, p->touched, t, tmp) {
		HASH_DEL(p->touched, t);
		free(t);
	}
}

static bool link_action(enum nh_action_type t)
{
	return t == NH_ACT_LINK_CREATE || t == NH_ACT_LINK_MOVE || t == NH_ACT_LINK_RENAME ||
	       t == NH_ACT_LINK_DELETE;
}

static const struct failure *blocked_by(const struct pass *p, const struct nh_action *a)
{
	for (size_t i = 0; i < p->n_fails; i++) {
		const struct failure *f = &p->fails[i];

		if (strcmp(f->netns, a->netns) != 0)
			continue;
		if (f->type == NH_ACT_NETNS_CREATE)
			return f;
		if (f->blocks_link && strcmp(f->link, a->link.name) == 0)
			return f;
		/* a port waits for its bridge (its create deferred or failed) */
		if (f->blocks_link && a->type == NH_ACT_LINK_SET_MASTER && strcmp(f->link, a->link.master) == 0)
			return f;
		if (f->prefix && a->type == NH_ACT_ROUTE_ADD && (a->route.has & NH_ROUTE_HAS_VIA) &&
		    nh_prefix_contains(f->prefix, &a->route.via))
			return f;
		if (f->link_down && a->type == NH_ACT_ROUTE_ADD && a->route.dev[0] && strcmp(a->route.dev, f->link) == 0)
			return f;
	}
	return NULL;
}

static struct failure *failure_add(struct pass *p, const struct nh_action *a, uint64_t retry_ms)
{
	struct failure *f;

	if (nh_grow(&p->fails, &p->cap_fails, p->n_fails + 1, sizeof(*p->fails)) < 0)
		return NULL;
	f = &p->fails[p->n_fails++];
	memset(f, 0, sizeof(*f));
	f->type = a->type;
	f->netns = a->netns;
	f->link = a->link.name;
	f->retry_ms = retry_ms;
	return f;
}

/* The action points into p->plan, which outlives p->fails, the policy's
 * addresses into the policy, which outlives the pass. What it blocks is
 * looked at again when it is tried again (retry_ms from now). */
static int record_failure(struct nh_core *c, struct pass *p, const struct nh_action *a, uint64_t retry_ms,
			  bool failed)
{
	struct failure *f = failure_add(p, a, retry_ms);
	const struct nh_netns *ns;

	if (!f)
		return -ENOMEM;
	f->failed = failed;
	f->blocks_link = link_action(a->type);
	f->prefix = a->type == NH_ACT_ADDR_ADD ? &a->addr.prefix : NULL;
	if (a->type == NH_ACT_LINK_CREATE && nh_kind_has(a->link.kind, NH_KIND_PAIR) &&
	    (a->link.has & NH_LINK_HAS_PEER)) {
		/* the peer end is made by the same request: it waits too */
		f = failure_add(p, a, retry_ms);
		if (!f)
			return -ENOMEM;
		f->netns = a->link.peer_netns;
		f->link = a->link.peer_name;
		f->blocks_link = true;
		f->failed = failed;
	}
	if (a->type != NH_ACT_LINK_SET_UP || !a->link.up)
		return 0;
	/* a link left down: its addresses' prefixes are not reachable */
	f->link_down = true;
	ns = record_get(c, a->netns);
	if (!ns || !ns->rule)
		return 0;
	for (size_t i = 0; i < ns->rule->want.n_addrs; i++) {
		const struct nh_address *ad = &ns->rule->want.addrs[i];

		if (strcmp(ad->link, a->link.name) != 0)
			continue;
		f = failure_add(p, a, retry_ms);
		if (!f)
			return -ENOMEM;
		f->link_down = true;
		f->prefix = &ad->prefix;
	}
	return 0;
}

static int touch(struct pass *p, const char *name)
{
	size_t len = strlen(name);
	struct touched *t;

	HASH_FIND(hh, p->touched, name, len, t);
	if (t)
		return 0;
	t = malloc(sizeof(*t) + len + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t->name, name, len + 1);
	if (NH_HASH_ADD(p->touched, name, t) < 0) {
		free(t);
		return -ENOMEM;
	}
	return 0;
}

/* The namespaces an action changes. */
static int touch_action(struct pass *p, const struct nh_action *a)
{
	int r = touch(p, a->netns);

	if (r == 0 && a->type == NH_ACT_LINK_MOVE)
		r = touch(p, a->from_netns);
	if (r == 0 && nh_kind_has(a->link.kind, NH_KIND_PAIR) && (a->link.has & NH_LINK_HAS_PEER))
		r = touch(p, a->link.peer_netns);
	if (r == 0 && nh_kind_has(a->link.kind, NH_KIND_PARENT_IN_HOST))
		r = touch(p, "");
	return r;
}

static void outcome(struct nh_core *c, const struct nh_action *a, const struct nh_outcome_info *o)
{
	if (c->cfg.reporter.outcome)
		c->cfg.reporter.outcome(c->cfg.reporter.ctx, a, o);
}

/* Something of o's namespace is tried again in ms (0: when woken); failed:
 * because it failed (and will again, as far as can be told), not because
 * it waits for something that may come. */
static void wait_ms(struct owner *o, uint64_t ms, bool failed)
{
	o->pending = true;
	o->waits |= !failed;
	if (ms && (!o->wake_ms || ms < o->wake_ms))
		o->wake_ms = ms;
}

/* The record where an action's object lives (made when missing). */
static struct nh_netns *object_ns(struct nh_core *c, const struct nh_action *a)
{
	return record_make(c, a->netns);
}

/* A report (conflict, missing) or drift left alone in audit mode: logged
 * once, until it changes or goes away. */
static void report(struct nh_core *c, struct owner *o, const struct nh_action *a, bool audit)
{
	struct nh_outcome_info info = { .type = audit ? NH_OUT_SKIPPED : NH_OUT_REPORT, .latency_us = -1 };
	struct nh_netns *ns = object_ns(c, a);
	struct nh_tracked *obj;
	char key[NH_OBJECT_KEYSIZ], what[320];
	uint32_t hash;

	info.why = audit ? "audit mode: not changed" : a->drift;
	snprintf(what, sizeof(what), "%s %s", nh_action_name(a), a->drift);
	hash = nh_report_hash(what);
	obj = ns ? nh_netns_tracked(ns, nh_action_key(a, key, sizeof(key)), true) : NULL;
	info.log = !obj || obj->reported != hash;
	if (obj) {
		obj->reported = hash;
		obj->reported_pass = c->pass;
	}
	outcome(c, a, &info);
	if (audit) {
		o->audit = true;
		return;
	}
	o->conflicts |= a->type == NH_ACT_REPORT_CONFLICT;
	o->missing |= a->type == NH_ACT_REPORT_MISSING;
	/* a failure waiting for its retry is what explains a backoff */
	if (!o->ns->last_error_failed && strcmp(o->ns->last_error, a->drift) != 0) {
		snprintf(o->ns->last_error, sizeof(o->ns->last_error), "%s", a->drift);
		netns_shown_changed(o->ns);
	}
}

/* SPEC §4.7: a create the kernel acknowledged must have made the object
 * under the policy's name (the kernel renames "br%d" itself, for one).
 * A link of a's kind that was not in a's namespace before the action and
 * is there now under another name: the kernel, a udev rule or another tool
 * renamed what netheal made a moment ago. Its index, or 0. The view before
 * the action is the core's (events are read between passes); the namespace
 * is read again here. */
static int made_under_another_name(struct nh_core *c, const struct nh_action *a)
{
	struct nh_netns *ns = record_get(c, a->netns);
	const struct nh_state *s;
	int found = 0, *before;
	size_t n = 0;

	if (!ns || !ns->obs || !ns->obs->valid)
		return 0;
	s = &ns->obs->have;
	before = calloc(s->n_links ? s->n_links : 1, sizeof(*before));
	if (!before)
		return 0;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].kind == a->link.kind)
			before[n++] = s->links[i].ifindex;
	if (kernel_reread(c, a->netns) == 0 && ns->obs && ns->obs->valid) {
		s = &ns->obs->have;
		for (size_t i = 0; i < s->n_links && !found; i++) {
			const struct nh_link *l = &s->links[i];
			bool old = false;

			if (l->kind != a->link.kind || strcmp(l->name, a->link.name) == 0)
				continue;
			for (size_t j = 0; j < n && !old; j++)
				old = before[j] == l->ifindex;
			if (!old)
				found = l->ifindex;
		}
	}
	free(before);
	return found;
}

/*
 * SPEC §4.7: a create or move the kernel acknowledged whose link does not
 * then exist under the policy's name is a failure. 0: it is there (or it
 * cannot be told: the events will show). -ENODEV otherwise, either way
 * tried again: made under another name (found by made_under_another_name),
 * it is remembered as the managed link, so the next diff renames it back
 * (SPEC §4.2) and makes no other; gone (its namespace deleted or replaced
 * meanwhile), it is made again.
 */
static int verify(struct nh_core *c, const struct nh_action *a, struct nh_result *res)
{
	const char *what = a->type == NH_ACT_LINK_CREATE ? "link" : "moved link";
	int ifindex;

	if ((a->type != NH_ACT_LINK_CREATE && a->type != NH_ACT_LINK_MOVE) || !c->cfg.kernel->link_exists)
		return 0;
	if (c->cfg.kernel->link_exists(c->cfg.kernel_ctx, a->netns, a->link.name) != 0)
		return 0;       /* there, or cannot tell */
	res->err = -ENODEV;
	ifindex = made_under_another_name(c, a);
	if (ifindex > 0 && nh_world_learn_link(&c->world, a->netns, a->link.name, ifindex) == 0) {
		snprintf(res->reason, sizeof(res->reason), "the kernel acknowledged the %s but %s %s is there "
			 "under another name (index %d): renamed back, not made again", nh_action_name(a), what,
			 a->link.name, ifindex);
		return -ENODEV;
	}
	snprintf(res->reason, sizeof(res->reason), "the kernel acknowledged the %s but %s %s was gone right "
		 "after (its namespace changed meanwhile?)", nh_action_name(a), what, a->link.name);
	return -ENODEV;
}

/* The first failure since the namespace was last healed whole may come
 * from a view the kernel already changed (SPEC §4.8): read the namespaces
 * the action involves again and heal it again at once, without a word. */
static void stale(struct nh_core *c, struct owner *o, const struct nh_action *a)
{
	const char *involved[4];
	size_t n = 0;

	involved[n++] = a->netns;
	if (a->type == NH_ACT_LINK_MOVE)
		involved[n++] = a->from_netns;
	if (nh_kind_has(a->link.kind, NH_KIND_PAIR) && (a->link.has & NH_LINK_HAS_PEER))
		involved[n++] = a->link.peer_netns;
	else if (nh_kind_has(a->link.kind, NH_KIND_PARENT_IN_HOST))
		involved[n++] = "";
	if (strcmp(o->ns->name, a->netns) != 0)
		involved[n++] = o->ns->name;
	for (size_t i = 0; i < n; i++)
		if (kernel_reread(c, involved[i]) < 0)
			nh_debug("netns %s: read again failed; the monitor keeps trying",
				 *involved[i] ? involved[i] : "-");
	o->ns->reread = true;
	o->stale = true;
}

/* Tries (backoff growing from NH_RETRY_INITIAL_MS) an action waits for a
 * link it needs before that is a failure of its own. */
#define ABSENT_WAITS 4
/* How long an action that found its link gone waits for that link's
 * events before the namespace is read again (ms). */
#define VANISH_WAIT_MS 50

static void failed(struct nh_core *c, struct pass *p, struct owner *o, const struct nh_action *a,
		   struct nh_tracked *obj, const char *key, struct nh_result *res, uint64_t now_us)
{
	struct nh_outcome_info info = { .type = NH_OUT_FAILED, .res = res, .latency_us = -1 };
	struct nh_netns *ns = object_ns(c, a);
	struct nh_retry_verdict v = { 0 };
	char err[320];

	info.why = res->reason[0] ? res->reason : strerror(-res->err);
	if (!obj && ns && res->absent)
		obj = nh_netns_tracked(ns, key, true);
	if (res->absent && obj && obj->retry.attempts < ABSENT_WAITS) {
		/* a link it needs (its master, its parent) is not there: it
		 * waits for it, woken when it appears (world.c's dependents, or
		 * any event in its namespace), else after a growing delay; a
		 * heal-failed only once that has lasted (a bridge someone
		 * deletes is back a moment later; a master no one makes is
		 * worth saying) */
		struct nh_outcome_info w = { .type = NH_OUT_SKIPPED, .blocked = true, .latency_us = -1,
					     .why = info.why };

		outcome(c, a, &w);
		nh_retry_failed(&obj->retry, res->err, info.why, now_us / 1000, &v);
		wait_ms(o, v.delay_ms, false);
		if (record_failure(c, p, a, v.delay_ms, false) < 0)
			nh_err("out of memory recording a wait");
		return;
	}
	if (res->err == -ENODEV && !res->absent && !o->ns->reread && !o->ns->vanishing) {
		/* The link it acts on is going: the kernel closes a link
		 * (RTM_NEWLINK, down) before it deletes it (RTM_DELLINK after
		 * an RCU grace period), and a veth's peer goes with it. Its
		 * events are on the way: wait for them a moment before reading
		 * everything again. (A dump of a host with 1000 veth ends costs
		 * the kernel ~50 ms: a peernet2id walk for every peer.) */
		o->ns->vanishing = true;
		wait_ms(o, VANISH_WAIT_MS, false);
		if (record_failure(c, p, a, VANISH_WAIT_MS, false) < 0)
			nh_err("out of memory recording a failure");
		return;
	}
	if (!o->ns->reread) {
		/* what needs it waits for the pass right after the re-read */
		if (record_failure(c, p, a, NH_RETRY_INITIAL_MS, false) < 0)
			nh_err("out of memory recording a failure");
		stale(c, o, a);
		return;
	}
	if (!obj && ns)
		obj = nh_netns_tracked(ns, key, true);
	if (obj) {
		nh_retry_failed(&obj->retry, res->err, info.why, now_us / 1000, &v);
		/* It failed after a re-read, and again after a backoff: it
		 * persists. Then once per change. */
		info.log = v.attempts >= 2 &&
			   (!obj->failure_logged || v.change == NH_RETRY_NEW_FAILURE);
		obj->failure_logged |= info.log;
	} else {
		info.log = true;
		v.delay_ms = NH_RETRY_MAX_MS;
	}
	o->ns->failed_us = now_us;
	c->totals.heal_failures++;
	snprintf(err, sizeof(err), "%.95s: %.200s", a->object, info.why);
	if (ns)
		nh_netns_count_failure(ns, err);
	outcome(c, a, &info);
	wait_ms(o, v.delay_ms, true);
	if (record_failure(c, p, a, v.delay_ms, true) < 0)
		nh_err("out of memory recording a failure");
}

/* obj's removal, and who made it, is over. */
static void removal_over(struct nh_tracked *obj)
{
	obj->removed = false;
	obj->secondary_of = 0;
}

/* Whether obj's removal was the kernel's doing, along with another
 * change (SPEC §5.4: its heal is its cause's). */
static bool kernels_removal(const struct nh_tracked *obj)
{
	return obj && obj->removed && obj->removed_by == 0;
}

/* obj is as the policy wants it again: its retry and removal are over. */
static void object_back(struct nh_tracked *obj)
{
	struct nh_retry_verdict rv;

	if (!obj)
		return;
	nh_retry_succeeded(&obj->retry, &rv);
	removal_over(obj);
	obj->failure_logged = false;
}

/*
 * Who removed an IPv6 address. RTM_DELADDR names no requester for IPv6
 * (inet6_ifa_notify sends port 0 for `ip -6 addr del` too). The kernel
 * removes every IPv6 address of a link (addrconf_ifdown) when the link goes
 * down (unless keep_addr_on_down), is deleted or moved: after the link's
 * own RTM_NEWLINK, so the view the event is applied to has the link down or
 * gone. It does the same with the link left up when IPv6 is disabled on it
 * (disable_ipv6, an MTU below 1280, a VRF taking or releasing it), and then
 * the link's own link-local (or, on lo, ::1) address goes too, after the
 * others (the list is in scope order).
 *
 * At the event: the kernel's (0) when the link is down or gone; else told
 * by the first pass after it (NH_ACTOR_IPV6, settle_remover), once the
 * removal's events are all read (an IPv6 address's removal is never
 * healed alone: monitor/events.c lone_change): the kernel's when the
 * link's MTU is below 1280, or when its link-local or loopback address
 * went at or after the removal, within a second of it, with the link not
 * set down in between (v6_flushed_after); else someone's
 * (NH_ACTOR_UNKNOWN). A link-local that went before the removal was an
 * earlier flush's (a flap), whatever came back since: a process deleting
 * the address right after a flap is damped. A link up at the removal and
 * down or gone by the pass went so after it (`ip addr del; ip link set
 * down`, read in one batch): that down's flush is not the removal's. A
 * process that removes them all (`ip addr flush`) is taken for the
 * kernel: not damped.
 */
#define V6_FLUSH_WINDOW_US 1000000

static bool ipv6_witness(const struct nh_prefix *p)
{
	static const uint8_t loopback[16] = { [15] = 1 };

	return p->family == AF_INET6 && (nh_ip_is_link_local6(p) || memcmp(p->addr, loopback, 16) == 0);
}

static uint64_t v6_slot_us(const struct nh_v6_flush *f)
{
	return f->us > f->down_us ? f->us : f->down_us;
}

/* link's slot: its own, or the oldest, made its. NULL for a link the view
 * does not know (""). */
static struct nh_v6_flush *v6_slot(struct nh_netns *ns, const char *link)
{
	struct nh_v6_flush *slot = &ns->v6_flushed[0];

	if (!*link)
		return NULL;
	for (size_t i = 0; i < NH_V6_FLUSHES; i++) {
		if (strcmp(ns->v6_flushed[i].link, link) == 0)
			return &ns->v6_flushed[i];
		if (v6_slot_us(&ns->v6_flushed[i]) < v6_slot_us(slot))
			slot = &ns->v6_flushed[i];
	}
	memset(slot, 0, sizeof(*slot));
	nh_strlcpy(slot->link, link, sizeof(slot->link));
	return slot;
}

/* Whether the kernel flushed link's IPv6 at or after removed_us, within
 * the window, the link not set down in between: the removal was part of
 * that flush. */
static bool v6_flushed_after(const struct nh_netns *ns, const char *link, uint64_t removed_us)
{
	for (size_t i = 0; i < NH_V6_FLUSHES; i++) {
		const struct nh_v6_flush *f = &ns->v6_flushed[i];

		if (strcmp(f->link, link) == 0)
			return f->us >= removed_us && f->us - removed_us < V6_FLUSH_WINDOW_US &&
			       !(f->down_us >= removed_us && f->down_us <= f->us);
	}
	return false;
}

static uint32_t ipv6_remover(const struct nh_netns *ns, const struct nh_state *have, const char *link, int ifindex,
			     bool at_heal, uint64_t removed_us)
{
	const struct nh_link *l = have ? nh_state_link_by_name(have, link) : NULL;

	if (!l && have && ifindex)
		l = nh_state_link_by_index(have, ifindex);
	if (!at_heal)
		return !l || !l->up ? 0 : NH_ACTOR_IPV6;
	if (l && l->up && l->mtu && l->mtu < 1280)
		return 0;
	return v6_flushed_after(ns, l ? l->name : link, removed_us) ? 0 : NH_ACTOR_UNKNOWN;
}

/* Settle who removed obj, once its removal's events are all read: an IPv6
 * address's remover is told by the first pass after them (ipv6_remover),
 * with the view as the removal left it, not as a later change (the link
 * set down while the heal waits) would tell it. Every other's is known at
 * the event. */
static void settle_remover(struct nh_core *c, const struct nh_action *a, struct nh_tracked *obj)
{
	const struct nh_netns *ns;

	if (!obj->removed || obj->removed_by != NH_ACTOR_IPV6)
		return;
	ns = object_ns(c, a);
	obj->removed_by = ns ? ipv6_remover(ns, ns->obs ? &ns->obs->have : NULL, a->addr.link, 0, true,
					    obj->removed_us) : 0;
}

/* How long a to wait before acting (0: now), and why: flap damping, or
 * the backoff of a failed action unless something it may wait for
 * happened since. An object the kernel removed with another (a link set
 * down, IPv6 turned off on it, an address deleted) has no wait of its
 * own, even while damped after an earlier fight: SPEC §5.4 blames the
 * cause. An IPv6 address's remover is settled here, at its first pass. */
static uint64_t gate(struct nh_core *c, const struct owner *o, const struct nh_action *a,
		     struct nh_tracked *obj, uint64_t now_ms, const char **why)
{
	uint64_t d = 0;

	if (!obj)
		return 0;
	settle_remover(c, a, obj);
	if (!c->damping_off && !kernels_removal(obj)) {
		d = nh_flap_delay_ms(&c->policy->settings.backoff, &obj->flap, now_ms);
		*why = "flapping: waiting";
	}
	/* a converge tries what failed at once (a reload may have mended it) */
	if (d == 0 && !c->converging && o->ns->event_us <= o->ns->failed_us) {
		d = nh_retry_delay_ms(&obj->retry, now_ms);
		*why = "failed before: waiting";
	}
	return d;
}

static void healed(struct nh_core *c, struct owner *o, const struct nh_action *a, struct nh_tracked *obj,
		   const char *key, struct nh_result *res, uint64_t now_us)
{
	const struct nh_backoff *cfg = &c->policy->settings.backoff;
	struct nh_outcome_info info = { .type = NH_OUT_HEALED, .res = res, .log = true };
	struct nh_netns *ns = object_ns(c, a);
	struct nh_flap_verdict fv = { 0 };
	bool consequential;
	uint32_t port;
	char actor[128] = "";

	/* removed by the kernel with another object, or going with a link or
	 * namespace this plan makes anew: the heal is its cause's */
	consequential = a->consequence || kernels_removal(obj);
	port = obj && obj->removed ? obj->removed_by : o->ns->actor_port;

	/* the link deleted (or set aside, renamed) is no managed link
	 * someone renamed: its index must not bring it back (SPEC §4.2) */
	if (a->type == NH_ACT_LINK_DELETE)
		nh_world_unlearn_link(&c->world, a->netns, a->link.name, a->ifindex);
	/* Naming a process means a walk of /proc: only where it is worth it
	 * (a `flapping` record, below). The kernel costs nothing to name. */
	/* a consequence of this plan's own making has no actor to name */
	if (consequential && !a->consequence)
		info.actor = "kernel";
	info.latency_us = res->acked_us > o->ns->since_us ? (long long)(res->acked_us - o->ns->since_us) : 0;
	c->totals.heals++;
	nh_histogram_observe(&c->totals.latency, (uint64_t)info.latency_us);
	if (ns)
		nh_netns_count_heal(ns, a->object, c->cfg.wall_ms());
	outcome(c, a, &info);
	/* A delete-link is the first half of a re-create: the create counts.
	 * What the kernel removed on its own counts for its cause, not here.
	 * Only damping needs a record of a heal. */
	if (!c->damping_off && cfg->flap_count && !consequential && a->type != NH_ACT_LINK_DELETE &&
	    !obj && ns)
		obj = nh_netns_tracked(ns, key, true);
	if (obj && !c->damping_off && !consequential && a->type != NH_ACT_LINK_DELETE &&
	    nh_flap_record_heal(cfg, &obj->flap, now_us / 1000, &fv) == 0 && fv.became_flapping) {
		char why[128];
		struct nh_outcome_info fl = { .type = NH_OUT_FLAPPING, .log = true, .latency_us = -1,
					      .why = why, .actor = info.actor };

		/* how long the operator waits to see it healed (SPEC §5.4) */
		snprintf(why, sizeof(why), "healed %u times in %u s: backing off, the next heal waits %llu.%01llu s",
			 fv.heals, cfg->flap_window, (unsigned long long)fv.delay_ms / 1000,
			 (unsigned long long)fv.delay_ms % 1000 / 100);

		/* port 0 here is no consequence: a requester the kernel did
		 * not name (a link's change); the record names none */
		if (!fl.actor && port && port != NH_ACTOR_UNKNOWN) {
			actor_of(c, a->netns, port, actor, sizeof(actor));
			fl.actor = actor;
		}
		outcome(c, a, &fl);
	}
	object_back(obj);
	nh_words_add(o->detail, sizeof(o->detail), a->object, strlen(a->object));
	o->fixed = true;
}

/*
 * A create the kernel refused with EEXIST: what the diff found missing was
 * there, made by someone else, or the events that say so were still to
 * come (the kernel announces an IPv6 address only once its link has a
 * carrier, which linkwatch sets a moment after the link is up: right after
 * a rebuild, the next diff found the address "missing"). Nothing was
 * healed: no record, no count, no flap.
 */
static void there_already(struct nh_core *c, struct owner *o, const struct nh_action *a, struct nh_tracked *obj,
			  const struct nh_result *res)
{
	struct nh_outcome_info info = { .type = NH_OUT_HEALED, .res = res, .why = "there already",
					.latency_us = -1 };

	object_back(obj);
	/* not converged on its word: the kernel's key may be the object's in
	 * another form (an IPv6 address with another prefix length is EEXIST
	 * too); the next event's diff says */
	o->missing = true;
	outcome(c, a, &info);
}

/* create-netns: the new namespace is opened by the kernel side; take its
 * state now (no callback comes for it). One someone else made just before
 * (EEXIST) is as new, and is watched and announced the same (netns-created,
 * on_create: whatever runs in the namespace must move to the new one); only
 * no heal is counted for it (there_already). */
static void netns_created(struct nh_core *c, const struct nh_action *a)
{
	struct nh_netns *ns = record_make(c, a->netns);
	struct nh_observed *obs = c->cfg.kernel->observed ? c->cfg.kernel->observed(c->cfg.kernel_ctx, a->netns) : NULL;

	if (!ns)
		return;
	ns->created = true;
	if (obs && ns->obs != obs) {
		ns->obs = obs;
		obs->user = ns;
		view_changed(c, ns);
	}
	if (c->cfg.reporter.netns_created)
		c->cfg.reporter.netns_created(c->cfg.reporter.ctx, a->netns);
}

static void execute(struct nh_core *c, struct pass *p, struct owner *o, const struct nh_action *a)
{
	uint64_t now_us = core_now_us(c), delay;
	struct nh_netns *ns = object_ns(c, a);
	struct nh_outcome_info info = { .latency_us = -1 };
	struct nh_result res;
	struct nh_tracked *obj;
	bool exists;
	char key[NH_OBJECT_KEYSIZ];

	nh_action_key(a, key, sizeof(key));
	obj = ns ? nh_netns_tracked(ns, key, false) : NULL;    /* made when there is something to keep */
	delay = gate(c, o, a, obj, now_us / 1000, &info.why);
	if (delay > 0) {
		info.type = NH_OUT_DEFERRED;
		outcome(c, a, &info);
		wait_ms(o, delay, true);
		/* what needs it (its link's settings, its namespace's
		 * objects) waits with it */
		if (record_failure(c, p, a, delay, true) < 0)
			nh_err("out of memory recording a wait");
		return;
	}
	memset(&res, 0, sizeof(res));
	c->cfg.kernel->exec(c->cfg.kernel_ctx, a, &res);
	if (!res.acked_us)
		res.acked_us = core_now_us(c);
	p->executed++;
	if (c->converging && touch_action(p, a) < 0)
		nh_err("out of memory noting what to read again");
	if (a->type == NH_ACT_NETNS_CREATE && (res.err == -EMFILE || res.err == -ENFILE)) {
		/* made, but no descriptor is free to watch it: shown
		 * unwatched, built (and on_create run) once the monitor
		 * opens it (adversarial trial: made in silence, and its
		 * on_create never ran) */
		netns_created(c, a);
		nh_core_netns_unwatched(c, a->netns, res.reason);
		wait_ms(o, 0, false);
		if (record_failure(c, p, a, NH_RETRY_INITIAL_MS, false) < 0)
			nh_err("out of memory recording a wait");
		return;
	}
	exists = res.err == -EEXIST;
	if (exists)
		res.err = 0;    /* someone did it: the events show what is there */
	if (res.err == 0)
		verify(c, a, &res);
	if (res.err) {
		failed(c, p, o, a, obj, key, &res, now_us);
		return;
	}
	if (a->type == NH_ACT_NETNS_CREATE)
		netns_created(c, a);
	if (exists)
		there_already(c, o, a, obj, &res);
	else
		healed(c, o, a, obj, key, &res, now_us);
}

/* Whether l is a veth end whose partner's namespace is being read again. */
static bool partner_unread(struct nh_core *c, const struct nh_link *l)
{
	const struct nh_netns *peer;

	if (!l || (!(l->has & NH_LINK_HAS_PEER) && !(l->flags & NH_LINK_FLAG_PEER_END)))
		return false;
	peer = record_get(c, l->peer_netns);
	return peer && peer->obs && !peer->obs->valid;
}

/* The owner waits while it, or a namespace its objects live in, is being
 * read again: never heal from a partial view (SPEC §4.4). For a diff of
 * part (NULL: whole), only the links that diff reads count. */
static bool must_wait(struct nh_core *c, const struct nh_netns *ns, const struct nh_scope *part)
{
	const struct nh_netns *host = record_get(c, "");
	const struct nh_state *want = &ns->rule->want;

	if (!host || (host->obs && !host->obs->valid))
		return true;
	if (ns->obs && !ns->obs->valid)
		return true;
	if (part) {
		/* only the links a diff of the part reads */
		for (size_t i = 0; i < ns->rule->n_refs; i++)
			if (partner_unread(c, &want->links[ns->rule->refs[i]]))
				return true;
		for (size_t i = 0; i < part->n; i++)
			if (partner_unread(c, nh_state_link_by_name(want, part->links[i])))
				return true;
		return false;
	}
	for (size_t i = 0; i < want->n_links; i++)
		if (partner_unread(c, &want->links[i]))
			return true;
	return false;
}

/* Whether the next diff of ns can be of its scope alone: the scope is not
 * whole and names no link another of its rule's objects names (a port's
 * plan reads its master's, a macvlan's its parent's: those change whole). */
static bool part_alone(const struct nh_netns *ns)
{
	const struct nh_scope *s = ns->scope;

	if (!s || s->whole || !ns->obs)
		return false;
	for (size_t i = 0; i < s->n; i++) {
		const struct nh_link *l = nh_state_link_by_name(&ns->rule->want, s->links[i]);

		if (l && (l->flags & NH_LINK_FLAG_REFERENCED))
			return false;
	}
	return true;
}

/* Take the dirty namespaces that can be healed now. */
static int take_owners(struct nh_core *c, struct pass *p)
{
	struct nh_netns *ns = c->dirty, *next = NULL;
	struct nh_scope *part = NULL;

	c->dirty = NULL;
	for (; ns; ns = next) {
		next = ns->next_dirty;
		ns->dirty = false;
		ns->next_dirty = NULL;
		if (!record_needed(ns)) {
			record_free(c, ns);
			continue;
		}
		if (!ns->rule || ns->unwatched)
			continue;       /* an unwatched one: nothing known to diff */
		if (ns->scope) {
			part = malloc(sizeof(*part));
			if (!part || !part_alone(ns))
				ns->scope->whole = true;
		}
		if (must_wait(c, ns, ns->scope && !ns->scope->whole ? ns->scope : NULL)) {
			free(part);
			part = NULL;
			if (nh_grow(&c->waiting, &c->cap_waiting, c->n_waiting + 1, sizeof(*c->waiting)) < 0)
				goto oom;
			if (!c->n_waiting)
				c->waiting_since_us = core_now_us(c);
			c->waiting[c->n_waiting++] = ns;
			ns->dirty = ns->waiting = true;     /* still to heal, once read */
			continue;
		}
		if (nh_grow(&p->owners, &p->cap_owners, p->n_owners + 1, sizeof(*p->owners)) < 0)
			goto oom;
		p->owners[p->n_owners++] = (struct owner){ .ns = ns, .part = part };
		if (part) {
			/* what changes from here on is for its next diff */
			*part = *ns->scope;
			ns->scope->n = 0;
			ns->scope->whole = false;
			part = NULL;
		}
	}
	return 0;
oom:
	/* the ones not taken stay dirty */
	free(part);
	ns->dirty = true;
	ns->next_dirty = next;
	c->dirty = ns;
	return -ENOMEM;
}

/* The sysctls ns's rule names, as the kernel has them now (they are not
 * in the monitor's state: most change without an event). */
static void read_sysctls(struct nh_core *c, const struct nh_netns *ns)
{
	int r;

	if (!ns->rule || !ns->rule->want.n_sysctls || !ns->obs || !ns->obs->valid || !c->cfg.kernel->read_sysctls)
		return;
	r = c->cfg.kernel->read_sysctls(c->cfg.kernel_ctx, ns->name, &ns->rule->want);
	if (r < 0)
		nh_debug("netns %s: reading its sysctls: %s", nh_netns_label(ns), strerror(-r));
}

/* Diff o's namespace: the part its scope names when that can be diffed
 * alone (nh_diff_netns_links), else whole. 0 or -ENOMEM. */
static int diff_owner(struct nh_core *c, struct owner *o, struct nh_plan *plan)
{
	const struct nh_scope *s = o->part;
	const char *links[NH_SCOPE_MAX];
	int r;

	c->totals.diffs++;
	if (s && !s->whole) {
		for (size_t i = 0; i < s->n; i++)
			links[i] = s->links[i];
		r = nh_diff_netns_links(c->world.views, c->world.n_views, o->ns->view, links, s->n, plan);
		if (r != -EAGAIN) {
			o->diffed_part = r == 0;
			c->totals.diffs_part += r == 0;
			return r;
		}
		/* whole after all: what a whole diff reads must have been read */
		if (must_wait(c, o->ns, NULL)) {
			o->stale = true;        /* settle() puts it back, whole */
			return 0;
		}
	}
	return nh_diff_netns(c->world.views, c->world.n_views, o->ns->view, plan);
}

/* What a diff of ns planned about its own links that nothing else names
 * is for its next diff to look at again, whatever that is about (a diff of
 * part of it plans only the links named, and those are the ones that may
 * differ from a whole diff). An action in another namespace (a veth's
 * peer end there) makes the next diff whole. */
static void carry(struct nh_netns *ns, const struct nh_plan *plan, size_t from)
{
	for (size_t j = from; ns->scope && j < plan->n; j++) {
		const struct nh_action *a = &plan->actions[j];
		const struct nh_link *l;

		if (strcmp(a->netns, ns->name) != 0) {
			ns->scope->whole = true;
			return;
		}
		l = a->link.name[0] ? nh_state_link_by_name(&ns->rule->want, a->link.name) : NULL;
		if (!l)
			continue;
		if (!(l->flags & NH_LINK_FLAG_REFERENCED))
			scope_add(ns, l->name);
		/* a peer end's actions may come from its primary's plan */
		if ((l->flags & NH_LINK_FLAG_PEER_END) && strcmp(l->peer_netns, ns->name) == 0 &&
		    (l = nh_state_link_by_name(&ns->rule->want, l->peer_name)) &&
		    !(l->flags & NH_LINK_FLAG_REFERENCED))
			scope_add(ns, l->name);
	}
}

static int diff_owners(struct nh_core *c, struct pass *p)
{
	for (size_t i = 0; i < p->n_owners; i++) {
		struct owner *o = &p->owners[i];
		size_t before = p->plan.n;
		int r;

		if (o->ns->view >= c->world.n_views)
			continue;       /* no view: it went, and no rule names it */
		read_sysctls(c, o->ns);
		r = diff_owner(c, o, &p->plan);
		if (r < 0)
			return r;
		carry(o->ns, &p->plan, before);
		for (size_t j = before; j < p->plan.n; j++)
			p->plan.actions[j].tag = (unsigned int)i;
		o->n_actions = p->plan.n - before;
	}
	nh_plan_sort(&p->plan);
	return 0;
}

static bool audit_mode(const struct nh_core *c, const struct nh_action *a)
{
	const struct nh_netns *ns = record_get((struct nh_core *)c, a->netns);

	return nh_rule_mode(c->policy, ns ? ns->rule : NULL) == NH_MODE_AUDIT;
}

static void run_plan(struct nh_core *c, struct pass *p)
{
	for (size_t i = 0; i < p->plan.n; i++) {
		const struct nh_action *a = &p->plan.actions[i];
		struct owner *o = &p->owners[a->tag];
		const struct failure *f;

		if (o->stale)
			continue;       /* healed again after the re-read */
		if (nh_action_is_report(a->type)) {
			report(c, o, a, false);
		} else if (audit_mode(c, a)) {
			report(c, o, a, true);
		} else if ((f = blocked_by(p, a))) {
			struct nh_outcome_info info = { .type = NH_OUT_SKIPPED, .latency_us = -1, .blocked = true,
				.why = f->type == NH_ACT_NETNS_CREATE ? "its namespace is not made yet" :
				       f->link_down ? "its link is not up yet" :
				       a->type == NH_ACT_LINK_SET_MASTER && strcmp(f->link, a->link.master) == 0 ?
				       "its master is not made yet" :
				       f->prefix ? "the address its gateway needs is not there yet" :
				       "its link is not made yet" };

			outcome(c, a, &info);
			/* what it needs may be another namespace's to fix:
			 * look again when that is tried again */
			wait_ms(o, f->retry_ms, f->failed);
			if (record_failure(c, p, a, f->retry_ms, f->failed) < 0)
				nh_err("out of memory recording a failure");
		} else {
			execute(c, p, o, a);
		}
	}
}

static void run_hook(struct nh_core *c, struct nh_netns *ns, char **argv, const char *event, const char *detail)
{
	if (argv && argv[0] && c->cfg.reporter.hook)
		c->cfg.reporter.hook(c->cfg.reporter.ctx, ns, argv, event, detail);
}

/* Reports are logged once while they stand; once gone, the next one is new. */
static void forget_reports(struct nh_core *c, struct nh_netns *ns)
{
	struct nh_tracked *obj, *tmp;

	HASH_ITER(hh, ns->objs, obj, tmp)
		if (obj->reported && obj->reported_pass != c->pass)
			obj->reported = 0;
}

/* Remember the indexes of the links its diff looked at. */
static int learn(struct nh_core *c, const struct owner *o)
{
	const char *links[NH_SCOPE_MAX];

	if (!o->diffed_part)
		return nh_world_learn(&c->world, o->ns->view, NULL, 0);
	for (size_t i = 0; i < o->part->n; i++)
		links[i] = o->part->links[i];
	return nh_world_learn(&c->world, o->ns->view, links, o->part->n);
}

/* The state each namespace is left in, and what follows from it. */
static void settle(struct nh_core *c, struct owner *o)
{
	struct nh_netns *ns = o->ns;
	bool created = ns->created;
	char what[NH_NETNS_NAMSIZ + 8];

	if (o->stale) {
		mark_dirty(ns, ns->since_us);   /* at once, with the fresh view */
		return;
	}
	forget_reports(c, ns);
	nh_netns_expire(ns, &c->policy->settings.backoff, core_now_us(c) / 1000);
	if (!o->pending)
		ns->last_error_failed = false;  /* that failure is over: a report may say what stands */
	if (!o->conflicts && !o->missing && ns->last_error[0] && !o->pending) {
		ns->last_error[0] = '\0';
		netns_shown_changed(ns);
	}
	if (ns->created && !o->waits) {
		/* built, or as built as it gets (what is pending failed, and
		 * says so: a sysctl the kernel refuses must not keep the
		 * daemon that on_create moves in out of it): tell whoever
		 * waits for it */
		snprintf(what, sizeof(what), "netns:%s", ns->name);
		run_hook(c, ns, ns->rule->hooks.on_create, "netns-created", what);
		ns->created = false;
	}
	if (o->fixed) {
		/* a namespace it just built was not healed: on_create says it */
		if (!created)
			run_hook(c, ns, ns->rule->hooks.on_heal, "healed", o->detail);
		/* our own changes come back as events: a fresh diff confirms */
		nh_netns_transition(ns, NH_NS_HEALING, o->wake_ms);
	} else if (o->pending) {
		nh_netns_transition(ns, o->wake_ms ? NH_NS_BACKOFF : NH_NS_DRIFTING, o->wake_ms);
	} else if (o->conflicts) {
		nh_netns_transition(ns, NH_NS_CONFLICT, 0);
	} else if (o->missing) {
		/* something it may not create is not there: drift it waits out */
		nh_netns_transition(ns, NH_NS_DRIFTING, 0);
	} else if (o->audit) {
		nh_netns_transition(ns, NH_NS_AUDIT, 0);
	} else {
		nh_netns_transition(ns, NH_NS_CONVERGED, 0);
	}
	if (!o->pending)
		ns->reread = ns->vanishing = false;
	if (ns->drift != o->n_actions) {
		ns->drift = o->n_actions;
		core_changed(c);
	}
	if (learn(c, o) < 0)
		nh_warn("netns %s: out of memory remembering its links' indexes (a rename may be healed "
			"as a re-create)", nh_netns_label(ns));
}

static int pass_run(struct nh_core *c, struct pass *p)
{
	int r;

	c->pass++;
	if (c->views_stale && (r = rebuild_views(c)) < 0)
		return r;
	r = take_owners(c, p);
	if (r == 0)
		r = diff_owners(c, p);
	if (r < 0) {
		/* keep them to heal: nothing was executed yet */
		for (size_t i = 0; i < p->n_owners; i++)
			mark_dirty(p->owners[i].ns, p->owners[i].ns->since_us);
		return r;
	}
	run_plan(c, p);
	for (size_t i = 0; i < p->n_owners; i++)
		settle(c, &p->owners[i]);
	if (p->n_owners)
		c->progress++;
	return 0;
}

static void oom(struct nh_core *c)
{
	if (!c->oom_logged)
		nh_err("out of memory healing: the namespaces stay to heal and are tried again");
	c->oom_logged = true;
}

int nh_core_heal(struct nh_core *c)
{
	struct pass p = { 0 };
	int r;

	nh_plan_init(&p.plan);
	r = pass_run(c, &p);
	if (r < 0)
		oom(c);
	else
		c->oom_logged = false;
	r = r < 0 ? r : (int)p.executed;
	pass_free(&p);
	return r;
}

/* ---- converging: start-up, reload, apply -------------------------------------- */

/* The plan of every managed namespace that could be read; one that could
 * not (its dumps interrupted by its changes every time: the monitor
 * adopted it unread) is left out and counted in *unread, never planned
 * as missing (SPEC §4.4: nothing from a partial view). */
static int plan_read(struct nh_core *c, struct nh_plan *plan, size_t *unread)
{
	int r;

	*unread = 0;
	if (c->views_stale && (r = rebuild_views(c)) < 0)
		return r;
	for (size_t i = 0; i < c->world.n_views; i++) {
		const struct nh_netns *ns = c->world.views[i].tag;

		if (!c->world.views[i].rule)
			continue;
		if (ns->obs && !ns->obs->valid) {
			nh_warn("netns %s: could not be read (its dumps were interrupted by its changes): "
				"not compared", ns->name[0] ? ns->name : "-");
			(*unread)++;
			continue;
		}
		read_sysctls(c, c->world.views[i].tag);
		r = nh_diff_netns(c->world.views, c->world.n_views, i, plan);
		if (r < 0)
			return r;
	}
	nh_plan_sort(plan);
	return 0;
}

/* What is left to fix: every drift but what audit mode leaves alone by
 * the policy's choice, and every namespace not read. */
static int count_left(struct nh_core *c)
{
	struct nh_plan plan;
	size_t unread;
	int r;

	nh_plan_init(&plan);
	r = plan_read(c, &plan, &unread);
	if (r == 0) {
		r = (int)unread;
		for (size_t i = 0; i < plan.n; i++)
			r += !audit_mode(c, &plan.actions[i]);
	}
	nh_plan_free(&plan);
	return r;
}

/* One pass of a converge, damping off unless damped; with reread, what it
 * changed is read again (no events arrive meanwhile) and every namespace
 * marked to be looked at again (what changed in one may unblock another).
 * Returns how many actions the kernel took, or -ENOMEM. */
static int converge_round(struct nh_core *c, bool reread, bool damped)
{
	struct pass p = { 0 };
	int r;

	c->damping_off = !damped;
	c->converging = true;
	nh_plan_init(&p.plan);
	r = pass_run(c, &p);
	if (r == 0 && reread) {
		struct touched *t, *tmp;

		HASH_ITER(hh, p.touched, t, tmp)
			kernel_reread(c, t->name);
		if (p.executed)
			nh_core_mark_all(c, core_now_us(c));
	}
	if (r == 0)
		r = (int)p.executed;
	pass_free(&p);
	c->damping_off = false;
	c->converging = false;
	if (r < 0)
		oom(c);
	return r;
}

int nh_core_converge_first(struct nh_core *c)
{
	nh_core_mark_all(c, core_now_us(c));
	return converge_round(c, false, false);
}

int nh_core_converge(struct nh_core *c, unsigned int rounds, bool damped)
{
	int r = 0;

	nh_core_mark_all(c, core_now_us(c));
	for (unsigned int i = 0; i < rounds && c->dirty && r >= 0; i++)
		r = converge_round(c, true, damped);
	return r < 0 ? r : count_left(c);
}

void nh_core_views_changed(struct nh_core *c)
{
	c->views_stale = true;
}

int nh_core_plan(struct nh_core *c, struct nh_plan *plan)
{
	size_t unread;
	int r = plan_read(c, plan, &unread);

	return r < 0 ? r : unread ? -EAGAIN : 0;
}

/* ---- intake -------------------------------------------------------------------- */

/* What waited for namespace ns to exist or went with it: the veth ends
 * there. The partners ns's own rule names are looked at alone, each in its
 * namespace; a rule with an end there that ns's rule does not name is
 * looked at whole. O(ns's links + those rules). */
static void wake_partners(struct nh_core *c, struct nh_netns *ns, uint64_t t_us)
{
	const struct nh_rule_list *l = nh_world_peers_in(&c->world, ns->name);
	const struct nh_state *own = ns->rule ? &ns->rule->want : NULL;

	if (!l)
		return;
	for (size_t j = 0; own && j < own->n_links; j++) {
		const struct nh_link *w = &own->links[j];
		struct nh_netns *dep;

		if (!(w->has & NH_LINK_HAS_PEER) || !(dep = record_get(c, w->peer_netns)) || !dep->rule ||
		    dep->rule->match)
			continue;
		dep->event_us = t_us;
		dep->partner_woken = true;
		mark_part(dep, w->peer_name, t_us);
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct nh_netns_rule *r = l->v[i];
		struct nh_netns *dep = r->match ? NULL : record_get(c, r->name);

		if (!dep || !dep->partner_woken || dep->rule != r)
			wake_rule(c, r, t_us);
	}
	for (size_t j = 0; own && j < own->n_links; j++) {
		struct nh_netns *dep = (own->links[j].has & NH_LINK_HAS_PEER) ? record_get(c, own->links[j].peer_netns)
									     : NULL;

		if (dep)
			dep->partner_woken = false;
	}
}

void nh_core_netns_added(struct nh_core *c, const char *name, struct nh_observed *obs)
{
	struct nh_netns *ns = record_make(c, name);
	uint64_t now = core_now_us(c);

	c->totals.events++;
	if (!ns) {
		nh_err("netns %s: out of memory, not watched", *name ? name : "-");
		return;
	}
	if (ns->unwatched)
		nh_core_netns_unwatched(c, name, NULL);
	ns->obs = obs;
	obs->user = ns;
	view_changed(c, ns);
	wake(ns, now);
	wake_partners(c, ns, now);
	requeue_waiting(c);
}

void nh_core_netns_unwatched(struct nh_core *c, const char *name, const char *why)
{
	struct nh_netns *ns = record_get(c, name);

	if (!why) {
		if (!ns || !ns->unwatched)
			return;
		ns->unwatched = false;
		ns->last_error[0] = '\0';
		ns->drift = 0;          /* until its first diff says */
		netns_shown_changed(ns);
		c->views_stale = true;
		/* gone: the policy's own is made again, a matched one freed by
		 * the next pass (never here: it may be on the dirty list);
		 * watched: nh_core_netns_added wakes it too */
		wake(ns, core_now_us(c));
		return;
	}
	if (ns && ns->obs)
		return;         /* watched under this name already */
	/* a record even when no rule covers it (not shown then): a reload
	 * whose rule does shows it */
	ns = record_make(c, name);
	if (!ns) {
		nh_err("netns %s: out of memory", name);
		return;
	}
	ns->unwatched = true;
	ns->drift = 1;          /* not compared: at least itself (netheal_drift, for alerts) */
	nh_strcpy_cut(ns->last_error, sizeof(ns->last_error), why);
	nh_netns_transition(ns, NH_NS_DRIFTING, 0);
	netns_shown_changed(ns);        /* and core_changed */
	c->views_stale = true;
}

void nh_core_netns_removed(struct nh_core *c, const char *name)
{
	struct nh_netns *ns = record_get(c, name), *host = record_get(c, "");
	uint64_t now = core_now_us(c);
	struct nh_tracked *obj, *tmp;

	c->totals.events++;
	if (!ns)
		return;
	ns->obs = NULL;
	view_changed(c, ns);
	/* and so are its links' indexes: a new namespace numbers its links
	 * from 1 again, and a foreign link there must not be taken for a
	 * managed one renamed (it was deleted as "lost its peer") */
	nh_world_forget(&c->world, name, ns->rule);
	/* what lived in it is gone with it: what comes back is new (the
	 * namespace's own record, netns:NAME, keeps its damping) */
	HASH_ITER(hh, ns->objs, obj, tmp) {
		if (strncmp(obj->key, "netns:", 6) == 0) {
			/* by a process (`ip netns del`, which the directory
			 * watch does not name), never the kernel's own doing:
			 * its re-creates count for damping (SPEC §5.4) */
			obj->removed = true;
			obj->removed_by = NH_ACTOR_UNKNOWN;
			continue;
		}
		HASH_DEL(ns->objs, obj);
		nh_flap_clear(&obj->flap);
		free(obj);
	}
	wake(ns, now);
	/* the veth ends it held died with it: their partners (their own
	 * events, from the host's socket, may come later) */
	if (host) {
		host->event_us = now;
		mark_part(host, NULL, now);
	}
	wake_partners(c, ns, now);
	requeue_waiting(c);
}

/* Is the object ev is about one the policy names in ns? (Records are made
 * only for those: foreign churn must not grow memory.) */
static bool wanted(const struct nh_netns *ns, const struct nh_nl_event *ev)
{
	const struct nh_state *want = ns->rule ? &ns->rule->want : NULL;

	if (!want)
		return false;
	switch (ev->obj) {
	case NH_OBJ_LINK:
		return nh_state_link_by_name(want, ev->link.name) != NULL;
	/* a rule's addresses, routes and neighbours are sorted by key
	 * (nh_state_sort, policy/validate.c): a binary search per event */
	case NH_OBJ_ADDRESS:
		return nh_state_find_address(want, &ev->addr) != NULL;
	case NH_OBJ_ROUTE:
		return nh_state_find_route(want, &ev->route) != NULL;
	case NH_OBJ_RULE:
		for (size_t i = 0; i < want->n_rules; i++)
			if (nh_fib_rule_key_cmp(&want->rules[i], &ev->frule) == 0)
				return true;
		return false;
	case NH_OBJ_NEIGH:
		return nh_state_find_neigh(want, &ev->neigh) != NULL;
	default:
		/* a sysctl's change names no actor: written through procfs,
		 * RTM_NEWNETCONF comes from the kernel (port 0) whoever wrote */
		return false;
	}
}

/* Remember who removed a policy object (SPEC §5.4): the requester's port,
 * or 0 when the kernel did it on its own. */
static void note_removal(struct nh_core *c, struct nh_netns *ns, const char *key, uint32_t port)
{
	struct nh_tracked *obj = nh_netns_tracked(ns, key, true);

	if (!obj)
		return;
	obj->removed = true;
	obj->removed_by = own_port(c, port) ? 0 : port;
	nh_debug("netns %s: %s removed by %s", nh_netns_label(ns), key,
		 !obj->removed_by ? "the kernel" : obj->removed_by == NH_ACTOR_IPV6 ? "whom the next pass tells" : "a process");
}

/*
 * An IPv4 primary address deleted takes its subnet's secondaries with it
 * (unless promote_secondaries): the kernel announces each secondary's
 * removal first, under the requester's port, then the primary's
 * (__inet_del_ifa) and the request's sequence number (rtmsg_ifa). The
 * secondaries a primary's removal follows, on the same link for the same
 * request, in the same burst, were the kernel's doing; one the requester
 * deleted earlier, or by a request of its own just before (`ip -batch`,
 * one port, a number each), stays its own.
 */
#define SECONDARY_WINDOW_US 100000
static void secondaries_followed(struct nh_core *c, struct nh_netns *ns, const struct nh_nl_event *ev)
{
	uint32_t by = own_port(c, ev->actor_port) ? 0 : ev->actor_port;
	struct nh_tracked *obj, *tmp;

	if (ev->addr.prefix.family != AF_INET || (ev->addr.flags & IFA_F_SECONDARY))
		return;
	HASH_ITER(hh, ns->objs, obj, tmp)
		if (obj->removed && obj->secondary_of == ev->addr.ifindex && obj->removed_by == by &&
		    obj->removed_seq == ev->actor_seq && ev->t_us - obj->removed_us < SECONDARY_WINDOW_US) {
			obj->removed_by = 0;
			obj->secondary_of = 0;
		}
}

/* A removed policy object is back, put there by someone else (or netheal's
 * own echo, already object_back): its removal, and who made it, is over;
 * a later heal of it names whoever changes it next. Its retry and
 * damping stay. */
static void reappeared(struct nh_netns *ns, const char *key)
{
	struct nh_tracked *obj = nh_netns_tracked(ns, key, false);

	if (obj && obj->removed)
		removal_over(obj);
}

static void removal(struct nh_core *c, struct nh_netns *ns, const struct nh_observed *obs,
		    const struct nh_nl_event *ev)
{
	char key[NH_OBJECT_KEYSIZ];

	if (!wanted(ns, ev)) {
		/* a primary the policy does not name took policy secondaries */
		if (ev->type == RTM_DELADDR)
			secondaries_followed(c, ns, ev);
		return;
	}
	switch (ev->type) {
	case RTM_DELADDR: {
		struct nh_tracked *obj;

		/* IPv6 names no requester: ipv6_remover */
		note_removal(c, ns, nh_address_key(&ev->addr, key, sizeof(key)),
			     ev->actor_port || ev->addr.prefix.family != AF_INET6 ? ev->actor_port :
			     ipv6_remover(ns, &obs->have, ev->addr.link, ev->addr.ifindex, false, 0));
		obj = nh_netns_tracked(ns, key, false);
		if (obj) {
			obj->removed_us = ev->t_us;
			obj->removed_seq = ev->actor_seq;
			obj->secondary_of = ev->addr.prefix.family == AF_INET && (ev->addr.flags & IFA_F_SECONDARY) ?
					    ev->addr.ifindex : 0;
		}
		secondaries_followed(c, ns, ev);      /* the primary itself is no secondary */
		break;
	}
	case RTM_DELROUTE:
		note_removal(c, ns, nh_route_key(&ev->route, key, sizeof(key)), ev->actor_port);
		break;
	case RTM_DELLINK: {
		struct nh_tracked *st;

		/* the kernel names no requester for a link's deletion or
		 * move (port 0 whoever asked): not its own doing */
		snprintf(key, sizeof(key), "link:%s", ev->link.name);
		note_removal(c, ns, key, ev->actor_port ? ev->actor_port : NH_ACTOR_UNKNOWN);
		/* a link deleted or moved away is closed first: the down
		 * just before was this, the kernel's doing */
		snprintf(key, sizeof(key), "state:%s", ev->link.name);
		st = nh_netns_tracked(ns, key, false);
		if (st && st->removed)
			st->removed_by = 0;
		break;
	}
	case RTM_DELRULE:
		note_removal(c, ns, nh_fib_rule_key(&ev->frule, key, sizeof(key)), ev->actor_port);
		break;
	case RTM_DELNEIGH:
		/* port 0 when the kernel flushed it with its link going down */
		note_removal(c, ns, nh_neigh_key(&ev->neigh, key, sizeof(key)), ev->actor_port);
		break;
	case RTM_NEWADDR:
		reappeared(ns, nh_address_key(&ev->addr, key, sizeof(key)));
		break;
	case RTM_NEWROUTE:
		reappeared(ns, nh_route_key(&ev->route, key, sizeof(key)));
		break;
	case RTM_NEWLINK:
		/* the kernel takes a link down on its own only with a move
		 * or a delete, which the heal knows as their consequence. A
		 * link that has just appeared is made down: nobody set it so */
		if (ev->changed && !ev->link.up && (ev->settings_only || ev->old_name[0])) {
			snprintf(key, sizeof(key), "state:%s", ev->link.name);
			note_removal(c, ns, key, ev->actor_port ? ev->actor_port : NH_ACTOR_UNKNOWN);
		}
		break;
	default:
		break;
	}
}

/* Whether another namespace may need to look again when this link is set
 * otherwise: unless it is a veth end ns's own rule names as the primary.
 * Only a peer end's partner plans a veth end's settings (policy/diff_link.c
 * plans a peer end from its primary's side); elsewhere only its name, kind
 * and partner are read. Other links are taken as they were: a parent's MTU,
 * say, decides whether its macvlan's own MTU can be set. */
static bool set_elsewhere(const struct nh_netns *ns, const char *link)
{
	const struct nh_link *w = ns->rule ? nh_state_link_by_name(&ns->rule->want, link) : NULL;

	return !w || (w->flags & NH_LINK_FLAG_PEER_END) || !nh_kind_has(w->kind, NH_KIND_PAIR);
}

/* The rules that depend on link of ns. The namespace of a veth end's
 * partner looks again at that partner alone (at 1000 namespaces, the host
 * rule holds 1000 peer ends); the others whole. */
static void wake_dependents(struct nh_core *c, struct nh_netns *ns, const char *link, uint64_t t_us)
{
	const struct nh_rule_list *l = nh_world_dependents(&c->world, ns->name, link);
	const struct nh_link *w = l && ns->rule ? nh_state_link_by_name(&ns->rule->want, link) : NULL;

	for (size_t i = 0; l && i < l->n; i++) {
		const struct nh_netns_rule *r = l->v[i];
		struct nh_netns *dep;

		if (w && (w->has & NH_LINK_HAS_PEER) && !r->match && strcmp(r->name, w->peer_netns) == 0 &&
		    (dep = record_get(c, r->name))) {
			dep->event_us = t_us;
			mark_part(dep, w->peer_name, t_us);
		} else {
			wake_rule(c, r, t_us);
		}
	}
}

/* A link changed in ns: the rules waiting for it there, and (a link that
 * appeared where its own rule does not want it, maybe one of another
 * namespace's that someone moved here) the rules that want that name.
 * The same link set otherwise (down, MTU) wakes nobody else unless another
 * namespace's diff sets it: at 1000 namespaces, a namespace's veth set down
 * woke the host's diff of its 1000 peer ends. */
static void link_changed(struct nh_core *c, struct nh_netns *ns, const struct nh_nl_event *ev, uint64_t t_us)
{
	if (ev->type == RTM_NEWLINK && ev->settings_only && !set_elsewhere(ns, ev->link.name))
		return;
	wake_dependents(c, ns, ev->link.name, t_us);
	if (ev->old_name[0]) {
		/* renamed */
		mark_part(ns, ev->old_name, t_us);
		wake_dependents(c, ns, ev->old_name, t_us);
	}
	if (ev->type == RTM_NEWLINK && !(ns->rule && nh_state_link_by_name(&ns->rule->want, ev->link.name)))
		wake_list(c, nh_world_wanting(&c->world, ev->link.name), t_us);
}

void nh_core_event(struct nh_core *c, struct nh_observed *obs, const struct nh_nl_event *ev)
{
	struct nh_netns *ns = obs->user;
	struct nh_v6_flush *slot;

	c->totals.events++;
	if (!ns)
		return;
	/* ipv6_remover's witness, even one the view never had: a link-local
	 * address still tentative is not announced (addrconf_dad_begin
	 * notifies an optimistic one only; RTM_NEWADDR comes once DAD is
	 * done), and a flush right after a flap removes it all the same */
	if (ev->type == RTM_DELADDR && ipv6_witness(&ev->addr.prefix) && (slot = v6_slot(ns, ev->addr.link)))
		slot->us = ev->t_us;
	/* and a down, after which a flush is the down's */
	if (ev->type == RTM_NEWLINK && ev->changed && !ev->link.up && (slot = v6_slot(ns, ev->link.name)))
		slot->down_us = ev->t_us;
	/* A repeated notification, or a carrier change (no policy names
	 * one), cannot change a diff: at 1000 namespaces every port's carrier
	 * change was a diff of the host and its 1000 peer ends. */
	if ((!ev->changed || ev->carrier_only) && ev->obj != NH_OBJ_NETCONF && ev->obj != NH_OBJ_NSID)
		return;
	/* addresses, routes, rules, neighbours and sysctls are read whole by
	 * any diff; no diff reads an nsid */
	mark_part(ns, ev->obj == NH_OBJ_LINK ? ev->link.name : NULL, ev->t_us);
	ns->event_us = ev->t_us;
	if (ev->actor_port && !own_port(c, ev->actor_port))
		ns->actor_port = ev->actor_port;
	removal(c, ns, obs, ev);
	if (ev->obj == NH_OBJ_LINK)
		link_changed(c, ns, ev, ev->t_us);
}

/* Whether want names the object d is about (its arrays are sorted). */
static bool names_dropped(const struct nh_state *want, const struct nh_dropped *d)
{
	switch (d->obj) {
	case NH_OBJ_ADDRESS:
		return nh_state_find_address(want, d->addr) != NULL;
	case NH_OBJ_ROUTE:
		return nh_state_find_route(want, d->route) != NULL;
	case NH_OBJ_NEIGH:
		return nh_state_find_neigh(want, d->neigh) != NULL;
	default:
		return false;
	}
}

void nh_core_dropped(struct nh_core *c, struct nh_observed *obs, const struct nh_dropped *d)
{
	struct nh_netns *ns = obs->user;
	struct nh_tracked *obj;

	(void)c;
	if (!ns || !ns->rule)
		return;
	/* records only for what the policy names: foreign churn must not
	 * grow memory */
	obj = nh_netns_tracked(ns, d->key, false);
	if (!obj && names_dropped(&ns->rule->want, d))
		obj = nh_netns_tracked(ns, d->key, true);
	if (obj) {
		obj->removed = true;
		obj->removed_by = 0;
		nh_debug("netns %s: %s removed by the kernel with another object", nh_netns_label(ns), d->key);
	}
}

void nh_core_resynced(struct nh_core *c, struct nh_observed *obs, const char *reason)
{
	struct nh_netns *ns = obs->user;
	uint64_t now = core_now_us(c);

	c->totals.resyncs++;
	c->totals.resyncs_by_reason[nh_resync_reason_from_string(reason)]++;
	core_changed(c);
	if (ns) {
		validity_changed(c, ns);
		wake(ns, now);
	}
	requeue_waiting(c);
}

/* ---- policy --------------------------------------------------------------------- */

static bool same_backoff(const struct nh_backoff *a, const struct nh_backoff *b)
{
	return a->flap_count == b->flap_count && a->flap_window == b->flap_window &&
	       a->initial_ms == b->initial_ms && a->max_ms == b->max_ms;
}

/* Every record follows the policy in force. */
static int apply_policy(struct nh_core *c, const struct nh_policy *old)
{
	bool fresh = old && !same_backoff(&old->settings.backoff, &c->policy->settings.backoff);
	size_t damped = 0;
	struct nh_netns *ns, *tmp;

	for (size_t i = 0; i < c->policy->n_netns; i++)
		if (!c->policy->netns[i].match && !record_make(c, c->policy->netns[i].name))
			return -ENOMEM;
	if (!record_make(c, ""))
		return -ENOMEM;
	HASH_ITER(hh, c->by_name, ns, tmp) {
		struct nh_tracked *obj, *otmp;

		set_rule(ns, nh_world_rule_for(&c->world, ns->name));
		c->sorted_stale = true;
		HASH_ITER(hh, ns->objs, obj, otmp) {
			if (!fresh)
				continue;
			damped += obj->flap.flapping;
			nh_flap_clear(&obj->flap);
		}
		if (!ns->dirty && !record_needed(ns))
			mark_dirty(ns, core_now_us(c));         /* freed by the next pass */
	}
	/* SPEC §5.4: a reload keeps damping unless the backoff changed; an
	 * operator waiting on a damped object learns why it healed at once */
	if (damped)
		nh_notice("the backoff settings changed: flap damping starts afresh for %zu flapping object%s, "
			  "healed at once", damped, damped == 1 ? "" : "s");
	c->views_stale = true;
	return 0;
}

int nh_core_set_policy(struct nh_core *c, const struct nh_policy *policy)
{
	const struct nh_policy *old = c->policy;
	int r = nh_world_set_policy(&c->world, policy);

	if (r < 0)
		return r;       /* the world kept the old policy */
	c->policy = policy;
	r = apply_policy(c, old);
	if (r < 0) {
		/* records made for the new names are harmless; rules back */
		if (old && nh_world_set_policy(&c->world, old) == 0) {
			c->policy = old;
			apply_policy(c, NULL);
		}
		return r;
	}
	nh_core_mark_all(c, core_now_us(c));
	return 0;
}

const struct nh_policy *nh_core_policy(const struct nh_core *c)
{
	return c->policy;
}

/* ---- life ---------------------------------------------------------------------- */

int nh_core_new(const struct nh_core_config *cfg, const struct nh_policy *policy, struct nh_core **out)
{
	struct nh_core *c = calloc(1, sizeof(*c));
	int r;

	*out = NULL;
	if (!c)
		return -ENOMEM;
	c->cfg = *cfg;
	if (!c->cfg.now_us)
		c->cfg.now_us = nh_now_us;
	if (!c->cfg.wall_ms)
		c->cfg.wall_ms = nh_wall_ms;
	nh_world_init(&c->world);
	c->world.kernel_routes = cfg->kernel && cfg->kernel->kernel_routes;
	if (cfg->kernel && cfg->kernel->links_named) {
		c->world.links_named = cfg->kernel->links_named;
		c->world.links_ctx = cfg->kernel_ctx;
	}
	r = nh_core_set_policy(c, policy);
	if (r < 0) {
		nh_core_free(c);
		return r;
	}
	*out = c;
	return 0;
}

void nh_core_free(struct nh_core *c)
{
	struct nh_netns *ns, *tmp;

	if (!c)
		return;
	HASH_ITER(hh, c->by_name, ns, tmp)
		record_free(c, ns);
	nh_world_free(&c->world);
	free(c->waiting);
	free(c->sorted);
	free(c);
}

/* ---- reading -------------------------------------------------------------------- */

const struct nh_core_totals *nh_core_totals(const struct nh_core *c)
{
	return &c->totals;
}

/* c->sorted again: the managed records by name. 0 or -ENOMEM (as it was). */
static int sort_managed(struct nh_core *c)
{
	struct nh_netns *ns, *tmp;
	size_t n = 0;
	int r = nh_grow(&c->sorted, &c->cap_sorted, HASH_COUNT(c->by_name) + 1, sizeof(*c->sorted));

	if (r < 0)
		return r;
	HASH_ITER(hh, c->by_name, ns, tmp)
		if (ns->rule)
			c->sorted[n++] = ns;
	qsort(c->sorted, n, sizeof(*c->sorted), by_name);
	c->n_sorted = n;
	c->sorted_stale = false;
	return 0;
}

int nh_core_snapshot(struct nh_core *c, struct nh_core_snapshot *s)
{
	int r = c->sorted_stale ? sort_managed(c) : 0;

	s->totals = &c->totals;
	s->ns = r < 0 ? NULL : c->sorted;
	s->n = r < 0 ? 0 : c->n_sorted;
	return r;
}

void nh_core_snapshot_free(struct nh_core_snapshot *s)
{
	s->ns = NULL;
	s->n = 0;
}

size_t nh_core_count(const struct nh_core *c)
{
	return HASH_COUNT(c->by_name);
}

struct nh_netns *nh_core_find(struct nh_core *c, const char *name)
{
	return record_get(c, name);
}

void nh_core_each(struct nh_core *c, void (*fn)(struct nh_netns *ns, void *arg), void *arg)
{
	struct nh_netns *ns, *tmp;

	HASH_ITER(hh, c->by_name, ns, tmp)
		fn(ns, arg);
}

size_t nh_core_n_managed(const struct nh_core *c)
{
	const struct nh_netns *ns, *tmp;
	size_t n = 0;

	HASH_ITER(hh, c->by_name, ns, tmp)
		n += ns->rule != NULL;
	return n;
}

uint64_t nh_core_progress(const struct nh_core *c)
{
	return c->progress;
}

bool nh_core_overdue(const struct nh_core *c, uint64_t now_us, uint64_t grace_us)
{
	const struct nh_netns *ns, *tmp;

	if (c->dirty)
		return true;
	if (c->n_waiting && now_us > c->waiting_since_us + grace_us)
		return true;            /* a read it waits for never completes */
	HASH_ITER(hh, c->by_name, ns, tmp)
		if (ns->wake_at_us && now_us > ns->wake_at_us + grace_us)
			return true;
	return false;
}
