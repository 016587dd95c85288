/*
 * Links and veth peers (SPEC §3.1, link keys).
 *
 * Ranges, as the kernel takes them:
 *   mtu   68..65536    68 is the IPv4 minimum (ETH_MIN_MTU); 65536 is the
 *                      loopback's own MTU, the largest a policy must state
 *   id    1..4094      vlan (0 and 4095 are reserved by 802.1Q)
 *         0..16777215  vxlan VNI (24 bits; the kernel accepts 0)
 *   port  1..65535     vxlan destination UDP port
 * Extra checks: a `replace` needs a kind netheal creates; a vxlan takes
 * `remote` (unicast) or `group` (multicast), not both, and `local`,
 * `remote`, `group` are of one family; a MAC is neither multicast nor zero;
 * a veth may not sit in a `match` rule (every namespace matching it would
 * claim the same peer name).
 */
#include "parse_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

enum {
	LK_NAME, LK_KIND, LK_UP, LK_MTU, LK_MAC, LK_MASTER, LK_ADDRESSES, LK_PEER,
	LK_PARENT, LK_ID, LK_MACVLAN_MODE, LK_REMOTE, LK_LOCAL, LK_GROUP, LK_PORT,
	LK_REPLACE, LK__COUNT
};

static const struct nh_key link_keys[LK__COUNT] = {
	[LK_NAME] = { "name", NH_KT_STRING },
	[LK_KIND] = { "kind", NH_KT_STRING },
	[LK_UP] = { "up", NH_KT_BOOL },
	[LK_MTU] = { "mtu", NH_KT_INT },
	[LK_MAC] = { "mac", NH_KT_STRING },
	[LK_MASTER] = { "master", NH_KT_STRING },
	[LK_ADDRESSES] = { "addresses", NH_KT_STRINGS },
	[LK_PEER] = { "peer", NH_KT_GROUP },
	[LK_PARENT] = { "parent", NH_KT_STRING },
	[LK_ID] = { "id", NH_KT_INT },
	[LK_MACVLAN_MODE] = { "macvlan_mode", NH_KT_STRING },
	[LK_REMOTE] = { "remote", NH_KT_STRING },
	[LK_LOCAL] = { "local", NH_KT_STRING },
	[LK_GROUP] = { "group", NH_KT_STRING },
	[LK_PORT] = { "port", NH_KT_INT },
	[LK_REPLACE] = { "replace", NH_KT_BOOL },
};

enum { PK_NAME, PK_NETNS, PK_MASTER, PK_UP, PK_MTU, PK_MAC, PK_ADDRESSES, PK__COUNT };

static const struct nh_key peer_keys[PK__COUNT] = {
	[PK_NAME] = { "name", NH_KT_STRING },
	[PK_NETNS] = { "netns", NH_KT_STRING },
	[PK_MASTER] = { "master", NH_KT_STRING },
	[PK_UP] = { "up", NH_KT_BOOL },
	[PK_MTU] = { "mtu", NH_KT_INT },
	[PK_MAC] = { "mac", NH_KT_STRING },
	[PK_ADDRESSES] = { "addresses", NH_KT_STRINGS },
};

#define KIND_BIT(k) (1u << (k))
#define CREATABLE (KIND_BIT(NH_KIND_VETH) | KIND_BIT(NH_KIND_BRIDGE) | KIND_BIT(NH_KIND_MACVLAN) | \
		   KIND_BIT(NH_KIND_VXLAN) | KIND_BIT(NH_KIND_DUMMY) | KIND_BIT(NH_KIND_VLAN))

/* Keys that belong to some kinds only: which, and how to say so. */
static const struct {
	int key;
	uint32_t kinds;
	const char *kinds_text;
} kind_keys[] = {
	{ LK_PEER, KIND_BIT(NH_KIND_VETH), "kind veth" },
	{ LK_PARENT, KIND_BIT(NH_KIND_MACVLAN) | KIND_BIT(NH_KIND_VLAN), "kind macvlan or vlan" },
	{ LK_ID, KIND_BIT(NH_KIND_VLAN) | KIND_BIT(NH_KIND_VXLAN), "kind vlan or vxlan" },
	{ LK_MACVLAN_MODE, KIND_BIT(NH_KIND_MACVLAN), "kind macvlan" },
	{ LK_REMOTE, KIND_BIT(NH_KIND_VXLAN), "kind vxlan" },
	{ LK_LOCAL, KIND_BIT(NH_KIND_VXLAN), "kind vxlan" },
	{ LK_GROUP, KIND_BIT(NH_KIND_VXLAN), "kind vxlan" },
	{ LK_PORT, KIND_BIT(NH_KIND_VXLAN), "kind vxlan" },
	{ LK_REPLACE, CREATABLE, "a kind netheal creates (veth, bridge, macvlan, vxlan, dummy, vlan)" },
};

