#include "histogram.h"

const uint64_t nh_histogram_bound_us[NH_HISTOGRAM_BUCKETS] = {
	100, 250, 500, 1000, 2000, 5000, 10000, 50000, 100000, 250000, 1000000,
};

const char *const nh_histogram_le[NH_HISTOGRAM_BUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.05", "0.1", "0.25", "1",
};

void nh_histogram_observe(struct nh_histogram *h, uint64_t us)
{
	size_t b = 0;

	while (b < NH_HISTOGRAM_BUCKETS && us > nh_histogram_bound_us[b])
		b++;
	h->counts[b]++;
	h->sum_us += us;
	h->count++;
}
