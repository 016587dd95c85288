/*
 * One namespace at run time (STYLE "one namespace, one object",
 * dhcpleased's struct dhcpleased_iface): everything the service knows about
 * a namespace hangs off one struct nh_netns — its state and the timer that
 * goes with it, its counters, and per policy object in it the damping,
 * retry, report and removal records. Status and metrics are renderers over
 * these records (service/status.c, service/metrics.c); each counter is
 * recorded once, here.
 *
 * A record is made for the host, for every namespace the monitor watches
 * and for every namespace a `name` rule names; it is kept while any of
 * these holds, so heal counts survive a deletion and re-creation.
 */
#ifndef NETHEAL_SERVICE_NETNS_H
#define NETHEAL_SERVICE_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include <ev.h>

#include "common/hash.h"
#include "policy/diff.h"
#include "policy/model.h"
#include "service/backoff.h"
#include "service/state.h"

/* The kinds of object SPEC §6 names, for netheal_heals_total{object}: a
 * label per kind, not per object (a series per address or route would grow
 * without bound). */
enum nh_obj_kind {
	NH_OBJK_ADDRESS = 0,
	NH_OBJK_ROUTE,
	NH_OBJK_STATE,
	NH_OBJK_LINK,
	NH_OBJK_MASTER,
	NH_OBJK_MTU,
	NH_OBJK_MAC,
	NH_OBJK_NETNS,
	NH_OBJK_SYSCTL,
	NH_OBJK_RULE,
	NH_OBJK_NEIGH,
	NH_OBJK_OTHER,
	NH_OBJK__COUNT
};
/* "address", ..., "netns", "sysctl", "rule", "neigh", "other" */
const char *nh_obj_kind_to_string(enum nh_obj_kind k);
/* The kind of a SPEC §6 object string ("address:10.1.1.100/24"). */
enum nh_obj_kind nh_obj_kind_of(const char *object);

/* The requester of a change whose notification names none: a link's
 * flags, MTU or address set through RTM_SETLINK come with port 0 whoever
 * asked (rtnetlink's netdev notifier). Not a consequence: it is damped. */
#define NH_ACTOR_UNKNOWN UINT32_MAX
#define NH_ACTOR_IPV6 (UINT32_MAX - 1)     /* an IPv6 address's removal: port 0 whoever
						 * asked, told at its heal (core.c ipv6_remover) */

/* What netheal remembers of one policy object in a namespace, by its key
 * (nh_action_key). Made when there is something to remember, dropped when
 * there is nothing left (nh_netns_expire). */
struct nh_tracked {
	char key[NH_OBJECT_KEYSIZ];
	struct nh_flap flap;            /* damping (SPEC §5.4) */
	struct nh_retry retry;          /* failures (SPEC §4.5) */
	uint32_t reported;              /* a hash of the report last logged for it, 0 = none
					   (logged once per change) */
	uint64_t reported_pass;         /* the heal pass that last reported it */
	bool failure_logged;            /* its current failure was logged (heal-failed once per change) */
	bool removed;                   /* seen removed since its last heal: */
	uint32_t removed_by;            /* by this netlink port; 0 = the kernel, as a consequence (SPEC §5.4);
					 * NH_ACTOR_UNKNOWN: by someone the kernel does not name;
					 * NH_ACTOR_IPV6: not told yet */
	uint64_t removed_us;            /* when its removal was read (µs, nh_now_us): an IPv6
					   address's is the kernel's flush only if its link's
					   link-local went at or after it (core.c ipv6_remover) */
	int secondary_of;               /* removed as an IPv4 secondary address of the link of
					   this index (IFA_F_SECONDARY), else 0: the kernel's
					   consequence if its primary goes next, for the same
					   request (core.c) */
	uint32_t removed_seq;           /* the removal's nlmsg_seq: of the request it came with */
	UT_hash_handle hh;
};

/*
 * A link whose IPv6 link-local (or, on lo, ::1) address went, and when (µs,
 * nh_now_us): the last address the kernel removes when it flushes a link's
 * IPv6 (service/core.c ipv6_remover); and when it was last seen set down,
 * which flushes it too (a flush after that down is the down's). A few per
 * namespace, the oldest replaced: turning IPv6 off for every link
 * (all.disable_ipv6) flushes them one after another.
 */
#define NH_V6_FLUSHES 4
struct nh_v6_flush {
	char link[NH_IFNAMSIZ];
	uint64_t us;                    /* its link-local went (0: not seen) */
	uint64_t down_us;               /* it was set down (0: not seen) */
};

struct nh_core;

