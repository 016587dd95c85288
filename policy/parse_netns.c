/*
 * Namespace rules, routes and hooks (SPEC §3.1).
 *
 * Ranges, as the kernel takes them:
 *   metric 0..4294967295   table 1..4294967295 (0 is RT_TABLE_UNSPEC)
 * Extra checks: a route needs `via` or `dev`; its destination has no host
 * bits set (the kernel refuses it); a route's key (family, table,
 * destination, metric) is unique per namespace (validate.c); `create`
 * belongs to a `name` rule only; a namespace name is a valid file name
 * (1-255 bytes, no '/', not "." or "..", no control bytes); a `match` glob
 * is not empty, has no '/' and no '[' without its ']'.
 */
#include "parse_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

/* ---- routes ---- */

enum { RK_TO, RK_VIA, RK_DEV, RK_METRIC, RK_TABLE, RK_REPLACE, RK__COUNT };

static const struct nh_key route_keys[RK__COUNT] = {
	[RK_TO] = { "to", NH_KT_STRING },
	[RK_VIA] = { "via", NH_KT_STRING },
	[RK_DEV] = { "dev", NH_KT_STRING },
	[RK_METRIC] = { "metric", NH_KT_INT },
	[RK_TABLE] = { "table", NH_KT_INT },
	[RK_REPLACE] = { "replace", NH_KT_BOOL },
};

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* `to`: "default" (family decided by `via`) or a network ADDR/PREFIX. */
static int parse_route_to(struct nh_pctx *c, const config_setting_t *s, struct nh_route *rt, bool *dflt)
{
	const char *v = config_setting_get_string(s);
	struct nh_prefix net;
	char buf[64], q[128], why[160];

	*dflt = strcmp(v, "default") == 0;
	if (*dflt)
		return 0;
	if (nh_prefix_parse(v, &rt->dst) < 0) {
		nh_perror(c, nh_line(c, s), "'to': '%s' is neither \"default\" nor ADDR/PREFIX: %s",
			  nh_quote(v, q, sizeof(q)), nh_prefix_why_not(v, why, sizeof(why)));
		return -EINVAL;
	}
	/* the kernel refuses a destination with host bits ("Invalid prefix") */
	net = rt->dst;
	for (unsigned int bit = net.len; bit < 128; bit++)
		net.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	if (nh_prefix_cmp(&net, &rt->dst) != 0) {
		nh_perror(c, nh_line(c, s), "'to': %s has host bits set (did you mean %s?)", v,
			  nh_prefix_str(&net, true, buf, sizeof(buf)));
		return -EINVAL;
	}
	return 0;
}

static bool all_zero(const struct nh_prefix *p)
{
	for (size_t i = 0; i < nh_family_addr_len(p->family); i++)
		if (p->addr[i])
			return false;
	return true;
}

/* Gateways the kernel refuses whatever the state (SPEC §3.2: a policy that
 * can never converge is an error): multicast, the limited broadcast, the
 * unspecified address ("Nexthop has invalid gateway", "Invalid gateway
 * address"), and an IPv6 link-local gateway without a device ("Egress
 * device not specified": fe80::/64 is on every link). */
static int check_gateway(struct nh_pctx *c, const config_setting_t *via, const struct nh_route *rt)
{
	static const uint8_t bcast[4] = { 255, 255, 255, 255 };
	const char *v = config_setting_get_string(via);
	unsigned int line = nh_line(c, via);

	if (nh_ip_is_multicast(&rt->via)) {
		nh_perror(c, line, "'via': gateway %s is a multicast address: the kernel refuses it", v);
		return -EINVAL;
	}
	if (all_zero(&rt->via) || (rt->via.family == AF_INET && memcmp(rt->via.addr, bcast, 4) == 0)) {
		nh_perror(c, line, "'via': gateway %s is not an address a router can have: the kernel refuses it", v);
		return -EINVAL;
	}
	if (nh_ip_is_link_local6(&rt->via) && !(rt->has & NH_ROUTE_HAS_DEV)) {
		nh_perror(c, line, "'via': gateway %s is link-local: the route needs 'dev' (the kernel "
			  "refuses it without: \"Egress device not specified\")", v);
		return -EINVAL;
	}
	return 0;
}

