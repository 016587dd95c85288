/*
 * Sysctl keys and their files without the kernel: the key ↔ path mapping
 * (policy/objects.c) and netlink/sysctl.c's reads and writes on a copy of
 * a /proc/sys tree in a temporary directory (netns_fd -1: no namespace is
 * entered). The kernel's own behaviour (read back, a missing key) is
 * tested in tests/integration/objects.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "netlink/sysctl.h"
#include "policy/model.h"

static char root[64];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* root/REL with text and mode; directories made on the way. */
static void put(const char *rel, const char *text, mode_t mode)
{
	char path[512], dir[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	for (char *s = strchr(dir + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(dir, 0755);
		*s = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/nh-sysctl-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("net/ipv4/ip_forward", "0\n", 0644);
	put("net/ipv4/ip_local_port_range", "32768\t60999\n", 0644);
	put("net/ipv4/conf/all/rp_filter", "0\n", 0644);
	put("net/ipv4/conf/eth1.5/rp_filter", "1\n", 0644);
	put("net/ipv4/conf/default/rp_filter", "1\n", 0644);
	put("net/ipv4/route/flush", "", 0200);                 /* a trigger: write-only */
	put("net/netfilter/nf_conntrack_count", "7\n", 0444);  /* a counter: read-only */
	put("net/ipv6/conf/v0/stable_secret", "", 0000);        /* unreadable */
	put("net/core/multi", "a\nb\nc\nd\n", 0644);            /* a table: one value, normalized */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_paths(void **state)
{
	char buf[NH_SYSCTL_KEYSIZ + 8], link[NH_IFNAMSIZ];

	(void)state;
	assert_int_equal(nh_sysctl_path("net.ipv4.ip_forward", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net/ipv4/ip_forward");
	/* a link name with dots keeps them */
	assert_int_equal(nh_sysctl_path("net.ipv4.conf.eth1.5.rp_filter", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net/ipv4/conf/eth1.5/rp_filter");
	assert_int_equal(nh_sysctl_path("net.ipv6.neigh.a.b.c.retrans_time_ms", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net/ipv6/neigh/a.b.c/retrans_time_ms");
	assert_int_equal(nh_sysctl_path("net.ipv4.neigh.default.gc_thresh1", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net/ipv4/neigh/default/gc_thresh1");
	assert_int_equal(nh_sysctl_path("net.ipv4..x", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nh_sysctl_path("kernel.panic", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nh_sysctl_path("net.ipv4.ip_forward", buf, 8), -ENAMETOOLONG);

	assert_int_equal(nh_sysctl_key_link("net.ipv4.conf.eth1.5.rp_filter", link), 1);
	assert_string_equal(link, "eth1.5");
	assert_int_equal(nh_sysctl_key_link("net.mpls.conf.v0.input", link), 1);
	assert_string_equal(link, "v0");
	assert_int_equal(nh_sysctl_key_link("net.ipv4.conf.all.rp_filter", link), 0);
	assert_string_equal(link, "");
	assert_int_equal(nh_sysctl_key_link("net.ipv6.conf.default.forwarding", link), 0);
	assert_int_equal(nh_sysctl_key_link("net.ipv4.ip_forward", link), 0);
	assert_int_equal(nh_sysctl_key_link("net.ipv4.conf.rp_filter", link), 0);

	assert_true(nh_sysctl_key_valid("net.core.somaxconn"));
	assert_false(nh_sysctl_key_valid("net."));
	assert_false(nh_sysctl_key_valid("net"));
	assert_false(nh_sysctl_key_valid("net.ipv4.conf.a:b.rp_filter"));
	assert_false(nh_sysctl_key_valid("net.ipv4.conf.abcdefghijklmnop.rp_filter"));
	assert_false(nh_sysctl_key_valid("net.ipv4.ip_forward\n"));

	/* paths back to keys; a dot only where a link name is */
	assert_int_equal(nh_sysctl_key_from_path("net/ipv4/conf/eth1.5/rp_filter", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net.ipv4.conf.eth1.5.rp_filter");
	assert_int_equal(nh_sysctl_key_from_path("net/core/somaxconn", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "net.core.somaxconn");
	assert_int_equal(nh_sysctl_key_from_path("net/core/some.thing", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nh_sysctl_key_from_path("net/ipv4/conf/eth1.5/a.b", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nh_sysctl_key_from_path("kernel/panic", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(nh_sysctl_key_from_path("net/a/b/c/d/e/f/g/h/i", buf, sizeof(buf)), -EINVAL);
}

static void test_normalize(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(nh_sysctl_value_normalize("  32768\t 60999\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "32768 60999");
	assert_int_equal(nh_sysctl_value_normalize("\n", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(nh_sysctl_value_normalize("1123456789abcdefg", buf, sizeof(buf)), -ENAMETOOLONG);
	assert_int_equal(nh_sysctl_value_normalize("1123456789 abcd", buf, sizeof(buf)), 0);
	assert_int_equal(nh_sysctl_value_normalize("1123456789 abcde", buf, sizeof(buf)), -ENAMETOOLONG);
	/* integers as the kernel reads them back */
	assert_int_equal(nh_sysctl_value_normalize("02", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2");
	assert_int_equal(nh_sysctl_value_normalize("0 00 007\t0x10 01a", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0 0 7 0x10 01a");
}

static void test_get_put(void **state)
{
	char v[NH_SYSCTL_VALSIZ];

	(void)state;
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.ip_local_port_range", v, sizeof(v)), 0);
	assert_string_equal(v, "32768 60999");
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.conf.eth1.5.rp_filter", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.nope", v, sizeof(v)), -ENOENT);
	assert_int_equal(nh_sysctl_get(root, "net.ipv4/ip_forward", v, sizeof(v)), -EINVAL);
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.ip_local_port_range", v, 6), -E2BIG);
	assert_int_equal(nh_sysctl_put(root, "net.ipv4.ip_forward", "1"), 0);
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.ip_forward", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	assert_int_equal(nh_sysctl_put(root, "net.ipv4.nope", "1"), -ENOENT);
}

/* keys[0..n) named names[0..n), the rest of each zero. */
static void keys_named(struct nh_sysctl *keys, const char *const *names, size_t n)
{
	memset(keys, 0, n * sizeof(*keys));
	for (size_t i = 0; i < n; i++)
		nh_strlcpy(keys[i].key, names[i], sizeof(keys[i].key));
}

static void test_read_write(void **state)
{
	struct nh_sysctl keys[3];
	struct nh_state s;
	char back[NH_SYSCTL_VALSIZ];

	(void)state;
	keys_named(keys, (const char *const[]){ "net.ipv4.ip_forward", "net.ipv4.missing",
						"net.ipv4.conf.eth1.5.rp_filter" }, 3);
	nh_strlcpy(keys[2].link, "eth1.5", sizeof(keys[2].link));
	nh_state_init(&s);
	assert_int_equal(nh_sysctl_write(-1, NULL, root, "net.ipv4.ip_forward", "0", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_read(-1, NULL, root, keys, 3, &s), 0);
	/* what cannot be read is left out; sorted by key */
	assert_int_equal(s.n_sysctls, 2);
	assert_string_equal(s.sysctls[0].key, "net.ipv4.conf.eth1.5.rp_filter");
	assert_string_equal(s.sysctls[0].link, "eth1.5");
	assert_string_equal(s.sysctls[1].value, "0");
	/* read again: replaced, not appended */
	assert_int_equal(nh_sysctl_write(-1, NULL, root, "net.ipv4.ip_forward", " 1\n", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_read(-1, NULL, root, keys, 1, &s), 0);
	assert_int_equal(s.n_sysctls, 1);
	assert_string_equal(s.sysctls[0].value, "1");
	/* written and read back (the kernel's other reading of a value,
	 * -ERANGE, is tested against the kernel: objects.sh) */
	assert_int_equal(nh_sysctl_write(-1, NULL, root, "net.ipv4.ip_forward", "0x1", back, sizeof(back)), 0);
	assert_string_equal(back, "0x1");
	assert_int_equal(nh_sysctl_write(-1, NULL, root, "net.ipv4.nope", "1", back, sizeof(back)), -ENOENT);
	nh_state_free(&s);
}

/* nh_sysctl_dirs_open: each key's directory kept once, up to keep; one
 * that is not there is not. nh_sysctl_dirs_prune: only what keys use stays. */
static void test_dirs_open(void **state)
{
	struct nh_sysctl keys[4];
	struct nh_sysctl_dirs dirs;
	size_t count = 0;

	(void)state;
	keys_named(keys, (const char *const[]){ "net.ipv4.ip_forward", "net.mptcp.enabled",
						"net.ipv4.conf.all.rp_filter", "net.core.multi" }, 4);
	nh_sysctl_dirs_init(&dirs, NH_SYSCTL_DIRS, &count);
	assert_int_equal(nh_sysctl_dirs_open(-1, &dirs, root, keys, 4), 0);
	assert_int_equal(dirs.n, 2);
	assert_int_equal(count, 2);
	assert_string_equal(dirs.dir[0].name, "ipv4");
	assert_string_equal(dirs.dir[1].name, "core");
	assert_int_equal(nh_sysctl_dirs_open(-1, &dirs, root, keys, 4), 0);
	assert_int_equal(count, 2);
	/* pruned to what keys still use: ipv4 stays, core goes */
	nh_sysctl_dirs_prune(&dirs, keys, 3);
	assert_int_equal(dirs.n, 1);
	assert_int_equal(count, 1);
	assert_string_equal(dirs.dir[0].name, "ipv4");
	nh_sysctl_dirs_prune(&dirs, NULL, 0);
	assert_int_equal(dirs.n, 0);
	assert_int_equal(count, 0);
	assert_int_equal(nh_sysctl_dirs_open(-1, &dirs, root, keys, 4), 0);
	assert_int_equal(count, 2);
	nh_sysctl_dirs_close(&dirs);
	assert_int_equal(count, 0);
	/* keep 1: the first only */
	nh_sysctl_dirs_init(&dirs, 1, &count);
	assert_int_equal(nh_sysctl_dirs_open(-1, &dirs, root, keys + 2, 2), 0);
	assert_int_equal(count, 1);
	assert_string_equal(dirs.dir[0].name, "ipv4");
	nh_sysctl_dirs_close(&dirs);
}

/* Kept directories (nh_sysctl_dirs): a setting is opened below its
 * directory once that is kept, not by its path, so moving the tree after
 * changes nothing, where by path it is gone; at most keep of them, each
 * counted; "no such setting" keeps it; one taken away (no link left) and
 * made again is found again; another namespace's are closed first. */
static void test_kept_dirs(void **state)
{
	struct nh_sysctl key;
	struct nh_sysctl_dirs dirs;
	struct nh_state s;
	char back[NH_SYSCTL_VALSIZ], moved[80], old_ipv4[96], ipv4[96];
	size_t count = 0;
	int kept;

	(void)state;
	keys_named(&key, (const char *const[]){ "net.ipv4.conf.eth1.5.rp_filter" }, 1);
	nh_state_init(&s);
	nh_sysctl_dirs_init(&dirs, 2, &count);
	/* the file holds "0x1" (test_read_write); a regular file is not cut */
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.ip_forward", "0x0", back, sizeof(back)), 0);
	assert_int_equal(dirs.n, 1);
	assert_int_equal(count, 1);
	assert_string_equal(dirs.dir[0].name, "ipv4");
	kept = dirs.dir[0].fd;
	/* no such directory: nothing kept, the kernel's answer */
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.mptcp.enabled", "1", back, sizeof(back)), -ENOENT);
	assert_int_equal(dirs.n, 1);
	/* no such setting below a kept one: the same one stays */
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.nope", "1", back, sizeof(back)), -ENOENT);
	assert_int_equal(dirs.n, 1);
	assert_int_equal(dirs.dir[0].fd, kept);

	snprintf(moved, sizeof(moved), "%s.moved", root);
	assert_int_equal(rename(root, moved), 0);
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.ip_forward", "0x2", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_write(-1, NULL, root, "net.ipv4.ip_forward", "0x1", back, sizeof(back)), -ENOENT);
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, key.key, "2", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_read(-1, &dirs, root, &key, 1, &s), 0);
	assert_int_equal(s.n_sysctls, 1);
	assert_string_equal(s.sysctls[0].value, "2");
	/* keep 1: net/core is opened by its path, gone with the tree */
	dirs.keep = 1;
	nh_strlcpy(key.key, "net.core.multi", sizeof(key.key));
	assert_int_equal(nh_sysctl_read(-1, &dirs, root, &key, 1, &s), 0);
	assert_int_equal(s.n_sysctls, 0);
	assert_int_equal(count, 1);
	assert_int_equal(nh_sysctl_get(moved, "net.ipv4.ip_forward", back, sizeof(back)), 0);
	assert_string_equal(back, "0x2");
	assert_int_equal(rename(moved, root), 0);

	/* net/ipv4 taken away and made anew: the new one is kept */
	snprintf(ipv4, sizeof(ipv4), "%s/net/ipv4", root);
	snprintf(old_ipv4, sizeof(old_ipv4), "%s/net/ipv4.old", root);
	assert_int_equal(rename(ipv4, old_ipv4), 0);
	assert_int_equal(nftw(old_ipv4, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
	put("net/ipv4/ip_forward", "1\n", 0644);
	put("net/ipv4/fresh", "0\n", 0644);
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.fresh", "1", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.ip_forward", "7", back, sizeof(back)), 0);
	assert_int_equal(nh_sysctl_get(root, "net.ipv4.ip_forward", back, sizeof(back)), 0);
	assert_string_equal(back, "7");
	assert_int_equal(dirs.n, 1);
	assert_int_equal(count, 1);

	/* the kept ones are another namespace's: closed before use */
	dirs.ns_ino ^= 1;
	dirs.keep = 0;
	assert_int_equal(nh_sysctl_write(-1, &dirs, root, "net.ipv4.ip_forward", "8", back, sizeof(back)), 0);
	assert_int_equal(dirs.n, 0);
	assert_int_equal(count, 0);
	nh_sysctl_dirs_close(&dirs);
	assert_int_equal(count, 0);
	nh_state_free(&s);
}

/* Which keys the kernel announces (RTM_NEWNETCONF), and as what. */
static void test_announced(void **state)
{
	enum nh_netconf_value v;
	uint8_t family;
	int which;

	(void)state;
	assert_true(nh_sysctl_netconf("net.ipv4.ip_forward", &family, &which, &v));
	assert_int_equal(family, AF_INET);
	assert_int_equal(which, NH_NETCONF_ALL);
	assert_int_equal(v, NH_NETCONF_FORWARDING);
	assert_true(nh_sysctl_netconf("net.ipv4.conf.default.rp_filter", &family, &which, &v));
	assert_int_equal(which, NH_NETCONF_DEFAULT);
	assert_int_equal(v, NH_NETCONF_RP_FILTER);
	assert_true(nh_sysctl_netconf("net.ipv4.conf.eth1.5.proxy_arp", &family, &which, &v));
	assert_int_equal(which, 0);     /* the key's link */
	assert_int_equal(v, NH_NETCONF_PROXY_NEIGH);
	assert_true(nh_sysctl_netconf("net.ipv6.conf.all.forwarding", &family, &which, &v));
	assert_int_equal(family, AF_INET6);
	assert_true(nh_sysctl_netconf("net.ipv6.conf.v1.proxy_ndp", &family, &which, &v));
	assert_int_equal(v, NH_NETCONF_PROXY_NEIGH);
	assert_true(nh_sysctl_netconf("net.ipv6.conf.v1.ignore_routes_with_linkdown", &family, &which, &v));
	assert_int_equal(v, NH_NETCONF_IGNORE_LINKDOWN);
	/* the kernel says nothing when these change */
	assert_false(nh_sysctl_netconf("net.ipv6.conf.all.rp_filter", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.conf.all.proxy_ndp", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.conf.all.bc_forwarding", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.conf.all.arp_ignore", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.tcp_syncookies", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.neigh.default.gc_thresh1", &family, &which, &v));
	assert_false(nh_sysctl_netconf("net.ipv4.conf.forwarding", &family, &which, &v));
}

/* check's "did you mean": each missing component by its closest name, a
 * link that does not exist kept (looked up under `default`). */
static void test_suggest(void **state)
{
	char k[NH_SYSCTL_KEYSIZ];

	(void)state;
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.ip_forwrd", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.ip_forward");
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.ip_froward", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.ip_forward");
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.cnf.eth1.5.rp_filter", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.conf.eth1.5.rp_filter");
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.conf.v-x.rp_filtr", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.conf.v-x.rp_filter");
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.conf.eth1.5.rp_filtr", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.conf.eth1.5.rp_filter");
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.ip_forward", k, sizeof(k)), -ENOENT);
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.zzzzzz", k, sizeof(k)), -ENOENT);
	assert_int_equal(nh_sysctl_suggest(root, "net.ipb4.ip_forward", k, sizeof(k)), 0);
	assert_string_equal(k, "net.ipv4.ip_forward");
	assert_int_equal(nh_sysctl_suggest(root, "kernel.ip_forward", k, sizeof(k)), -EINVAL);
	/* a setting is a file: a directory is no suggestion for one, nor a
	 * file for a directory; three edits are too many */
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.conf.al", k, sizeof(k)), -ENOENT);
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.ip_forwar.x", k, sizeof(k)), -ENOENT);
	assert_int_equal(nh_sysctl_suggest(root, "net.ipv4.ip_fwd", k, sizeof(k)), -ENOENT);
}

static void test_read_all(void **state)
{
	struct nh_state s;

	(void)state;
	nh_state_init(&s);
	assert_int_equal(nh_sysctl_read_all(-1, root, &s), 0);
	/* settings only: no trigger, counter, unreadable file */
	for (size_t i = 0; i < s.n_sysctls; i++) {
		assert_null(strstr(s.sysctls[i].key, "flush"));
		assert_null(strstr(s.sysctls[i].key, "nf_conntrack_count"));
		assert_null(strstr(s.sysctls[i].key, "stable_secret"));
		if (i)
			assert_true(strcmp(s.sysctls[i - 1].key, s.sysctls[i].key) < 0);
	}
	assert_non_null(nh_state_sysctl(&s, "net.ipv4.conf.eth1.5.rp_filter"));
	assert_string_equal(nh_state_sysctl(&s, "net.ipv4.conf.eth1.5.rp_filter")->link, "eth1.5");
	assert_string_equal(nh_state_sysctl(&s, "net.core.multi")->value, "a b c d");
	assert_string_equal(nh_state_sysctl(&s, "net.ipv4.conf.all.rp_filter")->link, "");
	nh_state_free(&s);
	assert_int_equal(nh_sysctl_read_all(-1, "/nonexistent-netheal", &s), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_read_write),
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_read_all),
		cmocka_unit_test(test_announced),
		cmocka_unit_test(test_dirs_open),
		cmocka_unit_test(test_kept_dirs),       /* last: it takes net/ipv4 apart */
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
