#include "model.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fnmatch.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "kind.h"
#include "nh_policy_paths.h"

const char *nh_origin_str(const struct nh_origin *o, char *buf, size_t size)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	if (o->file) {
		nh_strbuf_str(&b, o->file);
		nh_strbuf_chr(&b, ':');
		nh_strbuf_u64(&b, o->line);
	}
	return buf;
}

/* ---- prefixes ---- */

size_t nh_family_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int nh_ip_parse(const char *s, struct nh_prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->addr) == 1) {
		out->family = AF_INET;
		out->len = 32;
		return 0;
	}
	if (inet_pton(AF_INET6, s, out->addr) == 1) {
		out->family = AF_INET6;
		out->len = 128;
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -EINVAL;
}

int nh_prefix_parse(const char *s, struct nh_prefix *out)
{
	char ip[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long len;
	size_t n;

	if (!slash)
		return -EINVAL;
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (nh_ip_parse(ip, out) < 0)
		return -EINVAL;
	if (slash[1] < '0' || slash[1] > '9')
		return -EINVAL;
	errno = 0;
	len = strtoul(slash + 1, &end, 10);
	if (errno || *end || len > out->len || end - (slash + 1) > 3)
		return -EINVAL;
	out->len = (uint8_t)len;
	return 0;
}

const char *nh_prefix_why_not(const char *s, char *buf, size_t size)
{
	const char *slash = strchr(s, '/'), *len;
	struct nh_prefix p;
	char ip[INET6_ADDRSTRLEN + 1], shown[64];
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	/* the caller quotes s: nothing of it is repeated here but an address
	 * that parsed, as inet_ntop writes it */
	if (nh_prefix_parse(s, &p) == 0)
		return NULL;
	if (n == 0) {
		snprintf(buf, size, slash ? "the address before '/' is empty" : "it is empty");
		return buf;
	}
	if (n >= sizeof(ip) || (memcpy(ip, s, n), ip[n] = '\0', nh_ip_parse(ip, &p) < 0)) {
		snprintf(buf, size, "%s is not an IPv4 or IPv6 address", slash ? "the part before '/'" : "it");
		return buf;
	}
	if (!slash) {
		snprintf(buf, size, "the prefix length is missing (%s for the address alone)",
			 nh_prefix_str(&p, true, shown, sizeof(shown)));
		return buf;
	}
	len = slash + 1;
	if (!*len)
		snprintf(buf, size, "the prefix length after '/' is empty");
	else if (strspn(len, "0123456789") != strlen(len))
		snprintf(buf, size, "the prefix length is not a number");
	else if (strlen(len) > 3)
		snprintf(buf, size, "the prefix length has more than 3 digits");
	else
		snprintf(buf, size, "an %s prefix length is 0 to %u", p.family == AF_INET ? "IPv4" : "IPv6", p.len);
	return buf;
}

const char *nh_prefix_str(const struct nh_prefix *p, bool want_len, char *buf, size_t size)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	if (want_len)
		nh_strbuf_prefix(&b, p->family, p->addr, p->len);
	else
		nh_strbuf_ip(&b, p->family, p->addr);
	return buf;
}

const char *nh_prefix_dst_str(const struct nh_prefix *p, char *buf, size_t size)
{
	if (p->len == 0) {
		nh_strlcpy(buf, "default", size);
		return buf;
	}
	return nh_prefix_str(p, true, buf, size);
}

int nh_prefix_cmp(const struct nh_prefix *a, const struct nh_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->addr, b->addr, sizeof(a->addr));
	if (r)
		return r < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

struct nh_prefix nh_prefix_network(const struct nh_prefix *p)
{
	struct nh_prefix n = { .family = p->family, .len = p->len };
	unsigned int bits = p->len, i;

	for (i = 0; bits >= 8; i++, bits -= 8)
		n.addr[i] = p->addr[i];
	if (bits)
		n.addr[i] = (uint8_t)(p->addr[i] & (0xff << (8 - bits)));
	return n;
}

bool nh_prefix_contains(const struct nh_prefix *net, const struct nh_prefix *ip)
{
	unsigned int bits = net->len, i;

	if (net->family != ip->family)
		return false;
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (net->addr[i] != ip->addr[i])
			return false;
	if (bits) {
		uint8_t mask = (uint8_t)(0xff << (8 - bits));

		if ((net->addr[i] & mask) != (ip->addr[i] & mask))
			return false;
	}
	return true;
}

/* ---- MAC addresses ---- */

