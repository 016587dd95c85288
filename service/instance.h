/*
 * One `netheal run` per network namespace: every run heals the namespace it
 * runs in (the host's links, bridges, veth ends, sysctls) and the
 * namespaces of its netns directory; two side by side would each take the
 * other's heals for drift (with policies that differ), or make every
 * object twice (EEXIST).
 *
 * The lock is an abstract AF_UNIX socket, "@netheal run" (unix(7)):
 * abstract names belong to the network namespace of the socket, and a name
 * goes with its last descriptor, so a netheal that crashed or was killed
 * leaves no stale lock, and no pid that another process may reuse is
 * trusted. Abstract names have no permissions: any user may bind one, so a
 * name held by another user than root or netheal's own is no netheal, and
 * is not obeyed.
 */
#ifndef NETHEAL_SERVICE_INSTANCE_H
#define NETHEAL_SERVICE_INSTANCE_H

#include <sys/types.h>

#define NH_INSTANCE_LOCK_NAME "netheal run"

/* Who holds the lock, as this process's pid namespace sees it (pid 0 when
 * it cannot be told: its queue of such questions full). */
struct nh_instance_holder {
	pid_t pid;
	uid_t uid;
	int known;              /* 1 when pid and uid were told */
};

/*
 * Take the lock. Returns a listening socket (close-on-exec, non-blocking:
 * hooks do not inherit it; the caller owns it and keeps it open while it
 * runs, and accepts and closes what connects, nh_instance_drain), -EBUSY
 * when a process of root or of this user holds it (*holder says who),
 * -EPERM when another user's process holds it (*holder too: no netheal;
 * run without the lock), or another -errno from socket(2), bind(2) or
 * listen(2).
 */
int nh_instance_lock(struct nh_instance_holder *holder);

/* Who holds the lock in this network namespace, without taking it: 0 and
 * *holder (known 0 when it could not be told: its queue full), -EPERM and
 * *holder when another user's process holds it (no netheal), -ENOENT when
 * no process holds it, or -errno of socket(2) or connect(2). */
int nh_instance_holder(struct nh_instance_holder *holder);

/* Accept and close every connection queued on lock_fd (another `run`
 * asking who holds the lock, SO_PEERCRED). 0 once the queue is empty, or
 * the -errno of accept4(2) that is not about the queue being empty (the
 * caller stops watching: EMFILE would wake it again at once). */
int nh_instance_drain(int lock_fd);

#endif
