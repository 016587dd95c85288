/*
 * Rule add: RTM_NEWRULE as `ip rule add` sends it, with NLM_F_EXCL (an
 * identical rule is EEXIST: someone added it) and netheal's protocol
 * (FRA_PROTOCOL, `ip rule` shows "proto netheal"; the kernel tells rules
 * apart by it too). The table goes in the header when it fits and in
 * FRA_TABLE always; a mark always with its mask.
 */
#include "exec.h"

#include <errno.h>
#include <sys/socket.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

static const uint8_t fr_actions[NH_FRULE__COUNT] = {
	[NH_FRULE_TABLE] = FR_ACT_TO_TBL,
	[NH_FRULE_BLACKHOLE] = FR_ACT_BLACKHOLE,
	[NH_FRULE_UNREACHABLE] = FR_ACT_UNREACHABLE,
	[NH_FRULE_PROHIBIT] = FR_ACT_PROHIBIT,
};

static int put_prefix(struct nlmsghdr *nlh, uint16_t type, const struct nh_prefix *p, size_t len)
{
	return mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, type, len, p->addr) ? 0 : -EMSGSIZE;
}

static int fill_rule(struct nlmsghdr *nlh, const struct nh_fib_rule *r)
{
	struct fib_rule_hdr *frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	size_t len = nh_family_addr_len(r->family);
	bool table = r->action == NH_FRULE_TABLE;

	if (!len || r->action >= NH_FRULE__COUNT || (r->has & NH_FRULE_HAS_OTHER) || (table && !r->table))
		return -EINVAL;
	frh->family = r->family;
	frh->action = fr_actions[r->action];
	frh->table = table && r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (r->has & NH_FRULE_HAS_FROM) {
		frh->src_len = r->from.len;
		if (put_prefix(nlh, FRA_SRC, &r->from, len) < 0)
			return -EMSGSIZE;
	}
	if (r->has & NH_FRULE_HAS_TO) {
		frh->dst_len = r->to.len;
		if (put_prefix(nlh, FRA_DST, &r->to, len) < 0)
			return -EMSGSIZE;
	}
	if (!mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, FRA_PRIORITY, r->priority) ||
	    !mnl_attr_put_u8_check(nlh, NH_ACT_MSG_SIZE, FRA_PROTOCOL, NH_RTPROT_NETHEAL) ||
	    (table && !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, FRA_TABLE, r->table)) ||
	    ((r->has & NH_FRULE_HAS_IIF) && !mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, FRA_IIFNAME, r->iif)) ||
	    ((r->has & NH_FRULE_HAS_OIF) && !mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, FRA_OIFNAME, r->oif)))
		return -EMSGSIZE;
	if ((r->has & NH_FRULE_HAS_FWMARK) &&
	    (!mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, FRA_FWMARK, r->fwmark) ||
	     !mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, FRA_FWMASK, r->fwmask)))
		return -EMSGSIZE;
	return 0;
}

int nh_exec_rule_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int r;

	r = nh_exec_ns(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	nlh = nh_nl_msg(ns.nl, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL);
	r = fill_rule(nlh, &a->frule);
	if (r < 0)
		return nh_exec_fail(res, r, r == -EINVAL ? "bad rule" : "request too large");
	return nh_exec_send(ns.nl, nlh, res);
}
