/*
 * policy/export.c without the kernel: observed states built by hand are
 * written as a policy; the text must say what it should, leave out what it
 * should (with a note where SPEC §2 asks for one), and parse back without a
 * single diagnostic into the model it came from. The real kernel's round
 * trip is tests/integration/export.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "common/util.h"
#include "policy/export.h"
#include "policy/kind.h"
#include "policy/parse.h"

static struct nh_prefix pfx(const char *s)
{
	struct nh_prefix p;

	if (strchr(s, '/'))
		assert_int_equal(nh_prefix_parse(s, &p), 0);
	else
		assert_int_equal(nh_ip_parse(s, &p), 0);
	return p;
}

static void link_(struct nh_state *s, struct nh_link l)
{
	if (!l.link_netnsid)
		l.link_netnsid = -1;
	l.has |= NH_LINK_HAS_UP | NH_LINK_HAS_MTU;
	if (!l.mtu)
		l.mtu = 1500;
	if (l.kind)
		nh_strlcpy(l.kind_name, l.kind->name, sizeof(l.kind_name));
	assert_int_equal(nh_state_add_link(s, &l), 0);
}

static void addr_(struct nh_state *s, const char *link, const char *p, uint32_t flags, bool dynamic)
{
	struct nh_address a = { .prefix = pfx(p), .flags = flags, .dynamic = dynamic };

	nh_strlcpy(a.link, link, sizeof(a.link));
	assert_int_equal(nh_state_add_address(s, &a), 0);
}

static void sysctl_(struct nh_state *s, const char *key, const char *value)
{
	struct nh_sysctl k = { 0 };

	nh_strlcpy(k.key, key, sizeof(k.key));
	nh_strlcpy(k.value, value, sizeof(k.value));
	nh_sysctl_key_link(k.key, k.link);
	assert_int_equal(nh_state_add_sysctl(s, &k), 0);
}

/* The text written for x, and its notes. */
static char *write_out(const struct nh_export *x, char **notes)
{
	char *out = NULL, *nt = NULL;
	size_t lo = 0, ln = 0;
	FILE *f = open_memstream(&out, &lo), *n = open_memstream(&nt, &ln);

	assert_non_null(f);
	assert_non_null(n);
	assert_int_equal(nh_export_write(x, f, n), 0);
	fclose(f);
	fclose(n);
	*notes = nt;
	return out;
}

/* Parse text back: no error, no warning but the ones allowed. */
static void parses(const char *text, struct nh_policy *p)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load_buffer("export.conf", text, strlen(text), p, &d);

	if (r != 0 || d.n) {
		nh_diags_print(&d, stderr);
		fprintf(stderr, "%s", text);
		fail_msg("the export does not parse cleanly");
	}
	nh_diags_free(&d);
}

#define has(text, s) do { if (!strstr((text), (s))) fail_msg("missing: %s\nin:\n%s", (s), (text)); } while (0)
#define lacks(text, s) do { if (strstr((text), (s))) fail_msg("should not be there: %s\nin:\n%s", (s), (text)); } while (0)

/* ---- a world: the host, blue, red (not exported in some tests) ---- */

struct world {
	struct nh_state host, blue, red, fresh, hostdef;
	struct nh_export_ns ns[3];
	struct nh_export x;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	link_(&w->fresh, (struct nh_link){ .name = "lo", .mtu = 65536 });
	link_(&w->fresh, (struct nh_link){ .name = "sit0", .kind_name = "sit", .mtu = 1480 });
	sysctl_(&w->fresh, "net.ipv4.ip_forward", "0");
	sysctl_(&w->fresh, "net.ipv4.conf.all.forwarding", "0");
	sysctl_(&w->fresh, "net.ipv4.conf.default.forwarding", "0");
	sysctl_(&w->fresh, "net.ipv4.conf.default.rp_filter", "0");
	sysctl_(&w->fresh, "net.ipv4.conf.lo.rp_filter", "0");
	sysctl_(&w->fresh, "net.ipv6.conf.default.mtu", "1280");
	sysctl_(&w->fresh, "net.ipv6.conf.all.forwarding", "0");
	sysctl_(&w->fresh, "net.ipv6.conf.default.forwarding", "0");
	sysctl_(&w->fresh, "net.ipv4.neigh.lo.retrans_time_ms", "1000");
	sysctl_(&w->fresh, "net.ipv4.tcp_syncookies", "1");
	nh_state_sort(&w->fresh);
	w->x.fresh = &w->fresh;
	w->x.host_defaults = &w->fresh;
}

