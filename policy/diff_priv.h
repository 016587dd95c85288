/* Inside the diff: shared by diff.c (namespaces, addresses, routes) and
 * diff_link.c (what happens to each link). Not for other stages. */
#ifndef NETHEAL_POLICY_DIFF_PRIV_H
#define NETHEAL_POLICY_DIFF_PRIV_H

#include "common/util.h"
#include "diff.h"

struct link_plan;

struct diff_ctx {
	const struct nh_view *views;
	size_t n;
	size_t host;                    /* index of the view named "", n when none */
	struct nh_plan *plan;
	/* A namespace netheal is about to create, as the kernel makes it. */
	struct nh_link fresh_lo;
	struct nh_state fresh;
	struct nh_state empty;          /* the host when the caller gave no state */
	/* The plans of the namespace being diffed, once all are decided. */
	const struct link_plan *lps;
	size_t n_lps;
	size_t lps_ns;
	bool lps_delete, lps_rename;    /* some plan deletes / renames a link */
};

/* What happens to one desired link. */
enum fate {
	FATE_NONE = 0,  /* nothing: blocked by a conflict, or cannot exist */
	FATE_KEEP,      /* present (obs): heal its settings */
	FATE_RENAME,    /* present as obs under another name: rename back */
	FATE_MOVE,      /* obs in views[src]: move it here */
	FATE_CREATE,    /* create (veth: the pair, from the primary end) */
	FATE_CONFLICT,  /* obs has another kind: report */
	FATE_MISSING,   /* absent and not ours to create: report */
};

/* Why a link is missing, for the drift text. */
enum why {
	WHY_ABSENT = 0,
	WHY_NOT_IN_HOST,        /* physical, in neither place */
	WHY_HOST_KEEPS,         /* physical, in the host, whose rule wants it there */
	WHY_PEER_NETNS,         /* veth whose peer's namespace does not exist */
};

struct link_plan {
	const struct nh_link *want;
	size_t ns;                      /* view the link belongs to */
	enum fate fate;
	enum why why;
	const struct nh_link *obs;      /* KEEP, RENAME, CONFLICT: in views[ns]; MOVE: in views[src] */
	size_t src;
	const struct nh_link *del;      /* observed link in views[ns] deleted first, or NULL */
	bool remote;                    /* another link's plan emits this one's actions */
};

/* The observed state of views[i] as the diff sees it: a new namespace when
 * it is about to be created, NULL when it does not exist and will not. */
const struct nh_state *diff_view_state(const struct diff_ctx *c, size_t i);
/* Whether views[i] exists now (observed, or the host), before the plan
 * creates anything. */
bool diff_view_exists(const struct diff_ctx *c, size_t i);
/* The view named name, or c->n. */
size_t diff_view_by_name(const struct diff_ctx *c, const char *name);
/* Whether the fate leaves the link in place at the end of the plan. */
bool diff_fate_exists(enum fate f);
/* Whether the link is made anew here (created, moved in, re-created), or
 * lives in a namespace this plan creates: what hangs on it goes with it. */
bool diff_link_fresh(const struct diff_ctx *c, const struct link_plan *lp);
/* Whether this plan deletes l, an observed link of views[ns] (as far as
 * the plans of the namespace being diffed tell). */
bool diff_deletes(const struct diff_ctx *c, size_t ns, int ifindex, const char *name);
/* The name an observed link of views[ns] has once this plan renamed it
 * (name when it does not). */
const char *diff_renamed_to(const struct diff_ctx *c, size_t ns, int ifindex, const char *name);

/* Decide for want, a link of views[x]'s rule. For a veth primary end, *peer
 * gets the plan of its other end, which x's diff emits unless peer->remote;
 * synth is storage for a peer end the policy does not spell out. */
void diff_plan_link(const struct diff_ctx *c, size_t x, const struct nh_link *want,
		    struct link_plan *lp, struct link_plan *peer, struct nh_link *synth);

/* Emit the link actions of one plan (delete, rename/move/create, settings,
 * reports). Addresses are separate: diff_emit_addrs. */
int diff_emit_link(struct diff_ctx *c, const struct link_plan *lp);
int diff_emit_addrs(struct diff_ctx *c, const struct link_plan *lp);
/* The plan of the desired link named name among lps[0..n), or NULL. */
const struct link_plan *diff_plan_by_name(const struct link_plan *lps, size_t n, const char *name);
/* The objects beyond links, addresses and routes of views[x] (diff_objects.c);
 * lps[0..n) are its links' plans. */
int diff_sysctls(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n);
int diff_rules(struct diff_ctx *c, size_t x);
int diff_neighs(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n);

/* Fill a's object and drift and append it to the plan. Returns 0 or -ENOMEM. */
int diff_emit(struct diff_ctx *c, struct nh_action *a, const char *object, const char *fmt, ...)
	NH_PRINTF(4, 5);

/* A zeroed action of type t in netns about want (may be NULL), with
 * want's origin as its rule. */
void diff_action_init(struct nh_action *a, enum nh_action_type t, const char *netns,
		      const struct nh_link *want, int ifindex);

#endif
