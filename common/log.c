#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define SD_JOURNAL_SUPPRESS_LOCATION
#include <systemd/sd-journal.h>

#include "strbuf.h"

struct event_info {
	const char *name;
	int prio;
	const char *message_id;         /* documented in etc/netheal.catalog */
};

static const struct event_info events[NH_EV__COUNT] = {
	[NH_EV_NONE]            = { NULL,              NH_INFO,    NULL },
	[NH_EV_STARTED]         = { "started",         NH_INFO,    "43204486ee3848e8b38fb0ba4b0228f4" },
	[NH_EV_CONFIG_LOADED]   = { "config-loaded",   NH_INFO,    "1d7759e415fe470386fa9ce2e07b23ef" },
	[NH_EV_CONFIG_REJECTED] = { "config-rejected", NH_ERR,     "c557458ca2794201911e4a44e648c666" },
	[NH_EV_DRIFT]           = { "drift",           NH_NOTICE,  "88e9b629de6148ef81fdda69900f7e16" },
	[NH_EV_HEALED]          = { "healed",          NH_NOTICE,  "36bef42e03f5434684bce9e429a8a99c" },
	[NH_EV_HEAL_FAILED]     = { "heal-failed",     NH_WARNING, "9f31b5daaa414830b1f41d656f8a8e2c" },
	[NH_EV_FLAPPING]        = { "flapping",        NH_WARNING, "6288c9e58bcc471695ce69ab3b1a8cc6" },
	[NH_EV_CONFLICT]        = { "conflict",        NH_WARNING, "9b60f0f0824a4583830257dc8fb8e23b" },
	[NH_EV_NETNS_CREATED]   = { "netns-created",   NH_NOTICE,  "db06abcf5b694cfb990ce902e263c5ba" },
	[NH_EV_NETNS_MISSING]   = { "netns-missing",   NH_WARNING, "bd423cb6ff77471e90f21c45173e16eb" },
	[NH_EV_RESYNC]          = { "resync",          NH_INFO,    "f0d51f3fe500425f98262960ebe92920" },
	[NH_EV_HOOK_RUN]        = { "hook-run",        NH_INFO,    "207eebd463b445c3b1b5b28da919d8e7" },
	[NH_EV_HOOK_FAILED]     = { "hook-failed",     NH_WARNING, "5d452c332998429480d7ea94753d2e00" },
	[NH_EV_STOPPING]        = { "stopping",        NH_INFO,    "65a12d66d6854f29b9915612a986403e" },
};

/* The one piece of process-wide logging state: where records go. */
static struct {
	bool journal;
	bool verbose;
} log_cfg;

const char *nh_event_to_string(enum nh_event e)
{
	if ((unsigned)e >= NH_EV__COUNT || !events[e].name)
		return "none";
	return events[e].name;
}

/* JOURNAL_STREAM is "DEV:INODE" of the stream systemd connected stderr to. */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void nh_log_init(enum nh_log_target target, bool verbose)
{
	log_cfg.journal = target == NH_LOG_JOURNAL ||
			  (target == NH_LOG_AUTO && stderr_is_journal());
	log_cfg.verbose = verbose;
}

void nh_log_set_verbose(bool verbose)
{
	log_cfg.verbose = verbose;
}

bool nh_log_verbose(void)
{
	return log_cfg.verbose;
}

/* key=val, logfmt: quoted when val is empty or has a space, '"', '=', a
 * backslash or a control byte; inside the quotes '"' and the backslash are
 * escaped with a backslash, a newline is written \n and another control
 * byte \xHH (a namespace another agent named may hold any byte: the line
 * stays one line of text). */
static void put_kv(struct nh_strbuf *b, const char *key, const char *val)
{
	static const char hex[] = "0123456789abcdef";
	bool quote = !*val || strpbrk(val, " \"=\\") != NULL;
	const char *p, *run;

	for (p = val; !quote && *p; p++)
		quote = nh_is_control((unsigned char)*p);
	nh_strbuf_chr(b, ' ');
	nh_strbuf_str(b, key);
	nh_strbuf_chr(b, '=');
	if (!quote) {
		nh_strbuf_str(b, val);
		return;
	}
	nh_strbuf_chr(b, '"');
	for (p = run = val; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c != '"' && c != '\\' && !nh_is_control(c))
			continue;
		nh_strbuf_mem(b, run, (size_t)(p - run));
		run = p + 1;
		if (c == '\n') {
			nh_strbuf_str(b, "\\n");
		} else if (nh_is_control(c)) {
			char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 0xf] };

			nh_strbuf_mem(b, esc, sizeof(esc));
		} else {
			char esc[2] = { '\\', (char)c };

			nh_strbuf_mem(b, esc, sizeof(esc));
		}
	}
	nh_strbuf_mem(b, run, (size_t)(p - run));
	nh_strbuf_chr(b, '"');
}

