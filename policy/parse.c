/*
 * The policy language: files, the top level and the global settings.
 * Namespace rules, routes and hooks are in parse_netns.c, links in
 * parse_link.c, checks across files in validate.c.
 *
 * Settings ranges: resync_interval 0..2147483647 s; flap_count,
 * flap_window, initial_ms, max_ms, hook_timeout 1..2147483647, and
 * max_ms >= initial_ms; netns_dir and status_file are absolute paths;
 * metrics_file is "" or absolute; policy_dir may be relative (to the main
 * file's directory).
 */
#include "parse_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

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

static void get_count(struct nh_pctx *c, const config_setting_t *s, uint64_t min, unsigned int *out)
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
	char q[128];

	if (!s)
		return;
	v = config_setting_get_string(s);
	if (!*v && !empty_ok) {
		nh_perror(c, nh_line(c, s), "'%s' must not be empty", config_setting_name(s));
		return;
	}
	if (*v && *v != '/' && !relative_ok) {
		nh_perror(c, nh_line(c, s), "'%s' must be an absolute path, not '%s'",
			  config_setting_name(s), nh_quote(v, q, sizeof(q)));
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
	get_count(c, k[BK_FLAP_COUNT], 1, &b->flap_count);
	get_count(c, k[BK_FLAP_WINDOW], 1, &b->flap_window);
	get_count(c, k[BK_INITIAL_MS], 1, &b->initial_ms);
	get_count(c, k[BK_MAX_MS], 1, &b->max_ms);
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
	get_count(c, k[SK_RESYNC], 0, &s->resync_interval);
	if (k[SK_BACKOFF])
		parse_backoff(c, k[SK_BACKOFF], &s->backoff);
	get_count(c, k[SK_HOOK_TIMEOUT], 1, &s->hook_timeout);
	get_path(c, k[SK_STATUS_FILE], false, false, &s->status_file);
	get_path(c, k[SK_METRICS_FILE], false, true, &s->metrics_file);
	if (k[SK_STATUS_FILE])
		c->status_file_origin = nh_origin_of(c, k[SK_STATUS_FILE]);
	if (k[SK_METRICS_FILE])
		c->metrics_file_origin = nh_origin_of(c, k[SK_METRICS_FILE]);
}

/* ---- the top level ---- */

enum { TK_NETHEAL, TK_LINKS, TK_ROUTES, TK_RULES, TK_NEIGHBOURS, TK_SYSCTL, TK_NAMESPACES, TK__COUNT };

static const struct nh_key top_keys[TK__COUNT] = {
	[TK_NETHEAL] = { "netheal", NH_KT_GROUP },
	[TK_LINKS] = { "links", NH_KT_LIST },
	[TK_ROUTES] = { "routes", NH_KT_LIST },
	[TK_RULES] = { "rules", NH_KT_LIST },
	[TK_NEIGHBOURS] = { "neighbours", NH_KT_LIST },
	[TK_SYSCTL] = { "sysctl", NH_KT_STRINGS },
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
		nh_parse_routes(c, k[TK_ROUTES], &c->p->host);
	if (k[TK_RULES])
		nh_parse_rules(c, k[TK_RULES], &c->p->host);
	if (k[TK_NEIGHBOURS])
		nh_parse_neighbours(c, k[TK_NEIGHBOURS], &c->p->host);
	if (k[TK_SYSCTL])
		nh_parse_sysctls(c, k[TK_SYSCTL], &c->p->host);
	for (int i = 0; k[TK_NAMESPACES] && i < config_setting_length(k[TK_NAMESPACES]); i++) {
		const config_setting_t *g = config_setting_get_elem(k[TK_NAMESPACES], (unsigned int)i);

		if (!config_setting_is_group(g))
			nh_perror(c, nh_line(c, g), "each entry of 'namespaces' must be a group { name = ...; }");
		else
			nh_parse_netns(c, g);
	}
}

/* The first value in code (a line as nh_source_line_code gives it) that
 * is an address or prefix left bare (`via = 10.1.1.1;`, `addresses = [
 * 2001:db8::1/64 ];`): digits and dots or colons (and a '/') after '=',
 * '[' or ','. Its length, *at its start; 0 when there is none. */
