/*
 * Capture what the kernel really says over rtnetlink, as files of raw
 * nlmsghdr messages: the seed corpus of tests/fuzz/fuzz_observe.c. Run by
 * tests/fuzz/capture.sh, inside the sandbox.
 *
 *   nlcapture dump DIR PREFIX   one file per dump (links, addresses, routes
 *                               v4 and v6, rules, neighbours, netconf v4 and
 *                               v6, nsids) of the current namespace:
 *                               DIR/PREFIX-link, ... (every reply message,
 *                               NLMSG_DONE included)
 *   nlcapture listen DIR        every notification of every group netheal
 *                               subscribes to, from every namespace
 *                               (NETLINK_LISTEN_ALL_NSID): one file per
 *                               datagram, DIR/ev-NNNN, until SIGINT/SIGTERM
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#ifndef NETLINK_LISTEN_ALL_NSID
#define NETLINK_LISTEN_ALL_NSID 8
#endif

#define BUFSIZE (64 * 1024)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int write_file(const char *dir, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
		perror(path);
		return -1;
	}
	return 0;
}

/* One dump: the request, then every datagram until NLMSG_DONE or an error,
 * appended to one file. */
static int dump(int fd, const char *dir, const char *name, uint16_t type, size_t hdrlen, int family)
{
	struct {
		struct nlmsghdr nlh;
		char payload[64];
	} req;
	static char buf[BUFSIZE];
	char *all = NULL;
	size_t len = 0;
	int done = 0, r;

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(hdrlen);
	req.nlh.nlmsg_type = type;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nlh.nlmsg_seq = 1;
	req.payload[0] = (char)family;  /* the family is the first byte of every header */
	if (send(fd, &req, req.nlh.nlmsg_len, 0) < 0) {
		perror("send");
		return -1;
	}
	while (!done) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
		int left = (int)n;
		char *na;

		if (n < 0) {
			perror("recv");
			free(all);
			return -1;
		}
		for (; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left))
			if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type == NLMSG_ERROR)
				done = 1;
		na = realloc(all, len + (size_t)n);
		if (!na) {
			free(all);
			return -1;
		}
		all = na;
		memcpy(all + len, buf, (size_t)n);
		len += (size_t)n;
	}
	r = write_file(dir, name, all, len);
	free(all);
	return r;
}

static int do_dump(const char *dir, const char *prefix)
{
	static const struct {
		const char *name;
		uint16_t type;
		size_t hdrlen;
		int family;
	} dumps[] = {
		{ "link", RTM_GETLINK, sizeof(struct ifinfomsg), AF_UNSPEC },
		{ "addr", RTM_GETADDR, sizeof(struct ifaddrmsg), AF_UNSPEC },
		{ "route4", RTM_GETROUTE, sizeof(struct rtmsg), AF_INET },
		{ "route6", RTM_GETROUTE, sizeof(struct rtmsg), AF_INET6 },
		{ "rule", RTM_GETRULE, sizeof(struct fib_rule_hdr), AF_UNSPEC },
		{ "neigh", RTM_GETNEIGH, sizeof(struct ndmsg), AF_UNSPEC },
		{ "netconf4", RTM_GETNETCONF, sizeof(struct netconfmsg), AF_INET },
		{ "netconf6", RTM_GETNETCONF, sizeof(struct netconfmsg), AF_INET6 },
		{ "nsid", RTM_GETNSID, sizeof(struct rtgenmsg), AF_UNSPEC },
	};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	for (size_t i = 0; i < sizeof(dumps) / sizeof(dumps[0]); i++) {
		char name[256];

		snprintf(name, sizeof(name), "%s-%s", prefix, dumps[i].name);
		if (dump(fd, dir, name, dumps[i].type, dumps[i].hdrlen, dumps[i].family) < 0)
			return 1;
	}
	close(fd);
	return 0;
}

static int do_listen(const char *dir)
{
	static const unsigned int groups[] = {
		RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
		RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE,
		RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE, RTNLGRP_NEIGH,
		RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF, RTNLGRP_NSID,
	};
	static char buf[BUFSIZE];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	int on = 1, rcvbuf = 8 << 20, count = 0;
	struct sigaction sa = { .sa_handler = on_signal };
	struct sockaddr_nl sa_nl = { .nl_family = AF_NETLINK };

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa_nl, sizeof(sa_nl)) < 0) {
		perror("bind");
		return 1;
	}
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++)
		if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &groups[i], sizeof(groups[i])) < 0) {
			perror("NETLINK_ADD_MEMBERSHIP");
			return 1;
		}
	if (setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(on)) < 0) {
		perror("NETLINK_LISTEN_ALL_NSID");
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* capture.sh waits for this line before it changes anything */
	printf("listening\n");
	fflush(stdout);
	while (!stop) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		char name[32];

		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");     /* ENOBUFS: lost some; go on */
			continue;
		}
		snprintf(name, sizeof(name), "ev-%04d", count++);
		if (write_file(dir, name, buf, (size_t)n) < 0)
			return 1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "dump") == 0)
		return do_dump(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "listen") == 0)
		return do_listen(argv[2]);
	fprintf(stderr, "usage: nlcapture dump DIR PREFIX | nlcapture listen DIR\n");
	return 2;
}
