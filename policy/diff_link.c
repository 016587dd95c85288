/*
 * Links: where each desired link is (here, renamed, elsewhere, gone), what
 * to do about it, and the actions that do it. veth pairs are decided as a
 * whole by plan_pair, the same way whichever end asks.
 */
#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "diff_priv.h"
#include "kind.h"

/* ---- where a link is ---- */

enum where {
	END_GONE = 0,
	END_HERE,       /* by name, with an acceptable kind */
	END_WRONG,      /* by name, of another kind */
	END_RENAMED,    /* by its known ifindex, under another name */
	END_AWAY,       /* by name, in another namespace that does not want it */
};

struct end {
	enum where where;
	const struct nh_link *obs;
	size_t src;                     /* END_AWAY: the view it is in */
};

/* A policy link without kind, or `physical`, takes whatever device is there. */
static bool kind_ok(const struct nh_link *want, const struct nh_link *have)
{
	if (!want->kind || (want->kind->flags & NH_KIND_FROM_HOST))
		return true;
	return have->kind == want->kind;
}

/* Whether a link like want found in views[y] may be moved into its place. */
static bool may_move_from(const struct diff_ctx *c, const struct nh_link *want, size_t y)
{
	if (!want->kind)
		return false;           /* netheal never moves a link without kind */
	if (want->kind->flags & NH_KIND_FROM_HOST)
		return y == c->host;
	return want->kind->flags & NH_KIND_MOVABLE;
}

static bool rule_wants(const struct nh_view *v, const char *name)
{
	return v->rule && nh_state_link_by_name(&v->rule->want, name);
}

/* The link this namespace last knew by want's name, now under another name
 * the rule does not use. Only in a namespace that exists now. */
static const struct nh_link *find_renamed(const struct diff_ctx *c, size_t x, const struct nh_link *want)
{
	const struct nh_view *v = &c->views[x];
	const struct nh_link *l;
	int idx;

	if (!v->have || !v->known_ifindex)
		return NULL;
	idx = v->known_ifindex(v->known_ctx, v->name, want->name);
	if (idx <= 0)
		return NULL;
	l = nh_state_link_by_index(v->have, idx);
	if (!l || !kind_ok(want, l) || strcmp(l->name, want->name) == 0 || rule_wants(v, l->name))
		return NULL;
	return l;
}

/* A link of want's name and kind in another namespace that does not want
 * it. Several: the namespace first by name, so the answer does not depend
 * on the order of the views. */
static const struct nh_link *find_away(const struct diff_ctx *c, size_t x, const struct nh_link *want,
				       size_t *src)
{
	const struct nh_view *home = &c->views[x];
	const struct nh_link *best = NULL;

	if (home->links_named && home->links_named(home->known_ctx, want->name) == 0)
		return NULL;            /* no namespace has one */
	for (size_t y = 0; y < c->n; y++) {
		const struct nh_view *v = &c->views[y];
		const struct nh_link *l;

		if (y == x || !v->have || !may_move_from(c, want, y) || rule_wants(v, want->name))
			continue;
		l = nh_state_link_by_name(v->have, want->name);
		if (!l || !kind_ok(want, l))
			continue;
		if (best && strcmp(v->name, c->views[*src].name) >= 0)
			continue;
		best = l;
		*src = y;
	}
	return best;
}

static struct end resolve_end(const struct diff_ctx *c, size_t x, const struct nh_link *want)
{
	const struct nh_state *st = diff_view_state(c, x);
	struct end e = { .where = END_GONE };

	if (!st)
		return e;
	e.obs = nh_state_link_by_name(st, want->name);
	if (e.obs) {
		e.where = kind_ok(want, e.obs) ? END_HERE : END_WRONG;
		return e;
	}
	e.obs = find_renamed(c, x, want);
	if (e.obs) {
		e.where = END_RENAMED;
		return e;
	}
	e.obs = find_away(c, x, want, &e.src);
	if (e.obs)
		e.where = END_AWAY;
	return e;
}

static bool end_alive(const struct end *e)
{
	return e->where == END_HERE || e->where == END_RENAMED || e->where == END_AWAY;
}

