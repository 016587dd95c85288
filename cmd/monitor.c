/*
 * netheal monitor: a namespace-aware `ip monitor`. One line per event:
 *
 *   TIMESTAMP NETNS OBJECT +|-NAME [DETAILS]
 *
 * TIMESTAMP is wall-clock seconds with microseconds (when the event was
 * read), NETNS the namespace's name or "-" for the host. Objects:
 *
 *   link +NAME index N [kind K] up|down [carrier] [mtu N] [mac M] [master B] [peer P]
 *   link -NAME index N                  (deleted)
 *   link -NAME index N moved out nsid N (moved to another namespace)
 *   addr +|-ADDR/LEN dev NAME
 *   route +|-DST inet|inet6 [via GW] [dev NAME] table N metric N proto P
 *   nsid +|-N
 *   rule +|-PRIO inet|inet6 SELECTORS lookup N|ACTION proto P
 *   neigh +|-ADDR dev NAME lladdr M     (permanent entries; "-": deleted or no longer permanent)
 *   sysctl KEY=VALUE ...                (what RTM_NEWNETCONF announces for all, default or a link)
 *   sysctl -net.FAMILY.conf.NAME        (RTM_DELNETCONF: the link's settings are gone)
 *   netns +|-NAME                       (NETNS is "-": the directory changed; +NAME is
 *                                        followed by the + lines of what it holds)
 *   resync REASON                       (events were lost; the namespace was re-read)
 *   state JSON                          (on SIGUSR1, NETNS "*": the observed state)
 *
 * `--dump` prints the observed state of every namespace as one JSON document
 * and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/rtnetlink.h>

#include <ev.h>

#include "policy/kind.h"
#include "cmd.h"
#include "load.h"
#include "common/jsonutil.h"
#include "common/log.h"
#include "monitor/monitor.h"

struct mon {
	struct nh_monitor *m;
	const char *only;       /* --netns: NULL for all, "" for the host */
};

static bool wanted(const struct mon *mon, const char *netns)
{
	return !mon->only || strcmp(mon->only, netns) == 0;
}

/* ---- lines -------------------------------------------------------------------- */

/* Wall-clock time of a monotonic reading. */
static void print_head(FILE *f, uint64_t t_us, const char *netns)
{
	struct timespec rt;
	uint64_t now_rt, now_mono = nh_now_us(), wall;

	clock_gettime(CLOCK_REALTIME, &rt);
	now_rt = (uint64_t)rt.tv_sec * 1000000u + (uint64_t)rt.tv_nsec / 1000u;
	wall = now_rt - (now_mono > t_us ? now_mono - t_us : 0);
	fprintf(f, "%" PRIu64 ".%06" PRIu64 " %s ", wall / 1000000u, wall % 1000000u, *netns ? netns : "-");
}

static const char *proto_str(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case RTPROT_KERNEL:
		return "kernel";
	case RTPROT_BOOT:
		return "boot";
	case RTPROT_STATIC:
		return "static";
	case RTPROT_RA:
		return "ra";
	case RTPROT_DHCP:
		return "dhcp";
	case NH_RTPROT_NETHEAL:
		return "netheal";
	default:
		snprintf(buf, size, "%u", proto);
		return buf;
	}
}

/* A route destination the way `ip route` writes it. */
static const char *dst_str(const struct nh_prefix *p, char *buf, size_t size)
{
	if (p->len == 0)
		return "default";
	return nh_prefix_str(p, p->len != 8 * nh_family_addr_len(p->family), buf, size);
}

static const char *family_str(int family)
{
	return family == AF_INET6 ? "inet6" : "inet";
}

static void print_link(const struct nh_nl_event *ev)
{
	const struct nh_link *l = &ev->link;
	char mac[NH_MAC_STRLEN];

	if (ev->type == RTM_DELLINK) {
		printf("link -%s index %d", l->name, l->ifindex);
		if (ev->moved_out)
			printf(" moved out nsid %d", ev->new_netnsid);
		putchar('\n');
		return;
	}
	printf("link +%s index %d", l->name, l->ifindex);
	if (l->kind_name[0])
		printf(" kind %s", l->kind_name);
	printf(" %s%s", l->up ? "up" : "down", l->oper_up ? " carrier" : "");
	if (l->has & NH_LINK_HAS_MTU)
		printf(" mtu %u", l->mtu);
	if (l->has & NH_LINK_HAS_MAC)
		printf(" mac %s", nh_mac_str(l->mac, mac, sizeof(mac)));
	if (l->master_index)
		printf(" master %s", l->master[0] ? l->master : "?");
	if (l->has & NH_LINK_HAS_PEER)
		printf(" peer %s", l->peer_name);
	else if (nh_kind_has(l->kind, NH_KIND_PAIR) && l->link_netnsid >= 0)
		printf(" peer index %d nsid %d", l->link_index, l->link_netnsid);
	putchar('\n');
}

