/* common/strbuf: the string builder of object keys and log lines, and the
 * log line it builds (common/log.c, logfmt: SPEC §6). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/log.h"
#include "common/strbuf.h"

/* Pieces in order; numbers at their limits. */
static void test_pieces(void **state)
{
	char buf[128];
	struct nh_strbuf b = nh_strbuf_init(buf, sizeof(buf));

	(void)state;
	nh_strbuf_str(&b, "route:");
	nh_strbuf_u64(&b, 0);
	nh_strbuf_chr(&b, ' ');
	nh_strbuf_u64(&b, UINT64_MAX);
	nh_strbuf_chr(&b, ' ');
	nh_strbuf_i64(&b, INT64_MIN);
	nh_strbuf_chr(&b, ' ');
	nh_strbuf_i64(&b, -1);
	nh_strbuf_mem(&b, " xyz", 2);
	assert_string_equal(buf, "route:0 18446744073709551615 -9223372036854775808 -1 x");
	assert_int_equal(b.len, strlen(buf));
	assert_false(b.cut);
}

/* Addresses as inet_ntop writes them; another family is "?". */
static void test_ip(void **state)
{
	static const struct {
		int family;
		const char *text;
	} cases[] = {
		{ AF_INET, "0.0.0.0" },
		{ AF_INET, "10.1.1.100" },
		{ AF_INET, "255.255.255.255" },
		{ AF_INET, "192.0.2.9" },
		{ AF_INET6, "2001:db8::1" },
		{ AF_INET6, "::" },
		{ AF_INET6, "::ffff:192.0.2.1" },
		{ AF_INET6, "2001:db8:0:1:1:1:1:1" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char addr[16];
		struct nh_strbuf b = nh_strbuf_init(buf, sizeof(buf));

		assert_int_equal(inet_pton(cases[i].family, cases[i].text, addr), 1);
		nh_strbuf_ip(&b, cases[i].family, addr);
		assert_string_equal(buf, cases[i].text);
	}
	{
		struct nh_strbuf b = nh_strbuf_init(buf, sizeof(buf));
		unsigned char addr[16] = { 0 };

		nh_strbuf_ip(&b, 0, addr);
		assert_string_equal(buf, "?");
	}
	/* and with a prefix length */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned char addr[16];
		unsigned int len = cases[i].family == AF_INET ? (unsigned int)i * 8 : 128 - (unsigned int)i;
		struct nh_strbuf b = nh_strbuf_init(buf, sizeof(buf));
		char want[64];

		assert_int_equal(inet_pton(cases[i].family, cases[i].text, addr), 1);
		nh_strbuf_prefix(&b, cases[i].family, addr, len);
		snprintf(want, sizeof(want), "%s/%u", cases[i].text, len);
		assert_string_equal(buf, want);
	}
}

/* Full: cut, NUL-terminated, never past the buffer (ASan would see it),
 * and nothing more is added. */
static void test_cut(void **state)
{
	char *buf = malloc(8);
	struct nh_strbuf b = nh_strbuf_init(buf, 8);
	unsigned char addr[4] = { 203, 0, 113, 200 };

	(void)state;
	assert_non_null(buf);
	nh_strbuf_str(&b, "abc");
	nh_strbuf_ip(&b, AF_INET, addr);
	assert_string_equal(buf, "abc203.");
	assert_true(b.cut);
	nh_strbuf_u64(&b, 12345);
	nh_strbuf_chr(&b, 'z');
	assert_string_equal(buf, "abc203.");
	assert_int_equal(b.len, 7);
	free(buf);

	char one[1];
	struct nh_strbuf e = nh_strbuf_init(one, 1);

	nh_strbuf_str(&e, "x");
	assert_string_equal(one, "");
	assert_true(e.cut);
}

/* What nh_log_event writes to stderr, read back through a pipe. */
static char *logged(void (*log)(void))
{
	static char out[8192];
	int p[2], saved = dup(STDERR_FILENO);
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	assert_true(saved >= 0);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	log();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
	return out;
}

static void log_heal(void)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.netns = "blue";
	f.link = "v-peer1";
	f.object = "address:v-peer1 10.1.1.100/24";
	f.action = "add-address";
	f.latency_us = 879;
	f.actor = "";
	nh_log_event(NH_EV_HEALED, &f, "address %s missing", "10.1.1.100/24");
}

static void log_odd(void)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;

	f.netns = "";
	f.link = "a\"b\\c";
	f.object = "x=1";
	f.reason = "line\nbreak\x01\x7f";
	nh_log_event(NH_EV_HEALED, &f, NULL);
}

static void log_long(void)
{
	struct nh_log_fields f = NH_LOG_FIELDS_INIT;
	char reason[6000];

	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	f.reason = reason;
	nh_log_event(NH_EV_HEAL_FAILED, &f, "cut");
}

/* logfmt (SPEC §6): values quoted when empty or holding a space, '"',
 * '=', a backslash or a control byte; inside, '"' and '\' escaped, a
 * newline \n, another control byte \xHH; one line per record, its newline
 * kept when cut. */
static void test_log_line(void **state)
{
	char want[256], *line;

	(void)state;
	nh_log_init(NH_LOG_STDERR, false);
	line = logged(log_heal);
	snprintf(want, sizeof(want), "netheal[%d]: event=healed netns=blue link=v-peer1 "
		 "object=\"address:v-peer1 10.1.1.100/24\" action=add-address latency_us=879 actor=\"\" "
		 "msg=\"address 10.1.1.100/24 missing\"\n", (int)getpid());
	assert_string_equal(line, want);

	line = logged(log_odd);
	snprintf(want, sizeof(want), "netheal[%d]: event=healed netns=- link=\"a\\\"b\\\\c\" object=\"x=1\" "
		 "reason=\"line\\nbreak\\x01\\x7f\"\n", (int)getpid());
	assert_string_equal(line, want);

	line = logged(log_long);
	assert_int_equal(strlen(line), 4095);
	assert_int_equal(line[4094], '\n');
	assert_non_null(strstr(line, " event=heal-failed reason=rrr"));
	assert_null(strstr(line, "msg="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_log_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
