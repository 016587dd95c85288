/*
 * bench-observer: heal latency as an independent listener sees it.
 *
 *   bench-observer --break KIND --namespaces N --samples S [--settle-ms MS]
 *                  [--timeout-ms MS] [--seed X]
 *                  [--floor | --floor-woken [--asleep-ms MS] [--delay-us US]]
 *                  [--nsids front|back]
 *
 * KIND: address, route, down, veth, netns, forward (net.ipv4.ip_forward
 * set to 0), matched-address. Each sample picks one of the N namespaces of
 * Option 2 shape (topo.h; at most 1000 at any size) at random (with
 * matched-address, one of the N matched namespaces qrouter-<j>, beyond
 * 1000, and deletes its address on lo: a namespace at the back of the
 * host's nsids, where the kernel's walk for a listen-all socket is
 * longest; with --nsids front or back, only from the tenth of them with the
 * lowest or the highest nsids in the host: the same heal at both ends of
 * the kernel's walk, in one run), waits
 * until it is whole, opens an rtnetlink event socket of its own in it, and
 * breaks it with one request from a second thread while this one waits on
 * the socket, stamping each event (CLOCK_MONOTONIC) as it is read. The
 * observer asks for SCHED_FIFO so that its stamps are prompt; the breaking
 * thread runs at normal priority. With --floor nobody else heals: the
 * floor's requests (floor.c) restore the namespace in the breaking thread
 * right after the break's ack, and are measured the same way, so each
 * healer's figure stands beside the kernel's own cost. With --floor-woken
 * the same requests come from a third thread, at normal priority, that
 * sleeps in poll() until it reads the break's event on one event socket
 * for every namespace, as netheal listens (in the host, with
 * NETLINK_LISTEN_ALL_NSID, each namespace given an nsid there): the floor
 * plus what any event-driven healer of many namespaces pays, the wake-up
 * and the kernel's walk of the host's nsids for each message it copies to
 * such a socket (address, route, down, forward, veth and matched-address;
 * not netns: a veth rebuild is a dozen messages in the namespace, each
 * walked so). Its thread
 * sleeps --asleep-ms before the break (default: --settle-ms, 20 ms, as
 * netheal sleeps between the benchmark's samples; refused without
 * --floor-woken), woken only by the break's event or by an eventfd that
 * ends the wait once the sample is over; with --delay-us (default 0,
 * refused without --floor-woken) it spins that many µs between reading
 * the event and sending its first request, busy on its CPU at normal
 * priority, as a healer at work (one that reacts later: at 1000 bridge
 * ports a link set down is a race for RTNL against the kernel's
 * linkwatch work, README). --settle-ms: the quiet time after
 * each sample (default 20).
 *
 * One line per sample on stdout, times from the break's own event (netns:
 * from the unlink), -1 when not seen within the timeout:
 *   break=address netns=ns3 first_us=212.4 full_us=388.0 ack_us=6.1
 * first: the broken object is back (address, route, link up, ip_forward
 * announced as 1; veth: the default route, which comes last; netns: the
 * namespace file is a namespace again, polled every 100 µs); full: the
 * default route is back too
 * (deleting the only address or setting the link down flushes it; in a new
 * namespace it is seen by a dump or an event); ack: when the break's own
 * request returned (negative when its ack came before the observer read
 * the break's event). With --floor or --floor-woken, floor_cpu_us=: the CPU
 * time (user + system) the floor's requests took, the kernel's work on
 * their behalf included, beside netheal's CPU per heal (woken: the
 * kernel's walk of the host's nsids for each message to the listen-all
 * socket is part of it, as it is of netheal's).
 *
 * late=1: the observer woke late. Its socket was never empty between the
 * break's event and the restoring one, so it read both already queued and
 * the sample understates the heal by the observer's own lag (netlink gives
 * no kernel timestamp to correct it). Not with --floor, whose restore
 * waits until the observer has read the break's event.
 */
#include <errno.h>
#include <dirent.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>

#include "common/util.h"
#include "floor.h"
#include "tests/sandbox.h"
#include "topo.h"

#define POLL_SLICE_MS 10        /* how often a wait looks at the actor's result */

struct opts {
	enum nb_break brk;
	unsigned int namespaces;
	unsigned int samples;
	unsigned int settle_ms;         /* quiet time after each sample */
	unsigned int asleep_ms;         /* --floor-woken: its thread asleep before the break */
	unsigned int delay_us;          /* --floor-woken: its spin between the event and its requests */
	unsigned int timeout_ms;        /* per sample */
	unsigned int seed;
	bool floor;
	bool woken;                     /* --floor-woken */
	int nsids;                      /* --nsids: 0 any, -1 front, 1 back */
};

