/*
 * Pure timing logic for healing one object, with time passed in (ms,
 * monotonic) and no clock or event loop: the service asks, arms its own
 * timer, and tells. The state of each object lives in the namespace's record
 * (service/netns.h); this file only knows how it evolves.
 *
 * Flap damping (SPEC §5.4): an object that needed flap_count heals within
 * flap_window seconds is flapping; from then on netheal waits initial_ms
 * before its next heal, doubling after every heal up to max_ms. The episode
 * ends after a quiet window: when the object goes flap_window seconds after
 * its last heal without needing another one, the next heal is immediate
 * again.
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
 * Memory: the heal times kept are those inside the window, at most
 * flap_count of them, in an array that grows as needed; so a configuration
 * that turns damping off with a huge flap_count costs nothing.
 *
 * Retry backoff for actions that failed (SPEC §4.5): wait NH_RETRY_INITIAL_MS
 * (an EEXIST race or a gateway not reachable yet is usually gone by then)
 * after the first failure, doubling up to NH_RETRY_MAX_MS (a missing parent
 * or an unreachable gateway is also retried at once by the event that fixes
 * it, so the timer is only the safety net). The verdict says whether the
 * failure changed, so a failure is logged once per state change.
 */
#ifndef NETHEAL_SERVICE_BACKOFF_H
#define NETHEAL_SERVICE_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy/model.h"   /* struct nh_backoff: the `backoff` settings */

/* ---- flap damping -------------------------------------------------------- */

/* One object's damping state; zero-initialised means "never healed". */
struct nh_flap {
	bool flapping;          /* in an episode */
	bool drift_seen;        /* drifting since drift_since, not healed yet */
	uint64_t drift_since;   /* ms */
	uint64_t last_heal;     /* ms */
	uint64_t delay;         /* ms between heals while flapping */
	uint64_t *times;        /* ring of the heal times inside the window */
	unsigned int n_times, cap_times, head;
};

struct nh_flap_verdict {
	bool flapping;          /* the object is in a flapping episode */
	bool became_flapping;   /* this heal started the episode: log `flapping` (once per episode) */
	uint64_t delay_ms;      /* wait this long after this heal before the next one (0: none) */
	unsigned int heals;     /* heals of it within flap_window, this one included */
};

/* The object is drifting at now_ms: how long to wait before healing it
 * (0 = heal now). Call it whenever the drift is seen, also when a wait ends;
 * the first call after a heal marks when the object needed healing again,
 * which is what ends an episode (see above). */
uint64_t nh_flap_delay_ms(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t now_ms);

/* The object was healed (the kernel acknowledged the fix) at now_ms.
 * Fills *v. flap_count 0 turns damping off (nothing is recorded).
 * 0, or -ENOMEM (then *v says "not flapping" and nothing changed). */
int nh_flap_record_heal(const struct nh_backoff *cfg, struct nh_flap *f, uint64_t now_ms,
			struct nh_flap_verdict *v);

/* Nothing left worth keeping at now_ms: not drifting, not flapping, no heal
 * inside the window. The record may be dropped. */
bool nh_flap_idle(const struct nh_backoff *cfg, const struct nh_flap *f, uint64_t now_ms);

/* Free the heal times and forget everything (zeroed). */
void nh_flap_clear(struct nh_flap *f);

/* ---- retry after failure ------------------------------------------------- */

#define NH_RETRY_INITIAL_MS 100
#define NH_RETRY_MAX_MS     30000

/* One object's failures; zero-initialised means "not failing". */
struct nh_retry {
	bool failing;
	int err;                /* -errno of the last failure */
	uint32_t reason_hash;   /* of its text (kernel extended ack): "the same failure" */
	unsigned int attempts;  /* failed attempts in a row */
	uint64_t ready;         /* ms: not before */
	uint64_t delay;         /* ms: the current backoff */
};

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

/* The action on the object failed at now_ms with err (-errno) and reason
 * (may be NULL). "The same error" is the same err and the same reason. */
void nh_retry_failed(struct nh_retry *r, int err, const char *reason, uint64_t now_ms,
		     struct nh_retry_verdict *v);
/* The action on the object succeeded: *v is OK or RECOVERED; r is reset. */
void nh_retry_succeeded(struct nh_retry *r, struct nh_retry_verdict *v);
/* How long to wait before trying again at now_ms (0 = now). */
uint64_t nh_retry_delay_ms(const struct nh_retry *r, uint64_t now_ms);

#endif
