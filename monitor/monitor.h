/*
 * The monitor: the host namespace and every named namespace in netns_dir,
 * each with its observed state (links, addresses, routes, rules, permanent
 * neighbours), kept current from events and re-read from
 * scratch when events were lost. It makes no decisions: it reports to the
 * ops callbacks.
 *
 * One event socket for every namespace (monitor/events.c): a socket in the
 * host with NETLINK_LISTEN_ALL_NSID, which the kernel gives the events of
 * every namespace the host has an nsid for; the monitor assigns one
 * (RTM_NEWNSID) to each namespace it watches and routes each message by the
 * nsid in its control message. So the kernel copies a notification to one
 * socket, not to one per namespace, and a namespace costs one descriptor
 * (its own, kept open: its identity, setns and IFLA_NET_NS_FD need it).
 * Request sockets (dumps, actions) are opened in a namespace when needed
 * and kept, the least recently used closed first when they no longer fit:
 * once attached, one per namespace while they fit in half of
 * RLIMIT_NOFILE beside the namespaces and their kept sysctl directories,
 * the cap never below NH_MONITOR_REQ_SOCKETS (at 10,000 namespaces under a
 * limit of 20,000, just that many; namespaces come first even so, and close
 * request sockets when they need the descriptors); a monitor not attached yet (building)
 * keeps one per namespace as far as the limit leaves room after the
 * namespaces' own. The netns directory is watched with inotify
 * (monitor/watch.c).
 *
 * Everything runs on the loop's thread. The 64 KiB netlink buffers are
 * shared (one for events, one for requests).
 *
 * Capabilities: CAP_NET_ADMIN (changes, SO_RCVBUFFORCE), CAP_SYS_ADMIN
 * (setns, mounts), and CAP_NET_BROADCAST: the kernel gives a
 * NETLINK_LISTEN_ALL_NSID socket another namespace's events only with it.
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
#include "netlink/sysctl.h"
#include "policy/model.h"

#define NH_MONITOR_RCVBUF_DEFAULT (8 * 1024 * 1024)    /* every namespace's events, one socket */
#define NH_MONITOR_RCVBUF_MAX     (256 * 1024 * 1024)  /* growth after overruns stops here */
#define NH_MONITOR_REQ_SOCKETS    128                  /* request sockets kept: never a cap below this */
/* The ids netheal gives namespaces (RTM_NEWNSID) count up from here when
 * no id whose end (RTM_DELNSID) was read is free to give again (nsid.c),
 * not the lowest free one the kernel would pick: an id the kernel freed a
 * moment ago may still tag queued events of the namespace it named. The
 * kernel's own (a veth peer made across namespaces) stay far below. */
#define NH_MONITOR_NSID_FIRST     65536

struct nh_monitor;

struct nh_ns {
	char name[NH_NETNS_NAMSIZ];     /* "" = the host (the namespace netheal runs in) */
	int fd;                         /* the namespace, O_RDONLY|O_CLOEXEC */
	int nsid;                       /* its id as the host sees it (routes its events); -1: none */
	struct nh_observed obs;         /* observed state, current as of the last event; valid once a
					   full dump succeeded and no event was lost since */

	/* private */
	struct nh_monitor *m;
	size_t index;                   /* its place in the monitor's list (nh_monitor_at) */
	struct nh_nl req;               /* request socket, when open (nh_ns_request) */
	struct nh_sysctl_dirs sysctl_dirs;      /* its /proc/sys/net/ipv4 … kept (nh_ns_sysctl_dirs) */
	struct nh_ns *lru_prev, *lru_next;      /* open request sockets, most recently used first */
	ev_timer redump;                /* a failed re-dump is retried on this timer */
	unsigned int redump_ms;         /* its current backoff */
	const char *resync_reason;      /* why the pending re-dump was needed */
	bool reread_queued;             /* events were lost: waits for its turn to be read again */
	struct nh_ns *next_reread;
	dev_t dev;                      /* the namespace's identity (nsfs st_dev, st_ino), */
	ino_t ino;                      /* to tell a replaced file from the same one */
	uint64_t cookie;                /* SO_NETNS_COOKIE: never reused, unlike st_ino and nsid;
					   0 when unknown */
	bool dead;                      /* dropped while its events were being delivered */
	bool nsid_waits;                /* its id named a namespace let go whose RTM_DELNSID is not
					   read yet: events with it are that one's until then */
	struct nh_ns *alias;            /* the next other name of the same namespace (a bind
					   mount): one id, one stream of events, each name's
					   state fed from it; listed from the name in by_nsid */
	UT_hash_handle hh;              /* in the monitor's table by name */
	UT_hash_handle hh_nsid;         /* by nsid */
	UT_hash_handle hh_port;         /* by the port of its open request socket */
};

/* Callbacks run on the loop's thread, from inside the monitor. They may use
 * the namespaces (find, adopt, refresh, nh_ns_request), but not call
 * nh_monitor_scan or nh_monitor_free. */
