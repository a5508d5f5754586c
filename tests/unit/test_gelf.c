/*
 * test_gelf.c: GELF 1.1 message building, compression and UDP chunk
 * framing (out_gelf.h).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "../../src/buf.h"
#include "../../src/output/out_gelf.h"
#include "../../src/output/out_net.h"

/* Inflate gzip or zlib (auto-detected) into out; returns 0 on success. */
static int
inflate_all(const void *p, size_t n, struct buf *out)
{
	z_stream zs = { 0 };
	int r;

	if (inflateInit2(&zs, 15 + 32) != Z_OK)
		return -1;
	zs.next_in = (Bytef *)(uintptr_t)p;
	zs.avail_in = (uInt)n;
	do {
		zs.next_out = (Bytef *)buf_reserve(out, 4096);
		zs.avail_out = 4096;
		r = inflate(&zs, Z_NO_FLUSH);
		out->len += 4096 - zs.avail_out;
	} while (r == Z_OK);
	inflateEnd(&zs);
	return r == Z_STREAM_END && zs.avail_in == 0 ? 0 : -1;
}

TEST(message_format)
{
	struct buf b;

	buf_init(&b);
	out_gelf_message(&b, "host-1", "pauditd",
	    " {\"sequence\":1,\"x\":\"a<b\"}\n", 27, 1459376866885000000ull);
	ASSERT_MEMEQ(b.p, b.len, "{\"version\":\"1.1\",\"host\":\"host-1\","
	    "\"short_message\":\"{\\\"sequence\\\":1,\\\"x\\\":\\\"a\\u003cb\\\"}\","
	    "\"timestamp\":1459376866.885,\"level\":6,"
	    "\"facility\":\"pauditd\"}");
	buf_reset(&b);
	out_gelf_message(&b, "h", "", "x", 1, 1000000000ull);
	ASSERT_MEMEQ(b.p, b.len, "{\"version\":\"1.1\",\"host\":\"h\","
	    "\"short_message\":\"x\",\"timestamp\":1,\"level\":6}");
	buf_reset(&b);
	out_gelf_message(&b, "h", "a\"b", "x", 1, 1000000001234ull);
	ASSERT_MEMEQ(b.p, b.len, "{\"version\":\"1.1\",\"host\":\"h\","
	    "\"short_message\":\"x\",\"timestamp\":1000.000001,\"level\":6,"
	    "\"facility\":\"a\\\"b\"}");
	buf_fini(&b);
}

TEST(compress_roundtrip)
{
	static const char text[] = "{\"short_message\":\"aaaaaaaaaaaaaaaaaaaaaaaaaa\"}";
	struct buf z, plain;
	int t;

	buf_init(&z);
	buf_init(&plain);
	for (t = GELF_COMPRESS_GZIP; t <= GELF_COMPRESS_ZLIB; t++) {
		buf_reset(&z);
		buf_reset(&plain);
		ASSERT_EQ(out_gelf_compress(&z, text, sizeof(text) - 1, t, 1), 0);
		if (t == GELF_COMPRESS_GZIP)
			ASSERT((uint8_t)z.p[0] == 0x1f && (uint8_t)z.p[1] == 0x8b);
		else
			ASSERT((uint8_t)z.p[0] == 0x78);
		ASSERT_EQ(inflate_all(z.p, z.len, &plain), 0);
		ASSERT_MEMEQ(plain.p, plain.len, text);
	}
	buf_reset(&z);
	ASSERT_EQ(out_gelf_compress(&z, text, sizeof(text) - 1, GELF_COMPRESS_NONE, 1), 0);
	ASSERT_MEMEQ(z.p, z.len, text);
	buf_reset(&z);
	ASSERT_EQ(out_gelf_compress(&z, text, sizeof(text) - 1, GELF_COMPRESS_GZIP, -2), 0);
	buf_reset(&plain);
	ASSERT_EQ(inflate_all(z.p, z.len, &plain), 0);
	ASSERT_MEMEQ(plain.p, plain.len, text);
	buf_fini(&z);
	buf_fini(&plain);
}

