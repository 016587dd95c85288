/*
 * The service: `netheal run`. Kernel events mark namespaces dirty; before the
 * loop sleeps again, every dirty namespace is diffed against its rule and the
 * difference is applied, in dependency order, with flap damping and retry
 * backoff. SPEC §5.
 */
#ifndef NETHEAL_SERVICE_ENGINE_H
#define NETHEAL_SERVICE_ENGINE_H

#include <stdbool.h>

#include "common/log.h"

struct nh_run_options {
	const char *config;             /* main configuration file */
	const char *netns_dir;          /* --netns-dir, overrides the file; NULL = keep */
	bool audit;                     /* --audit, overrides the file */
	bool strict;                    /* --strict: a configuration with warnings is rejected */
	enum nh_log_target log;
	bool verbose;
	const char *status_file;        /* --status-file (tests); NULL = from the file */
	int rcvbuf;                     /* --rcvbuf (tests, benchmarks); 0 = default */
};

/* Run the service until SIGTERM/SIGINT. Returns the exit status. */
int nh_engine_run(const struct nh_run_options *opt);

#endif
