/* netheal plan: the drift between the live system and the policy, and the
 * action that would fix each; nothing is changed. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "monitor/monitor.h"
#include "service/converge.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal plan [-c FILE] [--json]\n"
		   "Compare the live system with the policy; print each drift and the action\n"
		   "that would fix it. Changes nothing. Exit 0: no drift, 2: drift, 1: error.\n\n"
		   "  -c, --config FILE   configuration (default %s)\n"
		   "      --json          machine-readable output\n"
		   "  -h, --help          this help\n", NH_DEFAULT_CONFIG);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void print_json(const struct nh_plan *plan)
{
	char rule[512];

	printf("{\"drift\":%s,\"actions\":[", plan->n ? "true" : "false");
	for (size_t i = 0; i < plan->n; i++) {
		const struct nh_action *a = &plan->actions[i];

		printf("%s{\"netns\":", i ? "," : "");
		json_str(stdout, a->netns);
		printf(",\"link\":");
		json_str(stdout, a->link.name);
		printf(",\"object\":");
		json_str(stdout, a->object);
		printf(",\"action\":");
		json_str(stdout, nh_action_name(a));
		printf(",\"report\":%s,\"drift\":", nh_action_is_report(a->type) ? "true" : "false");
		json_str(stdout, a->drift);
		printf(",\"rule\":");
		json_str(stdout, nh_origin_str(&a->rule, rule, sizeof(rule)));
		printf("}");
	}
	printf("]}\n");
}

static void print_text(const struct nh_plan *plan)
{
	char line[1024];

	if (!plan->n) {
		printf("no drift: the system matches the policy\n");
		return;
	}
	for (size_t i = 0; i < plan->n; i++) {
		nh_action_format(&plan->actions[i], line, sizeof(line));
		printf("%s\n", line);
	}
	printf("%zu drift%s found\n", plan->n, plan->n == 1 ? "" : "s");
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
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
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
		default:
			return nh_usage_error("plan", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return nh_usage_error("plan", "unexpected argument '%s'", argv[optind]);

	nh_plan_init(&plan);
	if (nh_cmd_world_open("plan", config, &w) < 0)
		goto out;
	r = nh_world_plan(&w.world, &plan);
	if (r < 0) {
		fprintf(stderr, "netheal plan: %s\n", strerror(-r));
		goto out;
	}
	if (json)
		print_json(&plan);
	else
		print_text(&plan);
	rc = plan.n ? 2 : 0;
out:
	nh_plan_free(&plan);
	nh_cmd_world_close(&w);
	return rc;
}