/* Two observed veth ends are each other's peer, as far as the state tells
 * (IFLA_LINK of each is the other's ifindex; unknown counts as yes). */
static bool partners(const struct nh_link *x, const struct nh_link *y)
{
	if (x->link_index && y->ifindex && x->link_index != y->ifindex)
		return false;
	if (y->link_index && x->ifindex && y->link_index != x->ifindex)
		return false;
	return true;
}

/* ---- plans ---- */

static void lp_init(struct link_plan *lp, const struct nh_link *want, size_t ns)
{
	memset(lp, 0, sizeof(*lp));
	lp->want = want;
	lp->ns = ns;
}

static void lp_set(struct link_plan *lp, enum fate f, const struct end *e)
{
	lp->fate = f;
	lp->obs = e->obs;
	lp->src = e->src;
}

/* An end we may heal but not create, move or delete. */
static void plan_in_place(struct link_plan *lp, const struct end *e)
{
	switch (e->where) {
	case END_HERE:
		lp_set(lp, FATE_KEEP, e);
		break;
	case END_RENAMED:
		lp_set(lp, FATE_RENAME, e);
		break;
	case END_WRONG:
		lp_set(lp, FATE_CONFLICT, e);
		break;
	default:
		lp->fate = FATE_NONE;
		break;
	}
}

static bool host_keeps(const struct diff_ctx *c, const char *name)
{
	const struct nh_state *st = diff_view_state(c, c->host);

	return st && nh_state_link_by_name(st, name) && rule_wants(&c->views[c->host], name);
}

static void plan_single(const struct diff_ctx *c, size_t x, const struct nh_link *want, struct link_plan *lp)
{
	struct end e = resolve_end(c, x, want);

	lp_init(lp, want, x);
	switch (e.where) {
	case END_HERE:
	case END_RENAMED:
		plan_in_place(lp, &e);
		break;
	case END_WRONG:
		/* only creatable kinds can be of the wrong kind */
		if (want->replace) {
			lp->del = e.obs;
			lp->fate = FATE_CREATE;
		} else {
			lp_set(lp, FATE_CONFLICT, &e);
		}
		break;
	case END_AWAY:
		lp_set(lp, FATE_MOVE, &e);
		break;
	case END_GONE:
		if (nh_kind_has(want->kind, NH_KIND_CREATABLE)) {
			lp->fate = FATE_CREATE;
		} else {
			lp->fate = FATE_MISSING;
			if (nh_kind_has(want->kind, NH_KIND_FROM_HOST) && x != c->host)
				lp->why = host_keeps(c, want->name) ? WHY_HOST_KEEPS : WHY_NOT_IN_HOST;
		}
		break;
	}
}

struct pair_plan {
	struct link_plan p, q;
	bool q_by_b;                    /* the peer's namespace's diff emits q */
};

/* The peer end as its namespace's rule spells it, or a bare one. */
static const struct nh_link *peer_want(const struct diff_ctx *c, size_t a, size_t b,
				       const struct nh_link *p, struct nh_link *synth)
{
	const struct nh_link *q = NULL;

	if (b < c->n && c->views[b].rule)
		q = nh_state_link_by_name(&c->views[b].rule->want, p->peer_name);
	if (q)
		return q;
	memset(synth, 0, sizeof(*synth));
	nh_strlcpy(synth->name, p->peer_name, sizeof(synth->name));
	synth->kind = p->kind;
	synth->flags = NH_LINK_FLAG_PEER_END;
	synth->has = NH_LINK_HAS_PEER;
	nh_strlcpy(synth->peer_name, p->name, sizeof(synth->peer_name));
	nh_strlcpy(synth->peer_netns, c->views[a].name, sizeof(synth->peer_netns));
	synth->origin = p->peer_origin;
	return synth;
}

/* Both ends are there (here, renamed or elsewhere): keep the pair. */
static void plan_alive(struct link_plan *lp, const struct end *e)
{
	if (e->where == END_AWAY)
		lp_set(lp, FATE_MOVE, e);
	else
		plan_in_place(lp, e);
}

