#include "load.h"

#include <errno.h>
#include <stdio.h>

#include "policy/parse.h"

int nh_cmd_load(const char *config, struct nh_policy *policy)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load(config, policy, &d);

	nh_diags_print(&d, stderr);
	nh_diags_free(&d);
	return r < 0 ? -EINVAL : 0;
}