static void world_export(struct world *w, bool host, bool blue, bool red)
{
	w->x.n = 0;
	w->x.ns = w->ns;
	nh_state_sort(&w->host);
	nh_state_sort(&w->blue);
	nh_state_sort(&w->red);
	if (host)
		w->ns[w->x.n++] = (struct nh_export_ns){ "", &w->host };
	if (blue)
		w->ns[w->x.n++] = (struct nh_export_ns){ "blue", &w->blue };
	if (red)
		w->ns[w->x.n++] = (struct nh_export_ns){ "red", &w->red };
}

static void world_free(struct world *w)
{
	nh_state_free(&w->host);
	nh_state_free(&w->blue);
	nh_state_free(&w->red);
	nh_state_free(&w->fresh);
	nh_state_free(&w->hostdef);
}

/* A veth pair end a, in its namespace, whose peer b is in namespace bns. */
static void veth_(struct nh_state *s, const char *a, const char *b, const char *bns)
{
	struct nh_link l = { .kind = &nh_kind_veth, .has = NH_LINK_HAS_PEER, .up = true };

	nh_strlcpy(l.name, a, sizeof(l.name));
	nh_strlcpy(l.peer_name, b, sizeof(l.peer_name));
	nh_strlcpy(l.peer_netns, bns, sizeof(l.peer_netns));
	link_(s, l);
}

/* ---- links ---- */

