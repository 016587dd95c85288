#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "common/hash.h"
#include "common/jsonutil.h"
#include "common/util.h"

#define STATUS_MAX_BYTES (64u << 20)    /* a sane bound: ~200 bytes per namespace */

void nh_status_init(struct nh_status *s, pid_t pid, int64_t started_ms)
{
	memset(s, 0, sizeof(*s));
	nh_strlcpy(s->version, NETHEAL_VERSION, sizeof(s->version));
	s->pid = pid;
	s->started_ms = started_ms;
}

/* A namespace's entry as last rendered for the service's file: its text
 * is kept while the entry reads the same (key), so a write renders only
 * what changed since the last one. */
struct nh_status_frag {
	UT_hash_handle hh;              /* by name */
	uint64_t key;                   /* what the entry rendered showed: the record's shown, or frag_sum */
	uint64_t seen;                  /* the write that last used it */
	char *text;                     /* the entry as JSON, one line */
	size_t len;
	char name[];
};

static void frags_free(struct nh_status *s)
{
	struct nh_status_frag *fr, *tmp;

	HASH_ITER(hh, s->frags, fr, tmp) {
		HASH_DEL(s->frags, fr);
		free(fr->text);
		free(fr);
	}
}

void nh_status_free(struct nh_status *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ns; i++)
		free(s->ns[i]);
	free(s->ns);
	s->ns = NULL;
	s->n_ns = s->cap_ns = 0;
	frags_free(s);
}

/* Index of name, or of where it would go (and *found false). */
static size_t ns_find(const struct nh_status *s, const char *name, bool *found)
{
	size_t lo = 0, hi = s->n_ns;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(s->ns[mid]->name, name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct nh_status_ns *nh_status_ns_get(struct nh_status *s, const char *name, bool create)
{
	struct nh_status_ns *e;
	bool found;
	size_t i = ns_find(s, name, &found);

	if (found)
		return s->ns[i];
	if (!create) {
		errno = ENOENT;
		return NULL;
	}
	if (nh_grow(&s->ns, &s->cap_ns, s->n_ns + 1, sizeof(*s->ns)) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e) {
		errno = ENOMEM;
		return NULL;
	}
	if (nh_strlcpy(e->name, name, sizeof(e->name)) < 0) {
		free(e);
		errno = ENAMETOOLONG;
		return NULL;
	}
	e->state = NH_NS_CONVERGED;
	memmove(&s->ns[i + 1], &s->ns[i], (s->n_ns - i) * sizeof(*s->ns));
	s->ns[i] = e;
	s->n_ns++;
	return e;
}

int nh_status_ns_remove(struct nh_status *s, const char *name)
{
	bool found;
	size_t i = ns_find(s, name, &found);

	if (!found)
		return -ENOENT;
	free(s->ns[i]);
	memmove(&s->ns[i], &s->ns[i + 1], (s->n_ns - i - 1) * sizeof(*s->ns));
	s->n_ns--;
	return 0;
}

void nh_status_heal(struct nh_status *s, struct nh_status_ns *e, const char *object, int64_t now_ms)
{
	s->heals++;
	e->heals++;
	e->last_heal_ms = now_ms;
	/* Objects are short (SPEC §6); a longer one is cut, not refused. */
	snprintf(e->last_heal_object, sizeof(e->last_heal_object), "%s", object ? object : "");
}

void nh_status_heal_failed(struct nh_status *s, struct nh_status_ns *e, const char *error)
{
	s->heal_failures++;
	e->heal_failures++;
	snprintf(e->last_error, sizeof(e->last_error), "%s", error ? error : "");
}

size_t nh_status_n_drifting(const struct nh_status *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n_ns; i++)
		n += nh_ns_state_is_drifting(s->ns[i]->state);
	return n;
}

void nh_status_summary(const struct nh_status *s, char *buf, size_t size)
{
	snprintf(buf, size, "%zu namespace%s, %zu drifting, %" PRIu64 " heal%s",
		 s->n_ns, s->n_ns == 1 ? "" : "s", nh_status_n_drifting(s),
		 s->heals, s->heals == 1 ? "" : "s");
}

int64_t nh_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- times -------------------------------------------------------------- */

/* "2025-01-01T12:00:00.123Z" */
static void time_rfc3339(int64_t ms, char *buf, size_t size)
{
	time_t t;
	struct tm tm;

	if (ms < 0)
		ms = 0;
	t = (time_t)(ms / 1000);
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static int parse_rfc3339(const char *s, int64_t *ms)
{
	struct tm tm = { 0 };
	int frac = 0, n = 0;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &frac, &n) != 7 || n == 0 || s[n])
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	return 0;
}

