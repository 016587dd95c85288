/* Flap damping and retry backoff with simulated time (SPEC §4.5, §5.4). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/util.h"
#include "service/backoff.h"

static const struct nh_backoff defaults = {
	.flap_count = 5, .flap_window = 60, .initial_ms = 1000, .max_ms = 300000,
};

/* A healer driven by simulated milliseconds: a rival deletes the object
 * every `period` ms from `from` until `until`; the healer heals whenever
 * the object is missing and the tracker allows it, else waits for the time
 * the tracker gave (a timer). Heal times are stored in heals[]. */
struct sim {
	struct nh_flap *t;
	uint64_t heals[64];
	size_t n_heals;
	unsigned int flapping_logged;
	bool present;
	uint64_t timer;                 /* 0: none armed */
};

static void sim_step(struct sim *s, uint64_t now)
{
	struct nh_flap_verdict v;
	uint64_t d;

	if (s->present || (s->timer && now < s->timer))
		return;
	s->timer = 0;
	d = nh_flap_delay_ms(s->t, "blue", "address:10.1.1.100/24", now);
	if (d > 0) {
		s->timer = now + d;
		return;
	}
	assert_int_equal(nh_flap_record_heal(s->t, "blue", "address:10.1.1.100/24", now, &v), 0);
	s->present = true;
	if (v.became_flapping)
		s->flapping_logged++;
	if (s->n_heals < 64)
		s->heals[s->n_heals] = now;
	s->n_heals++;
}

static void sim_run(struct sim *s, uint64_t from, uint64_t until, uint64_t period, uint64_t end)
{
	for (uint64_t now = from; now <= end; now++) {
		if (now < until && (now - from) % period == 0)
			s->present = false;
		sim_step(s, now);
	}
}

static void test_rival_every_50ms_for_10s(void **state)
{
	static const uint64_t want[] = { 0, 50, 100, 150, 200, 1200, 3200, 7200, 15200 };
	struct sim s = { .t = nh_flap_new(&defaults), .present = true };

	(void)state;
	assert_non_null(s.t);
	sim_run(&s, 0, 10000, 50, 75000);
	/* An undamped healer makes 200 heals; damped: flap_count, then one per
	 * doubling delay: 5 + log2(10 s / 1 s) rounded up. */
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want));
	for (size_t i = 0; i < NH_ARRAY_SIZE(want); i++)
		assert_int_equal(s.heals[i], want[i]);
	assert_int_equal(s.flapping_logged, 1);
	assert_true(nh_flap_is_flapping(s.t, "blue", "address:10.1.1.100/24"));

	/* The rival stopped at 10 s; the last heal was at 15.2 s. A deletion
	 * a quiet window later is healed at once, and the episode is over. */
	s.present = false;
	sim_step(&s, 15200 + 60000);
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want) + 1);
	assert_int_equal(s.heals[s.n_heals - 1], 75200);
	assert_false(nh_flap_is_flapping(s.t, "blue", "address:10.1.1.100/24"));

	/* And a new burst needs flap_count heals again before damping, and
	 * logs `flapping` once more (a new episode). */
	sim_run(&s, 80000, 81000, 50, 90000);
	assert_int_equal(s.flapping_logged, 2);
	nh_flap_free(s.t);
}

/* The delay outgrows the window (64 s > 60 s): waiting that long is not a
 * quiet window when the object was seen drifting all along. */
static void test_long_rival_stays_damped(void **state)
{
	static const uint64_t want[] = { 0, 50, 100, 150, 200, 1200, 3200, 7200, 15200, 31200,
					 63200, 127200, 255200, 511200, 811200, 1111200 };
	struct sim s = { .t = nh_flap_new(&defaults), .present = true };

	(void)state;
	sim_run(&s, 0, 1200000, 50, 1200000);
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want));
	for (size_t i = 0; i < NH_ARRAY_SIZE(want); i++)
		assert_int_equal(s.heals[i], want[i]);
	assert_int_equal(s.flapping_logged, 1);
	nh_flap_free(s.t);
}