/* What one sample has seen; times in ns, 0 = not yet. */
struct watch {
	const struct nb_names *n;
	enum nb_break brk;
	bool until_gone;                /* read only until the break's event */
	int nsid;                       /* a listen-all socket: only the messages tagged with
					   this id; -1: a socket in the namespace, every one */
	bool gone;                      /* the break's own event */
	atomic_bool *seen;              /* told to the actor when gone is seen */
	uint64_t now;                   /* when the current batch was read */
	uint64_t gone_at, first, full;
	bool caught_up;                 /* between the break's event and the restoring one,
					   the socket was found empty once */
};

enum ev {
	EV_NONE, EV_ADDR_DEL, EV_ADDR_NEW, EV_ROUTE_DEL, EV_ROUTE_NEW, EV_LINK_DOWN, EV_LINK_UP, EV_LINK_DEL,
	EV_FORWARD_OFF, EV_FORWARD_ON,
};

/* Per break: its own event, and the event that says the object is back. */
static const struct {
	enum ev gone, back;
} expect[NB_BREAK__COUNT] = {
	[NB_ADDR] = { EV_ADDR_DEL, EV_ADDR_NEW },
	[NB_ROUTE] = { EV_ROUTE_DEL, EV_ROUTE_NEW },
	[NB_DOWN] = { EV_LINK_DOWN, EV_LINK_UP },
	[NB_VETH] = { EV_LINK_DEL, EV_ROUTE_NEW },
	[NB_NETNS] = { EV_NONE, EV_ROUTE_NEW },
	[NB_FORWARD] = { EV_FORWARD_OFF, EV_FORWARD_ON },
	[NB_MATCHED_ADDR] = { EV_ADDR_DEL, EV_ADDR_NEW },
};

/* ---- parsing (the tb[] idiom: validate, then read) ---------------------- */

struct attrs {
	const struct nlattr **tb;
	int max;
	const enum mnl_attr_data_type *types;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	const struct attrs *a = data;
	int type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, (uint16_t)a->max) < 0)
		return MNL_CB_OK;       /* newer than our headers: skip */
	if (a->types[type] != MNL_TYPE_UNSPEC && mnl_attr_validate(attr, a->types[type]) < 0)
		return MNL_CB_ERROR;
	a->tb[type] = attr;
	return MNL_CB_OK;
}

static const enum mnl_attr_data_type link_types[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_MASTER] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type addr_types[IFA_MAX + 1] = {
	[IFA_LOCAL] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type route_types[RTA_MAX + 1] = {
	[RTA_TABLE] = MNL_TYPE_U32,
	[RTA_GATEWAY] = MNL_TYPE_U32,
};
static const enum mnl_attr_data_type netconf_types[NETCONFA_MAX + 1] = {
	[NETCONFA_IFINDEX] = MNL_TYPE_U32,
	[NETCONFA_FORWARDING] = MNL_TYPE_U32,
};

struct link_info {
	const char *name;
	unsigned int flags;
	int master;
};

static int parse_link(const struct nlmsghdr *nlh, struct link_info *li)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct attrs a = { tb, IFLA_MAX, link_types };
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi) ||
	    mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, &a) < 0 || !tb[IFLA_IFNAME])
		return -EINVAL;
	li->name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	li->flags = ifi->ifi_flags;
	li->master = tb[IFLA_MASTER] ? (int)mnl_attr_get_u32(tb[IFLA_MASTER]) : 0;
	return 0;
}

/* The IPv4 address (IFA_LOCAL) of an address message, 0 if none. */
static uint32_t parse_addr(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	struct attrs a = { tb, IFA_MAX, addr_types };
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa) || ifa->ifa_family != AF_INET ||
	    mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &a) < 0 || !tb[IFA_LOCAL])
		return 0;
	return mnl_attr_get_u32(tb[IFA_LOCAL]);
}

/* The IPv4 default route of the main table, via the topology's gateway. */
static bool is_default_route(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	struct attrs a = { tb, RTA_MAX, route_types };
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	uint32_t table;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) || rtm->rtm_family != AF_INET ||
	    rtm->rtm_dst_len != 0 || rtm->rtm_type != RTN_UNICAST ||
	    mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, &a) < 0)
		return false;
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	return table == RT_TABLE_MAIN && tb[RTA_GATEWAY] &&
	       mnl_attr_get_u32(tb[RTA_GATEWAY]) == NB_GATEWAY_BE;
}

/* IPv4's `all` forwarding (net.ipv4.ip_forward) announced: off or on. */
static enum ev forward_event(const struct nlmsghdr *nlh)
{
	const struct nlattr *tb[NETCONFA_MAX + 1] = { 0 };
	struct attrs a = { tb, NETCONFA_MAX, netconf_types };
	const struct netconfmsg *ncm = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ncm) || ncm->ncm_family != AF_INET ||
	    mnl_attr_parse(nlh, sizeof(*ncm), attr_cb, &a) < 0 || !tb[NETCONFA_IFINDEX] ||
	    (int)mnl_attr_get_u32(tb[NETCONFA_IFINDEX]) != NETCONFA_IFINDEX_ALL || !tb[NETCONFA_FORWARDING])
		return EV_NONE;
	return mnl_attr_get_u32(tb[NETCONFA_FORWARDING]) ? EV_FORWARD_ON : EV_FORWARD_OFF;
}

