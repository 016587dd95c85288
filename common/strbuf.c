#include "strbuf.h"

#include <arpa/inet.h>
#include <string.h>

void nh_strbuf_mem(struct nh_strbuf *b, const char *s, size_t n)
{
	size_t room = b->size - 1 - b->len;

	if (n > room) {
		n = room;
		b->cut = true;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void nh_strbuf_str(struct nh_strbuf *b, const char *s)
{
	nh_strbuf_mem(b, s, strlen(s));
}

void nh_strbuf_chr(struct nh_strbuf *b, char c)
{
	nh_strbuf_mem(b, &c, 1);
}

void nh_strbuf_u64(struct nh_strbuf *b, uint64_t v)
{
	char digits[20];
	size_t i = sizeof(digits);

	do {
		digits[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	nh_strbuf_mem(b, digits + i, sizeof(digits) - i);
}

void nh_strbuf_i64(struct nh_strbuf *b, int64_t v)
{
	if (v < 0) {
		nh_strbuf_chr(b, '-');
		nh_strbuf_u64(b, -(uint64_t)v);
	} else {
		nh_strbuf_u64(b, (uint64_t)v);
	}
}

void nh_strbuf_ip(struct nh_strbuf *b, int family, const void *addr)
{
	char ip[INET6_ADDRSTRLEN];
	const unsigned char *a = addr;

	if (family == AF_INET) {
		/* by hand: glibc's inet_ntop formats IPv4 with sprintf */
		for (int i = 0; i < 4; i++) {
			if (i)
				nh_strbuf_chr(b, '.');
			nh_strbuf_u64(b, a[i]);
		}
	} else if (family == AF_INET6 && inet_ntop(AF_INET6, addr, ip, sizeof(ip))) {
		nh_strbuf_str(b, ip);
	} else {
		nh_strbuf_chr(b, '?');
	}
}

void nh_strbuf_prefix(struct nh_strbuf *b, int family, const void *addr, unsigned int len)
{
	nh_strbuf_ip(b, family, addr);
	nh_strbuf_chr(b, '/');
	nh_strbuf_u64(b, len);
}
