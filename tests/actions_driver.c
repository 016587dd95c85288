/*
 * actions_driver: run one action from the command line through
 * nh_action_exec, for tests/integration/actions.sh. Refuses to run outside
 * the sandbox (it changes network state).
 *
 *   actions_driver [--netns-dir DIR] COMMAND ARG... [OPTION VALUE]...
 *
 * NS is a named namespace or '' for the one the driver runs in. Prints
 * "ok ifindex=N" or "error errno=NAME reason=TEXT"; exits 0, 1, or 64 on a
 * usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/kind.h"
#include "actions/actions.h"
#include "common/util.h"
#include "tests/sandbox.h"

#define DRV_MAX_NS 8
#define EXIT_USAGE 64

struct drv_ns {
	char name[NH_NETNS_NAMSIZ];
	int fd;
	struct nh_nl nl;
};

struct drv {
	const char *dir;
	struct drv_ns ns[DRV_MAX_NS];
	size_t n;
};

static int drv_netns(void *ctx, const char *name, unsigned int need, struct nh_exec_ns *out)
{
	struct drv *d = ctx;
	struct drv_ns *ns;
	int r;

	(void)need;     /* the socket always; settings by their path */
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->ns[i].name, name) == 0) {
			*out = (struct nh_exec_ns){ .fd = d->ns[i].fd, .nl = &d->ns[i].nl, .sysctl_dirs = NULL };
			return 0;
		}
	}
	if (d->n == DRV_MAX_NS)
		return -ENOMEM;
	ns = &d->ns[d->n];
	if (nh_strlcpy(ns->name, name, sizeof(ns->name)) < 0)
		return -EINVAL;
	ns->fd = name[0] ? nh_netns_open(d->dir, name) : open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return name[0] ? ns->fd : -errno;
	r = nh_nl_open(&ns->nl, name[0] ? ns->fd : -1, NULL, 0, 0);
	if (r < 0) {
		close(ns->fd);
		return r;
	}
	d->n++;
	*out = (struct nh_exec_ns){ .fd = ns->fd, .nl = &ns->nl, .sysctl_dirs = NULL };
	return 0;
}

static void drv_close(struct drv *d)
{
	for (size_t i = 0; i < d->n; i++) {
		nh_nl_close(&d->ns[i].nl);
		close(d->ns[i].fd);
	}
	d->n = 0;
}

/* ---- argument parsing ---------------------------------------------------- */

