/*
 * The kernel side of the core (service/core.h's struct nh_kernel_ops), for
 * real: actions/ executes each action on the namespace's request socket,
 * monitor/ holds and re-reads the observed states and names the owner of a
 * netlink port.
 */
#ifndef NETHEAL_SERVICE_KERNEL_H
#define NETHEAL_SERVICE_KERNEL_H

#include "actions/actions.h"
#include "monitor/monitor.h"
#include "service/core.h"

struct nh_kernel {
	struct nh_monitor *mon;
	struct nh_exec_ctx exec;
};

/* The operations, with a struct nh_kernel as their ctx. */
extern const struct nh_kernel_ops nh_kernel_ops;

/* The optional monitor groups (NH_MONITOR_*) policy p needs: neighbours
 * only when a rule names a neighbour, netconf only when one names a sysctl
 * (what else is read and subscribed costs every namespace). */
unsigned int nh_kernel_monitor_groups(const struct nh_policy *p);

/* Bind k to the monitor m: named namespaces are made in its netns_dir. */
void nh_kernel_init(struct nh_kernel *k, struct nh_monitor *m);

/* After core took another policy: each watched namespace keeps the sysctl
 * directories (monitor.h nh_ns_sysctl_dirs) only where its rule's
 * settings still are; one no longer managed, or whose rule lists none,
 * gives them all back. */
void nh_kernel_policy_changed(struct nh_kernel *k, struct nh_core *core);

#endif
