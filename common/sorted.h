/*
 * Sorted arrays of fixed-size elements: binary search, insert and remove
 * at a position. The monitor keeps each namespace's links, addresses and
 * routes this way (monitor/observe.c), and the freed nsids (monitor/nsid.c).
 */
#ifndef NETHEAL_COMMON_SORTED_H
#define NETHEAL_COMMON_SORTED_H

#include <stdbool.h>
#include <stddef.h>

/* cmp(element, key): <0, 0 or >0 as element sorts before, with or after key. */
typedef int nh_sorted_cmp_fn(const void *element, const void *key);

/* Where key is in base (n elements of size bytes, sorted by cmp), *found
 * true; or where it would be inserted, *found false. */
size_t nh_sorted_pos(const void *base, size_t n, size_t size, const void *key, nh_sorted_cmp_fn *cmp,
		     bool *found);

/* Insert a copy of elem (size bytes) at pos of the array *arrayp (a
 * malloc'd T *, *n elements, room for *cap), grown by nh_grow_slow when
 * full. Returns 0, or -ENOMEM (nothing changed). */
int nh_sorted_insert(void *arrayp, size_t *n, size_t *cap, size_t size, size_t pos, const void *elem);

/* Remove the element at pos (< *n). */
void nh_sorted_remove(void *base, size_t *n, size_t size, size_t pos);

#endif
