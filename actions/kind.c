#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

#include "common/util.h"

static const struct nh_kind_ops *const kinds[NH_KIND__COUNT] = {
	[NH_KIND_PHYSICAL] = &nh_kind_physical,
	[NH_KIND_VETH] = &nh_kind_veth,
	[NH_KIND_BRIDGE] = &nh_kind_bridge,
	[NH_KIND_MACVLAN] = &nh_kind_macvlan,
	[NH_KIND_VXLAN] = &nh_kind_vxlan,
	[NH_KIND_DUMMY] = &nh_kind_dummy,
	[NH_KIND_VLAN] = &nh_kind_vlan,
};

const struct nh_kind_ops *nh_kind_ops_get(enum nh_kind kind)
{
	return (unsigned)kind < NH_ARRAY_SIZE(kinds) ? kinds[kind] : NULL;
}

int nh_kind_put_mtu_mac(struct nlmsghdr *nlh, size_t buflen, const struct nh_link *l)
{
	if ((l->has & NH_LINK_HAS_MTU) &&
	    !mnl_attr_put_u32_check(nlh, buflen, IFLA_MTU, l->mtu))
		return -EMSGSIZE;
	if ((l->has & NH_LINK_HAS_MAC) &&
	    !mnl_attr_put_check(nlh, buflen, IFLA_ADDRESS, sizeof(l->mac), l->mac))
		return -EMSGSIZE;
	return 0;
}

int nh_kind_linkinfo_start(struct nlmsghdr *nlh, size_t buflen, const char *kind, struct nlattr **info)
{
	*info = mnl_attr_nest_start_check(nlh, buflen, IFLA_LINKINFO);
	if (!*info)
		return -EMSGSIZE;
	if (!mnl_attr_put_strz_check(nlh, buflen, IFLA_INFO_KIND, kind)) {
		mnl_attr_nest_cancel(nlh, *info);
		return -EMSGSIZE;
	}
	return 0;
}
