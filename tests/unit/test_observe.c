/* monitor/observe: parsers and event application on hand-built netlink
 * messages, malformed ones included. No kernel. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/net_namespace.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>

#include "policy/diff.h"
#include "policy/kind.h"
#include "common/util.h"
#include "monitor/observe.h"
#include "policy/diff.h"

/* ---- message builders ---- */

struct msg {
	char buf[4096] __attribute__((aligned(4)));
};

static struct nlmsghdr *link_msg(struct msg *m, uint16_t type, int ifindex, const char *name, unsigned int flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

static void put_kind(struct nlmsghdr *nlh, const char *kind)
{
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, li);
}

static struct nlmsghdr *veth_msg(struct msg *m, int ifindex, const char *name, int peer, unsigned int flags)
{
	struct nlmsghdr *nlh = link_msg(m, RTM_NEWLINK, ifindex, name, flags);

	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	if (peer)
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)peer);
	put_kind(nlh, "veth");
	return nlh;
}

static struct nlmsghdr *addr_msg(struct msg *m, uint16_t type, int ifindex, const char *ip, int len)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct ifaddrmsg *ifa;
	uint8_t a[16];
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = (uint8_t)len;
	ifa->ifa_index = (uint32_t)ifindex;
	assert_int_equal(inet_pton(family, ip, a), 1);
	mnl_attr_put(nlh, IFA_ADDRESS, family == AF_INET ? 4 : 16, a);
	if (family == AF_INET)
		mnl_attr_put(nlh, IFA_LOCAL, 4, a);
	return nlh;
}

/* dst "default" or "ADDR/LEN"; via may be NULL; oif 0 for none. */
static struct nlmsghdr *route_msg(struct msg *m, uint16_t type, const char *dst, const char *via, int oif,
				  uint32_t table, uint8_t rtype)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct rtmsg *rtm;
	char ip[64];
	uint8_t a[16];
	int family = strchr(dst, ':') || (via && strchr(via, ':')) ? AF_INET6 : AF_INET;

	nlh->nlmsg_type = type;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_COMPAT;
	rtm->rtm_type = rtype;
	rtm->rtm_protocol = RTPROT_BOOT;
	if (strcmp(dst, "default") != 0 && strcmp(dst, "default6") != 0) {
		const char *slash = strchr(dst, '/');

		snprintf(ip, sizeof(ip), "%.*s", (int)(slash - dst), dst);
		assert_int_equal(inet_pton(family, ip, a), 1);
		rtm->rtm_dst_len = (uint8_t)atoi(slash + 1);
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, a);
	}
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (via) {
		assert_int_equal(inet_pton(family, via, a), 1);
		mnl_attr_put(nlh, RTA_GATEWAY, family == AF_INET ? 4 : 16, a);
	}
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	return nlh;
}

static void must_apply(struct nh_state *s, const struct nlmsghdr *nlh, int want)
{
	assert_int_equal(nh_observe_apply(s, nlh), want);
}

static void assert_sorted(const struct nh_state *s)
{
	for (size_t i = 1; i < s->n_links; i++)
		assert_true(nh_link_key_cmp(&s->links[i - 1], &s->links[i]) < 0);
	for (size_t i = 1; i < s->n_addrs; i++)
		assert_true(nh_address_key_cmp(&s->addrs[i - 1], &s->addrs[i]) < 0);
	for (size_t i = 1; i < s->n_routes; i++)
		assert_true(nh_route_key_cmp(&s->routes[i - 1], &s->routes[i]) <= 0);
}

static const struct nh_address *find_addr(const struct nh_state *s, const char *link, const char *p)
{
	struct nh_address k = { 0 };

	assert_int_equal(nh_prefix_parse(p, &k.prefix), 0);
	nh_strlcpy(k.link, link, sizeof(k.link));
	for (size_t i = 0; i < s->n_addrs; i++)
		if (nh_address_key_cmp(&s->addrs[i], &k) == 0)
			return &s->addrs[i];
	return NULL;
}

static size_t count_routes(const struct nh_state *s, int family, const char *dev)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].dst.family == family && (!dev || strcmp(s->routes[i].dev, dev) == 0))
			n++;
	return n;
}

/* ---- parsers ---- */

static void test_parse_link(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh = link_msg(&m, RTM_NEWLINK, 7, "v-peer1", IFF_UP | IFF_LOWER_UP);
	const uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	struct nh_link l;

	(void)state;
	mnl_attr_put_u32(nlh, IFLA_MTU, 1400);
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(mac), mac);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
	mnl_attr_put_u32(nlh, IFLA_LINK, 8);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 2);
	put_kind(nlh, "veth");
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_string_equal(l.name, "v-peer1");
	assert_int_equal(l.ifindex, 7);
	assert_ptr_equal(l.kind, &nh_kind_veth);
	assert_string_equal(l.kind_name, "veth");
	assert_true(l.up);
	assert_true(l.oper_up);
	assert_int_equal(l.mtu, 1400);
	assert_true(l.has & NH_LINK_HAS_MTU);
	assert_true(l.has & NH_LINK_HAS_MAC);
	assert_memory_equal(l.mac, mac, 6);
	assert_int_equal(l.master_index, 3);
	assert_int_equal(l.link_index, 8);
	assert_int_equal(l.link_netnsid, 2);
	assert_string_equal(l.master, "");      /* names come from the state */

	nlh = link_msg(&m, RTM_NEWLINK, 1, "lo", 0);
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_null(l.kind);
	assert_false(l.up);
	assert_int_equal(l.link_netnsid, -1);
	assert_false(l.has & NH_LINK_HAS_MTU);

	nlh = link_msg(&m, RTM_NEWLINK, 9, "tun0", 0);
	put_kind(nlh, "tun");
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_null(l.kind);
	assert_string_equal(l.kind_name, "tun");
}

static void test_parse_link_kinds(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh;
	struct nlattr *li, *data;
	struct nh_link l;
	uint32_t remote = htonl(0xc0000201), group = htonl(0xef010203);

	(void)state;
	nlh = link_msg(&m, RTM_NEWLINK, 5, "vl5", 0);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 5);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_ptr_equal(l.kind, &nh_kind_vlan);
	assert_int_equal(l.id, 5);
	assert_true(l.has & NH_LINK_HAS_ID);

	nlh = link_msg(&m, RTM_NEWLINK, 6, "vx", 0);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 42);
	mnl_attr_put(nlh, IFLA_VXLAN_GROUP, 4, &remote);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(4789));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_ptr_equal(l.kind, &nh_kind_vxlan);
	assert_int_equal(l.id, 42);
	assert_true(l.has & NH_LINK_HAS_REMOTE);
	assert_false(l.has & NH_LINK_HAS_GROUP);
	assert_int_equal(l.port, 4789);

	nlh = link_msg(&m, RTM_NEWLINK, 6, "vx", 0);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put(nlh, IFLA_VXLAN_GROUP, 4, &group);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_true(l.has & NH_LINK_HAS_GROUP);

	nlh = link_msg(&m, RTM_NEWLINK, 7, "mv", 0);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "macvlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_MACVLAN_MODE, MACVLAN_MODE_VEPA);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(nh_parse_link(nlh, &l), 0);
	assert_ptr_equal(l.kind, &nh_kind_macvlan);
	assert_int_equal(l.macvlan_mode, NH_MACVLAN_VEPA);
	assert_true(l.has & NH_LINK_HAS_MACVLAN_MODE);
}

