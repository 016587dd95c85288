/*
 * Test driver for tests/integration/nsid_reuse.sh: an nsid the kernel
 * frees and gives to another namespace while events tagged with it still
 * wait on the monitor's one event socket. (Found by the chaos soak at
 * 1000 namespaces, seed 11: s8 and s758 rebuilt a moment apart, s758's
 * view filled with s8's links, and a veth for s758 went into s8.)
 * Inside tests/sandbox.sh, with the netns directory DIR:
 *
 *   nsid_reuse DIR [overrun]
 *
 * 1. old-a is made with a veth from the host, so the kernel gives it an
 *    id A itself (the lowest free one); a monitor with a loop adopts it.
 * 2. With the loop not running, so its events wait on the socket tagged
 *    A: a bridge stale0 is made in old-a, old-a is deleted and the
 *    monitor lets it go (a rescan). Once the kernel has freed A, new-b is
 *    made the same way and gets A again; the monitor adopts it.
 * 3. The loop runs: stale0's events are old-a's and must not reach new-b
 *    (neither its state nor its event callback); a bridge fresh0 made in new-b then must (its own
 *    events reach it).
 *
 * With "overrun", old-a is kept alive by a descriptor of the driver when
 * it is deleted, the event socket is overrun (a tiny receive buffer, a
 * burst) while its id is retired, and stale0 is made in old-a after the
 * overrun, through that descriptor; then the descriptor is closed, which
 * frees the id. An overrun must not forget an id whose namespace still
 * lives.
 *
 * Prints what it saw. Exit 0: passed; 1: failed; 77: the kernel did not
 * give A again (nothing to test).
 */
#include <ev.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "monitor/monitor.h"

static int sh(const char *cmd)
{
	int r = system(cmd);

	if (r != 0)
		fprintf(stderr, "nsid_reuse: `%s` failed (%d)\n", cmd, r);
	return r;
}

/* Whether the host's table holds nsid now (ip netns list-id). */
static int nsid_listed(int nsid)
{
	char line[256], want[32];
	FILE *f = popen("ip netns list-id", "r");
	int found = 0;

	if (!f)
		return -1;
	snprintf(want, sizeof(want), "nsid %d ", nsid);
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, want, strlen(want)) == 0)
			found = 1;
	pclose(f);
	return found;
}

static void run_loop(struct ev_loop *loop, int ms)
{
	const struct timespec tick = { .tv_nsec = 10 * 1000000L };

	for (int i = 0; i < ms / 10; i++) {
		ev_run(loop, EVRUN_NOWAIT);
		nanosleep(&tick, NULL);
	}
}

static int has_link(struct nh_monitor *m, const char *netns, const char *link)
{
	struct nh_ns *ns = nh_monitor_find(m, netns);

	return ns && nh_state_link_by_name(&ns->obs.have, link) != NULL;
}

/* Events delivered to new-b that name stale0: the view is read again on
 * the id's RTM_DELNSID, so the state alone would not show them. */
static int stale_events;

static void on_event(struct nh_monitor *m, struct nh_ns *ns, const struct nh_nl_event *ev, void *ctx)
{
	(void)m;
	(void)ctx;
	if (strcmp(ns->name, "new-b") == 0 && ev->obj == NH_OBJ_LINK && strcmp(ev->link.name, "stale0") == 0)
		stale_events++;
}

static const struct nh_monitor_ops ops = { .event = on_event };

int main(int argc, char **argv)
{
	struct ev_loop *loop = ev_default_loop(0);
	struct nh_monitor *m;
	struct nh_ns *a, *b;
	int id_a, failed = 0, keep = -1;
	bool overrun = argc == 3 && strcmp(argv[2], "overrun") == 0;
	char cmd[256];

	if (argc != 2 && !overrun) {
		fprintf(stderr, "usage: nsid_reuse DIR [overrun]\n");
		return 2;
	}
	if (sh("ip netns add old-a && ip link add ha type veth peer name va netns old-a"))
		return 1;
	if (nh_monitor_new(loop, argv[1], 0, &ops, NULL, &m) < 0 || !(a = nh_monitor_find(m, "old-a"))) {
		fprintf(stderr, "nsid_reuse: the monitor did not adopt old-a\n");
		return 1;
	}
	id_a = a->nsid;
	printf("old-a adopted with nsid %d (the kernel's)\n", id_a);
	run_loop(loop, 100);

	if (overrun) {
		keep = open("/run/netns/old-a", O_RDONLY | O_CLOEXEC);
		if (keep < 0 || sh("ip netns del old-a"))
			return 1;
		nh_monitor_scan(m);
		/* a burst the socket cannot hold while old-a's id is retired */
		nh_monitor_set_rcvbuf(m, 4096);
		if (sh("for i in $(seq 1 200); do echo addr add 198.51.100.$i/32 dev ha; done | ip -batch -"))
			return 1;
		run_loop(loop, 300);
		nh_monitor_set_rcvbuf(m, NH_MONITOR_RCVBUF_DEFAULT);   /* no overrun after this one */
		run_loop(loop, 100);
		printf("overrun with old-a let go but alive\n");
		/* events tagged id_a from here: made through the kept descriptor */
		snprintf(cmd, sizeof(cmd), "nsenter --net=/proc/%d/fd/%d ip link add stale0 type bridge",
			 (int)getpid(), keep);
		if (sh(cmd))
			return 1;
		close(keep);            /* old-a goes, and its id with it */
	} else {
		/* events tagged id_a wait on the socket from here */
		if (sh("ip -n old-a link add stale0 type bridge && ip netns del old-a"))
			return 1;
		nh_monitor_scan(m);
	}
	for (int i = 0; i < 500 && nsid_listed(id_a) == 1; i++)
		usleep(10000);
	if (nsid_listed(id_a) != 0) {
		printf("the kernel kept nsid %d: nothing to test\n", id_a);
		return 77;
	}
	if (sh("ip netns add new-b && ip link add hb type veth peer name vb netns new-b"))
		return 1;
	if (nh_monitor_adopt(m, "new-b", &b) < 0) {
		fprintf(stderr, "nsid_reuse: new-b not adopted\n");
		return 1;
	}
	printf("new-b adopted with nsid %d\n", b->nsid);
	if (b->nsid != id_a) {
		printf("the kernel gave new-b another id: nothing to test\n");
		return 77;
	}

	run_loop(loop, 300);
	if (has_link(m, "new-b", "stale0") || stale_events) {
		printf("FAIL: old-a's bridge stale0 (events tagged nsid %d before it was freed) reached new-b "
		       "(%d events; in its state: %s)\n", id_a, stale_events,
		       has_link(m, "new-b", "stale0") ? "yes" : "no");
		failed = 1;
	} else {
		printf("old-a's waiting events did not reach new-b\n");
	}
	if (sh("ip -n new-b link add fresh0 type bridge"))
		return 1;
	run_loop(loop, 300);
	if (!has_link(m, "new-b", "fresh0") || !has_link(m, "new-b", "vb")) {
		printf("FAIL: new-b's own events are not seen (fresh0 %s, vb %s)\n",
		       has_link(m, "new-b", "fresh0") ? "seen" : "missing",
		       has_link(m, "new-b", "vb") ? "seen" : "missing");
		failed = 1;
	} else {
		printf("new-b's own events reach it (fresh0 seen)\n");
	}
	nh_monitor_free(m);
	ev_loop_destroy(loop);
	return failed;
}