static void test_pairs(void **state)
{
	struct world w;
	struct nh_policy p;
	char *text, *notes;
	const struct nh_link *l;

	(void)state;
	world_init(&w);
	link_(&w.host, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.host, (struct nh_link){ .name = "br1", .kind = &nh_kind_bridge, .up = true,
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 1 } });
	veth_(&w.host, "v-eth1", "v-peer1", "blue");
	w.host.links[w.host.n_links - 1].master[0] = 'b';
	nh_strlcpy(w.host.links[w.host.n_links - 1].master, "br1", NH_IFNAMSIZ);
	veth_(&w.blue, "v-peer1", "v-eth1", "");
	addr_(&w.blue, "v-peer1", "10.1.1.100/24", 0, false);
	veth_(&w.blue, "x1", "x0", "blue");         /* both ends in blue: x0 is primary */
	veth_(&w.blue, "x0", "x1", "blue");
	veth_(&w.blue, "rb", "br", "red");          /* blue sorts before red: rb is primary */
	veth_(&w.red, "br", "rb", "blue");
	addr_(&w.red, "br", "10.1.2.2/24", 0, false);
	link_(&w.blue, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.blue, (struct nh_link){ .name = "sit0", .kind_name = "sit", .mtu = 1480 });   /* the kernel's */
	link_(&w.blue, (struct nh_link){ .name = "eth1", .up = true });     /* a NIC: physical */
	link_(&w.blue, (struct nh_link){ .name = "ifb0", .kind_name = "ifb" });
	/* a bridge whose MAC is its port's (the kernel's choice): not pinned */
	link_(&w.blue, (struct nh_link){ .name = "br2", .kind = &nh_kind_bridge, .up = true,
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 7 } });
	link_(&w.blue, (struct nh_link){ .name = "ifb1", .kind_name = "ifb", .master = "br2",
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 7 } });
	/* set to a port's MAC that is not the lowest: the operator's, written */
	link_(&w.blue, (struct nh_link){ .name = "br3", .kind = &nh_kind_bridge, .up = true,
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 0x10 } });
	link_(&w.blue, (struct nh_link){ .name = "ifb2", .kind_name = "ifb", .master = "br3",
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 0x10 } });
	link_(&w.blue, (struct nh_link){ .name = "ifb3", .kind_name = "ifb", .master = "br3",
		.has = NH_LINK_HAS_MAC, .mac = { 2, 0, 0, 0, 0, 5 } });
	world_export(&w, true, true, true);
	text = write_out(&w.x, &notes);
	has(text, "{ name = \"v-peer1\"; kind = \"veth\"; mtu = 1500; addresses = [ \"10.1.1.100/24\" ];\n"
		  "        peer = { name = \"v-eth1\"; master = \"br1\"; mtu = 1500; }; }");
	has(text, "{ name = \"x0\"; kind = \"veth\"; mtu = 1500;\n        peer = { name = \"x1\"; netns = \"blue\";");
	has(text, "peer = { name = \"br\"; netns = \"red\"; mtu = 1500; addresses = [ \"10.1.2.2/24\" ]; }; }");
	has(text, "{ name = \"eth1\"; kind = \"physical\";");
	has(text, "{ name = \"ifb0\"; up = false; mtu = 1500; }");
	has(text, "{ name = \"br1\"; kind = \"bridge\"; mtu = 1500; mac = \"02:00:00:00:00:01\"; }");
	has(text, "{ name = \"br2\"; kind = \"bridge\"; mtu = 1500; }");
	has(text, "{ name = \"br3\"; kind = \"bridge\"; mtu = 1500; mac = \"02:00:00:00:00:10\"; }");
	has(text, "{ name = \"ifb1\"; master = \"br2\"; up = false; mtu = 1500; mac = \"02:00:00:00:00:07\"; }");
	has(text, "{ name = \"lo\"; mtu = 65536; }");
	lacks(text, "sit0");
	lacks(text, "  { name = \"v-eth1\"");
	lacks(text, "  { name = \"x1\"");
	lacks(text, "  { name = \"br\";");
	assert_string_equal(notes, "");
	parses(text, &p);
	l = nh_state_link_by_name(&p.host.want, "v-eth1");
	assert_non_null(l);
	assert_true(l->flags & NH_LINK_FLAG_PEER_END);
	assert_string_equal(l->master, "br1");
	l = nh_state_link_by_name(&p.netns[1].want, "br");   /* red */
	assert_non_null(l);
	assert_string_equal(l->peer_netns, "blue");
	nh_policy_free(&p);
	free(text);
	free(notes);

	/* red not written: its end of rb cannot be said; blue's is a plain link */
	world_export(&w, true, true, false);
	text = write_out(&w.x, &notes);
	has(text, "{ name = \"rb\"; mtu = 1500; }");
	has(notes, "netheal export: blue: veth rb: its peer is not in a namespace written here");
	free(text);
	free(notes);
	/* only blue: a peer in the host is fine, the host always has a rule;
	 * the host's own settings of it are not blue's to write */
	world_export(&w, false, true, false);
	text = write_out(&w.x, &notes);
	has(text, "peer = { name = \"v-eth1\"; }; }");
	lacks(text, "\nlinks = (");
	parses(text, &p);
	nh_policy_free(&p);
	free(text);
	free(notes);
	world_free(&w);
}

