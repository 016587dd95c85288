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
#include <sys/types.h>

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
 * A namespace's directories right below /proc/sys/net (ipv4, ipv6, core,
 * …), kept open so that its settings are opened below them: a lookup of
 * one of these names is the part of a setting's path whose cost grows with
 * the number of namespaces. /proc/sys/net is one directory for all of
 * them, and each namespace's `ipv4` (say) is an entry under it, all in one
 * dentry hash chain (same parent, same name; proc_sys_compare tells them
 * apart by the caller's namespace), walked newest first. Measured on the
 * bench machine at 3000 namespaces: opening net/ipv4/ip_forward took 0.2
 * to 0.4 ms on average by its path (0.3 to 0.4 µs per namespace whose
 * entry is newer than the one looked up, up to 1.2 ms), 3 µs below a kept
 * `ipv4` wherever its entry sits.
 * Below them each namespace's entries have their own parent.
 *
 * A setting is still opened by a thread in its namespace: a lookup below a
 * kept directory finds that namespace's entry whoever asks, but the dentry
 * it leaves is seen only from there (sysctl_is_seen), so from elsewhere
 * every open would add one. And a kept directory serves only the
 * namespace it was opened in: nh_sysctl_read and nh_sysctl_write check
 * the namespace they enter (its nsfs st_dev, st_ino) and close the kept
 * ones of another first.
 *
 * The first distinct directories used are kept (O_PATH), each opened the
 * first time a setting below it is, by the thread in the namespace, up to
 * keep of them; a key right under net/ (net.nf_conntrack_max) is always
 * opened by its path. A kept one that answers "no such setting" is opened
 * again only if it was itself taken away (a module's settings,
 * unregistered when it is unloaded). Owned by the namespace's holder:
 * nh_sysctl_dirs_close when it lets the namespace go.
 */
#define NH_SYSCTL_DIRS 4        /* kept per namespace: the first four directories used */

struct nh_sysctl_dirs {
	unsigned int keep;      /* how many may be kept (0: open no more; those kept still serve,
				   the others' settings by their path) */
	unsigned int n;
	size_t *count;          /* NULL, or a total of kept directories (all namespaces') kept current */
	bool bound;             /* ns_dev, ns_ino name the namespace the kept ones are of */
	dev_t ns_dev;
	ino_t ns_ino;
	struct {
		char name[16];
		int fd;
	} dir[NH_SYSCTL_DIRS];
};

/* Empty, to keep at most keep (≤ NH_SYSCTL_DIRS) directories, each added
 * to *count (NULL: none) while it is kept. */
void nh_sysctl_dirs_init(struct nh_sysctl_dirs *d, unsigned int keep, size_t *count);
/* Close every kept directory; d stays usable (keep and count as they were). */
void nh_sysctl_dirs_close(struct nh_sysctl_dirs *d);
/* Close the kept directories no key of keys[0..n) is below (n 0: all of
 * them): a reload that drops a namespace's settings gives their
 * descriptors back. */
void nh_sysctl_dirs_prune(struct nh_sysctl_dirs *d, const struct nh_sysctl *keys, size_t n);

/*
 * In namespace netns_fd (-1: the calling thread's own), open and keep the
 * directories of keys[0..n) that dirs may still keep, so that the first
 * write of a setting the kernel announces (never read from /proc/sys)
 * does not pay the lookup the directory is kept for. Enters the namespace
 * only when there is one to open; one that is not there (a module not
 * loaded) is tried again at the next call and at its setting's open,
 * which then answers ENOENT. Returns 0, or the -errno of entering the
 * namespace.
 */
int nh_sysctl_dirs_open(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const struct nh_sysctl *keys,
			size_t n);

/*
 * In namespace netns_fd (-1: the calling thread's own), read each key of
 * keys[0..n) (their values are ignored) into out->sysctls, replacing what
 * was there, sorted by key. Each is opened below its directory in dirs
 * (that namespace's, kept there on the way; NULL: none) or by its path
 * under root. A key that cannot be read is left out: the diff then knows
 * its value is unknown. Returns 0, -ENOMEM, or the -errno of entering the
 * namespace (out untouched).
 */
int nh_sysctl_read(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const struct nh_sysctl *keys,
		   size_t n, struct nh_state *out);

/*
 * In namespace netns_fd (-1: here), write value to key and read it back;
 * the key opened as nh_sysctl_read says (dirs, or root).
 * Returns 0 when it reads back as value (normalized), -ERANGE when the
 * kernel took the write but reads back something else (then in readback,
 * NH_SYSCTL_VALSIZ bytes), or the -errno of the write or of entering the
 * namespace.
 */
int nh_sysctl_write(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const char *key,
		    const char *value, char *readback, size_t size);

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
