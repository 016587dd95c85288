/*
 * Checks across the merged policy, once every file is read: namespaces
 * defined twice, veth peers placed into their namespaces (and colliding
 * there), links and routes defined twice, masters, parents and gateways.
 * Every state is sorted here, and the checks use that order: they stay
 * O(n log n) for thousands of namespaces.
 */
#include "parse_int.h"
#include "kind.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Position of a file in the policy's file list: the order files were read. */
static size_t file_index(const struct nh_policy *p, const char *file)
{
	for (size_t i = 0; i < p->n_files; i++)
		if (p->files[i] == file)
			return i;
	return 0;
}

static int origin_cmp(const struct nh_policy *p, const struct nh_origin *a, const struct nh_origin *b)
{
	size_t fa = file_index(p, a->file), fb = file_index(p, b->file);

	if (fa != fb)
		return fa < fb ? -1 : 1;
	return a->line < b->line ? -1 : a->line > b->line;
}

/* ---- namespace rules ---- */

static int move_rules(struct nh_pctx *c)
{
	struct nh_policy *p = c->p;
	size_t n = c->n_named + c->n_matched;

	if (!n)
		return 0;
	p->netns = calloc(n, sizeof(*p->netns));
	if (!p->netns) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	if (c->n_named)
		memcpy(p->netns, c->named, c->n_named * sizeof(*p->netns));
	if (c->n_matched)
		memcpy(p->netns + c->n_named, c->matched, c->n_matched * sizeof(*p->netns));
	p->n_netns = n;
	c->n_named = c->n_matched = 0;  /* owned by the policy now */
	return 0;
}

static int rule_ptr_cmp(const void *a, const void *b)
{
	const struct nh_netns_rule *x = *(const struct nh_netns_rule *const *)a;
	const struct nh_netns_rule *y = *(const struct nh_netns_rule *const *)b;
	int r = strcmp(x->name, y->name);

	if (r)
		return r;
	return x < y ? -1 : x > y;     /* file order among equals */
}

/* Named rules sorted by name (file order among equal names). */
struct named_index {
	struct nh_netns_rule **v;
	size_t n;
};

static int index_named(struct nh_pctx *c, struct named_index *ix)
{
	struct nh_policy *p = c->p;

	ix->n = 0;
	ix->v = calloc(p->n_netns + 1, sizeof(*ix->v));
	if (!ix->v) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_netns; i++)
		if (!p->netns[i].match)
			ix->v[ix->n++] = &p->netns[i];
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), rule_ptr_cmp);
	return 0;
}

/* The first rule (in file order) named `name`, or NULL. */
static struct nh_netns_rule *find_named(const struct named_index *ix, const char *name)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->v[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && strcmp(ix->v[lo]->name, name) == 0 ? ix->v[lo] : NULL;
}

static void check_dup_netns(struct nh_pctx *c, const struct named_index *ix)
{
	for (size_t i = 1; i < ix->n; i++) {
		const struct nh_netns_rule *first = find_named(ix, ix->v[i]->name);

		if (first != ix->v[i])
			nh_perror_at(c, &ix->v[i]->origin, "namespace '%s' is defined twice: "
				     "first at %s:%u", ix->v[i]->name, first->origin.file, first->origin.line);
	}
}

/* ---- match rules in the order they are tried ---- */

/* The literal text glob g starts with, up to its first '*', '?' or '['
 * (escapes undone), into buf (size bytes); *rest what follows it. */
static void glob_prefix(const char *g, char *buf, size_t size, const char **rest)
{
	size_t o = 0;

	for (; *g && *g != '*' && *g != '?' && *g != '['; g++) {
		if (*g == '\\' && g[1])
			g++;
		if (o + 1 < size)
			buf[o++] = *g;
	}
	buf[o] = '\0';
	*rest = g;
}

/* Whether every name glob b matches is matched by glob a too (a sufficient
 * test, for the usual shapes: b one name; a "prefix*"). FNM_PERIOD: a
 * leading '.' is matched by a literal '.' only. */
