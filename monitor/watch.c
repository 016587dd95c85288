/*
 * The netns directory: inotify on it (or, while it does not exist, on its
 * nearest ancestor), files adopted as they become mounted namespaces, files
 * gone dropped, and a rescan after an inotify overflow.
 *
 * A file in netns_dir that is not (yet) a mounted namespace: `ip netns add`
 * creates it empty and bind-mounts the namespace on it a moment later, and a
 * mount makes no inotify event, so it is looked at again on a timer.
 */
#include "monitor_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

#define PENDING_FIRST_MS 1
#define PENDING_MAX_MS   1000       /* backoff 1, 2, 4 ... ms up to this */
#define PENDING_GIVE_UP_US (60ull * 1000000)    /* then only events and scans look again */

/* ---- files waiting to become namespaces --------------------------------------- */

void nh_watch_pending_arm(struct nh_monitor *m)
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

void nh_watch_pending_remove(struct nh_monitor *m, const char *name)
{
	for (size_t i = 0; i < m->n_pending; i++) {
		bool nofile = m->pending[i].nofile;
		char gone[NH_NETNS_NAMSIZ];

		if (strcmp(m->pending[i].name, name) != 0)
			continue;
		memcpy(gone, m->pending[i].name, sizeof(gone));         /* name may be the entry's */
		memmove(&m->pending[i], &m->pending[i + 1], (m->n_pending - i - 1) * sizeof(*m->pending));
		m->n_pending--;
		if (nofile && m->ops && m->ops->unwatched)
			m->ops->unwatched(m, gone, NULL, m->ctx);
		return;
	}
}

/* New, or looked at again after an event: the backoff starts over. */
static void pending_restart(struct pending *p, uint64_t now)
{
	p->first_us = now;
	p->delay_ms = PENDING_FIRST_MS;
	p->due_us = now + PENDING_FIRST_MS * 1000;
	p->given_up = false;
}

void nh_watch_pending_add(struct nh_monitor *m, const char *name)
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
	pending_restart(p, now);
}

/* Something that is no network namespace is mounted on netns_dir/name (a
 * bind mount of another kind of namespace, of a file): say so once, and
 * look again only when the directory changes. */
void nh_watch_pending_foreign(struct nh_monitor *m, const char *name)
{
	struct pending *p;

	nh_watch_pending_add(m, name);
	for (size_t i = 0; i < m->n_pending; i++) {
		p = &m->pending[i];
		if (strcmp(p->name, name) != 0)
			continue;
		if (!p->foreign)
			nh_warn("netns %s: %s/%s is not a network namespace (something else is mounted there, "
				"or it is no plain file): ignored until it changes", name, m->dir, name);
		p->foreign = p->given_up = true;
	}
}

static ssize_t pending_index(const struct nh_monitor *m, const char *name)
{
	for (size_t i = 0; i < m->n_pending; i++)
		if (strcmp(m->pending[i].name, name) == 0)
			return (ssize_t)i;
	return -1;
}

static void pending_nofile(struct nh_monitor *m, const char *name);

/* Look again at one waiting file. By name: an adoption calls back, and the
 * callback may change the list. */
