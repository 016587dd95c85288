/*
 * The diff, without the kernel: desired and observed state built by hand,
 * the plan compared line by line. Every scenario is also run with its
 * inputs shuffled: the plan must be byte-identical.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "policy/kind.h"
#include "policy/diff.h"

#define HOST_CONF "policy.d/host.conf"
#define BLUE_CONF "policy.d/blue.conf"
#define AT(f, l) { .file = (f), .line = (l) }

#define UP_ALWAYS NH_LINK_HAS_UP
#define MAX_VIEWS 6

static struct nh_prefix pfx(const char *s)
{
	struct nh_prefix p;

	if (strcmp(s, "default") == 0) {
		memset(&p, 0, sizeof(p));
		p.family = AF_INET;
		return p;
	}
	if (strchr(s, '/'))
		assert_int_equal(nh_prefix_parse(s, &p), 0);
	else
		assert_int_equal(nh_ip_parse(s, &p), 0);
	return p;
}

static void add_link(struct nh_state *s, struct nh_link l)
{
	if (!l.link_netnsid)
		l.link_netnsid = -1;
	assert_int_equal(nh_state_add_link(s, &l), 0);
}

static void add_addr(struct nh_state *s, const char *link, int ifindex, const char *prefix, unsigned line)
{
	struct nh_address a = { .prefix = pfx(prefix), .ifindex = ifindex, .origin = AT(BLUE_CONF, line) };

	nh_strlcpy(a.link, link, sizeof(a.link));
	if (!line)
		a.origin = (struct nh_origin){ 0 };
	assert_int_equal(nh_state_add_address(s, &a), 0);
}

static void add_route(struct nh_state *s, struct nh_route r)
{
	if (!r.table)
		r.table = NH_RT_TABLE_MAIN;
	assert_int_equal(nh_state_add_route(s, &r), 0);
}

/* "KEY=VALUE" as the parser makes it (line 0: observed). */
static void add_sysctl(struct nh_state *s, const char *kv, unsigned line)
{
	struct nh_sysctl k = { .origin = AT(BLUE_CONF, line) };
	const char *eq = strchr(kv, '=');

	assert_non_null(eq);
	snprintf(k.key, sizeof(k.key), "%.*s", (int)(eq - kv), kv);
	assert_int_equal(nh_sysctl_value_normalize(eq + 1, k.value, sizeof(k.value)), 0);
	nh_sysctl_key_link(k.key, k.link);
	if (!line)
		k.origin = (struct nh_origin){ 0 };
	assert_int_equal(nh_state_add_sysctl(s, &k), 0);
}

static void add_frule(struct nh_state *s, struct nh_fib_rule r)
{
	if (!r.family)
		r.family = AF_INET;
	assert_int_equal(nh_state_add_rule(s, &r), 0);
}

static void add_neigh(struct nh_state *s, const char *dev, int ifindex, const char *ip, uint8_t last, unsigned line)
{
	struct nh_neigh n = { .has = NH_NEIGH_HAS_LLADDR, .addr = pfx(ip), .ifindex = ifindex,
			      .lladdr = { 0x02, 0, 0, 0, 0, last }, .origin = AT(BLUE_CONF, line) };

	nh_strlcpy(n.dev, dev, sizeof(n.dev));
	if (!line)
		n.origin = (struct nh_origin){ 0 };
	assert_int_equal(nh_state_add_neigh(s, &n), 0);
}

static struct nh_link *link_of(struct nh_state *s, const char *name)
{
	struct nh_link *l = nh_state_link_by_name(s, name);

	assert_non_null(l);
	return l;
}

static void del_link(struct nh_state *s, const char *name)
{
	struct nh_link *l = link_of(s, name);

	*l = s->links[--s->n_links];
	s->links_unsorted = true;
	/* its addresses and routes go with it */
	for (size_t i = 0; i < s->n_addrs;)
		if (strcmp(s->addrs[i].link, name) == 0)
			s->addrs[i] = s->addrs[--s->n_addrs];
		else
			i++;
	for (size_t i = 0; i < s->n_routes;)
		if (strcmp(s->routes[i].dev, name) == 0)
			s->routes[i] = s->routes[--s->n_routes];
		else
			i++;
}

static void del_addr(struct nh_state *s, const char *link, const char *prefix)
{
	struct nh_prefix p = pfx(prefix);

	for (size_t i = 0; i < s->n_addrs; i++)
		if (strcmp(s->addrs[i].link, link) == 0 && nh_prefix_cmp(&s->addrs[i].prefix, &p) == 0) {
			s->addrs[i] = s->addrs[--s->n_addrs];
			return;
		}
	fail_msg("no address %s on %s", prefix, link);
}

static void del_route(struct nh_state *s, const char *dst)
{
	struct nh_prefix p = pfx(dst);

	for (size_t i = 0; i < s->n_routes; i++)
		if (nh_prefix_cmp(&s->routes[i].dst, &p) == 0) {
			s->routes[i] = s->routes[--s->n_routes];
			return;
		}
	fail_msg("no route %s", dst);
}

/* ---- a world: rules, observed states, views ---- */

struct ns {
	struct nh_netns_rule rule;
	bool managed;
	bool exists;
	struct nh_state have;
};

struct world {
	struct ns ns[MAX_VIEWS];
	char names[MAX_VIEWS][NH_NETNS_NAMSIZ];
	size_t n;
	/* known_ifindex: (netns, link) → ifindex */
	struct { const char *netns, *link; int ifindex; } known[4];
	size_t n_known;
	int named_bias;         /* added to what links_named says (a wrong count) */
	struct nh_view views[MAX_VIEWS];
};

static struct ns *world_ns(struct world *w, const char *name)
{
	for (size_t i = 0; i < w->n; i++)
		if (strcmp(w->names[i], name) == 0)
			return &w->ns[i];
	assert_true(w->n < MAX_VIEWS);
	nh_strlcpy(w->names[w->n], name, NH_NETNS_NAMSIZ);
	nh_strlcpy(w->ns[w->n].rule.name, name, NH_NETNS_NAMSIZ);
	w->ns[w->n].rule.create = true;
	w->ns[w->n].rule.origin = (struct nh_origin)AT(name[0] ? BLUE_CONF : HOST_CONF, 1);
	w->ns[w->n].exists = true;
	return &w->ns[w->n++];
}

static void world_free(struct world *w)
{
	for (size_t i = 0; i < w->n; i++) {
		nh_rule_free(&w->ns[i].rule);
		nh_state_free(&w->ns[i].have);
	}
}

static int known_ifindex(void *ctx, const char *netns, const char *link)
{
	const struct world *w = ctx;

	for (size_t i = 0; i < w->n_known; i++)
		if (strcmp(w->known[i].netns, netns) == 0 && strcmp(w->known[i].link, link) == 0)
			return w->known[i].ifindex;
	return 0;
}

/* The links of that name in every namespace that exists, as the
 * monitor counts them. */
static size_t links_named(void *ctx, const char *link)
{
	const struct world *w = ctx;
	long n = w->named_bias;

	for (size_t i = 0; i < w->n; i++)
		for (size_t j = 0; w->ns[i].exists && j < w->ns[i].have.n_links; j++)
			n += strcmp(w->ns[i].have.links[j].name, link) == 0;
	return n > 0 ? (size_t)n : 0;
}

static size_t world_views(struct world *w)
{
	for (size_t i = 0; i < w->n; i++)
		w->views[i] = (struct nh_view){
			.name = w->names[i],
			.rule = w->ns[i].managed ? &w->ns[i].rule : NULL,
			.have = w->ns[i].exists ? &w->ns[i].have : NULL,
			.known_ifindex = known_ifindex,
			.links_named = links_named,
			.known_ctx = w,
		};
	return w->n;
}

/*
 * SPEC §1 Option 2 as the parser expands it: host br1 (10.1.1.51/24) with
 * port eth1 and the veth end v-eth1; blue: lo, v-peer1 (10.1.1.100/24, the
 * primary end), default via 10.1.1.51.
 */
static void option2_policy(struct world *w)
{
	struct ns *host = world_ns(w, ""), *blue = world_ns(w, "blue");

	host->managed = blue->managed = true;
	add_link(&host->rule.want, (struct nh_link){ .name = "br1", .kind = &nh_kind_bridge,
		.has = UP_ALWAYS, .up = true, .origin = AT(HOST_CONF, 2) });
	add_link(&host->rule.want, (struct nh_link){ .name = "eth1", .has = UP_ALWAYS | NH_LINK_HAS_MASTER,
		.up = true, .master = "br1", .origin = AT(HOST_CONF, 3) });
	add_link(&host->rule.want, (struct nh_link){ .name = "v-eth1", .kind = &nh_kind_veth,
		.flags = NH_LINK_FLAG_PEER_END, .has = UP_ALWAYS | NH_LINK_HAS_MASTER | NH_LINK_HAS_PEER,
		.up = true, .master = "br1", .peer_name = "v-peer1", .peer_netns = "blue",
		.origin = AT(BLUE_CONF, 10) });
	add_addr(&host->rule.want, "br1", 0, "10.1.1.51/24", 2);

	add_link(&blue->rule.want, (struct nh_link){ .name = "lo", .has = UP_ALWAYS, .up = true,
		.origin = AT(BLUE_CONF, 8) });
	add_link(&blue->rule.want, (struct nh_link){ .name = "v-peer1", .kind = &nh_kind_veth,
		.has = UP_ALWAYS | NH_LINK_HAS_PEER, .up = true, .peer_name = "v-eth1", .peer_netns = "",
		.origin = AT(BLUE_CONF, 9), .peer_origin = AT(BLUE_CONF, 10) });
	add_addr(&blue->rule.want, "v-peer1", 0, "10.1.1.100/24", 9);
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA, .dst = pfx("default"),
		.via = pfx("10.1.1.51"), .origin = AT(BLUE_CONF, 12) });
}

/* The host as the machine has it before netheal: lo and eth1, nothing else. */
static void bare_host(struct world *w)
{
	struct ns *host = world_ns(w, "");

	add_link(&host->have, (struct nh_link){ .name = "lo", .ifindex = 1, .up = true, .mtu = 65536 });
	add_link(&host->have, (struct nh_link){ .name = "eth1", .ifindex = 2, .up = true, .mtu = 1500,
		.mac = { 0x02, 0, 0, 0, 0, 0x11 } });
	add_addr(&host->have, "lo", 1, "127.0.0.1/8", 0);
	/* not ours: never touched */
	add_link(&host->have, (struct nh_link){ .name = "tap9", .ifindex = 9, .kind_name = "tun", .mtu = 1500 });
	add_addr(&host->have, "eth1", 2, "192.0.2.5/24", 0);
	add_route(&host->have, (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("192.0.2.0/24"),
		.dev = "eth1", .oif = 2, .protocol = 2 });
}

