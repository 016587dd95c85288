/*
 * The kernel requests the benchmark programs issue, each on a request
 * socket of netlink/nl.h (NLM_F_ACK, wait for the ack), shaped like the ones
 * netheal's actions/ send for the same change. No policy, no retries: a
 * request's result is the kernel's answer.
 */
#ifndef NETHEAL_BENCH_NLUTIL_H
#define NETHEAL_BENCH_NLUTIL_H

#include <stdbool.h>
#include <stdint.h>

#include "netlink/nl.h"

/* A namespace opened for requests: its nsfs fd and a socket inside it. */
struct nb_ns {
	int fd;
	struct nh_nl nl;
};

/* Open the named namespace (NULL: the one we run in). -ENOENT when the
 * name is missing or not (yet) a namespace. */
int nb_ns_open(struct nb_ns *ns, const char *name);
void nb_ns_close(struct nb_ns *ns);    /* accepts a closed one (fd < 0) */
#define NB_NS_CLOSED { .fd = -1 }

/* The fd of NB_NETNS_DIR/name when it is a namespace, else -ENOENT. */
int nb_netns_fd(const char *name);

/* Named namespaces the way iproute2 and netheal make and remove them:
 * shared NB_NETNS_DIR, file made O_EXCL, a thread unshares and bind mounts
 * its namespace on the file; removal is umount2(MNT_DETACH) + unlink. */
int nb_netns_add(const char *name);
/* The CPU time (ns, user + system) of the threads nb_netns_add ran, added
 * up as each ends: part of what making a namespace costs its caller. */
extern _Atomic uint64_t nb_helper_cpu_ns;
int nb_netns_del(const char *name);

/* SIOCGIFINDEX in nl's namespace: > 0 or -errno. */
int nb_ifindex(struct nh_nl *nl, const char *name);

/* The id nl's namespace gives the namespace target_fd, given one (the
 * kernel's choice, RTM_NEWNSID) when it has none, as a healer listening
 * with one socket to every namespace must: >= 0 or -errno. */
int nb_nsid(struct nh_nl *nl, int target_fd);

/* Link requests. Creates put the new link (and a veth's peer) into the
 * namespace given by fd with IFLA_NET_NS_FD, as netheal does. */
int nb_bridge_create(struct nh_nl *nl, const char *name, int netns_fd);
int nb_veth_create(struct nh_nl *nl, const char *name, int netns_fd, const char *peer, int peer_fd);
int nb_link_delete(struct nh_nl *nl, int ifindex, const char *name);   /* by index, or name if 0 */
int nb_link_up(struct nh_nl *nl, int ifindex, bool up);
int nb_link_master(struct nh_nl *nl, int ifindex, int master);

/* RTM_NEWADDR (NLM_F_EXCL) or RTM_DELADDR of an IPv4 address. */
int nb_addr4(struct nh_nl *nl, uint16_t type, int ifindex, uint32_t addr_be, uint8_t len);
/* RTM_NEWROUTE (NLM_F_EXCL, protocol netheal) or RTM_DELROUTE of the IPv4
 * default route in the main table via gw_be (0 for a delete: any gateway). */
int nb_default_route4(struct nh_nl *nl, uint16_t type, uint32_t gw_be);

/* Reading state: RTM_GETLINK of one link by index, or a dump of every
 * IPv4 address or IPv4 route (type RTM_GETADDR, RTM_GETROUTE); cb runs on
 * each reply message. Returns 0 or -errno (-EINTR: dump interrupted). */
int nb_get_link(struct nh_nl *nl, int ifindex, mnl_cb_t cb, void *data);
int nb_dump4(struct nh_nl *nl, uint16_t type, mnl_cb_t cb, void *data);

/* Write value ("0", "1") to NB_FORWARD_KEY in namespace fd as a sysctl
 * write is made (setns, open, write, setns back). 0 or -errno. */
int nb_forward_set(int netns_fd, const char *value);
/* Its value in namespace fd: 0, 1, or -errno. */
int nb_forward_get(int netns_fd);
/* The same write as netheal makes it (netlink/sysctl.h nh_sysctl_dirs):
 * below the namespace's /proc/sys/net/ipv4, kept open in *ipv4_dir (an
 * O_PATH fd; opened in the namespace first when it is -1). 0 or -errno. */
int nb_forward_set_below(int netns_fd, int *ipv4_dir, const char *value);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t nb_now_ns(void);

#endif
