/* netheal: dispatch to a subcommand. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "cmd.h"

static const struct nh_cmd commands[] = {
	{ "check", nh_cmd_check, "validate the configuration, or the named policy files" },
	{ "plan", nh_cmd_plan, "show the drift between the system and the policy; change nothing" },
	{ "apply", nh_cmd_apply, "converge once, print each action, exit" },
	{ "run", nh_cmd_run, "the service: converge, then watch and heal until stopped" },
	{ "monitor", nh_cmd_monitor, "stream the events of every namespace (links, addresses, routes, rules, ...)" },
	{ "status", nh_cmd_status, "what the running service knows" },
	{ "export", nh_cmd_export, "print the live state as a policy" },
	{ NULL, NULL, NULL }
};

int nh_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netheal%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'netheal%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return NH_EXIT_USAGE;
}

/* The long option of longopts word ("--name" or "--name=value") names,
 * or NULL. */
static const struct option *long_named(const struct option *longopts, const char *word)
{
	size_t n = strcspn(word + 2, "=");

	for (; longopts && longopts->name; longopts++)
		if (strlen(longopts->name) == n && strncmp(longopts->name, word + 2, n) == 0)
			return longopts;
	return NULL;
}

int nh_usage_refused(const char *cmd, int c, int argc, char **argv, const struct option *longopts,
		     const char *needs)
{
	const char *now = optind < argc ? argv[optind] : NULL;
	const char *last = optind > 0 && optind - 1 < argc ? argv[optind - 1] : "";
	const struct option *o;

	if (!needs)
		needs = "an argument";
	/* getopt stays on a cluster (-lead) until its last letter, and moves
	 * past a long option at once */
	if (optopt && now && now[0] == '-' && now[1] != '-' && strchr(now + 1, optopt))
		last = "";
	if (last[0] == '-' && last[1] == '-' && last[2] && (!optopt || ((o = long_named(longopts, last)) &&
									 o->val == optopt))) {
		int n = (int)strcspn(last, "=");

		if (c == ':')
			return nh_usage_error(cmd, "option '%.*s' needs %s", n, last, needs);
		if (optopt && last[n] == '=')
			return nh_usage_error(cmd, "option '%.*s' takes no argument", n, last);
		return nh_usage_error(cmd, "unknown option '%.*s'", n, last);
	}
	if (c == ':')
		return nh_usage_error(cmd, "option '-%c' needs %s", optopt, needs);
	return nh_usage_error(cmd, "unknown option '-%c'", optopt);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: netheal COMMAND [OPTIONS]\n"
		   "Keep Linux network namespaces the way a policy says, and heal them.\n\n"
		   "Commands:\n");
	for (size_t i = 0; commands[i].name; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nEvery command takes -c, --config FILE (default %s) and -h, --help.\n"
		   "  netheal --version   print the version\n", NH_DEFAULT_CONFIG);
}

/*
 * stdout passes each control byte but newline and tab as \xHH (as the log
 * does): names come from the kernel and the file system, and the kernel
 * takes a link named "\x1b[2J" (dev_valid_name refuses only '/', ':' and
 * white space), which `monitor` or `plan` would otherwise send to the
 * operator's terminal. JSON is escaped already and passes unchanged.
 */
static ssize_t escaped_write(void *cookie, const char *buf, size_t size)
{
	FILE *to = cookie;

	for (size_t i = 0; i < size; i++) {
		unsigned char c = (unsigned char)buf[i];

		if (nh_is_control(c) && c != '\n' && c != '\t' ? fprintf(to, "\\x%02x", c) < 0 : putc(c, to) == EOF)
			return -1;
	}
	return fflush(to) == EOF ? -1 : (ssize_t)size;
}

static int escaped_close(void *cookie)
{
	return fflush(cookie) == EOF ? -1 : 0;
}

/* glibc's stdout is a variable one may set (libc manual, "Standard
 * Streams"); the original stays open beneath, and a terminal still gets
 * each line as it is printed. Unchanged when out of memory. */
static void escape_stdout(void)
{
	static const cookie_io_functions_t io = { .write = escaped_write, .close = escaped_close };
	FILE *f = fopencookie(stdout, "w", io);

	if (!f)
		return;
	if (isatty(STDOUT_FILENO))
		setvbuf(f, NULL, _IOLBF, 0);
	stdout = f;
}

int main(int argc, char **argv)
{
	/* glibc reads it in fnmatch (under it "[^a]" matches '^' or 'a': not
	 * the set netheal.conf(5) describes) and getopt (options after the
	 * first file ignored): one behaviour whatever the environment */
	unsetenv("POSIXLY_CORRECT");
	if (argc < 2)
		return nh_usage_error(NULL, "no command given");
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("netheal %s\n", NETHEAL_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	escape_stdout();
	for (size_t i = 0; commands[i].name; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		/* `netheal -c FILE check`: every option is a command's */
		for (int k = 2; k < argc; k++)
			for (size_t i = 0; commands[i].name; i++)
				if (strcmp(argv[k], commands[i].name) == 0)
					return nh_usage_error(NULL, "'%s' goes after the command: netheal %s %s ...",
							      argv[1], argv[k], argv[1]);
		return nh_usage_error(NULL, "unknown option '%s'", argv[1]);
	}
	return nh_usage_error(NULL, "unknown command '%s'", argv[1]);
}
