/*
 * `export`: observed namespaces written as a policy (policy/export.h says
 * what is written and what is left out). Each namespace is written from its
 * own state only, but for veth pairs: a pair is written once, at its
 * primary end (the end in a named namespace when the other is in the host;
 * else the end in the namespace, or of the name, that sorts first), with
 * the other end in `peer`.
 */
#include "export.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "common/util.h"
#include "kind.h"
#include "parse_int.h"

struct nh_export_writer {
	FILE *f;
};

struct ctx {
	const struct nh_export *x;
	FILE *out, *notes;
	size_t ns;                      /* the namespace being written */
	const char *label;              /* "host" or its name, for notes */
	const struct nh_state *defaults;
	size_t no_default;              /* settings with nothing to compare with */
};

/* ---- values ---- */

/* A libconfig string: only '"' and '\' need escaping; names and values
 * with control characters are never written. */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* libconfig reads an integer literal past INT32_MAX only with the L suffix. */
static void put_uint(FILE *f, uint64_t v)
{
	fprintf(f, "%llu%s", (unsigned long long)v, v > INT32_MAX ? "L" : "");
}

void nh_ew_str(struct nh_export_writer *w, const char *key, const char *value)
{
	fprintf(w->f, " %s = ", key);
	put_str(w->f, value);
	fputc(';', w->f);
}

void nh_ew_uint(struct nh_export_writer *w, const char *key, uint64_t value)
{
	fprintf(w->f, " %s = ", key);
	put_uint(w->f, value);
	fputc(';', w->f);
}

void nh_ew_ip(struct nh_export_writer *w, const char *key, const struct nh_prefix *ip)
{
	char buf[64];

	nh_ew_str(w, key, nh_prefix_str(ip, false, buf, sizeof(buf)));
}

static void note(struct ctx *c, const char *fmt, ...) NH_PRINTF(2, 3);
static void note(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (!c->notes)
		return;
	fprintf(c->notes, "netheal export: %s: ", c->label);
	va_start(ap, fmt);
	vfprintf(c->notes, fmt, ap);
	va_end(ap);
	fputc('\n', c->notes);
}

/* A list (`links = ( ... );`): its items go to a buffer first, so that an
 * empty list is not written at all. */
struct section {
	FILE *saved, *m;
	char *buf;
	size_t len, n;
	const char *indent;
};

static int section_begin(struct ctx *c, struct section *sec, const char *indent)
{
	memset(sec, 0, sizeof(*sec));
	sec->indent = indent;
	sec->m = open_memstream(&sec->buf, &sec->len);
	if (!sec->m)
		return -ENOMEM;
	sec->saved = c->out;
	c->out = sec->m;
	return 0;
}

/* Before each item: what separates it from the one before. */
static void section_item(struct ctx *c, struct section *sec)
{
	fprintf(c->out, "%s%s  ", sec->n ? ",\n" : "", sec->indent);
	sec->n++;
}

static int section_end(struct ctx *c, struct section *sec, const char *key, char open, char close)
{
	int r = 0;

	c->out = sec->saved;
	if (fclose(sec->m) != 0)
		r = -ENOMEM;
	else if (sec->n)
		fprintf(c->out, "%s%s = %c\n%s\n%s%c;\n", sec->indent, key, open, sec->buf, sec->indent, close);
	free(sec->buf);
	return r;
}

static const struct nh_state *have(const struct ctx *c)
{
	return c->x->ns[c->ns].have;
}

/* The exported namespace named name, or n. */
static size_t ns_index(const struct nh_export *x, const char *name)
{
	for (size_t i = 0; i < x->n; i++)
		if (strcmp(x->ns[i].name, name) == 0)
			return i;
	return x->n;
}

/* ---- links ---- */

/* Made by the kernel with every namespace (fallback tunnels such as sit0):
 * a new namespace has it too, of the same kind. lo is the policy's. */