static void print_route(const struct nh_nl_event *ev)
{
	const struct nh_route *r = &ev->route;
	const char *type = nh_route_type_word(r);
	char buf[64], proto[8];

	printf("route %c%s %s", ev->type == RTM_NEWROUTE ? '+' : '-', dst_str(&r->dst, buf, sizeof(buf)),
	       family_str(r->dst.family));
	if (type)
		printf(" %s", type);
	if (r->has & NH_ROUTE_HAS_VIA)
		printf(" via %s", nh_prefix_str(&r->via, false, buf, sizeof(buf)));
	if (r->has & NH_ROUTE_HAS_DEV)
		printf(" dev %s", r->dev[0] ? r->dev : "?");
	printf(" table %u metric %u proto %s\n", r->table, r->metric, proto_str(r->protocol, proto, sizeof(proto)));
}

static void print_rule(const struct nh_nl_event *ev)
{
	const struct nh_fib_rule *r = &ev->frule;
	char words[320], proto[8];

	printf("rule %c%u %s %s proto %s\n", ev->type == RTM_NEWRULE ? '+' : '-', r->priority, family_str(r->family),
	       nh_fib_rule_words(r, words, sizeof(words)), proto_str(r->protocol, proto, sizeof(proto)));
}

static void print_neigh(const struct nh_nl_event *ev)
{
	const struct nh_neigh *n = &ev->neigh;
	char ip[64], mac[NH_MAC_STRLEN];
	printf("neigh %c%s dev %s", ev->type == RTM_NEWNEIGH ? '+' : '-', nh_prefix_str(&n->addr, false, ip, sizeof(ip)),
	       n->dev[0] ? n->dev : "?");
	if (n->has & NH_NEIGH_HAS_LLADDR)
		printf(" lladdr %s", nh_mac_str(n->lladdr, mac, sizeof(mac)));
	putchar('\n');
}

/* Each announced value as the sysctl it is. */
static void print_netconf(const struct nh_nl_event *ev)
{
	const struct nh_netconf *nc = &ev->netconf;
	const char *fam = nc->family == AF_INET6 ? "ipv6" : "ipv4";
	char idx[32];
	const char *dev = ev->link.name;

	/* a new link's settings are announced before the link itself */
	if (!dev[0]) {
		snprintf(idx, sizeof(idx), "<ifindex %d>", nc->ifindex);
		dev = idx;
	}

	if (ev->type == RTM_DELNETCONF) {
		printf("sysctl -net.%s.conf.%s\n", fam, dev);
		return;
	}
	printf("sysctl");
	for (int v = 0; v < NH_NETCONF__COUNT; v++)
		if (nc->has & (1u << v))
			printf(" net.%s.conf.%s.%s=%d", fam, dev, nh_netconf_leaf(nc->family, (enum nh_netconf_value)v),
			       nc->value[v]);
	putchar('\n');
}

/* The line of an event after its head. */
static void print_body(const struct nh_nl_event *ev)
{
	char buf[64];

	switch (ev->obj) {
	case NH_OBJ_LINK:
		print_link(ev);
		break;
	case NH_OBJ_ADDRESS:
		printf("addr %c%s dev %s\n", ev->type == RTM_NEWADDR ? '+' : '-',
		       nh_prefix_str(&ev->addr.prefix, true, buf, sizeof(buf)),
		       ev->addr.link[0] ? ev->addr.link : "?");
		break;
	case NH_OBJ_ROUTE:
		print_route(ev);
		break;
	case NH_OBJ_NSID:
		printf("nsid %c%d\n", ev->type == RTM_NEWNSID ? '+' : '-', ev->nsid);
		break;
	case NH_OBJ_RULE:
		print_rule(ev);
		break;
	case NH_OBJ_NEIGH:
		print_neigh(ev);
		break;
	case NH_OBJ_NETCONF:
		print_netconf(ev);
		break;
	case NH_OBJ_NEXTHOP:
		if (ev->type == RTM_DELNEXTHOP)
			printf("nexthop -%u (its routes with it)\n", (unsigned)ev->nh_id);
		else
			printf("nexthop ~%u (changed under routes: read again)\n", (unsigned)ev->nh_id);
		break;
	}
}

