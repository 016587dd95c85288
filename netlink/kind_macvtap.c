/* macvtap: the kernel builds it on macvlan, with the same IFLA_MACVLAN_*
 * attributes: macvlan's parse and create serve it. */
#include "kind.h"

const struct nh_nl_kind nh_nl_kind_macvtap = {
	.kind = &nh_kind_macvtap,
	.parse_data = nh_macvlan_parse_data,
	.fill_create = nh_macvlan_fill_create,
};
