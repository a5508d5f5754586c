/*
 * test_json.c: Go encoding/json string escaping (json.h), byte for byte:
 * the HTML-safe escapes, control characters, valid UTF-8 copied, every
 * invalid byte as \ufffd the way Go's utf8.DecodeRune splits it, and
 * json_u64.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEST_RNG_SEED 12345
#include "harness.h"
#include "../go_ref.h"
#include "../../src/buf.h"
#include "../../src/json.h"

/* json_str of `n` bytes of `in`, as a C string (the output has no NUL). */
static const char *
jstr(const char *in, size_t n)
{
	static char out[1024];
	struct buf b;

	buf_init(&b);
	json_str(&b, in, n);
	if (b.len >= sizeof(out))
		b.len = sizeof(out) - 1;
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	buf_fini(&b);
	return out;
}

#define ASSERT_JSON(in, n, want) ASSERT_STREQ(jstr((in), (n)), (want))
#define ASSERT_JSON_S(in, want) ASSERT_JSON((in), strlen(in), (want))

TEST(plain_ascii)
{
	ASSERT_JSON_S("", "\"\"");
	ASSERT_JSON_S("hi there", "\"hi there\"");
	ASSERT_JSON_S("arch=c000003e syscall=59 key=(null)",
	    "\"arch=c000003e syscall=59 key=(null)\"");
	ASSERT_JSON_S("~!@#$%^*()_+{}|:?/.,;'[]=-`",
	    "\"~!@#$%^*()_+{}|:?/.,;'[]=-`\"");
}

TEST(quote_and_backslash)
{
	ASSERT_JSON_S("comm=\"ls\"", "\"comm=\\\"ls\\\"\"");
	ASSERT_JSON_S("a\\b", "\"a\\\\b\"");
	ASSERT_JSON_S("\"\\\"", "\"\\\"\\\\\\\"\"");
}

TEST(html_safe)
{
	ASSERT_JSON_S("<", "\"\\u003c\"");
	ASSERT_JSON_S(">", "\"\\u003e\"");
	ASSERT_JSON_S("&", "\"\\u0026\"");
	ASSERT_JSON_S("a<b>&c", "\"a\\u003cb\\u003e\\u0026c\"");
}

TEST(newline_cr_tab)
{
	ASSERT_JSON_S("a\nb\rc\td", "\"a\\nb\\rc\\td\"");
}

TEST(other_control_chars)
{
	static const char in[] = { 0x00, 0x01, 0x08, 0x0b, 0x0c, 0x1b, 0x1f };

	/* \b and \f as Go writes them since 1.22 (pauditd: 1.24). */
	ASSERT_JSON(in, sizeof(in),
	    "\"\\u0000\\u0001\\b\\u000b\\f\\u001b\\u001f\"");
	ASSERT_JSON("x\0y", 3, "\"x\\u0000y\"");
	/* A record's 0x1d separator inside the data, if it ever got there. */
	ASSERT_JSON_S("a\x1d" "b", "\"a\\u001db\"");
}

TEST(del_not_escaped)
{
	ASSERT_JSON_S("\x7f", "\"\x7f\"");
	ASSERT_JSON_S("a\x7f" "b", "\"a\x7f" "b\"");
}

