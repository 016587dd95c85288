/*
 * The benchmark topology (SPEC §8). Up to 1000 namespaces: SPEC §1 Option 2
 * repeated N times on one bridge. Host: bridge br1 with 10.1.0.1/16.
 * Namespace i (0-based): ns<i> holding veth v<i> with
 * 10.1.(1 + i / 250).(1 + i % 250)/16, its peer h<i> a port of br1 in the
 * host, a default route via 10.1.0.1, lo up, net.ipv4.ip_forward=1 (a
 * router namespace). Beyond 1000 (a network node, 10,000): 1000 of that
 * shape, and N - 1000 namespaces qrouter-<j> that another agent creates
 * (the benchmark, `ip netns add`) and a `match` rule covers: lo up with
 * 198.51.100.1/32, net.ipv4.ip_forward=1.
 * bench/gen.py writes the same topology as a policy and as an ip script;
 * keep the two in step.
 */
#ifndef NETHEAL_BENCH_TOPO_H
#define NETHEAL_BENCH_TOPO_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>

#define NB_NETNS_DIR "/run/netns"
#define NB_BRIDGE "br1"
#define NB_PREFIX_LEN 16
#define NB_GATEWAY_BE htonl(0x0a010001u)       /* 10.1.0.1 */
#define NB_MAX_NAMESPACES 62500u               /* 10.1.1.1 .. 10.1.250.250 */
#define NB_OPTION2_MAX 1000u                    /* ports of one bridge */
#define NB_MATCHED_PREFIX "qrouter-"
#define NB_MATCHED_ADDR_BE htonl(0xc6336401u)  /* 198.51.100.1/32 on lo */
#define NB_MATCHED_PREFIX_LEN 32
#define NB_FORWARD_KEY "/proc/sys/net/ipv4/ip_forward"

struct nb_names {
	char netns[24];         /* ns<i>; a matched one: qrouter-<j> */
	char inner[16];         /* v<i>, in ns<i>; matched: lo */
	char outer[16];         /* h<i>, port of br1 in the host; matched: "" */
	uint32_t addr_be;       /* v<i>'s address, network byte order */
	unsigned int prefix_len;
};

static inline void nb_names(unsigned int i, struct nb_names *n)
{
	snprintf(n->netns, sizeof(n->netns), "ns%u", i);
	snprintf(n->inner, sizeof(n->inner), "v%u", i);
	snprintf(n->outer, sizeof(n->outer), "h%u", i);
	n->addr_be = htonl(0x0a010000u | ((1u + i / 250u) << 8) | (1u + i % 250u));
	n->prefix_len = NB_PREFIX_LEN;
}

/* Of n namespaces, those of Option 2 shape; the rest are matched. */
static inline unsigned int nb_option2(unsigned int n)
{
	return n < NB_OPTION2_MAX ? n : NB_OPTION2_MAX;
}

static inline void nb_matched_name(unsigned int j, char *buf, size_t size)
{
	snprintf(buf, size, NB_MATCHED_PREFIX "%u", j);
}

/* Matched namespace j as the heal benchmark breaks it: its address on lo;
 * no veth, no host end, no route. */
static inline void nb_matched_names(unsigned int j, struct nb_names *n)
{
	nb_matched_name(j, n->netns, sizeof(n->netns));
	snprintf(n->inner, sizeof(n->inner), "lo");
	n->outer[0] = '\0';
	n->addr_be = NB_MATCHED_ADDR_BE;
	n->prefix_len = NB_MATCHED_PREFIX_LEN;
}

#endif
