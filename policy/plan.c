/* Plans: lists of actions, their names, their order, one line each for `plan`. */
#include "diff.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/hash.h"
#include "common/strbuf.h"
#include "common/util.h"

static const char *const action_names[NH_ACT__COUNT] = {
	[NH_ACT_NETNS_CREATE] = "create-netns",
	[NH_ACT_LINK_DELETE] = "delete-link",
	[NH_ACT_LINK_MOVE] = "move-link",
	[NH_ACT_LINK_RENAME] = "rename-link",
	[NH_ACT_LINK_CREATE] = "create-link",
	[NH_ACT_SYSCTL_SET] = "set-sysctl",
	[NH_ACT_LINK_SET_MASTER] = "set-master",
	[NH_ACT_LINK_SET_MTU] = "set-mtu",
	[NH_ACT_LINK_SET_MAC] = "set-mac",
	[NH_ACT_LINK_SET_UP] = "set-up",
	[NH_ACT_ADDR_ADD] = "add-address",
	[NH_ACT_ROUTE_ADD] = "add-route",
	[NH_ACT_ROUTE_REPLACE] = "replace-route",
	[NH_ACT_RULE_ADD] = "add-rule",
	[NH_ACT_NEIGH_SET] = "set-neighbour",
	[NH_ACT_REPORT_CONFLICT] = "conflict",
	[NH_ACT_REPORT_MISSING] = "missing",
};

const char *nh_action_type_to_string(enum nh_action_type t)
{
	return (unsigned)t < NH_ACT__COUNT ? action_names[t] : "?";
}

bool nh_action_is_report(enum nh_action_type t)
{
	return t == NH_ACT_REPORT_CONFLICT || t == NH_ACT_REPORT_MISSING;
}

const char *nh_action_name(const struct nh_action *a)
{
	if (a->type == NH_ACT_LINK_SET_UP)
		return a->link.up ? "set-up" : "set-down";
	return nh_action_type_to_string(a->type);
}

const char *nh_action_format(const struct nh_action *a, char *buf, size_t size)
{
	const char *ns = a->netns[0] ? a->netns : "host";

	char object[sizeof(a->object) + 3] = "";

	if (*a->object)
		snprintf(object, sizeof(object), " [%s]", a->object);
	if (a->rule.file)
		snprintf(buf, size, "%s: %s -> %s%s (%s:%u)", ns, a->drift, nh_action_name(a),
			 object, a->rule.file, a->rule.line);
	else
		snprintf(buf, size, "%s: %s -> %s%s", ns, a->drift, nh_action_name(a), object);
	return buf;
}

/* ---- object keys ---- */

const char *nh_address_key(const struct nh_address *addr, char *buf, size_t size)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	nh_strbuf_str(&b, "address:");
	nh_strbuf_str(&b, addr->link);
	nh_strbuf_chr(&b, ' ');
	nh_strbuf_prefix(&b, addr->prefix.family, addr->prefix.addr, addr->prefix.len);
	return buf;
}

/* IPv6 has no metric 0: the kernel stores it as 1024 (as nh_route_key_cmp). */
const char *nh_route_key(const struct nh_route *r, char *buf, size_t size)
{
	uint32_t metric = r->dst.family == AF_INET6 && r->metric == 0 ? 1024 : r->metric;
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	nh_strbuf_str(&b, r->dst.family == AF_INET6 ? "route:inet6 " : "route:inet ");
	nh_strbuf_u64(&b, r->table ? r->table : NH_RT_TABLE_MAIN);
	nh_strbuf_chr(&b, ' ');
	if (r->dst.len == 0)
		nh_strbuf_str(&b, "default");
	else
		nh_strbuf_prefix(&b, r->dst.family, r->dst.addr, r->dst.len);
	nh_strbuf_chr(&b, ' ');
	nh_strbuf_u64(&b, metric);
	return buf;
}

static const char *sysctl_key(const struct nh_sysctl *k, char *buf, size_t size)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	nh_strbuf_str(&b, "sysctl:");
	nh_strbuf_str(&b, k->key);
	return buf;
}

/* An mark/mask as `ip rule` prints it. */
static size_t put_fwmark(char *buf, size_t size, const struct nh_fib_rule *r)
{
	if (r->fwmask == UINT32_MAX)
		return (size_t)snprintf(buf, size, "0x%x", r->fwmark);
	return (size_t)snprintf(buf, size, "0x%x/0x%x", r->fwmark, r->fwmask);
}

