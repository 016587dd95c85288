/* common/strmap: against a plain array as the reference, with many deletes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/strmap.h"

#define KEYS 600

static void test_basic(void **state)
{
	struct nh_strmap m = { 0 };
	int a, b;

	(void)state;
	assert_null(nh_strmap_get(&m, "x"));
	nh_strmap_del(&m, "x");
	assert_int_equal(nh_strmap_put(&m, "blue", &a), 0);
	assert_int_equal(nh_strmap_put(&m, "", &b), 0);      /* the host's name */
	assert_ptr_equal(nh_strmap_get(&m, "blue"), &a);
	assert_ptr_equal(nh_strmap_get(&m, ""), &b);
	assert_int_equal(nh_strmap_put(&m, "blue", &b), 0);
	assert_ptr_equal(nh_strmap_get(&m, "blue"), &b);
	assert_int_equal(m.n, 2);
	nh_strmap_del(&m, "blue");
	assert_null(nh_strmap_get(&m, "blue"));
	assert_ptr_equal(nh_strmap_get(&m, ""), &b);
	nh_strmap_clear(&m);
	assert_null(nh_strmap_get(&m, ""));
	assert_int_equal(m.n, 0);
	nh_strmap_free(&m);
	nh_strmap_free(NULL);
}

/* Random puts and deletes; after each, every key agrees with the reference. */
static void test_random(void **state)
{
	static char keys[KEYS][16];
	static void *ref[KEYS];
	struct nh_strmap m = { 0 };
	unsigned int seed = 12345;

	(void)state;
	for (int i = 0; i < KEYS; i++)
		snprintf(keys[i], sizeof(keys[i]), "ns%d", i);
	for (int step = 0; step < 20000; step++) {
		int k = (int)(rand_r(&seed) % KEYS);
		size_t n = 0;

		if (rand_r(&seed) % 3 == 0) {
			nh_strmap_del(&m, keys[k]);
			ref[k] = NULL;
		} else {
			assert_int_equal(nh_strmap_put(&m, keys[k], &ref[k]), 0);
			ref[k] = &ref[k];
		}
		if (step % 97)
			continue;
		for (int i = 0; i < KEYS; i++) {
			assert_ptr_equal(nh_strmap_get(&m, keys[i]), ref[i]);
			n += ref[i] != NULL;
		}
		assert_int_equal(m.n, n);
	}
	nh_strmap_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
