/*
 * The core's outcomes as SPEC §6 log records (one record per event, with
 * its MESSAGE_ID and NETHEAL_* fields through common/log.h), and the
 * records of hooks that ran.
 */
#ifndef NETHEAL_SERVICE_REPORT_H
#define NETHEAL_SERVICE_REPORT_H

#include "actions/hooks.h"
#include "service/core.h"

/* One action's outcome (struct nh_reporter.outcome). Records only what the
 * core marks worth logging (o->log); the rest goes to the debug log. */
void nh_report_outcome(const struct nh_action *a, const struct nh_outcome_info *o);
/* "netns-created" for a namespace netheal made. */
void nh_report_netns_created(const char *name);
/* hook-run or hook-failed (a nh_hook_done_fn). */
void nh_report_hook_done(const struct nh_hook_result *r, void *ctx);
/* hook-failed for a hook that could not start (err: -errno). */
void nh_report_hook_not_started(const char *netns, const char *program, const char *event, int err);

#endif
