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

/* "10.1.1.100/24" → prefix. Returns 0 or -EINVAL. */
int nh_prefix_parse(const char *s, struct nh_prefix *out);
/* "10.1.1.1" (no prefix) → prefix with the full length. */
int nh_ip_parse(const char *s, struct nh_prefix *out);
/* Format as "ADDR/LEN" (or "ADDR" when want_len is false). buf ≥ 64. */
const char *nh_prefix_str(const struct nh_prefix *p, bool want_len, char *buf, size_t size);
int nh_prefix_cmp(const struct nh_prefix *a, const struct nh_prefix *b);
bool nh_prefix_contains(const struct nh_prefix *net, const struct nh_prefix *ip);
/* 224.0.0.0/4, ff00::/8 */
bool nh_ip_is_multicast(const struct nh_prefix *ip);
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
	uint8_t type;           /* RTN_UNICAST etc.; the monitor keeps unicast only */
	/* desired only */
	struct nh_origin origin;
};

/* Key: (family, table, dst, metric). */
int nh_route_key_cmp(const struct nh_route *a, const struct nh_route *b);
/* A desired route is satisfied by an observed one with the same key whose
 * gateway and device match (device only when the desired route names one). */
bool nh_route_satisfied(const struct nh_route *want, const struct nh_route *have);

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

/* ---- one namespace's state ---------------------------------------------- */

/* Desired or observed state of one namespace. Arrays are kept sorted by key
 * (nh_state_sort) so the diff can walk two of them together. */
struct nh_state {
	struct nh_link *links;
	size_t n_links, cap_links;
	struct nh_address *addrs;
	size_t n_addrs, cap_addrs;
	struct nh_route *routes;
	size_t n_routes, cap_routes;
};

void nh_state_init(struct nh_state *s);
void nh_state_free(struct nh_state *s);        /* accepts NULL; leaves s empty */
void nh_state_sort(struct nh_state *s);
int nh_state_copy(struct nh_state *dst, const struct nh_state *src);
/* Append one object (copied). Return 0 or -ENOMEM. */
int nh_state_add_link(struct nh_state *s, const struct nh_link *l);
int nh_state_add_address(struct nh_state *s, const struct nh_address *a);
int nh_state_add_route(struct nh_state *s, const struct nh_route *r);
/* Lookups on a state (linear; states are small). NULL when absent. */
struct nh_link *nh_state_link_by_name(const struct nh_state *s, const char *name);
struct nh_link *nh_state_link_by_index(const struct nh_state *s, int ifindex);

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
	struct nh_state want;           /* links (peer ends included), addrs, routes */
	struct nh_hooks hooks;
	struct nh_origin origin;
};

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
