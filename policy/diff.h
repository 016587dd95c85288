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
	NH_ACT_SYSCTL_SET,         /* write `sysctl.value` to `sysctl.key` in `netns` */
	NH_ACT_LINK_SET_MASTER,    /* `link.name` master `link.master` */
	NH_ACT_LINK_SET_MTU,
	NH_ACT_LINK_SET_MAC,
	NH_ACT_LINK_SET_UP,        /* up or down, per `link.up` */
	NH_ACT_ADDR_ADD,
	NH_ACT_ROUTE_ADD,
	NH_ACT_ROUTE_REPLACE,      /* a route of the key, other gateway/dev, is there and route.replace */
	NH_ACT_RULE_ADD,           /* add `frule` (one family) */
	NH_ACT_NEIGH_SET,          /* add or replace the permanent entry `neigh` */
	/* Reports: drift that netheal will not or cannot fix by itself. */
	NH_ACT_REPORT_CONFLICT,    /* a link of this name but another kind, no replace; a route of the same key, other
				      gateway/dev, no replace; a rule of the same selectors doing something else */
	NH_ACT_REPORT_MISSING,     /* a link without kind (or physical not in the host, or a veth whose peer's namespace
				      is gone) is absent; a create=false namespace is absent; the link a per-link
				      sysctl or a neighbour needs is absent and the policy does not define it */
	NH_ACT__COUNT
};

/* "create-netns", "delete-link", "move-link", "rename-link", "create-link",
 * "set-sysctl", "set-master", "set-mtu", "set-mac", "set-up", "add-address",
 * "add-route", "replace-route", "add-rule", "set-neighbour", "conflict",
 * "missing". For one action's name use nh_action_name. */
const char *nh_action_type_to_string(enum nh_action_type t);
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
	struct nh_route route;             /* ROUTE_ADD, ROUTE_REPLACE */
	union {                            /* by type; zero otherwise */
		struct nh_sysctl sysctl;   /* SYSCTL_SET; a report about a sysctl */
		struct nh_fib_rule frule;  /* RULE_ADD; a rule conflict */
		struct nh_neigh neigh;     /* NEIGH_SET; a report about a neighbour */
	};
	char object[96];                   /* SPEC §6 `object`: "address:10.1.1.100/24", "state:up",
					      "sysctl:KEY", "rule:PRIO", "neigh:ADDR", ... */
	char drift[160];                   /* what is wrong, for plan/logs: "v-peer1 is down" */
	struct nh_origin rule;             /* policy FILE:LINE */
	/* The object goes with a link this plan creates, moves or re-creates
	 * (its settings, addresses, routes on it or through it), or with a
	 * namespace it creates: its heal belongs to that link or namespace,
	 * not to itself (SPEC §5.4: flap damping blames the cause). */
	bool consequence;
	bool set_aside;                    /* LINK_DELETE: see below */
	unsigned int tag;                  /* the caller's: the diff leaves it 0, nh_plan_sort keeps it */
};

/*
 * What each action carries, for actions/ to build its request from:
 *
 * NETNS_CREATE  netns. Links of a new namespace follow as their own actions.
 * LINK_DELETE   netns, ifindex (always set: the observed link to delete);
 *               link = the policy link whose place it takes. set_aside: a
 *               veth end whose peer's namespace is gone (deleted; the
 *               kernel takes the old pair with it): the executor may free
 *               its name at once and delete it after the heal (struct
 *               nh_exec_aside). A peer elsewhere goes with the delete.
 * LINK_MOVE     from_netns, ifindex (in from_netns) → netns, named link.name.
 *               The kernel brings a moved link down and drops its addresses
 *               and master; the settings that follow assume that.
 * LINK_RENAME   ifindex → link.name, same namespace. The executor leaves the
 *               administrative state as it found it (a link may have to be
 *               down to be renamed); a SET_UP follows when the policy wants
 *               another state.
 * LINK_CREATE   link: kind, kind-specific fields (parent, id, macvlan_mode,
 *               remote/local/group/port), and link.mtu / link.mac when
 *               NH_LINK_HAS_MTU / NH_LINK_HAS_MAC: these go in the create
 *               request and no SET_MTU / SET_MAC follows for this link.
 *               veth: the peer end is created in the same request, named
 *               link.peer_name, in namespace link.peer_netns ("" = host),
 *               with no settings of its own: the peer end's mtu, mac,
 *               master, up and addresses follow as separate actions (netns =
 *               the peer's namespace). Master and up of the created link
 *               itself also follow as SET_MASTER / SET_UP: a new link is
 *               down and has no master.
 * LINK_SET_*    netns, ifindex (0 when the link is created or moved by this
 *               plan: resolve link.name at execution), link.master / .mtu /
 *               .mac / .up.
 * ADDR_ADD      netns, ifindex (0 as above), addr (addr.link is the name).
 * SYSCTL_SET    netns, sysctl (key, value; link for a per-link key).
 * ROUTE_ADD     netns, route; ifindex = the route's dev when route.has
 *               NH_ROUTE_HAS_DEV and the dev is observed, else 0.
 * ROUTE_REPLACE as ROUTE_ADD, sent with NLM_F_REPLACE: it takes the place
 *               of the route of the same key (SPEC §3.1 `replace`).
 * RULE_ADD      netns, frule (one family), with netheal's protocol.
 * NEIGH_SET     netns, neigh (dev by name, address, lladdr); ifindex = its
 *               dev when observed, else 0. NLM_F_REPLACE: whatever entry
 *               the key has (another lladdr, a learned one) becomes it.
 * REPORT_*      nothing to execute: object, drift, rule say what is wrong.
 *
 * Every action has object (SPEC §6), drift (what is wrong, in words) and
 * rule (the policy entry it comes from).
 */
