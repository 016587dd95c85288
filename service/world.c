#include "world.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int known_ifindex(void *ctx, const char *netns, const char *link)
{
	const struct nh_world *w = ctx;

	for (size_t i = 0; i < w->n_known; i++)
		if (strcmp(w->known[i].netns, netns) == 0 && strcmp(w->known[i].link, link) == 0)
			return w->known[i].ifindex;
	return 0;
}

int nh_world_init(struct nh_world *w, const struct nh_policy *policy, struct nh_monitor *mon)
{
	memset(w, 0, sizeof(*w));
	w->policy = policy;
	w->mon = mon;
	w->exec.netns = nh_world_exec_netns;
	w->exec.ctx = w;
	w->exec.netns_dir = policy->settings.netns_dir;
	return nh_world_views(w);
}

void nh_world_free(struct nh_world *w)
{
	if (!w)
		return;
	free(w->views);
	free(w->known);
	memset(w, 0, sizeof(*w));
}

void nh_world_set_policy(struct nh_world *w, const struct nh_policy *policy)
{
	w->policy = policy;
	w->exec.netns_dir = policy->settings.netns_dir;
}

static int add_view(struct nh_world *w, const char *name, const struct nh_state *have)
{
	struct nh_view *v;
	int r = nh_grow(&w->views, &w->cap_views, w->n_views + 1, sizeof(*w->views));

	if (r < 0)
		return r;
	v = &w->views[w->n_views++];
	v->name = name;
	v->rule = nh_policy_rule_for(w->policy, name);
	v->have = have;
	v->known_ifindex = known_ifindex;
	v->known_ctx = w;
	return 0;
}

int nh_world_views(struct nh_world *w)
{
	const struct nh_policy *p = w->policy;
	size_t n = nh_monitor_count(w->mon);
	int r;

	w->n_views = 0;
	for (size_t i = 0; i < n; i++) {
		struct nh_ns *ns = nh_monitor_at(w->mon, i);

		r = add_view(w, ns->name, ns->have_valid ? &ns->have : NULL);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_netns; i++) {
		const struct nh_netns_rule *rule = &p->netns[i];

		if (rule->match || nh_monitor_find(w->mon, rule->name))
			continue;
		r = add_view(w, rule->name, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

ssize_t nh_world_view_index(const struct nh_world *w, const char *name)
{
	for (size_t i = 0; i < w->n_views; i++)
		if (strcmp(w->views[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static int learn_one(struct nh_world *w, const char *netns, const struct nh_link *l)
{
	struct nh_known_link *k;
	int r;

	for (size_t i = 0; i < w->n_known; i++) {
		k = &w->known[i];
		if (strcmp(k->netns, netns) == 0 && strcmp(k->link, l->name) == 0) {
			k->ifindex = l->ifindex;
			return 0;
		}
	}
	r = nh_grow(&w->known, &w->cap_known, w->n_known + 1, sizeof(*w->known));
	if (r < 0)
		return r;
	k = &w->known[w->n_known++];
	nh_strlcpy(k->netns, netns, sizeof(k->netns));
	nh_strlcpy(k->link, l->name, sizeof(k->link));
	k->ifindex = l->ifindex;
	return 0;
}

int nh_world_learn(struct nh_world *w)
{
	for (size_t i = 0; i < w->n_views; i++) {
		const struct nh_view *v = &w->views[i];

		if (!v->rule || !v->have)
			continue;
		for (size_t j = 0; j < v->rule->want.n_links; j++) {
			const struct nh_link *have = nh_state_link_by_name(v->have, v->rule->want.links[j].name);
			int r;

			if (!have)
				continue;
			r = learn_one(w, v->name, have);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int nh_world_exec_netns(void *ctx, const char *name, struct nh_exec_ns *out)
{
	struct nh_world *w = ctx;
	struct nh_ns *ns = nh_monitor_find(w->mon, name);
	int r;

	if (!ns) {
		r = nh_monitor_adopt(w->mon, name, &ns);
		if (r < 0)
			return r;
	}
	out->fd = ns->fd;
	out->nl = &ns->req;
	return 0;
}
