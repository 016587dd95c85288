/*
 * The parser against hostile input, and the shipped examples.
 *
 * Every shipped file is truncated at every byte offset and mutated a few
 * thousand times (deterministically); the parser must return an answer each
 * time. Under the ASan + UBSan build this proves no crash, leak or undefined
 * behaviour on those inputs. Then the classic traps: a device file, a FIFO,
 * @include of itself, deep nesting, a 10 MB string, a file over the limit.
 */
#include "policy/kind.h"
#include "parse_helpers.h"

#include <sys/socket.h>

#include "policy/model.h"
#include "nh_policy_paths.h"

static const char *const examples[] = {
	"etc/policy.d/option1-physical.conf",
	"etc/policy.d/option2-bridge.conf",
	"etc/netheal.conf",
};

/* Parse buf; whatever the outcome, the answer must be consistent. */
static void parse_once(const char *buf, size_t len)
{
	struct nh_policy p;
	struct nh_diags d = { 0 };
	int r = nh_policy_load_buffer("fuzz.conf", buf, len, &p, &d);

	assert_true(r == 0 || r == -EINVAL);
	if (r == 0)
		assert_int_equal(d.errors, 0);
	else
		assert_true(d.errors > 0 && t_policy_empty(&p));
	nh_policy_free(&p);
	nh_diags_free(&d);
}

static void test_truncated(void **state)
{
	(void)state;
	for (size_t f = 0; f < NH_ARRAY_SIZE(examples); f++) {
		size_t len;
		char *text = t_slurp(t_src(examples[f]), &len);

		for (size_t cut = 0; cut <= len; cut++)
			parse_once(text, cut);
		free(text);
	}
}

static uint32_t xorshift(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void test_mutated(void **state)
{
	/* bytes that matter to the lexer and the grammar */
	static const char interesting[] = "\"{}();=:,[]\n@#/*\\-L0x9.\0\xff a";
	uint32_t seed = 0x6e657468;

	(void)state;
	for (size_t f = 0; f < NH_ARRAY_SIZE(examples); f++) {
		size_t len;
		char *text = t_slurp(t_src(examples[f]), &len);
		char *work = malloc(len + 1);

		assert_non_null(work);
		for (int round = 0; round < 3000; round++) {
			int flips = 1 + (int)(xorshift(&seed) % 4);

			memcpy(work, text, len);
			for (int i = 0; i < flips; i++) {
				size_t at = xorshift(&seed) % len;
				uint32_t v = xorshift(&seed);

				work[at] = (v & 1) ? (char)(v >> 8)
					  : interesting[(v >> 8) % (sizeof(interesting) - 1)];
			}
			parse_once(work, len);
		}
		free(work);
		free(text);
	}
}

static void expect_file_error(const char *path, const char *msg)
{
	char *files[] = { (char *)path };
	struct nh_policy p;
	struct nh_diags d = { 0 };

	assert_int_equal(nh_policy_load_files(files, 1, &p, &d), -EINVAL);
	if (!d.n || !strstr(d.v[0].msg, msg)) {
		nh_diags_print(&d, stderr);
		fail_msg("%s: expected \"%s\"", path, msg);
	}
	assert_true(t_policy_empty(&p));
	nh_diags_free(&d);
}

static void test_hostile_files(void **state)
{
	char fifo[600], big[600], huge[600];
	char *text;
	size_t n = 10u << 20;
	int fd;

	(void)state;
	expect_file_error("/dev/zero", "not a regular file");
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", t_dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_file_error(fifo, "not a regular file");

	/* @include of itself, of a device: refused before libconfig sees it */
	expect_file_error(t_put("self.conf", "links = ();\n@include \"self.conf\"\n"), "@include is not supported");
	expect_file_error(t_put("dev.conf", "  @include \"/dev/urandom\"\n"), "@include is not supported");

	/* deep nesting: libconfig's parser stack gives up, cleanly */
	text = malloc(400010);
	if (!text)
		abort();        /* (not assert_non_null: GCC must see text is not NULL) */
	memcpy(text, "links = ", 8);
	memset(text + 8, '(', 200000);
	memset(text + 200008, ')', 200000);
	memcpy(text + 400008, ";", 2);
	expect_file_error(t_put("deep.conf", text), "syntax error");
	free(text);

	/* a 10 MB string: parsed, rejected as a name, quoted short */
	text = malloc(n + 64);
	if (!text)
		abort();
	memcpy(text, "links = ( { name = \"", 20);
	memset(text + 20, 'x', n);
	memcpy(text + 20 + n, "\"; } );\n", 9);
	snprintf(big, sizeof(big), "%s", t_put("big.conf", text));
	expect_file_error(big, "invalid interface name 'xxxx");
	free(text);

	/* libconfig 1.5 leaks the string it failed on (tests/lsan.supp) */
	parse_once("links = ();\n\"x\"\n", 16);

	/* over 16 MiB: not read at all */
	snprintf(huge, sizeof(huge), "%s/huge.conf", t_dir);
	fd = open(huge, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)NH_POLICY_MAX_FILE + 1), 0);
	close(fd);
	expect_file_error(huge, "larger than 16 MiB");
}