static void test_parse_link_malformed(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_link l;
	uint16_t short_mtu = 1500;
	struct nlattr *li;
	const char unterminated[4] = { 'e', 't', 'h', '1' };

	(void)state;
	/* IFLA_MTU of 2 bytes */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "x", 0);
	mnl_attr_put(nlh, IFLA_MTU, sizeof(short_mtu), &short_mtu);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* IFLA_IFNAME without its NUL */
	nlh = link_msg(&m, RTM_NEWLINK, 2, NULL, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, sizeof(unterminated), unterminated);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* a name longer than IFNAMSIZ */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "a-name-much-too-long-for-a-link", 0);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* an empty name, no name */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "", 0);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);
	nlh = link_msg(&m, RTM_NEWLINK, 2, NULL, 0);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* no index */
	nlh = link_msg(&m, RTM_NEWLINK, 0, "x", 0);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* a message shorter than its ifinfomsg */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* an unterminated kind inside IFLA_LINKINFO */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "x", 0);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put(nlh, IFLA_INFO_KIND, 4, "veth");
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* a short IFLA_MASTER */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "x", 0);
	mnl_attr_put_u8(nlh, IFLA_MASTER, 1);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* wrong message type */
	nlh = link_msg(&m, RTM_NEWADDR, 2, "x", 0);
	assert_int_equal(nh_parse_link(nlh, &l), -EINVAL);

	/* a bridge port notification is not a link message */
	nlh = link_msg(&m, RTM_DELLINK, 2, "x", 0);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_BRIDGE;
	assert_int_equal(nh_parse_link(nlh, &l), 1);
}

static void test_parse_address(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_address a;
	struct nh_prefix want;
	uint8_t peer[4] = { 10, 1, 1, 1 }, three[3] = { 1, 2, 3 };

	(void)state;
	nlh = addr_msg(&m, RTM_NEWADDR, 4, "10.1.1.100", 24);
	assert_int_equal(nh_parse_address(nlh, &a), 0);
	nh_prefix_parse("10.1.1.100/24", &want);
	assert_int_equal(nh_prefix_cmp(&a.prefix, &want), 0);
	assert_int_equal(a.ifindex, 4);
	assert_string_equal(a.link, "");

	nlh = addr_msg(&m, RTM_DELADDR, 4, "2001:db8::5", 64);
	assert_int_equal(nh_parse_address(nlh, &a), 0);
	nh_prefix_parse("2001:db8::5/64", &want);
	assert_int_equal(nh_prefix_cmp(&a.prefix, &want), 0);

	/* point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	{
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		uint8_t local[4] = { 10, 1, 1, 2 };

		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 32;
		ifa->ifa_index = 3;
		mnl_attr_put(nlh, IFA_ADDRESS, 4, peer);
		mnl_attr_put(nlh, IFA_LOCAL, 4, local);
	}
	assert_int_equal(nh_parse_address(nlh, &a), 0);
	nh_prefix_parse("10.1.1.2/32", &want);
	assert_int_equal(nh_prefix_cmp(&a.prefix, &want), 0);

	/* malformed: a 3-byte address, a prefix longer than the family's */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	{
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

		ifa->ifa_family = AF_INET;
		ifa->ifa_prefixlen = 24;
		ifa->ifa_index = 3;
		mnl_attr_put(nlh, IFA_LOCAL, sizeof(three), three);
	}
	assert_int_equal(nh_parse_address(nlh, &a), -EINVAL);
	nlh = addr_msg(&m, RTM_NEWADDR, 4, "10.1.1.100", 33);
	assert_int_equal(nh_parse_address(nlh, &a), -EINVAL);
	/* no address at all */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))->ifa_family = AF_INET;
	assert_int_equal(nh_parse_address(nlh, &a), -EINVAL);
	/* another family: not tracked */
	nlh = addr_msg(&m, RTM_NEWADDR, 4, "10.1.1.100", 24);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_PACKET;
	assert_int_equal(nh_parse_address(nlh, &a), 1);

	/* flags (IFA_FLAGS over ifa_flags) and a finite lifetime */
	nlh = addr_msg(&m, RTM_NEWADDR, 4, "2001:db8::5", 64);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_flags = IFA_F_TENTATIVE;
	assert_int_equal(nh_parse_address(nlh, &a), 0);
	assert_int_equal(a.flags, IFA_F_TENTATIVE);
	assert_false(a.dynamic);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_TEMPORARY | IFA_F_MANAGETEMPADDR);
	{
		struct ifa_cacheinfo ci = { .ifa_prefered = 100, .ifa_valid = 200 };

		mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(ci), &ci);
	}
	assert_int_equal(nh_parse_address(nlh, &a), 0);
	assert_int_equal(a.flags, IFA_F_TEMPORARY | IFA_F_MANAGETEMPADDR);
	assert_true(a.dynamic);
	nlh = addr_msg(&m, RTM_NEWADDR, 4, "10.1.1.100", 24);
	mnl_attr_put(nlh, IFA_CACHEINFO, sizeof(peer), peer);   /* 4 bytes: too short */
	assert_int_equal(nh_parse_address(nlh, &a), -EINVAL);
}

static void test_parse_route(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_route r;
	struct nh_prefix want;
	uint16_t short_oif = 3;

	(void)state;
	nlh = route_msg(&m, RTM_NEWROUTE, "default", "10.1.1.51", 4, RT_TABLE_MAIN, RTN_UNICAST);
	assert_int_equal(nh_parse_route(nlh, &r), 0);
	assert_int_equal(r.dst.family, AF_INET);
	assert_int_equal(r.dst.len, 0);
	assert_true(r.has & NH_ROUTE_HAS_VIA);
	assert_true(r.has & NH_ROUTE_HAS_DEV);
	assert_false(r.has & NH_ROUTE_HAS_METRIC);
	nh_ip_parse("10.1.1.51", &want);
	assert_int_equal(nh_prefix_cmp(&r.via, &want), 0);
	assert_int_equal(r.oif, 4);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.protocol, RTPROT_BOOT);

	nlh = route_msg(&m, RTM_NEWROUTE, "2001:db8:5::/64", "2001:db8::1", 0, 1000, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	assert_int_equal(nh_parse_route(nlh, &r), 0);
	assert_int_equal(r.table, 1000);        /* RTA_TABLE beats rtm_table */
	assert_int_equal(r.metric, 1024);
	assert_true(r.has & NH_ROUTE_HAS_METRIC);
	assert_false(r.has & NH_ROUTE_HAS_DEV);
	nh_prefix_parse("2001:db8:5::/64", &want);
	assert_int_equal(nh_prefix_cmp(&r.dst, &want), 0);

	/* not tracked: local table, broadcast, cloned */
	nlh = route_msg(&m, RTM_NEWROUTE, "10.1.1.1/32", NULL, 4, RT_TABLE_LOCAL, RTN_LOCAL);
	assert_int_equal(nh_parse_route(nlh, &r), 1);
	nlh = route_msg(&m, RTM_NEWROUTE, "10.1.1.0/24", NULL, 4, RT_TABLE_MAIN, RTN_BROADCAST);
	assert_int_equal(nh_parse_route(nlh, &r), 1);
	nlh = route_msg(&m, RTM_NEWROUTE, "10.1.1.0/24", NULL, 4, RT_TABLE_MAIN, RTN_UNICAST);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags |= RTM_F_CLONED;
	assert_int_equal(nh_parse_route(nlh, &r), 1);

	/* malformed: a short RTA_OIF, a dst of the wrong size, a dst_len
	 * without a dst, a dst_len too long */
	nlh = route_msg(&m, RTM_NEWROUTE, "default", NULL, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put(nlh, RTA_OIF, sizeof(short_oif), &short_oif);
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);
	nlh = route_msg(&m, RTM_NEWROUTE, "default", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put(nlh, RTA_DST, 3, "abc");
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);
	nlh = route_msg(&m, RTM_NEWROUTE, "default", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 24;
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);
	nlh = route_msg(&m, RTM_NEWROUTE, "10.1.0.0/16", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 40;
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);
}

