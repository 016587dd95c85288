/*
 * netheal export [-c FILE] [--netns NAME]  (SPEC §2)
 *
 * The live state of the host and of every named namespace (or one; "-" is
 * the host) as a policy, on stdout; what is left out for a reason worth
 * knowing, on stderr. This file reads the kernel; policy/export.c writes.
 *
 * Reading: every namespace as the monitor dumps it (links, addresses,
 * routes, rules, permanent neighbours) and every setting under its
 * /proc/sys/net; a veth's peer and a macvlan's or vlan's parent in another
 * namespace are found through the id the link's namespace gives it
 * (IFLA_LINK_NETNSID, matched with RTM_GETNSID against each namespace).
 *
 * Defaults, what a setting is compared with to be worth writing:
 *  - a named namespace: a new namespace made for the purpose and thrown
 *    away (nh_netns_fresh): exactly what `ip netns add`, and netheal when it
 *    re-creates one, gives. Its links are the kernel's own (lo, and the
 *    fallback tunnels of loaded modules), left out but lo.
 *  - the host (SPEC §2: the kernel's defaults): the same new namespace,
 *    except for net.ipv4.ip_forward and net.ipv4.conf.{all,default}.*: the
 *    kernel copies those from the host into a new namespace (unless
 *    net.core.devconf_inherit_init_net is 2), so the new namespace would
 *    only show the host's own values; they are compared with the kernel's
 *    compiled IPv4 defaults instead (net/ipv4/devinet.c: 1 for
 *    accept_redirects, send_redirects, secure_redirects, shared_media,
 *    arp_evict_nocarrier and the default's accept_source_route; 10000 and
 *    1000 for the IGMPv2/v3 report intervals; 0 for every other). Settings
 *    that exist in the host only (no namespace has them) have no default:
 *    they are counted on stderr, not written.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "load.h"
#include "monitor/monitor.h"
#include "netlink/sysctl.h"
#include "policy/export.h"
#include "policy/kind.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal export [-c FILE] [--netns NAME]\n"
		   "Print the live state of the host and of every named namespace as a policy\n"
		   "(what it prints passes netheal check, and as the policy makes plan exit 0).\n"
		   "What is left out, and why, goes to stderr.\n\n"
		   "  -c, --config FILE   configuration, for netns_dir (default %s)\n"
		   "  -n, --netns NAME    only this namespace; - is the host\n"
		   "  -h, --help          this help\n\n"
		   "Exit status: 0, 1 on error, 64 usage error.\n", NH_DEFAULT_CONFIG);
}

/* ---- cross-namespace references ----
 * A link's IFLA_LINK is an index in the namespace IFLA_LINK_NETNSID names,
 * as the link's own namespace numbers them. Candidates are found by index
 * across every namespace (a veth's must name the link back), then the one
 * the id names: one RTM_GETNSID per pair of namespaces asked, at most. */

/* Every link of every namespace by ifindex: the links another namespace's
 * IFLA_LINK may name. Indexes repeat across namespaces; the nsid tells. */
struct xref {
	int ifindex;
	size_t ns;
	const struct nh_link *l;
};

struct xrefs {
	struct nh_monitor *m;
	struct xref *v;
	size_t n;
	int *nsid;                      /* [X * n_ns + Y]: the id X gives Y; -2 = not asked yet */
	size_t n_ns;
};

static int xref_cmp(const void *a, const void *b)
{
	const struct xref *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return x->ns < y->ns ? -1 : x->ns > y->ns;
}

static int xrefs_build(struct xrefs *x, struct nh_monitor *m)
{
	size_t n = 0;

	memset(x, 0, sizeof(*x));
	x->m = m;
	x->n_ns = nh_monitor_count(m);
	for (size_t i = 0; i < x->n_ns; i++)
		n += nh_monitor_at(m, i)->obs.have.n_links;
	x->v = calloc(n + 1, sizeof(*x->v));
	x->nsid = malloc(x->n_ns * x->n_ns * sizeof(*x->nsid) + 1);
	if (!x->v || !x->nsid)
		return -ENOMEM;
	for (size_t i = 0; i < x->n_ns * x->n_ns; i++)
		x->nsid[i] = -2;
	for (size_t i = 0; i < x->n_ns; i++) {
		const struct nh_state *s = &nh_monitor_at(m, i)->obs.have;

		for (size_t j = 0; j < s->n_links; j++)
			x->v[x->n++] = (struct xref){ s->links[j].ifindex, i, &s->links[j] };
	}
	if (x->n)
		qsort(x->v, x->n, sizeof(*x->v), xref_cmp);
	return 0;
}

