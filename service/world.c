#include "policy/kind.h"
#include "world.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static void known_key(char *buf, size_t size, const char *netns, const char *link)
{
	snprintf(buf, size, "%s/%s", netns, link);     /* '/' is in no name */
}

static int known_ifindex(void *ctx, const char *netns, const char *link)
{
	const struct nh_world *w = ctx;
	char key[sizeof(((struct nh_known_link *)0)->key)];
	const struct nh_known_link *k;

	known_key(key, sizeof(key), netns, link);
	k = nh_strmap_get(&w->known, key);
	return k ? k->ifindex : 0;
}

static void free_lists(struct nh_strmap *m)
{
	for (size_t i = 0; i < m->cap; i++) {
		struct nh_rule_list *l = m->slots[i].value;

		if (l) {
			free(l->v);
			free(l);
		}
	}
	nh_strmap_free(m);
}

/* Add r under key (once). */
static int list_add(struct nh_strmap *m, const char *key, const struct nh_netns_rule *r)
{
	struct nh_rule_list *l = nh_strmap_get(m, key);

	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l)
			return -ENOMEM;
		nh_strlcpy(l->key, key, sizeof(l->key));
		if (nh_strmap_put(m, l->key, l) < 0) {
			free(l);
			return -ENOMEM;
		}
	}
	if (l->n && l->v[l->n - 1] == r)
		return 0;
	if (nh_grow(&l->v, &l->cap, l->n + 1, sizeof(*l->v)) < 0)
		return -ENOMEM;
	l->v[l->n++] = r;
	return 0;
}

static int index_links(struct nh_world *w, const struct nh_netns_rule *r)
{
	char key[sizeof(((struct nh_rule_list *)0)->key)];

	for (size_t j = 0; j < r->want.n_links; j++) {
		const struct nh_link *l = &r->want.links[j];
		int err = list_add(&w->wanting, l->name, r);

		if (err == 0 && nh_kind_has(l->kind, NH_KIND_FROM_HOST)) {
			known_key(key, sizeof(key), "", l->name);
			err = list_add(&w->refs, key, r);
		}
		if (err == 0 && nh_kind_has(l->kind, NH_KIND_PAIR) && (l->has & NH_LINK_HAS_PEER)) {
			known_key(key, sizeof(key), l->peer_netns, l->peer_name);
			err = list_add(&w->refs, key, r);
		}
		if (err < 0)
			return err;
	}
	return 0;
}

static int index_rules(struct nh_world *w)
{
	int r;

	nh_strmap_clear(&w->rule_by_name);
	free_lists(&w->refs);
	free_lists(&w->wanting);
	r = index_links(w, &w->policy->host);
	for (size_t i = 0; r == 0 && i < w->policy->n_netns; i++) {
		const struct nh_netns_rule *rule = &w->policy->netns[i];

		if (!rule->match && nh_strmap_put(&w->rule_by_name, rule->name, (void *)rule) < 0)
			return -ENOMEM;
		r = index_links(w, rule);
	}
	return r;
}

const struct nh_rule_list *nh_world_refs(const struct nh_world *w, const char *netns, const char *link)
{
	char key[sizeof(((struct nh_rule_list *)0)->key)];

	known_key(key, sizeof(key), netns, link);
	return nh_strmap_get(&w->refs, key);
}

const struct nh_rule_list *nh_world_wanting(const struct nh_world *w, const char *link)
{
	return nh_strmap_get(&w->wanting, link);
}

int nh_world_init(struct nh_world *w, const struct nh_policy *policy, struct nh_monitor *mon)
{
	int r;

	memset(w, 0, sizeof(*w));
	w->mon = mon;
	w->exec.netns = nh_world_exec_netns;
	w->exec.ctx = w;
	r = nh_world_set_policy(w, policy);
	return r < 0 ? r : nh_world_views(w);
}

static void forget_known(struct nh_world *w)
{
	for (size_t i = 0; i < w->known.cap; i++)
		free(w->known.slots[i].value);
	nh_strmap_free(&w->known);
}

