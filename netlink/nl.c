#include "nl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "common/log.h"
#include "common/util.h"
#include "decode.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif

int nh_in_netns(int netns_fd, int (*fn)(void *arg), void *arg)
{
	int self, r;

	if (netns_fd < 0)
		return fn(arg);
	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		r = -errno;
		close(self);
		return r;
	}
	r = fn(arg);
	if (setns(self, CLONE_NEWNET) < 0)
		abort();        /* acting in the wrong namespace is never safe */
	close(self);
	return r;
}

int nh_netns_fresh(void)
{
	int self, fd;

	self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return -errno;
	if (unshare(CLONE_NEWNET) < 0) {
		fd = -errno;
		close(self);
		return fd;
	}
	fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	if (setns(self, CLONE_NEWNET) < 0)
		abort();        /* acting in the wrong namespace is never safe */
	close(self);
	return fd;
}

struct open_args {
	struct nh_nl *nl;
	const unsigned int *groups;
	size_t n_groups;
	int rcvbuf;
};

static void set_rcvbuf(int fd, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

static int open_here(void *arg)
{
	struct open_args *a = arg;
	struct nh_nl *nl = a->nl;
	int one = 1, fd, r;

	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->sock)
		return -errno;
	fd = mnl_socket_get_fd(nl->sock);
	if (a->rcvbuf > 0)
		set_rcvbuf(fd, a->rcvbuf);
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return -errno;
	for (size_t i = 0; i < a->n_groups; i++) {
		unsigned int g = a->groups[i];

		r = mnl_socket_setsockopt(nl->sock, NETLINK_ADD_MEMBERSHIP, &g, sizeof(g));
		if (r < 0)
			return -errno;
	}
	nl->portid = mnl_socket_get_portid(nl->sock);
	return 0;
}

int nh_nl_open(struct nh_nl *nl, int netns_fd, const unsigned int *groups, size_t n_groups, int rcvbuf)
{
	return nh_nl_open_shared(nl, netns_fd, groups, n_groups, rcvbuf, NULL);
}

int nh_nl_open_shared(struct nh_nl *nl, int netns_fd, const unsigned int *groups, size_t n_groups,
		      int rcvbuf, char *shared_buf)
{
	struct open_args a = { nl, groups, n_groups, rcvbuf };
	int r;

	memset(nl, 0, sizeof(*nl));
	if (shared_buf) {
		nl->buf = shared_buf;
		nl->buf_shared = true;
	} else {
		nl->buf = malloc(NH_NL_BUFSIZE);
		if (!nl->buf)
			return -ENOMEM;
	}
	nl->seq = (uint32_t)nh_now_us();
	r = nh_in_netns(netns_fd, open_here, &a);
	if (r < 0)
		nh_nl_close(nl);
	return r;
}

void nh_nl_close(struct nh_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	if (!nl->buf_shared)
		free(nl->buf);
	memset(nl, 0, sizeof(*nl));
}

int nh_nl_fd(const struct nh_nl *nl)
{
	return nl->sock ? mnl_socket_get_fd(nl->sock) : -1;
}

int nh_nl_rcvbuf(const struct nh_nl *nl)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(nh_nl_fd(nl), SOL_SOCKET, SO_RCVBUF, &v, &len) < 0)
		return -errno;
	return v;
}

int nh_nl_set_rcvbuf(struct nh_nl *nl, int bytes)
{
	if (!nl->sock)
		return -EBADF;
	set_rcvbuf(nh_nl_fd(nl), bytes);
	return nh_nl_rcvbuf(nl);
}

struct nlmsghdr *nh_nl_msg(struct nh_nl *nl, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(nl->buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++nl->seq;
	return nlh;
}

/* Copy NLMSGERR_ATTR_MSG of an error message with NLM_F_ACK_TLVS. */
static void ext_ack_text(const struct nlmsghdr *nlh, char *reason, size_t size)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;
	size_t off = sizeof(*err);

	if (!reason || !size || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&err->msg);
	if (mnl_nlmsg_get_payload_len(nlh) < off)
		return;
	mnl_attr_for_each_payload((const void *)((const char *)err + off), mnl_nlmsg_get_payload_len(nlh) - off) {
		if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return;
		snprintf(reason, size, "%s", mnl_attr_get_str(attr));
		return;
	}
}

struct run_state {
	char *reason;
	size_t reason_size;
	mnl_cb_t cb;                    /* dump: each reply message */
	void *data;
	bool intr;                      /* a part said NLM_F_DUMP_INTR */
	bool done;                      /* NLMSG_DONE or NLMSG_ERROR for our request seen */
	int err;                        /* the first error: the kernel's, or the callback's */
};

/* One reply message to our request. Whatever happens, the reply is read
 * to its end (NLMSG_DONE or NLMSG_ERROR): a dump left half read would make
 * every later request on this socket read the rest of it first. */
static void take(const struct nlmsghdr *nlh, struct run_state *rs)
{
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		rs->intr = true;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		/* a dump that failed part way says so here (iproute2's
		 * rtnl_dump_done reads it the same way) */
		if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
			int e;

			memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
			if (e < 0 && !rs->err)
				rs->err = e;
		}
		rs->done = true;
		return;
	}
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		rs->done = true;
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e))) {
			rs->err = rs->err ? rs->err : -EPROTO;
			return;
		}
		if (!rs->err && e->error) {
			ext_ack_text(nlh, rs->reason, rs->reason_size);
			rs->err = e->error < 0 ? e->error : -e->error;
		}
		return;
	}
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE || !rs->cb || rs->err)
		return;
	errno = 0;
	if (rs->cb(nlh, rs->data) == MNL_CB_ERROR)
		rs->err = errno ? -errno : -EPROTO;     /* and read on to the end */
}