static bool glob_covers(const char *a, const char *b)
{
	char pa[NH_NETNS_NAMSIZ], pb[NH_NETNS_NAMSIZ];
	const char *ra, *rb;

	glob_prefix(a, pa, sizeof(pa), &ra);
	glob_prefix(b, pb, sizeof(pb), &rb);
	if (!*rb)
		return fnmatch(a, pb, FNM_PERIOD) == 0;
	if (strcmp(ra, "*") != 0)
		return false;
	return *pa ? strncmp(pb, pa, strlen(pa)) == 0 : pb[0] != '.';
}

/* A namespace takes the first match rule whose glob matches its name
 * (nh_policy_rule_for): a glob given twice is an error, a rule every name
 * of which an earlier one takes is warned about (it applies to none). */
static void check_match_order(struct nh_pctx *c)
{
	const struct nh_policy *p = c->p;

	for (size_t j = 0; j < p->n_netns; j++) {
		const struct nh_netns_rule *b = &p->netns[j];

		for (size_t i = 0; b->match && i < j; i++) {
			const struct nh_netns_rule *a = &p->netns[i];

			if (!a->match)
				continue;
			if (strcmp(a->match, b->match) == 0) {
				nh_perror_at(c, &b->origin, "'match' '%s' is defined twice: first at %s:%u",
					     b->match, a->origin.file, a->origin.line);
				break;
			}
			if (glob_covers(a->match, b->match)) {
				nh_pwarn_at(c, &b->origin, "'match' '%s' applies to no namespace: every name it "
					    "matches is taken by '%s' at %s:%u (a namespace takes the first match "
					    "rule that matches it, in file order)", b->match, a->match,
					    a->origin.file, a->origin.line);
				break;
			}
		}
	}
}

/* ---- veth peers ---- */

static void place_peer(struct nh_pctx *c, const struct named_index *ix, struct nh_pending_peer *pp)
{
	struct nh_netns_rule *target = &c->p->host;

	if (!pp->host) {
		target = find_named(ix, pp->netns);
		if (!target) {
			nh_perror_at(c, &pp->netns_origin, "peer '%s' of veth '%s': 'netns' '%s' is not "
				     "a namespace this policy defines by 'name'", pp->end.name,
				     pp->end.peer_name, pp->netns);
			return;
		}
	}
	if (nh_state_add_link(&target->want, &pp->end) < 0)
		c->err = -ENOMEM;
	for (size_t i = 0; i < pp->n_addrs; i++)
		if (nh_state_add_address(&target->want, &pp->addrs[i]) < 0)
			c->err = -ENOMEM;
}

/* ---- one rule's state ---- */

static bool is_peer_end(const struct nh_link *l)
{
	return l->flags & NH_LINK_FLAG_PEER_END;
}

/* Links of one name, [from, to) in the sorted array: the one written first
 * as a link of its own claims the name; every other one is reported. */
static void report_link_run(struct nh_pctx *c, const struct nh_netns_rule *r, size_t from, size_t to)
{
	const struct nh_link *v = r->want.links, *ref = &v[from];
	char where[NH_NETNS_NAMSIZ + 64];

	for (size_t i = from + 1; i < to; i++)
		if ((is_peer_end(ref) && !is_peer_end(&v[i])) ||
		    (is_peer_end(ref) == is_peer_end(&v[i]) && origin_cmp(c->p, &v[i].origin, &ref->origin) < 0))
			ref = &v[i];
	nh_rule_label(r, where, sizeof(where));
	for (size_t i = from; i < to; i++) {
		const struct nh_link *l = &v[i];

		if (l == ref)
			continue;
		if (is_peer_end(l))
			nh_perror_at(c, &l->origin, "peer '%s' of veth '%s' collides with %s '%s' "
				     "at %s:%u in %s", l->name, l->peer_name,
				     is_peer_end(ref) ? "the peer" : "link", ref->name,
				     ref->origin.file, ref->origin.line, where);
		else
			nh_perror_at(c, &l->origin, "link '%s' is defined twice in %s: first at %s:%u",
				     l->name, where, ref->origin.file, ref->origin.line);
	}
}

