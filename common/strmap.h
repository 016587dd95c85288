/*
 * A map from strings to pointers: open addressing, linear probing. Keys are
 * not copied; the caller keeps each key alive (and unchanged) while it is in
 * the map. For the lookups done per kernel event at a thousand namespaces:
 * namespace and rule by name, a managed link's last index.
 */
#ifndef NETHEAL_COMMON_STRMAP_H
#define NETHEAL_COMMON_STRMAP_H

#include <stddef.h>

struct nh_strmap_slot {
	const char *key;        /* NULL: free */
	void *value;
};

struct nh_strmap {
	struct nh_strmap_slot *slots;
	size_t cap;             /* 0 or a power of two */
	size_t n;
};

/* Set key to value (replacing). 0 or -ENOMEM. */
int nh_strmap_put(struct nh_strmap *m, const char *key, void *value);
/* The value, or NULL. */
void *nh_strmap_get(const struct nh_strmap *m, const char *key);
/* Remove key if present. */
void nh_strmap_del(struct nh_strmap *m, const char *key);
void nh_strmap_clear(struct nh_strmap *m);      /* empty, keeps the memory */
void nh_strmap_free(struct nh_strmap *m);       /* accepts NULL */

#endif
