/* Test helper: send a well-formed RTM_NEWLINK for a made-up link NAME to
 * netlink port PORT, from an ordinary (non-kernel) socket. An event socket
 * must ignore it: only the kernel (port 0) sends events.
 *   nlsend PORT NAME */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

int main(int argc, char **argv)
{
	struct {
		struct nlmsghdr nlh;
		struct ifinfomsg ifi;
		struct rtattr rta;
		char name[16];
	} msg;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };
	int fd;

	if (argc != 3 || strlen(argv[2]) > 15) {
		fprintf(stderr, "usage: nlsend PORT NAME\n");
		return 2;
	}
	to.nl_pid = (unsigned)strtoul(argv[1], NULL, 10);
	memset(&msg, 0, sizeof(msg));
	msg.nlh.nlmsg_len = sizeof(msg);
	msg.nlh.nlmsg_type = RTM_NEWLINK;
	msg.ifi.ifi_family = AF_UNSPEC;
	msg.ifi.ifi_index = 4242;
	msg.ifi.ifi_flags = 1; /* IFF_UP */
	msg.rta.rta_type = IFLA_IFNAME;
	msg.rta.rta_len = RTA_LENGTH(sizeof(msg.name));
	strcpy(msg.name, argv[2]);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || sendto(fd, &msg, sizeof(msg), 0, (struct sockaddr *)&to, sizeof(to)) != sizeof(msg)) {
		perror("nlsend");
		return 1;
	}
	close(fd);
	return 0;
}
