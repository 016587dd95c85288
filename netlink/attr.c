#include "attr.h"

#include <errno.h>
#include <string.h>

#include "common/util.h"

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

int nh_attr_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **a,
		  const enum mnl_attr_data_type *types, uint16_t max)
{
	struct tb tb = { a, types, max };

	size_t off = MNL_ALIGN(hdrlen), plen;

	memset(a, 0, sizeof(*a) * ((size_t)max + 1));
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN || mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EINVAL;
	/* Attributes end at nlmsg_len, not at its aligned end as
	 * mnl_attr_parse takes it: the last message of a datagram whose
	 * length is not a multiple of 4 would have its last attribute read
	 * past the datagram (fuzz_observe found it). */
	plen = mnl_nlmsg_get_payload_len(nlh);
	if (off >= plen)
		return 0;
	return mnl_attr_parse_payload((const char *)mnl_nlmsg_get_payload(nlh) + off, plen - off, tb_cb, &tb) ==
	       MNL_CB_OK ? 0 : -EINVAL;
}

int nh_attr_parse_nested(const struct nlattr *nest, const struct nlattr **a,
			 const enum mnl_attr_data_type *types, uint16_t max)
{
	struct tb tb = { a, types, max };

	memset(a, 0, sizeof(*a) * ((size_t)max + 1));
	return mnl_attr_parse_nested(nest, tb_cb, &tb) == MNL_CB_OK ? 0 : -EINVAL;
}

int nh_attr_parse_payload(const void *payload, size_t len, const struct nlattr **a,
			  const enum mnl_attr_data_type *types, uint16_t max)
{
	struct tb tb = { a, types, max };

	memset(a, 0, sizeof(*a) * ((size_t)max + 1));
	return mnl_attr_parse_payload(payload, len, tb_cb, &tb) == MNL_CB_OK ? 0 : -EINVAL;
}

int nh_attr_strcpy(const struct nlattr *attr, char *dst, size_t size)
{
	if (mnl_attr_get_payload_len(attr) > size)
		return -EINVAL;
	return nh_strlcpy(dst, mnl_attr_get_str(attr), size) < 0 ? -EINVAL : 0;
}

int nh_attr_addr(const struct nlattr *attr, int family, uint8_t len, struct nh_prefix *out)
{
	size_t n = nh_family_addr_len(family);

	if (!n || mnl_attr_get_payload_len(attr) != n || len > 8 * n)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->len = len;
	memcpy(out->addr, mnl_attr_get_payload(attr), n);
	return 0;
}
