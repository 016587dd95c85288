/*
 * Reading netlink attributes safely (STYLE "validate before you read"): the
 * tb[] idiom over libmnl. A table of expected types says which attributes
 * are read; each one present is checked for its type (and so its length)
 * before anyone looks at it. Unknown attribute types (a newer kernel's) are
 * skipped; a known one of the wrong shape fails the whole message.
 */
#ifndef NETHEAL_NETLINK_ATTR_H
#define NETHEAL_NETLINK_ATTR_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "policy/model.h"

/* The attributes of nlh after its family header of hdrlen bytes into
 * a[0..max] (zeroed first); types[t] MNL_TYPE_UNSPEC means "not read".
 * Returns 0, or -EINVAL when the message is too short or an attribute read
 * is malformed. */
int nh_attr_parse(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **a,
		  const enum mnl_attr_data_type *types, uint16_t max);
/* The same for the attributes nested in nest. */
int nh_attr_parse_nested(const struct nlattr *nest, const struct nlattr **a,
			 const enum mnl_attr_data_type *types, uint16_t max);
/* The same for a bare run of attributes of len bytes at payload (a
 * multipath nexthop's own attributes). */
int nh_attr_parse_payload(const void *payload, size_t len, const struct nlattr **a,
			  const enum mnl_attr_data_type *types, uint16_t max);

/* A MNL_TYPE_NUL_STRING attribute into dst[size]: -EINVAL when it does
 * not fit. */
int nh_attr_strcpy(const struct nlattr *attr, char *dst, size_t size);
/* An address attribute of exactly family's size (4 or 16 bytes) as a
 * prefix of length len. -EINVAL for another size or family. */
int nh_attr_addr(const struct nlattr *attr, int family, uint8_t len, struct nh_prefix *out);

#endif
