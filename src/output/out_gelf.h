/*
 * out_gelf.h: the GELF 1.1 framing used by the gelf output (go-audit's
 * output.gelf), exposed for the unit tests.
 *
 * UDP: the message JSON, compressed (gzip, zlib or none), sent as one
 * datagram when it fits in GELF_CHUNK_SIZE bytes, else as up to
 * GELF_MAX_CHUNKS chunks: 0x1e 0x0f, an 8-byte message id, the sequence
 * number and the count, then up to GELF_CHUNK_DATA bytes of payload.
 * TCP: the uncompressed JSON followed by a NUL byte.
 */
#ifndef PAUDITD_OUT_GELF_H
#define PAUDITD_OUT_GELF_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum gelf_compression {
	GELF_COMPRESS_GZIP,	/* go-audit compression.type 0 (default) */
	GELF_COMPRESS_ZLIB,	/* 1 */
	GELF_COMPRESS_NONE,	/* 2 */
	GELF_COMPRESS_MAX
};

#define GELF_CHUNK_SIZE		1420
#define GELF_CHUNK_HEADER	12
#define GELF_CHUNK_DATA		(GELF_CHUNK_SIZE - GELF_CHUNK_HEADER)
#define GELF_MAX_CHUNKS		128

/*
 * Append the GELF 1.1 message for one event line to `out`, as go-gelf
 * writes it:
 * {"version":"1.1","host":H,"short_message":LINE,"timestamp":T,"level":6,
 *  "facility":F}
 * with LINE whitespace-trimmed, T = t_ns (Unix ns) as seconds and F the
 * program's name (go-gelf's default: the base name of argv[0]); no
 * "facility" when F is empty.
 */
void out_gelf_message(struct buf *out, const char *host, const char *facility,
    const char *line, size_t len, uint64_t t_ns);
/*
 * Compress `n` bytes at `p` into `out` (appended) at zlib/flate `level`
 * (-1 default, 0-9; -2 Huffman only). 0, or -EINVAL / -ENOMEM.
 */
int out_gelf_compress(struct buf *out, const void *p, size_t n,
    enum gelf_compression type, int level);
/* Number of chunks a payload of `n` bytes is sent in (1: no chunking). */
size_t out_gelf_chunks(size_t n);
/*
 * Write chunk `seq` of `count` of payload p/n into dst (at least
 * GELF_CHUNK_SIZE bytes); returns the chunk's length.
 */
size_t out_gelf_chunk(uint8_t *dst, const uint8_t id[8], const void *p,
    size_t n, size_t seq, size_t count);

#endif