TEST(valid_utf8_copied)
{
	ASSERT_JSON_S("caf\xc3\xa9", "\"caf\xc3\xa9\"");		/* é, 2 bytes */
	ASSERT_JSON_S("\xc2\x80", "\"\xc2\x80\"");			/* U+0080 */
	ASSERT_JSON_S("\xdf\xbf", "\"\xdf\xbf\"");			/* U+07FF */
	ASSERT_JSON_S("\xe2\x82\xac", "\"\xe2\x82\xac\"");		/* €, 3 bytes */
	ASSERT_JSON_S("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");		/* U+0800 */
	ASSERT_JSON_S("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");		/* U+D7FF */
	ASSERT_JSON_S("\xee\x80\x80", "\"\xee\x80\x80\"");		/* U+E000 */
	ASSERT_JSON_S("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");		/* U+FFFF */
	ASSERT_JSON_S("\xef\xbf\xbd", "\"\xef\xbf\xbd\"");		/* U+FFFD */
	ASSERT_JSON_S("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");	/* 😀, 4 bytes */
	ASSERT_JSON_S("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");	/* U+10000 */
	ASSERT_JSON_S("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
	ASSERT_JSON_S("a\xc3\xa9<\xe2\x82\xac>",
	    "\"a\xc3\xa9\\u003c\xe2\x82\xac\\u003e\"");
}

TEST(line_and_paragraph_separators)
{
	ASSERT_JSON_S("\xe2\x80\xa8", "\"\\u2028\"");
	ASSERT_JSON_S("a\xe2\x80\xa9" "b", "\"a\\u2029b\"");
	/* Their neighbours are copied. */
	ASSERT_JSON_S("\xe2\x80\xa7\xe2\x80\xaa", "\"\xe2\x80\xa7\xe2\x80\xaa\"");
}

TEST(invalid_bytes_one_replacement_each)
{
	/* Lone continuation bytes and bytes that never start a sequence. */
	ASSERT_JSON_S("\x80", "\"\\ufffd\"");
	ASSERT_JSON_S("\xbf", "\"\\ufffd\"");
	ASSERT_JSON_S("\xc0", "\"\\ufffd\"");
	ASSERT_JSON_S("\xc1", "\"\\ufffd\"");
	ASSERT_JSON_S("\xf5", "\"\\ufffd\"");
	ASSERT_JSON_S("\xff", "\"\\ufffd\"");
	ASSERT_JSON_S("\xfe\xff", "\"\\ufffd\\ufffd\"");
	ASSERT_JSON_S("a\x80" "b", "\"a\\ufffdb\"");
	/* Latin-1 text that is not UTF-8. */
	ASSERT_JSON_S("caf\xe9", "\"caf\\ufffd\"");
	ASSERT_JSON_S("caf\xe9 x", "\"caf\\ufffd x\"");
}

TEST(overlongs)
{
	/* Go: each byte of an overlong form is a RuneError of size 1. */
	ASSERT_JSON_S("\xc0\xaf", "\"\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xc1\xbf", "\"\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(surrogates_and_above_max)
{
	ASSERT_JSON_S("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");	/* D800 */
	ASSERT_JSON_S("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");	/* DFFF */
	/* A CESU-8 surrogate pair: six replacements. */
	ASSERT_JSON_S("\xed\xa0\xbd\xed\xb8\x80",
	    "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
	/* Above U+10FFFF. */
	ASSERT_JSON_S("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xf7\xbf\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST(truncated_sequences)
{
	/* At the end of the string. */
	ASSERT_JSON_S("\xc3", "\"\\ufffd\"");
	ASSERT_JSON_S("\xe2\x82", "\"\\ufffd\\ufffd\"");
	ASSERT_JSON_S("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
	/* Interrupted by ASCII: the ASCII byte survives. */
	ASSERT_JSON_S("\xe2\x82z", "\"\\ufffd\\ufffdz\"");
	ASSERT_JSON_S("\xc3<", "\"\\ufffd\\u003c\"");
	ASSERT_JSON_S("\xf0\x9f\"", "\"\\ufffd\\ufffd\\\"\"");
	/* Interrupted by the start of another, valid, sequence. */
	ASSERT_JSON_S("\xe2\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
	/* A 4-byte lead followed by a 3-byte sequence. */
	ASSERT_JSON_S("\xf0\xe2\x82\xac", "\"\\ufffd\xe2\x82\xac\"");
}

TEST(length_is_respected)
{
	/* Bytes past `len` are not read; a sequence cut by len is invalid. */
	ASSERT_JSON("abc<def", 3, "\"abc\"");
	ASSERT_JSON("\xe2\x82\xac", 2, "\"\\ufffd\\ufffd\"");
}

TEST(appends_to_buffer)
{
	struct buf b;

	buf_init(&b);
	buf_puts_lit(&b, "{\"k\":");
	json_str(&b, "v", 1);
	buf_putc(&b, ',');
	json_u64(&b, 42);
	buf_putc(&b, '}');
	ASSERT_MEMEQ(b.p, b.len, "{\"k\":\"v\",42}");
	buf_fini(&b);
}

TEST(long_string_grows)
{
	struct buf b;
	char in[5000];
	size_t i;
	int ok = 1;

	/* Every byte escaped: 6 output bytes per input byte. */
	memset(in, '<', sizeof(in));
	buf_init(&b);
	json_str(&b, in, sizeof(in));
	if (b.len != sizeof(in) * 6 + 2 || b.p[0] != '"' ||
	    b.p[b.len - 1] != '"')
		ok = 0;
	for (i = 0; ok && i < sizeof(in); i++)
		if (memcmp(b.p + 1 + i * 6, "\\u003c", 6) != 0)
			ok = 0;
	buf_fini(&b);
	ASSERT(ok);
}

TEST(u64)
{
	struct buf b;

	buf_init(&b);
	json_u64(&b, 0);
	ASSERT_MEMEQ(b.p, b.len, "0");
	buf_reset(&b);
	json_u64(&b, 7);
	ASSERT_MEMEQ(b.p, b.len, "7");
	buf_reset(&b);
	json_u64(&b, 1222763);
	ASSERT_MEMEQ(b.p, b.len, "1222763");
	buf_reset(&b);
	json_u64(&b, 10000000000000000000ull);
	ASSERT_MEMEQ(b.p, b.len, "10000000000000000000");
	buf_reset(&b);
	json_u64(&b, UINT64_MAX);
	ASSERT_MEMEQ(b.p, b.len, "18446744073709551615");
	buf_reset(&b);
	buf_puts_lit(&b, "[");
	json_u64(&b, 1300);
	buf_putc(&b, ',');
	json_u64(&b, 0);
	buf_putc(&b, ']');
	ASSERT_MEMEQ(b.p, b.len, "[1300,0]");
	buf_fini(&b);
}

TEST(utf8_valid_and_fix)
{
	static const char ok[] = "ascii caf\xc3\xa9 \xe2\x82\xac and more ascii";
	static const char bad[] = "ab\xff" "c\xe2\x82" "d\xed\xa0\x80";
	char out[64];
	size_t n;

	ASSERT_EQ(json_utf8_valid(ok, sizeof(ok) - 1), sizeof(ok) - 1);
	ASSERT_EQ(json_utf8_valid(bad, sizeof(bad) - 1), 2);
	n = json_utf8_fix(bad, sizeof(bad) - 1, out, sizeof(out));
	ASSERT_MEMEQ(out, n, "ab\xef\xbf\xbd" "c\xef\xbf\xbd\xef\xbf\xbd"
	    "d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* Cut at a character when the room ends. */
	ASSERT_EQ(json_utf8_fix(bad, sizeof(bad) - 1, out, 4), 2);
	ASSERT_EQ(json_utf8_fix(ok, sizeof(ok) - 1, out, 11), 11);
	ASSERT_EQ(json_utf8_fix(ok, sizeof(ok) - 1, out, 10), 9);
}

/* The reference (tests/go_ref.h), quoted as json_str quotes. */
static void
ref_escape(struct buf *b, const unsigned char *s, size_t len)
{
	buf_putc(b, '"');
	ref_escape_body(b, s, len);
	buf_putc(b, '"');
}

/* Random text biased towards the interesting bytes and sequences. */
static size_t
gen(unsigned char *p, size_t max)
{
	static const char *const frags[] = {
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xe2\x80\xa8",
		"\xe2\x80\xa9", "\xed\xa0\x80", "\xc0\xaf", "\xe0\x80\xaf",
		"\xf4\x90\x80\x80", "\xe2\x82", "\xf0\x9f", "\xc3",
		"\"", "\\", "<", ">", "&", "\n", "\r", "\t", "\x7f", "\x1d",
	};
	size_t n = rng() % (max + 1), i = 0, fl;
	const char *f;

	while (i < n) {
		uint32_t r = rng() % 100;

		if (r < 60) {
			p[i++] = (unsigned char)('a' + rng() % 26);
		} else if (r < 70) {
			p[i++] = (unsigned char)(rng() % 256);
		} else {
			f = frags[rng() % (sizeof(frags) / sizeof(frags[0]))];
			fl = strlen(f);
			if (i + fl > n)
				break;
			memcpy(p + i, f, fl);
			i += fl;
		}
	}
	return i;
}

TEST(matches_reference_on_random_text)
{
	unsigned char in[200];
	struct buf got, want;
	size_t n, pre, iter, bad = 0;
	char badin[700] = "";

	buf_init(&got);
	buf_init(&want);
	for (iter = 0; iter < 30000; iter++) {
		n = gen(in, iter % 3 == 0 ? 40 : sizeof(in));
		/* Vary what is already in the buffer: alignment, capacity. */
		pre = rng() % 300;
		buf_reset(&got);
		buf_reset(&want);
		while (got.len < pre) {
			buf_putc(&got, 'x');
			buf_putc(&want, 'x');
		}
		json_str(&got, (const char *)in, n);
		ref_escape(&want, in, n);
		if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0) {
			size_t k, w = 0;

			if (bad++ == 0)
				for (k = 0; k < n && w + 5 < sizeof(badin); k++)
					w += (size_t)snprintf(badin + w,
					    sizeof(badin) - w, "%02x ", in[k]);
		}
	}
	buf_fini(&got);
	buf_fini(&want);
	if (bad != 0)
		FAIL_("%zu mismatches; first input: %s", bad, badin);
}

TEST(fresh_buffer_every_length)
{
	unsigned char in[80];
	struct buf got, want;
	size_t n, iter;
	int bad = 0;

	/* A new buffer each time: the reservation itself is exercised. */
	for (iter = 0; iter < 3000; iter++) {
		n = gen(in, sizeof(in));
		buf_init(&got);
		buf_init(&want);
		json_str(&got, (const char *)in, n);
		ref_escape(&want, in, n);
		if (got.len != want.len || memcmp(got.p, want.p, got.len) != 0)
			bad++;
		buf_fini(&got);
		buf_fini(&want);
	}
	ASSERT_EQ(bad, 0);
}

TEST(every_special_at_every_offset)
{
	static const char *const sp[] = {
		"\"", "\\", "<", "\n", "\x01", "\x80", "\xc3\xa9", "\xe2\x80\xa8",
		"\xe2\x82", "\xf0\x9f\x98\x80",
	};
	/* Past two blocks of the widest kernel, so every block edge is hit. */
	unsigned char in[140];
	struct buf got, want;
	size_t k, off, sl;
	int bad = 0;

	buf_init(&got);
	buf_init(&want);
	for (k = 0; k < sizeof(sp) / sizeof(sp[0]); k++) {
		sl = strlen(sp[k]);
		for (off = 0; off + sl <= sizeof(in); off++) {
			memset(in, 'a', sizeof(in));
			memcpy(in + off, sp[k], sl);
			buf_reset(&got);
			buf_reset(&want);
			json_str(&got, (const char *)in, sizeof(in));
			ref_escape(&want, in, sizeof(in));
			if (got.len != want.len ||
			    memcmp(got.p, want.p, got.len) != 0)
				bad++;
		}
	}
	buf_fini(&got);
	buf_fini(&want);
	ASSERT_EQ(bad, 0);
}

/*
 * How the scan of s[0, n) differs from ref_scan's: 1 if it noted another
 * count (the first JSON_SCAN_MAX and overflow past them), else the
 * positions that differ.
 */
static int
scan_bad(const struct json_scan *sc, const unsigned char *s, size_t n)
{
	uint32_t want[JSON_SCAN_MAX + 8];
	size_t wn = ref_scan(s, n, want, JSON_SCAN_MAX + 8), k;
	int bad = 0;

	if (wn > JSON_SCAN_MAX) {
		if (!sc->overflow || sc->n != JSON_SCAN_MAX)
			bad++;
		wn = JSON_SCAN_MAX;
	} else if (sc->overflow || sc->n != wn) {
		return 1;
	}
	for (k = 0; k < wn; k++)
		if (sc->pos[k] != want[k])
			bad++;
	return bad;
}

TEST(scan_finds_tagged_fields)
{
	static const char *const frags[] = {
		"uid=", "auid=", " fsuid=", "d=", "id=", "uid", "=", "\"", "\xc3\xa9",
		"\x01", "<", " ",
	};
	unsigned char in[300];
	struct json_scan sc = { .tag = { 'u', 'i', 'd' } };
	struct buf got, esc;
	size_t n, iter;
	int bad = 0, badesc = 0;

	buf_init(&got);
	buf_init(&esc);
	for (iter = 0; iter < 20000; iter++) {
		n = 0;
		while (n < (iter % 7 == 0 ? 299 : 60)) {
			const char *f = frags[rng() % (sizeof(frags) / sizeof(frags[0]))];
			size_t fl = strlen(f);

			if (rng() % 3 == 0) {
				in[n++] = (unsigned char)('a' + rng() % 26);
				continue;
			}
			if (n + fl > sizeof(in) - 1)
				break;
			memcpy(in + n, f, fl);
			n += fl;
		}
		buf_reset(&got);
		buf_reset(&esc);
		json_esc(&got, (const char *)in, n, &sc);
		/* The escaped text is json_str's without the quotes. */
		json_str(&esc, (const char *)in, n);
		if (got.len + 2 != esc.len || memcmp(got.p, esc.p + 1, got.len) != 0)
			badesc++;
		bad += scan_bad(&sc, in, n);
	}
	buf_fini(&esc);
	ASSERT_EQ(badesc, 0);
	ASSERT_EQ(bad, 0);
	/* More than JSON_SCAN_MAX: the first ones kept, overflow set. */
	for (n = 0; n + 4 <= sizeof(in); n += 4)
		memcpy(in + n, "uid=", 4);
	json_esc(&got, (const char *)in, n, &sc);
	ASSERT(sc.overflow);
	ASSERT_EQ(sc.n, JSON_SCAN_MAX);
	ASSERT_EQ(sc.pos[0], 3);
	ASSERT_EQ(sc.pos[JSON_SCAN_MAX - 1], 4 * JSON_SCAN_MAX - 1);
	/* Without a scan, nothing is noted and nothing breaks. */
	buf_reset(&got);
	json_esc(&got, "uid=1 auid=2", 12, NULL);
	ASSERT_EQ(got.len, 12);
	buf_fini(&got);
}

/*
 * json_esc_padded reads past the end: what lies there (here random bytes,
 * specials among them) must not show in the output or the scan.
 */
TEST(padded_ignores_what_follows)
{
	static const char *const frags[] = {
		"uid=", "auid=", " fsuid=", "d=", "\"", "\\", "\xc3\xa9", "\x01",
		"&", " ", "=\"",
	};
	unsigned char in[300 + JSON_PAD];
	struct json_scan sc = { .tag = { 'u', 'i', 'd' } };
	struct buf got, ref;
	size_t n, k, iter, fl;
	int bad = 0;

	buf_init(&got);
	buf_init(&ref);
	for (iter = 0; iter < 20000; iter++) {
		if (iter % 2 == 0) {
			n = gen(in, 300);
		} else {
			size_t max = rng() % 300;

			for (n = 0; n < max; n += fl) {
				const char *f = frags[rng() % (sizeof(frags) /
				    sizeof(frags[0]))];

				fl = strlen(f);
				if (n + fl > max)
					break;
				memcpy(in + n, f, fl);
			}
		}
		for (k = n; k < n + JSON_PAD; k++)
			in[k] = (unsigned char)rng();
		buf_reset(&got);
		buf_reset(&ref);
		buf_putc(&got, '"');
		json_esc_padded(&got, (const char *)in, n,
		    iter % 3 == 0 ? NULL : &sc);
		buf_putc(&got, '"');
		ref_escape(&ref, in, n);
		if (got.len != ref.len || memcmp(got.p, ref.p, got.len) != 0) {
			bad++;
			continue;
		}
		if (iter % 3 == 0)
			continue;
		bad += scan_bad(&sc, in, n);
	}
	buf_fini(&got);
	buf_fini(&ref);
	ASSERT_EQ(bad, 0);
}

/*
 * One NAME= at every offset of every length, through json_esc (whose last
 * bytes come from a copy that must carry the bytes before them) and
 * json_esc_padded: the block edges, the first three bytes, the tail.
 */
TEST(scan_every_offset_every_length)
{
	unsigned char in[200 + JSON_PAD];
	struct json_scan sc = { .tag = { 'u', 'i', 'd' } };
	struct buf got;
	size_t n, off, pass;
	int bad = 0;

	buf_init(&got);
	for (n = 3; n <= 200; n++) {
		for (off = 0; off + 4 <= n + 1; off++) {
			for (pass = 0; pass < 2; pass++) {
				memset(in, 'u', sizeof(in));
				memcpy(in + off, "uid=", off + 4 <= n ? 4 : 3);
				buf_reset(&got);
				if (pass == 0)
					json_esc(&got, (const char *)in, n, &sc);
				else
					json_esc_padded(&got, (const char *)in,
					    n, &sc);
				if (got.len != n || memcmp(got.p, in, n) != 0)
					bad++;
				else if (off + 4 <= n ? sc.n != 1 ||
				    sc.pos[0] != off + 3 : sc.n != 0)
					bad++;
			}
		}
	}
	buf_fini(&got);
	ASSERT_EQ(bad, 0);
}

/* The random and per-offset checks again with each narrower kernel. */
TEST(every_kernel_width)
{
	static const unsigned widths[] = { 16, 0 };
	size_t i;

	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		json_simd_width(widths[i]);
		test_matches_reference_on_random_text(failed_);
		test_every_special_at_every_offset(failed_);
		test_scan_finds_tagged_fields(failed_);
		test_padded_ignores_what_follows(failed_);
		test_scan_every_offset_every_length(failed_);
		if (*failed_) {
			fprintf(stderr, "  (chunk width %u)\n", widths[i]);
			break;
		}
	}
	json_simd_width(64);
}

TEST_MAIN(T(utf8_valid_and_fix), T(plain_ascii), T(quote_and_backslash), T(html_safe),
    T(newline_cr_tab), T(other_control_chars), T(del_not_escaped),
    T(valid_utf8_copied), T(line_and_paragraph_separators),
    T(invalid_bytes_one_replacement_each), T(overlongs),
    T(surrogates_and_above_max), T(truncated_sequences),
    T(length_is_respected), T(appends_to_buffer), T(long_string_grows),
    T(u64), T(matches_reference_on_random_text),
    T(fresh_buffer_every_length), T(every_special_at_every_offset),
    T(scan_finds_tagged_fields), T(padded_ignores_what_follows),
    T(scan_every_offset_every_length),
    T(every_kernel_width))
