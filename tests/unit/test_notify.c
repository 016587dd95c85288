/* sd_notify messages, received on our own NOTIFY_SOCKET (a path and an
 * abstract socket), byte for byte. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "service/notify.h"

struct listener {
	int fd;
	char path[108];
};

/* Bind a datagram socket at name ("@..." abstract) and point NOTIFY_SOCKET at it. */
static void listen_at(struct listener *l, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	struct timeval tv = { .tv_sec = 2 };

	snprintf(l->path, sizeof(l->path), "%s", name);
	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	else
		unlink(name);
	l->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", name, 1), 0);
}

static void listener_close(struct listener *l)
{
	close(l->fd);
	if (l->path[0] != '@')
		unlink(l->path);
	unsetenv("NOTIFY_SOCKET");
}

static void expect(struct listener *l, const char *want)
{
	char buf[1024];
	ssize_t n = recv(l->fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void exchange(struct listener *l)
{
	char buf[256];
	unsigned long long usec, now;
	struct timespec ts;
	ssize_t n;

	assert_int_equal(nh_notify_ready("3 namespaces, 0 drifting, 12 heals"), 0);
	expect(l, "READY=1\nSTATUS=3 namespaces, 0 drifting, 12 heals");
	assert_int_equal(nh_notify_ready(NULL), 0);
	expect(l, "READY=1");
	assert_int_equal(nh_notify_status("%d namespaces, %d drifting", 1, 1), 0);
	expect(l, "STATUS=1 namespaces, 1 drifting");
	/* A newline would smuggle in another assignment. */
	assert_int_equal(nh_notify_status("evil\nREADY=1"), 0);
	expect(l, "STATUS=evil READY=1");
	assert_int_equal(nh_notify_watchdog(), 0);
	expect(l, "WATCHDOG=1");
	assert_int_equal(nh_notify_stopping(), 0);
	expect(l, "STOPPING=1");

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull;
	assert_int_equal(nh_notify_reloading(), 0);
	n = recv(l->fd, buf, sizeof(buf) - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu", &usec), 1);
	assert_true(usec >= now && usec < now + 5000000ull);
	assert_non_null(strstr(buf, "\n"));
	assert_null(strchr(strchr(buf, '\n') + 1, '\n'));
}

static void test_path_socket(void **state)
{
	struct listener l;
	char path[64];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/netheal-notify-%d.sock", (int)getpid());
	listen_at(&l, path);
	exchange(&l);
	listener_close(&l);
}

static void test_abstract_socket(void **state)
{
	struct listener l;
	char name[64];

	(void)state;
	snprintf(name, sizeof(name), "@netheal-notify-%d", (int)getpid());
	listen_at(&l, name);
	exchange(&l);
	listener_close(&l);
}

static void test_not_under_systemd(void **state)
{
	uint64_t usec = 7;

	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(nh_notify_ready("x"), 0);
	assert_int_equal(nh_notify_stopping(), 0);
	assert_int_equal(nh_notify_watchdog(), 0);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(nh_notify_watchdog_usec(&usec), 0);
	assert_int_equal(usec, 7);
}

static void test_watchdog_usec(void **state)
{
	char pid[32];
	uint64_t usec = 0;

	(void)state;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(nh_notify_watchdog_usec(&usec), 1);
	assert_int_equal(usec, 30000000);
	/* Meant for another process (e.g. our parent): not ours to ping. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(nh_notify_watchdog_usec(&usec), 0);
	unsetenv("WATCHDOG_PID");
	assert_int_equal(nh_notify_watchdog_usec(&usec), 1);
	setenv("WATCHDOG_USEC", "junk", 1);
	assert_true(nh_notify_watchdog_usec(&usec) < 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_socket),
		cmocka_unit_test(test_abstract_socket),
		cmocka_unit_test(test_not_under_systemd),
		cmocka_unit_test(test_watchdog_usec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
