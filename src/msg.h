/*
 * msg.h: an encoded event as the outputs see it.
 *
 * Ownership: a struct msg is immutable once published and refcounted.
 * The pipeline creates it with one reference, takes one more for every
 * output queue it is pushed to, then drops its own. queue_push takes the
 * caller's reference; a worker unrefs after the output has written or
 * dropped it. Safe to ref/unref from any thread.
 */
#ifndef PAUDITD_MSG_H
#define PAUDITD_MSG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct msg_slab;

struct msg {
	atomic_uint	 refs;
	uint64_t	 serial;	/* audit serial of the event */
	uint64_t	 t_in_ns;	/* monotonic time the event completed */
	char		*line;		/* JSON text ending in '\n' (owned) */
	size_t		 len;		/* bytes of line, '\n' included */
	bool		 line_apart;	/* line is its own allocation */
	struct msg_slab	*slab;		/* carved from it (msg.c), or NULL */
	char		 key[];		/* rule key, NUL-terminated ("" if none) */
};

/*
 * Create a message that takes ownership of `line` (malloc'd, `len` bytes,
 * ending in '\n'). `key` is copied. Returns a message with one reference.
 */
struct msg *msg_new_take(char *line, size_t len, const char *key,
    size_t key_len, uint64_t serial);
/*
 * Create a message with room for a line of `len` bytes (ending in '\n'),
 * which the caller writes into m->line before it publishes the message
 * (the pipeline encodes straight into it), and a copy of `key`, in one
 * allocation with the message. Returns a message with one reference. It
 * allocates from a pool that only one thread (the pipeline's) may
 * allocate from; any thread may unref.
 */
struct msg *msg_alloc(size_t len, const char *key, size_t key_len,
    uint64_t serial);

static inline struct msg *
msg_ref(struct msg *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void msg_unref(struct msg *m);
/* Free the idle slabs of the message pool beyond its bound (allocator). */
void msg_pool_trim(void);
/* Free the idle slabs of the message pool (at exit, by the allocator,
 * once every message is gone). */
void msg_pool_drain(void);

#endif
