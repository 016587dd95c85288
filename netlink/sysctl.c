#include "sysctl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/util.h"
#include "nl.h"

#define READ_MAX 4096           /* a setting's text; longer ones are no setting of ours */

static int key_file(const char *root, const char *key, char *path, size_t size)
{
	char rel[NH_SYSCTL_KEYSIZ];
	int r = nh_sysctl_path(key, rel, sizeof(rel));

	if (r < 0)
		return r;
	if ((size_t)snprintf(path, size, "%s/%s", root, rel) >= size)
		return -ENAMETOOLONG;
	return 0;
}

void nh_sysctl_dirs_init(struct nh_sysctl_dirs *d, unsigned int keep, size_t *count)
{
	memset(d, 0, sizeof(*d));
	d->keep = keep < NH_SYSCTL_DIRS ? keep : NH_SYSCTL_DIRS;
	d->count = count;
}

void nh_sysctl_dirs_close(struct nh_sysctl_dirs *d)
{
	for (unsigned int i = 0; i < d->n; i++)
		close(d->dir[i].fd);
	if (d->count)
		*d->count -= d->n;
	d->n = 0;
	d->bound = false;
}

/* Forget the kept directory fd (a stale one). */
static void dir_drop(struct nh_sysctl_dirs *d, int fd)
{
	for (unsigned int i = 0; i < d->n; i++) {
		if (d->dir[i].fd != fd)
			continue;
		close(fd);
		d->dir[i] = d->dir[--d->n];
		if (d->count)
			(*d->count)--;
		return;
	}
}

/* Whether the directory open at fd was taken away: the kernel's sysctl
 * directories answer ENOENT once unregistered (proc_sys_getattr), another
 * file system's keep no link. */
static bool dir_gone(int fd)
{
	struct stat st;

	return fstat(fd, &st) < 0 || st.st_nlink == 0;
}

/* The directory of rel ("net/TOP/…") in d: its index, d->n when it is not
 * kept, -1 when it cannot be (a key right under net/, a name too long);
 * *len is TOP's length. */
static int dir_find(const struct nh_sysctl_dirs *d, const char *rel, size_t *len)
{
	const char *top = rel + strlen("net/"), *end = strchr(top, '/');
	unsigned int i;

	/* every key is below net/ (nh_sysctl_key_valid) */
	if (!end || (*len = (size_t)(end - top)) >= sizeof(d->dir[0].name))
		return -1;
	for (i = 0; i < d->n; i++)
		if (strncmp(d->dir[i].name, top, *len) == 0 && !d->dir[i].name[*len])
			break;
	return (int)i;
}

void nh_sysctl_dirs_prune(struct nh_sysctl_dirs *d, const struct nh_sysctl *keys, size_t n)
{
	char rel[NH_SYSCTL_KEYSIZ];
	bool used[NH_SYSCTL_DIRS] = { false };
	size_t len;

	for (size_t i = 0; i < n; i++) {
		int k = nh_sysctl_path(keys[i].key, rel, sizeof(rel)) == 0 ? dir_find(d, rel, &len) : -1;

		if (k >= 0 && (unsigned int)k < d->n)
			used[k] = true;
	}
	for (unsigned int i = d->n; i-- > 0;)
		if (!used[i])
			dir_drop(d, d->dir[i].fd);
}

/* The directory root/net/TOP of rel ("net/TOP/…") as kept in d, opened and
 * kept now if there is room: 0 with *fd and *below (past "net/TOP/" in
 * rel); 1 when none is kept (d NULL or full, a key right under net/): open
 * by path; -errno when root/net/TOP cannot be opened (no such setting). */
static int dir_of(struct nh_sysctl_dirs *d, const char *root, const char *rel, int *fd, const char **below)
{
	const char *top = rel + strlen("net/");
	char path[PATH_MAX];
	size_t len;
	int i = d ? dir_find(d, rel, &len) : -1;

	if (i < 0)
		return 1;
	*below = top + len + 1;
	if ((unsigned int)i < d->n) {
		*fd = d->dir[i].fd;
		return 0;
	}
	if (d->n >= d->keep ||
	    (size_t)snprintf(path, sizeof(path), "%s/%.*s", root, (int)(top + len - rel), rel) >= sizeof(path))
		return 1;
	*fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	memcpy(d->dir[d->n].name, top, len);
	d->dir[d->n].name[len] = '\0';
	d->dir[d->n++].fd = *fd;
	if (d->count)
		(*d->count)++;
	return 0;
}

