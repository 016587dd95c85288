/* dummy: created when missing, no settings of its own. */
#include "kind.h"

const struct nh_kind nh_kind_dummy = {
	.name = "dummy",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE,
};
