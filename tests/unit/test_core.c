/*
 * The service core without the kernel or root: a fake kernel behind the
 * executor's seam (struct nh_kernel_ops) keeps each namespace's true state,
 * applies the actions the core sends, fails the ones a test scripts, and
 * tells the core about changes only when the test delivers them as events,
 * as the real monitor does a little later. A fake clock drives damping and
 * backoff. What the core reports (outcomes, hooks) is recorded.
 *
 * Covered: the state machine, one pass for a burst of events, a failure on
 * a stale view read again once and not reported, a persistent failure
 * reported once, reports logged once per change, flap damping and the
 * removals that do not count for it, a dependency in another namespace
 * waking what waits for it, a namespace that waits for its read, hooks'
 * rules, a reload that runs out of memory keeping the old policy.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>
#include <ev.h>

#include "policy/kind.h"
#include "policy/parse.h"
#include "service/core.h"

/* ---- allocation failures on demand (linked with --wrap=malloc,calloc,realloc) ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
static long fail_after = -1;    /* fail the allocation after this many more; -1: never */

static bool alloc_fails(void)
{
	if (fail_after < 0)
		return false;
	return fail_after-- == 0;
}

void *__wrap_malloc(size_t n)
{
	return alloc_fails() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return alloc_fails() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return alloc_fails() ? NULL : __real_realloc(p, n);
}

/* ---- the fake kernel ---- */

#define MAX_NS 8
#define MAX_LOG 512

struct fake_ns {
	char name[NH_NETNS_NAMSIZ];
	bool exists;
	struct nh_state truth;
	struct nh_observed obs;
};

struct script {
	enum nh_action_type type;
	char object[96];
	int err;
	int times;              /* -1: always */
};

struct fake {
	struct fake_ns ns[MAX_NS];
	size_t n_ns;
	int next_ifindex;
	uint64_t now_us;
	struct script fails[8];
	size_t n_fails;
	/* what the core did */
	struct nh_action execd[MAX_LOG];
	size_t n_execd;
	struct { enum nh_outcome type; bool log; char object[96]; char actor[64]; } out[MAX_LOG];
	size_t n_out;
	struct { char netns[NH_NETNS_NAMSIZ]; char event[32]; } hooks[32];
	size_t n_hooks;
	unsigned int rereads;
	bool renames;           /* the kernel makes links under names of its own */
	int renamed;
	int vanishes;           /* creates acknowledged whose link is gone at once (namespace replaced) */
	bool set_aside;         /* a delete marked set_aside renames its link, as run's executor does */
	struct ev_loop *loop;
	struct nh_core *core;
	struct nh_policy policy;
};

static struct fake *F;          /* the one the callbacks see */

static uint64_t fake_now(void)
{
	return F->now_us;
}

static int64_t fake_wall(void)
{
	return 1700000000000 + (int64_t)(F->now_us / 1000);
}

static struct fake_ns *ns_get(struct fake *f, const char *name)
{
	for (size_t i = 0; i < f->n_ns; i++)
		if (strcmp(f->ns[i].name, name) == 0)
			return &f->ns[i];
	return NULL;
}

static struct fake_ns *ns_add(struct fake *f, const char *name)
{
	struct fake_ns *ns = &f->ns[f->n_ns++];

	assert_true(f->n_ns <= MAX_NS);
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	ns->exists = true;
	nh_state_init(&ns->truth);
	return ns;
}

static struct nh_link *link_of(struct fake_ns *ns, const char *name, int ifindex)
{
	if (ifindex > 0) {
		struct nh_link *l = nh_state_link_by_index(&ns->truth, ifindex);

		if (l)
			return l;
	}
	return nh_state_link_by_name(&ns->truth, name);
}

static void add_link(struct fake *f, struct fake_ns *ns, const char *name, const struct nh_kind *kind)
{
	struct nh_link l = { .kind = kind, .has = NH_LINK_HAS_UP, .link_netnsid = -1, .mtu = 1500 };

	snprintf(l.name, sizeof(l.name), "%s", name);
	if (kind)
		snprintf(l.kind_name, sizeof(l.kind_name), "%s", kind->name);
	l.ifindex = f->next_ifindex++;
	assert_int_equal(nh_state_add_link(&ns->truth, &l), 0);
	nh_state_sort(&ns->truth);
}

static void del_link(struct fake_ns *ns, const char *name)
{
	struct nh_state *s = &ns->truth;
	struct nh_link *l = nh_state_link_by_name(s, name);
	size_t j = 0;
	int idx;

	if (!l)
		return;
	idx = l->ifindex;
	*l = s->links[--s->n_links];
	s->links_unsorted = true;
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex != idx)
			s->addrs[j++] = s->addrs[i];
	s->n_addrs = j;
	j = 0;
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].oif != idx)
			s->routes[j++] = s->routes[i];
	s->n_routes = j;
	nh_state_sort(s);
}

static bool scripted_failure(struct fake *f, const struct nh_action *a, struct nh_result *res)
{
	for (size_t i = 0; i < f->n_fails; i++) {
		struct script *s = &f->fails[i];

		if (s->type != a->type || strcmp(s->object, a->object) != 0 || s->times == 0)
			continue;
		if (s->times > 0)
			s->times--;
		res->err = s->err;
		snprintf(res->reason, sizeof(res->reason), "scripted %s", strerror(-s->err));
		return true;
	}
	return false;
}

static int apply(struct fake *f, const struct nh_action *a, struct nh_result *res)
{
	struct fake_ns *ns = ns_get(f, a->netns);
	struct nh_link *l;

	if (a->type == NH_ACT_NETNS_CREATE) {
		if (!ns)
			ns = ns_add(f, a->netns);
		ns->exists = true;
		nh_state_free(&ns->truth);
		add_link(f, ns, "lo", NULL);
		return 0;
	}
	if (!ns || !ns->exists)
		return res->err = -ENOENT;
	switch (a->type) {
	case NH_ACT_LINK_CREATE:
		if (nh_state_link_by_name(&ns->truth, a->link.name))
			return res->err = -EEXIST;
		if (f->vanishes > 0) {
			f->vanishes--;
			return 0;
		}
		if (f->renames) {
			/* the kernel takes it as a pattern: "x%d" → x0, x1, ... */
			char name[NH_IFNAMSIZ];

			snprintf(name, sizeof(name), "x%d", f->renamed++);
			add_link(f, ns, name, a->link.kind);
			return 0;
		}
		add_link(f, ns, a->link.name, a->link.kind);
		if (nh_kind_has(a->link.kind, NH_KIND_PAIR)) {
			struct fake_ns *p = ns_get(f, a->link.peer_netns);

			if (!p || !p->exists)
				return res->err = -ENOENT;
			add_link(f, p, a->link.peer_name, a->link.kind);
		}
		return 0;
	case NH_ACT_LINK_DELETE:
		l = link_of(ns, "", a->ifindex);
		if (f->set_aside && a->set_aside && l) {
			snprintf(l->name, sizeof(l->name), "nhaside%x", (unsigned int)a->ifindex);
			l->up = false;
			l->master[0] = '\0';
			nh_state_sort(&ns->truth);
			return 0;
		}
		del_link(ns, a->link.name);
		return 0;
	case NH_ACT_LINK_RENAME:
		l = link_of(ns, "", a->ifindex);
		if (!l)
			return res->err = -ENODEV;
		snprintf(l->name, sizeof(l->name), "%s", a->link.name);
		nh_state_sort(&ns->truth);
		return 0;
	case NH_ACT_LINK_SET_UP:
	case NH_ACT_LINK_SET_MASTER:
	case NH_ACT_LINK_SET_MTU:
		l = link_of(ns, a->link.name, a->ifindex);
		if (!l)
			return res->err = -ENODEV;
		if (a->type == NH_ACT_LINK_SET_UP)
			l->up = a->link.up;
		else if (a->type == NH_ACT_LINK_SET_MTU)
			l->mtu = a->link.mtu;
		else {
			snprintf(l->master, sizeof(l->master), "%s", a->link.master);
			l->has |= NH_LINK_HAS_MASTER;
		}
		return 0;
	case NH_ACT_ADDR_ADD: {
		struct nh_address ad = a->addr;

		l = link_of(ns, a->addr.link, a->ifindex);
		if (!l)
			return res->err = -ENODEV;
		ad.ifindex = l->ifindex;
		assert_int_equal(nh_state_add_address(&ns->truth, &ad), 0);
		nh_state_sort(&ns->truth);
		return 0;
	}
	case NH_ACT_ROUTE_REPLACE:
		/* the key's route goes, the policy's takes its place */
		for (size_t i = 0; i < ns->truth.n_routes; i++)
			if (nh_route_key_cmp(&ns->truth.routes[i], &a->route) == 0)
				ns->truth.routes[i--] = ns->truth.routes[--ns->truth.n_routes];
		/* fall through */
	case NH_ACT_ROUTE_ADD: {
		struct nh_route rt = a->route;

		rt.has |= NH_ROUTE_HAS_DEV;
		rt.protocol = NH_RTPROT_NETHEAL;
		rt.type = RTN_UNICAST;
		if (!rt.table)
			rt.table = NH_RT_TABLE_MAIN;
		if (!rt.dev[0] && ns->truth.n_links > 1)
			snprintf(rt.dev, sizeof(rt.dev), "%s", ns->truth.links[ns->truth.n_links - 1].name);
		assert_int_equal(nh_state_add_route(&ns->truth, &rt), 0);
		nh_state_sort(&ns->truth);
		return 0;
	}
	default:
		return res->err = -EOPNOTSUPP;
	}
}

static int k_exec(void *ctx, const struct nh_action *a, struct nh_result *res)
{
	struct fake *f = ctx;

	memset(res, 0, sizeof(*res));
	assert_true(f->n_execd < MAX_LOG);
	f->execd[f->n_execd++] = *a;
	res->acked_us = f->now_us + 100;
	if (!scripted_failure(f, a, res))
		apply(f, a, res);
	return res->err;
}

/* The monitor's view catches up with the truth (a read, or the events). */
static void sync_ns(struct fake_ns *ns)
{
	nh_state_free(&ns->obs.have);
	assert_int_equal(nh_state_copy(&ns->obs.have, &ns->truth), 0);
	nh_state_sort(&ns->obs.have);
	ns->obs.valid = true;
}

static struct nh_observed *k_observed(void *ctx, const char *netns)
{
	struct fake_ns *ns = ns_get(ctx, netns);

	if (!ns || !ns->exists)
		return NULL;
	sync_ns(ns);
	return &ns->obs;
}

static int k_reread(void *ctx, const char *netns)
{
	struct fake *f = ctx;
	struct fake_ns *ns = ns_get(f, netns);

	f->rereads++;
	if (!ns || !ns->exists)
		return -ENOENT;
	sync_ns(ns);
	return 0;
}

static int k_link_exists(void *ctx, const char *netns, const char *name)
{
	struct fake_ns *ns = ns_get(ctx, netns);

	return ns && nh_state_link_by_name(&ns->truth, name) ? 1 : 0;
}

static void k_actor(void *ctx, const char *netns, uint32_t port, char *buf, size_t size)
{
	(void)ctx;
	(void)netns;
	snprintf(buf, size, "pid:%u/rival", port);
}

static bool k_own_port(void *ctx, uint32_t port)
{
	(void)ctx;
	return port == 4242;
}

