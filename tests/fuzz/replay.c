/*
 * The fuzz harnesses as plain programs (any compiler, no libFuzzer): run
 * LLVMFuzzerTestOneInput on each FILE given, and on each file in each
 * DIRECTORY given (in name order). The suite replays the seed corpora and
 * every input that once broke a harness (tests/fuzz/regress/) this way, in
 * the normal and the ASan + UBSan builds. Exit 0 unless the harness
 * aborted; 1 when a file cannot be read or none was given.
 *
 *   fuzz_NAME_replay FILE|DIRECTORY...
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap = cap * 2 + 4096);

			if (!nb) {
				fclose(f);
				free(buf);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got > 0);
	fclose(f);
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Returns the number of files run, or -1. */
static int run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, runs = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) < 0 ? -1 : 1;
	n = scandir(path, &names, NULL, by_name);
	if (n < 0) {
		perror(path);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];

		if (names[i]->d_name[0] != '.' && runs >= 0) {
			snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
			runs = run_file(file) < 0 ? -1 : runs + 1;
		}
		free(names[i]);
	}
	free(names);
	return runs;
}

int main(int argc, char **argv)
{
	int total = 0;

	for (int i = 1; i < argc; i++) {
		int n = run_path(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("%d inputs replayed\n", total);
	return total > 0 ? 0 : 1;
}
