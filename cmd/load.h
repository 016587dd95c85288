/* Loading the configuration for a subcommand, with its problems printed. */
#ifndef NETHEAL_CMD_LOAD_H
#define NETHEAL_CMD_LOAD_H

#include <stdbool.h>

#include "policy/model.h"

/* Load config (the main file and its policy_dir). Problems go to stderr as
 * FILE:LINE lines. Returns 0, or -EINVAL when the configuration is rejected. */
int nh_cmd_load(const char *config, struct nh_policy *policy);

#endif
