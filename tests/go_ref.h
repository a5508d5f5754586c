/*
 * go_ref.h: a reference of Go's string escaping, written from Go's
 * encoding/json (1.22 and later, which write \b and \f as such) and
 * utf8.DecodeRune (first-byte accept ranges), and of the uid scan that
 * goes with it, independent of src/json.c: what the unit tests and the
 * fuzzers compare pauditd's escaping with.
 * Static functions for the test programs that include it.
 */
#ifndef PAUDITD_TESTS_GO_REF_H
#define PAUDITD_TESTS_GO_REF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../src/buf.h"

/* The length of the UTF-8 sequence at s[0, n) Go decodes, 0 if invalid. */
static inline size_t
ref_decode(const unsigned char *s, size_t n, unsigned *ret_cp)
{
	unsigned c = s[0], lo = 0x80, hi = 0xbf, cp;
	size_t sz, k;

	if (c >= 0xc2 && c <= 0xdf)
		sz = 2;
	else if (c == 0xe0)
		sz = 3, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		sz = 3;
	else if (c == 0xed)
		sz = 3, hi = 0x9f;
	else if (c == 0xf0)
		sz = 4, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		sz = 4;
	else if (c == 0xf4)
		sz = 4, hi = 0x8f;
	else
		return 0;
	if (n < sz || s[1] < lo || s[1] > hi)
		return 0;
	for (k = 2; k < sz; k++)
		if (s[k] < 0x80 || s[k] > 0xbf)
			return 0;
	cp = c & (sz == 2 ? 0x1f : sz == 3 ? 0x0f : 0x07);
	for (k = 1; k < sz; k++)
		cp = (cp << 6) | (s[k] & 0x3f);
	*ret_cp = cp;
	return sz;
}

/* s escaped as the inside of a JSON string, without the quotes. */
static inline void
ref_escape_body(struct buf *b, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char u[8];
	size_t i = 0, n;
	unsigned cp;

	while (i < len) {
		unsigned c = s[i];

		if (c < 0x80) {
			if (c == '"' || c == '\\') {
				buf_putc(b, '\\');
				buf_putc(b, (char)c);
			} else if (c == '\n') {
				buf_puts_lit(b, "\\n");
			} else if (c == '\r') {
				buf_puts_lit(b, "\\r");
			} else if (c == '\t') {
				buf_puts_lit(b, "\\t");
			} else if (c == '\b') {
				buf_puts_lit(b, "\\b");
			} else if (c == '\f') {
				buf_puts_lit(b, "\\f");
			} else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
				snprintf(u, sizeof(u), "\\u00%c%c", hex[c >> 4],
				    hex[c & 15]);
				buf_append(b, u, 6);
			} else {
				buf_putc(b, (char)c);
			}
			i++;
			continue;
		}
		n = ref_decode(s + i, len - i, &cp);
		if (n == 0) {
			buf_puts_lit(b, "\\ufffd");
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			if (cp == 0x2028)
				buf_puts_lit(b, "\\u2028");
			else
				buf_puts_lit(b, "\\u2029");
			i += n;
		} else {
			buf_append(b, s + i, n);
			i += n;
		}
	}
}

/*
 * The positions of the '=' after "uid" in s[0, n) (at most max), as the
 * escaper's scan notes them for the uid_map.
 */
static inline size_t
ref_scan(const unsigned char *s, size_t n, uint32_t *pos, size_t max)
{
	size_t j, k = 0;

	for (j = 3; j < n; j++)
		if (s[j] == '=' && s[j - 1] == 'd' && s[j - 2] == 'i' &&
		    s[j - 3] == 'u' && k < max)
			pos[k++] = (uint32_t)j;
	return k;
}

#endif
