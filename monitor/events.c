/*
 * The one event socket (SPEC §4.4, §8): an rtnetlink socket in the host,
 * subscribed to the link, address and route groups (and nsid), with
 * NETLINK_LISTEN_ALL_NSID, so the kernel hands it the events of every
 * namespace the host has an nsid for, each with that nsid in a control
 * message (none: the host itself). Each message is applied to its
 * namespace's observed state and reported.
 *
 * Only the kernel sends events (sender port 0); anything else written to
 * our port is dropped unread. Lost events (ENOBUFS, a truncated read) mean
 * every namespace's state is unknown: the socket is drained, its buffer
 * doubled, every namespace marked invalid and read again, a batch per loop
 * iteration so the loop keeps serving; events for a namespace still waiting
 * for its read are skipped (the read sees them). NETLINK_NO_ENOBUFS is
 * never set.
 */
#include "monitor_int.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/util.h"

#ifndef NETLINK_LISTEN_ALL_NSID
#define NETLINK_LISTEN_ALL_NSID 8
#endif

/* Datagrams read per loop iteration: timers and signals are served between
 * batches. Heals wait until the socket is read empty (nh_monitor_behind),
 * but for the first datagram after a quiet spell (lone_change). */
#define READS_PER_WAKEUP 64
/* Namespaces read again per loop iteration after an overrun. */
#define REREAD_BATCH 32

/* Rules, permanent neighbours and the sysctls the kernel announces
 * (RTM_NEWNETCONF) are policy objects too (SPEC §3.1); the last two are
 * subscribed only when wanted (nh_monitor_set_optional). */
static const unsigned int groups[] = {
	RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
	RTNLGRP_NSID,
	RTNLGRP_NEXTHOP,        /* a deleted nexthop object takes its routes along */
};

static const struct {
	unsigned int flag, group;
} optional_groups[] = {
	{ NH_MONITOR_NEIGH, RTNLGRP_NEIGH },
	{ NH_MONITOR_NETCONF, RTNLGRP_IPV4_NETCONF },
	{ NH_MONITOR_NETCONF, RTNLGRP_IPV6_NETCONF },
};

/* ---- delivering -------------------------------------------------------------------- */

static void dropped(void *ctx, const struct nh_dropped *d)
{
	struct nh_ns *ns = ctx;

	if (ns->m->ops && ns->m->ops->dropped)
		ns->m->ops->dropped(ns->m, ns, d, ns->m->ctx);
}

static void link_name(void *ctx, const char *name, int delta)
{
	struct nh_ns *ns = ctx;

	nh_monitor_count_name(ns->m, name, delta);
}

/* Apply and report every message of one datagram to ns. */
static void deliver(struct nh_ns *ns, const char *buf, size_t len, uint64_t t_us)
{
	struct nh_monitor *m = ns->m;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nh_route_keep keep = nh_ns_route_keep(ns);
	const struct nh_observe_sink sink = { dropped, ns, link_name, &keep };
	int left = (int)len;
	struct nh_nl_event ev;
	bool reread = false;

	m->delivering = ns;
	for (; nh_nlmsg_ok(nlh, left) && !ns->dead; nlh = mnl_nlmsg_next(nlh, &left)) {
		int r = nh_observe_event(&ns->obs.have, nlh, &ev, &sink);

		if (r == -ENOMEM) {
			/* the state missed an event: as good as lost */
			ns->obs.valid = false;
			nh_log_errno(NH_ERR, r, "netns %s: applying an event", nh_ns_label(ns));
			nh_ns_resync(ns, "retry");
			continue;
		}
		if (r < 0) {
			nh_debug("netns %s: malformed message type %u ignored", nh_ns_label(ns), nlh->nlmsg_type);
			continue;
		}
		if (r == 0)
			continue;
		reread |= ev.reread;
		/* the host's table of ids: the end of an id's old meaning,
		 * or an id taken */
		if (ev.obj == NH_OBJ_NSID && nh_ns_is_host(ns)) {
			if (nlh->nlmsg_type == RTM_DELNSID)
				nh_monitor_nsid_deleted(m, ev.nsid);
			else
				nh_monitor_nsid_added(m, ev.nsid);
		}
		ev.t_us = t_us;
		if (m->ops && m->ops->event)
			m->ops->event(m, ns, &ev, m->ctx);
	}
	m->delivering = NULL;
	/* after the datagram: a read now is newer than the rest of it */
	if (reread && !ns->dead)
		nh_ns_resync(ns, "nexthop");
	if (ns->dead)
		free(ns);
}

/* Deliver one datagram to ns and to the other names of its namespace
 * (ns->alias), each to its own state. One that waits for its read after an
 * overrun is skipped: that read will see it. A callback may let a name go:
 * the list is looked up again, from the id, for each name after the first. */
