/*
 * Internal to actions/: the pieces every executor shares. Each executor
 * builds one request in its socket's nl->buf, sends it with NLM_F_ACK and
 * turns the kernel's answer into a struct nh_result.
 */
#ifndef NETHEAL_ACTIONS_EXEC_H
#define NETHEAL_ACTIONS_EXEC_H

#include "actions.h"
#include "common/util.h"

/* Every request netheal sends fits in this, well under the socket's buffer;
 * a full buffer is -EMSGSIZE, never an overrun. */
#define NH_ACT_MSG_SIZE 4096

typedef int (*nh_exec_fn)(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);

/* Set res->err and res->reason; returns err. */
int nh_exec_fail(struct nh_result *res, int err, const char *fmt, ...) NH_PRINTF(3, 4);

/* The namespace `netns` through ctx with its request socket, or a failed
 * result naming it. Returns 0 or -errno (res says it). */
int nh_exec_ns(const struct nh_exec_ctx *ctx, const char *netns, struct nh_exec_ns *ns, struct nh_result *res);
/* The same for a sysctl: the namespace's fd and /proc/sys/net, no socket. */
int nh_exec_ns_sysctl(const struct nh_exec_ctx *ctx, const char *netns, struct nh_exec_ns *ns,
		      struct nh_result *res);

/* The index of link `name` in nl's namespace, or a failed result:
 * "WHAT NAME not found in NETNS". Returns > 0 or -errno. */
int nh_exec_ifindex(struct nh_nl *nl, const char *name, const char *netns, const char *what,
		    struct nh_result *res);

/* Send the request, wait for the ack; fills err, reason, acked_us. */
int nh_exec_send(struct nh_nl *nl, struct nlmsghdr *nlh, struct nh_result *res);

/* "blue", or "the host" for "". */
const char *nh_exec_ns_label(const char *netns);

/* The executors, one per action type (link.c, address.c, route.c, rule.c,
 * neigh.c, sysctl.c). */
int nh_exec_link_create(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_delete(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_move(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_rename(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_set_master(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_set_mtu(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_set_mac(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_link_set_up(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_addr_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_route_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
/* rule.c, neigh.c, sysctl.c; route replace is nh_exec_route_add with NLM_F_REPLACE. */
int nh_exec_rule_add(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_neigh_set(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);
int nh_exec_sysctl_set(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);

#endif
