/* Inside the monitor: shared by monitor.c (the namespaces, their request
 * sockets and reads), events.c (the one event socket) and watch.c (the
 * netns directory). Not for other stages. */
#ifndef NETHEAL_MONITOR_MONITOR_INT_H
#define NETHEAL_MONITOR_MONITOR_INT_H

#include "monitor.h"

/* How many watched namespaces have a link of one name (monitor.c). */
struct nh_link_name {
	char name[NH_IFNAMSIZ];
	size_t n;
	UT_hash_handle hh;
};

/* Count a link named name coming into (delta 1) or leaving (-1) the state
 * of a watched namespace. */
void nh_monitor_count_name(struct nh_monitor *m, const char *name, int delta);

/* The id of a namespace let go (monitor.c), kept until the event socket
 * brings its RTM_DELNSID: events queued before carry it with the old
 * meaning. */
struct retired_nsid {
	int nsid;
	uint64_t cookie;                /* the namespace it named (SO_NETNS_COOKIE) */
	UT_hash_handle hh;
};

/* A file in netns_dir that is not (yet) a mounted namespace (watch.c). */
struct pending {
	char name[NH_NETNS_NAMSIZ];
	uint64_t first_us, due_us;
	unsigned int delay_ms;
	bool given_up;
	bool warned;                    /* its giving up was said (once: later ones are debug) */
	bool foreign;                   /* a mount of something else: said once */
	bool nofile;                    /* refused for lack of descriptors: said once */
};

struct nh_monitor {
	struct ev_loop *loop;
	char *dir;
	const struct nh_monitor_ops *ops;
	void *ctx;
	struct nh_ns **ns;              /* [0] is the host */
	size_t n_ns, cap_ns;
	struct nh_link_name *names;     /* a link name → how many watched namespaces have one (hh) */
	bool names_lost;                /* out of memory once: the counts are not known */
	struct nh_ns *by_name;          /* name → namespace (hh) */
	struct nh_ns *by_nsid;          /* nsid → namespace (hh_nsid): routes each event */
	struct nh_ns *by_port;          /* request socket port → namespace (hh_port) */
	struct retired_nsid *retired;   /* nsid → a let-go namespace's id, until its RTM_DELNSID */
	int next_nsid;                  /* the next one netheal gives (NH_MONITOR_NSID_FIRST up) */
	int *freed;                     /* ids whose RTM_DELNSID was read, not taken since: given */
	size_t n_freed, cap_freed;      /* first, lowest first (sorted ascending) */
	char *evbuf, *reqbuf;           /* shared: one for events, one for requests */

	/* request sockets: open ones in a list, most recently used first */
	struct nh_ns *lru_head, *lru_tail;
	size_t n_req;
	bool building;                  /* no loop yet: one per namespace as the limit allows (req_max) */
	size_t nofile;                  /* RLIMIT_NOFILE in force */
	size_t n_sysctl_dirs;           /* the namespaces' kept sysctl directories (nh_ns_sysctl_dirs) */
	bool sysctl_dirs_full;          /* no room for more (nh_ns_sysctl_dirs), until there is again */
	bool scanning;                  /* nh_monitor_scan is adopting: it says the refused ones at its end */
	size_t n_refused;               /* refused for lack of descriptors by the last scan without a loop */
	size_t sysctl_dirs_said;        /* the descriptor limit the last notice of it asked for */

	/* the event socket (events.c) */
	struct nh_nl evsock;
	ev_io ev_w;
	int rcvbuf;                     /* asked for; doubled after an overrun */
	unsigned int optional;          /* NH_MONITOR_NEIGH, NH_MONITOR_NETCONF: subscribed */
	bool rcvbuf_warned;
	bool behind;                    /* the last read stopped at READS_PER_WAKEUP, datagrams left */
	bool settled;                   /* the last read emptied the socket, and netheal changed nothing
					 * since (nh_monitor_changed): the next datagram is news */
	struct nh_ns *reread_head;      /* after an overrun: namespaces waiting to be read again */
	ev_idle reread_w;

	/* the netns directory (watch.c) */
	int ino_fd;
	int wd_dir, wd_parent;          /* parent: watched only while dir is missing */
	bool dir_not_dir;               /* dir is something else: said once */
	bool dash_told;                 /* a namespace named "-" is not watched: said once */
	ev_io ino_w;
	struct pending *pending;
	size_t n_pending, cap_pending;
	ev_timer pending_w;

