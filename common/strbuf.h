/* A string built piece by piece in a fixed buffer: snprintf's contract
 * (always NUL-terminated, cut, never overrun, when full) without its format
 * parsing. The object keys, addresses and log lines of every heal are made
 * with it: with snprintf, formatting was 40 % of netheal's instructions for
 * an address heal (callgrind, 2026-12-04). */
#ifndef NETHEAL_COMMON_STRBUF_H
#define NETHEAL_COMMON_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nh_strbuf {
	char *s;                /* the caller's buffer, of size bytes (≥ 1) */
	size_t size;
	size_t len;             /* bytes in it, ≤ size - 1; s[len] is '\0' */
	bool cut;               /* something did not fit */
};

/* An empty string in buf (size ≥ 1 bytes, the caller's). */
static inline struct nh_strbuf nh_strbuf_init(char *buf, size_t size)
{
	buf[0] = '\0';
	return (struct nh_strbuf){ .s = buf, .size = size };
}

/* Copy s into buf (size ≥ 1 bytes), cut when longer: snprintf(buf, size,
 * "%s", s). */
static inline void nh_strcpy_cut(char *buf, size_t size, const char *s);

/* Append n bytes of s / the string s / one byte. */
void nh_strbuf_mem(struct nh_strbuf *b, const char *s, size_t n);
void nh_strbuf_str(struct nh_strbuf *b, const char *s);
void nh_strbuf_chr(struct nh_strbuf *b, char c);
/* Append v in decimal; a negative one with its '-'. */
void nh_strbuf_u64(struct nh_strbuf *b, uint64_t v);
void nh_strbuf_i64(struct nh_strbuf *b, int64_t v);
/* Append an address of family AF_INET (4 bytes at addr, dotted quad) or
 * AF_INET6 (16 bytes, as inet_ntop writes it: RFC 5952); "?" for another
 * family. */
void nh_strbuf_ip(struct nh_strbuf *b, int family, const void *addr);
/* The same, then "/" and len: "10.1.1.100/24", "2001:db8::/64". */
void nh_strbuf_prefix(struct nh_strbuf *b, int family, const void *addr, unsigned int len);

static inline void nh_strcpy_cut(char *buf, size_t size, const char *s)
{
	struct nh_strbuf b = nh_strbuf_init(buf, size);

	nh_strbuf_str(&b, s);
}

#endif
