/*
 * Observed state from rtnetlink: parse kernel messages into the policy
 * model's structs, dump a namespace, apply one event to a state. No event
 * loop here; monitor.c drives it.
 *
 * Every attribute is validated (type and length) before it is read; a
 * malformed message is -EINVAL and leaves the state untouched.
 */
#ifndef NETHEAL_MONITOR_OBSERVE_H
#define NETHEAL_MONITOR_OBSERVE_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/netlink.h>

#include "netlink/decode.h"
#include "netlink/nl.h"
#include "policy/model.h"

/* A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is thrown
 * away and repeated this many times before nh_observe_dump gives up. */
#define NH_DUMP_RETRIES 5

enum nh_obj {
	NH_OBJ_LINK,
	NH_OBJ_ADDRESS,
	NH_OBJ_ROUTE,
	NH_OBJ_NSID,
	NH_OBJ_RULE,
	NH_OBJ_NEIGH,
	NH_OBJ_NETCONF,         /* a sysctl the kernel announces changed (RTM_NEWNETCONF) */
	NH_OBJ_NEXTHOP,         /* a nexthop object deleted (RTM_DELNEXTHOP), with the routes
				   that used it: changed when the state had one */
};

/* One kernel event, after it was applied to a state. (Not "struct nh_event":
 * common/log.h has enum nh_event, the log record types, and C tags share
 * one namespace.) */
struct nh_nl_event {
	uint64_t t_us;                  /* nh_now_us() when read from the socket */
	uint16_t type;                  /* RTM_NEWLINK, RTM_DELLINK, RTM_NEWADDR, ..., RTM_NEWNSID, RTM_DELNSID,
					   RTM_NEWRULE, RTM_DELRULE, RTM_NEWNEIGH, RTM_DELNEIGH, RTM_NEWNETCONF,
					   RTM_DELNETCONF, RTM_DELNEXTHOP */
	uint32_t actor_port;            /* nlmsg_pid: port of the process whose request caused it, 0 = kernel */
	uint32_t actor_seq;             /* nlmsg_seq: that request's sequence number (what the kernel
					   did along with one request carries its number) */
	enum nh_obj obj;
	/* The one named by obj. Names are resolved from the state: a link's
	 * master (and veth peer in the same namespace), an address's link, a
	 * route's dev; a deleted object is described as it was. */
	struct nh_link link;
	struct nh_address addr;
	struct nh_route route;
	struct nh_fib_rule frule;
	struct nh_neigh neigh;
	struct nh_netconf netconf;      /* its link (or "all", "default") in link.name, link.ifindex */
	char old_name[NH_IFNAMSIZ];     /* RTM_NEWLINK of a link the state had under another name: that
					   name (a rename); "" otherwise */
	bool moved_out;                 /* RTM_DELLINK with IFLA_NEW_NETNSID: a move, not a deletion */
	int new_netnsid;                /* moved_out: the target's nsid as seen from here */
	int nsid;                       /* NH_OBJ_NSID: the id (NETNSA_NSID) */
	uint32_t nh_id;                 /* NH_OBJ_NEXTHOP: the object's id (NHA_ID) */
	bool changed;                   /* applying it changed the state */
	bool carrier_only;              /* changed: only a link's carrier (IFF_LOWER_UP), which no policy names */
	bool settings_only;             /* changed: the same link (name, kind, veth partner, lower device)
					   with other settings (up, MTU, master, ...) */
	bool reread;                    /* the state cannot follow what it did (nh_state.unknown): a
					   route over several nexthops or a nexthop object lost one
					   (or all) without a route event; read the namespace again */
};

/*
 * Which routes a state keeps: keep(ctx, r) says, for a route parsed from a
 * dump or an event; NULL keeps every route. `netheal run` keeps only the
 * destinations its policy could be about, so that a namespace holding a
 * full routing table (a BGP router's) costs it neither memory nor time per
 * route event. keep must decide by the route's family and destination
 * alone: a route replaced by another of the same key (`ip route replace`)
 * must get the same answer as the one it replaced.
 */
struct nh_route_keep {
	bool (*keep)(void *ctx, const struct nh_route *r);
	void *ctx;
};

/* What nh_observe_dump reads besides links, addresses, routes and rules. */
#define NH_DUMP_NEIGH (1u << 0)         /* permanent neighbours (v4+v6) */

