/*
 * The rtnetlink decoder: one kernel message → one model struct (policy/
 * model.h), for the monitor's observed state and for `netheal monitor`.
 * No state, no I/O: each function reads only the message, so it is what
 * the fuzz harness feeds.
 *
 * Every attribute read is validated first (netlink/attr.h); a message of
 * the wrong shape is -EINVAL and fills nothing meaningful.
 */
#include "decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/nexthop.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "attr.h"
#include "common/util.h"
#include "kind.h"

/* ---- links ---------------------------------------------------------------- */

static const enum mnl_attr_data_type link_types[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_MTU] = MNL_TYPE_U32,
	[IFLA_ADDRESS] = MNL_TYPE_BINARY,
	[IFLA_MASTER] = MNL_TYPE_U32,
	[IFLA_LINK] = MNL_TYPE_U32,
	[IFLA_LINK_NETNSID] = MNL_TYPE_U32,
	[IFLA_NEW_NETNSID] = MNL_TYPE_U32,
	[IFLA_LINKINFO] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type linkinfo_types[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = MNL_TYPE_NUL_STRING,
	[IFLA_INFO_DATA] = MNL_TYPE_NESTED,
};

static int parse_linkinfo(const struct nlattr *nest, struct nh_link *l)
{
	const struct nlattr *a[IFLA_INFO_MAX + 1];
	const struct nh_nl_kind *nk;

	if (nh_attr_parse_nested(nest, a, linkinfo_types, IFLA_INFO_MAX) < 0)
		return -EINVAL;
	if (!a[IFLA_INFO_KIND])
		return 0;
	if (nh_attr_strcpy(a[IFLA_INFO_KIND], l->kind_name, sizeof(l->kind_name)) < 0)
		return -EINVAL;
	l->kind = nh_kind_from_kernel(l->kind_name);
	nk = nh_nl_kind_get(l->kind);
	if (!a[IFLA_INFO_DATA] || !nk || !nk->parse_data)
		return 0;
	return nk->parse_data(a[IFLA_INFO_DATA], l);
}

int nh_parse_link_move(const struct nlmsghdr *nlh, struct nh_link *out, int *new_netnsid)
{
	const struct nlattr *a[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	out->link_netnsid = -1;
	*new_netnsid = -1;
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*ifi), a, link_types, IFLA_MAX) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_UNSPEC)
		return 1;
	if (ifi->ifi_index <= 0 || !a[IFLA_IFNAME])
		return -EINVAL;
	if (nh_attr_strcpy(a[IFLA_IFNAME], out->name, sizeof(out->name)) < 0 || !out->name[0])
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	out->up = ifi->ifi_flags & IFF_UP;
	out->oper_up = ifi->ifi_flags & IFF_LOWER_UP;
	out->has |= NH_LINK_HAS_UP;
	if (a[IFLA_MTU]) {
		out->mtu = mnl_attr_get_u32(a[IFLA_MTU]);
		out->has |= NH_LINK_HAS_MTU;
	}
	if (a[IFLA_ADDRESS] && mnl_attr_get_payload_len(a[IFLA_ADDRESS]) == sizeof(out->mac)) {
		memcpy(out->mac, mnl_attr_get_payload(a[IFLA_ADDRESS]), sizeof(out->mac));
		out->has |= NH_LINK_HAS_MAC;
	}
	if (a[IFLA_MASTER])
		out->master_index = (int)mnl_attr_get_u32(a[IFLA_MASTER]);
	if (a[IFLA_LINK])
		out->link_index = (int)mnl_attr_get_u32(a[IFLA_LINK]);
	if (a[IFLA_LINK_NETNSID])
		out->link_netnsid = (int)mnl_attr_get_u32(a[IFLA_LINK_NETNSID]);
	if (a[IFLA_NEW_NETNSID])
		*new_netnsid = (int)mnl_attr_get_u32(a[IFLA_NEW_NETNSID]);
	if (a[IFLA_LINKINFO] && parse_linkinfo(a[IFLA_LINKINFO], out) < 0)
		return -EINVAL;
	return 0;
}

