/*
 * Which namespace an event is from (SPEC §4.4, monitor/events.c): the
 * kernel tags each with the id the host has for its namespace (its nsid),
 * and the monitor keeps nsid → namespace.
 *
 * - netheal gives a namespace without an id one of its own: first the
 *   lowest of the ids whose end (RTM_DELNSID) the event socket has brought
 *   and that nobody took since; else one counting up from
 *   NH_MONITOR_NSID_FIRST (past ids others hold, the last run's after a
 *   restart, in jumps that double). Never merely the lowest free one, as
 *   the kernel would pick: that may have been freed a moment ago, and the
 *   event socket may still hold events tagged with it for the namespace it
 *   named. Once its RTM_DELNSID is read they are all read (the kernel
 *   tags no event with an id the host no longer has). Low ids matter: for
 *   every message it copies to a listen-all socket the kernel walks the
 *   host's ids in order until it finds the namespace's (peernet2id, twice),
 *   and a rebuilt namespace given a fresh id sat at the very end (at
 *   10,000 namespaces a quarter of netheal's CPU in a rebuild).
 * - The id of a namespace let go is retired until the event socket brings
 *   its RTM_DELNSID: a namespace the kernel gives it meanwhile (its own
 *   choice, for a veth peer made across namespaces before netheal saw it)
 *   has its events dropped until then, and is read again after.
 * - The same namespace is known by SO_NETNS_COOKIE (never reused, unlike
 *   nsid and st_ino): mounted back, it keeps its id at once; under a second
 *   name, the first keeps the events and the second takes them over when
 *   the first goes.
 */
#include "monitor_int.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <linux/net_namespace.h>

#include "common/log.h"
#include "common/sorted.h"

/* The id the host gives ns (nh_nl_get_nsid on the host's request socket)
 * into *nsid, -1 when none. 0 or -errno. */
static int nsid_request(struct nh_ns *ns, int *nsid)
{
	struct nh_nl *host = nh_ns_request(ns->m->ns[0]);

	return host ? nh_nl_get_nsid(host, ns->fd, nsid) : -errno;
}

static struct retired_nsid *retired_find(struct nh_monitor *m, int nsid)
{
	struct retired_nsid *r;

	HASH_FIND_INT(m->retired, &nsid, r);
	return r;
}

static void retired_del(struct nh_monitor *m, struct retired_nsid *r)
{
	HASH_DEL(m->retired, r);
	free(r);
}

/* ns is let go: its id may tag events still queued on the event socket,
 * and the kernel may give it to another namespace once this one is gone.
 * Out of memory it is not kept: the one risk is the one it guards. */
static void nsid_retire(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	struct retired_nsid *r;

	if (ns->nsid < 0 || !m->evsock.sock || nh_ns_is_host(ns) || retired_find(m, ns->nsid))
		return;
	r = calloc(1, sizeof(*r));
	if (!r)
		return;
	r->nsid = ns->nsid;
	r->cookie = ns->cookie;
	HASH_ADD_INT(m->retired, nsid, r);
	if (!r->hh.tbl)
		free(r);
}

static void nsid_index(struct nh_ns *ns, int nsid);

/* Take ns off the list of names at *head; whether it was on it. */
static bool names_unlink(struct nh_ns **head, struct nh_ns *ns)
{
	for (struct nh_ns **p = head; *p; p = &(*p)->alias)
		if (*p == ns) {
			*p = ns->alias;
			ns->alias = NULL;
			return true;
		}
	return false;
}

/* List ns among the other names of head's namespace, once (it is indexed
 * again at a retry, or at the attach), and say so: two rules apply to one
 * namespace. */
static void names_add(struct nh_ns *head, struct nh_ns *ns)
{
	for (const struct nh_ns *a = head; a; a = a->alias)
		if (a == ns)
			return;
	ns->alias = head->alias;
	head->alias = ns;
	nh_notice("netns %s: the same namespace as %s (a second name); the rules of both apply to it",
		  nh_ns_label(ns), nh_ns_is_host(head) ? "the host" : nh_ns_label(head));
}

/* The host's own namespace under a name (`ip netns attach NAME PID` of a
 * process in it): its events come without an id, to the host. */
static bool host_namespace(const struct nh_ns *ns)
{
	const struct nh_ns *host = ns->m->n_ns ? ns->m->ns[0] : NULL;

	return host && host != ns && nh_ns_is_host(host) && ns->dev == host->dev && ns->ino == host->ino;
}

/* ns is let go: its id goes to another name of the same namespace (see
 * nsid_index), or is retired. */