static void xrefs_free(struct xrefs *x)
{
	free(x->v);
	free(x->nsid);
}

/* The id namespace a gives namespace b, asked once. */
static int nsid_of(struct xrefs *x, size_t a, size_t b)
{
	int *c = &x->nsid[a * x->n_ns + b];

	if (*c == -2 && nh_nl_get_nsid(&nh_monitor_at(x->m, a)->req, nh_monitor_at(x->m, b)->fd, c) < 0)
		*c = -1;        /* not known: no link is taken to name b */
	return *c;
}

/* The link l of namespace a names (IFLA_LINK, IFLA_LINK_NETNSID): in which
 * namespace (*b), or NULL. A veth's must name l back. */
static const struct nh_link *linked(struct xrefs *x, size_t a, const struct nh_link *l, size_t *b)
{
	struct xref key = { l->link_index, 0, NULL };
	size_t lo = 0, hi = x->n;
	bool pair = nh_kind_has(l->kind, NH_KIND_PAIR);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (x->v[mid].ifindex < key.ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n && x->v[lo].ifindex == key.ifindex; lo++) {
		const struct xref *c = &x->v[lo];

		if (c->ns == a || (pair && (c->l->link_index != l->ifindex || c->l->link_netnsid < 0)))
			continue;
		if (nsid_of(x, a, c->ns) == l->link_netnsid) {
			*b = c->ns;
			return c->l;
		}
	}
	return NULL;
}

/* Fill what policy/export.h asks of link l of namespace a: a veth's
 * peer_netns, a parent only in the host. */
static void resolve_link(struct xrefs *x, size_t a, struct nh_link *l)
{
	struct nh_ns *ns = nh_monitor_at(x->m, a), *o;
	bool pair = nh_kind_has(l->kind, NH_KIND_PAIR), parent = nh_kind_has(l->kind, NH_KIND_NEEDS_PARENT);
	const struct nh_link *t;
	size_t b = 0;

	if (!pair && !parent)
		return;
	if (l->link_netnsid < 0) {
		/* in this namespace: observe named it */
		if (pair)
			nh_strlcpy(l->peer_netns, ns->name, sizeof(l->peer_netns));
		else if (ns->name[0])
			l->has &= ~NH_LINK_HAS_PARENT;  /* a parent here is not in the host */
		return;
	}
	l->has &= ~(NH_LINK_HAS_PEER | NH_LINK_HAS_PARENT);
	t = l->link_index > 0 ? linked(x, a, l, &b) : NULL;
	if (!t)
		return;
	o = nh_monitor_at(x->m, b);
	if (pair) {
		nh_strlcpy(l->peer_name, t->name, sizeof(l->peer_name));
		nh_strlcpy(l->peer_netns, o->name, sizeof(l->peer_netns));
		l->has |= NH_LINK_HAS_PEER;
	} else if (!o->name[0]) {
		nh_strlcpy(l->parent, t->name, sizeof(l->parent));
		l->has |= NH_LINK_HAS_PARENT;
	}
}

/* ---- defaults ---- */

struct fresh {
	int fd;
	struct nh_state state;          /* its links and sysctls */
};

static int read_fresh(struct fresh *f)
{
	struct nh_nl nl;
	int r;

	nh_state_init(&f->state);
	f->fd = nh_netns_fresh();
	if (f->fd < 0)
		return f->fd;
	r = nh_nl_open(&nl, f->fd, NULL, 0, 0);
	if (r < 0)
		return r;
	r = nh_observe_dump(&nl, &f->state, NH_DUMP_NEIGH, NULL);
	nh_nl_close(&nl);
	if (r == 0)
		r = nh_sysctl_read_all(f->fd, NH_SYSCTL_ROOT, &f->state);
	return r;
}