/* One link being read, with what is known about its keys. */
struct link_in {
	const config_setting_t *g;
	const config_setting_t *k[LK__COUNT];
	struct nh_link l;
	bool name_ok, kind_ok;
	struct nh_address *addrs;
	size_t n_addrs, cap_addrs;
};

/* up, mtu, mac, master: shared by a link and a veth peer. */
static void parse_common(struct nh_pctx *c, struct nh_link *l, const config_setting_t *up,
			 const config_setting_t *mtu, const config_setting_t *mac,
			 const config_setting_t *master)
{
	uint64_t v;

	l->up = true;
	l->has |= NH_LINK_HAS_UP;
	if (up)
		l->up = config_setting_get_bool(up);
	if (mtu && nh_get_uint(c, mtu, 68, 65536, &v) == 0) {
		l->mtu = (uint32_t)v;
		l->has |= NH_LINK_HAS_MTU;
	}
	if (mac && nh_get_mac(c, mac, l->mac) == 0)
		l->has |= NH_LINK_HAS_MAC;
	if (master && nh_get_ifname(c, master, l->master) == 0) {
		if (l->name[0] && strcmp(l->master, l->name) == 0)
			nh_perror(c, nh_line(c, master), "link '%s' cannot be its own master", l->name);
		else
			l->has |= NH_LINK_HAS_MASTER;
	}
}

static void parse_kind(struct nh_pctx *c, struct link_in *in)
{
	const config_setting_t *s = in->k[LK_KIND];
	const char *v;
	char q[128];

	in->kind_ok = true;
	if (!s)
		return;
	v = config_setting_get_string(s);
	in->l.kind = nh_kind_from_string(v);
	if (in->l.kind == NH_KIND_UNSPEC || in->l.kind == NH_KIND_OTHER) {
		nh_perror(c, nh_line(c, s), "'kind': unknown kind '%s' (expected physical, veth, "
			  "bridge, macvlan, vxlan, dummy or vlan)", nh_quote(v, q, sizeof(q)));
		in->l.kind = NH_KIND_UNSPEC;
		in->kind_ok = false;
	}
}

static const char *kind_text(enum nh_kind k)
{
	return k == NH_KIND_UNSPEC ? "no kind" : nh_kind_to_string(k);
}

/* Kind-specific keys on another kind; required keys missing. */
static void check_kind_keys(struct nh_pctx *c, struct link_in *in)
{
	enum nh_kind kind = in->l.kind;
	unsigned int line = in->l.origin.line;

	if (!in->kind_ok)
		return;         /* no cascade after an unknown kind */
	for (size_t i = 0; i < NH_ARRAY_SIZE(kind_keys); i++) {
		const config_setting_t *s = in->k[kind_keys[i].key];

		if (s && !(kind_keys[i].kinds & KIND_BIT(kind)))
			nh_perror(c, nh_line(c, s), "'%s' applies only to %s, and link '%s' has %s",
				  link_keys[kind_keys[i].key].name, kind_keys[i].kinds_text,
				  in->l.name, kind_text(kind));
	}
	if (kind == NH_KIND_VETH && !config_setting_get_member(in->g, "peer"))
		nh_perror(c, line, "veth '%s' needs a 'peer' group naming its other end", in->l.name);
	if ((kind == NH_KIND_MACVLAN || kind == NH_KIND_VLAN) && !in->k[LK_PARENT])
		nh_perror(c, line, "%s '%s' needs a 'parent' (its lower link, in the host namespace)",
			  nh_kind_to_string(kind), in->l.name);
	if (kind == NH_KIND_VLAN && !in->k[LK_ID])
		nh_perror(c, line, "vlan '%s' needs an 'id' (the VLAN id, 1..4094)", in->l.name);
	if (kind == NH_KIND_VXLAN && !in->k[LK_ID])
		nh_perror(c, line, "vxlan '%s' needs an 'id' (the VNI, 0..16777215)", in->l.name);
}