int nh_parse_link(const struct nlmsghdr *nlh, struct nh_link *out)
{
	int new_netnsid;

	return nh_parse_link_move(nlh, out, &new_netnsid);
}

/* ---- addresses ------------------------------------------------------------ */

#define NH_INFINITY_LIFE_TIME 0xffffffffu     /* the kernel's INFINITY_LIFE_TIME: "forever" */

static const enum mnl_attr_data_type addr_types[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
	[IFA_FLAGS] = MNL_TYPE_U32,
	[IFA_CACHEINFO] = MNL_TYPE_BINARY,
};

int nh_parse_address(const struct nlmsghdr *nlh, struct nh_address *out)
{
	const struct nlattr *a[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	const struct nlattr *local;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*ifa), a, addr_types, IFA_MAX) < 0)
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 1;
	/* IFA_ADDRESS is the peer on a point-to-point link; IFA_LOCAL ours. */
	local = a[IFA_LOCAL] ? a[IFA_LOCAL] : a[IFA_ADDRESS];
	if (!local || ifa->ifa_index == 0 ||
	    ifa->ifa_prefixlen > 8 * nh_family_addr_len(ifa->ifa_family))
		return -EINVAL;
	if (nh_attr_addr(local, ifa->ifa_family, ifa->ifa_prefixlen, &out->prefix) < 0)
		return -EINVAL;
	out->ifindex = (int)ifa->ifa_index;
	out->flags = a[IFA_FLAGS] ? mnl_attr_get_u32(a[IFA_FLAGS]) : ifa->ifa_flags;
	if (a[IFA_CACHEINFO]) {
		const struct ifa_cacheinfo *ci = mnl_attr_get_payload(a[IFA_CACHEINFO]);

		if (mnl_attr_get_payload_len(a[IFA_CACHEINFO]) < sizeof(*ci))
			return -EINVAL;
		out->dynamic = ci->ifa_valid != NH_INFINITY_LIFE_TIME;
	}
	return 0;
}

/* ---- routes --------------------------------------------------------------- */

static const enum mnl_attr_data_type route_types[RTA_MAX + 1] = {
	[RTA_DST] = MNL_TYPE_BINARY,
	[RTA_GATEWAY] = MNL_TYPE_BINARY,
	[RTA_VIA] = MNL_TYPE_BINARY,
	[RTA_OIF] = MNL_TYPE_U32,
	[RTA_PRIORITY] = MNL_TYPE_U32,
	[RTA_TABLE] = MNL_TYPE_U32,
	[RTA_MULTIPATH] = MNL_TYPE_BINARY,
	[RTA_NH_ID] = MNL_TYPE_U32,
};

static const enum mnl_attr_data_type nexthop_types[RTA_MAX + 1] = {
	[RTA_GATEWAY] = MNL_TYPE_BINARY,
	[RTA_VIA] = MNL_TYPE_BINARY,
};

/* RTA_VIA: a gateway of another family (an IPv4 route via an IPv6 router). */
static int parse_via(const struct nlattr *attr, struct nh_prefix *out)
{
	const struct rtvia *via = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr), n;

	if (len < sizeof(*via))
		return -EINVAL;
	n = nh_family_addr_len(via->rtvia_family);
	if (!n || len - sizeof(*via) != n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)via->rtvia_family;
	out->len = (uint8_t)(8 * n);
	memcpy(out->addr, via->rtvia_addr, n);
	return 0;
}

static int parse_gateway(const struct nlattr *const *a, int family, struct nh_route *r)
{
	if (a[RTA_GATEWAY]) {
		if (nh_attr_addr(a[RTA_GATEWAY], family, (uint8_t)(8 * nh_family_addr_len(family)), &r->via) < 0)
			return -EINVAL;
		r->has |= NH_ROUTE_HAS_VIA;
	} else if (a[RTA_VIA]) {
		if (parse_via(a[RTA_VIA], &r->via) < 0)
			return -EINVAL;
		r->has |= NH_ROUTE_HAS_VIA;
	}
	return 0;
}

