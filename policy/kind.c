/* The registry of link kinds (policy half) and what every kind shares. */
#include "kind.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"
#include "parse_int.h"

#define NH_KIND_ENTRY(k) &nh_kind_##k,
static const struct nh_kind *const registry[] = { NH_KINDS(NH_KIND_ENTRY) };

size_t nh_kind_count(void)
{
	return NH_ARRAY_SIZE(registry);
}

const struct nh_kind *nh_kind_at(size_t i)
{
	return i < NH_ARRAY_SIZE(registry) ? registry[i] : NULL;
}

const struct nh_kind *nh_kind_by_name(const char *name)
{
	for (size_t i = 0; name && i < NH_ARRAY_SIZE(registry); i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

const struct nh_kind *nh_kind_from_kernel(const char *info_kind)
{
	const struct nh_kind *k = nh_kind_by_name(info_kind);

	return k && !(k->flags & NH_KIND_FROM_HOST) ? k : NULL;
}

const char *nh_kind_name(const struct nh_kind *k)
{
	return k ? k->name : "";
}

bool nh_kind_has(const struct nh_kind *k, uint32_t flag)
{
	return k && (k->flags & flag);
}

const char *nh_kind_list(uint32_t flags, char *buf, size_t size)
{
	size_t n = 0, o = 0, i, seen = 0;

	for (i = 0; i < NH_ARRAY_SIZE(registry); i++)
		n += (registry[i]->flags & flags) == flags;
	buf[0] = '\0';
	for (i = 0; i < NH_ARRAY_SIZE(registry) && o < size; i++) {
		if ((registry[i]->flags & flags) != flags)
			continue;
		seen++;
		o += (size_t)snprintf(buf + o, size - o, "%s%s", seen == 1 ? "" : seen == n ? " or " : ", ",
				      registry[i]->name);
	}
	return buf;
}

void nh_kind_parse_parent(struct nh_link_in *in, const config_setting_t *s)
{
	if (nh_get_ifname(in->c, s, in->l.parent) == 0)
		in->l.has |= NH_LINK_HAS_PARENT;
}
