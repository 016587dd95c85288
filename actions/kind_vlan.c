/*
 * vlan (802.1Q): made on its parent in the host and moved into its namespace
 * in the same request, like macvlan.
 */
#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

static int vlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data;
	int r;

	if (!(l->has & NH_LINK_HAS_ID) || l->id > 4094 || kc->parent_ifindex <= 0)
		return -EINVAL;
	if (!mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_LINK, (uint32_t)kc->parent_ifindex))
		return -EMSGSIZE;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, "vlan", &info);
	if (r < 0)
		return r;
	data = mnl_attr_nest_start_check(nlh, kc->buflen, IFLA_INFO_DATA);
	if (!data || !mnl_attr_put_u16_check(nlh, kc->buflen, IFLA_VLAN_ID, (uint16_t)l->id))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_kind_ops nh_kind_vlan = {
	.kind = NH_KIND_VLAN,
	.name = "vlan",
	.parent_in_host = true,
	.needs_parent = true,
	.fill_create = vlan_fill_create,
};
