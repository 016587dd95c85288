/*
 * Fuzz harness for the rtnetlink decoder and the observed state it builds
 * (netlink/decode.c, monitor/observe.c): the input is a buffer of one or
 * more nlmsghdr messages of any type (link, address, route, rule,
 * neighbour, netconf, nsid, and whatever the fuzzer makes of them), run
 * through the functions the monitor runs on what the kernel says:
 *
 *   1. as a dump reply: nh_observe_dump_msg on each, nh_observe_dump_end;
 *   2. as events on that state: nh_observe_event on each, as
 *      monitor/events.c delivers a datagram, then again (the same events
 *      twice: every "already there" and "already gone" path);
 *   3. as events on an empty state (the monitor's first events of a new
 *      namespace race its dump).
 *
 * After every step the state must be consistent: counts within capacity,
 * every name NUL-terminated, every array sorted by the key its binary
 * searches use; after events alone, one entry per key and names resolved
 * (each address, route, neighbour and port names the link its index
 * names, as nh_observe_resolve would). What an event says must be
 * printable. Nothing may leak (LeakSanitizer) or read out of bounds (the
 * input is copied to a buffer of exactly its size).
 *
 * Seeds: tests/fuzz/corpus/observe (real dumps and notifications, made by
 * tests/fuzz/capture.sh). libFuzzer build: meson -Dfuzz=enabled (clang),
 * see tests/fuzz/README.md; without it, tests/fuzz/replay.c runs each file
 * given (the suite replays the seeds and tests/fuzz/regress/observe).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "monitor/observe.h"
#include "policy/diff.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void broken(const char *what, size_t i)
{
	fprintf(stderr, "fuzz_observe: invariant broken: %s (entry %zu)\n", what, i);
	abort();
}

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_names(const struct nh_state *s)
{
	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *l = &s->links[i];

		if (!TERMINATED(l->name) || !TERMINATED(l->master) || !TERMINATED(l->parent) ||
		    !TERMINATED(l->peer_name) || !TERMINATED(l->peer_netns) || !TERMINATED(l->kind_name))
			broken("a link's name is not terminated", i);
	}
	for (size_t i = 0; i < s->n_addrs; i++)
		if (!TERMINATED(s->addrs[i].link))
			broken("an address's link is not terminated", i);
	for (size_t i = 0; i < s->n_routes; i++)
		if (!TERMINATED(s->routes[i].dev))
			broken("a route's dev is not terminated", i);
	for (size_t i = 0; i < s->n_rules; i++)
		if (!TERMINATED(s->rules[i].iif) || !TERMINATED(s->rules[i].oif))
			broken("a rule's iif or oif is not terminated", i);
	for (size_t i = 0; i < s->n_neighs; i++)
		if (!TERMINATED(s->neighs[i].dev))
			broken("a neighbour's dev is not terminated", i);
}

/* The observed routes' order (monitor/observe.c: route_cmp): the policy's
 * key, then device, then gateway. */
static int route_order(const struct nh_route *x, const struct nh_route *y)
{
	int r = nh_route_key_cmp(x, y);

	if (r)
		return r;
	if (x->oif != y->oif)
		return x->oif < y->oif ? -1 : 1;
	if ((x->has & NH_ROUTE_HAS_VIA) != (y->has & NH_ROUTE_HAS_VIA))
		return x->has & NH_ROUTE_HAS_VIA ? 1 : -1;
	return nh_prefix_cmp(&x->via, &y->via);
}

/* Sorted (unique: strictly) by each array's key. */
static void check_order(const struct nh_state *s, bool unique)
{
	int lim = unique ? 0 : 1;       /* cmp(prev, next) must be < lim */

	for (size_t i = 1; i < s->n_links; i++)
		if (nh_link_key_cmp(&s->links[i - 1], &s->links[i]) >= lim)
			broken("links out of order", i);
	for (size_t i = 1; i < s->n_addrs; i++)
		if (nh_address_key_cmp(&s->addrs[i - 1], &s->addrs[i]) >= lim)
			broken("addresses out of order", i);
	for (size_t i = 1; i < s->n_routes; i++)
		if (route_order(&s->routes[i - 1], &s->routes[i]) >= lim)
			broken("routes out of order", i);
	for (size_t i = 1; i < s->n_rules; i++)
		if (nh_fib_rule_cmp(&s->rules[i - 1], &s->rules[i]) >= lim)
			broken("rules out of order", i);
	for (size_t i = 1; i < s->n_neighs; i++)
		if (nh_neigh_key_cmp(&s->neighs[i - 1], &s->neighs[i]) >= lim)
			broken("neighbours out of order", i);
}

