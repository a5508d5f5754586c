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
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

#ifdef __SSE2__
/* Bytes that leave the fast path: < 0x20 or >= 0x80 (signed), " \\ < > &. */
static inline unsigned
special_mask(__m128i x)
{
	const __m128i sp = _mm_set1_epi8(0x20), q = _mm_set1_epi8('"');
	const __m128i bs = _mm_set1_epi8('\\'), lt = _mm_set1_epi8('<');
	const __m128i gt = _mm_set1_epi8('>'), am = _mm_set1_epi8('&');
	__m128i m = _mm_or_si128(
	    _mm_or_si128(_mm_cmplt_epi8(x, sp), _mm_cmpeq_epi8(x, q)),
	    _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, bs), _mm_cmpeq_epi8(x, lt)),
	    _mm_or_si128(_mm_cmpeq_epi8(x, gt), _mm_cmpeq_epi8(x, am))));

	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/*
 * The slow path for one byte (or UTF-8 sequence) at s[i]: escapes and
 * multi-byte characters. Returns the number of input bytes consumed.
 */
static size_t
json_special(struct buf *b, const unsigned char *s, size_t i, size_t len)
{
	size_t n;
	unsigned cp;

	if (json_class[s[i]] == C_ESC) {
		put_esc(b, s[i]);
		return 1;
	}
	n = utf8_len(s + i, len - i, &cp);
	if (n == 0) {
		buf_puts_lit(b, "\\ufffd");
		return 1;
	}
	if (cp == 0x2028 || cp == 0x2029)
		put_u4(b, cp);
	else
		buf_append(b, s + i, n);
	return n;
}

/*
 * DESIGN: output space for the common case (every byte doubled, plus 16
 * bytes of slack) is reserved once; plain bytes are copied 16 at a time
 * with an unaligned store that may run past the run's end into that
 * slack, and '"' and '\\' are escaped in place. Anything rarer goes
 * through json_special and the buffer API.
 */
void
json_str(struct buf *b, const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	char *o;

	o = buf_reserve(b, 2 * len + 18);
	*o++ = '"';
	while (i < len) {
#ifdef __SSE2__
		while (i + 16 <= len) {
			__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
			unsigned bits = special_mask(x);

			_mm_storeu_si128((__m128i *)(void *)o, x);
			if (bits == 0) {
				i += 16;
				o += 16;
				continue;
			}
			bits = (unsigned)__builtin_ctz(bits);
			i += bits;
			o += bits;
			break;
		}
#endif
		while (i < len && json_class[s[i]] == C_PLAIN)
			*o++ = (char)s[i++];
		if (i == len)
			break;
		if (s[i] == '"' || s[i] == '\\') {
			*o++ = '\\';
			*o++ = (char)s[i++];
			continue;
		}
		b->len = (size_t)(o - b->p);
		i += json_special(b, s, i, len);
		o = buf_reserve(b, 2 * (len - i) + 18);
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
}

void
json_u64(struct buf *b, uint64_t v)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	    "8081828384858687888990919293949596979899";
	char tmp[20], *t = tmp + sizeof(tmp);

	while (v >= 100) {
		t -= 2;
		memcpy(t, pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	if (v >= 10) {
		t -= 2;
		memcpy(t, pairs + v * 2, 2);
	} else {
		*--t = (char)('0' + v);
	}
	buf_append(b, t, (size_t)(tmp + sizeof(tmp) - t));
}
