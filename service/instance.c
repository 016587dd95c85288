#include "instance.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The abstract address: a leading NUL, then the name (not NUL-terminated). */
static socklen_t lock_address(struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path + 1, NH_INSTANCE_LOCK_NAME, strlen(NH_INSTANCE_LOCK_NAME));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(NH_INSTANCE_LOCK_NAME));
}

/* Who listens on sa: the listener's credentials, from listen(2) time
 * (unix(7)), through a connect it need not accept. 0 (h->known 0 when they
 * could not be told), -EPERM when another user than root or us listens (no
 * netheal: any user may bind the name), -ENOENT when nobody listens, or
 * -errno. */
static int lock_holder(const struct sockaddr_un *sa, socklen_t len, struct nh_instance_holder *h)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	struct ucred cred = { 0 };
	socklen_t clen = sizeof(cred);
	int r = 0;

	memset(h, 0, sizeof(*h));
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, len) < 0) {
		/* EAGAIN: its queue is full, someone listens */
		r = errno == ECONNREFUSED ? -ENOENT : errno == EAGAIN ? 0 : -errno;
	} else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) == 0) {
		h->pid = cred.pid;
		h->uid = cred.uid;
		h->known = 1;
	}
	close(fd);
	if (r == 0 && h->known && h->uid != 0 && h->uid != geteuid())
		r = -EPERM;
	return r;
}

int nh_instance_holder(struct nh_instance_holder *holder)
{
	struct sockaddr_un sa;
	socklen_t len = lock_address(&sa);

	return lock_holder(&sa, len, holder);
}

int nh_instance_lock(struct nh_instance_holder *holder)
{
	struct sockaddr_un sa;
	socklen_t len = lock_address(&sa);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err;

	memset(holder, 0, sizeof(*holder));
	if (fd < 0)
		return -errno;
	if (bind(fd, (const struct sockaddr *)&sa, len) == 0 && listen(fd, SOMAXCONN) == 0)
		return fd;
	err = errno;
	close(fd);
	if (err != EADDRINUSE)
		return -err;
	return lock_holder(&sa, len, holder) == -EPERM ? -EPERM : -EBUSY;
}

int nh_instance_drain(int lock_fd)
{
	for (;;) {
		int fd = accept4(lock_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			close(fd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	}
}