/*
 * Full dump of links, addresses (v4+v6), routes (v4+v6, every table but
 * local), rules (v4+v6) and, with NH_DUMP_NEIGH in what, permanent
 * neighbours (v4+v6) through the request socket nl into s, which is
 * replaced on success only; routes as keep says (NULL: all). Names are resolved from indexes and s is
 * sorted. An interrupted dump is repeated up to NH_DUMP_RETRIES times, then
 * -EINTR. Sysctls are not read here (s has none after it, and no netconf
 * entry): see netlink/sysctl.h and nh_observe_netconf_get.
 *
 * A neighbour dump costs the kernel a walk of every namespace's entries
 * (one table per family for all namespaces, filtered by namespace in
 * neigh_dump_table): leave it out where no neighbour is wanted.
 */
int nh_observe_dump(struct nh_nl *nl, struct nh_state *s, unsigned int what, const struct nh_route_keep *keep);

/*
 * Read the announced settings (struct nh_netconf) of family's ifindex
 * (> 0, NH_NETCONF_ALL or NH_NETCONF_DEFAULT) with RTM_GETNETCONF through
 * the request socket nl, into s's netconf table. Events keep the entry
 * current from then on (nh_observe_event). 0 or -errno: -ENODEV no such
 * link, -EOPNOTSUPP a kernel without it.
 */
int nh_observe_netconf_get(struct nh_nl *nl, struct nh_state *s, uint8_t family, int ifindex);

/* The two halves of nh_observe_dump without the socket (its fuzz harness,
 * tests/fuzz/fuzz_observe.c, feeds them messages): add what one reply
 * message of a link, address, route, rule or neighbour dump describes to s
 * (a malformed or untracked message is skipped: 0; -ENOMEM), then, after
 * the last, resolve names and sort s, one entry per route and rule. */
int nh_observe_dump_msg(struct nh_state *s, const struct nlmsghdr *nlh, const struct nh_route_keep *keep);
void nh_observe_dump_end(struct nh_state *s);

/* An object observe dropped from a state: obj is NH_OBJ_ADDRESS,
 * NH_OBJ_ROUTE or NH_OBJ_NEIGH and says which member is set. It and key
 * (its nh_address_key / nh_route_key / nh_neigh_key) are valid only during
 * the call. */
struct nh_dropped {
	enum nh_obj obj;
	union {
		const struct nh_address *addr;
		const struct nh_route *route;
		const struct nh_neigh *neigh;
	};
	const char *key;
};

/* Where observe says what it dropped from a state as a consequence of
 * another change: routes with their link, with the link going down, or with
 * the link's last IPv4 address; addresses and permanent neighbours with
 * their link (the kernel does the same, mostly without a word). */
struct nh_observe_sink {
	void (*dropped)(void *ctx, const struct nh_dropped *d);
	void *ctx;
	/* A link of that name came into the state (delta 1) or left it (-1):
	 * created, moved in or out, renamed, deleted. May be NULL. */
	void (*link_name)(void *ctx, const char *name, int delta);
	/* The routes the state keeps (NULL: all); an event about another
	 * route is not tracked (0). */
	const struct nh_route_keep *keep;
};

/*
 * Parse one event message, apply it to s (kept sorted) and describe it in ev
 * (t_us is left to the caller). Insert/replace/remove by key; a link deletion
 * or move also drops its addresses, routes and neighbours; a rename renames
 * its addresses, routes, neighbours and the references of its ports and peer;
 * a link going down, or losing its last IPv4 address, drops its IPv4 routes,
 * as the kernel does without telling. Each object dropped that way goes to
 * sink (may be NULL).
 * Neighbours: only permanent entries are kept; an event about another entry
 * is not tracked (0), unless it is the end of a permanent one: an entry
 * replaced by a learned one is then described as RTM_DELNEIGH. Netconf:
 * described in ev and merged into s's netconf table (its sysctls are not
 * touched; ev->changed is false); a link deleted takes its entries along.
 * Returns 1 when nlh is an event netheal tracks (ev filled, ev->changed), 0
 * when it is not (ev untouched, s too), -EINVAL or -ENOMEM.
 */
int nh_observe_event(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev,
		     const struct nh_observe_sink *sink);

/* The same without the description: 1 when s changed, 0 when not, -errno. */
int nh_observe_apply(struct nh_state *s, const struct nlmsghdr *nlh);

/* Fill names from indexes within s: link masters, same-namespace veth peers
 * and vlan/macvlan parents, address links, route devs. */
void nh_observe_resolve(struct nh_state *s);

#endif
