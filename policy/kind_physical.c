/* physical: a device netheal did not make (a NIC, or a stand-in for one),
 * taken from the host namespace into the namespace that wants it (SPEC §1
 * Option 1). Never created, never deleted; its settings are healed. */
#include "kind.h"

const struct nh_kind nh_kind_physical = {
	.name = "physical",
	.flags = NH_KIND_FROM_HOST,
};