static void test_parse_route_multipath_via(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_route r;
	struct nh_prefix want;
	struct nlattr *mp;
	struct rtnexthop *nh;
	uint8_t gw[4] = { 10, 1, 1, 9 };
	/* struct rtvia ends in a flexible array: its address follows it */
	uint8_t v6via[sizeof(struct rtvia) + 16];
	struct rtvia *via = (struct rtvia *)v6via;

	(void)state;
	nlh = route_msg(&m, RTM_NEWROUTE, "198.51.100.0/24", NULL, 0, RT_TABLE_MAIN, RTN_UNICAST);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = 6;
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh));
	mnl_attr_put(nlh, RTA_GATEWAY, 4, gw);
	nh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nh);
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(nh_parse_route(nlh, &r), 0);
	assert_int_equal(r.oif, 6);
	nh_ip_parse("10.1.1.9", &want);
	assert_int_equal(nh_prefix_cmp(&r.via, &want), 0);
	assert_false(r.multipath);      /* one nexthop */
	{
		/* a second one: the route is told apart from a plain one */
		struct rtnexthop *nh2;

		nh2 = mnl_nlmsg_get_payload_tail(nlh);
		memset(nh2, 0, sizeof(*nh2));
		nh2->rtnh_len = sizeof(*nh2);
		nh2->rtnh_ifindex = 7;
		nlh->nlmsg_len += RTNH_ALIGN(sizeof(*nh2));
		mnl_attr_nest_end(nlh, mp);
		assert_int_equal(nh_parse_route(nlh, &r), 0);
		assert_int_equal(r.oif, 6);
		assert_true(r.multipath);
	}

	/* a nexthop claiming more than there is */
	nh->rtnh_len = 200;
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);

	/* RTA_VIA: an IPv4 route via an IPv6 router */
	nlh = route_msg(&m, RTM_NEWROUTE, "198.51.100.0/24", NULL, 3, RT_TABLE_MAIN, RTN_UNICAST);
	via->rtvia_family = AF_INET6;
	inet_pton(AF_INET6, "fe80::1", via->rtvia_addr);
	mnl_attr_put(nlh, RTA_VIA, sizeof(v6via), v6via);
	assert_int_equal(nh_parse_route(nlh, &r), 0);
	assert_int_equal(r.via.family, AF_INET6);
	nh_ip_parse("fe80::1", &want);
	assert_int_equal(nh_prefix_cmp(&r.via, &want), 0);
	/* RTA_VIA too short for its family */
	nlh = route_msg(&m, RTM_NEWROUTE, "198.51.100.0/24", NULL, 3, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put(nlh, RTA_VIA, sizeof(*via) + 4, v6via);
	assert_int_equal(nh_parse_route(nlh, &r), -EINVAL);
}

static void test_parse_nsid(void **state)
{
	struct msg m;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m.buf);
	struct rtgenmsg *g;
	int nsid = -5;

	(void)state;
	nlh->nlmsg_type = RTM_NEWNSID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_NSID, 3);
	assert_int_equal(nh_parse_nsid(nlh, &nsid), 0);
	assert_int_equal(nsid, 3);

	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNSID;
	mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	mnl_attr_put_u8(nlh, NETNSA_NSID, 3);
	assert_int_equal(nh_parse_nsid(nlh, &nsid), -EINVAL);
}

/* ---- applying events ---- */

/* br1 (2), v-eth1 (3, port of br1, up) with 10.1.1.51/24, 2001:db8::51/64,
 * routes via it v4 and v6, and lo (1). */
static void setup_state(struct nh_state *s)
{
	struct msg m;
	struct nlmsghdr *nlh;

	nh_state_init(s);
	must_apply(s, link_msg(&m, RTM_NEWLINK, 1, "lo", IFF_UP), 1);
	nlh = link_msg(&m, RTM_NEWLINK, 2, "br1", IFF_UP);
	put_kind(nlh, "bridge");
	must_apply(s, nlh, 1);
	nlh = link_msg(&m, RTM_NEWLINK, 3, "v-eth1", IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 2);
	must_apply(s, nlh, 1);
	must_apply(s, addr_msg(&m, RTM_NEWADDR, 3, "10.1.1.51", 24), 1);
	must_apply(s, addr_msg(&m, RTM_NEWADDR, 3, "2001:db8::51", 64), 1);
	must_apply(s, route_msg(&m, RTM_NEWROUTE, "198.51.100.0/24", "10.1.1.1", 3, RT_TABLE_MAIN, RTN_UNICAST), 1);
	must_apply(s, route_msg(&m, RTM_NEWROUTE, "2001:db8:5::/64", "2001:db8::1", 3, RT_TABLE_MAIN, RTN_UNICAST), 1);
	must_apply(s, route_msg(&m, RTM_NEWROUTE, "10.1.1.0/24", NULL, 3, RT_TABLE_MAIN, RTN_UNICAST), 1);
}

static void test_apply_basic(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nh_link *l;
	struct nh_nl_event ev;

	(void)state;
	setup_state(&s);
	assert_int_equal(s.n_links, 3);
	assert_int_equal(s.n_addrs, 2);
	assert_int_equal(s.n_routes, 3);
	assert_sorted(&s);
	l = nh_state_link_by_name(&s, "v-eth1");
	assert_non_null(l);
	assert_string_equal(l->master, "br1");
	assert_true(l->has & NH_LINK_HAS_MASTER);
	assert_non_null(find_addr(&s, "v-eth1", "10.1.1.51/24"));
	assert_string_equal(s.routes[0].dev, "v-eth1");

	/* the same again: no change */
	must_apply(&s, addr_msg(&m, RTM_NEWADDR, 3, "10.1.1.51", 24), 0);
	must_apply(&s, link_msg(&m, RTM_NEWLINK, 1, "lo", IFF_UP), 0);

	/* an event describes what it applied */
	assert_int_equal(nh_observe_event(&s, addr_msg(&m, RTM_DELADDR, 3, "2001:db8::51", 64), &ev, NULL), 1);
	assert_int_equal(ev.obj, NH_OBJ_ADDRESS);
	assert_int_equal(ev.type, RTM_DELADDR);
	assert_true(ev.changed);
	assert_string_equal(ev.addr.link, "v-eth1");
	assert_null(find_addr(&s, "v-eth1", "2001:db8::51/64"));
	/* deleting what is not there: tracked, no change */
	assert_int_equal(nh_observe_event(&s, addr_msg(&m, RTM_DELADDR, 3, "2001:db8::51", 64), &ev, NULL), 1);
	assert_false(ev.changed);

	/* route deletion */
	must_apply(&s, route_msg(&m, RTM_DELROUTE, "2001:db8:5::/64", "2001:db8::1", 3, RT_TABLE_MAIN, RTN_UNICAST), 1);
	assert_int_equal(count_routes(&s, AF_INET6, NULL), 0);
	/* an untracked route changes nothing and is no event */
	assert_int_equal(nh_observe_event(&s, route_msg(&m, RTM_NEWROUTE, "10.1.1.51/32", NULL, 3, RT_TABLE_LOCAL,
							  RTN_LOCAL), &ev, NULL), 0);
	assert_int_equal(s.n_routes, 2);
	/* unknown message types neither */
	{
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(m.buf);

		nlh->nlmsg_type = RTM_NEWQDISC;
		assert_int_equal(nh_observe_apply(&s, nlh), 0);
	}
	nh_state_free(&s);
}

static void test_apply_rename(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;

	(void)state;
	setup_state(&s);
	nlh = link_msg(&m, RTM_NEWLINK, 3, "zz-renamed", IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 2);
	must_apply(&s, nlh, 1);
	assert_null(nh_state_link_by_name(&s, "v-eth1"));
	assert_non_null(nh_state_link_by_name(&s, "zz-renamed"));
	assert_non_null(find_addr(&s, "zz-renamed", "10.1.1.51/24"));
	for (size_t i = 0; i < s.n_routes; i++)
		assert_string_equal(s.routes[i].dev, "zz-renamed");
	/* the master renamed: its port follows */
	nlh = link_msg(&m, RTM_NEWLINK, 2, "abr", IFF_UP);
	put_kind(nlh, "bridge");
	must_apply(&s, nlh, 1);
	assert_string_equal(nh_state_link_by_name(&s, "zz-renamed")->master, "abr");
	assert_sorted(&s);
	nh_state_free(&s);
}

/* The kernel flushes IPv4 routes of a link going down, and of a link
 * losing its last IPv4 address, without RTM_DELROUTE. */
static void test_apply_silent_route_flush(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;

	(void)state;
	setup_state(&s);
	nlh = link_msg(&m, RTM_NEWLINK, 3, "v-eth1", 0);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 2);
	must_apply(&s, nlh, 1);
	assert_int_equal(count_routes(&s, AF_INET, NULL), 0);
	assert_int_equal(count_routes(&s, AF_INET6, NULL), 1);     /* IPv6 says so itself */
	assert_non_null(find_addr(&s, "v-eth1", "10.1.1.51/24"));  /* addresses stay */
	nh_state_free(&s);

	setup_state(&s);
	must_apply(&s, addr_msg(&m, RTM_NEWADDR, 3, "10.1.2.51", 24), 1);
	must_apply(&s, addr_msg(&m, RTM_DELADDR, 3, "10.1.1.51", 24), 1);
	assert_int_equal(count_routes(&s, AF_INET, NULL), 2);       /* another IPv4 address left */
	must_apply(&s, addr_msg(&m, RTM_DELADDR, 3, "10.1.2.51", 24), 1);
	assert_int_equal(count_routes(&s, AF_INET, NULL), 0);
	assert_int_equal(count_routes(&s, AF_INET6, NULL), 1);
	nh_state_free(&s);
}