static int usage(const char *msg, const char *arg)
{
	fprintf(stderr, "actions_driver: %s%s%s\n", msg, arg ? ": " : "", arg ? arg : "");
	fprintf(stderr,
		"usage: actions_driver [--netns-dir DIR] COMMAND ...\n"
		"  create-netns NAME\n"
		"  create-link KIND NAME [--netns NS] [--peer NAME] [--peer-netns NS] [--mtu N] [--mac MAC]\n"
		"              [--peer-mtu N] [--peer-mac MAC] [--parent LINK] [--id N] [--mode MODE]\n"
		"              [--remote IP] [--local IP] [--group IP] [--port N]\n"
		"  delete-link NS NAME\n"
		"  move-link FROM NAME TO [--as NEWNAME]\n"
		"  rename-link NS NAME NEWNAME\n"
		"  set-master NS NAME MASTER ('' = nomaster)\n"
		"  set-mtu NS NAME MTU | set-mac NS NAME MAC | set-up NS NAME up|down\n"
		"  add-address NS LINK ADDR/LEN\n"
		"  add-route NS DEST [via GW] [dev DEV] [metric N] [table N]\n"
		"  report NS NAME\n");
	return EXIT_USAGE;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || !*s || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int copy_name(char *dst, size_t size, const char *src)
{
	return nh_strlcpy(dst, src, size);
}

/* One "--option value" of create-link. */
static int link_option(struct nh_action *a, const char *opt, const char *val)
{
	struct nh_link *l = &a->link, *p = &a->peer;
	int m;

	if (!strcmp(opt, "--netns"))
		return copy_name(a->netns, sizeof(a->netns), val);
	if (!strcmp(opt, "--peer")) {
		l->has |= NH_LINK_HAS_PEER;
		return copy_name(l->peer_name, sizeof(l->peer_name), val);
	}
	if (!strcmp(opt, "--peer-netns"))
		return copy_name(l->peer_netns, sizeof(l->peer_netns), val);
	if (!strcmp(opt, "--mtu")) {
		l->has |= NH_LINK_HAS_MTU;
		return parse_u32(val, &l->mtu);
	}
	if (!strcmp(opt, "--mac")) {
		l->has |= NH_LINK_HAS_MAC;
		return nh_mac_parse(val, l->mac);
	}
	if (!strcmp(opt, "--peer-mtu")) {
		p->has |= NH_LINK_HAS_MTU;
		return parse_u32(val, &p->mtu);
	}
	if (!strcmp(opt, "--peer-mac")) {
		p->has |= NH_LINK_HAS_MAC;
		return nh_mac_parse(val, p->mac);
	}
	if (!strcmp(opt, "--parent")) {
		l->has |= NH_LINK_HAS_PARENT;
		return copy_name(l->parent, sizeof(l->parent), val);
	}
	if (!strcmp(opt, "--id")) {
		l->has |= NH_LINK_HAS_ID;
		return parse_u32(val, &l->id);
	}
	if (!strcmp(opt, "--mode")) {
		m = nh_macvlan_mode_from_string(val);
		if (m < 0)
			return m;
		l->has |= NH_LINK_HAS_MACVLAN_MODE;
		l->macvlan_mode = (enum nh_macvlan_mode)m;
		return 0;
	}
	if (!strcmp(opt, "--remote")) {
		l->has |= NH_LINK_HAS_REMOTE;
		return nh_ip_parse(val, &l->remote);
	}
	if (!strcmp(opt, "--local")) {
		l->has |= NH_LINK_HAS_LOCAL;
		return nh_ip_parse(val, &l->local);
	}
	if (!strcmp(opt, "--group")) {
		l->has |= NH_LINK_HAS_GROUP;
		return nh_ip_parse(val, &l->group);
	}
	if (!strcmp(opt, "--port")) {
		uint32_t port;

		if (parse_u32(val, &port) < 0 || port > 65535)
			return -EINVAL;
		l->has |= NH_LINK_HAS_PORT;
		l->port = (uint16_t)port;
		return 0;
	}
	return -ENOENT;
}

static int parse_create_link(int argc, char **argv, struct nh_action *a)
{
	if (argc < 3)
		return usage("create-link needs KIND NAME", NULL);
	a->type = NH_ACT_LINK_CREATE;
	a->link.kind = nh_kind_by_name(argv[1]);
	if (!a->link.kind)
		return usage("unknown kind", argv[1]);
	if (copy_name(a->link.name, sizeof(a->link.name), argv[2]) < 0)
		return usage("bad name", argv[2]);
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage("missing value", argv[i]);
		if (link_option(a, argv[i], argv[i + 1]) < 0)
			return usage("bad option", argv[i]);
	}
	return 0;
}

static int route_option(struct nh_route *rt, const char *opt, const char *val)
{
	if (!strcmp(opt, "via")) {
		rt->has |= NH_ROUTE_HAS_VIA;
		return nh_ip_parse(val, &rt->via);
	}
	if (!strcmp(opt, "dev")) {
		rt->has |= NH_ROUTE_HAS_DEV;
		return copy_name(rt->dev, sizeof(rt->dev), val);
	}
	if (!strcmp(opt, "metric")) {
		rt->has |= NH_ROUTE_HAS_METRIC;
		return parse_u32(val, &rt->metric);
	}
	if (!strcmp(opt, "table"))
		return parse_u32(val, &rt->table);
	return -ENOENT;
}