/* The kernel's compiled IPv4 device configuration (net/ipv4/devinet.c,
 * ipv4_devconf and ipv4_devconf_dflt): 0 but for these. */
static const char *ipv4_compiled(const char *leaf, bool dflt)
{
	static const struct {
		const char *leaf, *value;
	} ones[] = {
		{ "accept_redirects", "1" }, { "send_redirects", "1" }, { "secure_redirects", "1" },
		{ "shared_media", "1" }, { "arp_evict_nocarrier", "1" },
		{ "igmpv2_unsolicited_report_interval", "10000" }, { "igmpv3_unsolicited_report_interval", "1000" },
	};

	if (dflt && strcmp(leaf, "accept_source_route") == 0)
		return "1";
	for (size_t i = 0; i < NH_ARRAY_SIZE(ones); i++)
		if (strcmp(ones[i].leaf, leaf) == 0)
			return ones[i].value;
	return "0";
}

/* The host's defaults: the new namespace's, with the IPv4 values it copied
 * from the host replaced by the kernel's compiled ones. */
static int host_defaults(const struct nh_state *fresh, const struct nh_state *host, struct nh_state *out)
{
	const struct nh_sysctl *inherit = nh_state_sysctl(host, "net.core.devconf_inherit_init_net");
	bool copied = !inherit || strcmp(inherit->value, "2") != 0;

	nh_state_init(out);
	for (size_t i = 0; i < fresh->n_sysctls; i++) {
		struct nh_sysctl k = fresh->sysctls[i];

		if (copied && strcmp(k.key, "net.ipv4.ip_forward") == 0)
			nh_strlcpy(k.value, "0", sizeof(k.value));
		else if (copied && strncmp(k.key, "net.ipv4.conf.all.", 18) == 0)
			nh_strlcpy(k.value, ipv4_compiled(k.key + 18, false), sizeof(k.value));
		else if (copied && strncmp(k.key, "net.ipv4.conf.default.", 22) == 0)
			nh_strlcpy(k.value, ipv4_compiled(k.key + 22, true), sizeof(k.value));
		if (nh_state_add_sysctl(out, &k) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- the command ---- */

static int read_settings(struct nh_ns *ns)
{
	return nh_sysctl_read_all(ns->name[0] ? ns->fd : -1, NH_SYSCTL_ROOT, &ns->obs.have);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct nh_export_ns *)a)->name, ((const struct nh_export_ns *)b)->name);
}

static int export(struct nh_monitor *m, const char *only)
{
	struct nh_export_ns *v = calloc(nh_monitor_count(m) + 1, sizeof(*v));
	struct nh_export_ns *known = calloc(nh_monitor_count(m) + 1, sizeof(*known));
	struct fresh f = { .fd = -1 };
	struct nh_state hd;
	struct nh_export x = { .ns = v, .fresh = &f.state, .host_defaults = &hd };
	struct xrefs xr = { 0 };
	int r;

	nh_state_init(&hd);
	r = xrefs_build(&xr, m);
	if (!v || !known || r < 0) {
		r = -ENOMEM;
		goto out;
	}
	/* in place: what the lookups read (indexes, kinds) is not changed.
	 * Every namespace's, with one written too: a veth with an end in
	 * another is written as a whole export writes it (x.known) */
	for (size_t i = 0; i < nh_monitor_count(m); i++) {
		struct nh_state *s = &nh_monitor_at(m, i)->obs.have;

		for (size_t j = 0; j < s->n_links; j++)
			resolve_link(&xr, i, &s->links[j]);
		if (only) {
			known[x.n_known].name = nh_monitor_at(m, i)->name;
			known[x.n_known++].have = s;
		}
	}
	for (size_t i = 0; i < nh_monitor_count(m) && r == 0; i++) {
		struct nh_ns *ns = nh_monitor_at(m, i);

		if (only && strcmp(only, ns->name) != 0)
			continue;
		r = read_settings(ns);
		if (r < 0) {
			fprintf(stderr, "netheal export: %s: reading its settings: %s\n", ns->name[0] ? ns->name : "host",
				strerror(-r));
			goto out;
		}
		v[x.n].name = ns->name;
		v[x.n++].have = &ns->obs.have;
	}
	/* the host ("") first, then by name: the same state, the same file */
	qsort(v, x.n, sizeof(*v), by_name);
	r = read_fresh(&f);
	if (r < 0) {
		fprintf(stderr, "netheal export: making a new namespace to learn its defaults: %s\n", strerror(-r));
		goto out;
	}
	if (only)
		x.known = known;
	r = host_defaults(&f.state, &nh_monitor_host(m)->obs.have, &hd);
	if (r == 0)
		r = nh_export_write(&x, stdout, stderr);
	if (r < 0)
		fprintf(stderr, "netheal export: %s\n", strerror(-r));
out:
	xrefs_free(&xr);
	if (f.fd >= 0)
		close(f.fd);
	nh_state_free(&f.state);
	nh_state_free(&hd);
	free(known);
	free(v);
	return r;
}

