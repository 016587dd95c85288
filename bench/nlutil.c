#include "nlutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "common/util.h"
#include "policy/model.h"
#include "topo.h"

uint64_t nb_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- namespaces --------------------------------------------------------- */

static int netns_path(char *buf, size_t size, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", NB_NETNS_DIR, name);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int nb_netns_fd(const char *name)
{
	char path[PATH_MAX];
	struct statfs s;
	int fd, r;

	r = name ? netns_path(path, sizeof(path), name) : nh_strlcpy(path, "/proc/self/ns/net", sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstatfs(fd, &s) < 0 || s.f_type != NSFS_MAGIC) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

int nb_ns_open(struct nb_ns *ns, const char *name)
{
	int r;

	ns->fd = nb_netns_fd(name);
	if (ns->fd < 0)
		return ns->fd;
	r = nh_nl_open(&ns->nl, ns->fd, NULL, 0, 0);
	if (r < 0) {
		close(ns->fd);
		ns->fd = -1;
	}
	return r;
}

void nb_ns_close(struct nb_ns *ns)
{
	if (ns->fd < 0)
		return;
	nh_nl_close(&ns->nl);
	close(ns->fd);
	ns->fd = -1;
}

/* Mount propagation of the directory, as iproute2 sets it up (under its
 * flock), on every add: that is what `ip netns add` and netheal pay. */
static int share_dir(void)
{
	bool bound = false;
	int lock, r = 0;

	if (mkdir(NB_NETNS_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	lock = open(NB_NETNS_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (lock < 0)
		return -errno;
	(void)flock(lock, LOCK_EX);
	while (r == 0 && mount("", NB_NETNS_DIR, "none", MS_SHARED | MS_REC, NULL) < 0) {
		if (errno != EINVAL || bound)
			r = -errno;
		else if (mount(NB_NETNS_DIR, NB_NETNS_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
			r = -errno;
		bound = true;
	}
	close(lock);
	return r;
}

struct unshare_job {
	const char *path;
	int err;
};

_Atomic uint64_t nb_helper_cpu_ns;

/* In a thread of its own, so the caller's namespace never changes. */
static void *unshare_and_bind(void *arg)
{
	struct unshare_job *job = arg;
	struct timespec t;

	if (unshare(CLONE_NEWNET) < 0 ||
	    mount("/proc/thread-self/ns/net", job->path, "none", MS_BIND, NULL) < 0)
		job->err = -errno;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	nb_helper_cpu_ns += (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
	return NULL;
}

int nb_netns_add(const char *name)
{
	struct unshare_job job = { 0 };
	char path[PATH_MAX];
	pthread_t t;
	int fd, r;

	r = netns_path(path, sizeof(path), name);
	if (r == 0)
		r = share_dir();
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	close(fd);
	job.path = path;
	r = -pthread_create(&t, NULL, unshare_and_bind, &job);
	if (r == 0) {
		pthread_join(t, NULL);
		r = job.err;
	}
	if (r < 0)
		unlink(path);
	return r;
}

int nb_netns_del(const char *name)
{
	char path[PATH_MAX];
	int r = netns_path(path, sizeof(path), name);

	if (r < 0)
		return r;
	if (umount2(path, MNT_DETACH) < 0)
		return -errno;
	return unlink(path) < 0 ? -errno : 0;
}

/* ---- the one sysctl ------------------------------------------------------- */

struct forward_job {
	const char *value;      /* NULL: read */
	int result;
	int *ipv4_dir;          /* NULL: by its path */
};

static int forward_here(void *arg)
{
	struct forward_job *j = arg;
	int flags = (j->value ? O_WRONLY : O_RDONLY) | O_CLOEXEC;
	char buf[8] = "";
	ssize_t n;
	int fd;

	if (j->ipv4_dir && *j->ipv4_dir < 0 &&
	    (*j->ipv4_dir = open("/proc/sys/net/ipv4", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return -errno;
	fd = j->ipv4_dir ? openat(*j->ipv4_dir, "ip_forward", flags) : open(NB_FORWARD_KEY, flags);

	if (fd < 0)
		return -errno;
	n = j->value ? write(fd, j->value, strlen(j->value)) : read(fd, buf, sizeof(buf) - 1);
	j->result = n < 0 ? -errno : j->value ? 0 : buf[0] == '1';
	close(fd);
	return j->result < 0 ? j->result : 0;
}

int nb_forward_set(int netns_fd, const char *value)
{
	struct forward_job j = { value, 0, NULL };
	int r = nh_in_netns(netns_fd, forward_here, &j);

	return r < 0 ? r : j.result;
}

int nb_forward_get(int netns_fd)
{
	struct forward_job j = { NULL, 0, NULL };
	int r = nh_in_netns(netns_fd, forward_here, &j);

	return r < 0 ? r : j.result;
}

int nb_forward_set_below(int netns_fd, int *ipv4_dir, const char *value)
{
	struct forward_job j = { value, 0, ipv4_dir };
	int r = nh_in_netns(netns_fd, forward_here, &j);

	return r < 0 ? r : j.result;
}

/* ---- links -------------------------------------------------------------- */

int nb_ifindex(struct nh_nl *nl, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (nh_strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name)) < 0)
		return -EINVAL;
	if (ioctl(nh_nl_fd(nl), SIOCGIFINDEX, &ifr) < 0)
		return -errno;
	return ifr.ifr_ifindex;
}

static struct nlmsghdr *link_msg(struct nh_nl *nl, uint16_t type, uint16_t flags, int ifindex)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, flags);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

static int request(struct nh_nl *nl, struct nlmsghdr *nlh)
{
	return nh_nl_request(nl, nlh, NULL, 0);
}

/* A create request up to its IFLA_LINKINFO nest, IFLA_INFO_KIND filled. */
static struct nlattr *create_msg(struct nh_nl *nl, const char *name, int netns_fd, const char *kind,
				 struct nlmsghdr **out)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	struct nlattr *info;

	*out = nlh;
	if (!mnl_attr_put_strz_check(nlh, NH_NL_BUFSIZE, IFLA_IFNAME, name) ||
	    !mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, IFLA_NET_NS_FD, (uint32_t)netns_fd))
		return NULL;
	info = mnl_attr_nest_start_check(nlh, NH_NL_BUFSIZE, IFLA_LINKINFO);
	if (!info || !mnl_attr_put_strz_check(nlh, NH_NL_BUFSIZE, IFLA_INFO_KIND, kind))
		return NULL;
	return info;
}

int nb_bridge_create(struct nh_nl *nl, const char *name, int netns_fd)
{
	struct nlmsghdr *nlh;
	struct nlattr *info = create_msg(nl, name, netns_fd, "bridge", &nlh);

	if (!info)
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, info);
	return request(nl, nlh);
}

/* VETH_INFO_PEER: an ifinfomsg of its own, then the peer's attributes. */
static int put_peer(struct nlmsghdr *nlh, const char *peer, int peer_fd)
{
	size_t len = MNL_ALIGN(sizeof(struct ifinfomsg));

	if (nlh->nlmsg_len + len > NH_NL_BUFSIZE)
		return -EMSGSIZE;
	memset(mnl_nlmsg_get_payload_tail(nlh), 0, len);
	nlh->nlmsg_len += len;
	if (!mnl_attr_put_strz_check(nlh, NH_NL_BUFSIZE, IFLA_IFNAME, peer) ||
	    !mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, IFLA_NET_NS_FD, (uint32_t)peer_fd))
		return -EMSGSIZE;
	return 0;
}

int nb_veth_create(struct nh_nl *nl, const char *name, int netns_fd, const char *peer, int peer_fd)
{
	struct nlmsghdr *nlh;
	struct nlattr *info = create_msg(nl, name, netns_fd, "veth", &nlh);
	struct nlattr *data, *p;

	if (!info)
		return -EMSGSIZE;
	data = mnl_attr_nest_start_check(nlh, NH_NL_BUFSIZE, IFLA_INFO_DATA);
	p = data ? mnl_attr_nest_start_check(nlh, NH_NL_BUFSIZE, VETH_INFO_PEER) : NULL;
	if (!p || put_peer(nlh, peer, peer_fd) < 0)
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, p);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return request(nl, nlh);
}

int nb_link_delete(struct nh_nl *nl, int ifindex, const char *name)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_DELLINK, 0, ifindex);

	if (!ifindex && !mnl_attr_put_strz_check(nlh, NH_NL_BUFSIZE, IFLA_IFNAME, name))
		return -EMSGSIZE;
	return request(nl, nlh);
}

int nb_link_up(struct nh_nl *nl, int ifindex, bool up)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return request(nl, nlh);
}

