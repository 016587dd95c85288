#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void nh_json_put_string(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t left = strlen(s);

	fputc('"', f);
	while (left > 0) {
		size_t n = nh_utf8_len(p, left);

		if (n == 0) {
			fputs("\\ufffd", f);
			n = 1;
		} else if (*p == '"' || *p == '\\') {
			fputc('\\', f);
			fputc(*p, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
		} else if (*p == '\t') {
			fputs("\\t", f);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p);
		} else {
			fwrite(p, 1, n, f);
		}
		p += n;
		left -= n;
	}
	fputc('"', f);
}

/* ---- reader -------------------------------------------------------------- */

struct parser {
	const char *p, *end;
	int depth;
};

static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static bool eat_word(struct parser *ps, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
		return false;
	ps->p += n;
	return true;
}

/* A growing byte buffer for decoded strings. */
struct sbuf {
	char *s;
	size_t n, cap;
};

static int sbuf_put(struct sbuf *b, const void *data, size_t n)
{
	int r = nh_grow(&b->s, &b->cap, b->n + n + 1, 1);

	if (r < 0)
		return r;
	memcpy(b->s + b->n, data, n);
	b->n += n;
	b->s[b->n] = '\0';
	return 0;
}

static int sbuf_put_cp(struct sbuf *b, uint32_t cp)
{
	unsigned char u[4];
	size_t n;

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff))
		cp = 0xfffd;    /* NUL cannot live in a C string; a lone surrogate is no character */
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return sbuf_put(b, u, n);
}

static int hex4(struct parser *ps, uint32_t *out)
{
	uint32_t v = 0;

	if (ps->end - ps->p < 4)
		return -EINVAL;
	for (int i = 0; i < 4; i++) {
		char c = *ps->p++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

/* \uXXXX, with a following \uXXXX when the first is a high surrogate. */
static int parse_u_escape(struct parser *ps, struct sbuf *b)
{
	uint32_t cp, lo;
	int r = hex4(ps, &cp);

	if (r < 0)
		return r;
	if (cp >= 0xd800 && cp <= 0xdbff && ps->end - ps->p >= 6 &&
	    ps->p[0] == '\\' && ps->p[1] == 'u') {
		const char *save = ps->p;

		ps->p += 2;
		if (hex4(ps, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff)
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
		else
			ps->p = save;   /* not a pair: the lone surrogate becomes U+FFFD */
	}
	return sbuf_put_cp(b, cp);
}

static int parse_escape(struct parser *ps, struct sbuf *b)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (ps->p >= ps->end)
		return -EINVAL;
	if (*ps->p == 'u') {
		ps->p++;
		return parse_u_escape(ps, b);
	}
	hit = memchr(from, *ps->p, sizeof(from) - 1);
	if (!hit)
		return -EINVAL;
	ps->p++;
	return sbuf_put(b, &to[hit - from], 1);
}

/* At the opening quote. On success *out is a malloc'd string. */
static int parse_string(struct parser *ps, char **out)
{
	struct sbuf b = { 0 };
	int r = sbuf_put(&b, "", 0);

	ps->p++;
	while (r == 0) {
		const unsigned char *u = (const unsigned char *)ps->p;
		size_t n;

		if (ps->p >= ps->end) {
			r = -EINVAL;
		} else if (*ps->p == '"') {
			ps->p++;
			*out = b.s;
			return 0;
		} else if (*ps->p == '\\') {
			ps->p++;
			r = parse_escape(ps, &b);
		} else if (*u < 0x20 || (n = nh_utf8_len(u, (size_t)(ps->end - ps->p))) == 0) {
			r = -EINVAL;
		} else {
			r = sbuf_put(&b, ps->p, n);
			ps->p += n;
		}
	}
	free(b.s);
	return r;
}

static size_t span_digits(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && *q >= '0' && *q <= '9')
		q++;
	return (size_t)(q - p);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *ps, double *out)
{
	const char *start = ps->p, *p = ps->p, *end = ps->end;
	char buf[64];
	size_t n;

	if (p < end && *p == '-')
		p++;
	n = span_digits(p, end);
	if (n == 0 || (n > 1 && *p == '0'))
		return -EINVAL;
	p += n;
	if (p < end && *p == '.') {
		p++;
		n = span_digits(p, end);
		if (n == 0)
			return -EINVAL;
		p += n;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		n = span_digits(p, end);
		if (n == 0)
			return -EINVAL;
		p += n;
	}
	if ((size_t)(p - start) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, start, (size_t)(p - start));
	buf[p - start] = '\0';
	*out = strtod(buf, NULL);
	ps->p = p;
	return 0;
}

static int parse_value(struct parser *ps, struct nh_json *v);

/* An array or object, at its opening bracket. */
static int parse_container(struct parser *ps, struct nh_json *v, bool object)
{
	char close = object ? '}' : ']';
	int r;

	v->type = object ? NH_JSON_OBJECT : NH_JSON_ARRAY;
	if (++ps->depth > NH_JSON_MAX_DEPTH)
		return -EINVAL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		ps->depth--;
		return 0;
	}
	for (;;) {
		char *key = NULL;

		skip_ws(ps);
		if (object) {
			if (ps->p >= ps->end || *ps->p != '"')
				return -EINVAL;
			r = parse_string(ps, &key);
			if (r < 0)
				return r;
			skip_ws(ps);
			if (ps->p >= ps->end || *ps->p != ':') {
				free(key);
				return -EINVAL;
			}
			ps->p++;
		}
		r = nh_grow(&v->items, &v->cap, v->n + 1, sizeof(*v->items));
		if (r < 0) {
			free(key);
			return r;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[v->n]));
		v->items[v->n].key = key;
		v->n++;
		r = parse_value(ps, &v->items[v->n - 1]);
		if (r < 0)
			return r;
		skip_ws(ps);
		if (ps->p < ps->end && *ps->p == ',') {
			ps->p++;
			continue;
		}
		if (ps->p < ps->end && *ps->p == close) {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return -EINVAL;
	}
}