void nh_ns_nsid_release(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	struct nh_ns *alias = NULL, *owner = NULL;
	int nsid = ns->nsid;

	if (!nh_ns_is_host(ns) && m->n_ns && names_unlink(&m->ns[0]->alias, ns))
		return;         /* a name of the host's namespace (nh_monitor_free lets the host go last) */
	if (!ns->hh_nsid.tbl && nsid >= 0) {
		/* another name of a namespace: off its first name's list */
		HASH_FIND(hh_nsid, m->by_nsid, &nsid, sizeof(int), owner);
		if (owner)
			names_unlink(&owner->alias, ns);
		ns->alias = NULL;
		nsid_index(ns, -1);
		return;
	}
	if (ns->hh_nsid.tbl && m->evsock.sock && !nh_ns_is_host(ns))
		alias = ns->alias;      /* the next name takes the id over, and the rest of the list */
	if (ns->hh_nsid.tbl && !alias)
		nsid_retire(ns);
	ns->alias = NULL;
	nsid_index(ns, -1);
	if (alias)
		nsid_index(alias, nsid);
}

static void nsid_index(struct nh_ns *ns, int nsid)
{
	struct nh_monitor *m = ns->m;
	struct retired_nsid *was;
	struct nh_ns *old;

	if (ns->hh_nsid.tbl)
		HASH_DELETE(hh_nsid, m->by_nsid, ns);
	memset(&ns->hh_nsid, 0, sizeof(ns->hh_nsid));
	ns->nsid = nsid;
	ns->nsid_waits = false;
	for (struct nh_ns *a = ns->alias; a; a = a->alias)
		a->nsid = nsid;         /* the other names of the namespace: the same id */
	if (nsid < 0)
		return;
	HASH_FIND(hh_nsid, m->by_nsid, &ns->nsid, sizeof(int), old);
	/* the same namespace under a second name (a bind mount): listed
	 * after the first, which its events are routed to and which feeds
	 * them to every name (events.c); it takes the id over when the first
	 * goes (nh_ns_nsid_release) */
	if (old && old->cookie && old->cookie == ns->cookie) {
		names_add(old, ns);
		return;
	}
	/* an id the host had for a namespace that is gone now belongs to this one */
	if (old) {
		HASH_DELETE(hh_nsid, m->by_nsid, old);
		memset(&old->hh_nsid, 0, sizeof(old->hh_nsid));
		old->nsid = -1;
	}
	HASH_ADD(hh_nsid, m->by_nsid, nsid, sizeof(int), ns);
	if (!ns->hh_nsid.tbl) {
		ns->nsid = -1;  /* out of memory: its events go unrouted; the resync timer reads it */
		return;
	}
	/* the same namespace again (its file mounted back): its own id */
	was = retired_find(m, nsid);
	if (was && (!ns->cookie || !was->cookie || was->cookie == ns->cookie))
		retired_del(m, was);    /* (or it cannot be told: Linux before 5.14) */
	else if (was)
		ns->nsid_waits = true;
}

/* At most this many freed ids are kept (the lowest): a host that deletes
 * namespaces by the thousand and makes none costs 16 KiB. */
#define NSID_FREED_MAX 4096

static int int_cmp(const void *element, const void *key)
{
	int a = *(const int *)element, b = *(const int *)key;

	return (a > b) - (a < b);
}

/* nsid's end was read: one to give (out of memory: not kept, the counter
 * gives another). */
static void freed_add(struct nh_monitor *m, int nsid)
{
	bool found;
	size_t pos = nh_sorted_pos(m->freed, m->n_freed, sizeof(*m->freed), &nsid, int_cmp, &found);

	if (found || nsid < 0 || (m->n_freed == NSID_FREED_MAX && pos == m->n_freed))
		return;
	if (m->n_freed == NSID_FREED_MAX)
		m->n_freed--;           /* the highest goes */
	(void)nh_sorted_insert(&m->freed, &m->n_freed, &m->cap_freed, sizeof(*m->freed), pos, &nsid);
}

static void freed_del(struct nh_monitor *m, int nsid)
{
	bool found;
	size_t pos = nh_sorted_pos(m->freed, m->n_freed, sizeof(*m->freed), &nsid, int_cmp, &found);

	if (found)
		nh_sorted_remove(m->freed, &m->n_freed, sizeof(*m->freed), pos);
}

/* The next id netheal gives: the lowest freed one (*recycled), else
 * NH_MONITOR_NSID_FIRST up, wrapping there. */
static int nsid_next(struct nh_monitor *m, bool *recycled)
{
	int nsid;

	*recycled = m->n_freed > 0;
	if (*recycled) {
		nsid = m->freed[0];
		freed_del(m, nsid);
		return nsid;
	}
	nsid = m->next_nsid;
	m->next_nsid = nsid >= INT_MAX - 1 ? NH_MONITOR_NSID_FIRST : nsid + 1;
	return nsid;
}

/* Whether the host's table holds nsid: 1 yes, 0 no, or -errno. Asked one id
 * at a time: a dump of the table is cut short by the kernel after its
 * first part, about 134 ids (Linux 6.18). */
static int nsid_taken(struct nh_monitor *m, int nsid)
{
	struct nh_nl *host = nh_ns_request(m->ns[0]);

	return host ? nh_nl_nsid_held(host, nsid) : -errno;
}

