/*
 * The rtnetlink decoder: parse one kernel message into the policy model's
 * structs (links, addresses, routes, nsids). Stateless: names that need the
 * namespace's other objects (a link's master, an address's link, a route's
 * dev) are left "", their indexes set; the monitor resolves them.
 *
 * Each returns 0, 1 when the message describes something netheal does not
 * track (out is then not meaningful), or -EINVAL when it is malformed or of
 * another message type. Every attribute is validated (type and length)
 * before it is read.
 */
#ifndef NETHEAL_NETLINK_DECODE_H
#define NETHEAL_NETLINK_DECODE_H

#include <linux/netlink.h>

#include "policy/model.h"

/* RTM_NEWLINK/DELLINK. 1: not a link message of family AF_UNSPEC (a bridge
 * port notification, AF_BRIDGE, which RTM_DELLINK uses for "left the
 * bridge"). The kind's IFLA_INFO_DATA is read by its kernel half
 * (netlink/kind.h); a kind netheal does not know keeps kind NULL and its
 * kernel name in kind_name. */
int nh_parse_link(const struct nlmsghdr *nlh, struct nh_link *out);
/* The same, and IFLA_NEW_NETNSID in *new_netnsid (-1 when absent): an
 * RTM_DELLINK with it is a move to that namespace, not a deletion. */
int nh_parse_link_move(const struct nlmsghdr *nlh, struct nh_link *out, int *new_netnsid);
/* RTM_NEWADDR/DELADDR. 1: not IPv4/IPv6. The local address (IFA_LOCAL,
 * else IFA_ADDRESS) with ifa_prefixlen; its flags (IFA_FLAGS, else
 * ifa_flags) and whether IFA_CACHEINFO gives it a finite valid lifetime. */
int nh_parse_address(const struct nlmsghdr *nlh, struct nh_address *out);
/* RTM_NEWROUTE/DELROUTE. 1: not IPv4/IPv6, not unicast, table local, or a
 * cloned/cache entry. A multipath route is described by its first nexthop,
 * and `multipath` says there are more. */
int nh_parse_route(const struct nlmsghdr *nlh, struct nh_route *out);
/* RTM_NEWNEXTHOP/DELNEXTHOP: the nexthop object's id (NHA_ID), 0 or
 * -EINVAL. */
int nh_parse_nexthop_id(const struct nlmsghdr *nlh, uint32_t *id);
/* RTM_NEWNSID/DELNSID: the nsid (NETNSA_NSID). */
int nh_parse_nsid(const struct nlmsghdr *nlh, int *nsid);

/* RTM_NEWRULE/DELRULE. 1: not IPv4/IPv6 (ipmr rules, ...). iif and oif by
 * name, as the kernel keeps them. A selector or action the policy
 * language has no word for sets NH_FRULE_HAS_OTHER (the rule then equals
 * no policy rule); its action is then NH_FRULE_TABLE with table 0 unless
 * it is one of the four. A mark without FRA_FWMASK has mask 0xffffffff. */
int nh_parse_rule(const struct nlmsghdr *nlh, struct nh_fib_rule *out);

/* RTM_NEWNEIGH/DELNEIGH. 1: not an IPv4/IPv6 entry (a bridge fdb entry),
 * or a proxy entry (NTF_PROXY). The entry whatever its state: *state gets
 * ndm_state (NUD_*); only NUD_PERMANENT ones are a policy's. An NDA_LLADDR
 * of 6 bytes sets NH_NEIGH_HAS_LLADDR. */
int nh_parse_neigh(const struct nlmsghdr *nlh, struct nh_neigh *out, uint16_t *state);

/* The sysctl leaf of a value in family: "forwarding", "rp_filter",
 * "mc_forwarding", "proxy_arp" / "proxy_ndp",
 * "ignore_routes_with_linkdown", "bc_forwarding"; NULL when the family has
 * no such setting. */
const char *nh_netconf_leaf(int family, enum nh_netconf_value v);

/* RTM_NEWNETCONF/DELNETCONF. 1: not IPv4/IPv6 (MPLS). -EINVAL without
 * NETCONFA_IFINDEX. */
int nh_parse_netconf(const struct nlmsghdr *nlh, struct nh_netconf *out);

#endif