static int parse_add_route(int argc, char **argv, struct nh_action *a)
{
	struct nh_route *rt = &a->route;

	if (argc < 3)
		return usage("add-route needs NS DEST", NULL);
	a->type = NH_ACT_ROUTE_ADD;
	rt->table = NH_RT_TABLE_MAIN;
	if (copy_name(a->netns, sizeof(a->netns), argv[1]) < 0)
		return usage("bad namespace", argv[1]);
	if (!strcmp(argv[2], "default") || !strcmp(argv[2], "default6")) {
		rt->dst.family = argv[2][7] ? AF_INET6 : AF_INET;
	} else if (nh_prefix_parse(argv[2], &rt->dst) < 0 && nh_ip_parse(argv[2], &rt->dst) < 0) {
		return usage("bad destination", argv[2]);
	}
	for (int i = 3; i < argc; i += 2) {
		if (i + 1 >= argc)
			return usage("missing value", argv[i]);
		if (route_option(rt, argv[i], argv[i + 1]) < 0)
			return usage("bad option", argv[i]);
	}
	/* "default" with an IPv6 gateway is an IPv6 default route */
	if (rt->dst.len == 0 && (rt->has & NH_ROUTE_HAS_VIA))
		rt->dst.family = rt->via.family;
	return 0;
}

/* NS NAME [VALUE]: the commands on one existing link. */
static int parse_link_cmd(int argc, char **argv, struct nh_action *a, enum nh_action_type t, int nargs)
{
	struct nh_link *l = &a->link;

	if (argc != 3 + nargs)
		return usage("wrong number of arguments for", argv[0]);
	a->type = t;
	if (copy_name(a->netns, sizeof(a->netns), argv[1]) < 0 ||
	    copy_name(l->name, sizeof(l->name), argv[2]) < 0)
		return usage("bad name", argv[2]);
	switch (t) {
	case NH_ACT_LINK_SET_MASTER:
		l->has |= NH_LINK_HAS_MASTER;
		return copy_name(l->master, sizeof(l->master), argv[3]) < 0 ? usage("bad master", argv[3]) : 0;
	case NH_ACT_LINK_SET_MTU:
		l->has |= NH_LINK_HAS_MTU;
		return parse_u32(argv[3], &l->mtu) < 0 ? usage("bad mtu", argv[3]) : 0;
	case NH_ACT_LINK_SET_MAC:
		l->has |= NH_LINK_HAS_MAC;
		return nh_mac_parse(argv[3], l->mac) < 0 ? usage("bad mac", argv[3]) : 0;
	case NH_ACT_LINK_SET_UP:
		l->has |= NH_LINK_HAS_UP;
		l->up = !strcmp(argv[3], "up");
		return !l->up && strcmp(argv[3], "down") ? usage("up or down", argv[3]) : 0;
	case NH_ACT_ADDR_ADD:
		if (copy_name(a->addr.link, sizeof(a->addr.link), argv[2]) < 0 ||
		    nh_prefix_parse(argv[3], &a->addr.prefix) < 0)
			return usage("bad address", argv[3]);
		return 0;
	default:
		return 0;
	}
}

/* The index of NAME in namespace NS, as the diff would have observed it. */
static int observed_index(struct drv *d, const char *ns, const char *name)
{
	struct nh_exec_ns e;
	int r = drv_netns(d, ns, NH_EXEC_NS_REQUEST, &e);

	return r < 0 ? r : nh_link_ifindex(e.nl, name);
}

static int parse_move(int argc, char **argv, struct drv *d, struct nh_action *a)
{
	if (argc != 4 && !(argc == 6 && !strcmp(argv[4], "--as")))
		return usage("move-link FROM NAME TO [--as NEWNAME]", NULL);
	a->type = NH_ACT_LINK_MOVE;
	if (copy_name(a->from_netns, sizeof(a->from_netns), argv[1]) < 0 ||
	    copy_name(a->netns, sizeof(a->netns), argv[3]) < 0 ||
	    copy_name(a->link.name, sizeof(a->link.name), argc == 6 ? argv[5] : argv[2]) < 0)
		return usage("bad name", NULL);
	a->link.kind = &nh_kind_physical;
	if (argc == 6) {
		a->ifindex = observed_index(d, argv[1], argv[2]);
		if (a->ifindex < 0)
			a->ifindex = 0;         /* the executor reports it missing */
	}
	return 0;
}