/* Option 2 converged, plus things the policy does not name. */
static void option2_converged(struct world *w)
{
	struct ns *host = world_ns(w, ""), *blue = world_ns(w, "blue");

	option2_policy(w);
	bare_host(w);
	link_of(&host->have, "eth1")->master_index = 3;
	nh_strlcpy(link_of(&host->have, "eth1")->master, "br1", NH_IFNAMSIZ);
	add_link(&host->have, (struct nh_link){ .name = "br1", .ifindex = 3, .kind = &nh_kind_bridge,
		.kind_name = "bridge", .up = true, .mtu = 1500 });
	add_link(&host->have, (struct nh_link){ .name = "v-eth1", .ifindex = 4, .kind = &nh_kind_veth,
		.kind_name = "veth", .up = true, .mtu = 1500, .master = "br1", .master_index = 3,
		.link_index = 2, .link_netnsid = 0 });
	add_addr(&host->have, "br1", 3, "10.1.1.51/24", 0);
	add_route(&host->have, (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("10.1.1.0/24"),
		.dev = "br1", .oif = 3, .protocol = 2 });

	add_link(&blue->have, (struct nh_link){ .name = "lo", .ifindex = 1, .up = true, .mtu = 65536 });
	add_link(&blue->have, (struct nh_link){ .name = "v-peer1", .ifindex = 2, .kind = &nh_kind_veth,
		.kind_name = "veth", .up = true, .mtu = 1500, .mac = { 0x02, 0, 0, 0, 0, 0x22 },
		.link_index = 4, .link_netnsid = 0 });
	add_link(&blue->have, (struct nh_link){ .name = "vx9", .ifindex = 3, .kind = &nh_kind_vxlan,
		.kind_name = "vxlan", .mtu = 1450 });
	add_addr(&blue->have, "lo", 1, "127.0.0.1/8", 0);
	add_addr(&blue->have, "v-peer1", 2, "10.1.1.100/24", 0);
	add_addr(&blue->have, "v-peer1", 2, "2001:db8::100/64", 0);
	add_route(&blue->have, (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("10.1.1.0/24"),
		.dev = "v-peer1", .oif = 2, .protocol = 2 });
	add_route(&blue->have, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
		.dst = pfx("default"), .via = pfx("10.1.1.51"), .dev = "v-peer1", .oif = 2,
		.protocol = NH_RTPROT_NETHEAL });
	add_route(&blue->have, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
		.dst = pfx("198.51.100.0/24"), .via = pfx("10.1.1.7"), .dev = "v-peer1", .oif = 2 });
}

/* ---- running the diff ---- */

/* One line per action: "ACTION NETNS LINK OBJECT [if=N] [from=NS]". */
static char *render(const struct nh_plan *p)
{
	size_t size = 64 + p->n * 160, len = 0;
	char *s = malloc(size);

	assert_non_null(s);
	s[0] = '\0';
	for (size_t i = 0; i < p->n; i++) {
		const struct nh_action *a = &p->actions[i];

		len += (size_t)snprintf(s + len, size - len, "%s %s %s %s", nh_action_name(a),
					a->netns[0] ? a->netns : "-", a->link.name[0] ? a->link.name : "-", a->object);
		if (a->ifindex)
			len += (size_t)snprintf(s + len, size - len, " if=%d", a->ifindex);
		if (a->type == NH_ACT_LINK_MOVE)
			len += (size_t)snprintf(s + len, size - len, " from=%s", a->from_netns[0] ? a->from_netns : "-");
		len += (size_t)snprintf(s + len, size - len, "\n");
		assert_true(len < size);
	}
	return s;
}

static void plan_all(struct world *w, struct nh_plan *p)
{
	nh_plan_init(p);
	assert_int_equal(nh_diff_all(w->views, world_views(w), p), 0);
}

/* The plan of nh_diff_all, rendered; also checks that the plan is the
 * same with every input shuffled. */
static void check_shuffled(struct world *w, const struct nh_plan *want);

/* The diff of part of a namespace (nh_diff_netns_links) against its
 * whole diff; also checks the plan of every scenario that way. */
static void check_parts(struct world *w);

/* The same plan when each observed state keeps only the routes its rule
 * could be about (nh_diff_route_relevant, as `netheal run` keeps them). */
static void check_kept(struct world *w, const struct nh_plan *want)
{
	struct nh_state saved[MAX_VIEWS];
	struct nh_plan p;
	size_t n = world_views(w);
	char *a, *b;

	for (size_t i = 0; i < w->n; i++) {
		struct nh_state *have = &w->ns[i].have;
		const struct nh_netns_rule *rule = w->ns[i].managed ? &w->ns[i].rule : NULL;
		size_t k = 0;

		saved[i] = *have;
		have->routes = malloc((have->n_routes + 1) * sizeof(*have->routes));
		assert_non_null(have->routes);
		for (size_t j = 0; j < saved[i].n_routes; j++)
			if (nh_diff_route_relevant(rule, &saved[i].routes[j]))
				have->routes[k++] = saved[i].routes[j];
		have->n_routes = have->cap_routes = k;
	}
	nh_plan_init(&p);
	assert_int_equal(nh_diff_all(w->views, n, &p), 0);
	a = render(&p);
	b = render(want);
	assert_string_equal(a, b);
	free(a);
	free(b);
	nh_plan_free(&p);
	for (size_t i = 0; i < w->n; i++) {
		free(w->ns[i].have.routes);
		w->ns[i].have = saved[i];
	}
}

static void expect_plan(struct world *w, const char *expected)
{
	struct nh_plan p;
	char *got;

	plan_all(w, &p);
	got = render(&p);
	assert_string_equal(got, expected);
	check_shuffled(w, &p);
	check_parts(w);
	check_kept(w, &p);
	free(got);
	nh_plan_free(&p);
}

/* nh_diff_netns of one namespace, sorted. */
static char *plan_one(struct world *w, const char *netns)
{
	size_t n = world_views(w), which = n;
	struct nh_plan p;
	char *s;

	for (size_t i = 0; i < n; i++)
		if (strcmp(w->names[i], netns) == 0)
			which = i;
	assert_true(which < n);
	nh_plan_init(&p);
	assert_int_equal(nh_diff_netns(w->views, n, which, &p), 0);
	nh_plan_sort(&p);
	s = render(&p);
	nh_plan_free(&p);
	return s;
}

/* ---- shuffling ---- */

static unsigned int rng_next(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) & 0xffffff;
}

#define SHUFFLE(arr, n, seed) \
	do { \
		for (size_t i_ = (n); i_ > 1; i_--) { \
			size_t j_ = rng_next(seed) % i_; \
			__typeof__(*(arr)) t_ = (arr)[i_ - 1]; \
			(arr)[i_ - 1] = (arr)[j_]; \
			(arr)[j_] = t_; \
		} \
	} while (0)

static void shuffle_state(struct nh_state *s, unsigned int *seed)
{
	SHUFFLE(s->links, s->n_links, seed);
	s->links_unsorted = true;
	SHUFFLE(s->addrs, s->n_addrs, seed);
	SHUFFLE(s->routes, s->n_routes, seed);
	SHUFFLE(s->sysctls, s->n_sysctls, seed);
	SHUFFLE(s->rules, s->n_rules, seed);
	SHUFFLE(s->neighs, s->n_neighs, seed);
}

static int view_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nh_view *)a)->name, ((const struct nh_view *)b)->name);
}

static void check_shuffled(struct world *w, const struct nh_plan *want)
{
	unsigned int seed = 42;
	size_t n = world_views(w);

	/* round 0: everything sorted by name, as states and views usually
	 * come; then shuffled */
	for (int round = 0; round < 60; round++) {
		struct nh_view views[MAX_VIEWS];
		struct nh_plan p;

		for (size_t i = 0; i < w->n; i++) {
			if (round) {
				shuffle_state(&w->ns[i].rule.want, &seed);
				shuffle_state(&w->ns[i].have, &seed);
			} else {
				nh_state_sort(&w->ns[i].rule.want);
				nh_state_sort(&w->ns[i].have);
			}
		}
		memcpy(views, w->views, n * sizeof(*views));
		if (round)
			SHUFFLE(views, n, &seed);
		else
			qsort(views, n, sizeof(*views), view_cmp);
		nh_plan_init(&p);
		assert_int_equal(nh_diff_all(views, n, &p), 0);
		assert_int_equal(p.n, want->n);
		for (size_t i = 0; i < p.n; i++)
			if (memcmp(&p.actions[i], &want->actions[i], sizeof(p.actions[i])) != 0) {
				char a[512], b[512];

				fail_msg("round %d action %zu differs: %s / %s", round, i,
					 nh_action_format(&p.actions[i], a, sizeof(a)),
					 nh_action_format(&want->actions[i], b, sizeof(b)));
			}
		nh_plan_free(&p);
	}
}

/* ---- a diff of part of a namespace ---- */

static bool unreferenced(const struct nh_netns_rule *r, const char *name)
{
	const struct nh_link *l = nh_state_link_by_name(&r->want, name);

	return l && !(l->flags & NH_LINK_FLAG_REFERENCED);
}

/* The diff of views[x] for the links in parts (and what the rule refers
 * to), sorted and rendered; NULL when it says -EAGAIN. */
static char *plan_part(struct world *w, size_t x, const char *const *parts, size_t n)
{
	struct nh_plan p;
	char *s;
	int r;

	nh_plan_init(&p);
	r = nh_diff_netns_links(w->views, w->n, x, parts, n, &p);
	if (r == -EAGAIN) {
		assert_int_equal(p.n, 0);
		nh_plan_free(&p);
		return NULL;
	}
	assert_int_equal(r, 0);
	nh_plan_sort(&p);
	s = render(&p);
	nh_plan_free(&p);
	return s;
}

/*
 * What the service relies on (service/core.c): when the whole diff of a
 * namespace acts only on its own links, a diff of the links it acts on
 * and of any other one link of the rule gives the same plan, or -EAGAIN.
 * Run over the states of every scenario.
 */
static void check_parts(struct world *w)
{
	size_t n = world_views(w);

	for (size_t i = 0; i < w->n; i++) {
		nh_state_sort(&w->ns[i].rule.want);
		nh_state_sort(&w->ns[i].have);
		assert_int_equal(nh_rule_index_refs(&w->ns[i].rule), 0);
	}
	for (size_t x = 0; x < n; x++) {
		const struct nh_netns_rule *r = w->views[x].rule;
		const char *parts[8];
		size_t k = 0;
		bool whole = false;
		struct nh_plan p;
		char *full;

		if (!r || !w->views[x].have)
			continue;
		nh_plan_init(&p);
		assert_int_equal(nh_diff_netns(w->views, n, x, &p), 0);
		nh_plan_sort(&p);
		for (size_t i = 0; i < p.n && !whole; i++) {
			const struct nh_action *a = &p.actions[i];

			if (strcmp(a->netns, w->names[x]) != 0 || k + 1 == 8)
				whole = true;   /* the service diffs it whole next */
			else if (unreferenced(r, a->link.name))
				parts[k++] = a->link.name;
		}
		full = render(&p);
		for (size_t j = 0; !whole && j < r->want.n_links; j++) {
			char *got;

			parts[k] = r->want.links[j].name;
			got = plan_part(w, x, parts, k + 1);
			if (got) {
				if (strcmp(got, full) != 0)
					fail_msg("netns '%s', links %s and %zu others: part\n%s\nwhole\n%s",
						 w->names[x], parts[k], k, got, full);
				free(got);
			}
		}
		free(full);
		nh_plan_free(&p);
	}
}

/* A bridge made anew took its ports with it: putting them back is a
 * consequence of the bridge (flap damping blames the bridge, SPEC §5.4);
 * a port taken out of a bridge that stays is its own heal. */
