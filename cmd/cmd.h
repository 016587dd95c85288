/* The subcommands of the netheal binary (SPEC §2). */
#ifndef NETHEAL_CMD_CMD_H
#define NETHEAL_CMD_CMD_H

#include "common/util.h"
#include "nh_paths.h"       /* NH_DEFAULT_CONFIG: SYSCONFDIR/netheal/netheal.conf, from meson */

#define NH_EXIT_USAGE 64

struct nh_cmd {
	const char *name;
	int (*run)(int argc, char **argv);      /* argv[0] is the subcommand name */
	const char *summary;
};

/* Print "netheal CMD: MESSAGE" and a pointer to --help on stderr; returns
 * NH_EXIT_USAGE for the caller to exit with. */
int nh_usage_error(const char *cmd, const char *fmt, ...) NH_PRINTF(2, 3);

struct option;
/*
 * The usage error for what getopt_long(argv, ..., longopts) just refused,
 * c being its ':' (a missing argument; optstring begins with ':') or '?',
 * named as the user typed it: "unknown option '-l'" for an unknown letter
 * of a cluster such as -lead (where argv[optind - 1] can still be the word
 * before it), "unknown option '--frob'", "option '--json' takes no
 * argument", "option '-c' needs NEEDS" (NULL: "an argument"). Returns
 * NH_EXIT_USAGE.
 */
int nh_usage_refused(const char *cmd, int c, int argc, char **argv, const struct option *longopts,
		     const char *needs);

/* One line per subcommand, each in cmd/<name>.c. */
int nh_cmd_status(int argc, char **argv);
int nh_cmd_plan(int argc, char **argv);
int nh_cmd_apply(int argc, char **argv);
int nh_cmd_run(int argc, char **argv);
int nh_cmd_check(int argc, char **argv);
int nh_cmd_monitor(int argc, char **argv);
int nh_cmd_export(int argc, char **argv);

#endif
