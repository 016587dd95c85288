/*
 * macvtap, both halves without the kernel: the policy half (its keys, their
 * checks, the keys it refuses) through the parser, and the kernel half (the
 * create request, IFLA_INFO_DATA read back) through its registry entry.
 */
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "netlink/decode.h"
#include "netlink/kind.h"
#include "parse_helpers.h"
#include "policy/kind.h"

static void test_policy_half(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	const struct nh_link *l;

	(void)state;
	assert_ptr_equal(nh_kind_by_name("macvtap"), &nh_kind_macvtap);
	assert_ptr_equal(nh_kind_from_kernel("macvtap"), &nh_kind_macvtap);
	assert_int_equal(t_load("links = ( { name = \"eth1\"; } );\n"
				"namespaces = ( { name = \"blue\"; links = (\n"
				"  { name = \"mt0\"; kind = \"macvtap\"; parent = \"eth1\"; macvlan_mode = \"private\";\n"
				"    addresses = [ \"10.1.7.2/24\" ]; } ); } );\n", &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.n_netns, 1);
	l = &p.netns[0].want.links[0];
	assert_string_equal(l->name, "mt0");
	assert_ptr_equal(l->kind, &nh_kind_macvtap);
	assert_string_equal(l->parent, "eth1");
	assert_int_equal(l->macvlan_mode, NH_MACVLAN_PRIVATE);
	assert_true(l->has & NH_LINK_HAS_PARENT);
	assert_true(l->has & NH_LINK_HAS_MACVLAN_MODE);
	nh_policy_free(&p);
	nh_diags_free(&d);
}

static void test_policy_errors(void **state)
{
	static const struct dcase cases[] = {
		{ "no parent", "links = ( { name = \"mt0\"; kind = \"macvtap\"; } );\n", 1, false,
		  "macvtap 'mt0' needs a 'parent'" },
		{ "bad mode", "links = ( { name = \"e\"; }, { name = \"mt0\"; kind = \"macvtap\"; parent = \"e\";\n"
		  " macvlan_mode = \"source\"; } );\n", 2, false, "'macvlan_mode': unknown mode 'source'" },
		{ "vxlan key", "links = ( { name = \"e\"; }, { name = \"mt0\"; kind = \"macvtap\"; parent = \"e\";\n"
		  " id = 5; } );\n", 2, false, "'id' applies only to kind vlan or vxlan, and link 'mt0' has macvtap" },
		{ "mode elsewhere", "links = ( { name = \"b\"; kind = \"bridge\";\n macvlan_mode = \"vepa\"; } );\n",
		  2, false, "'macvlan_mode' applies only to kind macvlan or macvtap" },
	};

	(void)state;
	t_cases(cases, NH_ARRAY_SIZE(cases));
}

static void test_kernel_half(void **state)
{
	char buf[4096];
	struct nh_link l = { .name = "mt0", .kind = &nh_kind_macvtap, .macvlan_mode = NH_MACVLAN_VEPA };
	struct nh_kind_ctx kc = { .buflen = sizeof(buf), .netns_fd = 3, .peer_netns_fd = -1, .parent_ifindex = 4 };
	const struct nh_nl_kind *nk = nh_nl_kind_get(&nh_kind_macvtap);
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	struct nh_link back;

	(void)state;
	assert_non_null(nk);
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 9;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "mt0");
	assert_int_equal(nk->fill_create(nlh, &l, &kc), 0);
	/* what the kernel sends back for such a link reads as what was asked */
	assert_int_equal(nh_parse_link(nlh, &back), 0);
	assert_ptr_equal(back.kind, &nh_kind_macvtap);
	assert_string_equal(back.kind_name, "macvtap");
	assert_int_equal(back.link_index, 4);
	assert_int_equal(back.macvlan_mode, NH_MACVLAN_VEPA);
	assert_true(back.has & NH_LINK_HAS_MACVLAN_MODE);
	/* no parent, no request */
	kc.parent_ifindex = 0;
	assert_int_equal(nk->fill_create(nlh, &l, &kc), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_half),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_kernel_half),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
