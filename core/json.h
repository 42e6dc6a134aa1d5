/*
** json.h — bytes as the inside of a JSON string (core/result.c). Internal;
** declared here so that the unit tests can hold the SSE2 path to the
** scalar one.
*/
#ifndef BUNRYU_JSON_H
#define BUNRYU_JSON_H

#include <stddef.h>

/*
** Writes s[0..n) as the inside of a JSON string (no quotes) at out and
** returns the bytes written. Invalid UTF-8 becomes \ufffd a byte; control
** characters, DEL, U+2028 and U+2029 are escaped, so the output is valid
** JSON and valid JavaScript whatever the bytes. out must have room for
** 6 * n bytes, the longest escape for every byte; the SSE2 path may write
** anywhere in that room beyond the returned length.
*/
size_t json_escape(char *out, const char *s, size_t n);

/* The same, a byte at a time: the fallback without SSE2, and the reference
   the tests compare json_escape with. */
size_t json_escape_scalar(char *out, const char *s, size_t n);

#endif
