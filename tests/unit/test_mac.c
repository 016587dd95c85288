/* policy/model: nh_mac_parse (glibc's ether_aton_r behind a strict shape
 * check) and nh_mac_str (the iproute2 form). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <netinet/ether.h>

#include <cmocka.h>

#include "common/util.h"
#include "policy/model.h"

static void check_parse(const char *s, const uint8_t want[6])
{
	uint8_t mac[6];

	if (nh_mac_parse(s, mac) != 0)
		fail_msg("refused '%s'", s);
	assert_memory_equal(mac, want, 6);
}

static void test_parse_valid(void **state)
{
	static const uint8_t a[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x0a };
	static const uint8_t b[6] = { 0x02, 0xab, 0xcd, 0xef, 0x00, 0x01 };

	(void)state;
	check_parse("02:00:00:00:00:0a", a);
	check_parse("2:0:0:0:0:a", a);                  /* one digit per group, as ether_aton_r takes */
	check_parse("02:0:00:0:00:A", a);
	check_parse("02:AB:cd:Ef:00:01", b);
	/* Multicast, broadcast and all-zero parse: the policy parser refuses
	 * them with its own messages (test_parse). */
	check_parse("01:00:5e:00:00:01", (const uint8_t[6]){ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 });
	check_parse("ff:ff:ff:ff:ff:ff", (const uint8_t[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	check_parse("00:00:00:00:00:00", (const uint8_t[6]){ 0 });
}

static void test_parse_invalid(void **state)
{
	static const char *bad[] = {
		"", ":", "02", "02:00:00:00:00", "02:00:00:00:00:", ":02:00:00:00:00:01",
		"02:00:00:00:00:00:00", "02:00:00:00:00:0g", "zz:00:00:00:00:00",
		"002:00:00:00:00:01", "02:00:00:00:00:001", "02::00:00:00:00:01",
		"02:00:00:00:00:01 ", " 02:00:00:00:00:01", "02:00:00:00:00:01x", "02:00:00:00:00:01:",
		"02-00-00-00-00-01", "0200.0000.0001", "020000000001", "0x2:0:0:0:0:1", "+2:0:0:0:0:1",
		"02:00:00:00:00:01\n",
	};

	(void)state;
	for (size_t i = 0; i < NH_ARRAY_SIZE(bad); i++) {
		uint8_t mac[6];

		memset(mac, 0xee, sizeof(mac));
		if (nh_mac_parse(bad[i], mac) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
		assert_memory_equal(mac, "\xee\xee\xee\xee\xee\xee", 6);     /* untouched */
	}
}

/* Why the shape is checked before ether_aton_r: it ignores what follows
 * the sixth group. If glibc ever stops doing so, this still passes. */
static void test_parse_trailing_bytes(void **state)
{
	struct ether_addr ea;
	uint8_t mac[6];

	(void)state;
	if (ether_aton_r("02:00:00:00:00:01zzz", &ea))
		print_message("glibc's ether_aton_r takes \"02:00:00:00:00:01zzz\"\n");
	assert_int_equal(nh_mac_parse("02:00:00:00:00:01zzz", mac), -EINVAL);
}

static void test_str(void **state)
{
	static const uint8_t mac[6] = { 0x02, 0xab, 0x00, 0x0f, 0xff, 0x10 };
	char buf[NH_MAC_STRLEN], small[5];

	(void)state;
	assert_ptr_equal(nh_mac_str(mac, buf, sizeof(buf)), buf);
	assert_string_equal(buf, "02:ab:00:0f:ff:10");
	assert_int_equal(strlen(buf), NH_MAC_STRLEN - 1);
	assert_string_equal(nh_mac_str((const uint8_t[6]){ 0 }, buf, sizeof(buf)), "00:00:00:00:00:00");
	/* A short buffer gets the text cut, NUL-terminated. */
	assert_string_equal(nh_mac_str(mac, small, sizeof(small)), "02:a");
}

/* Parse and format agree: any accepted spelling comes back in the one form. */
static void test_round_trip(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "2:0:0:0:0:a", "02:00:00:00:00:0a" },
		{ "02:AB:cd:Ef:0:1", "02:ab:cd:ef:00:01" },
		{ "fe:dc:ba:98:76:54", "fe:dc:ba:98:76:54" },
	};
	char buf[NH_MAC_STRLEN];
	uint8_t mac[6];

	(void)state;
	for (size_t i = 0; i < NH_ARRAY_SIZE(cases); i++) {
		assert_int_equal(nh_mac_parse(cases[i].in, mac), 0);
		assert_string_equal(nh_mac_str(mac, buf, sizeof(buf)), cases[i].out);
	}
	for (unsigned int v = 0; v < 256; v++) {
		uint8_t m[6] = { 0x02, (uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7), 0, (uint8_t)v };

		nh_mac_str(m, buf, sizeof(buf));
		assert_int_equal(nh_mac_parse(buf, mac), 0);
		assert_memory_equal(mac, m, 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_trailing_bytes),
		cmocka_unit_test(test_str),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