/* What observe drops as a consequence goes to the sink, under the keys the
 * service tracks its policy objects by (nh_route_key, nh_address_key). */
struct drops {
	char keys[16][NH_OBJECT_KEYSIZ];
	size_t n;
};

/* The key of the object handed over, made again from the object: the two
 * must agree (the union member set is the one obj names). */
static void collect(void *ctx, const struct nh_dropped *dr)
{
	struct drops *d = ctx;
	char key[NH_OBJECT_KEYSIZ];

	switch (dr->obj) {
	case NH_OBJ_ADDRESS:
		nh_address_key(dr->addr, key, sizeof(key));
		break;
	case NH_OBJ_ROUTE:
		nh_route_key(dr->route, key, sizeof(key));
		break;
	case NH_OBJ_NEIGH:
		nh_neigh_key(dr->neigh, key, sizeof(key));
		break;
	default:
		fail_msg("dropped an object of kind %d", (int)dr->obj);
	}
	assert_string_equal(key, dr->key);
	assert_true(d->n < 16);
	snprintf(d->keys[d->n++], NH_OBJECT_KEYSIZ, "%s", dr->key);
}

static bool dropped_key(const struct drops *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->keys[i], key) == 0)
			return true;
	return false;
}

static void test_apply_consequences_reported(void **state)
{
	struct drops d = { .n = 0 };
	const struct nh_observe_sink sink = { collect, &d, NULL, NULL };
	struct nh_state s;
	struct nh_nl_event ev;
	struct msg m;

	(void)state;
	/* the link goes down: its IPv4 routes go */
	setup_state(&s);
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 3, "v-eth1", 0), &ev, &sink), 1);
	assert_int_equal(d.n, 2);
	assert_true(dropped_key(&d, "route:inet 254 198.51.100.0/24 0"));
	assert_true(dropped_key(&d, "route:inet 254 10.1.1.0/24 0"));
	nh_state_free(&s);

	/* its last IPv4 address goes: the same */
	d.n = 0;
	setup_state(&s);
	assert_int_equal(nh_observe_event(&s, addr_msg(&m, RTM_DELADDR, 3, "10.1.1.51", 24), &ev, &sink), 1);
	assert_int_equal(d.n, 2);
	nh_state_free(&s);

	/* the link is deleted: its addresses and every route on it */
	d.n = 0;
	setup_state(&s);
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_DELLINK, 3, "v-eth1", 0), &ev, &sink), 1);
	assert_int_equal(d.n, 5);
	assert_true(dropped_key(&d, "address:v-eth1 10.1.1.51/24"));
	assert_true(dropped_key(&d, "address:v-eth1 2001:db8::51/64"));
	assert_true(dropped_key(&d, "route:inet6 254 2001:db8:5::/64 1024"));
	nh_state_free(&s);
}

static struct nlmsghdr *nexthop_msg(struct msg *m, uint16_t type, uint32_t id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct nhmsg *nhm;

	nlh->nlmsg_type = type;
	nhm = mnl_nlmsg_put_extra_header(nlh, sizeof(*nhm));
	nhm->nh_family = AF_INET;
	mnl_attr_put_u32(nlh, NHA_ID, id);
	return nlh;
}

/* A nexthop object deleted takes the routes that use it (RTA_NH_ID), with
 * no RTM_DELROUTE for IPv4: they go from the state, reported as dropped. */
static void test_apply_nexthop_deleted(void **state)
{
	struct drops d = { .n = 0 };
	const struct nh_observe_sink sink = { collect, &d, NULL, NULL };
	struct nh_state s;
	struct nh_nl_event ev;
	struct nlmsghdr *nlh;
	struct msg m;

	(void)state;
	setup_state(&s);
	nlh = route_msg(&m, RTM_NEWROUTE, "default", "10.1.1.1", 3, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 5);
	must_apply(&s, nlh, 1);
	assert_int_equal(s.n_routes, 4);
	/* a nexthop no route uses, made or deleted, changes nothing */
	assert_int_equal(nh_observe_event(&s, nexthop_msg(&m, RTM_NEWNEXTHOP, 7), &ev, &sink), 0);
	assert_int_equal(nh_observe_event(&s, nexthop_msg(&m, RTM_DELNEXTHOP, 6), &ev, &sink), 1);
	assert_int_equal(ev.obj, NH_OBJ_NEXTHOP);
	assert_false(ev.changed);
	assert_false(ev.reread);
	assert_int_equal(d.n, 0);
	/* one a route uses, changed (a group that lost a member): its
	 * nexthops are not known, read again; the route stays till then */
	assert_int_equal(nh_observe_event(&s, nexthop_msg(&m, RTM_NEWNEXTHOP, 5), &ev, &sink), 1);
	assert_true(ev.reread);
	assert_false(ev.changed);
	assert_int_equal(s.n_routes, 4);
	assert_false(s.unknown);
	assert_int_equal(nh_observe_event(&s, nexthop_msg(&m, RTM_DELNEXTHOP, 5), &ev, &sink), 1);
	assert_int_equal(ev.obj, NH_OBJ_NEXTHOP);
	assert_int_equal(ev.nh_id, 5);
	assert_true(ev.changed);
	assert_int_equal(d.n, 1);
	assert_true(dropped_key(&d, "route:inet 254 default 0"));
	assert_int_equal(s.n_routes, 3);
	/* a route over several nexthops whose first leg's link goes down:
	 * kept (the kernel keeps it while a leg lives), read again */
	nlh = route_msg(&m, RTM_NEWROUTE, "203.0.113.0/24", "10.1.1.1", 3, RT_TABLE_MAIN, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_NH_ID, 9);
	must_apply(&s, nlh, 1);
	d.n = 0;
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 3, "v-eth1", 0), &ev, &sink), 1);
	assert_true(ev.reread);
	assert_false(dropped_key(&d, "route:inet 254 203.0.113.0/24 0"));
	assert_true(dropped_key(&d, "route:inet 254 198.51.100.0/24 0"));
	/* no id: malformed */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_DELNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	assert_int_equal(nh_observe_event(&s, nlh, &ev, &sink), -EINVAL);
	nh_state_free(&s);
}

static void test_apply_delete_and_move(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_nl_event ev;

	(void)state;
	setup_state(&s);
	/* a bridge port leaving its bridge: RTM_DELLINK of AF_BRIDGE, no deletion */
	nlh = link_msg(&m, RTM_DELLINK, 3, "v-eth1", IFF_UP);
	((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_family = AF_BRIDGE;
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 0);
	assert_non_null(nh_state_link_by_name(&s, "v-eth1"));

	/* moved to another namespace */
	nlh = link_msg(&m, RTM_DELLINK, 3, "v-eth1", IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_NEW_NETNSID, 4);
	nlh->nlmsg_pid = 4242;
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_int_equal(ev.obj, NH_OBJ_LINK);
	assert_true(ev.moved_out);
	assert_int_equal(ev.new_netnsid, 4);
	assert_int_equal(ev.actor_port, 4242);
	assert_true(ev.changed);
	assert_null(nh_state_link_by_name(&s, "v-eth1"));
	assert_int_equal(s.n_addrs, 0);
	assert_int_equal(s.n_routes, 0);

	/* plain deletion */
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_DELLINK, 2, "br1", 0), &ev, NULL), 1);
	assert_false(ev.moved_out);
	assert_true(ev.changed);
	assert_int_equal(s.n_links, 1);
	nh_state_free(&s);
}

