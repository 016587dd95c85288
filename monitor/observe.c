#include "observe.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/sorted.h"
#include "common/util.h"
#include "netlink/decode.h"
#include "policy/diff.h"
#include "policy/kind.h"

/* ---- sorted arrays ---------------------------------------------------------
 * A state is kept sorted by key so an event is a binary search and a memmove,
 * never a sort. */


static int link_cmp(const void *a, const void *b)
{
	return nh_link_key_cmp(a, b);
}

static int addr_cmp(const void *a, const void *b)
{
	return nh_address_key_cmp(a, b);
}

static int frule_cmp(const void *a, const void *b)
{
	return nh_fib_rule_cmp(a, b);
}

static int neigh_cmp(const void *a, const void *b)
{
	return nh_neigh_key_cmp(a, b);
}

/* The policy's key (family, table, dst, metric) does not name one kernel
 * route: IPv6 keeps fe80::/64 metric 256 on every link, and IPv4 `ip route
 * append` adds routes of one key with other nexthops. Observed routes are
 * told apart by device and gateway too; sorted this way they are still
 * sorted by key. */
static int route_cmp(const void *a, const void *b)
{
	const struct nh_route *x = a, *y = b;
	int r = nh_route_key_cmp(x, y);

	if (r)
		return r;
	if (x->oif != y->oif)
		return x->oif < y->oif ? -1 : 1;
	if ((x->has & NH_ROUTE_HAS_VIA) != (y->has & NH_ROUTE_HAS_VIA))
		return x->has & NH_ROUTE_HAS_VIA ? 1 : -1;
	return nh_prefix_cmp(&x->via, &y->via);
}

/* Insert or replace by key. Returns 1 when s changed, 0 or -ENOMEM. */
#define UPSERT(s, arr, n, cap, obj, cmp) ({ \
		bool found_; \
		size_t pos_ = nh_sorted_pos((s)->arr, (s)->n, sizeof(*(s)->arr), (obj), cmp, &found_); \
		int r_ = 1; \
		if (found_) { \
			if (memcmp(&(s)->arr[pos_], (obj), sizeof(*(obj))) == 0) \
				r_ = 0; \
			else \
				(s)->arr[pos_] = *(obj); \
		} else if (nh_sorted_insert(&(s)->arr, &(s)->n, &(s)->cap, sizeof(*(s)->arr), pos_, (obj)) < 0) { \
			r_ = -ENOMEM; \
		} \
		r_; })

/* ---- name resolution ------------------------------------------------------ */

static const char *link_name(const struct nh_state *s, int ifindex)
{
	const struct nh_link *l = ifindex > 0 ? nh_state_link_by_index(s, ifindex) : NULL;

	return l ? l->name : "";
}

/* The names a link holds of other links, from their indexes. */
static void resolve_link(const struct nh_state *s, struct nh_link *l)
{
	l->master[0] = '\0';
	l->has &= ~NH_LINK_HAS_MASTER;
	if (l->master_index > 0) {
		nh_strlcpy(l->master, link_name(s, l->master_index), sizeof(l->master));
		l->has |= NH_LINK_HAS_MASTER;
	}
	/* IFLA_LINK names a peer or parent here only without IFLA_LINK_NETNSID. */
	if (nh_kind_has(l->kind, NH_KIND_PAIR)) {
		l->peer_name[0] = '\0';
		l->has &= ~NH_LINK_HAS_PEER;
		if (l->link_index > 0 && l->link_netnsid < 0 && l->link_index != l->ifindex) {
			nh_strlcpy(l->peer_name, link_name(s, l->link_index), sizeof(l->peer_name));
			if (l->peer_name[0])
				l->has |= NH_LINK_HAS_PEER;
		}
	} else if (nh_kind_has(l->kind, NH_KIND_NEEDS_PARENT)) {
		l->parent[0] = '\0';
		l->has &= ~NH_LINK_HAS_PARENT;
		if (l->link_index > 0 && l->link_netnsid < 0) {
			nh_strlcpy(l->parent, link_name(s, l->link_index), sizeof(l->parent));
			if (l->parent[0])
				l->has |= NH_LINK_HAS_PARENT;
		}
	}
}

