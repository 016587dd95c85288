/*
 * The policy language: files, the top level, settings, namespace rules,
 * routes and hooks. Links are in parse_link.c, checks across files in
 * validate.c.
 *
 * Ranges, as the kernel takes them:
 *   metric 0..4294967295   table 1..4294967295 (0 is RT_TABLE_UNSPEC)
 * Settings: resync_interval 0..2147483647 s; flap_count, flap_window,
 * initial_ms, max_ms, hook_timeout 1..2147483647 and max_ms >= initial_ms;
 * netns_dir and status_file absolute paths; metrics_file "" or absolute.
 * Extra checks: a route needs `via` or `dev`; its destination has no host
 * bits set; `create` belongs to a `name` rule only; a namespace name is a
 * valid file name.
 */
#include "parse_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define INT_TOP 2147483647u

/* ---- settings ---- */

enum { SK_MODE, SK_POLICY_DIR, SK_NETNS_DIR, SK_RESYNC, SK_BACKOFF, SK_HOOK_TIMEOUT,
       SK_STATUS_FILE, SK_METRICS_FILE, SK__COUNT };

static const struct nh_key settings_keys[SK__COUNT] = {
	[SK_MODE] = { "mode", NH_KT_STRING },
	[SK_POLICY_DIR] = { "policy_dir", NH_KT_STRING },
	[SK_NETNS_DIR] = { "netns_dir", NH_KT_STRING },
	[SK_RESYNC] = { "resync_interval", NH_KT_INT },
	[SK_BACKOFF] = { "backoff", NH_KT_GROUP },
	[SK_HOOK_TIMEOUT] = { "hook_timeout", NH_KT_INT },
	[SK_STATUS_FILE] = { "status_file", NH_KT_STRING },
	[SK_METRICS_FILE] = { "metrics_file", NH_KT_STRING },
};

enum { BK_FLAP_COUNT, BK_FLAP_WINDOW, BK_INITIAL_MS, BK_MAX_MS, BK__COUNT };

static const struct nh_key backoff_keys[BK__COUNT] = {
	[BK_FLAP_COUNT] = { "flap_count", NH_KT_INT },
	[BK_FLAP_WINDOW] = { "flap_window", NH_KT_INT },
	[BK_INITIAL_MS] = { "initial_ms", NH_KT_INT },
	[BK_MAX_MS] = { "max_ms", NH_KT_INT },
};

static void get_seconds(struct nh_pctx *c, const config_setting_t *s, uint64_t min, unsigned int *out)
{
	uint64_t v;

	if (s && nh_get_uint(c, s, min, INT_TOP, &v) == 0)
		*out = (unsigned int)v;
}

/* A path setting: absolute, or "" where empty_ok. Replaces *out. */
static void get_path(struct nh_pctx *c, const config_setting_t *s, bool relative_ok, bool empty_ok,
		     char **out)
{
	const char *v;
	char *copy;

	if (!s)
		return;
	v = config_setting_get_string(s);
	if (!*v && !empty_ok) {
		nh_perror(c, nh_line(c, s), "'%s' must not be empty", config_setting_name(s));
		return;
	}
	if (*v && *v != '/' && !relative_ok) {
		nh_perror(c, nh_line(c, s), "'%s' must be an absolute path, not '%.64s'",
			  config_setting_name(s), v);
		return;
	}
	copy = strdup(v);
	if (!copy) {
		c->err = -ENOMEM;
		return;
	}
	free(*out);
	*out = copy;
}

static void parse_backoff(struct nh_pctx *c, const config_setting_t *g, struct nh_backoff *b)
{
	const config_setting_t *k[BK__COUNT];

	nh_scan_group(c, g, "'backoff'", backoff_keys, BK__COUNT, k);
	get_seconds(c, k[BK_FLAP_COUNT], 1, &b->flap_count);
	get_seconds(c, k[BK_FLAP_WINDOW], 1, &b->flap_window);
	get_seconds(c, k[BK_INITIAL_MS], 1, &b->initial_ms);
	get_seconds(c, k[BK_MAX_MS], 1, &b->max_ms);
	if (b->max_ms < b->initial_ms)
		nh_perror(c, nh_line(c, k[BK_MAX_MS] ? k[BK_MAX_MS] : g),
			  "'max_ms' %u is less than 'initial_ms' %u", b->max_ms, b->initial_ms);
}

