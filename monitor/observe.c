#include "observe.h"

#include <errno.h>
#include <arpa/inet.h>
#include <linux/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include "common/util.h"

/* ---- attribute tables ----------------------------------------------------
 * The tb[] idiom: mnl_attr_parse calls one of these per attribute; each
 * known type is checked for its data type (and so its length) before it is
 * stored. Unknown types are skipped, a bad known one fails the message. */

struct tb {
	const struct nlattr **a;
	const enum mnl_attr_data_type *types;   /* MNL_TYPE_UNSPEC = not read */
	uint16_t max;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (mnl_attr_type_valid(attr, tb->max) < 0 || type > tb->max)
		return MNL_CB_OK;       /* newer kernel, newer attribute */
	if (tb->types[type] == MNL_TYPE_UNSPEC)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, tb->types[type]) < 0)
		return MNL_CB_ERROR;
	tb->a[type] = attr;
	return MNL_CB_OK;
}

static int parse_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **a,
		       const enum mnl_attr_data_type *types, uint16_t max)
{
	struct tb tb = { a, types, max };

	memset(a, 0, sizeof(*a) * ((size_t)max + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EINVAL;
	return mnl_attr_parse(nlh, (unsigned int)hdrlen, tb_cb, &tb) == MNL_CB_OK ? 0 : -EINVAL;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **a,
			const enum mnl_attr_data_type *types, uint16_t max)
{
	struct tb tb = { a, types, max };

	memset(a, 0, sizeof(*a) * ((size_t)max + 1));
	return mnl_attr_parse_nested(nest, tb_cb, &tb) == MNL_CB_OK ? 0 : -EINVAL;
}

/* A NUL-terminated string attribute (validated as MNL_TYPE_NUL_STRING) into
 * a fixed buffer; too long is malformed. */
static int attr_strcpy(const struct nlattr *attr, char *dst, size_t size)
{
	if (mnl_attr_get_payload_len(attr) > size)
		return -EINVAL;
	return nh_strlcpy(dst, mnl_attr_get_str(attr), size) < 0 ? -EINVAL : 0;
}

/* An address attribute of exactly the family's size. */
static int attr_addr(const struct nlattr *attr, int family, uint8_t len, struct nh_prefix *out)
{
	size_t n = nh_family_addr_len(family);

	if (!n || mnl_attr_get_payload_len(attr) != n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->len = len;
	memcpy(out->addr, mnl_attr_get_payload(attr), n);
	return 0;
}

/* ---- links ---------------------------------------------------------------- */

static const enum mnl_attr_data_type link_types[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = MNL_TYPE_NUL_STRING,
	[IFLA_MTU] = MNL_TYPE_U32,
	[IFLA_ADDRESS] = MNL_TYPE_BINARY,
	[IFLA_MASTER] = MNL_TYPE_U32,
	[IFLA_LINK] = MNL_TYPE_U32,
	[IFLA_LINK_NETNSID] = MNL_TYPE_U32,
	[IFLA_NEW_NETNSID] = MNL_TYPE_U32,
	[IFLA_LINKINFO] = MNL_TYPE_NESTED,
};

static const enum mnl_attr_data_type linkinfo_types[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = MNL_TYPE_NUL_STRING,
	[IFLA_INFO_DATA] = MNL_TYPE_NESTED,
};

/* Kind-specific IFLA_INFO_DATA, one small parser per kind that has settings
 * the policy can ask for. */
struct kind_parser {
	const char *kind;
	int (*parse)(const struct nlattr *data, struct nh_link *l);
};

static int parse_vlan(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_VLAN_MAX + 1] = {
		[IFLA_VLAN_ID] = MNL_TYPE_U16,
	};
	const struct nlattr *a[IFLA_VLAN_MAX + 1];

	if (parse_nested(data, a, types, IFLA_VLAN_MAX) < 0)
		return -EINVAL;
	if (a[IFLA_VLAN_ID]) {
		l->id = mnl_attr_get_u16(a[IFLA_VLAN_ID]);
		l->has |= NH_LINK_HAS_ID;
	}
	return 0;
}

static int parse_macvlan(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_MACVLAN_MAX + 1] = {
		[IFLA_MACVLAN_MODE] = MNL_TYPE_U32,
	};
	const struct nlattr *a[IFLA_MACVLAN_MAX + 1];

	if (parse_nested(data, a, types, IFLA_MACVLAN_MAX) < 0)
		return -EINVAL;
	if (!a[IFLA_MACVLAN_MODE])
		return 0;
	switch (mnl_attr_get_u32(a[IFLA_MACVLAN_MODE])) {
	case MACVLAN_MODE_PRIVATE:
		l->macvlan_mode = NH_MACVLAN_PRIVATE;
		break;
	case MACVLAN_MODE_VEPA:
		l->macvlan_mode = NH_MACVLAN_VEPA;
		break;
	case MACVLAN_MODE_BRIDGE:
		l->macvlan_mode = NH_MACVLAN_BRIDGE;
		break;
	case MACVLAN_MODE_PASSTHRU:
		l->macvlan_mode = NH_MACVLAN_PASSTHRU;
		break;
	default:
		return 0;       /* "source" and future modes: not a policy value */
	}
	l->has |= NH_LINK_HAS_MACVLAN_MODE;
	return 0;
}

static bool is_multicast(const struct nh_prefix *p)
{
	return p->family == AF_INET ? (p->addr[0] & 0xf0) == 0xe0 : p->addr[0] == 0xff;
}

static int parse_vxlan(const struct nlattr *data, struct nh_link *l)
{
	static const enum mnl_attr_data_type types[IFLA_VXLAN_MAX + 1] = {
		[IFLA_VXLAN_ID] = MNL_TYPE_U32,
		[IFLA_VXLAN_GROUP] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_GROUP6] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_LOCAL] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_LOCAL6] = MNL_TYPE_BINARY,
		[IFLA_VXLAN_PORT] = MNL_TYPE_U16,
	};
	const struct nlattr *a[IFLA_VXLAN_MAX + 1];
	const struct nlattr *group, *local;
	struct nh_prefix p;

	if (parse_nested(data, a, types, IFLA_VXLAN_MAX) < 0)
		return -EINVAL;
	if (a[IFLA_VXLAN_ID]) {
		l->id = mnl_attr_get_u32(a[IFLA_VXLAN_ID]);
		l->has |= NH_LINK_HAS_ID;
	}
	group = a[IFLA_VXLAN_GROUP] ? a[IFLA_VXLAN_GROUP] : a[IFLA_VXLAN_GROUP6];
	if (group) {
		int family = group == a[IFLA_VXLAN_GROUP] ? AF_INET : AF_INET6;

		if (attr_addr(group, family, family == AF_INET ? 32 : 128, &p) < 0)
			return -EINVAL;
		/* One attribute for both: a multicast group or a unicast remote. */
		if (is_multicast(&p)) {
			l->group = p;
			l->has |= NH_LINK_HAS_GROUP;
		} else {
			l->remote = p;
			l->has |= NH_LINK_HAS_REMOTE;
		}
	}
	local = a[IFLA_VXLAN_LOCAL] ? a[IFLA_VXLAN_LOCAL] : a[IFLA_VXLAN_LOCAL6];
	if (local) {
		int family = local == a[IFLA_VXLAN_LOCAL] ? AF_INET : AF_INET6;

		if (attr_addr(local, family, family == AF_INET ? 32 : 128, &l->local) < 0)
			return -EINVAL;
		l->has |= NH_LINK_HAS_LOCAL;
	}
	if (a[IFLA_VXLAN_PORT]) {
		l->port = ntohs(mnl_attr_get_u16(a[IFLA_VXLAN_PORT]));
		l->has |= NH_LINK_HAS_PORT;
	}
	return 0;
}

