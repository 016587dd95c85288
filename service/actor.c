#include "actor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink/nl.h"

unsigned long nh_actor_inode_from_table(const char *table, uint32_t port)
{
	const char *line = strchr(table, '\n');       /* skip the header */

	while (line && *++line) {
		unsigned long long sk;
		unsigned int proto, pid, groups, rmem, wmem, dump, locks, drops;
		unsigned long inode;

		if (sscanf(line, "%llx %u %u %x %u %u %u %u %u %lu", &sk, &proto, &pid, &groups,
			   &rmem, &wmem, &dump, &locks, &drops, &inode) == 10 &&
		    proto == 0 && pid == port)
			return inode;
		line = strchr(line, '\n');
	}
	return 0;
}

struct read_args {
	char *buf;
	size_t size;
};

/* /proc/thread-self/net shows the namespace the thread is in. */
static int read_netlink_table(void *arg)
{
	struct read_args *a = arg;
	int fd = open("/proc/thread-self/net/netlink", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while (len + 1 < a->size && (n = read(fd, a->buf + len, a->size - len - 1)) > 0)
		len += (size_t)n;
	a->buf[len] = '\0';
	close(fd);
	return 0;
}

static bool pid_has_socket(const char *pid, unsigned long inode)
{
	char path[300], want[48], link[64];
	struct dirent *d;
	bool found = false;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%s/fd", pid);
	snprintf(want, sizeof(want), "socket:[%lu]", inode);
	dir = opendir(path);
	if (!dir)
		return false;
	while (!found && (d = readdir(dir))) {
		char fdpath[600];
		ssize_t n;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, d->d_name);
		n = readlink(fdpath, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		found = strcmp(link, want) == 0;
	}
	closedir(dir);
	return found;
}

static void comm_of(const char *pid, char *buf, size_t size)
{
	char path[300];         /* pid is a /proc entry name: up to 255 bytes */
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	f = fopen(path, "re");
	if (!f || !fgets(buf, (int)size, f))
		snprintf(buf, size, "?");
	if (f)
		fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
}

static bool find_owner(unsigned long inode, uint32_t port, char *buf, size_t size)
{
	char hint[16], comm[32];
	struct dirent *d;
	DIR *proc;

	/* A process's first netlink socket usually has its pid as port. */
	snprintf(hint, sizeof(hint), "%u", port);
	if (pid_has_socket(hint, inode)) {
		comm_of(hint, comm, sizeof(comm));
		snprintf(buf, size, "pid:%s/%s", hint, comm);
		return true;
	}
	proc = opendir("/proc");
	if (!proc)
		return false;
	while ((d = readdir(proc))) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' || !pid_has_socket(d->d_name, inode))
			continue;
		comm_of(d->d_name, comm, sizeof(comm));
		snprintf(buf, size, "pid:%s/%s", d->d_name, comm);
		closedir(proc);
		return true;
	}
	closedir(proc);
	return false;
}

void nh_actor_describe(struct nh_monitor *m, const char *netns, uint32_t port, char *buf, size_t size)
{
	struct nh_ns *ns = nh_monitor_find(m, netns);
	struct read_args a;
	unsigned long inode = 0;

	if (port == 0) {
		snprintf(buf, size, "kernel");
		return;
	}
	snprintf(buf, size, "port:%u", port);
	a.size = 256 * 1024;
	a.buf = malloc(a.size);
	if (!a.buf || !ns)
		goto out;
	if (nh_in_netns(*netns ? ns->fd : -1, read_netlink_table, &a) == 0)
		inode = nh_actor_inode_from_table(a.buf, port);
	if (inode)
		(void)find_owner(inode, port, buf, size);
out:
	free(a.buf);
}
