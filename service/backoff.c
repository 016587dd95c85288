#include "backoff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* ---- flap damping ----------------------------------------------------------- */

static uint64_t window_ms(const struct nh_backoff *cfg)
{
	return (uint64_t)cfg->flap_window * 1000;
}

static uint64_t max_delay(const struct nh_backoff *cfg)
{
	return cfg->max_ms < cfg->initial_ms ? cfg->initial_ms : cfg->max_ms;
}

/* An episode ends when the object stayed healed for a whole window. */
static void check_quiet(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t since)
{
	if (f->flapping && since - f->last_heal >= window_ms(cfg)) {
		f->flapping = false;
		f->delay = 0;
	}
}

uint64_t nh_flap_delay_ms(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t now_ms)
{
	uint64_t ready;

	if (!f->n_times && !f->flapping)
		return 0;
	if (!f->drift_seen) {
		f->drift_seen = true;
		f->drift_since = now_ms;
	}
	check_quiet(cfg, f, f->drift_since);
	if (!f->flapping)
		return 0;
	ready = f->last_heal + f->delay;
	return ready > now_ms ? ready - now_ms : 0;
}

/* Drop heal times that fell out of the window ending at now. */
static void prune(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t now)
{
	while (f->n_times > 0 && now - f->times[f->head] >= window_ms(cfg)) {
		f->head = (f->head + 1) % f->cap_times;
		f->n_times--;
	}
}

/* Room for one more time: grow the ring (up to flap_count), or drop the
 * oldest when it holds flap_count already. */
static int make_room(const struct nh_backoff *cfg, struct nh_flap *f)
{
	unsigned int cap;
	uint64_t *t;

	if (f->n_times < f->cap_times)
		return 0;
	if (f->cap_times >= cfg->flap_count) {
		f->head = (f->head + 1) % f->cap_times;
		f->n_times--;
		return 0;
	}
	cap = f->cap_times ? f->cap_times * 2 : 4;
	if (cap > cfg->flap_count)
		cap = cfg->flap_count;
	t = malloc(cap * sizeof(*t));
	if (!t)
		return -ENOMEM;
	/* unroll the ring, oldest first */
	for (unsigned int i = 0; i < f->n_times; i++)
		t[i] = f->times[(f->head + i) % f->cap_times];
	free(f->times);
	f->times = t;
	f->cap_times = cap;
	f->head = 0;
	return 0;
}

int nh_flap_record_heal(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t now_ms,
			struct nh_flap_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (cfg->flap_count == 0)
		return 0;
	/* A heal without a delay query first (the caller healed at once) still
	 * ends a quiet episode. */
	check_quiet(cfg, f, f->drift_seen ? f->drift_since : now_ms);
	if (f->cap_times)
		prune(cfg, f, now_ms);
	if (make_room(cfg, f) < 0)
		return -ENOMEM;
	f->drift_seen = false;
	f->times[(f->head + f->n_times) % f->cap_times] = now_ms;
	f->n_times++;
	f->last_heal = now_ms;
	if (f->flapping) {
		f->delay = f->delay * 2 > max_delay(cfg) ? max_delay(cfg) : f->delay * 2;
	} else if (f->n_times >= cfg->flap_count) {
		f->flapping = true;
		f->delay = cfg->initial_ms;
		v->became_flapping = true;
	}
	v->flapping = f->flapping;
	v->delay_ms = f->flapping ? f->delay : 0;
	v->heals = f->n_times;
	return 0;
}

bool nh_flap_idle(const struct nh_backoff *cfg, const struct nh_flap *f, uint64_t now_ms)
{
	if (f->drift_seen)
		return false;
	return !f->n_times || now_ms - f->last_heal >= window_ms(cfg);
}

void nh_flap_clear(struct nh_flap *f)
{
	free(f->times);
	memset(f, 0, sizeof(*f));
}

/* ---- retry after failure --------------------------------------------------- */

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

/* FNV-1a: failures are told apart by their text without keeping it. */
static uint32_t text_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

void nh_retry_failed(struct nh_retry *r, int err, const char *reason, uint64_t now_ms,
		     struct nh_retry_verdict *v)
{
	uint32_t hash = text_hash(reason);

	if (!r->failing) {
		v->change = NH_RETRY_FIRST_FAILURE;
		r->delay = NH_RETRY_INITIAL_MS;
		r->attempts = 0;
	} else {
		v->change = r->err == err && r->reason_hash == hash ?
			    NH_RETRY_SAME_FAILURE : NH_RETRY_NEW_FAILURE;
		r->delay = r->delay * 2 > NH_RETRY_MAX_MS ? NH_RETRY_MAX_MS : r->delay * 2;
	}
	r->failing = true;
	r->err = err;
	r->reason_hash = hash;
	r->attempts++;
	r->ready = now_ms + r->delay;
	v->delay_ms = r->delay;
	v->attempts = r->attempts;
}

void nh_retry_succeeded(struct nh_retry *r, struct nh_retry_verdict *v)
{
	memset(v, 0, sizeof(*v));
	if (!r->failing)
		return;
	v->change = NH_RETRY_RECOVERED;
	v->attempts = r->attempts;
	memset(r, 0, sizeof(*r));
}

uint64_t nh_retry_delay_ms(const struct nh_retry *r, uint64_t now_ms)
{
	return r->failing && r->ready > now_ms ? r->ready - now_ms : 0;
}
