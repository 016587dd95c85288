/*
 * macvlan: made on its parent in the host (IFLA_LINK is an index there, so
 * the request goes out on the host's socket) and moved into its namespace in
 * the same request (IFLA_NET_NS_FD from link.c). The mode is always sent:
 * the policy's default is bridge, the kernel's is vepa.
 */
#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

static const uint32_t modes[NH_MACVLAN__COUNT] = {
	[NH_MACVLAN_BRIDGE] = MACVLAN_MODE_BRIDGE,
	[NH_MACVLAN_PRIVATE] = MACVLAN_MODE_PRIVATE,
	[NH_MACVLAN_VEPA] = MACVLAN_MODE_VEPA,
	[NH_MACVLAN_PASSTHRU] = MACVLAN_MODE_PASSTHRU,
};

static int macvlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data;
	int r;

	if ((unsigned)l->macvlan_mode >= NH_MACVLAN__COUNT || kc->parent_ifindex <= 0)
		return -EINVAL;
	if (!mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_LINK, (uint32_t)kc->parent_ifindex))
		return -EMSGSIZE;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, "macvlan", &info);
	if (r < 0)
		return r;
	data = mnl_attr_nest_start_check(nlh, kc->buflen, IFLA_INFO_DATA);
	if (!data ||
	    !mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_MACVLAN_MODE, modes[l->macvlan_mode]))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_kind_ops nh_kind_macvlan = {
	.kind = NH_KIND_MACVLAN,
	.name = "macvlan",
	.parent_in_host = true,
	.needs_parent = true,
	.fill_create = macvlan_fill_create,
};