static const struct nh_kernel_ops fake_ops = {
	.exec = k_exec, .observed = k_observed, .reread = k_reread, .link_exists = k_link_exists,
	.actor = k_actor, .own_port = k_own_port,
};

static void r_outcome(void *ctx, const struct nh_action *a, const struct nh_outcome_info *o)
{
	struct fake *f = ctx;

	assert_true(f->n_out < MAX_LOG);
	f->out[f->n_out].type = o->type;
	f->out[f->n_out].log = o->log;
	snprintf(f->out[f->n_out].object, sizeof(f->out[0].object), "%s", a->object);
	snprintf(f->out[f->n_out].actor, sizeof(f->out[0].actor), "%s", o->actor ? o->actor : "");
	f->n_out++;
}

static void r_hook(void *ctx, const struct nh_netns *ns, char *const *argv, const char *event, const char *detail)
{
	struct fake *f = ctx;

	(void)argv;
	(void)detail;
	snprintf(f->hooks[f->n_hooks].netns, sizeof(f->hooks[0].netns), "%s", ns->name);
	snprintf(f->hooks[f->n_hooks].event, sizeof(f->hooks[0].event), "%s", event);
	f->n_hooks++;
}

/* ---- set-up ---- */

static const char base_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; addresses = [ \"10.1.1.51/24\" ]; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"10.1.1.100/24\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; } );\n"
	"  routes = ( { to = \"default\"; via = \"10.1.1.51\"; } );\n"
	"  hooks = { on_create = [ \"/bin/true\", \"created\" ]; on_heal = [ \"/bin/true\", \"healed\" ]; }; } );\n";

static void load(struct nh_policy *p, const char *text)
{
	struct nh_diags d = { 0 };
	int r = nh_policy_load_buffer("test.conf", text, strlen(text), p, &d);

	if (r < 0)
		nh_diags_print(&d, stderr);
	assert_int_equal(r, 0);
	nh_diags_free(&d);
}

static struct fake *fake_new(const char *policy)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct nh_core_config cfg = {
		.kernel = &fake_ops, .now_us = fake_now, .wall_ms = fake_wall,
	};

	assert_non_null(f);
	F = f;
	f->now_us = 1000000;
	f->next_ifindex = 10;
	f->loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(f->loop);
	cfg.kernel_ctx = f;
	cfg.loop = f->loop;
	cfg.reporter = (struct nh_reporter){ .outcome = r_outcome, .hook = r_hook, .ctx = f };
	load(&f->policy, policy);
	/* damping: 3 heals in 60 s, then 1 s doubling to 8 s */
	f->policy.settings.backoff = (struct nh_backoff){ 3, 60, 1000, 8000 };
	/* the host exists, with lo; blue does not yet */
	add_link(f, ns_add(f, ""), "lo", NULL);
	sync_ns(&f->ns[0]);
	assert_int_equal(nh_core_new(&cfg, &f->policy, &f->core), 0);
	nh_core_netns_added(f->core, "", &f->ns[0].obs);
	return f;
}

static void fake_free(struct fake *f)
{
	nh_core_free(f->core);
	for (size_t i = 0; i < f->n_ns; i++) {
		nh_state_free(&f->ns[i].truth);
		nh_state_free(&f->ns[i].obs.have);
	}
	nh_policy_free(&f->policy);
	ev_loop_destroy(f->loop);
	free(f);
}

/* Converge as `apply` and start-up do, then forget what it reported. */
static void built(struct fake *f)
{
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	f->n_out = f->n_execd = 0;
	f->n_hooks = 0;
	f->rereads = 0;
}

/* The events of what changed in netns reach the core: its view catches up. */
static void deliver(struct fake *f, const char *netns, uint16_t type, enum nh_obj obj, uint32_t port)
{
	struct fake_ns *ns = ns_get(f, netns);
	struct nh_nl_event ev = { .t_us = f->now_us, .type = type, .obj = obj, .actor_port = port, .changed = true };

	sync_ns(ns);
	nh_core_event(f->core, &ns->obs, &ev);
}

static size_t count_out(const struct fake *f, enum nh_outcome type, bool logged_only)
{
	size_t n = 0;

	for (size_t i = 0; i < f->n_out; i++)
		n += f->out[i].type == type && (!logged_only || f->out[i].log);
	return n;
}

static enum nh_ns_state state_of(struct fake *f, const char *netns)
{
	struct nh_netns *ns = nh_core_find(f->core, netns);

	assert_non_null(ns);
	return ns->state;
}

static struct nh_address *find_addr(struct fake_ns *ns, const char *link, const char *prefix)
{
	struct nh_address key = { 0 };

	snprintf(key.link, sizeof(key.link), "%s", link);
	assert_int_equal(nh_prefix_parse(prefix, &key.prefix), 0);
	for (size_t i = 0; i < ns->truth.n_addrs; i++)
		if (nh_address_key_cmp(&ns->truth.addrs[i], &key) == 0)
			return &ns->truth.addrs[i];
	return NULL;
}

static void del_addr(struct fake_ns *ns, const char *link, const char *prefix)
{
	struct nh_address *a = find_addr(ns, link, prefix);

	assert_non_null(a);
	*a = ns->truth.addrs[--ns->truth.n_addrs];
	nh_state_sort(&ns->truth);
}

/* ---- tests ---- */

/* Start-up: everything built in dependency order, on_create once, then
 * converged; a quiet event leaves it converged with nothing executed. */
static void test_converge_and_states(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;

	(void)state;
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	blue = ns_get(f, "blue");
	assert_non_null(blue);
	assert_non_null(nh_state_link_by_name(&blue->truth, "v-peer1"));
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_int_equal(blue->truth.n_routes, 1);
	assert_int_equal(f->execd[0].type, NH_ACT_NETNS_CREATE);
	for (size_t i = 1; i < f->n_execd; i++)
		assert_true(f->execd[i - 1].type <= f->execd[i].type);
	assert_int_equal(count_out(f, NH_OUT_FAILED, false), 0);
	assert_int_equal(f->n_hooks, 1);        /* on_create, not on_heal, for a namespace it made */
	assert_string_equal(f->hooks[0].event, "netns-created");
	assert_int_equal(state_of(f, "blue"), NH_NS_CONVERGED);
	assert_int_equal(state_of(f, ""), NH_NS_CONVERGED);

	f->n_execd = 0;
	deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 0);
	assert_true(nh_core_pending(f->core));
	assert_int_equal(nh_core_heal(f->core), 0);
	assert_int_equal(f->n_execd, 0);
	assert_false(nh_core_pending(f->core));
	assert_int_equal(state_of(f, "blue"), NH_NS_CONVERGED);
	fake_free(f);
}

/* A namespace the monitor could not open for lack of descriptors exists:
 * it is shown drifting with why, and neither diffed nor made (blue is
 * the policy's, and would be created were it missing); once it can be
 * opened, or is gone, that is over. A matched one leaves no record when
 * it goes, one no rule covers gets none (new-user trial: unwatched
 * namespaces showed as nothing, and "0 drifting"). */
static void test_unwatched_shown_not_made(void **state)
{
	struct fake *f = fake_new(base_policy);
	const char *why = "not watched: no descriptor free (RLIMIT_NOFILE 100)";
	struct nh_policy other;
	struct nh_netns *ns;

	(void)state;
	nh_core_netns_unwatched(f->core, "blue", why);
	nh_core_netns_unwatched(f->core, "red", why);   /* no rule covers it: not shown */
	assert_null(nh_core_find(f->core, "red")->rule);
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	for (size_t i = 0; i < f->n_execd; i++)
		assert_string_not_equal(f->execd[i].netns, "blue");
	assert_null(ns_get(f, "blue"));
	assert_int_equal(state_of(f, "blue"), NH_NS_DRIFTING);
	ns = nh_core_find(f->core, "blue");
	assert_string_equal(ns->last_error, why);

	nh_core_netns_unwatched(f->core, "blue", NULL);     /* gone: the policy's, so made */
	assert_string_equal(nh_core_find(f->core, "blue")->last_error, "");
	assert_true(nh_core_pending(f->core));              /* at once, not at the next event */
	assert_true(nh_core_heal(f->core) > 0);
	assert_non_null(ns_get(f, "blue"));
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	assert_int_equal(state_of(f, "blue"), NH_NS_CONVERGED);
	fake_free(f);

	f = fake_new("namespaces = ( { match = \"t-*\"; links = ( { name = \"lo\"; } ); } );\n");
	nh_core_netns_unwatched(f->core, "t-1", why);
	assert_int_equal(state_of(f, "t-1"), NH_NS_DRIFTING);
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	assert_int_equal(state_of(f, "t-1"), NH_NS_DRIFTING);
	nh_core_netns_unwatched(f->core, "t-1", NULL);
	assert_true(nh_core_pending(f->core));              /* freed by the next pass */
	assert_int_equal(nh_core_heal(f->core), 0);
	assert_null(nh_core_find(f->core, "t-1"));
	/* one no rule covered, shown once a reload's rule does */
	nh_core_netns_unwatched(f->core, "u-1", why);
	assert_null(nh_core_find(f->core, "u-1")->rule);
	load(&other, "namespaces = ( { match = \"u-*\"; links = ( { name = \"lo\"; } ); } );\n");
	assert_int_equal(nh_core_set_policy(f->core, &other), 0);
	assert_non_null(nh_core_find(f->core, "u-1")->rule);
	assert_int_equal(state_of(f, "u-1"), NH_NS_DRIFTING);
	assert_string_equal(nh_core_find(f->core, "u-1")->last_error, why);
	fake_free(f);
	nh_policy_free(&other);
}

/* Three breaks, their events delivered together: one pass heals them all;
 * the namespace goes healing, then converged on our own events; on_heal
 * runs once. */
static void test_burst_coalesces(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	uint64_t before;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	blue->truth.n_routes = 0;
	nh_state_link_by_name(&blue->truth, "lo")->up = false;
	deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
	deliver(f, "blue", RTM_DELROUTE, NH_OBJ_ROUTE, 777);
	deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 777);
	before = nh_core_progress(f->core);
	assert_int_equal(nh_core_heal(f->core), 3);
	assert_int_equal(nh_core_progress(f->core), before + 1);
	assert_int_equal(count_out(f, NH_OUT_HEALED, false), 3);
	assert_int_equal(state_of(f, "blue"), NH_NS_HEALING);
	assert_int_equal(f->n_hooks, 1);
	assert_string_equal(f->hooks[0].event, "healed");
	deliver(f, "blue", RTM_NEWADDR, NH_OBJ_ADDRESS, 4242);
	assert_int_equal(nh_core_heal(f->core), 0);
	assert_int_equal(state_of(f, "blue"), NH_NS_CONVERGED);
	fake_free(f);
}

/* The view says v-peer1 is there, the kernel already deleted it: the
 * set-up fails, the namespaces are read again, and the pair is rebuilt in
 * the next pass; nothing is reported as failed. */
/* Built; v-peer1 is set down (an event says so) and, before the core acts,
 * the pair goes too, with no event yet. */
static struct fake *pair_gone_unseen(struct fake_ns **blue, struct fake_ns **host)
{
	struct fake *f = fake_new(base_policy);

	built(f);
	*blue = ns_get(f, "blue");
	*host = ns_get(f, "");
	nh_state_link_by_name(&(*blue)->truth, "v-peer1")->up = false;
	deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 777);
	del_link(*blue, "v-peer1");
	del_link(*host, "v-eth1");
	return f;
}

