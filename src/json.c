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
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json.h"
#include "json_k64.h"

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
	case '\b':
		/* As Go 1.22 and later write them (pauditd is built with 1.24). */
		buf_puts_lit(b, "\\b");
		break;
	case '\f':
		buf_puts_lit(b, "\\f");
		break;
	default:
		put_u4(b, c);
		break;
	}
}

size_t
json_utf8_len(const unsigned char *s, size_t n, unsigned *ret_cp)
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

size_t
json_utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k;
	unsigned cp;
	uint64_t w;

	for (;;) {
		/* Mostly ASCII: a word at a time. */
		while (i + 8 <= n) {
			memcpy(&w, s + i, 8);
			if ((w & 0x8080808080808080ull) != 0)
				break;
			i += 8;
		}
		while (i < n && s[i] < 0x80)
			i++;
		if (i == n || (k = json_utf8_len(s + i, n - i, &cp)) == 0)
			return i;
		i += k;
	}
}

size_t
json_utf8_fix(const char *str, size_t n, char *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, o = 0;
	unsigned cp;

	while (i < n) {
		k = s[i] < 0x80 ? 1 : json_utf8_len(s + i, n - i, &cp);
		if (k == 0) {
			if (cap - o < 3)
				break;
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			if (cap - o < k)
				break;
			memcpy(out + o, s + i, k);
			o += k;
			i += k;
		}
	}
	return o;
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
	n = json_utf8_len(s + i, len - i, &cp);
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
	char			*o;	/* room for 2 * (len - i) + 64 bytes */
	struct json_scan	*scan;
};

/*
 * The rare byte at s[i], with the output cursor at o, through
 * json_special; then room for the rest again: twice what is left and
 * `slack` bytes more, which the kernel's whole-chunk stores overshoot.
 * Returns past what json_special took, the cursor in e->o.
 */
static size_t
esc_special(struct esc *e, char *o, size_t i, size_t slack)
{
	e->b->len = (size_t)(o - e->b->p);
	i += json_special(e->b, e->s, i, e->len);
	e->o = buf_reserve(e->b, 2 * (e->len - i) + slack);
	return i;
}

static inline void
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

		if (e->scan != NULL && c == '=' && i > 0 &&
		    e->s[i - 1] == (unsigned char)e->scan->tag[2])
			scan_hit(e, i);
		if (json_class[c] == C_PLAIN) {
			*o++ = (char)c;
			i++;
		} else if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
			i++;
		} else {
			i = esc_special(e, o, i, 64);
			o = e->o;
		}
	}
	e->o = o;
	return i;
}

#ifdef __SSE2__
/*
 * Escape s[i, lim), loading 16 bytes at a time from q, where q[j - qoff]
 * is s[j] and is readable up to j = lim + 16. Each chunk is stored to the
 * output whole; a '"' or '\\' in it gets its backslash and the rest of
 * the chunk is stored again one byte further on, so that quotes (a dozen
 * per record) cost a few instructions each. Rarer bytes stop the chunk
 * and go through json_special. With `scan`, the '=' that follow the
 * tag's last byte are checked by scan_hit. Returns where it stopped: lim,
 * or past what the slow path took (which may reach beyond lim).
 */
