/*
 * nh_policy_load_as (netheal check --as PATH FILE): the whole configuration
 * is read as if FILE were installed at PATH, and every message about it
 * names PATH. Each case below is what a config-management validate: hook
 * must see (or must not see) for one candidate file.
 */
#include "parse_helpers.h"

#include "policy/model.h"

static char main_path[512], dir[512], cand[512];

/* netheal.conf with policy_dir = "policy.d", and policy.d/blue.conf
 * defining namespace blue at line 2. */
static int setup(void **state)
{
	if (t_setup(state) < 0)
		return -1;
	snprintf(main_path, sizeof(main_path), "%s",
		 t_put("netheal.conf", "netheal: { policy_dir = \"policy.d\"; };\n"));
	t_put("policy.d/blue.conf", "\nnamespaces = ( { name = \"blue\"; } );\n");
	snprintf(dir, sizeof(dir), "%s/policy.d", t_dir);
	return 0;
}

static int load_as(const char *as_name, const char *text, struct nh_policy *p, struct nh_diags *d)
{
	char as_path[600];

	snprintf(cand, sizeof(cand), "%s", t_put("candidate.tmp", text));
	snprintf(as_path, sizeof(as_path), "%s/%s", dir, as_name);
	memset(d, 0, sizeof(*d));
	return nh_policy_load_as(main_path, as_path, cand, p, d);
}

/* No diagnostic names the candidate's temporary path. */
static void assert_never_names_file(const struct nh_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		assert_null(strstr(d->v[i].file, "candidate.tmp"));
		assert_null(strstr(d->v[i].msg, "candidate.tmp"));
	}
}

static void test_collision_with_other_file(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	char want[700];

	(void)state;
	assert_int_equal(load_as("green.conf", "namespaces = (\n { name = \"blue\"; } );\n", &p, &d),
			 -EINVAL);
	assert_int_equal(d.errors, 1);
	/* green.conf sorts after blue.conf: the error is on it, naming both. */
	snprintf(want, sizeof(want), "%s/green.conf", dir);
	assert_string_equal(d.v[0].file, want);
	assert_int_equal(d.v[0].line, 2);
	snprintf(want, sizeof(want), "namespace 'blue' is defined twice: first at %s/blue.conf:2", dir);
	assert_string_equal(d.v[0].msg, want);
	assert_never_names_file(&d);
	assert_true(t_policy_empty(&p));
	nh_diags_free(&d);
}

static void test_replacing_the_file_that_collides(void **state)
{
	struct nh_policy p;
	struct nh_diags d;

	(void)state;
	/* Installed at blue.conf it replaces the old definition: no collision. */
	assert_int_equal(load_as("blue.conf", "namespaces = ( { name = \"blue\"; create = false; } );\n",
				 &p, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	assert_int_equal(p.n_netns, 1);
	assert_false(p.netns[0].create);
	assert_int_equal(p.n_files, 2);
	nh_policy_free(&p);
	nh_diags_free(&d);
}

static void test_typo(void **state)
{
	struct nh_policy p;
	struct nh_diags d;

	(void)state;
	assert_int_equal(load_as("a.conf", "links = (\n { name = \"x\"; kind = \"dummy\"; adresses = []; } );\n",
				 &p, &d), -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_diag(&d, 2, false, "unknown key 'adresses' in link (did you mean 'addresses'?)");
	assert_non_null(strstr(d.v[0].file, "/policy.d/a.conf"));
	assert_never_names_file(&d);
	nh_diags_free(&d);
}

static void test_good_new_file(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	char path[600];

	(void)state;
	assert_int_equal(load_as("green.conf", "namespaces = ( { name = \"green\"; } );\n", &p, &d), 0);
	assert_int_equal(d.errors + d.warnings, 0);
	/* both namespaces, the candidate read in its lexical place */
	assert_int_equal(p.n_netns, 2);
	assert_int_equal(p.n_files, 3);
	snprintf(path, sizeof(path), "%s/green.conf", dir);
	assert_string_equal(p.files[2], path);
	/* and nothing was written at PATH */
	assert_int_equal(access(path, F_OK), -1);
	nh_policy_free(&p);
	nh_diags_free(&d);
}

static void test_path_not_read_by_netheal(void **state)
{
	struct nh_policy p;
	struct nh_diags d;

	(void)state;
	assert_int_equal(load_as("green.conf.off", "namespaces = ( { name = \"green\"; } );\n", &p, &d),
			 -EINVAL);
	assert_int_equal(d.errors, 1);
	assert_diag(&d, 0, false, "netheal would not read this file");
	assert_non_null(strstr(d.v[0].file, "/policy.d/green.conf.off"));
	nh_diags_free(&d);
}

static void test_main_file(void **state)
{
	struct nh_policy p;
	struct nh_diags d = { 0 };

	(void)state;
	snprintf(cand, sizeof(cand), "%s",
		 t_put("main.tmp", "netheal: { policy_dir = \"policy.d\"; mode = \"audit\"; };\n"
				   "namespaces = ( { name = \"blue\"; } );\n"));
	assert_int_equal(nh_policy_load_as(main_path, main_path, cand, &p, &d), -EINVAL);
	assert_diag(&d, 2, false, "namespace 'blue' is defined twice");
	for (size_t i = 0; i < d.n; i++)
		assert_null(strstr(d.v[i].msg, "main.tmp"));
	nh_diags_free(&d);
}

/* A candidate main file that does not parse: its own error alone, no
 * policy_dir read (not the default one either), as without --as. */
static void test_main_file_unparsed(void **state)
{
	struct nh_policy p;
	struct nh_diags d = { 0 };

	(void)state;
	snprintf(cand, sizeof(cand), "%s",
		 t_put("main.tmp", "netheal: { policy_dir = \"policy.d\"; };\nnamespaces = (\n"));
	assert_int_equal(nh_policy_load_as(main_path, main_path, cand, &p, &d), -EINVAL);
	if (d.n != 1 || d.warnings) {
		nh_diags_print(&d, stderr);
		fail_msg("expected the main file's one error alone");
	}
	assert_diag(&d, 2, false, "the file ends inside the '(' opened at line 2");
	nh_diags_free(&d);
}

/* A candidate that cannot be read: the message is at PATH (where it would
 * go) but names the file given, the one that could not be read. */
static void test_candidate_unreadable(void **state)
{
	struct nh_policy p;
	struct nh_diags d = { 0 };
	char as_path[600], missing[600];

	(void)state;
	snprintf(as_path, sizeof(as_path), "%s/green.conf", dir);
	snprintf(missing, sizeof(missing), "%s/no-such-candidate.conf", t_dir);
	assert_int_equal(nh_policy_load_as(main_path, as_path, missing, &p, &d), -EINVAL);   /* a policy file that cannot be read: invalid */
	assert_int_equal(d.errors, 1);
	assert_non_null(strstr(d.v[0].file, "/policy.d/green.conf"));
	assert_non_null(strstr(d.v[0].msg, "no-such-candidate.conf"));
	nh_diags_free(&d);
	nh_policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_collision_with_other_file),
		cmocka_unit_test(test_replacing_the_file_that_collides),
		cmocka_unit_test(test_typo),
		cmocka_unit_test(test_good_new_file),
		cmocka_unit_test(test_path_not_read_by_netheal),
		cmocka_unit_test(test_main_file),
		cmocka_unit_test(test_main_file_unparsed),
		cmocka_unit_test(test_candidate_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, t_teardown);
}
