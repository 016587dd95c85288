/*
 * The service's status (SPEC §2 `status`, §7 /run/netheal/status.json): one
 * entry per namespace the policy manages, plus totals. The service renders
 * it from the core's records (nh_status_write_snapshot) whenever they
 * change; `netheal status` reads it back into a struct nh_status.
 *
 * The file is JSON:
 *   { "version": "0.1.0", "pid": 812,
 *     "started": "2025-01-01T12:00:00.000Z", "updated": "...",
 *     "stopped": "...",      (only in the last write of a clean stop)
 *     "totals": { "namespaces": 3, "drifting": 0, "heals": 12,
 *                 "heal_failures": 0, "events": 1043, "resyncs": 2 },
 *     "namespaces": [
 *       { "name": "blue", "state": "converged", "heals": 10, "heal_failures": 0,
 *         "last_heal": { "time": "...", "object": "address:10.1.1.100/24" },
 *         "last_error": null } ] }
 * Times are UTC, RFC 3339 with milliseconds. The host namespace is named "-",
 * as in the logs. last_heal and last_error are null when there is none.
 */
#ifndef NETHEAL_SERVICE_STATUS_H
#define NETHEAL_SERVICE_STATUS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "state.h"
#include "service/core.h"

#define NH_STATUS_DEFAULT_PATH "/run/netheal/status.json"

struct nh_status_ns {
	char name[256];                 /* "" = the host */
	enum nh_ns_state state;
	uint64_t heals;
	uint64_t heal_failures;
	int64_t last_heal_ms;           /* wall clock, ms since the epoch; 0 = never */
	char last_heal_object[96];      /* SPEC §6 object: "address:10.1.1.100/24" */
	char last_error[256];           /* "" = none */
};

struct nh_status {
	char version[32];
	pid_t pid;
	int64_t started_ms;             /* wall clock, ms since the epoch */
	int64_t updated_ms;             /* set by nh_status_write; read back by nh_status_load */
	int64_t stopped_ms;             /* a clean stop's last write: when; else 0 */
	uint64_t heals, heal_failures, events, resyncs;   /* totals since start */
	/* Sorted by name. Entries are allocated one by one, so a pointer to
	 * one stays valid until it is removed or the status freed. */
	struct nh_status_ns **ns;
	size_t n_ns, cap_ns;
	/* The service's file (nh_status_write_snapshot), private: each
	 * entry's text as last written, by name, so only what changed is
	 * rendered; the last write's entries by position; and its bytes. */
	struct nh_status_frag *frags;
	uint64_t frag_writes;
	struct nh_status_slot *slots;
	size_t n_slots, cap_slots;
	char *out;
	size_t cap_out;
};

/* Empty status of this process: version NETHEAL_VERSION, pid, start time. */
void nh_status_init(struct nh_status *s, pid_t pid, int64_t started_ms);
void nh_status_free(struct nh_status *s);       /* accepts NULL; leaves s empty */

/* The entry of a namespace ("" = the host); with create, a new converged
 * entry when there is none. NULL when absent (or -ENOMEM, or a name too
 * long: errno says which). */
struct nh_status_ns *nh_status_ns_get(struct nh_status *s, const char *name, bool create);
/* Drop a namespace (it vanished and the policy does not name it). 0 or -ENOENT. */
int nh_status_ns_remove(struct nh_status *s, const char *name);

/* Count a heal of object in e (and in the totals) at wall-clock now_ms. */
void nh_status_heal(struct nh_status *s, struct nh_status_ns *e, const char *object, int64_t now_ms);
/* Count a failed heal and remember its error text. */
void nh_status_heal_failed(struct nh_status *s, struct nh_status_ns *e, const char *error);

/* Namespaces whose state nh_ns_state_is_drifting. */
size_t nh_status_n_drifting(const struct nh_status *s);
/* The sd_notify STATUS= line: "3 namespaces, 0 drifting, 12 heals". */
void nh_status_summary(const struct nh_status *s, char *buf, size_t size);

