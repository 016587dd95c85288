/*
 * Fuzz harness for the policy parser (wireguard's src/fuzz/ style): one
 * policy file in memory through nh_policy_load_buffer, which must either
 * accept it with no error or reject it with at least one and leave nothing
 * behind (and leak nothing: LeakSanitizer); no message names a line past
 * the file's end.
 *
 * Seeds: tests/fuzz/corpus/parse (the shipped examples and the check
 * tests' files), dictionary tests/fuzz/parse.dict. libFuzzer build: meson
 * -Dfuzz=enabled (clang), see tests/fuzz/README.md; without it,
 * tests/fuzz/replay.c runs each file given (the suite replays the seeds
 * and tests/fuzz/regress/parse).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "policy/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nh_policy p;
	struct nh_diags d = { 0 };
	int r = nh_policy_load_buffer("fuzz.conf", (const char *)data, size, &p, &d);

	/* the contract: valid with no error, or invalid with one and empty */
	if ((r == 0) != (d.errors == 0) || (r != 0 && (p.n_netns || p.n_files)))
		abort();
	if (r != 0 && r != -EINVAL)
		abort();
	/* every message names a line of the file, never one past its end */
	for (size_t i = 0, lines = 1; i < d.n; i++) {
		if (i == 0)
			for (size_t k = 0; k + 1 < size; k++)
				lines += data[k] == '\n';
		if (d.v[i].line > lines)
			abort();
	}
	nh_policy_free(&p);
	nh_diags_free(&d);
	return 0;
}
