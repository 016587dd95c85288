/*
 * Reading a policy file safely, and the checks made on its text before
 * libconfig sees it. libconfig 1.5 (Debian 12) has no include hook and
 * truncates large integer literals without a word, so both are caught here.
 */
#include "parse_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

int nh_source_read(const char *path, char **text, size_t *len, unsigned int *mode)
{
	struct stat st;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	int fd, r = 0;

	*text = NULL;
	*len = 0;
	/* O_NONBLOCK: opening a FIFO must not hang; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
		goto out;
	}
	*mode = st.st_mode;
	for (;;) {
		ssize_t got;

		if (nh_grow(&buf, &cap, n + 65536 + 1, 1) < 0) {
			r = -ENOMEM;
			goto out;
		}
		got = read(fd, buf + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -errno;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > NH_POLICY_MAX_FILE) {
			r = -EFBIG;
			goto out;
		}
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return r;
}

/* ---- the pre-scan: a small lexer that knows libconfig's comments,
 * strings and numbers well enough to find what matters ---- */

struct lexer {
	struct nh_pctx *c;
	const char *p, *end;
	unsigned int line;
	unsigned int multiline_string;  /* the line of the first string over lines */
	int r;
	const char *tok;        /* the last token */
	size_t tok_len;
	bool name;              /* it was a name */
	unsigned int list_name_line;    /* the line of that name, when it came first in a list's item */
	unsigned int value_name_line;   /* ... when it came after a setting's '=' */
	bool eq_named;          /* the last token was a '=' after a name: */
	const char *eq_of;      /* that name */
	size_t eq_of_len;
	/* a ';' straight inside a list or array, until the tokens after it
	 * tell what it stands for (see after_list_semi) */
	struct {
		unsigned int line;      /* 0: none pending */
		char open;              /* the '(' or '[' it is in */
		unsigned int open_line;
		bool word;              /* a name followed it */
	} semi;
	const char *string, *string_end;        /* the last string token */
	bool joined;            /* it was warned about, joined to the one before */
	/* the last token was a name where a setting starts (in a group,
	 * after '{', ';' or ','): this one, its length */
	const char *setting;
	size_t setting_len;
};

static bool at(const struct lexer *l, size_t off, char ch)
{
	return l->p + off < l->end && l->p[off] == ch;
}

static void skip_line_comment(struct lexer *l)
{
	while (l->p < l->end && *l->p != '\n')
		l->p++;
}

/* libconfig takes a block comment without its end for a comment to the end of
 * the file: whatever follows would be dropped without a word. */
static void skip_block_comment(struct lexer *l)
{
	unsigned int opened = l->line;

	l->p += 2;
	while (l->p < l->end && !(l->p[0] == '*' && at(l, 1, '/'))) {
		if (*l->p == '\n')
			l->line++;
		l->p++;
	}
	if (l->p < l->end) {
		l->p += 2;
		return;
	}
	nh_perror(l->c, opened, "this '/*' comment is never closed (its '*/' missing): "
		  "everything after it would be ignored");
	l->r = -EINVAL;
}

/* A string runs to its closing '"', over lines too (as in libconfig). When
 * the file ends inside one, the first string that ran over a line end is
 * most likely the one whose '"' is missing (the quotes after it pair up
 * wrongly): the message points there. */
static void skip_string(struct lexer *l)
{
	unsigned int opened = l->line;

	for (l->p++; l->p < l->end && *l->p != '"'; l->p++) {
		if (*l->p == '\\' && l->p + 1 < l->end)
			l->p++;
		if (*l->p == '\n')
			l->line++;
	}
	if (l->line > opened && !l->multiline_string)
		l->multiline_string = opened;
	if (l->p < l->end) {
		l->p++;
		return;
	}
	nh_perror(l->c, l->multiline_string ? l->multiline_string : opened,
		  "this string is never closed (its closing '\"' missing)");
	l->r = -EINVAL;
}

static char closer_of(char open)
{
	return open == '(' ? ')' : open == '[' ? ']' : '}';
}

/* The line a token (from start to the lexer's position) starts on. */
static unsigned int token_line(const struct lexer *l, const char *start)
{
	unsigned int line = l->line;

	for (const char *q = start; q < l->p; q++)
		line -= *q == '\n';
	return line;
}

static bool is_word(const char *tok, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(tok, w, n) == 0;
}

/* Does the token tok (n characters) start a value: a string, a number, a
 * group, list or array, true or false? */
static bool starts_value(const char *tok, size_t n)
{
	return strchr("\"{([-+.", *tok) || isdigit((unsigned char)*tok) ||
	       is_word(tok, n, "true") || is_word(tok, n, "false");
}

/* The token tok (n characters) after a ';' inside a list or array (a
 * mistake either way): another item of that list means a ';' written for
 * a ','; a setting (a name, then '=' or ':') or the closing bracket of a
 * group or list around means the list's own closing bracket is missing
 * before the ';' (a ',' there would only move the error); its own
 * closing bracket means a ';' after the last item. Anything else names
 * none of these. */
static void after_list_semi(struct lexer *l, const char *tok, size_t n)
{
	struct nh_shape *s = &l->c->shape;
	bool setting = l->semi.word && (*tok == '=' || *tok == ':');
	bool outer_close = !l->semi.word && strchr("})]", *tok) && *tok != closer_of(l->semi.open);

	if (!l->semi.word && starts_value(tok, n)) {
		if (!s->list_semi_line)
			s->list_semi_line = l->semi.line;
	} else if (!l->semi.word && (isalpha((unsigned char)*tok) || *tok == '*')) {
		l->semi.word = true;
		return;
	} else if ((setting || outer_close) && !s->unclosed_line) {
		s->unclosed_line = l->semi.line;
		s->unclosed = l->semi.open;
		s->unclosed_opened_line = l->semi.open_line;
	} else if (!l->semi.word && *tok == closer_of(l->semi.open) && !s->trailing_comma_line) {
		s->trailing_comma_line = l->semi.line;  /* libconfig stops at the ';' */
		s->trailing_sep = ';';
	}
	l->semi.line = 0;
	l->semi.word = false;
}

/* The text of a string token between its quotes, at most 32 bytes of it
 * (and "..." when longer), control bytes escaped, into buf (64 bytes);
 * false when it had to be cut. */
static bool string_excerpt(const char *tok, const char *end, char *buf, size_t size)
{
	const char *s = tok + 1, *e = end - 1;
	size_t o = 0;

	for (; s < e && s < tok + 1 + 32 && o + 8 < size; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", (unsigned char)*s);
		else
			buf[o++] = *s;
	}
	if (s >= e) {
		buf[o] = '\0';
		return true;
	}
	/* not in the middle of a UTF-8 character */
	while (o && ((unsigned char)*s & 0xc0) == 0x80 && (unsigned char)s[-1] >= 0x80) {
		s--;
		o--;
	}
	snprintf(buf + o, size - o, "...");
	return false;
}

/* libconfig joins strings side by side into one, as C does: "a" "b" is
 * "ab". A long value may be written so; in an array, where items stand
 * side by side, it is rather a ',' missing. Warned once for each run of
 * them, at the string joined on. */
static void joined_strings(struct lexer *l, const char *tok, bool in_array)
{
	char a[64], b[64];
	unsigned int line = token_line(l, tok);
	bool whole;

	if (in_array && !l->joined) {
		l->joined = true;
		whole = string_excerpt(l->string, l->string_end, a, sizeof(a));
		whole = string_excerpt(tok, l->p, b, sizeof(b)) && whole;
		if (whole)
			nh_pwarn(l->c, line, "two strings side by side in an array are joined into one "
				 "(\"%s\" \"%s\" reads as \"%s%s\"): a ',' missing?", a, b, a, b);
		else
			nh_pwarn(l->c, line, "two strings side by side in an array are joined into one "
				 "(\"%s\" \"%s\"): a ',' missing?", a, b);
	}
}

/* A setting's name, n characters from name, into to (NH_SHAPE_NAME
 * bytes): its first NH_SHAPE_NAME - 1 characters. */
static void copy_name(char *to, const char *name, size_t n)
{
	if (n > NH_SHAPE_NAME - 1)
		n = NH_SHAPE_NAME - 1;
	memcpy(to, name, n);
	to[n] = '\0';
}

/* A value right after the name of a setting: its '=' missing; the end of
 * a setting right after it: '= value' missing. */
static void after_setting_name(struct lexer *l, const char *tok, size_t n)
{
	struct nh_shape *s = &l->c->shape;

	if (starts_value(tok, n) && !s->missing_eq_line) {
		s->missing_eq_line = token_line(l, tok);
		copy_name(s->missing_eq_name, l->setting, l->setting_len);
	}
	if (n && strchr(";,})", tok[0]) && !s->bare_name_line) {
		s->bare_name_line = token_line(l, tok);
		copy_name(s->bare_name, l->setting, l->setting_len);
	}
	l->setting = NULL;
}

/* One token, from start to the lexer's position, ending at the lexer's
 * line: what c->shape keeps of it (see struct nh_shape). */
static void shape_token(struct lexer *l, const char *start)
{
	struct nh_shape *s = &l->c->shape;
	char top = s->depth && s->depth <= NH_SHAPE_DEPTH ? s->open[s->depth - 1] : 0;
	bool in_list = top == '(' || top == '[';
	char first = *start, last = l->p[-1], prev = s->last;
	size_t n = (size_t)(l->p - start);
	bool name;

	if (l->semi.line)
		after_list_semi(l, start, n);
	if (l->setting)
		after_setting_name(l, start, n);
	if ((isalpha((unsigned char)first) || first == '*') && (!s->depth || top == '{') &&
	    (!prev || strchr(";,{", prev))) {
		l->setting = start;
		l->setting_len = n;
	}
	if (first == '"' && prev == '"')
		joined_strings(l, start, top == '[');
	else
		l->joined = false;
	if (first == '"') {
		l->string = start;
		l->string_end = l->p;
	}
	if (in_list && strchr("})]\"", prev) && strchr("{([\"", first) && !(prev == '"' && first == '"') &&
	    !s->comma_line)
		s->comma_line = l->line;
	if (prev == '=' && l->eq_named && strchr(";,)]}", first) && !s->no_value_line) {
		s->no_value_line = l->line;
		s->no_value_eq_line = s->last_line;
		s->no_value_end = first;
	}
	if (first == ';' && prev == ';' && !s->double_semi_line) {
		s->double_semi_line = l->line;
	} else if (first == ';' && in_list) {
		l->semi.line = l->line;
		l->semi.open = top;
		l->semi.open_line = s->open_line[s->depth - 1];
	}
	if (first == ',' && prev == ',' && !s->double_comma_line)
		s->double_comma_line = l->line;
	if (first == '{' && top == '[' && !s->group_in_array_line)
		s->group_in_array_line = l->line;
	if ((first == ')' || first == ']') && prev == ',' && !s->trailing_comma_line) {
		s->trailing_comma_line = l->line;
		s->trailing_sep = ',';
	}
	if ((first == '}' || first == ')' || first == ']') && !s->depth && !s->extra_close_line) {
		s->extra_close_line = l->line;
		s->extra_close = first;
	}
	if (first == '{' || first == '(' || first == '[') {
		if (s->depth < NH_SHAPE_DEPTH) {
			s->open[s->depth] = first;
			s->open_line[s->depth] = l->line;
		}
		s->depth++;
	} else if ((first == '}' || first == ')' || first == ']') && s->depth) {
		if (top && closer_of(top) != first && !s->mismatch_line) {
			s->mismatch_line = l->line;
			s->mismatch = first;
			s->mismatch_opened = top;
			s->mismatch_opened_line = s->open_line[s->depth - 1];
		}
		s->depth--;
	}
	if ((first == '=' || first == ':') && l->list_name_line && !s->bare_setting_line)
		s->bare_setting_line = l->list_name_line;
	if ((first == '=' || first == ':') && l->value_name_line && !s->setting_value_line) {
		s->setting_value_line = l->value_name_line;
		copy_name(s->setting_value_of, l->eq_of, l->eq_of_len);
	}
	name = (isalpha((unsigned char)first) || first == '*') && !starts_value(start, n);
	l->list_name_line = name && top == '(' && strchr(",(", prev) ? l->line : 0;
	l->value_name_line = name && l->eq_named ? l->line : 0;
	if (first == '=' && l->name) {
		l->eq_of = l->tok;
		l->eq_of_len = l->tok_len;
	}
	l->eq_named = first == '=' && l->name;
	l->name = name;
	l->tok = start;
	l->tok_len = n;
	s->last = last;
	s->last_line = l->line;
}

/* Value of a decimal or hex literal (digits only, no sign or suffix);
 * false when it does not fit in 64 bits or is not a number. */
static bool literal_value(const char *s, size_t n, bool hex, unsigned long long *v)
{
	char buf[32];
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (hex ? !isxdigit((unsigned char)buf[i]) : !isdigit((unsigned char)buf[i]))
			return false;
	errno = 0;
	*v = strtoull(buf, &end, hex ? 16 : 10);
	return errno == 0 && *end == '\0';
}

static bool all_digits(const char *s, size_t n, bool hex)
{
	for (size_t i = 0; i < n; i++)
		if (hex ? !isxdigit((unsigned char)s[i]) : !isdigit((unsigned char)s[i]))
			return false;
	return n > 0;
}

/* The setting a number at start is the value of, quoted ("'metric'" in
 * "metric = 4294967295;"), into key; "integer" when it has none (a list
 * element). */
static void setting_of(const struct lexer *l, const char *start, char *key, size_t size)
{
	const char *p = start, *name_end;

	snprintf(key, size, "integer");
	while (p > l->c->text && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (p == l->c->text || (p[-1] != '=' && p[-1] != ':'))
		return;
	p--;
	while (p > l->c->text && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	name_end = p;
	while (p > l->c->text && (isalnum((unsigned char)p[-1]) || p[-1] == '_' || p[-1] == '-' || p[-1] == '*'))
		p--;
	if (p < name_end)
		snprintf(key, size, "'%.*s'", (int)(name_end - p), p);
}

/* One number token: report an integer libconfig would silently change. */
static void scan_number(struct lexer *l)
{
	const char *start = l->p, *digits;
	bool neg = false, hex = false;
	unsigned long long v, limit;
	size_t n, suffix = 0;
	bool ok;
	int shown;
	char key[48];

	if (*l->p == '-' || *l->p == '+')
		neg = *l->p++ == '-';
	digits = l->p;
	hex = at(l, 0, '0') && (at(l, 1, 'x') || at(l, 1, 'X'));
	while (l->p < l->end && (isalnum((unsigned char)*l->p) || *l->p == '.' ||
				 ((*l->p == '-' || *l->p == '+') && !hex &&
				  (l->p[-1] == 'e' || l->p[-1] == 'E'))))
		l->p++;
	if (hex)
		digits += 2;
	n = (size_t)(l->p - digits);
	while (n > suffix && suffix < 2 && digits[n - suffix - 1] == 'L')
		suffix++;
	n -= suffix;
	/* Floats and garbage are libconfig's to judge. */
	if (!all_digits(digits, n, hex) || (hex && neg))
		return;
	limit = suffix ? (neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX)
		       : (neg ? (unsigned long long)INT_MAX + 1 : INT_MAX);
	ok = literal_value(digits, n, hex, &v);
	if (ok && v <= limit)
		return;
	shown = l->p - start > 40 ? 40 : (int)(l->p - start);
	if (nh_grow(&l->c->bad_int_lines, &l->c->cap_bad_int, l->c->n_bad_int + 1,
		    sizeof(*l->c->bad_int_lines)) == 0)
		l->c->bad_int_lines[l->c->n_bad_int++] = l->line;
	else
		l->c->err = -ENOMEM;
	setting_of(l, start, key, sizeof(key));
	if (suffix || !ok || v > (unsigned long long)LLONG_MAX)
		nh_perror(l->c, l->line, "%s %.*s%s is out of range",
			  key, shown, start, shown < l->p - start ? "..." : "");
	else    /* libconfig reads a plain integer as 32 bits */
		nh_perror(l->c, l->line, "%s %.*s does not fit in 32 bits: write it as %.*sL",
			  key, (int)(l->p - start), start, (int)(l->p - start), start);
}

static bool starts_number(const struct lexer *l)
{
	char ch = *l->p;

	if (isdigit((unsigned char)ch))
		return true;
	return (ch == '-' || ch == '+') && l->p + 1 < l->end && isdigit((unsigned char)l->p[1]);
}

static void lex_one(struct lexer *l)
{
	const char *start = l->p;
	char ch = *l->p;

	if (ch == '\n') {
		l->line++;
		l->p++;
		return;
	} else if (ch == '#' || (ch == '/' && at(l, 1, '/'))) {
		skip_line_comment(l);
		return;
	} else if (ch == '/' && at(l, 1, '*')) {
		skip_block_comment(l);
		return;
	} else if (ch == ' ' || ch == '\t' || ch == '\r') {
		l->p++;
		return;
	} else if (ch == '"') {
		skip_string(l);
	} else if (ch == '@') {
		if ((size_t)(l->end - l->p) >= 8 && memcmp(l->p, "@include", 8) == 0) {
			nh_perror(l->c, l->line, "@include is not supported: "
				  "put each policy file in policy_dir instead");
			l->r = -EINVAL;
		}
		l->p++;
	} else if (isalpha((unsigned char)ch) || ch == '*') {
		/* a setting name: its digits are not numbers */
		while (l->p < l->end && (isalnum((unsigned char)*l->p) || *l->p == '-' ||
					 *l->p == '_' || *l->p == '*'))
			l->p++;
	} else if (starts_number(l)) {
		scan_number(l);
	} else if (ch == '.') {
		/* ".5e3": a float; skip its digits */
		for (l->p++; l->p < l->end && (isalnum((unsigned char)*l->p) || *l->p == '.'); l->p++)
			;
	} else {
		l->p++;
	}
	if (l->p > start)
		shape_token(l, start);
}

char *nh_source_line_code(struct nh_pctx *c, unsigned int line)
{
	struct lexer l = { .c = c, .p = c->text, .end = c->text + c->text_len, .line = 1 };
	char *buf = malloc(c->text_len + 1);    /* at most the whole text */
	size_t o = 0;

	if (!buf)
		return NULL;
	while (l.p < l.end && l.line <= line) {
		unsigned int from = l.line;

		if (*l.p == '"') {
			skip_string(&l);
			if (from <= line && l.line >= line) {
				buf[o++] = '"';
				buf[o++] = '"';
			}
		} else if (*l.p == '#' || (*l.p == '/' && at(&l, 1, '/'))) {
			skip_line_comment(&l);
		} else if (*l.p == '/' && at(&l, 1, '*')) {
			skip_block_comment(&l);
		} else if (*l.p == '\n') {
			l.line++;
			l.p++;
		} else {
			if (l.line == line)
				buf[o++] = *l.p;
			l.p++;
		}
	}
	buf[o] = '\0';
	return buf;
}

int nh_source_prescan(struct nh_pctx *c)
{
	struct lexer l = { .c = c, .p = c->text, .end = c->text + c->text_len, .line = 1 };
	const char *nul = memchr(c->text, '\0', c->text_len);

	memset(&c->shape, 0, sizeof(c->shape));
	if (nul) {
		unsigned int line = 1;

		for (const char *q = c->text; q < nul; q++)
			line += *q == '\n';
		nh_perror(c, line, "the file holds a NUL byte: not a text file");
		return -EINVAL;
	}
	while (l.p < l.end)
		lex_one(&l);
	/* the file ends after a name, outside every bracket */
	if (l.setting && !c->shape.depth && !c->shape.bare_name_line) {
		c->shape.bare_name_line = token_line(&l, l.setting);
		copy_name(c->shape.bare_name, l.setting, l.setting_len);
	}
	return l.r;
}
