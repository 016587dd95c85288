/*
 * The diff of one namespace: the namespace itself, its links (diff_link.c),
 * addresses and routes. Pure: reads views, appends actions, nothing else.
 */
#include "diff.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "diff_priv.h"
#include "kind.h"

/* ---- context ---- */

static void ctx_init(struct diff_ctx *c, const struct nh_view *views, size_t n, struct nh_plan *plan)
{
	memset(c, 0, sizeof(*c));
	c->views = views;
	c->n = n;
	c->plan = plan;
	c->host = diff_view_by_name(c, "");
	/* what the kernel gives a new namespace: lo, down, no addresses */
	nh_strlcpy(c->fresh_lo.name, "lo", sizeof(c->fresh_lo.name));
	c->fresh_lo.mtu = 65536;
	c->fresh_lo.link_netnsid = -1;
	c->fresh.links = &c->fresh_lo;
	c->fresh.n_links = c->fresh.cap_links = 1;
	nh_state_init(&c->empty);
}

/*
 * Lookups by name try a binary search first: states and views normally come
 * sorted by name, and the host's diff looks up one view and two links for
 * each of its (maybe thousands of) veth ends. A hit is right whatever the
 * order; a miss falls back to a linear scan, so unsorted input gives the
 * same answers, only slower.
 */
static const char *view_name(const struct nh_view *v)
{
	return v->name ? v->name : "";
}

size_t diff_view_by_name(const struct diff_ctx *c, const char *name)
{
	size_t lo = 0, hi = c->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(view_name(&c->views[mid]), name);

		if (r == 0)
			return mid;
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(view_name(&c->views[i]), name) == 0)
			return i;
	return c->n;
}

static bool will_create(const struct nh_view *v)
{
	return v->rule && !v->rule->match && v->rule->create;
}

bool diff_view_exists(const struct diff_ctx *c, size_t i)
{
	return i < c->n && (c->views[i].have || i == c->host);    /* the host always exists */
}

const struct nh_state *diff_view_state(const struct diff_ctx *c, size_t i)
{
	if (diff_view_exists(c, i))
		return c->views[i].have ? c->views[i].have : &c->empty;
	return i < c->n && will_create(&c->views[i]) ? &c->fresh : NULL;
}

bool diff_fate_exists(enum fate f)
{
	return f == FATE_KEEP || f == FATE_RENAME || f == FATE_MOVE || f == FATE_CREATE;
}

bool diff_link_fresh(const struct diff_ctx *c, const struct link_plan *lp)
{
	return lp->fate == FATE_CREATE || lp->fate == FATE_MOVE || !c->views[lp->ns].have;
}

static bool same_link(const struct nh_link *l, int ifindex, const char *name)
{
	if (ifindex && l->ifindex)
		return l->ifindex == ifindex;
	return strcmp(l->name, name) == 0;
}

bool diff_deletes(const struct diff_ctx *c, size_t ns, int ifindex, const char *name)
{
	if (ns != c->lps_ns || !c->lps_delete)
		return false;
	for (size_t i = 0; i < c->n_lps; i++)
		if (c->lps[i].del && same_link(c->lps[i].del, ifindex, name))
			return true;
	return false;
}

const char *diff_renamed_to(const struct diff_ctx *c, size_t ns, int ifindex, const char *name)
{
	if (ns != c->lps_ns || !c->lps_rename)
		return name;
	for (size_t i = 0; i < c->n_lps; i++)
		if (c->lps[i].fate == FATE_RENAME && same_link(c->lps[i].obs, ifindex, name))
			return c->lps[i].want->name;
	return name;
}

void diff_action_init(struct nh_action *a, enum nh_action_type t, const char *netns,
		      const struct nh_link *want, int ifindex)
{
	memset(a, 0, sizeof(*a));
	a->type = t;
	nh_strlcpy(a->netns, netns ? netns : "", sizeof(a->netns));
	a->ifindex = ifindex;
	if (want) {
		a->link = *want;
		a->rule = want->origin;
	}
}

int diff_emit(struct diff_ctx *c, struct nh_action *a, const char *object, const char *fmt, ...)
{
	va_list ap;

	nh_strcpy_cut(a->object, sizeof(a->object), object);
	va_start(ap, fmt);
	vsnprintf(a->drift, sizeof(a->drift), fmt, ap);
	va_end(ap);
	return nh_plan_add(c->plan, a);
}