static void parse_route(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r)
{
	const config_setting_t *k[RK__COUNT];
	struct nh_route rt = { .table = NH_RT_TABLE_MAIN, .origin = nh_origin_of(c, g) };
	bool ok = true, dflt = false;
	uint64_t v;

	nh_scan_group(c, g, "route", route_keys, RK__COUNT, k);
	if (k[RK_VIA]) {
		if (nh_get_ip(c, k[RK_VIA], &rt.via) == 0)
			rt.has |= NH_ROUTE_HAS_VIA;
		else
			ok = false;
	}
	if (!k[RK_TO]) {
		if (!nh_key_given(g, "to"))
			nh_perror(c, rt.origin.line, "a route needs 'to' (\"default\" or ADDR/PREFIX)");
		ok = false;
	} else if (parse_route_to(c, k[RK_TO], &rt, &dflt) < 0) {
		ok = false;
	} else if (dflt) {
		rt.dst.family = rt.has & NH_ROUTE_HAS_VIA ? rt.via.family : AF_INET;
	} else if ((rt.has & NH_ROUTE_HAS_VIA) && rt.via.family != rt.dst.family) {
		nh_perror(c, nh_line(c, k[RK_VIA]), "gateway %s is %s but destination %s is %s",
			  config_setting_get_string(k[RK_VIA]), family_name(rt.via.family),
			  config_setting_get_string(k[RK_TO]), family_name(rt.dst.family));
		ok = false;
	}
	if (k[RK_DEV]) {
		if (nh_get_ifname(c, k[RK_DEV], rt.dev) == 0)
			rt.has |= NH_ROUTE_HAS_DEV;
		else
			ok = false;
	}
	if (k[RK_METRIC]) {
		if (nh_get_uint(c, k[RK_METRIC], 0, UINT32_MAX, &v) == 0) {
			rt.metric = (uint32_t)v;
			rt.has |= NH_ROUTE_HAS_METRIC;
		} else {
			ok = false;
		}
	}
	if (k[RK_TABLE]) {
		if (nh_get_uint(c, k[RK_TABLE], 1, UINT32_MAX, &v) < 0) {
			ok = false;
		} else if (v == RT_TABLE_LOCAL) {
			/* the kernel's: it adds and removes the local table's
			 * routes with the addresses, and netheal reads none of
			 * them (netlink/decode.c), so one asked for would be
			 * missing for ever and added again at every event */
			nh_perror(c, nh_line(c, k[RK_TABLE]), "'table': 255 is the local table, which the kernel "
				  "keeps for the addresses: a route there is not netheal's to manage");
			ok = false;
		} else {
			rt.table = (uint32_t)v;
		}
	}
	if (k[RK_REPLACE])
		rt.replace = config_setting_get_bool(k[RK_REPLACE]);
	if (!nh_key_given(g, "via") && !nh_key_given(g, "dev")) {
		nh_perror(c, rt.origin.line, "a route needs 'via' or 'dev'");
		ok = false;
	}
	if (ok && (rt.has & NH_ROUTE_HAS_VIA) && check_gateway(c, k[RK_VIA], &rt) < 0)
		ok = false;
	if (ok && nh_state_add_route(&r->want, &rt) < 0)
		c->err = -ENOMEM;
}

void nh_parse_routes(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'routes' must be a group { to = ...; }");
			continue;
		}
		parse_route(c, g, r);
	}
}

/* ---- namespace rules ---- */

enum { NK_NAME, NK_MATCH, NK_CREATE, NK_MODE, NK_LINKS, NK_ROUTES, NK_RULES, NK_NEIGHBOURS, NK_SYSCTL,
       NK_HOOKS, NK__COUNT };

