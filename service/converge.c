#include "policy/kind.h"
#include "converge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int nh_world_plan(struct nh_world *w, struct nh_plan *plan)
{
	int r = nh_world_views(w);

	if (r < 0)
		return r;
	return nh_diff_all(w->views, w->n_views, plan);
}

bool nh_world_audit(const struct nh_world *w, const struct nh_action *a)
{
	const struct nh_netns_rule *rule = nh_world_rule_for(w, a->netns);

	return nh_rule_mode(w->policy, rule) == NH_MODE_AUDIT;
}

int nh_world_exec(struct nh_world *w, const struct nh_action *a, struct nh_result *res)
{
	int r = nh_action_exec(&w->exec, a, res);

	if (!res->acked_us)
		res->acked_us = nh_now_us();    /* not a netlink request: done now */
	if (a->type == NH_ACT_NETNS_CREATE && (r == 0 || r == -EEXIST)) {
		struct nh_ns *ns;
		int q = nh_monitor_adopt(w->mon, a->netns, &ns);

		if (q < 0 && q != -EEXIST)
			return q;
		r = 0;
		res->err = 0;
	}
	return r;
}

/* Names of namespaces an action changes, so only they are read again. */
struct touched {
	char (*names)[NH_NETNS_NAMSIZ];
	size_t n, cap;
};

static int touch(struct touched *t, const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return 0;
	if (nh_grow(&t->names, &t->cap, t->n + 1, sizeof(*t->names)) < 0)
		return -ENOMEM;
	nh_strlcpy(t->names[t->n++], name, NH_NETNS_NAMSIZ);
	return 0;
}

static int touch_action(struct touched *t, const struct nh_action *a)
{
	int r = touch(t, a->netns);

	if (r == 0 && a->type == NH_ACT_LINK_MOVE)
		r = touch(t, a->from_netns);
	if (r == 0 && nh_kind_has(a->link.kind, NH_KIND_PAIR) && (a->link.has & NH_LINK_HAS_PEER))
		r = touch(t, a->link.peer_netns);
	return r;
}

static bool link_action(enum nh_action_type t)
{
	return t == NH_ACT_LINK_CREATE || t == NH_ACT_LINK_MOVE || t == NH_ACT_LINK_RENAME ||
	       t == NH_ACT_LINK_DELETE;
}

/* An earlier failure blocks what depends on it: everything in a namespace
 * that could not be created, everything on a link that could not be made. */
struct failure {
	enum nh_action_type type;
	char netns[NH_NETNS_NAMSIZ];
	char link[NH_IFNAMSIZ];
	bool blocks_link;               /* the link could not be made: its other actions wait */
	char object[96];
};

static const struct failure *blocked_by(const struct failure *f, size_t n, const struct nh_action *a)
{
	/* The action itself first: it is reported once, whatever blocked it. */
	for (size_t i = 0; i < n; i++)
		if (f[i].type == a->type && strcmp(f[i].netns, a->netns) == 0 &&
		    strcmp(f[i].object, a->object) == 0 && strcmp(f[i].link, a->link.name) == 0)
			return &f[i];
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i].netns, a->netns) != 0)
			continue;
		if (f[i].type == NH_ACT_NETNS_CREATE)
			return &f[i];
		if (f[i].blocks_link && strcmp(f[i].link, a->link.name) == 0)
			return &f[i];
	}
	return NULL;
}

static int record_failure(struct failure **fails, size_t *n, size_t *cap, const struct nh_action *a)
{
	struct failure *f;

	if (nh_grow(fails, cap, *n + 1, sizeof(**fails)) < 0)
		return -ENOMEM;
	f = &(*fails)[(*n)++];
	memset(f, 0, sizeof(*f));
	f->type = a->type;
	nh_strlcpy(f->netns, a->netns, sizeof(f->netns));
	nh_strlcpy(f->link, a->link.name, sizeof(f->link));
	f->blocks_link = link_action(a->type);
	nh_strlcpy(f->object, a->object, sizeof(f->object));
	return 0;
}

static int refresh(struct nh_world *w, const struct touched *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct nh_ns *ns = nh_monitor_find(w->mon, t->names[i]);

		if (ns)
			(void)nh_ns_refresh(ns);
	}
	return nh_world_views(w);
}

int nh_converge(struct nh_world *w, const struct nh_converge_ops *ops, void *ctx)
{
	struct failure *fails = NULL;
	size_t n_fails = 0, cap_fails = 0, left = 0;
	struct touched t = { 0 };
	struct nh_plan plan;
	int r = 0;

	nh_plan_init(&plan);
	for (int round = 0; round < NH_CONVERGE_ROUNDS; round++) {
		size_t executed = 0;

		nh_plan_free(&plan);
		nh_plan_init(&plan);
		r = nh_world_plan(w, &plan);
		if (r < 0)
			goto out;
		t.n = 0;
		for (size_t i = 0; i < plan.n; i++) {
			const struct nh_action *a = &plan.actions[i];
			const struct failure *f;
			struct nh_result res;

			if (nh_action_is_report(a->type))
				continue;
			if (nh_world_audit(w, a)) {
				if (round == 0 && ops->skipped)
					ops->skipped(a, "audit mode", ctx);
				continue;
			}
			f = blocked_by(fails, n_fails, a);
			if (f && f->type == a->type && strcmp(f->object, a->object) == 0 &&
			    strcmp(f->link, a->link.name) == 0)
				continue;       /* failed once in this run: reported already */
			if (f) {
				if (ops->skipped)
					ops->skipped(a, f->type == NH_ACT_NETNS_CREATE ?
						     "its namespace could not be created" :
						     "its link could not be made", ctx);
				r = record_failure(&fails, &n_fails, &cap_fails, a);
				if (r < 0)
					goto out;
				continue;
			}
			memset(&res, 0, sizeof(res));
			(void)nh_world_exec(w, a, &res);
			executed++;
			if (ops->done)
				ops->done(a, &res, ctx);
			r = touch_action(&t, a);
			if (r < 0)
				goto out;
			if (res.err == 0 || res.err == -EEXIST)
				continue;
			r = record_failure(&fails, &n_fails, &cap_fails, a);
			if (r < 0)
				goto out;
		}
		r = refresh(w, &t);
		if (r < 0)
			goto out;
		if (executed == 0)
			break;
	}
	/* What is left after the last round. */
	nh_plan_free(&plan);
	nh_plan_init(&plan);
	r = nh_world_plan(w, &plan);
	if (r < 0)
		goto out;
	(void)nh_world_learn(w);
	for (size_t i = 0; i < plan.n; i++) {
		left++;
		if (ops->left)
			ops->left(&plan.actions[i], ctx);
	}
	r = (int)left;
out:
	nh_plan_free(&plan);
	free(fails);
	free(t.names);
	return r;
}
