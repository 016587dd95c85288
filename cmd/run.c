/* netheal run: the service. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "service/engine.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal run [OPTIONS]\n"
		   "Converge once, then watch every namespace and heal drift until SIGTERM/SIGINT.\n"
		   "Runs in the foreground (systemd Type=notify); SIGHUP reloads the configuration.\n\n"
		   "  -c, --config FILE     configuration (default %s)\n"
		   "      --audit           report drift, never change anything\n"
		   "      --strict          refuse a configuration with warnings (at start and on reload)\n"
		   "      --netns-dir DIR   named namespaces directory (default: the configuration's\n"
		   "                        netns_dir, else /run/netns)\n"
		   "      --status-file PATH  write the status there (default: the configuration's\n"
		   "                        status_file)\n"
		   "      --log TARGET      stderr, journal or auto (default auto)\n"
		   "  -v, --verbose         debug logging\n"
		   "  -h, --help            this help\n", NH_DEFAULT_CONFIG);
}

int nh_cmd_run(int argc, char **argv)
{
	enum { OPT_AUDIT = 256, OPT_STRICT, OPT_NETNS_DIR, OPT_LOG, OPT_STATUS_FILE, OPT_RCVBUF };
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "audit", no_argument, NULL, OPT_AUDIT },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "netns-dir", required_argument, NULL, OPT_NETNS_DIR },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		/* for tests and benchmarks */
		{ "status-file", required_argument, NULL, OPT_STATUS_FILE },
		{ "rcvbuf", required_argument, NULL, OPT_RCVBUF },
		{ 0 }
	};
	struct nh_run_options o = { .config = NH_DEFAULT_CONFIG, .log = NH_LOG_AUTO };
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case OPT_AUDIT:
			o.audit = true;
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case OPT_NETNS_DIR:
			o.netns_dir = optarg;
			break;
		case OPT_LOG:
			if (strcmp(optarg, "stderr") == 0)
				o.log = NH_LOG_STDERR;
			else if (strcmp(optarg, "journal") == 0)
				o.log = NH_LOG_JOURNAL;
			else if (strcmp(optarg, "auto") == 0)
				o.log = NH_LOG_AUTO;
			else
				return nh_usage_error("run", "--log takes stderr, journal or auto, not '%s'", optarg);
			break;
		case 'v':
			o.verbose = true;
			break;
		case OPT_STATUS_FILE:
			o.status_file = optarg;
			break;
		case OPT_RCVBUF:
			o.rcvbuf = (int)strtol(optarg, &end, 10);
			if (*end || o.rcvbuf <= 0)
				return nh_usage_error("run", "--rcvbuf takes a positive number of bytes");
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:       /* '?', and ':' (a missing argument) */
			return nh_usage_refused("run", c, argc, argv, opts, NULL);
		}
	}
	if (optind < argc)
		return nh_usage_error("run", "unexpected argument '%s'", argv[optind]);
	return nh_engine_run(&o);
}
