/*
 * The state model. The same structs hold what the policy wants (desired) and
 * what the kernel has (observed), so one equal() and one key_cmp() per object
 * kind serve the parser, the diff, `plan` and the tests.
 *
 * Optional fields are marked in a `has` bitmask, never by sentinel values.
 * Fields under "observed only" are zero in desired state; fields under
 * "desired only" are zero in observed state.
 */
#ifndef NETHEAL_POLICY_MODEL_H
#define NETHEAL_POLICY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NH_IFNAMSIZ 16          /* 15 bytes + NUL, as the kernel's IFNAMSIZ */
#define NH_NETNS_NAMSIZ 256     /* a file name in netns_dir */

/* Where a policy object was written: for FILE:LINE in every message. The
 * file string is owned by the policy (struct nh_policy.files). */
struct nh_origin {
	const char *file;
	unsigned int line;
};

/* "FILE:LINE" of an origin, or "" when unknown. */
const char *nh_origin_str(const struct nh_origin *o, char *buf, size_t size);

/* ---- addresses ---------------------------------------------------------- */

/* An IP address with a prefix length. family is AF_INET or AF_INET6; bytes
 * past the family's address size are zero. A plain address (gateway, vxlan
 * remote) has len 32 or 128. */
struct nh_prefix {
	uint8_t family;
	uint8_t len;
	uint8_t addr[16];
};

/* p with its host bits cleared: an address's network (10.1.1.100/24 →
 * 10.1.1.0/24). */
struct nh_prefix nh_prefix_network(const struct nh_prefix *p);
/* "10.1.1.100/24" → prefix. Returns 0 or -EINVAL. */
int nh_prefix_parse(const char *s, struct nh_prefix *out);
/* "10.1.1.1" (no prefix) → prefix with the full length. */
int nh_ip_parse(const char *s, struct nh_prefix *out);
/* Why s is not ADDR/PREFIX, in words for an error message after a colon
 * ("the prefix length is missing (10.1.5.10/32 for the address alone)",
 * "an IPv4 prefix length is 0 to 32", ...), written to buf (≥ 128 bytes
 * serves every case); NULL when s is one (nh_prefix_parse takes it). */
const char *nh_prefix_why_not(const char *s, char *buf, size_t size);
/* Format as "ADDR/LEN" (or "ADDR" when want_len is false). buf ≥ 64. */
const char *nh_prefix_str(const struct nh_prefix *p, bool want_len, char *buf, size_t size);
/* A route's destination as the policy writes it: "default" for length 0,
 * else "ADDR/LEN". Returns buf (≥ 64 bytes). */
const char *nh_prefix_dst_str(const struct nh_prefix *p, char *buf, size_t size);
int nh_prefix_cmp(const struct nh_prefix *a, const struct nh_prefix *b);
bool nh_prefix_contains(const struct nh_prefix *net, const struct nh_prefix *ip);
/* 224.0.0.0/4, ff00::/8 */
bool nh_ip_is_multicast(const struct nh_prefix *ip);
/* 0.0.0.0 or :: (the prefix length aside) */
bool nh_ip_is_unspecified(const struct nh_prefix *ip);
/* fe80::/10: on every link, so the kernel needs a device to use it */
bool nh_ip_is_link_local6(const struct nh_prefix *ip);
size_t nh_family_addr_len(int family);

/* An address on a link. Namespaces hold their addresses in one array, keyed
 * by (link, prefix). */
struct nh_address {
	char link[NH_IFNAMSIZ];
	struct nh_prefix prefix;
	/* observed only */
	int ifindex;
	uint32_t flags;         /* IFA_F_* (IFA_FLAGS, else ifa_flags) */
	bool dynamic;           /* a finite valid lifetime (IFA_CACHEINFO): SLAAC, DHCP */
	/* desired only */
	struct nh_origin origin;
};

int nh_address_key_cmp(const struct nh_address *a, const struct nh_address *b);
bool nh_address_equal(const struct nh_address *a, const struct nh_address *b);

