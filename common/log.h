/*
 * Logging: one record per event, SPEC §6. Under journald, sd_journal_send with
 * MESSAGE_ID and NETHEAL_* fields; on stderr, one logfmt line per record.
 */
#ifndef NETHEAL_COMMON_LOG_H
#define NETHEAL_COMMON_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "util.h"

enum nh_event {
	NH_EV_NONE = 0,         /* a plain message, no event field */
	NH_EV_STARTED,
	NH_EV_CONFIG_LOADED,
	NH_EV_CONFIG_REJECTED,
	NH_EV_DRIFT,
	NH_EV_HEALED,
	NH_EV_HEAL_FAILED,
	NH_EV_FLAPPING,
	NH_EV_CONFLICT,
	NH_EV_NETNS_CREATED,
	NH_EV_NETNS_MISSING,
	NH_EV_RESYNC,
	NH_EV_HOOK_RUN,
	NH_EV_HOOK_FAILED,
	NH_EV_STOPPING,
	NH_EV__COUNT
};

const char *nh_event_to_string(enum nh_event e);   /* "healed" */

enum nh_log_target {
	NH_LOG_STDERR = 0,
	NH_LOG_JOURNAL,
	NH_LOG_AUTO,            /* journal when JOURNAL_STREAM matches stderr */
};

/* syslog priorities */
enum nh_prio { NH_ERR = 3, NH_WARNING = 4, NH_NOTICE = 5, NH_INFO = 6, NH_DEBUG = 7 };

/* Fields of one record; NULL / negative means absent. */
struct nh_log_fields {
	const char *netns;      /* "" is printed as "-" (the host) */
	const char *link;
	const char *object;
	const char *action;
	const char *reason;
	const char *rule;       /* "FILE:LINE" */
	const char *actor;
	long long latency_us;   /* < 0: absent */
};
#define NH_LOG_FIELDS_INIT { .latency_us = -1 }

void nh_log_init(enum nh_log_target target, bool verbose);
void nh_log_set_verbose(bool verbose);
bool nh_log_verbose(void);

/* An event record, at the priority SPEC §6 gives its type. fmt is the
 * human MESSAGE; may be NULL. */
void nh_log_event(enum nh_event ev, const struct nh_log_fields *f, const char *fmt, ...) NH_PRINTF(3, 4);

/* Plain messages. */
void nh_log(int prio, const char *fmt, ...) NH_PRINTF(2, 3);
#define nh_err(...)    nh_log(NH_ERR, __VA_ARGS__)
#define nh_warn(...)   nh_log(NH_WARNING, __VA_ARGS__)
#define nh_notice(...) nh_log(NH_NOTICE, __VA_ARGS__)
#define nh_info(...)   nh_log(NH_INFO, __VA_ARGS__)
#define nh_debug(...)  do { if (nh_log_verbose()) nh_log(NH_DEBUG, __VA_ARGS__); } while (0)

/* Log "MESSAGE: strerror(err)" at prio and return -|err|. */
int nh_log_errno(int prio, int err, const char *fmt, ...) NH_PRINTF(3, 4);

/* Fatal: start-up failures and broken invariants only. */
void nh_fatal(const char *fmt, ...) NH_PRINTF(1, 2) __attribute__((noreturn));

#endif