static bool is_multicast(const struct nh_prefix *p)
{
	return p->family == AF_INET ? (p->addr[0] & 0xf0) == 0xe0 : p->addr[0] == 0xff;
}

static void parse_vxlan(struct nh_pctx *c, struct link_in *in)
{
	struct nh_link *l = &in->l;
	const config_setting_t *rs = in->k[LK_REMOTE], *gs = in->k[LK_GROUP], *ls = in->k[LK_LOCAL];
	uint64_t v;

	if (rs && nh_get_ip(c, rs, &l->remote) == 0) {
		if (is_multicast(&l->remote))
			nh_perror(c, nh_line(c, rs), "'remote' %s is a multicast address: use 'group'",
				  config_setting_get_string(rs));
		else
			l->has |= NH_LINK_HAS_REMOTE;
	}
	if (gs && nh_get_ip(c, gs, &l->group) == 0) {
		if (!is_multicast(&l->group))
			nh_perror(c, nh_line(c, gs), "'group' %s is not a multicast address: use 'remote'",
				  config_setting_get_string(gs));
		else
			l->has |= NH_LINK_HAS_GROUP;
	}
	if (rs && gs)
		nh_perror(c, nh_line(c, gs), "'remote' and 'group' exclude each other");
	if (ls && nh_get_ip(c, ls, &l->local) == 0)
		l->has |= NH_LINK_HAS_LOCAL;
	if ((l->has & NH_LINK_HAS_LOCAL) && (l->has & (NH_LINK_HAS_REMOTE | NH_LINK_HAS_GROUP)) &&
	    l->local.family != (l->has & NH_LINK_HAS_REMOTE ? l->remote.family : l->group.family))
		nh_perror(c, nh_line(c, ls), "'local' is not of the same address family as '%s'",
			  l->has & NH_LINK_HAS_REMOTE ? "remote" : "group");
	if (in->k[LK_PORT] && nh_get_uint(c, in->k[LK_PORT], 1, 65535, &v) == 0) {
		l->port = (uint16_t)v;
		l->has |= NH_LINK_HAS_PORT;
	}
}

/* Values of the kind-specific keys, on the kinds they belong to. */
static void parse_kind_values(struct nh_pctx *c, struct link_in *in)
{
	struct nh_link *l = &in->l;
	uint64_t v;
	char q[128];
	int m;

	if (l->kind == NH_KIND_MACVLAN || l->kind == NH_KIND_VLAN) {
		if (in->k[LK_PARENT] && nh_get_ifname(c, in->k[LK_PARENT], l->parent) == 0)
			l->has |= NH_LINK_HAS_PARENT;
	}
	if ((l->kind == NH_KIND_VLAN || l->kind == NH_KIND_VXLAN) && in->k[LK_ID]) {
		bool vlan = l->kind == NH_KIND_VLAN;

		if (nh_get_uint(c, in->k[LK_ID], vlan ? 1 : 0, vlan ? 4094 : 16777215, &v) == 0) {
			l->id = (uint32_t)v;
			l->has |= NH_LINK_HAS_ID;
		}
	}
	if (l->kind == NH_KIND_MACVLAN && in->k[LK_MACVLAN_MODE]) {
		const char *s = config_setting_get_string(in->k[LK_MACVLAN_MODE]);

		m = nh_macvlan_mode_from_string(s);
		if (m < 0) {
			nh_perror(c, nh_line(c, in->k[LK_MACVLAN_MODE]), "'macvlan_mode': unknown mode '%s' "
				  "(expected bridge, private, vepa or passthru)", nh_quote(s, q, sizeof(q)));
		} else {
			l->macvlan_mode = (enum nh_macvlan_mode)m;
			l->has |= NH_LINK_HAS_MACVLAN_MODE;
		}
	}
	if (l->kind == NH_KIND_VXLAN)
		parse_vxlan(c, in);
	if (in->k[LK_REPLACE] && nh_kind_creatable(l->kind))
		l->replace = config_setting_get_bool(in->k[LK_REPLACE]);
}