static const struct kind_parser kind_parsers[] = {
	{ "vlan", parse_vlan },
	{ "macvlan", parse_macvlan },
	{ "vxlan", parse_vxlan },
};

static int parse_linkinfo(const struct nlattr *nest, struct nh_link *l)
{
	const struct nlattr *a[IFLA_INFO_MAX + 1];

	if (parse_nested(nest, a, linkinfo_types, IFLA_INFO_MAX) < 0)
		return -EINVAL;
	if (!a[IFLA_INFO_KIND])
		return 0;
	if (attr_strcpy(a[IFLA_INFO_KIND], l->kind_name, sizeof(l->kind_name)) < 0)
		return -EINVAL;
	l->kind = nh_kind_from_string(l->kind_name);
	if (!a[IFLA_INFO_DATA])
		return 0;
	for (size_t i = 0; i < NH_ARRAY_SIZE(kind_parsers); i++)
		if (strcmp(kind_parsers[i].kind, l->kind_name) == 0)
			return kind_parsers[i].parse(a[IFLA_INFO_DATA], l);
	return 0;
}

/* Parse, and report IFLA_NEW_NETNSID (-1 when absent) for the event. */
static int parse_link(const struct nlmsghdr *nlh, struct nh_link *out, int *new_netnsid)
{
	const struct nlattr *a[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;

	memset(out, 0, sizeof(*out));
	out->link_netnsid = -1;
	*new_netnsid = -1;
	if (parse_attrs(nlh, sizeof(*ifi), a, link_types, IFLA_MAX) < 0)
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_family != AF_UNSPEC)
		return 1;
	if (ifi->ifi_index <= 0 || !a[IFLA_IFNAME])
		return -EINVAL;
	if (attr_strcpy(a[IFLA_IFNAME], out->name, sizeof(out->name)) < 0 || !out->name[0])
		return -EINVAL;
	out->ifindex = ifi->ifi_index;
	out->up = ifi->ifi_flags & IFF_UP;
	out->oper_up = ifi->ifi_flags & IFF_LOWER_UP;
	out->has |= NH_LINK_HAS_UP;
	if (a[IFLA_MTU]) {
		out->mtu = mnl_attr_get_u32(a[IFLA_MTU]);
		out->has |= NH_LINK_HAS_MTU;
	}
	if (a[IFLA_ADDRESS] && mnl_attr_get_payload_len(a[IFLA_ADDRESS]) == sizeof(out->mac)) {
		memcpy(out->mac, mnl_attr_get_payload(a[IFLA_ADDRESS]), sizeof(out->mac));
		out->has |= NH_LINK_HAS_MAC;
	}
	if (a[IFLA_MASTER])
		out->master_index = (int)mnl_attr_get_u32(a[IFLA_MASTER]);
	if (a[IFLA_LINK])
		out->link_index = (int)mnl_attr_get_u32(a[IFLA_LINK]);
	if (a[IFLA_LINK_NETNSID])
		out->link_netnsid = (int)mnl_attr_get_u32(a[IFLA_LINK_NETNSID]);
	if (a[IFLA_NEW_NETNSID])
		*new_netnsid = (int)mnl_attr_get_u32(a[IFLA_NEW_NETNSID]);
	if (a[IFLA_LINKINFO] && parse_linkinfo(a[IFLA_LINKINFO], out) < 0)
		return -EINVAL;
	return 0;
}

