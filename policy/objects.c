/*
 * The objects beyond links, addresses and routes (SPEC §3.1): sysctl keys
 * and their paths, routing policy rules and permanent neighbours — their
 * keys, orders and comparisons, shared by the parser, the diff, the
 * monitor and `export`.
 */
#include "model.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

/* ---- sysctl keys ---- */

int nh_sysctl_key_cmp(const struct nh_sysctl *a, const struct nh_sysctl *b)
{
	int r = strcmp(a->key, b->key);

	return (r > 0) - (r < 0);
}

/* The subtrees whose third component names a link: net.FAM.SUB.IFNAME.LEAF. */
static const char *const per_link_prefixes[] = {
	"net.ipv4.conf.", "net.ipv6.conf.", "net.mpls.conf.", "net.ipv4.neigh.", "net.ipv6.neigh.",
};

/* The prefix of a per-link key, and where its IFNAME is ([*dev, *leaf - 1)). */
static const char *per_link_split(const char *key, const char **dev, const char **leaf)
{
	for (size_t i = 0; i < NH_ARRAY_SIZE(per_link_prefixes); i++) {
		size_t n = strlen(per_link_prefixes[i]);
		const char *last;

		if (strncmp(key, per_link_prefixes[i], n) != 0)
			continue;
		last = strrchr(key + n, '.');
		if (!last || last == key + n)
			return NULL;
		*dev = key + n;
		*leaf = last + 1;
		return per_link_prefixes[i];
	}
	return NULL;
}

int nh_sysctl_key_link(const char *key, char link[NH_IFNAMSIZ])
{
	const char *dev, *leaf;
	size_t n;

	link[0] = '\0';
	if (!per_link_split(key, &dev, &leaf))
		return 0;
	n = (size_t)(leaf - 1 - dev);
	if (n >= NH_IFNAMSIZ)
		return 0;
	memcpy(link, dev, n);
	link[n] = '\0';
	if (strcmp(link, "all") == 0 || strcmp(link, "default") == 0) {
		link[0] = '\0';
		return 0;
	}
	return 1;
}

