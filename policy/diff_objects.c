/*
 * The diff of the objects beyond links, addresses and routes (SPEC §3.1):
 * sysctl settings, routing policy rules and permanent neighbours of one
 * namespace. Pure, as the rest of the diff; diff.h says what it decides.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/strbuf.h"
#include "common/util.h"
#include "diff_priv.h"

/* Where a link a sysctl or a neighbour needs stands after this plan. */
enum link_need {
	NEED_SKIP = 0,          /* reported, cannot exist, or another namespace's diff makes it: later */
	NEED_NEW,               /* this plan makes it (create, move, re-create): fresh settings */
	NEED_THERE,             /* it is there (obs): compare */
	NEED_MISSING,           /* not the policy's, and absent: report */
};

struct need {
	enum link_need what;
	const struct nh_link *obs;      /* NEED_THERE: the observed link (maybe under another name) */
};

static struct need link_need(const struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n,
			     const char *name)
{
	const struct link_plan *lp = diff_plan_by_name(lps, n, name);
	const struct nh_state *st = diff_view_state(c, x);
	struct need nd = { NEED_SKIP, NULL };

	if (!lp) {
		nd.obs = st ? nh_state_link_by_name(st, name) : NULL;
		nd.what = nd.obs ? NEED_THERE : NEED_MISSING;
		return nd;
	}
	if (lp->fate == FATE_KEEP || (lp->fate == FATE_RENAME && !lp->remote)) {
		nd.what = NEED_THERE;
		nd.obs = lp->obs;
	} else if ((lp->fate == FATE_CREATE || lp->fate == FATE_MOVE) && !lp->remote) {
		nd.what = NEED_NEW;
	}
	return nd;
}

/* ---- sysctls ---- */

/* The key as the kernel has it now: a per-link key under its link's
 * present name (a link this plan renames back). */
static void key_now(const struct nh_sysctl *w, const struct nh_link *obs, char *buf, size_t size)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);
	const char *leaf;
	size_t n;

	if (!w->link[0] || !obs || strcmp(obs->name, w->link) == 0) {
		nh_strbuf_str(&b, w->key);
		return;
	}
	/* PREFIX.LINK.LEAF → PREFIX.OBS.LEAF: LINK is right before the last
	 * dot (a link may be named like a part of the prefix, "ipv4") */
	leaf = strrchr(w->key, '.');
	n = (size_t)(leaf - w->key) - strlen(w->link);
	nh_strbuf_mem(&b, w->key, n);
	nh_strbuf_str(&b, obs->name);
	nh_strbuf_str(&b, leaf);
}

/* consequence: the link or namespace it is for is new (SPEC §5.4: the heal
 * is that one's, not counted for flap damping) */
static int emit_sysctl(struct diff_ctx *c, size_t x, const struct nh_sysctl *w, enum nh_action_type t,
		       bool consequence, const char *drift)
{
	struct nh_action a;
	char obj[96];

	diff_action_init(&a, t, c->views[x].name, NULL, 0);
	a.consequence = consequence;
	a.sysctl = *w;
	a.rule = w->origin;
	nh_strlcpy(a.link.name, w->link, sizeof(a.link.name));
	snprintf(obj, sizeof(obj), "sysctl:%s", w->key);
	return diff_emit(c, &a, obj, "%s", drift);
}

static int diff_sysctl(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n,
		       const struct nh_sysctl *w)
{
	const struct nh_state *st = diff_view_state(c, x);
	struct need nd = { NEED_THERE, NULL };
	const struct nh_sysctl *h;
	char key[NH_SYSCTL_KEYSIZ + NH_IFNAMSIZ], drift[800];  /* cut to the action's drift by diff_emit */

	if (w->link[0])
		nd = link_need(c, x, lps, n, w->link);
	switch (nd.what) {
	case NEED_SKIP:
		return 0;
	case NEED_MISSING:
		snprintf(drift, sizeof(drift), "sysctl %s waits for link %s, which is missing", w->key, w->link);
		return emit_sysctl(c, x, w, NH_ACT_REPORT_MISSING, false, drift);
	case NEED_NEW:
		snprintf(drift, sizeof(drift), "sysctl %s: link %s is new, policy wants %s", w->key, w->link, w->value);
		return emit_sysctl(c, x, w, NH_ACT_SYSCTL_SET, true, drift);
	case NEED_THERE:
		break;
	}
	if (st == &c->fresh) {
		snprintf(drift, sizeof(drift), "sysctl %s: the namespace is new, policy wants %s", w->key, w->value);
		return emit_sysctl(c, x, w, NH_ACT_SYSCTL_SET, true, drift);
	}
	key_now(w, nd.obs, key, sizeof(key));
	h = st ? nh_state_sysctl(st, key) : NULL;
	if (h && strcmp(h->value, w->value) == 0)
		return 0;
	if (h)
		snprintf(drift, sizeof(drift), "sysctl %s is %s, policy wants %s", w->key, h->value, w->value);
	else
		snprintf(drift, sizeof(drift), "sysctl %s could not be read, policy wants %s", w->key, w->value);
	return emit_sysctl(c, x, w, NH_ACT_SYSCTL_SET, false, drift);
}

int diff_sysctls(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n)
{
	const struct nh_state *want = &c->views[x].rule->want;
	int r;

	for (size_t i = 0; i < want->n_sysctls; i++)
		if ((r = diff_sysctl(c, x, lps, n, &want->sysctls[i])) < 0)
			return r;
	return 0;
}