/* Tries before giving up. On -EEXIST (another namespace holds the id) the
 * next try jumps twice as far: a restart finds the last run's ids still
 * held, a run of them is passed in a few tries, and the ids after it are
 * free again. */
#define NSID_TRIES 64

int nh_ns_assign_nsid(struct nh_ns *ns)
{
	struct nh_monitor *m = ns->m;
	int nsid = NETNSA_NSID_NOT_ASSIGNED, r;
	int64_t step = 1;

	if (host_namespace(ns)) {
		/* listed with the host, which feeds it the host's events (they
		 * come without an id); given none: an id of the host for itself
		 * would only outlive netheal in the kernel's table */
		names_add(m->ns[0], ns);
		return 0;
	}
	r = nsid_request(ns, &nsid);
	/* the host's events come without one: it gets none of us (but is
	 * known by the one someone gave it, if any) */
	for (int i = 0; i < NSID_TRIES && r == 0 && nsid < 0 && !nh_ns_is_host(ns); i++) {
		bool recycled;
		int want = nsid_next(m, &recycled);
		struct nh_nl *host = nh_ns_request(m->ns[0]);

		r = host ? nh_nl_new_nsid(host, ns->fd, want) : -errno;
		/* -EEXIST: another namespace holds that id, or the kernel
		 * gave this one an id meanwhile (a veth peer made there) */
		if (r == 0 || r == -EEXIST)
			r = nsid_request(ns, &nsid);
		/* a freed id taken by another since (its RTM_NEWNSID not read
		 * yet): dropped, the next one tried */
		if (r == 0 && nsid < 0 && !recycled) {
			int64_t jump = (int64_t)want + step;

			m->next_nsid = jump < INT_MAX - 1 ? (int)jump : NH_MONITOR_NSID_FIRST;
			step *= 2;
		}
	}
	if (r == 0 && nsid < 0 && !nh_ns_is_host(ns))
		r = -EEXIST;
	if (r < 0)
		return nh_log_errno(NH_WARNING, r, "netns %s: cannot give it an nsid; its events are not seen "
				    "until it has one (tried again with each read)", nh_ns_label(ns));
	nsid_index(ns, nsid);
	return 0;
}

void nh_monitor_nsid_added(struct nh_monitor *m, int nsid)
{
	freed_del(m, nsid);
}

void nh_monitor_nsid_deleted(struct nh_monitor *m, int nsid)
{
	struct retired_nsid *was = retired_find(m, nsid);
	struct nh_ns *ns;
	int now = NETNSA_NSID_NOT_ASSIGNED;

	if (was)
		retired_del(m, was);
	HASH_FIND(hh_nsid, m->by_nsid, &nsid, sizeof(int), ns);
	if (!ns) {
		/* every event tagged with it is read: one to give */
		freed_add(m, nsid);
		return;
	}
	if (ns->nsid_waits) {
		/* the old owner's events are all read: its own from here on,
		 * and those dropped meanwhile are read back */
		ns->nsid_waits = false;
		nh_ns_resync(ns, "nsid");
		return;
	}
	/* An id in use went: the kernel says whose it is now. Still this
	 * one's: it was another's too, a moment ago, whose events may have
	 * been taken for its own. Not: its namespace lost it (dying). */
	if (nsid_request(ns, &now) == 0 && now != nsid)
		nh_ns_assign_nsid(ns);
	for (struct nh_ns *a = ns->alias; a; a = a->alias)
		nh_ns_resync(a, "nsid");
	nh_ns_resync(ns, "nsid");
}

void nh_monitor_nsid_free(struct nh_monitor *m)
{
	struct retired_nsid *r, *tmp;

	HASH_ITER(hh, m->retired, r, tmp)
		retired_del(m, r);
	free(m->freed);
	m->freed = NULL;
	m->n_freed = m->cap_freed = 0;
}

void nh_monitor_nsid_overrun(struct nh_monitor *m)
{
	struct retired_nsid *r, *tmp;

	/* the RTM_NEWNSIDs lost may have taken some, and the RTM_DELNSIDs
	 * lost are not known: the counter gives ids until new ends are read */
	m->n_freed = 0;

	HASH_ITER(hh, m->retired, r, tmp) {
		struct nh_ns *ns;

		HASH_FIND(hh_nsid, m->by_nsid, &r->nsid, sizeof(int), ns);
		/* gone, given on, or it cannot be told: as good as lost */
		if (ns || nsid_taken(m, r->nsid) != 1)
			retired_del(m, r);
	}
	for (size_t i = 0; i < m->n_ns; i++)
		m->ns[i]->nsid_waits = false;
}

/* Whether ns should have an id and has none (its assignment failed). */
bool nh_ns_nsid_missing(const struct nh_ns *ns)
{
	/* a name of the host's own namespace has none on purpose (see
	 * nh_ns_assign_nsid): taken for missing, a resync retried it every
	 * 10 ms for as long as the name lived (an adversary trial) */
	return ns->nsid < 0 && ns->m->evsock.sock && !nh_ns_is_host(ns) && !host_namespace(ns);
}