static int parse_value(struct parser *ps, struct nh_json *v)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return -EINVAL;
	switch (*ps->p) {
	case '{':
		return parse_container(ps, v, true);
	case '[':
		return parse_container(ps, v, false);
	case '"':
		v->type = NH_JSON_STRING;
		return parse_string(ps, &v->string);
	case 't':
	case 'f':
		v->type = NH_JSON_BOOL;
		v->boolean = *ps->p == 't';
		return eat_word(ps, v->boolean ? "true" : "false") ? 0 : -EINVAL;
	case 'n':
		v->type = NH_JSON_NULL;
		return eat_word(ps, "null") ? 0 : -EINVAL;
	default:
		v->type = NH_JSON_NUMBER;
		return parse_number(ps, &v->number);
	}
}

static void json_clear(struct nh_json *v)
{
	for (size_t i = 0; i < v->n; i++)
		json_clear(&v->items[i]);
	free(v->items);
	free(v->string);
	free(v->key);
}

void nh_json_free(struct nh_json *v)
{
	if (!v)
		return;
	json_clear(v);
	free(v);
}

int nh_json_parse(const char *text, size_t len, struct nh_json **out)
{
	struct parser ps = { .p = text, .end = text + len };
	struct nh_json *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	r = parse_value(&ps, v);
	if (r == 0) {
		skip_ws(&ps);
		if (ps.p != ps.end)
			r = -EINVAL;
	}
	if (r < 0) {
		nh_json_free(v);
		return r;
	}
	*out = v;
	return 0;
}

const struct nh_json *nh_json_get(const struct nh_json *v, const char *key)
{
	if (!v || v->type != NH_JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->items[i].key, key) == 0)
			return &v->items[i];
	return NULL;
}

const char *nh_json_get_string(const struct nh_json *v, const char *key)
{
	const struct nh_json *m = nh_json_get(v, key);

	return m && m->type == NH_JSON_STRING ? m->string : NULL;
}

int nh_json_get_u64(const struct nh_json *v, const char *key, uint64_t *out)
{
	const struct nh_json *m = nh_json_get(v, key);

	if (!m)
		return -ENOENT;
	/* The comparisons are false for NaN, so it is rejected too. */
	if (m->type != NH_JSON_NUMBER || !(m->number >= 0 && m->number <= 9007199254740992.0) ||
	    (double)(uint64_t)m->number != m->number)
		return -EINVAL;
	*out = (uint64_t)m->number;
	return 0;
}