static size_t bare_address(const char *code, const char **at)
{
	char prev = 0;

	for (const char *s = code; *s; s++) {
		size_t n, dots = 0, colons = 0;

		if (*s == ' ' || *s == '\t' || *s == '"')      /* strings are "" here */
			continue;
		if (prev == '=' || prev == '[' || prev == ',') {
			n = strspn(s, "0123456789abcdefABCDEF.:/");
			for (size_t i = 0; i < n; i++) {
				dots += s[i] == '.';
				colons += s[i] == ':';
			}
			if (n && (dots >= 2 || colons >= 2)) {
				*at = s;
				return n;
			}
		}
		prev = *s;
	}
	return 0;
}

/* The first value in code that is a bare word (`to = default;`): a
 * letter, then letters, digits, '-', '_' or '.', right after '=', and not
 * true or false (libconfig's booleans, any case). Its length, *at its
 * start; 0 when there is none. */
static size_t bare_word(const char *code, const char **at)
{
	for (const char *s = strchr(code, '='); s; s = strchr(s + 1, '=')) {
		const char *v = s + 1 + strspn(s + 1, " \t");
		size_t n;

		if (!isalpha((unsigned char)*v))
			continue;
		for (n = 1; isalnum((unsigned char)v[n]) || v[n] == '-' || v[n] == '_' || v[n] == '.'; n++)
			;
		if ((n == 4 && strncasecmp(v, "true", 4) == 0) || (n == 5 && strncasecmp(v, "false", 5) == 0))
			continue;
		*at = v;
		return n;
	}
	return 0;
}

static bool is_boolean_word(const char *w, size_t n)
{
	static const char *const words[] = { "yes", "no", "on", "off", "enabled", "disabled" };

	for (size_t i = 0; i < NH_ARRAY_SIZE(words); i++)
		if (strlen(words[i]) == n && strncasecmp(w, words[i], n) == 0)
			return true;
	return false;
}

/* Does line `line` hold, in its code (not in a comment or string), a
 * typographic quote (U+2018..U+201F, such as “ ” ‘ ’ „: E2 80 98..9F in
 * UTF-8), as a word processor or a web page writes for '"'? */
static bool curly_quote_on(struct nh_pctx *c, unsigned int line)
{
	char *code = nh_source_line_code(c, line);
	bool found = false;

	for (const char *s = code; !found && s && (s = strstr(s, "\xe2\x80")); s += 2)
		found = (unsigned char)s[2] >= 0x98 && (unsigned char)s[2] <= 0x9f;
	free(code);
	return found;
}

/* The number of the last line of text (a final '\n' ends a line, it does
 * not start one). */
static unsigned int last_line_of(const char *text, size_t len)
{
	unsigned int n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n' && i + 1 < len;
	return n;
}

/* What libconfig's syntax error (or mismatched element type in an
 * array) at *line (1-based, a line of c->text) most likely means, into
 * buf: libconfig says where it stopped, not what it wanted there. *line
 * moves to where the hint points. "" when nothing stands out. */