static void test_stale_view_read_again(void **state)
{
	struct fake_ns *blue, *host;
	struct fake *f = pair_gone_unseen(&blue, &host);

	(void)state;
	assert_int_equal(nh_core_heal(f->core), 1);         /* set-up tried: the link is gone */
	assert_int_equal(f->rereads, 0);                    /* its events are waited for, not a dump */
	/* they come: the pair is made again, and nothing was a failure */
	deliver(f, "blue", RTM_DELLINK, NH_OBJ_LINK, 0);
	deliver(f, "", RTM_DELLINK, NH_OBJ_LINK, 0);
	assert_true(nh_core_heal(f->core) > 0);
	assert_non_null(nh_state_link_by_name(&blue->truth, "v-peer1"));
	assert_non_null(nh_state_link_by_name(&host->truth, "v-eth1"));
	assert_int_equal(count_out(f, NH_OUT_FAILED, true), 0);
	assert_int_equal(f->rereads, 0);
	fake_free(f);
}

/* Heal passes until nothing is pending (a hundred at most: a test that
 * never settles fails, it does not hang). */
static void heal_all(struct fake *f)
{
	for (int i = 0; i < 100 && nh_core_pending(f->core); i++)
		nh_core_heal(f->core);
	assert_false(nh_core_pending(f->core));
}

/* The same, but the events never come (lost): after the short wait the
 * namespaces are read again and healed at once. */
static void test_stale_view_events_lost(void **state)
{
	struct fake_ns *blue, *host;
	struct fake *f = pair_gone_unseen(&blue, &host);
	struct nh_netns *rec;

	(void)state;
	assert_int_equal(nh_core_heal(f->core), 1);
	rec = nh_core_find(f->core, "blue");
	assert_true(ev_is_active(&rec->wake));
	f->now_us += 60000;                                 /* past the wait */
	ev_invoke(f->loop, &rec->wake, EV_TIMER);
	nh_core_heal(f->core);                              /* fails again: read again */
	assert_true(f->rereads >= 1);
	heal_all(f);
	assert_non_null(nh_state_link_by_name(&blue->truth, "v-peer1"));
	assert_non_null(nh_state_link_by_name(&host->truth, "v-eth1"));
	assert_int_equal(count_out(f, NH_OUT_FAILED, true), 0);
	fake_free(f);
}

/* A route the kernel keeps refusing: not reported on the first failure
 * (read again), nor the second (it may pass); reported when it fails after
 * the backoff too, then not again while it stays the same; the namespace is
 * in backoff with its timer armed; then it heals. */
static void test_persistent_failure_logged_once(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	struct nh_netns *rec;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	f->fails[f->n_fails++] = (struct script){ NH_ACT_ROUTE_ADD, "route:default", -ENETUNREACH, -1 };
	blue->truth.n_routes = 0;
	deliver(f, "blue", RTM_DELROUTE, NH_OBJ_ROUTE, 777);
	nh_core_heal(f->core);                      /* failure 1: read again */
	nh_core_heal(f->core);                      /* failure 2: waits 100 ms */
	assert_int_equal(count_out(f, NH_OUT_FAILED, true), 0);
	rec = nh_core_find(f->core, "blue");
	assert_int_equal(rec->state, NH_NS_BACKOFF);
	assert_true(ev_is_active(&rec->wake));
	assert_false(nh_core_pending(f->core));
	for (int i = 0; i < 5; i++) {
		f->now_us += 40000000;                /* past any backoff */
		ev_invoke(f->loop, &rec->wake, EV_TIMER);
		assert_true(nh_core_pending(f->core));
		nh_core_heal(f->core);
	}
	assert_int_equal(count_out(f, NH_OUT_FAILED, true), 1);
	assert_true(rec->heal_failures >= 6);
	assert_true(strstr(rec->last_error, "scripted") != NULL);
	f->n_fails = 0;
	f->now_us += 40000000;
	ev_invoke(f->loop, &rec->wake, EV_TIMER);
	nh_core_heal(f->core);
	assert_int_equal(blue->truth.n_routes, 1);
	assert_int_equal(count_out(f, NH_OUT_HEALED, false), 1);
	assert_int_equal(rec->state, NH_NS_HEALING);
	fake_free(f);
}

/* The view is behind (the kernel announces an IPv6 address only once its
 * link has a carrier; events still queued): the address it lacks is there,
 * and the add says EEXIST. Nothing was healed: no record, no count; the
 * namespace is drifting, not "healing", until an event shows the address. */
static void test_there_already_not_healed(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	struct nh_netns *rec;
	uint64_t heals, ns_heals;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	rec = nh_core_find(f->core, "blue");
	heals = nh_core_totals(f->core)->heals;
	ns_heals = rec->heals;
	struct nh_address ad = *find_addr(blue, "v-peer1", "10.1.1.100/24");

	f->fails[f->n_fails++] = (struct script){ NH_ACT_ADDR_ADD, "address:10.1.1.100/24", -EEXIST, 1 };
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
	f->n_out = 0;
	nh_core_heal(f->core);
	assert_int_equal(f->n_execd > 0 && f->execd[f->n_execd - 1].type == NH_ACT_ADDR_ADD, 1);
	assert_int_equal(count_out(f, NH_OUT_HEALED, false), 1);   /* apply still says "ok" */
	assert_int_equal(count_out(f, NH_OUT_HEALED, true), 0);    /* but no heal is logged */
	assert_int_equal(count_out(f, NH_OUT_FAILED, false), 0);
	assert_int_equal(nh_core_totals(f->core)->heals, heals);
	assert_int_equal(rec->heals, ns_heals);
	/* drifting until an event's diff says it is there in the policy's form */
	assert_int_equal(rec->state, NH_NS_DRIFTING);
	/* its announcement comes */
	assert_int_equal(nh_state_add_address(&blue->truth, &ad), 0);
	nh_state_sort(&blue->truth);
	deliver(f, "blue", RTM_NEWADDR, NH_OBJ_ADDRESS, 0);
	nh_core_heal(f->core);
	assert_int_equal(rec->state, NH_NS_CONVERGED);
	fake_free(f);
}

/* A namespace in backoff says why: a failure waiting for its retry stays
 * its last_error though a report (a link netheal may not make, missing)
 * stands beside it; once the failure is over, the report is what stands. */
static void test_last_error_is_the_failure(void **state)
{
	static const char policy[] =
		"namespaces = ( { name = \"blue\";\n"
		"  links = ( { name = \"lo\"; addresses = [ \"10.1.9.1/32\" ]; }, { name = \"nic9\"; } ); } );\n";
	struct fake *f = fake_new(policy);
	struct fake_ns *blue;
	struct nh_netns *rec;

	(void)state;
	f->fails[f->n_fails++] = (struct script){ NH_ACT_ADDR_ADD, "address:10.1.9.1/32", -EPERM, -1 };
	assert_true(nh_core_converge(f->core, 6, false) > 0);     /* the address and nic9 are left */
	blue = ns_get(f, "blue");
	rec = nh_core_find(f->core, "blue");
	for (int i = 0; i < 3; i++) {
		f->now_us += 40000000;
		deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 777);
		nh_core_heal(f->core);
	}
	assert_int_equal(rec->state, NH_NS_BACKOFF);
	assert_non_null(strstr(rec->last_error, "scripted"));
	f->n_fails = 0;
	for (int i = 0; i < 2; i++) {
		f->now_us += 40000000;
		deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 777);
		nh_core_heal(f->core);
	}
	assert_non_null(find_addr(blue, "lo", "10.1.9.1/32"));
	assert_non_null(strstr(rec->last_error, "nic9"));
	fake_free(f);
}

/* A conflict is reported once while it stands, and again once it came back. */
static void test_report_logged_once(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *host;

	(void)state;
	built(f);
	host = ns_get(f, "");
	del_link(host, "br1");
	add_link(f, host, "br1", &nh_kind_dummy);        /* another kind, no replace */
	for (int i = 0; i < 4; i++) {
		deliver(f, "", RTM_NEWLINK, NH_OBJ_LINK, 777);
		nh_core_heal(f->core);
	}
	assert_int_equal(count_out(f, NH_OUT_REPORT, true), 1);
	assert_int_equal(count_out(f, NH_OUT_REPORT, false), 4);
	assert_int_equal(state_of(f, ""), NH_NS_CONFLICT);
	/* it goes away (the rival's link is deleted): healed */
	del_link(host, "br1");
	deliver(f, "", RTM_DELLINK, NH_OBJ_LINK, 777);
	nh_core_heal(f->core);
	deliver(f, "", RTM_NEWLINK, NH_OBJ_LINK, 4242);
	nh_core_heal(f->core);
	/* and comes back: reported again */
	del_link(host, "br1");
	add_link(f, host, "br1", &nh_kind_dummy);
	deliver(f, "", RTM_NEWLINK, NH_OBJ_LINK, 777);
	nh_core_heal(f->core);
	assert_int_equal(count_out(f, NH_OUT_REPORT, true), 2);
	fake_free(f);
}

/* A rival deletes the address again and again: healed at once flap_count
 * times, `flapping` once naming the rival, then deferred with a timer. */
static void test_damping(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	struct nh_netns *rec;
	size_t i;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	rec = nh_core_find(f->core, "blue");
	for (i = 0; i < 5; i++) {
		f->now_us += 50000;
		if (find_addr(blue, "v-peer1", "10.1.1.100/24"))
			del_addr(blue, "v-peer1", "10.1.1.100/24");
		deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
		nh_core_heal(f->core);
	}
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	for (i = 0; i < f->n_out; i++)
		if (f->out[i].type == NH_OUT_FLAPPING)
			assert_string_equal(f->out[i].actor, "pid:777/rival");
	assert_true(count_out(f, NH_OUT_DEFERRED, false) >= 1);
	assert_int_equal(rec->state, NH_NS_BACKOFF);
	assert_true(ev_is_active(&rec->wake));
	fake_free(f);
}

/* The rival deletes blue's address n times, 50 ms apart, each seen and
 * healed (or deferred) in turn. */
static void rival_deletes(struct fake *f, size_t n)
{
	struct fake_ns *blue = ns_get(f, "blue");

	for (size_t i = 0; i < n; i++) {
		f->now_us += 50000;
		if (find_addr(blue, "v-peer1", "10.1.1.100/24"))
			del_addr(blue, "v-peer1", "10.1.1.100/24");
		deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
		nh_core_heal(f->core);
	}
}

/* A reload (config management sends SIGHUP every half hour) does not end
 * the damping of an object fought over: with the same backoff settings its
 * converge leaves the damped address deferred, the rival's next deletion
 * is deferred too, and `flapping` is not logged again. A reload that
 * changes the settings starts every count afresh (SPEC §5.4: they are what
 * damping is measured by): healed at once. Start-up's converge (not
 * damped) heals it whatever was seen. */
