/*
 * The state of one managed namespace as the service reports it (SPEC §2
 * `status`). It changes only through nh_netns_transition (service/netns.h),
 * which also arms or stops the namespace's timer; this header names the
 * states.
 */
#ifndef NETHEAL_SERVICE_STATE_H
#define NETHEAL_SERVICE_STATE_H

#include <stdbool.h>

enum nh_ns_state {
	NH_NS_CONVERGED = 0,    /* observed state satisfies the policy */
	NH_NS_DRIFTING,         /* drift seen, heal not started yet (coalescing) */
	NH_NS_HEALING,          /* actions in flight */
	NH_NS_BACKOFF,          /* an object flaps or an action failed: waiting before the next try */
	NH_NS_CONFLICT,         /* drift netheal will not fix by itself (wrong kind, missing link) */
	NH_NS_AUDIT,            /* audit mode: drift is reported, never changed */
	NH_NS__COUNT
};

/* "converged", ...; "unknown" for a value out of range. */
const char *nh_ns_state_to_string(enum nh_ns_state s);
/* The inverse; -EINVAL for a string that names no state. */
int nh_ns_state_from_string(const char *s);
/* True for the states `status` counts as drifting: everything but
 * converged (audit is drift seen and left alone, SPEC §2 `--audit`). */
bool nh_ns_state_is_drifting(enum nh_ns_state s);

#endif
