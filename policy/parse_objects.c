/*
 * The namespace-level objects beyond links and routes (SPEC §3.1): `sysctl`,
 * `rules` and `neighbours`, at the top level and in a namespace rule. Checks
 * across entries (a key set twice, a rule or neighbour defined twice) are in
 * validate.c.
 *
 * Choices the SPEC leaves open:
 *  - sysctl: "KEY=VALUE" with spaces allowed around both (sysctl.conf); an
 *    empty value and control characters in it are errors; a value longer
 *    than NH_SYSCTL_VALSIZ - 1 bytes too. Whether the kernel has the key is
 *    not known here: `check` asks the machine it runs on (a warning).
 *  - rules: `from`/`to` take ADDR/PREFIX or a plain address (a host); host
 *    bits set are an error, as for routes; a /0 prefix only says the family.
 *    `fwmark` is MARK or MARK/MASK in C notation (0x10, 16, 0x10/0xff); a
 *    mark without a mask means mask 0xffffffff, as the kernel takes it;
 *    0/0 (every packet) is an error. `table` 1..4294967295; `priority`
 *    0..4294967295. A rule no prefix or `family` gives a family to is two
 *    rules, one per family (SPEC §3.1).
 *  - neighbours: `address` is a plain address, `lladdr` six bytes
 *    (aa:bb:cc:dd:ee:ff, any of them: a multicast lladdr is a legitimate
 *    static entry), `dev` is required too (the kernel needs it).
 */
#include "parse_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- sysctl ---- */

/* Trim spaces and tabs at both ends of [s, s + n) into out. */
static int trimmed(const char *s, size_t n, char *out, size_t size)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

/* Why key is not valid, for the message. */
static const char *sysctl_key_problem(const char *key)
{
	/* a path ("net/ipv4/ip_forward") first: it is the wrong spelling, not
	 * the wrong place */
	if (strchr(key, '/'))
		return "has a '/': write it with dots, as sysctl.conf does (net.ipv4.conf.eth1.rp_filter)";
	if (strncmp(key, "net.", 4) != 0 || !key[4])
		return "is outside net.: netheal sets a namespace's network settings only";
	if (strstr(key, ".."))
		return "has '..'";
	for (const char *p = key; *p; p++)
		if (isspace((unsigned char)*p))
			return "has whitespace";
	for (const char *p = key; *p; p++)
		if (nh_is_control((unsigned char)*p))
			return "has a control character";
	if (key[strlen(key) - 1] == '.')
		return "ends with '.'";
	if (strlen(key) >= NH_SYSCTL_KEYSIZ)
		return "is too long";
	/* what is left: a per-link key whose link name is not one */
	return "names no valid interface (1-15 bytes, no ':', '%' or whitespace)";
}

static bool value_ok(const char *v)
{
	for (; *v; v++)
		if (nh_is_control((unsigned char)*v) && *v != '\t')
			return false;
	return true;
}

static void parse_sysctl_entry(struct nh_pctx *c, const config_setting_t *e, struct nh_netns_rule *r)
{
	const char *s = config_setting_get_string(e);
	const char *eq = strchr(s, '=');
	struct nh_sysctl k = { .origin = nh_origin_of(c, e) };
	char raw[NH_SYSCTL_VALSIZ], q[128];

	if (!eq) {
		nh_perror(c, k.origin.line, "'sysctl': '%s' is not KEY=VALUE (as in sysctl.conf: "
			  "\"net.ipv4.ip_forward=1\")", nh_quote(s, q, sizeof(q)));
		return;
	}
	if (trimmed(s, (size_t)(eq - s), k.key, sizeof(k.key)) < 0) {
		nh_perror(c, k.origin.line, "'sysctl': key '%s' is too long", nh_quote(s, q, sizeof(q)));
		return;
	}
	if (!k.key[0]) {
		nh_perror(c, k.origin.line, "'sysctl': '%s' has no key before '='", nh_quote(s, q, sizeof(q)));
		return;
	}
	if (!nh_sysctl_key_valid(k.key)) {
		nh_perror(c, k.origin.line, "'sysctl': key '%s' %s", nh_quote(k.key, q, sizeof(q)),
			  sysctl_key_problem(k.key));
		return;
	}
	if (trimmed(eq + 1, strlen(eq + 1), raw, sizeof(raw)) < 0) {
		nh_perror(c, k.origin.line, "'sysctl': the value of '%s' is longer than %d bytes", k.key,
			  NH_SYSCTL_VALSIZ - 1);
		return;
	}
	if (!raw[0]) {
		nh_perror(c, k.origin.line, "'sysctl': '%s' has no value after '='", k.key);
		return;
	}
	if (!value_ok(raw)) {
		nh_perror(c, k.origin.line, "'sysctl': the value of '%s' has a control character", k.key);
		return;
	}
	if (raw[0] == '=') {
		nh_perror(c, k.origin.line, "'sysctl': the value of '%s' starts with '=' (one '=' goes between "
			  "the key and the value)", k.key);
		return;
	}
	nh_sysctl_value_normalize(raw, k.value, sizeof(k.value));
	nh_sysctl_key_link(k.key, k.link);
	if (nh_state_add_sysctl(&r->want, &k) < 0)
		c->err = -ENOMEM;
}