static int parse_rename(int argc, char **argv, struct drv *d, struct nh_action *a)
{
	int idx;

	if (argc != 4)
		return usage("rename-link NS NAME NEWNAME", NULL);
	a->type = NH_ACT_LINK_RENAME;
	if (copy_name(a->netns, sizeof(a->netns), argv[1]) < 0 ||
	    copy_name(a->link.name, sizeof(a->link.name), argv[3]) < 0)
		return usage("bad name", NULL);
	idx = observed_index(d, argv[1], argv[2]);
	a->ifindex = idx > 0 ? idx : 0;
	return 0;
}

static int parse_action(int argc, char **argv, struct drv *d, struct nh_action *a)
{
	const char *cmd = argv[0];

	memset(a, 0, sizeof(*a));
	if (!strcmp(cmd, "create-netns")) {
		if (argc != 2 || copy_name(a->netns, sizeof(a->netns), argv[1]) < 0)
			return usage("create-netns NAME", NULL);
		a->type = NH_ACT_NETNS_CREATE;
		return 0;
	}
	if (!strcmp(cmd, "create-link"))
		return parse_create_link(argc, argv, a);
	if (!strcmp(cmd, "add-route"))
		return parse_add_route(argc, argv, a);
	if (!strcmp(cmd, "move-link"))
		return parse_move(argc, argv, d, a);
	if (!strcmp(cmd, "rename-link"))
		return parse_rename(argc, argv, d, a);
	if (!strcmp(cmd, "delete-link"))
		return parse_link_cmd(argc, argv, a, NH_ACT_LINK_DELETE, 0);
	if (!strcmp(cmd, "set-master"))
		return parse_link_cmd(argc, argv, a, NH_ACT_LINK_SET_MASTER, 1);
	if (!strcmp(cmd, "set-mtu"))
		return parse_link_cmd(argc, argv, a, NH_ACT_LINK_SET_MTU, 1);
	if (!strcmp(cmd, "set-mac"))
		return parse_link_cmd(argc, argv, a, NH_ACT_LINK_SET_MAC, 1);
	if (!strcmp(cmd, "set-up"))
		return parse_link_cmd(argc, argv, a, NH_ACT_LINK_SET_UP, 1);
	if (!strcmp(cmd, "add-address"))
		return parse_link_cmd(argc, argv, a, NH_ACT_ADDR_ADD, 1);
	if (!strcmp(cmd, "report"))
		return parse_link_cmd(argc, argv, a, NH_ACT_REPORT_MISSING, 0);
	return usage("unknown command", cmd);
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
	struct drv d = { .dir = "/run/netns" };
	struct nh_exec_ctx ctx = { .netns = drv_netns, .ctx = &d };
	struct nh_action a;
	struct nh_result res;
	int r;

	if (!nh_test_in_sandbox()) {
		fprintf(stderr, "actions_driver: refusing to run outside the sandbox (tests/sandbox.sh)\n");
		return 1;
	}
	argv++, argc--;
	if (argc >= 2 && !strcmp(argv[0], "--netns-dir")) {
		d.dir = argv[1];
		argv += 2, argc -= 2;
	}
	if (argc < 1)
		return usage("no command", NULL);
	ctx.netns_dir = d.dir;
	r = parse_action(argc, argv, &d, &a);
	if (r) {
		drv_close(&d);
		return r;
	}
	r = nh_action_exec(&ctx, &a, &res);
	if (r == 0)
		printf("ok ifindex=%d%s%s\n", res.ifindex, res.reason[0] ? " reason=" : "", res.reason);
	else
		printf("error errno=%s reason=%s\n", strerrorname_np(-r) ? strerrorname_np(-r) : "?", res.reason);
	drv_close(&d);
	return r == 0 ? 0 : 1;
}