static void check_counts(const struct nh_state *s)
{
	if (s->n_links > s->cap_links || s->n_addrs > s->cap_addrs || s->n_routes > s->cap_routes ||
	    s->n_rules > s->cap_rules || s->n_neighs > s->cap_neighs || s->n_sysctls > s->cap_sysctls)
		broken("a count beyond its capacity", 0);
	if ((s->n_links && !s->links) || (s->n_addrs && !s->addrs) || (s->n_routes && !s->routes) ||
	    (s->n_rules && !s->rules) || (s->n_neighs && !s->neighs))
		broken("entries without an array", 0);
}

static const char *name_of(const struct nh_state *s, int ifindex)
{
	const struct nh_link *l = ifindex > 0 ? nh_state_link_by_index(s, ifindex) : NULL;

	return l ? l->name : "";
}

/* What events alone built: every name another object holds of a link is
 * that link's current name (what nh_observe_resolve would give). */
static void check_resolved(const struct nh_state *s)
{
	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *l = &s->links[i];

		if (nh_state_link_by_index(s, l->ifindex) != l)
			broken("two links of one index", i);
		if (l->master_index > 0 && strcmp(l->master, name_of(s, l->master_index)) != 0)
			broken("a port names a master that is not its master's name", i);
	}
	for (size_t i = 0; i < s->n_addrs; i++)
		if (strcmp(s->addrs[i].link, name_of(s, s->addrs[i].ifindex)) != 0)
			broken("an address names a link that is not its link's name", i);
	for (size_t i = 0; i < s->n_routes; i++)
		if (strcmp(s->routes[i].dev, name_of(s, s->routes[i].oif)) != 0)
			broken("a route names a dev that is not its link's name", i);
	for (size_t i = 0; i < s->n_neighs; i++)
		if (strcmp(s->neighs[i].dev, name_of(s, s->neighs[i].ifindex)) != 0)
			broken("a neighbour names a dev that is not its link's name", i);
}

static void check_state(const struct nh_state *s, bool from_events)
{
	check_counts(s);
	check_names(s);
	check_order(s, from_events);
	if (from_events)
		check_resolved(s);
}

/* What the sink heard: objects dropped, and the link names counted in
 * and out as monitor/monitor.c counts them. */
#define MAX_NAMES 64
struct heard {
	size_t dropped;
	char names[MAX_NAMES][NH_IFNAMSIZ];
	long n[MAX_NAMES];
	size_t n_names;
	bool full;                      /* more names than kept: not checked */
};

/* An object the monitor reports dropped with another: an address, route or
 * neighbour, with its key as a string, the same as the object's own. */
static void dropped(void *ctx, const struct nh_dropped *d)
{
	struct heard *h = ctx;
	char key[NH_OBJECT_KEYSIZ];

	if (!d->key || strnlen(d->key, NH_OBJECT_KEYSIZ) >= NH_OBJECT_KEYSIZ)
		broken("a dropped object's key is not a string", h->dropped);
	if (d->obj == NH_OBJ_ADDRESS)
		nh_address_key(d->addr, key, sizeof(key));
	else if (d->obj == NH_OBJ_ROUTE)
		nh_route_key(d->route, key, sizeof(key));
	else if (d->obj == NH_OBJ_NEIGH)
		nh_neigh_key(d->neigh, key, sizeof(key));
	else
		broken("a dropped object is not an address, route or neighbour", (size_t)d->obj);
	if (strcmp(key, d->key) != 0)
		broken("a dropped object's key is not its own", h->dropped);
	h->dropped++;
}

static void link_name(void *ctx, const char *name, int delta)
{
	struct heard *h = ctx;
	size_t i;

	if (!name || strnlen(name, NH_IFNAMSIZ) >= NH_IFNAMSIZ || (delta != 1 && delta != -1))
		broken("a link name counted is not a name, or not by one", (size_t)delta);
	for (i = 0; i < h->n_names && strcmp(h->names[i], name) != 0; i++)
		;
	if (i == h->n_names) {
		if (i == MAX_NAMES) {
			h->full = true;
			return;
		}
		memcpy(h->names[h->n_names++], name, strlen(name) + 1);
	}
	h->n[i] += delta;
}

