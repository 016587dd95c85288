/* For C test programs that touch the kernel: true only inside tests/sandbox.sh. */
#ifndef NETHEAL_TESTS_SANDBOX_H
#define NETHEAL_TESTS_SANDBOX_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* sandbox.sh sets NETHEAL_SANDBOX=1 and NETHEAL_OUTER_NETNS to the namespace
 * it started from; we must be in another one (and not in PID 1's, where that
 * is readable). */
static inline bool nh_test_in_sandbox(void)
{
	const char *env = getenv("NETHEAL_SANDBOX");
	const char *outer = getenv("NETHEAL_OUTER_NETNS");
	char self[64] = "", init[64] = "";

	if (!env || strcmp(env, "1") != 0 || !outer || !*outer)
		return false;
	if (readlink("/proc/self/ns/net", self, sizeof(self) - 1) < 0 || strcmp(self, outer) == 0)
		return false;
	if (readlink("/proc/1/ns/net", init, sizeof(init) - 1) > 0 && strcmp(self, init) == 0)
		return false;
	return true;
}

#endif