static bool kernel_link(const struct ctx *c, const struct nh_link *l)
{
	const struct nh_link *f = c->x->fresh ? nh_state_link_by_name(c->x->fresh, l->name) : NULL;

	return f && strcmp(l->name, "lo") != 0 && strcmp(f->kind_name, l->kind_name) == 0;
}

/* Whether link name of this namespace is written (objects on it may be). */
static bool link_written(const struct ctx *c, const char *name)
{
	const struct nh_link *l = nh_state_link_by_name(have(c), name);

	return l && nh_ifname_valid(l->name) && !kernel_link(c, l);
}

enum veth_role {
	VETH_NONE = 0,          /* not a pair the policy can say: written without kind */
	VETH_PRIMARY,           /* written with `peer` */
	VETH_PEER,              /* written in its partner's `peer` */
};

/* The state of the namespace named name that x->known has (a namespace not
 * written), or NULL. */
static const struct nh_state *known_state(const struct nh_export *x, const char *name)
{
	for (size_t i = 0; x->known && i < x->n_known; i++)
		if (strcmp(x->known[i].name, name) == 0)
			return x->known[i].have;
	return NULL;
}

/* The peer of veth l, in the namespace it names (*pns; x->n when it is
 * not written and x->known has it) whose state is *ps: NULL when not l's
 * partner, or in a namespace neither written nor known. */
static const struct nh_link *veth_peer(const struct ctx *c, const struct nh_link *l, size_t *pns,
				       const struct nh_state **ps)
{
	const struct nh_link *p;

	if (!(l->has & NH_LINK_HAS_PEER) || !nh_ifname_valid(l->peer_name))
		return NULL;
	*pns = ns_index(c->x, l->peer_netns);
	if (*pns < c->x->n)
		*ps = c->x->ns[*pns].have;
	else if (!(*ps = known_state(c->x, l->peer_netns)) ||
		 (l->peer_netns[0] && !nh_netns_name_valid(l->peer_netns)))
		return NULL;
	p = nh_state_link_by_name(*ps, l->peer_name);
	if (!p || p->kind != l->kind || !(p->has & NH_LINK_HAS_PEER) || strcmp(p->peer_name, l->name) != 0 ||
	    strcmp(p->peer_netns, c->x->ns[c->ns].name) != 0)
		return NULL;
	return p;
}

static enum veth_role veth_role(const struct ctx *c, const struct nh_link *l, const struct nh_link **peer,
				size_t *pns, const struct nh_state **ps)
{
	const char *here = c->x->ns[c->ns].name, *there;
	int r;

	*peer = NULL;
	if (!nh_kind_has(l->kind, NH_KIND_PAIR) || !(l->has & NH_LINK_HAS_PEER) || !nh_ifname_valid(l->peer_name))
		return VETH_NONE;
	*peer = veth_peer(c, l, pns, ps);
	if (!*peer) {
		/* The peer is in a namespace not written: the host always has
		 * a rule (a policy without top-level objects still means the
		 * host), so a peer there is fine; elsewhere it is not. */
		if (l->peer_netns[0] || !here[0])
			return VETH_NONE;
		return VETH_PRIMARY;
	}
	there = l->peer_netns;
	if (strcmp(here, there) == 0)
		r = strcmp(l->name, l->peer_name);
	else if (!here[0] || !there[0])
		r = here[0] ? -1 : 1;   /* the named side is primary */
	else
		r = strcmp(here, there);
	return r < 0 ? VETH_PRIMARY : VETH_PEER;
}

/* Whether a parent kind can be said: its parent in the host. */
static bool parent_ok(const struct ctx *c, const struct nh_link *l)
{
	if (!nh_kind_has(l->kind, NH_KIND_NEEDS_PARENT))
		return true;
	if (!(l->has & NH_LINK_HAS_PARENT) || !nh_ifname_valid(l->parent))
		return false;
	/* in the host, the parent must be written there too */
	return c->x->ns[c->ns].name[0] || link_written(c, l->parent);
}

static bool mac_writable(const struct nh_link *l)
{
	static const uint8_t zero[6];

	return (l->has & NH_LINK_HAS_MAC) && !(l->mac[0] & 1) && memcmp(l->mac, zero, 6) != 0;
}

