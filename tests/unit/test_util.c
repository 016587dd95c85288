/* common/util: nh_words_add, the list of objects on_heal is told (SPEC
 * §3.1), kept by the core per namespace and merged by the hook runner. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"

static void add(char *list, size_t size, const char *word)
{
	nh_words_add(list, size, word, strlen(word));
}

/* Each word once, space-separated, in the order first added; a word that
 * is a prefix or a suffix of one in the list is another word. */
static void test_once(void **state)
{
	char list[64] = "";

	(void)state;
	add(list, sizeof(list), "link:v1");
	add(list, sizeof(list), "address:10.1.1.1/24");
	add(list, sizeof(list), "link:v1");
	add(list, sizeof(list), "link:v");
	add(list, sizeof(list), "ink:v1");
	add(list, sizeof(list), "");
	assert_string_equal(list, "link:v1 address:10.1.1.1/24 link:v ink:v1");
	/* len bytes of word, not up to its NUL */
	nh_words_add(list, sizeof(list), "route:default link:v1", 13);
	assert_string_equal(list, "link:v1 address:10.1.1.1/24 link:v ink:v1 route:default");
}

/* Past the buffer, "..." ends the list for good; the buffer never
 * overflows, and a word already there is still not added. */
static void test_full(void **state)
{
	char list[24] = "";

	(void)state;
	add(list, sizeof(list), "link:aaaa");
	add(list, sizeof(list), "link:bbbb");           /* 19 bytes, and room for " ..." */
	assert_string_equal(list, "link:aaaa link:bbbb");
	add(list, sizeof(list), "x");                   /* 21, but " ..." would not fit after it */
	assert_string_equal(list, "link:aaaa link:bbbb ...");
	add(list, sizeof(list), "y");
	add(list, sizeof(list), "link:cccc");
	assert_string_equal(list, "link:aaaa link:bbbb ...");

	char tiny[5] = "";

	add(tiny, sizeof(tiny), "link:aaaa");
	assert_string_equal(tiny, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_once),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
