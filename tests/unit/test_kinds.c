/*
 * The kinds' create encoders, without the kernel: what each puts in the
 * request, read back with the tb[] idiom, and that every buffer size short
 * of the whole request gives -EMSGSIZE and never writes past the end.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <cmocka.h>

#include "netlink/kind.h"

#define BUF 4096

struct msg {
	char buf[BUF];
	struct nlmsghdr *nlh;
};

static void msg_init(struct msg *m)
{
	memset(m->buf, 0, sizeof(m->buf));
	m->nlh = mnl_nlmsg_put_header(m->buf);
	m->nlh->nlmsg_type = RTM_NEWLINK;
	mnl_nlmsg_put_extra_header(m->nlh, sizeof(struct ifinfomsg));
}

static int table_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	/* every table here is IFLA_MAX long, enough for the nests read too */
	if (type <= IFLA_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

/* The attributes of a nest, or of the message after the ifinfomsg. */
static void parse_nest(const struct nlattr *nest, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (IFLA_MAX + 1));
	assert_int_equal(mnl_attr_parse_nested(nest, table_cb, tb), MNL_CB_OK);
}

static void parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb)
{
	memset(tb, 0, sizeof(*tb) * (IFLA_MAX + 1));
	assert_int_equal(mnl_attr_parse(nlh, sizeof(struct ifinfomsg), table_cb, tb), MNL_CB_OK);
}

/* IFLA_LINKINFO → kind string and IFLA_INFO_DATA's table (may be empty). */
static const char *linkinfo(const struct nlattr **top, const struct nlattr **data)
{
	const struct nlattr *info[IFLA_MAX + 1];

	assert_non_null(top[IFLA_LINKINFO]);
	parse_nest(top[IFLA_LINKINFO], info);
	assert_non_null(info[IFLA_INFO_KIND]);
	assert_int_equal(mnl_attr_validate(info[IFLA_INFO_KIND], MNL_TYPE_NUL_STRING), 0);
	memset(data, 0, sizeof(*data) * (IFLA_MAX + 1));
	if (info[IFLA_INFO_DATA])
		parse_nest(info[IFLA_INFO_DATA], data);
	return mnl_attr_get_str(info[IFLA_INFO_KIND]);
}

static int fill(const struct nh_kind *k, struct msg *m, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	const struct nh_nl_kind *ops = nh_nl_kind_get(k);

	assert_non_null(ops);
	assert_ptr_equal(ops->kind, k);
	msg_init(m);
	return ops->fill_create(m->nlh, l, kc);
}

/* Every buffer shorter than the full request fails cleanly: -EMSGSIZE (or
 * -EINVAL never), the bytes past the limit untouched. */
static void check_short_buffers(const struct nh_kind *k, const struct nh_link *l, const struct nh_kind_ctx *kc)
{
	struct nh_kind_ctx small = *kc;
	struct msg m;
	size_t full;

	assert_int_equal(fill(k, &m, l, kc), 0);
	full = m.nlh->nlmsg_len;
	for (size_t len = mnl_nlmsg_size(sizeof(struct ifinfomsg)); len < full; len++) {
		small.buflen = len;
		msg_init(&m);
		memset(m.buf + len, 0xa5, sizeof(m.buf) - len);
		assert_int_equal(nh_nl_kind_get(k)->fill_create(m.nlh, l, &small), -EMSGSIZE);
		for (size_t i = len; i < sizeof(m.buf); i++)
			assert_int_equal((unsigned char)m.buf[i], 0xa5);
	}
}

/* Every kind the policy can create has a kernel half that creates it; the
 * kernel half names its policy half; `physical` has none. */
static void test_registry(void **state)
{
	size_t with_create = 0;

	(void)state;
	assert_null(nh_nl_kind_get(NULL));
	assert_null(nh_nl_kind_get(&nh_kind_physical));
	assert_null(nh_kind_from_kernel("physical"));
	assert_null(nh_kind_from_kernel("tun"));
	for (size_t i = 0; i < nh_kind_count(); i++) {
		const struct nh_kind *k = nh_kind_at(i);
		const struct nh_nl_kind *nk = nh_nl_kind_get(k);

		assert_ptr_equal(nh_kind_by_name(k->name), k);
		if (!(k->flags & NH_KIND_CREATABLE)) {
			assert_null(nk);
			continue;
		}
		assert_non_null(nk);
		assert_ptr_equal(nk->kind, k);
		assert_non_null(nk->fill_create);
		assert_ptr_equal(nh_kind_from_kernel(k->name), k);
		with_create++;
	}
	assert_true(with_create >= 6);
	assert_true(nh_kind_macvlan.flags & NH_KIND_PARENT_IN_HOST);
	assert_true(nh_kind_vlan.flags & NH_KIND_PARENT_IN_HOST);
	assert_false(nh_kind_vxlan.flags & NH_KIND_PARENT_IN_HOST);
	assert_true(nh_kind_veth.flags & NH_KIND_PAIR);
	assert_false(nh_kind_bridge.flags & NH_KIND_MOVABLE);
	assert_true(nh_kind_bridge.flags & NH_KIND_TAKES_PORTS);
}