/* Wall clock in ms since the epoch (for started_ms / heal times). */
int64_t nh_wall_ms(void);
/* ms since the epoch as local "YYYY-MM-DD HH:MM:SS" into buf (size bytes;
 * "?" when it cannot be). */
void nh_status_time_local(int64_t ms, char *buf, size_t size);

/* Write the JSON file atomically (temp file + rename, mode 0644, the
 * directory created 0755 when missing); stamps updated_ms. 0 or -errno. */
int nh_status_write(const char *path, struct nh_status *s);
/* The service's file: head gives version, pid and start time (its entries
 * and totals are not read), snap the namespaces and totals; written
 * atomically like nh_status_write, which it stamps into head->updated_ms.
 * An entry whose record's shown is as at the last write is not rendered
 * again: head keeps its text (about 150 bytes a namespace) and the file's
 * bytes (about 2 MB at 10,000 namespaces), so a write at 10,000 copies text
 * and makes no JSON but the changed entries'. That reuse needs what the
 * core gives: every snapshot written with one head comes from one core
 * (shown is unique there, service/netns.h), and names are unique in a
 * snapshot. 0, -ENOMEM, or -errno of the write (nh_atomic_write). */
int nh_status_write_snapshot(const char *path, struct nh_status *head, const struct nh_core_snapshot *snap);
/* The sd_notify STATUS= line of a snapshot: "3 namespaces, 0 drifting, 12 heals". */
void nh_status_summary_snapshot(const struct nh_core_snapshot *snap, char *buf, size_t size);
/* Format the JSON into f: the head through jansson, indented by two, and
 * each namespace's entry on a line of its own. 0, -ENOMEM or -EIO. */
int nh_status_format(const struct nh_status *s, FILE *f);

/* Read a status file back. On success s holds it (free with
 * nh_status_free) and, when raw is not NULL, *raw the file's bytes
 * (NUL-terminated, malloc'd). -ENOENT: no file; -EINVAL: not JSON or not a
 * status (counters must be non-negative integers; a string holding \u0000
 * is refused); -ENOMEM; -errno. */
int nh_status_load(const char *path, struct nh_status *s, char **raw);

/* Which namespaces `netheal status` lists: those whose name matches one of
 * patterns (fnmatch(3) globs; none = every name; the host is "-"), and
 * with problems set only those drifting (any state but converged) or
 * holding a last error. */
struct nh_status_filter {
	char *const *patterns;
	size_t n_patterns;
	bool problems;
};

/* Whether filter (NULL = all) lists e. */
bool nh_status_filter_match(const struct nh_status_filter *filter, const struct nh_status_ns *e);

/* The table `netheal status` prints: the service's line and its totals
 * (of every namespace), then a row per namespace filter lists (NULL =
 * all), in natural order (strverscmp(3): qrouter-2 before qrouter-10),
 * the host first; under a filter, a line says how many it listed.
 * 0, or -ENOMEM (nothing printed). */
int nh_status_print(const struct nh_status *s, const struct nh_status_filter *filter, FILE *f);

/* Whether pid is the live service: its name (/proc/PID/comm) or the
 * program it runs (/proc/PID/exe, for a link of another name) begins
 * "netheal", so a stale file left by a dead service (or a recycled pid) is
 * not trusted; and, when it is in this network namespace (as far as
 * /proc/PID/ns/net can be read), it holds the one-run lock (instance.h), so
 * a `netheal monitor` that took a dead service's pid is not taken for it. */
enum nh_service {
	NH_SERVICE_RUNNING,
	NH_SERVICE_GONE,                /* no such process (or pid <= 0) */
	NH_SERVICE_OTHER,               /* a live process that is not netheal */
	NH_SERVICE_NOT_RUN,             /* a netheal that is not `netheal run` */
};
enum nh_service nh_status_service(pid_t pid);

#endif