static void test_damping_survives_reload(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	struct nh_policy same, other;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	rival_deletes(f, 5);
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	assert_int_equal(state_of(f, "blue"), NH_NS_BACKOFF);

	/* as `run` reloads: the policy, then a converge that keeps damping */
	load(&same, base_policy);
	same.settings.backoff = f->policy.settings.backoff;
	assert_int_equal(nh_core_set_policy(f->core, &same), 0);
	assert_true(nh_core_converge(f->core, 6, true) > 0);          /* the address is left */
	assert_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));      /* the reload waits too */
	f->n_out = 0;
	rival_deletes(f, 1);
	assert_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));      /* not healed at once */
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 0);
	assert_int_equal(state_of(f, "blue"), NH_NS_BACKOFF);

	load(&other, base_policy);
	other.settings.backoff = (struct nh_backoff){ 4, 60, 1000, 8000 };
	assert_int_equal(nh_core_set_policy(f->core, &other), 0);
	assert_int_equal(nh_core_converge(f->core, 6, true), 0);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));  /* healed at once */
	rival_deletes(f, 1);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));  /* and again: a fresh count */
	rival_deletes(f, 5);                                             /* damped again */
	assert_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_int_equal(nh_core_converge(f->core, 6, false), 0);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	nh_core_set_policy(f->core, &f->policy);
	nh_policy_free(&same);
	nh_policy_free(&other);
	fake_free(f);
}

/* Routes the kernel flushed with their address do not count for damping:
 * the address flaps (a rival), the route never does, and its heals say
 * actor=kernel. */
static void test_consequential_removal(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	char key[NH_OBJECT_KEYSIZ];
	struct nh_route route;
	struct nh_dropped d = { .obj = NH_OBJ_ROUTE, .route = &route, .key = key };
	size_t flapping_routes = 0, kernel_routes = 0, address_heals = 0;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	route = blue->truth.routes[0];
	nh_route_key(&route, key, sizeof(key));
	for (int i = 0; i < 6; i++) {
		f->now_us += 2000000;
		del_addr(blue, "v-peer1", "10.1.1.100/24");
		blue->truth.n_routes = 0;
		sync_ns(blue);
		nh_core_dropped(f->core, &blue->obs, &d);           /* observe's cascade */
		deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
		nh_core_heal(f->core);
	}
	for (size_t i = 0; i < f->n_out; i++) {
		address_heals += f->out[i].type == NH_OUT_HEALED && strncmp(f->out[i].object, "address:", 8) == 0;
		if (strncmp(f->out[i].object, "route:", 6) != 0)
			continue;
		flapping_routes += f->out[i].type == NH_OUT_FLAPPING;
		kernel_routes += f->out[i].type == NH_OUT_HEALED && strcmp(f->out[i].actor, "kernel") == 0;
	}
	assert_int_equal(flapping_routes, 0);
	/* healed whenever its address was (while the address waits, so does
	 * the route through it), and always as the kernel's doing */
	assert_true(address_heals >= 4 && address_heals < 6);
	assert_int_equal(kernel_routes, address_heals);
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	fake_free(f);
}

/* observe's report that route dst (main table, metric 0) went from netns
 * with another object, as monitor/observe.c makes it. */
static void route_dropped(struct fake *f, const char *netns, const char *dst)
{
	struct nh_route r = { .table = NH_RT_TABLE_MAIN };
	char key[NH_OBJECT_KEYSIZ];
	const struct nh_dropped d = { .obj = NH_OBJ_ROUTE, .route = &r, .key = key };

	if (strcmp(dst, "default") == 0)
		r.dst.family = AF_INET;
	else
		assert_int_equal(nh_prefix_parse(dst, &r.dst), 0);
	nh_route_key(&r, key, sizeof(key));
	nh_core_dropped(f->core, &ns_get(f, netns)->obs, &d);
}

/* What observe drops with another change gets a record only when the rule
 * names it (foreign churn must not grow memory): the object is looked up in
 * the rule's sorted want, of this policy, not the one before. */
static void test_dropped_wanted(void **state)
{
	static const char named[] = "route:inet 254 default 0";
	static const char foreign[] = "route:inet 254 203.0.113.0/24 0";
	struct fake *f = fake_new(base_policy);
	struct nh_policy other;
	struct nh_netns *blue;
	struct nh_dropped addr = { .obj = NH_OBJ_ADDRESS, .key = "address:v-peer1 10.1.1.100/24" };

	(void)state;
	built(f);
	blue = nh_core_find(f->core, "blue");
	assert_non_null(blue);
	route_dropped(f, "blue", "203.0.113.0/24");
	assert_null(nh_netns_tracked(blue, foreign, false));
	addr.addr = find_addr(ns_get(f, "blue"), "v-peer1", "10.1.1.100/24");
	assert_non_null(addr.addr);
	nh_core_dropped(f->core, &ns_get(f, "blue")->obs, &addr);
	assert_non_null(nh_netns_tracked(blue, "address:v-peer1 10.1.1.100/24", false));
	route_dropped(f, "blue", "default");
	assert_non_null(nh_netns_tracked(blue, named, false));
	assert_true(nh_netns_tracked(blue, named, false)->removed);

	/* another policy: the foreign route is now named */
	load(&other, "namespaces = ( { name = \"blue\"; links = ( { name = \"lo\"; } );\n"
	     "  routes = ( { to = \"203.0.113.0/24\"; via = \"10.1.1.51\"; } ); } );\n");
	assert_int_equal(nh_core_set_policy(f->core, &other), 0);
	blue = nh_core_find(f->core, "blue");
	route_dropped(f, "blue", "203.0.113.0/24");
	assert_non_null(nh_netns_tracked(blue, foreign, false));
	/* and the address it no longer names gets none */
	nh_netns_forget_objs(blue);
	addr.addr = find_addr(ns_get(f, "blue"), "v-peer1", "10.1.1.100/24");
	nh_core_dropped(f->core, &ns_get(f, "blue")->obs, &addr);
	assert_null(nh_netns_tracked(blue, "address:v-peer1 10.1.1.100/24", false));
	assert_int_equal(nh_core_set_policy(f->core, &f->policy), 0);
	nh_policy_free(&other);
	fake_free(f);
}

/* A link message about name in netns: RTM_NEWLINK (settings_only: the
 * same link set otherwise, monitor/observe.c) or RTM_DELLINK. */
static void link_event(struct fake *f, const char *netns, const char *name, uint16_t type, bool settings_only)
{
	struct fake_ns *ns = ns_get(f, netns);
	struct nh_nl_event ev = { .t_us = f->now_us, .type = type, .obj = NH_OBJ_LINK,
				  .changed = true, .settings_only = settings_only };

	snprintf(ev.link.name, sizeof(ev.link.name), "%s", name);
	sync_ns(ns);
	nh_core_event(f->core, &ns->obs, &ev);
}

/* A macvlan waits for its parent in the host: when the parent appears, the
 * event in the host wakes blue at once, past its retry backoff. */
static void test_dependency_wakes(void **state)
{
	static const char policy[] =
		"links = ( { name = \"eth1\"; } );\n"
		"namespaces = ( { name = \"blue\"; links = ( { name = \"lo\"; },\n"
		"  { name = \"mv0\"; kind = \"macvlan\"; parent = \"eth1\"; } ); } );\n";
	struct fake *f = fake_new(policy);
	struct fake_ns *blue;

	(void)state;
	f->fails[f->n_fails++] = (struct script){ NH_ACT_LINK_CREATE, "link:mv0", -ENODEV, -1 };
	nh_core_converge(f->core, 6, false);
	blue = ns_get(f, "blue");
	assert_null(nh_state_link_by_name(&blue->truth, "mv0"));
	heal_all(f);
	assert_int_equal(state_of(f, "blue"), NH_NS_BACKOFF);
	f->n_fails = 0;
	f->now_us += 1000;                               /* long before its backoff ends */
	add_link(f, ns_get(f, ""), "eth1", NULL);
	link_event(f, "", "eth1", RTM_NEWLINK, false);
	nh_core_heal(f->core);
	assert_non_null(nh_state_link_by_name(&blue->truth, "mv0"));
	fake_free(f);
}

static bool is_dirty(struct fake *f, const char *netns)
{
	return nh_core_find(f->core, netns)->dirty;
}

/* A veth set down is healed by its own namespace's diff: the namespace of
 * its partner (the host, with a peer end for every namespace) is not
 * diffed again for it. Another link under that name is another matter, and
 * the peer end set down in the host wakes blue, whose diff plans it. */
static void test_settings_wake_only_who_sets_them(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	nh_state_link_by_name(&blue->truth, "v-peer1")->up = false;
	link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
	assert_true(is_dirty(f, "blue"));
	assert_false(is_dirty(f, ""));
	assert_int_equal(nh_core_heal(f->core), 1);
	assert_true(nh_state_link_by_name(&blue->truth, "v-peer1")->up);
	heal_all(f);

	link_event(f, "blue", "v-peer1", RTM_NEWLINK, false);
	assert_true(is_dirty(f, ""));
	heal_all(f);

	link_event(f, "", "v-eth1", RTM_NEWLINK, true);
	assert_true(is_dirty(f, "blue"));
	fake_free(f);

	/* a macvlan's parent set otherwise (its MTU, say) wakes the macvlan's
	 * namespace as before */
	f = fake_new("links = ( { name = \"eth1\"; } );\n"
		     "namespaces = ( { name = \"blue\"; links = ( { name = \"lo\"; },\n"
		     "  { name = \"mv0\"; kind = \"macvlan\"; parent = \"eth1\"; } ); } );\n");
	add_link(f, ns_get(f, ""), "eth1", NULL);
	built(f);
	heal_all(f);
	link_event(f, "", "eth1", RTM_NEWLINK, true);
	assert_true(is_dirty(f, "blue"));
	fake_free(f);
}

/* A host of 18 links (eight veth pairs of its own into br1, and blue's
 * peer end): large enough that the core keeps its scope. */
static const char scoped_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; addresses = [ \"10.1.1.51/24\" ]; },\n"
	"  { name = \"h0\"; kind = \"veth\"; peer = { name = \"hp0\"; master = \"br1\"; }; },\n"
	"  { name = \"h1\"; kind = \"veth\"; peer = { name = \"hp1\"; master = \"br1\"; }; },\n"
	"  { name = \"h2\"; kind = \"veth\"; peer = { name = \"hp2\"; master = \"br1\"; }; },\n"
	"  { name = \"h3\"; kind = \"veth\"; peer = { name = \"hp3\"; master = \"br1\"; }; },\n"
	"  { name = \"h4\"; kind = \"veth\"; peer = { name = \"hp4\"; master = \"br1\"; }; },\n"
	"  { name = \"h5\"; kind = \"veth\"; peer = { name = \"hp5\"; master = \"br1\"; }; },\n"
	"  { name = \"h6\"; kind = \"veth\"; peer = { name = \"hp6\"; master = \"br1\"; }; },\n"
	"  { name = \"h7\"; kind = \"veth\"; peer = { name = \"hp7\"; master = \"br1\"; }; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"10.1.1.100/24\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; } ); } );\n";

static bool host_up(struct fake *f, const char *link)
{
	const struct nh_link *l = nh_state_link_by_name(&ns_get(f, "")->truth, link);

	return l && l->up;
}

/* The host's diff after an event about one of its links that nothing else
 * names is a diff of that link (and of br1, which the others name); what
 * it left to do is looked at again in its next diff; an event that may
 * change any link makes the diff whole. Every step is checked against the
 * fake kernel's truth. */
