/*
 * Links (SPEC §3.1, link keys): the keys every link has, and the dispatch
 * of the others to the link's kind (policy/kind_*.c), which knows its own
 * keys, their values and the checks across them.
 *
 * Ranges of the shared keys, as the kernel takes them:
 *   mtu   68..65536    68 is the IPv4 minimum (ETH_MIN_MTU); 65536 is the
 *                      loopback's own MTU, the largest a policy must state
 * A MAC is neither multicast nor zero. A `replace` needs a kind netheal
 * creates.
 */
#include "parse_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kind.h"

/* The keys of every link; the kinds' own follow them (link_keys()). */
static const struct nh_key common_keys[] = {
	{ "name", NH_KT_STRING },
	{ "kind", NH_KT_STRING },
	{ "up", NH_KT_BOOL },
	{ "mtu", NH_KT_INT },
	{ "mac", NH_KT_STRING },
	{ "master", NH_KT_STRING },
	{ "addresses", NH_KT_STRINGS },
	{ "replace", NH_KT_BOOL },
};
#define N_COMMON NH_ARRAY_SIZE(common_keys)
#define MAX_LINK_KEYS 48

/* common_keys, then each kind's keys in registry order, each name once. */
static size_t link_keys(struct nh_key *keys, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < N_COMMON; i++)
		keys[n++] = common_keys[i];
	for (size_t k = 0; k < nh_kind_count(); k++) {
		const struct nh_kind_syntax *syn = nh_kind_at(k)->syntax;

		for (size_t j = 0; syn && j < syn->n_keys; j++) {
			size_t i;

			for (i = 0; i < n && strcmp(keys[i].name, syn->keys[j].name) != 0; i++)
				;
			if (i == n && n < max)
				keys[n++] = (struct nh_key){ syn->keys[j].name, syn->keys[j].type };
		}
	}
	return n;
}

const config_setting_t *nh_link_in_get(const struct nh_link_in *in, const char *name)
{
	for (size_t i = 0; i < in->n_keys; i++)
		if (strcmp(in->keys[i].name, name) == 0)
			return in->found[i];
	return NULL;
}