static void parse_settings(struct nh_pctx *c, const config_setting_t *g)
{
	struct nh_settings *s = &c->p->settings;
	const config_setting_t *k[SK__COUNT];

	nh_scan_group(c, g, "the 'netheal' settings", settings_keys, SK__COUNT, k);
	if (k[SK_MODE])
		nh_get_mode(c, k[SK_MODE], &s->mode);
	get_path(c, k[SK_POLICY_DIR], true, false, &s->policy_dir);
	if (k[SK_POLICY_DIR])
		c->policy_dir_origin = nh_origin_of(c, k[SK_POLICY_DIR]);
	get_path(c, k[SK_NETNS_DIR], false, false, &s->netns_dir);
	get_seconds(c, k[SK_RESYNC], 0, &s->resync_interval);
	if (k[SK_BACKOFF])
		parse_backoff(c, k[SK_BACKOFF], &s->backoff);
	get_seconds(c, k[SK_HOOK_TIMEOUT], 1, &s->hook_timeout);
	get_path(c, k[SK_STATUS_FILE], false, false, &s->status_file);
	get_path(c, k[SK_METRICS_FILE], false, true, &s->metrics_file);
}

/* ---- routes ---- */

enum { RK_TO, RK_VIA, RK_DEV, RK_METRIC, RK_TABLE, RK__COUNT };

static const struct nh_key route_keys[RK__COUNT] = {
	[RK_TO] = { "to", NH_KT_STRING },
	[RK_VIA] = { "via", NH_KT_STRING },
	[RK_DEV] = { "dev", NH_KT_STRING },
	[RK_METRIC] = { "metric", NH_KT_INT },
	[RK_TABLE] = { "table", NH_KT_INT },
};

static const char *family_name(int family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/* `to`: "default" (family decided by `via`) or a network ADDR/PREFIX. */
static int parse_route_to(struct nh_pctx *c, const config_setting_t *s, struct nh_route *rt, bool *dflt)
{
	const char *v = config_setting_get_string(s);
	struct nh_prefix net;
	char buf[64];

	*dflt = strcmp(v, "default") == 0;
	if (*dflt)
		return 0;
	if (nh_prefix_parse(v, &rt->dst) < 0) {
		nh_perror(c, nh_line(c, s), "'to': '%.64s' is neither \"default\" nor ADDR/PREFIX", v);
		return -EINVAL;
	}
	/* the kernel refuses a destination with host bits ("Invalid prefix") */
	net = rt->dst;
	for (unsigned int bit = net.len; bit < 128; bit++)
		net.addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	if (nh_prefix_cmp(&net, &rt->dst) != 0) {
		nh_perror(c, nh_line(c, s), "'to': %s has host bits set (did you mean %s?)", v,
			  nh_prefix_str(&net, true, buf, sizeof(buf)));
		return -EINVAL;
	}
	return 0;
}

static void parse_route(struct nh_pctx *c, const config_setting_t *g, struct nh_netns_rule *r)
{
	const config_setting_t *k[RK__COUNT];
	struct nh_route rt = { .table = NH_RT_TABLE_MAIN, .origin = nh_origin_of(c, g) };
	bool ok = true, dflt = false;
	uint64_t v;

	nh_scan_group(c, g, "route", route_keys, RK__COUNT, k);
	if (k[RK_VIA]) {
		if (nh_get_ip(c, k[RK_VIA], &rt.via) == 0)
			rt.has |= NH_ROUTE_HAS_VIA;
		else
			ok = false;
	}
	if (!k[RK_TO]) {
		if (!config_setting_get_member(g, "to"))
			nh_perror(c, rt.origin.line, "a route needs 'to' (\"default\" or ADDR/PREFIX)");
		ok = false;
	} else if (parse_route_to(c, k[RK_TO], &rt, &dflt) < 0) {
		ok = false;
	} else if (dflt) {
		rt.dst.family = rt.has & NH_ROUTE_HAS_VIA ? rt.via.family : AF_INET;
	} else if ((rt.has & NH_ROUTE_HAS_VIA) && rt.via.family != rt.dst.family) {
		nh_perror(c, nh_line(c, k[RK_VIA]), "gateway %s is %s but destination %s is %s",
			  config_setting_get_string(k[RK_VIA]), family_name(rt.via.family),
			  config_setting_get_string(k[RK_TO]), family_name(rt.dst.family));
		ok = false;
	}
	if (k[RK_DEV]) {
		if (nh_get_ifname(c, k[RK_DEV], rt.dev) == 0)
			rt.has |= NH_ROUTE_HAS_DEV;
		else
			ok = false;
	}
	if (k[RK_METRIC]) {
		if (nh_get_uint(c, k[RK_METRIC], 0, UINT32_MAX, &v) == 0) {
			rt.metric = (uint32_t)v;
			rt.has |= NH_ROUTE_HAS_METRIC;
		} else {
			ok = false;
		}
	}
	if (k[RK_TABLE]) {
		if (nh_get_uint(c, k[RK_TABLE], 1, UINT32_MAX, &v) == 0)
			rt.table = (uint32_t)v;
		else
			ok = false;
	}
	if (!config_setting_get_member(g, "via") && !config_setting_get_member(g, "dev")) {
		nh_perror(c, rt.origin.line, "a route needs 'via' or 'dev'");
		ok = false;
	}
	if (ok && nh_state_add_route(&r->want, &rt) < 0)
		c->err = -ENOMEM;
}

static void parse_routes(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r)
{
	int n = config_setting_length(list);

	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned int)i);

		if (!config_setting_is_group(g)) {
			nh_perror(c, nh_line(c, g), "each entry of 'routes' must be a group { to = ...; }");
			continue;
		}
		parse_route(c, g, r);
	}
}

