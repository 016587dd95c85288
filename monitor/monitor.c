/*
 * The namespaces the monitor holds: adopting and dropping them, their
 * request sockets (opened on demand, a bounded cache), and reading their
 * state from scratch (dumps, retried on a timer when they fail). Their
 * nsids, which route their events: monitor/nsid.c.
 */
#include "monitor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/util.h"

#define REDUMP_FIRST_MS 10
#define REDUMP_MAX_MS   1000

static void ns_redump_cb(struct ev_loop *loop, ev_timer *w, int revents);

bool nh_ns_is_host(const struct nh_ns *ns)
{
	return !ns->name[0];
}

const char *nh_ns_label(const struct nh_ns *ns)
{
	return nh_ns_is_host(ns) ? "-" : ns->name;
}

/* ---- request sockets ------------------------------------------------------------- */

static void lru_unlink(struct nh_monitor *m, struct nh_ns *ns)
{
	if (ns->lru_prev)
		ns->lru_prev->lru_next = ns->lru_next;
	else if (m->lru_head == ns)
		m->lru_head = ns->lru_next;
	if (ns->lru_next)
		ns->lru_next->lru_prev = ns->lru_prev;
	else if (m->lru_tail == ns)
		m->lru_tail = ns->lru_prev;
	ns->lru_prev = ns->lru_next = NULL;
}

static void lru_push(struct nh_monitor *m, struct nh_ns *ns)
{
	ns->lru_next = m->lru_head;
	if (m->lru_head)
		m->lru_head->lru_prev = ns;
	m->lru_head = ns;
	if (!m->lru_tail)
		m->lru_tail = ns;
}

static void req_close(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;

	if (!ns->req.sock)
		return;
	if (ns->hh_port.tbl)
		HASH_DELETE(hh_port, m->by_port, ns);
	memset(&ns->hh_port, 0, sizeof(ns->hh_port));
	if (!nh_ns_is_host(ns)) {
		lru_unlink(m, ns);
		m->n_req--;
	}
	nh_nl_close(&ns->req);
}

/* Descriptors left for everything but namespaces and request sockets: the
 * event socket, inotify, status writes, hooks, threads that make a
 * namespace. */
#define FD_RESERVE 64

/* Whether one more descriptor (a socket, a namespace) would leave fewer
 * than FD_RESERVE free beside the namespaces, kept directories and
 * request sockets. */
static bool fd_full(const struct nh_monitor *m)
{
	return m->n_ns + m->n_sysctl_dirs + m->n_req + 1 + FD_RESERVE >= m->nofile;
}

/* Descriptors half of RLIMIT_NOFILE leaves after the namespaces, their
 * kept sysctl directories and FD_RESERVE; negative when those do not fit.
 * Kept sysctl directories and request sockets beyond NH_MONITOR_REQ_SOCKETS
 * live in this half only (nh_ns_sysctl_dirs, make_room, req_max): they are
 * savings, the other half is left to namespaces, hooks and request sockets
 * opened again. */
static long half_spare(const struct nh_monitor *m)
{
	return (long)(m->nofile / 2) - (long)(m->n_ns + m->n_sysctl_dirs + FD_RESERVE);
}

/* Spare descriptors (half_spare) a namespace keeps its sysctl directories
 * open beyond: a full cache of request sockets, one more namespace and one
 * more directory. */
#define DIRS_SPARE (NH_MONITOR_REQ_SOCKETS + 2)

/* How many request sockets stay open (sockets kept spare each heal in
 * their namespace the opening of one: two setns, socket, bind, 20 to 40 µs
 * of a heal's p50 at 1000 namespaces on the benchmark's machine, for
 * 2.9 KiB of kernel memory each). Building (no loop yet, and until
 * nh_monitor_attach has read every namespace again): one per
 * namespace, as far as the limit leaves room (fd_full). Attached: one per
 * namespace while they fit, beside the namespaces and their kept sysctl
 * directories, in half of RLIMIT_NOFILE, the headroom those directories
 * keep too (they come first: they save more, nh_ns_sysctl_dirs); the cap
 * is never below NH_MONITOR_REQ_SOCKETS. Applied only when a socket is
 * opened and when a namespace is adopted: directories opened in between
 * (a reload that lists a sysctl again) may keep the total past half the
 * limit until then, never near the reserve. */
