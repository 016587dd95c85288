/*
 * macvlan: `parent` (in the host namespace; made there and moved in the
 * same request) and `macvlan_mode` (bridge, the default; private, vepa,
 * passthru). The mode's names and key are shared with macvtap, which the
 * kernel builds on macvlan.
 */
#include "kind.h"

#include <errno.h>
#include <string.h>

#include "export.h"
#include "parse_int.h"

static const char *const mode_names[NH_MACVLAN__COUNT] = {
	[NH_MACVLAN_BRIDGE] = "bridge",
	[NH_MACVLAN_PRIVATE] = "private",
	[NH_MACVLAN_VEPA] = "vepa",
	[NH_MACVLAN_PASSTHRU] = "passthru",
};

const char *nh_macvlan_mode_to_string(enum nh_macvlan_mode m)
{
	return (unsigned)m < NH_MACVLAN__COUNT ? mode_names[m] : "?";
}

int nh_macvlan_mode_from_string(const char *s)
{
	for (int m = 0; m < NH_MACVLAN__COUNT; m++)
		if (strcmp(s, mode_names[m]) == 0)
			return m;
	return -EINVAL;
}

void nh_kind_parse_macvlan_mode(struct nh_link_in *in, const config_setting_t *s)
{
	const char *v = config_setting_get_string(s);
	int m = nh_macvlan_mode_from_string(v);
	char q[128];

	if (m < 0) {
		nh_perror(in->c, nh_line(in->c, s), "'macvlan_mode': unknown mode '%s' "
			  "(expected bridge, private, vepa or passthru)", nh_quote(v, q, sizeof(q)));
		return;
	}
	in->l.macvlan_mode = (enum nh_macvlan_mode)m;
	in->l.has |= NH_LINK_HAS_MACVLAN_MODE;
}

void nh_kind_write_macvlan(const struct nh_link *l, struct nh_export_writer *w)
{
	if (l->has & NH_LINK_HAS_PARENT)
		nh_ew_str(w, "parent", l->parent);
	if (l->has & NH_LINK_HAS_MACVLAN_MODE)
		nh_ew_str(w, "macvlan_mode", nh_macvlan_mode_to_string(l->macvlan_mode));
}

static const struct nh_kind_key keys[] = {
	{ "parent", NH_KT_STRING, nh_kind_parse_parent, "a 'parent' (its lower link, in the host namespace)" },
	{ "macvlan_mode", NH_KT_STRING, nh_kind_parse_macvlan_mode, NULL },
};

static const struct nh_kind_syntax syntax = { keys, NH_ARRAY_SIZE(keys), NULL, nh_kind_write_macvlan };

const struct nh_kind nh_kind_macvlan = {
	.name = "macvlan",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE | NH_KIND_NEEDS_PARENT | NH_KIND_PARENT_IN_HOST,
	.syntax = &syntax,
};
