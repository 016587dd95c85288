#include "world.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "policy/kind.h"

#define KEYSIZ (NH_NETNS_NAMSIZ + NH_IFNAMSIZ + 1)

struct nh_world_rule {
	const struct nh_netns_rule *rule;
	const char *key;                /* rule->name */
	UT_hash_handle hh;
};

struct nh_known_link {
	char key[KEYSIZ];               /* "NETNS/LINK" */
	int ifindex;
	UT_hash_handle hh;
};

/* "NETNS/LINK": '/' is in no name. */
static void link_key(char *buf, size_t size, const char *netns, const char *link)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	nh_strbuf_str(&b, netns);
	nh_strbuf_chr(&b, '/');
	nh_strbuf_str(&b, link);
}

void nh_world_init(struct nh_world *w)
{
	memset(w, 0, sizeof(*w));
}

/* ---- rule lists ---- */

static void lists_free(struct nh_rule_list **head)
{
	struct nh_rule_list *l, *tmp;

	HASH_ITER(hh, *head, l, tmp) {
		HASH_DEL(*head, l);
		free(l->key);
		free(l->v);
		free(l);
	}
}

/* Add r under key (once). A rule's keys are all added before the next
 * rule's (index_links), so a repeat of r can only be the last entry: no
 * scan of a list that holds every rule (10,000 namespaces wanting "lo",
 * or with a veth end in the host, made indexing quadratic). */