static void deliver_all(struct nh_ns *ns, const char *buf, size_t len, uint64_t t_us)
{
	struct nh_monitor *m = ns->m;
	bool host = nh_ns_is_host(ns);
	int nsid = ns->nsid;

	if (!ns->reread_queued)
		deliver(ns, buf, len, t_us);
	for (size_t k = 0; host || nsid >= 0; k++) {
		struct nh_ns *a = NULL;

		/* the host's names hang off the host (nsid.c), others' off
		 * the name their id routes to */
		if (host)
			a = m->ns[0];
		else
			HASH_FIND(hh_nsid, m->by_nsid, &nsid, sizeof(nsid), a);
		for (size_t i = 0; a && i <= k; i++)
			a = a->alias;
		if (!a)
			return;
		if (!a->reread_queued)
			deliver(a, buf, len, t_us);
	}
}

/* The namespace a message is from: by the nsid in its control message,
 * the host when there is none. NULL: one netheal does not watch, or one
 * whose id still names a namespace let go (nsid_waits). */
static struct nh_ns *source(struct nh_monitor *m, struct msghdr *mh)
{
	int nsid = nh_nl_cmsg_nsid(mh);
	struct nh_ns *ns;

	if (nsid < 0)
		return m->n_ns ? m->ns[0] : NULL;
	HASH_FIND(hh_nsid, m->by_nsid, &nsid, sizeof(nsid), ns);
	return ns && !ns->nsid_waits ? ns : NULL;
}

/* ---- lost events ---------------------------------------------------------------------- */

static void queue_reread(struct nh_monitor *m, struct nh_ns *ns)
{
	if (ns->reread_queued)
		return;
	ns->reread_queued = true;
	ns->obs.valid = false;
	ns->next_reread = m->reread_head;
	m->reread_head = ns;
}

void nh_events_forget(struct nh_monitor *m, struct nh_ns *ns)
{
	struct nh_ns **p;

	if (!ns->reread_queued)
		return;
	for (p = &m->reread_head; *p; p = &(*p)->next_reread)
		if (*p == ns) {
			*p = ns->next_reread;
			break;
		}
	ns->reread_queued = false;
}

static void reread_cb(struct ev_loop *loop, ev_idle *w, int revents)
{
	struct nh_monitor *m = w->data;

	(void)revents;
	for (int i = 0; i < REREAD_BATCH && m->reread_head; i++) {
		struct nh_ns *ns = m->reread_head;

		m->reread_head = ns->next_reread;
		ns->reread_queued = false;
		m->delivering = ns;
		nh_ns_resync(ns, "overrun");
		m->delivering = NULL;
		if (ns->dead)
			free(ns);
	}
	if (!m->reread_head)
		ev_idle_stop(loop, w);
}

/* Read and throw away what is queued: those events are older than the
 * reads that follow and would undo them. */
static void drain(struct nh_monitor *m)
{
	int fd = nh_nl_fd(&m->evsock);

	for (;;) {
		ssize_t n = recv(fd, m->evbuf, NH_NL_BUFSIZE, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EINTR && errno != ENOBUFS))
			return;
	}
}

static void overrun(struct nh_monitor *m, const char *what)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	int granted;

	if (m->rcvbuf < NH_MONITOR_RCVBUF_MAX / 2)
		m->rcvbuf *= 2;
	granted = nh_nl_set_rcvbuf(&m->evsock, m->rcvbuf);
	drain(m);
	nh_monitor_nsid_overrun(m);
	for (size_t i = 0; i < m->n_ns; i++)
		queue_reread(m, m->ns[i]);
	f.netns = "";
	f.reason = what;
	f.action = "re-read";
	nh_log_event(NH_EV_RESYNC, &f, "netlink receive overrun (%s): events lost, re-reading %zu namespaces; "
		     "receive buffer now %d bytes", what, m->n_ns, granted);
	ev_idle_start(m->loop, &m->reread_w);
}

/* ---- reading ---------------------------------------------------------------------------- */