static void test_binary_junk(void **state)
{
	uint32_t seed = 12345;
	char buf[4096];

	(void)state;
	for (int round = 0; round < 500; round++) {
		size_t len = xorshift(&seed) % sizeof(buf);

		for (size_t i = 0; i < len; i++)
			buf[i] = (char)xorshift(&seed);
		parse_once(buf, len);
		/* printable junk reaches libconfig (no NUL byte) */
		for (size_t i = 0; i < len; i++)
			buf[i] = (char)(0x20 + xorshift(&seed) % 0x5f);
		parse_once(buf, len);
	}
}

/* ---- the shipped examples ---- */

/* Load a shipped file as a private 0644 copy (a checkout's umask must not
 * make it group-writable). */
static int load_example(const char *rel, struct nh_policy *p, struct nh_diags *d)
{
	size_t len;
	char *text = t_slurp(t_src(rel), &len);
	char *path = strdup(t_put(strrchr(rel, '/') + 1, text));
	int r;

	memset(d, 0, sizeof(*d));
	r = nh_policy_load_files(&path, 1, p, d);
	if (d->n)
		nh_diags_print(d, stderr);
	free(path);
	free(text);
	return r;
}

static void test_example_option1(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	const struct nh_netns_rule *r;
	char buf[64];

	(void)state;
	assert_int_equal(load_example("etc/policy.d/option1-physical.conf", &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.host.want.n_links, 0);
	assert_int_equal(p.n_netns, 1);
	r = &p.netns[0];
	assert_string_equal(r->name, "blue");
	assert_true(r->create);
	assert_int_equal(r->want.n_links, 2);
	assert_string_equal(r->want.links[0].name, "eth1");
	assert_ptr_equal(r->want.links[0].kind, &nh_kind_physical);
	assert_true(r->want.links[0].up);
	assert_string_equal(r->want.links[1].name, "lo");
	assert_null(r->want.links[1].kind);
	assert_int_equal(r->want.n_addrs, 1);
	assert_string_equal(r->want.addrs[0].link, "eth1");
	assert_string_equal(nh_prefix_str(&r->want.addrs[0].prefix, true, buf, sizeof(buf)), "10.1.1.83/24");
	assert_int_equal(r->want.n_routes, 1);
	assert_int_equal(r->want.routes[0].dst.len, 0);
	assert_string_equal(nh_prefix_str(&r->want.routes[0].via, false, buf, sizeof(buf)), "10.1.1.1");
	assert_string_equal(r->hooks.on_create[0], "/usr/bin/systemctl");
	assert_string_equal(r->hooks.on_create[3], "netns-sshd@blue.service");
	assert_null(r->hooks.on_create[4]);
	nh_policy_free(&p);
	nh_diags_free(&d);
}

static void test_example_option2(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	const struct nh_state *h;
	const struct nh_netns_rule *r;
	char buf[64];

	(void)state;
	assert_int_equal(load_example("etc/policy.d/option2-bridge.conf", &p, &d), 0);
	assert_int_equal(d.n, 0);
	h = &p.host.want;
	assert_int_equal(h->n_links, 3);
	assert_string_equal(h->links[0].name, "br1");
	assert_ptr_equal(h->links[0].kind, &nh_kind_bridge);
	assert_string_equal(h->links[1].name, "eth1");
	assert_string_equal(h->links[1].master, "br1");
	assert_string_equal(h->links[2].name, "v-eth1");
	assert_int_equal(h->links[2].flags, NH_LINK_FLAG_PEER_END);
	assert_string_equal(h->links[2].master, "br1");
	assert_string_equal(h->links[2].peer_name, "v-peer1");
	assert_string_equal(h->links[2].peer_netns, "blue");
	assert_int_equal(h->n_addrs, 1);
	assert_string_equal(nh_prefix_str(&h->addrs[0].prefix, true, buf, sizeof(buf)), "10.1.1.51/24");
	r = &p.netns[0];
	assert_string_equal(r->name, "blue");
	assert_int_equal(r->want.n_links, 2);
	assert_string_equal(r->want.links[0].name, "lo");
	assert_string_equal(r->want.links[1].name, "v-peer1");
	assert_int_equal(r->want.links[1].has & NH_LINK_HAS_PEER, NH_LINK_HAS_PEER);
	assert_string_equal(r->want.addrs[0].link, "v-peer1");
	assert_string_equal(nh_prefix_str(&r->want.routes[0].via, false, buf, sizeof(buf)), "10.1.1.51");
	assert_string_equal(r->hooks.on_create[0], "/usr/bin/systemctl");
	assert_string_equal(r->hooks.on_create[3], "netns-sshd@blue.service");
	assert_null(r->hooks.on_create[4]);
	nh_policy_free(&p);
	nh_diags_free(&d);
}

/* The router example: every object beyond links and routes, as written. */
static void test_example_router(void **state)
{
	struct nh_policy p;
	struct nh_diags d;
	const struct nh_netns_rule *r;
	char buf[64];

	(void)state;
	assert_int_equal(load_example("etc/policy.d/router-namespace.conf", &p, &d), 0);
	assert_int_equal(d.n, 0);
	assert_int_equal(p.n_netns, 1);
	r = &p.netns[0];
	assert_string_equal(r->name, "rtr");
	assert_int_equal(r->want.n_links, 3);
	assert_int_equal(r->want.n_routes, 2);
	assert_int_equal(r->want.n_rules, 1);
	assert_int_equal(r->want.rules[0].family, AF_INET);
	assert_int_equal(r->want.rules[0].priority, 1000);
	assert_string_equal(nh_prefix_str(&r->want.rules[0].from, true, buf, sizeof(buf)), "10.1.20.128/25");
	assert_int_equal(r->want.rules[0].table, 100);
	assert_int_equal(r->want.n_neighs, 1);
	assert_string_equal(r->want.neighs[0].dev, "wan0");
	assert_int_equal(r->want.n_sysctls, 3);
	assert_string_equal(r->want.sysctls[0].key, "net.ipv4.conf.wan0.rp_filter");
	assert_string_equal(r->want.sysctls[0].link, "wan0");
	assert_string_equal(r->want.sysctls[1].key, "net.ipv4.ip_forward");
	assert_string_equal(r->want.sysctls[1].value, "1");
	nh_policy_free(&p);
	nh_diags_free(&d);
}

/* Both examples define blue: together they are rejected, both places named. */
static void test_examples_together(void **state)
{
	char *files[2];
	struct nh_policy p;
	struct nh_diags d = { 0 };

	(void)state;
	files[0] = strdup(t_src("etc/policy.d/option1-physical.conf"));
	files[1] = strdup(t_src("etc/policy.d/option2-bridge.conf"));
	assert_int_equal(nh_policy_load_files(files, 2, &p, &d), -EINVAL);
	assert_true(t_has_diag(&d, 29, false, "namespace 'blue' is defined twice: first at "));
	assert_true(t_has_diag(&d, 29, false, "option1-physical.conf:20"));
	free(files[0]);
	free(files[1]);
	nh_diags_free(&d);
}

/* etc/netheal.conf documents every setting with its default: it must parse
 * to exactly nh_settings_defaults(). */
static void test_example_main(void **state)
{
	struct nh_settings def;
	struct nh_policy p;
	struct nh_diags d = { 0 };
	size_t len;
	char *text = t_slurp(t_src("etc/netheal.conf"), &len);
	char *dir = strstr(text, "\"/etc/netheal/policy.d\"");
	char *path;

	(void)state;
	/* hermetic: this machine's /etc/netheal/policy.d is not read */
	assert_non_null(dir);
	memcpy(dir, "\"/nonexistent/policy.d\"", 23);
	path = strdup(t_put("etcmain/netheal.conf", text));
	nh_settings_defaults(&def);
	assert_int_equal(nh_policy_load(path, &p, &d), 0);
	/* the only remark: the (replaced) policy_dir does not exist */
	assert_int_equal(d.n, 1);
	assert_true(d.v[0].warning);
	assert_non_null(strstr(d.v[0].msg, "does not exist"));
	assert_int_equal(p.settings.mode, def.mode);
	assert_string_equal(p.settings.policy_dir, "/nonexistent/policy.d");
	assert_string_equal(def.policy_dir, NH_DEFAULT_POLICY_DIR);    /* SYSCONFDIR/netheal/policy.d */
	assert_string_equal(p.settings.netns_dir, def.netns_dir);
	assert_int_equal(p.settings.resync_interval, def.resync_interval);
	assert_memory_equal(&p.settings.backoff, &def.backoff, sizeof(def.backoff));
	assert_int_equal(p.settings.hook_timeout, def.hook_timeout);
	assert_string_equal(p.settings.status_file, def.status_file);
	assert_string_equal(p.settings.metrics_file, def.metrics_file);
	free(def.policy_dir);
	free(def.netns_dir);
	free(def.status_file);
	free(def.metrics_file);
	nh_policy_free(&p);
	nh_diags_free(&d);
	free(path);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_mutated),
		cmocka_unit_test(test_hostile_files),
		cmocka_unit_test(test_binary_junk),
		cmocka_unit_test(test_example_option1),
		cmocka_unit_test(test_example_option2),
		cmocka_unit_test(test_example_router),
		cmocka_unit_test(test_examples_together),
		cmocka_unit_test(test_example_main),
	};

	return cmocka_run_group_tests(tests, t_setup, t_teardown);
}