int nb_link_master(struct nh_nl *nl, int ifindex, int master)
{
	struct nlmsghdr *nlh = link_msg(nl, RTM_NEWLINK, 0, ifindex);

	if (!mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, IFLA_MASTER, (uint32_t)master))
		return -EMSGSIZE;
	return request(nl, nlh);
}

int nb_nsid(struct nh_nl *nl, int target_fd)
{
	int nsid, r = nh_nl_get_nsid(nl, target_fd, &nsid);

	if (r < 0 || nsid >= 0)
		return r < 0 ? r : nsid;
	r = nh_nl_new_nsid(nl, target_fd, -1);     /* the kernel's choice */
	if (r == 0 || r == -EEXIST)
		r = nh_nl_get_nsid(nl, target_fd, &nsid);
	return r < 0 ? r : nsid < 0 ? -ENOENT : nsid;
}

/* ---- addresses and routes ----------------------------------------------- */

int nb_addr4(struct nh_nl *nl, uint16_t type, int ifindex, uint32_t addr_be, uint8_t len)
{
	uint16_t flags = type == RTM_NEWADDR ? NLM_F_CREATE | NLM_F_EXCL : 0;
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, flags);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (uint32_t)ifindex;
	if (!mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, IFA_LOCAL, addr_be) ||
	    !mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, IFA_ADDRESS, addr_be))
		return -EMSGSIZE;
	return request(nl, nlh);
}

