#include "monitor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/strmap.h"
#include "common/util.h"

/* A file in netns_dir that is not (yet) a mounted namespace: `ip netns add`
 * creates it empty and bind-mounts the namespace on it a moment later, and a
 * mount makes no inotify event, so it is looked at again on a timer. */
#define PENDING_FIRST_MS 1
#define PENDING_MAX_MS   1000       /* backoff 1, 2, 4 ... ms up to this */
#define PENDING_GIVE_UP_US (60ull * 1000000)    /* then only events and scans look again */

#define REDUMP_FIRST_MS 10
#define REDUMP_MAX_MS   1000

/* Datagrams read from one event socket per wake-up, so that a busy
 * namespace does not starve the others. */
#define READS_PER_WAKEUP 64

struct pending {
	char name[NH_NETNS_NAMSIZ];
	uint64_t first_us, due_us;
	unsigned int delay_ms;
	bool given_up;
};

struct nh_monitor {
	struct ev_loop *loop;
	char *dir;
	const struct nh_monitor_ops *ops;
	void *ctx;
	struct nh_ns **ns;              /* [0] is the host */
	size_t n_ns, cap_ns;
	struct nh_strmap by_name;       /* name → namespace: found per event and per action */
	struct nh_ns *by_port;          /* request socket port → namespace (hh_port) */
	char *evbuf, *reqbuf;           /* shared by every namespace's sockets */
	int rcvbuf;
	int ino_fd;
	int wd_dir, wd_parent;          /* parent: watched only while dir is missing */
	ev_io ino_w;
	struct pending *pending;
	size_t n_pending, cap_pending;
	ev_timer pending_w;
	struct nh_ns *delivering;       /* events of this one are being delivered */
	bool rcvbuf_warned;             /* a smaller receive buffer than asked was said once */
};

/* Rules, permanent neighbours and the sysctls the kernel announces
 * (RTM_NEWNETCONF) are policy objects too (SPEC §3.1). */
static const unsigned int host_groups[] = {
	RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
	RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, RTNLGRP_NEIGH,
	RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF,
	RTNLGRP_NSID,
};
#define NETNS_GROUPS (NH_ARRAY_SIZE(host_groups) - 1)   /* all but nsid */

static void ns_read_cb(struct ev_loop *loop, ev_io *w, int revents);
static void ns_redump_cb(struct ev_loop *loop, ev_timer *w, int revents);
static int dump(struct nh_ns *ns);
static void ns_retry_later(struct nh_ns *ns, const char *reason);

/* ---- one namespace ---------------------------------------------------------- */

static bool is_host(const struct nh_ns *ns)
{
	return !ns->name[0];
}

static void ns_close(struct nh_ns *ns)
{
	struct ev_loop *loop = ns->m->loop;

	if (loop) {
		ev_io_stop(loop, &ns->io);
		ev_timer_stop(loop, &ns->redump);
	}
	nh_nl_close(&ns->evsock);
	if (ns->hh_port.tbl)
		HASH_DELETE(hh_port, ns->m->by_port, ns);
	memset(&ns->hh_port, 0, sizeof(ns->hh_port));
	nh_nl_close(&ns->req);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
	nh_state_free(&ns->obs.have);
}

/* Close at once; free now, or after delivery when its events are being
 * delivered (the caller of the callback still holds it). */
static void ns_free(struct nh_ns *ns)
{
	if (!ns)
		return;
	ns_close(ns);
	if (ns->m->delivering == ns) {
		ns->dead = true;
		return;
	}
	free(ns);
}