void nh_observe_resolve(struct nh_state *s)
{
	for (size_t i = 0; i < s->n_links; i++)
		resolve_link(s, &s->links[i]);
	for (size_t i = 0; i < s->n_addrs; i++)
		nh_strlcpy(s->addrs[i].link, link_name(s, s->addrs[i].ifindex), sizeof(s->addrs[i].link));
	for (size_t i = 0; i < s->n_routes; i++)
		nh_strlcpy(s->routes[i].dev, link_name(s, s->routes[i].oif), sizeof(s->routes[i].dev));
	for (size_t i = 0; i < s->n_neighs; i++)
		nh_strlcpy(s->neighs[i].dev, link_name(s, s->neighs[i].ifindex), sizeof(s->neighs[i].dev));
}

/* ---- dump ----------------------------------------------------------------- */

static bool route_kept(const struct nh_route_keep *keep, const struct nh_route *r)
{
	return !keep || !keep->keep || keep->keep(keep->ctx, r);
}

int nh_observe_dump_msg(struct nh_state *s, const struct nlmsghdr *nlh, const struct nh_route_keep *keep)
{
	union {
		struct nh_link l;
		struct nh_address a;
		struct nh_route r;
		struct nh_fib_rule fr;
		struct nh_neigh n;
	} u;
	uint16_t state;
	int r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		r = nh_parse_link(nlh, &u.l);
		if (r == 0)
			r = nh_state_add_link(s, &u.l);
		break;
	case RTM_NEWADDR:
		r = nh_parse_address(nlh, &u.a);
		if (r == 0)
			r = nh_state_add_address(s, &u.a);
		break;
	case RTM_NEWROUTE:
		r = nh_parse_route(nlh, &u.r);
		if (r == 0 && route_kept(keep, &u.r))
			r = nh_state_add_route(s, &u.r);
		break;
	case RTM_NEWRULE:
		r = nh_parse_rule(nlh, &u.fr);
		if (r == 0)
			r = nh_state_add_rule(s, &u.fr);
		break;
	case RTM_NEWNEIGH:
		r = nh_parse_neigh(nlh, &u.n, &state);
		if (r == 0 && (state & NUD_PERMANENT))
			r = nh_state_add_neigh(s, &u.n);
		break;
	default:
		return 0;
	}
	/* A malformed message from the kernel is skipped, not fatal; out of
	 * memory is. */
	return r == -ENOMEM ? r : 0;
}

struct dump_ctx {
	struct nh_state *s;
	const struct nh_route_keep *keep;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct dump_ctx *d = data;

	if (nh_observe_dump_msg(d->s, nlh, d->keep) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int dump_one(struct nh_nl *nl, struct dump_ctx *d, uint16_t type, int family)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, NLM_F_DUMP);
	size_t hdrlen = type == RTM_GETLINK ? sizeof(struct ifinfomsg) :
			type == RTM_GETADDR ? sizeof(struct ifaddrmsg) :
			type == RTM_GETRULE ? sizeof(struct fib_rule_hdr) :
			type == RTM_GETNEIGH ? sizeof(struct ndmsg) : sizeof(struct rtmsg);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	/* The family is the first byte of every header; the rest zero asks
	 * for everything. */
	g->rtgen_family = (unsigned char)family;
	/* Links without their statistics, which no policy names. And with a
	 * filter at all: the kernel sizes a link dump's datagrams for its
	 * largest link only when the request carries IFLA_EXT_MASK
	 * (rtnl_calcit; else 4 KiB), and a link bigger than that (hundreds of
	 * alternative names: 64 KiB) ended the dump early with no error, so
	 * the links after it were taken for missing (an adversary trial). */
	if (type == RTM_GETLINK)
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nh_nl_dump(nl, nlh, dump_cb, d);
}

static int dump_all(struct nh_nl *nl, struct nh_state *s, unsigned int what, const struct nh_route_keep *keep)
{
	struct dump_ctx d = { s, keep };
	int r;

	r = dump_one(nl, &d, RTM_GETLINK, AF_UNSPEC);
	if (r == 0)
		r = dump_one(nl, &d, RTM_GETADDR, AF_UNSPEC);
	if (r == 0)
		r = dump_one(nl, &d, RTM_GETROUTE, AF_INET);
	if (r == 0)
		r = dump_one(nl, &d, RTM_GETROUTE, AF_INET6);
	if (r == 0)
		r = dump_one(nl, &d, RTM_GETRULE, AF_UNSPEC);
	if (r == 0 && (what & NH_DUMP_NEIGH))
		r = dump_one(nl, &d, RTM_GETNEIGH, AF_UNSPEC);
	return r;
}