/* Six groups of 1-2 hex digits separated by ':', and nothing else. */
static bool mac_shape_ok(const char *s)
{
	for (int i = 0; i < 6; i++) {
		size_t n = strspn(s, "0123456789abcdefABCDEF");

		if (n < 1 || n > 2 || s[n] != (i < 5 ? ':' : '\0'))
			return false;
		s += n + 1;
	}
	return true;
}

int nh_mac_parse(const char *s, uint8_t out[6])
{
	struct ether_addr ea;

	if (!mac_shape_ok(s) || !ether_aton_r(s, &ea))
		return -EINVAL;
	memcpy(out, ea.ether_addr_octet, 6);
	return 0;
}

const char *nh_mac_str(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return buf;
}

bool nh_ip_is_multicast(const struct nh_prefix *ip)
{
	return ip->family == AF_INET ? (ip->addr[0] & 0xf0) == 0xe0 : ip->family == AF_INET6 && ip->addr[0] == 0xff;
}

bool nh_ip_is_unspecified(const struct nh_prefix *ip)
{
	size_t n = nh_family_addr_len(ip->family);

	for (size_t i = 0; i < n; i++)
		if (ip->addr[i])
			return false;
	return n > 0;
}

bool nh_ip_is_link_local6(const struct nh_prefix *ip)
{
	return ip->family == AF_INET6 && ip->addr[0] == 0xfe && (ip->addr[1] & 0xc0) == 0x80;
}

/* ---- object keys ---- */

int nh_address_key_cmp(const struct nh_address *a, const struct nh_address *b)
{
	int r = strcmp(a->link, b->link);

	if (r)
		return r < 0 ? -1 : 1;
	return nh_prefix_cmp(&a->prefix, &b->prefix);
}

bool nh_address_equal(const struct nh_address *a, const struct nh_address *b)
{
	return nh_address_key_cmp(a, b) == 0;
}

/* IPv6 has no metric 0: the kernel stores a route added without one (or
 * with 0) at 1024, so both mean the same route. */
static uint32_t route_metric(const struct nh_route *r)
{
	return r->dst.family == AF_INET6 && r->metric == 0 ? 1024 : r->metric;
}

int nh_route_key_cmp(const struct nh_route *a, const struct nh_route *b)
{
	if (a->dst.family != b->dst.family)
		return a->dst.family < b->dst.family ? -1 : 1;
	if (a->table != b->table)
		return a->table < b->table ? -1 : 1;
	if (nh_prefix_cmp(&a->dst, &b->dst))
		return nh_prefix_cmp(&a->dst, &b->dst);
	if (route_metric(a) != route_metric(b))
		return route_metric(a) < route_metric(b) ? -1 : 1;
	return 0;
}

const char *nh_route_type_word(const struct nh_route *r)
{
	switch (r->type) {
	case RTN_BLACKHOLE: return "blackhole";
	case RTN_UNREACHABLE: return "unreachable";
	case RTN_PROHIBIT: return "prohibit";
	case RTN_THROW: return "throw";
	default: return NULL;
	}
}

bool nh_route_satisfied(const struct nh_route *want, const struct nh_route *have)
{
	/* policy routes are unicast: a blackhole of the same key is in their way */
	if (nh_route_key_cmp(want, have) || nh_route_type_word(have))
		return false;
	if (want->has & NH_ROUTE_HAS_VIA) {
		if (!(have->has & NH_ROUTE_HAS_VIA) || nh_prefix_cmp(&want->via, &have->via))
			return false;
	}
	if ((want->has & NH_ROUTE_HAS_DEV) && strcmp(want->dev, have->dev) != 0)
		return false;
	return true;
}

int nh_link_key_cmp(const struct nh_link *a, const struct nh_link *b)
{
	int r = strcmp(a->name, b->name);

	return r < 0 ? -1 : r > 0;
}

/* ---- enums ---- */

const char *nh_mode_to_string(enum nh_mode m)
{
	switch (m) {
	case NH_MODE_ENFORCE:
		return "enforce";
	case NH_MODE_AUDIT:
		return "audit";
	default:
		return "inherit";
	}
}

/* ---- state ---- */

void nh_state_init(struct nh_state *s)
{
	memset(s, 0, sizeof(*s));
}

void nh_state_free(struct nh_state *s)
{
	if (!s)
		return;
	free(s->links);
	free(s->addrs);
	free(s->routes);
	free(s->sysctls);
	free(s->rules);
	free(s->neighs);
	free(s->netconfs);
	nh_state_init(s);
}

static int link_cmp(const void *a, const void *b)
{
	return nh_link_key_cmp(a, b);
}

static int addr_cmp(const void *a, const void *b)
{
	return nh_address_key_cmp(a, b);
}

static int route_cmp(const void *a, const void *b)
{
	return nh_route_key_cmp(a, b);
}