static enum ev link_event(const struct nlmsghdr *nlh, const struct nb_names *n)
{
	struct link_info li;

	if (parse_link(nlh, &li) < 0 || strcmp(li.name, n->inner) != 0)
		return EV_NONE;
	if (nlh->nlmsg_type == RTM_DELLINK)
		return EV_LINK_DEL;
	return li.flags & IFF_UP ? EV_LINK_UP : EV_LINK_DOWN;
}

static enum ev classify(const struct nlmsghdr *nlh, const struct nb_names *n)
{
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return link_event(nlh, n);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		if (parse_addr(nlh) != n->addr_be)
			return EV_NONE;
		return nlh->nlmsg_type == RTM_NEWADDR ? EV_ADDR_NEW : EV_ADDR_DEL;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		if (!is_default_route(nlh))
			return EV_NONE;
		return nlh->nlmsg_type == RTM_NEWROUTE ? EV_ROUTE_NEW : EV_ROUTE_DEL;
	case RTM_NEWNETCONF:
		return forward_event(nlh);
	default:
		return EV_NONE;
	}
}

/* ---- is the namespace whole? -------------------------------------------- */

struct probe {
	const struct nb_names *n;
	int master;             /* the bridge's index, for the host end */
	bool ok;
};

static int link_ok_cb(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;
	struct link_info li;

	if (parse_link(nlh, &li) == 0)
		p->ok = (li.flags & IFF_UP) && (!p->master || li.master == p->master);
	return MNL_CB_OK;
}

static int addr_ok_cb(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;

	if (parse_addr(nlh) == p->n->addr_be)
		p->ok = true;
	return MNL_CB_OK;
}

static int route_ok_cb(const struct nlmsghdr *nlh, void *data)
{
	struct probe *p = data;

	if (is_default_route(nlh))
		p->ok = true;
	return MNL_CB_OK;
}

/* Link `name` in nl's namespace is up (and a port of master, when > 0). */
static bool link_ok(struct nh_nl *nl, const char *name, int master, const struct nb_names *n)
{
	struct probe p = { n, master, false };
	int index = nb_ifindex(nl, name);

	return index > 0 && nb_get_link(nl, index, link_ok_cb, &p) == 0 && p.ok;
}

static bool dump_ok(struct nh_nl *nl, uint16_t type, mnl_cb_t cb, const struct nb_names *n)
{
	struct probe p = { n, 0, false };

	return nb_dump4(nl, type, cb, &p) == 0 && p.ok;
}

/* Everything the policy asks for namespace i, in it and in the host
 * (ip_forward only when it is what breaks: a policy without sysctls, for a
 * netheal that predates them, leaves it 0). A matched namespace (no host
 * end): lo up with its address. */
static bool ns_whole(struct nb_ns *host, const struct nb_names *n, bool forward)
{
	struct nb_ns ns = NB_NS_CLOSED;
	bool ok;

	if (nb_ns_open(&ns, n->netns) < 0)
		return false;
	ok = link_ok(&ns.nl, "lo", 0, n) && link_ok(&ns.nl, n->inner, 0, n) &&
	     (!forward || nb_forward_get(ns.fd) == 1) &&
	     dump_ok(&ns.nl, RTM_GETADDR, addr_ok_cb, n) &&
	     (!n->outer[0] || (dump_ok(&ns.nl, RTM_GETROUTE, route_ok_cb, n) &&
			       link_ok(&host->nl, n->outer, nb_ifindex(&host->nl, NB_BRIDGE), n)));
	nb_ns_close(&ns);
	return ok;
}

static void sleep_ns(long ns)
{
	struct timespec ts = { .tv_sec = ns / 1000000000L, .tv_nsec = ns % 1000000000L };

	nanosleep(&ts, NULL);
}

static bool wait_whole(struct nb_ns *host, const struct nb_names *n, bool forward, unsigned int timeout_ms)
{
	uint64_t end = nb_now_ns() + (uint64_t)timeout_ms * 1000000u;

	while (!ns_whole(host, n, forward)) {
		if (nb_now_ns() > end)
			return false;
		sleep_ns(1000000L);
	}
	return true;
}

/* ---- one sample --------------------------------------------------------- */