/* Whether l takes ports and its MAC is the one the kernel would give it
 * from them: a bridge takes the lowest MAC of its ports unless one was set
 * on it (br_stp_recalculate_bridge_id). Written, it would pin the MAC of a
 * port that may go; a MAC set to another port's, or to none of theirs, is
 * the operator's and written. */
static bool mac_from_port(const struct nh_state *s, const struct nh_link *l)
{
	const uint8_t *lowest = NULL;

	if (!nh_kind_has(l->kind, NH_KIND_TAKES_PORTS))
		return false;
	for (size_t i = 0; i < s->n_links; i++) {
		const struct nh_link *port = &s->links[i];

		if (strcmp(port->master, l->name) == 0 && (port->has & NH_LINK_HAS_MAC) &&
		    (!lowest || memcmp(port->mac, lowest, sizeof(port->mac)) < 0))
			lowest = port->mac;
	}
	return lowest && memcmp(lowest, l->mac, sizeof(l->mac)) == 0;
}

/* Addresses a policy names: not the kernel's own (loopback on lo,
 * link-local), not temporary or dynamic (SLAAC, DHCP). */
static bool address_written(const struct nh_address *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };
	const struct nh_prefix *p = &a->prefix;

	if (p->family == AF_INET6 && p->addr[0] == 0xfe && (p->addr[1] & 0xc0) == 0x80)
		return false;
	if (strcmp(a->link, "lo") == 0 && ((p->family == AF_INET && p->addr[0] == 127 && p->len == 8) ||
					    (p->family == AF_INET6 && !memcmp(p->addr, loop6, 16))))
		return false;
	/* IFA_F_TEMPORARY is IFA_F_SECONDARY's bit: temporary only in IPv6
	 * (an IPv4 secondary, a second address in a prefix, is the operator's) */
	return !(p->family == AF_INET6 && (a->flags & IFA_F_TEMPORARY)) && !a->dynamic;
}

static void put_addresses(FILE *f, const struct nh_state *s, const char *link)
{
	bool first = true;
	char buf[64];

	for (size_t i = 0; i < s->n_addrs; i++) {
		if (strcmp(s->addrs[i].link, link) != 0 || !address_written(&s->addrs[i]))
			continue;
		fputs(first ? " addresses = [ " : ", ", f);
		put_str(f, nh_prefix_str(&s->addrs[i].prefix, true, buf, sizeof(buf)));
		first = false;
	}
	if (!first)
		fputs(" ];", f);
}

/* master, up, mtu, mac, addresses: every link's and a peer's. */
static void put_settings(FILE *f, const struct nh_state *s, const struct nh_link *l, bool master_ok)
{
	char mac[NH_MAC_STRLEN];

	if (master_ok && l->master[0]) {
		fputs(" master = ", f);
		put_str(f, l->master);
		fputc(';', f);
	}
	if (!l->up)
		fputs(" up = false;", f);
	if ((l->has & NH_LINK_HAS_MTU) && l->mtu >= 68 && l->mtu <= 65536)
		fprintf(f, " mtu = %u;", l->mtu);
	if (mac_writable(l) && !mac_from_port(s, l)) {
		fputs(" mac = ", f);
		put_str(f, nh_mac_str(l->mac, mac, sizeof(mac)));
		fputc(';', f);
	}
	put_addresses(f, s, l->name);
}

/* A port's master, when it is written in the same namespace. */
static bool master_ok(struct ctx *c, const struct nh_state *s, const struct nh_link *l, const char *where)
{
	const struct nh_link *m;

	if (!l->master[0])
		return false;
	m = nh_state_link_by_name(s, l->master);
	if (m && nh_ifname_valid(m->name) && nh_kind_has(m->kind, NH_KIND_TAKES_PORTS))
		return true;
	note(c, "link %s%s: its master %s is no bridge netheal knows of: master not written", l->name, where,
	     l->master);
	return false;
}