static int list_add(struct nh_rule_list **head, const char *key, const struct nh_netns_rule *r)
{
	struct nh_rule_list *l;

	HASH_FIND_STR(*head, key, l);
	if (!l) {
		l = calloc(1, sizeof(*l));
		if (!l || !(l->key = strdup(key)) || NH_HASH_ADD(*head, key, l) < 0) {
			if (l)
				free(l->key);
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

static const struct nh_rule_list *list_get(const struct nh_rule_list *head, const char *key)
{
	struct nh_rule_list *l;

	HASH_FIND_STR(head, key, l);
	return l;
}

/* ---- the policy's indexes ---- */

struct indexes {
	struct nh_world_rule *rules;
	struct nh_rule_list *deps, *peers, *wanting;
};

static void indexes_free(struct indexes *x)
{
	struct nh_world_rule *r, *tmp;

	HASH_ITER(hh, x->rules, r, tmp) {
		HASH_DEL(x->rules, r);
		free(r);
	}
	lists_free(&x->deps);
	lists_free(&x->peers);
	lists_free(&x->wanting);
}

/* The other end of veth l in r's wanted links (it names l back), or NULL. */
static const struct nh_link *peer_end(const struct nh_netns_rule *r, const struct nh_link *l)
{
	for (size_t k = 0; k < r->want.n_links; k++) {
		const struct nh_link *p = &r->want.links[k];

		if (p != l && strcmp(p->name, l->peer_name) == 0 && strcmp(p->peer_name, l->name) == 0)
			return p;
	}
	return NULL;
}

/* What the objects of rule r wait for in other namespaces: a physical link
 * or a parent in the host, a veth's peer end, the peer's namespace, the
 * peer end's master there. (What they wait for in their own namespace, a
 * master, is woken by any event there.) */
static int index_links(struct indexes *x, const struct nh_netns_rule *r)
{
	char key[KEYSIZ];
	int err = 0;

	for (size_t j = 0; err == 0 && j < r->want.n_links; j++) {
		const struct nh_link *l = &r->want.links[j];

		err = list_add(&x->wanting, l->name, r);
		if (err == 0 && nh_kind_has(l->kind, NH_KIND_FROM_HOST)) {
			link_key(key, sizeof(key), "", l->name);
			err = list_add(&x->deps, key, r);
		}
		if (err == 0 && (l->has & NH_LINK_HAS_PARENT) && nh_kind_has(l->kind, NH_KIND_PARENT_IN_HOST)) {
			link_key(key, sizeof(key), "", l->parent);
			err = list_add(&x->deps, key, r);
		}
		if (err == 0 && (l->has & NH_LINK_HAS_PEER)) {
			const struct nh_link *pe = peer_end(r, l);

			link_key(key, sizeof(key), l->peer_netns, l->peer_name);
			err = list_add(&x->deps, key, r);
			if (err == 0)
				err = list_add(&x->peers, l->peer_netns, r);
			/* the peer end's bridge, over there */
			if (err == 0 && pe && pe->master[0]) {
				link_key(key, sizeof(key), l->peer_netns, pe->master);
				err = list_add(&x->deps, key, r);
			}
		}
	}
	return err;
}

static int index_rules(struct indexes *x, const struct nh_policy *p)
{
	int r = index_links(x, &p->host);

	for (size_t i = 0; r == 0 && i < p->n_netns; i++) {
		const struct nh_netns_rule *rule = &p->netns[i];
		struct nh_world_rule *e;

		if (!rule->match) {
			e = calloc(1, sizeof(*e));
			if (!e)
				return -ENOMEM;
			e->rule = rule;
			e->key = rule->name;
			if (NH_HASH_ADD(x->rules, key, e) < 0) {
				free(e);
				return -ENOMEM;
			}
		}
		r = index_links(x, rule);
	}
	return r;
}

int nh_world_set_policy(struct nh_world *w, const struct nh_policy *policy)
{
	struct indexes x = { 0 }, old = { w->rules, w->deps, w->peers, w->wanting };
	int r = index_rules(&x, policy);

	if (r < 0) {
		indexes_free(&x);
		return r;
	}
	indexes_free(&old);
	w->rules = x.rules;
	w->deps = x.deps;
	w->peers = x.peers;
	w->wanting = x.wanting;
	w->policy = policy;
	return 0;
}

void nh_world_free(struct nh_world *w)
{
	struct indexes x;
	struct nh_known_link *k, *tmp;

	if (!w)
		return;
	x = (struct indexes){ w->rules, w->deps, w->peers, w->wanting };
	indexes_free(&x);
	HASH_ITER(hh, w->known, k, tmp) {
		HASH_DEL(w->known, k);
		free(k);
	}
	free(w->views);
	nh_world_init(w);
}

const struct nh_netns_rule *nh_world_rule_for(const struct nh_world *w, const char *netns)
{
	const struct nh_world_rule *e;

	if (!w->policy)
		return NULL;
	if (!*netns)
		return &w->policy->host;
	HASH_FIND_STR(w->rules, netns, e);
	if (e)
		return e->rule;
	for (size_t i = 0; i < w->policy->n_netns; i++) {
		const struct nh_netns_rule *r = &w->policy->netns[i];

		if (r->match && fnmatch(r->match, netns, FNM_PERIOD) == 0)
			return r;
	}
	return NULL;
}

const struct nh_rule_list *nh_world_dependents(const struct nh_world *w, const char *netns, const char *link)
{
	char key[KEYSIZ];

	link_key(key, sizeof(key), netns, link);
	return list_get(w->deps, key);
}

const struct nh_rule_list *nh_world_peers_in(const struct nh_world *w, const char *netns)
{
	return list_get(w->peers, netns);
}

const struct nh_rule_list *nh_world_wanting(const struct nh_world *w, const char *link)
{
	return list_get(w->wanting, link);
}

/* ---- views ---- */

static int known_ifindex(void *ctx, const char *netns, const char *link)
{
	const struct nh_world *w = ctx;
	char key[KEYSIZ];
	struct nh_known_link *k;

	link_key(key, sizeof(key), netns, link);
	HASH_FIND_STR(w->known, key, k);
	return k ? k->ifindex : 0;
}

static size_t links_named(void *ctx, const char *link)
{
	const struct nh_world *w = ctx;

	return w->links_named(w->links_ctx, link);
}

void nh_world_views_begin(struct nh_world *w)
{
	w->n_views = 0;
	w->views_unsorted = false;
}

int nh_world_view_add(struct nh_world *w, const char *name, const struct nh_netns_rule *rule,
		      const struct nh_state *have, void *tag)
{
	struct nh_view *v;

	if (nh_grow(&w->views, &w->cap_views, w->n_views + 1, sizeof(*w->views)) < 0)
		return -ENOMEM;
	if (w->n_views && strcmp(w->views[w->n_views - 1].name, name) > 0)
		w->views_unsorted = true;
	v = &w->views[w->n_views++];
	*v = (struct nh_view){ .name = name, .rule = rule, .have = have, .known_ifindex = known_ifindex,
			       .links_named = w->links_named ? links_named : NULL, .known_ctx = w,
			       .kernel_routes = w->kernel_routes, .tag = tag };
	return 0;
}

static int view_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nh_view *)a)->name, ((const struct nh_view *)b)->name);
}