/* By nh_fib_rule_cmp, one entry per rule (identical rules, added without
 * NLM_F_EXCL, are one for netheal). */
static void sort_rules(struct nh_state *s)
{
	size_t j = 0;

	if (!s->n_rules)
		return;
	qsort(s->rules, s->n_rules, sizeof(*s->rules), frule_cmp);
	for (size_t i = 1; i < s->n_rules; i++)
		if (frule_cmp(&s->rules[j], &s->rules[i]) != 0)
			s->rules[++j] = s->rules[i];
	s->n_rules = j + 1;
}

/* By route_cmp, one entry per route. */
static void sort_routes(struct nh_state *s)
{
	size_t j = 0;

	if (!s->n_routes)
		return;
	qsort(s->routes, s->n_routes, sizeof(*s->routes), route_cmp);
	for (size_t i = 1; i < s->n_routes; i++)
		if (route_cmp(&s->routes[j], &s->routes[i]) != 0)
			s->routes[++j] = s->routes[i];
	s->n_routes = j + 1;
}

int nh_observe_dump(struct nh_nl *nl, struct nh_state *s, unsigned int what, const struct nh_route_keep *keep)
{
	struct nh_state tmp;
	int r = -EINTR;

	for (int attempt = 0; attempt <= NH_DUMP_RETRIES && r == -EINTR; attempt++) {
		nh_state_init(&tmp);
		r = dump_all(nl, &tmp, what, keep);
		if (r < 0)
			nh_state_free(&tmp);
		/* tests count these (tests/integration/dump_intr.sh) */
		if (r == -EINTR)
			nh_debug("dump interrupted (NLM_F_DUMP_INTR), attempt %d of %d: thrown away",
				 attempt + 1, NH_DUMP_RETRIES + 1);
	}
	if (r < 0)
		return r;
	nh_observe_dump_end(&tmp);
	nh_state_free(s);
	*s = tmp;
	return 0;
}

void nh_observe_dump_end(struct nh_state *s)
{
	nh_observe_resolve(s);
	nh_state_sort(s);
	sort_routes(s);
	sort_rules(s);
	nh_state_shrink(s);
}

/* ---- applying events ------------------------------------------------------ */

/* Tell the sink about an object dropped as a consequence of another change
 * (its key made only when there is one to tell). */
static void drop_report(const struct nh_observe_sink *sink, struct nh_dropped *d)
{
	char key[NH_OBJECT_KEYSIZ];

	if (!sink || !sink->dropped)
		return;
	switch (d->obj) {
	case NH_OBJ_ADDRESS:
		d->key = nh_address_key(d->addr, key, sizeof(key));
		break;
	case NH_OBJ_ROUTE:
		d->key = nh_route_key(d->route, key, sizeof(key));
		break;
	default:
		d->key = nh_neigh_key(d->neigh, key, sizeof(key));
		break;
	}
	sink->dropped(sink->ctx, d);
}

static void dropped_route(const struct nh_observe_sink *sink, const struct nh_route *r)
{
	struct nh_dropped d = { .obj = NH_OBJ_ROUTE, .route = r };

	drop_report(sink, &d);
}

static void dropped_address(const struct nh_observe_sink *sink, const struct nh_address *a)
{
	struct nh_dropped d = { .obj = NH_OBJ_ADDRESS, .addr = a };

	drop_report(sink, &d);
}

static void dropped_neigh(const struct nh_observe_sink *sink, const struct nh_neigh *n)
{
	struct nh_dropped d = { .obj = NH_OBJ_NEIGH, .neigh = n };

	drop_report(sink, &d);
}

/* The routes on ifindex go with it (family's, or all), as the kernel
 * removes them. A route over several nexthops, or over a nexthop object,
 * loses only that leg, or goes when it was the last: which, the state
 * cannot tell (it knows the first leg), so it is kept and the state marked
 * unknown, to be read again. */
static void drop_routes(struct nh_state *s, int ifindex, int family, const struct nh_observe_sink *sink)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *r = &s->routes[i];

		if (r->oif != ifindex || (family && r->dst.family != family)) {
			s->routes[j++] = *r;
		} else if (r->multipath || r->nh_id) {
			/* other legs may live on: kept, its state unknown (a
			 * resync reads it), named as its first leg's link is now */
			s->unknown = true;
			s->routes[j] = *r;
			nh_strlcpy(s->routes[j].dev, link_name(s, r->oif), sizeof(s->routes[j].dev));
			j++;
		} else {
			dropped_route(sink, r);
		}
	}
	s->n_routes = j;
}