static int ns_open_event_socket(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	int nsfd = is_host(ns) ? -1 : ns->fd;
	int r, granted;

	r = nh_nl_open_shared(&ns->evsock, nsfd, host_groups,
			      is_host(ns) ? NH_ARRAY_SIZE(host_groups) : NETNS_GROUPS,
			      ns->rcvbuf, m->evbuf);
	if (r < 0)
		return r;
	/* Without CAP_NET_ADMIN the kernel caps it at net.core.rmem_max:
	 * more overruns, so say so (once). */
	granted = nh_nl_rcvbuf(&ns->evsock);
	if (granted >= 0 && granted < ns->rcvbuf && !m->rcvbuf_warned) {
		nh_warn("netlink receive buffer is %d bytes, not the %d asked for (no CAP_NET_ADMIN?): "
			"bursts may overrun it and cost full re-reads", granted, ns->rcvbuf);
		m->rcvbuf_warned = true;
	}
	ev_io_init(&ns->io, ns_read_cb, nh_nl_fd(&ns->evsock), EV_READ);
	ns->io.data = ns;
	ev_io_start(m->loop, &ns->io);
	return 0;
}

/* A namespace from its fd (taken over): sockets, then the first dump.
 * The event socket is opened first so no change between dump and
 * subscription goes unseen. */
static int ns_new(struct nh_monitor *m, const char *name, int fd, struct nh_ns **out)
{
	struct nh_ns *ns = calloc(1, sizeof(*ns));
	struct stat st;
	int r;

	if (!ns) {
		close(fd);
		return -ENOMEM;
	}
	ns->m = m;
	ns->fd = fd;
	ns->rcvbuf = m->rcvbuf;
	nh_state_init(&ns->obs.have);
	ev_timer_init(&ns->redump, ns_redump_cb, 0, 0);
	ns->redump.data = ns;
	if (nh_strlcpy(ns->name, name, sizeof(ns->name)) < 0) {
		r = -EINVAL;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto fail;
	}
	ns->dev = st.st_dev;
	ns->ino = st.st_ino;
	r = nh_nl_open_shared(&ns->req, is_host(ns) ? -1 : fd, NULL, 0, 0, m->reqbuf);
	if (r < 0)
		goto fail;
	r = NH_HASH_ADD_U32(hh_port, m->by_port, req.portid, ns);
	if (r < 0)
		goto fail;
	if (m->loop) {
		r = ns_open_event_socket(ns);
		if (r < 0)
			goto fail;
	}
	r = dump(ns);
	if (r == -EINTR && m->loop)
		ns_retry_later(ns, "dump-interrupted");        /* a busy namespace: adopt it, dump again shortly */
	else if (r < 0)
		goto fail;
	*out = ns;
	return 0;
fail:
	ns_free(ns);
	return r;
}

static void ns_retry_later(struct nh_ns *ns, const char *reason)
{
	struct nh_monitor *m = ns->m;

	ns->resync_reason = reason;
	ns->redump_ms = ns->redump_ms ? ns->redump_ms * 2 : REDUMP_FIRST_MS;
	if (ns->redump_ms > REDUMP_MAX_MS)
		ns->redump_ms = REDUMP_MAX_MS;
	ev_timer_stop(m->loop, &ns->redump);
	ev_timer_set(&ns->redump, ns->redump_ms / 1000.0, 0);
	ev_timer_start(m->loop, &ns->redump);
}

static int dump(struct nh_ns *ns)
{
	int r = nh_observe_dump(&ns->req, &ns->obs.have);

	ns->obs.valid = r == 0;
	return r;
}

int nh_ns_refresh(struct nh_ns *ns)
{
	int r = dump(ns);

	if (r < 0 && ns->m->loop) {
		nh_log_errno(r == -EINTR ? NH_DEBUG : NH_WARNING, r, "netns %s: read failed, retrying",
			     is_host(ns) ? "-" : ns->name);
		ns_retry_later(ns, "retry");
	}
	return r;
}

/* Re-dump, and tell; an interrupted or failed dump is retried on a timer
 * with backoff (obs.valid stays false meanwhile). */
