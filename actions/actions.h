/*
 * Execute one action of a plan: one netlink request (NLM_F_ACK), the
 * kernel's errno and extended-ack text as the result. No decisions here.
 */
#ifndef NETHEAL_ACTIONS_ACTIONS_H
#define NETHEAL_ACTIONS_ACTIONS_H

#include "monitor/nl.h"
#include "policy/diff.h"

/* A namespace as the executor needs it. */
struct nh_exec_ns {
	int fd;                 /* the namespace's file descriptor */
	struct nh_nl *nl;       /* a request socket opened in it */
};

struct nh_exec_ctx {
	/* Resolve a namespace by name ("" = the host) to its fd and request
	 * socket; the callee opens them on first use. Returns 0, or -ENOENT
	 * when the namespace does not exist. */
	int (*netns)(void *ctx, const char *name, struct nh_exec_ns *out);
	void *ctx;
	const char *netns_dir;  /* where named namespaces live: "/run/netns" */
};

struct nh_result {
	int err;                /* 0 or -errno: the kernel's answer */
	char reason[256];       /* extended-ack text, or strerror, or our own words */
	int ifindex;            /* LINK_CREATE / MOVE / RENAME: the link's index after the action, when known */
	uint64_t acked_us;      /* nh_now_us() when the kernel's ack arrived */
};

/*
 * Execute a. Idempotent: EEXIST on a create means someone did it already
 * (the result is -EEXIST so the caller re-reads); ENODEV/EADDRNOTAVAIL on a
 * delete are success. Report actions are not executable (-EOPNOTSUPP).
 */
int nh_action_exec(const struct nh_exec_ctx *ctx, const struct nh_action *a, struct nh_result *res);

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
