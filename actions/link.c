/*
 * Link requests: create (generic part; the kind adds its own through
 * netlink/kind.h), delete, move to another namespace, rename, and the settings
 * master/mtu/mac/up. Each is one RTM_NEWLINK or RTM_DELLINK, shaped like the
 * one `ip link` sends for the same change.
 */
#include "exec.h"
#include "netlink/kind.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

/* Start a request on link `ifindex`, or on `name` when the index is not
 * known: with ifi_index 0 the kernel finds the link by IFLA_IFNAME. A NULL
 * name: the caller fills the rest (a create). NULL when name is empty. */
static struct nlmsghdr *link_msg(struct nh_nl *nl, uint16_t type, uint16_t flags, int ifindex,
				 const char *name)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	if (ifindex > 0) {
		ifi->ifi_index = ifindex;
		return nlh;
	}
	if (!name)
		return nlh;
	if (!name[0] || !mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, IFLA_IFNAME, name))
		return NULL;
	return nlh;
}

/* The index of a link just made or moved, for the result; 0 if unknown. */
static int index_or_zero(struct nh_nl *nl, const char *name)
{
	int r = nh_link_ifindex(nl, name);

	return r > 0 ? r : 0;
}

/* A request that could not be built: the result says why. */
static int build_failed(struct nh_result *res, int err)
{
	if (!res->err)
		res->err = err;
	return res->err;
}

/* ---- create ------------------------------------------------------------- */

/* Where the lower link is, and so which socket sends the request. */
static int resolve_parent(const struct nh_exec_ctx *ctx, const struct nh_action *a,
			  const struct nh_nl_kind *nk, struct nh_exec_ns *via,
			  struct nh_kind_ctx *kc, struct nh_result *res)
{
	const struct nh_link *l = &a->link;
	const char *where = a->netns;
	int r;

	if (!(l->has & NH_LINK_HAS_PARENT) || !l->parent[0]) {
		if (nk->kind->flags & NH_KIND_NEEDS_PARENT)
			return nh_exec_fail(res, -EINVAL, "%s %s needs a parent", nh_a_or_an(nk->kind->name),
					    nk->kind->name);
		return 0;
	}
	if (nk->kind->flags & NH_KIND_PARENT_IN_HOST) {
		where = "";
		r = nh_exec_ns(ctx, where, via, res);
		if (r < 0)
			return r;
	}
	r = nh_exec_ifindex(via->nl, l->parent, where, "parent", res);
	res->absent = r == -ENODEV;
	if (r < 0)
		return r;
	kc->parent_ifindex = r;
	return 0;
}

static int fill_create(struct nlmsghdr *nlh, const struct nh_link *l, const struct nh_nl_kind *nk,
		       const struct nh_kind_ctx *kc)
{
	int r;

	if (!mnl_attr_put_strz_check(nlh, kc->buflen, IFLA_IFNAME, l->name) ||
	    !mnl_attr_put_u32_check(nlh, kc->buflen, IFLA_NET_NS_FD, (uint32_t)kc->netns_fd))
		return -EMSGSIZE;
	r = nh_kind_put_mtu_mac(nlh, kc->buflen, l);
	if (r < 0)
		return r;
	return nk->fill_create(nlh, l, kc);
}

/*
 * Made down (no IFF_UP): the diff sends SET_UP after the master and before
 * the addresses. IFLA_NET_NS_FD puts it straight into its namespace, whatever
 * socket sends the request: the target's own, or the host's when the parent
 * lives there (macvlan, vlan).
 */
int nh_exec_link_create(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const struct nh_link *l = &a->link;
	const struct nh_nl_kind *nk = nh_nl_kind_get(l->kind);
	struct nh_kind_ctx kc = { .buflen = NH_ACT_MSG_SIZE, .peer_netns_fd = -1, .peer = &a->peer };
	struct nh_exec_ns target, peer, via;
	struct nlmsghdr *nlh;
	int r;

	if (!nk || !nk->fill_create)
		return nh_exec_fail(res, -EOPNOTSUPP, "%s %s link is not created by netheal",
				    nh_a_or_an(l->kind ? l->kind->name : "device"),
				    l->kind ? l->kind->name : "device without kind");
	r = nh_exec_ns(ctx, a->netns, &target, res);
	if (r < 0)
		return r;
	kc.netns_fd = target.fd;
	if (nk->kind->flags & NH_KIND_PAIR) {
		if (!l->peer_name[0])
			return nh_exec_fail(res, -EINVAL, "%s %s needs a peer", nh_a_or_an(nk->kind->name),
					    nk->kind->name);
		r = nh_exec_ns(ctx, l->peer_netns, &peer, res);
		if (r < 0)
			return r;
		kc.peer_netns_fd = peer.fd;
	}
	via = target;
	r = resolve_parent(ctx, a, nk, &via, &kc, res);
	if (r < 0)
		return r;
	nlh = link_msg(via.nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	r = fill_create(nlh, l, nk, &kc);
	if (r < 0)
		return build_failed(res, r);
	r = nh_exec_send(via.nl, nlh, res);
	if (r == 0)
		res->ifindex = index_or_zero(target.nl, l->name);
	/* rtnl_newlink: no rtnl_link_ops of that kind, after request_module
	 * ("rtnl-link-KIND", the alias every link module has) */
	if (r == -EOPNOTSUPP && strstr(res->reason, "Unknown device type"))
		nh_exec_fail(res, r, "this kernel has no %s links: their module is not loaded and could not be "
			     "(modprobe rtnl-link-%s, where it is installed)", nk->kind->name, nk->kind->name);
	return r;
}

/* ---- delete, move, rename ----------------------------------------------- */

/* One RTM_NEWLINK on ifindex: down and out of its master, or renamed to
 * name (a link must be down to be renamed: EBUSY). */
static int aside_step(struct nh_nl *nl, int ifindex, const char *name, struct nh_result *res)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex, NULL);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (name) {
		if (!mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, IFLA_IFNAME, name))
			return build_failed(res, -EMSGSIZE);
	} else {
		ifi->ifi_change = IFF_UP;       /* ifi_flags 0: down */
		if (!mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, IFLA_MASTER, 0))
			return build_failed(res, -EMSGSIZE);
	}
	return nh_exec_send(nl, nlh, res);
}