/* Open key's file with flags in the calling thread's namespace: below
 * its kept directory in dirs when there is one (dirs may be NULL), else
 * by its whole path under root. The fd, or -errno. */
static int key_open(struct nh_sysctl_dirs *dirs, const char *root, const char *key, int flags)
{
	char rel[NH_SYSCTL_KEYSIZ], path[PATH_MAX];
	const char *below;
	int fd, dir, r = nh_sysctl_path(key, rel, sizeof(rel));

	if (r < 0)
		return r;
	flags |= O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	r = dir_of(dirs, root, rel, &dir, &below);
	if (r == 0) {
		fd = openat(dir, below, flags);
		if (fd >= 0 || errno != ENOENT || !dir_gone(dir))
			return fd < 0 ? -errno : fd;
		/* taken away (a module's settings, unloaded) and perhaps back */
		dir_drop(dirs, dir);
		r = dir_of(dirs, root, rel, &dir, &below);
		if (r == 0) {
			fd = openat(dir, below, flags);
			return fd < 0 ? -errno : fd;
		}
	}
	if (r < 0)
		return r;       /* root/net/TOP itself is not there */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, flags);
	return fd < 0 ? -errno : fd;
}

/* The directories are of the namespace netns_fd (-1: the calling thread's)
 * from here on: kept ones of another are closed first. A kept directory
 * opens its own namespace's settings whichever namespace the caller is in,
 * so dirs must never serve two. */
static void dirs_bind(struct nh_sysctl_dirs *d, int netns_fd)
{
	struct stat st;
	int r;

	if (!d)
		return;
	r = netns_fd < 0 ? stat("/proc/thread-self/ns/net", &st) : fstat(netns_fd, &st);
	if (r < 0 || (d->bound && (st.st_dev != d->ns_dev || st.st_ino != d->ns_ino)))
		nh_sysctl_dirs_close(d);
	if (r == 0) {
		d->ns_dev = st.st_dev;
		d->ns_ino = st.st_ino;
		d->bound = true;
	}
}

/* The text of an open file, NUL-terminated: -E2BIG when longer than max. */
static int read_text(int fd, char *buf, size_t max)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, max - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == max - 1)
			return -E2BIG;
	}
	buf[len] = '\0';
	return 0;
}

/* The setting open at fd, normalized into buf; closes fd. */
static int get_fd(int fd, char *buf, size_t size)
{
	char text[READ_MAX];
	int r = read_text(fd, text, sizeof(text));

	close(fd);
	if (r < 0)
		return r;
	return nh_sysctl_value_normalize(text, buf, size) < 0 ? -E2BIG : 0;
}

static int get_path(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return fd < 0 ? -errno : get_fd(fd, buf, size);
}

int nh_sysctl_get(const char *root, const char *key, char *buf, size_t size)
{
	int fd = key_open(NULL, root, key, O_RDONLY);

	return fd < 0 ? fd : get_fd(fd, buf, size);
}

