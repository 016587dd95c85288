/*
 * Prometheus metrics (SPEC §7 metrics_file), text exposition format, written
 * atomically for the node_exporter textfile collector. A renderer over the
 * core's records and totals (service/core.h); it keeps nothing itself.
 *
 *   netheal_heals_total{netns,object}   counter: heals, by namespace and object KIND
 *   netheal_drift{netns}                gauge: drifts the last diff of a namespace found (1 for
 *                                       one not watched for lack of descriptors: never compared)
 *   netheal_heal_failures_total         counter
 *   netheal_resyncs_total{reason}       counter: full re-reads ("interval", "overrun", ...)
 *   netheal_events_total                counter: kernel and netns-directory events handled
 *   netheal_heal_latency_seconds        histogram: event received -> fix acknowledged
 *   netheal_build_info{version}         gauge, 1
 *   netheal_start_time_seconds          gauge: when the service started (Unix time)
 *   netheal_last_update_time_seconds    gauge: when this file was written (Unix time): the file
 *                                       is rewritten on change and at every watchdog ping, so
 *                                       its age tells a dead daemon from an idle one
 *
 * The host namespace is netns="-", as in the logs. `object` is the kind of
 * the SPEC §6 object (address, route, state, link, master, mtu, mac, netns,
 * other): a label per object would give every address or route ever healed
 * a series of its own. A namespace that goes away takes its series along.
 */
#ifndef NETHEAL_SERVICE_METRICS_H
#define NETHEAL_SERVICE_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "service/core.h"

struct nh_metrics_info {
	const char *version;            /* NETHEAL_VERSION */
	int64_t start_ms;               /* wall clock, ms since the epoch */
	int64_t now_ms;                 /* the time written as last update */
};

/* The text format of s into f. 0, or -EIO. */
int nh_metrics_format(const struct nh_core_snapshot *s, const struct nh_metrics_info *info, FILE *f);
/* Write it to path atomically (temp file + rename, mode 0644). 0 or -errno. */
int nh_metrics_write(const struct nh_core_snapshot *s, const struct nh_metrics_info *info, const char *path);

#endif