static void ns_resync(struct nh_ns *ns, const char *reason)
{
	struct nh_monitor *m = ns->m;
	int r = dump(ns);

	if (r == 0) {
		ns->redump_ms = 0;
		if (m->ops && m->ops->resynced)
			m->ops->resynced(m, ns, reason, m->ctx);
		return;
	}
	nh_log_errno(r == -EINTR ? NH_DEBUG : NH_WARNING, r, "netns %s: re-read failed, retrying",
		     is_host(ns) ? "-" : ns->name);
	ns_retry_later(ns, reason);
}

static void ns_redump_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nh_ns *ns = w->data;

	(void)loop;
	(void)revents;
	ns->m->delivering = ns;
	ns_resync(ns, ns->resync_reason ? ns->resync_reason : "retry");
	ns->m->delivering = NULL;
	if (ns->dead)
		free(ns);
}

/* Read and throw away what is queued: those events are older than the
 * dump that follows and would undo it. */
static void ns_drain(struct nh_ns *ns)
{
	int fd = nh_nl_fd(&ns->evsock);

	for (;;) {
		ssize_t n = recv(fd, ns->m->evbuf, NH_NL_BUFSIZE, MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EINTR && errno != ENOBUFS))
			return;
	}
}

/* Events were lost: the state is unknown until a full re-dump. */
static void ns_overrun(struct nh_ns *ns, const char *what)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	int granted;

	ns->obs.valid = false;
	if (ns->rcvbuf < NH_MONITOR_RCVBUF_MAX / 2)
		ns->rcvbuf *= 2;
	granted = nh_nl_set_rcvbuf(&ns->evsock, ns->rcvbuf);
	f.netns = ns->name;
	f.reason = what;
	f.action = "re-read";
	nh_log_event(NH_EV_RESYNC, &f, "netlink receive overrun (%s): events lost, re-reading the namespace; "
		     "receive buffer now %d bytes", what, granted);
	ns_drain(ns);
	ns_resync(ns, "overrun");
}

static void ns_dropped(void *ctx, const char *key)
{
	struct nh_ns *ns = ctx;

	if (ns->m->ops && ns->m->ops->dropped)
		ns->m->ops->dropped(ns->m, ns, key, ns->m->ctx);
}

/* Apply and report every message of one datagram. */
static void ns_deliver(struct nh_ns *ns, const char *buf, size_t len, uint64_t t_us)
{
	struct nh_monitor *m = ns->m;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nh_observe_sink sink = { ns_dropped, ns };
	int left = (int)len;
	struct nh_nl_event ev;

	for (; mnl_nlmsg_ok(nlh, left) && !ns->dead; nlh = mnl_nlmsg_next(nlh, &left)) {
		int r = nh_observe_event(&ns->obs.have, nlh, &ev, &sink);

		if (r == -ENOMEM) {
			/* The state missed an event: as good as lost. */
			ns->obs.valid = false;
			ns_retry_later(ns, "retry");
			nh_log_errno(NH_ERR, r, "netns %s: applying an event", is_host(ns) ? "-" : ns->name);
			continue;
		}
		if (r < 0) {
			nh_debug("netns %s: malformed message type %u ignored", is_host(ns) ? "-" : ns->name,
				 nlh->nlmsg_type);
			continue;
		}
		if (r == 0)
			continue;
		ev.t_us = t_us;
		if (m->ops && m->ops->event)
			m->ops->event(m, ns, &ev, m->ctx);
	}
}

static void ns_read_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct nh_ns *ns = w->data;
	struct nh_monitor *m = ns->m;

	(void)loop;
	(void)revents;
	/* Callbacks may drop ns (a scan): it is freed when we are done. */
	m->delivering = ns;
	for (int i = 0; i < READS_PER_WAKEUP && !ns->dead; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { m->evbuf, NH_NL_BUFSIZE };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(w->fd, &mh, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS)
				ns_overrun(ns, "enobufs");
			else if (errno != EAGAIN)
				nh_log_errno(NH_WARNING, errno, "netns %s: reading events",
					     is_host(ns) ? "-" : ns->name);
			break;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			ns_overrun(ns, "truncated");
			break;
		}
		/* The kernel sends from port 0; anything else is another
		 * process writing to our port, and is no event. (nlmsg_pid,
		 * in the message, is the requester: the actor.) */
		if (mh.msg_namelen < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0) {
			nh_debug("netns %s: message from port %u ignored", is_host(ns) ? "-" : ns->name,
				 (unsigned)from.nl_pid);
			continue;
		}
		ns_deliver(ns, m->evbuf, (size_t)n, nh_now_us());
	}
	m->delivering = NULL;
	if (ns->dead)
		free(ns);
}

