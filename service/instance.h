/*
 * One `netheal run` per set of namespaces: two services healing the same
 * namespaces side by side would each take the other's heals for drift
 * (with policies that differ), or make every object twice (EEXIST).
 *
 * The lock is an abstract AF_UNIX socket named after the netns directory,
 * "netheal run NETNS_DIR" (unix(7)): abstract names belong to the network
 * namespace of the socket, as the host netheal heals does, and a name goes
 * with its last descriptor, so a netheal that crashed or was killed leaves
 * no stale lock, and no pid that another process may reuse is trusted.
 */
#ifndef NETHEAL_SERVICE_INSTANCE_H
#define NETHEAL_SERVICE_INSTANCE_H

#include <sys/types.h>

/*
 * Take the lock for netns_dir. Returns a listening socket (close-on-exec,
 * non-blocking: hooks do not inherit it; the caller owns it, keeps it open
 * while it runs, and should accept and close what connects, see
 * nh_instance_drain), -EBUSY when another process holds it (its pid in
 * *holder, as this process's pid namespace sees it, 0 when it cannot be
 * told), or another -errno from socket(2), bind(2) or listen(2).
 */
int nh_instance_lock(const char *netns_dir, pid_t *holder);

/* Accept and close every connection queued on lock_fd: another `run`
 * asking who holds the lock (SO_PEERCRED). */
void nh_instance_drain(int lock_fd);

#endif