/* ---- routes ------------------------------------------------------------- */

#define NH_ROUTE_HAS_VIA    (1u << 0)
#define NH_ROUTE_HAS_DEV    (1u << 1)
#define NH_ROUTE_HAS_METRIC (1u << 2)

#define NH_RT_TABLE_MAIN 254
#define NH_RTPROT_NETHEAL 88    /* our routing protocol number, see etc/rt_protos.d */

struct nh_route {
	uint32_t has;
	struct nh_prefix dst;   /* "default" is len 0 */
	struct nh_prefix via;
	char dev[NH_IFNAMSIZ];
	uint32_t metric;        /* 0 when absent, as the kernel reports it */
	uint32_t table;         /* NH_RT_TABLE_MAIN by default */
	/* observed only */
	int oif;
	uint8_t protocol;
	uint8_t type;           /* RTN_UNICAST (0 taken as it), or RTN_BLACKHOLE, _UNREACHABLE,
				   _PROHIBIT, _THROW: the monitor keeps those too, since they
				   hold a key a policy route may want (nh_route_satisfied) */
	bool multipath;         /* RTA_MULTIPATH with more than one nexthop: via/oif are the first's */
	uint32_t nh_id;         /* RTA_NH_ID: the nexthop object it uses (0: none); deleting that
				   object deletes the route, and for IPv4 the kernel says nothing of
				   the route (fib_flush sends no RTM_DELROUTE) */
	/* desired only */
	bool replace;           /* SPEC §3.1: a route of the same key but another gateway or
				   device is replaced (NLM_F_REPLACE), not reported as a conflict */
	struct nh_origin origin;
};

/* Key: (family, table, dst, metric). */
int nh_route_key_cmp(const struct nh_route *a, const struct nh_route *b);
/* A desired route is satisfied by an observed one with the same key whose
 * gateway and device match (device only when the desired route names one). */
bool nh_route_satisfied(const struct nh_route *want, const struct nh_route *have);
/* "blackhole", "unreachable", "prohibit", "throw"; NULL for a unicast route */
const char *nh_route_type_word(const struct nh_route *r);

/* ---- MAC addresses ------------------------------------------------------ */

#define NH_MAC_STRLEN 18        /* "aa:bb:cc:dd:ee:ff" and its NUL */

/*
 * Parse s as a MAC address into the 6 bytes at out: exactly six groups of
 * one or two hex digits (either case) separated by ':', nothing before or
 * after ("02:00:00:00:00:0a", "2:0:0:0:0:A"). The conversion is glibc's
 * ether_aton_r(); the shape is checked first, as ether_aton_r() ignores what
 * follows the sixth group. Returns 0, or -EINVAL with out untouched.
 * Multicast and all-zero addresses parse: whoever refuses them says why.
 */
int nh_mac_parse(const char *s, uint8_t out[6]);

/* Format mac the way iproute2 does, lower case and zero-padded:
 * "aa:bb:cc:dd:ee:ff". buf holds size ≥ NH_MAC_STRLEN bytes (a smaller
 * one gets the text cut short, NUL-terminated when size > 0). Returns buf. */
const char *nh_mac_str(const uint8_t mac[6], char *buf, size_t size);

/* ---- links -------------------------------------------------------------- */

struct nh_kind;          /* a link kind: policy/kind.h; NULL = no kind */

enum nh_macvlan_mode {
	NH_MACVLAN_BRIDGE = 0,
	NH_MACVLAN_PRIVATE,
	NH_MACVLAN_VEPA,
	NH_MACVLAN_PASSTHRU,
	NH_MACVLAN__COUNT
};
/* "bridge", ...; "?" out of range. The names are macvlan's
 * (policy/kind_macvlan.c), shared by macvtap. */
const char *nh_macvlan_mode_to_string(enum nh_macvlan_mode m);
int nh_macvlan_mode_from_string(const char *s);     /* the mode, or -EINVAL when unknown */

