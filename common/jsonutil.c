#include "jsonutil.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define REPLACEMENT "\xef\xbf\xbd"     /* U+FFFD in UTF-8 */

json_t *nh_json_string(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), bad = 0, n;
	char *buf, *q;
	json_t *v;

	for (size_t i = 0; i < len; i += n) {
		n = nh_utf8_len(p + i, len - i);
		if (n == 0) {
			bad++;
			n = 1;
		}
	}
	if (bad == 0)
		return json_stringn_nocheck(s, len);
	/* Each bad byte grows into the three of U+FFFD. */
	buf = malloc(len + 2 * bad);
	if (!buf)
		return NULL;
	q = buf;
	for (size_t i = 0; i < len; i += n) {
		n = nh_utf8_len(p + i, len - i);
		if (n == 0) {
			memcpy(q, REPLACEMENT, 3);
			q += 3;
			n = 1;
		} else {
			memcpy(q, s + i, n);
			q += n;
		}
	}
	v = json_stringn_nocheck(buf, (size_t)(q - buf));
	free(buf);
	return v;
}