/* What is queued on the socket from before (a reply someone gave up on,
 * or what another process wrote to our port): thrown away, so this
 * request reads only its own. Read into a scratch buffer (a datagram
 * longer is cut and dropped whole), never into nl->buf: that holds the
 * request about to be sent, and a queued datagram read over it was sent to
 * the kernel in its place, which answered nothing, and netheal waited for
 * ever (tests/nlforge.c). */
static void drain(int fd)
{
	char scratch[64];

	while (recv(fd, scratch, sizeof(scratch), MSG_DONTWAIT | MSG_TRUNC) >= 0 || errno == EINTR)
		;
}

/* Receive until the reply to nlh is complete. The socket is non-blocking for
 * the event loop's sake; requests wait with a blocking poll on it. Replies
 * come from the kernel (port 0), to our port, with our sequence number:
 * anything else is skipped. */
static int run_reply(struct nh_nl *nl, const struct nlmsghdr *nlh, struct run_state *rs)
{
	int fd = mnl_socket_get_fd(nl->sock);
	uint32_t seq = nlh->nlmsg_seq;

	if (rs->reason && rs->reason_size)
		rs->reason[0] = '\0';
	drain(fd);
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while (!rs->done) {
		struct sockaddr_nl from = { 0 };
		socklen_t from_len = sizeof(from);
		ssize_t n = recvfrom(fd, nl->buf, NH_NL_BUFSIZE, MSG_TRUNC, (struct sockaddr *)&from, &from_len);
		const struct nlmsghdr *m = (const struct nlmsghdr *)nl->buf;
		int left;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				struct pollfd pfd = { .fd = fd, .events = POLLIN };

				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					return -errno;
				continue;
			}
			return -errno;
		}
		/* Another process may write to our port; only the kernel answers. */
		if (from_len < sizeof(from) || from.nl_family != AF_NETLINK || from.nl_pid != 0)
			continue;
		/* Cut (MSG_TRUNC: n is the datagram's length): what it held is
		 * lost, its end of the reply with it, so the reply is never
		 * whole; the rest queued goes with the next request's drain. */
		if ((size_t)n > NH_NL_BUFSIZE)
			return -EMSGSIZE;
		for (left = (int)n; nh_nlmsg_ok(m, left) && !rs->done; m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != seq || (m->nlmsg_pid && m->nlmsg_pid != nl->portid))
				continue;       /* not the answer to this request */
			take(m, rs);
		}
	}
	if (rs->err)
		return rs->err;
	return rs->intr ? -EINTR : 0;
}

int nh_nl_request(struct nh_nl *nl, struct nlmsghdr *nlh, char *reason, size_t reason_size)
{
	struct run_state rs = { .reason = reason, .reason_size = reason_size };

	return run_reply(nl, nlh, &rs);
}

int nh_nl_dump(struct nh_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	struct run_state rs = { .cb = cb, .data = data };

	return run_reply(nl, nlh, &rs);
}

static int nsid_cb(const struct nlmsghdr *nlh, void *data)
{
	int *nsid = data;

	if (nlh->nlmsg_type == RTM_NEWNSID && nh_parse_nsid(nlh, nsid) < 0)
		*nsid = -1;
	return MNL_CB_OK;
}

/* RTM_GETNSID asking by attr (NETNSA_FD or NETNSA_NSID) = value: the id in
 * the reply into *nsid, -1 when the reply names none. 0 or -errno. */
static int nsid_query(struct nh_nl *nl, uint16_t attr, uint32_t value, int *nsid)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, RTM_GETNSID, 0);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	int r;

	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, attr, value);
	*nsid = -1;
	r = nh_nl_dump(nl, nlh, nsid_cb, nsid);
	if (r == 0 && *nsid < 0)
		*nsid = -1;
	return r;
}

int nh_nl_get_nsid(struct nh_nl *nl, int target_fd, int *nsid)
{
	return nsid_query(nl, NETNSA_FD, (uint32_t)target_fd, nsid);
}

int nh_nl_nsid_held(struct nh_nl *nl, int nsid)
{
	int found, r = nsid_query(nl, NETNSA_NSID, (uint32_t)nsid, &found);

	return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

int nh_nl_new_nsid(struct nh_nl *nl, int target_fd, int nsid)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, RTM_NEWNSID, 0);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)target_fd);
	mnl_attr_put_u32(nlh, NETNSA_NSID, (uint32_t)nsid);
	return nh_nl_request(nl, nlh, NULL, 0);
}

int nh_nl_cmsg_nsid(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		int nsid;

		if (c->cmsg_level != SOL_NETLINK || c->cmsg_type != NETLINK_LISTEN_ALL_NSID ||
		    c->cmsg_len < CMSG_LEN(sizeof(int)))
			continue;
		memcpy(&nsid, CMSG_DATA(c), sizeof(nsid));
		return nsid;
	}
	return -1;
}