TEST(chunk_count)
{
	ASSERT_EQ(out_gelf_chunks(0), 1);
	ASSERT_EQ(out_gelf_chunks(GELF_CHUNK_SIZE), 1);
	ASSERT_EQ(out_gelf_chunks(GELF_CHUNK_SIZE + 1), 2);
	ASSERT_EQ(out_gelf_chunks(2 * GELF_CHUNK_DATA), 2);
	ASSERT_EQ(out_gelf_chunks(2 * GELF_CHUNK_DATA + 1), 3);
	ASSERT_EQ(out_gelf_chunks(128 * GELF_CHUNK_DATA), 128);
	ASSERT_EQ(out_gelf_chunks(128 * GELF_CHUNK_DATA + 1), 129);
}

TEST(chunk_framing_reassembles)
{
	static const uint8_t id[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	size_t n = 3 * GELF_CHUNK_DATA + 100, count, i, len;
	uint8_t *payload = malloc(n), chunk[GELF_CHUNK_SIZE];
	struct buf re;

	ASSERT(payload != NULL);
	for (i = 0; i < n; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	buf_init(&re);
	count = out_gelf_chunks(n);
	ASSERT_EQ(count, 4);
	for (i = 0; i < count; i++) {
		len = out_gelf_chunk(chunk, id, payload, n, i, count);
		ASSERT(len <= GELF_CHUNK_SIZE);
		ASSERT_EQ(len, i < 3 ? GELF_CHUNK_SIZE : GELF_CHUNK_HEADER + 100);
		ASSERT_EQ(chunk[0], 0x1e);
		ASSERT_EQ(chunk[1], 0x0f);
		ASSERT(memcmp(chunk + 2, id, 8) == 0);
		ASSERT_EQ(chunk[10], i);
		ASSERT_EQ(chunk[11], count);
		buf_append(&re, chunk + GELF_CHUNK_HEADER, len - GELF_CHUNK_HEADER);
	}
	ASSERT_EQ(re.len, n);
	ASSERT(memcmp(re.p, payload, n) == 0);
	buf_fini(&re);
	free(payload);
}

/* The address forms output.gelf.address and output.syslog.address take. */
TEST(address_split)
{
	char host[64], port[16];

	ASSERT_EQ(out_net_split("localhost:12201", host, sizeof(host), port,
	    sizeof(port)), 0);
	ASSERT_STREQ(host, "localhost");
	ASSERT_STREQ(port, "12201");
	ASSERT_EQ(out_net_split("[::1]:514", host, sizeof(host), port,
	    sizeof(port)), 0);
	ASSERT_STREQ(host, "::1");
	ASSERT_STREQ(port, "514");
	ASSERT_EQ(out_net_split(":514", host, sizeof(host), port, sizeof(port)), 0);
	ASSERT_STREQ(host, "");
	ASSERT_EQ(out_net_split("nohost", host, sizeof(host), port, sizeof(port)),
	    -EINVAL);
	ASSERT_EQ(out_net_split("host:", host, sizeof(host), port, sizeof(port)),
	    -EINVAL);
	ASSERT_EQ(out_net_split("::1:514", host, sizeof(host), port, sizeof(port)),
	    -EINVAL);
	ASSERT_EQ(out_net_split("a-very-long-host-name:1", host, 8, port,
	    sizeof(port)), -EINVAL);
	ASSERT(out_net_known("unixgram") && out_net_known("tcp6"));
	ASSERT(!out_net_known("sctp"));
	ASSERT(out_net_is_stream("unix") && !out_net_is_stream("udp"));
}

TEST_MAIN(T(message_format), T(compress_roundtrip), T(chunk_count),
    T(chunk_framing_reassembles), T(address_split))
