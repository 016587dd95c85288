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
	struct nh_backoff cfg;
	struct nh_flap f;
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
	d = nh_flap_delay_ms(&s->cfg, &s->f, now);
	if (d > 0) {
		s->timer = now + d;
		return;
	}
	assert_int_equal(nh_flap_record_heal(&s->cfg, &s->f, now, &v), 0);
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
	struct sim s = { .cfg = defaults, .present = true };

	(void)state;
	sim_run(&s, 0, 10000, 50, 75000);
	/* An undamped healer makes 200 heals; damped: flap_count, then one per
	 * doubling delay: 5 + log2(10 s / 1 s) rounded up. */
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want));
	for (size_t i = 0; i < NH_ARRAY_SIZE(want); i++)
		assert_int_equal(s.heals[i], want[i]);
	assert_int_equal(s.flapping_logged, 1);
	assert_true(s.f.flapping);
	assert_true(s.f.cap_times <= defaults.flap_count);

	/* The rival stopped at 10 s; the last heal was at 15.2 s. A deletion
	 * a quiet window later is healed at once, and the episode is over. */
	s.present = false;
	sim_step(&s, 15200 + 60000);
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want) + 1);
	assert_int_equal(s.heals[s.n_heals - 1], 75200);
	assert_false(s.f.flapping);

	/* And a new burst needs flap_count heals again before damping, and
	 * logs `flapping` once more (a new episode). */
	sim_run(&s, 80000, 81000, 50, 90000);
	assert_int_equal(s.flapping_logged, 2);
	nh_flap_clear(&s.f);
}

/* The delay outgrows the window (64 s > 60 s): waiting that long is not a
 * quiet window when the object was seen drifting all along. */
static void test_long_rival_stays_damped(void **state)
{
	static const uint64_t want[] = { 0, 50, 100, 150, 200, 1200, 3200, 7200, 15200, 31200,
					 63200, 127200, 255200, 511200, 811200, 1111200 };
	struct sim s = { .cfg = defaults, .present = true };

	(void)state;
	sim_run(&s, 0, 1200000, 50, 1200000);
	assert_int_equal(s.n_heals, NH_ARRAY_SIZE(want));
	for (size_t i = 0; i < NH_ARRAY_SIZE(want); i++)
		assert_int_equal(s.heals[i], want[i]);
	assert_int_equal(s.flapping_logged, 1);
	nh_flap_clear(&s.f);
}

static void test_threshold_and_doubling(void **state)
{
	struct nh_backoff cfg = { .flap_count = 3, .flap_window = 10, .initial_ms = 100, .max_ms = 350 };
	struct nh_flap f = { 0 }, other = { 0 };
	struct nh_flap_verdict v;
	static const uint64_t delays[] = { 100, 200, 350, 350 };

	(void)state;
	assert_int_equal(nh_flap_delay_ms(&cfg, &f, 0), 0);   /* never healed: heal now */
	assert_int_equal(nh_flap_record_heal(&cfg, &f, 0, &v), 0);
	assert_false(v.flapping);
	assert_int_equal(v.heals, 1);
	assert_int_equal(nh_flap_record_heal(&cfg, &f, 1000, &v), 0);
	assert_false(v.flapping);
	assert_int_equal(v.delay_ms, 0);
	assert_int_equal(nh_flap_record_heal(&cfg, &f, 2000, &v), 0);
	assert_true(v.flapping);
	assert_true(v.became_flapping);
	assert_int_equal(v.delay_ms, 100);
	assert_int_equal(nh_flap_delay_ms(&cfg, &f, 2040), 60);
	for (size_t i = 1; i < NH_ARRAY_SIZE(delays); i++) {
		uint64_t now = 2000 + i * 1000;

		assert_int_equal(nh_flap_delay_ms(&cfg, &f, now), 0);
		assert_int_equal(nh_flap_record_heal(&cfg, &f, now, &v), 0);
		assert_true(v.flapping);
		assert_false(v.became_flapping);
		assert_int_equal(v.delay_ms, delays[i]);
	}
	/* The ring holds flap_count times at most. */
	assert_true(f.cap_times <= cfg.flap_count);
	/* Another object's record is its own. */
	assert_int_equal(nh_flap_delay_ms(&cfg, &other, 5000), 0);
	assert_false(other.flapping);
	nh_flap_clear(&f);
	nh_flap_clear(&other);
}

/* Heals spread wider than the window never make an object flap. */
static void test_slow_heals_never_flap(void **state)
{
	struct nh_flap f = { 0 };
	struct nh_flap_verdict v;

	(void)state;
	for (uint64_t i = 0; i < 100; i++) {
		assert_int_equal(nh_flap_delay_ms(&defaults, &f, i * 15000), 0);
		assert_int_equal(nh_flap_record_heal(&defaults, &f, i * 15000, &v), 0);
		assert_false(v.flapping);
		assert_true(v.heals <= 4);
	}
	nh_flap_clear(&f);
}

