/*
 * Link kinds, the policy half (SPEC §3.1 `kind`). One kind is one module in
 * two halves, as netifd's struct device_type and systemd's NetDevVTable:
 *
 *   policy/kind_<name>.c    its name, what netheal may do with it (the
 *                           NH_KIND_* flags) and its own keys with their
 *                           checks. No libmnl here: policy/ cannot reach
 *                           the kernel.
 *   netlink/kind_<name>.c   the kernel half: its IFLA_INFO_DATA parsed into
 *                           struct nh_link, and its create request.
 *
 * Each half is registered in one list: NH_KINDS below, NH_NL_KINDS in
 * netlink/kind.h. Adding a kind is adding its two files (and their meson
 * lines) and one line to each list; nothing else names a kind.
 *
 * A link with no kind (lo, a port someone else made) has kind NULL.
 * Observed links of a kind netheal does not know (ifb, tun, ...) have kind
 * NULL and their kernel name in nh_link.kind_name.
 */
#ifndef NETHEAL_POLICY_KIND_H
#define NETHEAL_POLICY_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What netheal may do with links of a kind. */
#define NH_KIND_CREATABLE      (1u << 0)  /* created when missing (SPEC §3.1: veth, bridge, ...) */
#define NH_KIND_MOVABLE        (1u << 1)  /* a managed link found in another namespace is moved back;
					     not a bridge (the kernel's NETIF_F_NETNS_LOCAL) */
#define NH_KIND_NEEDS_PARENT   (1u << 2)  /* `parent` is required */
#define NH_KIND_PARENT_IN_HOST (1u << 3)  /* the parent lives in the host: created there and moved in
					     the same request */
#define NH_KIND_PAIR           (1u << 4)  /* veth: two ends, made by one request */
#define NH_KIND_FROM_HOST      (1u << 5)  /* `physical`: any device of the name, never created, moved
					     here from the host namespace (SPEC §1 Option 1) */
#define NH_KIND_TAKES_PORTS    (1u << 6)  /* may be another link's `master` */

struct nh_kind_syntax;  /* its keys and checks, for the parser: policy/parse_int.h */

struct nh_kind {
	const char *name;               /* the policy's `kind` and the kernel's IFLA_INFO_KIND */
	uint32_t flags;                 /* NH_KIND_* */
	const struct nh_kind_syntax *syntax;    /* keys of its own; NULL: none */
};

/*
 * The registry: one line per kind, each defined as nh_kind_<name> in
 * policy/kind_<name>.c. The order is the order of messages that list kinds.
 */
#define NH_KINDS(X) \
	X(physical) \
	X(veth) \
	X(bridge) \
	X(macvlan) \
	X(macvtap) \
	X(vxlan) \
	X(dummy) \
	X(vlan)

#define NH_KIND_DECLARE(k) extern const struct nh_kind nh_kind_##k;
NH_KINDS(NH_KIND_DECLARE)

/* The kinds in registry order: i < nh_kind_count(). */
size_t nh_kind_count(void);
const struct nh_kind *nh_kind_at(size_t i);

/* A policy's `kind` value: NULL when no kind has that name. */
const struct nh_kind *nh_kind_by_name(const char *name);
/* The kernel's IFLA_INFO_KIND: NULL for kinds netheal does not know and
 * for policy-only kinds (`physical` is no kernel kind). */
const struct nh_kind *nh_kind_from_kernel(const char *info_kind);

/* "" for NULL (no kind). */
const char *nh_kind_name(const struct nh_kind *k);
bool nh_kind_has(const struct nh_kind *k, uint32_t flag);

/* "veth, bridge, macvlan, vxlan, dummy or vlan": the kinds with all of
 * flags (0: every kind), as a message lists them. Returns buf. */
const char *nh_kind_list(uint32_t flags, char *buf, size_t size);

#endif