int nb_default_route4(struct nh_nl *nl, uint16_t type, uint32_t gw_be)
{
	uint16_t flags = type == RTM_NEWROUTE ? NLM_F_CREATE | NLM_F_EXCL : 0;
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, flags);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = RTN_UNICAST;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	if (type == RTM_NEWROUTE)
		rtm->rtm_protocol = NH_RTPROT_NETHEAL;
	else
		rtm->rtm_scope = RT_SCOPE_NOWHERE;     /* delete: match any scope */
	if (gw_be && !mnl_attr_put_u32_check(nlh, NH_NL_BUFSIZE, RTA_GATEWAY, gw_be))
		return -EMSGSIZE;
	return request(nl, nlh);
}

/* ---- reading ------------------------------------------------------------ */

int nb_get_link(struct nh_nl *nl, int ifindex, mnl_cb_t cb, void *data)
{
	return nh_nl_dump(nl, link_msg(nl, RTM_GETLINK, 0, ifindex), cb, data);
}

/* Every rtnetlink header starts with its family byte; the kernel takes the
 * full header of the message type. */
int nb_dump4(struct nh_nl *nl, uint16_t type, mnl_cb_t cb, void *data)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, NLM_F_DUMP);
	size_t hdr = type == RTM_GETADDR ? sizeof(struct ifaddrmsg) : sizeof(struct rtmsg);
	uint8_t *family = mnl_nlmsg_put_extra_header(nlh, hdr);

	*family = AF_INET;
	return nh_nl_dump(nl, nlh, cb, data);
}
