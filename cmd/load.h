/* Loading the configuration for a subcommand, with its problems printed. */
#ifndef NETHEAL_CMD_LOAD_H
#define NETHEAL_CMD_LOAD_H

#include <stdbool.h>

#include "monitor/monitor.h"
#include "policy/model.h"
#include "service/core.h"
#include "service/kernel.h"

/* Load config (the main file and its policy_dir). Problems go to stderr as
 * FILE:LINE lines. Returns 0, or -EINVAL when the configuration is rejected. */
int nh_cmd_load(const char *config, struct nh_policy *policy);

/* Load the main file of config alone (not its policy_dir), printing
 * nothing, for commands that only want a setting (status_file, netns_dir)
 * and must work while a policy file is broken. Returns 0, or -errno (the
 * policy is then empty). */
int nh_cmd_load_quiet(const char *config, struct nh_policy *policy);

/* Load config whole (the main file and its policy_dir), printing nothing,
 * for a command that only remarks on what the policy says. Returns 0
 * (warnings allowed), or -EINVAL / -ENOMEM / -errno (the policy is then
 * empty, nh_policy_free-able). */
int nh_cmd_load_whole_quiet(const char *config, struct nh_policy *policy);

/* What `plan` and `apply` work on: the policy, the namespaces as they are
 * now (no event loop), and the core that heals them (service/core.h) with
 * the real kernel behind it. */
struct nh_cmd_world {
	struct nh_policy policy;
	struct nh_monitor *mon;
	struct nh_kernel kernel;
	struct nh_core *core;
};

/* Load config, read the system and make the core, whose side effects go to
 * reporter (may be all NULL). Problems are printed, prefixed with
 * "netheal CMD:". Returns 0 or -errno: -EMFILE when namespaces in the
 * directory could not be opened for lack of descriptors (said, with the
 * limit it takes): a plan or apply of part of the system is refused. */
int nh_cmd_world_open(const char *cmd, const char *config, const struct nh_reporter *reporter,
		      struct nh_cmd_world *w);
void nh_cmd_world_close(struct nh_cmd_world *w);

#endif