static void check_dup_links(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	size_t from = 0;

	for (size_t i = 1; i <= s->n_links; i++) {
		if (i < s->n_links && nh_link_key_cmp(&s->links[i], &s->links[from]) == 0)
			continue;
		if (i - from > 1)
			report_link_run(c, r, from, i);
		from = i;
	}
}

static void check_dup_addrs(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char buf[64];

	for (size_t i = 1; i < s->n_addrs; i++) {
		const struct nh_address *a = &s->addrs[i - 1], *b = &s->addrs[i];

		if (nh_address_key_cmp(a, b) != 0)
			continue;
		if (origin_cmp(c->p, &b->origin, &a->origin) < 0) {
			const struct nh_address *t = a;

			a = b;
			b = t;
		}
		nh_pwarn_at(c, &b->origin, "address %s is listed twice on link '%s': first at %s:%u",
			    nh_prefix_str(&b->prefix, true, buf, sizeof(buf)), b->link,
			    a->origin.file, a->origin.line);
	}
}

static void check_dup_routes(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64], buf[64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 1; i < s->n_routes; i++) {
		const struct nh_route *a = &s->routes[i - 1], *b = &s->routes[i];

		if (nh_route_key_cmp(a, b) != 0)
			continue;
		if (origin_cmp(c->p, &b->origin, &a->origin) < 0) {
			const struct nh_route *t = a;

			a = b;
			b = t;
		}
		nh_perror_at(c, &b->origin, "route to %s (table %u, metric %u) is defined twice in %s: "
			     "first at %s:%u", nh_prefix_dst_str(&b->dst, buf, sizeof(buf)), b->table, b->metric,
			     where, a->origin.file, a->origin.line);
	}
}

/* The second of two entries of one key (in file order) is the duplicate. */
#define DUP_ORDER(c, a, b) \
	do { \
		if (origin_cmp((c)->p, &(b)->origin, &(a)->origin) < 0) { \
			__typeof__(a) t_ = (a); \
			(a) = (b); \
			(b) = t_; \
		} \
	} while (0)

static void check_dup_sysctls(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 1; i < s->n_sysctls; i++) {
		const struct nh_sysctl *a = &s->sysctls[i - 1], *b = &s->sysctls[i];

		if (nh_sysctl_key_cmp(a, b) != 0)
			continue;
		DUP_ORDER(c, a, b);
		nh_perror_at(c, &b->origin, "sysctl '%s' is set twice in %s: first at %s:%u", b->key, where,
			     a->origin.file, a->origin.line);
	}
	/* one setting, two names (the kernel's devinet_sysctl_forward):
	 * two values would make netheal fight itself */
	const struct nh_sysctl *fwd = nh_state_sysctl(s, "net.ipv4.ip_forward");
	const struct nh_sysctl *all = nh_state_sysctl(s, "net.ipv4.conf.all.forwarding");

	if (fwd && all) {
		DUP_ORDER(c, fwd, all);
		nh_perror_at(c, &all->origin, "sysctl '%s' is '%s' under another name in %s: first at %s:%u "
			     "(set one of them)", all->key, fwd->key, where, fwd->origin.file, fwd->origin.line);
	}
}

/* Rules are sorted by key and then by what they do: equal keys are
 * neighbours. Both families of one entry never collide. */
static void check_dup_rules(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 1; i < s->n_rules; i++) {
		const struct nh_fib_rule *a = &s->rules[i - 1], *b = &s->rules[i];

		if (nh_fib_rule_key_cmp(a, b) != 0)
			continue;
		DUP_ORDER(c, a, b);
		nh_perror_at(c, &b->origin, "rule %u (%s) with the same selectors is defined twice in %s: "
			     "first at %s:%u", b->priority, b->family == AF_INET6 ? "inet6" : "inet", where,
			     a->origin.file, a->origin.line);
	}
}