static const char *syntax_hint(struct nh_pctx *c, unsigned int *line, char *buf, size_t size)
{
	const struct nh_shape *sh = &c->shape;
	unsigned int l = *line;
	const char *addr, *hint = buf;
	char *code;
	size_t n;

	if (l == 0)
		return "";
	if (l == 1 && c->text_len >= 3 && memcmp(c->text, "\xef\xbb\xbf", 3) == 0)
		return ": the file starts with a UTF-8 byte order mark (bytes EF BB BF): save it without one";
	if (curly_quote_on(c, l))
		return ": quotes must be straight ASCII double quotes (\"), not typographic ones";
	/* libconfig stops at a group in an array, at a setting in a list or
	 * as a value, at a bracket closed by another, at a value without its
	 * '=' and at a value missing: on the last line too, where the
	 * file-end hints below would name the wrong cause */
	if (l == sh->group_in_array_line)
		return ": an array [ ... ] holds plain values; groups { ... } go in a list ( ... )";
	if (l == sh->bare_setting_line)
		return ": a setting as an item of a list (the '{' of its group missing?)";
	if (l == sh->setting_value_line) {
		snprintf(buf, size, ": a setting as the value of '%s' (the '{' of its group missing?)",
			 sh->setting_value_of);
		return buf;
	}
	if (l == sh->mismatch_line) {
		snprintf(buf, size, ": this '%c' closes the '%c' opened at line %u", sh->mismatch,
			 sh->mismatch_opened, sh->mismatch_opened_line);
		return buf;
	}
	if (l == sh->missing_eq_line) {
		snprintf(buf, size, ": a '=' missing after '%s'?", sh->missing_eq_name);
		return buf;
	}
	if (l == sh->bare_name_line) {
		snprintf(buf, size, ": '%s' has no '= value' (a setting is name = value;)", sh->bare_name);
		return buf;
	}
	if (l == sh->no_value_line && sh->no_value_eq_line == l) {
		snprintf(buf, size, ": a value is missing between '=' and '%c'", sh->no_value_end);
		return buf;
	}
	if (l == sh->no_value_line) {
		snprintf(buf, size, ": a value is missing between the '=' at line %u and this '%c'",
			 sh->no_value_eq_line, sh->no_value_end);
		return buf;
	}
	if (l >= sh->last_line && (sh->last == '=' || sh->last == ':')) {
		*line = sh->last_line;
		snprintf(buf, size, ": the file ends after '%c': the value (and its ';') is missing", sh->last);
		return buf;
	}
	if (l >= sh->last_line && sh->depth) {
		size_t i = (sh->depth < NH_SHAPE_DEPTH ? sh->depth : NH_SHAPE_DEPTH) - 1;
		char o = sh->open[i];

		*line = sh->last_line;
		snprintf(buf, size, ": the file ends inside the '%c' opened at line %u (its closing '%c' missing%s?)",
			 o, sh->open_line[i], o == '(' ? ')' : o == '[' ? ']' : '}',
			 sh->depth > 1 ? ", and those of the brackets around it" : "");
		return buf;
	}
	if (l == sh->extra_close_line) {
		snprintf(buf, size, ": this '%c' closes no bracket (one too many?)", sh->extra_close);
		return buf;
	}
	if (l == sh->trailing_comma_line) {
		snprintf(buf, size, ": a '%c' after the last item of a list or array (none goes there)",
			 sh->trailing_sep);
		return buf;
	}
	if (l == sh->double_semi_line)
		return ": two ';' in a row (a setting ends with one)";
	if (l == sh->double_comma_line)
		return ": two ',' in a row (one goes between two items)";
	if (l == sh->list_semi_line)
		return ": the items of a list or array are separated by ',', not ';'";
	if (l == sh->unclosed_line) {
		snprintf(buf, size, ": the '%c' opened at line %u is not closed before this ';' (its '%c' missing?)",
			 sh->unclosed, sh->unclosed_opened_line, sh->unclosed == '(' ? ')' : ']');
		return buf;
	}
	if (l == sh->comma_line)
		return ": a ',' missing between two items of a list?";
	code = nh_source_line_code(c, l);
	if (!code)
		return "";      /* out of memory: no hint */
	if (strchr(code, '\''))
		hint = ": strings are in double quotes (\"...\"), not single";
	else if ((n = bare_address(code, &addr)))
		snprintf(buf, size, ": an address is a string, in double quotes (\"%.*s\")", n > 64 ? 64 : (int)n, addr);
	else if ((n = bare_word(code, &addr)) && is_boolean_word(addr, n))
		snprintf(buf, size, ": a boolean is true or false, not '%.*s'", n > 64 ? 64 : (int)n, addr);
	else if (n)
		snprintf(buf, size, ": a string is in double quotes (\"%.*s\")", n > 64 ? 64 : (int)n, addr);
	else
		hint = "";
	free(code);
	return hint;
}