struct nh_monitor_ops {
	/* Adopted (a mounted namespace) and dumped. Not called for the
	 * namespaces nh_monitor_new finds: walk nh_monitor_at for those. */
	void (*netns_added)(struct nh_monitor *m, struct nh_ns *ns, void *ctx);
	/* Its file is gone; ns was already closed and freed. */
	void (*netns_removed)(struct nh_monitor *m, const char *name, void *ctx);
	/* One kernel event, after it was applied to ns->obs.have (ev->changed). */
	void (*event)(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx);
	/* Applying an event dropped an object as a consequence (observe.h's
	 * sink and struct nh_dropped: valid only during the call). */
	void (*dropped)(struct nh_monitor *m, struct nh_ns *ns, const struct nh_dropped *d, void *ctx);
	/* ns->obs.have was replaced by a full re-dump: "overrun" after lost
	 * events (ENOBUFS, a truncated read: every namespace, read again a
	 * batch at a time), "retry" after a read that had to be tried again
	 * (nh_ns_refresh failed), "dump-interrupted" (a busy namespace),
	 * "nsid" (its id was another namespace's a moment ago: events of
	 * that one may have been taken for its own, or its own dropped). */
	void (*resynced)(struct nh_monitor *m, struct nh_ns *ns, const char *reason, void *ctx);
	/* Whether ns's state keeps route r, from dumps and events (observe.h,
	 * struct nh_route_keep: decided by family and destination alone).
	 * NULL: every route. Called before netns_added, for the first read. */
	bool (*route_kept)(struct nh_monitor *m, const struct nh_ns *ns, const struct nh_route *r, void *ctx);
	/* A file in the directory that could not be opened for lack of
	 * descriptors (why: what to show for it, valid during the call), looked
	 * at again every second; why NULL: it is not so any longer (watched
	 * now, netns_added follows, or gone). Attached monitors only. */
	void (*unwatched)(struct nh_monitor *m, const char *name, const char *why, void *ctx);
};

/*
 * Open the host namespace and every namespace in netns_dir, dump each.
 * optional: the NH_MONITOR_* groups below (what is read and subscribed
 * besides links, addresses, routes and rules).
 * With a loop: the event socket, an nsid for each namespace, inotify on
 * netns_dir (which need not exist yet), adoption of files mounted later.
 * loop NULL (plan/apply): only fds, request sockets and dumps.
 * RLIMIT_NOFILE is raised to its hard limit (a descriptor per namespace).
 * A namespace is adopted only while 64 descriptors stay free beside the
 * namespaces, kept directories and request sockets (what heals open); one
 * refused so is logged and, with a loop, looked at again (at most every
 * second) until it fits.
 * ops and ctx may be NULL. Returns 0 or -errno.
 */
int nh_monitor_new(struct ev_loop *loop, const char *netns_dir, unsigned int optional,
		   const struct nh_monitor_ops *ops, void *ctx, struct nh_monitor **out);
void nh_monitor_free(struct nh_monitor *m);     /* accepts NULL; closes everything */
/*
 * Start watching a monitor made without a loop: watch netns_dir, open the
 * event socket, give every namespace an nsid, read each again (what changed
 * before was not seen) and rescan the directory; from here on request
 * sockets stay open only as far as they fit (top of this file). `run` builds first and
 * attaches after: its own thousands of changes would only fill the event
 * socket while it builds. Returns 0 or -errno.
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
/* The namespaces in netns_dir not watched for lack of descriptors (each
 * told to ops->unwatched): with a loop, those waiting for one now; without
 * one, those the last scan (nh_monitor_new's) could not open, which
 * nothing opens later: a plan or apply of part of the system. */
size_t nh_monitor_unwatched(const struct nh_monitor *m);
/* What a namespace not watched for lack of descriptors shows as its last
 * error ("not watched: no descriptor free (RLIMIT_NOFILE L)"), in buf;
 * returns buf. The monitor's ops->unwatched and the kernel side's create
 * of a namespace it cannot open say the same. */
const char *nh_monitor_unwatched_why(const struct nh_monitor *m, char *buf, size_t size);
/* Open the named namespace now (right after netheal created it) and dump
 * it. ops->netns_added is NOT called: the caller takes it from here (the
 * service must not be re-entered mid-heal). An already adopted one is
 * returned as it is. -ENOENT when the file is absent or not (yet) a
 * namespace, -EINVAL for a bad name. */
int nh_monitor_adopt(struct nh_monitor *m, const char *name, struct nh_ns **out);
/* The request socket of ns, opened in its namespace when it is not open
 * (the least recently used one is closed when no more fit: see the top of
 * this file). Its buf
 * is shared by every namespace: send what you build with nh_nl_msg before
 * asking for another namespace's socket. NULL (errno set) when it cannot
 * be opened. */
