/*
 * The floor (SPEC §8): the kernel requests netheal issues for the same work,
 * one after another, each waiting for its ack, with no reading of state and
 * no decisions. What is left is what the kernel itself costs.
 */
#ifndef NETHEAL_BENCH_FLOOR_H
#define NETHEAL_BENCH_FLOOR_H

#include "nlutil.h"
#include "topo.h"

/* The perturbations of the heal-latency benchmark. */
enum nb_break {
	NB_ADDR = 0,            /* the namespace's address deleted */
	NB_ROUTE,               /* its default route deleted */
	NB_DOWN,                /* its veth end set down */
	NB_VETH,                /* its veth end deleted (the peer goes with it) */
	NB_NETNS,               /* the whole namespace deleted */
	NB_FORWARD,             /* its net.ipv4.ip_forward set to 0 */
	NB_MATCHED_ADDR,        /* beyond 1000: a matched namespace's address on lo
				   deleted (its nsid in the host is at the back: the
				   kernel's walk for a listen-all socket is longest) */
	NB_BREAK__COUNT
};

const char *nb_break_to_string(enum nb_break b);
int nb_break_from_string(const char *s);        /* -EINVAL when unknown */

struct nb_floor {
	struct nb_ns host;      /* the namespace br1 lives in */
	int ipv4_dir[NB_OPTION2_MAX];   /* ns<i>'s /proc/sys/net/ipv4 as netheal keeps it, or -1 */
};

int nb_floor_open(struct nb_floor *f);
void nb_floor_close(struct nb_floor *f);
/* Open and keep /proc/sys/net/ipv4 of the first n namespaces of Option 2
 * shape, as netheal has its own by the time it is ready: ip_forward is
 * then written below it (nb_forward_set_below). 0 or -errno. */
int nb_floor_keep_sysctl_dirs(struct nb_floor *f, unsigned int n);

/* Cold convergence of n namespaces (converge.c), in netheal's order: each
 * step for every namespace before the next step (netheal sorts its plan by
 * dependency, and a bridge takes ports faster while it is down): the
 * namespaces, the bridge, the pairs, their sysctl, the masters, the bridge
 * up, the host ends up, lo and the inner ends up, the addresses, the
 * routes; then, beyond 1000, each matched namespace (topo.h). */
int nb_floor_converge(struct nb_floor *f, unsigned int n);

/* Put back what break b took from namespace i (NB_MATCHED_ADDR: matched
 * namespace i, qrouter-<i>). ns is a request socket in that namespace; for
 * NB_NETNS it is closed on entry and opened here on the new namespace. Returns 0 or the first failing request's -errno. */
int nb_floor_restore(struct nb_floor *f, enum nb_break b, unsigned int i, struct nb_ns *ns);

#endif