/* The `peer` group of veth in->l in rule r: its far end, pending until
 * every file is read. */
static void parse_peer(struct nh_pctx *c, struct link_in *in, const struct nh_netns_rule *r)
{
	const config_setting_t *g = in->k[LK_PEER];
	const config_setting_t *k[PK__COUNT];
	struct nh_pending_peer pp = { .host = true };
	struct nh_link *end = &pp.end;
	bool ok = in->name_ok;

	nh_scan_group(c, g, "veth peer", peer_keys, PK__COUNT, k);
	end->origin = end->peer_origin = nh_origin_of(c, g);
	pp.netns_origin = end->origin;
	end->kind = NH_KIND_VETH;
	end->flags = NH_LINK_FLAG_PEER_END;
	end->has = NH_LINK_HAS_PEER;
	nh_strlcpy(end->peer_name, in->l.name, sizeof(end->peer_name));
	nh_strlcpy(end->peer_netns, r->name, sizeof(end->peer_netns));
	if (!k[PK_NAME]) {
		if (!config_setting_get_member(g, "name"))
			nh_perror(c, end->origin.line, "the peer of veth '%s' needs a 'name'", in->l.name);
		ok = false;
	} else if (nh_get_ifname(c, k[PK_NAME], end->name) < 0) {
		ok = false;
	}
	if (k[PK_NETNS]) {
		pp.host = false;
		pp.netns_origin = nh_origin_of(c, k[PK_NETNS]);
		if (nh_get_netns_name(c, k[PK_NETNS], pp.netns) < 0)
			ok = false;
		nh_strlcpy(in->l.peer_netns, pp.netns, sizeof(in->l.peer_netns));
	}
	parse_common(c, end, k[PK_UP], k[PK_MTU], k[PK_MAC], k[PK_MASTER]);
	if (k[PK_ADDRESSES] && end->name[0])
		nh_get_addresses(c, k[PK_ADDRESSES], end->name, &pp.addrs, &pp.n_addrs, &pp.cap_addrs);
	if (r->match) {
		nh_perror(c, in->l.origin.line, "veth '%s' cannot be in a 'match' rule: every namespace "
			  "matching '%s' would claim the same peer '%s'", in->l.name, r->match, end->name);
		ok = false;
	}
	in->l.has |= NH_LINK_HAS_PEER;
	in->l.peer_origin = end->origin;
	nh_strlcpy(in->l.peer_name, end->name, sizeof(in->l.peer_name));
	if (!ok || nh_pctx_add_peer(c, &pp) < 0)
		free(pp.addrs);
}

static void parse_link(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r,
		       const char *where)
{
	struct link_in in = { .g = g, .l.origin = nh_origin_of(c, g) };

	nh_scan_group(c, g, "link", link_keys, LK__COUNT, in.k);
	if (in.k[LK_NAME])
		in.name_ok = nh_get_ifname(c, in.k[LK_NAME], in.l.name) == 0;
	else if (!config_setting_get_member(g, "name"))
		nh_perror(c, in.l.origin.line, "a link in %s needs a 'name'", where);
	parse_kind(c, &in);
	parse_common(c, &in.l, in.k[LK_UP], in.k[LK_MTU], in.k[LK_MAC], in.k[LK_MASTER]);
	if (in.k[LK_ADDRESSES])
		nh_get_addresses(c, in.k[LK_ADDRESSES], in.l.name, &in.addrs, &in.n_addrs, &in.cap_addrs);
	check_kind_keys(c, &in);
	parse_kind_values(c, &in);
	if (in.l.kind == NH_KIND_VETH && in.k[LK_PEER])
		parse_peer(c, &in, r);
	if (in.name_ok) {
		if (nh_state_add_link(&r->want, &in.l) < 0)
			c->err = -ENOMEM;
		for (size_t i = 0; i < in.n_addrs; i++)
			if (nh_state_add_address(&r->want, &in.addrs[i]) < 0)
				c->err = -ENOMEM;
	}
	free(in.addrs);
}

void nh_parse_links(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r,
		    const char *where)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'links' must be a group { name = ...; }");
			continue;
		}
		parse_link(c, g, r, where);
	}
}