/* An address written that the kernel holds with noprefixroute: a policy
 * cannot say that, and the address netheal would put back has its prefix
 * route. */
static void note_noprefixroute(struct ctx *c, const struct nh_state *s, const struct nh_link *l, const char *where)
{
	char buf[64];

	for (size_t i = 0; i < s->n_addrs; i++)
		if (strcmp(s->addrs[i].link, l->name) == 0 && address_written(&s->addrs[i]) &&
		    (s->addrs[i].flags & IFA_F_NOPREFIXROUTE))
			note(c, "address %s on %s%s: noprefixroute, which a policy cannot say: written without it "
			     "(put back by netheal, it would come with its prefix route)",
			     nh_prefix_str(&s->addrs[i].prefix, true, buf, sizeof(buf)), l->name, where);
}

static void put_link(struct ctx *c, struct section *sec, const struct nh_link *l)
{
	struct nh_export_writer w = { c->out };
	const struct nh_link *peer;
	const struct nh_state *ps = NULL;
	const struct nh_kind *kind = l->kind;
	enum veth_role role = VETH_NONE;
	size_t pns = 0;

	if (!nh_ifname_valid(l->name)) {
		note(c, "link '%s': a policy cannot name it (netheal.conf(5): 1-15 bytes, no '%%', ':', '/' "
		     "or whitespace): not written, nor what is on it", l->name);
		return;
	}
	if (kernel_link(c, l))
		return;
	if (nh_kind_has(kind, NH_KIND_PAIR)) {
		role = veth_role(c, l, &peer, &pns, &ps);
		if (role == VETH_PEER && pns == c->x->n)
			note(c, "veth %s: written with its peer %s, by netheal export --netns %s", l->name,
			     l->peer_name, l->peer_netns[0] ? l->peer_netns : "-");
		if (role == VETH_PEER)
			return;
		if (role == VETH_NONE) {
			note(c, "veth %s: its peer is not in a namespace written here: written as a link "
			     "netheal does not create", l->name);
			kind = NULL;
		}
	} else if (kind && !parent_ok(c, l)) {
		note(c, "%s %s: its parent is not a link of the host namespace: written as a link netheal "
		     "does not create", kind->name, l->name);
		kind = NULL;
	} else if (!kind && !l->kind_name[0] && c->x->ns[c->ns].name[0] && strcmp(l->name, "lo") != 0) {
		kind = &nh_kind_physical;       /* a device of no kind in a namespace: SPEC §1 Option 1 */
	}
	section_item(c, sec);
	fputs("{ name = ", c->out);
	put_str(c->out, l->name);
	fputc(';', c->out);
	if (kind) {
		fputs(" kind = ", c->out);
		put_str(c->out, kind->name);
		fputc(';', c->out);
		if (kind->syntax && kind->syntax->write)
			kind->syntax->write(l, &w);
	}
	put_settings(c->out, have(c), l, master_ok(c, have(c), l, ""));
	note_noprefixroute(c, have(c), l, "");
	if (role != VETH_PRIMARY) {
		fputs(" }", c->out);
		return;
	}
	fprintf(c->out, "\n%s    peer = { name = ", sec->indent);
	put_str(c->out, l->peer_name);
	fputc(';', c->out);
	if (l->peer_netns[0]) {
		fputs(" netns = ", c->out);
		put_str(c->out, l->peer_netns);
		fputc(';', c->out);
	}
	if (peer) {     /* its master is checked where it lives */
		put_settings(c->out, ps, peer, master_ok(c, ps, peer, " (a veth peer)"));
		note_noprefixroute(c, ps, peer, " (a veth peer)");
	}
	fputs(" }; }", c->out);
}

static int put_links(struct ctx *c, const char *indent)
{
	const struct nh_state *s = have(c);
	struct section sec;

	if (section_begin(c, &sec, indent) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_links; i++)
		put_link(c, &sec, &s->links[i]);
	return section_end(c, &sec, "links", '(', ')');
}

/* ---- routes ---- */

/* Routes a policy names: not the kernel's (protocol kernel, redirect),
 * not a router's or a DHCP client's. */
