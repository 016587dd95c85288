/* common/jsonutil: names that are not UTF-8 become valid JSON strings, each
 * bad byte one U+FFFD, and valid text is left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/jsonutil.h"
#include "common/util.h"

#define FFFD "\xef\xbf\xbd"

/* nh_json_string(in) holds exactly want, which jansson itself takes for
 * UTF-8, and it survives a dump and a load. */
static void check_string(const char *in, const char *want)
{
	json_t *v = nh_json_string(in), *again, *back;
	char *text;

	assert_non_null(v);
	assert_true(json_is_string(v));
	assert_int_equal(json_string_length(v), strlen(want));
	assert_memory_equal(json_string_value(v), want, strlen(want) + 1);
	again = json_string(json_string_value(v));     /* NULL if not UTF-8 */
	assert_non_null(again);
	text = json_dumps(v, JSON_ENCODE_ANY);
	assert_non_null(text);
	back = json_loads(text, JSON_DECODE_ANY, NULL);
	assert_non_null(back);
	assert_true(json_equal(back, v));
	json_decref(back);
	free(text);
	json_decref(again);
	json_decref(v);
}

static void test_valid_text_unchanged(void **state)
{
	(void)state;
	check_string("", "");
	check_string("blue", "blue");
	check_string("qrouter-\"x\\y\n", "qrouter-\"x\\y\n");
	check_string("ctl\x01\x1f\x7f", "ctl\x01\x1f\x7f");
	check_string("caf\xc3\xa9", "caf\xc3\xa9");                          /* é */
	check_string("\xe2\x82\xac \xf0\x9f\x98\x80", "\xe2\x82\xac \xf0\x9f\x98\x80");  /* € 😀 */
	check_string("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");                 /* U+10FFFF */
	check_string("\xed\x9f\xbf", "\xed\x9f\xbf");                         /* U+D7FF */
}

static void test_invalid_bytes_replaced(void **state)
{
	(void)state;
	check_string("\xff", FFFD);
	check_string("bad\xffname", "bad" FFFD "name");
	check_string("x\xfe\xff", "x" FFFD FFFD);
	check_string("\x80start", FFFD "start");                              /* lone continuation */
	check_string("over\xc0\xaf", "over" FFFD FFFD);                       /* overlong '/' */
	check_string("\xe0\x80\xaf", FFFD FFFD FFFD);                         /* overlong, 3 bytes */
	check_string("sur\xed\xa0\x80", "sur" FFFD FFFD FFFD);                /* surrogate U+D800 */
	check_string("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);                /* past U+10FFFF */
	check_string("trunc\xc3", "trunc" FFFD);                              /* cut at the end */
	check_string("\xe2\x82x", FFFD FFFD "x");                             /* cut in the middle */
	check_string("end\xf0\x9f\x98", "end" FFFD FFFD FFFD);
	/* Valid sequences around bad bytes are kept whole. */
	check_string("\xc3\xa9\xff\xc3\xa9", "\xc3\xa9" FFFD "\xc3\xa9");
}

/* An interface name of 15 bad bytes: the longest the kernel allows. */
static void test_longest_name(void **state)
{
	char in[16], want[3 * 15 + 1] = "";

	(void)state;
	memset(in, 0xff, 15);
	in[15] = '\0';
	for (int i = 0; i < 15; i++)
		strcat(want, FFFD);
	check_string(in, want);
}

static void test_utf8_len(void **state)
{
	(void)state;
	assert_int_equal(nh_utf8_len((const unsigned char *)"a", 1), 1);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xc3\xa9", 1), 0);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xc0\xaf", 2), 0);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0);
	assert_int_equal(nh_utf8_len((const unsigned char *)"\xff", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_text_unchanged),
		cmocka_unit_test(test_invalid_bytes_replaced),
		cmocka_unit_test(test_longest_name),
		cmocka_unit_test(test_utf8_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
