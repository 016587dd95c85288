/*
 * Named namespaces, made the way iproute2's `ip netns add` makes them, so
 * `ip netns` sees them and either tool can race the other:
 *   mkdir DIR 0755; under an flock of DIR, make DIR a shared mount (bind it
 *   on itself first if it is not a mount point); create DIR/NAME with
 *   O_EXCL, mode 0; unshare a new network namespace; bind mount it on the
 *   file, last, so a watcher that sees the mount sees a finished namespace.
 * iproute2 unshares in the process itself; netheal must stay where it is,
 * so a short-lived thread unshares and mounts its own /proc/thread-self.
 */
#include "actions.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>

#include "common/util.h"

/* How long a file made by someone else may stay unmounted before we say it
 * is not a namespace: `ip netns add` mounts microseconds after creating it,
 * a little longer under load. */
#define NETNS_WAIT_US 250000
#define NETNS_POLL_NS 1000000L
#define NETNS_TRIES 3

static int netns_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n;

	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strlen(name) >= NH_NETNS_NAMSIZ)
		return -EINVAL;
	n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static bool is_nsfs(const char *path)
{
	struct statfs s;

	return statfs(path, &s) == 0 && s.f_type == NSFS_MAGIC;
}

/* 1: a network namespace is mounted on path; 0: another kind of namespace
 * (a bind mount of /proc/PID/ns/uts, say: it never becomes one); -1: no
 * namespace (yet), or it cannot be told. */
static int netns_kind(const char *path)
{
	int fd, t;

	if (!is_nsfs(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	t = ioctl(fd, NS_GET_NSTYPE);
	close(fd);
	return t < 0 ? -1 : t == CLONE_NEWNET;
}

/* Namespace mounts must propagate between mount namespaces, so that
 * `ip netns del` anywhere frees the namespace everywhere. The flock is
 * iproute2's: two tools binding DIR on itself at once stack mounts without
 * end (Debian bug 949235). Like iproute2, go on without it if flock fails. */
static int make_dir_shared(const char *dir)
{
	bool bound = false;
	int lock, r = 0;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	lock = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return -errno;
	(void)flock(lock, LOCK_EX);
	while (mount("", dir, "none", MS_SHARED | MS_REC, NULL) < 0) {
		/* EINVAL: not a mount point yet */
		if (errno != EINVAL || bound) {
			r = -errno;
			break;
		}
		if (mount(dir, dir, "none", MS_BIND | MS_REC, NULL) < 0) {
			r = -errno;
			break;
		}
		bound = true;
	}
	close(lock);            /* and with it the flock */
	return r;
}

struct bind_job {
	const char *path;
	int err;
};

static void *bind_new_netns(void *arg)
{
	struct bind_job *job = arg;

	if (unshare(CLONE_NEWNET) < 0)
		job->err = -errno;
	else if (mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) < 0)
		job->err = -errno;
	return NULL;
}

/* The thread takes no signals: they stay with the threads that handle them. */
static int bind_in_thread(const char *path)
{
	struct bind_job job = { .path = path };
	sigset_t all, old;
	pthread_t t;
	int r;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&t, NULL, bind_new_netns, &job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return -r;
	pthread_join(t, NULL);
	return job.err;
}

/* The file exists: someone (another netheal action, `ip netns add`) made it.
 * -EEXIST once it is a namespace, -EAGAIN if it went away (its maker
 * failed), -EBUSY if it stays a plain file. */
static int wait_for_other(const char *path)
{
	const struct timespec tick = { .tv_nsec = NETNS_POLL_NS };
	uint64_t end = nh_now_us() + NETNS_WAIT_US;
	struct stat st;

	for (;;) {
		int kind = netns_kind(path);

		if (kind == 1)
			return -EEXIST;
		if (kind == 0)
			return -EBUSY;
		if (stat(path, &st) < 0 && errno == ENOENT)
			return -EAGAIN;
		if (nh_now_us() >= end)
			return -EBUSY;
		nanosleep(&tick, NULL);
	}
}

/* O_EXCL decides who makes the namespace; the loser waits for the winner. */
static int create_file(const char *path)
{
	int r = -EBUSY;

	for (int i = 0; i < NETNS_TRIES; i++) {
		int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
		r = wait_for_other(path);
		if (r != -EAGAIN)
			return r;
	}
	return r == -EAGAIN ? -EBUSY : r;
}

int nh_netns_create(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int r;

	r = netns_path(path, sizeof(path), dir, name);
	if (r < 0)
		return r;
	r = make_dir_shared(dir);
	if (r < 0)
		return r;
	r = create_file(path);
	if (r < 0)
		return r;
	r = bind_in_thread(path);
	if (r < 0)
		unlink(path);   /* ours (O_EXCL), and nothing is mounted on it */
	return r;
}

int nh_netns_open(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct statfs s;
	int fd, r;

	r = netns_path(path, sizeof(path), dir, name);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &s) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (s.f_type != NSFS_MAGIC) {
		close(fd);
		return -ENOENT;         /* a file, not (yet) a namespace */
	}
	return fd;
}
