/*
 * Fuzz harness for the policy parser (wireguard's src/fuzz/ style).
 *
 * libFuzzer:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DNH_LIBFUZZER -D_GNU_SOURCE \
 *     -I. tests/fuzz/fuzz_parse.c policy/{model,diag,source,parse_keys,parse_link,parse,validate}.c \
 *     common/util.c -lconfig -o fuzz_parse
 *   ./fuzz_parse -dict=... CORPUS_DIR etc/policy.d
 * Without -DNH_LIBFUZZER it is a plain program that runs each FILE given
 * on the command line through the same entry point (the test suite runs it
 * on the shipped examples); exit 0 unless the parser broke its contract.
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
	nh_policy_free(&p);
	nh_diags_free(&d);
	return 0;
}

#ifndef NH_LIBFUZZER
int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		char *buf = NULL;
		size_t len = 0, cap = 0, got;

		if (!f) {
			perror(argv[i]);
			return 1;
		}
		do {
			char *nb = cap - len < 4096 ? realloc(buf, cap = cap * 2 + 4096) : buf;

			if (!nb) {
				fclose(f);
				free(buf);
				return 1;
			}
			buf = nb;
			got = fread(buf + len, 1, cap - len, f);
			len += got;
		} while (got > 0);
		fclose(f);
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
	}
	return 0;
}
#endif