/* An end is gone: delete what is left, create the pair. */
static void plan_broken(struct link_plan *lp, const struct end *e)
{
	if (e->where == END_HERE || e->where == END_RENAMED)
		lp->del = e->obs;
	lp->fate = FATE_CREATE;
}

static void plan_pair_ends(const struct nh_link *p, const struct nh_link *q, struct end ep, struct end eq,
			   struct pair_plan *pp)
{
	if (!p->replace && !q->replace && (ep.where == END_WRONG || eq.where == END_WRONG)) {
		/* a name is taken: leave the pair alone, say so */
		plan_in_place(&pp->p, &ep);
		plan_in_place(&pp->q, &eq);
		return;
	}
	if (ep.where == END_WRONG) {
		pp->p.del = ep.obs;
		ep = (struct end){ .where = END_GONE };
	}
	if (eq.where == END_WRONG) {
		pp->q.del = eq.obs;
		eq = (struct end){ .where = END_GONE };
	}
	/* A veth found elsewhere is ours only when it is the other end's
	 * partner; else it is someone else's and we leave it alone. */
	if (ep.where == END_AWAY && !(end_alive(&eq) && partners(ep.obs, eq.obs)))
		ep = (struct end){ .where = END_GONE };
	if (eq.where == END_AWAY && !(end_alive(&ep) && partners(eq.obs, ep.obs)))
		eq = (struct end){ .where = END_GONE };
	if (end_alive(&ep) && end_alive(&eq)) {
		plan_alive(&pp->p, &ep);
		plan_alive(&pp->q, &eq);
		return;
	}
	plan_broken(&pp->p, &ep);
	plan_broken(&pp->q, &eq);
}

/* Decide for the pair whose primary end p belongs to views[a]. */
static void plan_pair(const struct diff_ctx *c, size_t a, const struct nh_link *p, struct nh_link *synth,
		      struct pair_plan *pp)
{
	size_t b = diff_view_by_name(c, p->peer_netns);
	const struct nh_link *q = peer_want(c, a, b, p, synth);
	struct end ep, eq;

	lp_init(&pp->p, p, a);
	lp_init(&pp->q, q, b);
	pp->q_by_b = true;
	if (!diff_view_state(c, a)) {
		/* the primary's namespace is gone for good (reported there):
		 * the peer end is healed where it stands */
		eq = resolve_end(c, b, q);
		plan_in_place(&pp->q, &eq);
		return;
	}
	ep = resolve_end(c, a, p);
	if (!diff_view_state(c, b)) {
		/* no namespace for the peer: the pair cannot be created */
		plan_in_place(&pp->p, &ep);
		if (pp->p.fate == FATE_NONE) {
			pp->p.fate = FATE_MISSING;
			pp->p.why = WHY_PEER_NETNS;
		}
		pp->q.fate = FATE_NONE;
		return;
	}
	eq = resolve_end(c, b, q);
	plan_pair_ends(p, q, ep, eq, pp);
	pp->q_by_b = pp->q.fate == FATE_KEEP && q != synth;
}

/* The primary end of peer end q of views[x], or NULL when the policy has
 * none that names q back. */
static const struct nh_link *primary_of(const struct diff_ctx *c, size_t x, const struct nh_link *q, size_t *a)
{
	const struct nh_link *p;

	*a = diff_view_by_name(c, q->peer_netns);
	if (*a >= c->n || !c->views[*a].rule)
		return NULL;
	p = nh_state_link_by_name(&c->views[*a].rule->want, q->peer_name);
	if (!p || !(p->has & NH_LINK_HAS_PEER) || (p->flags & NH_LINK_FLAG_PEER_END))
		return NULL;
	if (strcmp(p->peer_name, q->name) != 0 || diff_view_by_name(c, p->peer_netns) != x)
		return NULL;
	return p;
}

void diff_plan_link(const struct diff_ctx *c, size_t x, const struct nh_link *want,
		    struct link_plan *lp, struct link_plan *peer, struct nh_link *synth)
{
	struct pair_plan pp;