#define NH_LINK_HAS_UP           (1u << 0)
#define NH_LINK_HAS_MTU          (1u << 1)
#define NH_LINK_HAS_MAC          (1u << 2)
#define NH_LINK_HAS_MASTER       (1u << 3)
#define NH_LINK_HAS_PARENT       (1u << 4)
#define NH_LINK_HAS_ID           (1u << 5)
#define NH_LINK_HAS_MACVLAN_MODE (1u << 6)
#define NH_LINK_HAS_REMOTE       (1u << 7)
#define NH_LINK_HAS_LOCAL        (1u << 8)
#define NH_LINK_HAS_GROUP        (1u << 9)
#define NH_LINK_HAS_PORT         (1u << 10)
#define NH_LINK_HAS_PEER         (1u << 11)  /* veth: peer_name (and peer_netns) set */

/* Desired only: this end of a veth pair is created by its partner (the link
 * written in the policy with the `peer` group). The diff heals its settings
 * but never creates it on its own. */
#define NH_LINK_FLAG_PEER_END    (1u << 0)
/* Desired only, set by nh_rule_index_refs: another object of the rule names
 * this link (an address, a route's dev, a per-link sysctl, a neighbour's
 * dev, a rule's iif or oif, a link's master or parent), so its plan decides
 * more than its own actions (policy/diff.h, nh_diff_netns_links). */
#define NH_LINK_FLAG_REFERENCED  (1u << 1)

struct nh_link {
	char name[NH_IFNAMSIZ];
	/* policy: the `kind`, NULL when absent (the link must exist).
	 * observed: IFLA_INFO_KIND when netheal knows the kind, else NULL
	 * (kind_name says what it is: "" for lo or a NIC, "ifb", ...). */
	const struct nh_kind *kind;
	uint32_t has;
	uint32_t flags;                 /* NH_LINK_FLAG_* */
	bool up;                        /* administrative state (IFF_UP) */
	bool replace;
	uint32_t mtu;
	uint8_t mac[6];
	char master[NH_IFNAMSIZ];
	char parent[NH_IFNAMSIZ];
	uint32_t id;                    /* vlan id, vxlan VNI */
	enum nh_macvlan_mode macvlan_mode;
	struct nh_prefix remote, local, group;
	uint16_t port;
	/* veth: the other end. peer_netns "" is the host namespace. In desired
	 * state both ends are links of their own namespaces and name each other. */
	char peer_name[NH_IFNAMSIZ];
	char peer_netns[NH_NETNS_NAMSIZ];

	/* observed only */
	int ifindex;
	int master_index;
	int link_index;                 /* IFLA_LINK: veth peer / lower device */
	int link_netnsid;               /* IFLA_LINK_NETNSID, -1 when absent */
	char kind_name[NH_IFNAMSIZ];    /* IFLA_INFO_KIND as the kernel says it, "" without one */
	bool oper_up;                   /* IFF_LOWER_UP */

	/* desired only */
	struct nh_origin origin;
	struct nh_origin peer_origin;   /* where the `peer` group was written */
};

int nh_link_key_cmp(const struct nh_link *a, const struct nh_link *b);   /* by name */

/* Validity of names (SPEC §3.1), without messages (policy/parse_keys.c):
 * an interface name is 1-15 bytes, no '/', ':', '%', whitespace or control
 * byte, not "." or ".."; a namespace name is a file name of 1-255 bytes
 * without '/' or control bytes, not "." or "..", nor "-" (the host's name
 * in logs, status and options). */
bool nh_ifname_valid(const char *s);
bool nh_netns_name_valid(const char *s);

/* ---- sysctls (SPEC §3.1 `sysctl`) ----------------------------------------- */

/* A key of at most 88 bytes (the longest the kernel has is about 55), so
 * that "sysctl:KEY", SPEC §6's object, fits the 96 bytes every object has. */
#define NH_SYSCTL_KEYSIZ 89
#define NH_SYSCTL_VALSIZ 256