/* Set a's link aside (struct nh_exec_aside). 0 when it is, or gone; < 0
 * when it could not be: then it is deleted at once. */
static int set_aside(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_exec_ns *ns,
		     struct nh_result *res)
{
	struct nh_exec_aside *as = ctx->aside;
	struct nh_exec_aside_link *l;
	char name[NH_IFNAMSIZ];

	snprintf(name, sizeof(name), "nhaside%x", (unsigned int)a->ifindex);
	if (nh_grow(&as->v, &as->cap, as->n + 1, sizeof(*as->v)) < 0)
		return -ENOMEM;
	if (aside_step(ns->nl, a->ifindex, NULL, res) < 0 || aside_step(ns->nl, a->ifindex, name, res) < 0)
		return res->err == -ENODEV ? 0 : res->err;
	l = &as->v[as->n++];
	nh_strlcpy(l->netns, a->netns, sizeof(l->netns));
	nh_strlcpy(l->name, name, sizeof(l->name));
	l->since_us = nh_now_us();
	l->tries = 0;
	snprintf(res->reason, sizeof(res->reason), "set aside as %s, deleted later unless the kernel takes it first",
		 name);
	return 0;
}

/* RTM_DELLINK of ifindex (by name when 0) in namespace netns. */
static int delete_link(const struct nh_exec_ctx *ctx, const char *netns, int ifindex, const char *name,
		       struct nh_result *res)
{
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int r = nh_exec_ns(ctx, netns, &ns, res);

	if (r < 0)
		return r;
	nlh = link_msg(ns.nl, RTM_DELLINK, 0, ifindex, name);
	if (!nlh)
		return build_failed(res, -EINVAL);
	return nh_exec_send(ns.nl, nlh, res);
}

int nh_exec_link_delete(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	if (a->set_aside && ctx->aside && a->ifindex > 0) {
		struct nh_exec_ns ns;
		int r = nh_exec_ns(ctx, a->netns, &ns, res);

		if (r < 0)
			return r;
		if (set_aside(ctx, a, &ns, res) == 0)
			return res->err;
	}
	memset(res, 0, sizeof(*res));
	res->ifindex = a->ifindex;
	return delete_link(ctx, a->netns, a->ifindex, a->link.name, res);
}

/* Delete one link set aside: 0, 1 when it was gone already, or -errno. */
static int delete_one(const struct nh_exec_ctx *ctx, const struct nh_exec_aside_link *l)
{
	struct nh_result res = { 0 };
	int r = delete_link(ctx, l->netns, 0, l->name, &res);

	/* ENODEV: the kernel took it with its old namespace; ENOENT: the
	 * namespace it was in is gone, and the link with it */
	return r == -ENODEV || r == -ENOENT ? 1 : r;
}

int nh_exec_delete_aside(const struct nh_exec_ctx *ctx, uint64_t before_us, struct nh_exec_aside_done *done)
{
	struct nh_exec_aside *as = ctx->aside;
	size_t j = 0;
	int first = 0;

	*done = (struct nh_exec_aside_done){ 0 };
	for (size_t i = 0; as && i < as->n; i++) {
		struct nh_exec_aside_link *l = &as->v[i];
		int r = l->since_us <= before_us ? delete_one(ctx, l) : -EAGAIN;

		if (r == 0)
			done->deleted++;
		else if (r == 1)
			done->gone++;
		else if (r != -EAGAIN && ++l->tries >= NH_EXEC_ASIDE_TRIES)
			done->dropped++;
		else {
			if (r != -EAGAIN)
				l->since_us = nh_now_us();      /* due again a delay later */
			as->v[j++] = *l;
		}
		if (r < 0 && r != -EAGAIN && !first)
			first = r;
	}
	if (as && (as->n = j) == 0)
		nh_exec_aside_free(as);
	return first;
}