static void test_apply_veth_pair(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nh_link *a, *b;

	(void)state;
	nh_state_init(&s);
	/* The kernel announces the first end before the second exists. */
	must_apply(&s, veth_msg(&m, 5, "v-b", 0, 0), 1);
	must_apply(&s, veth_msg(&m, 6, "v-a", 5, 0), 1);
	a = nh_state_link_by_name(&s, "v-a");
	b = nh_state_link_by_name(&s, "v-b");
	assert_string_equal(a->peer_name, "v-b");
	assert_true(a->has & NH_LINK_HAS_PEER);
	assert_string_equal(b->peer_name, "v-a");
	/* the peer renamed */
	must_apply(&s, veth_msg(&m, 5, "v-c", 6, 0), 1);
	assert_string_equal(nh_state_link_by_name(&s, "v-a")->peer_name, "v-c");
	nh_state_free(&s);
}

/* What a new-link message changed: a diff elsewhere (the host's, of its
 * peer ends) looks again only when the link is another one, not when it is
 * the same link set otherwise (service/core.c link_changed). */
static void test_apply_link_change_kinds(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nh_nl_event ev;
	struct nlmsghdr *nlh;

	(void)state;
	nh_state_init(&s);
	must_apply(&s, veth_msg(&m, 5, "v-b", 0, IFF_UP), 1);
	assert_int_equal(nh_observe_event(&s, veth_msg(&m, 6, "v-a", 5, IFF_UP | IFF_LOWER_UP), &ev, NULL), 1);
	assert_true(ev.changed);
	assert_false(ev.settings_only);         /* a new link */
	/* only the carrier */
	assert_int_equal(nh_observe_event(&s, veth_msg(&m, 6, "v-a", 5, IFF_UP), &ev, NULL), 1);
	assert_true(ev.changed && ev.carrier_only && !ev.settings_only);
	/* set down, then another MTU: the same link */
	assert_int_equal(nh_observe_event(&s, veth_msg(&m, 6, "v-a", 5, 0), &ev, NULL), 1);
	assert_true(ev.changed && ev.settings_only && !ev.carrier_only);
	nlh = link_msg(&m, RTM_NEWLINK, 6, "v-a", 0);
	mnl_attr_put_u32(nlh, IFLA_MTU, 1400);
	mnl_attr_put_u32(nlh, IFLA_LINK, 5);
	put_kind(nlh, "veth");
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_true(ev.changed && ev.settings_only);
	/* another partner, another kind, another name: another link */
	assert_int_equal(nh_observe_event(&s, veth_msg(&m, 6, "v-a", 7, 0), &ev, NULL), 1);
	assert_true(ev.changed && !ev.settings_only);
	nlh = link_msg(&m, RTM_NEWLINK, 6, "v-a", 0);
	put_kind(nlh, "bridge");
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_true(ev.changed && !ev.settings_only);
	assert_string_equal(ev.old_name, "");
	/* a rename says the name it had */
	assert_int_equal(nh_observe_event(&s, veth_msg(&m, 6, "v-c", 5, 0), &ev, NULL), 1);
	assert_true(ev.changed && !ev.settings_only);
	assert_string_equal(ev.old_name, "v-a");
	nh_state_free(&s);
}

/* The names of links coming into and leaving a state, as the monitor
 * counts them (nh_monitor_links_named). */
struct named {
	char name[8][NH_IFNAMSIZ];
	int n[8];
	size_t len;
};

static void count_name(void *ctx, const char *name, int delta)
{
	struct named *c = ctx;
	size_t i;

	for (i = 0; i < c->len && strcmp(c->name[i], name) != 0; i++)
		;
	if (i == c->len) {
		assert_true(c->len < 8);
		snprintf(c->name[c->len++], NH_IFNAMSIZ, "%s", name);
	}
	c->n[i] += delta;
}

static int named(const struct named *c, const char *name)
{
	for (size_t i = 0; i < c->len; i++)
		if (strcmp(c->name[i], name) == 0)
			return c->n[i];
	return 0;
}

static void test_apply_link_names_counted(void **state)
{
	struct named c = { .len = 0 };
	const struct nh_observe_sink sink = { NULL, &c, count_name, NULL };
	struct nh_state s;
	struct nh_nl_event ev;
	struct msg m;

	(void)state;
	nh_state_init(&s);
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 5, "v-a", 0), &ev, &sink), 1);
	assert_int_equal(named(&c, "v-a"), 1);
	/* set up: the same link, not counted again */
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 5, "v-a", IFF_UP), &ev, &sink), 1);
	assert_int_equal(named(&c, "v-a"), 1);
	/* renamed */
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 5, "v-b", 0), &ev, &sink), 1);
	assert_int_equal(named(&c, "v-a"), 0);
	assert_int_equal(named(&c, "v-b"), 1);
	/* another link under that name (the old one's deletion lost): one */
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_NEWLINK, 9, "v-b", 0), &ev, &sink), 1);
	assert_int_equal(named(&c, "v-b"), 1);
	/* deleted */
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_DELLINK, 9, "v-b", 0), &ev, &sink), 1);
	assert_int_equal(named(&c, "v-b"), 0);
	assert_int_equal(s.n_links, 0);
	nh_state_free(&s);
}

static void test_apply_routes_per_device(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;

	(void)state;
	setup_state(&s);
	/* fe80::/64 metric 256 on two links: two routes */
	must_apply(&s, route_msg(&m, RTM_NEWROUTE, "fe80::/64", NULL, 3, RT_TABLE_MAIN, RTN_UNICAST), 1);
	must_apply(&s, route_msg(&m, RTM_NEWROUTE, "fe80::/64", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST), 1);
	assert_int_equal(count_routes(&s, AF_INET6, NULL), 3);
	assert_sorted(&s);
	must_apply(&s, route_msg(&m, RTM_DELROUTE, "fe80::/64", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST), 1);
	assert_int_equal(count_routes(&s, AF_INET6, "v-eth1"), 2);
	assert_int_equal(count_routes(&s, AF_INET6, "br1"), 0);

	/* ip route replace: NLM_F_REPLACE, the old route is not mentioned */
	nlh = route_msg(&m, RTM_NEWROUTE, "198.51.100.0/24", NULL, 2, RT_TABLE_MAIN, RTN_UNICAST);
	nlh->nlmsg_flags |= NLM_F_REPLACE;
	must_apply(&s, nlh, 1);
	{
		size_t n = 0;

		for (size_t i = 0; i < s.n_routes; i++)
			if (s.routes[i].dst.family == AF_INET && s.routes[i].dst.len == 24 &&
			    s.routes[i].dst.addr[0] == 198) {
				n++;
				assert_string_equal(s.routes[i].dev, "br1");
				assert_false(s.routes[i].has & NH_ROUTE_HAS_VIA);
			}
		assert_int_equal(n, 1);
	}
	nh_state_free(&s);
}

static void test_apply_nsid_and_malformed(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;
	struct nh_nl_event ev;
	uint16_t short_mtu = 9000;
	struct rtgenmsg *g;

	(void)state;
	setup_state(&s);
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_DELNSID;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = AF_UNSPEC;
	mnl_attr_put_u32(nlh, NETNSA_NSID, 7);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_int_equal(ev.obj, NH_OBJ_NSID);
	assert_int_equal(ev.nsid, 7);
	assert_false(ev.changed);

	/* malformed: rejected, the state untouched */
	nlh = link_msg(&m, RTM_NEWLINK, 3, "v-eth1", 0);
	mnl_attr_put(nlh, IFLA_MTU, sizeof(short_mtu), &short_mtu);
	assert_int_equal(nh_observe_apply(&s, nlh), -EINVAL);
	assert_true(nh_state_link_by_name(&s, "v-eth1")->up);
	assert_int_equal(s.n_routes, 3);
	nh_state_free(&s);
}

/* Mutated messages: never a crash, never an unsorted state (ASan/UBSan
 * build runs this too). A tiny fuzz harness. */
