/*
 * macvlan: made on its parent in the host (IFLA_LINK is an index there, so
 * the request goes out on the host's socket) and moved into its namespace in
 * the same request (IFLA_NET_NS_FD from actions/link.c). The mode is always
 * sent: the policy's default is bridge, the kernel's is vepa. macvtap, which
 * the kernel builds on macvlan, has the same attributes: both functions
 * serve it too (they take the kind's name from the link).
 */
#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

#include "attr.h"

static const uint32_t modes[NH_MACVLAN__COUNT] = {
	[NH_MACVLAN_BRIDGE] = MACVLAN_MODE_BRIDGE,
	[NH_MACVLAN_PRIVATE] = MACVLAN_MODE_PRIVATE,
	[NH_MACVLAN_VEPA] = MACVLAN_MODE_VEPA,
	[NH_MACVLAN_PASSTHRU] = MACVLAN_MODE_PASSTHRU,
};

static int mode_from_kernel(uint32_t v, enum nh_macvlan_mode *out)
{
	for (size_t m = 0; m < NH_MACVLAN__COUNT; m++) {
		if (modes[m] == v) {
			*out = (enum nh_macvlan_mode)m;
			return 0;
		}
	}
	return -EINVAL;         /* "source" and future modes: not a policy value */
}

int nh_macvlan_parse_data(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_MACVLAN_MAX + 1] = {
		[IFLA_MACVLAN_MODE] = MNL_TYPE_U32,
	};
	const struct nlattr *a[IFLA_MACVLAN_MAX + 1];

	if (nh_attr_parse_nested(data, a, types, IFLA_MACVLAN_MAX) < 0)
		return -EINVAL;
	if (a[IFLA_MACVLAN_MODE] &&
	    mode_from_kernel(mnl_attr_get_u32(a[IFLA_MACVLAN_MODE]), &l->macvlan_mode) == 0)
		l->has |= NH_LINK_HAS_MACVLAN_MODE;
	return 0;
}

int nh_macvlan_fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info, *data;
	int r;

	if ((unsigned)l->macvlan_mode >= NH_MACVLAN__COUNT || kc->parent_ifindex <= 0 || !l->kind)
		return -EINVAL;
	if (!mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_LINK, (uint32_t)kc->parent_ifindex))
		return -EMSGSIZE;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, l->kind->name, &info);
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

const struct nh_nl_kind nh_nl_kind_macvlan = {
	.kind = &nh_kind_macvlan,
	.parse_data = nh_macvlan_parse_data,
	.fill_create = nh_macvlan_fill_create,
};
