/*
 * Address add: RTM_NEWADDR as `ip addr add ADDR/LEN dev LINK` sends it
 * (IFA_LOCAL and IFA_ADDRESS, no broadcast, host scope for 127/8 only), with
 * NLM_F_EXCL so an existing address is EEXIST. IPv6 addresses skip duplicate
 * address detection (IFA_F_NODAD): usable at once, so routes via a gateway
 * in their prefix can follow in the same converge.
 */
#include "exec.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

/* iproute2's default_scope(). */
static uint8_t addr_scope(const struct nh_prefix *p)
{
	return p->family == AF_INET && p->addr[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;
}

static int fill_addr(struct nlmsghdr *nlh, const struct nh_prefix *p, int ifindex)
{
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	size_t len = nh_family_addr_len(p->family);

	if (!len || p->len > len * 8)
		return -EINVAL;
	ifa->ifa_family = p->family;
	ifa->ifa_prefixlen = p->len;
	ifa->ifa_scope = addr_scope(p);
	ifa->ifa_index = (uint32_t)ifindex;
	if (p->family == AF_INET6)
		ifa->ifa_flags = IFA_F_NODAD;
	if (!mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, IFA_LOCAL, len, p->addr) ||
	    !mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, IFA_ADDRESS, len, p->addr))
		return -EMSGSIZE;
	if (p->family == AF_INET6 &&
	    !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, IFA_FLAGS, IFA_F_NODAD))
		return -EMSGSIZE;
	return 0;
}

int nh_exec_addr_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const char *link = a->addr.link[0] ? a->addr.link : a->link.name;
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int ifindex = a->ifindex, r;

	r = nh_exec_ns(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	if (ifindex <= 0) {
		ifindex = nh_exec_ifindex(ns.nl, link, a->netns, "link", res);
		if (ifindex < 0)
			return ifindex;
	}
	nlh = nh_nl_msg(ns.nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	r = fill_addr(nlh, &a->addr.prefix, ifindex);
	if (r < 0)
		return nh_exec_fail(res, r, r == -EINVAL ? "bad address" : "request too large");
	r = nh_exec_send(ns.nl, nlh, res);
	res->ifindex = ifindex;
	return r;
}