int nh_parse_link(const struct nlmsghdr *nlh, struct nh_link *out)
{
	int new_netnsid;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	return parse_link(nlh, out, &new_netnsid);
}

/* ---- addresses ------------------------------------------------------------ */

static const enum mnl_attr_data_type addr_types[IFA_MAX + 1] = {
	[IFA_ADDRESS] = MNL_TYPE_BINARY,
	[IFA_LOCAL] = MNL_TYPE_BINARY,
};

int nh_parse_address(const struct nlmsghdr *nlh, struct nh_address *out)
{
	const struct nlattr *a[IFA_MAX + 1];
	const struct ifaddrmsg *ifa;
	const struct nlattr *local;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (parse_attrs(nlh, sizeof(*ifa), a, addr_types, IFA_MAX) < 0)
		return -EINVAL;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 1;
	/* IFA_ADDRESS is the peer on a point-to-point link; IFA_LOCAL ours. */
	local = a[IFA_LOCAL] ? a[IFA_LOCAL] : a[IFA_ADDRESS];
	if (!local || ifa->ifa_index == 0 ||
	    ifa->ifa_prefixlen > 8 * nh_family_addr_len(ifa->ifa_family))
		return -EINVAL;
	if (attr_addr(local, ifa->ifa_family, ifa->ifa_prefixlen, &out->prefix) < 0)
		return -EINVAL;
	out->ifindex = (int)ifa->ifa_index;
	return 0;
}

/* ---- routes --------------------------------------------------------------- */

static const enum mnl_attr_data_type route_types[RTA_MAX + 1] = {
	[RTA_DST] = MNL_TYPE_BINARY,
	[RTA_GATEWAY] = MNL_TYPE_BINARY,
	[RTA_VIA] = MNL_TYPE_BINARY,
	[RTA_OIF] = MNL_TYPE_U32,
	[RTA_PRIORITY] = MNL_TYPE_U32,
	[RTA_TABLE] = MNL_TYPE_U32,
	[RTA_MULTIPATH] = MNL_TYPE_BINARY,
};

static const enum mnl_attr_data_type nexthop_types[RTA_MAX + 1] = {
	[RTA_GATEWAY] = MNL_TYPE_BINARY,
	[RTA_VIA] = MNL_TYPE_BINARY,
};