static const struct nh_key netns_keys[NK__COUNT] = {
	[NK_NAME] = { "name", NH_KT_STRING },
	[NK_MATCH] = { "match", NH_KT_STRING },
	[NK_CREATE] = { "create", NH_KT_BOOL },
	[NK_MODE] = { "mode", NH_KT_STRING },
	[NK_LINKS] = { "links", NH_KT_LIST },
	[NK_ROUTES] = { "routes", NH_KT_LIST },
	[NK_RULES] = { "rules", NH_KT_LIST },
	[NK_NEIGHBOURS] = { "neighbours", NH_KT_LIST },
	[NK_SYSCTL] = { "sysctl", NH_KT_STRINGS },
	[NK_HOOKS] = { "hooks", NH_KT_GROUP },
};

enum { HK_ON_CREATE, HK_ON_HEAL, HK__COUNT };

static const struct nh_key hook_keys[HK__COUNT] = {
	[HK_ON_CREATE] = { "on_create", NH_KT_STRINGS },
	[HK_ON_HEAL] = { "on_heal", NH_KT_STRINGS },
};

static void parse_hooks(struct nh_pctx *c, const config_setting_t *g, struct nh_hooks *h)
{
	const config_setting_t *k[HK__COUNT];

	nh_scan_group(c, g, "'hooks'", hook_keys, HK__COUNT, k);
	if (k[HK_ON_CREATE] && nh_get_argv(c, k[HK_ON_CREATE], &h->on_create) == 0)
		h->on_create_origin = nh_origin_of(c, k[HK_ON_CREATE]);
	if (k[HK_ON_HEAL] && nh_get_argv(c, k[HK_ON_HEAL], &h->on_heal) == 0)
		h->on_heal_origin = nh_origin_of(c, k[HK_ON_HEAL]);
}

const char *nh_rule_label(const struct nh_netns_rule *r, char *buf, size_t size)
{
	if (r->match)
		snprintf(buf, size, "namespaces matching '%s'", r->match);
	else if (r->name[0])
		snprintf(buf, size, "namespace '%s'", r->name);
	else
		snprintf(buf, size, "the host namespace");
	return buf;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if (nh_is_control((unsigned char)*s))
			return true;
	return false;
}

static bool is_char_class(const char *name, size_t len)
{
	static const char *const classes[] = { "alnum", "alpha", "blank", "cntrl", "digit", "graph",
					       "lower", "print", "punct", "space", "upper", "xdigit" };

	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (strlen(classes[i]) == len && memcmp(classes[i], name, len) == 0)
			return true;
	return false;
}

/* The bracket expression whose '[' is at open: its ']' into *end, or why
 * it is refused into why (n bytes) and true. As glibc's fnmatch(3) reads
 * one: a ']' right after '[', '[!' or '[^' is a member, a backslash
 * escapes the next character (inside brackets too), "[:name:]" is a
 * class. Refused: no ']'; "[:" without its ":]" or naming no class (glibc
 * then takes it as members, or matches nothing); "[." and "[=" (collating
 * symbols and equivalence classes: nothing a namespace name needs, and
 * glibc reads malformed ones its own way); a reversed ASCII range ("z-a"
 * matches nothing); a non-ASCII byte (fnmatch in the C locale matches a
 * byte at a time: "[ñ]" would match neither byte of it alone). */
