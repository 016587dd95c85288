/*
 * bench-floor N: cold convergence of the benchmark topology (topo.h) with N
 * namespaces, by the floor's requests alone. Prints "floor_us=T" on stdout.
 * Run it on an empty sandbox: it stops at the first failing request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "tests/sandbox.h"
#include "topo.h"

static int converge(unsigned int n, uint64_t *elapsed_ns)
{
	struct nb_floor f;
	uint64_t t0;
	int r;

	r = nb_floor_open(&f);
	if (r < 0)
		return r;
	t0 = nb_now_ns();
	r = nb_floor_converge(&f, n);
	*elapsed_ns = nb_now_ns() - t0;
	nb_floor_close(&f);
	return r;
}

int main(int argc, char **argv)
{
	uint64_t elapsed = 0;
	char *end;
	unsigned long n;
	int r;

	if (!nh_test_in_sandbox()) {
		fprintf(stderr, "bench-floor: refusing to run outside the sandbox (tests/sandbox.sh)\n");
		return 1;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: bench-floor NAMESPACES\n");
		return 64;
	}
	n = strtoul(argv[1], &end, 10);
	if (*end || n > NB_MAX_NAMESPACES) {
		fprintf(stderr, "bench-floor: bad namespace count '%s'\n", argv[1]);
		return 64;
	}
	r = converge((unsigned int)n, &elapsed);
	if (r < 0) {
		fprintf(stderr, "bench-floor: %s\n", strerror(-r));
		return 1;
	}
	printf("floor_us=%.1f\n", (double)elapsed / 1e3);
	return 0;
}