static void test_left_out(void **state)
{
	struct world w;
	struct nh_policy p;
	char *text, *notes;
	struct nh_route r;

	(void)state;
	world_init(&w);
	link_(&w.host, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.host, (struct nh_link){ .name = "e0", .up = true });
	link_(&w.host, (struct nh_link){ .name = "bad\001", .up = true });
	link_(&w.host, (struct nh_link){ .name = "port0", .master = "bad\001" });
	link_(&w.host, (struct nh_link){ .name = "mv0", .kind = &nh_kind_macvlan });  /* no parent in the host */
	addr_(&w.host, "lo", "127.0.0.1/8", 0, false);
	addr_(&w.host, "lo", "::1/128", 0, false);
	addr_(&w.host, "e0", "fe80::1/64", 0, false);
	addr_(&w.host, "e0", "2001:db8::2/64", IFA_F_TEMPORARY, false);
	addr_(&w.host, "e0", "2001:db8::3/64", 0, true);
	addr_(&w.host, "e0", "2001:db8::4/64", IFA_F_NODAD, false);
	addr_(&w.host, "e0", "192.0.2.7/24", IFA_F_NOPREFIXROUTE, false);
	addr_(&w.host, "bad\001", "10.1.9.1/24", 0, false);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("10.1.9.0/24"), .dev = "bad\001", .table = 254,
			       .protocol = RTPROT_BOOT };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("2001:db8::/64"), .dev = "e0", .table = 254,
			       .metric = 256, .protocol = RTPROT_KERNEL };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV | NH_ROUTE_HAS_VIA, .dst = pfx("198.51.100.0/24"),
			       .via = pfx("10.1.9.9"), .dev = "e0", .table = 254, .multipath = true, .protocol = RTPROT_BOOT };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV | NH_ROUTE_HAS_VIA, .dst = pfx("203.0.113.0/24"),
			       .via = pfx("fe80::9"), .dev = "e0", .table = 254, .protocol = RTPROT_BOOT };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = pfx("2001:db8:5::/48"), .dev = "e0", .table = 254,
			       .metric = 1024, .protocol = RTPROT_STATIC };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r.protocol = RTPROT_RA;
	r.dst = pfx("2001:db8:6::/48");
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	/* IPv6 default routes: with a gateway "default" says the family, without one it does not */
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV, .dst = { .family = AF_INET6 }, .dev = "e0", .table = 100,
			       .metric = 1024, .protocol = RTPROT_BOOT };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	r = (struct nh_route){ .has = NH_ROUTE_HAS_DEV | NH_ROUTE_HAS_VIA, .dst = { .family = AF_INET6 },
			       .via = pfx("2001:db8::1"), .dev = "e0", .table = 254, .metric = 1024,
			       .protocol = RTPROT_BOOT };
	assert_int_equal(nh_state_add_route(&w.host, &r), 0);
	world_export(&w, true, false, false);
	text = write_out(&w.x, &notes);
	has(text, "{ name = \"e0\"; mtu = 1500; addresses = [ \"192.0.2.7/24\", \"2001:db8::4/64\" ]; }");
	has(text, "{ name = \"lo\"; mtu = 65536; }");
	has(text, "{ name = \"port0\"; up = false; mtu = 1500; }");
	has(text, "{ name = \"mv0\"; up = false; mtu = 1500; }");
	has(text, "routes = (\n"
		  "  { to = \"::/0\"; dev = \"e0\"; table = 100; },\n"
		  "  { to = \"default\"; via = \"2001:db8::1\"; dev = \"e0\"; },\n"
		  "  { to = \"2001:db8:5::/48\"; dev = \"e0\"; }\n);");   /* metric 1024 is IPv6's default */
	lacks(text, "bad");
	lacks(text, "10.1.9");
	lacks(text, "fe80");
	has(notes, "netheal export: host: link 'bad\001': a policy cannot name it");
	has(notes, "link port0: its master bad\001 is no bridge netheal knows of: master not written");
	has(notes, "macvlan mv0: its parent is not a link of the host namespace");
	has(notes, "route 198.51.100.0/24 (table 254): several nexthops");
	has(notes, "route 203.0.113.0/24 (table 254): a gateway of another family");
	has(notes, "route 10.1.9.0/24 (table 254): its device is not written");
	has(notes, "netheal export: host: address 192.0.2.7/24 on e0: noprefixroute, which a policy cannot say: "
		   "written without it");
	lacks(notes, "2001:db8::/64");      /* the kernel's own: no note */
	lacks(notes, "2001:db8:6::");       /* a router's: no note */
	parses(text, &p);
	/* both defaults came back as IPv6 routes */
	assert_int_equal(p.host.want.n_routes, 3);
	for (size_t i = 0; i < p.host.want.n_routes; i++)
		assert_int_equal(p.host.want.routes[i].dst.family, AF_INET6);
	nh_policy_free(&p);
	free(text);
	free(notes);
	world_free(&w);
}

/* ---- rules, neighbours ---- */

static void frule_(struct nh_state *s, struct nh_fib_rule r)
{
	if (!r.family)
		r.family = AF_INET;
	assert_int_equal(nh_state_add_rule(s, &r), 0);
}

