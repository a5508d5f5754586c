/*
 * json.c: Go-compatible JSON string escaping, fast path first.
 *
 * DESIGN: a 256-entry class table splits bytes into "copy", "escape" and
 * "non-ASCII". Runs of plain bytes are found with a tight loop and copied
 * with one memcpy; only escapes and multi-byte sequences take the slow
 * path, where UTF-8 is validated as Go's utf8.DecodeRune does (overlongs,
 * surrogates and truncated sequences are invalid, one byte at a time).
 */
#include <string.h>

#include "json.h"

enum { C_PLAIN, C_ESC, C_HIGH };

static const unsigned char json_class[256] = {
	[0x00 ... 0x1f] = C_ESC,
	['"'] = C_ESC, ['\\'] = C_ESC, ['<'] = C_ESC, ['>'] = C_ESC, ['&'] = C_ESC,
	[0x80 ... 0xff] = C_HIGH,
};

static const char hexdig[] = "0123456789abcdef";

static void
put_u4(struct buf *b, unsigned c)
{
	char *p = buf_reserve(b, 6);

	p[0] = '\\';
	p[1] = 'u';
	p[2] = hexdig[(c >> 12) & 0xf];
	p[3] = hexdig[(c >> 8) & 0xf];
	p[4] = hexdig[(c >> 4) & 0xf];
	p[5] = hexdig[c & 0xf];
	b->len += 6;
}

static void
put_esc(struct buf *b, unsigned char c)
{
	switch (c) {
	case '"':
		buf_puts_lit(b, "\\\"");
		break;
	case '\\':
		buf_puts_lit(b, "\\\\");
		break;
	case '\n':
		buf_puts_lit(b, "\\n");
		break;
	case '\r':
		buf_puts_lit(b, "\\r");
		break;
	case '\t':
		buf_puts_lit(b, "\\t");
		break;
	default:
		put_u4(b, c);
		break;
	}
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n, unsigned *ret_cp)
{
	unsigned c = s[0], cp;

	if (c >= 0xc2 && c <= 0xdf) {
		if (n < 2 || (s[1] & 0xc0) != 0x80)
			return 0;
		*ret_cp = ((c & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if (c >= 0xe0 && c <= 0xef) {
		if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		cp = ((c & 0x0f) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3f);
		if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		*ret_cp = cp;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		cp = ((c & 0x07) << 18) | ((s[1] & 0x3fu) << 12) |
		    ((s[2] & 0x3fu) << 6) | (s[3] & 0x3f);
		if (cp < 0x10000 || cp > 0x10ffff)
			return 0;
		*ret_cp = cp;
		return 4;
	}
	return 0;
}

void
json_str(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start;
	unsigned cp;

	/* Worst case is 6 output bytes per input byte; reserve the common case. */
	buf_reserve(b, len + 2);
	b->p[b->len++] = '"';
	while (i < len) {
		start = i;
		while (i < len && json_class[s[i]] == C_PLAIN)
			i++;
		if (i > start)
			buf_append(b, s + start, i - start);
		if (i == len)
			break;
		if (json_class[s[i]] == C_ESC) {
			put_esc(b, s[i]);
			i++;
			continue;
		}
		start = utf8_len(s + i, len - i, &cp);
		if (start == 0) {
			buf_puts_lit(b, "\\ufffd");
			i++;
		} else if (cp == 0x2028 || cp == 0x2029) {
			put_u4(b, cp);
			i += start;
		} else {
			buf_append(b, s + i, start);
			i += start;
		}
	}
	buf_putc(b, '"');
}

void
json_u64(struct buf *b, uint64_t v)
{
	char tmp[20];
	size_t n = 0;
	char *p;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	p = buf_reserve(b, n);
	while (n > 0)
		*p++ = tmp[--n];
	b->len = (size_t)(p - b->p);
}
