/*
 * Sysctls of a namespace's network stack (SPEC §3.1 `sysctl`): the files
 * under /proc/sys/net. Not netlink, but the other half of how the kernel
 * shows and takes a namespace's network settings, shared by monitor/ (reads)
 * and actions/ (writes) as nl.c is.
 *
 * /proc/sys/net shows the network namespace of the thread that opens a file
 * in it, so a namespace's settings are read and written by the calling
 * thread after entering it (nh_in_netns) and back: no process per key.
 * Keys are named as policy/model.h says (nh_sysctl_path maps them).
 */
#ifndef NETHEAL_NETLINK_SYSCTL_H
#define NETHEAL_NETLINK_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/model.h"

#define NH_SYSCTL_ROOT "/proc/sys"

/* Read key under root (NH_SYSCTL_ROOT, or a copy of the tree for tests) in
 * the calling thread's namespace, normalized (nh_sysctl_value_normalize)
 * into buf (NH_SYSCTL_VALSIZ). 0, or -errno: -ENOENT no such setting here,
 * -EINVAL key not valid, -EIO (as the kernel says for an unset
 * stable_secret), -E2BIG the value does not fit. */
int nh_sysctl_get(const char *root, const char *key, char *buf, size_t size);

/* Write value to key in the calling thread's namespace. 0 or -errno:
 * -ENOENT no such setting, -EINVAL (the kernel refused the value, or an
 * invalid key), -EACCES/-EPERM read-only here. */
int nh_sysctl_put(const char *root, const char *key, const char *value);

/* Whether the kernel of the calling thread's namespace has the setting key
 * (under root): for a per-link key, the same setting of the `default`
 * configuration (the link itself may not exist yet), else of the link.
 * For `check`: a key this machine lacks may exist where the policy runs. */
bool nh_sysctl_known(const char *root, const char *key);

/*
 * The setting of the calling thread's namespace (under root) that key,
 * which it lacks, most likely means: each component of key's path that is
 * missing replaced by the closest name in its directory (nh_typo_of), a
 * link's name kept where the link does not exist (its settings looked up
 * under `default`); a name is close at two edits at most (common/util.h
 * nh_typo_of). Into out (NH_SYSCTL_KEYSIZ; left undefined on failure). For
 * `check`'s "did you mean". Returns 0; -ENOENT when some component has no
 * close name, or a directory on the way cannot be read, or key exists;
 * -EINVAL when key is not valid or the suggestion does not fit size.
 */
int nh_sysctl_suggest(const char *root, const char *key, char *out, size_t size);

/*
 * Whether the kernel announces key when it changes (RTM_NEWNETCONF; SPEC
 * §3.1), and as what: its family, which configuration (NH_NETCONF_ALL,
 * NH_NETCONF_DEFAULT, or 0 for the link named in key's link member: see
 * nh_sysctl_key_link) and value. net.ipv4.ip_forward is IPv4's `all`
 * forwarding. The leaves announced are the ones the kernel notifies on a
 * write: forwarding, rp_filter, proxy_arp, ignore_routes_with_linkdown
 * (IPv4; devinet.c); forwarding, proxy_ndp, ignore_routes_with_linkdown
 * (IPv6; addrconf.c).
 */
bool nh_sysctl_netconf(const char *key, uint8_t *family, int *which, enum nh_netconf_value *value);

/*
 * In namespace netns_fd (-1: the calling thread's own), read each key of
 * keys[0..n) (their values are ignored) into out->sysctls, replacing what
 * was there, sorted by key. A key that cannot be read is left out: the diff
 * then knows its value is unknown. Returns 0, -ENOMEM, or the -errno of
 * entering the namespace (out untouched).
 */
int nh_sysctl_read(int netns_fd, const char *root, const struct nh_sysctl *keys, size_t n, struct nh_state *out);

/*
 * In namespace netns_fd (-1: here), write value to key and read it back.
 * Returns 0 when it reads back as value (normalized), -ERANGE when the
 * kernel took the write but reads back something else (then in readback,
 * NH_SYSCTL_VALSIZ bytes), or the -errno of the write or of entering the
 * namespace.
 */
int nh_sysctl_write(int netns_fd, const char *root, const char *key, const char *value, char *readback,
		    size_t size);

/*
 * Every setting under root/net of namespace netns_fd (-1: here): each
 * regular file its owner may read and write (a setting, not a counter or
 * a trigger such as route/flush) whose path is a valid key and whose
 * value reads as one line. Into out->sysctls, replaced, sorted. For
 * `export`. Returns 0, -ENOMEM, or -errno (entering the namespace,
 * reading root/net).
 */
int nh_sysctl_read_all(int netns_fd, const char *root, struct nh_state *out);

#endif
