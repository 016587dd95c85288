/*
 * The world: the policy in force and the namespaces as the diff's views
 * (policy/diff.h), with the indexes that make a kernel event cost the same
 * at 1 or 10,000 namespaces: a rule by name, a managed link's last ifindex,
 * and which rules depend on a link or a namespace (SPEC §4.6: what a policy
 * object waits for wakes it).
 *
 * It holds no namespace itself: the core (service/core.h) adds a view per
 * namespace record and tells it when the set of namespaces changed.
 */
#ifndef NETHEAL_SERVICE_WORLD_H
#define NETHEAL_SERVICE_WORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/hash.h"
#include "policy/diff.h"
#include "policy/model.h"

/* Rules found under one key (nh_world_dependents, nh_world_wanting). */
struct nh_rule_list {
	char *key;
	const struct nh_netns_rule **v;
	size_t n, cap;
	UT_hash_handle hh;
};

struct nh_world_rule;
struct nh_known_link;

struct nh_world {
	const struct nh_policy *policy;
	/* the views, sorted by name (the host "" first); views[i].tag is the
	 * caller's (the core's record of the namespace) */
	struct nh_view *views;
	size_t n_views, cap_views;
	bool views_unsorted;            /* added out of name order since nh_world_views_begin */
	/* indexes, rebuilt with the policy */
	struct nh_world_rule *rules;    /* named rule → rule */
	struct nh_rule_list *deps;      /* "NETNS/LINK" → rules whose objects wait for that link */
	struct nh_rule_list *peers;     /* "NETNS" → rules with a veth end there */
	struct nh_rule_list *wanting;   /* "LINK" → rules that want a link of that name */
	/* kept across policies and views */
	struct nh_known_link *known;    /* "NETNS/LINK" → last ifindex */
	bool kernel_routes;             /* every view's kernel_routes */
	size_t (*links_named)(void *ctx, const char *link);    /* every view's links_named; may be NULL */
	void *links_ctx;
};

void nh_world_init(struct nh_world *w);
void nh_world_free(struct nh_world *w);        /* accepts NULL; leaves w empty */

/* Index policy (kept by reference: it must outlive its use here). On
 * failure (-ENOMEM) the world is as it was, with its old policy. */
int nh_world_set_policy(struct nh_world *w, const struct nh_policy *policy);

/* The rule for a namespace ("" = the host): the rule with that name, else
 * the first match rule whose glob matches, else NULL (not managed). */
const struct nh_netns_rule *nh_world_rule_for(const struct nh_world *w, const char *netns);

/* Rebuild the views: call nh_world_views_begin, nh_world_view_add for the
 * host, every existing namespace (have: its observed state, NULL while it is
 * being read again) and every named rule whose namespace does not exist
 * (have NULL), then nh_world_views_end (which sorts them, unless they were
 * added in name order: at 10,000 namespaces a sort is milliseconds). The name is not
 * copied: it must stay valid until the next rebuild. 0 or -ENOMEM (then
 * the views are unusable until a rebuild succeeds). */
void nh_world_views_begin(struct nh_world *w);
int nh_world_view_add(struct nh_world *w, const char *name, const struct nh_netns_rule *rule,
		      const struct nh_state *have, void *tag);
void nh_world_views_end(struct nh_world *w);

/* Remember the ifindex of every managed link view i shows now, so a
 * managed link someone renames is renamed back (SPEC §4.2); with links,
 * only of those n_links (the others did not change). 0 or -ENOMEM. */
int nh_world_learn(struct nh_world *w, size_t i, const char *const *links, size_t n_links);
/* Remember that ifindex in netns is the managed link name (made by netheal
 * and found at once under another name): the next diff renames it back
 * instead of making another. 0 or -ENOMEM. */
int nh_world_learn_link(struct nh_world *w, const char *netns, const char *name, int ifindex);
/* Forget that netns's managed link name was ifindex, if it still is: that
 * link was deleted or set aside (actions.h), and must not be taken for the
 * managed link renamed. */
void nh_world_unlearn_link(struct nh_world *w, const char *netns, const char *name, int ifindex);
/* Forget what nh_world_learn remembered of netns's links under rule (the
 * namespace went: its indexes mean nothing in the next one of that name,
 * and namespaces that come and go must not pile up here). */
void nh_world_forget(struct nh_world *w, const char *netns, const struct nh_netns_rule *rule);

/* The rules that must look again when link changes in netns, another
 * namespace than theirs: they hold its veth peer end there, or take it as a
 * `physical` link or as a `parent` from the host. NULL: none. */
const struct nh_rule_list *nh_world_dependents(const struct nh_world *w, const char *netns, const char *link);
/* The rules with a veth end in namespace netns: they wait for it to exist. */
const struct nh_rule_list *nh_world_peers_in(const struct nh_world *w, const char *netns);
/* The rules (the host's included) that want a link named link. */
const struct nh_rule_list *nh_world_wanting(const struct nh_world *w, const char *link);

#endif
