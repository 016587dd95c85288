/* The registry of link kinds (kernel half) and what every kind shares. */
#include "kind.h"

#include <errno.h>
#include <linux/if_link.h>

#define NH_NL_KIND_ENTRY(k) &nh_nl_kind_##k,
static const struct nh_nl_kind *const registry[] = { NH_NL_KINDS(NH_NL_KIND_ENTRY) };

const struct nh_nl_kind *nh_nl_kind_get(const struct nh_kind *k)
{
	for (size_t i = 0; k && i < NH_ARRAY_SIZE(registry); i++)
		if (registry[i]->kind == k)
			return registry[i];
	return NULL;
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

int nh_kind_fill_kind_only(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nlattr *info;
	int r;

	if (!l->kind)
		return -EINVAL;
	r = nh_kind_linkinfo_start(nlh, kc->buflen, l->kind->name, &info);
	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, info);
	return 0;
}
