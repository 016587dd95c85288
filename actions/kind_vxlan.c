/*
 * vxlan: VNI, remote or group (the kernel tells them apart by whether the
 * address is multicast; iproute2 sends both as IFLA_VXLAN_GROUP), local, and
 * the UDP port in network byte order. The request goes out on the target
 * namespace's socket: the kernel opens the tunnel's UDP socket in the
 * sender's namespace, as `ip netns exec NS ip link add ... type vxlan` does.
 * Only what the policy sets is sent; the rest is the kernel's default.
 */
#include "kind.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sys/socket.h>
#include <linux/if_link.h>

static int put_ip(struct nlmsghdr *nlh, size_t buflen, uint16_t v4, uint16_t v6,
		  const struct nh_prefix *p)
{
	size_t len = nh_family_addr_len(p->family);

	if (!len)
		return -EINVAL;
	if (!mnl_attr_put_check(nlh, buflen, p->family == AF_INET ? v4 : v6, len, p->addr))
		return -EMSGSIZE;
	return 0;
}

static int put_data(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	const struct nh_prefix *dst = (l->has & NH_LINK_HAS_GROUP) ? &l->group :
				      (l->has & NH_LINK_HAS_REMOTE) ? &l->remote : NULL;
	int r;

	if (!(l->has & NH_LINK_HAS_ID) || l->id > 0xffffff)
		return -EINVAL;
	if (!mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_VXLAN_ID, l->id))
		return -EMSGSIZE;
	if (dst && (r = put_ip(nlh, kc->buflen, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, dst)) < 0)
		return r;
	if ((l->has & NH_LINK_HAS_LOCAL) &&
	    (r = put_ip(nlh, kc->buflen, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &l->local)) < 0)
		return r;
	if (kc->parent_ifindex > 0 &&
	    !mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_VXLAN_LINK, (uint32_t)kc->parent_ifindex))
		return -EMSGSIZE;
	if ((l->has & NH_LINK_HAS_PORT) &&
	    !mnl_attr_put_u16_check(nlh, kc->buflen, IFLA_VXLAN_PORT, htons(l->port)))
		return -EMSGSIZE;
	return 0;
}

static int vxlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data;
	int r;

	r = nh_kind_linkinfo_start(nlh, kc->buflen, "vxlan", &info);
	if (r < 0)
		return r;
	data = mnl_attr_nest_start_check(nlh, kc->buflen, IFLA_INFO_DATA);
	if (!data)
		return -EMSGSIZE;
	r = put_data(nlh, l, kc);
	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_kind_ops nh_kind_vxlan = {
	.kind = NH_KIND_VXLAN,
	.name = "vxlan",
	.fill_create = vxlan_fill_create,
};
