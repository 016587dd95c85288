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

const char *nh_origin_str(const struct nh_origin *o, char *buf, size_t size)
{
	if (!o->file)
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s:%u", o->file, o->line);
	return buf;
}
