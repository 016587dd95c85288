/*
 * vxlan: `id` (the VNI, 0..16777215: 24 bits, and the kernel accepts 0),
 * `remote` (unicast) or `group` (multicast), not both, `local`, all of one
 * family, and `port` (the UDP destination port, 1..65535).
 */
#include "kind.h"

#include <sys/socket.h>

#include "export.h"
#include "parse_int.h"

static void parse_id(struct nh_link_in *in, const config_setting_t *s)
{
	uint64_t v;

	if (nh_get_uint(in->c, s, 0, 16777215, &v) == 0) {
		in->l.id = (uint32_t)v;
		in->l.has |= NH_LINK_HAS_ID;
	}
}

static void parse_remote(struct nh_link_in *in, const config_setting_t *s)
{
	if (nh_get_ip(in->c, s, &in->l.remote) < 0)
		return;
	if (nh_ip_is_multicast(&in->l.remote))
		nh_perror(in->c, nh_line(in->c, s), "'remote' %s is a multicast address: use 'group'",
			  config_setting_get_string(s));
	else
		in->l.has |= NH_LINK_HAS_REMOTE;
}

static void parse_group(struct nh_link_in *in, const config_setting_t *s)
{
	if (nh_get_ip(in->c, s, &in->l.group) < 0)
		return;
	if (!nh_ip_is_multicast(&in->l.group))
		nh_perror(in->c, nh_line(in->c, s), "'group' %s is not a multicast address: use 'remote'",
			  config_setting_get_string(s));
	else
		in->l.has |= NH_LINK_HAS_GROUP;
}

static void parse_local(struct nh_link_in *in, const config_setting_t *s)
{
	if (nh_get_ip(in->c, s, &in->l.local) == 0)
		in->l.has |= NH_LINK_HAS_LOCAL;
}

static void parse_port(struct nh_link_in *in, const config_setting_t *s)
{
	uint64_t v;

	if (nh_get_uint(in->c, s, 1, 65535, &v) == 0) {
		in->l.port = (uint16_t)v;
		in->l.has |= NH_LINK_HAS_PORT;
	}
}

static void check(struct nh_link_in *in)
{
	const config_setting_t *rs = nh_link_in_get(in, "remote"), *gs = nh_link_in_get(in, "group");
	const config_setting_t *ls = nh_link_in_get(in, "local");
	const struct nh_link *l = &in->l;

	if (rs && gs)
		nh_perror(in->c, nh_line(in->c, gs), "'remote' and 'group' exclude each other");
	if ((l->has & NH_LINK_HAS_LOCAL) && (l->has & (NH_LINK_HAS_REMOTE | NH_LINK_HAS_GROUP)) &&
	    l->local.family != (l->has & NH_LINK_HAS_REMOTE ? l->remote.family : l->group.family))
		nh_perror(in->c, nh_line(in->c, ls), "'local' is not of the same address family as '%s'",
			  l->has & NH_LINK_HAS_REMOTE ? "remote" : "group");
}

/* What the parser takes back: a port of 0 (the kernel's "default") is left
 * to the kernel again. */
static void write_keys(const struct nh_link *l, struct nh_export_writer *w)
{
	if (l->has & NH_LINK_HAS_ID)
		nh_ew_uint(w, "id", l->id);
	if (l->has & NH_LINK_HAS_REMOTE)
		nh_ew_ip(w, "remote", &l->remote);
	if (l->has & NH_LINK_HAS_GROUP)
		nh_ew_ip(w, "group", &l->group);
	if (l->has & NH_LINK_HAS_LOCAL)
		nh_ew_ip(w, "local", &l->local);
	if ((l->has & NH_LINK_HAS_PORT) && l->port)
		nh_ew_uint(w, "port", l->port);
}

static const struct nh_kind_key keys[] = {
	{ "id", NH_KT_INT, parse_id, "an 'id' (the VNI, 0..16777215)" },
	{ "remote", NH_KT_STRING, parse_remote, NULL },
	{ "local", NH_KT_STRING, parse_local, NULL },
	{ "group", NH_KT_STRING, parse_group, NULL },
	{ "port", NH_KT_INT, parse_port, NULL },
};

static const struct nh_kind_syntax syntax = { keys, NH_ARRAY_SIZE(keys), check, write_keys };

const struct nh_kind nh_kind_vxlan = {
	.name = "vxlan",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE,
	.syntax = &syntax,
};