/* The first nexthop of RTA_MULTIPATH: a list of struct rtnexthop, each
 * followed by its own attributes. */
static int parse_first_nexthop(const struct nlattr *mp, int family, struct nh_route *r)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);
	const struct nlattr *a[RTA_MAX + 1];

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return -EINVAL;
	if (nh_attr_parse_payload((const char *)nh + RTNH_ALIGN(sizeof(*nh)),
				  nh->rtnh_len - RTNH_ALIGN(sizeof(*nh)), a, nexthop_types, RTA_MAX) < 0)
		return -EINVAL;
	if (!r->oif && nh->rtnh_ifindex > 0)
		r->oif = nh->rtnh_ifindex;
	r->multipath = (size_t)RTNH_ALIGN(nh->rtnh_len) < len;
	if (!(r->has & NH_ROUTE_HAS_VIA))
		return parse_gateway(a, family, r);
	return 0;
}

int nh_parse_route(const struct nlmsghdr *nlh, struct nh_route *out)
{
	const struct nlattr *a[RTA_MAX + 1];
	const struct rtmsg *rtm;
	int family;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*rtm), a, route_types, RTA_MAX) < 0)
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	family = rtm->rtm_family;
	if (family != AF_INET && family != AF_INET6)
		return 1;
	if (rtm->rtm_dst_len > 8 * nh_family_addr_len(family))
		return -EINVAL;
	out->table = a[RTA_TABLE] ? mnl_attr_get_u32(a[RTA_TABLE]) : rtm->rtm_table;
	out->type = rtm->rtm_type;
	out->protocol = rtm->rtm_protocol;
	if (a[RTA_DST]) {
		if (nh_attr_addr(a[RTA_DST], family, rtm->rtm_dst_len, &out->dst) < 0)
			return -EINVAL;
	} else if (rtm->rtm_dst_len) {
		return -EINVAL;
	} else {
		out->dst.family = (uint8_t)family;  /* default */
	}
	if (parse_gateway(a, family, out) < 0)
		return -EINVAL;
	if (a[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(a[RTA_OIF]);
	if (a[RTA_MULTIPATH] && parse_first_nexthop(a[RTA_MULTIPATH], family, out) < 0)
		return -EINVAL;
	if (out->oif)
		out->has |= NH_ROUTE_HAS_DEV;
	if (a[RTA_NH_ID])
		out->nh_id = mnl_attr_get_u32(a[RTA_NH_ID]);
	if (a[RTA_PRIORITY]) {
		out->metric = mnl_attr_get_u32(a[RTA_PRIORITY]);
		out->has |= NH_ROUTE_HAS_METRIC;
	}
	/* the types a route of a policy's key can be replaced by are kept
	 * (nh_route_satisfied); local, broadcast, multicast, anycast are the
	 * kernel's own, in the local table or not */
	if (out->table == RT_TABLE_LOCAL || (rtm->rtm_flags & RTM_F_CLONED))
		return 1;
	switch (out->type) {
	case RTN_UNICAST:
	case RTN_BLACKHOLE:
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
	case RTN_THROW:
		return 0;
	default:
		return 1;
	}
}

/* ---- nexthop objects and nsids: one u32 attribute ------------------------- */

/* The u32 attribute attr (of max) of a message whose header is hdrlen
 * bytes: 0 and *out, or -EINVAL when it is missing or the message cannot
 * be read. */
#define U32_ATTR_MAX (NHA_MAX > NETNSA_MAX ? NHA_MAX : NETNSA_MAX)

static int parse_u32(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t attr, uint16_t max, uint32_t *out)
{
	enum mnl_attr_data_type types[U32_ATTR_MAX + 1] = { 0 };
	const struct nlattr *a[U32_ATTR_MAX + 1];

	types[attr] = MNL_TYPE_U32;
	if (nh_attr_parse(nlh, hdrlen, a, types, max) < 0 || !a[attr])
		return -EINVAL;
	*out = mnl_attr_get_u32(a[attr]);
	return 0;
}

int nh_parse_nexthop_id(const struct nlmsghdr *nlh, uint32_t *id)
{
	if (nlh->nlmsg_type != RTM_NEWNEXTHOP && nlh->nlmsg_type != RTM_DELNEXTHOP)
		return -EINVAL;
	return parse_u32(nlh, sizeof(struct nhmsg), NHA_ID, NHA_MAX, id);
}

int nh_parse_nsid(const struct nlmsghdr *nlh, int *nsid)
{
	uint32_t v;

	if (nlh->nlmsg_type != RTM_NEWNSID && nlh->nlmsg_type != RTM_DELNSID)
		return -EINVAL;
	if (parse_u32(nlh, sizeof(struct rtgenmsg), NETNSA_NSID, NETNSA_MAX, &v) < 0)
		return -EINVAL;
	*nsid = (int)v;
	return 0;
}

/* ---- rules ---------------------------------------------------------------- */

static const enum mnl_attr_data_type rule_types[FRA_MAX + 1] = {
	[FRA_DST] = MNL_TYPE_BINARY,
	[FRA_SRC] = MNL_TYPE_BINARY,
	[FRA_IIFNAME] = MNL_TYPE_NUL_STRING,
	[FRA_OIFNAME] = MNL_TYPE_NUL_STRING,
	[FRA_PRIORITY] = MNL_TYPE_U32,
	[FRA_FWMARK] = MNL_TYPE_U32,
	[FRA_FWMASK] = MNL_TYPE_U32,
	[FRA_TABLE] = MNL_TYPE_U32,
	[FRA_PROTOCOL] = MNL_TYPE_U8,
	/* selectors and actions the policy has no word for: their presence
	 * (the kernel sends each only when it is set), or for the two
	 * suppress_* their value */
	[FRA_GOTO] = MNL_TYPE_BINARY,
	[FRA_FLOW] = MNL_TYPE_BINARY,
	[FRA_TUN_ID] = MNL_TYPE_BINARY,
	[FRA_SUPPRESS_IFGROUP] = MNL_TYPE_U32,
	[FRA_SUPPRESS_PREFIXLEN] = MNL_TYPE_U32,
	[FRA_L3MDEV] = MNL_TYPE_U8,
	[FRA_UID_RANGE] = MNL_TYPE_BINARY,
	[FRA_IP_PROTO] = MNL_TYPE_BINARY,
	[FRA_SPORT_RANGE] = MNL_TYPE_BINARY,
	[FRA_DPORT_RANGE] = MNL_TYPE_BINARY,
};

static const uint16_t rule_other_attrs[] = {
	FRA_GOTO, FRA_FLOW, FRA_TUN_ID, FRA_UID_RANGE, FRA_IP_PROTO, FRA_SPORT_RANGE, FRA_DPORT_RANGE,
};

/* The kernel sends these two always, -1 meaning unset. */
static bool suppresses(const struct nlattr *attr)
{
	return attr && mnl_attr_get_u32(attr) != UINT32_MAX;
}

/* A prefix selector: FRA_SRC/FRA_DST with the header's length. */
static int rule_prefix(const struct nlattr *attr, int family, uint8_t len, struct nh_prefix *out, bool *has)
{
	*has = false;
	if (!len)
		return 0;
	if (!attr || nh_attr_addr(attr, family, len, out) < 0)
		return -EINVAL;
	*has = true;
	return 0;
}

static int rule_ifname(const struct nlattr *attr, char *out, bool *has)
{
	*has = false;
	if (!attr)
		return 0;
	if (nh_attr_strcpy(attr, out, NH_IFNAMSIZ) < 0)
		return -EINVAL;
	*has = out[0] != '\0';
	return 0;
}

static void rule_action(const struct fib_rule_hdr *frh, struct nh_fib_rule *out)
{
	switch (frh->action) {
	case FR_ACT_TO_TBL:
		out->action = NH_FRULE_TABLE;
		break;
	case FR_ACT_BLACKHOLE:
		out->action = NH_FRULE_BLACKHOLE;
		break;
	case FR_ACT_UNREACHABLE:
		out->action = NH_FRULE_UNREACHABLE;
		break;
	case FR_ACT_PROHIBIT:
		out->action = NH_FRULE_PROHIBIT;
		break;
	default:        /* goto, nop */
		out->action = NH_FRULE_TABLE;
		out->table = 0;
		out->has |= NH_FRULE_HAS_OTHER;
		break;
	}
}

int nh_parse_rule(const struct nlmsghdr *nlh, struct nh_fib_rule *out)
{
	const struct nlattr *a[FRA_MAX + 1];
	const struct fib_rule_hdr *frh;
	bool has;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWRULE && nlh->nlmsg_type != RTM_DELRULE)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*frh), a, rule_types, FRA_MAX) < 0)
		return -EINVAL;
	frh = mnl_nlmsg_get_payload(nlh);
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return 1;
	out->family = frh->family;
	if (rule_prefix(a[FRA_SRC], frh->family, frh->src_len, &out->from, &has) < 0)
		return -EINVAL;
	out->has |= has ? NH_FRULE_HAS_FROM : 0;
	if (rule_prefix(a[FRA_DST], frh->family, frh->dst_len, &out->to, &has) < 0)
		return -EINVAL;
	out->has |= has ? NH_FRULE_HAS_TO : 0;
	if (rule_ifname(a[FRA_IIFNAME], out->iif, &has) < 0)
		return -EINVAL;
	out->has |= has ? NH_FRULE_HAS_IIF : 0;
	if (rule_ifname(a[FRA_OIFNAME], out->oif, &has) < 0)
		return -EINVAL;
	out->has |= has ? NH_FRULE_HAS_OIF : 0;
	out->fwmark = a[FRA_FWMARK] ? mnl_attr_get_u32(a[FRA_FWMARK]) : 0;
	out->fwmask = a[FRA_FWMASK] ? mnl_attr_get_u32(a[FRA_FWMASK]) : out->fwmark ? UINT32_MAX : 0;
	if (out->fwmark || out->fwmask)
		out->has |= NH_FRULE_HAS_FWMARK;
	out->priority = a[FRA_PRIORITY] ? mnl_attr_get_u32(a[FRA_PRIORITY]) : 0;
	out->table = a[FRA_TABLE] ? mnl_attr_get_u32(a[FRA_TABLE]) : frh->table;
	out->protocol = a[FRA_PROTOCOL] ? mnl_attr_get_u8(a[FRA_PROTOCOL]) : 0;
	if (frh->tos || (frh->flags & FIB_RULE_INVERT) || (a[FRA_L3MDEV] && mnl_attr_get_u8(a[FRA_L3MDEV])) ||
	    suppresses(a[FRA_SUPPRESS_PREFIXLEN]) || suppresses(a[FRA_SUPPRESS_IFGROUP]))
		out->has |= NH_FRULE_HAS_OTHER;
	for (size_t i = 0; i < NH_ARRAY_SIZE(rule_other_attrs); i++)
		if (a[rule_other_attrs[i]])
			out->has |= NH_FRULE_HAS_OTHER;
	rule_action(frh, out);
	if (out->action != NH_FRULE_TABLE)
		out->table = 0;
	return 0;
}

