/*
 * veth: both ends in one request. The primary end is made in its own
 * namespace (IFLA_NET_NS_FD from link.c), the peer directly in the peer's
 * (IFLA_NET_NS_FD inside VETH_INFO_PEER), so the request can go out on any
 * socket and no end ever passes through the host. Both ends get their mtu
 * and mac from the policy; the peer's master, up and addresses are separate
 * actions.
 */
#include "kind.h"

#include <errno.h>
#include <string.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

/* VETH_INFO_PEER starts with an ifinfomsg of its own, then attributes. */
static int put_peer_ifinfomsg(struct nlmsghdr *nlh, size_t buflen)
{
	size_t len = MNL_ALIGN(sizeof(struct ifinfomsg));

	if (nlh->nlmsg_len + len > buflen)
		return -EMSGSIZE;
	memset(mnl_nlmsg_get_payload_tail(nlh), 0, len);
	nlh->nlmsg_len += len;
	return 0;
}

static int put_peer(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	int r = put_peer_ifinfomsg(nlh, kc->buflen);

	if (r < 0)
		return r;
	if (!mnl_attr_put_strz_check(nlh, kc->buflen, IFLA_IFNAME, l->peer_name))
		return -EMSGSIZE;
	/* Without it the kernel puts the peer in the sender's namespace. */
	if (kc->peer_netns_fd >= 0 &&
	    !mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_NET_NS_FD, (uint32_t)kc->peer_netns_fd))
		return -EMSGSIZE;
	return kc->peer ? nh_kind_put_mtu_mac(nlh, kc->buflen, kc->peer) : 0;
}

static int veth_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data, *peer;
	int r;

	if (!l->peer_name[0])
		return -EINVAL;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, nh_kind_veth.name, &info);
	if (r < 0)
		return r;
	data = mnl_attr_nest_start_check(nlh, kc->buflen, IFLA_INFO_DATA);
	if (!data)
		return -EMSGSIZE;
	peer = mnl_attr_nest_start_check(nlh, kc->buflen, VETH_INFO_PEER);
	if (!peer)
		return -EMSGSIZE;
	r = put_peer(nlh, l, kc);
	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

/* Nothing in IFLA_INFO_DATA to read: the peer is IFLA_LINK (decode.c). */
const struct nh_nl_kind nh_nl_kind_veth = {
	.kind = &nh_kind_veth,
	.fill_create = veth_fill_create,
};