/* "2025-01-01 13:00:00" in local time, for people. */
void nh_status_time_local(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

/* ---- writing ------------------------------------------------------------ */

/* Counters are uint64_t, jansson's integers int64_t: a counter past
 * INT64_MAX (centuries of heals) is written as INT64_MAX. */
static json_t *u64_json(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *time_json(int64_t ms)
{
	char t[80];

	time_rfc3339(ms, t, sizeof(t));
	return json_string(t);
}

/* Each json_object_set_new() takes its value (NULL, from out of memory,
 * makes it fail), and a failed one stops the chain before the next value is
 * made: nothing leaks. */

/* { "time": ..., "object": ... }, or null when there was no heal. */
static json_t *last_heal_json(const struct nh_status_ns *e)
{
	json_t *o;

	if (e->last_heal_ms <= 0)
		return json_null();
	o = json_object();
	if (!o || json_object_set_new(o, "time", time_json(e->last_heal_ms)) < 0 ||
	    json_object_set_new(o, "object", nh_json_string(e->last_heal_object)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *ns_json(const struct nh_status_ns *e)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "name", nh_json_string(*e->name ? e->name : "-")) < 0 ||
	    json_object_set_new(o, "state", json_string(nh_ns_state_to_string(e->state))) < 0 ||
	    json_object_set_new(o, "heals", u64_json(e->heals)) < 0 ||
	    json_object_set_new(o, "heal_failures", u64_json(e->heal_failures)) < 0 ||
	    json_object_set_new(o, "last_heal", last_heal_json(e)) < 0 ||
	    json_object_set_new(o, "last_error",
				*e->last_error ? nh_json_string(e->last_error) : json_null()) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* What a document is made of, from a struct nh_status (read back, tests)
 * or from the core's records (the service): n entries got one at a time. */
struct source {
	const struct nh_status *head;   /* version, pid, times (and totals when snap is NULL) */
	const struct nh_core_snapshot *snap;
	struct nh_status *cache;        /* the service's: entries kept between writes, or NULL */
};

static size_t src_count(const struct source *src)
{
	return src->snap ? src->snap->n : src->head->n_ns;
}

static void src_entry(const struct source *src, size_t i, struct nh_status_ns *e)
{
	const struct nh_netns *ns;

	if (!src->snap) {
		*e = *src->head->ns[i];
		return;
	}
	ns = src->snap->ns[i];
	memset(e, 0, sizeof(*e));
	nh_strlcpy(e->name, ns->name, sizeof(e->name));
	e->state = ns->state;
	e->heals = ns->heals;
	e->heal_failures = ns->heal_failures;
	e->last_heal_ms = ns->last_heal_ms;
	memcpy(e->last_heal_object, ns->last_heal_object, sizeof(e->last_heal_object));
	memcpy(e->last_error, ns->last_error, sizeof(e->last_error));
}

static json_t *totals_json(const struct source *src)
{
	const struct nh_status *h = src->head;
	uint64_t heals = h->heals, failures = h->heal_failures, events = h->events, resyncs = h->resyncs;
	size_t drifting = 0, n = src_count(src);
	json_t *o = json_object();

	if (src->snap) {
		heals = src->snap->totals->heals;
		failures = src->snap->totals->heal_failures;
		events = src->snap->totals->events;
		resyncs = src->snap->totals->resyncs;
		for (size_t i = 0; i < n; i++)
			drifting += nh_ns_state_is_drifting(src->snap->ns[i]->state);
	} else {
		drifting = nh_status_n_drifting(h);
	}
	if (!o || json_object_set_new(o, "namespaces", u64_json(n)) < 0 ||
	    json_object_set_new(o, "drifting", u64_json(drifting)) < 0 ||
	    json_object_set_new(o, "heals", u64_json(heals)) < 0 ||
	    json_object_set_new(o, "heal_failures", u64_json(failures)) < 0 ||
	    json_object_set_new(o, "events", u64_json(events)) < 0 ||
	    json_object_set_new(o, "resyncs", u64_json(resyncs)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The document's head (see status.h): everything but the namespaces;
 * NULL on ENOMEM. */
static json_t *head_json(const struct source *src)
{
	const struct nh_status *s = src->head;
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "version", nh_json_string(s->version)) < 0 ||
	    json_object_set_new(o, "pid", json_integer(s->pid)) < 0 ||
	    json_object_set_new(o, "started", time_json(s->started_ms)) < 0 ||
	    json_object_set_new(o, "updated", time_json(s->updated_ms)) < 0 ||
	    (s->stopped_ms > 0 && json_object_set_new(o, "stopped", time_json(s->stopped_ms)) < 0) ||
	    json_object_set_new(o, "totals", totals_json(src)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* One namespace's entry as one line of JSON (malloc'd), or NULL. */
static char *entry_text(const struct nh_status_ns *e)
{
	json_t *o = ns_json(e);
	char *text = o ? json_dumps(o, 0) : NULL;

	json_decref(o);
	return text;
}

/* FNV-1a over what an entry shows: equal sums, equal text. */
static uint64_t sum_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t frag_sum(const struct nh_status_ns *e)
{
	uint64_t h = 0xcbf29ce484222325ull;
	int state = (int)e->state;

	h = sum_bytes(h, e->name, strlen(e->name) + 1);
	h = sum_bytes(h, &state, sizeof(state));
	h = sum_bytes(h, &e->heals, sizeof(e->heals));
	h = sum_bytes(h, &e->heal_failures, sizeof(e->heal_failures));
	h = sum_bytes(h, &e->last_heal_ms, sizeof(e->last_heal_ms));
	h = sum_bytes(h, e->last_heal_object, strlen(e->last_heal_object) + 1);
	return sum_bytes(h, e->last_error, strlen(e->last_error) + 1);
}

/* The text of entry i of src, named name, showing what key identifies (a
 * record's `shown`, or frag_sum of an entry): kept from the last write when
 * the key is the same (head->frags, the service's file), rendered
 * otherwise. The text stays owned by the cache; *owned says when the
 * caller must free it instead (no memory to keep it). NULL on ENOMEM. */
static const char *entry_cached(struct nh_status *head, const struct source *src, size_t i, const char *name,
				uint64_t key, uint64_t write, char **owned)
{
	struct nh_status_frag *fr = NULL;
	size_t len = strlen(name);
	struct nh_status_ns e;
	char *text;

	*owned = NULL;
	HASH_FIND(hh, head->frags, name, len, fr);
	if (fr && fr->key == key) {
		fr->seen = write;
		return fr->text;
	}
	src_entry(src, i, &e);
	text = entry_text(&e);
	if (!text)
		return NULL;
	if (!fr) {
		fr = calloc(1, sizeof(*fr) + len + 1);
		if (fr) {
			memcpy(fr->name, name, len + 1);
			if (NH_HASH_ADD(head->frags, name, fr) < 0) {
				free(fr);
				fr = NULL;
			}
		}
	}
	if (!fr)
		return *owned = text;
	free(fr->text);
	fr->text = text;
	fr->len = strlen(text);
	fr->key = key;
	fr->seen = write;
	return text;
}

/* Entry i of src from the cache (keyed by the record's shown, or by a sum
 * of the entry), or rendered when there is no cache. */
static const char *entry_at(const struct source *src, size_t i, uint64_t write, char **owned)
{
	struct nh_status_ns e;

	if (src->cache && src->snap)
		return entry_cached(src->cache, src, i, src->snap->ns[i]->name, src->snap->ns[i]->shown, write,
				    owned);
	if (src->cache)
		return entry_cached(src->cache, src, i, src->head->ns[i]->name, frag_sum(src->head->ns[i]), write,
				    owned);
	src_entry(src, i, &e);
	return *owned = entry_text(&e);
}

/* Entries of namespaces that are gone are dropped from the cache. */
static void frags_sweep(struct nh_status *head, uint64_t write)
{
	struct nh_status_frag *fr, *tmp;

	HASH_ITER(hh, head->frags, fr, tmp) {
		if (fr->seen == write)
			continue;
		HASH_DEL(head->frags, fr);
		free(fr->text);
		free(fr);
	}
}

/*
 * The head through jansson, indented by two, then "namespaces": one entry
 * a line. With cache (the service), an entry is rendered again only when
 * it changed since the last write: at 10,000 namespaces a write is a copy
 * of text, not 10,000 JSON objects made, dumped and freed.
 */
static int format_source(const struct source *src, FILE *f)
{
	json_t *head = head_json(src);
	char *text = head ? json_dumps(head, JSON_INDENT(2)) : NULL;
	struct nh_status *cache = src->cache;
	uint64_t write = cache ? ++cache->frag_writes : 0;
	size_t n = src_count(src), len;
	int r = 0;

	json_decref(head);
	if (!text)
		return -ENOMEM;
	/* "{\n  ...\n}": the namespaces go before the closing brace */
	len = strlen(text);
	if (len < 2 || text[len - 1] != '}') {
		free(text);
		return -EINVAL;
	}
	text[len - 2] = '\0';
	fputs(text, f);
	free(text);
	fputs(",\n  \"namespaces\": [", f);
	for (size_t i = 0; i < n && r == 0; i++) {
		char *owned = NULL;
		const char *t = entry_at(src, i, write, &owned);

		if (!t) {
			r = -ENOMEM;
			break;
		}
		fputs(i ? ",\n    " : "\n    ", f);
		fputs(t, f);
		free(owned);
	}
	fputs(n ? "\n  ]\n}\n" : "]\n}\n", f);
	if (cache && r == 0)
		frags_sweep(cache, write);
	return r < 0 ? r : ferror(f) ? -EIO : 0;
}

int nh_status_format(const struct nh_status *s, FILE *f)
{
	const struct source src = { s, NULL, NULL };

	return format_source(&src, f);
}

static int format_status(const void *src, FILE *f)
{
	return format_source(src, f);
}

int nh_status_write(const char *path, struct nh_status *s)
{
	const struct source src = { s, NULL, NULL };

	s->updated_ms = nh_wall_ms();
	return nh_atomic_write_formatted(path, 0644, format_status, &src);
}

int nh_status_write_snapshot(const char *path, struct nh_status *head, const struct nh_core_snapshot *snap)
{
	const struct source src = { head, snap, head };

	head->updated_ms = nh_wall_ms();
	return nh_atomic_write_formatted(path, 0644, format_status, &src);
}

void nh_status_summary_snapshot(const struct nh_core_snapshot *snap, char *buf, size_t size)
{
	size_t drifting = 0;

	for (size_t i = 0; i < snap->n; i++)
		drifting += nh_ns_state_is_drifting(snap->ns[i]->state);
	snprintf(buf, size, "%zu namespace%s, %zu drifting, %" PRIu64 " heal%s",
		 snap->n, snap->n == 1 ? "" : "s", drifting,
		 snap->totals->heals, snap->totals->heals == 1 ? "" : "s");
}

/* ---- reading ------------------------------------------------------------ */

static int read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t got;

		if (n + 4096 + 1 > STATUS_MAX_BYTES) {
			r = -EFBIG;
			break;
		}
		r = nh_grow(&buf, &cap, n + 4096 + 1, 1);
		if (r < 0)
			break;
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			r = ferror(f) ? -EIO : 0;
			break;
		}
	}
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* The string member key of o; NULL when absent or not a string. */
static const char *get_string(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* The member key of o as a non-negative integer: 0, or -EINVAL when absent
 * or not one. */
static int get_u64(const json_t *o, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -EINVAL;
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int get_time(const json_t *o, const char *key, int64_t *ms)
{
	const char *t = get_string(o, key);

	return t ? parse_rfc3339(t, ms) : -EINVAL;
}

static int load_ns(struct nh_status *s, const json_t *v)
{
	const char *name = get_string(v, "name");
	const char *state = get_string(v, "state");
	const json_t *heal = json_object_get(v, "last_heal");
	const json_t *err = json_object_get(v, "last_error");
	struct nh_status_ns *e;
	int st;

	if (!name || !state || (st = nh_ns_state_from_string(state)) < 0)
		return -EINVAL;
	if (strcmp(name, "-") == 0)
		name = "";
	e = nh_status_ns_get(s, name, true);
	if (!e)
		return -errno;
	e->state = (enum nh_ns_state)st;
	if (get_u64(v, "heals", &e->heals) < 0 || get_u64(v, "heal_failures", &e->heal_failures) < 0)
		return -EINVAL;
	if (heal && !json_is_null(heal)) {
		const char *obj = get_string(heal, "object");

		if (!obj || get_time(heal, "time", &e->last_heal_ms) < 0)
			return -EINVAL;
		snprintf(e->last_heal_object, sizeof(e->last_heal_object), "%s", obj);
	}
	if (json_is_string(err))
		snprintf(e->last_error, sizeof(e->last_error), "%s", json_string_value(err));
	else if (err && !json_is_null(err))
		return -EINVAL;
	return 0;
}

static int load_doc(struct nh_status *s, const json_t *doc)
{
	const char *version = get_string(doc, "version");
	const json_t *totals = json_object_get(doc, "totals");
	const json_t *list = json_object_get(doc, "namespaces");
	uint64_t pid;
	int r;

	if (!version || !json_is_array(list))
		return -EINVAL;
	if (get_u64(doc, "pid", &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return -EINVAL;
	s->pid = (pid_t)pid;
	snprintf(s->version, sizeof(s->version), "%s", version);
	if (get_time(doc, "started", &s->started_ms) < 0 || get_time(doc, "updated", &s->updated_ms) < 0)
		return -EINVAL;
	if (json_object_get(doc, "stopped") && get_time(doc, "stopped", &s->stopped_ms) < 0)
		return -EINVAL;
	if (get_u64(totals, "heals", &s->heals) < 0 ||
	    get_u64(totals, "heal_failures", &s->heal_failures) < 0 ||
	    get_u64(totals, "events", &s->events) < 0 ||
	    get_u64(totals, "resyncs", &s->resyncs) < 0)
		return -EINVAL;
	for (size_t i = 0; i < json_array_size(list); i++) {
		r = load_ns(s, json_array_get(list, i));
		if (r < 0)
			return r;
	}
	return 0;
}

int nh_status_load(const char *path, struct nh_status *s, char **raw)
{
	json_error_t err;
	json_t *doc;
	char *buf = NULL;
	size_t len = 0;
	int r;

	memset(s, 0, sizeof(*s));
	r = read_file(path, &buf, &len);
	if (r < 0)
		return r;
	/* No JSON_ALLOW_NUL: a name cannot hold "\u0000", so such a file is
	 * not a status file. */
	doc = json_loadb(buf, len, 0, &err);
	if (doc)
		r = load_doc(s, doc);
	else
		r = json_error_code(&err) == json_error_out_of_memory ? -ENOMEM : -EINVAL;
	json_decref(doc);
	if (r < 0) {
		nh_status_free(s);
		free(buf);
		return r;
	}
	if (raw)
		*raw = buf;
	else
		free(buf);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

/* Names and error texts come from the kernel and the file system: print
 * control characters as '?' so they cannot drive the terminal. */
static void put_clean(FILE *f, const char *s, int width)
{
	int n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
	for (; n < width; n++)
		fputc(' ', f);
}

void nh_status_print(const struct nh_status *s, FILE *f)
{
	char started[80], when[80];
	int w = (int)strlen("NAMESPACE");

	for (size_t i = 0; i < s->n_ns; i++) {
		int len = (int)strlen(s->ns[i]->name);

		if (len > w)
			w = len;
	}
	nh_status_time_local(s->started_ms, started, sizeof(started));
	fprintf(f, "netheal %s, pid %d, running since %s\n", s->version, (int)s->pid, started);
	fprintf(f, "%zu namespace%s, %zu drifting, %" PRIu64 " heal%s, %" PRIu64 " failed heal%s, %"
		PRIu64 " event%s, %" PRIu64 " resync%s\n\n", s->n_ns, s->n_ns == 1 ? "" : "s",
		nh_status_n_drifting(s), s->heals, s->heals == 1 ? "" : "s", s->heal_failures,
		s->heal_failures == 1 ? "" : "s", s->events, s->events == 1 ? "" : "s", s->resyncs,
		s->resyncs == 1 ? "" : "s");
	fprintf(f, "%-*s  %-9s  %6s  %-19s  %-24s  %s\n", w, "NAMESPACE", "STATE", "HEALS",
		"LAST HEAL", "OBJECT", "LAST ERROR");
	for (size_t i = 0; i < s->n_ns; i++) {
		const struct nh_status_ns *e = s->ns[i];

		put_clean(f, *e->name ? e->name : "-", w);
		fprintf(f, "  %-9s  %6" PRIu64 "  ", nh_ns_state_to_string(e->state), e->heals);
		if (e->last_heal_ms > 0)
			nh_status_time_local(e->last_heal_ms, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "-");
		fprintf(f, "%-19s  ", when);
		put_clean(f, e->last_heal_ms > 0 ? e->last_heal_object : "-", 24);
		fputs("  ", f);
		put_clean(f, *e->last_error ? e->last_error : "-", 0);
		fputc('\n', f);
	}
}

enum nh_service nh_status_service(pid_t pid)
{
	char path[64], comm[32] = "", exe[PATH_MAX];
	const char *base;
	ssize_t n;
	FILE *f;

	if (pid <= 0)
		return NH_SERVICE_GONE;
	/* EPERM: alive, just not ours to signal (status run as a user). */
	if (kill(pid, 0) < 0 && errno != EPERM)
		return NH_SERVICE_GONE;
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return NH_SERVICE_GONE;         /* exited just now */
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	if (strncmp(comm, "netheal", 7) == 0)
		return NH_SERVICE_RUNNING;      /* netheal, or a copy named netheal.new */
	/* run through a link of another name: the program it runs */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return NH_SERVICE_OTHER;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	return strncmp(base ? base + 1 : exe, "netheal", 7) == 0 ? NH_SERVICE_RUNNING : NH_SERVICE_OTHER;
}