static void pending_retry(struct nh_monitor *m, const char *name, uint64_t now)
{
	ssize_t i = pending_index(m, name);
	bool nofile = i >= 0 && m->pending[i].nofile;
	struct pending *p;
	int r = nh_monitor_try_adopt(m, name, true, NULL);

	if (r == 0 && nofile)
		nh_notice("netns %s: watched now that descriptors are free", name);
	i = pending_index(m, name);
	if (i < 0)
		return;         /* adopted (try_adopt took it off the list), or gone */
	if (r == -EMEDIUMTYPE) {
		nh_watch_pending_foreign(m, name);
		return;
	}
	if ((r == -EMFILE || r == -ENFILE) && !nofile) {
		/* mounted now, but no descriptor is free for it: it waits
		 * for those, said and shown (adversarial trial: a file that
		 * waited for its mount was never shown) */
		pending_nofile(m, name);
		i = pending_index(m, name);
		if (i < 0)
			return;
	}
	p = &m->pending[i];
	if (r != -EAGAIN && r != -EMFILE && r != -ENFILE) {
		nh_watch_pending_remove(m, name);        /* adopted, gone, or unusable */
		return;
	}
	/* not mounted yet: given up on after a while; no descriptors: never */
	if (r == -EAGAIN && now - p->first_us > PENDING_GIVE_UP_US) {
		/* said once: a change in the directory looks at every file
		 * given up on again (below), and 1000 placeholders said it
		 * 1000 times at each */
		if (!p->warned)
			nh_warn("netns %s: %s/%s is still not a mounted network namespace; looking again "
				"on the next change in the directory", name, m->dir, name);
		else
			nh_debug("netns %s: %s/%s is still not a mounted network namespace", name, m->dir, name);
		p->given_up = true;
		p->warned = true;
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
		nh_watch_pending_arm(m);
		return;
	}
	for (size_t i = 0; i < m->n_pending; i++)
		if (!m->pending[i].given_up && m->pending[i].due_us <= now)
			memcpy(due[n++], m->pending[i].name, NH_NETNS_NAMSIZ);
	for (size_t i = 0; i < n; i++)
		pending_retry(m, due[i], now);
	free(due);
	nh_watch_pending_arm(m);
}

/* name could not be opened for lack of descriptors: looked at again every
 * second at most until it can be (pending_retry), and told to the ops
 * (unwatched). Said once: by itself when it came alone, in one line for
 * all of them when a scan found it (each line's hint would count only
 * those found before it). Without a loop nothing looks again: the scan
 * says how many were left out (nh_monitor_unwatched). */
static void pending_nofile(struct nh_monitor *m, const char *name)
{
	char hint[256], why[96];
	ssize_t i;

	if (!m->loop)
		return;
	i = pending_index(m, name);
	if (i >= 0 && m->pending[i].nofile)
		return;
	nh_watch_pending_add(m, name);
	i = pending_index(m, name);
	if (i < 0)
		return;         /* out of memory: said */
	m->pending[i].nofile = true;
	if (!m->scanning)
		nh_warn("netns %s: not watched for lack of descriptors%s; watched as soon as there are", name,
			nh_monitor_nofile_hint(m, -EMFILE, nh_monitor_unwatched(m), hint, sizeof(hint)));
	if (m->ops && m->ops->unwatched)
		m->ops->unwatched(m, name, nh_monitor_unwatched_why(m, why, sizeof(why)), m->ctx);
}

const char *nh_monitor_unwatched_why(const struct nh_monitor *m, char *buf, size_t size)
{
	snprintf(buf, size, "not watched: no descriptor free (RLIMIT_NOFILE %zu)", m->nofile);
	return buf;
}

size_t nh_monitor_unwatched(const struct nh_monitor *m)
{
	size_t n = 0;

	if (!m->loop)
		return m->n_refused;
	for (size_t i = 0; i < m->n_pending; i++)
		n += m->pending[i].nofile;
	return n;
}

/* A file appeared (or might have): adopt it, or wait for its mount, or
 * for descriptors. Returns what adopting it did (0 or -errno). */
static int file_appeared(struct nh_monitor *m, const char *name)
{
	int r = nh_monitor_try_adopt(m, name, true, NULL);

	if (r == -EAGAIN)
		nh_watch_pending_add(m, name);
	else if (r == -EMEDIUMTYPE)
		nh_watch_pending_foreign(m, name);
	else if (r == -EMFILE || r == -ENFILE)
		pending_nofile(m, name);
	else
		nh_watch_pending_remove(m, name);
	return r;
}

static void file_gone(struct nh_monitor *m, const char *name)
{
	ssize_t i = nh_monitor_index_of(m, name);

	nh_watch_pending_remove(m, name);
	if (i > 0)
		nh_monitor_drop(m, (size_t)i);
}

/* ---- the directory ------------------------------------------------------------ */

/* qsort and bsearch over an array of names (char *). */
static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool was_seen(char *const *seen, size_t n_seen, const char *name)
{
	return n_seen && bsearch(&name, seen, n_seen, sizeof(*seen), name_cmp);
}