static void test_master_made_anew(void **state)
{
	struct world w = { 0 };
	struct ns *host;
	struct nh_plan p;
	size_t n = 0;

	(void)state;
	option2_converged(&w);
	host = world_ns(&w, "");
	del_link(&host->have, "br1");
	link_of(&host->have, "eth1")->master[0] = '\0';
	link_of(&host->have, "eth1")->master_index = 0;
	link_of(&host->have, "v-eth1")->master[0] = '\0';
	link_of(&host->have, "v-eth1")->master_index = 0;
	plan_all(&w, &p);
	for (size_t i = 0; i < p.n; i++)
		if (p.actions[i].type == NH_ACT_LINK_SET_MASTER) {
			assert_true(p.actions[i].consequence);
			n++;
		}
	assert_int_equal(n, 2);
	nh_plan_free(&p);
	world_free(&w);

	memset(&w, 0, sizeof(w));
	option2_converged(&w);
	host = world_ns(&w, "");
	link_of(&host->have, "eth1")->master[0] = '\0';
	link_of(&host->have, "eth1")->master_index = 0;
	plan_all(&w, &p);
	assert_int_equal(p.n, 1);
	assert_int_equal(p.actions[0].type, NH_ACT_LINK_SET_MASTER);
	assert_false(p.actions[0].consequence);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_part_refused(void **state)
{
	struct world w = { 0 };
	const char *v_eth1[] = { "v-eth1" }, *nosuch[] = { "nosuch" };
	struct ns *blue;
	struct nh_link *l;
	char *s;

	(void)state;
	option2_converged(&w);
	world_views(&w);
	/* the rule's references not known: refused */
	assert_null(plan_part(&w, 0, v_eth1, 1));
	for (size_t i = 0; i < w.n; i++)
		assert_int_equal(nh_rule_index_refs(&w.ns[i].rule), 0);
	s = plan_part(&w, 0, v_eth1, 1);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* a name the rule does not want is passed over */
	s = plan_part(&w, 0, nosuch, 1);
	assert_string_equal(s, "");
	free(s);
	/* the host's end down: healed from the part */
	link_of(&world_ns(&w, "")->have, "v-eth1")->up = false;
	s = plan_part(&w, 0, v_eth1, 1);
	assert_string_equal(s, "set-up - v-eth1 state:up if=4\n");
	free(s);
	/* a link renamed back: refused (routes on it read every plan) */
	blue = world_ns(&w, "blue");
	l = link_of(&blue->have, "v-peer1");
	nh_strlcpy(l->name, "foo0", sizeof(l->name));
	nh_state_sort(&blue->have);
	w.known[w.n_known++] = (typeof(w.known[0])){ "blue", "v-peer1", 2 };
	world_views(&w);
	{
		const char *v_peer1[] = { "v-peer1" };

		assert_null(plan_part(&w, 1, v_peer1, 1));
	}
	/* a namespace that does not exist */
	blue->exists = false;
	world_views(&w);
	{
		const char *lo[] = { "lo" };

		assert_null(plan_part(&w, 1, lo, 1));
	}
	world_free(&w);
}

/* ---- converged, and each kind of drift ---- */

static void test_converged(void **state)
{
	struct world w = { 0 };
	char *s;

	(void)state;
	option2_converged(&w);
	expect_plan(&w, "");
	s = plan_one(&w, "");
	assert_string_equal(s, "");
	free(s);
	s = plan_one(&w, "blue");
	assert_string_equal(s, "");
	free(s);
	world_free(&w);
}

static void test_link_down(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;
	char line[256];

	(void)state;
	option2_converged(&w);
	link_of(&world_ns(&w, "blue")->have, "v-peer1")->up = false;
	expect_plan(&w, "set-up blue v-peer1 state:up if=2\n");
	plan_all(&w, &p);
	assert_string_equal(nh_action_format(&p.actions[0], line, sizeof(line)),
			    "blue: v-peer1 is down -> set-up [state:up] (policy.d/blue.conf:9)");
	assert_string_equal(p.actions[0].drift, "v-peer1 is down");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_link_up_wanted_down(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	link_of(&world_ns(&w, "")->rule.want, "br1")->up = false;
	expect_plan(&w, "set-down - br1 state:down if=3\n");
	plan_all(&w, &p);
	assert_string_equal(nh_action_type_to_string(p.actions[0].type), "set-up");
	assert_string_equal(p.actions[0].drift, "br1 is up");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_wrong_master(void **state)
{
	struct world w = { 0 };
	struct ns *host;
	struct nh_link *l;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	host = world_ns(&w, "");
	l = link_of(&host->have, "v-eth1");
	/* the master known by index only is as good as by name */
	l->master[0] = '\0';
	expect_plan(&w, "");
	/* on another bridge */
	add_link(&host->have, (struct nh_link){ .name = "br9", .ifindex = 5, .kind = &nh_kind_bridge, .up = true });
	link_of(&host->have, "v-eth1")->master_index = 5;
	expect_plan(&w, "set-master - v-eth1 master:br1 if=4\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "v-eth1 has master br9, policy wants br1");
	nh_plan_free(&p);
	/* on none */
	link_of(&host->have, "v-eth1")->master_index = 0;
	expect_plan(&w, "set-master - v-eth1 master:br1 if=4\n");
	world_free(&w);
}

static void test_mtu_and_mac(void **state)
{
	struct world w = { 0 };
	struct nh_link *l;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	l = link_of(&world_ns(&w, "")->rule.want, "br1");
	l->has |= NH_LINK_HAS_MTU;
	l->mtu = 9000;
	l = link_of(&world_ns(&w, "blue")->rule.want, "v-peer1");
	l->has |= NH_LINK_HAS_MAC;
	memcpy(l->mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x99 }, 6);
	expect_plan(&w,
		    "set-mtu - br1 mtu:9000 if=3\n"
		    "set-mac blue v-peer1 mac:02:00:00:00:00:99 if=2\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "br1 mtu is 1500, policy wants 9000");
	assert_string_equal(p.actions[1].drift, "v-peer1 mac is 02:00:00:00:00:22, policy wants 02:00:00:00:00:99");
	nh_plan_free(&p);
	/* the same values: nothing */
	link_of(&world_ns(&w, "")->have, "br1")->mtu = 9000;
	memcpy(link_of(&world_ns(&w, "blue")->have, "v-peer1")->mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x99 }, 6);
	expect_plan(&w, "");
	world_free(&w);
}

static void test_address_missing(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	del_addr(&world_ns(&w, "blue")->have, "v-peer1", "10.1.1.100/24");
	expect_plan(&w, "add-address blue v-peer1 address:10.1.1.100/24 if=2\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "address 10.1.1.100/24 missing on v-peer1");
	assert_string_equal(p.actions[0].addr.link, "v-peer1");
	assert_int_equal(p.actions[0].rule.line, 9);
	nh_plan_free(&p);
	/* the same address with another prefix length is another address */
	add_addr(&world_ns(&w, "blue")->have, "v-peer1", 2, "10.1.1.100/32", 0);
	expect_plan(&w, "add-address blue v-peer1 address:10.1.1.100/24 if=2\n");
	world_free(&w);
}

/* A link to be made has no MAC yet: its drift says it is new, not that
 * its MAC is 00:00:00:00:00:00 (new-user trial). */
static void test_mac_of_new_link(void **state)
{
	struct world w = { 0 };
	struct nh_link *want;
	struct nh_plan p;
	size_t n = 0;

	(void)state;
	option2_converged(&w);
	/* the peer end's MAC is set after the pair is made */
	want = link_of(&world_ns(&w, "")->rule.want, "v-eth1");
	assert_non_null(want);
	want->has |= NH_LINK_HAS_MAC;
	memcpy(want->mac, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0x33 }, 6);
	memcpy(link_of(&world_ns(&w, "")->have, "v-eth1")->mac, want->mac, 6);
	expect_plan(&w, "");
	del_link(&world_ns(&w, "")->have, "v-eth1");
	plan_all(&w, &p);
	for (size_t i = 0; i < p.n; i++) {
		if (strncmp(p.actions[i].object, "mac:", 4) != 0)
			continue;
		assert_string_equal(p.actions[i].drift, "v-eth1 is new, policy wants mac 02:00:00:00:00:33");
		n++;
	}
	assert_int_equal(n, 1);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_route_missing(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	del_route(&world_ns(&w, "blue")->have, "default");
	expect_plan(&w, "add-route blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "route default via 10.1.1.51 missing");
	assert_int_equal(p.actions[0].route.has, NH_ROUTE_HAS_VIA);
	nh_plan_free(&p);
	world_free(&w);
}

/* The index of a rule's destinations (nh_rule_index_refs) answers as the
 * scan does: routes given out of order and twice, IPv4 and IPv6, networks
 * of addresses. */
static void test_route_relevant_index(void **state)
{
	static const char *const dsts[] = { "198.51.100.0/24", "default", "10.1.9.0/24", "203.0.113.7/32",
					    "10.1.9.0/24", "2001:db8::/64", "::/0" };
	static const char *const addrs[] = { "10.1.9.5/24", "192.0.2.9/28", "2001:db8:1::1/64" };
	static const struct {
		const char *dst;
		bool relevant;
	} probes[] = {
		{ "198.51.100.0/24", true }, { "default", true }, { "10.1.9.0/24", true },
		{ "203.0.113.7/32", true }, { "2001:db8::/64", true }, { "::/0", true },
		{ "192.0.2.0/28", true }, { "2001:db8:1::/64", true },
		{ "10.1.9.5/24", false }, { "192.0.2.9/28", false }, { "203.0.113.0/24", false },
		{ "198.51.100.0/25", false }, { "2001:db8::/48", false }, { "10.1.0.0/16", false },
	};
	struct nh_netns_rule rule = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(dsts) / sizeof(dsts[0]); i++) {
		struct nh_route rt = { 0 };

		rt.dst = pfx(dsts[i]);
		assert_int_equal(nh_state_add_route(&rule.want, &rt), 0);
	}
	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		struct nh_address a = { 0 };

		a.prefix = pfx(addrs[i]);
		snprintf(a.link, sizeof(a.link), "v%zu", i);
		assert_int_equal(nh_state_add_address(&rule.want, &a), 0);
	}
	nh_state_sort(&rule.want);
	assert_int_equal(nh_rule_index_refs(&rule), 0);
	assert_int_equal(rule.n_dsts, 8);       /* 7 + 3, less the two taken twice */
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct nh_route r = { 0 };

		r.dst = pfx(probes[i].dst);
		rule.refs_known = true;
		assert_int_equal(nh_diff_route_relevant(&rule, &r), probes[i].relevant);
		rule.refs_known = false;
		assert_int_equal(nh_diff_route_relevant(&rule, &r), probes[i].relevant);
	}
	nh_rule_free(&rule);
}

/* nh_state_find_*: a binary search of a sorted state by key, which finds
 * every object by a copy of its key alone and nothing else. */
static void test_state_find(void **state)
{
	static const char *const dsts[] = { "198.51.100.0/24", "default", "10.1.9.0/24", "2001:db8::/64" };
	static const char *const addrs[] = { "10.1.9.5/24", "192.0.2.9/28", "2001:db8:1::1/64", "10.1.9.6/24" };
	static const char *const ips[] = { "10.1.9.1", "10.1.9.2", "2001:db8::1" };
	struct nh_state s;
	struct nh_route r = { .table = 254 };
	struct nh_address a = { 0 };
	struct nh_neigh n = { 0 };

	(void)state;
	nh_state_init(&s);
	assert_null(nh_state_find_route(&s, &r));
	assert_null(nh_state_find_address(&s, &a));
	assert_null(nh_state_find_neigh(&s, &n));
	for (size_t i = 0; i < 4; i++) {
		struct nh_route rt = { .table = 254, .dst = pfx(dsts[i]), .metric = (uint32_t)i };

		assert_int_equal(nh_state_add_route(&s, &rt), 0);
		add_addr(&s, i % 2 ? "v1" : "v0", 0, addrs[i], 0);
	}
	for (size_t i = 0; i < 3; i++)
		add_neigh(&s, "v0", 0, ips[i], (uint8_t)i, 0);
	nh_state_sort(&s);
	for (size_t i = 0; i < 4; i++) {
		r.dst = pfx(dsts[i]);
		r.metric = (uint32_t)i;
		assert_non_null(nh_state_find_route(&s, &r));
		assert_int_equal(nh_prefix_cmp(&nh_state_find_route(&s, &r)->dst, &r.dst), 0);
		r.metric = 100;                 /* another metric: another route */
		assert_null(nh_state_find_route(&s, &r));
		r.metric = (uint32_t)i;
		r.table = 100;                  /* another table: the same */
		assert_null(nh_state_find_route(&s, &r));
		r.table = 254;

		nh_strlcpy(a.link, i % 2 ? "v1" : "v0", sizeof(a.link));
		a.prefix = pfx(addrs[i]);
		assert_non_null(nh_state_find_address(&s, &a));
		nh_strlcpy(a.link, i % 2 ? "v0" : "v1", sizeof(a.link));     /* on the other link */
		assert_null(nh_state_find_address(&s, &a));
	}
	for (size_t i = 0; i < 3; i++) {
		nh_strlcpy(n.dev, "v0", sizeof(n.dev));
		n.addr = pfx(ips[i]);
		assert_non_null(nh_state_find_neigh(&s, &n));
		nh_strlcpy(n.dev, "v1", sizeof(n.dev));
		assert_null(nh_state_find_neigh(&s, &n));
	}
	n.addr = pfx("10.1.9.3");
	nh_strlcpy(n.dev, "v0", sizeof(n.dev));
	assert_null(nh_state_find_neigh(&s, &n));
	nh_state_free(&s);
}

/* Which routes a state need keep: a policy route's destination, a policy
 * address's network; none without a rule. A rule naming more widens. */
static void test_route_relevant(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_netns_rule more = { 0 };
	struct nh_route r = { 0 };

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	/* indexed (nh_rule_index_refs: a binary search), then as a rule built
	 * by hand is (a scan): the same answers */
	assert_int_equal(nh_rule_index_refs(&blue->rule), 0);
	for (int pass = 0; pass < 2; pass++) {
		blue->rule.refs_known = pass == 0;
		r.dst = pfx("default");
		assert_true(nh_diff_route_relevant(&blue->rule, &r));
		r.dst = pfx("10.1.1.0/24");                     /* the network of 10.1.1.100/24 */
		assert_true(nh_diff_route_relevant(&blue->rule, &r));
		r.dst = pfx("10.1.1.100/32");
		assert_false(nh_diff_route_relevant(&blue->rule, &r));
		r.dst = pfx("198.51.100.0/24");
		assert_false(nh_diff_route_relevant(&blue->rule, &r));
		assert_false(nh_diff_route_relevant(NULL, &r));
		r.dst = pfx("::/0");
		assert_false(nh_diff_route_relevant(&blue->rule, &r));
	}
	assert_int_equal(nh_rule_index_refs(&blue->rule), 0);

	assert_false(nh_diff_routes_widen(&blue->rule, &blue->rule));
	assert_true(nh_diff_routes_widen(NULL, &blue->rule));
	assert_false(nh_diff_routes_widen(&blue->rule, NULL));
	assert_int_equal(nh_state_copy(&more.want, &blue->rule.want), 0);
	add_route(&more.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA, .dst = pfx("198.51.100.0/24"),
		.via = pfx("10.1.1.7") });
	assert_true(nh_diff_routes_widen(&blue->rule, &more));
	assert_false(nh_diff_routes_widen(&more, &blue->rule));
	nh_rule_free(&more);
	world_free(&w);
}

static void test_route_dev_and_order(void **state)
{
	struct world w = { 0 };
	struct ns *blue;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	del_route(&blue->have, "default");
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
		.dst = pfx("10.2.0.0/16"), .via = pfx("10.1.1.1"), .dev = "v-peer1", .origin = AT(BLUE_CONF, 13) });
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_DEV,
		.dst = pfx("203.0.113.0/24"), .dev = "v-peer1", .origin = AT(BLUE_CONF, 14) });
	/* device routes first, then longer prefixes, the default route last */
	expect_plan(&w,
		    "add-route blue v-peer1 route:203.0.113.0/24 if=2\n"
		    "add-route blue v-peer1 route:10.2.0.0/16 if=2\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

/* A namespace with more routes than diff_routes indexes on its stack (64),
 * sorted or shuffled (expect_plan tries both): each wanted route is found
 * among them, or found missing. */
static void test_route_many_observed(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	char dst[32];

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	for (int i = 0; i < 100; i++) {
		snprintf(dst, sizeof(dst), "203.0.113.%d/32", i);
		add_route(&blue->have, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
			.dst = pfx(dst), .via = pfx("10.1.1.7"), .dev = "v-peer1", .oif = 2 });
	}
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA, .dst = pfx("203.0.113.77/32"),
		.via = pfx("10.1.1.7"), .origin = AT(BLUE_CONF, 13) });
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA, .dst = pfx("203.0.113.200/32"),
		.via = pfx("10.1.1.7"), .origin = AT(BLUE_CONF, 14) });
	nh_state_sort(&blue->have);
	expect_plan(&w, "add-route blue - route:203.0.113.200/32\n");
	del_route(&blue->have, "default");
	del_route(&blue->have, "203.0.113.77/32");
	expect_plan(&w,
		    "add-route blue - route:203.0.113.77/32\n"
		    "add-route blue - route:203.0.113.200/32\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

static void test_route_conflict(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	del_route(&blue->have, "default");
	add_route(&blue->have, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
		.dst = pfx("default"), .via = pfx("10.1.1.99"), .dev = "v-peer1", .oif = 2 });
	expect_plan(&w, "conflict blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift,
			    "route default is via 10.1.1.99 dev v-peer1, policy wants via 10.1.1.51");
	nh_plan_free(&p);
	/* another metric is another route: no clash */
	for (size_t i = 0; i < blue->have.n_routes; i++)
		if (blue->have.routes[i].dst.len == 0)
			blue->have.routes[i].metric = 100;
	expect_plan(&w, "add-route blue - route:default\n");
	world_free(&w);
}