/* ---- neighbours ----------------------------------------------------------- */

static const enum mnl_attr_data_type neigh_types[NDA_MAX + 1] = {
	[NDA_DST] = MNL_TYPE_BINARY,
	[NDA_LLADDR] = MNL_TYPE_BINARY,
};

int nh_parse_neigh(const struct nlmsghdr *nlh, struct nh_neigh *out, uint16_t *state)
{
	const struct nlattr *a[NDA_MAX + 1];
	const struct ndmsg *ndm;
	size_t alen;

	memset(out, 0, sizeof(*out));
	*state = 0;
	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*ndm), a, neigh_types, NDA_MAX) < 0)
		return -EINVAL;
	ndm = mnl_nlmsg_get_payload(nlh);
	if ((ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6) || (ndm->ndm_flags & NTF_PROXY))
		return 1;
	alen = nh_family_addr_len(ndm->ndm_family);
	if (ndm->ndm_ifindex <= 0 || !a[NDA_DST] ||
	    nh_attr_addr(a[NDA_DST], ndm->ndm_family, (uint8_t)(8 * alen), &out->addr) < 0)
		return -EINVAL;
	out->ifindex = ndm->ndm_ifindex;
	*state = ndm->ndm_state;
	if (a[NDA_LLADDR] && mnl_attr_get_payload_len(a[NDA_LLADDR]) == sizeof(out->lladdr)) {
		memcpy(out->lladdr, mnl_attr_get_payload(a[NDA_LLADDR]), sizeof(out->lladdr));
		out->has |= NH_NEIGH_HAS_LLADDR;
	}
	return 0;
}

