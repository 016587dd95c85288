#include "state.h"

#include <errno.h>
#include <string.h>

static const char *const state_names[NH_NS__COUNT] = {
	[NH_NS_CONVERGED] = "converged",
	[NH_NS_DRIFTING]  = "drifting",
	[NH_NS_HEALING]   = "healing",
	[NH_NS_BACKOFF]   = "backoff",
	[NH_NS_CONFLICT]  = "conflict",
	[NH_NS_AUDIT]     = "audit",
};

const char *nh_ns_state_to_string(enum nh_ns_state s)
{
	if ((unsigned)s >= NH_NS__COUNT)
		return "unknown";
	return state_names[s];
}

int nh_ns_state_from_string(const char *s)
{
	for (int i = 0; i < NH_NS__COUNT; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -EINVAL;
}

bool nh_ns_state_is_drifting(enum nh_ns_state s)
{
	return s != NH_NS_CONVERGED;
}
