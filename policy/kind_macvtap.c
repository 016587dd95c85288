/*
 * macvtap: a macvlan with a tap character device (/dev/tapN) for a VM or a
 * packet program. Like macvlan: `parent` (in the host namespace; made there
 * and moved in the same request) and `macvlan_mode`, whose names it shares.
 */
#include "kind.h"
#include "parse_int.h"

static const struct nh_kind_key keys[] = {
	{ "parent", NH_KT_STRING, nh_kind_parse_parent, "a 'parent' (its lower link, in the host namespace)" },
	{ "macvlan_mode", NH_KT_STRING, nh_kind_parse_macvlan_mode, NULL },
};

static const struct nh_kind_syntax syntax = { keys, NH_ARRAY_SIZE(keys), NULL, nh_kind_write_macvlan };

const struct nh_kind nh_kind_macvtap = {
	.name = "macvtap",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE | NH_KIND_NEEDS_PARENT | NH_KIND_PARENT_IN_HOST,
	.syntax = &syntax,
};
