#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

int nh_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (len >= size) {
		if (size)
			dst[0] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int nh_grow(void *array, size_t *cap, size_t want, size_t elem_size)
{
	void **p = array;
	size_t n = *cap ? *cap : 4;
	void *q;

	if (want <= *cap)
		return 0;
	while (n < want)
		n *= 2;
	q = realloc(*p, n * elem_size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

uint64_t nh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