struct nh_plan {
	struct nh_action *actions;
	size_t n, cap;
};

void nh_plan_init(struct nh_plan *p);
void nh_plan_free(struct nh_plan *p);       /* accepts NULL */
int nh_plan_add(struct nh_plan *p, const struct nh_action *a);
/*
 * Sort into dependency order; deterministic whatever the input order.
 * Stage-major, so an action never precedes one it depends on, in any
 * namespace (a veth created in blue whose host end joins a bridge created
 * in the host: every create comes before every set-master):
 *   1. stage: the order of enum nh_action_type (create-netns, delete-link,
 *      move-link, rename-link, create-link, set-sysctl, set-master, set-mtu,
 *      set-mac, set-up, add-address, add-route, replace-route, add-rule,
 *      set-neighbour), then reports (conflict, missing). A sysctl comes
 *      right after the links exist, before they go up and get addresses:
 *      disable_ipv6, accept_ra, addr_gen_mode and the like must be in
 *      place first;
 *   2. namespace name, the host ("") first;
 *   3. within a stage: create-link of links without a parent before those
 *      with one (a vlan on a bridge created in the same pass); set-sysctl:
 *      a namespace-wide key, then a `default` one, then a link's (writing
 *      all.forwarding sets every link's: a link's own value goes after);
 *      add-route,
 *      replace-route: routes without a gateway first, then longer prefixes
 *      first (the default route last), so a gateway is reachable when its
 *      route goes in;
 *   4. the object's key (link name; link + prefix; route key), then every
 *      other field, then (stable) the order of insertion.
 */
void nh_plan_sort(struct nh_plan *p);

/* The name of one action, as `action=` in logs and in `plan`: the type's
 * string, except LINK_SET_UP: "set-up" or "set-down" per link.up. */
const char *nh_action_name(const struct nh_action *a);

/*
 * The identity of the policy object an action is about, for what the
 * service remembers per object (flap damping, retries, reports logged,
 * who removed it): the same object gives the same key whichever action is
 * about it, and an observed object gives the same key as the action that
 * would put it back. Wider than SPEC §6's `object` (which names a route by
 * its destination alone):
 *   "netns:NAME"                  create-netns, a missing namespace
 *   "link:NAME"                   create, delete (the re-create it starts),
 *                                 move, rename; a conflict or missing link
 *   "state:LINK", "mtu:LINK", "mac:LINK", "master:LINK"   the settings
 *   "address:LINK ADDR/LEN"       add-address
 *   "route:FAMILY TABLE DEST METRIC"   add-route, replace-route, a route conflict
 *   "sysctl:KEY"                  set-sysctl, a sysctl waiting for its link
 *   "rule:FAMILY PRIO [from P] [to P] [iif L] [oif L] [fwmark M/K]"
 *                                 add-rule, a rule conflict: every selector
 *   "neigh:DEV ADDR"              set-neighbour, a neighbour waiting for its link
 * buf should hold NH_OBJECT_KEYSIZ bytes. Returns buf.
 */
