/* Helpers shared by the parser tests: files in a private temp dir, and
 * assertions on diagnostics (message substring AND line). */
#ifndef NETHEAL_TESTS_PARSE_HELPERS_H
#define NETHEAL_TESTS_PARSE_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include "policy/parse.h"

static char t_dir[64];

static inline int t_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline int t_setup(void **state)
{
	(void)state;
	snprintf(t_dir, sizeof(t_dir), "/tmp/nh-parse-XXXXXX");
	return mkdtemp(t_dir) ? 0 : -1;
}

static inline int t_teardown(void **state)
{
	(void)state;
	return nftw(t_dir, t_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* Write text to t_dir/name (parent dirs made) with mode; returns the path
 * (static storage, overwritten by the next call). */
static inline const char *t_put_mode(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[512];
	char dir[512];
	char *slash;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", t_dir, name);
	snprintf(dir, sizeof(dir), "%s", path);
	for (slash = strchr(dir + strlen(t_dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(dir, 0755) == 0)
			chmod(dir, 0755);       /* whatever the umask */
		*slash = '/';
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

static inline const char *t_put(const char *name, const char *text)
{
	return t_put_mode(name, text, strlen(text), 0644);
}

/* Load text as the one policy file t.conf. */
static inline int t_load(const char *text, struct nh_policy *p, struct nh_diags *d)
{
	char *path = strdup(t_put("t.conf", text));
	int r;

	assert_non_null(path);
	memset(d, 0, sizeof(*d));
	r = nh_policy_load_files(&path, 1, p, d);
	free(path);
	return r;
}

static inline bool t_has_diag(const struct nh_diags *d, unsigned int line, bool warning, const char *substr)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && d->v[i].warning == warning && strstr(d->v[i].msg, substr))
			return true;
	return false;
}

/* Fail, showing every diagnostic, unless one at `line` holds substr. */
#define assert_diag(d, line, warning, substr) \
	do { \
		if (!t_has_diag((d), (line), (warning), (substr))) { \
			fprintf(stderr, "expected %s at line %u containing \"%s\"; got:\n", \
				(warning) ? "warning" : "error", (unsigned)(line), (substr)); \
			nh_diags_print((d), stderr); \
			fail(); \
		} \
	} while (0)

static inline bool t_policy_empty(const struct nh_policy *p)
{
	static const struct nh_policy zero;

	return memcmp(p, &zero, sizeof(zero)) == 0;
}

/* One bad (or warned-about) policy: the diagnostic it must produce. */
struct dcase {
	const char *rule;
	const char *text;
	unsigned int line;
	bool warning;
	const char *msg;
};

static inline void t_cases(const struct dcase *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct dcase *c = &cases[i];
		struct nh_policy p;
		struct nh_diags d;
		int r = t_load(c->text, &p, &d);

		fprintf(stderr, "case: %s\n", c->rule);
		assert_diag(&d, c->line, c->warning, c->msg);
		if (c->warning) {
			/* a warning alone leaves the policy valid */
			if (r != 0 || d.errors) {
				nh_diags_print(&d, stderr);
				fail_msg("case %s: expected no error", c->rule);
			}
		} else {
			assert_int_equal(r, -EINVAL);
			assert_true(t_policy_empty(&p));
		}
		nh_policy_free(&p);
		nh_diags_free(&d);
	}
}

/* Path of a shipped file: NETHEAL_TESTDATA is tests/data in the source tree. */
static inline const char *t_src(const char *rel)
{
	static char path[512];
	const char *data = getenv("NETHEAL_TESTDATA");

	snprintf(path, sizeof(path), "%s/../../%s", data ? data : "tests/data", rel);
	return path;
}

/* Contents of a file (malloc'ed, NUL-terminated). */
static inline char *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#endif
