/* Who made a change: the netlink port of a request, resolved to a process. */
#ifndef NETHEAL_SERVICE_ACTOR_H
#define NETHEAL_SERVICE_ACTOR_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/monitor.h"

/* "pid:812/NetworkManager" when the process that owns netlink port `port` in
 * namespace netns can be found, "port:N" when it is gone, "kernel" for 0. */
void nh_actor_describe(struct nh_monitor *m, const char *netns, uint32_t port, char *buf, size_t size);

/* The inode of the netlink socket bound to port, from a /proc/net/netlink
 * table (for tests). 0 when absent. */
unsigned long nh_actor_inode_from_table(const char *table, uint32_t port);

#endif