/*
 * A setting under /proc/sys/net of one namespace, named as sysctl.conf
 * names it ("net.ipv4.ip_forward"). Keys are unique per namespace. The
 * value is kept normalized (nh_sysctl_value_normalize): what the kernel
 * prints ("32768\t60999\n") and what a policy writes ("32768 60999")
 * compare equal.
 *
 * A per-link key (net.{ipv4,ipv6,mpls}.conf.IFNAME.LEAF and
 * net.{ipv4,ipv6}.neigh.IFNAME.LEAF, IFNAME neither "all" nor "default")
 * belongs to link IFNAME: its path is found by that structure, so an
 * IFNAME with dots ("eth1.5") needs no '/' form.
 */
struct nh_sysctl {
	char key[NH_SYSCTL_KEYSIZ];
	char value[NH_SYSCTL_VALSIZ];
	char link[NH_IFNAMSIZ];         /* a per-link key's link, else "" */
	/* desired only */
	struct nh_origin origin;
};

int nh_sysctl_key_cmp(const struct nh_sysctl *a, const struct nh_sysctl *b);   /* by key */
/* Whether key is well formed: starts with "net.", no '/', "..", whitespace
 * or control character, no empty component, shorter than NH_SYSCTL_KEYSIZ,
 * and a per-link key's IFNAME is a valid interface name. SPEC §3.2. */
bool nh_sysctl_key_valid(const char *key);
/* The link of a per-link key into link (NH_IFNAMSIZ): 1 when key is one,
 * 0 when it is not (link ""). */
int nh_sysctl_key_link(const char *key, char link[NH_IFNAMSIZ]);
/* The path of key below /proc/sys ("net/ipv4/conf/eth1.5/rp_filter").
 * Returns 0, or -EINVAL when key is not valid, -ENAMETOOLONG. */
int nh_sysctl_path(const char *key, char *buf, size_t size);
/* The inverse: a path below /proc/sys ("net/ipv4/ip_forward") → its key.
 * Returns 0, or -EINVAL when the path gives no valid key. */
int nh_sysctl_key_from_path(const char *path, char *buf, size_t size);
/* Collapse every run of spaces, tabs and newlines to one space, trim both
 * ends, and drop the leading zeros of a decimal integer ("02" → "2"), as
 * the kernel reads its values back. Returns 0, or -ENAMETOOLONG when it
 * does not fit (out is then cut short). */
int nh_sysctl_value_normalize(const char *in, char *out, size_t size);

/*
 * What RTM_NEWNETCONF announces (and RTM_GETNETCONF reads): the settings of
 * one family's `all`, `default` or per-link configuration that the kernel
 * tells about when they change (forwarding, rp_filter, proxy_arp /
 * proxy_ndp, ignore_routes_with_linkdown; mc_forwarding and bc_forwarding
 * are read, never announced on a write). Observed states keep a table of
 * them, so those sysctls are known without opening /proc/sys (SPEC §3.1).
 */
enum nh_netconf_value {
	NH_NETCONF_FORWARDING = 0,
	NH_NETCONF_RP_FILTER,
	NH_NETCONF_MC_FORWARDING,
	NH_NETCONF_PROXY_NEIGH,
	NH_NETCONF_IGNORE_LINKDOWN,
	NH_NETCONF_BC_FORWARDING,
	NH_NETCONF__COUNT
};

#define NH_NETCONF_ALL     (-1)         /* NETCONFA_IFINDEX_ALL */
#define NH_NETCONF_DEFAULT (-2)         /* NETCONFA_IFINDEX_DEFAULT */

struct nh_netconf {
	uint8_t family;                 /* AF_INET or AF_INET6 */
	int ifindex;                    /* > 0 a link; NH_NETCONF_ALL, NH_NETCONF_DEFAULT */
	uint32_t has;                   /* bit (1 << enum nh_netconf_value) per value known */
	int32_t value[NH_NETCONF__COUNT];
};

/* ---- routing policy rules (SPEC §3.1 `rules`) ----------------------------- */