static bool route_written(struct ctx *c, const struct nh_route *r)
{
	const char *type = nh_route_type_word(r);
	char dst[64];

	if (r->protocol == RTPROT_KERNEL || r->protocol == RTPROT_REDIRECT || r->protocol == RTPROT_RA ||
	    r->protocol == RTPROT_DHCP)
		return false;
	nh_prefix_str(&r->dst, true, dst, sizeof(dst));
	if (type) {
		note(c, "route %s (table %u): %s %s route, which a policy cannot say: not written", dst, r->table,
		     type[0] == 'u' ? "an" : "a", type);
		return false;
	}
	if (r->multipath) {
		note(c, "route %s (table %u): several nexthops, which a policy cannot say: not written", dst, r->table);
		return false;
	}
	if ((r->has & NH_ROUTE_HAS_VIA) && r->via.family != r->dst.family) {
		note(c, "route %s (table %u): a gateway of another family, which a policy cannot say: not written",
		     dst, r->table);
		return false;
	}
	if (!r->dev[0] || !link_written(c, r->dev)) {
		note(c, "route %s (table %u): its device is not written: not written", dst, r->table);
		return false;
	}
	return true;
}

static void put_route(FILE *f, const struct nh_route *r)
{
	char buf[64];

	/* "default" takes its family from the gateway: an IPv6 default route
	 * without one is "::/0" */
	fputs("{ to = ", f);
	if (r->dst.len || (r->dst.family == AF_INET6 && !(r->has & NH_ROUTE_HAS_VIA)))
		put_str(f, nh_prefix_str(&r->dst, true, buf, sizeof(buf)));
	else
		put_str(f, "default");
	fputc(';', f);
	if (r->has & NH_ROUTE_HAS_VIA) {
		fputs(" via = ", f);
		put_str(f, nh_prefix_str(&r->via, false, buf, sizeof(buf)));
		fputc(';', f);
	}
	fputs(" dev = ", f);
	put_str(f, r->dev);
	fputc(';', f);
	if (r->metric && !(r->dst.family == AF_INET6 && r->metric == 1024)) {
		fputs(" metric = ", f);
		put_uint(f, r->metric);
		fputc(';', f);
	}
	if (r->table != NH_RT_TABLE_MAIN) {
		fputs(" table = ", f);
		put_uint(f, r->table);
		fputc(';', f);
	}
	fputs(" }", f);
}

static int put_routes(struct ctx *c, const char *indent)
{
	const struct nh_state *s = have(c);
	const struct nh_route *last = NULL;
	struct section sec;
	char dst[64];

	if (section_begin(c, &sec, indent) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *r = &s->routes[i];

		if (!route_written(c, r))
			continue;
		if (last && nh_route_key_cmp(last, r) == 0) {
			note(c, "route %s (table %u, metric %u): another route of the same key is written: not "
			     "written", nh_prefix_str(&r->dst, true, dst, sizeof(dst)), r->table, r->metric);
			continue;
		}
		section_item(c, &sec);
		put_route(c->out, r);
		last = r;
	}
	return section_end(c, &sec, "routes", '(', ')');
}

/* ---- rules ---- */

/* The kernel's own rules, also on kernels that do not say so (before
 * FRA_PROTOCOL): no selector, looking up local at 0, main at 32766,
 * default at 32767. */
static bool kernel_rule(const struct nh_fib_rule *r)
{
	if (r->protocol == RTPROT_KERNEL)
		return true;
	return !r->has && r->action == NH_FRULE_TABLE &&
	       ((r->priority == 0 && r->table == RT_TABLE_LOCAL) ||
		(r->priority == 32766 && r->table == RT_TABLE_MAIN) ||
		(r->priority == 32767 && r->table == RT_TABLE_DEFAULT));
}

