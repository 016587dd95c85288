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

size_t nh_utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
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

int nh_grow_slow(void *array, size_t *cap, size_t want, size_t elem_size)
{
	void **p = array;
	size_t n;
	void *q;

	if (want <= *cap)
		return 0;
	n = want + want / 4 + 4;
	q = realloc(*p, n * elem_size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

const char *nh_a_or_an(const char *word)
{
	return word && word[0] && strchr("aeioAEIO", word[0]) ? "an" : "a";
}

uint64_t nh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