#define NH_FRULE_HAS_FROM   (1u << 0)
#define NH_FRULE_HAS_TO     (1u << 1)
#define NH_FRULE_HAS_IIF    (1u << 2)
#define NH_FRULE_HAS_OIF    (1u << 3)
#define NH_FRULE_HAS_FWMARK (1u << 4)
/* Observed only: the rule has a selector or an action the policy language
 * does not have (tos, "not", uidrange, ipproto, ports, l3mdev, goto,
 * suppress_*, ...). It is no rule of any policy, and `export` skips it. */
#define NH_FRULE_HAS_OTHER  (1u << 5)

/* What a rule does when it matches; the kernel's FR_ACT_* in that order
 * where they exist. */
enum nh_frule_action {
	NH_FRULE_TABLE = 0,     /* look up `table` (FR_ACT_TO_TBL) */
	NH_FRULE_BLACKHOLE,
	NH_FRULE_UNREACHABLE,
	NH_FRULE_PROHIBIT,
	NH_FRULE__COUNT
};
/* "table", "blackhole", "unreachable", "prohibit"; "?" out of range. */
const char *nh_frule_action_to_string(enum nh_frule_action a);
/* The action named s (not "table": that is the `table` key), or -EINVAL. */
int nh_frule_action_from_string(const char *s);

/* One rule of one family (a policy rule for both families is two). Named
 * nh_fib_rule: struct nh_netns_rule is a policy rule for a namespace. */
struct nh_fib_rule {
	uint32_t has;                   /* NH_FRULE_HAS_* */
	uint8_t family;                 /* AF_INET or AF_INET6 */
	uint8_t action;                 /* enum nh_frule_action */
	uint32_t priority;
	struct nh_prefix from, to;      /* with a length > 0; "all" is no selector */
	char iif[NH_IFNAMSIZ], oif[NH_IFNAMSIZ];
	uint32_t fwmark, fwmask;        /* with NH_FRULE_HAS_FWMARK: mask 0xffffffff when not given */
	uint32_t table;                 /* action NH_FRULE_TABLE */
	/* observed only */
	uint8_t protocol;               /* FRA_PROTOCOL */
	/* desired only */
	struct nh_origin origin;
};

/* The identity of a rule (SPEC §3.1): family, priority and every selector. */
int nh_fib_rule_key_cmp(const struct nh_fib_rule *a, const struct nh_fib_rule *b);
/* The key, then what it does (action, table), then the protocol: tells
 * every two kernel rules apart, for observed state. */
int nh_fib_rule_cmp(const struct nh_fib_rule *a, const struct nh_fib_rule *b);
/* A desired rule is satisfied by an observed one with its key doing the
 * same (action, table), whatever its protocol. */
bool nh_fib_rule_satisfied(const struct nh_fib_rule *want, const struct nh_fib_rule *have);

/* ---- permanent neighbours (SPEC §3.1 `neighbours`) ------------------------ */

#define NH_NEIGH_HAS_LLADDR (1u << 0)   /* observed: a 6-byte NDA_LLADDR */

/* A permanent neighbour entry (NUD_PERMANENT), keyed by (dev, address). */
struct nh_neigh {
	uint32_t has;
	char dev[NH_IFNAMSIZ];
	struct nh_prefix addr;          /* a plain address: len 32 or 128 */
	uint8_t lladdr[6];
	/* observed only */
	int ifindex;
	/* desired only */
	struct nh_origin origin;
};

int nh_neigh_key_cmp(const struct nh_neigh *a, const struct nh_neigh *b);    /* (dev, address) */
/* The same key and the same lladdr. */
bool nh_neigh_satisfied(const struct nh_neigh *want, const struct nh_neigh *have);

/* ---- one namespace's state ---------------------------------------------- */

/* Desired or observed state of one namespace. Arrays are kept sorted by key
 * (nh_state_sort) so the diff can walk two of them together. */
