/*
 * Internals of the policy parser, shared by parse.c (files, top level,
 * settings), parse_netns.c (namespace rules, routes, hooks), parse_link.c
 * (links and veth peers), parse_objects.c (sysctl, rules, neighbours),
 * parse_keys.c (key tables and typed values), source.c (reading a file
 * safely) and validate.c (checks across the merged policy).
 */
#ifndef NETHEAL_POLICY_PARSE_INT_H
#define NETHEAL_POLICY_PARSE_INT_H

#include <libconfig.h>
#include <stdbool.h>
#include <stdint.h>

#include "parse.h"

/* The far end of a veth, held until every file is read: its namespace may
 * be defined in a later file. */
struct nh_pending_peer {
	struct nh_link end;             /* kind veth, NH_LINK_FLAG_PEER_END */
	struct nh_address *addrs;       /* its `addresses` */
	size_t n_addrs, cap_addrs;
	bool host;                      /* no `netns`: the host namespace */
	char netns[NH_NETNS_NAMSIZ];    /* else the namespace this end lives in */
	struct nh_origin netns_origin;  /* where `netns` was written */
};

/* Where a rule came from while parsing, to label messages. */
/* What the pre-scan saw of a file's brackets and separators (outside
 * comments and strings), for the hint after libconfig's bare "syntax error
 * at line N": libconfig says where it stopped, not what it wanted. Lines
 * are 1-based; 0 means "none seen". */
#define NH_SHAPE_DEPTH 32
#define NH_SHAPE_NAME 33        /* a setting's name kept: 32 characters and a NUL */
struct nh_shape {
	unsigned int last_line;         /* the line of the last token */
	char last;                      /* that token's last character */
	/* brackets still open at the end: the outermost NH_SHAPE_DEPTH (of
	 * more, only the count) */
	size_t depth;
	char open[NH_SHAPE_DEPTH];
	unsigned int open_line[NH_SHAPE_DEPTH];
	/* the first of each mistake: */
	unsigned int mismatch_line;     /* a ')', '}' or ']' closing another bracket */
	char mismatch, mismatch_opened;
	unsigned int mismatch_opened_line;
	unsigned int comma_line;        /* an item right after an item of a list */
	unsigned int list_semi_line;    /* a ';' between the items of a list */
	/* a ';' straight inside a list or array with a setting, or the
	 * closing bracket of one around, after it: the list's own closing
	 * bracket missing? */
	unsigned int unclosed_line;
	char unclosed;                  /* that list's '(' or '[' */
	unsigned int unclosed_opened_line;
	unsigned int no_value_line;     /* a name and '=', then ';', ',' or a closing bracket */
	unsigned int no_value_eq_line;  /* the line of that '=' */
	char no_value_end;              /* what came after it */
	unsigned int double_semi_line;  /* ';;' */
	unsigned int double_comma_line; /* ',,' */
	unsigned int group_in_array_line;       /* '{' straight inside '[' */
	unsigned int trailing_comma_line;       /* ',' (or ';') right before ')' or ']' */
	char trailing_sep;              /* which */
	unsigned int bare_setting_line; /* a setting as an item of a list: its '{' missing */
	unsigned int setting_value_line;        /* a setting as the value of another */
	char setting_value_of[NH_SHAPE_NAME];   /* that other's name */
	unsigned int missing_eq_line;   /* a value right after a setting's name */
	char missing_eq_name[NH_SHAPE_NAME];    /* that name */
	unsigned int bare_name_line;    /* a setting's name, then ';', ',' or a closing bracket */
	char bare_name[NH_SHAPE_NAME];  /* that name */
	unsigned int extra_close_line;  /* a closing bracket with none open */
	char extra_close;
};

struct nh_pctx {
	struct nh_policy *p;
	struct nh_diags *d;
	unsigned int errors_before;     /* d->errors when this load began */
	int err;                        /* -ENOMEM once anything failed to allocate */

	/* the file being read */
	const char *file;               /* owned by p->files */
	const char *text;               /* its contents, for line fix-ups */
	size_t text_len;
	size_t cur_line, cur_off;       /* a cursor into text for nh_line() */
	/* lines with an integer literal libconfig truncates: already reported,
	 * so the truncated value is not reported again as out of range */
	unsigned int *bad_int_lines;
	size_t n_bad_int, cap_bad_int;
	bool settings_allowed;          /* the main file: `netheal:` allowed */
	const char *main_file;          /* for the message about `netheal:` elsewhere */

	/* nh_policy_load_as: read as_file wherever as_path would be read */
	const char *as_path, *as_file;
	bool as_read;                   /* as_path was one of the files read */

	bool unparsed;                  /* the last file read did not parse */
	struct nh_shape shape;          /* its text's shape, for syntax hints */

