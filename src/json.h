/*
 * json.h: a streaming JSON writer into a struct buf. No DOM.
 *
 * Strings are escaped exactly as Go's encoding/json escapes them, so
 * that pauditd's lines are byte for byte those of pauditd (Go): '"' and
 * '\' escaped; '<', '>', '&' as \u003c \u003e \u0026; control characters
 * as \u00XX except \n \r \t, and \b \f as such (Go 1.22 on); U+2028 and
 * U+2029 as \u2028 \u2029; every byte that is not part of valid UTF-8 as
 * \ufffd.
 */
#ifndef PAUDITD_JSON_H
#define PAUDITD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Append `s` as a quoted JSON string. */
void json_str(struct buf *b, const char *s, size_t len);

/*
 * What json_esc can note in the same pass: the offset in `s` of every
 * '=' that directly follows the first three bytes of `tag` ("uid=" finds
 * uid=, auid=, fsuid=, ...), in order. At most JSON_SCAN_MAX are kept;
 * `overflow` says that more were seen (the caller then scans itself).
 */
#define JSON_SCAN_MAX	64

struct json_scan {
	char		tag[4];		/* NAME and its '=': "uid=" */
	bool		overflow;
	uint32_t	n;
	uint32_t	pos[JSON_SCAN_MAX];
};

/*
 * Append `s` escaped as the contents of a JSON string, without quotes.
 * `scan` (may be NULL) gets the NAME= positions, see above.
 */
void json_esc(struct buf *b, const char *s, size_t len, struct json_scan *scan);
/* True if `s` needs no escaping at all (short strings: a byte loop). */
bool json_plain(const char *s, size_t len);
/*
 * The same, for input that is readable (and initialised) for JSON_PAD
 * bytes past s + len: no copy of the last bytes is needed.
 */
#define JSON_PAD	64
void json_esc_padded(struct buf *b, const char *s, size_t len,
    struct json_scan *scan);
/*
 * The length (1 to 4) of the valid UTF-8 sequence at s[0, n), its code
 * point in *ret_cp; 0 when s[0] does not start one, where Go's
 * utf8.DecodeRune reads that one byte as U+FFFD (overlong forms,
 * surrogates and code points past U+10FFFF are not valid).
 */
size_t json_utf8_len(const unsigned char *s, size_t n, unsigned *ret_cp);
/* How many bytes from the start of s[0, n) are valid UTF-8 (n: all). */
size_t json_utf8_valid(const char *s, size_t n);
/*
 * s[0, n) into out (cap bytes) as Go reads it, each byte that begins no
 * valid sequence made U+FFFD (3 bytes); cut at a character when out is
 * full. Returns the bytes written.
 */
size_t json_utf8_fix(const char *s, size_t n, char *out, size_t cap);
/* Append the unsigned decimal `v`. */
void json_u64(struct buf *b, uint64_t v);
/* Write v's decimal digits so that they end at `end`; returns their start. */
char *json_u64_back(char *end, uint64_t v);

/*
 * Tests and benchmarks: escape in chunks of at most `max` bytes (0: one
 * byte at a time, 16: SSE2, 64: AVX2 when the CPU has it; the default is
 * the widest). Returns the chunk width now in use.
 */
unsigned json_simd_width(unsigned max);

#endif