int nh_sysctl_put(const char *root, const char *key, const char *value)
{
	size_t len = strlen(value);
	ssize_t n;
	int r, fd = key_open(NULL, root, key, O_WRONLY);

	if (fd < 0)
		return fd;
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

bool nh_sysctl_known(const char *root, const char *key)
{
	char path[PATH_MAX], link[NH_IFNAMSIZ], dflt[NH_SYSCTL_KEYSIZ + 8];
	const char *at;

	if (nh_sysctl_key_link(key, link)) {
		/* PREFIX.LINK.LEAF → PREFIX.default.LEAF */
		at = key + strlen(key) - strlen(strrchr(key, '.')) - strlen(link);
		snprintf(dflt, sizeof(dflt), "%.*sdefault%s", (int)(at - key), key, strrchr(key, '.'));
		if (key_file(root, dflt, path, sizeof(path)) == 0 && access(path, F_OK) == 0)
			return true;
	}
	return key_file(root, key, path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

/* The entry of dir closest to name into out: a directory when want_dir,
 * else a file; at most two edits away, and nh_typo_of (a sysctl's name
 * can be long: a newer kernel's setting is no typo of an older one's
 * longer name). -ENOENT when none is, or dir cannot be read. */
static int closest_entry(const char *dir, const char *name, bool want_dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int best = UINT_MAX;

	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		unsigned int dist;

		if (e->d_name[0] == '.' || (e->d_type != DT_UNKNOWN && (e->d_type == DT_DIR) != want_dir))
			continue;
		dist = nh_typo_distance(name, e->d_name);
		/* a tie goes to the first by name: readdir's order is the
		 * file system's */
		if (dist > 2 || !nh_typo_of(name, e->d_name) || dist > best ||
		    (dist == best && strcmp(e->d_name, out) > 0))
			continue;
		if (nh_strlcpy(out, e->d_name, size) == 0)
			best = dist;
	}
	closedir(d);
	return best == UINT_MAX ? -ENOENT : 0;
}

int nh_sysctl_suggest(const char *root, const char *key, char *out, size_t size)
{
	char comp[NH_SYSCTL_KEYSIZ], *tok[NH_SYSCTL_KEYSIZ / 2], dir[PATH_MAX], name[NAME_MAX + 1];
	size_t n = 0, o = 0;
	bool changed = false;

	if (!nh_sysctl_key_valid(key) || nh_strlcpy(comp, key, sizeof(comp)) < 0)
		return -EINVAL;
	/* a valid key has no empty component: at most KEYSIZ / 2 of them */
	for (char *save = NULL, *t = strtok_r(comp, ".", &save); t && n < NH_ARRAY_SIZE(tok);
	     t = strtok_r(NULL, ".", &save))
		tok[n++] = t;
	snprintf(dir, sizeof(dir), "%s", root);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t dl = strlen(dir);
		/* under conf/ and neigh/, all but the leaf is a link's name,
		 * which may hold dots ("eth1.5") and may not exist yet */
		bool link = i + 1 < n && dl >= 5 &&
			    (strcmp(dir + dl - 5, "/conf") == 0 || (dl >= 6 && strcmp(dir + dl - 6, "/neigh") == 0));
		const char *look, *t = tok[i];

		if (link)
			for (; i + 2 < n; i++)
				tok[i + 1][-1] = '.';   /* join up to the leaf */
		snprintf(name, sizeof(name), "%s", t);
		look = name;
		snprintf(dir + dl, sizeof(dir) - dl, "/%s", name);
		if (access(dir, F_OK) < 0) {
			dir[dl] = '\0';
			if (link) {
				look = "default";
			} else {
				if (closest_entry(dir, t, i + 1 < n, name, sizeof(name)) < 0)
					return -ENOENT;
				changed = true;
			}
			snprintf(dir + dl, sizeof(dir) - dl, "/%s", look);
		}
		if (o + strlen(name) + 2 > size)
			return -EINVAL;
		o += (size_t)snprintf(out + o, size - o, "%s%s", o ? "." : "", name);
	}
	return changed ? 0 : -ENOENT;
}

bool nh_sysctl_netconf(const char *key, uint8_t *family, int *which, enum nh_netconf_value *value)
{
	static const struct {
		const char *leaf;
		enum nh_netconf_value value;
		bool inet, inet6;
	} announced[] = {
		{ "forwarding", NH_NETCONF_FORWARDING, true, true },
		{ "rp_filter", NH_NETCONF_RP_FILTER, true, false },
		{ "proxy_arp", NH_NETCONF_PROXY_NEIGH, true, false },
		{ "proxy_ndp", NH_NETCONF_PROXY_NEIGH, false, true },
		{ "ignore_routes_with_linkdown", NH_NETCONF_IGNORE_LINKDOWN, true, true },
	};
	const char *conf, *leaf;
	size_t len;

	if (strcmp(key, "net.ipv4.ip_forward") == 0) {
		*family = AF_INET;
		*which = NH_NETCONF_ALL;
		*value = NH_NETCONF_FORWARDING;
		return true;
	}
	if (strncmp(key, "net.ipv4.conf.", 14) == 0)
		*family = AF_INET;
	else if (strncmp(key, "net.ipv6.conf.", 14) == 0)
		*family = AF_INET6;
	else
		return false;
	/* net.ipvN.conf.WHICH.LEAF, WHICH possibly holding dots */
	conf = key + 14;
	leaf = strrchr(conf, '.');
	if (!leaf || leaf == conf)
		return false;
	len = (size_t)(leaf - conf);
	leaf++;
	*which = len == 3 && strncmp(conf, "all", 3) == 0 ? NH_NETCONF_ALL :
		 len == 7 && strncmp(conf, "default", 7) == 0 ? NH_NETCONF_DEFAULT : 0;
	for (size_t i = 0; i < NH_ARRAY_SIZE(announced); i++) {
		if (strcmp(leaf, announced[i].leaf) != 0)
			continue;
		if (*family == AF_INET ? !announced[i].inet : !announced[i].inet6)
			return false;
		*value = announced[i].value;
		return true;
	}
	return false;
}

/* ---- in a namespace ---- */

struct read_args {
	struct nh_sysctl_dirs *dirs;
	const char *root;
	const struct nh_sysctl *keys;
	size_t n;
	struct nh_state tmp;
};

static int read_here(void *arg)
{
	struct read_args *a = arg;

	for (size_t i = 0; i < a->n; i++) {
		struct nh_sysctl k;

		memset(&k, 0, sizeof(k));
		nh_strlcpy(k.key, a->keys[i].key, sizeof(k.key));
		nh_strlcpy(k.link, a->keys[i].link, sizeof(k.link));
		int fd = key_open(a->dirs, a->root, k.key, O_RDONLY);

		if (fd < 0 || get_fd(fd, k.value, sizeof(k.value)) < 0)
			continue;
		if (nh_state_add_sysctl(&a->tmp, &k) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Put tmp's sysctls in place of out's. */
static void take_sysctls(struct nh_state *out, struct nh_state *tmp)
{
	free(out->sysctls);
	out->sysctls = tmp->sysctls;
	out->n_sysctls = tmp->n_sysctls;
	out->cap_sysctls = tmp->cap_sysctls;
	tmp->sysctls = NULL;
	tmp->n_sysctls = tmp->cap_sysctls = 0;
}

static int sysctl_key_cmp(const void *a, const void *b)
{
	return nh_sysctl_key_cmp(a, b);
}

int nh_sysctl_read(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const struct nh_sysctl *keys,
		   size_t n, struct nh_state *out)
{
	struct read_args a = { .dirs = dirs, .root = root, .keys = keys, .n = n };
	int r;

	dirs_bind(dirs, netns_fd);
	nh_state_init(&a.tmp);
	r = nh_in_netns(netns_fd, read_here, &a);
	if (r == 0) {
		if (a.tmp.n_sysctls)
			qsort(a.tmp.sysctls, a.tmp.n_sysctls, sizeof(*a.tmp.sysctls), sysctl_key_cmp);
		take_sysctls(out, &a.tmp);
	}
	nh_state_free(&a.tmp);
	return r;
}

struct write_args {
	struct nh_sysctl_dirs *dirs;
	const char *root, *key, *value;
	char *readback;
	size_t size;
};

/* One open for the write and its read-back. */
static int write_here(void *arg)
{
	struct write_args *a = arg;
	char text[READ_MAX], want[NH_SYSCTL_VALSIZ];
	size_t len = strlen(a->value), got = 0;
	ssize_t n;
	int r, fd = key_open(a->dirs, a->root, a->key, O_RDWR);

	if (fd < 0)
		return fd;
	do
		n = write(fd, a->value, len);
	while (n < 0 && errno == EINTR);
	r = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	while (r == 0) {
		n = pread(fd, text + got, sizeof(text) - 1 - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			r = -errno;
		else if (n == 0)
			break;
		else if ((got += (size_t)n) == sizeof(text) - 1)
			r = -E2BIG;
	}
	close(fd);
	if (r < 0)
		return r;
	text[got] = '\0';
	if (nh_sysctl_value_normalize(text, a->readback, a->size) < 0)
		return -E2BIG;
	nh_sysctl_value_normalize(a->value, want, sizeof(want));
	return strcmp(want, a->readback) == 0 ? 0 : -ERANGE;
}

int nh_sysctl_write(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const char *key,
		    const char *value, char *readback, size_t size)
{
	struct write_args a = { dirs, root, key, value, readback, size };

	dirs_bind(dirs, netns_fd);
	if (size)
		readback[0] = '\0';
	return nh_in_netns(netns_fd, write_here, &a);
}

struct dirs_args {
	struct nh_sysctl_dirs *dirs;
	const char *root;
	const struct nh_sysctl *keys;
	size_t n;
};

/* Key's directory is to be kept and is not yet (rel: its path). */
static bool dir_wanted(const struct nh_sysctl_dirs *d, const char *key, char *rel, size_t size)
{
	size_t len;

	return d->n < d->keep && nh_sysctl_path(key, rel, size) == 0 && dir_find(d, rel, &len) == (int)d->n;
}

static int open_dirs_here(void *arg)
{
	struct dirs_args *a = arg;
	char rel[NH_SYSCTL_KEYSIZ];
	const char *below;
	int fd;

	for (size_t i = 0; i < a->n; i++)
		if (dir_wanted(a->dirs, a->keys[i].key, rel, sizeof(rel)))
			(void)dir_of(a->dirs, a->root, rel, &fd, &below);       /* not there: by path later */
	return 0;
}

int nh_sysctl_dirs_open(int netns_fd, struct nh_sysctl_dirs *dirs, const char *root, const struct nh_sysctl *keys,
			size_t n)
{
	struct dirs_args a = { dirs, root, keys, n };
	char rel[NH_SYSCTL_KEYSIZ];
	size_t i;

	dirs_bind(dirs, netns_fd);
	for (i = 0; i < n && !dir_wanted(dirs, keys[i].key, rel, sizeof(rel)); i++)
		;
	return i == n ? 0 : nh_in_netns(netns_fd, open_dirs_here, &a);
}

/* ---- every setting ---- */

struct walk {
	const char *root;
	size_t root_len;
	struct nh_state tmp;
	int err;
};

static void walk_dir(struct walk *w, const char *dir, unsigned int depth);

/* One entry of dir: a setting, or a directory to walk. */
static void walk_entry(struct walk *w, const char *path, unsigned int depth)
{
	struct nh_sysctl k;
	struct stat st;

	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		walk_dir(w, path, depth + 1);
		return;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & (S_IRUSR | S_IWUSR)) != (S_IRUSR | S_IWUSR))
		return;
	memset(&k, 0, sizeof(k));
	if (nh_sysctl_key_from_path(path + w->root_len + 1, k.key, sizeof(k.key)) < 0)
		return;         /* no key names it (a dot where no link name may be) */
	if (get_path(path, k.value, sizeof(k.value)) < 0)
		return;         /* unreadable here (an unset stable_secret), or too long */
	nh_sysctl_key_link(k.key, k.link);
	if (nh_state_add_sysctl(&w->tmp, &k) < 0)
		w->err = -ENOMEM;
}

static void walk_dir(struct walk *w, const char *dir, unsigned int depth)
{
	DIR *d;
	struct dirent *e;

	if (depth > 6 || w->err)
		return;         /* keys are at most five deep */
	d = opendir(dir);
	if (!d) {
		if (depth == 0)
			w->err = -errno;
		return;
	}
	while (!w->err && (e = readdir(d))) {
		char path[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= sizeof(path))
			continue;
		walk_entry(w, path, depth);
	}
	closedir(d);
}

static int read_all_here(void *arg)
{
	struct walk *w = arg;
	char top[PATH_MAX];

	snprintf(top, sizeof(top), "%s/net", w->root);
	walk_dir(w, top, 0);
	return w->err;
}

int nh_sysctl_read_all(int netns_fd, const char *root, struct nh_state *out)
{
	struct walk w = { .root = root, .root_len = strlen(root) };
	int r;

	nh_state_init(&w.tmp);
	r = nh_in_netns(netns_fd, read_all_here, &w);
	if (r == 0) {
		if (w.tmp.n_sysctls)
			qsort(w.tmp.sysctls, w.tmp.n_sysctls, sizeof(*w.tmp.sysctls), sysctl_key_cmp);
		take_sysctls(out, &w.tmp);
	}
	nh_state_free(&w.tmp);
	return r;
}