static void test_bridge(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1];
	struct nh_link l = { .name = "br1", .kind = &nh_kind_bridge };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = -1 };
	struct msg m;

	(void)state;
	assert_int_equal(fill(&nh_kind_bridge, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	assert_string_equal(linkinfo(tb, data), "bridge");
	assert_null(data[1]);
	check_short_buffers(&nh_kind_bridge, &l, &kc);
}

static void test_veth(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1], *peer[IFLA_MAX + 1];
	struct nh_link l = { .name = "v-peer1", .kind = &nh_kind_veth, .peer_name = "v-eth1" };
	struct nh_link p = { .has = NH_LINK_HAS_MTU | NH_LINK_HAS_MAC, .mtu = 1400,
			     .mac = { 2, 0, 0, 0, 0, 0xb } };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = 7, .peer = &p };
	const struct ifinfomsg *ifi;
	struct msg m;

	(void)state;
	assert_int_equal(fill(&nh_kind_veth, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	assert_string_equal(linkinfo(tb, data), "veth");
	assert_non_null(data[VETH_INFO_PEER]);
	/* the peer nest: an ifinfomsg, then the peer's attributes */
	assert_true(mnl_attr_get_payload_len(data[VETH_INFO_PEER]) >= sizeof(*ifi));
	ifi = mnl_attr_get_payload(data[VETH_INFO_PEER]);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	memset(peer, 0, sizeof(peer));
	assert_int_equal(mnl_attr_parse_payload((const char *)ifi + MNL_ALIGN(sizeof(*ifi)),
						mnl_attr_get_payload_len(data[VETH_INFO_PEER]) - MNL_ALIGN(sizeof(*ifi)),
						table_cb, peer), MNL_CB_OK);
	assert_string_equal(mnl_attr_get_str(peer[IFLA_IFNAME]), "v-eth1");
	assert_int_equal(mnl_attr_validate(peer[IFLA_NET_NS_FD], MNL_TYPE_U32), 0);
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_NET_NS_FD]), 7);
	assert_int_equal(mnl_attr_get_u32(peer[IFLA_MTU]), 1400);
	assert_int_equal(mnl_attr_get_payload_len(peer[IFLA_ADDRESS]), 6);
	assert_memory_equal(mnl_attr_get_payload(peer[IFLA_ADDRESS]), p.mac, 6);
	check_short_buffers(&nh_kind_veth, &l, &kc);

	l.peer_name[0] = '\0';
	assert_int_equal(fill(&nh_kind_veth, &m, &l, &kc), -EINVAL);
}

static void test_macvlan(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1];
	struct nh_link l = { .name = "mv0", .kind = &nh_kind_macvlan, .macvlan_mode = NH_MACVLAN_PRIVATE };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = -1, .parent_ifindex = 9 };
	struct msg m;

	(void)state;
	assert_int_equal(fill(&nh_kind_macvlan, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_LINK]), 9);
	assert_string_equal(linkinfo(tb, data), "macvlan");
	assert_int_equal(mnl_attr_get_u32(data[IFLA_MACVLAN_MODE]), MACVLAN_MODE_PRIVATE);
	check_short_buffers(&nh_kind_macvlan, &l, &kc);

	/* the policy's default mode is bridge, and it is always sent */
	l.macvlan_mode = NH_MACVLAN_BRIDGE;
	assert_int_equal(fill(&nh_kind_macvlan, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	linkinfo(tb, data);
	assert_int_equal(mnl_attr_get_u32(data[IFLA_MACVLAN_MODE]), MACVLAN_MODE_BRIDGE);

	kc.parent_ifindex = 0;
	assert_int_equal(fill(&nh_kind_macvlan, &m, &l, &kc), -EINVAL);
}

static void test_vlan(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1];
	struct nh_link l = { .name = "vl5", .kind = &nh_kind_vlan, .has = NH_LINK_HAS_ID, .id = 5 };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = -1, .parent_ifindex = 4 };
	struct msg m;

	(void)state;
	assert_int_equal(fill(&nh_kind_vlan, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_LINK]), 4);
	assert_string_equal(linkinfo(tb, data), "vlan");
	assert_int_equal(mnl_attr_get_u16(data[IFLA_VLAN_ID]), 5);
	check_short_buffers(&nh_kind_vlan, &l, &kc);

	l.id = 4095;
	assert_int_equal(fill(&nh_kind_vlan, &m, &l, &kc), -EINVAL);
}

