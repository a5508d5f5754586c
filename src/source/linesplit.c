/*
 * linesplit.c: one pass over auditd log text for both '\n' and 0x1d.
 *
 * DESIGN: both bytes are control bytes (< 0x20), which audit text almost
 * never holds otherwise (auditd hex-encodes values that have them). So a
 * 64-byte block is first tested for any control byte at all; only a block
 * that has some is turned into a 64-bit mask, whose few bits are then
 * looked at one by one (a tab, say, is simply passed over). glibc's AVX2
 * memchr covers 128 bytes per loop, so an SSE2 scan for two bytes costs
 * about what the two memchr calls did: the AVX2 version is what makes the
 * single pass pay, and it is chosen once, by CPUID, with SSE2 (x86-64's
 * baseline) as the fallback.
 */
#include <immintrin.h>
#include <stdint.h>

#include "linesplit.h"
#include "source.h"

#define ENRICHED_SEP	0x1d	/* auditd's ENRICHED fields follow it */

/* Bits of p[i] < 0x20 for the last n < 64 bytes of the text. */
static uint64_t
ctl_mask_tail(const char *p, size_t n)
{
	uint64_t m = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x20)
			m |= 1ull << i;
	return m;
}

/* x & 0xe0 is 0 exactly for x < 0x20. */
static inline __m128i
ctl16(const char *p)
{
	return _mm_and_si128(_mm_loadu_si128((const __m128i *)p),
	    _mm_set1_epi8((char)0xe0));
}

static inline uint64_t
zero16(__m128i v, int shift)
{
	return (uint64_t)(uint16_t)_mm_movemask_epi8(
	    _mm_cmpeq_epi8(v, _mm_setzero_si128())) << shift;
}

/* Bit i set: p[i] < 0x20, for the 64 bytes at p. */
static inline uint64_t
ctl_mask_sse2(const char *p)
{
	__m128i a = ctl16(p), b = ctl16(p + 16), c = ctl16(p + 32);
	__m128i d = ctl16(p + 48);

	if (_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(_mm_min_epu8(a, b),
	    _mm_min_epu8(c, d)), _mm_setzero_si128())) == 0)
		return 0;
	return zero16(a, 0) | zero16(b, 16) | zero16(c, 32) | zero16(d, 48);
}

__attribute__((target("avx2"))) static inline __m256i
ctl32(const char *p)
{
	return _mm256_and_si256(_mm256_loadu_si256((const __m256i *)p),
	    _mm256_set1_epi8((char)0xe0));
}

__attribute__((target("avx2"))) static inline uint64_t
zero32(__m256i v)
{
	return (uint32_t)_mm256_movemask_epi8(
	    _mm256_cmpeq_epi8(v, _mm256_setzero_si256()));
}

__attribute__((target("avx2"))) static inline uint64_t
ctl_mask_avx2(const char *p)
{
	__m256i a = ctl32(p), b = ctl32(p + 32);

	if (_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(a, b),
	    _mm256_setzero_si256())) == 0)
		return 0;
	return zero32(a) | zero32(b) << 32;
}

/*
 * Lines gathered for one call of sink->lines: 64 of them, 1 KiB of
 * stack, cost one call where there were 64.
 */
#define BATCH_MAX	64

/*
 * The line [line, end), cut at `cut` unless that leaves nothing. NULL,
 * as an address, is below any line: one compare for both tests.
 */
static inline void
put(struct source_line *l, const char *line, const char *cut, const char *end)
{
	if ((uintptr_t)cut > (uintptr_t)line)
		end = cut;
	l->p = line;
	l->len = (size_t)(end - line);
}

/*
 * The loop, written once for both instruction sets: `mask` is a
 * constant in each caller, so it is inlined there with its target.
 */
static inline __attribute__((always_inline)) size_t
split(const char *buf, size_t len, bool final, const struct source_sink *sink,
    size_t *ret_lines, uint64_t (*mask)(const char *))
{
	struct source_line batch[BATCH_MAX], *l = batch;
	struct source_line *const batch_end = batch + BATCH_MAX;
	const char *end = buf + len, *full = buf + (len & ~(size_t)63);
	const char *at = buf, *line = buf, *cut = NULL, *c;
	size_t n = 0;
	uint64_t m;

	for (;; at += 64) {
		/* Blocks without a control byte go by in a loop of their own. */
		while (at < full && (m = mask(at)) == 0)
			at += 64;
		if (at >= full) {
			if (at >= end)
				break;
			m = ctl_mask_tail(at, (size_t)(end - at));
		}
		for (; m != 0; m &= m - 1) {
			c = at + __builtin_ctzll(m);
			if (*c == '\n') {
				put(l++, line, cut, c);
				line = c + 1;
				cut = NULL;
				if (l == batch_end) {
					sink->lines(sink->arg, batch, BATCH_MAX);
					n += BATCH_MAX;
					l = batch;
				}
			} else if (*c == ENRICHED_SEP && cut == NULL) {
				cut = c;
			}
		}
	}
	if (final && line < end) {
		put(l++, line, cut, end);
		line = end;
	}
	if (l > batch) {
		sink->lines(sink->arg, batch, (size_t)(l - batch));
		n += (size_t)(l - batch);
	}
	*ret_lines = n;
	return (size_t)(line - buf);
}

size_t
linesplit_sse2(const char *buf, size_t len, bool final,
    const struct source_sink *sink, size_t *ret_lines)
{
	return split(buf, len, final, sink, ret_lines, ctl_mask_sse2);
}

__attribute__((target("avx2"))) static size_t
linesplit_avx2(const char *buf, size_t len, bool final,
    const struct source_sink *sink, size_t *ret_lines)
{
	return split(buf, len, final, sink, ret_lines, ctl_mask_avx2);
}

size_t
linesplit(const char *buf, size_t len, bool final,
    const struct source_sink *sink, size_t *ret_lines)
{
	static int avx2 = -1;

	if (avx2 < 0)
		avx2 = __builtin_cpu_supports("avx2");
	if (avx2)
		return linesplit_avx2(buf, len, final, sink, ret_lines);
	return linesplit_sse2(buf, len, final, sink, ret_lines);
}