#define NH_OBJECT_KEYSIZ 192
const char *nh_action_key(const struct nh_action *a, char *buf, size_t size);
const char *nh_address_key(const struct nh_address *addr, char *buf, size_t size);
const char *nh_route_key(const struct nh_route *r, char *buf, size_t size);
const char *nh_fib_rule_key(const struct nh_fib_rule *r, char *buf, size_t size);
const char *nh_neigh_key(const struct nh_neigh *n, char *buf, size_t size);
/* "from 10.1.0.0/16 iif v0 fwmark 0x10/0xff lookup 100", as `ip rule`
 * says it (without the priority), for drift texts and `monitor`. */
const char *nh_fib_rule_words(const struct nh_fib_rule *r, char *buf, size_t size);

/* One human line for `plan`, no newline:
 *   "blue: v-peer1 is down -> set-up (policy.d/blue.conf:12)"
 * The host is printed as "host". Returns buf. */
const char *nh_action_format(const struct nh_action *a, char *buf, size_t size);

/* One namespace as the diff sees it. */
struct nh_view {
	const char *name;                  /* "" = the host */
	const struct nh_netns_rule *rule;  /* NULL: the policy does not manage it */
	const struct nh_state *have;       /* NULL: the namespace does not exist */
	/* Managed links' last known ifindex here, by name (from an earlier
	 * converge), so a renamed link is renamed back. May be NULL. */
	int (*known_ifindex)(void *ctx, const char *netns, const char *link);
	/* How many namespaces have a link of this name now, counting every
	 * state the views show (more is harmless); SIZE_MAX when not known.
	 * When a link is missing, 0 spares the diff its look through every
	 * view for the link moved away (10,000 views). May be NULL: it looks. */
	size_t (*links_named)(void *ctx, const char *link);
	void *known_ctx;                   /* both callbacks' */
	/* have is a kernel's own view, with the prefix routes the kernel
	 * adds for addresses: one that is missing is put back (unit test
	 * fixtures leave the kernel's routes out and this false). */
	bool kernel_routes;
	void *tag;                         /* the caller's; the diff ignores it */
};

/*
 * Diff namespace views[which] against its rule, appending actions to plan
 * (unsorted: call nh_plan_sort). The other views are read to place veth
 * peers, find a `physical` link in the host (the view named ""), and find a
 * managed link someone moved into another namespace. Pass a view for every
 * existing namespace, managed or not, and one with have == NULL for every
 * named rule whose namespace does not exist. Any order of views and of the
 * states' arrays gives the same plan; sorted by name (nh_state_sort; views
 * by name, so the host "" comes first) it is fast: the host's diff with a
 * thousand veth ends takes a fraction of a millisecond.
 *
 * What it decides (SPEC §4):
 * - have == NULL: a named rule with create → create-netns, then everything
 *   the rule wants as on a new namespace (only `lo`, down); create = false →
 *   one `missing` report for netns:NAME; a match rule → nothing.
 * - A link present with an acceptable kind (a policy link without kind or
 *   `physical` accepts any kind) gets set-* for the settings the policy names
 *   and that differ; nothing the policy does not name is ever unset.
 * - Present with another kind: a `conflict` report, or with replace = true
 *   delete-link + create-link. Nothing else for it (addresses, routes via it,
 *   ports joining it).
 * - Absent: renamed back when known_ifindex finds it here under a name the
 *   rule does not use; a `physical` link in the host (not wanted by the host
 *   rule) is moved here; a link of a creatable, movable kind (not a bridge)
 *   found in another namespace whose rule does not want that name is moved
 *   back; otherwise created (creatable kinds) or reported `missing`.
 * - veth pairs: the diff of the namespace of the primary end (the link with
 *   `peer`, NH_LINK_HAS_PEER) decides for the whole pair and emits every
 *   action about the pair's existence, on both ends: moves and renames of
 *   either end, and when an end is gone, delete-link of the end that is left
 *   (SPEC §4.1), one create-link of the pair, and both ends' settings and
 *   addresses. The diff of the peer end's namespace only heals the peer end's
 *   settings and addresses when the peer end is there under its name and the
 *   pair is kept. So a broken pair yields exactly one delete and one create
 *   whichever namespaces are diffed — but diffing only the peer's namespace
 *   heals nothing about the pair: when a namespace changes, re-diff every
 *   namespace for which nh_diff_touches() is true, or use nh_diff_all.
 *   A veth end found in another namespace counts as ours only when it is the
 *   other end's partner (IFLA_LINK indexes agree, where the state has them).
 *   replace on either end allows deleting a wrong-kind link of either name.
 * - Addresses: each desired (link, prefix) not observed on the link →
 *   add-address; on a link created, moved or re-created: all of them.
 *   Observed addresses the policy does not name are never touched.
 * - Routes: each desired route no observed route satisfies (nh_route_satisfied,
 *   after forgetting routes on links this plan deletes) → add-route; but when
 *   an observed route has the same key (destination, table, metric) with
 *   another gateway or device, a `conflict` report for route:DEST instead:
 *   the kernel would refuse the add (NLM_F_EXCL), and netheal never deletes a
 *   route the policy does not name — unless the route says replace = true:
 *   then replace-route. Routes whose device is in conflict or missing are
 *   skipped.
 * - Sysctls: each desired key whose observed value (normalized) differs or
 *   is unknown → set-sysctl. A per-link key follows its link: on a link
 *   this plan creates, moves or re-creates always (the kernel gives it the
 *   namespace's defaults); on a renamed link, the value under its present
 *   name; nothing while the link is reported; `missing` for sysctl:KEY when
 *   the policy does not define the link and it is absent.
 * - Rules: each desired rule no observed rule satisfies (nh_fib_rule_satisfied)
 *   → add-rule; a `conflict` for rule:PRIO instead when an observed rule has
 *   its selectors and priority but another action or table (the kernel
 *   matches the first of the two; netheal never removes a rule). The
 *   kernel's own and every other rule are never touched.
 * - Neighbours: each desired entry whose key (dev, address) has no
 *   permanent entry with its lladdr → set-neighbour (absent, or another
 *   lladdr); always on a link this plan creates or moves; nothing while the
 *   link is reported; `missing` as for sysctls.
 * Returns 0, -ENOMEM, or -EINVAL when which is out of range.
 */