static void test_apply_mutations(void **state)
{
	struct msg m, orig;
	struct nh_state s;
	unsigned int seed = 12345;

	(void)state;
	setup_state(&s);
	for (int round = 0; round < 20000; round++) {
		struct nlmsghdr *nlh;
		int kind = round % 4, flips;

		switch (kind) {
		case 0:
			nlh = veth_msg(&orig, 3 + round % 5, "v-x", 2, IFF_UP);
			break;
		case 1:
			nlh = addr_msg(&orig, round & 8 ? RTM_DELADDR : RTM_NEWADDR, 3, "10.1.1.7", 24);
			break;
		case 2:
			nlh = route_msg(&orig, round & 8 ? RTM_DELROUTE : RTM_NEWROUTE, "203.0.113.0/24", "10.1.1.1", 3,
					RT_TABLE_MAIN, RTN_UNICAST);
			break;
		default:
			nlh = link_msg(&orig, round & 8 ? RTM_DELLINK : RTM_NEWLINK, 2 + round % 7, "br1", 0);
			put_kind(nlh, "bridge");
			break;
		}
		memcpy(&m, &orig, sizeof(m));
		nlh = (struct nlmsghdr *)m.buf;
		flips = 1 + (int)(rand_r(&seed) % 4);
		for (int i = 0; i < flips; i++) {
			size_t off = sizeof(*nlh) + (size_t)rand_r(&seed) % (nlh->nlmsg_len - sizeof(*nlh));

			m.buf[off] = (char)rand_r(&seed);
		}
		(void)nh_observe_apply(&s, nlh);
		assert_sorted(&s);
	}
	nh_state_free(&s);
}

/* ---- rules, neighbours, netconf ---- */

/* A rule message; from may be NULL; iif NULL for none. */
static struct nlmsghdr *rule_msg(struct msg *m, uint16_t type, int family, uint32_t prio, const char *from,
				 const char *iif, uint32_t table, uint8_t action)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct fib_rule_hdr *frh;
	uint8_t a[16];

	nlh->nlmsg_type = type;
	frh = mnl_nlmsg_put_extra_header(nlh, sizeof(*frh));
	frh->family = (uint8_t)family;
	frh->action = action;
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_COMPAT;
	if (from) {
		const char *slash = strchr(from, '/');
		char ip[64];

		snprintf(ip, sizeof(ip), "%.*s", (int)(slash - from), from);
		assert_int_equal(inet_pton(family, ip, a), 1);
		frh->src_len = (uint8_t)atoi(slash + 1);
		mnl_attr_put(nlh, FRA_SRC, family == AF_INET ? 4 : 16, a);
	}
	if (iif)
		mnl_attr_put_strz(nlh, FRA_IIFNAME, iif);
	if (prio)
		mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, NH_RTPROT_NETHEAL);
	return nlh;
}

static struct nlmsghdr *neigh_msg(struct msg *m, uint16_t type, int ifindex, const char *ip, uint16_t nud,
				  uint8_t last)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m->buf);
	struct ndmsg *ndm;
	int family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	uint8_t a[16], mac[6] = { 2, 0, 0, 0, 0, last };

	nlh->nlmsg_type = type;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = (uint8_t)family;
	ndm->ndm_ifindex = ifindex;
	ndm->ndm_state = nud;
	assert_int_equal(inet_pton(family, ip, a), 1);
	mnl_attr_put(nlh, NDA_DST, family == AF_INET ? 4 : 16, a);
	if (last)
		mnl_attr_put(nlh, NDA_LLADDR, sizeof(mac), mac);
	return nlh;
}

static void test_parse_rule(void **state)
{
	struct msg m;
	struct nh_fib_rule r;
	struct nlmsghdr *nlh;
	char buf[64];

	(void)state;
	assert_int_equal(nh_parse_rule(rule_msg(&m, RTM_NEWRULE, AF_INET, 100, "10.1.0.0/16", "v0", 100,
						 FR_ACT_TO_TBL), &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.priority, 100);
	assert_int_equal(r.has, NH_FRULE_HAS_FROM | NH_FRULE_HAS_IIF);
	assert_string_equal(nh_prefix_str(&r.from, true, buf, sizeof(buf)), "10.1.0.0/16");
	assert_string_equal(r.iif, "v0");
	assert_int_equal(r.action, NH_FRULE_TABLE);
	assert_int_equal(r.table, 100);
	assert_int_equal(r.protocol, NH_RTPROT_NETHEAL);

	/* table from the header; a blackhole looks up nothing; a mark alone has a full mask */
	nlh = rule_msg(&m, RTM_DELRULE, AF_INET6, 0, NULL, NULL, 0, FR_ACT_BLACKHOLE);
	mnl_attr_put_u32(nlh, FRA_FWMARK, 0x10);
	assert_int_equal(nh_parse_rule(nlh, &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.priority, 0);
	assert_int_equal(r.action, NH_FRULE_BLACKHOLE);
	assert_int_equal(r.table, 0);
	assert_int_equal(r.has, NH_FRULE_HAS_FWMARK);
	assert_int_equal(r.fwmask, 0xffffffff);

	/* the kernel says "no suppress_prefixlength" with -1 */
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, UINT32_MAX);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_IFGROUP, UINT32_MAX);
	assert_int_equal(nh_parse_rule(nlh, &r), 0);
	assert_false(r.has & NH_FRULE_HAS_OTHER);
	/* what the policy has no word for */
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN, 0);
	assert_int_equal(nh_parse_rule(nlh, &r), 0);
	assert_true(r.has & NH_FRULE_HAS_OTHER);
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	((struct fib_rule_hdr *)mnl_nlmsg_get_payload(nlh))->flags = FIB_RULE_INVERT;
	assert_int_equal(nh_parse_rule(nlh, &r), 0);
	assert_true(r.has & NH_FRULE_HAS_OTHER);
	assert_int_equal(nh_parse_rule(rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_GOTO), &r), 0);
	assert_true(r.has & NH_FRULE_HAS_OTHER);

	/* not ours to track, or malformed */
	assert_int_equal(nh_parse_rule(rule_msg(&m, RTM_NEWRULE, 128 /* RTNL_FAMILY_IPMR */, 5, NULL, NULL, 5,
						 FR_ACT_TO_TBL), &r), 1);
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	((struct fib_rule_hdr *)mnl_nlmsg_get_payload(nlh))->src_len = 8;  /* a length without FRA_SRC */
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, "10.0.0.0/8", NULL, 5, FR_ACT_TO_TBL);
	((struct fib_rule_hdr *)mnl_nlmsg_get_payload(nlh))->src_len = 33;
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	mnl_attr_put(nlh, FRA_IIFNAME, 20, "abcdefghijklmnopqrs");       /* longer than a name */
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
	nlh = rule_msg(&m, RTM_NEWRULE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	mnl_attr_put_u16(nlh, FRA_PRIORITY, 1);         /* a u32 of two bytes */
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
	nlh = rule_msg(&m, RTM_NEWROUTE, AF_INET, 5, NULL, NULL, 5, FR_ACT_TO_TBL);
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;          /* shorter than its header */
	nlh->nlmsg_type = RTM_NEWRULE;
	assert_int_equal(nh_parse_rule(nlh, &r), -EINVAL);
}

static void test_parse_neigh(void **state)
{
	struct msg m;
	struct nh_neigh n;
	struct nlmsghdr *nlh;
	uint16_t nud;
	char buf[64];

	(void)state;
	assert_int_equal(nh_parse_neigh(neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 9), &n, &nud), 0);
	assert_int_equal(nud, NUD_PERMANENT);
	assert_int_equal(n.ifindex, 3);
	assert_string_equal(nh_prefix_str(&n.addr, true, buf, sizeof(buf)), "10.1.1.1/32");
	assert_int_equal(n.has, NH_NEIGH_HAS_LLADDR);
	assert_int_equal(n.lladdr[5], 9);
	assert_int_equal(nh_parse_neigh(neigh_msg(&m, RTM_DELNEIGH, 3, "2001:db8::1", NUD_STALE, 0), &n, &nud), 0);
	assert_int_equal(nud, NUD_STALE);
	assert_int_equal(n.has, 0);
	assert_int_equal(n.addr.len, 128);
	/* a bridge fdb entry, a proxy entry: not ours */
	nlh = neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 9);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_family = AF_BRIDGE;
	assert_int_equal(nh_parse_neigh(nlh, &n, &nud), 1);
	nlh = neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 9);
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_flags = NTF_PROXY;
	assert_int_equal(nh_parse_neigh(nlh, &n, &nud), 1);
	/* malformed */
	assert_int_equal(nh_parse_neigh(neigh_msg(&m, RTM_NEWNEIGH, 0, "10.1.1.1", NUD_PERMANENT, 9), &n, &nud), -EINVAL);
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNEIGH;
	((struct ndmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ndmsg)))->ndm_family = AF_INET;
	((struct ndmsg *)mnl_nlmsg_get_payload(nlh))->ndm_ifindex = 3;
	assert_int_equal(nh_parse_neigh(nlh, &n, &nud), -EINVAL);     /* no NDA_DST */
	mnl_attr_put(nlh, NDA_DST, 16, "0123456789abcdef");            /* an IPv6 length in an IPv4 entry */
	assert_int_equal(nh_parse_neigh(nlh, &n, &nud), -EINVAL);
	/* a lladdr of another size is no Ethernet one */
	nlh = neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 0);
	mnl_attr_put(nlh, NDA_LLADDR, 4, "\x0a\x01\x01\x01");
	assert_int_equal(nh_parse_neigh(nlh, &n, &nud), 0);
	assert_int_equal(n.has, 0);
}