static void test_part_diffs(void **state)
{
	struct fake *f = fake_new(scoped_policy);
	const struct nh_core_totals *t = nh_core_totals(f->core);
	struct fake_ns *host, *blue;
	uint64_t diffs, parts;
	struct nh_plan plan;

	(void)state;
	built(f);
	host = ns_get(f, "");
	blue = ns_get(f, "blue");
	assert_true(host_up(f, "hp3"));

	/* a peer end set down: its own link alone */
	parts = t->diffs_part;
	nh_state_link_by_name(&host->truth, "hp3")->up = false;
	link_event(f, "", "hp3", RTM_NEWLINK, true);
	assert_int_equal(nh_core_heal(f->core), 1);
	assert_true(host_up(f, "hp3"));
	assert_int_equal(t->diffs_part, parts + 1);
	heal_all(f);

	/* blue's pair deleted: the host looks at v-eth1 alone each time, and
	 * it comes back in br1, up */
	parts = t->diffs_part;
	del_link(blue, "v-peer1");
	del_link(host, "v-eth1");
	link_event(f, "blue", "v-peer1", RTM_NEWLINK, false);
	link_event(f, "", "v-eth1", RTM_NEWLINK, false);
	heal_all(f);
	for (int i = 0; i < 4; i++) {
		/* the events of what it did */
		link_event(f, "", "v-eth1", RTM_NEWLINK, false);
		link_event(f, "blue", "v-peer1", RTM_NEWLINK, false);
		heal_all(f);
	}
	assert_true(host_up(f, "v-eth1"));
	assert_string_equal(nh_state_link_by_name(&host->truth, "v-eth1")->master, "br1");
	assert_non_null(nh_state_link_by_name(&blue->truth, "v-peer1"));
	assert_true(t->diffs_part > parts);
	nh_plan_init(&plan);
	assert_int_equal(nh_core_plan(f->core, &plan), 0);
	assert_int_equal(plan.n, 0);
	nh_plan_free(&plan);

	/* an address event: a diff of what every part diff reads */
	parts = t->diffs_part;
	del_addr(host, "br1", "10.1.1.51/24");
	deliver(f, "", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
	assert_int_equal(nh_core_heal(f->core), 1);
	assert_non_null(find_addr(host, "br1", "10.1.1.51/24"));
	assert_int_equal(t->diffs_part, parts + 1);
	heal_all(f);

	/* what a diff left to do is in the next one, whatever that is about:
	 * hp5 set down by a rival until damped (backoff), then hp2 set down */
	for (int i = 0; i < 5; i++) {
		f->now_us += 50000;
		nh_state_link_by_name(&host->truth, "hp5")->up = false;
		link_event(f, "", "hp5", RTM_NEWLINK, true);
		nh_core_heal(f->core);
	}
	assert_false(host_up(f, "hp5"));
	assert_int_equal(state_of(f, ""), NH_NS_BACKOFF);
	parts = t->diffs_part;
	nh_state_link_by_name(&host->truth, "hp2")->up = false;
	link_event(f, "", "hp2", RTM_NEWLINK, true);
	nh_core_heal(f->core);
	assert_true(host_up(f, "hp2"));
	link_event(f, "", "hp2", RTM_NEWLINK, true);                 /* what it did */
	nh_core_heal(f->core);
	assert_int_equal(t->diffs_part, parts + 2);
	/* hp5 is still waiting: diffs of hp2 alone would have called the
	 * host converged and stopped its timer, and hp5 stayed down */
	assert_int_equal(state_of(f, ""), NH_NS_BACKOFF);
	assert_true(ev_is_active(&nh_core_find(f->core, "")->wake));
	f->now_us += 10 * 1000000;                      /* its backoff over */
	nh_core_mark_all(f->core, f->now_us);
	heal_all(f);
	assert_true(host_up(f, "hp5"));

	/* hp6 renamed: the next diff is whole (foo is not the rule's) and
	 * renames it back */
	parts = t->diffs_part;
	nh_strlcpy(nh_state_link_by_name(&host->truth, "hp6")->name, "foo", NH_IFNAMSIZ);
	nh_state_sort(&host->truth);
	{
		struct nh_nl_event ev = { .t_us = f->now_us, .type = RTM_NEWLINK, .obj = NH_OBJ_LINK,
					  .changed = true, .link.name = "foo", .old_name = "hp6" };

		sync_ns(host);
		nh_core_event(f->core, &host->obs, &ev);
	}
	heal_all(f);
	assert_true(host_up(f, "hp6"));
	assert_null(nh_state_link_by_name(&host->truth, "foo"));
	assert_int_equal(t->diffs_part, parts);

	/* an nsid given (a namespace came): no diff reads one */
	diffs = t->diffs;
	parts = t->diffs_part;
	deliver(f, "", RTM_NEWNSID, NH_OBJ_NSID, 0);
	heal_all(f);
	assert_int_equal(t->diffs, diffs + 1);
	assert_int_equal(t->diffs_part, parts + 1);
	parts = t->diffs_part;

	/* more links named than a scope holds: whole, and all healed (past
	 * hp5's flap window) */
	f->now_us += 120 * 1000000;
	for (int i = 0; i < 8; i++) {
		char h[8];

		snprintf(h, sizeof(h), "hp%d", i);
		nh_state_link_by_name(&host->truth, h)->up = false;
		link_event(f, "", h, RTM_NEWLINK, true);
	}
	nh_state_link_by_name(&host->truth, "v-eth1")->up = false;
	link_event(f, "", "v-eth1", RTM_NEWLINK, true);
	heal_all(f);
	for (int i = 0; i < 8; i++) {
		char h[8];

		snprintf(h, sizeof(h), "hp%d", i);
		assert_true(host_up(f, h));
	}
	assert_true(host_up(f, "v-eth1"));
	assert_int_equal(t->diffs_part, parts);
	fake_free(f);
}

/* A delete that sets its link aside renames it (actions.h): the index the
 * core knew for the managed link must not bring it back. blue is deleted
 * and cannot be built again: v-eth1, whose peer went with blue, is set
 * aside and stays aside, never renamed to its old name and healed as if it
 * were the managed link. */
static void test_set_aside_not_renamed_back(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue, *host;
	const struct nh_link *l;
	size_t renames = 0, deletes = 0;
	int idx;

	(void)state;
	f->set_aside = true;
	built(f);
	blue = ns_get(f, "blue");
	host = ns_get(f, "");
	idx = nh_state_link_by_name(&host->truth, "v-eth1")->ifindex;
	f->fails[f->n_fails++] = (struct script){ NH_ACT_LINK_CREATE, "link:v-peer1", -EBUSY, -1 };
	blue->exists = false;
	nh_state_free(&blue->truth);
	nh_core_netns_removed(f->core, "blue");
	for (int i = 0; i < 6; i++) {
		f->now_us += 400000000ull;
		heal_all(f);
		l = nh_state_link_by_index(&host->truth, idx);
		assert_non_null(l);
		link_event(f, "", l->name, RTM_NEWLINK, false);
	}
	heal_all(f);
	for (size_t i = 0; i < f->n_execd; i++) {
		renames += f->execd[i].type == NH_ACT_LINK_RENAME;
		deletes += f->execd[i].type == NH_ACT_LINK_DELETE;
	}
	l = nh_state_link_by_index(&host->truth, idx);
	assert_true(l && strncmp(l->name, "nhaside", 7) == 0 && !l->up);
	assert_int_equal(renames, 0);
	assert_int_equal(deletes, 1);
	fake_free(f);
}

/* A master is a link others name: a change to it changes their plans, so
 * it is diffed whole. br1 replaced by a link of another kind (reported;
 * its ports left without a master, none set: it cannot take them), then
 * that link deleted: br1 is made again and every port put back in it. */
static void test_part_master_changed(void **state)
{
	char policy[2048] = "links = ( { name = \"br1\"; kind = \"bridge\"; }";
	struct fake *f;
	struct fake_ns *host;
	char p[8];

	(void)state;
	for (int i = 0; i < 16; i++)
		snprintf(policy + strlen(policy), sizeof(policy) - strlen(policy),
			 ",\n  { name = \"p%d\"; master = \"br1\"; }", i);
	snprintf(policy + strlen(policy), sizeof(policy) - strlen(policy), " );\n");
	f = fake_new(policy);
	host = ns_get(f, "");
	for (int i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "p%d", i);
		add_link(f, host, p, NULL);
	}
	sync_ns(host);
	built(f);
	for (int i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "p%d", i);
		assert_string_equal(nh_state_link_by_name(&host->truth, p)->master, "br1");
	}
	heal_all(f);

	del_link(host, "br1");
	add_link(f, host, "br1", &nh_kind_vxlan);
	for (int i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "p%d", i);
		nh_state_link_by_name(&host->truth, p)->master[0] = '\0';
		link_event(f, "", p, RTM_NEWLINK, true);
	}
	link_event(f, "", "br1", RTM_NEWLINK, false);
	heal_all(f);
	assert_int_equal(state_of(f, ""), NH_NS_CONFLICT);
	assert_string_equal(nh_state_link_by_name(&host->truth, "p3")->master, "");

	del_link(host, "br1");
	link_event(f, "", "br1", RTM_DELLINK, false);
	heal_all(f);
	link_event(f, "", "br1", RTM_NEWLINK, false);                /* what it did */
	heal_all(f);
	assert_ptr_equal(nh_state_link_by_name(&host->truth, "br1")->kind, &nh_kind_bridge);
	for (int i = 0; i < 16; i++) {
		snprintf(p, sizeof(p), "p%d", i);
		assert_string_equal(nh_state_link_by_name(&host->truth, p)->master, "br1");
	}
	fake_free(f);
}

/* A link's deletion comes with port 0 whoever asked: not the kernel's own
 * doing, so a pair deleted again and again is damped (SPEC §5.4), and its
 * heals name no actor. */
static void test_link_deletions_damped(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue, *host;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	host = ns_get(f, "");
	for (int i = 0; i < 5; i++) {
		f->now_us += 50000;
		del_link(blue, "v-peer1");
		del_link(host, "v-eth1");
		link_event(f, "blue", "v-peer1", RTM_DELLINK, false);
		link_event(f, "", "v-eth1", RTM_DELLINK, false);
		heal_all(f);
		link_event(f, "blue", "v-peer1", RTM_NEWLINK, false);
		link_event(f, "", "v-eth1", RTM_NEWLINK, false);
		heal_all(f);
	}
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	/* the pair's create waits: so do its peer end's settings */
	assert_int_equal(count_out(f, NH_OUT_FAILED, false), 0);
	for (size_t i = 0; i < f->n_out; i++)
		if (f->out[i].type == NH_OUT_HEALED && strcmp(f->out[i].object, "link:v-peer1") == 0)
			assert_string_equal(f->out[i].actor, "");
	fake_free(f);
}