static void test_threshold_and_doubling(void **state)
{
	struct nh_backoff cfg = { .flap_count = 3, .flap_window = 10, .initial_ms = 100, .max_ms = 350 };
	struct nh_flap *t = nh_flap_new(&cfg);
	struct nh_flap_verdict v;
	static const uint64_t delays[] = { 100, 200, 350, 350 };

	(void)state;
	assert_int_equal(nh_flap_delay_ms(t, "", "route:default", 0), 0);   /* unknown: heal now */
	assert_int_equal(nh_flap_record_heal(t, "", "route:default", 0, &v), 0);
	assert_false(v.flapping);
	assert_int_equal(v.heals, 1);
	assert_int_equal(nh_flap_record_heal(t, "", "route:default", 1000, &v), 0);
	assert_false(v.flapping);
	assert_int_equal(v.delay_ms, 0);
	assert_int_equal(nh_flap_record_heal(t, "", "route:default", 2000, &v), 0);
	assert_true(v.flapping);
	assert_true(v.became_flapping);
	assert_int_equal(v.delay_ms, 100);
	assert_int_equal(nh_flap_delay_ms(t, "", "route:default", 2040), 60);
	for (size_t i = 1; i < NH_ARRAY_SIZE(delays); i++) {
		uint64_t now = 2000 + i * 1000;

		assert_int_equal(nh_flap_delay_ms(t, "", "route:default", now), 0);
		assert_int_equal(nh_flap_record_heal(t, "", "route:default", now, &v), 0);
		assert_true(v.flapping);
		assert_false(v.became_flapping);
		assert_int_equal(v.delay_ms, delays[i]);
	}
	/* Other objects are independent. */
	assert_int_equal(nh_flap_delay_ms(t, "", "route:10.1.2.0/24", 5000), 0);
	assert_false(nh_flap_is_flapping(t, "blue", "route:default"));
	nh_flap_free(t);
}

/* Heals spread wider than the window never make an object flap. */
static void test_slow_heals_never_flap(void **state)
{
	struct nh_flap *t = nh_flap_new(&defaults);
	struct nh_flap_verdict v;

	(void)state;
	for (uint64_t i = 0; i < 100; i++) {
		assert_int_equal(nh_flap_delay_ms(t, "blue", "state:up", i * 15000), 0);
		assert_int_equal(nh_flap_record_heal(t, "blue", "state:up", i * 15000, &v), 0);
		assert_false(v.flapping);
		assert_true(v.heals <= 4);
	}
	nh_flap_free(t);
}

/* A drift inside the quiet window after the last heal keeps the episode. */
static void test_drift_inside_window_keeps_episode(void **state)
{
	struct nh_flap *t = nh_flap_new(&defaults);
	struct nh_flap_verdict v;

	(void)state;
	for (uint64_t i = 0; i < 5; i++)
		nh_flap_record_heal(t, "blue", "link:v-peer1", i, &v);
	assert_true(v.became_flapping);
	/* 59.999 s after the last heal: still flapping, but the wait is over. */
	assert_int_equal(nh_flap_delay_ms(t, "blue", "link:v-peer1", 4 + 59999), 0);
	assert_int_equal(nh_flap_record_heal(t, "blue", "link:v-peer1", 4 + 59999, &v), 0);
	assert_true(v.flapping);
	assert_false(v.became_flapping);
	assert_int_equal(v.delay_ms, 2000);
	nh_flap_free(t);
}

static void test_off_expire_forget(void **state)
{
	struct nh_backoff off = defaults;
	struct nh_flap *t = nh_flap_new(&off);
	struct nh_flap_verdict v;

	(void)state;
	nh_flap_record_heal(t, "blue", "a", 0, &v);
	nh_flap_record_heal(t, "blue", "b", 0, &v);
	nh_flap_record_heal(t, "red", "a", 0, &v);
	assert_int_equal(nh_flap_count(t), 3);
	nh_flap_forget(t, "blue", NULL);
	assert_int_equal(nh_flap_count(t), 1);
	/* A drifting object is kept however old its last heal. */
	nh_flap_record_heal(t, "blue", "c", 10, &v);
	nh_flap_delay_ms(t, "blue", "c", 20);
	assert_int_equal(nh_flap_expire(t, 59999), 0);
	assert_int_equal(nh_flap_expire(t, 60010), 1);  /* red/a */
	assert_int_equal(nh_flap_count(t), 1);
	nh_flap_forget(t, "blue", "c");
	assert_int_equal(nh_flap_count(t), 0);
	nh_flap_free(t);

	/* Many objects: the table grows and finds every one. */
	t = nh_flap_new(&defaults);
	for (int i = 0; i < 1000; i++) {
		char obj[32];

		snprintf(obj, sizeof(obj), "address:10.1.%d.%d/32", i / 250, i % 250);
		for (int k = 0; k < 5; k++)
			nh_flap_record_heal(t, "blue", obj, (uint64_t)k, &v);
	}
	assert_int_equal(nh_flap_count(t), 1000);
	assert_true(nh_flap_is_flapping(t, "blue", "address:10.1.3.249/32"));
	assert_false(nh_flap_is_flapping(t, "red", "address:10.1.3.249/32"));
	nh_flap_free(t);

	off.flap_count = 0;     /* damping off */
	t = nh_flap_new(&off);
	for (int i = 0; i < 100; i++) {
		nh_flap_record_heal(t, "blue", "a", (uint64_t)i, &v);
		assert_false(v.flapping);
	}
	assert_int_equal(nh_flap_count(t), 0);
	nh_flap_free(t);
	nh_flap_free(NULL);
}