static void drop_addresses(struct nh_state *s, int ifindex, const struct nh_observe_sink *sink)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_addrs; i++) {
		if (s->addrs[i].ifindex != ifindex)
			s->addrs[j++] = s->addrs[i];
		else
			dropped_address(sink, &s->addrs[i]);
	}
	s->n_addrs = j;
}

static void drop_neighs(struct nh_state *s, int ifindex, const struct nh_observe_sink *sink)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_neighs; i++) {
		if (s->neighs[i].ifindex != ifindex)
			s->neighs[j++] = s->neighs[i];
		else
			dropped_neigh(sink, &s->neighs[i]);
	}
	s->n_neighs = j;
}

static bool has_ipv4_address(const struct nh_state *s, int ifindex)
{
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex == ifindex && s->addrs[i].prefix.family == AF_INET)
			return true;
	return false;
}

/* Position of the link with this index: by name first (a binary search,
 * the common case), else a scan. -1 when absent. */
static ssize_t link_pos(const struct nh_state *s, const struct nh_link *l)
{
	bool found;
	size_t pos = nh_sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);

	if (found && s->links[pos].ifindex == l->ifindex)
		return (ssize_t)pos;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == l->ifindex)
			return (ssize_t)i;
	return -1;
}

/* A link appeared or was renamed: everything that refers to it by index
 * takes its (new) name, and arrays keyed by its name are re-sorted. */
static void rename_references(struct nh_state *s, const struct nh_link *l)
{
	/* The first end of a new veth pair is announced before its peer
	 * exists, without IFLA_LINK; the second end names it: pair them. */
	if (nh_kind_has(l->kind, NH_KIND_PAIR) && l->link_index > 0 && l->link_netnsid < 0) {
		struct nh_link *p = nh_state_link_by_index(s, l->link_index);

		if (p && p->kind == l->kind && p->link_index <= 0 && p->link_netnsid < 0)
			p->link_index = l->ifindex;
	}
	for (size_t i = 0; i < s->n_links; i++) {
		struct nh_link *o = &s->links[i];

		if (o->master_index == l->ifindex || (o->link_index == l->ifindex && o->link_netnsid < 0))
			resolve_link(s, o);
	}
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex == l->ifindex)
			nh_strlcpy(s->addrs[i].link, l->name, sizeof(s->addrs[i].link));
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].oif == l->ifindex)
			nh_strlcpy(s->routes[i].dev, l->name, sizeof(s->routes[i].dev));
	for (size_t i = 0; i < s->n_neighs; i++)
		if (s->neighs[i].ifindex == l->ifindex)
			nh_strlcpy(s->neighs[i].dev, l->name, sizeof(s->neighs[i].dev));
	if (s->n_addrs)
		qsort(s->addrs, s->n_addrs, sizeof(*s->addrs), addr_cmp);
	if (s->n_neighs)
		qsort(s->neighs, s->n_neighs, sizeof(*s->neighs), neigh_cmp);
}

static void sink_name(const struct nh_observe_sink *sink, const char *name, int delta)
{
	if (sink && sink->link_name)
		sink->link_name(sink->ctx, name, delta);
}

/* Forget link at pos and what hangs on it; references by others stay as
 * indexes (a port's master_index) but lose their names. */
static void remove_link(struct nh_state *s, size_t pos, const struct nh_observe_sink *sink)
{
	int ifindex = s->links[pos].ifindex;

	sink_name(sink, s->links[pos].name, -1);
	nh_sorted_remove(s->links, &s->n_links, sizeof(*s->links), pos);
	drop_addresses(s, ifindex, sink);
	drop_routes(s, ifindex, 0, sink);
	drop_neighs(s, ifindex, sink);
	nh_state_netconf_forget(s, 0, ifindex);
	for (size_t i = 0; i < s->n_links; i++) {
		struct nh_link *o = &s->links[i];

		if (o->master_index == ifindex || (o->link_index == ifindex && o->link_netnsid < 0))
			resolve_link(s, o);
	}
}