static bool bracket_fault(const char *open, const char **end, char *why, size_t n)
{
	const char *q = open + 1;
	bool escaped_close = false;
	int prev = -1;          /* the last single member, the start of a range */

	if (*q == '!' || *q == '^')
		q++;
	if (*q == ']')
		prev = *q++;
	for (; *q && *q != ']'; q++) {
		if ((unsigned char)*q >= 0x80) {
			snprintf(why, n, "has a non-ASCII character in a bracket: globs match bytes (netheal "
				 "runs in the C locale), a bracket one, and such a character is several in UTF-8 "
				 "(give each name its own rule, or use '*')");
			return true;
		}
		if (*q == '[' && (q[1] == '.' || q[1] == '=')) {
			snprintf(why, n, "has '[%c' in a bracket: collating symbols and equivalence classes are "
				 "not supported in a namespace glob (a literal '[' in a set is \"\\\\[\" in the file)",
				 q[1]);
			return true;
		}
		if (*q == '[' && q[1] == ':') {
			const char *e = strstr(q + 2, ":]");
			size_t len = e ? (size_t)(e - q - 2) : 0;

			if (!e || memchr(q + 2, ']', len)) {
				snprintf(why, n, "has '[:' without its ':]' in a bracket (a class is written "
					 "[:alpha:]; a literal '[' in a set is \"\\\\[\" in the file)");
				return true;
			}
			if (!is_char_class(q + 2, len)) {
				snprintf(why, n, "names '[:%.*s:]', which is not a character class (they are alnum, "
					 "alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit)",
					 (int)(len > 32 ? 32 : len), q + 2);
				return true;
			}
			q = e + 1;
			prev = -1;
			continue;
		}
		if (*q == '-' && prev >= 0 && q[1] && q[1] != ']') {
			int hi;

			q++;
			if (*q == '\\' && q[1])
				q++;
			hi = (unsigned char)*q;
			if (hi < 0x80 && prev < 0x80 && hi < prev) {
				snprintf(why, n, "has the range '%c-%c', which is reversed (it matches nothing; "
					 "did you mean '%c-%c'?)", prev, hi, hi, prev);
				return true;
			}
			prev = -1;
			continue;
		}
		if (*q == '\\' && q[1]) {
			q++;
			escaped_close |= *q == ']';
		}
		prev = (unsigned char)*q;
	}
	if (!*q) {
		snprintf(why, n, "has a '[' without its ']'%s: add the ']', or write a literal '[' as \"\\\\[\" "
			 "in the file (fnmatch would take the '[' literally)",
			 escaped_close ? " (a backslash escapes the ']' after it, inside brackets too)" : "");
		return true;
	}
	/* "[:digit:]" alone is the set of ':', 'd', 'i', 'g', 't' */
	if (open[1] == ':' && q - open >= 4 && q[-1] == ':') {
		snprintf(why, n, "has '%.*s', the set of the characters in it, not a class (a class is written "
			 "inside a bracket: [%.*s])", (int)(q - open + 1 > 40 ? 40 : q - open + 1), open,
			 (int)(q - open + 1 > 40 ? 40 : q - open + 1), open);
		return true;
	}
	*end = q;
	return false;
}

/* Why glob m is refused, written to why (n bytes), or false when it reads
 * as it looks (see bracket_fault). A lone backslash at its end matches no
 * name (glibc). */
static bool glob_fault(const char *m, char *why, size_t n)
{
	for (const char *p = m; *p; p++) {
		if (*p == '\\') {
			if (!p[1]) {
				snprintf(why, n, "ends in a lone backslash (it would match no name; a literal one "
					 "is \"\\\\\\\\\" in the file)");
				return true;
			}
			p++;
			continue;
		}
		if (*p == '[' && bracket_fault(p, &p, why, n))
			return true;
	}
	return false;
}

/* `name` or `match`, exactly one. Returns 0 when the rule has a valid one. */
static int parse_rule_id(struct nh_pctx *c, const config_setting_t *g, const config_setting_t **k,
			 struct nh_netns_rule *r)
{
	bool has_name = config_setting_get_member(g, "name");
	bool has_match = config_setting_get_member(g, "match");
	const char *m;
	char q[128], why[256];