static const struct nh_kind_key *kind_key(const struct nh_kind *k, const char *name)
{
	for (size_t j = 0; k && k->syntax && j < k->syntax->n_keys; j++)
		if (strcmp(k->syntax->keys[j].name, name) == 0)
			return &k->syntax->keys[j];
	return NULL;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* "kind macvlan, macvtap or vlan": the kinds that have key `name`. */
static const char *kinds_with_key(const char *name, char *buf, size_t size)
{
	const char *names[32];
	size_t n = 0, o;

	for (size_t k = 0; k < nh_kind_count() && n < NH_ARRAY_SIZE(names); k++)
		if (kind_key(nh_kind_at(k), name))
			names[n++] = nh_kind_at(k)->name;
	qsort(names, n, sizeof(*names), name_cmp);
	o = (size_t)snprintf(buf, size, "kind");
	for (size_t i = 0; i < n && o < size; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i == 0 ? " " : i + 1 == n ? " or " : ", ",
				      names[i]);
	return buf;
}

void nh_parse_link_settings(struct nh_pctx *c, struct nh_link *l, const config_setting_t *up,
			    const config_setting_t *mtu, const config_setting_t *mac,
			    const config_setting_t *master)
{
	uint64_t v;

	l->up = true;
	l->has |= NH_LINK_HAS_UP;
	if (up)
		l->up = config_setting_get_bool(up);
	if (mtu && nh_get_uint(c, mtu, 68, 65536, &v) == 0) {
		/* 65536 is lo's; the devices netheal makes stop at ETH_MAX_MTU */
		if (v > 65535 && nh_kind_has(l->kind, NH_KIND_CREATABLE))
			nh_perror(c, nh_line(c, mtu), "'mtu' %llu is above the kernel's maximum for %s %s (65535)",
				  (unsigned long long)v, nh_a_or_an(l->kind->name), l->kind->name);
		l->mtu = (uint32_t)v;
		l->has |= NH_LINK_HAS_MTU;
	}
	if (mac && nh_get_mac(c, mac, l->mac) == 0)
		l->has |= NH_LINK_HAS_MAC;
	if (master && nh_get_ifname(c, master, l->master) == 0) {
		if (l->name[0] && strcmp(l->master, l->name) == 0)
			nh_perror(c, nh_line(c, master), "link '%s' cannot be its own master", l->name);
		else if (strcmp(l->name, "lo") == 0)
			nh_perror(c, nh_line(c, master), "lo cannot be a port of '%s': the kernel refuses it",
				  l->master);
		else if (nh_kind_has(l->kind, NH_KIND_TAKES_PORTS))
			nh_perror(c, nh_line(c, master), "%s %s cannot be a port of another one ('%s'): the kernel "
				  "refuses it", nh_a_or_an(l->kind->name), l->kind->name, l->master);
		else
			l->has |= NH_LINK_HAS_MASTER;
	}
}

/* Returns false for an unknown kind: its keys are not checked then (no
 * cascade of "applies only to" after a typo in `kind`). */
static bool parse_kind(struct nh_link_in *in)
{
	const config_setting_t *s = nh_link_in_get(in, "kind");
	const char *v;
	char q[128], list[256];

	if (!s)
		return true;
	v = config_setting_get_string(s);
	in->l.kind = nh_kind_by_name(v);
	if (!in->l.kind) {
		nh_perror(in->c, nh_line(in->c, s), "'kind': unknown kind '%s' (expected %s)",
			  nh_quote(v, q, sizeof(q)), nh_kind_list(0, list, sizeof(list)));
		return false;
	}
	return true;
}

static const char *kind_text(const struct nh_kind *k)
{
	return k ? k->name : "no kind";
}

/* The keys that belong to kinds: read by the link's kind, an error on any
 * other; then the keys its kind needs, and its own checks. */
static void parse_kind_keys(struct nh_link_in *in)
{
	const struct nh_kind *kind = in->l.kind;
	char list[256];

	for (size_t i = N_COMMON; i < in->n_keys; i++) {
		const struct nh_kind_key *kk;

		if (!in->found[i])
			continue;
		kk = kind_key(kind, in->keys[i].name);
		if (kk)
			kk->parse(in, in->found[i]);
		else
			nh_perror(in->c, nh_line(in->c, in->found[i]), "'%s' applies only to %s, and link '%s' has %s",
				  in->keys[i].name, kinds_with_key(in->keys[i].name, list, sizeof(list)),
				  in->l.name, kind_text(kind));
	}
	for (size_t j = 0; kind && kind->syntax && j < kind->syntax->n_keys; j++) {
		const struct nh_kind_key *kk = &kind->syntax->keys[j];

		if (kk->required && !nh_key_given(in->g, kk->name))
			nh_perror(in->c, in->l.origin.line, "%s '%s' needs %s", kind->name, in->l.name,
				  kk->required);
	}
	if (kind && kind->syntax && kind->syntax->check)
		kind->syntax->check(in);
}

static void parse_replace(struct nh_link_in *in)
{
	const config_setting_t *s = nh_link_in_get(in, "replace");
	char list[256];

	if (!s)
		return;
	if (nh_kind_has(in->l.kind, NH_KIND_CREATABLE))
		in->l.replace = config_setting_get_bool(s);
	else
		nh_perror(in->c, nh_line(in->c, s), "'replace' applies only to a kind netheal creates (%s), "
			  "and link '%s' has %s", nh_kind_list(NH_KIND_CREATABLE, list, sizeof(list)),
			  in->l.name, kind_text(in->l.kind));
}

static void parse_link(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r,
		       const char *where)
{
	struct nh_key keys[MAX_LINK_KEYS];
	const config_setting_t *found[MAX_LINK_KEYS];
	struct nh_link_in in = { .c = c, .g = g, .rule = r, .l.origin = nh_origin_of(c, g),
				 .keys = keys, .found = found };
	const config_setting_t *name;
	bool kind_ok;

	in.n_keys = link_keys(keys, MAX_LINK_KEYS);
	nh_scan_group(c, g, "link", keys, in.n_keys, found);
	name = nh_link_in_get(&in, "name");
	if (name)
		in.name_ok = nh_get_ifname(c, name, in.l.name) == 0;
	else if (!nh_key_given(g, "name")) {
		nh_perror(c, in.l.origin.line, "a link in %s needs a 'name'", where);
	}
	kind_ok = parse_kind(&in);
	nh_parse_link_settings(c, &in.l, nh_link_in_get(&in, "up"), nh_link_in_get(&in, "mtu"),
			       nh_link_in_get(&in, "mac"), nh_link_in_get(&in, "master"));
	if (nh_link_in_get(&in, "addresses"))
		nh_get_addresses(c, nh_link_in_get(&in, "addresses"), in.l.name, &in.addrs,
				 &in.n_addrs, &in.cap_addrs);
	if (kind_ok) {
		parse_kind_keys(&in);
		parse_replace(&in);
	}
	if (in.name_ok) {
		if (nh_state_add_link(&r->want, &in.l) < 0)
			c->err = -ENOMEM;
		for (size_t i = 0; i < in.n_addrs; i++)
			if (nh_state_add_address(&r->want, &in.addrs[i]) < 0)
				c->err = -ENOMEM;
	}
	free(in.addrs);
}

void nh_parse_links(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r,
		    const char *where)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'links' must be a group { name = ...; }");
			continue;
		}
		parse_link(c, g, r, where);
	}
}