void nh_world_views_end(struct nh_world *w)
{
	if (w->views_unsorted)
		qsort(w->views, w->n_views, sizeof(*w->views), view_cmp);
	w->views_unsorted = false;
}

/* ---- managed links' indexes ---- */

static int learn_one(struct nh_world *w, const char *netns, const struct nh_link *l)
{
	char key[KEYSIZ];
	struct nh_known_link *k;

	link_key(key, sizeof(key), netns, l->name);
	HASH_FIND_STR(w->known, key, k);
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return -ENOMEM;
		memcpy(k->key, key, sizeof(key));
		if (NH_HASH_ADD(w->known, key, k) < 0) {
			free(k);
			return -ENOMEM;
		}
	}
	k->ifindex = l->ifindex;
	return 0;
}

int nh_world_learn_link(struct nh_world *w, const char *netns, const char *name, int ifindex)
{
	struct nh_link l = { .ifindex = ifindex };

	if (nh_strlcpy(l.name, name, sizeof(l.name)) < 0)
		return -EINVAL;
	return learn_one(w, netns, &l);
}

void nh_world_unlearn_link(struct nh_world *w, const char *netns, const char *name, int ifindex)
{
	char key[KEYSIZ];
	struct nh_known_link *k;

	link_key(key, sizeof(key), netns, name);
	HASH_FIND_STR(w->known, key, k);
	if (k && k->ifindex == ifindex) {
		HASH_DEL(w->known, k);
		free(k);
	}
}

void nh_world_forget(struct nh_world *w, const char *netns, const struct nh_netns_rule *rule)
{
	char key[KEYSIZ];
	struct nh_known_link *k;

	for (size_t i = 0; rule && i < rule->want.n_links; i++) {
		link_key(key, sizeof(key), netns, rule->want.links[i].name);
		HASH_FIND_STR(w->known, key, k);
		if (k) {
			HASH_DEL(w->known, k);
			free(k);
		}
	}
}

static int learn_want(struct nh_world *w, const struct nh_view *v, const struct nh_link *want)
{
	const struct nh_link *have = nh_state_link_by_name(v->have, want->name);

	return have ? learn_one(w, v->name, have) : 0;
}

int nh_world_learn(struct nh_world *w, size_t i, const char *const *links, size_t n_links)
{
	const struct nh_view *v;
	int r = 0;

	if (i >= w->n_views)
		return 0;
	v = &w->views[i];
	if (!v->rule || !v->have)
		return 0;
	if (links) {
		for (size_t j = 0; r == 0 && j < n_links; j++) {
			const struct nh_link *want = nh_state_link_by_name(&v->rule->want, links[j]);

			if (want)
				r = learn_want(w, v, want);
		}
		return r;
	}
	for (size_t j = 0; r == 0 && j < v->rule->want.n_links; j++)
		r = learn_want(w, v, &v->rule->want.links[j]);
	return r;
}