static void check_dup_neighs(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64], buf[64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 1; i < s->n_neighs; i++) {
		const struct nh_neigh *a = &s->neighs[i - 1], *b = &s->neighs[i];

		if (nh_neigh_key_cmp(a, b) != 0)
			continue;
		DUP_ORDER(c, a, b);
		nh_perror_at(c, &b->origin, "neighbour %s on '%s' is defined twice in %s: first at %s:%u",
			     nh_prefix_str(&b->addr, false, buf, sizeof(buf)), b->dev, where,
			     a->origin.file, a->origin.line);
	}
}

static int link_cmp(const void *a, const void *b)
{
	return nh_link_key_cmp(a, b);
}

static const struct nh_link *find_link(const struct nh_state *s, const char *name)
{
	struct nh_link key;

	if (nh_strlcpy(key.name, name, sizeof(key.name)) < 0 || !s->n_links)
		return NULL;
	return bsearch(&key, s->links, s->n_links, sizeof(*s->links), link_cmp);
}

static void check_masters(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *l = &s->links[i], *m;

		if (!(l->has & NH_LINK_HAS_MASTER))
			continue;
		m = find_link(s, l->master);
		if (!m)
			nh_pwarn_at(c, &l->origin, "master '%s' of link '%s' is not a link this policy "
				    "defines in %s", l->master, l->name, where);
		else if (m->kind && !(m->kind->flags & NH_KIND_TAKES_PORTS))
			nh_perror_at(c, &l->origin, "master '%s' of link '%s' is %s %s, not a bridge",
				     l->master, l->name, nh_a_or_an(m->kind->name), m->kind->name);
	}
}

static void check_parents(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;

	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *l = &s->links[i];

		if ((l->has & NH_LINK_HAS_PARENT) && !find_link(&c->p->host.want, l->parent))
			nh_pwarn_at(c, &l->origin, "parent '%s' of %s '%s' is not a link this policy "
				    "defines in the host namespace", l->parent,
				    nh_kind_name(l->kind), l->name);
	}
}

/* A route's or neighbour's dev that the rule does not define may be a
 * device another agent makes, or a typo: say so, as for a master (lo is
 * in every namespace). */
static bool dev_defined(const struct nh_state *s, const char *dev)
{
	return !dev[0] || strcmp(dev, "lo") == 0 || find_link(s, dev);
}

static void check_devs(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64], buf[64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *rt = &s->routes[i];

		if ((rt->has & NH_ROUTE_HAS_DEV) && !dev_defined(s, rt->dev))
			nh_pwarn_at(c, &rt->origin, "dev '%s' of route %s is not a link this policy defines "
				    "in %s", rt->dev,
				    nh_prefix_dst_str(&rt->dst, buf, sizeof(buf)), where);
	}
	for (size_t i = 0; i < s->n_neighs; i++) {
		const struct nh_neigh *n = &s->neighs[i];

		if (!dev_defined(s, n->dev))
			nh_pwarn_at(c, &n->origin, "dev '%s' of neighbour %s is not a link this policy "
				    "defines in %s", n->dev, nh_prefix_str(&n->addr, false, buf, sizeof(buf)), where);
	}
}

static void check_gateways(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	char where[NH_NETNS_NAMSIZ + 64], buf[64];

	nh_rule_label(r, where, sizeof(where));
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *rt = &s->routes[i];
		size_t j;

		/* an IPv6 link-local gateway is on every link */
		if (!(rt->has & NH_ROUTE_HAS_VIA) || nh_ip_is_link_local6(&rt->via))
			continue;
		for (j = 0; j < s->n_addrs && !nh_prefix_contains(&s->addrs[j].prefix, &rt->via); j++)
			;
		if (j == s->n_addrs)
			nh_pwarn_at(c, &rt->origin, "gateway %s is outside every prefix configured on "
				    "the links of %s", nh_prefix_str(&rt->via, false, buf, sizeof(buf)), where);
	}
}

