#include "floor.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <linux/rtnetlink.h>

#include "common/util.h"
#include "topo.h"

static const char *const break_names[NB_BREAK__COUNT] = {
	[NB_ADDR] = "address",
	[NB_ROUTE] = "route",
	[NB_DOWN] = "down",
	[NB_VETH] = "veth",
	[NB_NETNS] = "netns",
	[NB_FORWARD] = "forward",
	[NB_MATCHED_ADDR] = "matched-address",
};

const char *nb_break_to_string(enum nb_break b)
{
	return (unsigned)b < NB_BREAK__COUNT ? break_names[b] : "?";
}

int nb_break_from_string(const char *s)
{
	for (int b = 0; b < NB_BREAK__COUNT; b++)
		if (strcmp(s, break_names[b]) == 0)
			return b;
	return -EINVAL;
}

int nb_floor_open(struct nb_floor *f)
{
	for (unsigned int i = 0; i < NB_OPTION2_MAX; i++)
		f->ipv4_dir[i] = -1;
	return nb_ns_open(&f->host, NULL);
}

void nb_floor_close(struct nb_floor *f)
{
	for (unsigned int i = 0; i < NB_OPTION2_MAX; i++)
		if (f->ipv4_dir[i] >= 0)
			close(f->ipv4_dir[i]);
	nb_ns_close(&f->host);
}

int nb_floor_keep_sysctl_dirs(struct nb_floor *f, unsigned int n)
{
	struct rlimit lim;
	int r = 0;

	/* a descriptor each, beside the sockets of a sample */
	if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
		lim.rlim_cur = lim.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &lim);
	}
	for (unsigned int i = 0; i < n && i < NB_OPTION2_MAX && r == 0; i++) {
		struct nb_names names;
		struct nb_ns ns = NB_NS_CLOSED;

		nb_names(i, &names);
		r = nb_ns_open(&ns, names.netns);
		if (r == 0)
			r = nb_forward_set_below(ns.fd, &f->ipv4_dir[i], "1");
		nb_ns_close(&ns);
	}
	return r;
}

/* The default route after the address: the kernel wants its gateway
 * reachable. Both flushed with the address or a link going down. */
static int addr_and_route(struct nb_ns *ns, const struct nb_names *n, int inner)
{
	int r = nb_addr4(&ns->nl, RTM_NEWADDR, inner, n->addr_be, n->prefix_len);

	if (r < 0)
		return r;
	return nb_default_route4(&ns->nl, RTM_NEWROUTE, NB_GATEWAY_BE);
}

/* The pair, made in one request from inside the namespace, then the host
 * end's master and up, the inner end's up, address and route. */
static int veth_pair(struct nb_floor *f, struct nb_ns *ns, const struct nb_names *n)
{
	struct nh_nl *host = &f->host.nl;
	int r, inner, outer, br;

	r = nb_veth_create(&ns->nl, n->inner, ns->fd, n->outer, f->host.fd);
	if (r < 0)
		return r;
	inner = nb_ifindex(&ns->nl, n->inner);
	outer = nb_ifindex(host, n->outer);
	br = nb_ifindex(host, NB_BRIDGE);
	if (inner < 0 || outer < 0 || br < 0)
		return inner < 0 ? inner : outer < 0 ? outer : br;
	r = nb_link_master(host, outer, br);
	if (r == 0)
		r = nb_link_up(host, outer, true);
	if (r == 0)
		r = nb_link_up(&ns->nl, inner, true);
	if (r == 0)
		r = addr_and_route(ns, n, inner);
	return r;
}

/* A new namespace: made, opened, lo up, its sysctl (its /proc/sys/net/ipv4
 * kept in *ipv4_dir when that is not NULL, as netheal does), its veth
 * pair. */
static int new_namespace(struct nb_floor *f, const struct nb_names *n, struct nb_ns *ns, int *ipv4_dir)
{
	int r = nb_netns_add(n->netns);

	if (r == 0)
		r = nb_ns_open(ns, n->netns);
	if (r < 0)
		return r;
	r = nb_link_up(&ns->nl, 1, true);       /* lo is index 1 in every namespace */
	if (r == 0)
		r = ipv4_dir ? nb_forward_set_below(ns->fd, ipv4_dir, "1") : nb_forward_set(ns->fd, "1");
	if (r < 0)
		return r;
	return veth_pair(f, ns, n);
}

int nb_floor_restore(struct nb_floor *f, enum nb_break b, unsigned int i, struct nb_ns *ns)
{
	struct nb_names n;
	int r;

	nb_names(i, &n);
	switch (b) {
	case NB_ADDR:
		r = nb_ifindex(&ns->nl, n.inner);
		return r < 0 ? r : addr_and_route(ns, &n, r);
	case NB_ROUTE:
		return nb_default_route4(&ns->nl, RTM_NEWROUTE, NB_GATEWAY_BE);
	case NB_DOWN:
		r = nb_ifindex(&ns->nl, n.inner);
		if (r > 0)
			r = nb_link_up(&ns->nl, r, true);
		return r < 0 ? r : nb_default_route4(&ns->nl, RTM_NEWROUTE, NB_GATEWAY_BE);
	case NB_VETH:
		return veth_pair(f, ns, &n);
	case NB_FORWARD:
		return nb_forward_set_below(ns->fd, i < NB_OPTION2_MAX ? &f->ipv4_dir[i] : NULL, "1");
	case NB_MATCHED_ADDR:
		nb_matched_names(i, &n);
		r = nb_ifindex(&ns->nl, n.inner);
		return r < 0 ? r : nb_addr4(&ns->nl, RTM_NEWADDR, r, n.addr_be, n.prefix_len);
	case NB_NETNS:
		if (i < NB_OPTION2_MAX && f->ipv4_dir[i] >= 0) {
			close(f->ipv4_dir[i]);  /* the old namespace's */
			f->ipv4_dir[i] = -1;
		}
		/* The old namespace dies asynchronously; until it has, its veth
		 * pair holds the host end's name. */
		r = nb_link_delete(&f->host.nl, 0, n.outer);
		if (r < 0 && r != -ENODEV)
			return r;
		return new_namespace(f, &n, ns, i < NB_OPTION2_MAX ? &f->ipv4_dir[i] : NULL);
	default:
		return -EINVAL;
	}
}
