/*
 * The world: the policy in force and the monitor's namespaces, seen as the
 * diff's views, and the glue that lets actions/ reach a namespace by name.
 * Shared by `plan`, `apply` and `run`.
 */
#ifndef NETHEAL_SERVICE_WORLD_H
#define NETHEAL_SERVICE_WORLD_H

#include <sys/types.h>

#include "actions/actions.h"
#include "common/strmap.h"
#include "monitor/monitor.h"
#include "policy/diff.h"
#include "policy/model.h"

/* A managed link's last known index, so a renamed link is renamed back. */
struct nh_known_link {
	char key[NH_NETNS_NAMSIZ + NH_IFNAMSIZ + 1];    /* "NETNS/LINK" */
	int ifindex;
};

/* Rules found under one key (see nh_world_refs, nh_world_wanting). */
struct nh_rule_list {
	char key[NH_NETNS_NAMSIZ + NH_IFNAMSIZ + 1];
	const struct nh_netns_rule **v;
	size_t n, cap;
};

struct nh_world {
	const struct nh_policy *policy;
	struct nh_monitor *mon;
	struct nh_view *views;          /* [0] is the host */
	size_t n_views, cap_views;
	/* Indexes, so a kernel event costs the same at 1 or 1000 namespaces. */
	struct nh_strmap view_by_name;  /* name → view index + 1 */
	struct nh_strmap rule_by_name;  /* named rule's name → rule */
	struct nh_strmap known;         /* "NETNS/LINK" → struct nh_known_link */
	struct nh_strmap refs;          /* "NETNS/LINK" → rules whose other links depend on it */
	struct nh_strmap wanting;       /* "LINK" → rules that want a link of that name */
	struct nh_exec_ctx exec;
};

int nh_world_init(struct nh_world *w, const struct nh_policy *policy, struct nh_monitor *mon);
void nh_world_free(struct nh_world *w);        /* accepts NULL; leaves policy and monitor alone */
int nh_world_set_policy(struct nh_world *w, const struct nh_policy *policy);   /* 0 or -ENOMEM */

/* Rebuild the views: the host, every namespace the monitor holds, and every
 * named rule whose namespace does not exist (have == NULL). */
int nh_world_views(struct nh_world *w);
/* Index of the view of namespace name, or -1. */
ssize_t nh_world_view_index(const struct nh_world *w, const char *name);

/* Remember the ifindex of every managed link the views show now, or only
 * those of view i. */
int nh_world_learn(struct nh_world *w);
int nh_world_learn_view(struct nh_world *w, size_t i);

/* The name a managed link of netns had when last seen with this index. */
const char *nh_world_known_name(const struct nh_world *w, const char *netns, int ifindex);

/* The rules that must look again when link changes in netns: its rule's
 * veth peer end is there, or it takes that physical link from the host. */
const struct nh_rule_list *nh_world_refs(const struct nh_world *w, const char *netns, const char *link);
/* The rules (the host's included) that want a link named link. */
const struct nh_rule_list *nh_world_wanting(const struct nh_world *w, const char *link);

/* The rule for a namespace, as nh_policy_rule_for, through the index. */
const struct nh_netns_rule *nh_world_rule_for(const struct nh_world *w, const char *netns);

/* The namespace of an action for actions/: adopted on first use. */
int nh_world_exec_netns(void *ctx, const char *name, struct nh_exec_ns *out);

#endif