static void on_event(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx)
{
	struct mon *mon = ctx;

	(void)m;
	/* Unchanged state (a repeated notification) is not news; nsid and
	 * netconf events are news of their own (observe keeps no state of
	 * them). */
	if (!ev->changed && ev->obj != NH_OBJ_NSID && ev->obj != NH_OBJ_NETCONF)
		return;
	if (!wanted(mon, ns->name))
		return;
	print_head(stdout, ev->t_us, ns->name);
	print_body(ev);
}

/* What a namespace first seen holds, as the lines of its objects' making:
 * its events before the monitor knew its nsid could not be told apart from
 * another namespace's and were not printed (a namespace made and set up
 * by another agent at once showed only part of its set-up). */
static void print_state(const struct nh_ns *ns)
{
	const struct nh_state *s = &ns->obs.have;
	struct nh_nl_event *ev = calloc(1, sizeof(*ev));
	uint64_t t = nh_now_us();

	if (!ev)
		return;
	ev->t_us = t;
#define EACH(n, field, object, rtm, member) \
	for (size_t i = 0; i < s->n; i++) { \
		memset(ev, 0, sizeof(*ev)); \
		ev->obj = object; \
		ev->type = rtm; \
		ev->member = s->field[i]; \
		print_head(stdout, t, ns->name); \
		print_body(ev); \
	}
	EACH(n_links, links, NH_OBJ_LINK, RTM_NEWLINK, link)
	EACH(n_addrs, addrs, NH_OBJ_ADDRESS, RTM_NEWADDR, addr)
	EACH(n_routes, routes, NH_OBJ_ROUTE, RTM_NEWROUTE, route)
	EACH(n_rules, rules, NH_OBJ_RULE, RTM_NEWRULE, frule)
	EACH(n_neighs, neighs, NH_OBJ_NEIGH, RTM_NEWNEIGH, neigh)
#undef EACH
	free(ev);
}

static void on_added(struct nh_monitor *m, struct nh_ns *ns, void *ctx)
{
	struct mon *mon = ctx;

	(void)m;
	if (wanted(mon, ns->name)) {
		print_head(stdout, nh_now_us(), "");
		printf("netns +%s\n", ns->name);
		if (ns->obs.valid)      /* else: too busy to read; a resync line follows its read */
			print_state(ns);
	}
}

static void on_removed(struct nh_monitor *m, const char *name, void *ctx)
{
	struct mon *mon = ctx;

	(void)m;
	if (wanted(mon, name)) {
		print_head(stdout, nh_now_us(), "");
		printf("netns -%s\n", name);
	}
}

static void on_resynced(struct nh_monitor *m, struct nh_ns *ns, const char *reason, void *ctx)
{
	struct mon *mon = ctx;

	(void)m;
	if (wanted(mon, ns->name)) {
		print_head(stdout, nh_now_us(), ns->name);
		printf("resync %s\n", reason);
	}
}

static const struct nh_monitor_ops ops = {
	.netns_added = on_added,
	.netns_removed = on_removed,
	.event = on_event,
	.resynced = on_resynced,
};

/* ---- JSON --------------------------------------------------------------------- */

/* Each builder returns a new reference, NULL on ENOMEM. Names come from the
 * kernel and the file system: they go through nh_json_string(). Each
 * json_object_set_new() and json_array_append_new() takes its value (NULL
 * makes it fail), and a failed one stops the chain before the next value is
 * made: nothing leaks. */

