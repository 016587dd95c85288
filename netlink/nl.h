/*
 * A netlink socket: one for events (multicast groups, kernel sender only) or
 * one for requests (dumps and changes, each with NLM_F_ACK and a sequence
 * number matched by mnl_cb_run). Both are opened in a given namespace.
 */
#ifndef NETHEAL_NETLINK_NL_H
#define NETHEAL_NETLINK_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/* The receive buffer of every netlink socket, bytes. One datagram must fit
 * whole: a dump part is at most 32 KiB, but the kernel sends a message
 * bigger than that in a datagram of its own, and one link's RTM_NEWLINK
 * with its alternative names (up to 64 KiB of them) or many VFs is larger
 * than 64 KiB. A datagram longer than this still is cut: a request or dump
 * then fails with -EMSGSIZE (never a partial view), the event socket takes
 * it for an overrun. malloc'd, so only the pages a datagram wrote count in
 * the RSS. */
#define NH_NL_BUFSIZE (1024 * 1024)

struct nh_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	char *buf;                      /* NH_NL_BUFSIZE bytes, for building and receiving */
	bool buf_shared;                /* buf is borrowed (nh_nl_open_shared): not freed on close */
};

/* Whether len bytes at nlh hold a whole message: mnl_nlmsg_ok without its
 * flaw. libmnl compares (int)nlmsg_len with the bytes left, so a length of
 * 2 GiB or more passes as negative: the message's readers then run past the
 * datagram, and mnl_nlmsg_next, whose MNL_ALIGN of 0xfffffffd and above
 * is 0, never moves on (found by tests/fuzz/fuzz_observe.c). The kernel
 * sends no such message; what netheal reads does not depend on that. */
static inline bool nh_nlmsg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) && nlh->nlmsg_len <= (unsigned int)len;
}

/* Open a NETLINK_ROUTE socket in the namespace netns_fd (-1: the current
 * one), bound to the rtnetlink multicast groups given as RTNLGRP_* numbers
 * (n_groups may be 0 for a request socket). The thread enters the namespace,
 * creates the socket and returns through /proc/thread-self/ns/net; failing to
 * return aborts the process (it would act on the wrong namespace).
 * rcvbuf > 0 sets SO_RCVBUFFORCE (falling back to SO_RCVBUF).
 * Extended acks are enabled. Returns 0 or -errno. */
int nh_nl_open(struct nh_nl *nl, int netns_fd, const unsigned int *groups, size_t n_groups, int rcvbuf);
/* The same, but nl->buf is shared_buf (NH_NL_BUFSIZE bytes, owned by the
 * caller and outliving the socket) instead of a buffer of its own. One
 * thread may share one buffer among many sockets (a monitor shares one among
 * all its request sockets, and one among all its event sockets) as long as a
 * request built with nh_nl_msg is sent before another socket sharing the
 * buffer is used. shared_buf NULL is nh_nl_open. */
int nh_nl_open_shared(struct nh_nl *nl, int netns_fd, const unsigned int *groups, size_t n_groups,
		      int rcvbuf, char *shared_buf);
void nh_nl_close(struct nh_nl *nl);    /* accepts a closed one */
int nh_nl_fd(const struct nh_nl *nl);
/* The receive buffer size the kernel actually granted. */
int nh_nl_rcvbuf(const struct nh_nl *nl);
/* Set the receive buffer of an open socket: SO_RCVBUFFORCE, falling back to
 * SO_RCVBUF. Returns what the kernel granted (nh_nl_rcvbuf) or -errno. */
int nh_nl_set_rcvbuf(struct nh_nl *nl, int bytes);

/* Run fn(arg) with the calling thread inside netns_fd, then return to the
 * original namespace (abort if that fails). Returns fn's result or -errno. */
int nh_in_netns(int netns_fd, int (*fn)(void *arg), void *arg);

/* A new network namespace, as `ip netns add` makes one but unnamed: the
 * calling thread unshares one, opens it and returns to its own (abort if
 * that fails, as nh_in_netns). Returns its fd (O_RDONLY|O_CLOEXEC; the
 * namespace lives while the fd or anything opened in it is open) or
 * -errno. For `export`: what a new namespace's settings and links are. */
int nh_netns_fresh(void);

/* The id nl's namespace gives the namespace target_fd (RTM_GETNSID with
 * NETNSA_FD) into *nsid: >= 0, or -1 (NETNSA_NSID_NOT_ASSIGNED) when it has
 * given it none (none is made). Returns 0 or -errno. Links name their
 * peer's or parent's namespace by that id (IFLA_LINK_NETNSID). */
int nh_nl_get_nsid(struct nh_nl *nl, int target_fd, int *nsid);
/* Whether nl's namespace has given id nsid to a namespace (RTM_GETNSID
 * with NETNSA_NSID; the kernel answers -ENOENT for a free one): 1 yes, 0
 * no, or -errno. */
int nh_nl_nsid_held(struct nh_nl *nl, int nsid);
/* Give the namespace target_fd the id nsid in nl's namespace (RTM_NEWNSID;
 * -1: the kernel's choice). 0, or -errno: -EEXIST when the id is another
 * namespace's or target_fd's namespace has one already. */
int nh_nl_new_nsid(struct nh_nl *nl, int target_fd, int nsid);
/* The nsid a NETLINK_LISTEN_ALL_NSID socket's message came tagged with
 * (its control message), -1 when none: the socket's own namespace. The
 * kernel tags only with an assigned id, never a negative one. */
struct msghdr;
int nh_nl_cmsg_nsid(struct msghdr *mh);

/* Start a request message in nl->buf: type, flags | NLM_F_REQUEST | NLM_F_ACK,
 * next sequence number. */
struct nlmsghdr *nh_nl_msg(struct nh_nl *nl, uint16_t type, uint16_t flags);

/* Replies are read from the kernel only: a datagram whose sender port is not
 * 0 (another process writing to our port) is dropped unread.
 *
 * Send the request and wait for its ack. Returns 0 or the kernel's -errno;
 * the kernel's extended-ack text (if any) goes to reason. Either returns
 * -EMSGSIZE when a datagram of the reply was longer than NH_NL_BUFSIZE. */
int nh_nl_request(struct nh_nl *nl, struct nlmsghdr *nlh, char *reason, size_t reason_size);

/* Send a dump request (NLM_F_DUMP set by the caller) and run cb on every
 * reply message. Returns 0, the kernel's -errno, cb's error, or -EINTR when
 * the dump was interrupted (NLM_F_DUMP_INTR: the caller throws the result
 * away and dumps again). */
int nh_nl_dump(struct nh_nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

#endif