	/* policy_dir as the main file gave it, for messages about it */
	struct nh_origin policy_dir_origin;
	struct nh_origin status_file_origin, metrics_file_origin;      /* their keys, or the main file */

	/* namespace rules in file order: named, then match rules */
	struct nh_netns_rule *named, *matched;
	size_t n_named, cap_named, n_matched, cap_matched;
	struct nh_pending_peer *peers;
	size_t n_peers, cap_peers;
};

/* ---- messages (parse_keys.c) ---- */

void nh_perror(struct nh_pctx *c, unsigned int line, const char *fmt, ...) NH_PRINTF(3, 4);
void nh_pwarn(struct nh_pctx *c, unsigned int line, const char *fmt, ...) NH_PRINTF(3, 4);
void nh_perror_at(struct nh_pctx *c, const struct nh_origin *o, const char *fmt, ...) NH_PRINTF(3, 4);
void nh_pwarn_at(struct nh_pctx *c, const struct nh_origin *o, const char *fmt, ...) NH_PRINTF(3, 4);
/* A value for a message: at most 64 bytes, control bytes escaped. buf
 * should hold 128 bytes. */
const char *nh_quote(const char *s, char *buf, size_t size);
/* The line of a setting; for a value inside an array, corrected to the line
 * the value is written on (libconfig gives the line of the next token). */
unsigned int nh_line(struct nh_pctx *c, const config_setting_t *s);
struct nh_origin nh_origin_of(struct nh_pctx *c, const config_setting_t *s);

/* ---- key tables (parse_keys.c) ---- */

enum nh_ktype {
	NH_KT_STRING,
	NH_KT_BOOL,
	NH_KT_INT,
	NH_KT_GROUP,
	NH_KT_LIST,             /* ( {...}, ... ); an empty [] too */
	NH_KT_STRINGS,          /* [ "a", "b" ] or ( "a", "b" ) */
};

struct nh_key {
	const char *name;
	enum nh_ktype type;
};

/* Check every member of group g: an unknown key is an error suggesting the
 * closest known one, or the key it is another tool's word for ('gateway':
 * 'via'), a wrong type is an error. found[i] is set to the member named
 * keys[i].name when it is present with the right type, else NULL; a member
 * that is another tool's word for keys[i] stands in for it (its error
 * already given) while keys[i] itself is absent. what names the group in
 * messages ("link", "namespace", ...). */
void nh_scan_group(struct nh_pctx *c, const config_setting_t *g, const char *what,
		   const struct nh_key *keys, size_t n, const config_setting_t **found);
/* Whether group g has key, in any type, or a member that is another tool's
 * word for it (nh_scan_group has reported that one): for "needs 'key'"
 * messages, which would only repeat an error already given. */
bool nh_key_given(const config_setting_t *g, const char *key);

/* The known key closest to `key` when it is a likely typo, else NULL. */
const char *nh_suggest_key(const char *key, const struct nh_key *keys, size_t n);

/* Typed values of a present, type-checked setting s. Each reports its own
 * error naming the key and returns -EINVAL on a bad value. */
int nh_get_uint(struct nh_pctx *c, const config_setting_t *s, uint64_t min, uint64_t max, uint64_t *out);
int nh_get_ifname(struct nh_pctx *c, const config_setting_t *s, char out[NH_IFNAMSIZ]);
int nh_get_netns_name(struct nh_pctx *c, const config_setting_t *s, char out[NH_NETNS_NAMSIZ]);
int nh_get_ip(struct nh_pctx *c, const config_setting_t *s, struct nh_prefix *out);
int nh_get_mac(struct nh_pctx *c, const config_setting_t *s, uint8_t out[6]);
int nh_get_mode(struct nh_pctx *c, const config_setting_t *s, enum nh_mode *out);
/* A NULL-terminated argv copy of an array of strings. */
int nh_get_argv(struct nh_pctx *c, const config_setting_t *s, char ***out);
/* Each ADDR/PREFIX of s (an `addresses` array) appended to *v as an
 * nh_address on link `link`. */
int nh_get_addresses(struct nh_pctx *c, const config_setting_t *s, const char *link,
		     struct nh_address **v, size_t *n, size_t *cap);


/* ---- reading a file (source.c) ---- */

/* Read path into a NUL-terminated buffer: a regular file, at most
 * NH_POLICY_MAX_FILE bytes. *mode gets its st_mode. Returns 0 or -errno
 * (-EFBIG too large, -EINVAL not a regular file). */
int nh_source_read(const char *path, char **text, size_t *len, unsigned int *mode);
/* Check text before libconfig sees it: NUL bytes, @include, a block
 * comment or a string never closed stop the file (returns -EINVAL: libconfig
 * reads the rest of the file as the comment without a word); integer
 * literals libconfig would truncate are errors but the file is still
 * parsed. Fills c->shape. */