static size_t req_max(const struct nh_monitor *m)
{
	long spare = half_spare(m) - 2;   /* the event socket, inotify */

	if (m->building)
		return m->nofile;
	return spare > NH_MONITOR_REQ_SOCKETS ? (size_t)spare : NH_MONITOR_REQ_SOCKETS;
}

/* Closes the least recently used request sockets until `adding` more stay
 * within req_max and one more descriptor (a socket, a namespace) fits
 * under the limit after the namespaces and FD_RESERVE: namespaces come
 * first (a request socket is opened again when needed, a namespace that
 * cannot be opened is not watched). The most recently used one stays: an
 * action naming two namespaces (a move, a veth's peer) holds the first's
 * socket while it asks for the second's. */
static void req_evict(struct nh_monitor *m, size_t adding)
{
	size_t max = req_max(m);

	while (m->lru_tail && m->lru_tail != m->lru_head && (m->n_req + adding > max || fd_full(m)))
		req_close(m->lru_tail);
}

/* Before a namespace is opened: kept sysctl directories yield when it, a
 * full cache of request sockets and they no longer fit in half the limit
 * (nh_ns_sysctl_dirs keeps none beyond that either), those of the
 * namespaces last in the table first (their settings open by path from
 * then on); then request sockets yield to it. */
static void make_room(struct nh_monitor *m)
{
	for (size_t i = m->n_ns; i-- > 0 && m->n_sysctl_dirs && half_spare(m) < DIRS_SPARE;)
		nh_sysctl_dirs_close(&m->ns[i]->sysctl_dirs);
	req_evict(m, 0);
}

struct nh_nl *nh_ns_request(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	int r;

	if (ns->req.sock) {
		if (!nh_ns_is_host(ns) && m->lru_head != ns) {
			lru_unlink(m, ns);
			lru_push(m, ns);
		}
		return &ns->req;
	}
	req_evict(m, nh_ns_is_host(ns) ? 0 : 1);
	r = nh_nl_open_shared(&ns->req, nh_ns_is_host(ns) ? -1 : ns->fd, NULL, 0, 0, m->reqbuf);
	if (r == 0 && (r = NH_HASH_ADD_U32(hh_port, m->by_port, req.portid, ns)) < 0)
		nh_nl_close(&ns->req);
	if (r < 0) {
		errno = -r;
		return NULL;
	}
	if (!nh_ns_is_host(ns)) {
		lru_push(m, ns);
		m->n_req++;
	}
	return &ns->req;
}

const char *nh_monitor_nofile_hint(const struct nh_monitor *m, int err, size_t waiting, char *buf, size_t size)
{
	buf[0] = '\0';
	if (err == -EMFILE)
		snprintf(buf, size, " (RLIMIT_NOFILE is %zu: netheal holds a descriptor for each of the %zu "
			 "namespaces%s and needs at least %d more; raise LimitNOFILE= in the unit, or the hard limit, to "
			 "at least %zu)", m->nofile, m->n_ns + waiting, waiting ? " it should watch" : "",
			 NH_MONITOR_REQ_SOCKETS + FD_RESERVE + 1,
			 m->n_ns + waiting + NH_MONITOR_REQ_SOCKETS + FD_RESERVE + 1);
	return buf;
}

/* The first namespace refused kept directories since there was room: say
 * so (once for each limit it would take: a larger need is said again),
 * with the limit that would keep as many per namespace as those kept now
 * (NH_SYSCTL_DIRS when none is) for a quarter more namespaces, in whole
 * KiB of descriptors. */
static void sysctl_dirs_full(struct nh_monitor *m)
{
	size_t fixed = DIRS_SPARE + FD_RESERVE, kept = 0, per, limit;   /* half_spare() > DIRS_SPARE, inverted */

	m->sysctl_dirs_full = true;
	for (size_t i = 0; i < m->n_ns; i++)
		kept += m->ns[i]->sysctl_dirs.n > 0;
	/* as many as those kept now have; none kept yet: as many as may be */
	per = kept ? (m->n_sysctl_dirs + kept - 1) / kept : NH_SYSCTL_DIRS;
	limit = (2 * ((1 + per) * (m->n_ns + m->n_ns / 4) + fixed) + 1023) / 1024 * 1024;
	if (limit <= m->nofile)
		limit = (2 * m->nofile + 1023) / 1024 * 1024;   /* kept ones use more than counted */
	if (limit <= m->sysctl_dirs_said)
		return;
	m->sysctl_dirs_said = limit;
	nh_notice("sysctl directories: %zu of %zu namespaces keep theirs open (%zu directories), the others not "
		  "for lack of descriptors (they are kept in half of RLIMIT_NOFILE, %zu): the settings of those "
		  "are opened by their path, healed alike but each lookup longer with every namespace; a limit "
		  "of %zu (LimitNOFILE= in the unit, ulimit -n by hand) keeps %zu for each of up to %zu "
		  "namespaces", kept, m->n_ns, m->n_sysctl_dirs, m->nofile, limit, per,
		  (limit / 2 - fixed) / (1 + per));
}

