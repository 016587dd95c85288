/*
 * The diff: a pure function (desired, observed) → ordered list of actions.
 * No I/O. Its output is data that `plan` prints, `apply` and `run` execute.
 */
#ifndef NETHEAL_POLICY_DIFF_H
#define NETHEAL_POLICY_DIFF_H

#include "model.h"

/* In dependency order: a plan is sorted by stage first. */
enum nh_action_type {
	NH_ACT_NETNS_CREATE = 0,   /* create named namespace `netns` */
	NH_ACT_LINK_DELETE,        /* far end of a half-broken veth it owns; wrong kind with replace */
	NH_ACT_LINK_MOVE,          /* link `ifindex` in namespace `from_netns` → `netns`, renamed to `link.name` */
	NH_ACT_LINK_RENAME,        /* link `ifindex` → `link.name` (a managed link someone renamed) */
	NH_ACT_LINK_CREATE,        /* create `link` (kind-specific); veth: the peer too */
	NH_ACT_LINK_SET_MASTER,    /* `link.name` master `link.master` */
	NH_ACT_LINK_SET_MTU,
	NH_ACT_LINK_SET_MAC,
	NH_ACT_LINK_SET_UP,        /* up or down, per `link.up` */
	NH_ACT_ADDR_ADD,
	NH_ACT_ROUTE_ADD,
	/* Reports: drift that netheal will not or cannot fix by itself. */
	NH_ACT_REPORT_CONFLICT,    /* a link of this name but another kind, no replace */
	NH_ACT_REPORT_MISSING,     /* a link without kind (or physical not in the host) is absent; a create=false namespace is absent */
	NH_ACT__COUNT
};

const char *nh_action_type_to_string(enum nh_action_type t);   /* "add-address", ... */
bool nh_action_is_report(enum nh_action_type t);

struct nh_action {
	enum nh_action_type type;
	char netns[NH_NETNS_NAMSIZ];       /* where it happens; "" = the host */
	char from_netns[NH_NETNS_NAMSIZ];  /* LINK_MOVE: where the link is now ("" = host) */
	int ifindex;                       /* the observed link it acts on, 0 when it must be resolved by name at execution time */
	/* The object, as the policy wants it (copied, so a plan outlives the state it came from). */
	struct nh_link link;               /* LINK_*, ADDR_ADD (link.name), REPORT_* */
	struct nh_link peer;               /* LINK_CREATE of a veth: the peer end as the policy wants it (its mtu and mac go in the same request); zero when not known */
	struct nh_address addr;            /* ADDR_ADD */
	struct nh_route route;             /* ROUTE_ADD */
	char object[96];                   /* SPEC §6 `object`: "address:10.1.1.100/24", "state:up", ... */
	char drift[160];                   /* what is wrong, for plan/logs: "v-peer1 is down" */
	struct nh_origin rule;             /* policy FILE:LINE */
};

struct nh_plan {
	struct nh_action *actions;
	size_t n, cap;
};

void nh_plan_init(struct nh_plan *p);
void nh_plan_free(struct nh_plan *p);       /* accepts NULL */
int nh_plan_add(struct nh_plan *p, const struct nh_action *a);
/* Sort into dependency order; deterministic whatever the input order. */
void nh_plan_sort(struct nh_plan *p);

/* One namespace as the diff sees it. */
struct nh_view {
	const char *name;                  /* "" = the host */
	const struct nh_netns_rule *rule;  /* NULL: the policy does not manage it */
	const struct nh_state *have;       /* NULL: the namespace does not exist */
	/* Managed links' last known ifindex here, by name (from an earlier
	 * converge), so a renamed link is renamed back. May be NULL. */
	int (*known_ifindex)(void *ctx, const char *netns, const char *link);
	void *known_ctx;
};

/*
 * Diff namespace views[which] against its rule, appending actions to plan.
 * The other views are read to place veth peers, find a `physical` link in
 * the host (views[0] must be the host), and find a managed link someone moved
 * into another namespace. A rule may name namespaces that have no view: the
 * caller passes a view with have == NULL for every named rule.
 * Returns 0 or -ENOMEM.
 */
int nh_diff_netns(const struct nh_view *views, size_t n_views, size_t which, struct nh_plan *plan);

/* Diff every view that has a rule (the host first), then sort. */
int nh_diff_all(const struct nh_view *views, size_t n_views, struct nh_plan *plan);

#endif
