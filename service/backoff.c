#include "backoff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* ---- a small hash table keyed by (netns, object) ---------------------------
 * Entries embed struct node first; the key is "netns\0object\0", owned. */

struct node {
	struct node *next;
	uint64_t hash;
	char *key;
	size_t netns_len;       /* strlen(netns): the object starts after its NUL */
};

struct table {
	struct node **buckets;
	size_t n_buckets;       /* a power of two, or 0 */
	size_t n;
};

static uint64_t key_hash(const char *netns, const char *object)
{
	uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a */

	for (const char *p = netns; ; p++) {
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
		if (!*p)
			break;
	}
	for (const char *p = object; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return h;
}

static bool node_is(const struct node *n, uint64_t h, const char *netns, const char *object)
{
	return n->hash == h && strcmp(n->key, netns) == 0 &&
	       strcmp(n->key + n->netns_len + 1, object) == 0;
}

static struct node *table_find(const struct table *t, const char *netns, const char *object)
{
	uint64_t h;

	if (!t->n_buckets)
		return NULL;
	h = key_hash(netns, object);
	for (struct node *n = t->buckets[h & (t->n_buckets - 1)]; n; n = n->next)
		if (node_is(n, h, netns, object))
			return n;
	return NULL;
}

static int table_grow(struct table *t)
{
	size_t nb = t->n_buckets ? t->n_buckets * 2 : 64;
	struct node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct node *n = t->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	free(t->buckets);
	t->buckets = b;
	t->n_buckets = nb;
	return 0;
}

/* Insert a zeroed entry of size bytes (a struct starting with struct node). */
static struct node *table_insert(struct table *t, size_t size, const char *netns, const char *object)
{
	size_t nl = strlen(netns), ol = strlen(object);
	struct node *n;

	if (t->n >= t->n_buckets && table_grow(t) < 0)
		return NULL;
	n = calloc(1, size);
	if (!n)
		return NULL;
	n->key = malloc(nl + ol + 2);
	if (!n->key) {
		free(n);
		return NULL;
	}
	memcpy(n->key, netns, nl + 1);
	memcpy(n->key + nl + 1, object, ol + 1);
	n->netns_len = nl;
	n->hash = key_hash(netns, object);
	n->next = t->buckets[n->hash & (t->n_buckets - 1)];
	t->buckets[n->hash & (t->n_buckets - 1)] = n;
	t->n++;
	return n;
}

static void node_free(struct node *n)
{
	free(n->key);
	free(n);
}

/* Remove every node for which drop(node, ctx) is true. */
static size_t table_remove_if(struct table *t, bool (*drop)(const struct node *, const void *),
			      const void *ctx)
{
	size_t removed = 0;

	for (size_t i = 0; i < t->n_buckets; i++) {
		struct node **pp = &t->buckets[i];

		while (*pp) {
			struct node *n = *pp;

			if (!drop(n, ctx)) {
				pp = &n->next;
				continue;
			}
			*pp = n->next;
			node_free(n);
			removed++;
		}
	}
	t->n -= removed;
	return removed;
}

static bool drop_all(const struct node *n NH_UNUSED, const void *ctx NH_UNUSED)
{
	return true;
}

static void table_free(struct table *t)
{
	table_remove_if(t, drop_all, NULL);
	free(t->buckets);
}

struct key_match {
	const char *netns, *object;     /* object NULL: any */
};

static bool drop_matching(const struct node *n, const void *ctx)
{
	const struct key_match *k = ctx;

	return strcmp(n->key, k->netns) == 0 &&
	       (!k->object || strcmp(n->key + n->netns_len + 1, k->object) == 0);
}

/* Remove one object (a direct bucket walk), or every object of netns. */
static void table_forget(struct table *t, const char *netns, const char *object)
{
	struct key_match k = { netns ? netns : "", object };
	uint64_t h;

	if (!object) {
		table_remove_if(t, drop_matching, &k);
		return;
	}
	if (!t->n_buckets)
		return;
	h = key_hash(k.netns, object);
	for (struct node **pp = &t->buckets[h & (t->n_buckets - 1)]; *pp; pp = &(*pp)->next) {
		struct node *n = *pp;

		if (node_is(n, h, k.netns, object)) {
			*pp = n->next;
			node_free(n);
			t->n--;
			return;
		}
	}
}

/* ---- flap damping ---------------------------------------------------------- */

struct flap_entry {
	struct node node;
	bool flapping;
	bool drift_seen;        /* needed a heal since the last one */
	uint64_t drift_since;   /* ... first seen then */
	uint64_t last_heal;
	uint64_t delay;         /* current wait between heals while flapping */
	unsigned int n_times;   /* heal times held in times[] (≤ flap_count) */
	unsigned int head;      /* index of the oldest */
	uint64_t times[];       /* ring of the last flap_count heal times */
};

struct nh_flap {
	struct nh_backoff cfg;
	uint64_t window_ms;
	struct table table;
};

struct nh_flap *nh_flap_new(const struct nh_backoff *cfg)
{
	struct nh_flap *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	t->window_ms = (uint64_t)cfg->flap_window * 1000;
	if (t->cfg.max_ms < t->cfg.initial_ms)
		t->cfg.max_ms = t->cfg.initial_ms;
	return t;
}

void nh_flap_free(struct nh_flap *t)
{
	if (!t)
		return;
	table_free(&t->table);
	free(t);
}

static struct flap_entry *flap_find(const struct nh_flap *t, const char *netns, const char *object)
{
	return (struct flap_entry *)table_find(&t->table, netns ? netns : "", object);
}

/* An episode ends when the object stayed healed for a whole window. */
static void flap_check_quiet(const struct nh_flap *t, struct flap_entry *e, uint64_t since)
{
	if (e->flapping && since - e->last_heal >= t->window_ms) {
		e->flapping = false;
		e->delay = 0;
	}
}

uint64_t nh_flap_delay_ms(struct nh_flap *t, const char *netns, const char *object, uint64_t now_ms)
{
	struct flap_entry *e = flap_find(t, netns, object);
	uint64_t ready;

	if (!e)
		return 0;
	if (!e->drift_seen) {
		e->drift_seen = true;
		e->drift_since = now_ms;
	}
	flap_check_quiet(t, e, e->drift_since);
	if (!e->flapping)
		return 0;
	ready = e->last_heal + e->delay;
	return ready > now_ms ? ready - now_ms : 0;
}

/* Drop heal times that fell out of the window ending at now. */
static void flap_prune(const struct nh_flap *t, struct flap_entry *e, uint64_t now)
{
	while (e->n_times > 0 && now - e->times[e->head] >= t->window_ms) {
		e->head = (e->head + 1) % t->cfg.flap_count;
		e->n_times--;
	}
}

static void flap_push(const struct nh_flap *t, struct flap_entry *e, uint64_t now)
{
	unsigned int cap = t->cfg.flap_count;

	if (e->n_times == cap) {        /* full: the oldest goes */
		e->head = (e->head + 1) % cap;
		e->n_times--;
	}
	e->times[(e->head + e->n_times) % cap] = now;
	e->n_times++;
}

int nh_flap_record_heal(struct nh_flap *t, const char *netns, const char *object, uint64_t now_ms,
			struct nh_flap_verdict *v)
{
	struct flap_entry *e;

	memset(v, 0, sizeof(*v));
	if (t->cfg.flap_count == 0)
		return 0;
	e = flap_find(t, netns, object);
	if (!e) {
		e = (struct flap_entry *)table_insert(&t->table,
			sizeof(*e) + t->cfg.flap_count * sizeof(e->times[0]), netns ? netns : "", object);
		if (!e)
			return -ENOMEM;
	}
	/* A heal without a delay query first (the caller healed at once) still
	 * ends a quiet episode. */
	flap_check_quiet(t, e, e->drift_seen ? e->drift_since : now_ms);
	e->drift_seen = false;
	flap_prune(t, e, now_ms);
	flap_push(t, e, now_ms);
	e->last_heal = now_ms;
	if (e->flapping) {
		e->delay = e->delay * 2 > t->cfg.max_ms ? t->cfg.max_ms : e->delay * 2;
	} else if (e->n_times >= t->cfg.flap_count) {
		e->flapping = true;
		e->delay = t->cfg.initial_ms;
		v->became_flapping = true;
	}
	v->flapping = e->flapping;
	v->delay_ms = e->flapping ? e->delay : 0;
	v->heals = e->n_times;
	return 0;
}

bool nh_flap_is_flapping(const struct nh_flap *t, const char *netns, const char *object)
{
	const struct flap_entry *e = flap_find(t, netns, object);

	return e && e->flapping;
}

void nh_flap_forget(struct nh_flap *t, const char *netns, const char *object)
{
	table_forget(&t->table, netns, object);
}

struct expire_ctx {
	uint64_t now, window;
};

static bool flap_expired(const struct node *n, const void *ctx)
{
	const struct expire_ctx *x = ctx;
	const struct flap_entry *e = (const struct flap_entry *)n;

	return !e->drift_seen && x->now - e->last_heal >= x->window;
}

size_t nh_flap_expire(struct nh_flap *t, uint64_t now_ms)
{
	struct expire_ctx x = { now_ms, t->window_ms };

	return table_remove_if(&t->table, flap_expired, &x);
}

size_t nh_flap_count(const struct nh_flap *t)
{
	return t->table.n;
}

/* ---- retry after failure --------------------------------------------------- */

struct retry_entry {
	struct node node;
	int err;
	char reason[256];
	unsigned int attempts;
	uint64_t ready;         /* monotonic ms: not before */
	uint64_t delay;
};

struct nh_retry {
	unsigned int initial_ms, max_ms;
	struct table table;
};

static const char *const retry_change_names[] = {
	[NH_RETRY_OK]            = "ok",
	[NH_RETRY_FIRST_FAILURE] = "first-failure",
	[NH_RETRY_SAME_FAILURE]  = "same-failure",
	[NH_RETRY_NEW_FAILURE]   = "new-failure",
	[NH_RETRY_RECOVERED]     = "recovered",
};

const char *nh_retry_change_to_string(enum nh_retry_change c)
{
	if ((unsigned)c >= NH_ARRAY_SIZE(retry_change_names))
		return "unknown";
	return retry_change_names[c];
}

bool nh_retry_change_logs(enum nh_retry_change c)
{
	return c == NH_RETRY_FIRST_FAILURE || c == NH_RETRY_NEW_FAILURE || c == NH_RETRY_RECOVERED;
}

struct nh_retry *nh_retry_new(unsigned int initial_ms, unsigned int max_ms)
{
	struct nh_retry *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->initial_ms = initial_ms ? initial_ms : 1;
	r->max_ms = max_ms < r->initial_ms ? r->initial_ms : max_ms;
	return r;
}

void nh_retry_free(struct nh_retry *r)
{
	if (!r)
		return;
	table_free(&r->table);
	free(r);
}

static struct retry_entry *retry_find(const struct nh_retry *r, const char *netns, const char *object)
{
	return (struct retry_entry *)table_find(&r->table, netns ? netns : "", object);
}

int nh_retry_failed(struct nh_retry *r, const char *netns, const char *object, int err,
		    const char *reason, uint64_t now_ms, struct nh_retry_verdict *v)
{
	struct retry_entry *e = retry_find(r, netns, object);

	if (!reason)
		reason = "";
	if (!e) {
		e = (struct retry_entry *)table_insert(&r->table, sizeof(*e), netns ? netns : "", object);
		if (!e) {
			*v = (struct nh_retry_verdict){ NH_RETRY_FIRST_FAILURE, r->max_ms, 1 };
			return -ENOMEM;
		}
		v->change = NH_RETRY_FIRST_FAILURE;
		e->delay = r->initial_ms;
	} else {
		/* Compare with the stored (possibly cut) reason the same way it was cut. */
		char cut[sizeof(e->reason)];

		snprintf(cut, sizeof(cut), "%s", reason);
		v->change = e->err == err && strcmp(e->reason, cut) == 0 ?
			    NH_RETRY_SAME_FAILURE : NH_RETRY_NEW_FAILURE;
		e->delay = e->delay * 2 > r->max_ms ? r->max_ms : e->delay * 2;
	}
	e->err = err;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	e->attempts++;
	e->ready = now_ms + e->delay;
	v->delay_ms = e->delay;
	v->attempts = e->attempts;
	return 0;
}

void nh_retry_succeeded(struct nh_retry *r, const char *netns, const char *object,
			struct nh_retry_verdict *v)
{
	struct retry_entry *e = retry_find(r, netns, object);

	memset(v, 0, sizeof(*v));
	if (!e)
		return;
	v->change = NH_RETRY_RECOVERED;
	v->attempts = e->attempts;
	table_forget(&r->table, netns, object);
}

uint64_t nh_retry_delay_ms(const struct nh_retry *r, const char *netns, const char *object, uint64_t now_ms)
{
	const struct retry_entry *e = retry_find(r, netns, object);

	return e && e->ready > now_ms ? e->ready - now_ms : 0;
}

void nh_retry_forget(struct nh_retry *r, const char *netns, const char *object)
{
	table_forget(&r->table, netns, object);
}

size_t nh_retry_count(const struct nh_retry *r)
{
	return r->table.n;
}
