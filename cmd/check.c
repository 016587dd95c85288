/*
 * netheal check [-c FILE] [--strict] [FILE... | --as PATH FILE]  (SPEC §2, §3.2)
 *
 * Problems go to stderr, one per line, "FILE:LINE: error: MESSAGE", sorted
 * by file and line; nothing is printed for a valid configuration (a
 * validate: hook only needs the status). With FILE arguments only those
 * policy files are checked, and -c is not read. With --as, the whole
 * configuration is checked as if FILE were installed at PATH, and
 * messages about FILE name PATH: what a config-management validate: hook
 * needs to see a namespace that another file defines too.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "netlink/sysctl.h"
#include "nh_policy_paths.h"
#include "policy/parse.h"

/* A sysctl this machine's kernel lacks is a warning, not an error (SPEC
 * §3.1): the policy may be meant for another kernel, where netheal says
 * heal-failed if it is missing there too. */
static int check_sysctls(const struct nh_netns_rule *r, struct nh_diags *d)
{
	for (size_t i = 0; i < r->want.n_sysctls; i++) {
		const struct nh_sysctl *k = &r->want.sysctls[i];
		char hint[NH_SYSCTL_KEYSIZ], did[NH_SYSCTL_KEYSIZ + 24] = "";
		int n;

		if (nh_sysctl_known(NH_SYSCTL_ROOT, k->key))
			continue;
		if (nh_sysctl_suggest(NH_SYSCTL_ROOT, k->key, hint, sizeof(hint)) == 0)
			snprintf(did, sizeof(did), ": did you mean '%s'?", hint);
		n = nh_diags_add(d, k->origin.file, k->origin.line, true, "sysctl '%s': this machine's kernel has "
				 "no such setting%s (netheal will report heal-failed where it is missing too)",
				 k->key, did);
		if (n < 0)
			return -ENOMEM;
	}
	return 0;
}

static int check_all_sysctls(const struct nh_policy *p, struct nh_diags *d)
{
	int r = check_sysctls(&p->host, d);

	for (size_t i = 0; r == 0 && i < p->n_netns; i++)
		r = check_sysctls(&p->netns[i], d);
	return r;
}

static void check_usage(FILE *f)
{
	fprintf(f, "Usage: netheal check [-c FILE] [--strict] [FILE...]\n"
		   "       netheal check [-c FILE] [--strict] --as PATH FILE\n"
		   "Validate the configuration: the main file and every *.conf in its policy_dir,\n"
		   "or, with FILE arguments, just those policy files.\n"
		   "Problems are printed to stderr as FILE:LINE: error|warning: MESSAGE.\n\n"
		   "  -c, --config FILE  main configuration file (default %s);\n"
		   "                     not read when FILEs are given without --as\n"
		   "      --as PATH      check the whole configuration as if FILE were installed\n"
		   "                     at PATH (the main file or a policy_dir file, replaced or\n"
		   "                     added); messages name PATH. For validate: hooks:\n"
		   "                     netheal check --as %s/NAME.conf %%s\n"
		   "      --strict       warnings fail the check too\n"
		   "  -h, --help         show this help\n\n"
		   "Exit status: 0 valid, 1 invalid, 64 usage error.\n", NH_DEFAULT_CONFIG, NH_DEFAULT_POLICY_DIR);
}

int nh_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "strict", no_argument, NULL, 's' },
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NH_DEFAULT_CONFIG, *as = NULL;
	struct nh_policy policy;
	struct nh_diags diags = { 0 };
	bool strict = false;
	int opt, r;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 's':
			strict = true;
			break;
		case 'a':
			as = optarg;
			break;
		case 'h':
			check_usage(stdout);
			return 0;
		case ':':
			return nh_usage_refused("check", opt, argc, argv, opts, optopt == 'a' ? "a PATH" : "a FILE");
		default:
			return nh_usage_refused("check", opt, argc, argv, opts, NULL);
		}
	}
	if (as && argc - optind != 1)
		return nh_usage_error("check", "--as PATH takes exactly one FILE to check in its place");
	if (as && !*as)
		return nh_usage_error("check", "--as needs a non-empty PATH");
	if (as)
		r = nh_policy_load_as(config, as, argv[optind], &policy, &diags);
	else if (optind < argc)
		r = nh_policy_load_files(argv + optind, (size_t)(argc - optind), &policy, &diags);
	else
		r = nh_policy_load(config, &policy, &diags);
	if (r == 0)
		r = check_all_sysctls(&policy, &diags);
	nh_diags_print(&diags, stderr);
	if (r == -ENOMEM)
		fprintf(stderr, "netheal check: out of memory\n");
	if (r == 0 && strict && diags.warnings)
		r = -EINVAL;
	nh_policy_free(&policy);
	nh_diags_free(&diags);
	return r == 0 ? 0 : 1;
}
