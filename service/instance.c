#include "instance.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define LOCK_BACKLOG 8

/* The abstract address for netns_dir: a leading NUL, then the name (not
 * NUL-terminated). A path too long for sun_path is named by its hash. */
static socklen_t lock_address(const char *netns_dir, struct sockaddr_un *sa)
{
	size_t room = sizeof(sa->sun_path) - 1;
	int n;

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	n = snprintf(sa->sun_path + 1, room, "netheal run %s", netns_dir);
	if (n < 0 || (size_t)n >= room) {
		uint64_t h = 14695981039346656037ULL;   /* FNV-1a */

		for (const char *p = netns_dir; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ULL;
		memset(sa->sun_path, 0, sizeof(sa->sun_path));
		n = snprintf(sa->sun_path + 1, room, "netheal run #%016" PRIx64, h);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)n);
}

/* The pid of the process listening on sa, or 0. */
static pid_t lock_holder(const struct sockaddr_un *sa, socklen_t len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	/* the listener's credentials, from listen(2) time (unix(7)) */
	if (connect(fd, (const struct sockaddr *)sa, len) == 0 &&
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0)
		pid = cred.pid;
	close(fd);
	return pid;
}

int nh_instance_lock(const char *netns_dir, pid_t *holder)
{
	struct sockaddr_un sa;
	socklen_t len = lock_address(netns_dir, &sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err;

	*holder = 0;
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&sa, len) == 0 && listen(fd, LOCK_BACKLOG) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err != EADDRINUSE)
		return -err;
	*holder = lock_holder(&sa, len);
	return -EBUSY;
}

void nh_instance_drain(int lock_fd)
{
	int fd;

	while ((fd = accept4(lock_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		close(fd);
}
