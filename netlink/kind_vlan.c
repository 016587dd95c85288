/*
 * vlan (802.1Q): made on its parent in the host and moved into its namespace
 * in the same request, like macvlan.
 */
#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

#include "attr.h"

static int vlan_parse_data(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_VLAN_MAX + 1] = {
		[IFLA_VLAN_ID] = MNL_TYPE_U16,
	};
	const struct nlattr *a[IFLA_VLAN_MAX + 1];

	if (nh_attr_parse_nested(data, a, types, IFLA_VLAN_MAX) < 0)
		return -EINVAL;
	if (a[IFLA_VLAN_ID]) {
		l->id = mnl_attr_get_u16(a[IFLA_VLAN_ID]);
		l->has |= NH_LINK_HAS_ID;
	}
	return 0;
}

static int vlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data;
	int r;

	if (!(l->has & NH_LINK_HAS_ID) || l->id > 4094 || kc->parent_ifindex <= 0)
		return -EINVAL;
	if (!mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_LINK, (uint32_t)kc->parent_ifindex))
		return -EMSGSIZE;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, nh_kind_vlan.name, &info);
	if (r < 0)
		return r;
	data = mnl_attr_nest_start_check(nlh, kc->buflen, IFLA_INFO_DATA);
	if (!data || !mnl_attr_put_u16_check(nlh, kc->buflen, IFLA_VLAN_ID, (uint16_t)l->id))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_nl_kind nh_nl_kind_vlan = {
	.kind = &nh_kind_vlan,
	.parse_data = vlan_parse_data,
	.fill_create = vlan_fill_create,
};
