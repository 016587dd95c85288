/*
 * One link kind, one file: each kind's part of an RTM_NEWLINK create request,
 * behind a const table of operations (netifd's struct device_type, systemd's
 * NetDevVTable). link.c builds the generic part of the request (name, mtu,
 * mac, target namespace) and calls the kind for the rest. Adding a kind means
 * adding a kind_<name>.c file and one line in kind.c.
 */
#ifndef NETHEAL_ACTIONS_KIND_H
#define NETHEAL_ACTIONS_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include <libmnl/libmnl.h>

#include "common/util.h"
#include "policy/model.h"

/* What a kind's fill_create needs beyond the link itself. */
struct nh_kind_ctx {
	size_t buflen;                  /* size of the buffer nlh lives in */
	int netns_fd;                   /* the namespace the link is created in */
	int peer_netns_fd;              /* veth: the peer end's namespace */
	const struct nh_link *peer;     /* veth: the peer end as the policy wants it, or NULL */
	int parent_ifindex;             /* macvlan, vlan (host), vxlan (target): the lower link, 0 if none */
};

struct nh_kind_ops {
	enum nh_kind kind;
	const char *name;               /* IFLA_INFO_KIND */
	/* The lower link (`parent`) lives in the host namespace: the create
	 * request goes out on the host's socket, with the target namespace in
	 * IFLA_NET_NS_FD, so the link is made there and moved in one request. */
	bool parent_in_host;
	bool needs_parent;              /* creating it without `parent` is an error */
	bool has_peer;                  /* veth: the peer end (peer_name, in peer_netns) is made too */
	/* Append the kind's attributes (IFLA_LINK, IFLA_LINKINFO) to a create
	 * request. NULL: the kind is not created (physical is moved instead).
	 * Returns 0, -EMSGSIZE when the buffer is full, or -EINVAL. */
	int (*fill_create)(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc);
};

/* The operations of a kind; NULL for UNSPEC and OTHER. */
const struct nh_kind_ops *nh_kind_ops_get(enum nh_kind kind);

/* Shared by the kinds: IFLA_MTU and IFLA_ADDRESS when l has them. */
int nh_kind_put_mtu_mac(struct nlmsghdr *nlh, size_t buflen, const struct nh_link *l);
/* Open IFLA_LINKINFO with IFLA_INFO_KIND; *info is the nest to close with
 * mnl_attr_nest_end. */
int nh_kind_linkinfo_start(struct nlmsghdr *nlh, size_t buflen, const char *kind, struct nlattr **info);

extern const struct nh_kind_ops nh_kind_physical;
extern const struct nh_kind_ops nh_kind_veth;
extern const struct nh_kind_ops nh_kind_bridge;
extern const struct nh_kind_ops nh_kind_macvlan;
extern const struct nh_kind_ops nh_kind_vxlan;
extern const struct nh_kind_ops nh_kind_dummy;
extern const struct nh_kind_ops nh_kind_vlan;

#endif
