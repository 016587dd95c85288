/*
 * Neighbour set: RTM_NEWNEIGH as `ip neigh replace ADDR lladdr MAC dev LINK
 * nud permanent` sends it: NLM_F_CREATE | NLM_F_REPLACE, so a missing entry
 * is added and one with another lladdr, or a learned one, becomes the
 * policy's permanent entry.
 */
#include "exec.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

int nh_exec_neigh_set(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const struct nh_neigh *n = &a->neigh;
	size_t len = nh_family_addr_len(n->addr.family);
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int ifindex = a->ifindex, r;

	r = nh_exec_ns(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	if (!len)
		return nh_exec_fail(res, -EINVAL, "bad neighbour address");
	if (ifindex <= 0) {
		ifindex = nh_exec_ifindex(ns.nl, n->dev, a->netns, "link", res);
		if (ifindex < 0)
			return ifindex;
	}
	nlh = nh_nl_msg(ns.nl, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE);
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = n->addr.family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = NUD_PERMANENT;
	if (!mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, NDA_DST, len, n->addr.addr) ||
	    !mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, NDA_LLADDR, sizeof(n->lladdr), n->lladdr))
		return nh_exec_fail(res, -EMSGSIZE, "request too large");
	r = nh_exec_send(ns.nl, nlh, res);
	res->ifindex = ifindex;
	return r;
}