static void test_vxlan(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1];
	struct nh_link l = { .name = "vx0", .kind = &nh_kind_vxlan, .id = 42, .port = 4789,
			     .has = NH_LINK_HAS_ID | NH_LINK_HAS_PORT | NH_LINK_HAS_REMOTE | NH_LINK_HAS_LOCAL };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = -1 };
	struct msg m;

	(void)state;
	assert_int_equal(nh_ip_parse("192.0.2.1", &l.remote), 0);
	assert_int_equal(nh_ip_parse("192.0.2.2", &l.local), 0);
	assert_int_equal(fill(&nh_kind_vxlan, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	assert_string_equal(linkinfo(tb, data), "vxlan");
	assert_int_equal(mnl_attr_get_u32(data[IFLA_VXLAN_ID]), 42);
	/* the port goes in network byte order */
	assert_int_equal(mnl_attr_get_u16(data[IFLA_VXLAN_PORT]), htons(4789));
	assert_memory_equal(mnl_attr_get_payload(data[IFLA_VXLAN_GROUP]), l.remote.addr, 4);
	assert_memory_equal(mnl_attr_get_payload(data[IFLA_VXLAN_LOCAL]), l.local.addr, 4);
	assert_null(data[IFLA_VXLAN_GROUP6]);
	assert_null(data[IFLA_VXLAN_LINK]);
	check_short_buffers(&nh_kind_vxlan, &l, &kc);

	assert_int_equal(nh_ip_parse("2001:db8::1", &l.remote), 0);
	assert_int_equal(nh_ip_parse("2001:db8::2", &l.local), 0);
	kc.parent_ifindex = 6;
	assert_int_equal(fill(&nh_kind_vxlan, &m, &l, &kc), 0);
	parse_msg(m.nlh, tb);
	linkinfo(tb, data);
	assert_memory_equal(mnl_attr_get_payload(data[IFLA_VXLAN_GROUP6]), l.remote.addr, 16);
	assert_memory_equal(mnl_attr_get_payload(data[IFLA_VXLAN_LOCAL6]), l.local.addr, 16);
	assert_int_equal(mnl_attr_get_u32(data[IFLA_VXLAN_LINK]), 6);
	assert_null(data[IFLA_VXLAN_GROUP]);

	l.has &= ~NH_LINK_HAS_ID;
	assert_int_equal(fill(&nh_kind_vxlan, &m, &l, &kc), -EINVAL);
}

static void test_dummy_and_mtu_mac(void **state)
{
	const struct nlattr *tb[IFLA_MAX + 1], *data[IFLA_MAX + 1];
	struct nh_link l = { .name = "d0", .kind = &nh_kind_dummy,
			     .has = NH_LINK_HAS_MTU | NH_LINK_HAS_MAC, .mtu = 9000, .mac = { 2, 1, 2, 3, 4, 5 } };
	struct nh_kind_ctx kc = { .buflen = BUF, .netns_fd = 3, .peer_netns_fd = -1 };
	struct msg m;

	(void)state;
	assert_int_equal(fill(&nh_kind_dummy, &m, &l, &kc), 0);
	assert_int_equal(nh_kind_put_mtu_mac(m.nlh, BUF, &l), 0);
	parse_msg(m.nlh, tb);
	assert_string_equal(linkinfo(tb, data), "dummy");
	assert_int_equal(mnl_attr_get_u32(tb[IFLA_MTU]), 9000);
	assert_memory_equal(mnl_attr_get_payload(tb[IFLA_ADDRESS]), l.mac, 6);
	check_short_buffers(&nh_kind_dummy, &l, &kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_veth),
		cmocka_unit_test(test_macvlan),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_vxlan),
		cmocka_unit_test(test_dummy_and_mtu_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
