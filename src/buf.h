/*
 * buf.h: a growable byte buffer.
 *
 * A struct buf owns its bytes. It is embedded in other structs
 * (buf_init/buf_fini) and reused between events: buf_reset keeps the
 * allocation. Allocation failure is fatal (OOM policy: see DESIGN.md).
 */
#ifndef PAUDITD_BUF_H
#define PAUDITD_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

void buf_init(struct buf *b);
void buf_fini(struct buf *b);
/* Make room for `n` more bytes; returns a pointer to the free tail. */
char *buf_reserve(struct buf *b, size_t n);
/* Take the bytes out: the caller owns the returned pointer (free()). */
char *buf_steal(struct buf *b, size_t *ret_len);
void buf_grow(struct buf *b, size_t need);

static inline void
buf_reset(struct buf *b)
{
	b->len = 0;
}

static inline void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (b->cap - b->len < n)
		buf_grow(b, n);
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static inline void
buf_putc(struct buf *b, char c)
{
	if (b->cap == b->len)
		buf_grow(b, 1);
	b->p[b->len++] = c;
}

#define buf_puts_lit(b, s)	buf_append((b), (s), sizeof(s) - 1)

#endif
