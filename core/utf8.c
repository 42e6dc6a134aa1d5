/*
** utf8.c — strict UTF-8 decoding, encoding and validation (see text.h).
**
** "Strict" is RFC 3629 / Unicode Table 3-7: overlong forms, UTF-16
** surrogates (U+D800..U+DFFF), code points above U+10FFFF and truncated
** sequences are invalid; NUL is an ordinary character.
*/
#include "text.h"

#include <string.h>

enum { REPLACEMENT_CHAR = 0xFFFD };

static bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

/*
** Decodes a 3-byte sequence whose lead byte is s[0]; 0 when the form is
** overlong, a surrogate or cut short.
*/
static size_t decode3(const unsigned char *s, size_t len, int32_t *cp) {
  if (len < 3 || !is_continuation(s[1]) || !is_continuation(s[2])) return 0;
  int32_t c = ((int32_t)(s[0] & 0x0F) << 12) | ((int32_t)(s[1] & 0x3F) << 6) |
              (int32_t)(s[2] & 0x3F);
  if (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return 3;
}

/* The same for 4 bytes: overlong forms and values above U+10FFFF fail. */
static size_t decode4(const unsigned char *s, size_t len, int32_t *cp) {
  if (len < 4 || !is_continuation(s[1]) || !is_continuation(s[2]) ||
      !is_continuation(s[3]))
    return 0;
  int32_t c = ((int32_t)(s[0] & 0x07) << 18) |
              ((int32_t)(s[1] & 0x3F) << 12) | ((int32_t)(s[2] & 0x3F) << 6) |
              (int32_t)(s[3] & 0x3F);
  if (c < 0x10000 || c > 0x10FFFF) return 0;
  *cp = c;
  return 4;
}

size_t utf8_decode(const unsigned char *s, size_t len, int32_t *cp) {
  *cp = REPLACEMENT_CHAR;
  if (len == 0) return 0;
  unsigned char b = s[0];
  if (b < 0x80) {
    *cp = b;
    return 1;
  }
  if (b < 0xC2) return 0; /* a stray continuation byte, or overlong C0/C1 */
  if (b < 0xE0) {
    if (len < 2 || !is_continuation(s[1])) return 0;
    *cp = ((int32_t)(b & 0x1F) << 6) | (int32_t)(s[1] & 0x3F);
    return 2;
  }
  if (b < 0xF0) return decode3(s, len, cp);
  if (b < 0xF5) return decode4(s, len, cp);
  return 0;
}

size_t utf8_encode(int32_t cp, char *out) {
  unsigned char *o = (unsigned char *)out;
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    cp = REPLACEMENT_CHAR;
  if (cp < 0x80) {
    o[0] = (unsigned char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (unsigned char)(0xC0 | (cp >> 6));
    o[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (unsigned char)(0xE0 | (cp >> 12));
    o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (unsigned char)(0xF0 | (cp >> 18));
  o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (unsigned char)(0x80 | (cp & 0x3F));
  return 4;
}

size_t utf8_first_invalid(const char *str, size_t len) {
  const unsigned char *s = (const unsigned char *)str;
  size_t i = 0;
  while (i < len) {
    i = utf8_skip_ascii(s, i, len);
    if (i == len) break;
    int32_t cp;
    size_t n = utf8_decode(s + i, len - i, &cp);
    if (n == 0) return i;
    i += n;
  }
  return (size_t)-1;
}