static int sysctl_cmp(const void *a, const void *b)
{
	return nh_sysctl_key_cmp(a, b);
}

static int frule_cmp(const void *a, const void *b)
{
	return nh_fib_rule_cmp(a, b);
}

static int neigh_cmp(const void *a, const void *b)
{
	return nh_neigh_key_cmp(a, b);
}

void nh_state_sort(struct nh_state *s)
{
	if (s->n_links)
		qsort(s->links, s->n_links, sizeof(*s->links), link_cmp);
	s->links_unsorted = false;
	if (s->n_addrs)
		qsort(s->addrs, s->n_addrs, sizeof(*s->addrs), addr_cmp);
	if (s->n_routes)
		qsort(s->routes, s->n_routes, sizeof(*s->routes), route_cmp);
	if (s->n_sysctls)
		qsort(s->sysctls, s->n_sysctls, sizeof(*s->sysctls), sysctl_cmp);
	if (s->n_rules)
		qsort(s->rules, s->n_rules, sizeof(*s->rules), frule_cmp);
	if (s->n_neighs)
		qsort(s->neighs, s->n_neighs, sizeof(*s->neighs), neigh_cmp);
}

static void shrink(void *arrayp, size_t n, size_t *cap, size_t size)
{
	void **p = arrayp;
	void *q;

	if (n == *cap)
		return;
	if (n == 0) {
		free(*p);
		*p = NULL;
		*cap = 0;
		return;
	}
	q = realloc(*p, n * size);
	if (q) {
		*p = q;
		*cap = n;
	}
}

void nh_state_shrink(struct nh_state *s)
{
	shrink(&s->links, s->n_links, &s->cap_links, sizeof(*s->links));
	shrink(&s->addrs, s->n_addrs, &s->cap_addrs, sizeof(*s->addrs));
	shrink(&s->routes, s->n_routes, &s->cap_routes, sizeof(*s->routes));
	shrink(&s->sysctls, s->n_sysctls, &s->cap_sysctls, sizeof(*s->sysctls));
	shrink(&s->rules, s->n_rules, &s->cap_rules, sizeof(*s->rules));
	shrink(&s->neighs, s->n_neighs, &s->cap_neighs, sizeof(*s->neighs));
	shrink(&s->netconfs, s->n_netconfs, &s->cap_netconfs, sizeof(*s->netconfs));
}

#define STATE_ADD(s, arr, n, cap, obj) \
	do { \
		int r_ = nh_grow(&(s)->arr, &(s)->cap, (s)->n + 1, sizeof(*(s)->arr)); \
		if (r_ < 0) \
			return r_; \
		(s)->arr[(s)->n++] = *(obj); \
		return 0; \
	} while (0)

int nh_state_add_link(struct nh_state *s, const struct nh_link *l)
{
	if (s->n_links && strcmp(s->links[s->n_links - 1].name, l->name) > 0)
		s->links_unsorted = true;
	STATE_ADD(s, links, n_links, cap_links, l);
}

int nh_state_add_address(struct nh_state *s, const struct nh_address *a)
{
	STATE_ADD(s, addrs, n_addrs, cap_addrs, a);
}

int nh_state_add_route(struct nh_state *s, const struct nh_route *r)
{
	STATE_ADD(s, routes, n_routes, cap_routes, r);
}

int nh_state_add_sysctl(struct nh_state *s, const struct nh_sysctl *k)
{
	STATE_ADD(s, sysctls, n_sysctls, cap_sysctls, k);
}

int nh_state_add_rule(struct nh_state *s, const struct nh_fib_rule *r)
{
	STATE_ADD(s, rules, n_rules, cap_rules, r);
}

int nh_state_add_neigh(struct nh_state *s, const struct nh_neigh *n)
{
	STATE_ADD(s, neighs, n_neighs, cap_neighs, n);
}

const struct nh_netconf *nh_state_netconf(const struct nh_state *s, uint8_t family, int ifindex)
{
	for (size_t i = 0; i < s->n_netconfs; i++)
		if (s->netconfs[i].family == family && s->netconfs[i].ifindex == ifindex)
			return &s->netconfs[i];
	return NULL;
}

int nh_state_netconf_merge(struct nh_state *s, const struct nh_netconf *nc)
{
	struct nh_netconf *e = (struct nh_netconf *)nh_state_netconf(s, nc->family, nc->ifindex);

	if (!e) {
		const struct nh_netconf fresh = { .family = nc->family, .ifindex = nc->ifindex };

		if (nh_grow(&s->netconfs, &s->cap_netconfs, s->n_netconfs + 1, sizeof(*s->netconfs)) < 0)
			return -ENOMEM;
		e = &s->netconfs[s->n_netconfs++];
		*e = fresh;
	}
	for (int v = 0; v < NH_NETCONF__COUNT; v++) {
		if (!(nc->has & (1u << v)))
			continue;
		e->has |= 1u << v;
		e->value[v] = nc->value[v];
	}
	return 0;
}