static void test_foreign_untouched(void **state)
{
	struct world w = { 0 };
	struct ns *red;

	(void)state;
	option2_converged(&w);
	/* an unmanaged namespace full of things, one named like ours */
	red = world_ns(&w, "red");
	red->managed = false;
	add_link(&red->have, (struct nh_link){ .name = "lo", .ifindex = 1 });
	add_link(&red->have, (struct nh_link){ .name = "br1", .ifindex = 2, .kind = &nh_kind_bridge });
	add_addr(&red->have, "br1", 2, "10.1.9.1/24", 0);
	expect_plan(&w, "");
	world_free(&w);
}

static void test_unspec_missing(void **state)
{
	struct world w = { 0 };
	struct ns *host;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	host = world_ns(&w, "");
	del_link(&host->have, "eth1");
	add_addr(&host->rule.want, "eth1", 0, "192.0.2.9/24", 3);
	add_route(&host->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("198.51.100.0/24"),
		.dev = "eth1", .origin = AT(HOST_CONF, 5) });
	/* the report only: no address, no route on a link that is not there */
	expect_plan(&w, "missing - eth1 link:eth1\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link eth1 missing; it has no kind: netheal waits for it and makes "
			    "none (one for netheal to make needs `kind`)");
	nh_plan_free(&p);
	world_free(&w);
}

/* ---- namespaces ---- */

static void test_fresh_option2(void **state)
{
	struct world w = { 0 };
	char *s;

	(void)state;
	option2_policy(&w);
	bare_host(&w);
	world_ns(&w, "blue")->exists = false;
	expect_plan(&w,
		    "create-netns blue - netns:blue\n"
		    "create-link - br1 link:br1\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - eth1 master:br1 if=2\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - br1 state:up\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue lo state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address - br1 address:10.1.1.51/24\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	/* the pair is blue's to build; the host's diff alone does the host part */
	s = plan_one(&w, "");
	assert_string_equal(s,
			    "create-link - br1 link:br1\n"
			    "set-master - eth1 master:br1 if=2\n"
			    "set-up - br1 state:up\n"
			    "add-address - br1 address:10.1.1.51/24\n");
	free(s);
	world_free(&w);
}

/* SPEC §1 Option 1: eth1 (here an ifb standing in) handed to blue. */
static void option1(struct world *w, bool blue_exists)
{
	struct ns *host = world_ns(w, ""), *blue = world_ns(w, "blue");

	host->managed = blue->managed = true;
	add_link(&host->have, (struct nh_link){ .name = "lo", .ifindex = 1, .up = true, .mtu = 65536 });
	add_link(&host->have, (struct nh_link){ .name = "eth1", .ifindex = 2, .kind_name = "ifb", .up = true, .mtu = 1500 });
	add_link(&blue->rule.want, (struct nh_link){ .name = "eth1", .kind = &nh_kind_physical,
		.has = UP_ALWAYS, .up = true, .origin = AT(BLUE_CONF, 3) });
	add_addr(&blue->rule.want, "eth1", 0, "10.1.1.83/24", 3);
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA, .dst = pfx("default"),
		.via = pfx("10.1.1.1"), .origin = AT(BLUE_CONF, 5) });
	blue->exists = blue_exists;
	if (blue_exists)
		add_link(&blue->have, (struct nh_link){ .name = "lo", .ifindex = 1, .mtu = 65536 });
}

