/* netheal plan: the drift between the live system and the policy, and the
 * action that would fix each; nothing is changed. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "common/jsonutil.h"
#include "monitor/monitor.h"
#include "service/core.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal plan [-c FILE] [--json]\n"
		   "Compare the live system with the policy; print each drift and the action\n"
		   "that would fix it. Changes nothing. Exit 0: no drift, 2: drift, 1: error.\n\n"
		   "  -c, --config FILE   configuration (default %s)\n"
		   "      --json          machine-readable output\n"
		   "  -h, --help          this help\n", NH_DEFAULT_CONFIG);
}

/* One action as an object; NULL on ENOMEM. The host is "-", as in the logs
 * and the status file. Names, objects, drift texts and the rule's file name
 * are bytes from the kernel or the file system: they go through
 * nh_json_string(). */
static json_t *action_json(const struct nh_action *a)
{
	char rule[512];
	json_t *o = json_object();

	if (!o || json_object_set_new(o, "netns", nh_json_string(*a->netns ? a->netns : "-")) < 0 ||
	    json_object_set_new(o, "link", nh_json_string(a->link.name)) < 0 ||
	    json_object_set_new(o, "object", nh_json_string(a->object)) < 0 ||
	    json_object_set_new(o, "action", json_string(nh_action_name(a))) < 0 ||
	    json_object_set_new(o, "report", json_boolean(nh_action_is_report(a->type))) < 0 ||
	    json_object_set_new(o, "drift", nh_json_string(a->drift)) < 0 ||
	    json_object_set_new(o, "rule", nh_json_string(nh_origin_str(&a->rule, rule, sizeof(rule)))) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"drift":BOOL,"actions":[...]}; NULL on ENOMEM. */
static json_t *plan_json(const struct nh_plan *plan)
{
	json_t *o = json_object(), *actions = json_array();

	if (!o || !actions || json_object_set_new(o, "drift", json_boolean(plan->n > 0)) < 0)
		goto fail;
	for (size_t i = 0; i < plan->n; i++)
		if (json_array_append_new(actions, action_json(&plan->actions[i])) < 0)
			goto fail;
	if (json_object_set_new(o, "actions", actions) < 0) {
		actions = NULL;         /* taken, and freed, by the failed call */
		goto fail;
	}
	return o;
fail:
	json_decref(actions);
	json_decref(o);
	return NULL;
}

/* The plan as one line of JSON. 0 or -ENOMEM, -EIO. */
static int print_json(const struct nh_plan *plan)
{
	json_t *doc = plan_json(plan);
	int r = 0;

	if (!doc)
		return -ENOMEM;
	if (json_dumpf(doc, stdout, JSON_COMPACT) < 0 || putchar('\n') == EOF)
		r = -EIO;
	json_decref(doc);
	return r;
}

static void print_text(const struct nh_plan *plan)
{
	char line[1024];

	if (!plan->n) {
		printf("no drift: the system matches the policy\n");
		return;
	}
	size_t conflicts = 0;

	for (size_t i = 0; i < plan->n; i++) {
		nh_action_format(&plan->actions[i], line, sizeof(line));
		printf("%s\n", line);
		conflicts += plan->actions[i].type == NH_ACT_REPORT_CONFLICT;
	}
	printf("%zu drift%s found\n", plan->n, plan->n == 1 ? "" : "s");
	/* what to do about them: netheal never takes over what it does not own */
	if (conflicts)
		printf("%zu conflict%s: netheal leaves what it does not own; remove it, or set replace = true "
		       "on the link or route to let netheal replace it\n", conflicts, conflicts == 1 ? "" : "s");
}

int nh_cmd_plan(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *config = NH_DEFAULT_CONFIG;
	struct nh_cmd_world w;
	struct nh_plan plan;
	bool json = false;
	int c, rc = 1, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:       /* '?', and ':' (a missing argument) */
			return nh_usage_refused("plan", c, argc, argv, opts, NULL);
		}
	}
	if (optind < argc)
		return nh_usage_error("plan", "unexpected argument '%s'", argv[optind]);

	nh_plan_init(&plan);
	if (nh_cmd_world_open("plan", config, NULL, &w) < 0)
		goto out;
	r = nh_core_plan(w.core, &plan);
	if (r < 0) {
		fprintf(stderr, "netheal plan: %s\n", strerror(-r));
		goto out;
	}
	if (json) {
		r = print_json(&plan);
		if (r < 0) {
			fprintf(stderr, "netheal plan: %s\n", strerror(-r));
			goto out;
		}
	} else {
		print_text(&plan);
	}
	rc = plan.n ? 2 : 0;
out:
	nh_plan_free(&plan);
	nh_cmd_world_close(&w);
	return rc;
}