static const char v6_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; addresses = [ \"10.1.1.51/24\" ]; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"10.1.1.100/24\", \"2001:db8:1::100/64\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; } ); } );\n";

/* `ip netns del blue`: blue and the host end of its veth are gone. */
static void delete_blue(struct fake *f)
{
	struct fake_ns *blue = ns_get(f, "blue");

	blue->exists = false;
	nh_state_free(&blue->truth);
	del_link(ns_get(f, ""), "v-eth1");
	nh_core_netns_removed(f->core, "blue");
}

/* Heal passes, with the events of what they made, until blue is rebuilt
 * (four at most). */
static void rebuild_blue(struct fake *f)
{
	struct fake_ns *blue = ns_get(f, "blue");

	for (int i = 0; i < 4 && nh_core_pending(f->core); i++) {
		nh_core_heal(f->core);
		if (blue->exists)
			deliver(f, "blue", RTM_NEWLINK, NH_OBJ_LINK, 4242);
		deliver(f, "", RTM_NEWLINK, NH_OBJ_LINK, 4242);
	}
	assert_true(blue->exists);
}

/* An address's removal in netns, as the monitor describes it, with its
 * flags (IFA_F_SECONDARY), link index and the request's number (seq). */
static void addr_event_flags(struct fake *f, const char *netns, const char *link, const char *prefix, uint32_t port,
			     uint32_t seq, uint32_t flags)
{
	struct fake_ns *ns = ns_get(f, netns);
	struct nh_nl_event ev = { .t_us = f->now_us, .type = RTM_DELADDR, .obj = NH_OBJ_ADDRESS,
				  .actor_port = port, .actor_seq = seq, .changed = true };

	snprintf(ev.addr.link, sizeof(ev.addr.link), "%s", link);
	assert_int_equal(nh_prefix_parse(prefix, &ev.addr.prefix), 0);
	ev.addr.flags = flags;
	ev.addr.ifindex = nh_state_link_by_name(&ns->truth, link)->ifindex;
	sync_ns(ns);
	nh_core_event(f->core, &ns->obs, &ev);
}

static void addr_event(struct fake *f, const char *netns, const char *link, const char *prefix, uint32_t port)
{
	addr_event_flags(f, netns, link, prefix, port, 0, 0);
}

/* An address on link in ns's kernel, as the kernel would list it. */
static void add_addr(struct fake_ns *ns, const char *link, const char *prefix)
{
	struct nh_address ad = { 0 };

	snprintf(ad.link, sizeof(ad.link), "%s", link);
	assert_int_equal(nh_prefix_parse(prefix, &ad.prefix), 0);
	ad.ifindex = nh_state_link_by_name(&ns->truth, link)->ifindex;
	assert_int_equal(nh_state_add_address(&ns->truth, &ad), 0);
	nh_state_sort(&ns->truth);
}

static bool is_v6_address(const char *object)
{
	return strncmp(object, "address:", 8) == 0 && strstr(object, "2001:db8:1::100");
}

/* The heal records of the policy's IPv6 addresses (address:2001:db8:...):
 * how many, how many say actor=kernel. None of them may be `flapping`. */
static void v6_kernel_heals(const struct fake *f, size_t *heals, size_t *kernel)
{
	*heals = *kernel = 0;
	for (size_t i = 0; i < f->n_out; i++) {
		if (strncmp(f->out[i].object, "address:2001:db8:", 17) != 0)
			continue;
		assert_int_not_equal(f->out[i].type, NH_OUT_FLAPPING);
		*heals += f->out[i].type == NH_OUT_HEALED;
		*kernel += f->out[i].type == NH_OUT_HEALED && strcmp(f->out[i].actor, "kernel") == 0;
	}
}

/* A process deletes 2001:db8:1::100/64 from blue's v-peer1 six times, 50
 * ms apart, each healed in the pass right after. */
static void v6_deleted_six_times(struct fake *f, struct fake_ns *blue)
{
	for (int i = 0; i < 6; i++) {
		f->now_us += 50000;
		if (find_addr(blue, "v-peer1", "2001:db8:1::100/64"))
			del_addr(blue, "v-peer1", "2001:db8:1::100/64");
		addr_event(f, "blue", "v-peer1", "2001:db8:1::100/64", 0);
		nh_core_heal(f->core);
	}
}

/* blue's 2001:db8:1::100/64, on v-peer1 (up, a carrier and its
 * link-local), deleted by a process until it is damped: absent, waiting. */
static struct fake_ns *v6_damped(struct fake *f)
{
	struct fake_ns *blue;

	built(f);
	blue = ns_get(f, "blue");
	nh_state_link_by_name(&blue->truth, "v-peer1")->oper_up = true;
	add_addr(blue, "v-peer1", "fe80::1/64");
	v6_deleted_six_times(f, blue);
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	assert_null(find_addr(blue, "v-peer1", "2001:db8:1::100/64"));
	return blue;
}

/* An IPv6 address's deletion names no requester (port 0, whoever asked):
 * with its link up and its link-local address kept, that is a process's
 * doing, damped like any other fight (SPEC §5.4), and its records name no
 * actor they cannot know. */
static void test_ipv6_address_deletions_damped(void **state)
{
	struct fake *f = fake_new(v6_policy);

	(void)state;
	v6_damped(f);
	for (size_t i = 0; i < f->n_out; i++) {
		assert_true(is_v6_address(f->out[i].object));
		assert_string_equal(f->out[i].actor, "");
	}
	fake_free(f);
}

/* The kernel removes IPv6 addresses when their link goes down (the same
 * port 0): with the link down in the view, those are its own doing. The
 * link's state is the fight; the address never counts, and says
 * actor=kernel. */
static void test_ipv6_addresses_flushed_with_link_down(void **state)
{
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;
	size_t v6_heals, v6_kernel;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	for (int i = 0; i < 6; i++) {
		f->now_us += 2000000;
		nh_state_link_by_name(&blue->truth, "v-peer1")->up = false;
		link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
		del_addr(blue, "v-peer1", "2001:db8:1::100/64");
		addr_event(f, "blue", "v-peer1", "2001:db8:1::100/64", 0);
		heal_all(f);
	}
	v6_kernel_heals(f, &v6_heals, &v6_kernel);
	assert_true(v6_heals >= 4);
	assert_int_equal(v6_kernel, v6_heals);
	fake_free(f);
}

/* Deleted six times, 50 ms apart, with v-peer1 up and a carrier: by the
 * kernel's flush (its link-local address goes too, after it), or alone on
 * a link that has no link-local address (addr_gen_mode none, or just up).
 * How many heal records, how many say actor=kernel, how many `flapping`. */
static void v6_deleted_link_up(bool flush, size_t *heals, size_t *kernel, size_t *flapping)
{
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;

	built(f);
	blue = ns_get(f, "blue");
	nh_state_link_by_name(&blue->truth, "v-peer1")->oper_up = true;
	for (int i = 0; i < 6; i++) {
		f->now_us += 50000;
		if (find_addr(blue, "v-peer1", "2001:db8:1::100/64"))
			del_addr(blue, "v-peer1", "2001:db8:1::100/64");
		addr_event(f, "blue", "v-peer1", "2001:db8:1::100/64", 0);
		if (flush)
			addr_event(f, "blue", "v-peer1", "fe80::1/64", 0);
		nh_core_heal(f->core);
	}
	*heals = *kernel = *flapping = 0;
	for (size_t i = 0; i < f->n_out; i++) {
		assert_true(is_v6_address(f->out[i].object));
		*flapping += f->out[i].type == NH_OUT_FLAPPING;
		*heals += f->out[i].type == NH_OUT_HEALED;
		*kernel += f->out[i].type == NH_OUT_HEALED && strcmp(f->out[i].actor, "kernel") == 0;
	}
	fake_free(f);
}

/* IPv6 disabled on a link that stays up (disable_ipv6, an MTU below
 * 1280): the kernel removes its addresses, then its link-local, port 0.
 * Those are its own doing, whatever set the link so: never damped,
 * actor=kernel. A removal with no link-local going along is someone's,
 * damped, even on a link that has none (addr_gen_mode none, or a link-local
 * still to come right after the link came up). */
static void test_ipv6_flushed_with_link_up(void **state)
{
	size_t heals, kernel, flapping;

	(void)state;
	v6_deleted_link_up(true, &heals, &kernel, &flapping);
	assert_int_equal(heals, 6);
	assert_int_equal(kernel, 6);
	assert_int_equal(flapping, 0);
	v6_deleted_link_up(false, &heals, &kernel, &flapping);
	assert_int_equal(kernel, 0);
	assert_int_equal(flapping, 1);
}

/* Down and up again in one burst (a bounce, by anyone): the removals came
 * while the link was down, the kernel's, though by the heal the link is up
 * with its link-local address back. */
static void test_ipv6_flushed_in_a_bounce(void **state)
{
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;
	struct nh_link *l;
	size_t v6_heals, v6_kernel;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	l = nh_state_link_by_name(&blue->truth, "v-peer1");
	l->oper_up = true;
	add_addr(blue, "v-peer1", "fe80::1/64");
	for (int i = 0; i < 6; i++) {
		f->now_us += 50000;
		l->up = false;
		link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
		del_addr(blue, "v-peer1", "2001:db8:1::100/64");
		addr_event(f, "blue", "v-peer1", "2001:db8:1::100/64", 0);
		l->up = true;
		link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
		heal_all(f);
	}
	v6_kernel_heals(f, &v6_heals, &v6_kernel);
	assert_int_equal(v6_heals, 6);
	assert_int_equal(v6_kernel, 6);
	fake_free(f);
}

/* A flap flushes the link's IPv6 addresses, its link-local last; the link
 * comes back up and its link-local is announced again. A process that
 * then deletes the address, again and again and within the second, is no
 * flush of the kernel's: the link-local went before those removals, not
 * after them. Damped, and no record says actor=kernel. */
static void test_ipv6_deleted_after_a_flap(void **state)
{
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;
	struct nh_link *l;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	l = nh_state_link_by_name(&blue->truth, "v-peer1");
	l->oper_up = true;
	f->now_us += 50000;
	l->up = false;
	link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
	del_addr(blue, "v-peer1", "2001:db8:1::100/64");
	addr_event(f, "blue", "v-peer1", "2001:db8:1::100/64", 0);
	addr_event(f, "blue", "v-peer1", "fe80::1/64", 0);
	heal_all(f);
	add_addr(blue, "v-peer1", "fe80::1/64");
	f->n_out = 0;
	v6_deleted_six_times(f, blue);
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	for (size_t i = 0; i < f->n_out; i++)
		if (is_v6_address(f->out[i].object))
			assert_string_equal(f->out[i].actor, "");
	fake_free(f);
}

/* Its wait over, the damped address is healed. */
static void v6_wait_over(struct fake *f, struct fake_ns *blue)
{
	f->now_us += 3000000;
	ev_invoke(f->loop, &nh_core_find(f->core, "blue")->wake, EV_TIMER);
	heal_all(f);
	assert_non_null(find_addr(blue, "v-peer1", "2001:db8:1::100/64"));
}

/* A pass: v-peer1 is set up again, the damped address still waits. */
static void v6_link_up_address_waits(struct fake *f, struct fake_ns *blue)
{
	nh_core_heal(f->core);
	assert_true(nh_state_link_by_name(&blue->truth, "v-peer1")->up);
	assert_null(find_addr(blue, "v-peer1", "2001:db8:1::100/64"));
	assert_int_equal(count_out(f, NH_OUT_DEFERRED, false), 1);
}

/* An address a process fought over, damped, healed once its wait was
 * over, then lost with its link set down: the kernel's doing, which SPEC
 * §5.4 blames on the cause. It comes back in the pass that sets the link
 * up, not after another wait of its own, and says actor=kernel. The
 * fight's damping stays: the process's next deletion waits. */
static void test_damped_then_lost_with_link(void **state)
{
	static const char a6[] = "2001:db8:1::100/64";
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;
	struct nh_link *l;
	size_t heals, kernel;

	(void)state;
	blue = v6_damped(f);
	l = nh_state_link_by_name(&blue->truth, "v-peer1");
	v6_wait_over(f, blue);

	f->n_out = 0;
	f->now_us += 50000;
	l->up = false;
	link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
	del_addr(blue, "v-peer1", a6);
	addr_event(f, "blue", "v-peer1", a6, 0);
	nh_core_heal(f->core);
	assert_true(l->up);
	assert_non_null(find_addr(blue, "v-peer1", a6));              /* with its link */
	v6_kernel_heals(f, &heals, &kernel);
	assert_int_equal(heals, 1);
	assert_int_equal(kernel, 1);
	assert_int_equal(count_out(f, NH_OUT_DEFERRED, false), 0);

	f->now_us += 50000;
	del_addr(blue, "v-peer1", a6);
	addr_event(f, "blue", "v-peer1", a6, 0);
	nh_core_heal(f->core);
	assert_null(find_addr(blue, "v-peer1", a6));                  /* the fight still waits */
	assert_int_equal(count_out(f, NH_OUT_DEFERRED, false), 1);
	fake_free(f);
}

/* A process deletes the damped address while IPv6 is off on its link
 * (disable_ipv6: the link stays up, its link-local goes last): the
 * kernel's flush, healed at once with actor=kernel though the address
 * is damped after the earlier fight. */
static void test_damped_then_flushed_link_up(void **state)
{
	static const char a6[] = "2001:db8:1::100/64";
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue;
	size_t heals, kernel;

	(void)state;
	blue = v6_damped(f);
	v6_wait_over(f, blue);

	f->n_out = 0;
	f->now_us += 50000;
	del_addr(blue, "v-peer1", a6);
	addr_event(f, "blue", "v-peer1", a6, 0);
	del_addr(blue, "v-peer1", "fe80::1/64");
	addr_event(f, "blue", "v-peer1", "fe80::1/64", 0);
	nh_core_heal(f->core);
	assert_non_null(find_addr(blue, "v-peer1", a6));
	v6_kernel_heals(f, &heals, &kernel);
	assert_int_equal(heals, 1);
	assert_int_equal(kernel, 1);
	fake_free(f);
}

/* blue's v-peer1 set down after its address was damped: while the
 * process's deletion waits, or (deleted) once the address was back, right
 * after the process deleted it again, read in one batch with the down and
 * its flush of the link-local (`ip addr del; ip link set down` with
 * netheal busy). The link was up at the removal, so the down came after
 * it: the link is set up again, the address waits, the process's. */
static void v6_down_after_damping(bool deleted)
{
	static const char a6[] = "2001:db8:1::100/64";
	struct fake *f = fake_new(v6_policy);
	struct fake_ns *blue = v6_damped(f);
	struct nh_link *l = nh_state_link_by_name(&blue->truth, "v-peer1");

	if (deleted)
		v6_wait_over(f, blue);
	f->n_out = 0;
	f->now_us += 50000;
	if (deleted) {
		del_addr(blue, "v-peer1", a6);
		addr_event(f, "blue", "v-peer1", a6, 0);
		f->now_us += 100;
	}
	l->up = false;
	link_event(f, "blue", "v-peer1", RTM_NEWLINK, true);
	if (deleted) {
		f->now_us += 100;
		del_addr(blue, "v-peer1", "fe80::1/64");
		addr_event(f, "blue", "v-peer1", "fe80::1/64", 0);
	}
	v6_link_up_address_waits(f, blue);
	fake_free(f);
}

static void test_damped_deletion_waits_through_a_flap(void **state)
{
	(void)state;
	v6_down_after_damping(false);
}

static void test_damped_deletion_then_link_down_read_together(void **state)
{
	(void)state;
	v6_down_after_damping(true);
}

static const char secondary_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"10.1.1.100/24\", \"10.1.1.101/24\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; } ); } );\n";

/* The rival (port 777) deletes blue's secondary 10.1.1.101 six times, 50
 * ms apart, a request each: damped, absent, waiting. */
static struct fake_ns *secondary_damped(struct fake *f)
{
	struct fake_ns *blue;

	built(f);
	blue = ns_get(f, "blue");
	for (int i = 0; i < 6; i++) {
		f->now_us += 50000;
		if (find_addr(blue, "v-peer1", "10.1.1.101/24"))
			del_addr(blue, "v-peer1", "10.1.1.101/24");
		addr_event_flags(f, "blue", "v-peer1", "10.1.1.101/24", 777, (uint32_t)i, IFA_F_SECONDARY);
		nh_core_heal(f->core);
	}
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	assert_null(find_addr(blue, "v-peer1", "10.1.1.101/24"));
	return blue;
}

/* A rival deletes blue's secondary 10.1.1.101 until it is damped, then,
 * 200 ms later (while it waits), the primary. The kernel announces the
 * secondaries a primary takes first, under the requester's port, so those
 * of the same burst were its doing; the secondary the rival deleted
 * before stays the rival's and waits out its damping. */
static void test_secondary_deleted_before_its_primary(void **state)
{
	struct fake *f = fake_new(secondary_policy);
	struct fake_ns *blue;

	(void)state;
	blue = secondary_damped(f);

	f->n_out = 0;
	f->now_us += 200000;                                            /* within its wait, after the burst */
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	addr_event(f, "blue", "v-peer1", "10.1.1.100/24", 777);
	nh_core_heal(f->core);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_null(find_addr(blue, "v-peer1", "10.1.1.101/24"));     /* still the rival's */
	for (size_t i = 0; i < f->n_out; i++)
		if (strcmp(f->out[i].object, "address:10.1.1.101/24") == 0)
			assert_int_equal(f->out[i].type, NH_OUT_DEFERRED);
	fake_free(f);
}

/* The rival's secondary, damped and back after its wait, then deleted
 * with its primary by one `ip -batch` (one port, two requests, a number
 * each), read in one batch: the secondary went by its own request, not
 * the primary's, so it stays the rival's and waits. */
static void test_secondary_and_primary_in_one_batch(void **state)
{
	struct fake *f = fake_new(secondary_policy);
	struct fake_ns *blue;

	(void)state;
	blue = secondary_damped(f);
	f->now_us += 3000000;
	ev_invoke(f->loop, &nh_core_find(f->core, "blue")->wake, EV_TIMER);
	heal_all(f);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.101/24"));

	f->n_out = 0;
	f->now_us += 50000;
	del_addr(blue, "v-peer1", "10.1.1.101/24");
	addr_event_flags(f, "blue", "v-peer1", "10.1.1.101/24", 777, 100, IFA_F_SECONDARY);
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	addr_event_flags(f, "blue", "v-peer1", "10.1.1.100/24", 777, 101, 0);
	nh_core_heal(f->core);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_null(find_addr(blue, "v-peer1", "10.1.1.101/24"));     /* the rival's: waits */
	fake_free(f);
}

static const char replace_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; addresses = [ \"10.1.1.51/24\" ]; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"10.1.1.100/24\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; } );\n"
	"  routes = ( { to = \"default\"; via = \"10.1.1.51\"; replace = true; } ); } );\n";