int nh_monitor_scan(struct nh_monitor *m)
{
	DIR *d = opendir(m->dir);
	struct dirent *de;
	char **seen = NULL;
	size_t n_seen = 0, cap_seen = 0, refused = 0;
	int r = 0;

	/* Something else where the directory should be: as if it were
	 * missing (the host is still served), said once, until it is one. */
	if (!d && errno == ENOTDIR) {
		if (!m->dir_not_dir)
			nh_err("%s is not a directory: no named namespace is watched or made until it is one",
			       m->dir);
		m->dir_not_dir = true;
	} else if (!d && errno != ENOENT) {
		return nh_log_errno(NH_WARNING, errno, "cannot read %s", m->dir);
	}
	if (d && m->dir_not_dir) {
		nh_notice("%s is a directory again: watching the namespaces in it", m->dir);
		m->dir_not_dir = false;
	}
	while (d && (de = readdir(d))) {
		if (!nh_monitor_valid_name(m, de->d_name))
			continue;
		if (nh_grow(&seen, &cap_seen, n_seen + 1, sizeof(*seen)) < 0 ||
		    !(seen[n_seen] = strdup(de->d_name))) {
			r = -ENOMEM;
			goto out;
		}
		n_seen++;
	}
	/* Drop what is gone first (a missing dir: everything named). The
	 * names sorted and searched: a search of the list for each was
	 * quadratic, 50 million comparisons at each scan of 10,000. */
	if (n_seen)
		qsort(seen, n_seen, sizeof(*seen), name_cmp);
	for (size_t i = m->n_ns; i-- > 1;)
		if (!was_seen(seen, n_seen, m->ns[i]->name))
			nh_monitor_drop(m, i);
	for (size_t i = m->n_pending; i-- > 0;)
		if (!was_seen(seen, n_seen, m->pending[i].name))
			nh_watch_pending_remove(m, m->pending[i].name);
	m->scanning = true;
	for (size_t j = 0; j < n_seen; j++) {
		int a = file_appeared(m, seen[j]);

		refused += a == -EMFILE || a == -ENFILE;
	}
	m->scanning = false;
	if (!m->loop)
		m->n_refused = refused;
	if (refused) {
		char hint[256];

		nh_warn("%zu of the %zu namespaces in %s are not watched for lack of descriptors%s%s", refused,
			n_seen, m->dir, nh_monitor_nofile_hint(m, -EMFILE, refused, hint, sizeof(hint)),
			m->loop ? "; each is watched as soon as there are (looked at again every second)" : "");
	}
	nh_watch_pending_arm(m);
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
	if (errno != ENOENT && errno != ENOTDIR)
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
		const char *base = strrchr(m->dir, '/');

		/* Something was created on the way to the directory; or
		 * something else where it should be (said by the scan). */
		if (watch_dir(m) == 0 &&
		    (m->wd_dir >= 0 || (e->len && strcmp(e->name, base ? base + 1 : m->dir) == 0)))
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
	/* Any change may be the moment a file given up on was mounted (in
	 * place: a search by name for each was quadratic in them). */
	for (size_t i = 0; i < m->n_pending; i++)
		if (m->pending[i].given_up && strcmp(m->pending[i].name, e->name) != 0)
			pending_restart(&m->pending[i], nh_now_us());
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
	nh_watch_pending_arm(m);
}

/* Watch before scanning, so nothing created in between is missed. */
int nh_watch_start(struct nh_monitor *m)
{
	ev_timer_init(&m->pending_w, pending_cb, 0, 0);
	m->pending_w.data = m;
	m->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->ino_fd < 0)
		return nh_log_errno(NH_ERR, errno, "inotify_init1");
	ev_io_init(&m->ino_w, inotify_cb, m->ino_fd, EV_READ);
	m->ino_w.data = m;
	ev_io_start(m->loop, &m->ino_w);
	return watch_dir(m);
}

void nh_watch_stop(struct nh_monitor *m)
{
	if (m->loop) {
		ev_timer_stop(m->loop, &m->pending_w);
		if (m->ino_fd >= 0)
			ev_io_stop(m->loop, &m->ino_w);
	}
	if (m->ino_fd >= 0)
		close(m->ino_fd);
	m->ino_fd = -1;
	free(m->pending);
	m->pending = NULL;
	m->n_pending = m->cap_pending = 0;
}
