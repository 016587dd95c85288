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

/* One line per subcommand, each in cmd/<name>.c. */
int nh_cmd_status(int argc, char **argv);
int nh_cmd_plan(int argc, char **argv);
int nh_cmd_apply(int argc, char **argv);
int nh_cmd_run(int argc, char **argv);
int nh_cmd_check(int argc, char **argv);
int nh_cmd_monitor(int argc, char **argv);
int nh_cmd_export(int argc, char **argv);

#endif
