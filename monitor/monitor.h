/*
 * The monitor: the host namespace and every named namespace in netns_dir,
 * each with a request socket, an rtnetlink event socket (link, IPv4/IPv6
 * address, route, rule and netconf groups, neighbours; nsid too in the
 * host) and its observed state,
 * kept current from events and re-dumped from scratch when events were lost.
 * The namespace directory is watched with inotify. It makes no decisions:
 * it reports to the ops callbacks.
 *
 * Everything runs on the loop's thread. Per namespace it holds three
 * descriptors (the namespace, the event socket, the request socket); the
 * 64 KiB netlink buffers are shared by all namespaces (one for events, one
 * for requests), so a namespace costs its nh_ns and its state.
 */
#ifndef NETHEAL_MONITOR_MONITOR_H
#define NETHEAL_MONITOR_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ev.h>

#include "netlink/nl.h"
#include "common/hash.h"
#include "monitor/observe.h"
#include "policy/model.h"

#define NH_MONITOR_RCVBUF_DEFAULT (4 * 1024 * 1024)
#define NH_MONITOR_RCVBUF_MAX     (64 * 1024 * 1024)   /* growth after overruns stops here */

struct nh_monitor;

struct nh_ns {
	char name[NH_NETNS_NAMSIZ];     /* "" = the host (the namespace netheal runs in) */
	int fd;                         /* the namespace, O_RDONLY|O_CLOEXEC */
	struct nh_nl req;               /* request socket in it: dumps here, and actions/ sends changes on it.
					 * Its buf is shared by every namespace of the monitor: send what you
					 * build with nh_nl_msg before using another namespace's socket. */
	struct nh_observed obs;         /* observed state, current as of the last event; valid once a
					   full dump succeeded and no event was lost since */

	/* private */
	struct nh_monitor *m;
	struct nh_nl evsock;            /* event socket; closed without a loop */
	ev_io io;
	ev_timer redump;                /* a failed re-dump is retried on this timer */
	unsigned int redump_ms;         /* its current backoff */
	const char *resync_reason;      /* why the pending re-dump was needed */
	int rcvbuf;                     /* what the event socket asked for (grows after overruns) */
	dev_t dev;                      /* the namespace's identity (nsfs st_dev, st_ino), */
	ino_t ino;                      /* to tell a replaced file from the same one */
	bool dead;                      /* dropped while its events were being delivered */
	UT_hash_handle hh_port;         /* in the monitor's table of its own request ports */
};

/* Callbacks run on the loop's thread, from inside the monitor. They may use
 * the namespaces (find, adopt, refresh, send requests on ns->req), but not
 * call nh_monitor_scan or nh_monitor_free. */
struct nh_monitor_ops {
	/* Adopted (a mounted namespace) and dumped. Not called for the
	 * namespaces nh_monitor_new finds: walk nh_monitor_at for those. */
	void (*netns_added)(struct nh_monitor *m, struct nh_ns *ns, void *ctx);
	/* Its file is gone; ns was already closed and freed. */
	void (*netns_removed)(struct nh_monitor *m, const char *name, void *ctx);
	/* One kernel event, after it was applied to ns->obs.have (ev->changed). */
	void (*event)(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx);
	/* Applying an event dropped an object as a consequence (observe.h's
	 * sink): key is its nh_route_key / nh_address_key. */
	void (*dropped)(struct nh_monitor *m, struct nh_ns *ns, const char *key, void *ctx);
	/* ns->obs.have was replaced by a full re-dump: "overrun" after lost
	 * events (ENOBUFS, a truncated read), "retry" after a read that had to
	 * be tried again (nh_ns_refresh failed, or was interrupted). */
	void (*resynced)(struct nh_monitor *m, struct nh_ns *ns, const char *reason, void *ctx);
};

/*
 * Open the host namespace and every namespace in netns_dir, dump each.
 * With a loop: event sockets, inotify on netns_dir (which need not exist
 * yet), adoption of files mounted later. loop NULL (plan/apply): only fds,
 * request sockets and dumps. RLIMIT_NOFILE is raised to its hard limit.
 * ops and ctx may be NULL. Returns 0 or -errno.
 */
int nh_monitor_new(struct ev_loop *loop, const char *netns_dir, const struct nh_monitor_ops *ops,
		   void *ctx, struct nh_monitor **out);
void nh_monitor_free(struct nh_monitor *m);     /* accepts NULL; closes everything */
/*
 * Start watching a monitor made without a loop: watch netns_dir, subscribe
 * every namespace it holds, read each again (what changed before the
 * subscription was not seen) and rescan the directory. `run` converges
 * first and attaches after: the kernel copies every change notification to
 * every subscribed socket, so with a thousand namespaces subscribing before
 * building them costs more than building them. Returns 0 or -errno.
 */
int nh_monitor_attach(struct nh_monitor *m, struct ev_loop *loop);

struct nh_ns *nh_monitor_host(struct nh_monitor *m);
struct nh_ns *nh_monitor_find(struct nh_monitor *m, const char *name);   /* "" = host; NULL when absent */
size_t nh_monitor_count(const struct nh_monitor *m);    /* including the host, which is index 0 */
struct nh_ns *nh_monitor_at(struct nh_monitor *m, size_t i);
const char *nh_monitor_netns_dir(const struct nh_monitor *m);

/* (Re)scan netns_dir: adopt new namespaces, drop those whose file is gone
 * or now holds another namespace. Callbacks as for inotify events. */
int nh_monitor_scan(struct nh_monitor *m);
/* Open the named namespace now (right after netheal created it) and dump
 * it. ops->netns_added is NOT called: the caller takes it from here (the
 * service must not be re-entered mid-heal). An already adopted one is
 * returned as it is. -ENOENT when the file is absent or not (yet) a
 * namespace, -EINVAL for a bad name. */
int nh_monitor_adopt(struct nh_monitor *m, const char *name, struct nh_ns **out);
/* Full re-dump into ns->obs.have, now (replaced on success; obs.valid
 * tells). Returns 0 or -errno. On failure, with a loop, the monitor keeps
 * trying on a timer with backoff and calls ops->resynced ("retry") once a
 * dump succeeds: a namespace is never left invalid with no read pending.
 * Without a loop the caller decides. Success does not call ops->resynced. */
int nh_ns_refresh(struct nh_ns *ns);
/* Whether netlink port is one of the monitor's request sockets: a change
 * netheal itself asked for names no other actor. */
bool nh_monitor_own_port(const struct nh_monitor *m, uint32_t port);
/* For tests and benchmarks: the receive buffer of the event sockets, forced
 * (SO_RCVBUFFORCE), applied to the open ones and those opened from now on.
 * Default NH_MONITOR_RCVBUF_DEFAULT. After an overrun a socket's buffer is
 * doubled, up to NH_MONITOR_RCVBUF_MAX. */
int nh_monitor_set_rcvbuf(struct nh_monitor *m, int bytes);

#endif