int nh_source_prescan(struct nh_pctx *c);
/* Line `line` (1-based) of c->text as code, for the syntax hints: its
 * comments left out, each string that touches it as "" (its contents,
 * escapes and all, left out). Returns it NUL-terminated, the caller's to
 * free, or NULL when out of memory. For a text the pre-scan passed: every
 * comment and string in it is closed. */
char *nh_source_line_code(struct nh_pctx *c, unsigned int line);

/* ---- parse_netns.c / parse_link.c ---- */

/* One entry of `namespaces`: its rule joins c->named or c->matched. */
void nh_parse_netns(struct nh_pctx *c, const config_setting_t *g);
void nh_parse_routes(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r);
/* `sysctl`, `rules`, `neighbours` (parse_objects.c) into rule r. */
void nh_parse_sysctls(struct nh_pctx *c, const config_setting_t *s, struct nh_netns_rule *r);
void nh_parse_rules(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r);
void nh_parse_neighbours(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r);
/* Forget the pending peers from the n-th on. */
void nh_drop_peers_since(struct nh_pctx *c, size_t n);

/* One link being read: what parse_link.c hands to its kind's keys and
 * checks (policy/kind_*.c). */
struct nh_link_in {
	struct nh_pctx *c;
	const config_setting_t *g;      /* the link's group */
	struct nh_netns_rule *rule;     /* the rule it is written in */
	struct nh_link l;               /* what is known so far */
	bool name_ok;
	struct nh_address *addrs;       /* its `addresses`, added to the rule with it */
	size_t n_addrs, cap_addrs;
	/* every key a link may have (its own and every kind's), and the
	 * setting of each that is present with the right type, else NULL */
	const struct nh_key *keys;
	const config_setting_t **found;
	size_t n_keys;
};

/* A key of one kind (policy/kind.h). */
struct nh_kind_key {
	const char *name;
	enum nh_ktype type;
	/* Read the present, type-checked setting s into in->l (and its
	 * NH_LINK_HAS_* bit); report a bad value with nh_perror. */
	void (*parse)(struct nh_link_in *in, const config_setting_t *s);
	/* Not NULL: the kind needs this key, and the message says so with
	 * it: "vlan 'v' needs " + "an 'id' (the VLAN id, 1..4094)". */
	const char *required;
};

struct nh_export_writer;        /* policy/export.h */

struct nh_kind_syntax {
	const struct nh_kind_key *keys;
	size_t n_keys;
	/* After every key is read: checks across this kind's keys. May be NULL. */
	void (*check)(struct nh_link_in *in);
	/* `export`: the keys of its own an observed link l has, written so
	 * that the parser reads them back (nh_ew_* of policy/export.h). May
	 * be NULL: none. */
	void (*write)(const struct nh_link *l, struct nh_export_writer *w);
};

/* The setting of key `name` of the link being read, when it is present
 * with the right type; else NULL. */
const config_setting_t *nh_link_in_get(const struct nh_link_in *in, const char *name);

/* Shared by kinds with a lower link (macvlan, macvtap, vlan): `parent`
 * (policy/kind.c). */
void nh_kind_parse_parent(struct nh_link_in *in, const config_setting_t *s);
/* Shared by macvlan and macvtap: `macvlan_mode` (policy/kind_macvlan.c). */
void nh_kind_parse_macvlan_mode(struct nh_link_in *in, const config_setting_t *s);
/* Shared by macvlan and macvtap: `parent` and `macvlan_mode`, for export. */
void nh_kind_write_macvlan(const struct nh_link *l, struct nh_export_writer *w);
/* up, mtu, mac, master (each may be NULL): shared by a link and a veth
 * peer (policy/parse_link.c). */
void nh_parse_link_settings(struct nh_pctx *c, struct nh_link *l, const config_setting_t *up,
			    const config_setting_t *mtu, const config_setting_t *mac,
			    const config_setting_t *master);

/* Parse one `links` list into rule r (the rule's label for messages in
 * where: "the host namespace", "namespace 'blue'"). */
void nh_parse_links(struct nh_pctx *c, const config_setting_t *list, struct nh_netns_rule *r,
		    const char *where);
int nh_pctx_add_peer(struct nh_pctx *c, const struct nh_pending_peer *pp);

/* ---- validate.c ---- */

/* Every check across files; moves the peers into their namespaces, fills
 * c->p->netns and sorts every state. */
void nh_validate(struct nh_pctx *c);
/* "the host namespace", "namespace 'blue'", "namespaces matching 'q-*'" */
const char *nh_rule_label(const struct nh_netns_rule *r, char *buf, size_t size);

#endif
