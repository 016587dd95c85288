/*
 * `netheal export` (SPEC §2): observed state → a policy in the §3 language.
 * Pure: cmd/export.c reads the kernel, this writes text. What it writes
 * passes `check` and, given back as the policy, makes `plan` exit 0; it is
 * deterministic (every list sorted, no time or host name in it).
 *
 * Left out, each with a line on the notes stream when it is not merely the
 * kernel's own: what the kernel makes by itself (links a new namespace
 * already has, but lo; link-local, loopback, temporary and dynamic
 * addresses; routes of protocol kernel, redirect, ra and dhcp; its default
 * rules), names a policy may not hold (a link with '%', ':' or whitespace,
 * a namespace with a control character) and everything that refers to
 * them, and what the language cannot say (a rule with other selectors, a
 * route with several nexthops or a gateway of another family, a link whose
 * parent is not in the host, a veth whose peer is in a namespace not
 * written). An address held with noprefixroute is written without it, with
 * a note (a policy cannot say it).
 */
#ifndef NETHEAL_POLICY_EXPORT_H
#define NETHEAL_POLICY_EXPORT_H

#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* One namespace as the kernel has it. In have: links with their veth peer
 * resolved across namespaces (peer_name, and peer_netns: the namespace the
 * peer is in, this one's own name when it is here; NH_LINK_HAS_PEER only
 * when known) and a parent kind's parent only when it is in the host
 * (NH_LINK_HAS_PARENT); addresses, routes, rules, permanent neighbours;
 * sysctls: every setting (nh_sysctl_read_all). */
struct nh_export_ns {
	const char *name;               /* "" = the host */
	const struct nh_state *have;
};

struct nh_export {
	const struct nh_export_ns *ns;  /* the namespaces to write: the host ("") first, then by name */
	size_t n;
	/* A new namespace as the kernel makes it (nh_netns_fresh): its links
	 * (those are the kernel's, left out) and its sysctls (the defaults a
	 * named namespace's settings are compared with). */
	const struct nh_state *fresh;
	/* The defaults the host's settings are compared with (SPEC §2: the
	 * kernel's): cmd/export.c says how it makes them. */
	const struct nh_state *host_defaults;
	/* One namespace only (export --netns): every namespace read, the
	 * host ("") too, so that a veth whose ends are in one written and one
	 * not is written as the whole export writes it: at its primary end,
	 * the peer described from known's state (its master, up, MTU, MAC
	 * and addresses), or left to the other namespace's export (a note
	 * says which). NULL for a whole export. */
	const struct nh_export_ns *known;
	size_t n_known;
};

/* Write x as a policy to out, and one line per object left out for a
 * reason worth knowing to notes. Returns 0, or -EIO when out fails. */
int nh_export_write(const struct nh_export *x, FILE *out, FILE *notes);

/* The writer a link kind's own keys go through (struct nh_kind_syntax's
 * write, policy/parse_int.h): each call writes ` KEY = VALUE;`. */
struct nh_export_writer;
void nh_ew_str(struct nh_export_writer *w, const char *key, const char *value);
void nh_ew_uint(struct nh_export_writer *w, const char *key, uint64_t value);
void nh_ew_ip(struct nh_export_writer *w, const char *key, const struct nh_prefix *ip);

#endif
