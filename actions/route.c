/*
 * Route add: RTM_NEWROUTE as `ip route add` sends it, with NLM_F_EXCL and
 * netheal's own protocol number; route replace as `ip route replace` sends
 * it, NLM_F_REPLACE instead (the route of the same key gives way). Scope as iproute2 picks it: universe for
 * IPv6 and for a route via a gateway, link for an IPv4 device route. The
 * main table and the other tables below 256 go in rtm_table, larger ones in
 * RTA_TABLE. RTA_OIF only when the policy names the device; a gateway route
 * without one lets the kernel find the nexthop's device.
 */
#include "exec.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

static int fill_rtmsg(struct nlmsghdr *nlh, const struct nh_route *rt)
{
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	uint32_t table = rt->table ? rt->table : NH_RT_TABLE_MAIN;
	size_t len = nh_family_addr_len(rt->dst.family);
	bool via = rt->has & NH_ROUTE_HAS_VIA;

	if (!len || rt->dst.len > len * 8 || (via && rt->via.family != rt->dst.family))
		return -EINVAL;
	rtm->rtm_family = rt->dst.family;
	rtm->rtm_dst_len = rt->dst.len;
	rtm->rtm_protocol = NH_RTPROT_NETHEAL;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = rt->dst.family == AF_INET6 || via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	if (table >= 256 && !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, RTA_TABLE, table))
		return -EMSGSIZE;
	if (rt->dst.len && !mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, RTA_DST, len, rt->dst.addr))
		return -EMSGSIZE;
	if (via && !mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, RTA_GATEWAY, len, rt->via.addr))
		return -EMSGSIZE;
	if ((rt->has & NH_ROUTE_HAS_METRIC) &&
	    !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, RTA_PRIORITY, rt->metric))
		return -EMSGSIZE;
	return 0;
}

int nh_exec_route_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const struct nh_route *rt = &a->route;
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int oif = (rt->has & NH_ROUTE_HAS_DEV) ? a->ifindex : 0, r;

	r = nh_exec_ns(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	if (!(rt->has & (NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV)))
		return nh_exec_fail(res, -EINVAL, "a route needs a gateway or a device");
	if ((rt->has & NH_ROUTE_HAS_DEV) && oif <= 0) {
		oif = nh_exec_ifindex(ns.nl, rt->dev, a->netns, "device", res);
		if (oif < 0)
			return oif;
	}
	nlh = nh_nl_msg(ns.nl, RTM_NEWROUTE,
			NLM_F_CREATE | (a->type == NH_ACT_ROUTE_REPLACE ? NLM_F_REPLACE : NLM_F_EXCL));
	r = fill_rtmsg(nlh, rt);
	if (r == 0 && oif && !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, RTA_OIF, (uint32_t)oif))
		r = -EMSGSIZE;
	if (r < 0)
		return nh_exec_fail(res, r, r == -EINVAL ? "bad route" : "request too large");
	r = nh_exec_send(ns.nl, nlh, res);
	res->ifindex = oif;
	return r;
}