static bool rule_written(struct ctx *c, const struct nh_fib_rule *r)
{
	if (kernel_rule(r))
		return false;
	if (r->has & NH_FRULE_HAS_OTHER) {
		note(c, "rule %u (%s): a selector or action a policy cannot say: not written", r->priority,
		     r->family == AF_INET6 ? "inet6" : "inet");
		return false;
	}
	if (((r->has & NH_FRULE_HAS_IIF) && !nh_ifname_valid(r->iif)) ||
	    ((r->has & NH_FRULE_HAS_OIF) && !nh_ifname_valid(r->oif))) {
		note(c, "rule %u: an interface name a policy cannot hold: not written", r->priority);
		return false;
	}
	return true;
}

struct out_rule {
	const struct nh_fib_rule *r;
	bool both;                      /* the same rule in both families: written once, no family */
};

static int out_rule_cmp(const void *a, const void *b)
{
	const struct out_rule *x = a, *y = b;
	int r;

	if (x->r->priority != y->r->priority)
		return x->r->priority < y->r->priority ? -1 : 1;
	if (x->both != y->both)
		return x->both ? -1 : 1;
	r = nh_fib_rule_cmp(x->r, y->r);
	return r;
}

/* An identical rule of the other family (no prefix: the pair of a policy
 * rule that says no family). */
static const struct nh_fib_rule *twin(const struct nh_state *s, const struct nh_fib_rule *r)
{
	struct nh_fib_rule k = *r;

	if (r->has & (NH_FRULE_HAS_FROM | NH_FRULE_HAS_TO))
		return NULL;
	k.family = r->family == AF_INET ? AF_INET6 : AF_INET;
	for (size_t i = 0; i < s->n_rules; i++)
		if (nh_fib_rule_satisfied(&k, &s->rules[i]))
			return &s->rules[i];
	return NULL;
}

static void put_frule(FILE *f, const struct out_rule *o)
{
	const struct nh_fib_rule *r = o->r;
	char buf[64];

	fputs("{ priority = ", f);
	put_uint(f, r->priority);
	fputc(';', f);
	if (r->has & NH_FRULE_HAS_FROM) {
		fputs(" from = ", f);
		put_str(f, nh_prefix_str(&r->from, true, buf, sizeof(buf)));
		fputc(';', f);
	}
	if (r->has & NH_FRULE_HAS_TO) {
		fputs(" to = ", f);
		put_str(f, nh_prefix_str(&r->to, true, buf, sizeof(buf)));
		fputc(';', f);
	}
	if (r->has & NH_FRULE_HAS_IIF) {
		fputs(" iif = ", f);
		put_str(f, r->iif);
		fputc(';', f);
	}
	if (r->has & NH_FRULE_HAS_OIF) {
		fputs(" oif = ", f);
		put_str(f, r->oif);
		fputc(';', f);
	}
	if (r->has & NH_FRULE_HAS_FWMARK) {
		if (r->fwmask == UINT32_MAX)
			snprintf(buf, sizeof(buf), "0x%x", r->fwmark);
		else
			snprintf(buf, sizeof(buf), "0x%x/0x%x", r->fwmark, r->fwmask);
		fputs(" fwmark = ", f);
		put_str(f, buf);
		fputc(';', f);
	}
	if (!o->both && !(r->has & (NH_FRULE_HAS_FROM | NH_FRULE_HAS_TO)))
		fprintf(f, " family = \"%s\";", r->family == AF_INET6 ? "inet6" : "inet");
	if (r->action == NH_FRULE_TABLE) {
		fputs(" table = ", f);
		put_uint(f, r->table);
		fputc(';', f);
	} else {
		fprintf(f, " action = \"%s\";", nh_frule_action_to_string(r->action));
	}
	fputs(" }", f);
}