int nh_diff_netns(const struct nh_view *views, size_t n_views, size_t which, struct nh_plan *plan);

/*
 * nh_diff_netns for part of a namespace: the links in links[0..n_links)
 * that the rule wants (other names are passed over), the links another
 * object of the rule names (rule->refs: bridges, the links with addresses,
 * routes' devices, ...), and every address, route, sysctl, rule and
 * neighbour the rule wants. The other links are not looked at: the plan
 * equals nh_diff_netns's only when each of them had no action in an
 * earlier diff and nothing its plan reads changed since: itself, its veth
 * partner, its master or parent, a link of its name elsewhere. That is the
 * caller's to know (service/core.c keeps, per namespace, the links events
 * named since, and diffs whole after a change to a link others name). It
 * makes a host's diff after an event about one of its thousand veth ends
 * cost one end, not a thousand (SPEC §8).
 * Returns 0, -ENOMEM, -EINVAL (which out of range, links NULL), or -EAGAIN
 * when the part cannot be diffed alone: the namespace does not exist, the
 * rule's references are not known (nh_rule_index_refs never ran), or a
 * link would be deleted or renamed (routes on it are read against every
 * plan). On an error the plan is as it was.
 */
int nh_diff_netns_links(const struct nh_view *views, size_t n_views, size_t which, const char *const *links,
			size_t n_links, struct nh_plan *plan);

/* Diff every view that has a rule, then sort. Returns 0 or -ENOMEM. */
int nh_diff_all(const struct nh_view *views, size_t n_views, struct nh_plan *plan);

/*
 * True when a change in views[other] may change the diff of views[which]:
 * the same namespace; a veth pair with one end in each; or other is the host
 * and which's rule has a `physical` link. When namespace X changes, re-diff
 * X and every W with nh_diff_touches(views, n, W, X).
 */
bool nh_diff_touches(const struct nh_view *views, size_t n_views, size_t which, size_t other);

/*
 * Whether the diff of a namespace under rule could read an observed route
 * of r's family and destination: a policy route's destination (the route,
 * or another of its key: a conflict), or the network of a policy address
 * (the kernel's prefix route, which the diff puts back). Every other route
 * is another's (SPEC §4.1: never touched) and need not be kept. rule NULL
 * (a namespace no rule manages): false. Decided by family and destination
 * alone, as struct nh_route_keep (monitor/observe.h) needs.
 */
bool nh_diff_route_relevant(const struct nh_netns_rule *rule, const struct nh_route *r);
/* Whether a route relevant under rule b may not be under a: a namespace
 * that goes from a to b (a reload) must be read again for routes it did
 * not keep. Either may be NULL. */
bool nh_diff_routes_widen(const struct nh_netns_rule *a, const struct nh_netns_rule *b);

#endif