/*
 * Whether the datagram, the first news after a quiet spell, is healed before
 * the rest of its burst is read: a change to an object that stays (a link
 * set down or moved off its master, an address, route, rule or neighbour
 * removed, a setting changed), whose fix does not depend on what follows.
 * The kernel announces such a change first and what it took along after
 * it (a link set down: its IPv6 addresses and routes, the peer's carrier;
 * an address: its routes). Reading all of that first put six more reads
 * and their diff between the wake-up and the request: from the first read
 * to the request, p50 439 against 144 µs for a link set down, 231 against
 * 107 for an address (`perf trace` of 60 breaks at one namespace, which
 * slows each system call; tests/integration/early_heal.sh).
 *
 * Not a link's deletion (RTM_DELLINK: a veth's peer, a namespace's links
 * follow, and the rebuild needs them known), nor an nsid or nexthop (its
 * routes follow), nor an IPv4 secondary address removed (IFA_F_SECONDARY:
 * its primary's removal may follow, which makes it the kernel's doing,
 * SPEC §5.4, and the heal's blame needs to know), nor an IPv6 address
 * removed (port 0 whoever asked: whether the link's link-local goes after
 * it, the kernel's flush, tells the blame; service/core.c ipv6_remover),
 * nor a route removed by the kernel itself (port 0; `ip route del`
 * carries its requester's, IPv4's and IPv6's alike): when IPv6 goes from a
 * link that stays up (disable_ipv6, an MTU below 1280), the kernel takes
 * every route on it (rt6_disable_ip) before the addresses it flushes, and
 * a route put back alone would be refused, the namespace read again, and
 * the addresses' removals never noted: those are read to the
 * end first, as the rest of a burst always is (SPEC §5.2, bursts
 * coalesce). The early heal's request waits for RTNL, so it runs once the
 * kernel has finished the change; the rest of the burst is read right
 * after it and diffed as usual (a link closed before its deletion was
 * already met this way, core.c's failed: the set-up finds it gone).
 */
static bool lone_change(const char *buf, size_t len)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

	if (len < sizeof(*nlh))
		return false;
	switch (nlh->nlmsg_type) {
	case RTM_DELADDR: {
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

		return len >= NLMSG_LENGTH(sizeof(*ifa)) && ifa->ifa_family == AF_INET &&
		       !(ifa->ifa_flags & IFA_F_SECONDARY);
	}
	case RTM_DELROUTE:
		return nlh->nlmsg_pid != 0;
	case RTM_NEWLINK:
	case RTM_NEWADDR:
	case RTM_NEWROUTE:
	case RTM_NEWRULE: case RTM_DELRULE:
	case RTM_NEWNEIGH: case RTM_DELNEIGH:
	case RTM_NEWNETCONF:
		return true;
	default:
		return false;
	}
}

/* Whether the event socket has more to read, or a pending error. poll,
 * not a peek: a recv of any kind takes a pending ENOBUFS (sk_err) with
 * it, and the overrun would go unhandled. */
static bool queued(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLIN | POLLERR));
}

/* Read up to READS_PER_WAKEUP datagrams and deliver them. early: a read
 * after a quiet spell (m->settled) stops after its first datagram when
 * that is a lone_change, so that the loop heals it before reading on (the
 * socket stays readable: the loop comes back without sleeping). */
static void read_events(struct nh_monitor *m, bool early)
{
	char control[CMSG_SPACE(sizeof(int)) * 2];
	bool news = early && m->settled;
	int fd = nh_nl_fd(&m->evsock);

	m->behind = false;
	m->settled = false;
	for (int i = 0; i < READS_PER_WAKEUP; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { m->evbuf, NH_NL_BUFSIZE };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
				     .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
		struct nh_ns *ns;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				overrun(m, "enobufs");
			else if (errno == EAGAIN)
				m->settled = true;
			else
				nh_log_errno(NH_WARNING, errno, "reading events");
			return;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			overrun(m, "truncated");
			return;
		}
		/* The kernel sends from port 0; anything else is another
		 * process writing to our port, and is no event. (nlmsg_pid,
		 * in the message, is the requester: the actor.) */
		if (mh.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			nh_debug("event from port %u ignored", (unsigned)from.nl_pid);
			continue;
		}
		ns = source(m, &mh);
		if (!ns)
			continue;       /* not watched */
		deliver_all(ns, m->evbuf, (size_t)n, nh_now_us());
		if (news && i == 0 && lone_change(m->evbuf, (size_t)n)) {
			/* a burst of one (nothing after it) leaves the
			 * socket settled: the next news is early too */
			m->settled = !queued(fd);
			return;
		}
	}
	/* the batch is full: read on next iteration if more is queued (not
	 * when it held exactly what was there: no event would come to say) */
	m->behind = queued(fd);
	m->settled = !m->behind;
}

static void read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)revents;
	read_events(w->data, true);
}

bool nh_monitor_read_queued(struct nh_monitor *m, unsigned int max_batches)
{
	if (!m->loop || !m->evsock.sock)
		return true;
	for (unsigned int i = 0; i < max_batches; i++) {
		read_events(m, false);
		if (!m->behind)
			return true;
	}
	return false;
}

bool nh_monitor_behind(const struct nh_monitor *m)
{
	return m->behind;
}

