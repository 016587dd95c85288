/*
 * sd_notify for `netheal run` (SPEC §5.6), through libsystemd so that
 * NOTIFY_SOCKET (paths, abstract sockets, vsock) is handled as systemd does.
 * Every function returns 0 also when not run by systemd (no NOTIFY_SOCKET),
 * or -errno when sending failed; callers log and carry on.
 * NOTIFY_SOCKET stays in the environment: the service notifies for its
 * whole life. Hooks do not get it (actions/hooks.c removes it from their
 * environment), and the unit's NotifyAccess=main makes sure.
 */
#ifndef NETHEAL_SERVICE_NOTIFY_H
#define NETHEAL_SERVICE_NOTIFY_H

#include <stdint.h>

#include "common/util.h"

/* "READY=1\nSTATUS=<status>" (STATUS= left out when status is NULL). After
 * the first convergence, and at the end of a reload. */
int nh_notify_ready(const char *status);
/* "RELOADING=1\nMONOTONIC_USEC=<now>": on SIGHUP, before re-reading the
 * configuration (systemd ≥ 253 wants the timestamp; older ones ignore it). */
int nh_notify_reloading(void);
/* "STOPPING=1" on SIGTERM/SIGINT. */
int nh_notify_stopping(void);
/* "STATUS=<one line>". Newlines in the text become spaces: a newline would
 * start another assignment. */
int nh_notify_status(const char *fmt, ...) NH_PRINTF(1, 2);
/* "WATCHDOG=1". */
int nh_notify_watchdog(void);
/* Whether systemd expects watchdog pings from this process
 * (sd_watchdog_enabled: WATCHDOG_USEC set, WATCHDOG_PID ours or unset):
 * 1 and *usec the timeout (ping every *usec / 2), 0 when not, -errno. */
int nh_notify_watchdog_usec(uint64_t *usec);

#endif