/* Parse c->text (NUL-terminated, c->text_len bytes) as file c->file. */
static void parse_text(struct nh_pctx *c)
{
	config_t cfg;
	const char *e;
	char *nl = NULL;

	c->cur_line = 0;
	c->unparsed = true;
	if (nh_source_prescan(c) < 0)
		goto out;
	/* libconfig 1.5 ends a '#' or '//' comment only at a newline: a file
	 * whose last line is one, without a newline after it, would not
	 * parse. Its lines stay the same with one added. */
	if (c->text_len && c->text[c->text_len - 1] != '\n') {
		if (!(nl = malloc(c->text_len + 2))) {
			c->err = -ENOMEM;
			goto out;
		}
		memcpy(nl, c->text, c->text_len);
		memcpy(nl + c->text_len, "\n", 2);
	}
	config_init(&cfg);
	if (config_read_string(&cfg, nl ? nl : c->text) != CONFIG_TRUE) {
		unsigned int line = (unsigned int)config_error_line(&cfg);
		unsigned int last = last_line_of(c->text, c->text_len);
		const char *hint = "";
		char buf[160];
		bool syntax;

		e = config_error_text(&cfg) ? config_error_text(&cfg) : "unreadable";
		syntax = strncmp(e, "syntax error", 12) == 0;
		if (line > last)        /* libconfig names the line after the last at the end */
			line = last;
		/* an array of mixed types may be a bare address in it; other
		 * errors ("memory exhausted": brackets nested too deep,
		 * "duplicate setting name") are not about what the hints see */
		if (syntax || strcmp(e, "mismatched element type in array") == 0)
			hint = syntax_hint(c, &line, buf, sizeof(buf));
		nh_perror(c, line, "%s%s%s (syntax: name = value; groups { }, lists ( ), arrays [ ]; "
			  "see netheal.conf(5))", syntax ? "" : "syntax error: ", e, hint);
	} else {
		c->unparsed = false;
		parse_root(c, config_root_setting(&cfg));
	}
	config_destroy(&cfg);
out:
	free(nl);
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
	if (c->as_path && strcmp(path, c->as_path) == 0) {
		c->as_read = true;
		path = c->as_file;
	}
	r = nh_source_read(path, &text, &len, &mode);
	if (r < 0) {
		if (path == c->as_file)         /* the file given, not the place it stands for */
			nh_perror(c, 0, "cannot read %s (checked as this file): %s", path, read_error_text(r));
		else if (r == -ENOENT && c->settings_allowed)
			nh_perror(c, 0, "cannot read: %s (the main configuration file; another is given with -c FILE)",
				  read_error_text(r));
		else
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

/* Whoever can change a directory on the way to policy_dir (or the place a
 * symlink on the way points to) can put policy there: each must be owned
 * by root (or us) and not writable by group or others, unless sticky (as
 * /tmp: others cannot replace what is not theirs). The first that is not,
 * in why; false when the path is safe. */
static bool path_unsafe(const char *path, char *why, size_t size)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (path[0] != '/' || len >= sizeof(buf))
		return false;   /* relative: its real path is checked */
	for (size_t i = 1; i <= len; i++) {
		bool bad_owner, writable;

		if (path[i] != '/' && path[i] != '\0')
			continue;
		memcpy(buf, path, i);
		buf[i] = '\0';
		if (lstat(buf, &st) < 0)
			return false;
		bad_owner = st.st_uid != 0 && st.st_uid != geteuid();
		writable = !S_ISLNK(st.st_mode) && (st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX);
		if (bad_owner || writable) {
			snprintf(why, size, "%s is %s", buf, bad_owner ? "owned by another user" :
				 "writable by group or others");
			return true;
		}
	}
	return false;
}

/* Every *.conf in dir, sorted; none when dir does not exist. */
static int list_policy_dir(struct nh_pctx *c, const char *dir, char ***names, size_t *n)
{
	size_t cap = 0;
	struct dirent *e;
	struct stat st;
	DIR *dp;

	*names = NULL;
	*n = 0;
	dp = opendir(dir);
	if (!dp) {
		if (errno == ENOENT) {
			/* Not an error (a fresh install may have none yet), but
			 * a typo here would silently drop every policy file. */
			nh_pwarn_at(c, &c->policy_dir_origin, "policy_dir %s does not exist: no policy files read", dir);
			return 0;
		}
		nh_perror_at(c, &c->policy_dir_origin, "cannot read policy_dir %s: %s", dir, strerror(errno));
		return -errno;
	}
	if (fstat(dirfd(dp), &st) == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))) {
		nh_pwarn_at(c, &c->policy_dir_origin, "policy_dir %s is writable by group or others: "
			    "whoever can write there adds policy run as root (chmod go-w)", dir);
	} else {
		char real[PATH_MAX], why[PATH_MAX + 64];

		/* the path as given (a symlink on the way can be replaced),
		 * then where it leads */
		if (path_unsafe(dir, why, sizeof(why)) ||
		    (realpath(dir, real) && path_unsafe(real, why, sizeof(why))))
			nh_pwarn_at(c, &c->policy_dir_origin, "policy_dir %s: %s: whoever can change it "
				    "adds policy run as root", dir, why);
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

/* Is path a policy file of dir (same directory, a name that would be
 * read)? */
static bool policy_file_of(const char *path, const char *dir)
{
	const char *slash = strrchr(path, '/');
	struct stat a, b;
	size_t dlen, alen;
	char *adir;
	bool same;

	if (!slash || !is_policy_name(slash + 1))
		return false;
	adir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
	if (!adir)
		return false;
	if (stat(adir, &a) == 0 && stat(dir, &b) == 0) {
		same = a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	} else {
		for (dlen = strlen(dir); dlen > 1 && dir[dlen - 1] == '/'; dlen--)
			;
		alen = strlen(adir);
		same = alen == dlen && strncmp(adir, dir, dlen) == 0;
	}
	free(adir);
	return same;
}

/* nh_policy_load_as: is as_path a policy file of dir? */
static bool as_in_dir(const struct nh_pctx *c, const char *dir)
{
	return policy_file_of(c->as_path, dir);
}

/* A file netheal writes (status_file, metrics_file, at origin o) must not
 * be one it reads or watches: the configuration, a policy file, a
 * namespace in netns_dir, or the other output. */
static void check_output(struct nh_pctx *c, const struct nh_origin *o, const char *what, const char *path,
			 const char *other, const char *other_what)
{
	const struct nh_settings *s = &c->p->settings;
	size_t nd = strlen(s->netns_dir);
	struct stat a, b;

	if (!*path)
		return;
	if (other && strcmp(path, other) == 0)
		nh_perror_at(c, o, "%s %s is also the %s: each needs a file of its own", what, path, other_what);
	else if (strncmp(path, s->netns_dir, nd) == 0 && (path[nd] == '/' || s->netns_dir[nd - 1] == '/'))
		nh_perror_at(c, o, "%s %s is in netns_dir %s: it would be taken for a namespace", what, path,
			     s->netns_dir);
	else if (stat(path, &a) == 0 && stat(c->main_file, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		nh_perror_at(c, o, "%s %s is the configuration file itself: netheal would overwrite it", what, path);
	else if (policy_file_of(path, s->policy_dir))
		nh_perror_at(c, o, "%s %s is a policy file of policy_dir %s: netheal would overwrite it and read "
			     "it as policy", what, path, s->policy_dir);
}

/* Add as_path's name to the policy_dir listing when it is not there yet. */
static void as_add_name(struct nh_pctx *c, char ***names, size_t *n)
{
	const char *base = strrchr(c->as_path, '/') + 1;
	char **v;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*names)[i], base) == 0)
			return;
	v = realloc(*names, (*n + 1) * sizeof(*v));
	if (!v || !(v[*n] = strdup(base))) {
		if (v)
			*names = v;
		c->err = -ENOMEM;
		return;
	}
	*names = v;
	(*n)++;
	qsort(*names, *n, sizeof(**names), name_cmp);
}

