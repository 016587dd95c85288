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

#include "attr.h"

/* One of a v4/v6 attribute pair, as a full-length prefix; 0 when absent. */
static int get_ip(const struct nlattr *v4, const struct nlattr *v6, struct nh_prefix *out, bool *found)
{
	const struct nlattr *a = v4 ? v4 : v6;
	int family = v4 ? AF_INET : AF_INET6;

	*found = a != NULL;
	if (!a)
		return 0;
	return nh_attr_addr(a, family, family == AF_INET ? 32 : 128, out);
}

static int vxlan_parse_data(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_VXLAN_MAX + 1] = {
		[IFLA_VXLAN_ID] = MNL_TYPE_U32,
		[IFLA_VXLAN_GROUP] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_GROUP6] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_LOCAL] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_LOCAL6] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_PORT] = MNL_TYPE_U16,
	};
	const struct nlattr *a[IFLA_VXLAN_MAX + 1];
	struct nh_prefix p;
	bool found;

	if (nh_attr_parse_nested(data, a, types, IFLA_VXLAN_MAX) < 0)
		return -EINVAL;
	if (a[IFLA_VXLAN_ID]) {
		l->id = mnl_attr_get_u32(a[IFLA_VXLAN_ID]);
		l->has |= NH_LINK_HAS_ID;
	}
	if (get_ip(a[IFLA_VXLAN_GROUP], a[IFLA_VXLAN_GROUP6], &p, &found) < 0)
		return -EINVAL;
	/* One attribute for both: a multicast group or a unicast remote. */
	if (found && nh_ip_is_multicast(&p)) {
		l->group = p;
		l->has |= NH_LINK_HAS_GROUP;
	} else if (found) {
		l->remote = p;
		l->has |= NH_LINK_HAS_REMOTE;
	}
	if (get_ip(a[IFLA_VXLAN_LOCAL], a[IFLA_VXLAN_LOCAL6], &l->local, &found) < 0)
		return -EINVAL;
	if (found)
		l->has |= NH_LINK_HAS_LOCAL;
	if (a[IFLA_VXLAN_PORT]) {
		l->port = ntohs(mnl_attr_get_u16(a[IFLA_VXLAN_PORT]));
		l->has |= NH_LINK_HAS_PORT;
	}
	return 0;
}

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

	r = nh_kind_linkinfo_start(nlh, kc->buflen, nh_kind_vxlan.name, &info);
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

const struct nh_nl_kind nh_nl_kind_vxlan = {
	.kind = &nh_kind_vxlan,
	.parse_data = vxlan_parse_data,
	.fill_create = vxlan_fill_create,
};
