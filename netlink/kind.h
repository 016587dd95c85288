/*
 * Link kinds, the kernel half (policy/kind.h has the policy half and says
 * how the two make one module): per kind, its IFLA_INFO_DATA parsed into
 * struct nh_link, and its part of an RTM_NEWLINK create request. The
 * generic part of the request (name, mtu, mac, target namespace) is built
 * by actions/link.c, the generic part of a link message parsed by
 * netlink/decode.c; both call the kind for the rest.
 */
#ifndef NETHEAL_NETLINK_KIND_H
#define NETHEAL_NETLINK_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include <libmnl/libmnl.h>

#include "common/util.h"
#include "policy/kind.h"
#include "policy/model.h"

/* What a kind's fill_create needs beyond the link itself. */
struct nh_kind_ctx {
	size_t buflen;                  /* size of the buffer nlh lives in */
	int netns_fd;                   /* the namespace the link is created in */
	int peer_netns_fd;              /* a pair (veth): the peer end's namespace */
	const struct nh_link *peer;     /* a pair: the peer end as the policy wants it, or NULL */
	int parent_ifindex;             /* the lower link (`parent`), 0 if none; in the host for
					   NH_KIND_PARENT_IN_HOST kinds, else in the target */
};

struct nh_nl_kind {
	const struct nh_kind *kind;     /* its policy half: name (IFLA_INFO_KIND), flags */
	/* IFLA_INFO_DATA of a link of this kind into l (its kind-specific
	 * fields and NH_LINK_HAS_* bits). 0, or -EINVAL when malformed.
	 * NULL: the kind has nothing netheal reads. */
	int (*parse_data)(const struct nlattr *data, struct nh_link *l);
	/* Append the kind's attributes (IFLA_LINK, IFLA_LINKINFO) to a create
	 * request for l. 0, -EMSGSIZE when the buffer is full, or -EINVAL
	 * when l lacks what the kind needs. */
	int (*fill_create)(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc);
};

/*
 * The registry: one line per kind the kernel makes, each defined as
 * nh_nl_kind_<name> in netlink/kind_<name>.c. (`physical` has no kernel
 * half: netheal never creates one, and the kernel has no such kind.)
 */
#define NH_NL_KINDS(X) \
	X(veth) \
	X(bridge) \
	X(macvlan) \
	X(macvtap) \
	X(vxlan) \
	X(dummy) \
	X(vlan)

#define NH_NL_KIND_DECLARE(k) extern const struct nh_nl_kind nh_nl_kind_##k;
NH_NL_KINDS(NH_NL_KIND_DECLARE)

/* The kernel half of kind k; NULL for NULL and for kinds without one. */
const struct nh_nl_kind *nh_nl_kind_get(const struct nh_kind *k);

/* Shared by the kinds: IFLA_MTU and IFLA_ADDRESS when l has them. */
int nh_kind_put_mtu_mac(struct nlmsghdr *nlh, size_t buflen, const struct nh_link *l);
/* Open IFLA_LINKINFO with IFLA_INFO_KIND; *info is the nest to close with
 * mnl_attr_nest_end. 0 or -EMSGSIZE. */
int nh_kind_linkinfo_start(struct nlmsghdr *nlh, size_t buflen, const char *kind, struct nlattr **info);
/* IFLA_LINKINFO with IFLA_INFO_KIND alone: the whole create part of kinds
 * with no settings (bridge, dummy). */
int nh_kind_fill_kind_only(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc);

/* macvlan's halves (netlink/kind_macvlan.c), shared by macvtap, which the
 * kernel builds on macvlan with the same IFLA_MACVLAN_* attributes: the mode
 * read (a kernel mode the policy cannot name, "source", is left unset), and
 * a create request on the parent with the mode always sent. */
int nh_macvlan_parse_data(const struct nlattr *data, struct nh_link *l);
int nh_macvlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc);

#endif