/* ---- the set of namespaces ---------------------------------------------------- */

/* Where name stands in m->ns (adoption and removal, which move the array). */
static ssize_t index_of(const struct nh_monitor *m, const char *name)
{
	const struct nh_ns *ns = nh_strmap_get(&m->by_name, name);

	for (size_t i = 0; ns && i < m->n_ns; i++)
		if (m->ns[i] == ns)
			return (ssize_t)i;
	return -1;
}

static int ns_add(struct nh_monitor *m, struct nh_ns *ns)
{
	int r = nh_grow(&m->ns, &m->cap_ns, m->n_ns + 1, sizeof(*m->ns));

	if (r < 0)
		return r;
	r = nh_strmap_put(&m->by_name, ns->name, ns);
	if (r < 0)
		return r;
	m->ns[m->n_ns++] = ns;
	return 0;
}

/* The file went: close everything of it now, then tell. */
static void ns_drop(struct nh_monitor *m, size_t i)
{
	char name[NH_NETNS_NAMSIZ];

	memcpy(name, m->ns[i]->name, sizeof(name));
	nh_strmap_del(&m->by_name, name);
	ns_free(m->ns[i]);
	memmove(&m->ns[i], &m->ns[i + 1], (m->n_ns - i - 1) * sizeof(*m->ns));
	m->n_ns--;
	nh_debug("netns %s: gone", name);
	if (m->ops && m->ops->netns_removed)
		m->ops->netns_removed(m, name, m->ctx);
}

static bool valid_name(const char *name)
{
	return name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/') &&
	       strlen(name) < NH_NETNS_NAMSIZ;
}

/* Open netns_dir/name if it is a mounted network namespace. -EAGAIN: the
 * file exists but is not (yet) one; -ENOENT: no such file. */
static int open_netns_file(const struct nh_monitor *m, const char *name, int *out)
{
	char path[PATH_MAX];
	struct statfs sfs;
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	/* O_NONBLOCK: a FIFO dropped there must not hang the loop. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (fstatfs(fd, &sfs) < 0) {
		r = -errno;
		goto fail;
	}
	if (sfs.f_type != NSFS_MAGIC) {
		r = -EAGAIN;
		goto fail;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		r = -EAGAIN;    /* another kind of namespace: never ours */
		goto fail;
	}
	*out = fd;
	return 0;
fail:
	close(fd);
	return r;
}

static bool same_netns(const struct nh_ns *ns, int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && st.st_dev == ns->dev && st.st_ino == ns->ino;
}

static void pending_remove(struct nh_monitor *m, const char *name);

/* Adopt name if it is a namespace now. notify: call netns_added.
 * Returns 0 (adopted, or already), -EAGAIN (not yet), -ENOENT, -errno. */
static int try_adopt(struct nh_monitor *m, const char *name, bool notify, struct nh_ns **out)
{
	ssize_t i = index_of(m, name);
	struct nh_ns *ns;
	int fd, r;

	if (!valid_name(name))
		return -EINVAL;
	r = open_netns_file(m, name, &fd);
	if (r < 0) {
		if (i > 0)
			ns_drop(m, (size_t)i);  /* its file is gone or no longer a namespace */
		return r;
	}
	if (i > 0) {
		if (same_netns(m->ns[i], fd)) {
			close(fd);
			if (out)
				*out = m->ns[i];
			return 0;
		}
		ns_drop(m, (size_t)i);          /* the file now holds another namespace */
	}
	pending_remove(m, name);
	r = ns_new(m, name, fd, &ns);
	if (r < 0)
		return nh_log_errno(NH_WARNING, r, "netns %s: cannot watch it", name);
	r = ns_add(m, ns);
	if (r < 0) {
		ns_free(ns);
		return r;
	}
	nh_debug("netns %s: adopted", name);
	if (notify && m->ops && m->ops->netns_added)
		m->ops->netns_added(m, ns, m->ctx);
	if (out)
		*out = ns;
	return 0;
}