/* RTA_VIA: a gateway of another family (an IPv4 route via an IPv6 router). */
static int parse_via(const struct nlattr *attr, struct nh_prefix *out)
{
	const struct rtvia *via = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr), n;

	if (len < sizeof(*via))
		return -EINVAL;
	n = nh_family_addr_len(via->rtvia_family);
	if (!n || len - sizeof(*via) != n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)via->rtvia_family;
	out->len = (uint8_t)(8 * n);
	memcpy(out->addr, via->rtvia_addr, n);
	return 0;
}

static int parse_gateway(const struct nlattr *const *a, int family, struct nh_route *r)
{
	if (a[RTA_GATEWAY]) {
		if (attr_addr(a[RTA_GATEWAY], family, (uint8_t)(8 * nh_family_addr_len(family)), &r->via) < 0)
			return -EINVAL;
		r->has |= NH_ROUTE_HAS_VIA;
	} else if (a[RTA_VIA]) {
		if (parse_via(a[RTA_VIA], &r->via) < 0)
			return -EINVAL;
		r->has |= NH_ROUTE_HAS_VIA;
	}
	return 0;
}

/* The first nexthop of RTA_MULTIPATH: a list of struct rtnexthop, each
 * followed by its own attributes. */
static int parse_first_nexthop(const struct nlattr *mp, int family, struct nh_route *r)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);
	const struct nlattr *a[RTA_MAX + 1];
	struct tb tb = { a, nexthop_types, RTA_MAX };

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return -EINVAL;
	memset(a, 0, sizeof(a));
	if (mnl_attr_parse_payload((const char *)nh + RTNH_ALIGN(sizeof(*nh)),
				   nh->rtnh_len - RTNH_ALIGN(sizeof(*nh)), tb_cb, &tb) != MNL_CB_OK)
		return -EINVAL;
	if (!r->oif && nh->rtnh_ifindex > 0)
		r->oif = nh->rtnh_ifindex;
	if (!(r->has & NH_ROUTE_HAS_VIA))
		return parse_gateway(a, family, r);
	return 0;
}

int nh_parse_route(const struct nlmsghdr *nlh, struct nh_route *out)
{
	const struct nlattr *a[RTA_MAX + 1];
	const struct rtmsg *rtm;
	int family;

	memset(out, 0, sizeof(*out));
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (parse_attrs(nlh, sizeof(*rtm), a, route_types, RTA_MAX) < 0)
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	family = rtm->rtm_family;
	if (family != AF_INET && family != AF_INET6)
		return 1;
	if (rtm->rtm_dst_len > 8 * nh_family_addr_len(family))
		return -EINVAL;
	out->table = a[RTA_TABLE] ? mnl_attr_get_u32(a[RTA_TABLE]) : rtm->rtm_table;
	out->type = rtm->rtm_type;
	out->protocol = rtm->rtm_protocol;
	if (a[RTA_DST]) {
		if (attr_addr(a[RTA_DST], family, rtm->rtm_dst_len, &out->dst) < 0)
			return -EINVAL;
	} else if (rtm->rtm_dst_len) {
		return -EINVAL;
	} else {
		out->dst.family = (uint8_t)family;  /* default */
	}
	if (parse_gateway(a, family, out) < 0)
		return -EINVAL;
	if (a[RTA_OIF])
		out->oif = (int)mnl_attr_get_u32(a[RTA_OIF]);
	if (a[RTA_MULTIPATH] && parse_first_nexthop(a[RTA_MULTIPATH], family, out) < 0)
		return -EINVAL;
	if (out->oif)
		out->has |= NH_ROUTE_HAS_DEV;
	if (a[RTA_PRIORITY]) {
		out->metric = mnl_attr_get_u32(a[RTA_PRIORITY]);
		out->has |= NH_ROUTE_HAS_METRIC;
	}
	if (out->table == RT_TABLE_LOCAL || out->type != RTN_UNICAST || (rtm->rtm_flags & RTM_F_CLONED))
		return 1;
	return 0;
}

/* ---- nsid ----------------------------------------------------------------- */

