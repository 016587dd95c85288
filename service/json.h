/*
 * Just enough JSON for the status file: an escaping writer and a small,
 * strict reader (RFC 8259; UTF-8 checked; nesting depth bounded) so that
 * `netheal status` can validate the file and print it as a table.
 */
#ifndef NETHEAL_SERVICE_JSON_H
#define NETHEAL_SERVICE_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Write s as a quoted JSON string. Control characters are escaped; bytes
 * that are not valid UTF-8 (interface and namespace names are arbitrary
 * bytes) become U+FFFD so the output is always valid JSON. */
void nh_json_put_string(FILE *f, const char *s);

enum nh_json_type {
	NH_JSON_NULL = 0,
	NH_JSON_BOOL,
	NH_JSON_NUMBER,
	NH_JSON_STRING,
	NH_JSON_ARRAY,
	NH_JSON_OBJECT,
};

struct nh_json {
	enum nh_json_type type;
	bool boolean;
	double number;
	char *string;           /* STRING: decoded UTF-8; \u0000 becomes U+FFFD */
	struct nh_json *items;  /* ARRAY, OBJECT: n values */
	size_t n, cap;
	char *key;              /* a member of an object: its name (decoded like strings) */
};

#define NH_JSON_MAX_DEPTH 32

/* Parse exactly one JSON value (surrounded by optional whitespace) from
 * text[0..len). Returns 0 and *out, -EINVAL for text that is not JSON (or
 * nests deeper than NH_JSON_MAX_DEPTH, or has a number longer than 63
 * characters), -ENOMEM. */
int nh_json_parse(const char *text, size_t len, struct nh_json **out);
void nh_json_free(struct nh_json *v);      /* accepts NULL */

/* The member key of an object; NULL when v is not an object or has no such
 * key (the first one wins when a key repeats). */
const struct nh_json *nh_json_get(const struct nh_json *v, const char *key);
/* The string member key, or NULL when absent or not a string. */
const char *nh_json_get_string(const struct nh_json *v, const char *key);
/* The member key as a non-negative integer ≤ 2^53: 0, -ENOENT when absent,
 * -EINVAL when not such a number. */
int nh_json_get_u64(const struct nh_json *v, const char *key, uint64_t *out);

#endif
