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
 *   netns +|-NAME                       (NETNS is "-": the directory changed)
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

static const char *mac_str(const uint8_t *mac, char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
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
	char mac[32];

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
		printf(" mac %s", mac_str(l->mac, mac, sizeof(mac)));
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
	char buf[64], proto[8];

	printf("route %c%s %s", ev->type == RTM_NEWROUTE ? '+' : '-', dst_str(&r->dst, buf, sizeof(buf)),
	       family_str(r->dst.family));
	if (r->has & NH_ROUTE_HAS_VIA)
		printf(" via %s", nh_prefix_str(&r->via, false, buf, sizeof(buf)));
	if (r->has & NH_ROUTE_HAS_DEV)
		printf(" dev %s", r->dev[0] ? r->dev : "?");
	printf(" table %u metric %u proto %s\n", r->table, r->metric, proto_str(r->protocol, proto, sizeof(proto)));
}

static void on_event(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx)
{
	struct mon *mon = ctx;
	char buf[64];

	(void)m;
	/* Unchanged state (a repeated notification) is not news. */
	if (!ev->changed && ev->obj != NH_OBJ_NSID)
		return;
	if (!wanted(mon, ns->name))
		return;
	print_head(stdout, ev->t_us, ns->name);
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
	}
}

static void on_added(struct nh_monitor *m, struct nh_ns *ns, void *ctx)
{
	struct mon *mon = ctx;

	(void)m;
	if (wanted(mon, ns->name)) {
		print_head(stdout, nh_now_us(), "");
		printf("netns +%s\n", ns->name);
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

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static void json_link(FILE *f, const struct nh_link *l)
{
	char mac[32];

	fprintf(f, "{\"name\":");
	json_str(f, l->name);
	fprintf(f, ",\"index\":%d,\"kind\":", l->ifindex);
	json_str(f, l->kind_name);
	fprintf(f, ",\"up\":%s,\"carrier\":%s,\"mtu\":%u,\"mac\":", l->up ? "true" : "false",
		l->oper_up ? "true" : "false", l->mtu);
	json_str(f, l->has & NH_LINK_HAS_MAC ? mac_str(l->mac, mac, sizeof(mac)) : "");
	fprintf(f, ",\"master\":");
	json_str(f, l->master);
	fprintf(f, ",\"peer\":");
	json_str(f, l->peer_name);
	fprintf(f, ",\"link_index\":%d,\"link_netnsid\":%d}", l->link_index, l->link_netnsid);
}

static void json_address(FILE *f, const struct nh_address *a)
{
	char buf[64];

	fprintf(f, "{\"dev\":");
	json_str(f, a->link);
	fprintf(f, ",\"family\":\"%s\",\"address\":\"%s\",\"prefixlen\":%u}", family_str(a->prefix.family),
		nh_prefix_str(&a->prefix, false, buf, sizeof(buf)), a->prefix.len);
}

static void json_route(FILE *f, const struct nh_route *r)
{
	char buf[64];

	fprintf(f, "{\"family\":\"%s\",\"dst\":\"%s\",\"gateway\":\"%s\",\"dev\":", family_str(r->dst.family),
		dst_str(&r->dst, buf, sizeof(buf)),
		r->has & NH_ROUTE_HAS_VIA ? nh_prefix_str(&r->via, false, (char[64]){ 0 }, 64) : "");
	json_str(f, r->dev);
	fprintf(f, ",\"table\":%u,\"metric\":%u,\"protocol\":%u}", r->table, r->metric, r->protocol);
}

static void json_ns(FILE *f, const struct nh_ns *ns)
{
	const struct nh_state *s = &ns->have;

	fprintf(f, "{\"name\":");
	json_str(f, ns->name);
	fprintf(f, ",\"valid\":%s,\"links\":[", ns->have_valid ? "true" : "false");
	for (size_t i = 0; i < s->n_links; i++) {
		if (i)
			fputc(',', f);
		json_link(f, &s->links[i]);
	}
	fprintf(f, "],\"addresses\":[");
	for (size_t i = 0; i < s->n_addrs; i++) {
		if (i)
			fputc(',', f);
		json_address(f, &s->addrs[i]);
	}
	fprintf(f, "],\"routes\":[");
	for (size_t i = 0; i < s->n_routes; i++) {
		if (i)
			fputc(',', f);
		json_route(f, &s->routes[i]);
	}
	fprintf(f, "]}");
}

/* {"netns":[{...}, ...]} on one line. */
static void json_state(FILE *f, const struct mon *mon)
{
	bool first = true;

	fprintf(f, "{\"netns\":[");
	for (size_t i = 0; i < nh_monitor_count(mon->m); i++) {
		const struct nh_ns *ns = nh_monitor_at(mon->m, i);

		if (!wanted(mon, ns->name))
			continue;
		if (!first)
			fputc(',', f);
		first = false;
		json_ns(f, ns);
	}
	fprintf(f, "]}\n");
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
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)loop;
	(void)revents;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	print_head(f, nh_now_us(), "*");
	fprintf(f, "state ");
	json_state(f, mon);
	fclose(f);
	fflush(stdout);
	fwrite(buf, 1, len, stdout);
	fflush(stdout);
	free(buf);
}

static void help(void)
{
	printf("Usage: netheal monitor [OPTIONS]\n"
	       "Print link, address, route and namespace events of the host and every named\n"
	       "namespace, one line each, with a microsecond timestamp.\n\n"
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
	       "  route +|-DST inet|inet6 [via GW] [dev NAME] table N metric N proto P\n"
	       "  nsid +|-N\n"
	       "  netns +|-NAME\n"
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
	nh_info("monitoring %zu namespaces (the host and %s/*)", nh_monitor_count(mon->m),
		nh_monitor_netns_dir(mon->m));
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
	while ((c = getopt_long(argc, argv, "c:n:vh", opts, NULL)) != -1) {
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
		default:
			return nh_usage_error("monitor", "unknown option '%s'", argv[optind - 1]);
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
	r = nh_monitor_new(loop, dir, &ops, &mon, &mon.m);
	if (r < 0) {
		nh_log_errno(NH_ERR, r, "cannot start monitoring");
		goto out;
	}
	if (rcvbuf)
		nh_monitor_set_rcvbuf(mon.m, (int)rcvbuf);
	if (dump)
		json_state(stdout, &mon);
	else
		run_loop(&mon, loop);
	rc = 0;
out:
	nh_monitor_free(mon.m);
	nh_policy_free(&policy);
	if (loop)
		ev_loop_destroy(loop);
	fflush(stdout);
	return rc;
}