/* ---- files waiting to become namespaces --------------------------------------- */

static void pending_arm(struct nh_monitor *m)
{
	uint64_t now = nh_now_us(), due = UINT64_MAX;

	if (!m->loop)
		return;
	for (size_t i = 0; i < m->n_pending; i++)
		if (!m->pending[i].given_up && m->pending[i].due_us < due)
			due = m->pending[i].due_us;
	ev_timer_stop(m->loop, &m->pending_w);
	if (due == UINT64_MAX)
		return;         /* idle: no timer */
	ev_timer_set(&m->pending_w, due > now ? (double)(due - now) / 1e6 : 0, 0);
	ev_timer_start(m->loop, &m->pending_w);
}

static void pending_remove(struct nh_monitor *m, const char *name)
{
	for (size_t i = 0; i < m->n_pending; i++) {
		if (strcmp(m->pending[i].name, name) != 0)
			continue;
		memmove(&m->pending[i], &m->pending[i + 1], (m->n_pending - i - 1) * sizeof(*m->pending));
		m->n_pending--;
		return;
	}
}

static void pending_add(struct nh_monitor *m, const char *name)
{
	uint64_t now = nh_now_us();
	struct pending *p = NULL;

	if (!m->loop)
		return;
	for (size_t i = 0; i < m->n_pending; i++)
		if (strcmp(m->pending[i].name, name) == 0)
			p = &m->pending[i];
	if (!p) {
		if (nh_grow(&m->pending, &m->cap_pending, m->n_pending + 1, sizeof(*m->pending)) < 0) {
			nh_err("netns %s: out of memory, not watched", name);
			return;
		}
		p = &m->pending[m->n_pending++];
		memset(p, 0, sizeof(*p));
		nh_strlcpy(p->name, name, sizeof(p->name));
	}
	/* New, or looked at again after an event: start the backoff over. */
	p->first_us = now;
	p->delay_ms = PENDING_FIRST_MS;
	p->due_us = now + PENDING_FIRST_MS * 1000;
	p->given_up = false;
}

