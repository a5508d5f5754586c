/*
 * json_k64.h: json_esc_padded's AVX2 kernel, for json.c and for the one
 * caller hot enough to have it inlined (event_add, compiled for AVX2
 * too): a call, with its register saves and the wrapper's dispatch, cost
 * about a sixth of escaping a record. Internal to those two files.
 */
#ifndef PAUDITD_JSON_K64_H
#define PAUDITD_JSON_K64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "json.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_AVX2_KERNEL 1

/*
 * 1 while json_esc_padded runs this kernel, 0 while it runs another, -1
 * until json_simd_width chose (json_esc_padded's first call does).
 */
extern int json_k64_active;

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
		 * The tag as the word the kernel compares; its '=' is set
		 * here, for callers that filled only the name.
		 */
		memcpy(&k->tagw, scan->tag, 4);
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
 * json_esc_padded on these CPUs. The common case (room in b, no rare
 * byte) calls nothing, so no vector is live across a call: no spills, no
 * stack alignment. The rest is json_k64_slow's, which the caller calls:
 * with no call here, even by a jump, the values that the call would take
 * are not kept live across the blocks, and a register fewer is saved.
 * Returns 0, or 1 + the index json_k64_slow goes on from.
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
	/*
	 * The two exits store the same, each for itself: one shared tail
	 * cost 0.86 M more instructions on corpus-cg (0.45 %).
	 */
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

/*
 * Where esc64_padded stopped (it returned 1 + i): the rest of the string
 * from s[i], with json_special for the rare bytes.
 */
void json_k64_slow(struct buf *b, const char *s, size_t len, size_t i,
    struct json_scan *scan);

#endif
#endif
