/*
 * Keys and values: the table-driven check of a group's keys (unknown key,
 * wrong type), typo suggestions, and typed getters that each report their
 * own error naming the key.
 */
#include "parse_int.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

/* ---- messages ---- */

NH_PRINTF(5, 0)
static void vdiag(struct nh_pctx *c, const char *file, unsigned int line, bool warning,
		  const char *fmt, va_list ap)
{
	char *msg;

	if (vasprintf(&msg, fmt, ap) < 0) {
		c->err = -ENOMEM;
		return;
	}
	if (nh_diags_add(c->d, file, line, warning, "%s", msg) < 0)
		c->err = -ENOMEM;
	free(msg);
}

void nh_perror(struct nh_pctx *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, c->file, line, false, fmt, ap);
	va_end(ap);
}

void nh_pwarn(struct nh_pctx *c, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, c->file, line, true, fmt, ap);
	va_end(ap);
}

void nh_perror_at(struct nh_pctx *c, const struct nh_origin *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, o->file, o->line, false, fmt, ap);
	va_end(ap);
}

void nh_pwarn_at(struct nh_pctx *c, const struct nh_origin *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag(c, o->file, o->line, true, fmt, ap);
	va_end(ap);
}

/* A value quoted for a message: at most 64 bytes, control bytes escaped,
 * so a hostile 10 MB string or a terminal escape never reaches the output. */
const char *nh_quote(const char *s, char *buf, size_t size)
{
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < size && i < 64; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (nh_is_control(ch) || ch == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
		else
			buf[o++] = (char)ch;
	}
	buf[o] = '\0';
	if (s[i] && o + 4 < size)
		memcpy(buf + o, "...", 4);
	return buf;
}

/* ---- lines ---- */

/* Offset of the start of line `line` (1-based), or SIZE_MAX. The cursor
 * makes the mostly forward lookups of one file linear overall. */
static size_t line_start(struct nh_pctx *c, size_t line)
{
	if (c->cur_line == 0 || line < c->cur_line / 2) {
		c->cur_line = 1;
		c->cur_off = 0;
	}
	while (c->cur_line > line) {
		/* back to the start of the previous line */
		size_t o = c->cur_off - 1;

		while (o > 0 && c->text[o - 1] != '\n')
			o--;
		c->cur_off = o;
		c->cur_line--;
	}
	while (c->cur_line < line) {
		const char *nl = memchr(c->text + c->cur_off, '\n', c->text_len - c->cur_off);

		if (!nl)
			return SIZE_MAX;
		c->cur_off = (size_t)(nl - c->text) + 1;
		c->cur_line++;
	}
	return c->cur_off;
}

/* First character of a line that is not blank: '\0' for a blank line or
 * one holding only a comment. */
static char line_first(struct nh_pctx *c, size_t line)
{
	size_t o = line_start(c, line);

	if (o == SIZE_MAX)
		return '\0';
	while (o < c->text_len && (c->text[o] == ' ' || c->text[o] == '\t' || c->text[o] == '\r'))
		o++;
	if (o >= c->text_len || c->text[o] == '\n' || c->text[o] == '#' ||
	    (c->text[o] == '/' && o + 1 < c->text_len && c->text[o + 1] == '/'))
		return '\0';
	return c->text[o];
}

unsigned int nh_line(struct nh_pctx *c, const config_setting_t *s)
{
	unsigned int line = config_setting_source_line(s);
	const config_setting_t *parent = config_setting_parent(s);
	char first;

	/* Only a scalar value inside an array or list is read one token late:
	 * when that token (',', ']' or ')') opens a line, the value is on the
	 * last line above with content. */
	if (!c->text || line <= 1 || config_setting_name(s) || !parent ||
	    config_setting_is_aggregate(s))
		return line;
	first = line_first(c, line);
	if (first != ']' && first != ')' && first != ',')
		return line;
	for (line--; line > 1 && line_first(c, line) == '\0'; line--)
		;
	return line;
}