static void test_rules_neighbours(void **state)
{
	struct world w;
	struct nh_policy p;
	char *text, *notes;
	struct nh_neigh n = { .has = NH_NEIGH_HAS_LLADDR, .dev = "e0", .addr = pfx("10.1.1.1"),
			      .lladdr = { 2, 0, 0, 0, 0, 9 } };

	(void)state;
	world_init(&w);
	link_(&w.blue, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.blue, (struct nh_link){ .name = "e0", .up = true });
	/* the kernel's, told by protocol or, on older kernels, by shape */
	frule_(&w.blue, (struct nh_fib_rule){ .priority = 0, .table = 255, .protocol = RTPROT_KERNEL });
	frule_(&w.blue, (struct nh_fib_rule){ .priority = 32766, .table = 254 });
	frule_(&w.blue, (struct nh_fib_rule){ .family = AF_INET6, .priority = 32766, .table = 254 });
	/* both families: one entry; one family without prefix: says it */
	frule_(&w.blue, (struct nh_fib_rule){ .priority = 200, .has = NH_FRULE_HAS_FWMARK, .fwmark = 0x10,
		.fwmask = 0xff, .action = NH_FRULE_PROHIBIT, .protocol = RTPROT_BOOT });
	frule_(&w.blue, (struct nh_fib_rule){ .family = AF_INET6, .priority = 200, .has = NH_FRULE_HAS_FWMARK,
		.fwmark = 0x10, .fwmask = 0xff, .action = NH_FRULE_PROHIBIT, .protocol = NH_RTPROT_NETHEAL });
	frule_(&w.blue, (struct nh_fib_rule){ .family = AF_INET6, .priority = 300, .has = NH_FRULE_HAS_IIF,
		.iif = "e0", .table = 4000000000u });
	frule_(&w.blue, (struct nh_fib_rule){ .priority = 100, .has = NH_FRULE_HAS_FROM | NH_FRULE_HAS_FWMARK,
		.from = pfx("10.1.0.0/16"), .fwmark = 7, .fwmask = UINT32_MAX, .table = 100 });
	frule_(&w.blue, (struct nh_fib_rule){ .priority = 400, .has = NH_FRULE_HAS_OTHER, .table = 5 });
	assert_int_equal(nh_state_add_neigh(&w.blue, &n), 0);
	n.addr = pfx("2001:db8::1");
	n.has = 0;
	assert_int_equal(nh_state_add_neigh(&w.blue, &n), 0);
	world_export(&w, false, true, false);
	text = write_out(&w.x, &notes);
	has(text, "    rules = (\n"
		  "      { priority = 100; from = \"10.1.0.0/16\"; fwmark = \"0x7\"; table = 100; },\n"
		  "      { priority = 200; fwmark = \"0x10/0xff\"; action = \"prohibit\"; },\n"
		  "      { priority = 300; iif = \"e0\"; family = \"inet6\"; table = 4000000000L; }\n"
		  "    );\n");
	has(text, "    neighbours = (\n      { address = \"10.1.1.1\"; lladdr = \"02:00:00:00:00:09\"; dev = \"e0\"; }\n    );");
	has(notes, "rule 400 (inet): a selector or action a policy cannot say");
	has(notes, "neighbour 2001:db8::1: a link-layer address that is no Ethernet one");
	parses(text, &p);
	assert_int_equal(p.netns[0].want.n_rules, 4);   /* 100, 200 twice, 300 */
	assert_int_equal(p.netns[0].want.rules[3].table, 4000000000u);
	nh_policy_free(&p);
	free(text);
	free(notes);
	world_free(&w);
}

/* ---- sysctls ---- */