static void test_parse_netconf(void **state)
{
	struct msg m;
	struct nh_netconf nc;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(m.buf);
	struct netconfmsg *ncm;

	(void)state;
	nlh->nlmsg_type = RTM_NEWNETCONF;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = AF_INET;
	assert_int_equal(nh_parse_netconf(nlh, &nc), -EINVAL);          /* no NETCONFA_IFINDEX */
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
	mnl_attr_put_u32(nlh, NETCONFA_RP_FILTER, 2);
	mnl_attr_put_u32(nlh, NETCONFA_PROXY_NEIGH, 0);
	assert_int_equal(nh_parse_netconf(nlh, &nc), 0);
	assert_int_equal(nc.family, AF_INET);
	assert_int_equal(nc.ifindex, NETCONFA_IFINDEX_ALL);
	assert_int_equal(nc.has, (1u << NH_NETCONF_FORWARDING) | (1u << NH_NETCONF_RP_FILTER) |
			 (1u << NH_NETCONF_PROXY_NEIGH));
	assert_int_equal(nc.value[NH_NETCONF_FORWARDING], 1);
	assert_int_equal(nc.value[NH_NETCONF_RP_FILTER], 2);
	assert_string_equal(nh_netconf_leaf(AF_INET, NH_NETCONF_PROXY_NEIGH), "proxy_arp");
	assert_string_equal(nh_netconf_leaf(AF_INET6, NH_NETCONF_PROXY_NEIGH), "proxy_ndp");
	assert_null(nh_netconf_leaf(AF_INET6, NH_NETCONF_RP_FILTER));
	/* IPv6 has no rp_filter: a value the family does not have is not read */
	ncm->ncm_family = AF_INET6;
	assert_int_equal(nh_parse_netconf(nlh, &nc), 0);
	assert_int_equal(nc.has, (1u << NH_NETCONF_FORWARDING) | (1u << NH_NETCONF_PROXY_NEIGH));
	ncm->ncm_family = 28;   /* AF_MPLS */
	assert_int_equal(nh_parse_netconf(nlh, &nc), 1);
	ncm->ncm_family = AF_INET;
	mnl_attr_put_u16(nlh, NETCONFA_MC_FORWARDING, 1);
	assert_int_equal(nh_parse_netconf(nlh, &nc), -EINVAL);
}

static void test_apply_rules_neighbours(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nh_nl_event ev;
	char key[NH_OBJECT_KEYSIZ];
	struct drops drops = { 0 };
	const struct nh_observe_sink sink = { .dropped = collect, .ctx = &drops };

	(void)state;
	nh_state_init(&s);
	must_apply(&s, veth_msg(&m, 3, "v0", 0, IFF_UP), 1);
	/* rules: inserted sorted, one entry per rule, removed by the whole rule */
	must_apply(&s, rule_msg(&m, RTM_NEWRULE, AF_INET, 200, NULL, NULL, 5, FR_ACT_TO_TBL), 1);
	must_apply(&s, rule_msg(&m, RTM_NEWRULE, AF_INET, 100, "10.1.0.0/16", NULL, 100, FR_ACT_TO_TBL), 1);
	must_apply(&s, rule_msg(&m, RTM_NEWRULE, AF_INET, 100, "10.1.0.0/16", NULL, 100, FR_ACT_TO_TBL), 0);
	must_apply(&s, rule_msg(&m, RTM_NEWRULE, AF_INET6, 100, NULL, NULL, 5, FR_ACT_TO_TBL), 1);
	assert_int_equal(s.n_rules, 3);
	assert_int_equal(s.rules[0].priority, 100);
	assert_int_equal(s.rules[1].priority, 200);
	assert_int_equal(s.rules[2].family, AF_INET6);
	assert_int_equal(nh_observe_event(&s, rule_msg(&m, RTM_DELRULE, AF_INET, 200, NULL, NULL, 6, FR_ACT_TO_TBL),
					  &ev, NULL), 1);
	assert_false(ev.changed);       /* another table: another rule */
	assert_int_equal(nh_observe_event(&s, rule_msg(&m, RTM_DELRULE, AF_INET, 200, NULL, NULL, 5, FR_ACT_TO_TBL),
					  &ev, NULL), 1);
	assert_true(ev.changed);
	assert_int_equal(ev.obj, NH_OBJ_RULE);
	assert_int_equal(ev.frule.priority, 200);
	assert_int_equal(s.n_rules, 2);

	/* neighbours: permanent entries only; the dev resolved */
	assert_int_equal(nh_observe_event(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_REACHABLE, 1), &ev,
					  NULL), 0);
	assert_int_equal(s.n_neighs, 0);
	assert_int_equal(nh_observe_event(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 1), &ev,
					  NULL), 1);
	assert_true(ev.changed);
	assert_int_equal(ev.obj, NH_OBJ_NEIGH);
	assert_string_equal(ev.neigh.dev, "v0");
	assert_string_equal(nh_neigh_key(&s.neighs[0], key, sizeof(key)), "neigh:v0 10.1.1.1");
	must_apply(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 1), 0);
	must_apply(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_PERMANENT, 2), 1);    /* replaced */
	assert_int_equal(s.neighs[0].lladdr[5], 2);
	/* replaced by a learned entry: the permanent one is gone */
	assert_int_equal(nh_observe_event(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.1", NUD_STALE, 3), &ev, NULL), 1);
	assert_true(ev.changed);
	assert_int_equal(ev.type, RTM_DELNEIGH);
	assert_int_equal(s.n_neighs, 0);
	must_apply(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "2001:db8::1", NUD_PERMANENT, 4), 1);
	must_apply(&s, neigh_msg(&m, RTM_DELNEIGH, 3, "2001:db8::1", NUD_PERMANENT, 4), 1);
	assert_int_equal(nh_observe_event(&s, neigh_msg(&m, RTM_DELNEIGH, 3, "2001:db8::1", NUD_FAILED, 0), &ev, NULL), 0);

	/* renamed with its link, dropped (and told) with it */
	must_apply(&s, neigh_msg(&m, RTM_NEWNEIGH, 3, "10.1.1.9", NUD_PERMANENT, 9), 1);
	must_apply(&s, veth_msg(&m, 3, "v9", 0, IFF_UP), 1);
	assert_string_equal(s.neighs[0].dev, "v9");
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_DELLINK, 3, "v9", 0), &ev, &sink), 1);
	assert_int_equal(s.n_neighs, 0);
	assert_int_equal(drops.n, 1);
	assert_true(dropped_key(&drops, "neigh:v9 10.1.1.9"));
	nh_state_free(&s);
}