/* ---- physical links: one namespace each ---- */

struct claim {
	const struct nh_link *link;
	const struct nh_netns_rule *rule;
};

static int claim_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct claim *a = pa, *b = pb;
	int r = strcmp(a->link->name, b->link->name);

	return r ? r : origin_cmp(ctx, &a->link->origin, &b->link->origin);
}

/* A `physical` device is moved from the host into the namespace that
 * wants it, and a device is in one namespace at a time (SPEC §1 Option 1):
 * a second rule naming it would wait for it for ever. An error for each
 * claim after the first (in file order); a warning for a `match` rule
 * alone, whose namespaces (any number) all claim it. */
static void check_physical_claims(struct nh_pctx *c)
{
	const struct nh_policy *p = c->p;
	struct claim *v = NULL;
	size_t n = 0, cap = 0;
	char first[NH_NETNS_NAMSIZ + 32], other[NH_NETNS_NAMSIZ + 32];

	for (size_t i = 0; i < p->n_netns; i++)
		for (size_t j = 0; j < p->netns[i].want.n_links; j++) {
			const struct nh_link *l = &p->netns[i].want.links[j];

			if (!nh_kind_has(l->kind, NH_KIND_FROM_HOST))
				continue;
			if (nh_grow(&v, &cap, n + 1, sizeof(*v)) < 0) {
				c->err = -ENOMEM;
				free(v);
				return;
			}
			v[n++] = (struct claim){ l, &p->netns[i] };
		}
	if (n > 1)
		qsort_r(v, n, sizeof(*v), claim_cmp, (void *)p);
	for (size_t i = 0; i < n; i++) {
		const struct claim *a = &v[i];
		size_t k = i;

		while (k > 0 && strcmp(v[k - 1].link->name, a->link->name) == 0)
			k--;
		if (k == i) {
			if (a->rule->match && !(i + 1 < n && strcmp(v[i + 1].link->name, a->link->name) == 0))
				nh_pwarn_at(c, &a->link->origin, "physical link '%s' in 'match' '%s': a device is "
					    "in one namespace at a time, so only one namespace the glob matches "
					    "can have it", a->link->name, a->rule->match);
			continue;
		}
		nh_rule_label(v[k].rule, first, sizeof(first));
		nh_rule_label(a->rule, other, sizeof(other));
		nh_perror_at(c, &a->link->origin, "physical link '%s' is claimed by %s and by %s (first at "
			     "%s:%u): a device is in one namespace at a time", a->link->name, first, other,
			     v[k].link->origin.file, v[k].link->origin.line);
	}
	free(v);
}

static void check_rule(struct nh_pctx *c, struct nh_netns_rule *r)
{
	nh_state_sort(&r->want);
	nh_state_shrink(&r->want);
	check_dup_links(c, r);
	check_dup_addrs(c, r);
	check_dup_routes(c, r);
	check_dup_sysctls(c, r);
	check_dup_rules(c, r);
	check_dup_neighs(c, r);
	check_masters(c, r);
	/* warnings that look across entries: one dropped for its error (an
	 * address, a link) would make them up; they wait until every error
	 * is mended (netheal.conf(5) VALIDATION) */
	if (c->d->errors == c->errors_before) {
		check_parents(c, r);
		check_devs(c, r);
		check_gateways(c, r);
	}
	if (nh_rule_index_refs(r) < 0)
		c->err = -ENOMEM;
}

void nh_validate(struct nh_pctx *c)
{
	struct nh_policy *p = c->p;
	struct named_index ix = { 0 };

	if (move_rules(c) < 0 || index_named(c, &ix) < 0)
		return;
	check_dup_netns(c, &ix);
	check_match_order(c);
	for (size_t i = 0; i < c->n_peers; i++)
		place_peer(c, &ix, &c->peers[i]);
	check_rule(c, &p->host);
	for (size_t i = 0; i < p->n_netns; i++)
		check_rule(c, &p->netns[i]);
	check_physical_claims(c);
	free(ix.v);
}
