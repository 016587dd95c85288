/* physical: a link netheal never creates; the diff moves it from the host
 * into its namespace (LINK_MOVE), so it has no create request. */
#include "kind.h"

const struct nh_kind_ops nh_kind_physical = {
	.kind = NH_KIND_PHYSICAL,
	.name = "physical",
};
