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
#include <linux/if_link.h>
#include <linux/net_namespace.h>
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

static const enum mnl_attr_data_type addr_types[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
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
	if (a[RTA_PRIORITY]) {
		out->metric = mnl_attr_get_u32(a[RTA_PRIORITY]);
		out->has |= NH_ROUTE_HAS_METRIC;
	}
	if (out->table == RT_TABLE_LOCAL || out->type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED))
		return 1;
	return 0;
}

/* ---- nsid ----------------------------------------------------------------- */

int nh_parse_nsid(const struct nlmsghdr *nlh, int *nsid)
{
	static const enum mnl_attr_data_type types[NETNSA_MAX + 1] = {
		[NETNSA_NSID] = MNL_TYPE_U32,
	};
	const struct nlattr *a[NETNSA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWNSID && nlh->nlmsg_type != RTM_DELNSID)
		return -EINVAL;
	if (nh_attr_parse(nlh, sizeof(struct rtgenmsg), a, types, NETNSA_MAX) < 0 || !a[NETNSA_NSID])
		return -EINVAL;
	*nsid = (int)mnl_attr_get_u32(a[NETNSA_NSID]);
	return 0;
}