static int event_cb(const struct nlmsghdr *nlh, void *data)
{
	struct watch *w = data;
	enum ev e = classify(nlh, w->n);

	if (e == EV_NONE)
		return MNL_CB_OK;
	if (!w->gone) {
		w->gone = e == expect[w->brk].gone;
		w->gone_at = w->gone ? w->now : 0;
		if (w->gone && w->seen)
			atomic_store(w->seen, true);
		return MNL_CB_OK;
	}
	if (e == expect[w->brk].back && !w->first)
		w->first = w->now;
	/* full: the default route is back too; a sysctl flushes none, nor
	 * does a matched namespace have one */
	if ((e == EV_ROUTE_NEW || (w->brk == NB_FORWARD && e == EV_FORWARD_ON) ||
	     (w->brk == NB_MATCHED_ADDR && e == EV_ADDR_NEW)) && !w->full)
		w->full = w->now;
	return MNL_CB_OK;
}

/* Read events until first and full are seen, the deadline passes or the
 * thread that breaks things reports a failure (*failed < 0). wake: -1, and
 * the wait looks at *failed every POLL_SLICE_MS; else an eventfd written
 * when *failed is set, and the wait sleeps until an event comes or it is
 * written (-ECANCELED if *failed was not set), as a healer sleeps. */
static int read_events(struct nh_nl *ev, struct watch *w, uint64_t deadline, const atomic_int *failed, int wake)
{
	/* poll skips a negative descriptor: without wake, the socket alone */
	struct pollfd pfd[2] = { { .fd = nh_nl_fd(ev), .events = POLLIN }, { .fd = wake, .events = POLLIN } };

	while (w->until_gone ? !w->gone : !w->first || !w->full) {
		uint64_t now = nb_now_ns();
		struct sockaddr_nl from = { 0 };
		char control[CMSG_SPACE(sizeof(int))];
		struct iovec iov = { ev->buf, NH_NL_BUFSIZE };
		struct msghdr mh = { &from, sizeof(from), &iov, 1, control, sizeof(control), 0 };
		ssize_t len;

		if (now >= deadline)
			return -ETIMEDOUT;
		if (failed && atomic_load(failed) < 0)
			return atomic_load(failed);
		/* late (see the header): once the break's own burst of a
		 * few messages is drained, a heal that takes the healer's
		 * wake-up and more finds the socket empty */
		if (w->gone && !w->first && !w->caught_up && poll(pfd, 1, 0) == 0)
			w->caught_up = true;
		if (poll(pfd, 2, wake < 0 ? POLL_SLICE_MS : (int)((deadline - now) / 1000000u) + 1) < 0 &&
		    errno != EINTR)
			return -errno;
		if (pfd[1].revents)
			return failed && atomic_load(failed) < 0 ? atomic_load(failed) : -ECANCELED;
		len = recvmsg(pfd[0].fd, &mh, 0);
		w->now = nb_now_ns();
		if (len < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (len < 0)
			return -errno;          /* ENOBUFS: this sample is lost */
		if (from.nl_pid != 0)
			continue;               /* not the kernel: no event */
		if (w->nsid >= 0 && nh_nl_cmsg_nsid(&mh) != w->nsid)
			continue;               /* another namespace's */
		if (mnl_cb_run(ev->buf, (size_t)len, 0, 0, event_cb, w) < 0)
			return -errno;
	}
	return 0;
}

static int break_it(enum nb_break b, struct nb_ns *ns, const struct nb_names *n)
{
	int inner = nb_ifindex(&ns->nl, n->inner);

	if (inner < 0)
		return inner;
	switch (b) {
	case NB_ADDR:
	case NB_MATCHED_ADDR:
		return nb_addr4(&ns->nl, RTM_DELADDR, inner, n->addr_be, n->prefix_len);
	case NB_ROUTE:
		return nb_default_route4(&ns->nl, RTM_DELROUTE, 0);
	case NB_DOWN:
		return nb_link_up(&ns->nl, inner, false);
	case NB_VETH:
		return nb_link_delete(&ns->nl, inner, NULL);
	case NB_FORWARD:
		return nb_forward_set(ns->fd, "0");
	default:
		return -EINVAL;
	}
}

struct sample {
	uint64_t start;         /* the break's own event read; netns: unlinked */
	uint64_t acked;         /* the break's ack */
	uint64_t first, full;   /* 0: not seen */
	bool late;              /* see the header; never with --floor, whose restore waits
				   for the observer (act) */
	uint64_t floor_cpu;     /* --floor, --floor-woken: CPU (ns) of its requests (restore_timed) */
};

/* The calling thread's CPU time, user + system (ns), and that of the
 * threads it had make a namespace. */
static uint64_t thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec + nb_helper_cpu_ns;
}

/*
 * The floor's requests, and the CPU time they took, the kernel's on their
 * behalf included: the figure beside netheal's CPU per heal. The calling
 * thread's clock (the observer's own reading goes on in another), with
 * the thread a new namespace is made in.
 */
static int restore_timed(struct nb_floor *f, enum nb_break b, unsigned int i, struct nb_ns *ns, uint64_t *cpu)
{
	uint64_t t0 = thread_cpu_ns();
	int r = nb_floor_restore(f, b, i, ns);

	*cpu = thread_cpu_ns() - t0;
	return r;
}

