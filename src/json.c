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
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1
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
	char			*o;	/* room for 2 * (len - i) + 64 bytes */
	struct json_scan	*scan;
};

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
			e->b->len = (size_t)(o - e->b->p);
			i += json_special(e->b, e->s, i, e->len);
			o = buf_reserve(e->b, 2 * (e->len - i) + 64);
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
			e->b->len = (size_t)(o - e->b->p);
			i += json_special(e->b, e->s, i, e->len);
			o = buf_reserve(e->b, 2 * (e->len - i) + 64);
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
 * The AVX2 kernel, for the CPUs that have it (chosen at run time): 64-byte
 * blocks as two 32-byte vectors, one 64-bit mask of each kind, so a record
 * takes a few blocks.
 *
 * Bytes that leave the plain copy, by nibble lookup: a byte is special
 * when the entries for its low and its high nibble share a bit. The bits
 * of the rare bytes are the high ones (0x80: high nibble 0-1 or 8-f;
 * 0x40: '<' and '>'; 0x20: '&'), those of '"' (0x02) and '\\' (0x01) the
 * low ones, so that one saturating add tells "special" (t + 0x7f) and
 * another "rare" (t + 0x60) by the sign bit, without compares.
 *
 * The constants are loaded from this table at each call, after an empty
 * asm that may have changed it: folded into immediates, each would be
 * built with three instructions (a record takes only a few blocks, so
 * the set-up counts). It is never written.
 */
static struct k64_consts {
	unsigned char	lo[32], hi[32], low4[32], any[32], eq[32];
	unsigned char	rare[32], rarebits[32];
} k64_consts __attribute__((aligned(32))) = {
	.lo = {
		0x80, 0x80, 0x82, 0x80, 0x80, 0x80, 0xa0, 0x80,
		0x80, 0x80, 0x80, 0x80, 0xc1, 0x80, 0xc0, 0x80,
		0x80, 0x80, 0x82, 0x80, 0x80, 0x80, 0xa0, 0x80,
		0x80, 0x80, 0x80, 0x80, 0xc1, 0x80, 0xc0, 0x80,
	},
	.hi = {
		0x80, 0x80, 0x22, 0x40, 0x00, 0x01, 0x00, 0x00,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
		0x80, 0x80, 0x22, 0x40, 0x00, 0x01, 0x00, 0x00,
		0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
	},
	.low4 = { [0 ... 31] = 0x0f },
	.any = { [0 ... 31] = 0x7f },
	.eq = { [0 ... 31] = '=' },
	.rare = { [0 ... 31] = 0x60 },
	.rarebits = { [0 ... 31] = 0xe0 },
};

#define AVX2_FNS	target("avx2,bmi,bmi2")
#define V(p)		_mm256_load_si256((const __m256i *)(const void *)(p))
#define VU(p)		_mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STU(p, x)	_mm256_storeu_si256((__m256i *)(void *)(p), (x))

/*
 * One run of the kernel, in registers: the string, where its blocks are
 * loaded from (q[j - qoff] is s[j]: s itself, or json_esc's tail copy),
 * the next block and the end in q, the output cursor, the scan.
 */
struct k64 {
	const unsigned char		*s, *q, *c, *end;
	size_t				 qoff;
	char				*o;
	struct json_scan		*scan;
	uint32_t			 nhit, tagw;
	__m256i				 lo, hi, tagv;
};

__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) void
k64_init(struct k64 *k, struct buf *b, const unsigned char *s,
    const unsigned char *q, size_t qoff, struct json_scan *scan, bool scanning)
{
	/* What the compiler must not fold: see k64_consts. */
	__asm__("" : "+m" (k64_consts));
	k->s = s;
	k->q = q;
	k->qoff = qoff;
	k->o = b->p + b->len;
	k->scan = scan;
	k->lo = V(k64_consts.lo);
	k->hi = V(k64_consts.hi);
	if (scanning) {
		/*
		 * The struct's first word: tag[0..2], then the '=' in the
		 * byte that held overflow.
		 */
		memcpy(&k->tagw, (const void *)scan, 4);
		k->tagw = (k->tagw & 0xffffff) | (uint32_t)'=' << 24;
		k->nhit = scan->n;
		k->tagv = _mm256_set1_epi8(scan->tag[2]);
	}
}

__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) __m256i
class32(const struct k64 *k, __m256i x)
{
	__m256i lo = _mm256_and_si256(x, V(k64_consts.low4));
	__m256i hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), V(k64_consts.low4));

	return _mm256_and_si256(_mm256_shuffle_epi8(k->lo, lo),
	    _mm256_shuffle_epi8(k->hi, hi));
}