int nh_parse_nsid(const struct nlmsghdr *nlh, int *nsid)
{
	static const enum mnl_attr_data_type types[NETNSA_MAX + 1] = {
		[NETNSA_NSID] = MNL_TYPE_U32,
	};
	const struct nlattr *a[NETNSA_MAX + 1];

	if (nlh->nlmsg_type != RTM_NEWNSID && nlh->nlmsg_type != RTM_DELNSID)
		return -EINVAL;
	if (parse_attrs(nlh, sizeof(struct rtgenmsg), a, types, NETNSA_MAX) < 0 || !a[NETNSA_NSID])
		return -EINVAL;
	*nsid = (int)mnl_attr_get_u32(a[NETNSA_NSID]);
	return 0;
}

/* ---- sorted arrays ---------------------------------------------------------
 * A state is kept sorted by key so an event is a binary search and a memmove,
 * never a sort. */

typedef int (*cmp_fn)(const void *a, const void *b);

static int link_cmp(const void *a, const void *b)
{
	return nh_link_key_cmp(a, b);
}

static int addr_cmp(const void *a, const void *b)
{
	return nh_address_key_cmp(a, b);
}

/* The policy's key (family, table, dst, metric) does not name one kernel
 * route: IPv6 keeps fe80::/64 metric 256 on every link, and IPv4 `ip route
 * append` adds routes of one key with other nexthops. Observed routes are
 * told apart by device and gateway too; sorted this way they are still
 * sorted by key. */
static int route_cmp(const void *a, const void *b)
{
	const struct nh_route *x = a, *y = b;
	int r = nh_route_key_cmp(x, y);

	if (r)
		return r;
	if (x->oif != y->oif)
		return x->oif < y->oif ? -1 : 1;
	if ((x->has & NH_ROUTE_HAS_VIA) != (y->has & NH_ROUTE_HAS_VIA))
		return x->has & NH_ROUTE_HAS_VIA ? 1 : -1;
	return nh_prefix_cmp(&x->via, &y->via);
}

/* Where key is, or would be inserted. */
static size_t sorted_pos(const void *base, size_t n, size_t size, const void *key, cmp_fn cmp, bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp((const char *)base + mid * size, key);

		if (r == 0) {
			*found = true;
			return mid;
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int sorted_insert(void *arrayp, size_t *n, size_t *cap, size_t size, size_t pos, const void *elem)
{
	char **base = arrayp;
	int r = nh_grow(arrayp, cap, *n + 1, size);

	if (r < 0)
		return r;
	memmove(*base + (pos + 1) * size, *base + pos * size, (*n - pos) * size);
	memcpy(*base + pos * size, elem, size);
	(*n)++;
	return 0;
}

static void sorted_remove(void *base, size_t *n, size_t size, size_t pos)
{
	memmove((char *)base + pos * size, (char *)base + (pos + 1) * size, (*n - pos - 1) * size);
	(*n)--;
}

/* Insert or replace by key. Returns 1 when s changed, 0 or -ENOMEM. */
#define UPSERT(s, arr, n, cap, obj, cmp) ({ \
		bool found_; \
		size_t pos_ = sorted_pos((s)->arr, (s)->n, sizeof(*(s)->arr), (obj), cmp, &found_); \
		int r_ = 1; \
		if (found_) { \
			if (memcmp(&(s)->arr[pos_], (obj), sizeof(*(obj))) == 0) \
				r_ = 0; \
			else \
				(s)->arr[pos_] = *(obj); \
		} else if (sorted_insert(&(s)->arr, &(s)->n, &(s)->cap, sizeof(*(s)->arr), pos_, (obj)) < 0) { \
			r_ = -ENOMEM; \
		} \
		r_; })

/* ---- name resolution ------------------------------------------------------ */

static const char *link_name(const struct nh_state *s, int ifindex)
{
	const struct nh_link *l = ifindex > 0 ? nh_state_link_by_index(s, ifindex) : NULL;

	return l ? l->name : "";
}

/* The names a link holds of other links, from their indexes. */
static void resolve_link(const struct nh_state *s, struct nh_link *l)
{
	l->master[0] = '\0';
	l->has &= ~NH_LINK_HAS_MASTER;
	if (l->master_index > 0) {
		nh_strlcpy(l->master, link_name(s, l->master_index), sizeof(l->master));
		l->has |= NH_LINK_HAS_MASTER;
	}
	/* IFLA_LINK names a peer or parent here only without IFLA_LINK_NETNSID. */
	if (l->kind == NH_KIND_VETH) {
		l->peer_name[0] = '\0';
		l->has &= ~NH_LINK_HAS_PEER;
		if (l->link_index > 0 && l->link_netnsid < 0 && l->link_index != l->ifindex) {
			nh_strlcpy(l->peer_name, link_name(s, l->link_index), sizeof(l->peer_name));
			if (l->peer_name[0])
				l->has |= NH_LINK_HAS_PEER;
		}
	} else if (l->kind == NH_KIND_VLAN || l->kind == NH_KIND_MACVLAN) {
		l->parent[0] = '\0';
		l->has &= ~NH_LINK_HAS_PARENT;
		if (l->link_index > 0 && l->link_netnsid < 0) {
			nh_strlcpy(l->parent, link_name(s, l->link_index), sizeof(l->parent));
			if (l->parent[0])
				l->has |= NH_LINK_HAS_PARENT;
		}
	}
}

