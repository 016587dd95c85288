/*
 * veth: a pair, both ends made by one request. The link that carries the
 * `peer` group is the primary end; the peer end lives in the peer's
 * `netns` (the host when absent) and is a link of that namespace's rule,
 * marked NH_LINK_FLAG_PEER_END. Its namespace may be defined in a later
 * file, so the peer is held (nh_pctx_add_peer) until every file is read.
 */
#include "kind.h"

#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

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

static void parse_peer(struct nh_link_in *in, const config_setting_t *g)
{
	struct nh_pctx *c = in->c;
	const struct nh_netns_rule *r = in->rule;
	const config_setting_t *k[PK__COUNT];
	struct nh_pending_peer pp = { .host = true };
	struct nh_link *end = &pp.end;
	bool ok = in->name_ok;

	nh_scan_group(c, g, "veth peer", peer_keys, PK__COUNT, k);
	end->origin = end->peer_origin = nh_origin_of(c, g);
	pp.netns_origin = end->origin;
	end->kind = &nh_kind_veth;
	end->flags = NH_LINK_FLAG_PEER_END;
	end->has = NH_LINK_HAS_PEER;
	nh_strlcpy(end->peer_name, in->l.name, sizeof(end->peer_name));
	nh_strlcpy(end->peer_netns, r->name, sizeof(end->peer_netns));
	if (!k[PK_NAME]) {
		if (!nh_key_given(g, "name"))
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
	nh_parse_link_settings(c, end, k[PK_UP], k[PK_MTU], k[PK_MAC], k[PK_MASTER]);
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

static const struct nh_kind_key keys[] = {
	{ "peer", NH_KT_GROUP, parse_peer, "a 'peer' group naming its other end" },
};

/* `peer` is written by export itself: a pair is written once, at one end */
static const struct nh_kind_syntax syntax = { keys, NH_ARRAY_SIZE(keys), NULL, NULL };

const struct nh_kind nh_kind_veth = {
	.name = "veth",
	.flags = NH_KIND_CREATABLE | NH_KIND_MOVABLE | NH_KIND_PAIR,
	.syntax = &syntax,
};