static void test_apply_netconf(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nh_nl_event ev;
	struct nlmsghdr *nlh;

	(void)state;
	nh_state_init(&s);
	must_apply(&s, veth_msg(&m, 3, "v0", 0, IFF_UP), 1);
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_RP_FILTER, 2);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_int_equal(ev.obj, NH_OBJ_NETCONF);
	assert_false(ev.changed);       /* an event to wake the service: no object changed */
	assert_string_equal(ev.link.name, "v0");
	assert_int_equal(ev.netconf.value[NH_NETCONF_RP_FILTER], 2);
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET6;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_DEFAULT);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_string_equal(ev.link.name, "default");
	assert_int_equal(s.n_sysctls, 0);

	/* kept in the netconf table: v0's IPv4 rp_filter */
	assert_non_null(nh_state_netconf(&s, AF_INET, 3));
	assert_int_equal(nh_state_netconf(&s, AF_INET, 3)->has, 1u << NH_NETCONF_RP_FILTER);
	assert_int_equal(nh_state_netconf(&s, AF_INET, 3)->value[NH_NETCONF_RP_FILTER], 2);
	/* a second value of the same entry merges in */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_int_equal(nh_state_netconf(&s, AF_INET, 3)->has, (1u << NH_NETCONF_RP_FILTER) | (1u << NH_NETCONF_FORWARDING));
	assert_int_equal(nh_state_netconf(&s, AF_INET, 3)->value[NH_NETCONF_RP_FILTER], 2);
	/* `all` is kept; a change of IPv4's `default`, copied by the kernel
	 * to links without a word, forgets IPv4's per-link entries */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 0);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_int_equal(nh_state_netconf(&s, AF_INET, NH_NETCONF_ALL)->value[NH_NETCONF_FORWARDING], 0);
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_DEFAULT);
	mnl_attr_put_u32(nlh, NETCONFA_RP_FILTER, 1);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_null(nh_state_netconf(&s, AF_INET, 3));
	assert_non_null(nh_state_netconf(&s, AF_INET, NH_NETCONF_ALL));
	assert_non_null(nh_state_netconf(&s, AF_INET, NH_NETCONF_DEFAULT));
	/* a link deleted takes its entries along; RTM_DELNETCONF drops one */
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_NEWNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET6;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, 3);
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_non_null(nh_state_netconf(&s, AF_INET6, 3));
	assert_int_equal(nh_observe_event(&s, link_msg(&m, RTM_DELLINK, 3, "v0", 0), &ev, NULL), 1);
	assert_null(nh_state_netconf(&s, AF_INET6, 3));
	nlh = mnl_nlmsg_put_header(m.buf);
	nlh->nlmsg_type = RTM_DELNETCONF;
	((struct netconfmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct netconfmsg)))->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)NETCONFA_IFINDEX_ALL);
	assert_int_equal(nh_observe_event(&s, nlh, &ev, NULL), 1);
	assert_null(nh_state_netconf(&s, AF_INET, NH_NETCONF_ALL));
	/* copies carry the table */
	{
		struct nh_state c;

		assert_int_equal(nh_state_copy(&c, &s), 0);
		assert_int_equal(c.n_netconfs, s.n_netconfs);
		assert_non_null(nh_state_netconf(&c, AF_INET, NH_NETCONF_DEFAULT));
		nh_state_free(&c);
	}
	nh_state_free(&s);
}

/* A link that takes the name of a stale entry (only after lost events)
 * which was its master: the stale entry goes, and with it the master's
 * name (fuzz_observe: the port kept naming a master that was gone). */
static void test_apply_stale_master(void **state)
{
	struct nh_state s;
	struct msg m;
	struct nlmsghdr *nlh;

	(void)state;
	nh_state_init(&s);
	assert_int_equal(nh_observe_apply(&s, link_msg(&m, RTM_NEWLINK, 4, "v-eth1", 0)), 1);
	nlh = link_msg(&m, RTM_NEWLINK, 6, "v-eth1", 0);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 4);
	assert_int_equal(nh_observe_apply(&s, nlh), 1);
	assert_int_equal(s.n_links, 1);
	assert_int_equal(s.links[0].ifindex, 6);
	assert_int_equal(s.links[0].master_index, 4);
	assert_string_equal(s.links[0].master, "");
	nh_state_free(&s);
}

/* A message whose nlmsg_len claims 2 GiB or more is not whole, whatever
 * int it makes (libmnl's mnl_nlmsg_ok takes it; its reader ran past the
 * datagram and mnl_nlmsg_next never moved on: fuzz_observe's first find,
 * tests/fuzz/regress/observe/). */
static void test_nlmsg_ok(void **state)
{
	uint32_t buf[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	static const uint32_t huge[] = { 0x80000000u, 0x80000100u, 0xc0000000u, 0xfffffffcu, 0xfffffffdu, 0xffffffffu };

	(void)state;
	nlh->nlmsg_len = sizeof(buf);
	assert_true(nh_nlmsg_ok(nlh, sizeof(buf)));
	assert_false(nh_nlmsg_ok(nlh, sizeof(buf) - 4));
	nlh->nlmsg_len = sizeof(*nlh) - 1;
	assert_false(nh_nlmsg_ok(nlh, sizeof(buf)));
	assert_false(nh_nlmsg_ok(nlh, 8));
	for (size_t i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		nlh->nlmsg_len = huge[i];
		assert_false(nh_nlmsg_ok(nlh, sizeof(buf)));
	}
}

/* A state read whole is shrunk to fit; event inserts then grow it by a
 * quarter and 256 bytes' worth, at least one element, not by doubling
 * (memory at 1000 namespaces, SPEC §8: a link is nearly 500 bytes). */
static void test_state_sizes(void **state)
{
	struct nh_state s;
	struct nh_link l = { 0 };
	int *v = NULL;
	struct nh_link *lv = NULL;
	size_t cap = 0, cap_lv = 0;

	(void)state;
	nh_state_init(&s);
	for (int i = 0; i < 5; i++) {
		snprintf(l.name, sizeof(l.name), "l%d", i);
		assert_int_equal(nh_state_add_link(&s, &l), 0);
	}
	assert_int_equal(s.cap_links, 8);               /* nh_grow doubled from 4 */
	nh_state_shrink(&s);
	assert_int_equal(s.cap_links, 5);
	assert_string_equal(s.links[4].name, "l4");
	assert_null(s.addrs);                           /* empty arrays hold nothing */
	assert_int_equal(s.cap_addrs, 0);
	nh_state_free(&s);

	assert_int_equal(nh_grow_slow(&v, &cap, 1, sizeof(*v)), 0);
	assert_int_equal(cap, 1 + 0 + 256 / sizeof(*v));
	assert_int_equal(nh_grow_slow(&v, &cap, 2, sizeof(*v)), 0);
	assert_int_equal(cap, 1 + 0 + 256 / sizeof(*v)); /* fits */
	assert_int_equal(nh_grow_slow(&v, &cap, 100, sizeof(*v)), 0);
	assert_int_equal(cap, 100 + 25 + 256 / sizeof(*v));
	free(v);
	assert_true(sizeof(*lv) > 256);
	assert_int_equal(nh_grow_slow(&lv, &cap_lv, 3, sizeof(*lv)), 0);
	assert_int_equal(cap_lv, 3 + 0 + 1);            /* one more link, not four */
	free(lv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_sizes),
		cmocka_unit_test(test_parse_link),
		cmocka_unit_test(test_parse_link_kinds),
		cmocka_unit_test(test_parse_link_malformed),
		cmocka_unit_test(test_parse_address),
		cmocka_unit_test(test_parse_route),
		cmocka_unit_test(test_parse_route_multipath_via),
		cmocka_unit_test(test_parse_nsid),
		cmocka_unit_test(test_apply_basic),
		cmocka_unit_test(test_apply_rename),
		cmocka_unit_test(test_apply_silent_route_flush),
		cmocka_unit_test(test_apply_consequences_reported),
		cmocka_unit_test(test_apply_nexthop_deleted),
		cmocka_unit_test(test_apply_delete_and_move),
		cmocka_unit_test(test_apply_veth_pair),
		cmocka_unit_test(test_apply_link_change_kinds),
		cmocka_unit_test(test_apply_link_names_counted),
		cmocka_unit_test(test_apply_routes_per_device),
		cmocka_unit_test(test_apply_nsid_and_malformed),
		cmocka_unit_test(test_apply_mutations),
		cmocka_unit_test(test_parse_rule),
		cmocka_unit_test(test_parse_neigh),
		cmocka_unit_test(test_parse_netconf),
		cmocka_unit_test(test_apply_rules_neighbours),
		cmocka_unit_test(test_apply_netconf),
		cmocka_unit_test(test_nlmsg_ok),
		cmocka_unit_test(test_apply_stale_master),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