static void load_policy_dir(struct nh_pctx *c, const char *main_file)
{
	struct nh_settings *s = &c->p->settings;
	char *dir = resolve_dir(main_file, s->policy_dir);
	char **names = NULL;
	size_t n = 0;
	bool as_here;

	if (!dir) {
		c->err = -ENOMEM;
		return;
	}
	free(s->policy_dir);
	s->policy_dir = dir;
	if (c->policy_dir_origin.file == NULL)
		c->policy_dir_origin.file = c->main_file;
	if (c->status_file_origin.file == NULL)
		c->status_file_origin.file = c->main_file;
	if (c->metrics_file_origin.file == NULL)
		c->metrics_file_origin.file = c->main_file;
	check_output(c, &c->status_file_origin, "status_file", s->status_file, s->metrics_file, "metrics_file");
	check_output(c, &c->metrics_file_origin, "metrics_file", s->metrics_file, NULL, NULL);
	list_policy_dir(c, dir, &names, &n);
	as_here = c->as_path && !c->as_read && as_in_dir(c, dir);
	if (as_here && c->err == 0)
		as_add_name(c, &names, &n);
	for (size_t i = 0; i < n; i++) {
		char *path;

		if (c->err == 0 && as_here && strcmp(names[i], strrchr(c->as_path, '/') + 1) == 0) {
			load_path(c, c->as_path);
		} else if (c->err == 0 && asprintf(&path, "%s/%s", dir, names[i]) >= 0) {
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
	c->errors_before = d->errors;
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
		nh_rule_free(&c->named[i]);
	for (size_t i = 0; i < c->n_matched; i++)
		nh_rule_free(&c->matched[i]);
	free(c->named);
	free(c->matched);
	nh_drop_peers_since(c, 0);
	free(c->peers);
	if (r == 0)
		r = c->err;
	if (r == 0 && c->d->errors > errors_before)
		r = -EINVAL;
	if (r < 0)
		nh_policy_free(c->p);
	return r;
}

/* The main file, and with dir its policy_dir after it. */
static int load_main(const char *main_file, bool dir, struct nh_policy *out, struct nh_diags *d)
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
	/* policy_dir (and the settings that go with it) is unknown while
	 * the main file does not parse: the default one would mislead */
	if (dir && r == 0 && c.err == 0 && !c.unparsed)
		load_policy_dir(&c, main_file);
	return finish(&c, errors_before, r);
}

int nh_policy_load(const char *main_file, struct nh_policy *out, struct nh_diags *d)
{
	return load_main(main_file, true, out, d);
}

int nh_policy_load_main(const char *main_file, struct nh_policy *out, struct nh_diags *d)
{
	return load_main(main_file, false, out, d);
}

/* The main file is as_path when both name the same existing file. */
static bool same_path(const char *a, const char *b)
{
	struct stat sa, sb;

	if (strcmp(a, b) == 0)
		return true;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int nh_policy_load_as(const char *main_file, const char *as_path, const char *file,
		      struct nh_policy *out, struct nh_diags *d)
{
	unsigned int errors_before = d->errors;
	struct nh_pctx c;
	int r = start(&c, out, d);

	c.as_path = as_path;
	c.as_file = file;
	if (r == 0) {
		c.settings_allowed = true;
		r = load_path(&c, same_path(main_file, as_path) ? as_path : main_file);
		c.main_file = c.file;
		c.settings_allowed = false;
	}
	/* as load_main: no policy_dir while the main file does not parse
	 * (the file given may be that main file) */
	if (r == 0 && c.err == 0 && c.unparsed)
		return finish(&c, errors_before, r);
	if (r == 0 && c.err == 0)
		load_policy_dir(&c, main_file);
	if (r == 0 && c.err == 0 && !c.as_read) {
		c.file = add_file(&c, as_path);
		if (c.file)
			nh_perror(&c, 0, "netheal would not read this file: it is neither the main file "
				  "%s nor a *.conf file in policy_dir %s", main_file, out->settings.policy_dir);
	}
	return finish(&c, errors_before, r);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int by_base_name(const void *a, const void *b)
{
	return strcmp(base_name(*(char *const *)a), base_name(*(char *const *)b));
}

int nh_policy_load_files(char *const *files, size_t n, struct nh_policy *out, struct nh_diags *d)
{
	unsigned int errors_before = d->errors;
	char **sorted = n ? malloc(n * sizeof(*sorted)) : NULL;
	struct nh_pctx c;
	int r = start(&c, out, d);

	if (r == 0 && n && !sorted)
		r = -ENOMEM;
	if (r == 0 && n) {
		/* in policy_dir's order (lexical), as netheal would read them
		 * installed there: which match rule comes first depends on it */
		memcpy(sorted, files, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), by_base_name);
	}
	for (size_t i = 0; r == 0 && c.err == 0 && i < n; i++)
		load_path(&c, sorted[i]);
	free(sorted);
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