/* What a new-link message changed in a state. */
enum link_change {
	LINK_SAME,              /* nothing: a repeated notification */
	LINK_NEW,               /* a link appeared, was renamed or is another link now */
	LINK_SETTINGS,          /* the same link (name, kind, peer, lower device) set otherwise */
	LINK_CARRIER,           /* only its carrier (IFF_LOWER_UP) */
};

/* Whether l is the link o was, only set otherwise: what a diff elsewhere
 * finds a link by (policy/diff_link.c: name, kind, veth partner) is the
 * same. */
static bool same_identity(const struct nh_link *o, const struct nh_link *l)
{
	return strcmp(o->name, l->name) == 0 && o->kind == l->kind && strcmp(o->kind_name, l->kind_name) == 0 &&
	       o->link_index == l->link_index && o->link_netnsid == l->link_netnsid &&
	       strcmp(o->peer_name, l->peer_name) == 0 && strcmp(o->peer_netns, l->peer_netns) == 0 &&
	       strcmp(o->parent, l->parent) == 0;
}

/* Apply l: a link enum link_change, or -ENOMEM. A link s had under
 * another name leaves that name in old_name (NH_IFNAMSIZ bytes). */
static int apply_newlink(struct nh_state *s, struct nh_link *l, const struct nh_observe_sink *sink, char *old_name)
{
	ssize_t old = link_pos(s, l);
	bool was_up = false, renamed = true;
	bool found;
	size_t pos;
	int r;

	resolve_link(s, l);
	if (old >= 0) {
		struct nh_link *o = &s->links[old];

		if (strcmp(o->name, l->name) == 0) {
			bool down = o->up && !l->up;
			bool same = same_identity(o, l);
			struct nh_link carrier = *o;

			if (memcmp(o, l, sizeof(*l)) == 0)
				return LINK_SAME;
			carrier.oper_up = l->oper_up;
			*o = *l;
			/* The kernel flushes a downed link's IPv4 routes silently. */
			if (down)
				drop_routes(s, l->ifindex, AF_INET, sink);
			if (memcmp(&carrier, l, sizeof(*l)) == 0)
				return LINK_CARRIER;
			return same ? LINK_SETTINGS : LINK_NEW;
		}
		was_up = o->up;
		memcpy(old_name, o->name, NH_IFNAMSIZ);
		sink_name(sink, o->name, -1);
		nh_sorted_remove(s->links, &s->n_links, sizeof(*s->links), (size_t)old);
	} else {
		renamed = false;
	}
	/* A stale link of the same name (only after lost events) is replaced. */
	pos = nh_sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);
	if (found) {
		remove_link(s, pos, sink);
		pos = nh_sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);
		resolve_link(s, l);     /* its master or peer may have been the stale link */
	}
	r = nh_sorted_insert(&s->links, &s->n_links, &s->cap_links, sizeof(*s->links), pos, l);
	if (r < 0)
		return r;
	sink_name(sink, l->name, 1);
	if (renamed && was_up && !l->up)
		drop_routes(s, l->ifindex, AF_INET, sink);
	rename_references(s, l);
	return LINK_NEW;
}

static int apply_link(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev,
		      const struct nh_observe_sink *sink)
{
	int r = nh_parse_link_move(nlh, &ev->link, &ev->new_netnsid);
	ssize_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_LINK;
	if (nlh->nlmsg_type == RTM_NEWLINK) {
		r = apply_newlink(s, &ev->link, sink, ev->old_name);
		if (r < 0)
			return r;
		ev->changed = r != LINK_SAME;
		ev->carrier_only = r == LINK_CARRIER;
		ev->settings_only = r == LINK_SETTINGS;
		return 1;
	}
	ev->moved_out = ev->new_netnsid >= 0;
	resolve_link(s, &ev->link);
	pos = link_pos(s, &ev->link);
	if (pos >= 0) {
		remove_link(s, (size_t)pos, sink);
		ev->changed = true;
	}
	return 1;
}