static ssize_t pending_index(const struct nh_monitor *m, const char *name)
{
	for (size_t i = 0; i < m->n_pending; i++)
		if (strcmp(m->pending[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

/* Look again at one waiting file. By name: an adoption calls back, and the
 * callback may change the list. */
static void pending_retry(struct nh_monitor *m, const char *name, uint64_t now)
{
	ssize_t i;
	struct pending *p;
	int r = try_adopt(m, name, true, NULL);

	i = pending_index(m, name);
	if (i < 0)
		return;
	if (r != -EAGAIN) {
		pending_remove(m, name);        /* adopted, gone, or unusable */
		return;
	}
	p = &m->pending[i];
	if (now - p->first_us > PENDING_GIVE_UP_US) {
		nh_warn("netns %s: %s/%s is still not a mounted network namespace; "
			"looking again on the next change in the directory", name, m->dir, name);
		p->given_up = true;
	}
	p->delay_ms = p->delay_ms * 2 > PENDING_MAX_MS ? PENDING_MAX_MS : p->delay_ms * 2;
	p->due_us = now + p->delay_ms * 1000ull;
}

static void pending_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nh_monitor *m = w->data;
	uint64_t now = nh_now_us();
	size_t n = 0;
	char (*due)[NH_NETNS_NAMSIZ] = calloc(m->n_pending ? m->n_pending : 1, sizeof(*due));

	(void)loop;
	(void)revents;
	if (!due) {
		nh_err("out of memory looking at waiting namespaces");
		pending_arm(m);
		return;
	}
	for (size_t i = 0; i < m->n_pending; i++)
		if (!m->pending[i].given_up && m->pending[i].due_us <= now)
			memcpy(due[n++], m->pending[i].name, NH_NETNS_NAMSIZ);
	for (size_t i = 0; i < n; i++)
		pending_retry(m, due[i], now);
	free(due);
	pending_arm(m);
}

/* A file appeared (or might have): adopt it, or wait for its mount. */
static void file_appeared(struct nh_monitor *m, const char *name)
{
	int r = try_adopt(m, name, true, NULL);

	if (r == -EAGAIN)
		pending_add(m, name);
	else
		pending_remove(m, name);
}

static void file_gone(struct nh_monitor *m, const char *name)
{
	ssize_t i = index_of(m, name);

	pending_remove(m, name);
	if (i > 0)
		ns_drop(m, (size_t)i);
}

/* ---- the directory ------------------------------------------------------------ */

int nh_monitor_scan(struct nh_monitor *m)
{
	DIR *d = opendir(m->dir);
	struct dirent *de;
	char **seen = NULL;
	size_t n_seen = 0, cap_seen = 0;
	int r = 0;

	if (!d && errno != ENOENT)
		return nh_log_errno(NH_WARNING, errno, "cannot read %s", m->dir);
	while (d && (de = readdir(d))) {
		if (!valid_name(de->d_name))
			continue;
		if (nh_grow(&seen, &cap_seen, n_seen + 1, sizeof(*seen)) < 0 ||
		    !(seen[n_seen] = strdup(de->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n_seen++;
	}
	/* Drop what is gone first (a missing dir: everything named). */
	for (size_t i = m->n_ns; i-- > 1;) {
		bool found = false;

		for (size_t j = 0; j < n_seen && !found; j++)
			found = strcmp(seen[j], m->ns[i]->name) == 0;
		if (!found)
			ns_drop(m, i);
	}
	for (size_t i = m->n_pending; i-- > 0;) {
		bool found = false;

		for (size_t j = 0; j < n_seen && !found; j++)
			found = strcmp(seen[j], m->pending[i].name) == 0;
		if (!found)
			pending_remove(m, m->pending[i].name);
	}
	for (size_t j = 0; j < n_seen; j++)
		file_appeared(m, seen[j]);
	pending_arm(m);
out:
	for (size_t j = 0; j < n_seen; j++)
		free(seen[j]);
	free(seen);
	if (d)
		closedir(d);
	return r;
}

#define DIR_EVENTS (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | \
		    IN_ONLYDIR)

/* Watch the directory, or while it does not exist its nearest existing
 * ancestor, for the creation of the next path component (`ip netns add`
 * makes /run/netns on first use). Called again on every event there. */
static int watch_dir(struct nh_monitor *m)
{
	char anc[PATH_MAX];
	int wd;

	m->wd_dir = inotify_add_watch(m->ino_fd, m->dir, DIR_EVENTS);
	if (m->wd_dir >= 0) {
		if (m->wd_parent >= 0 && m->wd_parent != m->wd_dir)
			inotify_rm_watch(m->ino_fd, m->wd_parent);
		m->wd_parent = -1;
		return 0;
	}
	if (errno != ENOENT)
		return nh_log_errno(NH_ERR, errno, "cannot watch %s", m->dir);
	nh_strlcpy(anc, m->dir, sizeof(anc));
	for (;;) {
		char *slash = strrchr(anc, '/');

		if (!slash)
			nh_strlcpy(anc, ".", sizeof(anc));
		else if (slash == anc)
			anc[1] = '\0';
		else
			*slash = '\0';
		wd = inotify_add_watch(m->ino_fd, anc, IN_CREATE | IN_MOVED_TO | IN_ONLYDIR);
		if (wd >= 0 || errno != ENOENT || !slash || slash == anc)
			break;
	}
	if (wd < 0)
		return nh_log_errno(NH_ERR, errno, "cannot watch %s for %s", anc, m->dir);
	if (m->wd_parent >= 0 && m->wd_parent != wd)
		inotify_rm_watch(m->ino_fd, m->wd_parent);
	m->wd_parent = wd;
	/* It may have appeared meanwhile. */
	m->wd_dir = inotify_add_watch(m->ino_fd, m->dir, DIR_EVENTS);
	return 0;
}

static void dir_changed(struct nh_monitor *m, const struct inotify_event *e)
{
	if (e->mask & IN_Q_OVERFLOW) {
		nh_info("inotify queue overflow on %s: rescanning", m->dir);
		nh_monitor_scan(m);
		return;
	}
	if (e->wd == m->wd_parent && m->wd_dir < 0) {
		/* Something was created on the way to the directory. */
		if (watch_dir(m) == 0 && m->wd_dir >= 0)
			nh_monitor_scan(m);
		return;
	}
	if (e->wd != m->wd_dir)
		return;
	if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED | IN_UNMOUNT)) {
		/* The directory itself went: every named namespace with it. */
		if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF))
			inotify_rm_watch(m->ino_fd, m->wd_dir);
		m->wd_dir = -1;
		watch_dir(m);
		nh_monitor_scan(m);
		return;
	}
	if (!e->len)
		return;
	if (e->mask & (IN_DELETE | IN_MOVED_FROM))
		file_gone(m, e->name);
	else if (e->mask & (IN_CREATE | IN_MOVED_TO))
		file_appeared(m, e->name);
	/* Any change may be the moment a file given up on was mounted. */
	for (size_t i = 0; i < m->n_pending; i++)
		if (m->pending[i].given_up && strcmp(m->pending[i].name, e->name) != 0)
			pending_add(m, m->pending[i].name);
}

static void inotify_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct nh_monitor *m = w->data;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	(void)loop;
	(void)revents;
	for (;;) {
		ssize_t n = read(m->ino_fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const struct inotify_event *)p;

			dir_changed(m, e);
			p += sizeof(*e) + e->len;
		}
	}
	pending_arm(m);
}

