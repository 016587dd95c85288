/* netheal apply: converge once, print each action taken, exit. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include <ev.h>

#include "actions/hooks.h"
#include "cmd.h"
#include "common/hash.h"
#include "load.h"
#include "monitor/monitor.h"
#include "service/core.h"

/* Rounds of healing, reading again what changed: a failure is taken for a
 * stale view once, then tried again before it counts. */
#define APPLY_ROUNDS 6

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal apply [-c FILE]\n"
		   "Converge once: create, move and set what the policy asks for, print each\n"
		   "action and its result, exit. Exit 0: converged, 1: something could not be fixed\n"
		   "(drift in a namespace in audit mode is shown, left alone and not counted).\n\n"
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

/* An action skipped because what it needs is not there: shown once, at
 * the end, if it is still left (each round may skip it again). */
struct skip {
	char *key;              /* netns, link, object (tab-separated): the table's key */
	char *line;             /* as printed */
	UT_hash_handle hh;
};

struct run {
	struct nh_hooks_runner *hooks;
	unsigned int hook_timeout;
	int hooks_failed;
	struct skip *skips;     /* in the order first skipped */
};

#define SKIP_KEYSIZ (NH_NETNS_NAMSIZ + NH_IFNAMSIZ + sizeof(((struct nh_action *)0)->object) + 2)

/* The object's key ("state:up" names no link: the link's name is in it). */
static void skip_key(const struct nh_action *a, char key[SKIP_KEYSIZ])
{
	snprintf(key, SKIP_KEYSIZ, "%s\t%s\t%s", a->netns, a->link.name, a->object);
}

static void skip_forget(struct run *run, const struct nh_action *a)
{
	char key[SKIP_KEYSIZ];
	struct skip *sk;

	skip_key(a, key);
	HASH_FIND_STR(run->skips, key, sk);
	if (sk) {
		HASH_DEL(run->skips, sk);
		free(sk->key);
		free(sk->line);
		free(sk);
	}
}

/* Remember a's skip (the latest reason wins). Out of memory: printed now. */
static void skip_keep(struct run *run, const struct nh_action *a, const char *why)
{
	char line[1024], key[SKIP_KEYSIZ];
	struct skip *sk = calloc(1, sizeof(*sk));

	skip_forget(run, a);
	nh_action_format(a, line, sizeof(line));
	skip_key(a, key);
	if (sk && (sk->key = strdup(key)) && asprintf(&sk->line, "%-7s %s: %s", "skipped", line, why) >= 0 &&
	    NH_HASH_ADD(run->skips, key, sk) == 0)
		return;
	if (sk) {
		free(sk->key);
		free(sk);
	}
	print_action("skipped", a, why);
}

/* The skips still standing, then forgotten. */
static void skip_print(struct run *run)
{
	struct skip *sk, *tmp;

	HASH_ITER(hh, run->skips, sk, tmp) {
		puts(sk->line);
		HASH_DEL(run->skips, sk);
		free(sk->key);
		free(sk->line);
		free(sk);
	}
}

/* Every action the core decides about, once: what it did, or why not. */
static void outcome(void *ctx, const struct nh_action *a, const struct nh_outcome_info *o)
{
	struct run *run = ctx;

	if (o->type != NH_OUT_SKIPPED || !o->blocked)
		skip_forget(run, a);
	switch (o->type) {
	case NH_OUT_HEALED:
		print_action("ok", a, NULL);
		break;
	case NH_OUT_FAILED:
		if (o->log)
			print_action("FAILED", a, o->why);
		break;
	case NH_OUT_SKIPPED:
		/* a blocked action is one of the things left to fix: shown
		 * once at the end, so that the count there adds up */
		if (o->blocked)
			skip_keep(run, a, o->why);
		else if (o->log)
			print_action("skipped", a, o->why);
		break;
	case NH_OUT_REPORT:
		if (o->log)
			print_action(a->type == NH_ACT_REPORT_CONFLICT ? "CONFLICT" : "MISSING", a, NULL);
		break;
	default:
		break;
	}
}

static void hook_done(const struct nh_hook_result *r, void *ctx)
{
	struct run *run = ctx;

	if (r->exited && r->exit_status == 0) {
		printf("hook    %s: %s %s ran\n", r->netns, r->event, r->program);
		return;
	}
	run->hooks_failed++;
	if (r->start_error < 0)
		printf("HOOK    %s: %s %s could not start: %s\n", r->netns, r->event, r->program,
		       strerror(-r->start_error));
	else if (r->timed_out)
		printf("HOOK    %s: %s %s killed after the hook timeout\n", r->netns, r->event, r->program);
	else if (r->exited)
		printf("HOOK    %s: %s %s failed: exit status %d\n", r->netns, r->event, r->program, r->exit_status);
	else
		printf("HOOK    %s: %s %s killed by signal %d\n", r->netns, r->event, r->program, r->signal);
}

/* The policy's hooks, by the core's rules (on_create once a namespace it
 * made is built, on_heal after a heal): run, waited for at the end. */
static void hook(void *ctx, const struct nh_netns *ns, char *const *argv, const char *event, const char *detail)
{
	struct run *run = ctx;
	int r = run->hooks ? nh_hook_run(run->hooks, argv, ns->name, event, detail, run->hook_timeout,
					 hook_done, run) : -ENOMEM;

	if (r < 0) {
		printf("HOOK    %s: %s %s could not start: %s\n", nh_netns_label(ns), event, argv[0], strerror(-r));
		run->hooks_failed++;
	}
}

static void wait_for_hooks(struct ev_loop *loop, struct run *run)
{
	while (run->hooks && (nh_hooks_running(run->hooks) || nh_hooks_waiting(run->hooks)))
		ev_run(loop, EVRUN_ONCE);
}

int nh_cmd_apply(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *config = NH_DEFAULT_CONFIG;
	struct ev_loop *loop = ev_default_loop(EVFLAG_AUTO | EVFLAG_NOENV);
	struct run run = { .hooks = loop ? nh_hooks_runner_new(loop) : NULL };
	const struct nh_reporter reporter = { .outcome = outcome, .hook = hook, .ctx = &run };
	struct nh_cmd_world w;
	int c, rc = 1, r;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'h':
			usage(stdout);
			nh_hooks_runner_free(run.hooks);
			return 0;
		default:
			nh_hooks_runner_free(run.hooks);
			return nh_usage_refused("apply", c, argc, argv, opts, NULL);
		}
	}
	if (optind < argc) {
		nh_hooks_runner_free(run.hooks);
		return nh_usage_error("apply", "unexpected argument '%s'", argv[optind]);
	}

	if (nh_cmd_world_open("apply", config, &reporter, &w) < 0)
		goto out;
	run.hook_timeout = w.policy.settings.hook_timeout;
	r = nh_core_converge(w.core, APPLY_ROUNDS, false);
	if (r < 0) {
		fprintf(stderr, "netheal apply: %s\n", strerror(-r));
		goto out;
	}
	wait_for_hooks(loop, &run);
	skip_print(&run);
	r += run.hooks_failed;
	if (r == 0)
		printf("converged\n");
	else
		printf("%d thing%s could not be fixed\n", r, r == 1 ? "" : "s");
	rc = r == 0 ? 0 : 1;
out:
	skip_print(&run);       /* on an error: what was skipped so far */
	nh_cmd_world_close(&w);
	nh_hooks_runner_free(run.hooks);
	return rc;
}