/* ---- namespace rules ---- */

enum { NK_NAME, NK_MATCH, NK_CREATE, NK_MODE, NK_LINKS, NK_ROUTES, NK_HOOKS, NK__COUNT };

static const struct nh_key netns_keys[NK__COUNT] = {
	[NK_NAME] = { "name", NH_KT_STRING },
	[NK_MATCH] = { "match", NH_KT_STRING },
	[NK_CREATE] = { "create", NH_KT_BOOL },
	[NK_MODE] = { "mode", NH_KT_STRING },
	[NK_LINKS] = { "links", NH_KT_LIST },
	[NK_ROUTES] = { "routes", NH_KT_LIST },
	[NK_HOOKS] = { "hooks", NH_KT_GROUP },
};

enum { HK_ON_CREATE, HK_ON_HEAL, HK__COUNT };

static const struct nh_key hook_keys[HK__COUNT] = {
	[HK_ON_CREATE] = { "on_create", NH_KT_STRINGS },
	[HK_ON_HEAL] = { "on_heal", NH_KT_STRINGS },
};

static void parse_hooks(struct nh_pctx *c, const config_setting_t *g, struct nh_hooks *h)
{
	const config_setting_t *k[HK__COUNT];

	nh_scan_group(c, g, "'hooks'", hook_keys, HK__COUNT, k);
	if (k[HK_ON_CREATE] && nh_get_argv(c, k[HK_ON_CREATE], &h->on_create) == 0)
		h->on_create_origin = nh_origin_of(c, k[HK_ON_CREATE]);
	if (k[HK_ON_HEAL] && nh_get_argv(c, k[HK_ON_HEAL], &h->on_heal) == 0)
		h->on_heal_origin = nh_origin_of(c, k[HK_ON_HEAL]);
}

const char *nh_rule_label(const struct nh_netns_rule *r, char *buf, size_t size)
{
	if (r->match)
		snprintf(buf, size, "namespaces matching '%s'", r->match);
	else if (r->name[0])
		snprintf(buf, size, "namespace '%s'", r->name);
	else
		snprintf(buf, size, "the host namespace");
	return buf;
}

static void rule_free(struct nh_netns_rule *r)
{
	free(r->match);
	nh_state_free(&r->want);
	for (char **a = r->hooks.on_create; a && *a; a++)
		free(*a);
	free(r->hooks.on_create);
	for (char **a = r->hooks.on_heal; a && *a; a++)
		free(*a);
	free(r->hooks.on_heal);
}

/* `name` or `match`, exactly one. Returns 0 when the rule has a valid one. */
static int parse_rule_id(struct nh_pctx *c, const config_setting_t *g, const config_setting_t **k,
			 struct nh_netns_rule *r)
{
	bool has_name = config_setting_get_member(g, "name");
	bool has_match = config_setting_get_member(g, "match");
	const char *m;

