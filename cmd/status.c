/* netheal status: what the running service knows (SPEC §2). */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "load.h"
#include "service/status.h"

#define NH_EXIT_NO_SERVICE 3

static void status_help(void)
{
	printf("Usage: netheal status [--problems] [--json] [--status-file PATH] [-c FILE] [PATTERN...]\n"
	       "Show what the running service knows: per namespace its state, heals,\n"
	       "last heal and last error, in natural order (qrouter-2 before qrouter-10).\n"
	       "PATTERNs (shell globs, quoted: 'qrouter-*'; the host is '-') list only the\n"
	       "namespaces whose name matches one of them.\n\n"
	       "  --problems          list only namespaces drifting (any state but converged)\n"
	       "                      or holding a last error\n"
	       "  --json              print the status file (JSON) as it is: all of it (filter\n"
	       "                      it with jq)\n"
	       "  --status-file PATH  read PATH (default: the configuration's status_file,\n"
	       "                      else %s)\n"
	       "  -c, --config FILE   configuration file (default %s)\n"
	       "  -h, --help          this help\n\n"
	       "Exit status: 0; 3 when no service is running; 1 when the status file cannot be\n"
	       "read or is not netheal's; 64 for --json with a filter.\n",
	       NH_STATUS_DEFAULT_PATH, NH_DEFAULT_CONFIG);
}

/* The status_file the configuration names; NULL when it cannot be read
 * (then the default applies: `status` must work while the file is broken).
 * That fallback is said on stderr unless the default configuration is
 * simply absent: a mistyped -c would otherwise read as "no service
 * running" (a hostile trial). */
static char *status_file_of(const char *config, bool named)
{
	struct nh_policy p = { 0 };
	char *path = NULL;
	int r = nh_cmd_load_quiet(config, &p);

	if (r == 0)
		path = strdup(p.settings.status_file);
	else if (named || r != -ENOENT)
		fprintf(stderr, "netheal status: %s %s: reading the default status file %s\n", config,
			r == -ENOENT ? "does not exist" :
			r == -EINVAL ? "has errors ('netheal check' shows them)" : "cannot be read",
			NH_STATUS_DEFAULT_PATH);
	nh_policy_free(&p);
	return path;
}

/* Print the status file at path; the exit status. */
static int show_status(const char *path, bool json, const struct nh_status_filter *filter)
{
	struct nh_status s;
	char *raw = NULL;
	enum nh_service svc;
	int r;

	r = nh_status_load(path, &s, &raw);
	if (r == -ENOENT) {
		fprintf(stderr, "netheal status: no service running (no %s; the unit removes it when it "
			"stops: 'systemctl status netheal' and 'journalctl -u netheal' say whether and why)\n", path);
		return NH_EXIT_NO_SERVICE;
	}
	if (r < 0) {
		fprintf(stderr, "netheal status: %s: %s\n", path,
			r == -EINVAL ? "not a valid status file" : strerror(-r));
		return 1;
	}
	svc = nh_status_service(s.pid);
	if (svc != NH_SERVICE_RUNNING) {
		char started[32], updated[32], summary[128];

		nh_status_time_local(s.started_ms, started, sizeof(started));
		nh_status_time_local(s.stopped_ms ? s.stopped_ms : s.updated_ms, updated, sizeof(updated));
		nh_status_summary(&s, summary, sizeof(summary));
		/* a file left behind: what it last said, on stderr (stdout
		 * stays empty: it is not the state of a running service) */
		if (s.stopped_ms)
			fprintf(stderr, "netheal status: no service running (%s names pid %d, which stopped "
				"cleanly at %s). It started %s; at its stop: %s\n", path, (int)s.pid, updated,
				started, summary);
		else if (svc == NH_SERVICE_NOT_RUN)
			fprintf(stderr, "netheal status: no service running (%s names pid %d, which is a netheal "
				"that does not hold the `netheal run` lock: not the service, which wrote this file "
				"and stopped without a clean stop; its pid was given on). The service started %s "
				"and last wrote this file at %s: %s; 'journalctl -u netheal' says why it "
				"stopped\n", path, (int)s.pid, started, updated, summary);
		else
			fprintf(stderr, "netheal status: no service running (%s names pid %d, which %s%s). That "
				"netheal started %s and last wrote this file at %s: %s; 'journalctl _PID=%d' "
				"says why it stopped\n", path, (int)s.pid,
				svc == NH_SERVICE_GONE ? "has exited" : "is not netheal",
				svc == NH_SERVICE_GONE ? " without a clean stop: killed, or it failed" : "",
				started, updated, summary, (int)s.pid);
		r = NH_EXIT_NO_SERVICE;
		goto out;
	}
	r = 0;
	if (json)
		fputs(raw, stdout);
	else
		r = nh_status_print(&s, filter, stdout);
	if (r < 0)
		fprintf(stderr, "netheal status: %s\n", strerror(-r));
	r = r == 0 && fflush(stdout) == 0 ? 0 : 1;
out:
	nh_status_free(&s);
	free(raw);
	return r;
}

int nh_cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "problems", no_argument, NULL, 'p' },
		{ "status-file", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *path = NULL, *config = NH_DEFAULT_CONFIG;
	char *from_config = NULL;
	struct nh_status_filter filter = { 0 };
	bool json = false, config_named = false;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'p':
			filter.problems = true;
			break;
		case 's':
			path = optarg;
			break;
		case 'c':
			config = optarg;
			config_named = true;
			break;
		case 'h':
			status_help();
			return 0;
		default:       /* '?', and ':' (a missing argument) */
			return nh_usage_refused("status", c, argc, argv, opts, NULL);
		}
	}
	filter.patterns = argv + optind;
	filter.n_patterns = (size_t)(argc - optind);
	if (json && (filter.problems || filter.n_patterns))
		return nh_usage_error("status", "--json prints the whole status file; filter it with jq "
				      "(for instance: jq '.namespaces[] | select(.state != \"converged\")')");

	if (!path) {
		from_config = status_file_of(config, config_named);
		path = from_config ? from_config : NH_STATUS_DEFAULT_PATH;
	}
	r = show_status(path, json, &filter);
	free(from_config);
	return r;
}