void nh_state_netconf_forget(struct nh_state *s, uint8_t family, int ifindex)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_netconfs; i++) {
		const struct nh_netconf *e = &s->netconfs[i];
		bool match = (!family || e->family == family) && (ifindex ? e->ifindex == ifindex : e->ifindex > 0);

		if (!match)
			s->netconfs[j++] = *e;
	}
	s->n_netconfs = j;
}

int nh_state_copy(struct nh_state *dst, const struct nh_state *src)
{
	nh_state_init(dst);
	for (size_t i = 0; i < src->n_links; i++)
		if (nh_state_add_link(dst, &src->links[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_addrs; i++)
		if (nh_state_add_address(dst, &src->addrs[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_routes; i++)
		if (nh_state_add_route(dst, &src->routes[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_sysctls; i++)
		if (nh_state_add_sysctl(dst, &src->sysctls[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_rules; i++)
		if (nh_state_add_rule(dst, &src->rules[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_neighs; i++)
		if (nh_state_add_neigh(dst, &src->neighs[i]) < 0)
			goto fail;
	for (size_t i = 0; i < src->n_netconfs; i++)
		if (nh_state_netconf_merge(dst, &src->netconfs[i]) < 0)
			goto fail;
	return 0;
fail:
	nh_state_free(dst);
	return -ENOMEM;
}

const struct nh_address *nh_state_find_address(const struct nh_state *s, const struct nh_address *key)
{
	return s->n_addrs ? bsearch(key, s->addrs, s->n_addrs, sizeof(*s->addrs), addr_cmp) : NULL;
}

const struct nh_route *nh_state_find_route(const struct nh_state *s, const struct nh_route *key)
{
	return s->n_routes ? bsearch(key, s->routes, s->n_routes, sizeof(*s->routes), route_cmp) : NULL;
}

const struct nh_neigh *nh_state_find_neigh(const struct nh_state *s, const struct nh_neigh *key)
{
	return s->n_neighs ? bsearch(key, s->neighs, s->n_neighs, sizeof(*s->neighs), neigh_cmp) : NULL;
}

/* A binary search; a state built out of order (links_unsorted) is still
 * searched whole on a miss. Misses are common (the host's diff asks for
 * each missing peer end among its 1000), so a sorted state must not scan. */
struct nh_link *nh_state_link_by_name(const struct nh_state *s, const char *name)
{
	size_t lo = 0, hi = s->n_links;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(s->links[mid].name, name);

		if (r == 0)
			return &s->links[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; s->links_unsorted && i < s->n_links; i++)
		if (strcmp(s->links[i].name, name) == 0)
			return &s->links[i];
	return NULL;
}

struct nh_link *nh_state_link_by_index(const struct nh_state *s, int ifindex)
{
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

/* Sorted by key first, as links by name above. */
struct nh_sysctl *nh_state_sysctl(const struct nh_state *s, const char *key)
{
	size_t lo = 0, hi = s->n_sysctls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = strcmp(s->sysctls[mid].key, key);

		if (r == 0)
			return &s->sysctls[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = 0; i < s->n_sysctls; i++)
		if (strcmp(s->sysctls[i].key, key) == 0)
			return &s->sysctls[i];
	return NULL;
}

/* ---- policy ---- */

void nh_settings_defaults(struct nh_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->mode = NH_MODE_ENFORCE;
	s->policy_dir = strdup(NH_DEFAULT_POLICY_DIR);    /* SYSCONFDIR/netheal/policy.d */
	s->netns_dir = strdup("/run/netns");
	s->resync_interval = 300;
	s->backoff.flap_count = 5;
	s->backoff.flap_window = 60;
	s->backoff.initial_ms = 1000;
	s->backoff.max_ms = 300000;
	s->hook_timeout = 30;
	s->status_file = strdup("/run/netheal/status.json");
	s->metrics_file = strdup("");
}

static void argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

void nh_rule_free(struct nh_netns_rule *r)
{
	free(r->match);
	nh_state_free(&r->want);
	argv_free(r->hooks.on_create);
	argv_free(r->hooks.on_heal);
	free(r->refs);
	r->refs = NULL;
	r->n_refs = 0;
	r->refs_known = false;
	free(r->dsts);
	r->dsts = NULL;
	r->n_dsts = 0;
}

static void refer(struct nh_netns_rule *r, const char *name)
{
	struct nh_link *l = name[0] ? nh_state_link_by_name(&r->want, name) : NULL;

	if (l)
		l->flags |= NH_LINK_FLAG_REFERENCED;
}

static int prefix_qcmp(const void *a, const void *b)
{
	return nh_prefix_cmp(a, b);
}

bool nh_rule_has_dst(const struct nh_netns_rule *r, const struct nh_prefix *dst)
{
	return r->n_dsts && bsearch(dst, r->dsts, r->n_dsts, sizeof(*r->dsts), prefix_qcmp);
}

/* r->dsts: its routes' destinations and its addresses' networks, sorted,
 * each once. */
static int index_dsts(struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	size_t n = 0;

	if (!s->n_routes && !s->n_addrs)
		return 0;
	r->dsts = calloc(s->n_routes + s->n_addrs, sizeof(*r->dsts));
	if (!r->dsts)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_routes; i++)
		r->dsts[n++] = s->routes[i].dst;
	for (size_t i = 0; i < s->n_addrs; i++)
		r->dsts[n++] = nh_prefix_network(&s->addrs[i].prefix);
	qsort(r->dsts, n, sizeof(*r->dsts), prefix_qcmp);
	r->n_dsts = 0;
	for (size_t i = 0; i < n; i++)
		if (!r->n_dsts || nh_prefix_cmp(&r->dsts[r->n_dsts - 1], &r->dsts[i]) != 0)
			r->dsts[r->n_dsts++] = r->dsts[i];
	return 0;
}

int nh_rule_index_refs(struct nh_netns_rule *r)
{
	const struct nh_state *s = &r->want;
	size_t n = 0;

	free(r->refs);
	r->refs = NULL;
	r->n_refs = 0;
	r->refs_known = false;
	free(r->dsts);
	r->dsts = NULL;
	r->n_dsts = 0;
	for (size_t i = 0; i < s->n_links; i++)
		s->links[i].flags &= ~NH_LINK_FLAG_REFERENCED;
	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *l = &s->links[i];

		refer(r, l->master);
		/* a parent in the host is not a link of a namespace's rule */
		if (!nh_kind_has(l->kind, NH_KIND_PARENT_IN_HOST) || (!r->match && !r->name[0]))
			refer(r, l->parent);
	}
	for (size_t i = 0; i < s->n_addrs; i++)
		refer(r, s->addrs[i].link);
	for (size_t i = 0; i < s->n_routes; i++)
		refer(r, s->routes[i].dev);
	for (size_t i = 0; i < s->n_sysctls; i++)
		refer(r, s->sysctls[i].link);
	for (size_t i = 0; i < s->n_rules; i++) {
		refer(r, s->rules[i].iif);
		refer(r, s->rules[i].oif);
	}
	for (size_t i = 0; i < s->n_neighs; i++)
		refer(r, s->neighs[i].dev);
	for (size_t i = 0; i < s->n_links; i++)
		n += (s->links[i].flags & NH_LINK_FLAG_REFERENCED) != 0;
	if (n && !(r->refs = calloc(n, sizeof(*r->refs))))
		return -ENOMEM;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].flags & NH_LINK_FLAG_REFERENCED)
			r->refs[r->n_refs++] = i;
	if (index_dsts(r) < 0)
		return -ENOMEM;
	r->refs_known = true;
	return 0;
}

void nh_policy_free(struct nh_policy *p)
{
	if (!p)
		return;
	free(p->settings.policy_dir);
	free(p->settings.netns_dir);
	free(p->settings.status_file);
	free(p->settings.metrics_file);
	nh_rule_free(&p->host);
	for (size_t i = 0; i < p->n_netns; i++)
		nh_rule_free(&p->netns[i]);
	free(p->netns);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	memset(p, 0, sizeof(*p));
}

const struct nh_netns_rule *nh_policy_rule_for(const struct nh_policy *p, const char *netns)
{
	if (!*netns)
		return &p->host;
	for (size_t i = 0; i < p->n_netns; i++)
		if (!p->netns[i].match && strcmp(p->netns[i].name, netns) == 0)
			return &p->netns[i];
	for (size_t i = 0; i < p->n_netns; i++)
		if (p->netns[i].match && fnmatch(p->netns[i].match, netns, FNM_PERIOD) == 0)
			return &p->netns[i];
	return NULL;
}

enum nh_mode nh_rule_mode(const struct nh_policy *p, const struct nh_netns_rule *r)
{
	if (r && r->mode != NH_MODE_INHERIT)
		return r->mode;
	return p->settings.mode;
}