struct nh_state {
	struct nh_link *links;
	size_t n_links, cap_links;
	/* Links are kept sorted by name (validate and the monitor do), so a
	 * lookup is a binary search. nh_state_add_link sets this when it
	 * appends out of order, nh_state_sort clears it; whoever reorders
	 * links by hand sets it. While set, a lookup that misses scans. */
	bool links_unsorted;
	struct nh_address *addrs;
	size_t n_addrs, cap_addrs;
	struct nh_route *routes;
	size_t n_routes, cap_routes;
	struct nh_sysctl *sysctls;
	size_t n_sysctls, cap_sysctls;
	struct nh_fib_rule *rules;
	size_t n_rules, cap_rules;
	struct nh_neigh *neighs;
	size_t n_neighs, cap_neighs;
	/* observed only: what is known of the announced settings, by family
	 * and ifindex; filled as they are needed and kept by events */
	struct nh_netconf *netconfs;
	size_t n_netconfs, cap_netconfs;
	/* observed only: an event changed what this state cannot follow (a
	 * route over several nexthops or a nexthop object lost one, which
	 * the kernel does without a word): read it again (monitor/observe.h) */
	bool unknown;
};

void nh_state_init(struct nh_state *s);
void nh_state_free(struct nh_state *s);        /* accepts NULL; leaves s empty */
void nh_state_sort(struct nh_state *s);
/* Give back each array's spare capacity (nh_grow doubles it): for a state
 * that is read whole and then changed by a few events, so that thousands of
 * them (one a namespace) do not keep up to half their size unused. An array
 * realloc cannot shrink stays as it was. */
void nh_state_shrink(struct nh_state *s);
int nh_state_copy(struct nh_state *dst, const struct nh_state *src);
/* Append one object (copied). Return 0 or -ENOMEM. */
int nh_state_add_link(struct nh_state *s, const struct nh_link *l);
int nh_state_add_address(struct nh_state *s, const struct nh_address *a);
int nh_state_add_route(struct nh_state *s, const struct nh_route *r);
int nh_state_add_sysctl(struct nh_state *s, const struct nh_sysctl *k);
int nh_state_add_rule(struct nh_state *s, const struct nh_fib_rule *r);
int nh_state_add_neigh(struct nh_state *s, const struct nh_neigh *n);
/* Lookups on a state. NULL when absent. By name: a binary search (see
 * links_unsorted); by index: linear; a sysctl by key: a binary search, then
 * a scan on a miss (a namespace has a handful). */
struct nh_link *nh_state_link_by_name(const struct nh_state *s, const char *name);
struct nh_link *nh_state_link_by_index(const struct nh_state *s, int ifindex);
struct nh_sysctl *nh_state_sysctl(const struct nh_state *s, const char *key);
/* The object of s with key's key (nh_address_key_cmp, nh_route_key_cmp,
 * nh_neigh_key_cmp), or NULL: a binary search, so s's array must be sorted
 * (nh_state_sort; a rule's want is, observed states are). */
const struct nh_address *nh_state_find_address(const struct nh_state *s, const struct nh_address *key);
const struct nh_route *nh_state_find_route(const struct nh_state *s, const struct nh_route *key);
const struct nh_neigh *nh_state_find_neigh(const struct nh_state *s, const struct nh_neigh *key);
/* The netconf entry of family and ifindex, or NULL. */
const struct nh_netconf *nh_state_netconf(const struct nh_state *s, uint8_t family, int ifindex);
/* Merge what nc holds (its has bits) into the entry of its family and
 * ifindex, made when missing. 0 or -ENOMEM. */
int nh_state_netconf_merge(struct nh_state *s, const struct nh_netconf *nc);
/* Forget the entries of family (0: both) and ifindex (0: every link's,
 * not `all` or `default`): they are read again when next needed. */
void nh_state_netconf_forget(struct nh_state *s, uint8_t family, int ifindex);

/* The observed state of one existing namespace, as the monitor keeps it
 * current from events (monitor/), and as the service reads it. */
