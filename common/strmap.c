#include "strmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a */
static size_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return (size_t)h;
}

static struct nh_strmap_slot *find(const struct nh_strmap *m, const char *key)
{
	size_t mask = m->cap - 1, i;

	for (i = hash(key) & mask;; i = (i + 1) & mask) {
		struct nh_strmap_slot *s = &m->slots[i];

		if (!s->key || strcmp(s->key, key) == 0)
			return s;
	}
}

static int grow(struct nh_strmap *m)
{
	struct nh_strmap old = *m;
	size_t cap = old.cap ? old.cap * 2 : 16;

	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots) {
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find(m, old.slots[i].key) = old.slots[i], m->n++;
	free(old.slots);
	return 0;
}

int nh_strmap_put(struct nh_strmap *m, const char *key, void *value)
{
	struct nh_strmap_slot *s;

	/* at most half full, so probes stay short and find() always ends */
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return -ENOMEM;
	s = find(m, key);
	if (!s->key)
		m->n++;
	s->key = key;
	s->value = value;
	return 0;
}

void *nh_strmap_get(const struct nh_strmap *m, const char *key)
{
	struct nh_strmap_slot *s;

	if (!m->cap)
		return NULL;
	s = find(m, key);
	return s->key ? s->value : NULL;
}

/* Backward-shift deletion: no tombstones, lookups stay exact. */
void nh_strmap_del(struct nh_strmap *m, const char *key)
{
	size_t mask = m->cap - 1, i, j;

	if (!m->cap)
		return;
	i = (size_t)(find(m, key) - m->slots);
	if (!m->slots[i].key)
		return;
	for (j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = hash(m->slots[j].key) & mask;

		/* move j into the hole at i unless its home lies in (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
			m->slots[i] = m->slots[j];
			i = j;
		}
	}
	m->slots[i].key = NULL;
	m->slots[i].value = NULL;
	m->n--;
}

void nh_strmap_clear(struct nh_strmap *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

void nh_strmap_free(struct nh_strmap *m)
{
	if (!m)
		return;
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
