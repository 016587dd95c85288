/* dummy: IFLA_INFO_KIND only. */
#include "kind.h"

static int dummy_fill_create(struct nlmsghdr *nlh, const struct nh_link *l NH_UNUSED,
			     const struct nh_kind_ctx *kc)
{
	struct nlattr *info;
	int r = nh_kind_linkinfo_start(nlh, kc->buflen, "dummy", &info);

	if (r < 0)
		return r;
	mnl_attr_nest_end(nlh, info);
	return 0;
}

const struct nh_kind_ops nh_kind_dummy = {
	.kind = NH_KIND_DUMMY,
	.name = "dummy",
	.fill_create = dummy_fill_create,
};
