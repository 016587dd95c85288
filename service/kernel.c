#include "kernel.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "monitor/observe.h"
#include "netlink/sysctl.h"
#include "service/actor.h"

/* A namespace for actions/: the monitor's, opened first when it exists but
 * is not watched yet (no callback: the core asks for it itself). */
static struct nh_ns *find(struct nh_kernel *k, const char *name, bool adopt)
{
	struct nh_ns *ns = nh_monitor_find(k->mon, name);

	if (!ns && adopt && nh_monitor_adopt(k->mon, name, &ns) < 0)
		return NULL;
	return ns;
}

static int exec_netns(void *ctx, const char *name, unsigned int need, struct nh_exec_ns *out)
{
	struct nh_ns *ns = find(ctx, name, true);

	if (!ns)
		return -ENOENT;
	out->fd = ns->fd;
	out->nl = NULL;
	out->sysctl_dirs = need & NH_EXEC_NS_SYSCTL ? nh_ns_sysctl_dirs(ns) : NULL;
	if (need & NH_EXEC_NS_REQUEST) {
		out->nl = nh_ns_request(ns);
		if (!out->nl)
			return -errno;
	}
	return 0;
}

void nh_kernel_init(struct nh_kernel *k, struct nh_monitor *m)
{
	memset(k, 0, sizeof(*k));
	k->mon = m;
	k->exec.netns = exec_netns;
	k->exec.ctx = k;
	k->exec.netns_dir = nh_monitor_netns_dir(m);    /* the monitor's copy: it outlives reloads */
}

void nh_kernel_policy_changed(struct nh_kernel *k, struct nh_core *core)
{
	for (size_t i = 0; i < nh_monitor_count(k->mon); i++) {
		struct nh_ns *ns = nh_monitor_at(k->mon, i);
		const struct nh_netns *rec = nh_core_find(core, ns->name);
		const struct nh_state *want = rec && rec->rule ? &rec->rule->want : NULL;

		nh_sysctl_dirs_prune(nh_ns_sysctl_dirs(ns), want ? want->sysctls : NULL, want ? want->n_sysctls : 0);
	}
}

static int k_exec(void *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct nh_kernel *k = ctx;
	int r = nh_action_exec(&k->exec, a, res);

	/* a namespace made (by us, or by someone just before): watch it now.
	 * -EEXIST stays: someone else's namespace is no heal of ours (the
	 * core counts and logs none, service/core.c there_already). Made but
	 * no descriptor free to open it: -EMFILE (the core shows it
	 * unwatched, the monitor opens it once one is) */
	if (a->type == NH_ACT_NETNS_CREATE && (r == 0 || r == -EEXIST) && !nh_monitor_find(k->mon, a->netns)) {
		struct nh_ns *ns;
		int ar = nh_monitor_adopt(k->mon, a->netns, &ns);

		if (ar == -EMFILE || ar == -ENFILE) {
			res->err = ar;
			nh_monitor_unwatched_why(k->mon, res->reason, sizeof(res->reason));
		} else if (ar < 0) {
			res->err = -ENOENT;
			snprintf(res->reason, sizeof(res->reason), "namespace %.200s was made but cannot be opened",
				 a->netns);
		}
		if (ar < 0)
			return res->err;
	}
	return r;
}

static struct nh_observed *k_observed(void *ctx, const char *netns)
{
	struct nh_ns *ns = find(ctx, netns, true);

	return ns ? &ns->obs : NULL;
}

static int k_reread(void *ctx, const char *netns)
{
	struct nh_ns *ns = find(ctx, netns, false);

	return ns ? nh_ns_refresh(ns) : -ENOENT;
}

static int k_link_exists(void *ctx, const char *netns, const char *name)
{
	struct nh_ns *ns = find(ctx, netns, false);
	struct nh_nl *nl = ns ? nh_ns_request(ns) : NULL;
	int r;

	if (!nl)
		return ns ? -errno : -ENOENT;
	r = nh_link_ifindex(nl, name);
	if (r > 0)
		return 1;
	return r == -ENODEV ? 0 : r;
}

static void k_actor(void *ctx, const char *netns, uint32_t port, char *buf, size_t size)
{
	struct nh_kernel *k = ctx;

	nh_actor_describe(k->mon, netns, port, buf, size);
}

static bool k_own_port(void *ctx, uint32_t port)
{
	struct nh_kernel *k = ctx;

	return nh_monitor_own_port(k->mon, port);
}

static size_t k_links_named(void *ctx, const char *name)
{
	struct nh_kernel *k = ctx;

	return nh_monitor_links_named(k->mon, name);
}

