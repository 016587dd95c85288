/*
 * Sysctl set: write the value under /proc/sys/net of the action's namespace
 * (entered by the calling thread and left again; opened below the
 * namespace's directories the caller keeps: netlink/sysctl.h) and
 * read it back. The
 * kernel may take a write and keep another value (a hex number read back
 * in decimal, a value clamped): that is a failure saying what it reads,
 * never `ok`, or the next diff would write it again for ever (SPEC §4.7).
 */
#include "exec.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "netlink/sysctl.h"

int nh_exec_sysctl_set(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res)
{
	const struct nh_sysctl *k = &a->sysctl;
	const char *where = nh_exec_ns_label(a->netns);
	char back[NH_SYSCTL_VALSIZ];
	struct nh_exec_ns ns;
	int r;

	r = nh_exec_ns_sysctl(ctx, a->netns, &ns, res);
	if (r < 0)
		return r;
	r = nh_sysctl_write(a->netns[0] ? ns.fd : -1, ns.sysctl_dirs, NH_SYSCTL_ROOT, k->key, k->value, back,
			    sizeof(back));
	res->acked_us = nh_now_us();
	switch (r) {
	case 0:
		return 0;
	case -ENOENT:
		if (k->link[0])
			return nh_exec_fail(res, r, "sysctl %s does not exist in %s (no link %s there, or the kernel "
					    "has no such setting)", k->key, where, k->link);
		return nh_exec_fail(res, r, "sysctl %s does not exist in %s: this kernel has no such setting "
				    "(or not in a namespace)", k->key, where);
	case -EINVAL:
		return nh_exec_fail(res, r, "the kernel refused %s=%s in %s", k->key, k->value, where);
	case -EACCES:
	case -EPERM:
		return nh_exec_fail(res, r, "sysctl %s is read-only in %s", k->key, where);
	case -ERANGE:
		return nh_exec_fail(res, r, "the kernel took %s=%s in %s but reads back %s", k->key, k->value,
				    where, back);
	default:
		return nh_exec_fail(res, r, "sysctl %s in %s: %s", k->key, where, strerror(-r));
	}
}