void nh_observe_resolve(struct nh_state *s)
{
	for (size_t i = 0; i < s->n_links; i++)
		resolve_link(s, &s->links[i]);
	for (size_t i = 0; i < s->n_addrs; i++)
		nh_strlcpy(s->addrs[i].link, link_name(s, s->addrs[i].ifindex), sizeof(s->addrs[i].link));
	for (size_t i = 0; i < s->n_routes; i++)
		nh_strlcpy(s->routes[i].dev, link_name(s, s->routes[i].oif), sizeof(s->routes[i].dev));
}

/* ---- dump ----------------------------------------------------------------- */

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nh_state *s = data;
	union {
		struct nh_link l;
		struct nh_address a;
		struct nh_route r;
	} u;
	int r;

	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
		r = nh_parse_link(nlh, &u.l);
		if (r == 0)
			r = nh_state_add_link(s, &u.l);
		break;
	case RTM_NEWADDR:
		r = nh_parse_address(nlh, &u.a);
		if (r == 0)
			r = nh_state_add_address(s, &u.a);
		break;
	case RTM_NEWROUTE:
		r = nh_parse_route(nlh, &u.r);
		if (r == 0)
			r = nh_state_add_route(s, &u.r);
		break;
	default:
		return MNL_CB_OK;
	}
	/* A malformed message from the kernel is skipped, not fatal; out of
	 * memory is. */
	if (r == -ENOMEM) {
		errno = ENOMEM;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int dump_one(struct nh_nl *nl, struct nh_state *s, uint16_t type, int family)
{
	struct nlmsghdr *nlh = nh_nl_msg(nl, type, NLM_F_DUMP);
	size_t hdrlen = type == RTM_GETLINK ? sizeof(struct ifinfomsg) :
			type == RTM_GETADDR ? sizeof(struct ifaddrmsg) : sizeof(struct rtmsg);
	struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, hdrlen);

	/* The family is the first byte of all three headers; the rest zero
	 * asks for everything. */
	g->rtgen_family = (unsigned char)family;
	return nh_nl_dump(nl, nlh, dump_cb, s);
}

static int dump_all(struct nh_nl *nl, struct nh_state *s)
{
	int r;

	r = dump_one(nl, s, RTM_GETLINK, AF_UNSPEC);
	if (r == 0)
		r = dump_one(nl, s, RTM_GETADDR, AF_UNSPEC);
	if (r == 0)
		r = dump_one(nl, s, RTM_GETROUTE, AF_INET);
	if (r == 0)
		r = dump_one(nl, s, RTM_GETROUTE, AF_INET6);
	return r;
}

/* By route_cmp, one entry per route. */
static void sort_routes(struct nh_state *s)
{
	size_t j = 0;

	if (!s->n_routes)
		return;
	qsort(s->routes, s->n_routes, sizeof(*s->routes), route_cmp);
	for (size_t i = 1; i < s->n_routes; i++)
		if (route_cmp(&s->routes[j], &s->routes[i]) != 0)
			s->routes[++j] = s->routes[i];
	s->n_routes = j + 1;
}

int nh_observe_dump(struct nh_nl *nl, struct nh_state *s)
{
	struct nh_state tmp;
	int r = -EINTR;

	for (int attempt = 0; attempt <= NH_DUMP_RETRIES && r == -EINTR; attempt++) {
		nh_state_init(&tmp);
		r = dump_all(nl, &tmp);
		if (r < 0)
			nh_state_free(&tmp);
	}
	if (r < 0)
		return r;
	nh_observe_resolve(&tmp);
	nh_state_sort(&tmp);
	sort_routes(&tmp);
	nh_state_free(s);
	*s = tmp;
	return 0;
}

/* ---- applying events ------------------------------------------------------ */

static void drop_routes(struct nh_state *s, int ifindex, int family)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *r = &s->routes[i];

		if (r->oif == ifindex && (!family || r->dst.family == family))
			continue;
		s->routes[j++] = *r;
	}
	s->n_routes = j;
}