/* ---- the namespace ---- */

static int emit_netns(struct diff_ctx *c, size_t x)
{
	const struct nh_view *v = &c->views[x];
	struct nh_action a;
	char obj[96];

	diff_action_init(&a, v->rule->create ? NH_ACT_NETNS_CREATE : NH_ACT_REPORT_MISSING, v->name, NULL, 0);
	a.rule = v->rule->origin;
	snprintf(obj, sizeof(obj), "netns:%s", v->name);
	if (v->rule->create)
		return diff_emit(c, &a, obj, "namespace %s missing", v->name);
	return diff_emit(c, &a, obj, "namespace %s missing (create = false)", v->name);
}

/* ---- links ---- */

/* Decide for every link first, then emit: emitting a link's settings needs
 * to know what the plan deletes (a port whose bridge is re-created loses
 * its master). peers[i] is the peer end of a veth primary lps[i]. */
static void plan_links(struct diff_ctx *c, size_t x, const struct nh_link *const *sel, size_t n,
		       struct link_plan *lps, struct link_plan *peers, struct nh_link *synth)
{
	for (size_t i = 0; i < n; i++) {
		diff_plan_link(c, x, sel[i], &lps[i], &peers[i], &synth[i]);
		c->lps_delete |= lps[i].del != NULL;
		c->lps_rename |= lps[i].fate == FATE_RENAME;
	}
	c->lps = lps;
	c->n_lps = n;
	c->lps_ns = x;
}

static int emit_links(struct diff_ctx *c, const struct link_plan *lps, const struct link_plan *peers, size_t n)
{
	int r;

	for (size_t i = 0; i < n; i++) {
		if (!lps[i].remote && (r = diff_emit_link(c, &lps[i])) < 0)
			return r;
		if (peers[i].remote)
			continue;
		/* the primary end's diff acts on its peer end too */
		if ((r = diff_emit_link(c, &peers[i])) < 0 || (r = diff_emit_addrs(c, &peers[i])) < 0)
			return r;
	}
	return 0;
}

/* ---- addresses ---- */

/* The observed address want is, on link obs, or NULL. */
static const struct nh_address *addr_observed(const struct nh_state *st, const struct nh_link *obs,
					      const struct nh_address *want)
{
	for (size_t i = 0; i < st->n_addrs; i++) {
		const struct nh_address *h = &st->addrs[i];

		if (nh_prefix_cmp(&h->prefix, &want->prefix) != 0)
			continue;
		if (h->ifindex && obs->ifindex ? h->ifindex == obs->ifindex : strcmp(h->link, obs->name) == 0)
			return h;
	}
	return NULL;
}

static bool addr_present(const struct nh_state *st, const struct nh_link *obs, const struct nh_address *want)
{
	return addr_observed(st, obs, want) != NULL;
}