void nh_parse_sysctls(struct nh_pctx *c, const config_setting_t *s, struct nh_netns_rule *r)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			nh_perror(c, nh_line(c, e), "'sysctl' must be an array of strings \"KEY=VALUE\"; "
				  "element %d is not a string", i + 1);
			continue;
		}
		parse_sysctl_entry(c, e, r);
	}
}

/* ---- rules ---- */

enum { FK_PRIORITY, FK_FROM, FK_TO, FK_IIF, FK_OIF, FK_FWMARK, FK_TABLE, FK_ACTION, FK_FAMILY, FK__COUNT };

static const struct nh_key frule_keys[FK__COUNT] = {
	[FK_PRIORITY] = { "priority", NH_KT_INT },
	[FK_FROM] = { "from", NH_KT_STRING },
	[FK_TO] = { "to", NH_KT_STRING },
	[FK_IIF] = { "iif", NH_KT_STRING },
	[FK_OIF] = { "oif", NH_KT_STRING },
	[FK_FWMARK] = { "fwmark", NH_KT_STRING },
	[FK_TABLE] = { "table", NH_KT_INT },
	[FK_ACTION] = { "action", NH_KT_STRING },
	[FK_FAMILY] = { "family", NH_KT_STRING },
};

static const char *family_word(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* `from` or `to`: ADDR/PREFIX or ADDR, no host bits. Returns 0 and sets
 * *family (and the selector, unless the length is 0), or -EINVAL. */
static int parse_selector(struct nh_pctx *c, const config_setting_t *s, struct nh_prefix *out, bool *has,
			  uint8_t *family)
{
	const char *v = config_setting_get_string(s);
	struct nh_prefix net;
	char q[128], buf[64], why[160];

	if (nh_prefix_parse(v, out) < 0 && nh_ip_parse(v, out) < 0) {
		nh_perror(c, nh_line(c, s), "'%s': '%s' is neither ADDR/PREFIX nor ADDR: %s (leave '%s' "
			  "out to match every address)", config_setting_name(s), nh_quote(v, q, sizeof(q)),
			  nh_prefix_why_not(v, why, sizeof(why)), config_setting_name(s));
		return -EINVAL;
	}
	net = *out;
	for (unsigned int bit = net.len; bit < 128; bit++)
		net.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	if (nh_prefix_cmp(&net, out) != 0) {
		nh_perror(c, nh_line(c, s), "'%s': %s has host bits set (did you mean %s?)",
			  config_setting_name(s), v, nh_prefix_str(&net, true, buf, sizeof(buf)));
		return -EINVAL;
	}
	*family = out->family;
	*has = out->len > 0;
	return 0;
}

/* "MARK" or "MARK/MASK", each a C integer (0x10, 16) of 32 bits. */
static int parse_u32(const char *s, size_t n, uint32_t *out)
{
	char buf[16], *end;
	unsigned long long v;

	if (n == 0 || n >= sizeof(buf) || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = '\0';
	errno = 0;
	v = strtoull(buf, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int parse_fwmark(struct nh_pctx *c, const config_setting_t *s, struct nh_fib_rule *fr)
{
	const char *v = config_setting_get_string(s);
	const char *slash = strchr(v, '/');
	char q[128];

	fr->fwmask = UINT32_MAX;
	if (parse_u32(v, slash ? (size_t)(slash - v) : strlen(v), &fr->fwmark) < 0 ||
	    (slash && parse_u32(slash + 1, strlen(slash + 1), &fr->fwmask) < 0)) {
		nh_perror(c, nh_line(c, s), "'fwmark': '%s' is neither MARK nor MARK/MASK (as in \"0x10/0xff\")",
			  nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	if (fr->fwmask == 0) {
		nh_perror(c, nh_line(c, s), "'fwmark': mask 0 matches every packet: leave 'fwmark' out");
		return -EINVAL;
	}
	fr->has |= NH_FRULE_HAS_FWMARK;
	return 0;
}

static int parse_family(struct nh_pctx *c, const config_setting_t *s, uint8_t *family)
{
	const char *v = config_setting_get_string(s);
	char q[128];

	if (strcmp(v, "inet") == 0) {
		*family = AF_INET;
	} else if (strcmp(v, "inet6") == 0) {
		*family = AF_INET6;
	} else {
		nh_perror(c, nh_line(c, s), "'family': unknown family '%s' (expected \"inet\" or \"inet6\")",
			  nh_quote(v, q, sizeof(q)));
		return -EINVAL;
	}
	return 0;
}

/* table or action, exactly one. */
static int parse_frule_target(struct nh_pctx *c, const config_setting_t *g, const config_setting_t **k,
			      struct nh_fib_rule *fr)
{
	bool has_table = nh_key_given(g, "table"), has_action = nh_key_given(g, "action");
	char q[128];
	uint64_t v;
	int a;

	if (has_table && has_action) {
		nh_perror(c, fr->origin.line, "a rule has either 'table' or 'action', not both");
		return -EINVAL;
	}
	if (!has_table && !has_action) {
		nh_perror(c, fr->origin.line, "a rule needs 'table' (the table to look up) or 'action' "
			  "(\"blackhole\", \"unreachable\" or \"prohibit\")");
		return -EINVAL;
	}
	if (has_table) {
		if (!k[FK_TABLE] || nh_get_uint(c, k[FK_TABLE], 1, UINT32_MAX, &v) < 0)
			return -EINVAL;
		fr->action = NH_FRULE_TABLE;
		fr->table = (uint32_t)v;
		return 0;
	}
	if (!k[FK_ACTION])
		return -EINVAL;
	a = nh_frule_action_from_string(config_setting_get_string(k[FK_ACTION]));
	if (a < 0) {
		nh_perror(c, nh_line(c, k[FK_ACTION]), "'action': unknown action '%s' (expected \"blackhole\", "
			  "\"unreachable\" or \"prohibit\"; to look up a table, say 'table')",
			  nh_quote(config_setting_get_string(k[FK_ACTION]), q, sizeof(q)));
		return -EINVAL;
	}
	fr->action = (uint8_t)a;
	return 0;
}

/* The family every part of the rule agrees on: 0 when none says. */
static int frule_family(struct nh_pctx *c, const config_setting_t *const *k, uint8_t fam_key,
			uint8_t fam_from, uint8_t fam_to, uint8_t *out)
{
	const char *which = fam_from ? "from" : "to";
	uint8_t fam_pfx = fam_from ? fam_from : fam_to;

	*out = fam_key;
	if (fam_from && fam_to && fam_from != fam_to) {
		nh_perror(c, nh_line(c, k[FK_TO]), "'to' is %s but 'from' is %s", family_word(fam_to),
			  family_word(fam_from));
		return -EINVAL;
	}
	if (fam_key && fam_pfx && fam_key != fam_pfx) {
		nh_perror(c, nh_line(c, k[FK_FAMILY]), "'family' is \"%s\" but '%s' is %s",
			  fam_key == AF_INET ? "inet" : "inet6", which, family_word(fam_pfx));
		return -EINVAL;
	}
	if (fam_pfx)
		*out = fam_pfx;
	return 0;
}

static void parse_frule(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r)
{
	const config_setting_t *k[FK__COUNT];
	struct nh_fib_rule fr = { .origin = nh_origin_of(c, g) };
	uint8_t fam_key = 0, fam_from = 0, fam_to = 0, family;
	bool ok = true, has;
	uint64_t v;

	nh_scan_group(c, g, "rule", frule_keys, FK__COUNT, k);
	if (!nh_key_given(g, "priority")) {
		nh_perror(c, fr.origin.line, "a rule needs 'priority' (0..4294967295, as ip rule's "
			  "preference): rules are matched in its order");
		ok = false;
	} else if (!k[FK_PRIORITY] || nh_get_uint(c, k[FK_PRIORITY], 0, UINT32_MAX, &v) < 0) {
		ok = false;
	} else {
		fr.priority = (uint32_t)v;
	}
	if (k[FK_FROM]) {
		if (parse_selector(c, k[FK_FROM], &fr.from, &has, &fam_from) < 0)
			ok = false;
		else if (has)
			fr.has |= NH_FRULE_HAS_FROM;
	}
	if (k[FK_TO]) {
		if (parse_selector(c, k[FK_TO], &fr.to, &has, &fam_to) < 0)
			ok = false;
		else if (has)
			fr.has |= NH_FRULE_HAS_TO;
	}
	if (k[FK_IIF]) {
		if (nh_get_ifname(c, k[FK_IIF], fr.iif) < 0)
			ok = false;
		else
			fr.has |= NH_FRULE_HAS_IIF;
	}
	if (k[FK_OIF]) {
		if (nh_get_ifname(c, k[FK_OIF], fr.oif) < 0)
			ok = false;
		else
			fr.has |= NH_FRULE_HAS_OIF;
	}
	if (k[FK_FWMARK] && parse_fwmark(c, k[FK_FWMARK], &fr) < 0)
		ok = false;
	if (k[FK_FAMILY] && parse_family(c, k[FK_FAMILY], &fam_key) < 0)
		ok = false;
	if (parse_frule_target(c, g, k, &fr) < 0)
		ok = false;
	if (!ok || frule_family(c, k, fam_key, fam_from, fam_to, &family) < 0)
		return;
	/* no prefix and no `family`: the rule holds for both families */
	for (int f = 0; f < 2; f++) {
		fr.family = f ? AF_INET6 : AF_INET;
		if (family && family != fr.family)
			continue;
		if (nh_state_add_rule(&r->want, &fr) < 0)
			c->err = -ENOMEM;
	}
}

void nh_parse_rules(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'rules' must be a group { priority = ...; }");
			continue;
		}
		parse_frule(c, g, r);
	}
}

/* ---- neighbours ---- */

enum { NBK_ADDRESS, NBK_LLADDR, NBK_DEV, NBK__COUNT };

static const struct nh_key neigh_keys[NBK__COUNT] = {
	[NBK_ADDRESS] = { "address", NH_KT_STRING },
	[NBK_LLADDR] = { "lladdr", NH_KT_STRING },
	[NBK_DEV] = { "dev", NH_KT_STRING },
};

static void parse_neigh(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r)
{
	const config_setting_t *k[NBK__COUNT];
	struct nh_neigh nb = { .has = NH_NEIGH_HAS_LLADDR, .origin = nh_origin_of(c, g) };
	bool ok = true;
	char q[128];

	nh_scan_group(c, g, "neighbour", neigh_keys, NBK__COUNT, k);
	if (!nh_key_given(g, "address")) {
		nh_perror(c, nb.origin.line, "a neighbour needs 'address' (its IP address)");
		ok = false;
	} else if (!k[NBK_ADDRESS] || nh_get_ip(c, k[NBK_ADDRESS], &nb.addr) < 0) {
		ok = false;
	}
	if (!nh_key_given(g, "lladdr")) {
		nh_perror(c, nb.origin.line, "a neighbour needs 'lladdr' (its link-layer address, "
			  "aa:bb:cc:dd:ee:ff): netheal keeps permanent entries only");
		ok = false;
	} else if (!k[NBK_LLADDR]) {
		ok = false;
	} else if (nh_mac_parse(config_setting_get_string(k[NBK_LLADDR]), nb.lladdr) < 0) {
		nh_perror(c, nh_line(c, k[NBK_LLADDR]), "'lladdr': invalid link-layer address '%s' "
			  "(expected aa:bb:cc:dd:ee:ff)", nh_quote(config_setting_get_string(k[NBK_LLADDR]), q, sizeof(q)));
		ok = false;
	}
	if (!nh_key_given(g, "dev")) {
		nh_perror(c, nb.origin.line, "a neighbour needs 'dev' (the link it is reached on)");
		ok = false;
	} else if (!k[NBK_DEV] || nh_get_ifname(c, k[NBK_DEV], nb.dev) < 0) {
		ok = false;
	} else if (strcmp(nb.dev, "lo") == 0) {
		/* NOARP: the kernel keeps any entry there as 0.0.0.0 */
		nh_perror(c, nh_line(c, k[NBK_DEV]), "a neighbour on 'lo': the loopback has no neighbours "
			  "(the kernel would keep the entry as 0.0.0.0 dev lo)");
		ok = false;
	}
	if (ok && nh_state_add_neigh(&r->want, &nb) < 0)
		c->err = -ENOMEM;
}

void nh_parse_neighbours(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'neighbours' must be a group { address = ...; }");
			continue;
		}
		parse_neigh(c, g, r);
	}
}
