/*
 * json.c: Go-compatible JSON string escaping, fast path first.
 *
 * DESIGN: one pass, 16 bytes at a time (SSE2): a chunk is stored to the
 * output whole, and '"' and '\\' (the only escapes common in audit data)
 * are fixed up inside it; control bytes, '<', '>', '&' and non-ASCII take
 * a slow path (a 256-entry class table), where UTF-8 is validated as Go's
 * utf8.DecodeRune does (overlongs, surrogates and truncated sequences are
 * invalid, one byte at a time). The same pass can note where NAME= fields
 * start (struct json_scan), so that a caller needs no second scan.
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
/*
 * Bytes that leave the plain copy: < 0x20 and >= 0x80 (one signed
 * compare), '"' and '&' (both 0x26 once bit 2 is set), '<' and '>' (both
 * 0x3e once bit 1 is set), '\\'.
 */
static inline unsigned
special_mask(__m128i x)
{
	__m128i m = _mm_or_si128(
	    _mm_or_si128(_mm_cmplt_epi8(x, _mm_set1_epi8(0x20)),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
	    _mm_or_si128(
	    _mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(4)), _mm_set1_epi8('&')),
	    _mm_cmpeq_epi8(_mm_or_si128(x, _mm_set1_epi8(2)), _mm_set1_epi8('>'))));

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

/* One escaping pass: the input, the output cursor, the optional scan. */
struct esc {
	struct buf		*b;
	const unsigned char	*s;
	size_t			 len;
	char			*o;	/* room for 2 * (len - i) + 32 bytes */
	struct json_scan	*scan;
};

static void
scan_hit(struct esc *e, size_t j)
{
	struct json_scan *sc = e->scan;

	if (j < 3 || e->s[j - 2] != (unsigned char)sc->tag[1] ||
	    e->s[j - 3] != (unsigned char)sc->tag[0])
		return;
	if (sc->n == JSON_SCAN_MAX)
		sc->overflow = true;
	else
		sc->pos[sc->n++] = (uint32_t)j;
}

/*
 * Escape bytes one at a time from s[i] until `lim` (the short strings
 * and the build without SSE2). Returns where it stopped.
 */
static size_t
esc_bytes(struct esc *e, size_t i, size_t lim)
{
	char *o = e->o;

	while (i < lim) {
		unsigned char c = e->s[i];

		if (e->scan != NULL && c == '=')
			scan_hit(e, i);
		if (json_class[c] == C_PLAIN) {
			*o++ = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else {
			e->b->len = (size_t)(o - e->b->p);
			i += json_special(e->b, e->s, i, e->len);
			o = buf_reserve(e->b, 2 * (e->len - i) + 32);
		}
	}
	e->o = o;
	return i;
}

#ifdef __SSE2__
/*
 * The '=' in the chunk x (at s[i]) under `keep` that follow the tag's
 * last byte; scan_hit checks the two bytes before.
 */
static inline void
scan_chunk(struct esc *e, __m128i x, size_t i, unsigned keep)
{
	unsigned eq = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8('='))) & keep;
	unsigned last, cand;

	if (eq == 0)
		return;
	last = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x,
	    _mm_set1_epi8(e->scan->tag[2])));
	cand = eq & ((last << 1) |
	    (i > 0 && e->s[i - 1] == (unsigned char)e->scan->tag[2]));
	for (; cand != 0; cand &= cand - 1)
		scan_hit(e, i + (unsigned)__builtin_ctz(cand));
}

/*
 * One chunk: the n <= 16 bytes at c (= s + i), readable up to c + n + 16.
 * The chunk is stored whole; a '"' or '\\' in it gets its backslash and
 * the rest of the chunk is stored again one byte further on, so quotes
 * (a dozen per record) cost a few instructions each. Returns the bytes
 * taken: n, or fewer when a rarer byte needs json_special (the caller's
 * job, at i + the return value).
 */
static inline __attribute__((always_inline)) unsigned
esc_chunk(struct esc *e, char **po, const unsigned char *c, size_t i,
    unsigned n, bool scan)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)c);
	unsigned keep = n == 16 ? 0xffffu : (1u << n) - 1;
	unsigned bits = special_mask(x) & keep, stop = n, extra = 0, k;
	char *o = *po;

	_mm_storeu_si128((__m128i *)(void *)o, x);
	for (; bits != 0; bits &= bits - 1) {
		k = (unsigned)__builtin_ctz(bits);
		if (c[k] != '"' && c[k] != '\\') {
			stop = k;
			break;
		}
		o[k + extra] = '\\';
		extra++;
		_mm_storeu_si128((__m128i *)(void *)(o + k + extra),
		    _mm_loadu_si128((const __m128i *)(const void *)(c + k)));
	}
	if (scan)
		scan_chunk(e, x, i, stop == 16 ? 0xffffu : (1u << stop) - 1);
	*po = o + stop + extra;
	return stop;
}

/*
 * Escape s[i, lim), loading from q, where q[j - qoff] is s[j] and is
 * readable up to j = lim + 16. Returns where it stopped: lim, or past
 * what the slow path took (which may reach beyond lim).
 */
static inline __attribute__((always_inline)) size_t
esc_run(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim, bool scan)
{
	char *o = e->o;
	unsigned n, got;

	while (i < lim) {
		if (lim - i >= 16) {
			n = 16;
			got = esc_chunk(e, &o, q + (i - qoff), i, 16, scan);
		} else {
			n = (unsigned)(lim - i);
			got = esc_chunk(e, &o, q + (i - qoff), i, n, scan);
		}
		i += got;
		if (got < n) {
			e->b->len = (size_t)(o - e->b->p);
			i += json_special(e->b, e->s, i, e->len);
			o = buf_reserve(e->b, 2 * (e->len - i) + 32);
		}
	}
	e->o = o;
	return i;
}

static size_t
esc_run_plain(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim)
{
	return esc_run(e, q, qoff, i, lim, false);
}

static size_t
esc_run_scan(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim)
{
	return esc_run(e, q, qoff, i, lim, true);
}
#endif

static void
esc(struct buf *b, const char *str, size_t len, struct json_scan *scan,
    bool padded)
{
	struct esc e = { b, (const unsigned char *)str, len, NULL, scan };
	size_t i = 0;

	if (scan != NULL) {
		scan->n = 0;
		scan->overflow = false;
	}
	e.o = buf_reserve(b, 2 * len + 32);
#ifdef __SSE2__
	size_t (*run)(struct esc *, const unsigned char *, size_t, size_t,
	    size_t) = scan != NULL ? esc_run_scan : esc_run_plain;

	if (padded) {
		i = run(&e, e.s, 0, 0, len);
	} else if (len >= 16) {
		/* In place while 16 bytes past the chunk are readable... */
		i = run(&e, e.s, 0, 0, len - 16);
		/* ...then the last bytes from a padded copy. */
		if (i < len) {
			unsigned char tail[48];

			memcpy(tail, e.s + i, len - i);
			memset(tail + (len - i), 0, 16);
			i = run(&e, tail, i, i, len);
		}
	}
#endif
	if (i < len)
		i = esc_bytes(&e, i, len);
	b->len = (size_t)(e.o - b->p);
}

void
json_esc(struct buf *b, const char *str, size_t len, struct json_scan *scan)
{
	esc(b, str, len, scan, false);
}

void
json_esc_padded(struct buf *b, const char *str, size_t len,
    struct json_scan *scan)
{
	esc(b, str, len, scan, true);
}

void
json_str(struct buf *b, const char *str, size_t len)
{
	buf_putc(b, '"');
	json_esc(b, str, len, NULL);
	buf_putc(b, '"');
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