int diff_emit_addrs(struct diff_ctx *c, const struct link_plan *lp)
{
	const struct nh_view *v = &c->views[lp->ns];
	const struct nh_state *st = diff_view_state(c, lp->ns);
	bool compare = lp->fate == FATE_KEEP || lp->fate == FATE_RENAME;
	int ifindex = compare ? lp->obs->ifindex : 0;
	char obj[96], pfx[64];
	struct nh_action a;
	int r;

	if (!v->rule || !diff_fate_exists(lp->fate))
		return 0;
	for (size_t i = 0; i < v->rule->want.n_addrs; i++) {
		const struct nh_address *w = &v->rule->want.addrs[i];

		if (strcmp(w->link, lp->want->name) != 0)
			continue;
		if (compare && addr_present(st, lp->obs, w))
			continue;
		diff_action_init(&a, NH_ACT_ADDR_ADD, v->name, lp->want, ifindex);
		a.addr = *w;
		a.rule = w->origin;
		a.consequence = diff_link_fresh(c, lp);
		nh_prefix_str(&w->prefix, true, pfx, sizeof(pfx));
		snprintf(obj, sizeof(obj), "address:%s", pfx);
		r = diff_emit(c, &a, obj, "address %s missing on %s", pfx, w->link);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Addresses on links the rule does not list (the parser lists them all;
 * this keeps a hand-made rule honest): healed when the link is here. */
static int diff_loose_addrs(struct diff_ctx *c, size_t x)
{
	const struct nh_state *want = &c->views[x].rule->want;
	const struct nh_state *st = diff_view_state(c, x);
	struct link_plan lp;
	struct nh_link l;
	int r;

	for (size_t i = 0; i < want->n_addrs; i++) {
		const char *name = want->addrs[i].link;
		bool seen = false;

		if (nh_state_link_by_name(want, name))
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(want->addrs[j].link, name) == 0;
		if (seen)
			continue;
		memset(&lp, 0, sizeof(lp));
		memset(&l, 0, sizeof(l));
		nh_strlcpy(l.name, name, sizeof(l.name));
		lp.want = &l;
		lp.ns = x;
		lp.obs = nh_state_link_by_name(st, name);
		lp.fate = lp.obs ? FATE_KEEP : FATE_NONE;
		if ((r = diff_emit_addrs(c, &lp)) < 0)
			return r;
	}
	return 0;
}

static int diff_addrs(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n)
{
	int r;

	for (size_t i = 0; i < n; i++)
		if (!lps[i].remote && (r = diff_emit_addrs(c, &lps[i])) < 0)
			return r;
	return diff_loose_addrs(c, x);
}

/* ---- routes ---- */

const struct link_plan *diff_plan_by_name(const struct link_plan *lps, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(lps[i].want->name, name) == 0)
			return &lps[i];
	return NULL;
}

static bool on_link(const struct nh_route *h, const struct nh_link *l)
{
	if (h->oif && l->ifindex)
		return h->oif == l->ifindex;
	return strcmp(h->dev, l->name) == 0;
}

/* An observed route as it will be once this plan's link changes are done:
 * false when it goes away with a link the plan deletes; a renamed link's
 * routes carry the new name. */
static bool route_after(const struct nh_route *h, const struct link_plan *lps, size_t n, struct nh_route *out)
{
	*out = *h;
	for (size_t i = 0; i < n; i++) {
		if (lps[i].del && on_link(h, lps[i].del))
			return false;
		if (lps[i].fate == FATE_RENAME && on_link(h, lps[i].obs))
			nh_strlcpy(out->dev, lps[i].want->name, sizeof(out->dev));
	}
	return true;
}

static int route_detail_cmp(const struct nh_route *a, const struct nh_route *b)
{
	int r = nh_prefix_cmp(&a->via, &b->via);

	if (r)
		return r;
	r = strcmp(a->dev, b->dev);
	return (r > 0) - (r < 0);
}

/* "via 10.1.1.51 dev v-peer1 metric 5 table 100", the parts that are set. */
static const char *route_words(const struct nh_route *r, char *buf, size_t size)
{
	const char *type = nh_route_type_word(r);
	char via[64];
	size_t len = 0;

	buf[0] = '\0';
	if (type)
		len += (size_t)snprintf(buf + len, size - len, " %s %s route", type[0] == 'u' ? "an" : "a", type);
	if ((r->has & NH_ROUTE_HAS_VIA) || r->via.family)
		len += (size_t)snprintf(buf + len, size - len, " via %s", nh_prefix_str(&r->via, false, via, sizeof(via)));
	if (len < size && r->dev[0])
		len += (size_t)snprintf(buf + len, size - len, " dev %s", r->dev);
	if (len < size && r->metric)
		len += (size_t)snprintf(buf + len, size - len, " metric %u", r->metric);
	if (len < size && r->table && r->table != NH_RT_TABLE_MAIN)
		snprintf(buf + len, size - len, " table %u", r->table);
	return buf[0] ? buf + 1 : buf;
}

/* A route cannot go in while its device, or every link of the policy whose
 * prefix holds its gateway, is reported (conflict, missing) or cannot exist. */
static bool route_blocked(const struct nh_netns_rule *rule, const struct link_plan *lps, size_t n,
			  const struct nh_route *w, const struct link_plan *dev)
{
	bool covered = false;

	if (dev)
		return !diff_fate_exists(dev->fate);
	if (!(w->has & NH_ROUTE_HAS_VIA))
		return false;
	for (size_t i = 0; i < rule->want.n_addrs; i++) {
		const struct nh_address *a = &rule->want.addrs[i];
		const struct link_plan *lp;

		if (!nh_prefix_contains(&a->prefix, &w->via))
			continue;
		lp = diff_plan_by_name(lps, n, a->link);
		if (!lp || diff_fate_exists(lp->fate))
			return false;
		covered = true;
	}
	return covered;
}

/* The route goes with a link this plan makes anew: its device, or the
 * link whose prefix holds its gateway; or with a namespace it creates. */
static bool route_fresh(const struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n,
			const struct nh_route *w, const struct link_plan *dev)
{
	const struct nh_netns_rule *rule = c->views[x].rule;

	if (!c->views[x].have || (dev && diff_link_fresh(c, dev)))
		return true;
	for (size_t i = 0; (w->has & NH_ROUTE_HAS_VIA) && i < rule->want.n_addrs; i++) {
		const struct nh_address *a = &rule->want.addrs[i];
		const struct link_plan *lp;

		if (!nh_prefix_contains(&a->prefix, &w->via))
			continue;
		lp = diff_plan_by_name(lps, n, a->link);
		if (lp && diff_link_fresh(c, lp))
			return true;
	}
	return false;
}

/* The routes in have (n_have, sorted by nh_route_key_cmp) with w's key:
 * the index of the first, or n_have; those that follow it while the key is
 * the same. */
static size_t first_of_key(const struct nh_route *const *have, size_t n_have, const struct nh_route *w)
{
	size_t lo = 0, hi = n_have;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (nh_route_key_cmp(have[mid], w) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* have: the observed routes sorted by key (diff_routes' index). Only a route
 * with w's key can satisfy it or be in its way (nh_route_satisfied). */
static int diff_route(struct diff_ctx *c, size_t x, const struct link_plan *lps, const struct nh_route *w,
		      const struct nh_route *const *have, size_t n_have)
{
	const struct nh_view *v = &c->views[x];
	size_t n = c->n_lps;
	const struct link_plan *dev = NULL;
	struct nh_route h, clash = { 0 };
	bool clashes = false;
	char obj[96], dest[64], w1[128], w2[128];
	const char *words;
	struct nh_action a;

	if (w->has & NH_ROUTE_HAS_DEV)
		dev = diff_plan_by_name(lps, n, w->dev);
	if (route_blocked(v->rule, lps, n, w, dev))
		return 0;
	for (size_t i = first_of_key(have, n_have, w); i < n_have && nh_route_key_cmp(have[i], w) == 0; i++) {
		if (!route_after(have[i], lps, n, &h))
			continue;
		if (nh_route_satisfied(w, &h))
			return 0;
		if (nh_route_key_cmp(w, &h) == 0 && (!clashes || route_detail_cmp(&h, &clash) < 0)) {
			clash = h;
			clashes = true;
		}
	}
	diff_action_init(&a, !clashes ? NH_ACT_ROUTE_ADD : w->replace ? NH_ACT_ROUTE_REPLACE : NH_ACT_REPORT_CONFLICT,
			 v->name, NULL, 0);
	a.consequence = route_fresh(c, x, lps, n, w, dev);
	if (w->has & NH_ROUTE_HAS_DEV)
		nh_strlcpy(a.link.name, w->dev, sizeof(a.link.name));
	if (dev && (dev->fate == FATE_KEEP || dev->fate == FATE_RENAME))
		a.ifindex = dev->obs->ifindex;
	a.route = *w;
	a.rule = w->origin;
	nh_prefix_dst_str(&w->dst, dest, sizeof(dest));
	snprintf(obj, sizeof(obj), "route:%s", dest);
	if (clashes)
		return diff_emit(c, &a, obj, "route %s is %s, policy wants %s", dest,
			    route_words(&clash, w1, sizeof(w1)), route_words(w, w2, sizeof(w2)));
	words = route_words(w, w1, sizeof(w1));
	return diff_emit(c, &a, obj, "route %s%s%s missing", dest, *words ? " " : "", words);
}

/* An observed route with r's key (family, table, destination, metric). */
static const struct nh_route *route_of_key(const struct nh_state *st, const struct nh_route *r)
{
	for (size_t i = 0; i < st->n_routes; i++)
		if (nh_route_key_cmp(&st->routes[i], r) == 0)
			return &st->routes[i];
	return NULL;
}

static bool prefix_route_present(const struct nh_state *st, int ifindex, const struct nh_prefix *net)
{
	for (size_t i = 0; i < st->n_routes; i++) {
		const struct nh_route *h = &st->routes[i];

		if (h->oif == ifindex && h->table == NH_RT_TABLE_MAIN && !(h->has & NH_ROUTE_HAS_VIA) &&
		    nh_prefix_cmp(&h->dst, net) == 0)
			return true;
	}
	return false;
}

/* The kernel makes a prefix route for each address (not a /32 or /128)
 * when the address is added or its link comes up, and never again: after
 * `ip route flush dev X` the address stays, its network is unreachable and
 * every route via a gateway there fails ("Nexthop has invalid gateway").
 * Put it back, as a device route, while the address is there and its link
 * up, before the routes that need it. Not for an IPv4 address on loopback:
 * there the kernel's prefix route is a local route in the local table
 * (`local 127.0.0.0/8 dev lo`, fib_add_ifaddr), and a unicast one in main
 * is a route the kernel never makes. */
static int diff_prefix_routes(struct diff_ctx *c, size_t x, const struct link_plan *lps)
{
	const struct nh_view *v = &c->views[x];
	const struct nh_state *st = v->have;
	size_t n = c->n_lps;
	char obj[96], dest[64], addr[64];
	const struct nh_route *clash;
	int r;

	if (!v->kernel_routes || !st)
		return 0;
	for (size_t i = 0; i < v->rule->want.n_addrs; i++) {
		const struct nh_address *w = &v->rule->want.addrs[i];
		const struct link_plan *lp = diff_plan_by_name(lps, n, w->link);
		struct nh_prefix net = nh_prefix_network(&w->prefix);
		const struct nh_address *h;
		struct nh_action a;
		bool seen = false;

		if (!lp || (lp->fate != FATE_KEEP && lp->fate != FATE_RENAME) || !lp->obs->up ||
		    w->prefix.len >= 8 * nh_family_addr_len(w->prefix.family) ||
		    (w->prefix.family == AF_INET && strcmp(w->link, "lo") == 0) ||
		    !(h = addr_observed(st, lp->obs, w)) || prefix_route_present(st, lp->obs->ifindex, &net))
			continue;
		/* added with noprefixroute: no prefix route is what was asked */
		if (h->flags & IFA_F_NOPREFIXROUTE)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const struct nh_address *o = &v->rule->want.addrs[j];
			struct nh_prefix onet = nh_prefix_network(&o->prefix);

			seen = strcmp(o->link, w->link) == 0 && nh_prefix_cmp(&onet, &net) == 0;
		}
		if (seen)
			continue;
		diff_action_init(&a, NH_ACT_ROUTE_ADD, v->name, NULL, lp->obs->ifindex);
		nh_strlcpy(a.link.name, w->link, sizeof(a.link.name));
		a.route.dst = net;
		a.route.table = NH_RT_TABLE_MAIN;
		a.route.has = NH_ROUTE_HAS_DEV;
		if (net.family == AF_INET6) {
			a.route.metric = 256;   /* the kernel's own for a prefix route */
			a.route.has |= NH_ROUTE_HAS_METRIC;
		}
		nh_strlcpy(a.route.dev, w->link, sizeof(a.route.dev));
		a.rule = w->origin;
		nh_prefix_str(&net, true, dest, sizeof(dest));
		nh_prefix_str(&w->prefix, true, addr, sizeof(addr));
		snprintf(obj, sizeof(obj), "route:%s", dest);
		clash = route_of_key(st, &a.route);
		if (clash) {
			/* another's route holds its key (`ip route replace NET dev
			 * lo`): an add would fail (EEXIST) for ever */
			char w1[128];

			a.type = NH_ACT_REPORT_CONFLICT;
			r = diff_emit(c, &a, obj, "route %s is %s, the prefix route of address %s wants dev %s", dest,
				      route_words(clash, w1, sizeof(w1)), addr, w->link);
		} else {
			r = diff_emit(c, &a, obj, "prefix route %s dev %s of address %s missing", dest, w->link,
				      addr);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

bool nh_diff_route_relevant(const struct nh_netns_rule *rule, const struct nh_route *r)
{
	const struct nh_state *want;

	if (!rule)
		return false;
	if (rule->refs_known)   /* indexed: a binary search (one per route event) */
		return nh_rule_has_dst(rule, &r->dst);
	want = &rule->want;
	for (size_t i = 0; i < want->n_routes; i++)
		if (nh_prefix_cmp(&want->routes[i].dst, &r->dst) == 0)
			return true;
	for (size_t i = 0; i < want->n_addrs; i++) {
		struct nh_prefix net = nh_prefix_network(&want->addrs[i].prefix);

		if (nh_prefix_cmp(&net, &r->dst) == 0)
			return true;
	}
	return false;
}

bool nh_diff_routes_widen(const struct nh_netns_rule *a, const struct nh_netns_rule *b)
{
	struct nh_route probe;

	if (a == b || !b)
		return false;
	memset(&probe, 0, sizeof(probe));
	for (size_t i = 0; i < b->want.n_routes; i++) {
		probe.dst = b->want.routes[i].dst;
		if (!nh_diff_route_relevant(a, &probe))
			return true;
	}
	for (size_t i = 0; i < b->want.n_addrs; i++) {
		probe.dst = nh_prefix_network(&b->want.addrs[i].prefix);
		if (!nh_diff_route_relevant(a, &probe))
			return true;
	}
	return false;
}

static int route_ptr_cmp(const void *a, const void *b)
{
	return nh_route_key_cmp(*(const struct nh_route *const *)a, *(const struct nh_route *const *)b);
}

/* Each wanted route is looked for among the observed ones sorted by key,
 * by a binary search: a scan of them all for each was W × H compares (at
 * 4000 policy routes, 16 million per diff of the namespace). The observed
 * state need not be sorted: the index is. */
static int diff_routes(struct diff_ctx *c, size_t x, const struct link_plan *lps)
{
	const struct nh_state *want = &c->views[x].rule->want;
	const struct nh_state *st = diff_view_state(c, x);
	const struct nh_route *small[64], **have = small;
	bool sorted = true;
	int r = 0;

	if (!want->n_routes)
		return 0;
	/* an index on the stack for a namespace's usual handful; sorted only
	 * when the state is not (an observed one is: monitor/observe.c) */
	if (st->n_routes > sizeof(small) / sizeof(small[0]) && !(have = malloc(st->n_routes * sizeof(*have))))
		return -ENOMEM;
	for (size_t i = 0; i < st->n_routes; i++) {
		have[i] = &st->routes[i];
		if (i && sorted && nh_route_key_cmp(have[i - 1], have[i]) > 0)
			sorted = false;
	}
	if (!sorted)
		qsort(have, st->n_routes, sizeof(*have), route_ptr_cmp);
	for (size_t i = 0; i < want->n_routes; i++)
		if ((r = diff_route(c, x, lps, &want->routes[i], have, st->n_routes)) < 0)
			break;
	if (have != small)
		free(have);
	return r < 0 ? r : 0;
}

/* ---- entry points ---- */

static int index_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

/* The links of views[x]'s rule the diff plans, in the rule's order: all
 * of them (only == NULL), or those of the n_only named the rule wants and
 * those another object of the rule names (rule->refs). *sel is allocated
 * (the caller frees it). 0, -ENOMEM, or -EAGAIN when the rule's references
 * are not known. */
static int select_links(const struct nh_netns_rule *rule, const char *const *only, size_t n_only,
			const struct nh_link ***sel, size_t *n)
{
	const struct nh_state *want = &rule->want;
	size_t *ix = NULL, k = 0;
	int r = 0;

	*sel = NULL;
	*n = 0;
	if (!only) {
		k = want->n_links;
	} else {
		if (!rule->refs_known)
			return -EAGAIN;
		ix = calloc(rule->n_refs + n_only + 1, sizeof(*ix));
		if (!ix)
			return -ENOMEM;
		if (rule->n_refs)
			memcpy(ix, rule->refs, rule->n_refs * sizeof(*ix));
		k = rule->n_refs;
		for (size_t i = 0; i < n_only; i++) {
			const struct nh_link *l = nh_state_link_by_name(want, only[i]);
			bool dup = false;

			if (!l)
				continue;
			for (size_t j = rule->n_refs; j < k && !dup; j++)
				dup = ix[j] == (size_t)(l - want->links);
			if (!dup && !(l->flags & NH_LINK_FLAG_REFERENCED))
				ix[k++] = (size_t)(l - want->links);
		}
		qsort(ix, k, sizeof(*ix), index_cmp);
	}
	if (k && !(*sel = calloc(k, sizeof(**sel)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < k; i++)
		(*sel)[i] = &want->links[ix ? ix[i] : i];
	*n = k;
out:
	free(ix);
	return r;
}

static bool renames_or_deletes(const struct link_plan *lps, const struct link_plan *peers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lps[i].del || lps[i].fate == FATE_RENAME || peers[i].del || peers[i].fate == FATE_RENAME)
			return true;
	return false;
}

static int diff_one(struct diff_ctx *c, size_t x, const char *const *only, size_t n_only)
{
	const struct nh_view *v = &c->views[x];
	const struct nh_link **sel = NULL;
	struct link_plan *lps = NULL;
	struct nh_link *synth = NULL;
	size_t n;
	int r;

	if (!v->rule)
		return 0;
	if (!v->have && x != c->host) {
		if (only)
			return -EAGAIN;
		if (v->rule->match)
			return 0;       /* match rules apply to namespaces that exist */
		r = emit_netns(c, x);
		if (r < 0 || !v->rule->create)
			return r;
	}
	r = select_links(v->rule, only, n_only, &sel, &n);
	if (r < 0)
		return r;
	if (n) {
		lps = calloc(2 * n, sizeof(*lps));
		synth = calloc(n, sizeof(*synth));
		if (!lps || !synth) {
			r = -ENOMEM;
			goto out;
		}
	}
	plan_links(c, x, sel, n, lps, lps + n, synth);
	if (only && renames_or_deletes(lps, lps + n, n)) {
		/* routes on a link deleted or renamed read every plan */
		r = -EAGAIN;
		goto out;
	}
	r = emit_links(c, lps, lps + n, n);
	if (r < 0)
		goto out;
	r = diff_addrs(c, x, lps, n);
	if (r < 0)
		goto out;
	r = diff_prefix_routes(c, x, lps);
	if (r == 0)
		r = diff_routes(c, x, lps);
	if (r == 0)
		r = diff_sysctls(c, x, lps, n);
	if (r == 0)
		r = diff_rules(c, x);
	if (r == 0)
		r = diff_neighs(c, x, lps, n);
out:
	c->lps = NULL;
	c->n_lps = 0;
	c->lps_delete = c->lps_rename = false;
	free(sel);
	free(lps);
	free(synth);
	return r;
}

int nh_diff_netns(const struct nh_view *views, size_t n_views, size_t which, struct nh_plan *plan)
{
	struct diff_ctx c;

	if (which >= n_views)
		return -EINVAL;
	ctx_init(&c, views, n_views, plan);
	return diff_one(&c, which, NULL, 0);
}

int nh_diff_netns_links(const struct nh_view *views, size_t n_views, size_t which, const char *const *links,
			size_t n_links, struct nh_plan *plan)
{
	struct diff_ctx c;
	size_t before = plan->n;
	int r;

	if (which >= n_views || !links)
		return -EINVAL;
	ctx_init(&c, views, n_views, plan);
	r = diff_one(&c, which, links, n_links);
	if (r < 0)
		plan->n = before;
	return r;
}

int nh_diff_all(const struct nh_view *views, size_t n_views, struct nh_plan *plan)
{
	struct diff_ctx c;
	int r;

	ctx_init(&c, views, n_views, plan);
	for (size_t i = 0; i < n_views; i++)
		if ((r = diff_one(&c, i, NULL, 0)) < 0)
			return r;
	nh_plan_sort(plan);
	return 0;
}

static bool veth_spans(const struct nh_link *l, const char *other)
{
	bool veth_end = (l->has & NH_LINK_HAS_PEER) || (l->flags & NH_LINK_FLAG_PEER_END);

	return veth_end && strcmp(l->peer_netns, other) == 0;
}

bool nh_diff_touches(const struct nh_view *views, size_t n_views, size_t which, size_t other)
{
	const struct nh_netns_rule *rule;
	const char *other_name;

	if (which >= n_views || other >= n_views)
		return false;
	if (which == other)
		return true;
	rule = views[which].rule;
	if (!rule)
		return false;
	other_name = views[other].name ? views[other].name : "";
	for (size_t i = 0; i < rule->want.n_links; i++) {
		const struct nh_link *l = &rule->want.links[i];

		if (veth_spans(l, other_name))
			return true;
		if (nh_kind_has(l->kind, NH_KIND_FROM_HOST) && !other_name[0])
			return true;
	}
	return false;
}