static int put_rules(struct ctx *c, const char *indent)
{
	const struct nh_state *s = have(c);
	struct out_rule *v = calloc(s->n_rules + 1, sizeof(*v));
	struct section sec;
	size_t n = 0;

	if (!v || section_begin(c, &sec, indent) < 0) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_rules; i++) {
		const struct nh_fib_rule *r = &s->rules[i], *t;

		if (!rule_written(c, r))
			continue;
		t = twin(s, r);
		if (t && r->family == AF_INET6)
			continue;       /* written with its IPv4 twin */
		v[n].r = r;
		v[n++].both = t != NULL;
	}
	if (n)
		qsort(v, n, sizeof(*v), out_rule_cmp);
	for (size_t i = 0; i < n; i++) {
		/* a second rule of the same key would be a rule defined twice */
		if (i && nh_fib_rule_key_cmp(v[i - 1].r, v[i].r) == 0 && v[i - 1].both == v[i].both) {
			note(c, "rule %u: another rule of the same selectors is written: not written", v[i].r->priority);
			continue;
		}
		section_item(c, &sec);
		put_frule(c->out, &v[i]);
	}
	free(v);
	return section_end(c, &sec, "rules", '(', ')');
}

/* ---- neighbours ---- */

static int put_neighs(struct ctx *c, const char *indent)
{
	const struct nh_state *s = have(c);
	char ip[64], mac[NH_MAC_STRLEN];
	struct section sec;

	if (section_begin(c, &sec, indent) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_neighs; i++) {
		const struct nh_neigh *n = &s->neighs[i];

		nh_prefix_str(&n->addr, false, ip, sizeof(ip));
		if (!(n->has & NH_NEIGH_HAS_LLADDR)) {
			note(c, "neighbour %s: a link-layer address that is no Ethernet one: not written", ip);
			continue;
		}
		if (!link_written(c, n->dev)) {
			note(c, "neighbour %s: its link is not written: not written", ip);
			continue;
		}
		section_item(c, &sec);
		fputs("{ address = ", c->out);
		put_str(c->out, ip);
		fputs("; lladdr = ", c->out);
		put_str(c->out, nh_mac_str(n->lladdr, mac, sizeof(mac)));
		fputs("; dev = ", c->out);
		put_str(c->out, n->dev);
		fputs("; }", c->out);
	}
	return section_end(c, &sec, "neighbours", '(', ')');
}

/* ---- sysctls ---- */

/* A per-link key with another link's name in its place. */
static const struct nh_sysctl *other_link(const struct ctx *c, const struct nh_sysctl *k, const char *link)
{
	char key[NH_SYSCTL_KEYSIZ + 16];
	const char *leaf = strrchr(k->key, '.');

	snprintf(key, sizeof(key), "%.*s%s%s", (int)(leaf - k->key - strlen(k->link)), k->key, link, leaf);
	return nh_state_sysctl(c->defaults, key);
}

/* The default a key of this namespace is compared with: the same key in a
 * new namespace (lo's keys too); else, for a per-link key, its family's
 * `default` configuration, which a new link copies, or where a namespace
 * has none (the neighbour tables' outside the first namespace), a new
 * namespace's lo, which got the same. */
static const struct nh_sysctl *default_of(const struct ctx *c, const struct nh_sysctl *k)
{
	const struct nh_sysctl *d = nh_state_sysctl(c->defaults, k->key);

	if (d || !k->link[0])
		return d;
	d = other_link(c, k, "default");
	return d ? d : other_link(c, k, "lo");
}

/* For a link's or the default's `forwarding`: the family's all.forwarding,
 * which writing sets on every link and the default (the kernel's
 * devinet_sysctl_forward, addrconf_fixup_forwarding). NULL for any other key. */
static const struct nh_sysctl *forwarding_all(const struct ctx *c, const struct nh_sysctl *k)
{
	char all[64];
	const char *leaf = strrchr(k->key, '.');

	if (strcmp(leaf, ".forwarding") != 0 || strncmp(k->key, "net.ipv", 7) != 0 ||
	    strncmp(k->key + 8, ".conf.", 6) != 0 || strncmp(k->key + 14, "all.", 4) == 0)
		return NULL;
	snprintf(all, sizeof(all), "%.8s.conf.all.forwarding", k->key);
	return nh_state_sysctl(have(c), all);
}

