#include "report.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"

static void record(enum nh_event ev, const struct nh_action *a, const struct nh_outcome_info *o,
		   const char *fmt_suffix)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char rule[300];

	nh_origin_str(&a->rule, rule, sizeof(rule));
	f.netns = a->netns;
	f.link = *a->link.name ? a->link.name : NULL;
	f.object = a->object;
	f.action = nh_action_name(a);
	f.latency_us = o->latency_us;
	f.reason = ev == NH_EV_HEALED ? NULL : o->why;
	f.rule = *rule ? rule : NULL;
	f.actor = o->actor;
	/* MESSAGE says what was wrong and what netheal did about it */
	nh_log_event(ev, &f, "%s -> %s%s", a->drift, nh_action_name(a), fmt_suffix);
}

void nh_report_outcome(const struct nh_action *a, const struct nh_outcome_info *o)
{
	char line[512];

	switch (o->type) {
	case NH_OUT_HEALED:
		if (o->log) {
			/* how, when the executor says ("already gone", "set aside as ...") */
			line[0] = '\0';
			if (o->res && o->res->reason[0])
				snprintf(line, sizeof(line), " (%s)", o->res->reason);
			record(NH_EV_HEALED, a, o, line);
			return;
		}
		break;          /* there already: nothing was healed */
	case NH_OUT_FLAPPING:
		/* why says how often and how long the wait is */
		snprintf(line, sizeof(line), ": %s", o->why ? o->why : "healed too often, backing off");
		record(NH_EV_FLAPPING, a, o, line);
		return;
	case NH_OUT_FAILED:
		if (o->log) {
			record(NH_EV_HEAL_FAILED, a, o, " failed");
			return;
		}
		break;
	case NH_OUT_REPORT:
		if (!o->log)
			break;
		if (a->type == NH_ACT_REPORT_CONFLICT)
			record(NH_EV_CONFLICT, a, o, "");
		else if (strncmp(a->object, "netns:", 6) == 0)
			record(NH_EV_NETNS_MISSING, a, o, "");
		else
			record(NH_EV_DRIFT, a, o, "");
		return;
	case NH_OUT_SKIPPED:
		if (o->log && strcmp(o->why, "audit mode: not changed") == 0) {
			record(NH_EV_DRIFT, a, o, " (audit mode: not changed)");
			return;
		}
		break;
	default:
		break;
	}
	if (nh_log_verbose()) {
		nh_action_format(a, line, sizeof(line));
		nh_debug("%s: %s%s%s", line, o->type == NH_OUT_DEFERRED ? "waiting" :
			 o->type == NH_OUT_SKIPPED ? "skipped" : o->type == NH_OUT_FAILED ? "failed" :
			 o->type == NH_OUT_HEALED ? "not healed" : "reported",
			 o->why ? ": " : "", o->why ? o->why : "");
	}
}

void nh_report_netns_created(const char *name)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char object[NH_NETNS_NAMSIZ + 8];

	snprintf(object, sizeof(object), "netns:%s", name);
	f.netns = name;
	f.object = object;
	f.action = "create-netns";
	nh_log_event(NH_EV_NETNS_CREATED, &f, "namespace %s created", name);
}

void nh_report_hook_done(const struct nh_hook_result *r, void *ctx)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char reason[96];

	(void)ctx;
	if (r->start_error < 0) {
		/* it waited its turn (actions/hooks.h) and could not start then */
		nh_report_hook_not_started(r->netns, r->program, r->event, r->start_error);
		return;
	}
	f.netns = r->netns;
	f.action = r->program;
	if (r->timed_out)
		snprintf(reason, sizeof(reason), "killed after the hook timeout");
	else if (r->signal)
		snprintf(reason, sizeof(reason), "killed by signal %d", r->signal);
	else
		snprintf(reason, sizeof(reason), "exit status %d", r->exit_status);
	f.reason = reason;
	if (!r->timed_out && !r->signal && r->exit_status == 0)
		nh_log_event(NH_EV_HOOK_RUN, &f, "hook %s for %s ran", r->program, r->event);
	else
		nh_log_event(NH_EV_HOOK_FAILED, &f, "hook %s for %s failed: %s", r->program, r->event, reason);
}

void nh_report_hook_not_started(const char *netns, const char *program, const char *event, int err)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.netns = netns;
	f.action = program;
	f.reason = strerror(-err);
	nh_log_event(NH_EV_HOOK_FAILED, &f, "hook %s for %s could not start: %s", program, event, strerror(-err));
}