/* Namespaces a match rule of the configuration's policy covers are another agent's
 * (SPEC §3 match): written by name, as export writes every namespace, and
 * installed as the policy, they would be made again whenever that agent
 * deletes them. Said on stderr, a line per match rule that covers any. */
static void note_matched(const char *config, struct nh_monitor *m, const char *only)
{
	struct nh_policy whole;
	const struct nh_policy *policy = &whole;

	/* the whole policy, its policy_dir too: one that does not load (or a
	 * host being adopted that has none) has no match rule */
	memset(&whole, 0, sizeof(whole));
	nh_cmd_load_whole_quiet(config, &whole);
	for (size_t i = 0; i < policy->n_netns; i++) {
		const struct nh_netns_rule *rule = &policy->netns[i];
		const char *first = NULL;
		size_t n = 0;

		if (!rule->match)
			continue;
		for (size_t j = 0; j < nh_monitor_count(m); j++) {
			const char *name = nh_monitor_at(m, j)->name;

			if (!*name || (only && strcmp(only, name) != 0) || nh_policy_rule_for(policy, name) != rule)
				continue;
			if (!first || strcmp(name, first) < 0)
				first = name;
			n++;
		}
		if (n)
			fprintf(stderr, "netheal export: %zu namespace%s written by name (%s%s) %s match '%s' of %s:%u: "
				"as named rules they would be made again whenever their agent deletes them; leave them "
				"out to keep the match rule\n", n, n == 1 ? "" : "s", first, n > 1 ? ", ..." : "",
				n == 1 ? "is covered by" : "are covered by", rule->match,
				rule->origin.file ? rule->origin.file : "?", rule->origin.line);
	}
	nh_policy_free(&whole);
}

int nh_cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *config = NH_DEFAULT_CONFIG, *only = NULL, *dir = "/run/netns";
	struct nh_policy policy;
	struct nh_monitor *m = NULL;
	int c, r;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":c:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'n':
			only = strcmp(optarg, "-") == 0 ? "" : optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:       /* '?', and ':' (a missing argument) */
			return nh_usage_refused("export", c, argc, argv, opts, NULL);
		}
	}
	if (optind < argc)
		return nh_usage_error("export", "unexpected argument '%s'", argv[optind]);
	/* the configuration only says where the namespaces are; a host being
	 * adopted may have none yet */
	memset(&policy, 0, sizeof(policy));
	if (nh_cmd_load_quiet(config, &policy) == 0 && policy.settings.netns_dir)
		dir = policy.settings.netns_dir;
	r = nh_monitor_new(NULL, dir, NH_MONITOR_NEIGH | NH_MONITOR_NETCONF, NULL, NULL, &m);
	if (r < 0) {
		fprintf(stderr, "netheal export: cannot read the system: %s\n", strerror(-r));
	} else if (only && !nh_monitor_find(m, only)) {
		fprintf(stderr, "netheal export: no namespace %s in %s\n", only, dir);
		r = -ENOENT;
	} else {
		r = export(m, only);
		if (r == 0)
			note_matched(config, m, only);
	}
	nh_monitor_free(m);
	nh_policy_free(&policy);
	return r < 0 ? 1 : 0;
}