	if (has_name == has_match) {
		nh_perror(c, r->origin.line, "a namespace rule needs exactly one of 'name' and 'match'%s",
			  has_name ? ", not both" : "");
		return -EINVAL;
	}
	if (has_name)
		return k[NK_NAME] ? nh_get_netns_name(c, k[NK_NAME], r->name) : -EINVAL;
	if (!k[NK_MATCH])
		return -EINVAL;
	m = config_setting_get_string(k[NK_MATCH]);
	if (!*m || strchr(m, '/')) {
		nh_perror(c, nh_line(c, k[NK_MATCH]), "'match': '%.64s' is not a glob for namespace names", m);
		return -EINVAL;
	}
	r->match = strdup(m);
	if (!r->match) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	return 0;
}

static int rule_append(struct nh_pctx *c, const struct nh_netns_rule *r)
{
	struct nh_netns_rule **v = r->match ? &c->matched : &c->named;
	size_t *n = r->match ? &c->n_matched : &c->n_named;
	size_t *cap = r->match ? &c->cap_matched : &c->cap_named;

	if (nh_grow(v, cap, *n + 1, sizeof(**v)) < 0) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

static void drop_peers_since(struct nh_pctx *c, size_t n)
{
	while (c->n_peers > n)
		free(c->peers[--c->n_peers].addrs);
}

static void parse_netns(struct nh_pctx *c, const config_setting_t *g)
{
	const config_setting_t *k[NK__COUNT];
	struct nh_netns_rule r = { .create = true, .origin = nh_origin_of(c, g) };
	size_t peers_before = c->n_peers;
	bool ok;
	char where[NH_NETNS_NAMSIZ + 64];

	nh_scan_group(c, g, "namespace rule", netns_keys, NK__COUNT, k);
	ok = parse_rule_id(c, g, k, &r) == 0;
	if (k[NK_CREATE]) {
		if (r.match || config_setting_get_member(g, "match"))
			nh_perror(c, nh_line(c, k[NK_CREATE]), "'create' applies only to a rule with 'name': "
				  "a 'match' rule never creates a namespace");
		else
			r.create = config_setting_get_bool(k[NK_CREATE]);
	}
	if (k[NK_MODE])
		nh_get_mode(c, k[NK_MODE], &r.mode);
	nh_rule_label(&r, where, sizeof(where));
	if (k[NK_LINKS])
		nh_parse_links(c, k[NK_LINKS], &r, where);
	if (k[NK_ROUTES])
		parse_routes(c, k[NK_ROUTES], &r);
	if (k[NK_HOOKS])
		parse_hooks(c, k[NK_HOOKS], &r.hooks);
	if (!ok || rule_append(c, &r) < 0) {
		/* its problems are reported; its veth peers have no owner */
		drop_peers_since(c, peers_before);
		rule_free(&r);
	}
}

/* ---- the top level ---- */

enum { TK_NETHEAL, TK_LINKS, TK_ROUTES, TK_NAMESPACES, TK__COUNT };

static const struct nh_key top_keys[TK__COUNT] = {
	[TK_NETHEAL] = { "netheal", NH_KT_GROUP },
	[TK_LINKS] = { "links", NH_KT_LIST },
	[TK_ROUTES] = { "routes", NH_KT_LIST },
	[TK_NAMESPACES] = { "namespaces", NH_KT_LIST },
};

static void parse_root(struct nh_pctx *c, const config_setting_t *root)
{
	const config_setting_t *k[TK__COUNT];

	nh_scan_group(c, root, "the top level", top_keys, TK__COUNT, k);
	if (k[TK_NETHEAL] && c->settings_allowed) {
		parse_settings(c, k[TK_NETHEAL]);
	} else if (config_setting_get_member(root, "netheal") && !c->settings_allowed) {
		if (c->main_file)
			nh_perror(c, nh_line(c, config_setting_get_member(root, "netheal")),
				  "the 'netheal' settings group belongs in the main file %s, "
				  "not in a policy_dir file", c->main_file);
		else
			nh_perror(c, nh_line(c, config_setting_get_member(root, "netheal")),
				  "the 'netheal' settings group belongs in the main file, not in a "
				  "policy file (check the main file with 'netheal check -c FILE')");
	}
	if (k[TK_LINKS])
		nh_parse_links(c, k[TK_LINKS], &c->p->host, "the host namespace");
	if (k[TK_ROUTES])
		parse_routes(c, k[TK_ROUTES], &c->p->host);
	for (int i = 0; k[TK_NAMESPACES] && i < config_setting_length(k[TK_NAMESPACES]); i++) {
		const config_setting_t *g = config_setting_get_elem(k[TK_NAMESPACES], (unsigned int)i);

		if (!config_setting_is_group(g))
			nh_perror(c, nh_line(c, g), "each entry of 'namespaces' must be a group { name = ...; }");
		else
			parse_netns(c, g);
	}
}

/* Parse c->text (NUL-terminated, c->text_len bytes) as file c->file. */
static void parse_text(struct nh_pctx *c)
{
	config_t cfg;
	const char *e;

	c->cur_line = 0;
	if (nh_source_prescan(c) < 0) {
		free(c->bad_int_lines);
		c->bad_int_lines = NULL;
		c->n_bad_int = c->cap_bad_int = 0;
		return;
	}
	config_init(&cfg);
	if (config_read_string(&cfg, c->text) != CONFIG_TRUE) {
		e = config_error_text(&cfg) ? config_error_text(&cfg) : "unreadable";
		nh_perror(c, (unsigned int)config_error_line(&cfg), "%s%s",
			  strncmp(e, "syntax error", 12) == 0 ? "" : "syntax error: ", e);
	} else {
		parse_root(c, config_root_setting(&cfg));
	}
	config_destroy(&cfg);
	free(c->bad_int_lines);
	c->bad_int_lines = NULL;
	c->n_bad_int = c->cap_bad_int = 0;
}

/* Record a file name in the policy: origins point at this copy. */
static const char *add_file(struct nh_pctx *c, const char *name)
{
	struct nh_policy *p = c->p;
	char **v = realloc(p->files, (p->n_files + 1) * sizeof(*v));
	char *copy;

	if (!v)
		goto oom;
	p->files = v;
	copy = strdup(name);
	if (!copy)
		goto oom;
	p->files[p->n_files++] = copy;
	return copy;
oom:
	c->err = -ENOMEM;
	return NULL;
}

static const char *read_error_text(int r)
{
	switch (r) {
	case -EINVAL:
		return "not a regular file";
	case -EFBIG:
		return "larger than 16 MiB: not a policy file";
	default:
		return strerror(-r);
	}
}

/* Read and parse one file. Returns 0 (even with problems reported) or the
 * -errno that kept it from being read at all. */
static int load_path(struct nh_pctx *c, const char *path)
{
	char *text;
	size_t len;
	unsigned int mode = 0;
	int r;

	c->file = add_file(c, path);
	if (!c->file)
		return -ENOMEM;
	r = nh_source_read(path, &text, &len, &mode);
	if (r < 0) {
		nh_perror(c, 0, "cannot read: %s", read_error_text(r));
		return r;
	}
	if (mode & (S_IWGRP | S_IWOTH))
		nh_pwarn(c, 0, "writable by group or others, yet it drives actions taken as root "
			 "(chmod go-w)");
	c->text = text;
	c->text_len = len;
	parse_text(c);
	c->text = NULL;
	free(text);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_policy_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".conf") == 0;
}

