/* Small helpers shared by every stage; no kernel, no event loop. */
#ifndef NETHEAL_COMMON_UTIL_H
#define NETHEAL_COMMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define NH_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NH_UNUSED __attribute__((unused))
#define NH_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Copy a NUL-terminated string into a fixed buffer; returns -ENAMETOOLONG
 * (and leaves dst empty) when it does not fit. */
int nh_strlcpy(char *dst, const char *src, size_t size);

/* "an" before a word that starts with a vowel letter ("an ifb", "an
 * ipvlan"), else "a": for messages that name a link kind. */
const char *nh_a_or_an(const char *word);

/* Add word (len bytes, no space in it) to list, a NUL-terminated string of
 * space-separated words in a buffer of size bytes: once (a word already in
 * it is not added again), and while it fits with room for " ..."; once one
 * does not fit, the list ends with "..." and takes no more (on_heal's
 * detail, SPEC §3.1). */
void nh_words_add(char *list, size_t size, const char *word, size_t len);

/* Grow *array (of elem_size elements, *cap allocated) so that it holds at
 * least want elements. Returns 0 or -ENOMEM. */
int nh_grow(void *array, size_t *cap, size_t want, size_t elem_size);
/* The same, growing by a quarter and by 256 bytes' worth of elements (at
 * least one) instead of doubling: for
 * arrays that were sized to fit and then take a few inserts, so that one
 * insert into each of thousands of small arrays does not double them all
 * (nor move a small one at every insert). Returns 0 or -ENOMEM. */
int nh_grow_slow(void *array, size_t *cap, size_t want, size_t elem_size);

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when it is not one:
 * overlong forms, surrogates, code points past U+10FFFF and sequences cut
 * short are invalid. avail ≥ 1 bytes are readable at s. */
size_t nh_utf8_len(const unsigned char *s, size_t avail);

/* An ASCII control byte (below 0x20, or DEL): what names and values must
 * not hold raw in a log line or a policy. */
static inline bool nh_is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Optimal string alignment distance between a and b (insertions,
 * deletions, substitutions and adjacent swaps), ignoring case; UINT_MAX
 * when either is longer than 64 bytes. */
unsigned int nh_typo_distance(const char *a, const char *b);
/* Whether typo is likely a mistyped known: at most one edit per three
 * letters of known, at least one ("did you mean" hints). */
bool nh_typo_of(const char *typo, const char *known);

/* Monotonic clock in microseconds. */
uint64_t nh_now_us(void);

#endif
