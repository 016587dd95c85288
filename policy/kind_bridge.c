/* bridge: created when missing; takes ports (`master`). The kernel never
 * moves a bridge to another namespace (NETIF_F_NETNS_LOCAL), so neither
 * does netheal. */
#include "kind.h"

const struct nh_kind nh_kind_bridge = {
	.name = "bridge",
	.flags = NH_KIND_CREATABLE | NH_KIND_TAKES_PORTS,
};