/* ---- netconf -------------------------------------------------------------- */

static const enum mnl_attr_data_type netconf_types[NETCONFA_MAX + 1] = {
	[NETCONFA_IFINDEX] = MNL_TYPE_U32,
	[NETCONFA_FORWARDING] = MNL_TYPE_U32,
	[NETCONFA_RP_FILTER] = MNL_TYPE_U32,
	[NETCONFA_MC_FORWARDING] = MNL_TYPE_U32,
	[NETCONFA_PROXY_NEIGH] = MNL_TYPE_U32,
	[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN] = MNL_TYPE_U32,
	[NETCONFA_BC_FORWARDING] = MNL_TYPE_U32,
};

static const uint16_t netconf_attrs[NH_NETCONF__COUNT] = {
	[NH_NETCONF_FORWARDING] = NETCONFA_FORWARDING,
	[NH_NETCONF_RP_FILTER] = NETCONFA_RP_FILTER,
	[NH_NETCONF_MC_FORWARDING] = NETCONFA_MC_FORWARDING,
	[NH_NETCONF_PROXY_NEIGH] = NETCONFA_PROXY_NEIGH,
	[NH_NETCONF_IGNORE_LINKDOWN] = NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN,
	[NH_NETCONF_BC_FORWARDING] = NETCONFA_BC_FORWARDING,
};

