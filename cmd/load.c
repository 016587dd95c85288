#include "load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policy/parse.h"

int nh_cmd_load(const char *config, struct nh_policy *policy)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load(config, policy, &d);

	nh_diags_print(&d, stderr);
	nh_diags_free(&d);
	return r < 0 ? -EINVAL : 0;
}

int nh_cmd_world_open(const char *cmd, const char *config, struct nh_cmd_world *w)
{
	int r;

	memset(w, 0, sizeof(*w));
	r = nh_cmd_load(config, &w->policy);
	if (r < 0)
		return r;
	r = nh_monitor_new(NULL, w->policy.settings.netns_dir, NULL, NULL, &w->mon);
	if (r < 0) {
		fprintf(stderr, "netheal %s: cannot read the system: %s\n", cmd, strerror(-r));
		return r;
	}
	r = nh_world_init(&w->world, &w->policy, w->mon);
	if (r < 0)
		fprintf(stderr, "netheal %s: %s\n", cmd, strerror(-r));
	return r;
}

void nh_cmd_world_close(struct nh_cmd_world *w)
{
	nh_world_free(&w->world);
	nh_monitor_free(w->mon);
	nh_policy_free(&w->policy);
	memset(w, 0, sizeof(*w));
}