/* Every *.conf in dir, sorted; none when dir does not exist. */
static int list_policy_dir(struct nh_pctx *c, const char *dir, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *e;
	DIR *dp;

	*names = NULL;
	*n = 0;
	dp = opendir(dir);
	if (!dp) {
		if (errno == ENOENT)
			return 0;
		nh_perror_at(c, &c->policy_dir_origin, "cannot read policy_dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	while ((e = readdir(dp))) {
		if (!is_policy_name(e->d_name))
			continue;
		if (nh_grow(names, &cap, *n + 1, sizeof(**names)) < 0 ||
		    !((*names)[*n] = strdup(e->d_name))) {
			c->err = -ENOMEM;
			break;
		}
		(*n)++;
	}
	closedir(dp);
	if (*n)
		qsort(*names, *n, sizeof(**names), name_cmp);
	return c->err;
}

/* policy_dir relative to the main file's directory. */
static char *resolve_dir(const char *main_file, const char *dir)
{
	const char *slash = strrchr(main_file, '/');
	char *out;

	if (dir[0] == '/' || !slash)
		return strdup(dir);
	if (asprintf(&out, "%.*s/%s", (int)(slash - main_file), main_file, dir) < 0)
		return NULL;
	return out;
}

static void load_policy_dir(struct nh_pctx *c, const char *main_file)
{
	struct nh_settings *s = &c->p->settings;
	char *dir = resolve_dir(main_file, s->policy_dir);
	char **names = NULL;
	size_t n = 0;

	if (!dir) {
		c->err = -ENOMEM;
		return;
	}
	free(s->policy_dir);
	s->policy_dir = dir;
	if (c->policy_dir_origin.file == NULL)
		c->policy_dir_origin.file = c->main_file;
	list_policy_dir(c, dir, &names, &n);
	for (size_t i = 0; i < n; i++) {
		char *path;

		if (c->err == 0 && asprintf(&path, "%s/%s", dir, names[i]) >= 0) {
			load_path(c, path);
			free(path);
		} else {
			c->err = -ENOMEM;
		}
		free(names[i]);
	}
	free(names);
}

/* ---- the API ---- */

static int start(struct nh_pctx *c, struct nh_policy *out, struct nh_diags *d)
{
	memset(c, 0, sizeof(*c));
	memset(out, 0, sizeof(*out));
	c->p = out;
	c->d = d;
	out->host.create = true;
	nh_settings_defaults(&out->settings);
	if (!out->settings.policy_dir || !out->settings.netns_dir || !out->settings.status_file ||
	    !out->settings.metrics_file)
		return -ENOMEM;
	return 0;
}

int nh_pctx_add_peer(struct nh_pctx *c, const struct nh_pending_peer *pp)
{
	if (nh_grow(&c->peers, &c->cap_peers, c->n_peers + 1, sizeof(*c->peers)) < 0) {
		c->err = -ENOMEM;
		return -ENOMEM;
	}
	c->peers[c->n_peers++] = *pp;
	return 0;
}

/* Validate across files, then settle the outcome: r is an I/O error that
 * kept the main file from being read, or 0. */
static int finish(struct nh_pctx *c, unsigned int errors_before, int r)
{
	if (r == 0 && c->err == 0)
		nh_validate(c);
	for (size_t i = 0; i < c->n_named; i++)
		rule_free(&c->named[i]);
	for (size_t i = 0; i < c->n_matched; i++)
		rule_free(&c->matched[i]);
	free(c->named);
	free(c->matched);
	drop_peers_since(c, 0);
	free(c->peers);
	if (r == 0)
		r = c->err;
	if (r == 0 && c->d->errors > errors_before)
		r = -EINVAL;
	if (r < 0)
		nh_policy_free(c->p);
	return r;
}

int nh_policy_load(const char *main_file, struct nh_policy *out, struct nh_diags *d)
{
	unsigned int errors_before = d->errors;
	struct nh_pctx c;
	int r = start(&c, out, d);

	if (r == 0) {
		c.settings_allowed = true;
		r = load_path(&c, main_file);
		c.main_file = c.file;
		c.settings_allowed = false;
	}
	if (r == 0 && c.err == 0)
		load_policy_dir(&c, main_file);
	return finish(&c, errors_before, r);
}

int nh_policy_load_files(char *const *files, size_t n, struct nh_policy *out, struct nh_diags *d)
{
	unsigned int errors_before = d->errors;
	struct nh_pctx c;
	int r = start(&c, out, d);

	for (size_t i = 0; r == 0 && c.err == 0 && i < n; i++)
		load_path(&c, files[i]);
	return finish(&c, errors_before, r);
}

int nh_policy_load_buffer(const char *name, const char *buf, size_t len,
			  struct nh_policy *out, struct nh_diags *d)
{
	unsigned int errors_before = d->errors;
	struct nh_pctx c;
	int r = start(&c, out, d);
	char *text = NULL;

	if (r == 0) {
		c.file = add_file(&c, name);
		text = malloc(len + 1);
		if (!text || !c.file)
			r = -ENOMEM;
	}
	if (r == 0) {
		memcpy(text, buf, len);
		text[len] = '\0';
		c.text = text;
		c.text_len = len;
		parse_text(&c);
		c.text = NULL;
	}
	free(text);
	return finish(&c, errors_before, r);
}
