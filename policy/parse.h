/*
 * The policy language (SPEC §3): libconfig files → struct nh_policy.
 *
 * Every problem found is collected as a diagnostic naming FILE:LINE; a run
 * reports all of them, not just the first. The parser links neither libmnl
 * nor libev: it reads files and nothing else.
 *
 * Choices the SPEC leaves open (each one enforced and tested):
 *  - netheal reads every file itself and hands libconfig the text
 *    (config_read_string), so libconfig never opens a path: @include is
 *    refused (it could pull in a device file, a FIFO or itself, and
 *    policy_dir already splits policy over files).
 *  - A file must be a regular file of at most NH_POLICY_MAX_FILE bytes with
 *    no NUL byte.
 *  - libconfig 1.5 silently truncates an integer literal to 32 bits; such a
 *    literal (e.g. `metric = 4294967295;`) is an error asking for the L
 *    suffix (`4294967295L`), so a large value is never read as another one.
 *  - A relative policy_dir is relative to the main file's directory.
 *  - libconfig 1.5 leaks the string token a parse fails on (one per
 *    rejected file; tests/lsan.supp).
 *  - A diagnostic without a line (a file that cannot be read, a policy file
 *    writable by group or others) prints as "FILE: error: MESSAGE".
 */
#ifndef NETHEAL_POLICY_PARSE_H
#define NETHEAL_POLICY_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "common/util.h"
#include "model.h"

#define NH_POLICY_MAX_FILE (16u << 20)  /* 16 MiB: far beyond any real policy */

struct nh_diag {
	char *file;
	unsigned int line;      /* 0: the whole file */
	bool warning;
	char *msg;
	size_t seq;             /* order of discovery: ties keep it when sorted */
};

struct nh_diags {
	struct nh_diag *v;
	size_t n, cap;
	unsigned int errors, warnings;
};

void nh_diags_free(struct nh_diags *d);          /* accepts NULL; leaves d empty */
/* Append one diagnostic. Returns 0 or -ENOMEM. */
int nh_diags_add(struct nh_diags *d, const char *file, unsigned int line, bool warning,
		 const char *fmt, ...) NH_PRINTF(5, 6);
/* Whether a and b say the same thing of the same line (a generated file
 * can repeat one mistake thousands of times on one line). */
bool nh_diag_same(const struct nh_diag *a, const struct nh_diag *b);
/* "FILE:LINE: error: MESSAGE" (or warning) per line, sorted by file, then
 * line; a run of the same diagnostic once, "MESSAGE (N times)". */
void nh_diags_print(const struct nh_diags *d, FILE *f);
/* Sort d's diagnostics in place in that order (ties in the order found):
 * for callers that report them one by one (the service's log). */
void nh_diags_sort(struct nh_diags *d);

/*
 * The main file plus every *.conf in its policy_dir (lexical order), merged.
 * Returns 0 when valid (warnings allowed), -EINVAL when any error, -ENOMEM,
 * or -errno when the main file itself cannot be read (also reported in d).
 * On failure *out is left empty (nh_policy_free-able). d must be zeroed or
 * hold earlier diagnostics; new ones are appended.
 */
int nh_policy_load(const char *main_file, struct nh_policy *out, struct nh_diags *d);

/* The main file alone, not its policy_dir: its settings (and what rules it
 * holds itself), for the commands that need a setting (status_file,
 * netns_dir) while a policy file is broken. Same return values. */
int nh_policy_load_main(const char *main_file, struct nh_policy *out, struct nh_diags *d);

/* As nh_policy_load, but as if `file` were installed at `as_path`: the main
 * file itself or a *.conf in policy_dir, replacing what is there or added
 * in its lexical place when absent. Messages name as_path. Any other
 * as_path is an error (netheal would never read it). For `netheal check
 * --as PATH FILE`, so a validate: hook sees problems across files. Same
 * return values. */
int nh_policy_load_as(const char *main_file, const char *as_path, const char *file,
		      struct nh_policy *out, struct nh_diags *d);

/* Only the named policy files (no main file, no policy_dir), settings at
 * their defaults: for `netheal check FILE...`. Read in the lexical order of
 * their base names, as from policy_dir. A `netheal:` group in them is an
 * error. Same return values. */
int nh_policy_load_files(char *const *files, size_t n, struct nh_policy *out, struct nh_diags *d);

/* One policy file given in memory (name is used in messages and origins):
 * for the fuzz harness and tests. No file-mode check. Same return values. */
int nh_policy_load_buffer(const char *name, const char *buf, size_t len,
			  struct nh_policy *out, struct nh_diags *d);

#endif