struct nh_sysctl_dirs *nh_ns_sysctl_dirs(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	/* no more while one more namespace, one more directory, a full cache
	 * of request sockets and the reserve would not fit in half the limit:
	 * they are a saving, given up well before the limit, where a hook or a
	 * namespace would need the descriptor. (The threefold address heal
	 * this rule was first made for, at 10,000 namespaces with the limit
	 * filled, was the nsid order: the benchmark's namespaces had been
	 * given ids after 9000 others, and the kernel walks the host's nsids
	 * in order for each message to the event socket, idr_for_each under
	 * peernet2id. In one run with the limit filled, those with early ids
	 * healed at 406 µs of CPU, those with late ones at 1099.) */
	bool room = half_spare(m) > DIRS_SPARE;

	if (room)
		m->sysctl_dirs_full = false;
	else if (!m->sysctl_dirs_full && !ns->sysctl_dirs.n)
		sysctl_dirs_full(m);
	ns->sysctl_dirs.keep = room ? NH_SYSCTL_DIRS : 0;
	return &ns->sysctl_dirs;
}

size_t nh_monitor_req_sockets(const struct nh_monitor *m)
{
	return m->n_req + (m->n_ns && m->ns[0]->req.sock ? 1 : 0);
}

bool nh_monitor_own_port(const struct nh_monitor *m, uint32_t port)
{
	struct nh_ns *ns;

	HASH_FIND(hh_port, m->by_port, &port, sizeof(port), ns);
	return ns != NULL;
}

/* ---- reading a namespace ------------------------------------------------------------ */

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

/* ---- the names of every watched namespace's links ---- */

void nh_monitor_count_name(struct nh_monitor *m, const char *name, int delta)
{
	struct nh_link_name *e;

	HASH_FIND_STR(m->names, name, e);
	if (!e && delta > 0) {
		e = calloc(1, sizeof(*e));
		if (!e || nh_strlcpy(e->name, name, sizeof(e->name)) < 0 || NH_HASH_ADD(m->names, name, e) < 0) {
			free(e);
			m->names_lost = true;
			return;
		}
	}
	if (!e)
		return;
	if (delta > 0) {
		e->n++;
	} else if (e->n && !--e->n) {
		HASH_DEL(m->names, e);
		free(e);
	}
}

static void count_state(struct nh_monitor *m, const struct nh_state *s, int delta)
{
	for (size_t i = 0; i < s->n_links; i++)
		nh_monitor_count_name(m, s->links[i].name, delta);
}

size_t nh_monitor_links_named(const struct nh_monitor *m, const char *name)
{
	struct nh_link_name *e;

	if (m->names_lost)
		return SIZE_MAX;
	HASH_FIND_STR(m->names, name, e);
	return e ? e->n : 0;
}

static bool keep_route(void *ctx, const struct nh_route *r)
{
	const struct nh_ns *ns = ctx;
	struct nh_monitor *m = ns->m;

	return m->ops->route_kept(m, ns, r, m->ctx);
}

struct nh_route_keep nh_ns_route_keep(const struct nh_ns *ns)
{
	struct nh_route_keep k = { NULL, NULL };

	if (ns->m->ops && ns->m->ops->route_kept) {
		k.keep = keep_route;
		k.ctx = (void *)ns;
	}
	return k;
}

static int dump(struct nh_ns *ns)
{
	struct nh_nl *nl = nh_ns_request(ns);
	struct nh_route_keep keep = nh_ns_route_keep(ns);
	int r;

	/* replaced whole on success, kept on failure */
	count_state(ns->m, &ns->obs.have, -1);
	r = nl ? nh_observe_dump(nl, &ns->obs.have, ns->m->optional & NH_MONITOR_NEIGH ? NH_DUMP_NEIGH : 0, &keep)
	       : -errno;
	count_state(ns->m, &ns->obs.have, 1);
	ns->obs.valid = r == 0;
	return r;
}

