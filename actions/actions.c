/*
 * nh_action_exec: one action, one netlink request (a sysctl: one file
 * written and read back), dispatched through a table of executors (link.c,
 * address.c, route.c, rule.c, neigh.c, sysctl.c, netns.c). The shared
 * helpers turn the kernel's answer into a struct nh_result.
 */
#include "exec.h"

#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#define NH_NETNS_DIR_DEFAULT "/run/netns"

int nh_exec_fail(struct nh_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	res->err = err;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return err;
}

const char *nh_exec_ns_label(const char *netns)
{
	return netns[0] ? netns : "the host";
}

static int exec_ns(const struct nh_exec_ctx *ctx, const char *netns, unsigned int need, struct nh_exec_ns *ns,
		   struct nh_result *res)
{
	int r = ctx->netns(ctx->ctx, netns, need, ns);

	if (r == -ENOENT)
		return nh_exec_fail(res, r, "namespace %s does not exist", nh_exec_ns_label(netns));
	if (r < 0)
		return nh_exec_fail(res, r, "namespace %s: %s", nh_exec_ns_label(netns), strerror(-r));
	return 0;
}

int nh_exec_ns(const struct nh_exec_ctx *ctx, const char *netns, struct nh_exec_ns *ns, struct nh_result *res)
{
	return exec_ns(ctx, netns, NH_EXEC_NS_REQUEST, ns, res);
}

int nh_exec_ns_sysctl(const struct nh_exec_ctx *ctx, const char *netns, struct nh_exec_ns *ns,
		      struct nh_result *res)
{
	return exec_ns(ctx, netns, NH_EXEC_NS_SYSCTL, ns, res);
}

/* SIOCGIFINDEX on the request socket: the kernel answers for the socket's
 * namespace, in one system call, without a message in nl->buf. */
int nh_link_ifindex(struct nh_nl *nl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (!name[0] || nh_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name)) < 0)
		return -EINVAL;
	if (ioctl(nh_nl_fd(nl), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex > 0 ? ifr.ifr_ifindex : -ENODEV;
}

int nh_exec_ifindex(struct nh_nl *nl, const char *name, const char *netns, const char *what,
		    struct nh_result *res)
{
	int r = nh_link_ifindex(nl, name);

	if (r == -ENODEV)
		return nh_exec_fail(res, r, "%s %s not found in %s", what, name, nh_exec_ns_label(netns));
	if (r < 0)
		return nh_exec_fail(res, r, "%s %s: %s", what, name, strerror(-r));
	return r;
}

int nh_exec_send(struct nh_nl *nl, struct nlmsghdr *nlh, struct nh_result *res)
{
	res->err = nh_nl_request(nl, nlh, res->reason, sizeof(res->reason));
	res->acked_us = nh_now_us();
	return res->err;
}

static int exec_netns_create(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const char *dir = ctx->netns_dir ? ctx->netns_dir : NH_NETNS_DIR_DEFAULT;
	int r = nh_netns_create(dir, a->netns);

	res->acked_us = nh_now_us();
	if (r == -EBUSY)
		return nh_exec_fail(res, r, "%s/%s exists but is not a network namespace", dir, a->netns);
	res->err = r;
	return r;
}

static const nh_exec_fn executors[NH_ACT__COUNT] = {
	[NH_ACT_NETNS_CREATE] = exec_netns_create,
	[NH_ACT_LINK_DELETE] = nh_exec_link_delete,
	[NH_ACT_LINK_MOVE] = nh_exec_link_move,
	[NH_ACT_LINK_RENAME] = nh_exec_link_rename,
	[NH_ACT_LINK_CREATE] = nh_exec_link_create,
	[NH_ACT_SYSCTL_SET] = nh_exec_sysctl_set,
	[NH_ACT_LINK_SET_MASTER] = nh_exec_link_set_master,
	[NH_ACT_LINK_SET_MTU] = nh_exec_link_set_mtu,
	[NH_ACT_LINK_SET_MAC] = nh_exec_link_set_mac,
	[NH_ACT_LINK_SET_UP] = nh_exec_link_set_up,
	[NH_ACT_ADDR_ADD] = nh_exec_addr_add,
	[NH_ACT_ROUTE_ADD] = nh_exec_route_add,
	[NH_ACT_ROUTE_REPLACE] = nh_exec_route_add,
	[NH_ACT_RULE_ADD] = nh_exec_rule_add,
	[NH_ACT_NEIGH_SET] = nh_exec_neigh_set,
	/* REPORT_*: nothing to execute */
};

static bool creates(enum nh_action_type t)
{
	return t == NH_ACT_NETNS_CREATE || t == NH_ACT_LINK_CREATE ||
	       t == NH_ACT_ADDR_ADD || t == NH_ACT_ROUTE_ADD || t == NH_ACT_RULE_ADD;
}

/* A delete of something already gone is done. ENOENT: its namespace is
 * gone, and the link with it. */
static bool gone(enum nh_action_type t, int err)
{
	return t == NH_ACT_LINK_DELETE &&
	       (err == -ENODEV || err == -EADDRNOTAVAIL || err == -ESRCH || err == -ENOENT);
}

/* Idempotency and the reason text, the same for every executor. */
static int finish(const struct nh_action *a, struct nh_result *res)
{
	if (!res->acked_us)
		res->acked_us = nh_now_us();
	if (gone(a->type, res->err)) {
		res->err = 0;
		snprintf(res->reason, sizeof(res->reason), "already gone");
	} else if (res->err == -EEXIST && creates(a->type) && !res->reason[0]) {
		snprintf(res->reason, sizeof(res->reason), "exists");
	} else if (res->err < 0 && !res->reason[0]) {
		snprintf(res->reason, sizeof(res->reason), "%s", strerror(-res->err));
	}
	return res->err;
}

int nh_action_exec(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	nh_exec_fn fn = (unsigned)a->type < NH_ACT__COUNT ? executors[a->type] : NULL;

	memset(res, 0, sizeof(*res));
	res->ifindex = a->ifindex;
	if (!fn) {
		nh_exec_fail(res, -EOPNOTSUPP, "a report is not executed");
	} else {
		int r = fn(ctx, a, res);

		if (r < 0 && !res->err)
			res->err = r;
	}
	return finish(a, res);
}