struct nh_origin nh_origin_of(struct nh_pctx *c, const config_setting_t *s)
{
	return (struct nh_origin){ .file = c->file, .line = nh_line(c, s) };
}

/* ---- keys ---- */

static const char *ktype_name(enum nh_ktype t)
{
	switch (t) {
	case NH_KT_STRING:
		return "a string";
	case NH_KT_BOOL:
		return "true or false";
	case NH_KT_INT:
		return "an integer";
	case NH_KT_GROUP:
		return "a group { ... }";
	case NH_KT_LIST:
		return "a list ( { ... }, ... )";
	case NH_KT_STRINGS:
		return "an array of strings [ \"...\", ... ]";
	}
	return "?";
}

static const char *ctype_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a float";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "nothing";
}

static bool type_ok(const config_setting_t *s, enum nh_ktype t)
{
	int ct = config_setting_type(s);

	switch (t) {
	case NH_KT_STRING:
		return ct == CONFIG_TYPE_STRING;
	case NH_KT_BOOL:
		return ct == CONFIG_TYPE_BOOL;
	case NH_KT_INT:
		return ct == CONFIG_TYPE_INT || ct == CONFIG_TYPE_INT64;
	case NH_KT_GROUP:
		return ct == CONFIG_TYPE_GROUP;
	case NH_KT_LIST:
		return ct == CONFIG_TYPE_LIST ||
		       (ct == CONFIG_TYPE_ARRAY && config_setting_length(s) == 0);
	case NH_KT_STRINGS:
		return ct == CONFIG_TYPE_ARRAY || ct == CONFIG_TYPE_LIST;
	}
	return false;
}

const char *nh_suggest_key(const char *key, const struct nh_key *keys, size_t n)
{
	const char *best = NULL;
	unsigned int best_d = UINT_MAX;

	for (size_t i = 0; i < n; i++) {
		unsigned int dist = nh_typo_distance(key, keys[i].name);

		if (nh_typo_of(key, keys[i].name) && dist < best_d) {
			best = keys[i].name;
			best_d = dist;
		}
	}
	return best;
}

/* Other tools' words for netheal's keys (iproute2's, netplan's, ifupdown's,
 * nmstate's): the first of a word's keys the group has is the one meant. */
static const struct {
	const char *word;
	const char *keys[2];
} key_words[] = {
	{ "gateway", { "via" } },
	{ "gw", { "via" } },
	{ "nexthop", { "via" } },
	{ "next-hop-address", { "via" } },
	{ "dst", { "to", "address" } },
	{ "destination", { "to" } },
	{ "prefix", { "to" } },
	{ "ip", { "addresses", "address" } },
	{ "ips", { "addresses" } },
	{ "addr", { "addresses", "address" } },
	{ "ipaddr", { "addresses", "address" } },
	{ "hwaddr", { "mac", "lladdr" } },
	{ "mac", { "lladdr" } },
	{ "macaddress", { "mac", "lladdr" } },
	{ "type", { "kind" } },
	{ "bridge", { "master" } },
	{ "namespace", { "netns" } },
	{ "device", { "dev" } },
	{ "interface", { "dev" } },
	{ "iface", { "dev" } },
	{ "ifname", { "name" } },
	{ "pref", { "priority" } },
	{ "preference", { "priority" } },
	{ "prio", { "priority" } },
	{ "lookup", { "table" } },
	{ "vni", { "id" } },
	{ "vlan_id", { "id" } },
};

/* The index in keys[0..n) of the key another tool calls word, or n. */
static size_t key_of_word(const char *word, const struct nh_key *keys, size_t n)
{
	for (size_t i = 0; i < NH_ARRAY_SIZE(key_words); i++) {
		if (strcasecmp(word, key_words[i].word) != 0)
			continue;
		for (size_t j = 0; j < NH_ARRAY_SIZE(key_words[i].keys) && key_words[i].keys[j]; j++)
			for (size_t k = 0; k < n; k++)
				if (strcmp(keys[k].name, key_words[i].keys[j]) == 0)
					return k;
	}
	return n;
}