	lp_init(peer, NULL, c->n);
	peer->remote = true;
	if (want->flags & NH_LINK_FLAG_PEER_END) {
		const struct nh_link *p;
		size_t a;

		p = primary_of(c, x, want, &a);
		if (!p) {
			struct end e = resolve_end(c, x, want);

			lp_init(lp, want, x);
			plan_in_place(lp, &e);
			return;
		}
		plan_pair(c, a, p, synth, &pp);
		*lp = pp.q;
		lp->remote = !pp.q_by_b;
		return;
	}
	if (nh_kind_has(want->kind, NH_KIND_PAIR) && (want->has & NH_LINK_HAS_PEER)) {
		plan_pair(c, x, want, synth, &pp);
		*lp = pp.p;
		*peer = pp.q;
		peer->remote = pp.q_by_b;
		return;
	}
	plan_single(c, x, want, lp);
}

/* ---- emitting ---- */

static const char *kind_words(const struct nh_link *l)
{
	if (l->kind_name[0])
		return l->kind_name;
	if (!l->kind)
		return "device without kind";
	return l->kind->name;
}

/* The link's master as a name once this plan's deletes are done: the
 * monitor fills `master`; fall back to master_index in the same namespace. */
static const char *observed_master(const struct diff_ctx *c, size_t ns, const struct nh_link *l)
{
	const struct nh_state *st;
	const struct nh_link *m;
	const char *name = l->master;

	if (!name[0] && l->master_index) {
		st = diff_view_state(c, ns);
		m = st ? nh_state_link_by_index(st, l->master_index) : NULL;
		name = m ? m->name : "?";
	}
	if (!name[0] && !l->master_index)
		return name;
	/* a port leaves its master when the master is deleted, and stays on
	 * it when it is renamed */
	if (diff_deletes(c, ns, l->master_index, name))
		return "";
	return diff_renamed_to(c, ns, l->master_index, name);
}

/* The plan of the master the policy defines, into lp; false when it
 * defines none. */
static bool plan_master(const struct diff_ctx *c, size_t ns, const char *name, struct link_plan *lp)
{
	const struct nh_netns_rule *rule = c->views[ns].rule;
	const struct nh_link *m = rule ? nh_state_link_by_name(&rule->want, name) : NULL;
	struct link_plan peer;
	struct nh_link synth;

	if (!m)
		return false;
	diff_plan_link(c, ns, m, lp, &peer, &synth);
	return true;
}

/* set-master of lp's link, now in now_master (or in none: ""). */
static int emit_master(struct diff_ctx *c, const struct link_plan *lp, const char *now_master, int ifindex,
		       bool fresh)
{
	const struct nh_link *w = lp->want;
	struct link_plan mp;
	bool defined = plan_master(c, lp->ns, w->master, &mp);
	char obj[96];
	struct nh_action a;

	/* a master that is itself reported (conflict, missing) cannot take
	 * ports: setting it could only fail */
	if (defined && !diff_fate_exists(mp.fate))
		return 0;
	diff_action_init(&a, NH_ACT_LINK_SET_MASTER, c->views[lp->ns].name, w, ifindex);
	/* a master made anew took its ports with it: their heal is its */
	a.consequence = fresh || (defined && diff_link_fresh(c, &mp));
	snprintf(obj, sizeof(obj), "master:%s", w->master);
	if (now_master[0])
		return diff_emit(c, &a, obj, "%s has master %s, policy wants %s", w->name, now_master, w->master);
	return diff_emit(c, &a, obj, "%s has no master, policy wants %s", w->name, w->master);
}

/*
 * set-* for every setting the policy names that differs from now (the link
 * as it is, or as it will be after this plan created or moved it). skip:
 * NH_LINK_HAS_* bits already taken care of (mtu, mac in a create request).
 */
