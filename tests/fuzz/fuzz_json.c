/*
 * fuzz_json.c: the JSON escaper (src/json.h) against a reference.
 *
 * The input is escaped with json_esc (read in place, exactly `size`
 * bytes: the last chunk comes from its own copy) and json_esc_padded
 * (from a copy with JSON_PAD bytes after it, which hold specials that
 * must not show), with and without a NAME= scan, at every kernel width
 * json_simd_width allows (64: AVX2 where the CPU has it, 16: SSE2, 0:
 * the byte loop), after a prefix that varies the output's alignment.
 * Every output must be the reference's byte for byte, every scan the
 * reference scan's; a difference aborts. The reference is the one of
 * tests/unit/test_json.c (Go's encoding/json and utf8.DecodeRune),
 * copied here: independent of json.c.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "../go_ref.h"
#include "../../src/buf.h"
#include "../../src/json.h"
#include "../../src/pauditd.h"


static void
check_scan(const char *what, unsigned width, const struct json_scan *sc,
    const unsigned char *s, size_t n)
{
	uint32_t want[JSON_SCAN_MAX + 1];
	size_t wn = ref_scan(s, n, want, JSON_SCAN_MAX + 1), k;

	if (wn > JSON_SCAN_MAX) {
		FUZZ_CHECK(sc->overflow && sc->n == JSON_SCAN_MAX,
		    "%s, width %u: %zu+ hits, scan noted %u, overflow %d", what,
		    width, wn, sc->n, sc->overflow);
		wn = JSON_SCAN_MAX;
	} else {
		FUZZ_CHECK(!sc->overflow && sc->n == wn,
		    "%s, width %u: %zu hits, scan noted %u, overflow %d", what,
		    width, wn, sc->n, sc->overflow);
	}
	for (k = 0; k < wn; k++)
		FUZZ_CHECK(sc->pos[k] == want[k],
		    "%s, width %u: hit %zu at %u, reference %u", what, width, k,
		    sc->pos[k], want[k]);
}

static void
check_out(const char *what, unsigned width, const struct buf *got,
    size_t pre, const struct buf *want)
{
	size_t i;

	for (i = 0; i < pre && i < got->len; i++)
		FUZZ_CHECK(got->p[i] == 'x', "%s, width %u: the prefix changed",
		    what, width);
	FUZZ_CHECK(got->len == pre + want->len, "%s, width %u: %zu bytes, reference %zu",
	    what, width, got->len - pre, want->len);
	if (want->len == 0 || memcmp(got->p + pre, want->p, want->len) == 0)
		return;
	for (i = 0; got->p[pre + i] == want->p[i]; i++)
		;
	FUZZ_CHECK(got->p[pre + i] == want->p[i],
	    "%s, width %u: byte %zu is 0x%02x, reference 0x%02x", what, width,
	    i, (unsigned char)got->p[pre + i], (unsigned char)want->p[i]);
}

/* Bytes that would show if the padded kernel escaped past the end. */
static const char pad_bytes[] = "\"\\<\x01\x80\xc3uid=\xe2\x80\xa8&\n\xff";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned widths[] = { 64, 16, 0 };
	struct json_scan sc = { .tag = { 'u', 'i', 'd', '=' } };
	struct buf got, want;
	unsigned char *padded;
	unsigned w;
	size_t i, k, pre;

	/* A prefix of 0 to 63 bytes: where in a block the output starts. */
	pre = size == 0 ? 0 : (data[0] ^ size) & 63;
	buf_init(&got);
	buf_init(&want);
	ref_escape_body(&want, data, size);
	if ((padded = malloc(size + JSON_PAD)) == NULL)
		abort();
	memcpy(padded, data, size);
	for (k = 0; k < JSON_PAD; k++)
		padded[size + k] = (unsigned char)pad_bytes[k % (sizeof(pad_bytes) - 1)];
	for (i = 0; i < nitems(widths); i++) {
		w = json_simd_width(widths[i]);
		FUZZ_CHECK(w <= widths[i], "json_simd_width(%u) gave %u", widths[i], w);
		for (k = 0; k < 4; k++) {
			buf_reset(&got);
			while (got.len < pre)
				buf_putc(&got, 'x');
			if (k < 2)
				json_esc(&got, (const char *)data, size,
				    k == 1 ? &sc : NULL);
			else
				json_esc_padded(&got, (const char *)padded, size,
				    k == 3 ? &sc : NULL);
			check_out(k < 2 ? "json_esc" : "json_esc_padded", w, &got,
			    pre, &want);
			if (k == 1 || k == 3)
				check_scan(k == 1 ? "json_esc scan" :
				    "json_esc_padded scan", w, &sc, data, size);
		}
	}
	json_simd_width(64);
	free(padded);
	buf_fini(&got);
	buf_fini(&want);
	return 0;
}