/* ---- rules ---- */

/* "rule 100 from 10.1.0.0/16 lookup 100"; a rule without prefixes names
 * its family. */
static const char *rule_words(const struct nh_fib_rule *r, char *buf, size_t size)
{
	char w[256];
	bool family = !(r->has & (NH_FRULE_HAS_FROM | NH_FRULE_HAS_TO));

	nh_fib_rule_words(r, w, sizeof(w));
	snprintf(buf, size, "rule %u%s %s", r->priority, !family ? "" : r->family == AF_INET6 ? " (inet6)" : " (inet)",
		 w);
	return buf;
}

static int diff_rule(struct diff_ctx *c, size_t x, const struct nh_fib_rule *w)
{
	const struct nh_state *st = diff_view_state(c, x);
	const struct nh_fib_rule *clash = NULL;
	char obj[96], w1[320], w2[256];
	struct nh_action a;

	for (size_t i = 0; st && i < st->n_rules; i++) {
		const struct nh_fib_rule *h = &st->rules[i];

		if (nh_fib_rule_satisfied(w, h))
			return 0;
		if (nh_fib_rule_key_cmp(w, h) == 0 && (!clash || nh_fib_rule_cmp(h, clash) < 0))
			clash = h;
	}
	diff_action_init(&a, clash ? NH_ACT_REPORT_CONFLICT : NH_ACT_RULE_ADD, c->views[x].name, NULL, 0);
	a.frule = *w;
	a.rule = w->origin;
	snprintf(obj, sizeof(obj), "rule:%u", w->priority);
	rule_words(w, w1, sizeof(w1));
	if (!clash)
		return diff_emit(c, &a, obj, "%s missing", w1);
	return diff_emit(c, &a, obj, "%s: the kernel has %s instead (a rule of its selectors and priority)", w1,
			 nh_fib_rule_words(clash, w2, sizeof(w2)));
}

int diff_rules(struct diff_ctx *c, size_t x)
{
	const struct nh_state *want = &c->views[x].rule->want;
	int r;

	for (size_t i = 0; i < want->n_rules; i++)
		if ((r = diff_rule(c, x, &want->rules[i])) < 0)
			return r;
	return 0;
}

/* ---- neighbours ---- */

/* consequence: as emit_sysctl's */
static int emit_neigh(struct diff_ctx *c, size_t x, const struct nh_neigh *w, enum nh_action_type t, int ifindex,
		      bool consequence, const char *drift)
{
	char obj[96], ip[64];
	struct nh_action a;

	diff_action_init(&a, t, c->views[x].name, NULL, ifindex);
	a.consequence = consequence;
	a.neigh = *w;
	a.rule = w->origin;
	nh_strlcpy(a.link.name, w->dev, sizeof(a.link.name));
	snprintf(obj, sizeof(obj), "neigh:%s", nh_prefix_str(&w->addr, false, ip, sizeof(ip)));
	return diff_emit(c, &a, obj, "%s", drift);
}

static int diff_neigh(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n, const struct nh_neigh *w)
{
	const struct nh_state *st = diff_view_state(c, x);
	struct need nd = link_need(c, x, lps, n, w->dev);
	struct nh_neigh key = *w;
	const struct nh_neigh *h = NULL;
	char ip[64], want[NH_MAC_STRLEN], have[NH_MAC_STRLEN], drift[160];

	nh_prefix_str(&w->addr, false, ip, sizeof(ip));
	nh_mac_str(w->lladdr, want, sizeof(want));
	switch (nd.what) {
	case NEED_SKIP:
		return 0;
	case NEED_MISSING:
		snprintf(drift, sizeof(drift), "neighbour %s waits for link %s, which is missing", ip, w->dev);
		return emit_neigh(c, x, w, NH_ACT_REPORT_MISSING, 0, false, drift);
	case NEED_NEW:
		snprintf(drift, sizeof(drift), "neighbour %s on %s: the link is new, policy wants %s", ip, w->dev, want);
		return emit_neigh(c, x, w, NH_ACT_NEIGH_SET, 0, true, drift);
	case NEED_THERE:
		break;
	}
	nh_strlcpy(key.dev, nd.obs->name, sizeof(key.dev));
	for (size_t i = 0; st && i < st->n_neighs && !h; i++)
		if (nh_neigh_key_cmp(&key, &st->neighs[i]) == 0)
			h = &st->neighs[i];
	if (h && nh_neigh_satisfied(&key, h))
		return 0;
	if (h && (h->has & NH_NEIGH_HAS_LLADDR))
		snprintf(drift, sizeof(drift), "neighbour %s on %s is %s, policy wants %s", ip, w->dev,
			 nh_mac_str(h->lladdr, have, sizeof(have)), want);
	else
		snprintf(drift, sizeof(drift), "permanent neighbour %s on %s missing, policy wants %s", ip, w->dev, want);
	return emit_neigh(c, x, w, NH_ACT_NEIGH_SET, nd.obs->ifindex, false, drift);
}

int diff_neighs(struct diff_ctx *c, size_t x, const struct link_plan *lps, size_t n)
{
	const struct nh_state *want = &c->views[x].rule->want;
	int r;

	for (size_t i = 0; i < want->n_neighs; i++)
		if ((r = diff_neigh(c, x, lps, n, &want->neighs[i])) < 0)
			return r;
	return 0;
}
