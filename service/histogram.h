/*
 * The heal-latency histogram (SPEC §7 netheal_heal_latency_seconds): fixed
 * buckets in µs, counted by the core, printed by the metrics file.
 */
#ifndef NETHEAL_SERVICE_HISTOGRAM_H
#define NETHEAL_SERVICE_HISTOGRAM_H

#include <stddef.h>
#include <stdint.h>

/* Upper bounds, µs and as Prometheus prints them ("le"). Heals are
 * sub-millisecond (SPEC §8); the tail is veth and namespace rebuilds on
 * busy bridges (tens of ms). */
#define NH_HISTOGRAM_BUCKETS 11
extern const uint64_t nh_histogram_bound_us[NH_HISTOGRAM_BUCKETS];
extern const char *const nh_histogram_le[NH_HISTOGRAM_BUCKETS];

struct nh_histogram {
	uint64_t counts[NH_HISTOGRAM_BUCKETS + 1];      /* per bucket, the last +Inf; not cumulative */
	uint64_t sum_us;
	uint64_t count;
};

/* Count one latency of us µs (le is inclusive). */
void nh_histogram_observe(struct nh_histogram *h, uint64_t us);

#endif
