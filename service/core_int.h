/* Inside the core: shared by service/core.c (the executor, the intake) and
 * service/netns.c (the per-namespace record). Not for other files. */
#ifndef NETHEAL_SERVICE_CORE_INT_H
#define NETHEAL_SERVICE_CORE_INT_H

#include "core.h"

struct nh_core {
	struct nh_core_config cfg;
	const struct nh_policy *policy;
	struct nh_world world;
	bool views_stale;               /* the set of namespaces changed: rebuild the views */
	struct nh_netns *by_name;       /* every record */
	const struct nh_netns **sorted; /* the managed ones by name, for nh_core_snapshot */
	size_t n_sorted, cap_sorted;
	bool sorted_stale;              /* a record came or went, or a rule changed */
	uint64_t shown_seq;             /* the last nh_netns.shown given */
	struct nh_netns *dirty;         /* to heal, through next_dirty */
	struct nh_netns **waiting;      /* dirty, but waiting for a read of what they touch */
	size_t n_waiting, cap_waiting;
	uint64_t waiting_since_us;      /* when waiting last became non-empty */
	bool damping_off;               /* start-up, reload, apply */
	bool converging;                /* nh_core_converge: no events; read again what changed */
	struct nh_core_totals totals;
	uint64_t pass;                  /* the heal pass running, or the last one */
	uint64_t progress;              /* passes that healed or decided something */
	bool oom_logged;
};

static inline uint64_t core_now_us(const struct nh_core *c)
{
	return c->cfg.now_us();
}

/* Status or metrics have something new to show. */
static inline void core_changed(struct nh_core *c)
{
	if (c->cfg.reporter.changed)
		c->cfg.reporter.changed(c->cfg.reporter.ctx);
}

/* What ns's status entry shows changed (state, heals, failures, the last
 * heal or error): a new ns->shown, and status is due. */
static inline void netns_shown_changed(struct nh_netns *ns)
{
	ns->shown = ++ns->core->shown_seq;
	core_changed(ns->core);
}

#endif