static inline __attribute__((always_inline)) size_t
esc_run(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim, bool scan)
{
	const __m128i eqv = _mm_set1_epi8('=');
	const __m128i tagv = _mm_set1_epi8(scan ? e->scan->tag[2] : 0);
	const unsigned char tag2 = scan ? (unsigned char)e->scan->tag[2] : 0;
	char *o = e->o;

	while (i < lim) {
		const unsigned char *c = q + (i - qoff);
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)c);
		unsigned n = 16, keep = 0xffffu, sp, cand = 0, k, extra, stop;

		if (lim - i < 16) {
			n = (unsigned)(lim - i);
			keep = (1u << n) - 1;
		}
		sp = special_mask(x) & keep;
		_mm_storeu_si128((__m128i *)(void *)o, x);
		if (scan) {
			cand = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, eqv)) & keep;
			if (cand != 0)
				cand &= ((unsigned)_mm_movemask_epi8(
				    _mm_cmpeq_epi8(x, tagv)) << 1) |
				    (i > 0 && e->s[i - 1] == tag2);
		}
		if (sp == 0) {
			for (; cand != 0; cand &= cand - 1)
				scan_hit(e, i + (unsigned)__builtin_ctz(cand));
			o += n;
			i += n;
			continue;
		}
		stop = n;
		extra = 0;
		for (; sp != 0; sp &= sp - 1) {
			k = (unsigned)__builtin_ctz(sp);
			if (c[k] != '"' && c[k] != '\\') {
				stop = k;
				cand &= (1u << k) - 1;
				break;
			}
			o[k + extra] = '\\';
			extra++;
			_mm_storeu_si128((__m128i *)(void *)(o + k + extra),
			    _mm_loadu_si128((const __m128i *)(const void *)(c + k)));
		}
		for (; cand != 0; cand &= cand - 1)
			scan_hit(e, i + (unsigned)__builtin_ctz(cand));
		o += stop + extra;
		i += stop;
		if (stop < n) {
			i = esc_special(e, o, i, 64);
			o = e->o;
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

#ifdef HAVE_AVX2_KERNEL
/*
 * json_esc's kernel (esc_run_fn): runs, and takes each rare byte through
 * json_special. Returns lim, or past what json_special took.
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) size_t
esc_run64(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim, bool scan)
{
	struct k64 k;
	bool done;

	for (;;) {
		k64_init(&k, e->b, e->s, q, qoff, e->scan, scan);
		k.o = e->o;
		done = run64(&k, i, lim, scan);
		if (scan)
			e->scan->n = k.nhit;
		e->o = k.o;
		if (done)
			return lim > i ? lim : i;
		i = esc_special(e, e->o, k64_at(&k), 128);
	}
}

__attribute__((AVX2_FNS)) static size_t
esc_run64_plain(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim)
{
	return esc_run64(e, q, qoff, i, lim, false);
}

__attribute__((AVX2_FNS)) static size_t
esc_run64_scan(struct esc *e, const unsigned char *q, size_t qoff, size_t i,
    size_t lim)
{
	return esc_run64(e, q, qoff, i, lim, true);
}

__attribute__((AVX2_FNS)) static size_t
esc64_padded_plain(struct buf *b, const char *str, size_t len,
    struct json_scan *scan)
{
	return esc64_padded(b, str, len, scan, false);
}

__attribute__((AVX2_FNS)) static size_t
esc64_padded_scan(struct buf *b, const char *str, size_t len,
    struct json_scan *scan)
{
	return esc64_padded(b, str, len, scan, true);
}

/*
 * The padded run from s[i], b->len and scan->n up to date: json_special
 * for the rare byte the fast path stopped at, if i is not 0 (one at s[0]
 * is found again below), then room, then the run with json_special.
 */
__attribute__((AVX2_FNS, noinline)) void
json_k64_slow(struct buf *b, const char *str, size_t len, size_t i,
    struct json_scan *scan)
{
	const unsigned char *s = (const unsigned char *)str;
	struct esc e = { b, s, len, NULL, scan };

	if (i > 0)
		i += json_special(b, s, i, len);
	e.o = buf_reserve(b, 2 * (len - i) + 128);
	if (scan != NULL)
		esc_run64(&e, s, 0, i, len, true);
	else
		esc_run64(&e, s, 0, i, len, false);
	b->len = (size_t)(e.o - b->p);
}

static bool
have_avx2(void)
{
	static int have = -1;

	if (have < 0) {
		__builtin_cpu_init();
		have = __builtin_cpu_supports("avx2") &&
		    __builtin_cpu_supports("bmi") &&
		    __builtin_cpu_supports("bmi2") ? 1 : 0;
	}
	return have == 1;
}
#endif

typedef size_t esc_run_fn(struct esc *, const unsigned char *, size_t,
    size_t, size_t);
/* A padded kernel: 0, or 1 + where json_k64_slow goes on (AVX2 only). */
typedef size_t esc_fn(struct buf *, const char *, size_t, struct json_scan *);

static esc_fn esc_padded, esc_padded_first;

/*
 * The kernel in use, chosen at the first call (json_simd_width may
 * narrow it). json_esc_padded goes straight to `padded` / `padded_scan`.
 */
static struct {
	esc_run_fn	*plain, *scan;
	esc_fn		*padded, *padded_scan;
	size_t		 w;		/* bytes per chunk; 0: the byte loop */
	bool		 chosen;
} kern = { .padded = esc_padded_first, .padded_scan = esc_padded_first };

#ifdef HAVE_AVX2_KERNEL
int json_k64_active = -1;
#endif

unsigned
json_simd_width(unsigned max)
{
	kern.plain = kern.scan = NULL;
	kern.padded = kern.padded_scan = esc_padded;
	kern.w = 0;
#ifdef HAVE_AVX2_KERNEL
	json_k64_active = 0;
	if (max >= 64 && have_avx2()) {
		kern.plain = esc_run64_plain;
		kern.scan = esc_run64_scan;
		kern.padded = esc64_padded_plain;
		kern.padded_scan = esc64_padded_scan;
		kern.w = 64;
		json_k64_active = 1;
	}
#endif
#ifdef __SSE2__
	if (kern.w == 0 && max >= 16) {
		kern.plain = esc_run_plain;
		kern.scan = esc_run_scan;
		kern.w = 16;
	}
#endif
	kern.chosen = true;
	return (unsigned)kern.w;
}

/* The widest kernel, unless json_simd_width chose already. */
static inline void
kern_choose(void)
{
	if (!kern.chosen)
		json_simd_width(64);
}

static void
esc(struct buf *b, const char *str, size_t len, struct json_scan *scan,
    bool padded)
{
	struct esc e = { b, (const unsigned char *)str, len, NULL, scan };
	esc_run_fn *run;
	size_t i = 0;

	kern_choose();
	if (scan != NULL) {
		scan->n = 0;
		scan->overflow = false;
	}
	e.o = buf_reserve(b, 2 * len + 128);
	run = scan != NULL ? kern.scan : kern.plain;
	if (run == NULL) {
		/* the byte loop below */
	} else if (padded) {
		i = run(&e, e.s, 0, 0, len);
	} else if (len >= kern.w) {
		/* In place while a chunk past the chunk is readable... */
		i = run(&e, e.s, 0, 0, len - kern.w);
		/* ...then the last bytes from a padded copy. */
		if (i < len) {
			/*
			 * With the three bytes before, which the AVX2 scan
			 * reads (those before s are never used).
			 */
			unsigned char tail[3 + 2 * 64];

			memset(tail, 0, 3);
			memcpy(tail + 3 - (i < 3 ? i : 3), e.s + i - (i < 3 ? i : 3),
			    i < 3 ? i : 3);
			memcpy(tail + 3, e.s + i, len - i);
			memset(tail + 3 + (len - i), 0, kern.w);
			i = run(&e, tail + 3, i, i, len);
		}
	}
	if (i < len)
		i = esc_bytes(&e, i, len);
	b->len = (size_t)(e.o - b->p);
}

static size_t
esc_padded(struct buf *b, const char *str, size_t len, struct json_scan *scan)
{
	esc(b, str, len, scan, true);
	return 0;
}

/* The first call of json_esc_padded: choose, then go on as chosen. */
static size_t
esc_padded_first(struct buf *b, const char *str, size_t len,
    struct json_scan *scan)
{
	kern_choose();
	return (scan != NULL ? kern.padded_scan : kern.padded)(b, str, len,
	    scan);
}

bool
json_plain(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i;

	for (i = 0; i < len; i++)
		if (json_class[s[i]] != C_PLAIN)
			return false;
	return true;
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
	size_t r;

	r = (scan != NULL ? kern.padded_scan : kern.padded)(b, str, len, scan);
#ifdef HAVE_AVX2_KERNEL
	if (__builtin_expect(r != 0, 0))
		json_k64_slow(b, str, len, r - 1, scan);
#else
	(void)r;
#endif
}

void
json_str(struct buf *b, const char *str, size_t len)
{
	buf_putc(b, '"');
	json_esc(b, str, len, NULL);
	buf_putc(b, '"');
}

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/*
 * Serials and types fit in 32 bits, where dividing by 100 is a cheaper
 * multiply.
 */
char *
json_u64_back(char *end, uint64_t v)
{
	char *t = end;
	uint32_t v32;

	while (v > UINT32_MAX) {
		t -= 2;
		memcpy(t, digit_pairs + (v % 100) * 2, 2);
		v /= 100;
	}
	for (v32 = (uint32_t)v; v32 >= 100; v32 /= 100) {
		t -= 2;
		memcpy(t, digit_pairs + (v32 % 100) * 2, 2);
	}
	if (v32 >= 10) {
		t -= 2;
		memcpy(t, digit_pairs + v32 * 2, 2);
	} else {
		*--t = (char)('0' + v32);
	}
	return t;
}

void
json_u64(struct buf *b, uint64_t v)
{
	char tmp[20], *t = json_u64_back(tmp + sizeof(tmp), v);

	buf_append(b, t, (size_t)(tmp + sizeof(tmp) - t));
}
