#include "netns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/strbuf.h"
#include "common/util.h"
#include "core_int.h"

static const char *const kind_names[NH_OBJK__COUNT] = {
	[NH_OBJK_ADDRESS] = "address",
	[NH_OBJK_ROUTE] = "route",
	[NH_OBJK_STATE] = "state",
	[NH_OBJK_LINK] = "link",
	[NH_OBJK_MASTER] = "master",
	[NH_OBJK_MTU] = "mtu",
	[NH_OBJK_MAC] = "mac",
	[NH_OBJK_NETNS] = "netns",
	[NH_OBJK_SYSCTL] = "sysctl",
	[NH_OBJK_RULE] = "rule",
	[NH_OBJK_NEIGH] = "neigh",
	[NH_OBJK_OTHER] = "other",
};

const char *nh_obj_kind_to_string(enum nh_obj_kind k)
{
	return (unsigned)k < NH_OBJK__COUNT ? kind_names[k] : "other";
}

enum nh_obj_kind nh_obj_kind_of(const char *object)
{
	size_t len = strcspn(object, ":");

	for (int k = 0; k < NH_OBJK_OTHER; k++)
		if (strlen(kind_names[k]) == len && strncmp(kind_names[k], object, len) == 0)
			return (enum nh_obj_kind)k;
	return NH_OBJK_OTHER;
}

struct nh_tracked *nh_netns_tracked(struct nh_netns *ns, const char *key, bool create)
{
	struct nh_tracked *o;

	HASH_FIND_STR(ns->objs, key, o);
	if (o || !create)
		return o;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	if (nh_strlcpy(o->key, key, sizeof(o->key)) < 0 || NH_HASH_ADD(ns->objs, key, o) < 0) {
		free(o);
		return NULL;
	}
	return o;
}

static void obj_free(struct nh_netns *ns, struct nh_tracked *o)
{
	HASH_DEL(ns->objs, o);
	nh_flap_clear(&o->flap);
	free(o);
}

void nh_netns_forget_objs(struct nh_netns *ns)
{
	struct nh_tracked *o, *tmp;

	HASH_ITER(hh, ns->objs, o, tmp)
		obj_free(ns, o);
}

size_t nh_netns_expire(struct nh_netns *ns, const struct nh_backoff *cfg, uint64_t now_ms)
{
	struct nh_tracked *o, *tmp;
	size_t n = 0;

	HASH_ITER(hh, ns->objs, o, tmp) {
		if (o->retry.failing || o->reported || o->removed ||
		    !nh_flap_idle(cfg, &o->flap, now_ms))
			continue;
		obj_free(ns, o);
		n++;
	}
	return n;
}

uint32_t nh_report_hash(const char *text)
{
	uint32_t h = 2166136261u;

	for (; *text; text++)
		h = (h ^ (unsigned char)*text) * 16777619u;
	return h ? h : 1;
}

const char *nh_netns_label(const struct nh_netns *ns)
{
	return ns->name[0] ? ns->name : "-";
}

void nh_netns_transition(struct nh_netns *ns, enum nh_ns_state to, uint64_t wake_ms)
{
	struct nh_core *c = ns->core;

	if (c->cfg.loop) {
		if (wake_ms) {
			ev_timer_stop(c->cfg.loop, &ns->wake);
			ev_timer_set(&ns->wake, wake_ms / 1000.0, 0.);
			ev_timer_start(c->cfg.loop, &ns->wake);
			ns->wake_at_us = core_now_us(c) + wake_ms * 1000;
		} else if (ns->wake_at_us) {
			ev_timer_stop(c->cfg.loop, &ns->wake);
			ns->wake_at_us = 0;
		}
	}
	if (ns->state == to)
		return;
	nh_debug("netns %s: %s -> %s", nh_netns_label(ns), nh_ns_state_to_string(ns->state),
		 nh_ns_state_to_string(to));
	ns->state = to;
	netns_shown_changed(ns);
}

void nh_netns_count_heal(struct nh_netns *ns, const char *object, int64_t now_ms)
{
	ns->heals++;
	ns->heals_by_kind[nh_obj_kind_of(object)]++;
	ns->last_heal_ms = now_ms;
	nh_strcpy_cut(ns->last_heal_object, sizeof(ns->last_heal_object), object);
	netns_shown_changed(ns);
}

void nh_netns_count_failure(struct nh_netns *ns, const char *error)
{
	ns->heal_failures++;
	nh_strcpy_cut(ns->last_error, sizeof(ns->last_error), error);
	ns->last_error_failed = true;
	netns_shown_changed(ns);
}