static int apply_address(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev,
			 const struct nh_observe_sink *sink)
{
	struct nh_address *a = &ev->addr;
	int r = nh_parse_address(nlh, a);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_ADDRESS;
	nh_strlcpy(a->link, link_name(s, a->ifindex), sizeof(a->link));
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		r = UPSERT(s, addrs, n_addrs, cap_addrs, a, addr_cmp);
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	pos = nh_sorted_pos(s->addrs, s->n_addrs, sizeof(*s->addrs), a, addr_cmp, &found);
	if (found) {
		nh_sorted_remove(s->addrs, &s->n_addrs, sizeof(*s->addrs), pos);
		ev->changed = true;
	}
	/* The last IPv4 address gone: the kernel disables IPv4 on the link and
	 * flushes its routes without a word. */
	if (a->prefix.family == AF_INET && !has_ipv4_address(s, a->ifindex)) {
		size_t before = s->n_routes;

		drop_routes(s, a->ifindex, AF_INET, sink);
		ev->changed |= s->n_routes != before;
	}
	return 1;
}

/* Remove the routes with rt's key but another device or gateway. */
static bool drop_same_key(struct nh_state *s, const struct nh_route *rt)
{
	size_t j = 0, before = s->n_routes;

	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *o = &s->routes[i];

		if (nh_route_key_cmp(o, rt) == 0 && route_cmp(o, rt) != 0)
			continue;
		s->routes[j++] = *o;
	}
	s->n_routes = j;
	return j != before;
}

static int apply_route(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev,
		       const struct nh_observe_sink *sink)
{
	struct nh_route *rt = &ev->route;
	int r = nh_parse_route(nlh, rt);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	if (!route_kept(sink ? sink->keep : NULL, rt))
		return 0;
	ev->obj = NH_OBJ_ROUTE;
	nh_strlcpy(rt->dev, link_name(s, rt->oif), sizeof(rt->dev));
	if (nlh->nlmsg_type == RTM_NEWROUTE) {
		/* `ip route replace`: the kernel says NLM_F_REPLACE and nothing
		 * about the route it replaced, which had the same key. */
		bool replaced = (nlh->nlmsg_flags & NLM_F_REPLACE) && drop_same_key(s, rt);

		r = UPSERT(s, routes, n_routes, cap_routes, rt, route_cmp);
		if (r >= 0 && replaced)
			r = 1;
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	pos = nh_sorted_pos(s->routes, s->n_routes, sizeof(*s->routes), rt, route_cmp, &found);
	if (found) {
		nh_sorted_remove(s->routes, &s->n_routes, sizeof(*s->routes), pos);
		ev->changed = true;
	}
	return 1;
}

static bool uses_nexthop(const struct nh_state *s, uint32_t id)
{
	for (size_t i = 0; i < s->n_routes; i++)
		if (id && s->routes[i].nh_id == id)
			return true;
	return false;
}

/* A nexthop object deleted: the kernel deleted the routes that used it
 * (IPv4 without a word: fib_flush sends no RTM_DELROUTE), so they go from
 * the state as a consequence. One changed that routes here use (a group
 * that lost a member, or was given others) changes their nexthops, again
 * without a route event: the state is unknown (read again). */
static int apply_nexthop(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev,
			 const struct nh_observe_sink *sink)
{
	size_t j = 0;
	uint32_t id;

	if (nh_parse_nexthop_id(nlh, &id) < 0)
		return -EINVAL;
	if (nlh->nlmsg_type != RTM_DELNEXTHOP) {
		if (!uses_nexthop(s, id))
			return 0;
		ev->obj = NH_OBJ_NEXTHOP;
		ev->nh_id = id;
		s->unknown = true;
		return 1;
	}
	ev->nh_id = id;
	ev->obj = NH_OBJ_NEXTHOP;
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *r = &s->routes[i];

		if (ev->nh_id && r->nh_id == ev->nh_id) {
			dropped_route(sink, r);
			continue;
		}
		s->routes[j++] = *r;
	}
	ev->changed = j != s->n_routes;
	s->n_routes = j;
	return 1;
}