static void drop_addresses(struct nh_state *s, int ifindex)
{
	size_t j = 0;

	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex != ifindex)
			s->addrs[j++] = s->addrs[i];
	s->n_addrs = j;
}

static bool has_ipv4_address(const struct nh_state *s, int ifindex)
{
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex == ifindex && s->addrs[i].prefix.family == AF_INET)
			return true;
	return false;
}

/* Position of the link with this index: by name first (a binary search,
 * the common case), else a scan. -1 when absent. */
static ssize_t link_pos(const struct nh_state *s, const struct nh_link *l)
{
	bool found;
	size_t pos = sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);

	if (found && s->links[pos].ifindex == l->ifindex)
		return (ssize_t)pos;
	for (size_t i = 0; i < s->n_links; i++)
		if (s->links[i].ifindex == l->ifindex)
			return (ssize_t)i;
	return -1;
}

/* A link appeared or was renamed: everything that refers to it by index
 * takes its (new) name, and arrays keyed by its name are re-sorted. */
static void rename_references(struct nh_state *s, const struct nh_link *l)
{
	/* The first end of a new veth pair is announced before its peer
	 * exists, without IFLA_LINK; the second end names it: pair them. */
	if (l->kind == NH_KIND_VETH && l->link_index > 0 && l->link_netnsid < 0) {
		struct nh_link *p = nh_state_link_by_index(s, l->link_index);

		if (p && p->kind == NH_KIND_VETH && p->link_index <= 0 && p->link_netnsid < 0)
			p->link_index = l->ifindex;
	}
	for (size_t i = 0; i < s->n_links; i++) {
		struct nh_link *o = &s->links[i];

		if (o->master_index == l->ifindex || (o->link_index == l->ifindex && o->link_netnsid < 0))
			resolve_link(s, o);
	}
	for (size_t i = 0; i < s->n_addrs; i++)
		if (s->addrs[i].ifindex == l->ifindex)
			nh_strlcpy(s->addrs[i].link, l->name, sizeof(s->addrs[i].link));
	for (size_t i = 0; i < s->n_routes; i++)
		if (s->routes[i].oif == l->ifindex)
			nh_strlcpy(s->routes[i].dev, l->name, sizeof(s->routes[i].dev));
	if (s->n_addrs)
		qsort(s->addrs, s->n_addrs, sizeof(*s->addrs), addr_cmp);
}

/* Forget link at pos and what hangs on it; references by others stay as
 * indexes (a port's master_index) but lose their names. */
static void remove_link(struct nh_state *s, size_t pos)
{
	int ifindex = s->links[pos].ifindex;

	sorted_remove(s->links, &s->n_links, sizeof(*s->links), pos);
	drop_addresses(s, ifindex);
	drop_routes(s, ifindex, 0);
	for (size_t i = 0; i < s->n_links; i++) {
		struct nh_link *o = &s->links[i];

		if (o->master_index == ifindex || (o->link_index == ifindex && o->link_netnsid < 0))
			resolve_link(s, o);
	}
}

static int apply_newlink(struct nh_state *s, struct nh_link *l)
{
	ssize_t old = link_pos(s, l);
	bool was_up = false, renamed = true;
	bool found;
	size_t pos;
	int r;

	resolve_link(s, l);
	if (old >= 0) {
		struct nh_link *o = &s->links[old];

		if (strcmp(o->name, l->name) == 0) {
			bool down = o->up && !l->up;

			if (memcmp(o, l, sizeof(*l)) == 0)
				return 0;
			*o = *l;
			/* The kernel flushes a downed link's IPv4 routes silently. */
			if (down)
				drop_routes(s, l->ifindex, AF_INET);
			return 1;
		}
		was_up = o->up;
		sorted_remove(s->links, &s->n_links, sizeof(*s->links), (size_t)old);
	} else {
		renamed = false;
	}
	/* A stale link of the same name (only after lost events) is replaced. */
	pos = sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);
	if (found) {
		remove_link(s, pos);
		pos = sorted_pos(s->links, s->n_links, sizeof(*s->links), l, link_cmp, &found);
	}
	r = sorted_insert(&s->links, &s->n_links, &s->cap_links, sizeof(*s->links), pos, l);
	if (r < 0)
		return r;
	if (renamed && was_up && !l->up)
		drop_routes(s, l->ifindex, AF_INET);
	rename_references(s, l);
	return 1;
}

