#include "kernel.h"

#include <errno.h>
#include <string.h>

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

static int exec_netns(void *ctx, const char *name, struct nh_exec_ns *out)
{
	struct nh_ns *ns = find(ctx, name, true);

	if (!ns)
		return -ENOENT;
	out->fd = ns->fd;
	out->nl = nh_ns_request(ns);
	return out->nl ? 0 : -errno;
}

void nh_kernel_init(struct nh_kernel *k, struct nh_monitor *m)
{
	memset(k, 0, sizeof(*k));
	k->mon = m;
	k->exec.netns = exec_netns;
	k->exec.ctx = k;
	k->exec.netns_dir = nh_monitor_netns_dir(m);    /* the monitor's copy: it outlives reloads */
}

static int k_exec(void *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct nh_kernel *k = ctx;
	int r = nh_action_exec(&k->exec, a, res);

	/* a namespace made (by us, or by someone just before): watch it now */
	if (a->type == NH_ACT_NETNS_CREATE && (r == 0 || r == -EEXIST)) {
		if (!find(k, a->netns, true)) {
			res->err = -ENOENT;
			snprintf(res->reason, sizeof(res->reason), "namespace %.200s was made but cannot be opened",
				 a->netns);
			return res->err;
		}
		res->err = 0;
		r = 0;
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

/* The host is the namespace netheal runs in: read there without setns. */
static int k_read_sysctls(void *ctx, const char *netns, const struct nh_state *want)
{
	struct nh_ns *ns = find(ctx, netns, false);

	if (!ns)
		return -ENOENT;
	return nh_sysctl_read(netns[0] ? ns->fd : -1, NH_SYSCTL_ROOT, want->sysctls, want->n_sysctls,
			      &ns->obs.have);
}

const struct nh_kernel_ops nh_kernel_ops = {
	.exec = k_exec,
	.observed = k_observed,
	.reread = k_reread,
	.link_exists = k_link_exists,
	.actor = k_actor,
	.own_port = k_own_port,
	.read_sysctls = k_read_sysctls,
	.kernel_routes = true,
};