/* The selectors that are set, each as " WORD VALUE". */
static size_t put_selectors(char *buf, size_t size, const struct nh_fib_rule *r)
{
	char pfx[64];
	size_t len = 0;

	buf[0] = '\0';
	if ((r->has & NH_FRULE_HAS_FROM) && len < size)
		len += (size_t)snprintf(buf + len, size - len, " from %s", nh_prefix_str(&r->from, true, pfx, sizeof(pfx)));
	if ((r->has & NH_FRULE_HAS_TO) && len < size)
		len += (size_t)snprintf(buf + len, size - len, " to %s", nh_prefix_str(&r->to, true, pfx, sizeof(pfx)));
	if ((r->has & NH_FRULE_HAS_IIF) && len < size)
		len += (size_t)snprintf(buf + len, size - len, " iif %s", r->iif);
	if ((r->has & NH_FRULE_HAS_OIF) && len < size)
		len += (size_t)snprintf(buf + len, size - len, " oif %s", r->oif);
	if ((r->has & NH_FRULE_HAS_FWMARK) && len + 8 < size) {
		len += (size_t)snprintf(buf + len, size - len, " fwmark ");
		len += put_fwmark(buf + len, size - len, r);
	}
	if ((r->has & NH_FRULE_HAS_OTHER) && len < size)
		len += (size_t)snprintf(buf + len, size - len, " (and more)");
	return len;
}

const char *nh_fib_rule_key(const struct nh_fib_rule *r, char *buf, size_t size)
{
	size_t len = (size_t)snprintf(buf, size, "rule:%s %u", r->family == AF_INET6 ? "inet6" : "inet", r->priority);

	if (len < size)
		put_selectors(buf + len, size - len, r);
	return buf;
}

const char *nh_fib_rule_words(const struct nh_fib_rule *r, char *buf, size_t size)
{
	char sel[192];

	put_selectors(sel, sizeof(sel), r);
	if (r->action == NH_FRULE_TABLE)
		snprintf(buf, size, "%s lookup %u", sel[0] ? sel + 1 : "from all", r->table);
	else
		snprintf(buf, size, "%s %s", sel[0] ? sel + 1 : "from all", nh_frule_action_to_string(r->action));
	return buf;
}

const char *nh_neigh_key(const struct nh_neigh *n, char *buf, size_t size)
{
	char ip[64];

	snprintf(buf, size, "neigh:%s %s", n->dev, nh_prefix_str(&n->addr, false, ip, sizeof(ip)));
	return buf;
}

const char *nh_action_key(const struct nh_action *a, char *buf, size_t size)
{
	size_t kind = strcspn(a->object, ":");

	switch (a->type) {
	case NH_ACT_ADDR_ADD:
		return nh_address_key(&a->addr, buf, size);
	case NH_ACT_ROUTE_ADD:
	case NH_ACT_ROUTE_REPLACE:
		return nh_route_key(&a->route, buf, size);
	case NH_ACT_SYSCTL_SET:
		return sysctl_key(&a->sysctl, buf, size);
	case NH_ACT_RULE_ADD:
		return nh_fib_rule_key(&a->frule, buf, size);
	case NH_ACT_NEIGH_SET:
		return nh_neigh_key(&a->neigh, buf, size);
	case NH_ACT_NETNS_CREATE:
		snprintf(buf, size, "netns:%s", a->netns);
		return buf;
	case NH_ACT_REPORT_CONFLICT:
	case NH_ACT_REPORT_MISSING:
		if (strncmp(a->object, "route:", 6) == 0)
			return nh_route_key(&a->route, buf, size);
		if (strncmp(a->object, "sysctl:", 7) == 0)
			return sysctl_key(&a->sysctl, buf, size);
		if (strncmp(a->object, "rule:", 5) == 0)
			return nh_fib_rule_key(&a->frule, buf, size);
		if (strncmp(a->object, "neigh:", 6) == 0)
			return nh_neigh_key(&a->neigh, buf, size);
		if (strncmp(a->object, "netns:", 6) == 0) {
			snprintf(buf, size, "netns:%s", a->netns);
			return buf;
		}
		break;
	default:
		break;
	}
	if (a->type <= NH_ACT_LINK_CREATE || nh_action_is_report(a->type))
		snprintf(buf, size, "link:%s", a->link.name);
	else
		snprintf(buf, size, "%.*s:%s", (int)kind, a->object, a->link.name);
	return buf;
}

/* ---- the list ---- */

void nh_plan_init(struct nh_plan *p)
{
	memset(p, 0, sizeof(*p));
}

void nh_plan_free(struct nh_plan *p)
{
	if (!p)
		return;
	free(p->actions);
	nh_plan_init(p);
}

int nh_plan_add(struct nh_plan *p, const struct nh_action *a)
{
	int r = nh_grow(&p->actions, &p->cap, p->n + 1, sizeof(*p->actions));

	if (r < 0)
		return r;
	p->actions[p->n++] = *a;
	return 0;
}

/* ---- order ---- */

