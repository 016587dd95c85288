/* bridge: IFLA_INFO_KIND only, as `ip link add NAME type bridge` sends it;
 * every bridge option stays at the kernel's default. */
#include "kind.h"

const struct nh_nl_kind nh_nl_kind_bridge = {
	.kind = &nh_kind_bridge,
	.fill_create = nh_kind_fill_kind_only,
};