/* The sign bits of two vectors as one 64-bit mask. */
__attribute__((AVX2_FNS)) static inline uint64_t
mask64(__m256i a, __m256i b)
{
	return (uint32_t)_mm256_movemask_epi8(a) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(b) << 32;
}

/*
 * The '"' and '\\' of sp: each gets its backslash, the rest moves on.
 * The empty asm keeps the compiler from working out p's final value
 * after the loop again (a popcnt, a test and a cmov) instead of taking
 * the register it already has.
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) char *
quotes64(char *p, const unsigned char *c, uint64_t sp)
{
	unsigned n;

	for (; sp != 0; sp = _blsr_u64(sp)) {
		n = (unsigned)_tzcnt_u64(sp);
		p[n] = '\\';
		p++;
		__asm__("" : "+r" (p));
		STU(p + n, VU(c + n));
		STU(p + n + 32, VU(c + n + 32));
	}
	return p;
}

/*
 * The candidates of cand (bit n: c[n]) that end the tag's NAME=. The
 * word is read from q, which holds the three bytes before c (s itself, or
 * the tail copy; before s[3] the low mask has taken the candidates out).
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) void
cands64(struct k64 *k, const unsigned char *c, uint64_t cand)
{
	size_t n;
	uint32_t w;

	for (; cand != 0; cand = _blsr_u64(cand)) {
		n = _tzcnt_u64(cand);
		memcpy(&w, c + n - 3, 4);
		if (w != k->tagw)
			continue;
		if (k->nhit == JSON_SCAN_MAX)
			k->scan->overflow = true;
		else
			k->scan->pos[k->nhit++] =
			    (uint32_t)((size_t)(c - k->q) + k->qoff + n);
	}
}

/*
 * One 64-byte block at k->c, stored to k->o whole; a '"' or '\\' gets
 * its backslash and the rest of the block is stored again one byte
 * further on, so that quotes (a few per record) cost a few instructions
 * each. With `scan`, a candidate '=' (after the tag's last byte, from a
 * load one byte back) is confirmed by comparing the four bytes that end
 * at it with one word.
 *
 * The first block may start before s[3] (the byte before is shifted
 * in, and the word compare is kept off s[-3..-1]) and may reach past the
 * end; the last does (a keep mask); the blocks between need neither. A
 * block advances by 64 even past the end (the caller takes the overshoot
 * off o); it returns false if it stopped at a rare byte instead, c and o
 * at it.
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) bool
block64(struct k64 *k, bool scan, bool first, bool last)
{
	const unsigned char *c = k->c;
	__m256i x0 = VU(c), x1 = VU(c + 32);
	__m256i t0 = class32(k, x0), t1 = class32(k, x1);
	uint64_t keep = ~0ull, sp, rare, cand = 0;
	size_t i = 0;
	unsigned stop;
	char *p = k->o;

	STU(p, x0);
	STU(p + 32, x1);
	if (first) {
		i = (size_t)(c - k->q) + k->qoff;
		if (k->end - c < 64)
			keep = _bzhi_u64(~0ull, (unsigned)(k->end - c));
	} else if (last) {
		/* 1 to 64 bytes left: bzhi keeps all 64 bits for 64. */
		keep = _bzhi_u64(~0ull, (unsigned)(k->end - c));
	}
	sp = mask64(_mm256_adds_epu8(t0, V(k64_consts.any)),
	    _mm256_adds_epu8(t1, V(k64_consts.any))) & keep;
	if (scan) {
		__m256i p0;
		uint64_t low = keep;

		/*
		 * The bytes one back. Near s[0] (where c - 1 may not be
		 * readable) they are shifted in from x0 instead, and no
		 * NAME= can end before s[3].
		 */
		if (!first || i >= 3) {
			p0 = VU(c - 1);
		} else {
			p0 = _mm256_alignr_epi8(x0,
			    _mm256_permute2x128_si256(x0, x0, 0x08), 15);
			low &= ~0ull << (3 - i);
		}
		cand = mask64(
		    _mm256_and_si256(_mm256_cmpeq_epi8(x0, V(k64_consts.eq)),
		    _mm256_cmpeq_epi8(p0, k->tagv)),
		    _mm256_and_si256(_mm256_cmpeq_epi8(x1, V(k64_consts.eq)),
		    _mm256_cmpeq_epi8(VU(c + 31), k->tagv))) & low;
	}
	if (sp != 0) {
		if (__builtin_expect(!_mm256_testz_si256(
		    _mm256_or_si256(t0, t1), V(k64_consts.rarebits)), 0)) {
			rare = mask64(_mm256_adds_epu8(t0, V(k64_consts.rare)),
			    _mm256_adds_epu8(t1, V(k64_consts.rare))) & keep;
			if (rare != 0) {
				/* Only what comes before it, then stop. */
				stop = (unsigned)_tzcnt_u64(rare);
				p = quotes64(p, c, _bzhi_u64(sp, stop));
				if (scan)
					cands64(k, c, _bzhi_u64(cand, stop));
				k->o = p + stop;
				k->c = c + stop;
				return false;
			}
		}
		p = quotes64(p, c, sp);
	}
	if (cand != 0)
		cands64(k, c, cand);
	k->o = p + 64;
	k->c = c + 64;
	return true;
}