static int emit_settings(struct diff_ctx *c, const struct link_plan *lp, const struct nh_link *now,
			 const char *now_master, int ifindex, uint32_t skip)
{
	const struct nh_link *w = lp->want;
	const char *ns = c->views[lp->ns].name;
	bool fresh = diff_link_fresh(c, lp);
	uint32_t has = w->has & ~skip;
	char obj[96], m1[NH_MAC_STRLEN], m2[NH_MAC_STRLEN];
	struct nh_action a;
	int r;

	if ((has & NH_LINK_HAS_MASTER) && strcmp(now_master, w->master) != 0 &&
	    (r = emit_master(c, lp, now_master, ifindex, fresh)) < 0)
		return r;
	if ((has & NH_LINK_HAS_MTU) && now->mtu != w->mtu) {
		diff_action_init(&a, NH_ACT_LINK_SET_MTU, ns, w, ifindex);
		a.consequence = fresh;
		snprintf(obj, sizeof(obj), "mtu:%u", w->mtu);
		if (now->mtu)
			r = diff_emit(c, &a, obj, "%s mtu is %u, policy wants %u", w->name, now->mtu, w->mtu);
		else
			r = diff_emit(c, &a, obj, "%s is new, policy wants mtu %u", w->name, w->mtu);
		if (r < 0)
			return r;
	}
	if ((has & NH_LINK_HAS_MAC) && memcmp(now->mac, w->mac, sizeof(w->mac)) != 0) {
		diff_action_init(&a, NH_ACT_LINK_SET_MAC, ns, w, ifindex);
		a.consequence = fresh;
		snprintf(obj, sizeof(obj), "mac:%s", nh_mac_str(w->mac, m2, sizeof(m2)));
		/* a link to be made has no MAC yet: told as for its MTU above */
		if (now->mtu)
			r = diff_emit(c, &a, obj, "%s mac is %s, policy wants %s", w->name,
				      nh_mac_str(now->mac, m1, sizeof(m1)), m2);
		else
			r = diff_emit(c, &a, obj, "%s is new, policy wants mac %s", w->name, m2);
		if (r < 0)
			return r;
	}
	if ((has & NH_LINK_HAS_UP) && now->up != w->up) {
		diff_action_init(&a, NH_ACT_LINK_SET_UP, ns, w, ifindex);
		a.consequence = fresh;
		r = diff_emit(c, &a, w->up ? "state:up" : "state:down", "%s is %s", w->name, now->up ? "up" : "down");
		if (r < 0)
			return r;
	}
	return 0;
}

static int emit_delete(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_link *w = lp->want, *d = lp->del;
	struct nh_action a;
	char obj[96];

	diff_action_init(&a, NH_ACT_LINK_DELETE, c->views[lp->ns].name, w, d->ifindex);
	snprintf(obj, sizeof(obj), "link:%s", d->name);
	if (!kind_ok(w, d))
		return diff_emit(c, &a, obj, "link %s is %s %s, policy wants %s", d->name,
				 nh_a_or_an(kind_words(d)), kind_words(d),
			    nh_kind_name(w->kind));
	/* its peer went with its namespace, and the kernel will take it too:
	 * what the heal needs now is its name. A peer moved into a namespace
	 * that is still there goes with the delete, at once. */
	a.set_aside = !diff_view_exists(c, diff_view_by_name(c, w->peer_netns));
	return diff_emit(c, &a, obj, "veth %s lost its peer %s", d->name, w->peer_name);
}

static int emit_report(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_link *w = lp->want;
	const char *ns = c->views[lp->ns].name;
	struct nh_action a;
	char obj[96];

	snprintf(obj, sizeof(obj), "link:%s", w->name);
	if (lp->fate == FATE_CONFLICT) {
		diff_action_init(&a, NH_ACT_REPORT_CONFLICT, ns, w, lp->obs->ifindex);
		return diff_emit(c, &a, obj, "link %s is %s %s, policy wants %s", w->name,
				 nh_a_or_an(kind_words(lp->obs)), kind_words(lp->obs),
			    nh_kind_name(w->kind));
	}
	diff_action_init(&a, NH_ACT_REPORT_MISSING, ns, w, 0);
	switch (lp->why) {
	case WHY_NOT_IN_HOST:
		return diff_emit(c, &a, obj, "link %s missing, and not in the host namespace either", w->name);
	case WHY_HOST_KEEPS:
		return diff_emit(c, &a, obj, "link %s missing; the host's policy keeps %s in the host",
				 w->name, w->name);
	case WHY_PEER_NETNS:
		return diff_emit(c, &a, obj, "link %s missing, and its peer's namespace %s does not exist",
			    w->name, w->peer_netns[0] ? w->peer_netns : "host");
	default:
		/* a kind netheal never makes: say so, or `missing -> missing`
		 * tells the reader nothing (a new user's trial) */
		if (!w->kind)
			return diff_emit(c, &a, obj, "link %s missing; it has no kind: netheal waits for it and "
					 "makes none (one for netheal to make needs `kind`)", w->name);
		return diff_emit(c, &a, obj, "link %s missing; netheal makes no %s link, it waits for one",
				 w->name, nh_kind_name(w->kind));
	}
}