const char *nh_netconf_leaf(int family, enum nh_netconf_value v)
{
	static const char *const inet[NH_NETCONF__COUNT] = {
		"forwarding", "rp_filter", "mc_forwarding", "proxy_arp", "ignore_routes_with_linkdown",
		"bc_forwarding",
	};
	static const char *const inet6[NH_NETCONF__COUNT] = {
		"forwarding", NULL, "mc_forwarding", "proxy_ndp", "ignore_routes_with_linkdown", NULL,
	};

	if ((unsigned)v >= NH_NETCONF__COUNT)
		return NULL;
	return family == AF_INET ? inet[v] : family == AF_INET6 ? inet6[v] : NULL;
}

int nh_parse_netconf(const struct nlmsghdr *nlh, struct nh_netconf *out)
{
	const struct nlattr *a[NETCONFA_MAX + 1];
	const struct netconfmsg *ncm;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWNETCONF && nlh->nlmsg_type != RTM_DELNETCONF)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(*ncm), a, netconf_types, NETCONFA_MAX) < 0)
		return -EINVAL;
	ncm = mnl_nlmsg_get_payload(nlh);
	if (ncm->ncm_family != AF_INET && ncm->ncm_family != AF_INET6)
		return 1;
	if (!a[NETCONFA_IFINDEX])
		return -EINVAL;
	out->family = ncm->ncm_family;
	out->ifindex = (int)mnl_attr_get_u32(a[NETCONFA_IFINDEX]);
	if (out->ifindex == 0 || out->ifindex < NETCONFA_IFINDEX_DEFAULT)
		return -EINVAL;
	for (int v = 0; v < NH_NETCONF__COUNT; v++) {
		if (!a[netconf_attrs[v]] || !nh_netconf_leaf(out->family, (enum nh_netconf_value)v))
			continue;
		out->has |= 1u << v;
		out->value[v] = (int32_t)mnl_attr_get_u32(a[netconf_attrs[v]]);
	}
	return 0;
}