static void test_retry(void **state)
{
	struct nh_retry *r = nh_retry_new(NH_RETRY_INITIAL_MS, 1000);
	struct nh_retry_verdict v;

	(void)state;
	nh_retry_succeeded(r, "blue", "route:default", &v);
	assert_int_equal(v.change, NH_RETRY_OK);
	assert_false(nh_retry_change_logs(v.change));

	assert_int_equal(nh_retry_failed(r, "blue", "route:default", -ENETUNREACH,
					 "Nexthop has invalid gateway", 0, &v), 0);
	assert_int_equal(v.change, NH_RETRY_FIRST_FAILURE);
	assert_true(nh_retry_change_logs(v.change));
	assert_int_equal(v.delay_ms, 100);
	assert_int_equal(v.attempts, 1);
	assert_int_equal(nh_retry_delay_ms(r, "blue", "route:default", 30), 70);
	assert_int_equal(nh_retry_delay_ms(r, "blue", "route:default", 100), 0);
	assert_int_equal(nh_retry_delay_ms(r, "red", "route:default", 30), 0);

	nh_retry_failed(r, "blue", "route:default", -ENETUNREACH, "Nexthop has invalid gateway", 100, &v);
	assert_int_equal(v.change, NH_RETRY_SAME_FAILURE);
	assert_false(nh_retry_change_logs(v.change));
	assert_int_equal(v.delay_ms, 200);
	nh_retry_failed(r, "blue", "route:default", -ENETUNREACH, "Network is unreachable", 300, &v);
	assert_int_equal(v.change, NH_RETRY_NEW_FAILURE);
	assert_int_equal(v.delay_ms, 400);
	nh_retry_failed(r, "blue", "route:default", -EEXIST, "Network is unreachable", 700, &v);
	assert_int_equal(v.change, NH_RETRY_NEW_FAILURE);
	assert_int_equal(v.delay_ms, 800);
	nh_retry_failed(r, "blue", "route:default", -EEXIST, "Network is unreachable", 1500, &v);
	assert_int_equal(v.change, NH_RETRY_SAME_FAILURE);
	assert_int_equal(v.delay_ms, 1000);     /* capped */
	assert_int_equal(v.attempts, 5);
	nh_retry_failed(r, "blue", "mtu:9000", -EINVAL, NULL, 1500, &v);
	assert_int_equal(v.change, NH_RETRY_FIRST_FAILURE);
	assert_int_equal(nh_retry_count(r), 2);

	nh_retry_succeeded(r, "blue", "route:default", &v);
	assert_int_equal(v.change, NH_RETRY_RECOVERED);
	assert_true(nh_retry_change_logs(v.change));
	assert_int_equal(v.attempts, 5);
	nh_retry_succeeded(r, "blue", "route:default", &v);
	assert_int_equal(v.change, NH_RETRY_OK);
	assert_int_equal(nh_retry_count(r), 1);

	/* After recovery a failure is a first failure again, from initial_ms. */
	nh_retry_failed(r, "blue", "route:default", -EEXIST, NULL, 5000, &v);
	assert_int_equal(v.change, NH_RETRY_FIRST_FAILURE);
	assert_int_equal(v.delay_ms, 100);
	nh_retry_forget(r, "blue", NULL);
	assert_int_equal(nh_retry_count(r), 0);
	assert_string_equal(nh_retry_change_to_string(NH_RETRY_NEW_FAILURE), "new-failure");
	nh_retry_free(r);
	nh_retry_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rival_every_50ms_for_10s),
		cmocka_unit_test(test_long_rival_stays_damped),
		cmocka_unit_test(test_threshold_and_doubling),
		cmocka_unit_test(test_slow_heals_never_flap),
		cmocka_unit_test(test_drift_inside_window_keeps_episode),
		cmocka_unit_test(test_off_expire_forget),
		cmocka_unit_test(test_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