static const unsigned int event_groups[] = {
	RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV4_NETCONF,
};

/*
 * The break (and with --floor the rebuild) runs in a thread of its own while
 * the observer's thread waits in poll() on its event socket, so each event
 * is stamped as it is queued, give or take one wake-up, as a healer sees it.
 * The clock starts at the break's own event, not at its ack: the kernel
 * announces a change before the request returns (a link delete then waits
 * for an RCU grace period), and a healer may act in between.
 */
struct actor {
	const struct opts *o;
	struct nb_floor *f;
	unsigned int i;
	const struct nb_names *n;
	struct nb_ns *ns;
	uint64_t acked;
	uint64_t floor_cpu;     /* restore_timed */
	atomic_int err;         /* 0, or the failing request's -errno */
	atomic_bool seen;       /* the observer has read the break's event */
};

/*
 * With --floor the rebuild starts once the break is acked and the observer
 * has read the break's event: a healer cannot act before it has read it
 * either, and a rebuild that overtook the observer's wake-up would be
 * stamped as taking no time. The wait is a spin of a wake-up's length.
 */
static void *act(void *arg)
{
	struct actor *a = arg;
	int r = break_it(a->o->brk, a->ns, a->n);

	a->acked = nb_now_ns();
	while (r == 0 && a->o->floor && !atomic_load(&a->seen) && atomic_load(&a->err) == 0)
		;
	if (r == 0 && a->o->floor)
		r = restore_timed(a->f, a->o->brk, a->i, a->ns, &a->floor_cpu);
	atomic_store(&a->err, r);
	return NULL;
}

/*
 * --floor-woken: the floor's requests from a thread that sleeps until it
 * reads the break's event, as a healer in another process does, on one
 * socket in the host for every namespace. It opens its sockets before the
 * break and says so (ready); the actor breaks --asleep-ms later (the
 * settle time by default), so the event finds it asleep as long as a
 * healer between two samples: netheal slept 20.5 ms (p50) before each
 * break with the 20 ms default (bench/profile.sh --tool syscalls
 * --breaker observer). It waits on its socket and on an eventfd that ends
 * the wait once the sample is over or failed, nothing else: caches go
 * cold while it sleeps (the README's "What limits each figure" has the
 * figures asleep 1 and 20 ms).
 */
struct woken {
	const struct opts *o;
	struct nb_floor *f;
	unsigned int i;
	const struct nb_names *n;
	struct nb_ns ns;
	struct nh_nl ev;                /* in the host, NETLINK_LISTEN_ALL_NSID */
	int nsid;                       /* the namespace's id in the host */
	const atomic_int *failed;       /* the actor's err */
	int wake;                       /* eventfd: written once failed is set, or the sample is over */
	atomic_bool ready;
	atomic_int err;
	uint64_t floor_cpu;     /* restore_timed */
};

static void *heal_woken(void *arg)
{
	struct woken *h = arg;
	struct watch w = { .n = h->n, .brk = h->o->brk, .until_gone = true, .nsid = h->nsid };
	/* the break comes asleep_ms after ready: the timeout counts from it */
	uint64_t deadline = nb_now_ns() + (uint64_t)(h->o->asleep_ms + h->o->timeout_ms) * 1000000u;
	int r;

	atomic_store(&h->ready, true);
	r = read_events(&h->ev, &w, deadline, h->failed, h->wake);
	if (r == 0 && h->o->delay_us) {
		/* --delay-us: a healer that reacts that much later (a spin,
		 * not a sleep: the thread stays on its CPU, as a healer at work) */
		uint64_t until = nb_now_ns() + (uint64_t)h->o->delay_us * 1000u;

		while (nb_now_ns() < until)
			;
	}
	if (r == 0)
		r = restore_timed(h->f, h->o->brk, h->i, &h->ns, &h->floor_cpu);
	atomic_store(&h->err, r);
	return NULL;
}

/* A thread at normal priority, whatever the observer runs at. */
static int start_normal(pthread_t *t, void *(*fn)(void *), void *arg)
{
	struct sched_param sp = { 0 };
	pthread_attr_t attr;
	int r;

	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_OTHER);
	pthread_attr_setschedparam(&attr, &sp);
	r = pthread_create(t, &attr, fn, arg);
	pthread_attr_destroy(&attr);
	return -r;
}

/* The namespace's id in the host, and an event socket there that hears
 * every namespace with one. */
static int listen_all(struct woken *h)
{
	struct nb_ns host = NB_NS_CLOSED;
	int one = 1, r = nb_ns_open(&host, NULL);

	if (r == 0)
		r = h->nsid = nb_nsid(&host.nl, h->ns.fd);
	nb_ns_close(&host);
	if (r >= 0)
		r = nh_nl_open(&h->ev, -1, event_groups, NH_ARRAY_SIZE(event_groups), 0);
	if (r == 0 && setsockopt(nh_nl_fd(&h->ev), SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one, sizeof(one)) < 0)
		r = -errno;
	return r < 0 ? r : 0;
}