/*
 * What may have changed a namespace since its last diff, for a diff of part
 * of it (policy/diff.h, nh_diff_netns_links): the links that events named,
 * and the links its last diff acted on. Kept only for a rule with
 * NH_SCOPE_MIN_LINKS links or more (a host with a veth end per namespace);
 * a smaller one costs less to diff whole than to track.
 */
#define NH_SCOPE_MIN_LINKS 16
#define NH_SCOPE_MAX 8
struct nh_scope {
	char links[NH_SCOPE_MAX][NH_IFNAMSIZ];
	size_t n;
	bool whole;                     /* something else changed, or too many links: diff it whole */
};

struct nh_netns {
	char name[NH_NETNS_NAMSIZ];     /* "" = the host */
	struct nh_core *core;

	/* what it is */
	const struct nh_netns_rule *rule;       /* the rule in force; NULL: not managed */
	struct nh_observed *obs;        /* the monitor's view of it; NULL: it does not exist */
	bool unwatched;                 /* it exists, but the monitor could not open it for lack of
					   descriptors: shown drifting with why, never diffed (no view:
					   nothing from a partial view, SPEC §4.4) */

	/* state (change it only with nh_netns_transition) and its timer */
	enum nh_ns_state state;
	uint64_t shown;                 /* changes with what the status entry shows (state, heals,
					   failures, last heal, last error); unique in the core, so a
					   renderer can keep an entry's text until it changes. Beside
					   state: a status write reads both of every record */
	ev_timer wake;                  /* backoff, retry: look again then */
	uint64_t wake_at_us;            /* when the timer fires; 0 = not armed */

	/* healing */
	size_t view;                    /* its view in the core's world; SIZE_MAX: none */
	bool dirty;                     /* to heal: on the core's dirty list, or waiting */
	bool waiting;                   /* dirty, but waits for a read of what it touches */
	struct nh_netns *next_dirty;
	uint64_t since_us;              /* the first event not acted on yet: heal latency counts from it */
	uint64_t event_us;              /* the last kernel event in it, or wake-up by what it waits for */
	uint64_t failed_us;             /* the last failed action in it */
	bool reread;                    /* an action failed: it was read again before calling it a failure */
	bool vanishing;                 /* an action found its link gone (ENODEV): its events were waited for first */
	bool created;                   /* netheal (re-)created it: run on_create once it is built */
	uint32_t actor_port;            /* the netlink port of the last requester that changed it */
	struct nh_v6_flush v6_flushed[NH_V6_FLUSHES];   /* the kernel's last flushes (core.c ipv6_remover) */
	struct nh_scope *scope;         /* NULL: always diffed whole */
	bool partner_woken;             /* service/core.c wake_partners' mark; false outside it */

	/* counters */
	uint64_t heals, heal_failures;
	uint64_t heals_by_kind[NH_OBJK__COUNT];
	int64_t last_heal_ms;           /* wall clock, ms since the epoch; 0 = never */
	char last_heal_object[96];      /* SPEC §6 object */
	char last_error[256];           /* "" = none */
	bool last_error_failed;         /* last_error is a failure's: a report does not take its place while it stands */
	uint64_t drift;                 /* actions the last diff of it found */

	struct nh_tracked *objs;            /* per object, by key */
	UT_hash_handle hh;              /* in the core's table, by name */
};

/* The record of object key in ns; with create, made when missing. NULL when
 * absent (or ENOMEM with create). */
struct nh_tracked *nh_netns_tracked(struct nh_netns *ns, const char *key, bool create);
/* Forget every object record (the namespace went: what comes back is new). */
void nh_netns_forget_objs(struct nh_netns *ns);
/* A hash of a report's text, never 0 (nh_tracked.reported). */
uint32_t nh_report_hash(const char *text);
/* Drop the object records with nothing left to remember at now_ms. */
size_t nh_netns_expire(struct nh_netns *ns, const struct nh_backoff *cfg, uint64_t now_ms);

/* The one place the state changes (dhcpleased's state_transition): sets it,
 * arms the timer for wake_ms from now (0: stops it), logs "old -> new" at
 * debug level and tells the core that status must be written again. */
void nh_netns_transition(struct nh_netns *ns, enum nh_ns_state to, uint64_t wake_ms);

/* The counters: one heal of object (SPEC §6 string) at wall clock now_ms;
 * one failure with its text. */
void nh_netns_count_heal(struct nh_netns *ns, const char *object, int64_t now_ms);
void nh_netns_count_failure(struct nh_netns *ns, const char *error);

/* "-" for the host, else the name: how logs and files name it. */
const char *nh_netns_label(const struct nh_netns *ns);

#endif