static int apply_link(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	int r = parse_link(nlh, &ev->link, &ev->new_netnsid);
	ssize_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_LINK;
	if (nlh->nlmsg_type == RTM_NEWLINK) {
		r = apply_newlink(s, &ev->link);
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	ev->moved_out = ev->new_netnsid >= 0;
	resolve_link(s, &ev->link);
	pos = link_pos(s, &ev->link);
	if (pos >= 0) {
		remove_link(s, (size_t)pos);
		ev->changed = true;
	}
	return 1;
}

static int apply_address(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	struct nh_address *a = &ev->addr;
	int r = nh_parse_address(nlh, a);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_ADDRESS;
	nh_strlcpy(a->link, link_name(s, a->ifindex), sizeof(a->link));
	if (nlh->nlmsg_type == RTM_NEWADDR) {
		r = UPSERT(s, addrs, n_addrs, cap_addrs, a, addr_cmp);
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	pos = sorted_pos(s->addrs, s->n_addrs, sizeof(*s->addrs), a, addr_cmp, &found);
	if (found) {
		sorted_remove(s->addrs, &s->n_addrs, sizeof(*s->addrs), pos);
		ev->changed = true;
	}
	/* The last IPv4 address gone: the kernel disables IPv4 on the link and
	 * flushes its routes without a word. */
	if (a->prefix.family == AF_INET && !has_ipv4_address(s, a->ifindex)) {
		size_t before = s->n_routes;

		drop_routes(s, a->ifindex, AF_INET);
		ev->changed |= s->n_routes != before;
	}
	return 1;
}

/* Remove the routes with rt's key but another device or gateway. */
static bool drop_same_key(struct nh_state *s, const struct nh_route *rt)
{
	size_t j = 0, before = s->n_routes;

	for (size_t i = 0; i < s->n_routes; i++) {
		const struct nh_route *o = &s->routes[i];

		if (nh_route_key_cmp(o, rt) == 0 && route_cmp(o, rt) != 0)
			continue;
		s->routes[j++] = *o;
	}
	s->n_routes = j;
	return j != before;
}

static int apply_route(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *ev)
{
	struct nh_route *rt = &ev->route;
	int r = nh_parse_route(nlh, rt);
	bool found;
	size_t pos;

	if (r != 0)
		return r < 0 ? r : 0;     /* 1: not tracked */
	ev->obj = NH_OBJ_ROUTE;
	nh_strlcpy(rt->dev, link_name(s, rt->oif), sizeof(rt->dev));
	if (nlh->nlmsg_type == RTM_NEWROUTE) {
		/* `ip route replace`: the kernel says NLM_F_REPLACE and nothing
		 * about the route it replaced, which had the same key. */
		bool replaced = (nlh->nlmsg_flags & NLM_F_REPLACE) && drop_same_key(s, rt);

		r = UPSERT(s, routes, n_routes, cap_routes, rt, route_cmp);
		if (r >= 0 && replaced)
			r = 1;
		if (r < 0)
			return r;
		ev->changed = r;
		return 1;
	}
	pos = sorted_pos(s->routes, s->n_routes, sizeof(*s->routes), rt, route_cmp, &found);
	if (found) {
		sorted_remove(s->routes, &s->n_routes, sizeof(*s->routes), pos);
		ev->changed = true;
	}
	return 1;
}

int nh_observe_event(struct nh_state *s, const struct nlmsghdr *nlh, struct nh_nl_event *out)
{
	struct nh_nl_event ev;
	int r;

	memset(&ev, 0, sizeof(ev));
	ev.type = nlh->nlmsg_type;
	ev.actor_port = nlh->nlmsg_pid;
	ev.new_netnsid = -1;
	ev.nsid = -1;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		r = apply_link(s, nlh, &ev);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = apply_address(s, nlh, &ev);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		r = apply_route(s, nlh, &ev);
		break;
	case RTM_NEWNSID:
	case RTM_DELNSID:
		ev.obj = NH_OBJ_NSID;
		r = nh_parse_nsid(nlh, &ev.nsid) < 0 ? -EINVAL : 1;
		break;
	default:
		return 0;
	}
	if (r <= 0)
		return r;
	*out = ev;
	return 1;
}

int nh_observe_apply(struct nh_state *s, const struct nlmsghdr *nlh)
{
	struct nh_nl_event ev;
	int r = nh_observe_event(s, nlh, &ev);

	if (r <= 0)
		return r;
	return ev.changed ? 1 : 0;
}