static int cmp_str(const char *a, const char *b)
{
	int r = strcmp(a ? a : "", b ? b : "");

	return (r > 0) - (r < 0);
}

static int cmp_num(long long a, long long b)
{
	return (a > b) - (a < b);
}

/* A sysctl's place among the others: a namespace-wide key first, then a
 * family's `default`, then a link's, so that what the kernel spreads when
 * one is written (all.forwarding sets every link's and the default) is
 * done before what the policy says of one link (see diff.h). */
static int sysctl_rank(const struct nh_sysctl *k)
{
	if (k->link[0])
		return 2;
	return strstr(k->key, ".default.") ? 1 : 0;
}

/* Dependency order inside one stage of one namespace (see diff.h). */
static int rank(const struct nh_action *a)
{
	switch (a->type) {
	case NH_ACT_SYSCTL_SET:
		return sysctl_rank(&a->sysctl);
	case NH_ACT_LINK_CREATE:
		return (a->link.has & NH_LINK_HAS_PARENT) ? 1 : 0;
	case NH_ACT_ROUTE_ADD:
	case NH_ACT_ROUTE_REPLACE:
		return ((a->route.has & NH_ROUTE_HAS_VIA) ? 256 : 0) + (128 - a->route.dst.len);
	default:
		return 0;
	}
}

static int key_cmp(const struct nh_action *a, const struct nh_action *b)
{
	switch (a->type) {
	case NH_ACT_NETNS_CREATE:
		return 0;
	case NH_ACT_ADDR_ADD:
		return nh_address_key_cmp(&a->addr, &b->addr);
	case NH_ACT_ROUTE_ADD:
	case NH_ACT_ROUTE_REPLACE:
		return nh_route_key_cmp(&a->route, &b->route);
	case NH_ACT_SYSCTL_SET:
		return nh_sysctl_key_cmp(&a->sysctl, &b->sysctl);
	case NH_ACT_RULE_ADD:
		return nh_fib_rule_key_cmp(&a->frule, &b->frule);
	case NH_ACT_NEIGH_SET:
		return nh_neigh_key_cmp(&a->neigh, &b->neigh);
	default:
		return cmp_str(a->link.name, b->link.name);
	}
}

/* The union's member, by what the action is about. */
static int object_cmp(const struct nh_action *a, const struct nh_action *b)
{
	int r;

	if (a->type == NH_ACT_SYSCTL_SET || strncmp(a->object, "sysctl:", 7) == 0) {
		if ((r = nh_sysctl_key_cmp(&a->sysctl, &b->sysctl)))
			return r;
		return cmp_str(a->sysctl.value, b->sysctl.value);
	}
	if (a->type == NH_ACT_RULE_ADD || strncmp(a->object, "rule:", 5) == 0)
		return nh_fib_rule_cmp(&a->frule, &b->frule);
	if (a->type == NH_ACT_NEIGH_SET || strncmp(a->object, "neigh:", 6) == 0) {
		if ((r = nh_neigh_key_cmp(&a->neigh, &b->neigh)))
			return r;
		r = memcmp(a->neigh.lladdr, b->neigh.lladdr, sizeof(a->neigh.lladdr));
		return (r > 0) - (r < 0);
	}
	return 0;
}

/* Everything else that can tell two actions apart, so the order never
 * depends on the order the diff met its inputs in. */
static int detail_cmp(const struct nh_action *a, const struct nh_action *b)
{
	int r;

	if ((r = cmp_str(a->object, b->object)) ||
	    (r = cmp_str(a->drift, b->drift)) ||
	    (r = cmp_str(a->from_netns, b->from_netns)) ||
	    (r = cmp_num(a->ifindex, b->ifindex)) ||
	    (r = cmp_str(a->rule.file, b->rule.file)) ||
	    (r = cmp_num(a->rule.line, b->rule.line)) ||
	    (r = cmp_str(a->link.name, b->link.name)) ||
	    (r = cmp_str(a->link.master, b->link.master)) ||
	    (r = cmp_str(a->link.peer_name, b->link.peer_name)) ||
	    (r = cmp_str(a->link.peer_netns, b->link.peer_netns)) ||
	    (r = nh_address_key_cmp(&a->addr, &b->addr)) ||
	    (r = nh_prefix_cmp(&a->route.via, &b->route.via)) ||
	    (r = cmp_str(a->route.dev, b->route.dev)) ||
	    (r = object_cmp(a, b)))
		return r;
	return 0;
}

static int action_cmp(const struct nh_action *a, const struct nh_action *b)
{
	int r;

	if ((r = cmp_num(a->type, b->type)) ||
	    (r = cmp_str(a->netns, b->netns)) ||
	    (r = cmp_num(rank(a), rank(b))) ||
	    (r = key_cmp(a, b)))
		return r;
	return detail_cmp(a, b);
}