struct nh_nl *nh_ns_request(struct nh_ns *ns);
/* Where the namespace's settings are opened (netlink/sysctl.h
 * nh_sysctl_dirs: the directories below its /proc/sys/net kept open, so
 * that opening a setting takes the same time at any number of
 * namespaces), for nh_sysctl_read and nh_sysctl_write in it. Up to
 * NH_SYSCTL_DIRS more descriptors per namespace with sysctls, closed when
 * the namespace is let go. Namespaces come first, then a full cache of
 * request sockets: no more are opened while one more namespace,
 * NH_MONITOR_REQ_SOCKETS and a reserve of 64 would not fit beside them in
 * half of RLIMIT_NOFILE (headroom: monitor.c), and kept ones are closed (those of the
 * namespaces last adopted first) when a namespace is adopted and they no
 * longer fit so; a namespace without them opens its settings by their
 * path. Request sockets beyond NH_MONITOR_REQ_SOCKETS yield to them (they
 * fill what half the limit leaves). The first namespace refused its
 * directories for want of room is
 * logged (notice, with the LimitNOFILE= that would keep them), once
 * until there is room again. Never NULL. */
struct nh_sysctl_dirs *nh_ns_sysctl_dirs(struct nh_ns *ns);
/* Full re-dump into ns->obs.have, now (replaced on success; obs.valid
 * tells). Returns 0 or -errno. On failure, with a loop, the monitor keeps
 * trying on a timer with backoff and calls ops->resynced ("retry") once a
 * dump succeeds: a namespace is never left invalid with no read pending.
 * Without a loop the caller decides. Success does not call ops->resynced. */
int nh_ns_refresh(struct nh_ns *ns);
/* Whether the last read of the event socket stopped at its batch with
 * events still queued. A diff until the socket is read empty would see
 * the namespaces partway through what is queued: after netheal's own
 * rebuild of a namespace (a hundred events), objects it made a moment ago
 * looked missing and were "healed" again. */
bool nh_monitor_behind(const struct nh_monitor *m);
/* Netheal itself changed the kernel (a heal pass that took actions): the
 * events of its own requests are queued (the kernel sends them under RTNL,
 * before its ack), and the next read of the event socket reads them all
 * before a heal (see read_events in events.c: a read after a quiet spell
 * may stop after its first datagram). When nothing is queued (the pass
 * read them already, or its requests changed nothing), the socket stays
 * settled. Later ones (linkwatch's carrier, IPv6 DAD) come as news. */
void nh_monitor_changed(struct nh_monitor *m);
/*
 * Read and deliver, now, what is queued on the event socket, as the loop
 * would before its next heal: for a diff outside the event path (a
 * reload's converge), which otherwise sees what netheal itself changed a
 * moment ago as it was before (a veth pair it had just rebuilt looked like
 * an end that lost its peer and was deleted; a link it had just set up was
 * set up again and counted twice). At most max_batches reads of a batch
 * each (a storm that never lets the socket empty must not hold the
 * caller); an overrun met is handled as the loop handles it. Returns
 * whether the socket was read empty. No-op without an event socket.
 */
bool nh_monitor_read_queued(struct nh_monitor *m, unsigned int max_batches);
/* Whether netlink port is one of the monitor's request sockets: a change
 * netheal itself asked for names no other actor. */
bool nh_monitor_own_port(const struct nh_monitor *m, uint32_t port);
/* For tests and benchmarks: the receive buffer of the event socket, forced
 * (SO_RCVBUFFORCE). Default NH_MONITOR_RCVBUF_DEFAULT. After an overrun it
 * is doubled, up to NH_MONITOR_RCVBUF_MAX. */
int nh_monitor_set_rcvbuf(struct nh_monitor *m, int bytes);
/*
 * Event groups the event socket leaves out when nothing needs them: each
 * costs a wake-up per change in every namespace (neighbours: every ARP or
 * ND state change and garbage collection, about a thousand a second on a
 * 1000-port bridge). A monitor subscribes to those it is given
 * (nh_monitor_new, nh_monitor_set_optional) and reads neighbours only with
 * NH_MONITOR_NEIGH: a neighbour dump walks every namespace's entries.
 */
#define NH_MONITOR_NEIGH   (1u << 0)    /* RTNLGRP_NEIGH: permanent neighbours (SPEC §3.1) */
#define NH_MONITOR_NETCONF (1u << 1)    /* RTNLGRP_IPV{4,6}_NETCONF: the sysctls the kernel announces */
/* Subscribe to these optional groups only. A group added to an attached
 * monitor means every namespace is read again, now (what it tells was not
 * kept meanwhile); a monitor not attached yet reads with them from its next
 * read. 0, or -errno (the subscription is then as it was). */
int nh_monitor_set_optional(struct nh_monitor *m, unsigned int groups);

/* Whether this process may open the event socket (NETLINK_LISTEN_ALL_NSID
 * needs CAP_NET_BROADCAST): asked before anything is changed, so that a
 * service without it refuses to start instead of converging once and
 * dying. 0, or -errno with the reason logged. */
int nh_monitor_probe(void);
/* The request sockets open now, the host's included. */
size_t nh_monitor_req_sockets(const struct nh_monitor *m);

/* How many watched namespaces have a link named name in their observed
 * state now (the host's included), kept as the states change: a diff asks
 * it before looking through every namespace for a link moved away
 * (policy/diff.h). SIZE_MAX when not known (out of memory once). */
size_t nh_monitor_links_named(const struct nh_monitor *m, const char *name);

#endif