bool nh_sysctl_key_valid(const char *key)
{
	size_t n = strlen(key);
	const char *dev, *leaf;

	if (n >= NH_SYSCTL_KEYSIZ || strncmp(key, "net.", 4) != 0 || n == 4 || key[n - 1] == '.' ||
	    strstr(key, "..") || strchr(key, '/'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (isspace((unsigned char)key[i]) || nh_is_control((unsigned char)key[i]))
			return false;
	if (per_link_split(key, &dev, &leaf)) {
		char link[NH_IFNAMSIZ];
		size_t len = (size_t)(leaf - 1 - dev);

		if (len >= NH_IFNAMSIZ)
			return false;
		memcpy(link, dev, len);
		link[len] = '\0';
		return nh_ifname_valid(link);
	}
	return true;
}

int nh_sysctl_path(const char *key, char *buf, size_t size)
{
	const char *dev, *leaf, *prefix;
	size_t n = strlen(key);

	if (!nh_sysctl_key_valid(key))
		return -EINVAL;
	if (n >= size)
		return -ENAMETOOLONG;
	prefix = per_link_split(key, &dev, &leaf);
	memcpy(buf, key, n + 1);
	/* the IFNAME keeps its dots: only the separators around it change */
	for (size_t i = 0; i < n; i++) {
		bool in_link = prefix && key + i >= dev && key + i < leaf - 1;

		if (buf[i] == '.' && !in_link)
			buf[i] = '/';
	}
	return 0;
}

int nh_sysctl_key_from_path(const char *path, char *buf, size_t size)
{
	const char *comp[8];
	size_t n = 0, len = strlen(path);
	const char *p = path;
	char probe[NH_SYSCTL_KEYSIZ];

	if (len >= size || len >= sizeof(probe))
		return -EINVAL;
	while (n < NH_ARRAY_SIZE(comp)) {
		comp[n++] = p;
		p = strchr(p, '/');
		if (!p)
			break;
		p++;
	}
	if (p)
		return -EINVAL;         /* deeper than any key */
	memcpy(buf, path, len + 1);
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '/')
			buf[i] = '.';
	/* A dot inside a component is fine only where the key's structure
	 * says where it ends: the IFNAME of a per-link key. */
	for (size_t i = 0; i < n; i++) {
		const char *end = i + 1 < n ? comp[i + 1] - 1 : path + len;

		if (!memchr(comp[i], '.', (size_t)(end - comp[i])))
			continue;
		if (n != 5 || i != 3)
			return -EINVAL;
	}
	if (!nh_sysctl_key_valid(buf))
		return -EINVAL;
	/* and the key must lead back to this very path */
	if (nh_sysctl_path(buf, probe, sizeof(probe)) < 0 || strcmp(probe, path) != 0)
		return -EINVAL;
	return 0;
}

/* Whether in starts a token of decimal digits with a leading zero ("02"),
 * which the kernel reads back without it. */
static bool zero_padded(const char *in, bool token_start)
{
	const char *p = in;

	if (!token_start || *p != '0' || !(p[1] >= '0' && p[1] <= '9'))
		return false;
	for (; *p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

int nh_sysctl_value_normalize(const char *in, char *out, size_t size)
{
	size_t o = 0;
	bool space = false, token_start = true;

	if (!size)
		return -ENAMETOOLONG;
	for (; *in; in++) {
		if (*in == ' ' || *in == '\t' || *in == '\n' || *in == '\r') {
			space = o > 0;
			token_start = true;
			continue;
		}
		/* integers as the kernel prints them: "02" reads back "2" */
		if (zero_padded(in, token_start))
			continue;       /* token_start stays: the next zero or digit is looked at again */
		token_start = false;
		if (o + (space ? 2 : 1) >= size) {
			out[o] = '\0';
			return -ENAMETOOLONG;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = *in;
	}
	out[o] = '\0';
	return 0;
}

/* ---- rules ---- */

static const char *const frule_actions[NH_FRULE__COUNT] = {
	[NH_FRULE_TABLE] = "table",
	[NH_FRULE_BLACKHOLE] = "blackhole",
	[NH_FRULE_UNREACHABLE] = "unreachable",
	[NH_FRULE_PROHIBIT] = "prohibit",
};

const char *nh_frule_action_to_string(enum nh_frule_action a)
{
	return (unsigned)a < NH_FRULE__COUNT ? frule_actions[a] : "?";
}

int nh_frule_action_from_string(const char *s)
{
	for (int a = NH_FRULE_BLACKHOLE; a < NH_FRULE__COUNT; a++)
		if (strcmp(s, frule_actions[a]) == 0)
			return a;
	return -EINVAL;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

static int cmp_str(const char *a, const char *b)
{
	int r = strcmp(a, b);

	return (r > 0) - (r < 0);
}

int nh_fib_rule_key_cmp(const struct nh_fib_rule *a, const struct nh_fib_rule *b)
{
	int r;

	if ((r = cmp_u32(a->family, b->family)) || (r = cmp_u32(a->priority, b->priority)) ||
	    (r = cmp_u32(a->has, b->has)))
		return r;
	if ((a->has & NH_FRULE_HAS_FROM) && (r = nh_prefix_cmp(&a->from, &b->from)))
		return r;
	if ((a->has & NH_FRULE_HAS_TO) && (r = nh_prefix_cmp(&a->to, &b->to)))
		return r;
	if ((a->has & NH_FRULE_HAS_IIF) && (r = cmp_str(a->iif, b->iif)))
		return r;
	if ((a->has & NH_FRULE_HAS_OIF) && (r = cmp_str(a->oif, b->oif)))
		return r;
	if ((a->has & NH_FRULE_HAS_FWMARK) &&
	    ((r = cmp_u32(a->fwmark, b->fwmark)) || (r = cmp_u32(a->fwmask, b->fwmask))))
		return r;
	return 0;
}

/* What a rule does: the action, and the table it looks up. */
static int frule_does_cmp(const struct nh_fib_rule *a, const struct nh_fib_rule *b)
{
	int r = cmp_u32(a->action, b->action);

	if (r || a->action != NH_FRULE_TABLE)
		return r;
	return cmp_u32(a->table, b->table);
}

int nh_fib_rule_cmp(const struct nh_fib_rule *a, const struct nh_fib_rule *b)
{
	int r;

	if ((r = nh_fib_rule_key_cmp(a, b)) || (r = frule_does_cmp(a, b)))
		return r;
	return cmp_u32(a->protocol, b->protocol);
}

bool nh_fib_rule_satisfied(const struct nh_fib_rule *want, const struct nh_fib_rule *have)
{
	return nh_fib_rule_key_cmp(want, have) == 0 && frule_does_cmp(want, have) == 0;
}

/* ---- neighbours ---- */

int nh_neigh_key_cmp(const struct nh_neigh *a, const struct nh_neigh *b)
{
	int r = cmp_str(a->dev, b->dev);

	return r ? r : nh_prefix_cmp(&a->addr, &b->addr);
}

bool nh_neigh_satisfied(const struct nh_neigh *want, const struct nh_neigh *have)
{
	return nh_neigh_key_cmp(want, have) == 0 && (have->has & NH_NEIGH_HAS_LLADDR) &&
	       memcmp(want->lladdr, have->lladdr, sizeof(want->lladdr)) == 0;
}