static int emit_rename(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_link *w = lp->want;
	struct nh_link now = *lp->obs;
	struct nh_action a;
	char obj[96];
	int r;

	diff_action_init(&a, NH_ACT_LINK_RENAME, c->views[lp->ns].name, w, lp->obs->ifindex);
	snprintf(obj, sizeof(obj), "link:%s", w->name);
	r = diff_emit(c, &a, obj, "link %s was renamed to %s", w->name, lp->obs->name);
	if (r < 0)
		return r;
	nh_strlcpy(now.name, w->name, sizeof(now.name));
	return emit_settings(c, lp, &now, observed_master(c, lp->ns, lp->obs), lp->obs->ifindex, 0);
}

static int emit_move(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_link *w = lp->want;
	const char *from = c->views[lp->src].name;
	struct nh_link now = *lp->obs;
	struct nh_action a;
	char obj[96];
	int r;

	diff_action_init(&a, NH_ACT_LINK_MOVE, c->views[lp->ns].name, w, lp->obs->ifindex);
	nh_strlcpy(a.from_netns, from, sizeof(a.from_netns));
	snprintf(obj, sizeof(obj), "link:%s", w->name);
	if (from[0])
		r = diff_emit(c, &a, obj, "link %s is in namespace %s", w->name, from);
	else
		r = diff_emit(c, &a, obj, "link %s is in the host namespace", w->name);
	if (r < 0)
		return r;
	/* the kernel brings a moved link down and takes it off its master;
	 * mtu and mac travel with it */
	nh_strlcpy(now.name, w->name, sizeof(now.name));
	now.up = false;
	return emit_settings(c, lp, &now, "", 0, 0);
}

static int emit_create(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_link *w = lp->want;
	struct nh_link now;
	struct nh_action a;
	char obj[96];
	uint32_t skip = 0;
	int r;

	memset(&now, 0, sizeof(now));
	nh_strlcpy(now.name, w->name, sizeof(now.name));
	if (!(w->flags & NH_LINK_FLAG_PEER_END)) {
		/* a peer end is made by its primary's create-link */
		diff_action_init(&a, NH_ACT_LINK_CREATE, c->views[lp->ns].name, w, 0);
		snprintf(obj, sizeof(obj), "link:%s", w->name);
		if (lp->del && kind_ok(w, lp->del))
			r = diff_emit(c, &a, obj, "veth %s lost its peer %s", w->name, w->peer_name);
		else if (lp->del)
			r = diff_emit(c, &a, obj, "link %s is %s %s, policy wants %s", w->name,
				 nh_a_or_an(kind_words(lp->del)), kind_words(lp->del),
				 nh_kind_name(w->kind));
		else
			r = diff_emit(c, &a, obj, "link %s missing", w->name);
		if (r < 0)
			return r;
		skip = NH_LINK_HAS_MTU | NH_LINK_HAS_MAC;       /* in the create request */
	}
	return emit_settings(c, lp, &now, "", 0, skip);
}

int diff_emit_link(struct diff_ctx *c, const struct link_plan *lp)
{
	int r;

	if (lp->del && (r = emit_delete(c, lp)) < 0)
		return r;
	switch (lp->fate) {
	case FATE_KEEP:
		return emit_settings(c, lp, lp->obs, observed_master(c, lp->ns, lp->obs), lp->obs->ifindex, 0);
	case FATE_RENAME:
		return emit_rename(c, lp);
	case FATE_MOVE:
		return emit_move(c, lp);
	case FATE_CREATE:
		return emit_create(c, lp);
	case FATE_CONFLICT:
	case FATE_MISSING:
		return emit_report(c, lp);
	default:
		return 0;
	}
}