static int apply_rule(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	struct nh_fib_rule *fr = &ev->frule;
	int r = nh_parse_rule(nlh, fr);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_RULE;
	if (nlh->nlmsg_type == RTM_NEWRULE) {
		r = UPSERT(s, rules, n_rules, cap_rules, fr, frule_cmp);
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	pos = nh_sorted_pos(s->rules, s->n_rules, sizeof(*s->rules), fr, frule_cmp, &found);
	if (found) {
		nh_sorted_remove(s->rules, &s->n_rules, sizeof(*s->rules), pos);
		ev->changed = true;
	}
	return 1;
}

/* Only permanent entries are state; the end of one (deleted, or replaced
 * by an entry of another state) is an event, other entries' churn is not. */
static int apply_neigh(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	struct nh_neigh *n = &ev->neigh;
	uint16_t state;
	int r = nh_parse_neigh(nlh, n, &state);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	nh_strlcpy(n->dev, link_name(s, n->ifindex), sizeof(n->dev));
	pos = nh_sorted_pos(s->neighs, s->n_neighs, sizeof(*s->neighs), n, neigh_cmp, &found);
	if (nlh->nlmsg_type == RTM_NEWNEIGH && (state & NUD_PERMANENT)) {
		ev->obj = NH_OBJ_NEIGH;
		r = UPSERT(s, neighs, n_neighs, cap_neighs, n, neigh_cmp);
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	if (!found)
		return 0;
	/* said as what it is for the policy: the permanent entry is gone */
	ev->type = RTM_DELNEIGH;
	ev->obj = NH_OBJ_NEIGH;
	nh_sorted_remove(s->neighs, &s->n_neighs, sizeof(*s->neighs), pos);
	ev->changed = true;
	return 1;
}

/*
 * A setting announced: kept in s's netconf table. A change of `default`
 * is copied by the kernel, unannounced, to every link that has not set its
 * own: those links' entries are forgotten (read again when needed).
 */
static int apply_netconf(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	struct nh_netconf *nc = &ev->netconf;
	int r = nh_parse_netconf(nlh, nc);

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_NETCONF;
	ev->link.ifindex = nc->ifindex;
	if (nc->ifindex == NH_NETCONF_ALL)
		nh_strlcpy(ev->link.name, "all", sizeof(ev->link.name));
	else if (nc->ifindex == NH_NETCONF_DEFAULT)
		nh_strlcpy(ev->link.name, "default", sizeof(ev->link.name));
	else
		nh_strlcpy(ev->link.name, link_name(s, nc->ifindex), sizeof(ev->link.name));
	if (nlh->nlmsg_type == RTM_DELNETCONF) {
		nh_state_netconf_forget(s, nc->family, nc->ifindex);
		return 1;
	}
	if (nc->ifindex == NH_NETCONF_DEFAULT)
		nh_state_netconf_forget(s, nc->family, 0);
	return nh_state_netconf_merge(s, nc) < 0 ? -ENOMEM : 1;
}

static int netconf_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nh_netconf nc;

	if (nlh->nlmsg_type != RTM_NEWNETCONF || nh_parse_netconf(nlh, &nc) != 0)
		return MNL_CB_OK;
	if (nh_state_netconf_merge(data, &nc) < 0) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int nh_observe_netconf_get(struct nh_nl *nl, struct nh_state *s, uint8_t family, int ifindex)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, RTM_GETNETCONF, 0);
	struct netconfmsg *ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));

	ncm->ncm_family = family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)ifindex);
	return nh_nl_dump(nl, nlh, netconf_cb, s);
}

int nh_observe_event(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *out,
		     const struct nh_observe_sink *sink)
{
	struct nh_nl_event ev;
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.type = nlh->nlmsg_type;
	ev.actor_port = nlh->nlmsg_pid;
	ev.actor_seq = nlh->nlmsg_seq;
	ev.new_netnsid = -1;
	ev.nsid = -1;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		r = apply_link(s, nlh, &ev, sink);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = apply_address(s, nlh, &ev, sink);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = apply_route(s, nlh, &ev, sink);
		break;
	case RTM_NEWNSID:
	case RTM_DELNSID:
		ev.obj = NH_OBJ_NSID;
		r = nh_parse_nsid(nlh, &ev.nsid) < 0 ? -EINVAL : 1;
		break;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		r = apply_rule(s, nlh, &ev);
		break;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		r = apply_neigh(s, nlh, &ev);
		break;
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		r = apply_netconf(s, nlh, &ev);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		r = apply_nexthop(s, nlh, &ev, sink);
		break;
	default:
		return 0;
	}
	if (r <= 0)
		return r;
	ev.reread = s->unknown;
	s->unknown = false;
	*out = ev;
	return 1;
}

int nh_observe_apply(struct nh_state *s, const struct nlmsghdr *nlh)
{
	struct nh_nl_event ev;
	int r = nh_observe_event(s, nlh, &ev, NULL);

	if (r <= 0)
		return r;
	return ev.changed ? 1 : 0;
}