/* ---- the monitor -------------------------------------------------------------- */

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			nh_log_errno(NH_WARNING, errno, "cannot raise RLIMIT_NOFILE");
	}
}

static int open_host(struct nh_monitor *m)
{
	struct nh_ns *ns;
	int fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return nh_log_errno(NH_ERR, errno, "cannot open /proc/thread-self/ns/net");
	r = ns_new(m, "", fd, &ns);
	if (r < 0)
		return nh_log_errno(NH_ERR, r, "cannot watch the host namespace");
	r = ns_add(m, ns);
	if (r < 0)
		ns_free(ns);
	return r;
}

static int start_watching(struct nh_monitor *m)
{
	m->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->ino_fd < 0)
		return nh_log_errno(NH_ERR, errno, "inotify_init1");
	ev_io_init(&m->ino_w, inotify_cb, m->ino_fd, EV_READ);
	m->ino_w.data = m;
	ev_io_start(m->loop, &m->ino_w);
	return watch_dir(m);
}

int nh_monitor_new(struct ev_loop *loop, const char *netns_dir, const struct nh_monitor_ops *ops,
		   void *ctx, struct nh_monitor **out)
{
	struct nh_monitor *m = calloc(1, sizeof(*m));
	int r = -ENOMEM;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->loop = loop;
	m->ops = ops;
	m->ctx = ctx;
	m->ino_fd = m->wd_dir = m->wd_parent = -1;
	m->rcvbuf = NH_MONITOR_RCVBUF_DEFAULT;
	ev_timer_init(&m->pending_w, pending_cb, 0, 0);
	m->pending_w.data = m;
	m->dir = strdup(netns_dir);
	m->reqbuf = malloc(NH_NL_BUFSIZE);
	if (!m->dir || !m->reqbuf)
		goto fail;
	if (loop) {
		m->evbuf = malloc(NH_NL_BUFSIZE);
		if (!m->evbuf)
			goto fail;
	}
	raise_nofile();         /* 2 or 3 descriptors per namespace, 1000 namespaces */
	r = open_host(m);
	if (r < 0)
		goto fail;
	/* Watch before scanning, so nothing created in between is missed. */
	if (loop) {
		r = start_watching(m);
		if (r < 0)
			goto fail;
	}
	/* The first scan reports nothing: the caller walks nh_monitor_at. */
	m->ops = NULL;
	r = nh_monitor_scan(m);
	m->ops = ops;
	if (r < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	nh_monitor_free(m);
	return r;
}

int nh_monitor_attach(struct nh_monitor *m, struct ev_loop *loop)
{
	int r;

	if (m->loop)
		return -EALREADY;
	m->evbuf = malloc(NH_NL_BUFSIZE);
	if (!m->evbuf)
		return -ENOMEM;
	m->loop = loop;
	r = start_watching(m);
	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_ns; i++) {
		struct nh_ns *ns = m->ns[i];

		/* Subscribe first, then read: nothing in between goes unseen. */
		r = ns_open_event_socket(ns);
		if (r < 0)
			return nh_log_errno(NH_ERR, r, "cannot watch namespace %s", *ns->name ? ns->name : "-");
		(void)nh_ns_refresh(ns);        /* a failure is retried, and resynced reported */
	}
	/* Namespaces that came or went while nothing watched. */
	return nh_monitor_scan(m);
}

