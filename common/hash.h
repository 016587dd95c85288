/*
 * The one hash map: uthash (Debian uthash-dev), intrusive, keyed by a
 * string the element holds. An element has a `UT_hash_handle hh` member; a
 * table is a pointer to its first element (NULL when empty). Iterate with
 * HASH_ITER (deletion of the current element allowed), find with
 * HASH_FIND_STR, remove with HASH_DEL, count with HASH_COUNT.
 *
 * Out of memory is not fatal here (HASH_NONFATAL_OOM): add with NH_HASH_ADD,
 * which says whether the element went in. Every file that uses uthash
 * includes it through this header, so the setting is the same everywhere.
 */
#ifndef NETHEAL_COMMON_HASH_H
#define NETHEAL_COMMON_HASH_H

#include <errno.h>
#include <string.h>

#define HASH_NONFATAL_OOM 1
/* Most tables are small (a namespace's object records: a handful); the big
 * ones (10,000 namespaces) double as they grow. uthash's default of 32
 * buckets would cost half a KiB per namespace for nothing. */
#define HASH_INITIAL_NUM_BUCKETS 4U
#define HASH_INITIAL_NUM_BUCKETS_LOG2 2U
#include <uthash.h>

/* Add item to table head under its NUL-terminated string member key (not
 * copied: it lives in item). An expression: 0, or -ENOMEM when the item
 * could not be added (the table is as it was). */
#define NH_HASH_ADD(head, key, item) __extension__ ({ \
		HASH_ADD_KEYPTR(hh, head, (item)->key, strlen((item)->key), item); \
		(item)->hh.tbl ? 0 : -ENOMEM; })

/* The same for a table of uint32_t keys through handle hh_name (an
 * element may be in several tables, one handle each). */
#define NH_HASH_ADD_U32(hh_name, head, key, item) __extension__ ({ \
		HASH_ADD(hh_name, head, key, sizeof(uint32_t), item); \
		(item)->hh_name.tbl ? 0 : -ENOMEM; })

#endif