int nh_ns_refresh(struct nh_ns *ns)
{
	int r = dump(ns);

	if (r < 0 && ns->m->loop) {
		nh_log_errno(r == -EINTR ? NH_DEBUG : NH_WARNING, r, "netns %s: read failed, retrying",
			     nh_ns_label(ns));
		ns_retry_later(ns, "retry");
	}
	return r;
}

void nh_ns_resync(struct nh_ns *ns, const char *reason)
{
	struct nh_monitor *m = ns->m;
	int r;

	if (nh_ns_nsid_missing(ns))
		nh_ns_assign_nsid(ns);
	r = dump(ns);
	if (r == 0) {
		ns->redump_ms = 0;
		ev_timer_stop(m->loop, &ns->redump);
		if (m->ops && m->ops->resynced)
			m->ops->resynced(m, ns, reason, m->ctx);
		if (nh_ns_nsid_missing(ns))
			ns_retry_later(ns, reason);     /* its events are not seen: read it until it has one */
		return;
	}
	nh_log_errno(r == -EINTR ? NH_DEBUG : NH_WARNING, r, "netns %s: re-read failed, retrying",
		     nh_ns_label(ns));
	ns_retry_later(ns, reason);
}

static void ns_redump_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct nh_ns *ns = w->data;

	(void)loop;
	(void)revents;
	ns->m->delivering = ns;
	nh_ns_resync(ns, ns->resync_reason ? ns->resync_reason : "retry");
	ns->m->delivering = NULL;
	if (ns->dead)
		free(ns);
}

/* ---- one namespace ------------------------------------------------------------------ */

static void ns_close(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;

	if (m->loop)
		ev_timer_stop(m->loop, &ns->redump);
	nh_events_forget(m, ns);
	nh_ns_nsid_release(ns);
	req_close(ns);
	nh_sysctl_dirs_close(&ns->sysctl_dirs);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
	count_state(m, &ns->obs.have, -1);
	nh_state_free(&ns->obs.have);
}

void nh_ns_free(struct nh_ns *ns)
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

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* The kernel's cookie of ns's namespace, from its request socket (opened
 * here; the first read needs it anyway). 0 when it cannot be had (Linux
 * before 5.14). */
static uint64_t netns_cookie(struct nh_ns *ns)
{
	struct nh_nl *nl = nh_ns_is_host(ns) ? NULL : nh_ns_request(ns);
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (!nl || getsockopt(nh_nl_fd(nl), SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) < 0)
		return 0;
	return cookie;
}

/* A namespace from its fd (taken over): its nsid (with a loop: its events),
 * then the first read. */
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
	nh_sysctl_dirs_init(&ns->sysctl_dirs, 0, &m->n_sysctl_dirs);
	ns->nsid = -1;
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
	ns->cookie = netns_cookie(ns);
	if (m->loop && m->evsock.sock)
		nh_ns_assign_nsid(ns);          /* a failure is logged; it is read on resync */
	r = dump(ns);
	if (r == -EINTR) {
		/* A busy namespace (every dump interrupted by its changes):
		 * adopted unread, obs.valid false, so nothing is healed or
		 * planned from it (SPEC §4.4) and it is not taken for missing;
		 * with a loop it is dumped again shortly, without one (start-up,
		 * apply, plan) when it is refreshed (nh_monitor_attach). */
		if (m->loop)
			ns_retry_later(ns, "dump-interrupted");
	} else if (r < 0) {
		goto fail;
	} else if (m->loop && nh_ns_nsid_missing(ns)) {
		ns_retry_later(ns, "retry");    /* no id: read again until it has one */
	}
	*out = ns;
	return 0;
fail:
	nh_ns_free(ns);
	return r;
}

/* ---- the set of namespaces ---------------------------------------------------------- */

ssize_t nh_monitor_index_of(const struct nh_monitor *m, const char *name)
{
	const struct nh_ns *ns;

	HASH_FIND_STR(m->by_name, name, ns);
	return ns ? (ssize_t)ns->index : -1;
}

static int ns_add(struct nh_monitor *m, struct nh_ns *ns)
{
	int r = nh_grow(&m->ns, &m->cap_ns, m->n_ns + 1, sizeof(*m->ns));

	if (r < 0)
		return r;
	r = NH_HASH_ADD(m->by_name, name, ns);
	if (r < 0)
		return r;
	ns->index = m->n_ns;
	m->ns[m->n_ns++] = ns;
	return 0;
}