/* What the sysctl list leaves out before comparing with the defaults. */
static bool sysctl_skipped(const struct ctx *c, const struct nh_sysctl *k)
{
	/* the link is not written (or it is one the kernel made) */
	if (k->link[0] && !link_written(c, k->link))
		return true;
	/* the IPv6 MTU of a link is its MTU: the link's own mtu says it */
	if (k->link[0] && strncmp(k->key, "net.ipv6.conf.", 14) == 0 && strcmp(strrchr(k->key, '.'), ".mtu") == 0)
		return true;
	/* net.ipv4.conf.all.forwarding is net.ipv4.ip_forward, written as such */
	if (strcmp(k->key, "net.ipv4.conf.all.forwarding") == 0)
		return true;
	/* writing ip_forward sets all.accept_redirects to its opposite
	 * (the kernel's inet_forward_change): implied by ip_forward = 1 */
	if (strcmp(k->key, "net.ipv4.conf.all.accept_redirects") == 0 && strcmp(k->value, "0") == 0) {
		const struct nh_sysctl *fwd = nh_state_sysctl(have(c), "net.ipv4.ip_forward");

		return fwd && strcmp(fwd->value, "1") == 0;
	}
	return false;
}

static int put_sysctls(struct ctx *c, const char *indent)
{
	const struct nh_state *s = have(c);
	struct section sec;
	int r;

	if (section_begin(c, &sec, indent) < 0)
		return -ENOMEM;
	c->no_default = 0;
	for (size_t i = 0; i < s->n_sysctls; i++) {
		const struct nh_sysctl *k = &s->sysctls[i], *d;
		char kv[NH_SYSCTL_KEYSIZ + NH_SYSCTL_VALSIZ + 1];

		if (!k->value[0] || sysctl_skipped(c, k))
			continue;
		/* writing all.forwarding sets every link's and the default:
		 * one of those is worth writing when it differs from it (and
		 * is then written after it: plan.c orders all, default, links) */
		d = forwarding_all(c, k);
		if (!d)
			d = default_of(c, k);
		if (!d) {
			c->no_default++;
			continue;
		}
		if (strcmp(d->value, k->value) == 0)
			continue;
		section_item(c, &sec);
		snprintf(kv, sizeof(kv), "%s=%s", k->key, k->value);
		put_str(c->out, kv);
	}
	r = section_end(c, &sec, "sysctl", '[', ']');
	if (c->no_default)
		note(c, "%zu settings exist here but not in a new namespace, so there is no default to compare "
		     "them with: not written", c->no_default);
	return r;
}

/* ---- namespaces ---- */

static int put_objects(struct ctx *c, const char *indent)
{
	int r = put_links(c, indent);

	if (r == 0)
		r = put_routes(c, indent);
	if (r == 0)
		r = put_rules(c, indent);
	if (r == 0)
		r = put_neighs(c, indent);
	if (r == 0)
		r = put_sysctls(c, indent);
	return r;
}

int nh_export_write(const struct nh_export *x, FILE *out, FILE *notes)
{
	struct ctx c = { .x = x, .out = out, .notes = notes };
	bool first = true;
	int r = 0;

	fputs("# Written by netheal export: the live state as a policy (netheal(8), export). Left\n"
	      "# out: what the kernel makes by itself, and the sysctls that equal a new namespace's\n"
	      "# (for the host: the kernel's defaults).\n", out);
	for (size_t i = 0; i < x->n && r == 0; i++) {
		c.ns = i;
		c.label = x->ns[i].name[0] ? x->ns[i].name : "host";
		c.defaults = x->ns[i].name[0] ? x->fresh : x->host_defaults;
		if (!x->ns[i].name[0]) {
			r = put_objects(&c, "");
			continue;
		}
		if (!nh_netns_name_valid(x->ns[i].name)) {
			note(&c, "a policy cannot name this namespace: not written");
			continue;
		}
		fputs(first ? "namespaces = (\n  { name = " : ",\n  { name = ", out);
		put_str(out, x->ns[i].name);
		fputs(";\n", out);
		first = false;
		r = put_objects(&c, "    ");
		fputs("  }", out);
	}
	if (!first)
		fputs("\n);\n", out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return r;
}