static int action_val_cmp(const void *a, const void *b)
{
	return action_cmp(a, b);
}

/*
 * Sorted through small items, then put in place by following the
 * permutation's cycles: one action's worth of copy space, not a second
 * array of actions (an action is ~2 KiB; 150,000 of them, a plan for
 * 10,000 namespaces, were 350 MB twice). An item holds what decides most
 * comparisons (stage, namespace as its rank among the plan's names, rank
 * in the stage), so the sort reads 16-byte items and touches two actions
 * only on a tie there: a cold start's plan at 1000 namespaces, 11,000
 * actions 2 KiB apart, spent 40 ms in action_cmp's cache misses.
 */
struct sort_item {
	uint32_t type;
	uint32_t ns;                    /* the namespace name's rank among the plan's */
	int32_t rank;
	uint32_t idx;                   /* the action's place before the sort */
};

struct name_slot {
	const char *name;
	uint32_t ord;
	UT_hash_handle hh;
};

static int name_slot_cmp(const void *pa, const void *pb)
{
	const struct name_slot *a = *(const struct name_slot *const *)pa;
	const struct name_slot *b = *(const struct name_slot *const *)pb;

	return strcmp(a->name, b->name);
}

/* items[i].ns = the rank of actions[i].netns among the distinct names,
 * in strcmp order (the host's "" first), as action_cmp orders them.
 * 0 or -ENOMEM. */
static int name_ranks(const struct nh_action *actions, size_t n, struct sort_item *items)
{
	struct name_slot *slots = calloc(n, sizeof(*slots)), *head = NULL, *sl;
	struct name_slot **order = malloc(n * sizeof(*order));
	size_t k = 0;
	int r = slots && order ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < n; i++) {
		HASH_FIND_STR(head, actions[i].netns, sl);
		if (!sl) {
			sl = &slots[k];
			sl->name = actions[i].netns;
			r = NH_HASH_ADD(head, name, sl);
			order[k++] = sl;
		}
		items[i].ns = (uint32_t)(sl - slots);
	}
	if (r == 0) {
		qsort(order, k, sizeof(*order), name_slot_cmp);
		for (size_t j = 0; j < k; j++)
			order[j]->ord = (uint32_t)j;
		for (size_t i = 0; i < n; i++)
			items[i].ns = slots[items[i].ns].ord;
	}
	HASH_CLEAR(hh, head);
	free(order);
	free(slots);
	return r;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return (a > b) - (a < b);
}

/* action_cmp through items (context: the actions); ties, insertion order. */
static int item_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct sort_item *a = pa, *b = pb;
	const struct nh_action *actions = ctx;
	int r;

	if ((r = cmp_u32(a->type, b->type)) || (r = cmp_u32(a->ns, b->ns)) ||
	    (r = cmp_num(a->rank, b->rank)) ||
	    (r = key_cmp(&actions[a->idx], &actions[b->idx])) ||
	    (r = detail_cmp(&actions[a->idx], &actions[b->idx])))
		return r;
	return cmp_u32(a->idx, b->idx);
}

void nh_plan_sort(struct nh_plan *p)
{
	struct sort_item *items = NULL;
	size_t *from = NULL;
	struct nh_action *tmp = NULL;

	if (p->n < 2)
		return;
	items = malloc(p->n * sizeof(*items));
	from = malloc(p->n * sizeof(*from));
	tmp = malloc(sizeof(*tmp));
	if (!items || !from || !tmp || p->n > UINT32_MAX || name_ranks(p->actions, p->n, items) < 0) {
		/* Out of memory: sort in place. Only actions equal in every
		 * field compared may end up in either order. */
		qsort(p->actions, p->n, sizeof(*p->actions), action_val_cmp);
		goto out;
	}
	for (size_t i = 0; i < p->n; i++) {
		items[i].type = (uint32_t)p->actions[i].type;
		items[i].rank = rank(&p->actions[i]);
		items[i].idx = (uint32_t)i;
	}
	qsort_r(items, p->n, sizeof(*items), item_cmp, p->actions);
	for (size_t i = 0; i < p->n; i++)
		from[i] = items[i].idx;
	/* position i takes the action at from[i]; a placed position is
	 * marked from[i] == i */
	for (size_t i = 0; i < p->n; i++) {
		size_t j = i;

		if (from[i] == i)
			continue;
		*tmp = p->actions[i];
		while (from[j] != i) {
			size_t k = from[j];

			p->actions[j] = p->actions[k];
			from[j] = j;
			j = k;
		}
		p->actions[j] = *tmp;
		from[j] = j;
	}
out:
	free(items);
	free(from);
	free(tmp);
}
