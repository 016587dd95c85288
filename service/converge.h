/*
 * One convergence pass over the world: diff, execute in dependency order,
 * re-read what changed, diff again, until nothing executable is left. Used by
 * `apply`, and by `run` at start and after a reload.
 */
#ifndef NETHEAL_SERVICE_CONVERGE_H
#define NETHEAL_SERVICE_CONVERGE_H

#include "world.h"

struct nh_converge_ops {
	/* An action was executed (res->err tells how it went). */
	void (*done)(const struct nh_action *a, const struct nh_result *res, void *ctx);
	/* An action was not executed: its namespace is in audit mode, or an
	 * earlier action it depends on failed (why says which). */
	void (*skipped)(const struct nh_action *a, const char *why, void *ctx);
	/* Left over at the end: a report (conflict, missing), or drift that
	 * could not be fixed. */
	void (*left)(const struct nh_action *a, void *ctx);
};

#define NH_CONVERGE_ROUNDS 4

/* Converge every managed namespace (all_ns) or only the views in which[].
 * Returns how many actions are left over (0 = converged), or -errno. */
int nh_converge(struct nh_world *w, const struct nh_converge_ops *ops, void *ctx);

/* The plan for the world as it is now (no changes): every managed view. */
int nh_world_plan(struct nh_world *w, struct nh_plan *plan);

/* Does this action's namespace run in audit mode? */
bool nh_world_audit(const struct nh_world *w, const struct nh_action *a);

/* Execute one action against the world. On success of a namespace creation,
 * the namespace is adopted by the monitor. */
int nh_world_exec(struct nh_world *w, const struct nh_action *a, struct nh_result *res);

#endif