/* With --floor-woken: every namespace in NB_NETNS_DIR given an id in the
 * host, as a healer listening to all of them with one socket must (the
 * kernel then walks them all for each message it copies to that socket).
 * 0 or -errno. */
static int nsid_all(struct nb_ns *host)
{
	DIR *d = opendir(NB_NETNS_DIR);
	struct dirent *e;
	int r = 0;

	if (!d)
		return -errno;
	while (r >= 0 && (e = readdir(d))) {
		int fd = e->d_name[0] == '.' ? -ENOENT : nb_netns_fd(e->d_name);

		if (fd < 0)
			continue;       /* not a namespace (yet) */
		r = nb_nsid(&host->nl, fd);
		close(fd);
	}
	closedir(d);
	return r < 0 ? r : 0;
}

/* With --floor-woken, its thread started and asleep (or an error). */
static int start_woken(pthread_t *t, struct woken *h)
{
	int r = nb_ns_open(&h->ns, h->n->netns);

	if (r == 0 && (h->wake = eventfd(0, EFD_CLOEXEC)) < 0)
		r = -errno;
	if (r == 0)
		r = listen_all(h);
	if (r == 0)
		r = start_normal(t, heal_woken, h);
	if (r < 0)
		return r;
	while (!atomic_load(&h->ready))
		sched_yield();
	sleep_ns((long)h->o->asleep_ms * 1000000L);
	return 0;
}

/* Break an object in namespace i and watch it come back. */
static int sample_object(const struct opts *o, struct nb_floor *f, unsigned int i,
			 const struct nb_names *n, struct sample *s)
{
	struct nb_ns ns = NB_NS_CLOSED;
	struct nh_nl ev = { 0 };
	struct actor a = { o, f, i, n, &ns, 0, 0, 0, false };
	struct watch w = { .n = n, .brk = o->brk, .nsid = -1, .seen = &a.seen };
	struct woken h = { o, f, i, n, NB_NS_CLOSED, { 0 }, -1, &a.err, -1, false, 0, 0 };
	pthread_t t, th;
	bool woken = false;
	int r;

	r = nb_ns_open(&ns, n->netns);
	if (r == 0)
		r = nh_nl_open(&ev, ns.fd, event_groups, NH_ARRAY_SIZE(event_groups), 0);
	if (r == 0 && o->woken)
		woken = (r = start_woken(&th, &h)) == 0;
	if (r == 0)
		r = start_normal(&t, act, &a);
	if (r == 0) {
		r = read_events(&ev, &w, nb_now_ns() + (uint64_t)o->timeout_ms * 1000000u, &a.err, -1);
		atomic_store(&a.seen, true);    /* never leave the actor spinning */
		pthread_join(t, NULL);
		if (atomic_load(&a.err) < 0)
			r = atomic_load(&a.err);
	}
	if (woken) {
		if (r < 0 && atomic_load(&a.err) == 0)
			atomic_store(&a.err, r);
		/* wake it from its wait; this cannot fail short of the
		 * counter's overflow, and then the wait ends at its deadline */
		(void)eventfd_write(h.wake, 1);
		pthread_join(th, NULL);
		if (r == 0 && atomic_load(&h.err) < 0)
			r = atomic_load(&h.err);
	}
	*s = (struct sample){ w.gone_at, a.acked, w.first, w.full, !o->floor && w.first && !w.caught_up,
			      o->woken ? h.floor_cpu : a.floor_cpu };
	if (h.wake >= 0)
		close(h.wake);
	nh_nl_close(&h.ev);
	nb_ns_close(&h.ns);
	nh_nl_close(&ev);
	nb_ns_close(&ns);
	return r;
}

/* Poll (100 µs) until the namespace file is a namespace again. */
static int wait_netns(const struct nb_names *n, uint64_t deadline)
{
	for (;;) {
		int fd = nb_netns_fd(n->netns);

		if (fd >= 0)
			return fd;
		if (nb_now_ns() >= deadline)
			return -ETIMEDOUT;
		sleep_ns(100000L);
	}
}

/* The namespace is back: the default route already, or by event. */
static int wait_route(int fd, struct watch *w, uint64_t deadline)
{
	struct nh_nl ev = { 0 }, req = { 0 };
	int r;

	w->gone = true;
	r = nh_nl_open(&ev, fd, event_groups, NH_ARRAY_SIZE(event_groups), 0);
	if (r == 0)
		r = nh_nl_open(&req, fd, NULL, 0, 0);
	if (r == 0 && dump_ok(&req, RTM_GETROUTE, route_ok_cb, w->n))
		w->full = nb_now_ns();
	else if (r == 0)
		r = read_events(&ev, w, deadline, NULL, -1);
	nh_nl_close(&req);
	nh_nl_close(&ev);
	return r;
}