/* A drift inside the quiet window after the last heal keeps the episode. */
static void test_drift_inside_window_keeps_episode(void **state)
{
	struct nh_flap f = { 0 };
	struct nh_flap_verdict v;

	(void)state;
	for (uint64_t i = 0; i < 5; i++)
		nh_flap_record_heal(&defaults, &f, i, &v);
	assert_true(v.became_flapping);
	/* 59.999 s after the last heal: still flapping, but the wait is over. */
	assert_int_equal(nh_flap_delay_ms(&defaults, &f, 4 + 59999), 0);
	assert_int_equal(nh_flap_record_heal(&defaults, &f, 4 + 59999, &v), 0);
	assert_true(v.flapping);
	assert_false(v.became_flapping);
	assert_int_equal(v.delay_ms, 2000);
	nh_flap_clear(&f);
}

/* Idle records may be dropped; a drifting one never; damping off records
 * nothing; a huge flap_count (damping off in practice) keeps only what the
 * window holds. */
static void test_off_idle_memory(void **state)
{
	struct nh_backoff off = defaults, huge = defaults;
	struct nh_flap f = { 0 };
	struct nh_flap_verdict v;

	(void)state;
	assert_true(nh_flap_idle(&defaults, &f, 0));
	nh_flap_record_heal(&defaults, &f, 10, &v);
	assert_false(nh_flap_idle(&defaults, &f, 59999));
	assert_true(nh_flap_idle(&defaults, &f, 60010));
	/* drifting: kept however old its last heal */
	nh_flap_delay_ms(&defaults, &f, 60020);
	assert_false(nh_flap_idle(&defaults, &f, 600000));
	nh_flap_clear(&f);
	assert_null(f.times);

	off.flap_count = 0;     /* damping off */
	for (int i = 0; i < 100; i++) {
		nh_flap_record_heal(&off, &f, (uint64_t)i, &v);
		assert_false(v.flapping);
	}
	assert_int_equal(f.n_times, 0);
	assert_null(f.times);

	huge.flap_count = 1000000;
	for (uint64_t t = 0; t < 1000000; t += 100) {     /* one heal every 100 ms for 1000 s */
		assert_int_equal(nh_flap_delay_ms(&huge, &f, t), 0);
		assert_int_equal(nh_flap_record_heal(&huge, &f, t, &v), 0);
		assert_false(v.flapping);
	}
	assert_true(f.n_times <= 600);                   /* the 60 s window's worth */
	assert_true(f.cap_times <= 1024);
	nh_flap_clear(&f);
}

static void test_retry(void **state)
{
	struct nh_retry r = { 0 };
	struct nh_retry_verdict v;

	(void)state;
	nh_retry_succeeded(&r, &v);
	assert_int_equal(v.change, NH_RETRY_OK);
	assert_false(nh_retry_change_logs(v.change));

	nh_retry_failed(&r, -ENETUNREACH, "Nexthop has invalid gateway", 0, &v);
	assert_int_equal(v.change, NH_RETRY_FIRST_FAILURE);
	assert_true(nh_retry_change_logs(v.change));
	assert_int_equal(v.delay_ms, 100);
	assert_int_equal(v.attempts, 1);
	assert_int_equal(nh_retry_delay_ms(&r, 30), 70);
	assert_int_equal(nh_retry_delay_ms(&r, 100), 0);

	nh_retry_failed(&r, -ENETUNREACH, "Nexthop has invalid gateway", 100, &v);
	assert_int_equal(v.change, NH_RETRY_SAME_FAILURE);
	assert_false(nh_retry_change_logs(v.change));
	assert_int_equal(v.delay_ms, 200);
	nh_retry_failed(&r, -ENETUNREACH, "Network is unreachable", 300, &v);
	assert_int_equal(v.change, NH_RETRY_NEW_FAILURE);
	assert_int_equal(v.delay_ms, 400);
	nh_retry_failed(&r, -EEXIST, "Network is unreachable", 700, &v);
	assert_int_equal(v.change, NH_RETRY_NEW_FAILURE);
	assert_int_equal(v.delay_ms, 800);
	for (uint64_t t = 1500; t < 100000; t += 1000)
		nh_retry_failed(&r, -EEXIST, "Network is unreachable", t, &v);
	assert_int_equal(v.change, NH_RETRY_SAME_FAILURE);
	assert_int_equal(v.delay_ms, NH_RETRY_MAX_MS);  /* capped */

	nh_retry_succeeded(&r, &v);
	assert_int_equal(v.change, NH_RETRY_RECOVERED);
	assert_true(nh_retry_change_logs(v.change));
	assert_true(v.attempts > 5);
	assert_false(r.failing);
	nh_retry_succeeded(&r, &v);
	assert_int_equal(v.change, NH_RETRY_OK);

	/* After recovery a failure is a first failure again, from the start. */
	nh_retry_failed(&r, -EEXIST, NULL, 5000, &v);
	assert_int_equal(v.change, NH_RETRY_FIRST_FAILURE);
	assert_int_equal(v.delay_ms, 100);
	assert_string_equal(nh_retry_change_to_string(NH_RETRY_NEW_FAILURE), "new-failure");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rival_every_50ms_for_10s),
		cmocka_unit_test(test_long_rival_stays_damped),
		cmocka_unit_test(test_threshold_and_doubling),
		cmocka_unit_test(test_slow_heals_never_flap),
		cmocka_unit_test(test_drift_inside_window_keeps_episode),
		cmocka_unit_test(test_off_idle_memory),
		cmocka_unit_test(test_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
