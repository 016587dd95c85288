/* bridge: IFLA_INFO_KIND only, as `ip link add NAME type bridge` sends it;
 * every bridge option stays at the kernel's default. */
#include "kind.h"

static int bridge_fill_create(struct nlmsghdr *nlh, const struct nh_link *l NH_UNUSED,
			      const struct nh_kind_ctx *kc)
{
	struct nlattr *info;
	int r = nh_kind_linkinfo_start(nlh, kc->buflen, "bridge", &info);

	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_kind_ops nh_kind_bridge = {
	.kind = NH_KIND_BRIDGE,
	.name = "bridge",
	.fill_create = bridge_fill_create,
};