/* Delete namespace i as `ip netns del` does and watch it come back. */
static int sample_netns(const struct opts *o, struct nb_floor *f, unsigned int i,
			const struct nb_names *n, struct sample *s)
{
	struct nb_ns ns = NB_NS_CLOSED;
	struct watch w = { .n = n, .brk = o->brk, .nsid = -1 };
	uint64_t deadline;
	int r, fd;

	r = nb_netns_del(n->netns);
	s->start = s->acked = nb_now_ns();
	deadline = s->start + (uint64_t)o->timeout_ms * 1000000u;
	if (r == 0 && o->floor)
		r = restore_timed(f, NB_NETNS, i, &ns, &s->floor_cpu);
	nb_ns_close(&ns);
	if (r < 0)
		return r;
	fd = wait_netns(n, deadline);
	if (fd < 0)
		return fd;
	s->first = w.first = nb_now_ns();
	r = wait_route(fd, &w, deadline);
	s->full = w.full;
	close(fd);
	return r;
}

static double us_since(uint64_t t0, uint64_t t)
{
	return t0 && t ? ((double)t - (double)t0) / 1e3 : -1.0;
}

/* ---- main --------------------------------------------------------------- */

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "break", required_argument, NULL, 'b' },
		{ "namespaces", required_argument, NULL, 'n' },
		{ "samples", required_argument, NULL, 's' },
		{ "settle-ms", required_argument, NULL, 'S' },
		{ "timeout-ms", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 'r' },
		{ "floor", no_argument, NULL, 'f' },
		{ "floor-woken", no_argument, NULL, 'w' },
		{ "nsids", required_argument, NULL, 'i' },
		{ "asleep-ms", required_argument, NULL, 'a' },
		{ "delay-us", required_argument, NULL, 'd' },
		{ 0 },
	};
	int c, b = -EINVAL;
	bool asleep = false, delay = false;

	*o = (struct opts){ .settle_ms = 20, .timeout_ms = 5000, .seed = 1 };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		unsigned int v = optarg ? (unsigned int)strtoul(optarg, NULL, 10) : 0;

		switch (c) {
		case 'b': b = nb_break_from_string(optarg); break;
		case 'n': o->namespaces = v; break;
		case 's': o->samples = v; break;
		case 'S': o->settle_ms = v; break;
		case 't': o->timeout_ms = v; break;
		case 'r': o->seed = v; break;
		case 'f': o->floor = true; break;
		case 'w': o->woken = true; break;
		case 'a': o->asleep_ms = v; asleep = true; break;
		case 'd': o->delay_us = v; delay = true; break;
		case 'i':
			if (strcmp(optarg, "front") != 0 && strcmp(optarg, "back") != 0)
				return -EINVAL;
			o->nsids = optarg[0] == 'f' ? -1 : 1;
			break;
		default: return -EINVAL;
		}
	}
	o->brk = (enum nb_break)b;
	if ((asleep || delay) && !o->woken)
		return -EINVAL;         /* only the woken floor sleeps before the break, or waits after */
	if (!asleep)
		o->asleep_ms = o->settle_ms;
	if (o->woken && (o->floor || (b != NB_ADDR && b != NB_ROUTE && b != NB_DOWN && b != NB_FORWARD &&
				      b != NB_VETH && b != NB_MATCHED_ADDR)))
		return -EINVAL;
	return b < 0 || !o->namespaces || o->namespaces > NB_MAX_NAMESPACES || optind != argc ? -EINVAL : 0;
}

/* A healer that leaves namespaces broken, or heals nothing within the
 * timeout, gets a few chances in a row, not hours. */
#define WHOLE_WAIT_MS 5000
#define MAX_FAILED_IN_A_ROW 5

static void names_of(const struct opts *o, unsigned int i, struct nb_names *n)
{
	if (o->brk == NB_MATCHED_ADDR)
		nb_matched_names(i, n);
	else
		nb_names(i, n);
}

struct by_nsid {
	int nsid;
	unsigned int i;
};

static int cmp_nsid(const void *a, const void *b)
{
	const struct by_nsid *x = a, *y = b;

	return (x->nsid > y->nsid) - (x->nsid < y->nsid);
}

/*
 * --nsids: the candidates, o->namespaces of them, ordered by their nsid in
 * the host (none given: -1, first), cut to the tenth (at least one) at the
 * front or the back. *pick (malloc'd, the caller frees) and *n_pick. 0 or
 * -errno.
 */