static void emit_stderr(enum nh_event ev, int prio, const struct nh_log_fields *f, const char *msg)
{
	char buf[4096];
	struct nh_strbuf b = nh_strbuf_init(buf, sizeof(buf) - 1);       /* room for the '\n' */

	nh_strbuf_str(&b, "netheal[");
	nh_strbuf_i64(&b, getpid());
	nh_strbuf_str(&b, "]:");
	if (ev != NH_EV_NONE)
		put_kv(&b, "event", events[ev].name);
	else
		put_kv(&b, "level", prio <= NH_ERR ? "error" : prio == NH_WARNING ? "warning" :
			   prio == NH_NOTICE ? "notice" : prio == NH_DEBUG ? "debug" : "info");
	if (f) {
		if (f->netns)
			put_kv(&b, "netns", *f->netns ? f->netns : "-");
		if (f->link)
			put_kv(&b, "link", f->link);
		if (f->object)
			put_kv(&b, "object", f->object);
		if (f->action)
			put_kv(&b, "action", f->action);
		if (f->latency_us >= 0) {
			nh_strbuf_str(&b, " latency_us=");
			nh_strbuf_i64(&b, f->latency_us);
		}
		if (f->reason)
			put_kv(&b, "reason", f->reason);
		if (f->rule)
			put_kv(&b, "rule", f->rule);
		if (f->actor)
			put_kv(&b, "actor", f->actor);
	}
	if (msg && *msg)
		put_kv(&b, "msg", msg);
	buf[b.len++] = '\n';
	/* One write per record, so lines from concurrent writers never mix. */
	(void)!write(STDERR_FILENO, buf, b.len);
}

struct journal_fields {
	struct iovec iov[12];
	char text[12][512];
	int n;
};

/* NAME=value as the next field: a string (number NULL) or a number. */
static void add_field(struct journal_fields *j, const char *name, const char *value, const long long *number)
{
	struct nh_strbuf b = nh_strbuf_init(j->text[j->n], sizeof(j->text[j->n]));

	nh_strbuf_str(&b, name);
	nh_strbuf_chr(&b, '=');
	if (number)
		nh_strbuf_i64(&b, *number);
	else
		nh_strbuf_str(&b, value);
	j->iov[j->n].iov_base = j->text[j->n];
	j->iov[j->n].iov_len = b.len;
	j->n++;
}

static void emit_journal(enum nh_event ev, int prio, const struct nh_log_fields *f, const char *msg)
{
	struct journal_fields j = { .n = 0 };
	long long priority = prio;

	add_field(&j, "MESSAGE", msg && *msg ? msg : nh_event_to_string(ev), NULL);
	add_field(&j, "PRIORITY", NULL, &priority);
	if (ev != NH_EV_NONE) {
		add_field(&j, "MESSAGE_ID", events[ev].message_id, NULL);
		add_field(&j, "NETHEAL_EVENT", events[ev].name, NULL);
	}
	if (f) {
		if (f->netns)
			add_field(&j, "NETHEAL_NETNS", *f->netns ? f->netns : "-", NULL);
		if (f->link)
			add_field(&j, "NETHEAL_LINK", f->link, NULL);
		if (f->object)
			add_field(&j, "NETHEAL_OBJECT", f->object, NULL);
		if (f->action)
			add_field(&j, "NETHEAL_ACTION", f->action, NULL);
		if (f->latency_us >= 0)
			add_field(&j, "NETHEAL_LATENCY_US", NULL, &f->latency_us);
		if (f->reason)
			add_field(&j, "NETHEAL_REASON", f->reason, NULL);
		if (f->rule)
			add_field(&j, "NETHEAL_RULE", f->rule, NULL);
		if (f->actor)
			add_field(&j, "NETHEAL_ACTOR", f->actor, NULL);
	}
	if (sd_journal_sendv(j.iov, j.n) < 0)
		emit_stderr(ev, prio, f, msg);
}

NH_PRINTF(4, 0)
static void emit(enum nh_event ev, int prio, const struct nh_log_fields *f, const char *fmt, va_list ap)
{
	char msg[1024] = "";

	if (fmt)
		vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_cfg.journal)
		emit_journal(ev, prio, f, msg);
	else
		emit_stderr(ev, prio, f, msg);
}

void nh_log_event(enum nh_event ev, const struct nh_log_fields *f, const char *fmt, ...)
{
	va_list ap;

	if ((unsigned)ev >= NH_EV__COUNT)
		ev = NH_EV_NONE;
	va_start(ap, fmt);
	emit(ev, events[ev].prio, f, fmt, ap);
	va_end(ap);
}

void nh_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == NH_DEBUG && !log_cfg.verbose)
		return;
	va_start(ap, fmt);
	emit(NH_EV_NONE, prio, NULL, fmt, ap);
	va_end(ap);
}

int nh_log_errno(int prio, int err, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	if (err < 0)
		err = -err;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	nh_log(prio, "%s: %s", msg, strerror(err));
	return -err;
}

void nh_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(NH_EV_NONE, NH_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
