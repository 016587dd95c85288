#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "strbuf.h"

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

unsigned int nh_typo_distance(const char *a, const char *b)
{
	enum { MAX = 64 };
	unsigned int d[MAX + 1][MAX + 1];
	size_t n = strlen(a), m = strlen(b);

	if (n > MAX || m > MAX)
		return UINT_MAX;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned int)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned int)j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			unsigned int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
			unsigned int v = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[n][m];
}

bool nh_typo_of(const char *typo, const char *known)
{
	size_t len = strlen(known);
	unsigned int limit = len / 3 ? (unsigned int)(len / 3) : 1;

	return nh_typo_distance(typo, known) <= limit;
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
	/* a quarter more, and at least one element or 256 bytes' worth */
	n = want + want / 4 + (elem_size < 256 ? 256 / elem_size : 1);
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

/* Whether word (len bytes) is one of list's space-separated words. */
static bool has_word(const char *list, const char *word, size_t len)
{
	for (const char *p = list; *p; ) {
		size_t n = strcspn(p, " ");

		if (n == len && memcmp(p, word, len) == 0)
			return true;
		p += n;
		p += *p == ' ';
	}
	return false;
}

void nh_words_add(char *list, size_t size, const char *word, size_t len)
{
	size_t have = strlen(list);
	struct nh_strbuf b;

	if (!len || (have >= 3 && strcmp(list + have - 3, "...") == 0) || has_word(list, word, len))
		return;
	b = (struct nh_strbuf){ .s = list, .size = size, .len = have };
	if (have)
		nh_strbuf_chr(&b, ' ');
	if (have + 1 + len + 4 >= size)
		nh_strbuf_str(&b, "...");
	else
		nh_strbuf_mem(&b, word, len);
}

uint64_t nh_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