/*
 * The value of an announced sysctl (nh_sysctl_netconf) from the namespace's
 * netconf table, read with RTM_GETNETCONF the first time it is needed and
 * kept by events after: no /proc/sys open, whose path walk grows with the
 * number of namespaces. 1 with value, 0 when key is not announced or not
 * known that way (read it from /proc/sys).
 */
static int announced_value(struct nh_ns *ns, const struct nh_sysctl *k, char *value, size_t size)
{
	struct nh_state *have = &ns->obs.have;
	struct nh_strbuf b = nh_strbuf_init(value, size);
	const struct nh_netconf *nc;
	enum nh_netconf_value v;
	uint8_t family;
	int ifindex;

	if (!nh_sysctl_netconf(k->key, &family, &ifindex, &v))
		return 0;
	if (!ifindex) {
		const struct nh_link *l = nh_state_link_by_name(have, k->link);

		if (!l)
			return 0;
		ifindex = l->ifindex;
	}
	nc = nh_state_netconf(have, family, ifindex);
	if (!nc || !(nc->has & (1u << v))) {
		struct nh_nl *nl = nh_ns_request(ns);

		if (!nl || nh_observe_netconf_get(nl, have, family, ifindex) < 0)
			return 0;
		nc = nh_state_netconf(have, family, ifindex);
		if (!nc || !(nc->has & (1u << v)))
			return 0;
	}
	nh_strbuf_i64(&b, nc->value[v]);
	return 1;
}

static int sysctl_cmp(const void *a, const void *b)
{
	return nh_sysctl_key_cmp(a, b);
}

/* The announced sysctls from the netconf table, the others from /proc/sys
 * (the host is the namespace netheal runs in: read there without setns). */
static int k_read_sysctls(void *ctx, const char *netns, const struct nh_state *want)
{
	struct nh_ns *ns = find(ctx, netns, false);
	struct nh_sysctl_dirs *dirs;
	struct nh_state got, rest;
	int r = 0, fd;

	if (!ns)
		return -ENOENT;
	fd = netns[0] ? ns->fd : -1;
	dirs = nh_ns_sysctl_dirs(ns);
	nh_state_init(&got);
	nh_state_init(&rest);
	for (size_t i = 0; i < want->n_sysctls && r == 0; i++) {
		struct nh_sysctl k = want->sysctls[i];

		if (announced_value(ns, &k, k.value, sizeof(k.value)))
			r = nh_state_add_sysctl(&got, &k);
		else
			r = nh_state_add_sysctl(&rest, &k);
	}
	/* every key's directory, the announced ones' too: ready for their heals */
	if (r == 0 && want->n_sysctls)
		(void)nh_sysctl_dirs_open(fd, dirs, NH_SYSCTL_ROOT, want->sysctls, want->n_sysctls);
	if (r == 0 && rest.n_sysctls)
		r = nh_sysctl_read(fd, dirs, NH_SYSCTL_ROOT, rest.sysctls, rest.n_sysctls, &rest);
	for (size_t i = 0; i < rest.n_sysctls && r == 0; i++)
		r = nh_state_add_sysctl(&got, &rest.sysctls[i]);
	if (r == 0) {
		if (got.n_sysctls)
			qsort(got.sysctls, got.n_sysctls, sizeof(*got.sysctls), sysctl_cmp);
		nh_state_shrink(&got);
		free(ns->obs.have.sysctls);
		ns->obs.have.sysctls = got.sysctls;
		ns->obs.have.n_sysctls = got.n_sysctls;
		ns->obs.have.cap_sysctls = got.cap_sysctls;
		got.sysctls = NULL;
		got.n_sysctls = got.cap_sysctls = 0;
	}
	nh_state_free(&got);
	nh_state_free(&rest);
	return r;
}

unsigned int nh_kernel_monitor_groups(const struct nh_policy *p)
{
	unsigned int g = 0;

	for (size_t i = 0; i <= p->n_netns; i++) {
		const struct nh_state *w = i < p->n_netns ? &p->netns[i].want : &p->host.want;

		g |= w->n_neighs ? NH_MONITOR_NEIGH : 0;
		g |= w->n_sysctls ? NH_MONITOR_NETCONF : 0;
	}
	return g;
}

const struct nh_kernel_ops nh_kernel_ops = {
	.exec = k_exec,
	.observed = k_observed,
	.reread = k_reread,
	.link_exists = k_link_exists,
	.actor = k_actor,
	.own_port = k_own_port,
	.links_named = k_links_named,
	.read_sysctls = k_read_sysctls,
	.kernel_routes = true,
};
