#include "status.h"

#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "instance.h"
#include "common/hash.h"
#include "common/jsonutil.h"
#include "common/sorted.h"
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
	uint64_t key;                   /* the record's shown when its text was rendered */
	uint64_t seen;                  /* frags_sweep's mark */
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
	free(s->slots);
	s->slots = NULL;
	s->n_slots = s->cap_slots = 0;
	free(s->out);
	s->out = NULL;
	s->cap_out = 0;
}

static int entry_cmp(const void *element, const void *key)
{
	return strcmp((*(struct nh_status_ns *const *)element)->name, key);
}

/* Index of name, or of where it would go (and *found false). */
static size_t ns_find(const struct nh_status *s, const char *name, bool *found)
{
	return nh_sorted_pos(s->ns, s->n_ns, sizeof(*s->ns), name, entry_cmp, found);
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

/* The totals of a document (see status.h). */
struct totals {
	size_t namespaces, drifting;
	uint64_t heals, heal_failures, events, resyncs;
};

static json_t *totals_json(const struct totals *t)
{
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "namespaces", u64_json(t->namespaces)) < 0 ||
	    json_object_set_new(o, "drifting", u64_json(t->drifting)) < 0 ||
	    json_object_set_new(o, "heals", u64_json(t->heals)) < 0 ||
	    json_object_set_new(o, "heal_failures", u64_json(t->heal_failures)) < 0 ||
	    json_object_set_new(o, "events", u64_json(t->events)) < 0 ||
	    json_object_set_new(o, "resyncs", u64_json(t->resyncs)) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The document's head (see status.h), everything but the namespaces,
 * indented by two and without its closing "\n}" (malloc'd); NULL on
 * ENOMEM. */
static char *head_text(const struct nh_status *s, const struct totals *t)
{
	json_t *o = json_object();
	char *text;
	size_t len;

	if (!o || json_object_set_new(o, "version", nh_json_string(s->version)) < 0 ||
	    json_object_set_new(o, "pid", json_integer(s->pid)) < 0 ||
	    json_object_set_new(o, "started", time_json(s->started_ms)) < 0 ||
	    json_object_set_new(o, "updated", time_json(s->updated_ms)) < 0 ||
	    (s->stopped_ms > 0 && json_object_set_new(o, "stopped", time_json(s->stopped_ms)) < 0) ||
	    json_object_set_new(o, "totals", totals_json(t)) < 0) {
		json_decref(o);
		return NULL;
	}
	text = json_dumps(o, JSON_INDENT(2));
	json_decref(o);
	/* "{\n  ...\n}": the namespaces go before the closing brace */
	len = text ? strlen(text) : 0;
	if (len >= 2 && text[len - 1] == '}')
		text[len - 2] = '\0';
	return text;
}

/* One namespace's entry as one line of JSON (malloc'd), or NULL. */
static char *entry_text(const struct nh_status_ns *e)
{
	json_t *o = ns_json(e);
	char *text = o ? json_dumps(o, 0) : NULL;

	json_decref(o);
	return text;
}

#define NAMESPACES_OPEN ",\n  \"namespaces\": ["
#define ENTRY_SEP       ",\n    "      /* the first entry's is "\n    " */
#define NAMESPACES_CLOSE "\n  ]\n}\n"  /* with no entry, "]\n}\n" */

int nh_status_format(const struct nh_status *s, FILE *f)
{
	const struct totals t = {
		s->n_ns, nh_status_n_drifting(s), s->heals, s->heal_failures, s->events, s->resyncs,
	};
	char *text = head_text(s, &t);
	int r = 0;

	if (!text)
		return -ENOMEM;
	fputs(text, f);
	free(text);
	fputs(NAMESPACES_OPEN, f);
	for (size_t i = 0; i < s->n_ns; i++) {
		text = entry_text(s->ns[i]);
		if (!text) {
			r = -ENOMEM;
			break;
		}
		fputs(i ? ENTRY_SEP : &ENTRY_SEP[1], f);
		fputs(text, f);
		free(text);
	}
	fputs(s->n_ns ? NAMESPACES_CLOSE : &NAMESPACES_CLOSE[3], f);
	return r < 0 ? r : ferror(f) ? -EIO : 0;
}

static int format_status(const void *s, FILE *f)
{
	return nh_status_format(s, f);
}

int nh_status_write(const char *path, struct nh_status *s)
{
	s->updated_ms = nh_wall_ms();
	return nh_atomic_write_formatted(path, 0644, format_status, s);
}

/*
 * The service's file (nh_status_write_snapshot). At 10,000 namespaces a
 * write that made 10,000 JSON objects, or even looked each entry up by name
 * and copied it through stdio, held the event loop for 10 to 20 ms. So:
 *  - a frag keeps each entry's text by name, rendered again only when the
 *    record's `shown` changed;
 *  - a slot keeps, by position, the key and text the last write used: when
 *    record i shows the key slot i holds, its text is taken without a
 *    lookup. Keys are unique in the core (service/netns.h), so an equal key
 *    is the same record showing the same, and a slot left from an older
 *    order never matches another record;
 *  - the file is built in one buffer kept between writes (no page faults).
 * Once the slots are filled every slot below n_slots is this write's and
 * its frag is live; running out of memory while filling them leaves no
 * slot (the next write looks each entry up). Both rest on status.h's
 * preconditions: one core per head, names unique in a snapshot.
 */
struct nh_status_slot {
	uint64_t key;
	const char *text;               /* the frag's */
	size_t len;
	struct nh_status_frag *fr;
};

static void entry_of_record(const struct nh_netns *ns, struct nh_status_ns *e)
{
	memset(e, 0, sizeof(*e));
	nh_strlcpy(e->name, ns->name, sizeof(e->name));
	e->state = ns->state;
	e->heals = ns->heals;
	e->heal_failures = ns->heal_failures;
	e->last_heal_ms = ns->last_heal_ms;
	memcpy(e->last_heal_object, ns->last_heal_object, sizeof(e->last_heal_object));
	memcpy(e->last_error, ns->last_error, sizeof(e->last_error));
}

/* The frag of ns with its text as ns shows now: kept when its key is
 * ns->shown, rendered otherwise. NULL on ENOMEM. */
static struct nh_status_frag *frag_of(struct nh_status *head, const struct nh_netns *ns)
{
	size_t len = strlen(ns->name);
	struct nh_status_frag *fr = NULL;
	struct nh_status_ns e;
	char *text;

	HASH_FIND(hh, head->frags, ns->name, len, fr);
	if (fr && fr->key == ns->shown)
		return fr;
	entry_of_record(ns, &e);
	text = entry_text(&e);
	if (!text)
		return NULL;
	if (!fr) {
		fr = calloc(1, sizeof(*fr) + len + 1);
		if (fr)
			memcpy(fr->name, ns->name, len + 1);
		if (!fr || NH_HASH_ADD(head->frags, name, fr) < 0) {
			free(fr);
			free(text);
			return NULL;
		}
	}
	free(fr->text);
	fr->text = text;
	fr->len = strlen(text);
	fr->key = ns->shown;
	return fr;
}

/* The frags no slot holds (namespaces no longer written) are dropped. */
static void frags_sweep(struct nh_status *head)
{
	struct nh_status_frag *fr, *tmp;
	uint64_t write = ++head->frag_writes;

	/* each slot holds a frag of its own: as many frags, none other */
	if (HASH_COUNT(head->frags) == head->n_slots)
		return;
	for (size_t i = 0; i < head->n_slots; i++)
		head->slots[i].fr->seen = write;
	HASH_ITER(hh, head->frags, fr, tmp) {
		if (fr->seen == write)
			continue;
		HASH_DEL(head->frags, fr);
		free(fr->text);
		free(fr);
	}
}

/* Slot i made ns's (kept when it already is, with ns's text as ns shows
 * now); false on ENOMEM. */
static bool slot_fill(struct nh_status *head, size_t i, const struct nh_netns *ns)
{
	struct nh_status_slot *sl = &head->slots[i];
	struct nh_status_frag *fr;

	if (i < head->n_slots && sl->key == ns->shown)
		return true;
	fr = frag_of(head, ns);
	if (!fr)
		return false;
	*sl = (struct nh_status_slot){ ns->shown, fr->text, fr->len, fr };
	return true;
}

/* The snapshot's document into head->out; its length, or -ENOMEM. */
static ssize_t render_snapshot(struct nh_status *head, const struct nh_core_snapshot *snap)
{
	struct totals t = {
		snap->n, 0, snap->totals->heals, snap->totals->heal_failures, snap->totals->events,
		snap->totals->resyncs,
	};
	size_t n = snap->n, body = 0, hlen, len;
	char *text, *p;

	if (nh_grow(&head->slots, &head->cap_slots, n + 1, sizeof(*head->slots)) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		t.drifting += nh_ns_state_is_drifting(snap->ns[i]->state);
		if (!slot_fill(head, i, snap->ns[i])) {
			head->n_slots = 0;
			return -ENOMEM;
		}
		body += head->slots[i].len;
	}
	head->n_slots = n;
	frags_sweep(head);
	text = head_text(head, &t);
	if (!text)
		return -ENOMEM;
	hlen = strlen(text);
	len = hlen + strlen(NAMESPACES_OPEN) + body + n * strlen(ENTRY_SEP) + strlen(NAMESPACES_CLOSE);
	if (nh_grow(&head->out, &head->cap_out, len + 1, 1) < 0) {
		free(text);
		return -ENOMEM;
	}
	p = head->out;
	p = mempcpy(p, text, hlen);
	free(text);
	p = mempcpy(p, NAMESPACES_OPEN, strlen(NAMESPACES_OPEN));
	for (size_t i = 0; i < n; i++) {
		p = i ? mempcpy(p, ENTRY_SEP, strlen(ENTRY_SEP)) : mempcpy(p, &ENTRY_SEP[1], strlen(ENTRY_SEP) - 1);
		p = mempcpy(p, head->slots[i].text, head->slots[i].len);
	}
	p = n ? mempcpy(p, NAMESPACES_CLOSE, strlen(NAMESPACES_CLOSE)) : mempcpy(p, "]\n}\n", 4);
	return p - head->out;
}

int nh_status_write_snapshot(const char *path, struct nh_status *head, const struct nh_core_snapshot *snap)
{
	ssize_t len;

	head->updated_ms = nh_wall_ms();
	len = render_snapshot(head, snap);
	return len < 0 ? (int)len : nh_atomic_write(path, head->out, (size_t)len, 0644);
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

bool nh_status_filter_match(const struct nh_status_filter *filter, const struct nh_status_ns *e)
{
	const char *name = *e->name ? e->name : "-";
	bool named = !filter || filter->n_patterns == 0;

	for (size_t i = 0; !named && i < filter->n_patterns; i++)
		named = fnmatch(filter->patterns[i], name, 0) == 0;
	if (!named)
		return false;
	return !filter || !filter->problems || nh_ns_state_is_drifting(e->state) || *e->last_error;
}

/* natural order, the host ("") first */
static int cmp_natural(const void *a, const void *b)
{
	const struct nh_status_ns *x = *(const struct nh_status_ns *const *)a;
	const struct nh_status_ns *y = *(const struct nh_status_ns *const *)b;

	return strverscmp(x->name, y->name);
}

int nh_status_print(const struct nh_status *s, const struct nh_status_filter *filter, FILE *f)
{
	char started[80], when[80];
	int w = (int)strlen("NAMESPACE"), wo = (int)strlen("OBJECT");
	const struct nh_status_ns **rows = malloc((s->n_ns ? s->n_ns : 1) * sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_ns; i++)
		if (nh_status_filter_match(filter, s->ns[i]))
			rows[n++] = s->ns[i];
	qsort(rows, n, sizeof(*rows), cmp_natural);
	/* columns as wide as their longest entry (a sysctl key is long) */
	for (size_t i = 0; i < n; i++) {
		int len = (int)strlen(rows[i]->name), lo = (int)strlen(rows[i]->last_heal_object);

		if (len > w)
			w = len;
		if (rows[i]->last_heal_ms > 0 && lo > wo)
			wo = lo;
	}
	nh_status_time_local(s->started_ms, started, sizeof(started));
	fprintf(f, "netheal %s, pid %d, running since %s\n", s->version, (int)s->pid, started);
	fprintf(f, "%zu namespace%s, %zu drifting, %" PRIu64 " heal%s, %" PRIu64 " failed heal%s, %"
		PRIu64 " event%s, %" PRIu64 " resync%s\n", s->n_ns, s->n_ns == 1 ? "" : "s",
		nh_status_n_drifting(s), s->heals, s->heals == 1 ? "" : "s", s->heal_failures,
		s->heal_failures == 1 ? "" : "s", s->events, s->events == 1 ? "" : "s", s->resyncs,
		s->resyncs == 1 ? "" : "s");
	if (filter && (filter->n_patterns || filter->problems))
		fprintf(f, "listed: %zu of %zu namespace%s%s\n", n, s->n_ns, s->n_ns == 1 ? "" : "s",
			filter->problems ? " (drifting or with an error)" : "");
	fputc('\n', f);
	fprintf(f, "%-*s  %-9s  %6s  %-19s  %-*s  %s\n", w, "NAMESPACE", "STATE", "HEALS",
		"LAST HEAL", wo, "OBJECT", "LAST ERROR");
	for (size_t i = 0; i < n; i++) {
		const struct nh_status_ns *e = rows[i];

		put_clean(f, *e->name ? e->name : "-", w);
		fprintf(f, "  %-9s  %6" PRIu64 "  ", nh_ns_state_to_string(e->state), e->heals);
		if (e->last_heal_ms > 0)
			nh_status_time_local(e->last_heal_ms, when, sizeof(when));
		else
			snprintf(when, sizeof(when), "-");
		fprintf(f, "%-19s  ", when);
		put_clean(f, e->last_heal_ms > 0 ? e->last_heal_object : "-", wo);
		fputs("  ", f);
		put_clean(f, *e->last_error ? e->last_error : "-", 0);
		fputc('\n', f);
	}
	free(rows);
	return 0;
}

/* A netheal in this network namespace that is the service holds the
 * one-run lock. One elsewhere (or whose namespace cannot be read: status
 * run as a user) cannot be asked, and is taken for what its name says; so
 * is one when the holder cannot be told (its queue full) or is another
 * user's process, which is no netheal (nh_instance_lock: `run` then runs
 * without the lock). */
static bool holds_lock(pid_t pid)
{
	struct nh_instance_holder h;
	struct stat self, other;
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	if (stat("/proc/self/ns/net", &self) < 0 || stat(path, &other) < 0 ||
	    self.st_dev != other.st_dev || self.st_ino != other.st_ino)
		return true;
	r = nh_instance_holder(&h);
	if (r == -ENOENT)
		return false;
	return r < 0 || !h.known || h.pid == pid;
}

static enum nh_service netheal_is(pid_t pid)
{
	return holds_lock(pid) ? NH_SERVICE_RUNNING : NH_SERVICE_NOT_RUN;
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
		return netheal_is(pid);         /* netheal, or a copy named netheal.new */
	/* run through a link of another name: the program it runs */
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return NH_SERVICE_OTHER;
	exe[n] = '\0';
	base = strrchr(exe, '/');
	return strncmp(base ? base + 1 : exe, "netheal", 7) == 0 ? netheal_is(pid) : NH_SERVICE_OTHER;
}
