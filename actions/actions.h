/*
 * Execute one action of a plan: one netlink request (NLM_F_ACK), the
 * kernel's errno and extended-ack text as the result. No decisions here.
 */
#ifndef NETHEAL_ACTIONS_ACTIONS_H
#define NETHEAL_ACTIONS_ACTIONS_H

#include "netlink/nl.h"
#include "netlink/sysctl.h"
#include "policy/diff.h"

/* A namespace as the executor needs it. */
struct nh_exec_ns {
	int fd;                 /* the namespace's file descriptor */
	struct nh_nl *nl;       /* a request socket opened in it (NH_EXEC_NS_REQUEST) */
	struct nh_sysctl_dirs *sysctl_dirs;     /* where its settings are opened (NH_EXEC_NS_SYSCTL;
						   netlink/sysctl.h), or NULL: by their path */
};

/* What nh_exec_ctx.netns opens besides the namespace's fd. */
enum {
	NH_EXEC_NS_REQUEST = 1u << 0,   /* the request socket */
	NH_EXEC_NS_SYSCTL = 1u << 1,    /* its nh_sysctl_dirs */
};

/*
 * Links that deletes set aside (LINK_DELETE with set_aside): each renamed
 * "nhaside<ifindex in hex>", down and out of its master, so that its name is free
 * for the link that takes its place at once. Deleting a link holds the
 * request for an RCU grace period after its name is released
 * (rtnl_dellink → netdev_run_todo → rcu_barrier: 7–27 ms on the bench
 * machine), which a namespace's rebuild then waited for;
 * nh_exec_delete_aside deletes them once the heal is done. Owned by the
 * caller; zero it to start.
 */
struct nh_exec_aside_link {
	char netns[NH_NETNS_NAMSIZ];
	char name[NH_IFNAMSIZ];
	uint64_t since_us;              /* nh_now_us() when it was set aside */
	unsigned int tries;             /* deletes that failed */
};

struct nh_exec_aside {
	struct nh_exec_aside_link *v;
	size_t n, cap;
};

struct nh_exec_ctx {
	/* Resolve a namespace by name ("" = the host) to its fd and what need
	 * (NH_EXEC_NS_*) asks for; the callee opens them on first use. What is
	 * not asked for may be NULL or -1. The host needs a real fd too: it
	 * goes into IFLA_NET_NS_FD (a veth peer in the host). Returns 0, or
	 * -ENOENT when the namespace does not exist, -errno when the request
	 * socket cannot be opened. */
	int (*netns)(void *ctx, const char *name, unsigned int need, struct nh_exec_ns *out);
	void *ctx;
	const char *netns_dir;  /* where named namespaces live: "/run/netns" */
	struct nh_exec_aside *aside;    /* NULL: every LINK_DELETE deletes at once */
};

struct nh_result {
	int err;                /* 0 or -errno: the kernel's answer */
	char reason[256];       /* extended-ack text, or strerror, or our own words */
	int ifindex;            /* the link's index after the action, when known (CREATE and MOVE look it up; ADDR/ROUTE: the device) */
	uint64_t acked_us;      /* nh_now_us() when the kernel's ack arrived */
	bool absent;            /* err is -ENODEV for another link it needs (a master, a parent), not
				 * there (yet): the action waits for it, it did not fail */
};

/*
 * Execute a. Idempotent: EEXIST on a create means someone did it already
 * (the result is -EEXIST, reason "exists" unless the kernel said more, so
 * the caller re-reads); ENODEV/EADDRNOTAVAIL/ESRCH on a delete, or its
 * namespace gone, are success (reason "already gone"). A name that does not
 * resolve (link, master, parent, namespace) is -ENODEV/-ENOENT with the name
 * in the reason. Report actions are not executable (-EOPNOTSUPP).
 * Returns res->err.
 */
int nh_action_exec(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);

/* What nh_exec_delete_aside did. */
struct nh_exec_aside_done {
	unsigned int deleted;           /* by this call */
	unsigned int gone;              /* already removed, with their old namespace */
	unsigned int dropped;           /* failed NH_EXEC_ASIDE_TRIES times: left where they are */
};
#define NH_EXEC_ASIDE_TRIES 3

/* Delete the links set aside at or before before_us (nh_now_us();
 * UINT64_MAX: all of them), blocking for one grace period each; the rest
 * stay in ctx->aside. A delete that fails keeps its link there for the next
 * call, up to NH_EXEC_ASIDE_TRIES tries. Counts go to *done. Returns 0, or
 * the first delete's -errno. */
int nh_exec_delete_aside(const struct nh_exec_ctx *ctx, uint64_t before_us, struct nh_exec_aside_done *done);
/* Free the list itself (links still aside stay where they are). */
void nh_exec_aside_free(struct nh_exec_aside *aside);

/* Create the named namespace the way iproute2 does (shared mount of dir,
 * create the file, unshare a new network namespace, bind mount it last), so
 * `ip netns` sees it and a concurrent `ip netns add` of the same name is a
 * race both survive. Returns 0, -EEXIST when it already is a namespace (also
 * when another tool's file becomes one within a short bounded wait), -EBUSY
 * when dir/name exists but stays a plain file, -EINVAL for a bad name, or
 * -errno. netheal's own threads stay in their namespace. */
int nh_netns_create(const char *dir, const char *name);

/* Open dir/name: an O_RDONLY|O_CLOEXEC fd, verified to be a network
 * namespace (nsfs). -ENOENT when it is absent or not (yet) mounted. */
int nh_netns_open(const char *dir, const char *name);

/* The index of link `name` in nl's namespace: > 0, or -ENODEV. */
int nh_link_ifindex(struct nh_nl *nl, const char *name);

#endif