	struct nh_ns *delivering;       /* its events are being delivered: freed after */
};

/* ---- monitor.c ---- */

bool nh_ns_is_host(const struct nh_ns *ns);
const char *nh_ns_label(const struct nh_ns *ns);       /* "-" for the host */
/* The routes ns's state keeps, as the ops say (keep NULL: all). */
struct nh_route_keep nh_ns_route_keep(const struct nh_ns *ns);
/* Read ns again now and tell ops->resynced; on failure try again on a timer. */
void nh_ns_resync(struct nh_ns *ns, const char *reason);
/* Adopt name if it is a namespace now; notify: call ops->netns_added.
 * 0 (adopted, or already), -EAGAIN (not yet), -ENOENT, -errno. */
int nh_monitor_try_adopt(struct nh_monitor *m, const char *name, bool notify, struct nh_ns **out);
/* Drop the namespace at index i (its file went): close it, tell. */
void nh_monitor_drop(struct nh_monitor *m, size_t i);
ssize_t nh_monitor_index_of(const struct nh_monitor *m, const char *name);
/* A name netheal watches in netns_dir: a file name, not "-" (the host's
 * name in logs, status and options; warned about once). */
bool nh_monitor_valid_name(struct nh_monitor *m, const char *name);
/* Free ns, or mark it dead while its events are being delivered. */
void nh_ns_free(struct nh_ns *ns);

/* ---- nsid.c ---- */

/* Give ns an nsid in the host (RTM_GETNSID, RTM_NEWNSID when it has none)
 * and index it. 0 or -errno. */
int nh_ns_assign_nsid(struct nh_ns *ns);
/* The event socket brought RTM_DELNSID nsid from the host's table: events
 * with that id read from here on are no longer a let-go namespace's. The
 * namespace that holds it now (if one) is read again: it waited for this
 * (nsid_waits), or events of the id's old owner may have reached it. */
void nh_monitor_nsid_deleted(struct nh_monitor *m, int nsid);
/* The event socket brought RTM_NEWNSID nsid for the host's table: it is
 * taken (no longer one to give). */
void nh_monitor_nsid_added(struct nh_monitor *m, int nsid);
/* After an overrun (the queue drained, the RTM_DELNSIDs in it too): the
 * freed ids are forgotten; a let-go
 * id no longer in the host's table (asked id by id), or given on to a
 * namespace netheal watches, is forgotten (its old owner is gone, and so are its events); one
 * still held by its namespace (alive elsewhere) stays retired. No
 * namespace waits: every one is read again. */
void nh_monitor_nsid_overrun(struct nh_monitor *m);
/* ns is let go (closed): its id goes to another name of the same
 * namespace, or is retired until its RTM_DELNSID. */
void nh_ns_nsid_release(struct nh_ns *ns);
/* Whether ns should have an id and has none (its assignment failed): it is
 * read again on a timer until it has one. */
bool nh_ns_nsid_missing(const struct nh_ns *ns);
/* Forget every retired and freed id (nh_monitor_free). */
void nh_monitor_nsid_free(struct nh_monitor *m);

/* ---- events.c ---- */

/* Open the event socket (groups, LISTEN_ALL_NSID, receive buffer) and
 * watch it on m->loop. 0 or -errno. */
int nh_events_open(struct nh_monitor *m);
void nh_events_close(struct nh_monitor *m);
/* Forget ns in the re-read queue (it is going away). */
void nh_events_forget(struct nh_monitor *m, struct nh_ns *ns);

/* ---- watch.c ---- */

int nh_watch_start(struct nh_monitor *m);
void nh_watch_stop(struct nh_monitor *m);
/* A file may be waiting for its mount: look again soon (nh_monitor_adopt). */
void nh_watch_pending_add(struct nh_monitor *m, const char *name);
void nh_watch_pending_foreign(struct nh_monitor *m, const char *name);
void nh_watch_pending_remove(struct nh_monitor *m, const char *name);
void nh_watch_pending_arm(struct nh_monitor *m);

/* For err -EMFILE: what to raise, in words, into buf (" (RLIMIT_NOFILE
 * is N: ...)"), counting waiting namespaces not watched yet beside the
 * watched ones; "" for any other error. Returns buf. */
const char *nh_monitor_nofile_hint(const struct nh_monitor *m, int err, size_t waiting, char *buf, size_t size);

#endif
