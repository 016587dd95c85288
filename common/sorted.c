#include "sorted.h"

#include <string.h>

#include "util.h"

size_t nh_sorted_pos(const void *base, size_t n, size_t size, const void *key, nh_sorted_cmp_fn *cmp,
		     bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp((const char *)base + mid * size, key);

		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int nh_sorted_insert(void *arrayp, size_t *n, size_t *cap, size_t size, size_t pos, const void *elem)
{
	char **base = arrayp;
	int r = nh_grow_slow(arrayp, cap, *n + 1, size);

	if (r < 0)
		return r;
	memmove(*base + (pos + 1) * size, *base + pos * size, (*n - pos) * size);
	memcpy(*base + pos * size, elem, size);
	(*n)++;
	return 0;
}

void nh_sorted_remove(void *base, size_t *n, size_t size, size_t pos)
{
	memmove((char *)base + pos * size, (char *)base + (pos + 1) * size, (*n - pos - 1) * size);
	(*n)--;
}