void nh_exec_aside_free(struct nh_exec_aside *aside)
{
	free(aside->v);
	*aside = (struct nh_exec_aside){ 0 };
}

/*
 * One request on the source namespace's socket: IFLA_NET_NS_FD moves the
 * link, IFLA_IFNAME (with ifi_index set) renames it in its new namespace, so
 * it lands with the policy's name.
 */
int nh_exec_link_move(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct nh_exec_ns from, to;
	struct nlmsghdr *nlh;
	int ifindex = a->ifindex, r;

	r = nh_exec_ns(ctx, a->from_netns, &from, res);
	if (r < 0)
		return r;
	r = nh_exec_ns(ctx, a->netns, &to, res);
	if (r < 0)
		return r;
	if (ifindex <= 0) {
		ifindex = nh_exec_ifindex(from.nl, a->link.name, a->from_netns, "link", res);
		if (ifindex < 0)
			return ifindex;
	}
	nlh = link_msg(from.nl, RTM_NEWLINK, 0, ifindex, NULL);
	if (!mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, IFLA_NET_NS_FD, (uint32_t)to.fd) ||
	    !mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, IFLA_IFNAME, a->link.name))
		return build_failed(res, -EMSGSIZE);
	r = nh_exec_send(from.nl, nlh, res);
	/* The kernel keeps the index unless the target namespace has it taken. */
	if (r == 0)
		res->ifindex = index_or_zero(to.nl, a->link.name);
	return r;
}

int nh_exec_link_rename(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int r;

	if (a->ifindex <= 0)
		return nh_exec_fail(res, -EINVAL, "a rename needs the link's index");
	r = nh_exec_ns(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	nlh = link_msg(ns.nl, RTM_NEWLINK, 0, a->ifindex, NULL);
	if (!mnl_attr_put_strz_check(nlh, NH_ACT_MSG_SIZE, IFLA_IFNAME, a->link.name))
		return build_failed(res, -EMSGSIZE);
	return nh_exec_send(ns.nl, nlh, res);
}

/* ---- settings ----------------------------------------------------------- */

/* Adds the setting to a request on the link; may resolve names in ns. */
typedef int (*set_fill_fn)(struct nlmsghdr *nlh, const struct nh_action *a, const struct nh_exec_ns *ns,
			   struct nh_result *res);

static int link_set(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res,
		    set_fill_fn fill)
{
	struct nh_exec_ns ns;
	struct nlmsghdr *nlh;
	int r = nh_exec_ns(ctx, a->netns, &ns, res);

	if (r < 0)
		return r;
	nlh = link_msg(ns.nl, RTM_NEWLINK, 0, a->ifindex, a->link.name);
	if (!nlh)
		return build_failed(res, -EINVAL);
	r = fill(nlh, a, &ns, res);
	if (r < 0)
		return build_failed(res, r);
	return nh_exec_send(ns.nl, nlh, res);
}

/* master "" is `nomaster`. The bridge is looked up in the link's namespace. */
static int fill_master(struct nlmsghdr *nlh, const struct nh_action *a, const struct nh_exec_ns *ns,
		       struct nh_result *res)
{
	int master = 0;

	if (a->link.master[0]) {
		master = nh_exec_ifindex(ns->nl, a->link.master, a->netns, "master", res);
		res->absent = master == -ENODEV;
		if (master < 0)
			return master;
	}
	return mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, IFLA_MASTER, (uint32_t)master) ? 0 : -EMSGSIZE;
}

static int fill_mtu(struct nlmsghdr *nlh, const struct nh_action *a, const struct nh_exec_ns *ns NH_UNUSED,
		    struct nh_result *res NH_UNUSED)
{
	return mnl_attr_put_u32_check(nlh, NH_ACT_MSG_SIZE, IFLA_MTU, a->link.mtu) ? 0 : -EMSGSIZE;
}

static int fill_mac(struct nlmsghdr *nlh, const struct nh_action *a, const struct nh_exec_ns *ns NH_UNUSED,
		    struct nh_result *res NH_UNUSED)
{
	return mnl_attr_put_check(nlh, NH_ACT_MSG_SIZE, IFLA_ADDRESS, sizeof(a->link.mac), a->link.mac) ?
	       0 : -EMSGSIZE;
}

static int fill_up(struct nlmsghdr *nlh, const struct nh_action *a, const struct nh_exec_ns *ns NH_UNUSED,
		   struct nh_result *res NH_UNUSED)
{
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = a->link.up ? IFF_UP : 0;
	return 0;
}

int nh_exec_link_set_master(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	return link_set(ctx, a, res, fill_master);
}

int nh_exec_link_set_mtu(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	return link_set(ctx, a, res, fill_mtu);
}

int nh_exec_link_set_mac(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	return link_set(ctx, a, res, fill_mac);
}

int nh_exec_link_set_up(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	return link_set(ctx, a, res, fill_up);
}