void nh_monitor_changed(struct nh_monitor *m)
{
	m->settled = m->evsock.sock && !queued(nh_nl_fd(&m->evsock));
}

/* ---- the socket --------------------------------------------------------------------------- */

/* Join (or leave) the optional groups of flags. 0 or -errno. */
static int membership(struct nh_monitor *m, unsigned int flags, bool join)
{
	for (size_t i = 0; i < NH_ARRAY_SIZE(optional_groups); i++) {
		unsigned int g = optional_groups[i].group;

		if (!(flags & optional_groups[i].flag))
			continue;
		if (setsockopt(nh_nl_fd(&m->evsock), SOL_NETLINK, join ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP,
			       &g, sizeof(g)) < 0)
			return -errno;
	}
	return 0;
}

int nh_monitor_set_optional(struct nh_monitor *m, unsigned int flags)
{
	unsigned int added = flags & ~m->optional, removed = m->optional & ~flags;
	int r;

	if (!m->evsock.sock) {
		m->optional = flags;    /* taken when the socket opens */
		return 0;
	}
	r = membership(m, added, true);
	if (r == 0)
		r = membership(m, removed, false);
	if (r < 0) {
		(void)membership(m, added, false);
		return r;
	}
	m->optional = flags;
	if (added) {
		nh_info("subscribed to %s events: reading every namespace again",
			added & NH_MONITOR_NEIGH ? "neighbour" : "netconf");
		for (size_t i = 0; i < m->n_ns; i++)
			(void)nh_ns_refresh(m->ns[i]);  /* a failure is retried, and resynced reported */
	}
	return 0;
}

int nh_monitor_probe(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), on = 1, r = 0;

	if (fd < 0)
		return nh_log_errno(NH_ERR, errno, "cannot open a netlink socket");
	if (setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(on)) < 0)
		r = nh_log_errno(NH_ERR, errno, "cannot listen to every namespace's events: "
				 "NETLINK_LISTEN_ALL_NSID needs CAP_NET_BROADCAST (netheal needs CAP_NET_ADMIN, "
				 "CAP_SYS_ADMIN and CAP_NET_BROADCAST)");
	close(fd);
	return r;
}

int nh_events_open(struct nh_monitor *m)
{
	int on = 1, r, granted;

	r = nh_nl_open_shared(&m->evsock, -1, groups, NH_ARRAY_SIZE(groups), m->rcvbuf, m->evbuf);
	if (r == 0 && (r = membership(m, m->optional, true)) < 0)
		nh_nl_close(&m->evsock);
	if (r < 0) {
		char hint[256];

		return nh_log_errno(NH_ERR, r, "cannot open the netlink event socket%s",
				    nh_monitor_nofile_hint(m, r, 0, hint, sizeof(hint)));
	}
	if (setsockopt(nh_nl_fd(&m->evsock), SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(on)) < 0) {
		r = -errno;
		nh_nl_close(&m->evsock);
		return nh_log_errno(NH_ERR, r, "cannot listen to every namespace's events "
				    "(NETLINK_LISTEN_ALL_NSID needs CAP_NET_BROADCAST)");
	}
	/* Without CAP_NET_ADMIN the kernel caps it at net.core.rmem_max:
	 * more overruns, so say so. */
	granted = nh_nl_rcvbuf(&m->evsock);
	if (granted >= 0 && granted < m->rcvbuf && !m->rcvbuf_warned) {
		nh_warn("netlink receive buffer is %d bytes, not the %d asked for (no CAP_NET_ADMIN?): "
			"bursts may overrun it and cost full re-reads", granted, m->rcvbuf);
		m->rcvbuf_warned = true;
	}
	ev_io_init(&m->ev_w, read_cb, nh_nl_fd(&m->evsock), EV_READ);
	m->ev_w.data = m;
	ev_io_start(m->loop, &m->ev_w);
	/* the re-reads after an overrun run before other watchers, so a
	 * storm of events cannot starve them */
	ev_idle_init(&m->reread_w, reread_cb);
	ev_set_priority(&m->reread_w, EV_MAXPRI);
	m->reread_w.data = m;
	return 0;
}

void nh_events_close(struct nh_monitor *m)
{
	if (!m->evsock.sock)
		return;
	if (m->loop) {
		ev_io_stop(m->loop, &m->ev_w);
		ev_idle_stop(m->loop, &m->reread_w);
	}
	nh_nl_close(&m->evsock);
}

int nh_monitor_set_rcvbuf(struct nh_monitor *m, int bytes)
{
	if (bytes <= 0)
		return -EINVAL;
	m->rcvbuf = bytes;
	if (m->evsock.sock)
		nh_nl_set_rcvbuf(&m->evsock, bytes);
	return 0;
}