static int pick_by_nsid(const struct opts *o, struct nb_floor *f, unsigned int **pick, unsigned int *n_pick)
{
	struct by_nsid *v = calloc(o->namespaces, sizeof(*v));
	unsigned int cut = o->namespaces / 10 ? o->namespaces / 10 : 1;
	int r = v ? 0 : -ENOMEM;

	for (unsigned int i = 0; r == 0 && i < o->namespaces; i++) {
		struct nb_names n;
		int fd;

		names_of(o, i, &n);
		fd = nb_netns_fd(n.netns);
		if (fd < 0) {
			r = fd;
			break;
		}
		v[i].i = i;
		r = nh_nl_get_nsid(&f->host.nl, fd, &v[i].nsid);
		close(fd);
	}
	if (r == 0 && !(*pick = calloc(cut, sizeof(**pick))))
		r = -ENOMEM;
	if (r == 0) {
		qsort(v, o->namespaces, sizeof(*v), cmp_nsid);
		for (unsigned int k = 0; k < cut; k++)
			(*pick)[k] = v[o->nsids < 0 ? k : o->namespaces - cut + k].i;
		*n_pick = cut;
	}
	free(v);
	return r;
}

static int run(const struct opts *o, struct nb_floor *f)
{
	unsigned int seed = o->seed, lost = 0, in_a_row = 0, *pick = NULL, n_pick = 0;
	int r = o->nsids ? pick_by_nsid(o, f, &pick, &n_pick) : 0;

	if (r < 0)
		return r;
	for (unsigned int k = 0; k < o->samples && in_a_row < MAX_FAILED_IN_A_ROW; k++) {
		unsigned int i = pick ? pick[(unsigned int)rand_r(&seed) % n_pick]
				      : (unsigned int)rand_r(&seed) % o->namespaces;
		struct sample s = { 0 };
		struct nb_names n;

		names_of(o, i, &n);
		if (!wait_whole(&f->host, &n, o->brk == NB_FORWARD, WHOLE_WAIT_MS)) {
			printf("break=%s netns=%s first_us=-1 full_us=-1 note=not-whole-before\n",
			       nb_break_to_string(o->brk), n.netns);
			lost++;
			in_a_row++;
			continue;
		}
		r = o->brk == NB_NETNS ? sample_netns(o, f, i, &n, &s) : sample_object(o, f, i, &n, &s);
		if (r < 0 && r != -ETIMEDOUT)
			fprintf(stderr, "bench-observer: %s %s: %s\n", nb_break_to_string(o->brk), n.netns,
				strerror(-r));
		in_a_row = r < 0 ? in_a_row + 1 : 0;
		printf("break=%s netns=%s first_us=%.1f full_us=%.1f ack_us=%.1f",
		       nb_break_to_string(o->brk), n.netns, us_since(s.start, s.first),
		       us_since(s.start, s.full), us_since(s.start, s.acked));
		if (o->floor || o->woken)
			printf(" floor_cpu_us=%.1f", (double)s.floor_cpu / 1e3);
		if (s.late)
			printf(" late=1");
		printf("\n");
		fflush(stdout);
		sleep_ns((long)o->settle_ms * 1000000L);
	}
	if (in_a_row >= MAX_FAILED_IN_A_ROW)
		fprintf(stderr, "bench-observer: %s: %u failures in a row, gave up\n",
			nb_break_to_string(o->brk), in_a_row);
	free(pick);
	return lost || in_a_row >= MAX_FAILED_IN_A_ROW ? -EAGAIN : 0;
}

int main(int argc, char **argv)
{
	struct nb_floor f = { .host = NB_NS_CLOSED };
	struct opts o;
	int r;

	if (parse_opts(argc, argv, &o) < 0) {
		fprintf(stderr, "usage: bench-observer --break address|route|down|veth|netns|forward|matched-address "
			"--namespaces N --samples S [--settle-ms MS] [--timeout-ms MS] [--seed X] "
			"[--floor | --floor-woken [--asleep-ms MS] [--delay-us US]] [--nsids front|back]\n"
			"(--floor-woken: address, route, down, forward, veth and matched-address only; "
			"matched-address: N matched namespaces)\n");
		return 64;
	}
	/* after the arguments: a user outside it sees the usage first */
	if (!nh_test_in_sandbox()) {
		fprintf(stderr, "bench-observer: refusing to run outside the sandbox (tests/sandbox.sh)\n");
		return 1;
	}
	(void)prctl(PR_SET_TIMERSLACK, 1UL);    /* 100 µs polls mean 100 µs */
	if (sched_setscheduler(0, SCHED_FIFO, &(struct sched_param){ .sched_priority = 1 }) < 0)
		fprintf(stderr, "bench-observer: no SCHED_FIFO (%s): stamps may lag\n", strerror(errno));
	r = nb_floor_open(&f);
	if (r == 0 && (o.floor || o.woken) && o.brk == NB_FORWARD)
		r = nb_floor_keep_sysctl_dirs(&f, o.namespaces);
	if (r == 0 && o.woken)
		r = nsid_all(&f.host);
	if (r == 0)
		r = run(&o, &f);
	nb_floor_close(&f);
	if (r < 0 && r != -EAGAIN)
		fprintf(stderr, "bench-observer: %s\n", strerror(-r));
	return r < 0 ? 1 : 0;
}
