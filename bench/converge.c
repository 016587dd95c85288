/*
 * The floor's cold convergence: the requests `netheal apply` sends for the
 * benchmark topology, in its order, one after another, each acked. Beyond
 * 1000 namespaces the matched ones (topo.h) exist already, made by the
 * benchmark as another agent would: each is opened, given its sysctl, lo
 * up and its address, and closed (a request socket each would take 10,000
 * descriptors more).
 */
#include <errno.h>
#include <stdlib.h>
#include <linux/rtnetlink.h>

#include "floor.h"
#include "topo.h"

struct conv {
	struct nb_floor *f;
	unsigned int n;
	struct nb_ns *ns;       /* a request socket in each namespace, as netheal keeps */
	int bridge;
};

static int make_netns(struct conv *c, unsigned int i)
{
	struct nb_names n;
	int r;

	nb_names(i, &n);
	r = nb_netns_add(n.netns);
	return r < 0 ? r : nb_ns_open(&c->ns[i], n.netns);
}

static int make_bridge(struct conv *c)
{
	int r = nb_bridge_create(&c->f->host.nl, NB_BRIDGE, c->f->host.fd);

	if (r < 0)
		return r;
	c->bridge = nb_ifindex(&c->f->host.nl, NB_BRIDGE);
	return c->bridge < 0 ? c->bridge : 0;
}

static int make_pair(struct conv *c, unsigned int i)
{
	struct nb_names n;

	nb_names(i, &n);
	return nb_veth_create(&c->ns[i].nl, n.inner, c->ns[i].fd, n.outer, c->f->host.fd);
}

static int forward(struct conv *c, unsigned int i)
{
	return nb_forward_set(c->ns[i].fd, "1");
}

static int set_master(struct conv *c, unsigned int i)
{
	struct nb_names n;
	int outer;

	nb_names(i, &n);
	outer = nb_ifindex(&c->f->host.nl, n.outer);
	return outer < 0 ? outer : nb_link_master(&c->f->host.nl, outer, c->bridge);
}

static int bridge_up(struct conv *c)
{
	return nb_link_up(&c->f->host.nl, c->bridge, true);
}

static int outer_up(struct conv *c, unsigned int i)
{
	struct nb_names n;
	int outer;

	nb_names(i, &n);
	outer = nb_ifindex(&c->f->host.nl, n.outer);
	return outer < 0 ? outer : nb_link_up(&c->f->host.nl, outer, true);
}

static int inner_up(struct conv *c, unsigned int i)
{
	struct nb_names n;
	int inner, r;

	nb_names(i, &n);
	r = nb_link_up(&c->ns[i].nl, 1, true);  /* lo */
	inner = nb_ifindex(&c->ns[i].nl, n.inner);
	if (r == 0)
		r = inner < 0 ? inner : nb_link_up(&c->ns[i].nl, inner, true);
	return r;
}

static int bridge_addr(struct conv *c)
{
	return nb_addr4(&c->f->host.nl, RTM_NEWADDR, c->bridge, NB_GATEWAY_BE, NB_PREFIX_LEN);
}

static int inner_addr(struct conv *c, unsigned int i)
{
	struct nb_names n;
	int inner;

	nb_names(i, &n);
	inner = nb_ifindex(&c->ns[i].nl, n.inner);
	return inner < 0 ? inner : nb_addr4(&c->ns[i].nl, RTM_NEWADDR, inner, n.addr_be, NB_PREFIX_LEN);
}

static int route(struct conv *c, unsigned int i)
{
	return nb_default_route4(&c->ns[i].nl, RTM_NEWROUTE, NB_GATEWAY_BE);
}

/* One step: once in the host, or once per namespace. */
static const struct step {
	int (*host)(struct conv *c);
	int (*each)(struct conv *c, unsigned int i);
} steps[] = {
	{ .each = make_netns },
	{ .host = make_bridge },
	{ .each = make_pair },
	{ .each = forward },
	{ .each = set_master },
	{ .host = bridge_up },
	{ .each = outer_up },
	{ .each = inner_up },
	{ .host = bridge_addr },
	{ .each = inner_addr },
	{ .each = route },
};

static int matched(unsigned int j)
{
	struct nb_ns ns = NB_NS_CLOSED;
	char name[32];
	int r;

	nb_matched_name(j, name, sizeof(name));
	r = nb_ns_open(&ns, name);
	if (r == 0)
		r = nb_forward_set(ns.fd, "1");
	if (r == 0)
		r = nb_link_up(&ns.nl, 1, true);       /* lo is index 1 in every namespace */
	if (r == 0)
		r = nb_addr4(&ns.nl, RTM_NEWADDR, 1, NB_MATCHED_ADDR_BE, NB_MATCHED_PREFIX_LEN);
	nb_ns_close(&ns);
	return r;
}

int nb_floor_converge(struct nb_floor *f, unsigned int total)
{
	unsigned int n = nb_option2(total);
	struct conv c = { .f = f, .n = n };
	int r = 0;

	c.ns = calloc(n ? n : 1, sizeof(*c.ns));
	if (!c.ns)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		c.ns[i].fd = -1;
	for (size_t s = 0; r == 0 && s < sizeof(steps) / sizeof(steps[0]); s++) {
		if (steps[s].host)
			r = steps[s].host(&c);
		for (unsigned int i = 0; r == 0 && steps[s].each && i < n; i++)
			r = steps[s].each(&c, i);
	}
	for (unsigned int i = 0; i < n; i++)
		nb_ns_close(&c.ns[i]);
	free(c.ns);
	for (unsigned int j = 0; r == 0 && j < total - n; j++)
		r = matched(j);
	return r;
}