void nh_monitor_drop(struct nh_monitor *m, size_t i)
{
	char name[NH_NETNS_NAMSIZ];

	memcpy(name, m->ns[i]->name, sizeof(name));
	HASH_DEL(m->by_name, m->ns[i]);
	nh_ns_free(m->ns[i]);
	memmove(&m->ns[i], &m->ns[i + 1], (m->n_ns - i - 1) * sizeof(*m->ns));
	m->n_ns--;
	for (size_t j = i; j < m->n_ns; j++)
		m->ns[j]->index = j;
	nh_debug("netns %s: gone", name);
	if (m->ops && m->ops->netns_removed)
		m->ops->netns_removed(m, name, m->ctx);
}

bool nh_monitor_valid_name(struct nh_monitor *m, const char *name)
{
	if (strcmp(name, "-") == 0) {
		if (!m->dash_told)
			nh_warn("a namespace named '-' in %s is not watched: '-' names the host in netheal's "
				"logs, status and options (ip netns rename it to manage it)", m->dir);
		m->dash_told = true;
		return false;
	}
	return name[0] && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 && !strchr(name, '/') &&
	       strlen(name) < NH_NETNS_NAMSIZ;
}

/* Open netns_dir/name if it is a mounted network namespace. -EAGAIN: the
 * file exists but is not (yet) one; -EMEDIUMTYPE: something else is mounted
 * there, or it is no plain file; -ENOENT: no such file. */
/* A file waiting for its namespace, as `ip netns add` makes it: a plain
 * file of the directory's own file system. Anything else (a directory, a
 * FIFO, a file of another file system bind-mounted there) is not. */
static bool placeholder(const struct nh_monitor *m, int fd)
{
	struct stat st, dir;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (stat(m->dir, &dir) < 0 || dir.st_dev == st.st_dev);
}

static int open_netns_file(const struct nh_monitor *m, const char *name, int *out)
{
	char path[PATH_MAX];
	struct statfs sfs;
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", m->dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	/* O_NONBLOCK: a FIFO dropped there must not hang the loop. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	/* `ip netns add` makes the file mode 0 and mounts the namespace on
	 * it a moment later: without CAP_DAC_OVERRIDE (netheal.service does
	 * not grant it) only the mounted namespace can be opened. */
	if (fd < 0 && errno == EACCES)
		return -EAGAIN;
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : -errno;
	if (fstatfs(fd, &sfs) < 0) {
		r = -errno;
		goto fail;
	}
	if (sfs.f_type != NSFS_MAGIC) {
		r = placeholder(m, fd) ? -EAGAIN : -EMEDIUMTYPE;
		goto fail;
	}
	if (ioctl(fd, NS_GET_NSTYPE) != CLONE_NEWNET) {
		r = -EMEDIUMTYPE;       /* another kind of namespace: never ours */
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

int nh_monitor_try_adopt(struct nh_monitor *m, const char *name, bool notify, struct nh_ns **out)
{
	ssize_t i = nh_monitor_index_of(m, name);
	struct nh_ns *ns;
	int fd, r;

	if (!nh_monitor_valid_name(m, name))
		return -EINVAL;
	make_room(m);
	/* the reserve stays for what heals need (a setting opened by its
	 * path, the status file, a hook): without it they failed, EMFILE, at
	 * every resync */
	if (i < 0 && fd_full(m))
		return -EMFILE;
	r = open_netns_file(m, name, &fd);
	if (r < 0) {
		if (i > 0 && r != -EMFILE && r != -ENFILE)
			nh_monitor_drop(m, (size_t)i);  /* its file is gone or no longer a namespace */
		return r;
	}
	if (i > 0) {
		if (same_netns(m->ns[i], fd)) {
			close(fd);
			if (out)
				*out = m->ns[i];
			return 0;
		}
		nh_monitor_drop(m, (size_t)i);          /* the file now holds another namespace */
	}
	nh_watch_pending_remove(m, name);
	r = ns_new(m, name, fd, &ns);
	if (r < 0 && r != -EMFILE && r != -ENFILE)
		return nh_log_errno(NH_WARNING, r, "netns %s: cannot watch it", name);
	if (r < 0)
		return r;       /* the caller says it, and looks again (watch.c) */
	r = ns_add(m, ns);
	if (r < 0) {
		nh_ns_free(ns);
		return r;
	}
	nh_debug("netns %s: adopted (nsid %d)", name, ns->nsid);
	if (notify && m->ops && m->ops->netns_added)
		m->ops->netns_added(m, ns, m->ctx);
	if (out)
		*out = ns;
	return 0;
}

int nh_monitor_adopt(struct nh_monitor *m, const char *name, struct nh_ns **out)
{
	int r = nh_monitor_try_adopt(m, name, false, out);      /* -EINVAL: not a name it watches */

	if (r == -EAGAIN || r == -EMEDIUMTYPE) {
		if (r == -EAGAIN)
			nh_watch_pending_add(m, name);     /* its mount will come: keep looking */
		else
			nh_watch_pending_foreign(m, name);
		nh_watch_pending_arm(m);
		return -ENOENT;
	}
	return r;
}

/* ---- the monitor ---------------------------------------------------------------------- */

/* Raises the soft limit of descriptors to the hard one; returns the soft
 * limit in force. */
static rlim_t raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			nh_log_errno(NH_WARNING, errno, "cannot raise RLIMIT_NOFILE");
			rl.rlim_cur = was;
		}
	}
	return rl.rlim_cur;
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
		nh_ns_free(ns);
	return r;
}