void nh_monitor_free(struct nh_monitor *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_ns; i++)
		ns_free(m->ns[i]);
	free(m->ns);
	nh_strmap_free(&m->by_name);
	if (m->loop) {
		ev_timer_stop(m->loop, &m->pending_w);
		if (m->ino_fd >= 0)
			ev_io_stop(m->loop, &m->ino_w);
	}
	if (m->ino_fd >= 0)
		close(m->ino_fd);
	free(m->pending);
	free(m->evbuf);
	free(m->reqbuf);
	free(m->dir);
	free(m);
}

bool nh_monitor_own_port(const struct nh_monitor *m, uint32_t port)
{
	struct nh_ns *ns;

	HASH_FIND(hh_port, m->by_port, &port, sizeof(port), ns);
	return ns != NULL;
}

struct nh_ns *nh_monitor_host(struct nh_monitor *m)
{
	return m->n_ns ? m->ns[0] : NULL;
}

struct nh_ns *nh_monitor_find(struct nh_monitor *m, const char *name)
{
	return nh_strmap_get(&m->by_name, name);
}

size_t nh_monitor_count(const struct nh_monitor *m)
{
	return m->n_ns;
}

struct nh_ns *nh_monitor_at(struct nh_monitor *m, size_t i)
{
	return i < m->n_ns ? m->ns[i] : NULL;
}

const char *nh_monitor_netns_dir(const struct nh_monitor *m)
{
	return m->dir;
}

int nh_monitor_adopt(struct nh_monitor *m, const char *name, struct nh_ns **out)
{
	int r;

	if (!valid_name(name))
		return -EINVAL;
	r = try_adopt(m, name, false, out);
	if (r == -EAGAIN) {
		pending_add(m, name);   /* its mount will come: keep looking */
		pending_arm(m);
		return -ENOENT;
	}
	return r;
}

int nh_monitor_set_rcvbuf(struct nh_monitor *m, int bytes)
{
	if (bytes <= 0)
		return -EINVAL;
	m->rcvbuf = bytes;
	for (size_t i = 0; i < m->n_ns; i++) {
		m->ns[i]->rcvbuf = bytes;
		if (m->ns[i]->evsock.sock)
			nh_nl_set_rcvbuf(&m->ns[i]->evsock, bytes);
	}
	return 0;
}
