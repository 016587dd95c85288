/*
 * The benchmark topology: SPEC §1 Option 2 repeated N times on one bridge.
 * Host: bridge br1 with 10.1.0.1/16. Namespace i (0-based): ns<i> holding
 * veth v<i> with 10.1.(1 + i / 250).(1 + i % 250)/16, its peer h<i> a port
 * of br1 in the host, a default route via 10.1.0.1, lo up.
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

struct nb_names {
	char netns[16];         /* ns<i> */
	char inner[16];         /* v<i>, in ns<i> */
	char outer[16];         /* h<i>, port of br1 in the host */
	uint32_t addr_be;       /* v<i>'s address, network byte order */
};

static inline void nb_names(unsigned int i, struct nb_names *n)
{
	snprintf(n->netns, sizeof(n->netns), "ns%u", i);
	snprintf(n->inner, sizeof(n->inner), "v%u", i);
	snprintf(n->outer, sizeof(n->outer), "h%u", i);
	n->addr_be = htonl(0x0a010000u | ((1u + i / 250u) << 8) | (1u + i % 250u));
}

#endif