/* blue's default route, removed or put back as the monitor describes it. */
static void route_event(struct fake *f, struct fake_ns *ns, const struct nh_route *r, uint16_t type, uint32_t port)
{
	struct nh_nl_event ev = { .t_us = f->now_us, .type = type, .obj = NH_OBJ_ROUTE, .actor_port = port,
				  .changed = true, .route = *r };

	sync_ns(ns);
	nh_core_event(f->core, &ns->obs, &ev);
}

/* The kernel takes blue's default route (port 0); before the heal another
 * process puts one back, through another gateway. The kernel's removal is
 * over: the heal (the gateway put right, replace = true) undoes that
 * process's route, so it does not say actor=kernel. */
static void test_route_back_by_another(void **state)
{
	struct fake *f = fake_new(replace_policy);
	struct fake_ns *blue;
	struct nh_route r;
	size_t route_heals = 0;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	assert_int_equal(blue->truth.n_routes, 1);
	r = blue->truth.routes[0];
	f->now_us += 50000;
	blue->truth.n_routes = 0;
	route_event(f, blue, &r, RTM_DELROUTE, 0);
	assert_int_equal(nh_ip_parse("10.1.1.52", &r.via), 0);
	assert_int_equal(nh_state_add_route(&blue->truth, &r), 0);
	route_event(f, blue, &r, RTM_NEWROUTE, 888);
	heal_all(f);
	for (size_t i = 0; i < f->n_out; i++) {
		if (strncmp(f->out[i].object, "route:", 6) != 0 || f->out[i].type != NH_OUT_HEALED)
			continue;
		route_heals++;
		assert_string_not_equal(f->out[i].actor, "kernel");
	}
	assert_int_equal(route_heals, 1);
	fake_free(f);
}

static const char v6_two_policy[] =
	"links = ( { name = \"br1\"; kind = \"bridge\"; addresses = [ \"10.1.1.51/24\" ]; } );\n"
	"namespaces = ( { name = \"blue\";\n"
	"  links = ( { name = \"lo\"; },\n"
	"    { name = \"v-peer1\"; kind = \"veth\"; addresses = [ \"2001:db8:1::100/64\" ];\n"
	"      peer = { name = \"v-eth1\"; master = \"br1\"; }; },\n"
	"    { name = \"v-peer2\"; kind = \"veth\"; addresses = [ \"2001:db8:2::100/64\" ];\n"
	"      peer = { name = \"v-eth2\"; master = \"br1\"; }; } ); } );\n";

/* IPv6 turned off for every link (all.disable_ipv6), links up: the
 * kernel flushes one link after another, each link's link-local last.
 * Each link's removal is its own flush's: both heals say actor=kernel,
 * none counts. */
static void test_ipv6_flushed_link_after_link(void **state)
{
	struct fake *f = fake_new(v6_two_policy);
	struct fake_ns *blue;
	size_t heals, kernel;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	for (int i = 0; i < 6; i++) {
		f->now_us += 50000;
		for (int k = 1; k <= 2; k++) {
			char link[16], addr[32];

			snprintf(link, sizeof(link), "v-peer%d", k);
			snprintf(addr, sizeof(addr), "2001:db8:%d::100/64", k);
			nh_state_link_by_name(&blue->truth, link)->oper_up = true;
			if (find_addr(blue, link, addr))
				del_addr(blue, link, addr);
			addr_event(f, "blue", link, addr, 0);
			snprintf(addr, sizeof(addr), "fe80::%d/64", k);
			addr_event(f, "blue", link, addr, 0);
		}
		heal_all(f);
	}
	v6_kernel_heals(f, &heals, &kernel);
	assert_int_equal(heals, 12);
	assert_int_equal(kernel, 12);
	fake_free(f);
}

/* `ip netns del` again and again: the directory watch names nobody, but
 * it is never the kernel's own doing. The namespace's re-creates are
 * damped (SPEC §5.4) and name no actor. */
static void test_netns_deletions_damped(void **state)
{
	struct fake *f = fake_new(base_policy);
	size_t netns_heals = 0;

	(void)state;
	built(f);
	for (int i = 0; i < 6 && count_out(f, NH_OUT_FLAPPING, true) == 0; i++) {
		f->now_us += 50000;
		delete_blue(f);
		rebuild_blue(f);
	}
	assert_int_equal(count_out(f, NH_OUT_FLAPPING, true), 1);
	for (size_t i = 0; i < f->n_out; i++) {
		if (strcmp(f->out[i].object, "netns:blue") != 0)
			continue;
		netns_heals += f->out[i].type == NH_OUT_HEALED;
		if (f->out[i].type == NH_OUT_HEALED || f->out[i].type == NH_OUT_FLAPPING)
			assert_string_not_equal(f->out[i].actor, "kernel");
	}
	assert_int_equal(netns_heals, f->policy.settings.backoff.flap_count);
	fake_free(f);
}

/* A veth pair of the host's own: its peer end's report comes from its
 * primary's plan, and stands in the diffs of other links that follow. */
