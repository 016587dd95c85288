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

int nh_cmd_load_quiet(const char *config, struct nh_policy *policy)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load_main(config, policy, &d);

	nh_diags_free(&d);
	return r;
}

int nh_cmd_load_whole_quiet(const char *config, struct nh_policy *policy)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load(config, policy, &d);

	nh_diags_free(&d);
	return r;
}

int nh_cmd_world_open(const char *cmd, const char *config, const struct nh_reporter *reporter,
		      struct nh_cmd_world *w)
{
	struct nh_core_config cfg = { .kernel = &nh_kernel_ops, .kernel_ctx = &w->kernel };
	int r;

	memset(w, 0, sizeof(*w));
	if (reporter)
		cfg.reporter = *reporter;
	r = nh_cmd_load(config, &w->policy);
	if (r < 0)
		return r;
	r = nh_monitor_new(NULL, w->policy.settings.netns_dir, nh_kernel_monitor_groups(&w->policy), NULL, NULL,
			   &w->mon);
	if (r < 0) {
		fprintf(stderr, "netheal %s: cannot read the system: %s\n", cmd, strerror(-r));
		return r;
	}
	if (nh_monitor_unwatched(w->mon)) {
		/* said above, with the limit it takes: a plan of part of the
		 * system would call the rest converged */
		fprintf(stderr, "netheal %s: %zu namespaces could not be opened (above): not going on with "
			"part of the system\n", cmd, nh_monitor_unwatched(w->mon));
		return -EMFILE;
	}
	nh_kernel_init(&w->kernel, w->mon);
	r = nh_core_new(&cfg, &w->policy, &w->core);
	if (r < 0) {
		fprintf(stderr, "netheal %s: %s\n", cmd, strerror(-r));
		return r;
	}
	for (size_t i = 0; i < nh_monitor_count(w->mon); i++) {
		struct nh_ns *ns = nh_monitor_at(w->mon, i);

		nh_core_netns_added(w->core, ns->name, &ns->obs);
	}
	return 0;
}

void nh_cmd_world_close(struct nh_cmd_world *w)
{
	nh_core_free(w->core);
	nh_monitor_free(w->mon);
	nh_policy_free(&w->policy);
	memset(w, 0, sizeof(*w));
}