/*
 * Escape s[i, lim): q must be readable up to j = lim + 64 (JSON_PAD, or
 * the tail copy) and from j = i - 3 unless i < 3. Returns false if it
 * stopped at a rare byte (k->c at it, o at its place in the output).
 * The blocks between the first and the last are counted down: the
 * bound is not live in the loop.
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) bool
run64(struct k64 *k, size_t i, size_t lim, bool scan)
{
	size_t nb;

	if (i >= lim)
		return true;
	k->c = k->q + (i - k->qoff);
	k->end = k->q + (lim - k->qoff);
	if (!block64(k, scan, true, true))
		return false;
	if (k->c < k->end) {
		for (nb = (size_t)(k->end - k->c - 1) / 64; nb > 0; nb--)
			if (!block64(k, scan, false, false))
				return false;
		if (!block64(k, scan, false, true))
			return false;
	}
	k->o -= k->c - k->end;
	return true;
}

/* The index in s of k->c. */
static inline size_t
k64_at(const struct k64 *k)
{
	return (size_t)(k->c - k->q) + k->qoff;
}

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
		i = k64_at(&k);
		e->b->len = (size_t)(e->o - e->b->p);
		i += json_special(e->b, e->s, i, e->len);
		e->o = buf_reserve(e->b, 2 * (e->len - i) + 128);
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

/*
 * json_esc_padded on these CPUs. The common case (room in b, no rare
 * byte) calls nothing, so no vector is live across a call: no spills, no
 * stack alignment. The rest is esc64_slow's, which json_esc_padded calls:
 * with no call here, even by a jump, the values that the call would take
 * are not kept live across the blocks, and a register fewer is saved.
 * Returns 0, or 1 + the index esc64_slow goes on from.
 */
__attribute__((AVX2_FNS)) static inline __attribute__((always_inline)) size_t
esc64_padded(struct buf *b, const char *str, size_t len,
    struct json_scan *scan, bool scanning)
{
	const unsigned char *s = (const unsigned char *)str;
	struct k64 k;

	/* Not kept live in the plain variant (the caller passes NULL). */
	if (!scanning)
		scan = NULL;
	if (__builtin_expect(b->cap - b->len < 2 * len + 128, 0)) {
		if (scanning) {
			scan->n = 0;
			scan->overflow = false;
		}
		return 1;
	}
	/*
	 * The scan is reset after b is read, so that b's fields are not
	 * loaded again for fear that the stores changed them; its count
	 * starts at 0 in a register, stored at the end.
	 */
	k64_init(&k, b, s, s, 0, scan, scanning);
	if (scanning) {
		k.nhit = 0;
		scan->overflow = false;
	}
	if (__builtin_expect(run64(&k, 0, len, scanning), 1)) {
		b->len = (size_t)(k.o - b->p);
		if (scanning)
			scan->n = k.nhit;
		return 0;
	}
	b->len = (size_t)(k.o - b->p);
	if (scanning)
		scan->n = k.nhit;
	return 1 + k64_at(&k);
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
__attribute__((AVX2_FNS, noinline)) static void
esc64_slow(struct buf *b, const unsigned char *s, size_t len, size_t i,
    struct json_scan *scan)
{
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
/* A padded kernel: 0, or 1 + where esc64_slow goes on (AVX2 only). */
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

unsigned
json_simd_width(unsigned max)
{
	kern.plain = kern.scan = NULL;
	kern.padded = kern.padded_scan = esc_padded;
	kern.w = 0;
#ifdef HAVE_AVX2_KERNEL
	if (max >= 64 && have_avx2()) {
		kern.plain = esc_run64_plain;
		kern.scan = esc_run64_scan;
		kern.padded = esc64_padded_plain;
		kern.padded_scan = esc64_padded_scan;
		kern.w = 64;
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

static void
esc(struct buf *b, const char *str, size_t len, struct json_scan *scan,
    bool padded)
{
	struct esc e = { b, (const unsigned char *)str, len, NULL, scan };
	esc_run_fn *run;
	size_t i = 0;

	if (!kern.chosen)
		json_simd_width(64);
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
	if (!kern.chosen)
		json_simd_width(64);
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
		esc64_slow(b, (const unsigned char *)str, len, r - 1, scan);
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