static void test_part_carries_the_primary(void **state)
{
	struct fake *f = fake_new(scoped_policy);
	struct fake_ns *host;

	(void)state;
	built(f);
	heal_all(f);
	host = ns_get(f, "");
	del_link(host, "h3");
	del_link(host, "hp3");
	add_link(f, host, "hp3", &nh_kind_vxlan);       /* not ours, in its place */
	link_event(f, "", "h3", RTM_DELLINK, false);
	link_event(f, "", "hp3", RTM_NEWLINK, false);
	heal_all(f);
	assert_int_equal(state_of(f, ""), NH_NS_CONFLICT);
	/* another link set down and healed: the conflict still stands */
	nh_state_link_by_name(&host->truth, "hp2")->up = false;
	link_event(f, "", "hp2", RTM_NEWLINK, true);
	heal_all(f);
	assert_true(host_up(f, "hp2"));
	link_event(f, "", "hp2", RTM_NEWLINK, true);                 /* what it did */
	heal_all(f);
	assert_int_equal(state_of(f, ""), NH_NS_CONFLICT);
	fake_free(f);
}

/* While a namespace's read is pending (its view invalid), it is not
 * healed from a partial view; when the read completes, it is. */
static void test_waits_for_read(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	deliver(f, "blue", RTM_DELADDR, NH_OBJ_ADDRESS, 777);
	blue->obs.valid = false;                          /* events were lost */
	assert_int_equal(nh_core_heal(f->core), 0);
	assert_int_equal(f->n_execd, 0);
	assert_false(nh_core_pending(f->core));
	assert_true(nh_core_overdue(f->core, f->now_us + 20000000, 1000000));  /* stuck if it never comes */
	sync_ns(blue);
	nh_core_resynced(f->core, &blue->obs, "overrun");
	assert_true(nh_core_pending(f->core));
	assert_int_equal(nh_core_heal(f->core), 1);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_int_equal(nh_core_totals(f->core)->resyncs_by_reason[NH_RESYNC_OVERRUN], 1);
	fake_free(f);
}

/* A namespace the monitor adopted unread (every dump of it interrupted
 * by its changes) is not planned as missing: no create-netns, nothing of
 * it in the plan, and plan says so (-EAGAIN). Before, it was planned, and
 * `apply` executed, as if it did not exist. */
static void test_unread_not_missing(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	struct nh_plan plan;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	del_addr(blue, "v-peer1", "10.1.1.100/24");
	nh_state_free(&blue->obs.have);
	nh_state_init(&blue->obs.have);
	blue->obs.valid = false;
	nh_plan_init(&plan);
	assert_int_equal(nh_core_plan(f->core, &plan), -EAGAIN);
	for (size_t i = 0; i < plan.n; i++)
		assert_string_not_equal(plan.actions[i].netns, "blue");
	nh_plan_free(&plan);
	/* read again: its drift is planned */
	sync_ns(blue);
	nh_plan_init(&plan);
	assert_int_equal(nh_core_plan(f->core, &plan), 0);
	assert_int_equal(plan.n, 1);
	assert_int_equal(plan.actions[0].type, NH_ACT_ADDR_ADD);
	nh_plan_free(&plan);
	fake_free(f);
}

/* The namespace deleted: re-created, built, on_create again (not on_heal). */
static void test_recreate_hooks(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	delete_blue(f);
	rebuild_blue(f);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	assert_int_equal(f->n_hooks, 1);
	assert_string_equal(f->hooks[0].event, "netns-created");
	fake_free(f);
}

/* The namespace deleted, and made again by someone else just before
 * netheal's create (EEXIST): watched and filled in; a new namespace all the
 * same (on_create: what ran in the old one must move), but no heal of
 * netns:blue is counted or logged. */
static void test_netns_made_by_another(void **state)
{
	struct fake *f = fake_new(base_policy);
	struct fake_ns *blue;
	uint64_t heals;

	(void)state;
	built(f);
	blue = ns_get(f, "blue");
	delete_blue(f);
	heals = nh_core_totals(f->core)->heals;
	blue->exists = true;            /* `ip netns add blue`, unseen yet */
	f->fails[f->n_fails++] = (struct script){ NH_ACT_NETNS_CREATE, "netns:blue", -EEXIST, 1 };
	rebuild_blue(f);
	assert_non_null(find_addr(blue, "v-peer1", "10.1.1.100/24"));
	for (size_t i = 0; i < f->n_out; i++)
		if (strcmp(f->out[i].object, "netns:blue") == 0)
			assert_false(f->out[i].type == NH_OUT_HEALED && f->out[i].log);
	assert_int_equal(f->n_hooks, 1);
	assert_string_equal(f->hooks[0].event, "netns-created");
	/* what it put in is healed; the namespace itself is not */
	assert_true(nh_core_totals(f->core)->heals > heals);
	fake_free(f);
}

/* SPEC §4.7 and §4.2: a create the kernel acknowledged whose link is then
 * under another name (the kernel took the name as a pattern, a udev rule or
 * another tool renamed it at once) is a failure, and the link made is
 * renamed back: netheal makes no more objects than it names, however long
 * it runs and whatever wakes it. */
static void test_no_more_objects_than_named(void **state)
{
	static const char policy[] = "links = ( { name = \"br7\"; kind = \"bridge\"; } );\n";
	struct fake *f = fake_new(policy);
	struct fake_ns *host;
	struct nh_netns *rec;
	size_t creates = 0, renames = 0;

	(void)state;
	f->renames = true;
	nh_core_converge(f->core, 6, false);
	host = ns_get(f, "");
	rec = nh_core_find(f->core, "");
	for (int i = 0; i < 20; i++) {
		f->now_us += 60000000;
		deliver(f, "", RTM_NEWLINK, NH_OBJ_LINK, 777);
		if (ev_is_active(&rec->wake))
			ev_invoke(f->loop, &rec->wake, EV_TIMER);
		heal_all(f);
	}
	for (size_t i = 0; i < f->n_execd; i++) {
		creates += f->execd[i].type == NH_ACT_LINK_CREATE;
		renames += f->execd[i].type == NH_ACT_LINK_RENAME;
	}
	assert_int_equal(creates, 1);
	assert_int_equal(f->renamed, 1);
	assert_int_equal(renames, 1);
	assert_non_null(nh_state_link_by_name(&host->truth, "br7"));
	assert_null(nh_state_link_by_name(&host->truth, "x0"));
	assert_int_equal(count_out(f, NH_OUT_FAILED, true), 0);        /* a first failure is read again, quietly */
	assert_int_equal(rec->state, NH_NS_CONVERGED);
	fake_free(f);
}

/* SPEC §4.7, the other case: a create acknowledged whose link was gone at
 * once, with nothing new under another name (its namespace was deleted or
 * replaced meanwhile: the chaos of a breaking helper, where a veth was then
 * never made again), is a failure tried again, not a rename. */
static void test_gone_at_once_is_tried_again(void **state)
{
	static const char policy[] = "links = ( { name = \"br7\"; kind = \"bridge\"; } );\n";
	struct fake *f = fake_new(policy);
	struct fake_ns *host;
	size_t creates = 0;

	(void)state;
	f->vanishes = 1;
	nh_core_converge(f->core, 6, false);
	host = ns_get(f, "");
	for (size_t i = 0; i < f->n_execd; i++)
		creates += f->execd[i].type == NH_ACT_LINK_CREATE;
	assert_int_equal(creates, 2);
	assert_int_equal(f->renamed, 0);
	assert_non_null(nh_state_link_by_name(&host->truth, "br7"));
	assert_int_equal(nh_core_find(f->core, "")->state, NH_NS_CONVERGED);
	fake_free(f);
}

/* A reload that runs out of memory anywhere keeps the old policy in force
 * and can be tried again; the new one then takes. */
static void test_reload_oom_keeps_policy(void **state)
{
	static const char next_text[] =
		"namespaces = ( { name = \"red\"; links = ( { name = \"lo\"; } ); },\n"
		"  { name = \"green\"; links = ( { name = \"lo\"; } ); } );\n";
	struct fake *f = fake_new(base_policy);
	struct nh_policy next;
	int r = -ENOMEM;
	long k;

	(void)state;
	built(f);
	load(&next, next_text);
	for (k = 0; r == -ENOMEM && k < 200; k++) {
		fail_after = k;
		r = nh_core_set_policy(f->core, &next);
		fail_after = -1;
		if (r == -ENOMEM) {
			assert_ptr_equal(nh_core_policy(f->core), &f->policy);
			assert_non_null(nh_core_find(f->core, "blue")->rule);
		}
	}
	assert_int_equal(r, 0);
	assert_true(k > 1);             /* it did fail, at least once, and recovered */
	assert_ptr_equal(nh_core_policy(f->core), &next);
	assert_null(nh_core_find(f->core, "blue")->rule);
	assert_non_null(nh_core_find(f->core, "red"));
	nh_core_set_policy(f->core, &f->policy);
	nh_policy_free(&next);
	fake_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_converge_and_states),
		cmocka_unit_test(test_unwatched_shown_not_made),
		cmocka_unit_test(test_burst_coalesces),
		cmocka_unit_test(test_stale_view_read_again),
		cmocka_unit_test(test_stale_view_events_lost),
		cmocka_unit_test(test_persistent_failure_logged_once),
		cmocka_unit_test(test_there_already_not_healed),
		cmocka_unit_test(test_report_logged_once),
		cmocka_unit_test(test_last_error_is_the_failure),
		cmocka_unit_test(test_damping),
		cmocka_unit_test(test_damping_survives_reload),
		cmocka_unit_test(test_consequential_removal),
		cmocka_unit_test(test_dropped_wanted),
		cmocka_unit_test(test_dependency_wakes),
		cmocka_unit_test(test_settings_wake_only_who_sets_them),
		cmocka_unit_test(test_part_diffs),
		cmocka_unit_test(test_part_master_changed),
		cmocka_unit_test(test_set_aside_not_renamed_back),
		cmocka_unit_test(test_part_carries_the_primary),
		cmocka_unit_test(test_link_deletions_damped),
		cmocka_unit_test(test_ipv6_address_deletions_damped),
		cmocka_unit_test(test_ipv6_addresses_flushed_with_link_down),
		cmocka_unit_test(test_ipv6_flushed_with_link_up),
		cmocka_unit_test(test_ipv6_flushed_in_a_bounce),
		cmocka_unit_test(test_ipv6_deleted_after_a_flap),
		cmocka_unit_test(test_damped_then_lost_with_link),
		cmocka_unit_test(test_damped_then_flushed_link_up),
		cmocka_unit_test(test_damped_deletion_waits_through_a_flap),
		cmocka_unit_test(test_damped_deletion_then_link_down_read_together),
		cmocka_unit_test(test_secondary_deleted_before_its_primary),
		cmocka_unit_test(test_secondary_and_primary_in_one_batch),
		cmocka_unit_test(test_route_back_by_another),
		cmocka_unit_test(test_ipv6_flushed_link_after_link),
		cmocka_unit_test(test_netns_deletions_damped),
		cmocka_unit_test(test_waits_for_read),
		cmocka_unit_test(test_unread_not_missing),
		cmocka_unit_test(test_recreate_hooks),
		cmocka_unit_test(test_netns_made_by_another),
		cmocka_unit_test(test_no_more_objects_than_named),
		cmocka_unit_test(test_gone_at_once_is_tried_again),
		cmocka_unit_test(test_reload_oom_keeps_policy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
