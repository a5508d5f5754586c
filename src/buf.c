/*
 * buf.c: growable byte buffer. Growth doubles, so appends are amortised
 * O(1); buffers are reused between events, so steady state allocates none.
 */
#include <stdlib.h>

#include "buf.h"
#include "log.h"

void
buf_init(struct buf *b)
{
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_fini(struct buf *b)
{
	free(b->p);
	buf_init(b);
}

void
buf_grow(struct buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	while (cap - b->len < need)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL)
		fatal("buffer of %zu bytes", cap);
	b->p = p;
	b->cap = cap;
}

char *
buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len < n)
		buf_grow(b, n);
	return b->p + b->len;
}

char *
buf_steal(struct buf *b, size_t *ret_len)
{
	char *p = b->p;

	*ret_len = b->len;
	buf_init(b);
	return p;
}