static void test_fresh_option1(void **state)
{
	struct world w = { 0 };

	(void)state;
	option1(&w, false);
	/* the link comes up before the route: SPEC §1's kernel complaint */
	expect_plan(&w,
		    "create-netns blue - netns:blue\n"
		    "move-link blue eth1 link:eth1 if=2 from=-\n"
		    "set-up blue eth1 state:up\n"
		    "add-address blue eth1 address:10.1.1.83/24\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

static void test_physical_move(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option1(&w, true);
	expect_plan(&w,
		    "move-link blue eth1 link:eth1 if=2 from=-\n"
		    "set-up blue eth1 state:up\n"
		    "add-address blue eth1 address:10.1.1.83/24\n"
		    "add-route blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link eth1 is in the host namespace");
	nh_plan_free(&p);
	/* the host's own policy holds on to eth1: not taken */
	add_link(&world_ns(&w, "")->rule.want, (struct nh_link){ .name = "eth1", .has = UP_ALWAYS, .up = true });
	expect_plan(&w, "missing blue eth1 link:eth1\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link eth1 missing; the host's policy keeps eth1 in the host");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_physical_absent(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option1(&w, true);
	del_link(&world_ns(&w, "")->have, "eth1");
	/* not in an unmanaged namespace either: physical links come from the host only */
	world_ns(&w, "red")->managed = false;
	add_link(&world_ns(&w, "red")->have, (struct nh_link){ .name = "eth1", .ifindex = 4 });
	/* no address, and no route through a gateway only eth1 reaches */
	expect_plan(&w, "missing blue eth1 link:eth1\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link eth1 missing, and not in the host namespace either");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_create_false(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	blue->exists = false;
	blue->rule.create = false;
	/* the namespace took v-peer1 and with it v-eth1 */
	del_link(&world_ns(&w, "")->have, "v-eth1");
	expect_plan(&w, "missing blue - netns:blue\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "namespace blue missing (create = false)");
	assert_int_equal(p.actions[0].rule.line, 1);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_match_never_creates(void **state)
{
	struct world w = { 0 };
	struct ns *q;

	(void)state;
	world_ns(&w, "")->managed = true;
	q = world_ns(&w, "qrouter-1");
	q->managed = true;
	q->rule.name[0] = '\0';
	q->rule.match = strdup("qrouter-*");
	add_link(&q->rule.want, (struct nh_link){ .name = "lo", .has = UP_ALWAYS, .up = true });
	q->exists = false;
	expect_plan(&w, "");
	/* once it exists, it is healed */
	q->exists = true;
	add_link(&q->have, (struct nh_link){ .name = "lo", .ifindex = 1 });
	expect_plan(&w, "set-up qrouter-1 lo state:up if=1\n");
	world_free(&w);
}

/* ---- conflicts ---- */

static void make_br1_a_veth(struct world *w)
{
	struct nh_link *br1 = link_of(&world_ns(w, "")->have, "br1");

	br1->kind = &nh_kind_veth;
	nh_strlcpy(br1->kind_name, "veth", sizeof(br1->kind_name));
}

static void test_conflict(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	make_br1_a_veth(&w);
	del_addr(&world_ns(&w, "")->have, "br1", "10.1.1.51/24");
	link_of(&world_ns(&w, "")->have, "br1")->up = false;
	link_of(&world_ns(&w, "")->have, "eth1")->master[0] = '\0';
	link_of(&world_ns(&w, "")->have, "eth1")->master_index = 0;
	/* the report only: not its address, not its state, no ports for it */
	expect_plan(&w, "conflict - br1 link:br1 if=3\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link br1 is a veth, policy wants bridge");
	assert_true(nh_action_is_report(p.actions[0].type));
	nh_plan_free(&p);
	world_free(&w);
}

/* A kind netheal does not make, named as the kernel says it, with its
 * article ("an ifb"). */
static void test_conflict_other_kind(void **state)
{
	struct world w = { 0 };
	struct nh_link *br1;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	br1 = link_of(&world_ns(&w, "")->have, "br1");
	br1->kind = NULL;
	nh_strlcpy(br1->kind_name, "ifb", sizeof(br1->kind_name));
	plan_all(&w, &p);
	assert_true(p.n > 0);
	assert_string_equal(p.actions[0].drift, "link br1 is an ifb, policy wants bridge");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_replace(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	make_br1_a_veth(&w);
	link_of(&world_ns(&w, "")->rule.want, "br1")->replace = true;
	/* deleting br1 takes its ports off it and its address away: put back */
	expect_plan(&w,
		    "delete-link - br1 link:br1 if=3\n"
		    "create-link - br1 link:br1\n"
		    "set-master - eth1 master:br1 if=2\n"
		    "set-master - v-eth1 master:br1 if=4\n"
		    "set-up - br1 state:up\n"
		    "add-address - br1 address:10.1.1.51/24\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link br1 is a veth, policy wants bridge");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_conflict_on_peer_name(void **state)
{
	struct world w = { 0 };
	struct nh_link *l;
	char *s;

	(void)state;
	option2_converged(&w);
	l = link_of(&world_ns(&w, "")->have, "v-eth1");
	l->kind = &nh_kind_bridge;
	nh_strlcpy(l->kind_name, "bridge", sizeof(l->kind_name));
	/* reported once, by the pair's primary end; the pair is left alone */
	expect_plan(&w, "conflict - v-eth1 link:v-eth1 if=4\n");
	s = plan_one(&w, "");
	assert_string_equal(s, "");
	free(s);
	/* with replace on the primary: both names are ours to take */
	link_of(&world_ns(&w, "blue")->rule.want, "v-peer1")->replace = true;
	expect_plan(&w,
		    "delete-link - v-eth1 link:v-eth1 if=4\n"
		    "delete-link blue v-peer1 link:v-peer1 if=2\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

/* ---- veth pairs ---- */

static void test_half_broken_peer_end_gone(void **state)
{
	struct world w = { 0 };
	char *s;

	(void)state;
	option2_converged(&w);
	del_link(&world_ns(&w, "")->have, "v-eth1");
	/* blue's routes over v-peer1 go with it: put back in the same pass */
	expect_plan(&w,
		    "delete-link blue v-peer1 link:v-peer1 if=2\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	s = plan_one(&w, "");
	assert_string_equal(s, "");
	free(s);
	world_free(&w);
}

/* The delete of an end whose peer's namespace is gone may set it aside
 * (its name is what the heal needs, and the kernel takes the old pair with
 * that namespace: test_core's test_set_aside_not_renamed_back and
 * integration/netns_aside.sh); the delete of an end whose peer is in a
 * namespace that is there, or of a link of the wrong kind, may not. */
static const struct nh_action *the_delete(const struct nh_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->actions[i].type == NH_ACT_LINK_DELETE)
			return &p->actions[i];
	for (size_t i = 0; i < p->n; i++)
		fprintf(stderr, "  %s %s %s\n", nh_action_name(&p->actions[i]), p->actions[i].netns, p->actions[i].object);
	fail_msg("no delete-link in the plan");
	return NULL;
}

static void test_delete_set_aside(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	del_link(&world_ns(&w, "")->have, "v-eth1");   /* blue is there: its end goes at once */
	plan_all(&w, &p);
	assert_string_equal(the_delete(&p)->link.name, "v-peer1");
	assert_false(the_delete(&p)->set_aside);
	nh_plan_free(&p);
	world_free(&w);

	option2_converged(&w);
	make_br1_a_veth(&w);
	link_of(&world_ns(&w, "")->rule.want, "br1")->replace = true;
	plan_all(&w, &p);
	assert_false(the_delete(&p)->set_aside);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_half_broken_primary_gone(void **state)
{
	struct world w = { 0 };
	struct nh_link *l;
	char *s;

	(void)state;
	option2_converged(&w);
	del_link(&world_ns(&w, "blue")->have, "v-peer1");
	/* settings of both ends: the peer's mtu and address follow the create,
	 * the primary's mtu goes in the create request */
	l = link_of(&world_ns(&w, "")->rule.want, "v-eth1");
	l->has |= NH_LINK_HAS_MTU;
	l->mtu = 9000;
	add_addr(&world_ns(&w, "")->rule.want, "v-eth1", 0, "10.1.2.1/24", 10);
	add_addr(&world_ns(&w, "")->have, "v-eth1", 4, "10.1.2.1/24", 0);
	link_of(&world_ns(&w, "")->have, "v-eth1")->mtu = 9000;
	l = link_of(&world_ns(&w, "blue")->rule.want, "v-peer1");
	l->has |= NH_LINK_HAS_MTU;
	l->mtu = 9000;
	expect_plan(&w,
		    "delete-link - v-eth1 link:v-eth1 if=4\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-mtu - v-eth1 mtu:9000\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address - v-eth1 address:10.1.2.1/24\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	/* the host's diff alone leaves the pair to blue's */
	s = plan_one(&w, "");
	assert_string_equal(s, "");
	free(s);
	s = plan_one(&w, "blue");
	assert_string_equal(s,
			    "delete-link - v-eth1 link:v-eth1 if=4\n"
			    "create-link blue v-peer1 link:v-peer1\n"
			    "set-master - v-eth1 master:br1\n"
			    "set-mtu - v-eth1 mtu:9000\n"
			    "set-up - v-eth1 state:up\n"
			    "set-up blue v-peer1 state:up\n"
			    "add-address - v-eth1 address:10.1.2.1/24\n"
			    "add-address blue v-peer1 address:10.1.1.100/24\n"
			    "add-route blue - route:default\n");
	free(s);
	world_free(&w);
}

static void test_pair_gone(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	del_link(&world_ns(&w, "")->have, "v-eth1");
	del_link(&world_ns(&w, "blue")->have, "v-peer1");
	expect_plan(&w,
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].link.peer_name, "v-eth1");
	assert_string_equal(p.actions[0].link.peer_netns, "");
	assert_string_equal(p.actions[0].drift, "link v-peer1 missing");
	assert_int_equal(p.actions[1].rule.line, 10);  /* the peer group */
	nh_plan_free(&p);
	world_free(&w);
}

static void test_peer_netns_missing(void **state)
{
	struct world w = { 0 };
	struct ns *red;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	/* v-peer1's peer lives in red, which is gone and not ours to create */
	red = world_ns(&w, "red");
	red->managed = true;
	red->exists = false;
	red->rule.create = false;
	nh_strlcpy(link_of(&world_ns(&w, "blue")->rule.want, "v-peer1")->peer_netns, "red", NH_NETNS_NAMSIZ);
	del_link(&world_ns(&w, "")->rule.want, "v-eth1");
	del_link(&world_ns(&w, "")->have, "v-eth1");
	del_link(&world_ns(&w, "blue")->have, "v-peer1");
	expect_plan(&w,
		    "missing blue v-peer1 link:v-peer1\n"
		    "missing red - netns:red\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link v-peer1 missing, and its peer's namespace red does not exist");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_pair_in_one_namespace(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	char *s;

	(void)state;
	world_ns(&w, "")->managed = true;
	blue = world_ns(&w, "blue");
	blue->managed = true;
	add_link(&blue->rule.want, (struct nh_link){ .name = "va", .kind = &nh_kind_veth,
		.has = UP_ALWAYS | NH_LINK_HAS_PEER | NH_LINK_HAS_MTU, .mtu = 1400, .up = true,
		.peer_name = "vb", .peer_netns = "blue", .origin = AT(BLUE_CONF, 30) });
	add_link(&blue->rule.want, (struct nh_link){ .name = "vb", .kind = &nh_kind_veth,
		.flags = NH_LINK_FLAG_PEER_END, .has = UP_ALWAYS | NH_LINK_HAS_PEER, .up = true,
		.peer_name = "va", .peer_netns = "blue", .origin = AT(BLUE_CONF, 31) });
	add_addr(&blue->rule.want, "vb", 0, "10.1.3.2/24", 31);
	add_link(&blue->have, (struct nh_link){ .name = "lo", .ifindex = 1, .up = true });
	expect_plan(&w,
		    "create-link blue va link:va\n"
		    "set-up blue va state:up\n"
		    "set-up blue vb state:up\n"
		    "add-address blue vb address:10.1.3.2/24\n");
	add_link(&blue->have, (struct nh_link){ .name = "vb", .ifindex = 5, .kind = &nh_kind_veth, .up = true });
	add_addr(&blue->have, "vb", 5, "10.1.3.2/24", 0);
	expect_plan(&w,
		    "delete-link blue vb link:vb if=5\n"
		    "create-link blue va link:va\n"
		    "set-up blue va state:up\n"
		    "set-up blue vb state:up\n"
		    "add-address blue vb address:10.1.3.2/24\n");
	add_link(&blue->have, (struct nh_link){ .name = "va", .ifindex = 6, .kind = &nh_kind_veth, .up = true,
		.mtu = 1400, .link_index = 5 });
	link_of(&blue->have, "vb")->link_index = 6;
	expect_plan(&w, "");
	link_of(&blue->have, "vb")->up = false;
	s = plan_one(&w, "blue");
	assert_string_equal(s, "set-up blue vb state:up if=5\n");
	free(s);
	/* a pair nothing else names: its peer end's settings come from the
	 * primary's plan, whichever of the two a part of the diff names */
	add_link(&blue->rule.want, (struct nh_link){ .name = "vc", .kind = &nh_kind_veth,
		.has = UP_ALWAYS | NH_LINK_HAS_PEER, .up = true,
		.peer_name = "vd", .peer_netns = "blue", .origin = AT(BLUE_CONF, 32) });
	add_link(&blue->rule.want, (struct nh_link){ .name = "vd", .kind = &nh_kind_veth,
		.flags = NH_LINK_FLAG_PEER_END, .has = UP_ALWAYS | NH_LINK_HAS_PEER, .up = true,
		.peer_name = "vc", .peer_netns = "blue", .origin = AT(BLUE_CONF, 33) });
	add_link(&blue->have, (struct nh_link){ .name = "vc", .ifindex = 7, .kind = &nh_kind_veth, .up = true,
		.link_index = 8 });
	add_link(&blue->have, (struct nh_link){ .name = "vd", .ifindex = 8, .kind = &nh_kind_veth, .up = false,
		.link_index = 7 });
	expect_plan(&w,
		    "set-up blue vb state:up if=5\n"
		    "set-up blue vd state:up if=8\n");
	world_free(&w);
}

static void test_peer_in_unmanaged_namespace(void **state)
{
	struct world w = { 0 };
	struct ns *blue, *red;

	(void)state;
	world_ns(&w, "")->managed = true;
	blue = world_ns(&w, "blue");
	blue->managed = true;
	add_link(&blue->rule.want, (struct nh_link){ .name = "v-peer1", .kind = &nh_kind_veth,
		.has = UP_ALWAYS | NH_LINK_HAS_PEER, .up = true, .peer_name = "v-red", .peer_netns = "red",
		.origin = AT(BLUE_CONF, 9), .peer_origin = AT(BLUE_CONF, 10) });
	red = world_ns(&w, "red");
	add_link(&red->have, (struct nh_link){ .name = "lo", .ifindex = 1 });
	/* the peer end has no settings of its own to heal */
	expect_plan(&w,
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-up blue v-peer1 state:up\n");
	/* left over in red: deleted (SPEC §4.1), with the peer group as its rule */
	add_link(&red->have, (struct nh_link){ .name = "v-red", .ifindex = 4, .kind = &nh_kind_veth });
	expect_plan(&w,
		    "delete-link red v-red link:v-red if=4\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-up blue v-peer1 state:up\n");
	world_free(&w);
}

/* ---- renamed and moved links ---- */

static void test_renamed(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_link *l;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	l = link_of(&blue->have, "v-peer1");
	nh_strlcpy(l->name, "foo0", sizeof(l->name));
	nh_state_sort(&blue->have);
	for (size_t i = 0; i < blue->have.n_addrs; i++)
		if (strcmp(blue->have.addrs[i].link, "v-peer1") == 0)
			nh_strlcpy(blue->have.addrs[i].link, "foo0", NH_IFNAMSIZ);
	for (size_t i = 0; i < blue->have.n_routes; i++)
		nh_strlcpy(blue->have.routes[i].dev, "foo0", NH_IFNAMSIZ);
	/* without knowing its index: a broken pair */
	expect_plan(&w,
		    "delete-link - v-eth1 link:v-eth1 if=4\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n");
	/* knowing it: renamed back, and its addresses and routes are there */
	w.known[w.n_known++] = (typeof(w.known[0])){ "blue", "v-peer1", 2 };
	expect_plan(&w, "rename-link blue v-peer1 link:v-peer1 if=2\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link v-peer1 was renamed to foo0");
	nh_plan_free(&p);
	/* and its settings healed after */
	link_of(&blue->have, "foo0")->up = false;
	expect_plan(&w,
		    "rename-link blue v-peer1 link:v-peer1 if=2\n"
		    "set-up blue v-peer1 state:up if=2\n");
	world_free(&w);
}

static void test_renamed_bridge(void **state)
{
	struct world w = { 0 };
	struct ns *host;

	(void)state;
	option2_converged(&w);
	host = world_ns(&w, "");
	nh_strlcpy(link_of(&host->have, "br1")->name, "brx", NH_IFNAMSIZ);
	nh_strlcpy(link_of(&host->have, "eth1")->master, "brx", NH_IFNAMSIZ);
	nh_strlcpy(link_of(&host->have, "v-eth1")->master, "brx", NH_IFNAMSIZ);
	host->have.addrs[0].ifindex = 0;        /* matched by name then */
	for (size_t i = 0; i < host->have.n_addrs; i++)
		if (strcmp(host->have.addrs[i].link, "br1") == 0)
			nh_strlcpy(host->have.addrs[i].link, "brx", NH_IFNAMSIZ);
	w.known[w.n_known++] = (typeof(w.known[0])){ "", "br1", 3 };
	/* its ports stay on it through the rename */
	expect_plan(&w, "rename-link - br1 link:br1 if=3\n");
	/* an index now held by a link the rule wants under its own name is
	 * not taken for a rename */
	w.known[0].ifindex = 2;
	expect_plan(&w,
		    "create-link - br1 link:br1\n"
		    "set-master - eth1 master:br1 if=2\n"
		    "set-master - v-eth1 master:br1 if=4\n"
		    "set-up - br1 state:up\n"
		    "add-address - br1 address:10.1.1.51/24\n");
	world_free(&w);
}

static void test_moved_back(void **state)
{
	struct world w = { 0 };
	struct ns *red, *blue;
	struct nh_plan p;
	char *s;

	(void)state;
	option2_converged(&w);
	/* someone moved v-peer1 to red, a namespace of ours that wants only lo */
	red = world_ns(&w, "red");
	red->managed = true;
	add_link(&red->rule.want, (struct nh_link){ .name = "lo", .has = UP_ALWAYS, .up = true });
	add_link(&red->have, (struct nh_link){ .name = "lo", .ifindex = 1, .up = true });
	add_link(&red->have, (struct nh_link){ .name = "v-peer1", .ifindex = 7, .kind = &nh_kind_veth,
		.kind_name = "veth", .mtu = 1500, .link_index = 4 });
	blue = world_ns(&w, "blue");
	del_link(&blue->have, "v-peer1");
	link_of(&world_ns(&w, "")->have, "v-eth1")->link_index = 7;
	expect_plan(&w,
		    "move-link blue v-peer1 link:v-peer1 if=7 from=red\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "link v-peer1 is in namespace red");
	nh_plan_free(&p);
	s = plan_one(&w, "red");
	assert_string_equal(s, "");
	free(s);
	/* the diff asks how many namespaces have a link of that name before
	 * it looks: told none, it makes the pair anew */
	w.named_bias = -1;
	s = plan_one(&w, "blue");
	assert_non_null(strstr(s, "create-link blue v-peer1"));
	free(s);
	w.named_bias = 0;
	/* a veth of that name that is not v-eth1's peer is someone else's:
	 * left alone, the pair re-created */
	link_of(&world_ns(&w, "")->have, "v-eth1")->link_index = 12;
	expect_plan(&w,
		    "delete-link - v-eth1 link:v-eth1 if=4\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

static void test_moved_back_peer_end(void **state)
{
	struct world w = { 0 };
	struct ns *red;

	(void)state;
	option2_converged(&w);
	/* v-eth1 moved from the host into an unmanaged namespace */
	red = world_ns(&w, "red");
	add_link(&red->have, (struct nh_link){ .name = "v-eth1", .ifindex = 3, .kind = &nh_kind_veth,
		.link_index = 2 });
	del_link(&world_ns(&w, "")->have, "v-eth1");
	link_of(&world_ns(&w, "blue")->have, "v-peer1")->link_index = 3;
	expect_plan(&w,
		    "move-link - v-eth1 link:v-eth1 if=3 from=red\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n");
	world_free(&w);
}

static void test_moved_back_other_kinds(void **state)
{
	struct world w = { 0 };
	struct ns *blue, *other;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	add_link(&blue->rule.want, (struct nh_link){ .name = "vx0", .kind = &nh_kind_vxlan, .has = UP_ALWAYS |
		NH_LINK_HAS_ID | NH_LINK_HAS_MTU, .id = 42, .mtu = 1400, .up = true, .origin = AT(BLUE_CONF, 20) });
	add_link(&blue->rule.want, (struct nh_link){ .name = "br7", .kind = &nh_kind_bridge, .has = UP_ALWAYS,
		.up = true, .origin = AT(BLUE_CONF, 21) });
	other = world_ns(&w, "other");
	add_link(&other->have, (struct nh_link){ .name = "vx0", .ifindex = 5, .kind = &nh_kind_vxlan, .mtu = 1450 });
	add_link(&other->have, (struct nh_link){ .name = "br7", .ifindex = 6, .kind = &nh_kind_bridge });
	/* in two places: the namespace first by name, whatever the view order */
	add_link(&world_ns(&w, "zzz")->have, (struct nh_link){ .name = "vx0", .ifindex = 8,
		.kind = &nh_kind_vxlan, .mtu = 1450 });
	/* vx0 comes back (its mtu travelled with it); a bridge cannot move:
	 * one is created */
	expect_plan(&w,
		    "move-link blue vx0 link:vx0 if=5 from=other\n"
		    "create-link blue br7 link:br7\n"
		    "set-mtu blue vx0 mtu:1400\n"
		    "set-up blue br7 state:up\n"
		    "set-up blue vx0 state:up\n");
	world_free(&w);
}

/* ---- sysctls, rules, neighbours, route replace ---- */

/* The kernel's own rules of both families, and one of someone else's. */
static void default_rules(struct nh_state *s)
{
	add_frule(s, (struct nh_fib_rule){ .priority = 0, .table = 255, .protocol = 2 });
	add_frule(s, (struct nh_fib_rule){ .priority = 32766, .table = 254, .protocol = 2 });
	add_frule(s, (struct nh_fib_rule){ .priority = 32767, .table = 253, .protocol = 2 });
	add_frule(s, (struct nh_fib_rule){ .family = AF_INET6, .priority = 0, .table = 255, .protocol = 2 });
	add_frule(s, (struct nh_fib_rule){ .family = AF_INET6, .priority = 32766, .table = 254, .protocol = 2 });
	add_frule(s, (struct nh_fib_rule){ .priority = 1000, .has = NH_FRULE_HAS_TO, .to = pfx("192.0.2.0/24"),
		.action = NH_FRULE_PROHIBIT, .protocol = 3 });
}

static void test_sysctl_drift(void **state)
{
	struct world w = { 0 };
	struct ns *blue, *host;
	struct nh_plan p;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	host = world_ns(&w, "");
	add_sysctl(&blue->rule.want, "net.ipv4.ip_forward=1", 20);
	add_sysctl(&blue->rule.want, "net.ipv4.conf.v-peer1.rp_filter=2", 21);
	add_sysctl(&blue->rule.want, "net.ipv4.ip_local_port_range=32768 60999", 22);
	add_sysctl(&host->rule.want, "net.ipv6.conf.all.forwarding=1", 23);
	add_sysctl(&blue->have, "net.ipv4.ip_forward=1", 0);
	add_sysctl(&blue->have, "net.ipv4.conf.v-peer1.rp_filter=2", 0);
	add_sysctl(&blue->have, "net.ipv4.ip_local_port_range=32768\t60999\n", 0);
	add_sysctl(&blue->have, "net.core.somaxconn=4096", 0);         /* not the policy's */
	add_sysctl(&host->have, "net.ipv6.conf.all.forwarding=1", 0);
	expect_plan(&w, "");

	/* changed behind netheal's back; one the kernel would not read */
	nh_state_sysctl(&blue->have, "net.ipv4.ip_forward")->value[0] = '0';
	nh_state_sysctl(&blue->have, "net.ipv4.conf.v-peer1.rp_filter")->value[0] = '0';
	host->have.n_sysctls = 0;
	expect_plan(&w,
		    "set-sysctl - - sysctl:net.ipv6.conf.all.forwarding\n"
		    "set-sysctl blue - sysctl:net.ipv4.ip_forward\n"
		    "set-sysctl blue v-peer1 sysctl:net.ipv4.conf.v-peer1.rp_filter\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift,
			    "sysctl net.ipv6.conf.all.forwarding could not be read, policy wants 1");
	assert_string_equal(p.actions[2].drift, "sysctl net.ipv4.conf.v-peer1.rp_filter is 0, policy wants 2");
	assert_string_equal(p.actions[2].sysctl.value, "2");
	assert_string_equal(p.actions[1].drift, "sysctl net.ipv4.ip_forward is 0, policy wants 1");
	assert_int_equal(p.actions[1].rule.line, 20);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_sysctl_follows_link(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;
	struct nh_link *l;

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	add_sysctl(&blue->rule.want, "net.ipv4.conf.v-peer1.rp_filter=2", 20);
	add_sysctl(&blue->rule.want, "net.ipv6.conf.eth9.accept_ra=0", 21);    /* a link nobody defines */
	add_sysctl(&blue->have, "net.ipv4.conf.v-peer1.rp_filter=2", 0);
	/* a link the policy does not define is waited for */
	expect_plan(&w, "missing blue eth9 sysctl:net.ipv6.conf.eth9.accept_ra\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "sysctl net.ipv6.conf.eth9.accept_ra waits for link eth9, which is missing");
	nh_plan_free(&p);
	add_link(&blue->have, (struct nh_link){ .name = "eth9", .ifindex = 9, .up = true });
	add_sysctl(&blue->have, "net.ipv6.conf.eth9.accept_ra=0", 0);
	expect_plan(&w, "");

	/* the pair re-created: its new end starts from the defaults */
	del_link(&world_ns(&w, "")->have, "v-eth1");
	expect_plan(&w,
		    "delete-link blue v-peer1 link:v-peer1 if=2\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-sysctl blue v-peer1 sysctl:net.ipv4.conf.v-peer1.rp_filter\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[2].drift, "sysctl net.ipv4.conf.v-peer1.rp_filter: link v-peer1 is new, policy wants 2");
	/* the link's heal, not its own: flap damping blames the link (SPEC §5.4) */
	assert_true(p.actions[2].consequence);
	nh_plan_free(&p);
	world_free(&w);

	/* renamed: the value is read under its present name */
	memset(&w, 0, sizeof(w));
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	add_sysctl(&blue->rule.want, "net.ipv4.conf.v-peer1.rp_filter=2", 20);
	l = link_of(&blue->have, "v-peer1");
	nh_strlcpy(l->name, "foo0", sizeof(l->name));
	nh_state_sort(&blue->have);
	add_sysctl(&blue->have, "net.ipv4.conf.foo0.rp_filter=2", 0);
	w.known[w.n_known++] = (typeof(w.known[0])){ "blue", "v-peer1", 2 };
	expect_plan(&w, "rename-link blue v-peer1 link:v-peer1 if=2\n");
	nh_state_sysctl(&blue->have, "net.ipv4.conf.foo0.rp_filter")->value[0] = '1';
	expect_plan(&w, "rename-link blue v-peer1 link:v-peer1 if=2\n"
		    "set-sysctl blue v-peer1 sysctl:net.ipv4.conf.v-peer1.rp_filter\n");
	/* a value undone on a link that stays is its own heal */
	plan_all(&w, &p);
	assert_false(p.actions[1].consequence);
	nh_plan_free(&p);
	/* a policy link named like a part of the key's prefix, renamed */
	add_link(&blue->rule.want, (struct nh_link){ .name = "ipv4", .has = UP_ALWAYS, .up = true,
		.origin = AT(BLUE_CONF, 30) });
	add_sysctl(&blue->rule.want, "net.ipv4.conf.ipv4.rp_filter=2", 31);
	add_link(&blue->have, (struct nh_link){ .name = "foo9", .ifindex = 9, .up = true });
	add_sysctl(&blue->have, "net.ipv4.conf.foo9.rp_filter=2", 0);
	w.known[w.n_known++] = (typeof(w.known[0])){ "blue", "ipv4", 9 };
	expect_plan(&w, "rename-link blue ipv4 link:ipv4 if=9\n"
		    "rename-link blue v-peer1 link:v-peer1 if=2\n"
		    "set-sysctl blue v-peer1 sysctl:net.ipv4.conf.v-peer1.rp_filter\n");
	/* a link that is reported (another kind) gets nothing */
	l = link_of(&blue->have, "foo0");
	l->kind = &nh_kind_bridge;
	nh_strlcpy(l->name, "v-peer1", sizeof(l->name));
	nh_strlcpy(link_of(&blue->have, "foo9")->name, "ipv4", NH_IFNAMSIZ);
	nh_state_sort(&blue->have);
	w.n_known = 0;
	blue->have.n_sysctls = 0;
	add_sysctl(&blue->have, "net.ipv4.conf.ipv4.rp_filter=2", 0);
	expect_plan(&w, "conflict blue v-peer1 link:v-peer1 if=2\n");
	world_free(&w);
}

static void test_sysctl_new_namespace(void **state)
{
	struct world w = { 0 };
	struct nh_plan p;
	struct ns *blue;

	(void)state;
	option2_policy(&w);
	bare_host(&w);
	blue = world_ns(&w, "blue");
	blue->exists = false;
	add_sysctl(&blue->rule.want, "net.ipv4.ip_forward=1", 20);
	add_sysctl(&blue->rule.want, "net.ipv4.conf.v-peer1.forwarding=1", 21);
	add_sysctl(&blue->rule.want, "net.ipv4.conf.lo.accept_local=1", 22);
	add_sysctl(&blue->rule.want, "net.ipv4.conf.default.rp_filter=1", 23);
	plan_all(&w, &p);
	/* right after the links are made, before anything goes up; the
	 * namespace-wide key, the default, then the links' (ip_forward sets
	 * every link's and the default) */
	assert_int_equal(p.actions[3].type, NH_ACT_SYSCTL_SET);
	assert_string_equal(p.actions[3].object, "sysctl:net.ipv4.ip_forward");
	assert_string_equal(p.actions[3].drift, "sysctl net.ipv4.ip_forward: the namespace is new, policy wants 1");
	assert_string_equal(p.actions[4].object, "sysctl:net.ipv4.conf.default.rp_filter");
	assert_string_equal(p.actions[5].object, "sysctl:net.ipv4.conf.lo.accept_local");
	assert_string_equal(p.actions[6].object, "sysctl:net.ipv4.conf.v-peer1.forwarding");
	assert_int_equal(p.actions[7].type, NH_ACT_LINK_SET_MASTER);
	nh_plan_free(&p);
	expect_plan(&w,
		    "create-netns blue - netns:blue\n"
		    "create-link - br1 link:br1\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-sysctl blue - sysctl:net.ipv4.ip_forward\n"
		    "set-sysctl blue - sysctl:net.ipv4.conf.default.rp_filter\n"
		    "set-sysctl blue lo sysctl:net.ipv4.conf.lo.accept_local\n"
		    "set-sysctl blue v-peer1 sysctl:net.ipv4.conf.v-peer1.forwarding\n"
		    "set-master - eth1 master:br1 if=2\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - br1 state:up\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue lo state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address - br1 address:10.1.1.51/24\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n");
	world_free(&w);
}

static void test_rules(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;
	char key[NH_OBJECT_KEYSIZ];

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	default_rules(&blue->have);
	/* from 10.1.0.0/16 lookup 100; fwmark 0x10/0xff both families; iif v-peer1 lookup 5 */
	add_frule(&blue->rule.want, (struct nh_fib_rule){ .priority = 100, .has = NH_FRULE_HAS_FROM,
		.from = pfx("10.1.0.0/16"), .table = 100, .origin = AT(BLUE_CONF, 30) });
	add_frule(&blue->rule.want, (struct nh_fib_rule){ .priority = 200, .has = NH_FRULE_HAS_FWMARK,
		.fwmark = 0x10, .fwmask = 0xff, .action = NH_FRULE_BLACKHOLE, .origin = AT(BLUE_CONF, 31) });
	add_frule(&blue->rule.want, (struct nh_fib_rule){ .family = AF_INET6, .priority = 200,
		.has = NH_FRULE_HAS_FWMARK, .fwmark = 0x10, .fwmask = 0xff, .action = NH_FRULE_BLACKHOLE,
		.origin = AT(BLUE_CONF, 31) });
	add_frule(&blue->rule.want, (struct nh_fib_rule){ .priority = 300, .has = NH_FRULE_HAS_IIF,
		.iif = "v-peer1", .table = 5, .origin = AT(BLUE_CONF, 32) });
	expect_plan(&w,
		    "add-rule blue - rule:100\n"
		    "add-rule blue - rule:200\n"
		    "add-rule blue - rule:300\n"
		    "add-rule blue - rule:200\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "rule 100 from 10.1.0.0/16 lookup 100 missing");
	assert_string_equal(p.actions[1].drift, "rule 200 (inet) fwmark 0x10/0xff blackhole missing");
	assert_string_equal(p.actions[3].drift, "rule 200 (inet6) fwmark 0x10/0xff blackhole missing");
	assert_string_equal(nh_action_key(&p.actions[0], key, sizeof(key)), "rule:inet 100 from 10.1.0.0/16");
	assert_string_equal(nh_action_key(&p.actions[2], key, sizeof(key)), "rule:inet 300 iif v-peer1");
	assert_string_equal(nh_action_key(&p.actions[3], key, sizeof(key)), "rule:inet6 200 fwmark 0x10/0xff");
	nh_plan_free(&p);

	/* added by someone else (another protocol): ours all the same; the
	 * inet6 one is gone; iif v-peer1 looks up another table */
	add_frule(&blue->have, (struct nh_fib_rule){ .priority = 100, .has = NH_FRULE_HAS_FROM,
		.from = pfx("10.1.0.0/16"), .table = 100, .protocol = 3 });
	add_frule(&blue->have, (struct nh_fib_rule){ .priority = 200, .has = NH_FRULE_HAS_FWMARK,
		.fwmark = 0x10, .fwmask = 0xff, .action = NH_FRULE_BLACKHOLE, .protocol = NH_RTPROT_NETHEAL });
	add_frule(&blue->have, (struct nh_fib_rule){ .priority = 300, .has = NH_FRULE_HAS_IIF,
		.iif = "v-peer1", .table = 6, .protocol = NH_RTPROT_NETHEAL });
	/* another selector is another rule: no clash, no heal */
	add_frule(&blue->have, (struct nh_fib_rule){ .priority = 300, .has = NH_FRULE_HAS_IIF | NH_FRULE_HAS_OTHER,
		.iif = "v-peer1", .table = 5 });
	expect_plan(&w,
		    "add-rule blue - rule:200\n"
		    "conflict blue - rule:300\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[1].drift, "rule 300 (inet) iif v-peer1 lookup 5: the kernel has iif v-peer1 "
			    "lookup 6 instead (a rule of its selectors and priority)");
	assert_string_equal(nh_action_key(&p.actions[1], key, sizeof(key)), "rule:inet 300 iif v-peer1");
	nh_plan_free(&p);
	world_free(&w);
}

static void test_neighbours(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;
	char key[NH_OBJECT_KEYSIZ];

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	add_neigh(&blue->rule.want, "v-peer1", 0, "10.1.1.1", 1, 40);
	add_neigh(&blue->rule.want, "v-peer1", 0, "10.1.1.2", 2, 41);
	add_neigh(&blue->rule.want, "v-peer1", 0, "2001:db8::3", 3, 42);
	add_neigh(&blue->rule.want, "eth9", 0, "10.1.9.9", 9, 43);
	add_neigh(&blue->have, "v-peer1", 2, "10.1.1.1", 0x11, 0);     /* another lladdr */
	add_neigh(&blue->have, "v-peer1", 2, "2001:db8::3", 3, 0);
	add_neigh(&blue->have, "v-peer1", 2, "10.1.1.7", 7, 0);        /* not the policy's */
	expect_plan(&w,
		    "set-neighbour blue v-peer1 neigh:10.1.1.1 if=2\n"
		    "set-neighbour blue v-peer1 neigh:10.1.1.2 if=2\n"
		    "missing blue eth9 neigh:10.1.9.9\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift, "neighbour 10.1.1.1 on v-peer1 is 02:00:00:00:00:11, policy wants "
			    "02:00:00:00:00:01");
	assert_string_equal(p.actions[1].drift, "permanent neighbour 10.1.1.2 on v-peer1 missing, policy wants "
			    "02:00:00:00:00:02");
	assert_string_equal(p.actions[2].drift, "neighbour 10.1.9.9 waits for link eth9, which is missing");
	assert_string_equal(nh_action_key(&p.actions[0], key, sizeof(key)), "neigh:v-peer1 10.1.1.1");
	assert_string_equal(nh_action_key(&p.actions[2], key, sizeof(key)), "neigh:eth9 10.1.9.9");
	nh_plan_free(&p);

	/* the link re-created: every entry goes in again, after it exists */
	del_link(&world_ns(&w, "")->have, "v-eth1");
	blue->have.n_neighs = 0;
	add_link(&blue->have, (struct nh_link){ .name = "eth9", .ifindex = 9, .up = true });
	expect_plan(&w,
		    "delete-link blue v-peer1 link:v-peer1 if=2\n"
		    "create-link blue v-peer1 link:v-peer1\n"
		    "set-master - v-eth1 master:br1\n"
		    "set-up - v-eth1 state:up\n"
		    "set-up blue v-peer1 state:up\n"
		    "add-address blue v-peer1 address:10.1.1.100/24\n"
		    "add-route blue - route:default\n"
		    "set-neighbour blue eth9 neigh:10.1.9.9 if=9\n"
		    "set-neighbour blue v-peer1 neigh:10.1.1.1\n"
		    "set-neighbour blue v-peer1 neigh:10.1.1.2\n"
		    "set-neighbour blue v-peer1 neigh:2001:db8::3\n");
	/* those of the new link are its heal (SPEC §5.4); eth9's, which
	 * stays, its own */
	plan_all(&w, &p);
	for (size_t i = 0; i < p.n; i++)
		if (p.actions[i].type == NH_ACT_NEIGH_SET)
			assert_int_equal(p.actions[i].consequence, strcmp(p.actions[i].link.name, "v-peer1") == 0);
	nh_plan_free(&p);
	world_free(&w);
}

static void test_route_replace(void **state)
{
	struct world w = { 0 };
	struct ns *blue;
	struct nh_plan p;
	char key[NH_OBJECT_KEYSIZ];

	(void)state;
	option2_converged(&w);
	blue = world_ns(&w, "blue");
	/* option2_converged has 198.51.100.0/24 via 10.1.1.7: the policy wants it on another gateway */
	add_route(&blue->rule.want, (struct nh_route){ .has = NH_ROUTE_HAS_VIA | NH_ROUTE_HAS_DEV,
		.dst = pfx("198.51.100.0/24"), .via = pfx("10.1.1.77"), .dev = "v-peer1", .origin = AT(BLUE_CONF, 50) });
	expect_plan(&w, "conflict blue v-peer1 route:198.51.100.0/24 if=2\n");
	for (size_t i = 0; i < blue->rule.want.n_routes; i++)
		blue->rule.want.routes[i].replace = true;
	expect_plan(&w, "replace-route blue v-peer1 route:198.51.100.0/24 if=2\n");
	plan_all(&w, &p);
	assert_string_equal(p.actions[0].drift,
			    "route 198.51.100.0/24 is via 10.1.1.7 dev v-peer1, policy wants via 10.1.1.77 dev v-peer1");
	assert_string_equal(nh_action_key(&p.actions[0], key, sizeof(key)), "route:inet 254 198.51.100.0/24 0");
	nh_plan_free(&p);
	/* replace = true with nothing in the way is a plain add */
	del_route(&blue->have, "198.51.100.0/24");
	expect_plan(&w, "add-route blue v-peer1 route:198.51.100.0/24 if=2\n");
	world_free(&w);
}

/* ---- plans ---- */

static void test_names(void **state)
{
	static const char *const want[NH_ACT__COUNT] = {
		"create-netns", "delete-link", "move-link", "rename-link", "create-link", "set-sysctl",
		"set-master", "set-mtu", "set-mac", "set-up", "add-address", "add-route", "replace-route",
		"add-rule", "set-neighbour", "conflict", "missing",
	};
	struct nh_action a;
	char buf[256];

	(void)state;
	for (int t = 0; t < NH_ACT__COUNT; t++) {
		assert_string_equal(nh_action_type_to_string((enum nh_action_type)t), want[t]);
		assert_int_equal(nh_action_is_report((enum nh_action_type)t), t >= NH_ACT_REPORT_CONFLICT);
	}
	assert_string_equal(nh_action_type_to_string(NH_ACT__COUNT), "?");
	memset(&a, 0, sizeof(a));
	a.type = NH_ACT_LINK_SET_UP;
	assert_string_equal(nh_action_name(&a), "set-down");
	a.link.up = true;
	assert_string_equal(nh_action_name(&a), "set-up");
	snprintf(a.drift, sizeof(a.drift), "v-eth1 is down");
	assert_string_equal(nh_action_format(&a, buf, sizeof(buf)), "host: v-eth1 is down -> set-up");
	a.rule = (struct nh_origin)AT(HOST_CONF, 7);
	assert_string_equal(nh_action_format(&a, buf, sizeof(buf)),
			    "host: v-eth1 is down -> set-up (policy.d/host.conf:7)");
}

static void test_plan_sort_stable(void **state)
{
	struct nh_plan p;
	struct nh_action a;

	(void)state;
	nh_plan_init(&p);
	nh_plan_sort(&p);
	memset(&a, 0, sizeof(a));
	for (int i = 0; i < 5; i++) {
		a.type = (enum nh_action_type)(NH_ACT_ROUTE_ADD - i * 2);
		assert_int_equal(nh_plan_add(&p, &a), 0);
	}
	nh_plan_sort(&p);
	for (size_t i = 1; i < p.n; i++)
		assert_true(p.actions[i - 1].type <= p.actions[i].type);
	nh_plan_free(&p);
	nh_plan_free(&p);
	nh_plan_free(NULL);

	/* many namespaces (the host "" among them), stages and equal
	 * actions, added in a scrambled order: stage first, then the name in
	 * strcmp order, then (all else equal) insertion order */
	{
		static const char *const names[] = { "ns10", "", "ns2", "blue", "ns1", "qrouter-a" };
		const size_t n_names = sizeof(names) / sizeof(names[0]);

		for (unsigned int i = 0; i < 600; i++) {
			memset(&a, 0, sizeof(a));
			a.type = (i * 7) % 3 ? NH_ACT_LINK_SET_UP : NH_ACT_NETNS_CREATE;
			snprintf(a.netns, sizeof(a.netns), "%s", names[(i * 5) % n_names]);
			snprintf(a.link.name, sizeof(a.link.name), "lo");
			a.tag = i;
			assert_int_equal(nh_plan_add(&p, &a), 0);
		}
		nh_plan_sort(&p);
		assert_int_equal(p.n, 600);
		for (size_t i = 1; i < p.n; i++) {
			const struct nh_action *x = &p.actions[i - 1], *y = &p.actions[i];
			int c = strcmp(x->netns, y->netns);

			assert_true(x->type <= y->type);
			if (x->type == y->type) {
				assert_true(c <= 0);
				if (c == 0)
					assert_true(x->tag < y->tag);
			}
		}
		nh_plan_free(&p);
	}
}

static void test_touches(void **state)
{
	struct world w = { 0 };
	size_t n;

	(void)state;
	option2_converged(&w);
	world_ns(&w, "red")->managed = true;
	option1(&w, true);      /* adds eth1 physical to blue */
	n = world_views(&w);
	/* views: 0 host, 1 blue, 2 red */
	assert_true(nh_diff_touches(w.views, n, 0, 0));
	assert_true(nh_diff_touches(w.views, n, 1, 0));         /* the veth pair, physical eth1 */
	assert_true(nh_diff_touches(w.views, n, 0, 1));         /* the veth pair */
	assert_false(nh_diff_touches(w.views, n, 2, 0));
	assert_false(nh_diff_touches(w.views, n, 1, 2));
	assert_false(nh_diff_touches(w.views, n, 1, 5));
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converged),
		cmocka_unit_test(test_link_down),
		cmocka_unit_test(test_link_up_wanted_down),
		cmocka_unit_test(test_wrong_master),
		cmocka_unit_test(test_mtu_and_mac),
		cmocka_unit_test(test_address_missing),
		cmocka_unit_test(test_route_missing),
		cmocka_unit_test(test_mac_of_new_link),
		cmocka_unit_test(test_route_relevant),
		cmocka_unit_test(test_route_relevant_index),
		cmocka_unit_test(test_state_find),
		cmocka_unit_test(test_route_dev_and_order),
		cmocka_unit_test(test_route_many_observed),
		cmocka_unit_test(test_route_conflict),
		cmocka_unit_test(test_foreign_untouched),
		cmocka_unit_test(test_unspec_missing),
		cmocka_unit_test(test_fresh_option2),
		cmocka_unit_test(test_fresh_option1),
		cmocka_unit_test(test_physical_move),
		cmocka_unit_test(test_physical_absent),
		cmocka_unit_test(test_create_false),
		cmocka_unit_test(test_match_never_creates),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_conflict_other_kind),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_conflict_on_peer_name),
		cmocka_unit_test(test_half_broken_peer_end_gone),
		cmocka_unit_test(test_delete_set_aside),
		cmocka_unit_test(test_half_broken_primary_gone),
		cmocka_unit_test(test_pair_gone),
		cmocka_unit_test(test_peer_netns_missing),
		cmocka_unit_test(test_pair_in_one_namespace),
		cmocka_unit_test(test_peer_in_unmanaged_namespace),
		cmocka_unit_test(test_renamed),
		cmocka_unit_test(test_renamed_bridge),
		cmocka_unit_test(test_moved_back),
		cmocka_unit_test(test_moved_back_peer_end),
		cmocka_unit_test(test_moved_back_other_kinds),
		cmocka_unit_test(test_sysctl_drift),
		cmocka_unit_test(test_sysctl_follows_link),
		cmocka_unit_test(test_sysctl_new_namespace),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_neighbours),
		cmocka_unit_test(test_route_replace),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_plan_sort_stable),
		cmocka_unit_test(test_touches),
		cmocka_unit_test(test_part_refused),
		cmocka_unit_test(test_master_made_anew),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
