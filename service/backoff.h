/*
 * Pure timing logic for healing, with time passed in (ms, monotonic) and no
 * clock or event loop: the service asks, arms its own timer, and tells.
 *
 * Flap damping (SPEC §5.4), per object keyed by (netns, object string):
 * an object that needed flap_count heals within flap_window seconds is
 * flapping; from then on netheal waits initial_ms before its next heal,
 * doubling after every heal up to max_ms. The episode ends after a quiet
 * window: when the object goes flap_window seconds after its last heal
 * without needing another one, the next heal is immediate again.
 *
 * Why "flap_window after the last heal" and not "the current delay": the
 * delay grows to max_ms (300 s by default), far longer than the window; if
 * quiet meant "as long as the delay", a rival deleting an address every
 * second would still look quiet to us at the end of every wait, since we do
 * not heal (so do not see it flap) while we wait. Quiet is therefore measured
 * from the last heal to the first moment the object was seen drifting again
 * (nh_flap_delay_ms records that moment), never to the end of a wait.
 *
 * Example, defaults (5 heals / 60 s, 1 s doubling to 300 s), a rival deleting
 * an address every 50 ms for 10 s: heals at 0, 50, 100, 150, 200 ms (the
 * fifth starts the episode: `flapping` is logged once), then at 1.2 s, 3.2 s,
 * 7.2 s and 15.2 s: 9 heals where an undamped healer makes 200. A drift 60 s
 * after the last heal is healed at once.
 *
 * Retry backoff for actions that failed (SPEC §4.5), per (netns, object):
 * wait initial_ms (100 ms: an EEXIST race or a gateway not reachable yet is
 * usually gone by then) after the first failure, doubling up to max_ms (30 s:
 * a missing parent or an unreachable gateway is also re-tried at once by the
 * event that fixes it, so the retry timer is only the safety net). The
 * verdict says whether to log, so a failure is logged once per state change.
 */
#ifndef NETHEAL_SERVICE_BACKOFF_H
#define NETHEAL_SERVICE_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"   /* struct nh_backoff: the `backoff` settings */

/* ---- flap damping -------------------------------------------------------- */

struct nh_flap;

struct nh_flap_verdict {
	bool flapping;          /* the object is in a flapping episode */
	bool became_flapping;   /* this heal started the episode: log `flapping` (once per episode) */
	uint64_t delay_ms;      /* wait this long after this heal before the next one (0: none) */
	unsigned int heals;     /* heals of it within flap_window, this one included */
};

/* A tracker with these settings (copied). flap_count 0 turns damping off.
 * On a reload with other settings, make a new tracker. NULL on ENOMEM. */
struct nh_flap *nh_flap_new(const struct nh_backoff *cfg);
void nh_flap_free(struct nh_flap *t);          /* accepts NULL */

/* The object is drifting at now_ms: how long to wait before healing it
 * (0 = heal now). Call it whenever the drift is seen, also when a wait ends;
 * the first call after a heal marks when the object needed healing again,
 * which is what ends an episode (see above). */
uint64_t nh_flap_delay_ms(struct nh_flap *t, const char *netns, const char *object, uint64_t now_ms);

/* The object was healed (the kernel acknowledged the fix) at now_ms.
 * Fills *v. 0 or -ENOMEM (then *v says "not flapping"). */
int nh_flap_record_heal(struct nh_flap *t, const char *netns, const char *object, uint64_t now_ms,
			struct nh_flap_verdict *v);

bool nh_flap_is_flapping(const struct nh_flap *t, const char *netns, const char *object);

/* Forget one object, or every object of netns when object is NULL (the
 * namespace or the policy entry went away). */
void nh_flap_forget(struct nh_flap *t, const char *netns, const char *object);

/* Drop what can no longer matter: objects not drifting whose last heal is
 * older than flap_window. Call it now and then (e.g. on resync) to bound
 * memory. Returns how many were dropped. */
size_t nh_flap_expire(struct nh_flap *t, uint64_t now_ms);

size_t nh_flap_count(const struct nh_flap *t);   /* objects tracked */

/* ---- retry after failure ------------------------------------------------- */

#define NH_RETRY_INITIAL_MS 100
#define NH_RETRY_MAX_MS     30000

struct nh_retry;

enum nh_retry_change {
	NH_RETRY_OK = 0,            /* success, and it was not failing: nothing to log */
	NH_RETRY_FIRST_FAILURE,     /* it failed, after success: log heal-failed */
	NH_RETRY_SAME_FAILURE,      /* failed again with the same error: do not log */
	NH_RETRY_NEW_FAILURE,       /* failed again with another error: log heal-failed */
	NH_RETRY_RECOVERED,         /* success after failures: log it (healed) */
};

const char *nh_retry_change_to_string(enum nh_retry_change c);
/* Whether the change is worth a log record. */
bool nh_retry_change_logs(enum nh_retry_change c);

struct nh_retry_verdict {
	enum nh_retry_change change;
	uint64_t delay_ms;          /* failure: wait this long before trying again */
	unsigned int attempts;      /* failed attempts in a row (failure: this one included;
				       recovered: the failures before this success) */
};

struct nh_retry *nh_retry_new(unsigned int initial_ms, unsigned int max_ms);   /* NULL on ENOMEM */
void nh_retry_free(struct nh_retry *r);        /* accepts NULL */

/* The action on object failed at now_ms with err (-errno) and reason (the
 * kernel's extended-ack text; may be NULL). "The same error" is the same err
 * and the same reason. Fills *v. 0 or -ENOMEM (then *v is a first failure
 * with max_ms delay, so the caller still backs off). */
int nh_retry_failed(struct nh_retry *r, const char *netns, const char *object, int err,
		    const char *reason, uint64_t now_ms, struct nh_retry_verdict *v);
/* The action on object succeeded. Fills *v (OK or RECOVERED). */
void nh_retry_succeeded(struct nh_retry *r, const char *netns, const char *object,
			struct nh_retry_verdict *v);
/* How long to wait before trying object again at now_ms (0 = now). */
uint64_t nh_retry_delay_ms(const struct nh_retry *r, const char *netns, const char *object, uint64_t now_ms);
/* Forget one object, or all of netns when object is NULL. */
void nh_retry_forget(struct nh_retry *r, const char *netns, const char *object);
size_t nh_retry_count(const struct nh_retry *r);

#endif