bool nh_key_given(const config_setting_t *g, const char *key)
{
	const struct nh_key k = { key, NH_KT_STRING };
	int len = config_setting_length(g);

	if (config_setting_get_member(g, key))
		return true;
	for (int i = 0; i < len; i++) {
		const char *name = config_setting_name(config_setting_get_elem(g, (unsigned int)i));

		if (name && key_of_word(name, &k, 1) == 0)
			return true;
	}
	return false;
}

/* Report m, a key keys[0..n) lacks. Returns the index of the key it is
 * another tool's word for, or n. */
static size_t unknown_key(struct nh_pctx *c, const config_setting_t *m, const char *what,
			  const struct nh_key *keys, size_t n)
{
	const char *name = config_setting_name(m);
	size_t ours = key_of_word(name, keys, n);
	const char *hint = nh_suggest_key(name, keys, n);
	char q[128];

	char known[256];
	size_t o = 0;

	if (ours < n) {
		nh_perror(c, nh_line(c, m), "unknown key '%s' in %s (netheal calls it '%s')",
			  nh_quote(name, q, sizeof(q)), what, keys[ours].name);
		return ours;
	}
	if (hint) {
		nh_perror(c, nh_line(c, m), "unknown key '%s' in %s (did you mean '%s'?)",
			  nh_quote(name, q, sizeof(q)), what, hint);
		return n;
	}
	known[0] = '\0';
	for (size_t i = 0; i < n && o < sizeof(known); i++)
		o += (size_t)snprintf(known + o, sizeof(known) - o, "%s%s", i ? ", " : "", keys[i].name);
	nh_perror(c, nh_line(c, m), "unknown key '%s' in %s (known keys: %s)",
		  nh_quote(name, q, sizeof(q)), what, known);
	return n;
}

void nh_scan_group(struct nh_pctx *c, const config_setting_t *g, const char *what,
		   const struct nh_key *keys, size_t n, const config_setting_t **found)
{
	int len = config_setting_length(g);

	for (size_t i = 0; i < n; i++)
		found[i] = NULL;
	for (int i = 0; i < len; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(m);
		size_t k;

		if (!name)
			continue;
		for (k = 0; k < n && strcmp(name, keys[k].name) != 0; k++)
			;
		if (k == n) {
			/* another tool's word, already an error: its value read
			 * as its key's, so no "needs" follows for what is there */
			k = unknown_key(c, m, what, keys, n);
			if (k < n && !found[k] && type_ok(m, keys[k].type))
				found[k] = m;
		} else if (!type_ok(m, keys[k].type)) {
			nh_perror(c, nh_line(c, m), "'%s' must be %s, not %s", name,
				  ktype_name(keys[k].type), ctype_name(m));
		} else {
			found[k] = m;
		}
	}
}

/* ---- values ---- */