	if (has_name == has_match) {
		nh_perror(c, r->origin.line, "a namespace rule needs exactly one of 'name' and 'match'%s",
			  has_name ? ", not both" : "");
		return -EINVAL;
	}
	if (has_name)
		return k[NK_NAME] ? nh_get_netns_name(c, k[NK_NAME], r->name) : -EINVAL;
	if (!k[NK_MATCH])
		return -EINVAL;
	m = config_setting_get_string(k[NK_MATCH]);
	if (!*m || strlen(m) >= NH_NETNS_NAMSIZ || strchr(m, '/') || has_control(m)) {
		nh_perror(c, nh_line(c, k[NK_MATCH]), "'match': '%s' is not a glob for namespace names (%s)",
			  nh_quote(m, q, sizeof(q)), !*m ? "it is empty" : strchr(m, '/') ? "no name has a '/'" :
			  has_control(m) ? "no name has a control character" : "longer than any name");
		return -EINVAL;
	}
	if (strcmp(m, ".") == 0 || strcmp(m, "..") == 0 || strncmp(m, "[.]", 3) == 0 || strcmp(m, "-") == 0) {
		nh_perror(c, nh_line(c, k[NK_MATCH]), "'match': '%s' matches no name (%s)", nh_quote(m, q, sizeof(q)),
			  m[0] == '[' ? "a leading '.' is matched only by a literal one, not by a bracket: FNM_PERIOD"
			  : m[0] == '-' ? "'-' is netheal's name for the host: a namespace of that name is not watched"
				      : "no namespace is named '.' or '..'");
		return -EINVAL;
	}
	/* no control character from here: the glob is shown as it is */
	if (glob_fault(m, why, sizeof(why))) {
		nh_perror(c, nh_line(c, k[NK_MATCH]), "'match': '%.64s%s' %s", m, strlen(m) > 64 ? "..." : "",
			  why);
		return -EINVAL;
	}
	r->match = strdup(m);
	if (!r->match) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

static int rule_append(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	struct nh_netns_rule **v = r->match ? &c->matched : &c->named;
	size_t *n = r->match ? &c->n_matched : &c->n_named;
	size_t *cap = r->match ? &c->cap_matched : &c->cap_named;

	if (nh_grow(v, cap, *n + 1, sizeof(**v)) < 0) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

void nh_drop_peers_since(struct nh_pctx *c, size_t n)
{
	while (c->n_peers > n)
		free(c->peers[--c->n_peers].addrs);
}

void nh_parse_netns(struct nh_pctx *c, const config_setting_t *g)
{
	const config_setting_t *k[NK__COUNT];
	struct nh_netns_rule r = { .create = true, .origin = nh_origin_of(c, g) };
	size_t peers_before = c->n_peers;
	bool ok;
	char where[NH_NETNS_NAMSIZ + 64];

	nh_scan_group(c, g, "namespace rule", netns_keys, NK__COUNT, k);
	ok = parse_rule_id(c, g, k, &r) == 0;
	if (k[NK_CREATE]) {
		if (r.match || config_setting_get_member(g, "match"))
			nh_perror(c, nh_line(c, k[NK_CREATE]), "'create' applies only to a rule with 'name': "
				  "a 'match' rule never creates a namespace");
		else
			r.create = config_setting_get_bool(k[NK_CREATE]);
	}
	if (k[NK_MODE])
		nh_get_mode(c, k[NK_MODE], &r.mode);
	nh_rule_label(&r, where, sizeof(where));
	if (k[NK_LINKS])
		nh_parse_links(c, k[NK_LINKS], &r, where);
	if (k[NK_ROUTES])
		nh_parse_routes(c, k[NK_ROUTES], &r);
	if (k[NK_RULES])
		nh_parse_rules(c, k[NK_RULES], &r);
	if (k[NK_NEIGHBOURS])
		nh_parse_neighbours(c, k[NK_NEIGHBOURS], &r);
	if (k[NK_SYSCTL])
		nh_parse_sysctls(c, k[NK_SYSCTL], &r);
	if (k[NK_HOOKS])
		parse_hooks(c, k[NK_HOOKS], &r.hooks);
	if (!ok || rule_append(c, &r) < 0) {
		/* its problems are reported; its veth peers have no owner */
		nh_drop_peers_since(c, peers_before);
		nh_rule_free(&r);
	}
}
