/* Loading the configuration for a subcommand, with its problems printed. */
#ifndef NETHEAL_CMD_LOAD_H
#define NETHEAL_CMD_LOAD_H

#include <stdbool.h>

#include "monitor/monitor.h"
#include "policy/model.h"
#include "service/world.h"

/* Load config (the main file and its policy_dir). Problems go to stderr as
 * FILE:LINE lines. Returns 0, or -EINVAL when the configuration is rejected. */
int nh_cmd_load(const char *config, struct nh_policy *policy);

/* What `plan` and `apply` work on: the policy, the namespaces as they are
 * now (no event loop), and the world view that joins them. */
struct nh_cmd_world {
	struct nh_policy policy;
	struct nh_monitor *mon;
	struct nh_world world;
};

/* Load config and read the system. Problems are printed, prefixed with
 * "netheal CMD:". Returns 0 or -errno. */
int nh_cmd_world_open(const char *cmd, const char *config, struct nh_cmd_world *w);
void nh_cmd_world_close(struct nh_cmd_world *w);

#endif