int nh_get_uint(struct nh_pctx *c, const config_setting_t *s, uint64_t min, uint64_t max, uint64_t *out)
{
	long long v = config_setting_get_int64(s);
	unsigned int line = nh_line(c, s);

	for (size_t i = 0; i < c->n_bad_int; i++)
		if (c->bad_int_lines[i] == line)
			return -EINVAL;
	if (v < 0 || (uint64_t)v < min || (uint64_t)v > max) {
		nh_perror(c, line, "'%s' %lld is out of range (%llu..%llu)",
			  config_setting_name(s), v, (unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = (uint64_t)v;
	return 0;
}

bool nh_ifname_valid(const char *s)
{
	size_t n = strlen(s);

	/* the kernel's dev_valid_name(); no control bytes: they would garble
	 * every log line naming the link; no '%': the kernel takes such a
	 * name as a pattern and numbers it itself (dev_get_valid_name), so no
	 * link ever has it */
	if (n == 0 || n >= NH_IFNAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || s[i] == ':' || s[i] == '%' || isspace((unsigned char)s[i]) ||
		    nh_is_control((unsigned char)s[i]))
			return false;
	return true;
}

bool nh_netns_name_valid(const char *s)
{
	size_t n = strlen(s);

	/* a file name in netns_dir; control bytes would garble logs; "-" is
	 * netheal's name for the host (logs, status, -n -) */
	if (n == 0 || n >= NH_NETNS_NAMSIZ || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strcmp(s, "-") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '/' || nh_is_control((unsigned char)s[i]))
			return false;
	return true;
}

int nh_get_ifname(struct nh_pctx *c, const config_setting_t *s, char out[NH_IFNAMSIZ])
{
	const char *v = config_setting_get_string(s);
	char q[128];

	if (strchr(v, '%')) {
		nh_perror(c, nh_line(c, s), "'%s': interface name '%s' has a '%%': the kernel takes it as "
			  "a pattern and picks a number itself (br%%d becomes br0, br1, ...), so no link can "
			  "have this name", config_setting_name(s), nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	if (!nh_ifname_valid(v)) {
		nh_perror(c, nh_line(c, s), "'%s': invalid interface name '%s' "
			  "(1-15 bytes, no '/', ':', '%%', whitespace or control characters, not '.' or '..')",
			  config_setting_name(s), nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	return nh_strlcpy(out, v, NH_IFNAMSIZ);
}

int nh_get_netns_name(struct nh_pctx *c, const config_setting_t *s, char out[NH_NETNS_NAMSIZ])
{
	const char *v = config_setting_get_string(s);
	char q[128];

	if (!nh_netns_name_valid(v)) {
		nh_perror(c, nh_line(c, s), "'%s': invalid namespace name '%s' "
			  "(1-255 bytes of a file name: no '/' or control characters, not '.' or '..', nor '-', "
			  "which names the host)",
			  config_setting_name(s), nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	return nh_strlcpy(out, v, NH_NETNS_NAMSIZ);
}

int nh_get_ip(struct nh_pctx *c, const config_setting_t *s, struct nh_prefix *out)
{
	const char *v = config_setting_get_string(s);
	char q[128], ip[64];
	struct nh_prefix p;

	if (nh_ip_parse(v, out) < 0) {
		if (nh_prefix_parse(v, &p) == 0)
			/* an address where ADDR/PREFIX is usual (addresses, to) */
			nh_perror(c, nh_line(c, s), "'%s': '%s' is an address with a prefix length: give "
				  "the address alone (%s)", config_setting_name(s), nh_quote(v, q, sizeof(q)),
				  nh_prefix_str(&p, false, ip, sizeof(ip)));
		else
			nh_perror(c, nh_line(c, s), "'%s': invalid IP address '%s'",
				  config_setting_name(s), nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	return 0;
}

int nh_get_mac(struct nh_pctx *c, const config_setting_t *s, uint8_t out[6])
{
	static const uint8_t zero[6];
	const char *v = config_setting_get_string(s);
	char q[128];

	if (nh_mac_parse(v, out) < 0) {
		nh_perror(c, nh_line(c, s), "'mac': invalid MAC address '%s' (expected aa:bb:cc:dd:ee:ff)",
			  nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	/* the kernel refuses both on an Ethernet device (is_valid_ether_addr) */
	if (out[0] & 1) {
		nh_perror(c, nh_line(c, s), "'mac': %s is a multicast address", v);
		return -EINVAL;
	}
	if (memcmp(out, zero, 6) == 0) {
		nh_perror(c, nh_line(c, s), "'mac': %s is the all-zero address", v);
		return -EINVAL;
	}
	return 0;
}

int nh_get_mode(struct nh_pctx *c, const config_setting_t *s, enum nh_mode *out)
{
	const char *v = config_setting_get_string(s);
	char q[128];

	if (strcmp(v, "enforce") == 0) {
		*out = NH_MODE_ENFORCE;
	} else if (strcmp(v, "audit") == 0) {
		*out = NH_MODE_AUDIT;
	} else {
		nh_perror(c, nh_line(c, s), "'mode': unknown mode '%s' (expected \"enforce\" or \"audit\")",
			  nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	return 0;
}

/* Every element of s is a string; else an error naming the first other. */
static int all_strings(struct nh_pctx *c, const config_setting_t *s)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			nh_perror(c, nh_line(c, e), "'%s' must be an array of strings; element %d is %s",
				  config_setting_name(s), i + 1, ctype_name(e));
			return -EINVAL;
		}
	}
	return 0;
}

int nh_get_argv(struct nh_pctx *c, const config_setting_t *s, char ***out)
{
	int n = config_setting_length(s);
	const char *prog;
	char **argv;
	char q[128];

	*out = NULL;
	if (all_strings(c, s) < 0)
		return -EINVAL;
	if (n == 0) {
		nh_perror(c, nh_line(c, s), "'%s' is empty: a hook needs at least a program",
			  config_setting_name(s));
		return -EINVAL;
	}
	prog = config_setting_get_string_elem(s, 0);
	if (prog[0] != '/') {
		nh_perror(c, nh_line(c, config_setting_get_elem(s, 0)),
			  "'%s': hook program '%s' is not an absolute path (hooks run without a shell or PATH)",
			  config_setting_name(s), nh_quote(prog, q, sizeof(q)));
		return -EINVAL;
	}
	argv = calloc((size_t)n + 1, sizeof(*argv));
	if (!argv)
		goto oom;
	for (int i = 0; i < n; i++) {
		argv[i] = strdup(config_setting_get_string_elem(s, (unsigned int)i));
		if (!argv[i])
			goto oom;
	}
	*out = argv;
	return 0;
oom:
	for (int i = 0; argv && i < n; i++)
		free(argv[i]);
	free(argv);
	c->err = -ENOMEM;
	return -ENOMEM;
}

int nh_get_addresses(struct nh_pctx *c, const config_setting_t *s, const char *link,
		     struct nh_address **v, size_t *n, size_t *cap)
{
	int len = config_setting_length(s);
	int r = 0;

	if (all_strings(c, s) < 0)
		return -EINVAL;
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
		const char *str = config_setting_get_string(e);
		struct nh_address a = { .origin = nh_origin_of(c, e) };
		char q[128], why[160];

		if (nh_prefix_parse(str, &a.prefix) < 0) {
			nh_perror(c, a.origin.line, "'addresses': '%s' is not ADDR/PREFIX: %s",
				  nh_quote(str, q, sizeof(q)), nh_prefix_why_not(str, why, sizeof(why)));
			r = -EINVAL;
			continue;
		}
		if (nh_ip_is_unspecified(&a.prefix)) {
			/* the kernel acks 0.0.0.0 and keeps nothing; it refuses :: */
			nh_perror(c, a.origin.line, "'addresses': %s is the unspecified address (%s): no link "
				  "can hold it", str, a.prefix.family == AF_INET ? "0.0.0.0" : "::");
			r = -EINVAL;
			continue;
		}
		if (a.prefix.family == AF_INET6 && nh_ip_is_multicast(&a.prefix)) {
			/* an IPv6 group is joined, not assigned */
			nh_perror(c, a.origin.line, "'addresses': %s is a multicast address: the kernel refuses "
				  "it on a link", str);
			r = -EINVAL;
			continue;
		}
		nh_strlcpy(a.link, link, sizeof(a.link));
		if (nh_grow(v, cap, *n + 1, sizeof(**v)) < 0) {
			c->err = -ENOMEM;
			return -ENOMEM;
		}
		(*v)[(*n)++] = a;
	}
	return r;
}