static void test_sysctls(void **state)
{
	struct world w;
	struct nh_policy p;
	char *text, *notes;

	(void)state;
	world_init(&w);
	link_(&w.blue, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.blue, (struct nh_link){ .name = "e0", .up = true });
	link_(&w.blue, (struct nh_link){ .name = "bad\001" });
	sysctl_(&w.blue, "net.ipv4.ip_forward", "1");
	sysctl_(&w.blue, "net.ipv4.conf.all.forwarding", "1");        /* the same: written once */
	sysctl_(&w.blue, "net.ipv4.conf.default.forwarding", "1");    /* follows all */
	sysctl_(&w.blue, "net.ipv4.conf.e0.forwarding", "1");         /* follows all */
	sysctl_(&w.blue, "net.ipv4.conf.lo.forwarding", "0");         /* does not */
	sysctl_(&w.blue, "net.ipv4.conf.e0.rp_filter", "2");          /* against default */
	sysctl_(&w.blue, "net.ipv4.conf.lo.rp_filter", "0");          /* against lo's own: equal */
	sysctl_(&w.blue, "net.ipv6.conf.e0.mtu", "1500");             /* the link's mtu says it */
	sysctl_(&w.blue, "net.ipv4.neigh.e0.retrans_time_ms", "500"); /* no neigh default here: lo's */
	sysctl_(&w.blue, "net.ipv4.conf.bad\001.rp_filter", "2");     /* its link is not written */
	sysctl_(&w.blue, "net.ipv4.tcp_syncookies", "1");             /* the default */
	sysctl_(&w.blue, "net.core.somaxconn", "4096");               /* no default to compare with */
	sysctl_(&w.blue, "net.ipv4.ip_local_port_range", "32768 60999");
	world_export(&w, false, true, false);
	text = write_out(&w.x, &notes);
	has(text, "    sysctl = [\n"
		  "      \"net.ipv4.conf.e0.rp_filter=2\",\n"
		  "      \"net.ipv4.conf.lo.forwarding=0\",\n"
		  "      \"net.ipv4.ip_forward=1\",\n"
		  "      \"net.ipv4.neigh.e0.retrans_time_ms=500\"\n"
		  "    ];");
	has(notes, "netheal export: blue: 2 settings exist here but not in a new namespace");
	parses(text, &p);
	assert_int_equal(p.netns[0].want.n_sysctls, 4);
	nh_policy_free(&p);
	free(text);
	free(notes);

	/* the host is compared with its own defaults */
	sysctl_(&w.hostdef, "net.ipv4.conf.all.accept_local", "0");
	link_(&w.host, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	sysctl_(&w.host, "net.ipv4.conf.all.accept_local", "1");
	sysctl_(&w.host, "net.ipv4.tcp_syncookies", "0");             /* no host default: not compared */
	w.x.host_defaults = &w.hostdef;
	world_export(&w, true, false, false);
	text = write_out(&w.x, &notes);
	has(text, "sysctl = [\n  \"net.ipv4.conf.all.accept_local=1\"\n];");
	has(notes, "netheal export: host: 1 settings exist here but not in a new namespace");
	free(text);
	free(notes);
	world_free(&w);
}

static void test_escaping_and_kinds(void **state)
{
	struct world w;
	struct nh_policy p;
	char *text, *notes;

	(void)state;
	world_init(&w);
	link_(&w.host, (struct nh_link){ .name = "lo", .up = true, .mtu = 65536 });
	link_(&w.host, (struct nh_link){ .name = "lower0", .up = true });
	link_(&w.host, (struct nh_link){ .name = "q\"uo\\te", .up = true });
	link_(&w.host, (struct nh_link){ .name = "mv0", .kind = &nh_kind_macvlan, .has = NH_LINK_HAS_PARENT |
		NH_LINK_HAS_MACVLAN_MODE, .parent = "lower0", .macvlan_mode = NH_MACVLAN_VEPA, .up = true });
	link_(&w.blue, (struct nh_link){ .name = "vx0", .kind = &nh_kind_vxlan, .has = NH_LINK_HAS_ID |
		NH_LINK_HAS_GROUP | NH_LINK_HAS_PORT, .id = 42, .group = pfx("239.1.1.1"), .port = 0 });
	link_(&w.blue, (struct nh_link){ .name = "mv1", .kind = &nh_kind_macvtap, .has = NH_LINK_HAS_PARENT,
		.parent = "lower0" });
	world_export(&w, true, true, false);
	text = write_out(&w.x, &notes);
	has(text, "{ name = \"q\\\"uo\\\\te\"; mtu = 1500; }");
	has(text, "{ name = \"mv0\"; kind = \"macvlan\"; parent = \"lower0\"; macvlan_mode = \"vepa\";");
	has(text, "{ name = \"vx0\"; kind = \"vxlan\"; id = 42; group = \"239.1.1.1\"; up = false;");  /* port 0: the kernel's */
	has(text, "{ name = \"mv1\"; kind = \"macvtap\"; parent = \"lower0\"; up = false;");
	parses(text, &p);
	assert_non_null(nh_state_link_by_name(&p.host.want, "q\"uo\\te"));
	nh_policy_free(&p);
	free(text);
	free(notes);
	world_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_rules_neighbours),
		cmocka_unit_test(test_sysctls),
		cmocka_unit_test(test_escaping_and_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