struct nh_observed {
	struct nh_state have;           /* sorted (nh_state_sort) */
	bool valid;                     /* a full read succeeded and no event was lost since */
	void *user;                     /* the service's record of this namespace */
};

/* ---- the policy --------------------------------------------------------- */

enum nh_mode {
	NH_MODE_INHERIT = 0,    /* namespace rule without `mode`: the global one */
	NH_MODE_ENFORCE,
	NH_MODE_AUDIT,
};
const char *nh_mode_to_string(enum nh_mode m);

/* A hook: argv, NULL-terminated; NULL when the hook is not set. */
struct nh_hooks {
	char **on_create;
	char **on_heal;
	struct nh_origin on_create_origin, on_heal_origin;
};

/* One namespace rule. The host rule has name "" and no match. */
struct nh_netns_rule {
	char name[NH_NETNS_NAMSIZ];     /* "" for the host, or when match is set */
	char *match;                    /* shell glob, or NULL */
	bool create;                    /* default true */
	enum nh_mode mode;
	struct nh_state want;           /* links (peer ends included), addrs, routes, sysctls,
					   rules (one per family), neighbours */
	struct nh_hooks hooks;
	struct nh_origin origin;
	/* nh_rule_index_refs: the indexes in want.links of the links flagged
	 * NH_LINK_FLAG_REFERENCED (owned); refs_known false until it ran (a
	 * rule built by hand) */
	size_t *refs;
	size_t n_refs;
	bool refs_known;
	/* nh_rule_index_refs too: the destinations a route could have for the
	 * rule to be about it (its routes' and its addresses' networks,
	 * nh_diff_route_relevant), sorted by nh_prefix_cmp, each once
	 * (owned); valid while refs_known */
	struct nh_prefix *dsts;
	size_t n_dsts;
};

/* Flag the links of r that another of its objects names
 * (NH_LINK_FLAG_REFERENCED) and list them in r->refs. Call once r->want is
 * complete and sorted (nh_state_sort): the indexes point into it. 0, or
 * -ENOMEM (r->refs_known stays false). */
int nh_rule_index_refs(struct nh_netns_rule *r);
/* Whether dst is one of r->dsts (nh_prefix_cmp): a binary search. Only
 * once r->refs_known; before, it is false for every dst. */
bool nh_rule_has_dst(const struct nh_netns_rule *r, const struct nh_prefix *dst);
/* Free what r owns (not r itself). */
void nh_rule_free(struct nh_netns_rule *r);

struct nh_backoff {
	unsigned int flap_count;        /* 5 */
	unsigned int flap_window;       /* 60 s */
	unsigned int initial_ms;        /* 1000 */
	unsigned int max_ms;            /* 300000 */
};

struct nh_settings {
	enum nh_mode mode;              /* ENFORCE or AUDIT */
	char *policy_dir;               /* "/etc/netheal/policy.d" */
	char *netns_dir;                /* "/run/netns" */
	unsigned int resync_interval;   /* 300 s, 0 = off */
	struct nh_backoff backoff;
	unsigned int hook_timeout;      /* 30 s */
	char *status_file;              /* "/run/netheal/status.json" */
	char *metrics_file;             /* "" = off */
};

struct nh_policy {
	struct nh_settings settings;
	struct nh_netns_rule host;
	struct nh_netns_rule *netns;    /* named rules first in file order, then match rules */
	size_t n_netns;
	char **files;                   /* every file read; origins point here */
	size_t n_files;
};

void nh_settings_defaults(struct nh_settings *s);
void nh_policy_free(struct nh_policy *p);       /* accepts NULL */
/* The rule for a named namespace: the rule with that name, else the first
 * match rule whose glob matches, else NULL (not managed). */
const struct nh_netns_rule *nh_policy_rule_for(const struct nh_policy *p, const char *netns);
/* The mode in force for a rule. */
enum nh_mode nh_rule_mode(const struct nh_policy *p, const struct nh_netns_rule *r);

#endif
