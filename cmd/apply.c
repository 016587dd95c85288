/* netheal apply: converge once, print each action taken, exit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include <ev.h>

#include "actions/hooks.h"
#include "cmd.h"
#include "load.h"
#include "monitor/monitor.h"
#include "service/converge.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal apply [-c FILE]\n"
		   "Converge once: create, move and set what the policy asks for, print each\n"
		   "action and its result, exit. Exit 0: converged, 1: something could not be fixed.\n\n"
		   "  -c, --config FILE   configuration (default %s)\n"
		   "  -h, --help          this help\n", NH_DEFAULT_CONFIG);
}

static void print_action(const char *status, const struct nh_action *a, const char *why)
{
	char line[1024];

	nh_action_format(a, line, sizeof(line));
	if (why && *why)
		printf("%-7s %s: %s\n", status, line, why);
	else
		printf("%-7s %s\n", status, line);
}

/* Namespaces this run created: their on_create hooks run once converged. */
struct created {
	char (*names)[NH_NETNS_NAMSIZ];
	size_t n, cap;
};

static void done(const struct nh_action *a, const struct nh_result *res, void *ctx)
{
	struct created *c = ctx;

	if (a->type == NH_ACT_NETNS_CREATE && res->err == 0 &&
	    nh_grow(&c->names, &c->cap, c->n + 1, sizeof(*c->names)) == 0)
		nh_strlcpy(c->names[c->n++], a->netns, NH_NETNS_NAMSIZ);
	if (res->err == 0)
		print_action("ok", a, NULL);
	else if (res->err == -EEXIST)
		print_action("exists", a, "someone else did it already");
	else
		print_action("FAILED", a, *res->reason ? res->reason : strerror(-res->err));
}

static void skipped(const struct nh_action *a, const char *why, void *ctx)
{
	(void)ctx;
	print_action("skipped", a, why);
}

static void left(const struct nh_action *a, void *ctx)
{
	(void)ctx;
	print_action(nh_action_is_report(a->type) ? a->type == NH_ACT_REPORT_CONFLICT ? "CONFLICT" : "MISSING" : "LEFT",
		     a, NULL);
}

static void hook_done(const struct nh_hook_result *r, void *ctx)
{
	int *failed = ctx;

	if (r->exited && r->exit_status == 0) {
		printf("hook    %s: on_create %s ran\n", r->netns, r->program);
		return;
	}
	(*failed)++;
	if (r->timed_out)
		printf("HOOK    %s: on_create %s killed after the hook timeout\n", r->netns, r->program);
	else if (r->exited)
		printf("HOOK    %s: on_create %s failed: exit status %d\n", r->netns, r->program, r->exit_status);
	else
		printf("HOOK    %s: on_create %s killed by signal %d\n", r->netns, r->program, r->signal);
}

/* Run the on_create hooks of the namespaces apply created, and wait for
 * them (bounded by hook_timeout). Returns how many failed. */
static int run_create_hooks(const struct nh_policy *p, const struct created *c)
{
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	struct nh_hooks_runner *runner = loop ? nh_hooks_runner_new(loop) : NULL;
	int failed = 0;

	if (!runner)
		return c->n ? 1 : 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct nh_netns_rule *rule = nh_policy_rule_for(p, c->names[i]);
		char what[NH_NETNS_NAMSIZ + 8];

		if (!rule || !rule->hooks.on_create)
			continue;
		snprintf(what, sizeof(what), "netns:%s", c->names[i]);
		if (nh_hook_run(runner, rule->hooks.on_create, c->names[i], "netns-created", what,
				p->settings.hook_timeout, hook_done, &failed) < 0) {
			printf("HOOK    %s: on_create %s could not start\n", c->names[i], rule->hooks.on_create[0]);
			failed++;
		}
	}
	while (nh_hooks_running(runner))
		ev_run(loop, EVRUN_ONCE);
	nh_hooks_runner_free(runner);
	return failed;
}

int nh_cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	static const struct nh_converge_ops ops = { done, skipped, left };
	const char *config = NH_DEFAULT_CONFIG;
	struct created created = { 0 };
	struct nh_cmd_world w;
	int c, rc = 1, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			return nh_usage_error("apply", "unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return nh_usage_error("apply", "unexpected argument '%s'", argv[optind]);

	if (nh_cmd_world_open("apply", config, &w) < 0)
		goto out;
	r = nh_converge(&w.world, &ops, &created);
	if (r < 0) {
		fprintf(stderr, "netheal apply: %s\n", strerror(-r));
		goto out;
	}
	r += run_create_hooks(&w.policy, &created);
	if (r == 0)
		printf("converged\n");
	else
		printf("%d thing%s could not be fixed\n", r, r == 1 ? "" : "s");
	rc = r == 0 ? 0 : 1;
out:
	free(created.names);
	nh_cmd_world_close(&w);
	return rc;
}
