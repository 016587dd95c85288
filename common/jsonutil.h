/*
 * JSON is read and written with jansson. Strings that come from the kernel
 * or the file system (interface and namespace names, kinds, error and
 * extended-ack texts, objects and drift texts naming them, policy file
 * names) are arbitrary bytes, and json_string() refuses bytes that are not
 * UTF-8: they go through nh_json_string() instead.
 */
#ifndef NETHEAL_COMMON_JSONUTIL_H
#define NETHEAL_COMMON_JSONUTIL_H

#include <jansson.h>

/*
 * Takes a NUL-terminated byte string s (not NULL) and returns a new jansson
 * string reference holding s with each byte that does not belong to a valid
 * UTF-8 sequence replaced by U+FFFD (overlong forms, surrogates, code points
 * past U+10FFFF and sequences cut short are not valid); valid text, control
 * characters included, is kept as it is. The caller owns the reference:
 * json_decref() it, or hand it to a jansson *_new() call, which takes it
 * (json_object_set_new() also accepts NULL and fails). NULL only on ENOMEM.
 */
json_t *nh_json_string(const char *s);

#endif