void nh_world_free(struct nh_world *w)
{
	if (!w)
		return;
	free(w->views);
	nh_strmap_free(&w->view_by_name);
	nh_strmap_free(&w->rule_by_name);
	free_lists(&w->refs);
	free_lists(&w->wanting);
	forget_known(w);
	memset(w, 0, sizeof(*w));
}

int nh_world_set_policy(struct nh_world *w, const struct nh_policy *policy)
{
	w->policy = policy;
	w->exec.netns_dir = policy->settings.netns_dir;
	return index_rules(w);
}

const struct nh_netns_rule *nh_world_rule_for(const struct nh_world *w, const char *netns)
{
	const struct nh_netns_rule *r;

	if (!*netns)
		return &w->policy->host;
	r = nh_strmap_get(&w->rule_by_name, netns);
	if (r)
		return r;
	for (size_t i = 0; i < w->policy->n_netns; i++) {
		r = &w->policy->netns[i];
		if (r->match && fnmatch(r->match, netns, FNM_PERIOD) == 0)
			return r;
	}
	return NULL;
}

static int add_view(struct nh_world *w, const char *name, const struct nh_state *have)
{
	struct nh_view *v;
	int r = nh_grow(&w->views, &w->cap_views, w->n_views + 1, sizeof(*w->views));

	if (r < 0)
		return r;
	v = &w->views[w->n_views++];
	v->name = name;
	v->rule = nh_world_rule_for(w, name);
	v->have = have;
	v->known_ifindex = known_ifindex;
	v->known_ctx = w;
	return nh_strmap_put(&w->view_by_name, name, (void *)(uintptr_t)w->n_views);
}

int nh_world_views(struct nh_world *w)
{
	const struct nh_policy *p = w->policy;
	size_t n = nh_monitor_count(w->mon);
	int r;

	w->n_views = 0;
	nh_strmap_clear(&w->view_by_name);
	for (size_t i = 0; i < n; i++) {
		struct nh_ns *ns = nh_monitor_at(w->mon, i);

		r = add_view(w, ns->name, ns->have_valid ? &ns->have : NULL);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_netns; i++) {
		const struct nh_netns_rule *rule = &p->netns[i];

		if (rule->match || nh_strmap_get(&w->view_by_name, rule->name))
			continue;
		r = add_view(w, rule->name, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

ssize_t nh_world_view_index(const struct nh_world *w, const char *name)
{
	uintptr_t i = (uintptr_t)nh_strmap_get(&w->view_by_name, name);

	return i ? (ssize_t)i - 1 : -1;
}

static int learn_one(struct nh_world *w, const char *netns, const struct nh_link *l)
{
	char key[sizeof(((struct nh_known_link *)0)->key)];
	struct nh_known_link *k;

	known_key(key, sizeof(key), netns, l->name);
	k = nh_strmap_get(&w->known, key);
	if (!k) {
		k = malloc(sizeof(*k));
		if (!k)
			return -ENOMEM;
		memcpy(k->key, key, sizeof(key));
		if (nh_strmap_put(&w->known, k->key, k) < 0) {
			free(k);
			return -ENOMEM;
		}
	}
	k->ifindex = l->ifindex;
	return 0;
}

int nh_world_learn_view(struct nh_world *w, size_t i)
{
	const struct nh_view *v = &w->views[i];

	if (!v->rule || !v->have)
		return 0;
	for (size_t j = 0; j < v->rule->want.n_links; j++) {
		const struct nh_link *have = nh_state_link_by_name(v->have, v->rule->want.links[j].name);
		int r;

		if (!have)
			continue;
		r = learn_one(w, v->name, have);
		if (r < 0)
			return r;
	}
	return 0;
}

int nh_world_learn(struct nh_world *w)
{
	for (size_t i = 0; i < w->n_views; i++) {
		int r = nh_world_learn_view(w, i);

		if (r < 0)
			return r;
	}
	return 0;
}

const char *nh_world_known_name(const struct nh_world *w, const char *netns, int ifindex)
{
	const struct nh_netns_rule *rule = nh_world_rule_for(w, netns);

	if (!rule)
		return NULL;
	for (size_t i = 0; i < rule->want.n_links; i++) {
		const char *name = rule->want.links[i].name;

		if (known_ifindex((void *)w, netns, name) == ifindex)
			return name;
	}
	return NULL;
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
