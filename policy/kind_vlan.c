/*
 * vlan (802.1Q): `parent` (in the host namespace; made there and moved in
 * the same request) and `id`, 1..4094 (0 and 4095 are reserved by 802.1Q).
 */
#include "kind.h"
#include "export.h"
#include "parse_int.h"

static void parse_id(struct nh_link_in *in, const config_setting_t *s)
{
	uint64_t v;

	if (nh_get_uint(in->c, s, 1, 4094, &v) == 0) {
		in->l.id = (uint32_t)v;
		in->l.has |= NH_LINK_HAS_ID;
	}
}

static void write_keys(const struct nh_link *l, struct nh_export_writer *w)
{
	if (l->has & NH_LINK_HAS_PARENT)
		nh_ew_str(w, "parent", l->parent);
	if (l->has & NH_LINK_HAS_ID)
		nh_ew_uint(w, "id", l->id);
}

static const struct nh_kind_key keys[] = {
	{ "parent", NH_KT_STRING, nh_kind_parse_parent, "a 'parent' (its lower link, in the host namespace)" },
	{ "id", NH_KT_INT, parse_id, "an 'id' (the VLAN id, 1..4094)" },
};

static const struct nh_kind_syntax syntax = { keys, NH_ARRAY_SIZE(keys), NULL, write_keys };

const struct nh_kind nh_kind_vlan = {
	.name = "vlan",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE | NH_KIND_NEEDS_PARENT | NH_KIND_PARENT_IN_HOST,
	.syntax = &syntax,
};
