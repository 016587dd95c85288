/*
 * Prometheus metrics (SPEC §7 metrics_file), text exposition format, written
 * atomically for the node_exporter textfile collector:
 *
 *   netheal_heals_total{netns,object}   counter: heals, by namespace and object KIND
 *   netheal_drift{netns}                gauge: drifts seen in the last diff of a namespace
 *   netheal_heal_failures_total         counter
 *   netheal_resyncs_total{reason}       counter: full re-reads ("interval", "enobufs", ...)
 *   netheal_events_total                counter: kernel and netns-directory events handled
 *   netheal_heal_latency_seconds        histogram: event received -> fix acknowledged
 *
 * The host namespace is netns="-", as in the logs.
 */
#ifndef NETHEAL_SERVICE_METRICS_H
#define NETHEAL_SERVICE_METRICS_H

#include <stdint.h>
#include <stdio.h>

struct nh_metrics;

struct nh_metrics *nh_metrics_new(void);        /* NULL on ENOMEM */
void nh_metrics_free(struct nh_metrics *m);     /* accepts NULL */

/*
 * Count a heal in netns ("" = the host). object is the SPEC §6 object
 * ("address:10.1.1.100/24") or just its kind ("address"): only the kind
 * before ':' is used as the label, because a label per address or route
 * would give every object ever healed its own time series (unbounded
 * cardinality); the log records say which object it was. Kinds other than
 * address, route, state, link, master, mtu, mac, netns count as "other".
 * 0 or -ENOMEM.
 */
int nh_metrics_heal(struct nh_metrics *m, const char *netns, const char *object, uint64_t latency_us);
void nh_metrics_heal_failed(struct nh_metrics *m);
/* reason: a short fixed word ("interval", "enobufs", "dump-intr", "reload"). */
int nh_metrics_resync(struct nh_metrics *m, const char *reason);
void nh_metrics_event(struct nh_metrics *m);
/* The number of drifts the last diff of netns found (0 when converged). */
int nh_metrics_set_drift(struct nh_metrics *m, const char *netns, uint64_t n);
/* Drop every series of netns (a matched namespace that went away), so
 * namespaces that come and go do not pile up series. */
void nh_metrics_forget_netns(struct nh_metrics *m, const char *netns);

/* The text format into f. 0 or -EIO. */
int nh_metrics_format(const struct nh_metrics *m, FILE *f);
/* Write it to path atomically (temp file + rename, mode 0644). 0 or -errno. */
int nh_metrics_write(const struct nh_metrics *m, const char *path);

#endif