/* The event socket, and what needs it: nsids. */
static int start_events(struct nh_monitor *m)
{
	int r = nh_events_open(m);

	if (r < 0)
		return r;
	for (size_t i = 0; i < m->n_ns; i++)
		nh_ns_assign_nsid(m->ns[i]);
	return 0;
}

int nh_monitor_new(struct ev_loop *loop, const char *netns_dir, unsigned int optional,
		   const struct nh_monitor_ops *ops, void *ctx, struct nh_monitor **out)
{
	struct nh_monitor *m = calloc(1, sizeof(*m));
	int r = -ENOMEM;
	rlim_t nofile;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->ops = ops;
	m->ctx = ctx;
	m->ino_fd = m->wd_dir = m->wd_parent = -1;
	m->rcvbuf = NH_MONITOR_RCVBUF_DEFAULT;
	m->optional = optional;
	m->dir = strdup(netns_dir);
	m->reqbuf = malloc(NH_NL_BUFSIZE);
	m->evbuf = malloc(NH_NL_BUFSIZE);
	if (!m->dir || !m->reqbuf || !m->evbuf)
		goto fail;
	/* A descriptor per namespace; while it builds (no loop yet: plan,
	 * apply, run before nh_monitor_attach) a request socket each too, as
	 * far as the limit leaves room after the namespaces (req_evict):
	 * a pass that visits every namespace again and again would otherwise
	 * open and close a socket at each visit. */
	nofile = raise_nofile();
	m->nofile = (size_t)nofile;
	m->building = !loop;
	m->next_nsid = NH_MONITOR_NSID_FIRST;
	r = open_host(m);
	if (r < 0)
		goto fail;
	if (loop) {
		m->loop = loop;
		/* watch before scanning, so nothing created in between is missed */
		r = nh_watch_start(m);
		if (r == 0)
			r = start_events(m);
		if (r < 0)
			goto fail;
	}
	/* the first scan reports nothing: the caller walks nh_monitor_at */
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
	m->loop = loop;
	r = nh_watch_start(m);
	if (r == 0)
		r = start_events(m);
	if (r < 0)
		return r;
	/* what changed before the subscription was not seen */
	for (size_t i = 0; i < m->n_ns; i++)
		(void)nh_ns_refresh(m->ns[i]);  /* a failure is retried, and resynced reported */
	m->building = false;
	req_evict(m, 0);        /* down to what stays open once attached */
	/* namespaces that came or went while nothing watched */
	return nh_monitor_scan(m);
}

void nh_monitor_free(struct nh_monitor *m)
{
	if (!m)
		return;
	nh_events_close(m);
	nh_watch_stop(m);
	HASH_CLEAR(hh, m->by_name);    /* before the namespaces that hold its table */
	for (size_t i = m->n_ns; i-- > 0;)
		nh_ns_free(m->ns[i]);   /* the host last: its other names are listed with it */
	nh_monitor_nsid_free(m);
	HASH_CLEAR(hh, m->names);       /* emptied by the namespaces' close */
	free(m->ns);
	free(m->evbuf);
	free(m->reqbuf);
	free(m->dir);
	free(m);
}

struct nh_ns *nh_monitor_host(struct nh_monitor *m)
{
	return m->n_ns ? m->ns[0] : NULL;
}

struct nh_ns *nh_monitor_find(struct nh_monitor *m, const char *name)
{
	struct nh_ns *ns;

	HASH_FIND_STR(m->by_name, name, ns);
	return ns;
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
