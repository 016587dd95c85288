/* dummy: IFLA_INFO_KIND only. */
#include "kind.h"

const struct nh_nl_kind nh_nl_kind_dummy = {
	.kind = &nh_kind_dummy,
	.fill_create = nh_kind_fill_kind_only,
};