static json_t *link_json(const struct nh_link *l)
{
	char mac[NH_MAC_STRLEN];
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "name", nh_json_string(l->name)) < 0 ||
	    json_object_set_new(o, "index", json_integer(l->ifindex)) < 0 ||
	    json_object_set_new(o, "kind", nh_json_string(l->kind_name)) < 0 ||
	    json_object_set_new(o, "up", json_boolean(l->up)) < 0 ||
	    json_object_set_new(o, "carrier", json_boolean(l->oper_up)) < 0 ||
	    json_object_set_new(o, "mtu", json_integer(l->mtu)) < 0 ||
	    json_object_set_new(o, "mac", json_string(l->has & NH_LINK_HAS_MAC ?
						     nh_mac_str(l->mac, mac, sizeof(mac)) : "")) < 0 ||
	    json_object_set_new(o, "master", nh_json_string(l->master)) < 0 ||
	    json_object_set_new(o, "peer", nh_json_string(l->peer_name)) < 0 ||
	    json_object_set_new(o, "link_index", json_integer(l->link_index)) < 0 ||
	    json_object_set_new(o, "link_netnsid", json_integer(l->link_netnsid)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *address_json(const struct nh_address *a)
{
	char buf[64];
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "dev", nh_json_string(a->link)) < 0 ||
	    json_object_set_new(o, "family", json_string(family_str(a->prefix.family))) < 0 ||
	    json_object_set_new(o, "address", json_string(nh_prefix_str(&a->prefix, false, buf, sizeof(buf)))) < 0 ||
	    json_object_set_new(o, "prefixlen", json_integer(a->prefix.len)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *route_json(const struct nh_route *r)
{
	const char *type = nh_route_type_word(r);
	char dst[64], via[64] = "";
	json_t *o = json_object();

	if (r->has & NH_ROUTE_HAS_VIA)
		nh_prefix_str(&r->via, false, via, sizeof(via));
	if (!o || json_object_set_new(o, "family", json_string(family_str(r->dst.family))) < 0 ||
	    json_object_set_new(o, "dst", json_string(dst_str(&r->dst, dst, sizeof(dst)))) < 0 ||
	    json_object_set_new(o, "gateway", json_string(via)) < 0 ||
	    json_object_set_new(o, "dev", nh_json_string(r->dev)) < 0 ||
	    json_object_set_new(o, "table", json_integer(r->table)) < 0 ||
	    json_object_set_new(o, "metric", json_integer(r->metric)) < 0 ||
	    json_object_set_new(o, "protocol", json_integer(r->protocol)) < 0 ||
	    json_object_set_new(o, "type", json_string(type ? type : "unicast")) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *rule_json(const struct nh_fib_rule *r)
{
	char words[320];
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "family", json_string(family_str(r->family))) < 0 ||
	    json_object_set_new(o, "priority", json_integer(r->priority)) < 0 ||
	    json_object_set_new(o, "rule", nh_json_string(nh_fib_rule_words(r, words, sizeof(words)))) < 0 ||
	    json_object_set_new(o, "protocol", json_integer(r->protocol)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *neigh_json(const struct nh_neigh *n)
{
	char ip[64], mac[NH_MAC_STRLEN] = "";
	json_t *o = json_object();

	if (n->has & NH_NEIGH_HAS_LLADDR)
		nh_mac_str(n->lladdr, mac, sizeof(mac));
	if (!o || json_object_set_new(o, "dev", nh_json_string(n->dev)) < 0 ||
	    json_object_set_new(o, "address", json_string(nh_prefix_str(&n->addr, false, ip, sizeof(ip)))) < 0 ||
	    json_object_set_new(o, "lladdr", json_string(mac)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *rules_json(const struct nh_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_rules; i++) {
		if (json_array_append_new(a, rule_json(&s->rules[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *neighs_json(const struct nh_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_neighs; i++) {
		if (json_array_append_new(a, neigh_json(&s->neighs[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *links_json(const struct nh_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_links; i++) {
		if (json_array_append_new(a, link_json(&s->links[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *addresses_json(const struct nh_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_addrs; i++) {
		if (json_array_append_new(a, address_json(&s->addrs[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *routes_json(const struct nh_state *s)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < s->n_routes; i++) {
		if (json_array_append_new(a, route_json(&s->routes[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *ns_json(const struct nh_ns *ns)
{
	const struct nh_state *s = &ns->obs.have;
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "name", nh_json_string(*ns->name ? ns->name : "-")) < 0 ||
	    json_object_set_new(o, "valid", json_boolean(ns->obs.valid)) < 0 ||
	    json_object_set_new(o, "links", links_json(s)) < 0 ||
	    json_object_set_new(o, "addresses", addresses_json(s)) < 0 ||
	    json_object_set_new(o, "routes", routes_json(s)) < 0 ||
	    json_object_set_new(o, "rules", rules_json(s)) < 0 ||
	    json_object_set_new(o, "neighbours", neighs_json(s)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Whether the namespace called name is watched now. */
static bool watched(const struct mon *mon, const char *name)
{
	for (size_t i = 0; i < nh_monitor_count(mon->m); i++)
		if (strcmp(nh_monitor_at(mon->m, i)->name, name) == 0)
			return true;
	return false;
}

/* {"netns":[{...}, ...]}: the observed state of the wanted namespaces. */
static json_t *state_json(const struct mon *mon)
{
	json_t *o = json_object(), *list = json_array();

	if (!o || !list)
		goto fail;
	for (size_t i = 0; i < nh_monitor_count(mon->m); i++) {
		const struct nh_ns *ns = nh_monitor_at(mon->m, i);

		if (wanted(mon, ns->name) && json_array_append_new(list, ns_json(ns)) < 0)
			goto fail;
	}
	if (json_object_set_new(o, "netns", list) < 0) {
		list = NULL;            /* taken, and freed, by the failed call */
		goto fail;
	}
	return o;
fail:
	json_decref(list);
	json_decref(o);
	return NULL;
}

/* doc on one line. 0 or -EIO. */
static int put_json_line(FILE *f, const json_t *doc)
{
	return json_dumpf(doc, f, JSON_COMPACT) < 0 || fputc('\n', f) == EOF ? -EIO : 0;
}

/* ---- main --------------------------------------------------------------------- */

static void on_stop(struct ev_loop *loop, ev_signal *w, int revents)
{
	(void)w;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* One write for the whole (long) line, so a reader never sees half of it. */
static void on_usr1(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct mon *mon = w->data;
	json_t *doc = state_json(mon);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = doc ? open_memstream(&buf, &len) : NULL;
	int r = -ENOMEM;

	(void)loop;
	(void)revents;
	if (f) {
		print_head(f, nh_now_us(), "*");
		fprintf(f, "state ");
		r = put_json_line(f, doc);
		if (fclose(f) != 0 && r == 0)
			r = -ENOMEM;
	}
	json_decref(doc);
	if (r == 0) {
		fflush(stdout);
		fwrite(buf, 1, len, stdout);
		fflush(stdout);
	} else {
		nh_log_errno(NH_ERR, r, "cannot print the state");
	}
	free(buf);
}

static void help(void)
{
	printf("Usage: netheal monitor [OPTIONS]\n"
	       "Print link, address, route, rule, neighbour, sysctl and namespace events of\n"
	       "the host and every named namespace, one line each, with a microsecond\n"
	       "timestamp.\n\n"
	       "  -c, --config FILE      configuration file (default %s): its netns_dir\n"
	       "      --netns-dir DIR    where named namespaces live (default: the\n"
	       "                         configuration's netns_dir, else /run/netns)\n"
	       "  -n, --netns NAME       only this namespace; '-' is the host\n"
	       "      --dump             print the observed state as JSON and exit\n"
	       "  -v, --verbose          debug logging on stderr\n"
	       "  -h, --help             this text\n\n"
	       "Lines: TIMESTAMP NETNS OBJECT DETAILS, NETNS '-' for the host:\n"
	       "  link +NAME index N [kind K] up|down [carrier] [mtu N] [mac M] [master B] [peer P]\n"
	       "  link -NAME index N [moved out nsid N]\n"
	       "  addr +|-ADDR/LEN dev NAME\n"
	       "  route +|-DST inet|inet6 [blackhole|unreachable|prohibit|throw] [via GW] [dev NAME]\n"
	       "         table N metric N proto P\n"
	       "  rule +|-PRIORITY inet|inet6 WORDS proto P\n"
	       "  neigh +|-ADDR dev NAME [lladdr MAC] STATE\n"
	       "  sysctl net.FAMILY.conf.DEV.KEY=N ... (sysctl -net.FAMILY.conf.DEV: gone;\n"
	       "                         DEV '<ifindex N>': a link not seen yet)\n"
	       "  nsid +|-N\n"
	       "  netns +|-NAME          +NAME: followed by what it holds when first seen, as + lines\n"
	       "  resync REASON          events were lost (overrun): the namespace was re-read\n"
	       "SIGUSR1 prints 'TIMESTAMP * state JSON', the observed state.\n", NH_DEFAULT_CONFIG);
}

static int run_loop(struct mon *mon, struct ev_loop *loop)
{
	ev_signal sint, sterm, susr1;

	ev_signal_init(&sint, on_stop, SIGINT);
	ev_signal_init(&sterm, on_stop, SIGTERM);
	ev_signal_init(&susr1, on_usr1, SIGUSR1);
	susr1.data = mon;
	ev_signal_start(loop, &sint);
	ev_signal_start(loop, &sterm);
	ev_signal_start(loop, &susr1);
	/* Also tells a waiting test that signals are handled from now on. */
	if (mon->only)
		nh_info("monitoring %s%s (of %zu namespaces read: the host and %s/*)", *mon->only ? "namespace " : "the host",
			mon->only, nh_monitor_count(mon->m), nh_monitor_netns_dir(mon->m));
	else
		nh_info("monitoring %zu namespace%s (the host and %s/*)", nh_monitor_count(mon->m),
			nh_monitor_count(mon->m) == 1 ? "" : "s", nh_monitor_netns_dir(mon->m));
	ev_run(loop, 0);
	ev_signal_stop(loop, &sint);
	ev_signal_stop(loop, &sterm);
	ev_signal_stop(loop, &susr1);
	return 0;
}

enum { OPT_NETNS_DIR = 256, OPT_DUMP, OPT_RCVBUF };

int nh_cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "netns-dir", required_argument, NULL, OPT_NETNS_DIR },
		{ "netns", required_argument, NULL, 'n' },
		{ "dump", no_argument, NULL, OPT_DUMP },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },     /* hidden: tests */
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *dir = NULL, *config = NH_DEFAULT_CONFIG;
	struct nh_policy policy = { 0 };
	struct mon mon = { 0 };
	struct ev_loop *loop = NULL;
	bool dump = false, verbose = false;
	long rcvbuf = 0;
	int c, r, rc = 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:n:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case OPT_NETNS_DIR:
			dir = optarg;
			break;
		case 'n':
			mon.only = strcmp(optarg, "-") == 0 ? "" : optarg;
			break;
		case OPT_DUMP:
			dump = true;
			break;
		case OPT_RCVBUF: {
			char *end;

			errno = 0;
			rcvbuf = strtol(optarg, &end, 10);
			if (errno || *end || rcvbuf <= 0 || rcvbuf > NH_MONITOR_RCVBUF_MAX)
				return nh_usage_error("monitor", "bad --rcvbuf '%s'", optarg);
			break;
		}
		case 'v':
			verbose = true;
			break;
		case 'h':
			help();
			return 0;
		default:       /* '?', and ':' (a missing argument) */
			return nh_usage_refused("monitor", c, argc, argv, opts, NULL);
		}
	}
	if (optind < argc)
		return nh_usage_error("monitor", "unexpected argument '%s'", argv[optind]);
	nh_log_init(NH_LOG_STDERR, verbose);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!dir)       /* a broken configuration still lets one watch */
		dir = nh_cmd_load_quiet(config, &policy) == 0 ? policy.settings.netns_dir : "/run/netns";
	if (!dump) {
		loop = ev_default_loop(EVFLAG_AUTO);
		if (!loop) {
			nh_err("cannot start the event loop");
			return 1;
		}
	}
	r = nh_monitor_new(loop, dir, NH_MONITOR_NEIGH | NH_MONITOR_NETCONF, &ops, &mon, &mon.m);
	if (r < 0) {
		nh_log_errno(NH_ERR, r, "cannot start monitoring");
		goto out;
	}
	if (rcvbuf)
		nh_monitor_set_rcvbuf(mon.m, (int)rcvbuf);
	if (mon.only && *mon.only && !watched(&mon, mon.only)) {
		if (dump) {
			nh_err("no namespace %s in %s", mon.only, dir);
			goto out;
		}
		nh_warn("no namespace %s in %s yet: waiting for it", mon.only, dir);
	}
	if (dump) {
		json_t *doc = state_json(&mon);

		r = doc ? put_json_line(stdout, doc) : -ENOMEM;
		json_decref(doc);
		if (r < 0) {
			nh_log_errno(NH_ERR, r, "cannot print the state");
			goto out;
		}
	} else {
		run_loop(&mon, loop);
	}
	rc = 0;
out:
	nh_monitor_free(mon.m);
	nh_policy_free(&policy);
	if (loop)
		ev_loop_destroy(loop);
	fflush(stdout);
	return rc;
}
