#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

/* sd_notify: > 0 sent, 0 no NOTIFY_SOCKET, < 0 -errno. */
static int send_state(const char *state)
{
	int r = sd_notify(0, state);

	return r < 0 ? r : 0;
}

/* Copy text into buf as one line. */
static void one_line(char *buf, size_t size, const char *text)
{
	snprintf(buf, size, "%s", text);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

int nh_notify_ready(const char *status)
{
	char line[512], msg[600];

	if (!status)
		return send_state("READY=1");
	one_line(line, sizeof(line), status);
	snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", line);
	return send_state(msg);
}

int nh_notify_reloading(void)
{
	struct timespec ts;
	char msg[64];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull);
	return send_state(msg);
}

int nh_notify_stopping(void)
{
	return send_state("STOPPING=1");
}

int nh_notify_status(const char *fmt, ...)
{
	char text[512], line[512], msg[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	one_line(line, sizeof(line), text);
	snprintf(msg, sizeof(msg), "STATUS=%s", line);
	return send_state(msg);
}

int nh_notify_watchdog(void)
{
	return send_state("WATCHDOG=1");
}

int nh_notify_watchdog_usec(uint64_t *usec)
{
	uint64_t u = 0;
	int r = sd_watchdog_enabled(0, &u);

	if (r <= 0)
		return r;
	*usec = u;
	return 1;
}