/* Each name counted as many times as s has links of that name (once, but
 * a fuzzed dump may hold two), nothing else counted. */
static void check_named(const struct nh_state *s, const struct heard *h)
{
	if (h->full)
		return;
	for (size_t i = 0; i < h->n_names; i++) {
		long n = 0;

		for (size_t j = 0; j < s->n_links; j++)
			n += strcmp(s->links[j].name, h->names[i]) == 0;
		if (h->n[i] != n)
			broken("a link name's count is not the state's", i);
	}
	for (size_t j = 0; j < s->n_links; j++) {
		size_t i;

		for (i = 0; i < h->n_names && strcmp(h->names[i], s->links[j].name) != 0; i++)
			;
		if (i == h->n_names)
			broken("a link of the state was never counted", j);
	}
}

/* What an event says is formatted by its consumers: it must be whole. */
static void check_event(const struct nh_nl_event *ev)
{
	char buf[NH_OBJECT_KEYSIZ];

	if (!TERMINATED(ev->link.name) || !TERMINATED(ev->link.master) || !TERMINATED(ev->addr.link) ||
	    !TERMINATED(ev->route.dev) || !TERMINATED(ev->neigh.dev) || !TERMINATED(ev->frule.iif) ||
	    !TERMINATED(ev->frule.oif))
		broken("an event's name is not terminated", ev->type);
	switch (ev->obj) {
	case NH_OBJ_ADDRESS:
		nh_address_key(&ev->addr, buf, sizeof(buf));
		break;
	case NH_OBJ_ROUTE:
		nh_route_key(&ev->route, buf, sizeof(buf));
		break;
	case NH_OBJ_RULE:
		nh_fib_rule_key(&ev->frule, buf, sizeof(buf));
		nh_fib_rule_words(&ev->frule, buf, sizeof(buf));
		break;
	case NH_OBJ_NEIGH:
		nh_neigh_key(&ev->neigh, buf, sizeof(buf));
		break;
	case NH_OBJ_NETCONF:
		for (int v = 0; v < NH_NETCONF__COUNT; v++)
			if (ev->netconf.has & (1u << v))
				(void)nh_netconf_leaf(ev->netconf.family, (enum nh_netconf_value)v);
		break;
	case NH_OBJ_LINK:
	case NH_OBJ_NSID:
	case NH_OBJ_NEXTHOP:
		break;
	default:
		broken("an event of no object kind", ev->obj);
	}
}

/* Every message of buf as events on s, as monitor/events.c delivers them. */
static void events(struct nh_state *s, const char *buf, size_t len, bool from_events)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	int left = (int)len;
	struct heard h = { 0 };
	const struct nh_observe_sink sink = { dropped, &h, link_name, NULL };

	/* what the monitor counts when it takes a state from a dump */
	for (size_t j = 0; j < s->n_links; j++)
		link_name(&h, s->links[j].name, 1);

	for (; nh_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		struct nh_nl_event ev;
		int r = nh_observe_event(s, nlh, &ev, &sink);

		if (r != 0 && r != 1 && r != -EINVAL && r != -ENOMEM)
			broken("nh_observe_event returned what it may not", (size_t)-r);
		if (r == 1)
			check_event(&ev);
		check_state(s, from_events);
		check_named(s, &h);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* exactly size bytes, aligned as a datagram is: a read past the end
	 * is caught */
	char *buf = malloc(size ? size : 1);
	const struct nlmsghdr *nlh;
	struct nh_state s;
	int left;

	if (!buf)
		return 0;
	memcpy(buf, data, size);

	/* 1. a dump reply */
	nh_state_init(&s);
	nlh = (const struct nlmsghdr *)buf;
	for (left = (int)size; nh_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int r = nh_observe_dump_msg(&s, nlh, NULL);

		if (r != 0 && r != -ENOMEM)
			broken("nh_observe_dump_msg returned what it may not", (size_t)-r);
	}
	nh_observe_dump_end(&s);
	check_state(&s, false);

	/* 2. events on it, twice */
	events(&s, buf, size, false);
	events(&s, buf, size, false);
	nh_state_free(&s);

	/* 3. events on an empty state, twice */
	nh_state_init(&s);
	events(&s, buf, size, true);
	events(&s, buf, size, true);
	nh_state_free(&s);

	free(buf);
	return 0;
}
