/*
 * Test driver for tests/integration/dump_intr.sh (netlink hygiene): dumps
 * and requests on a netheal request socket (netlink/nl.c, as the monitor's
 * request sockets use it) while another thread, from an ordinary socket,
 * sprays forged replies at that socket's port with the sequence numbers
 * of the requests in flight: a link "forged0", an address 203.0.113.77/32,
 * an NLMSG_DONE (which would end a dump early) and an NLMSG_ERROR -EPERM
 * (which would fail a request). Only the kernel (port 0) answers: every
 * forged message must be ignored.
 *
 *   nlforge ROUNDS LINK ADDRESSES
 *
 * Each round dumps the namespace (nh_observe_dump) and checks that the
 * state has exactly ADDRESSES addresses on LINK (a dump cut short has
 * fewer), no forged link or address; then adds one address to LINK and
 * checks the request succeeded. Prints "N rounds, M forged datagrams
 * sent, all ignored" and exits 0, or says what got through and exits 1.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>

#include "monitor/observe.h"
#include "netlink/nl.h"

static atomic_uint target_port;
static atomic_uint target_seq;          /* the last sequence number used */
static atomic_bool stop;
static atomic_ulong sent;

/* A message header at buf, as the kernel addresses its replies. */
static struct nlmsghdr *forged_header(char *buf, uint16_t type, uint16_t flags, uint32_t seq, uint32_t port)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = port;
	return nlh;
}

/* One forged datagram: four messages for each of the next few sequence
 * numbers, addressed to the requester's port as the kernel's are. */
static size_t forge(char *buf, size_t size, uint32_t seq0, uint32_t port)
{
	size_t off = 0;

	for (uint32_t seq = seq0; seq < seq0 + 4 && off + 512 < size; seq++) {
		struct nlmsghdr *nlh;
		struct ifinfomsg *ifi;
		struct ifaddrmsg *ifa;
		struct nlmsgerr *err;
		struct in_addr a;

		nlh = forged_header(buf + off, RTM_NEWLINK, NLM_F_MULTI, seq, port);
		ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_index = 4242;
		ifi->ifi_flags = IFF_UP;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, "forged0");
		off += NLMSG_ALIGN(nlh->nlmsg_len);

		nlh = forged_header(buf + off, RTM_NEWADDR, NLM_F_MULTI, seq, port);
		ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_index = 1;
		inet_pton(AF_INET, "203.0.113.77", &a);
		mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
		mnl_attr_put(nlh, IFA_ADDRESS, sizeof(a), &a);
		off += NLMSG_ALIGN(nlh->nlmsg_len);

		nlh = forged_header(buf + off, NLMSG_ERROR, 0, seq, port);
		err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
		err->error = -EPERM;
		err->msg.nlmsg_seq = seq;
		err->msg.nlmsg_pid = port;
		off += NLMSG_ALIGN(nlh->nlmsg_len);

		nlh = forged_header(buf + off, NLMSG_DONE, NLM_F_MULTI, seq, port);
		*(int *)mnl_nlmsg_put_extra_header(nlh, sizeof(int)) = 0;
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
	return off;
}

static void *forger(void *arg)
{
	static char buf[8192];
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	(void)arg;
	if (fd < 0) {
		perror("forger socket");
		exit(1);
	}
	while (!atomic_load(&stop)) {
		uint32_t port = atomic_load(&target_port);
		struct sockaddr_nl to = { .nl_family = AF_NETLINK, .nl_pid = port };
		/* a dump is six requests: cover the one in flight and the next */
		size_t len = forge(buf, sizeof(buf), atomic_load(&target_seq), port);

		if (sendto(fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			atomic_fetch_add(&sent, 1);
		/* Not a flood: a receive buffer kept more than half full by
		 * anyone stalls a dump (the kernel continues it only when a
		 * read leaves it half empty), which is no test of netheal. */
		usleep(200);
	}
	close(fd);
	return NULL;
}

static size_t count_on(const struct nh_state *s, const char *link, bool *forged)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_addrs; i++) {
		char buf[64];

		if (strcmp(s->addrs[i].link, link) == 0)
			n++;
		if (strcmp(nh_prefix_str(&s->addrs[i].prefix, false, buf, sizeof(buf)), "203.0.113.77") == 0)
			*forged = true;
	}
	if (nh_state_link_by_name(s, "forged0") || nh_state_link_by_index(s, 4242))
		*forged = true;
	return n;
}

static int add_address(struct nh_nl *nl, int ifindex, int k)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	char reason[256];
	struct in_addr a;
	char ip[32];

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = (unsigned)ifindex;
	snprintf(ip, sizeof(ip), "10.1.77.%d", k);
	inet_pton(AF_INET, ip, &a);
	mnl_attr_put(nlh, IFA_LOCAL, sizeof(a), &a);
	atomic_store(&target_seq, nlh->nlmsg_seq);
	return nh_nl_request(nl, nlh, reason, sizeof(reason));
}

int main(int argc, char **argv)
{
	struct nh_nl nl;
	struct nh_state s;
	pthread_t t;
	int rounds, want, ifindex, r, rc = 0;

	if (argc != 4) {
		fprintf(stderr, "usage: nlforge ROUNDS LINK ADDRESSES\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	want = atoi(argv[3]);
	ifindex = (int)if_nametoindex(argv[2]);
	if (rounds <= 0 || rounds > 250 || ifindex <= 0) {
		fprintf(stderr, "nlforge: bad arguments\n");
		return 2;
	}
	r = nh_nl_open(&nl, -1, NULL, 0, 0);
	if (r < 0) {
		fprintf(stderr, "nlforge: cannot open a request socket: %s\n", strerror(-r));
		return 1;
	}
	atomic_store(&target_port, nl.portid);
	atomic_store(&target_seq, nl.seq + 1);
	nh_state_init(&s);
	if (pthread_create(&t, NULL, forger, NULL) != 0)
		return 1;
	for (int i = 1; i <= rounds && rc == 0; i++) {
		bool forged = false;
		size_t n;

		atomic_store(&target_seq, nl.seq + 1);
		do
			r = nh_observe_dump(&nl, &s, NH_DUMP_NEIGH, NULL);
		while (r == -EINTR);
		if (r < 0) {
			printf("round %d: dump failed: %s\n", i, strerror(-r));
			rc = 1;
			break;
		}
		n = count_on(&s, argv[2], &forged);
		if (forged || n != (size_t)(want + i - 1)) {
			printf("round %d: a forged reply got through: %zu addresses on %s (want %d)%s\n", i, n,
			       argv[2], want + i - 1, forged ? ", a forged link or address in the state" : "");
			rc = 1;
		}
		r = add_address(&nl, ifindex, i);
		if (r < 0) {
			printf("round %d: adding 10.1.77.%d failed: %s (a forged error?)\n", i, i, strerror(-r));
			rc = 1;
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	if (rc == 0)
		printf("%d rounds (a dump of %d+ addresses and a request each), %lu forged datagrams sent, all ignored\n",
		       rounds, want, (unsigned long)atomic_load(&sent));
	nh_state_free(&s);
	nh_nl_close(&nl);
	return rc;
}
