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
	char		*key;		/* rule key, NUL-terminated ("" if none),
					   in the message's allocation */
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

/*
 * The tail: one line at a time may be written where its message will
 * live, while its event is still being assembled, so that it is not
 * copied when the event completes (the pipeline's thread only, like
 * msg_alloc). msg_tail_open lends the rest of a slab: `head` bytes for
 * the start of the line, then *ret_room bytes from the returned body.
 * Returns NULL if the tail is lent already. msg_tail_move lends a fresh
 * region with `need` bytes of room after the `used` bytes of the body,
 * copied there; NULL if no slab holds that much: the loan ends, and the
 * body stays readable until the next msg_alloc or msg_tail_* call.
 * msg_tail_commit makes the line [line, line + len), which must lie in
 * the region and leave key_len + 1 bytes of room after it, a message
 * with one reference; msg_tail_close gives the region back unused. Both
 * end the loan.
 */
char *msg_tail_open(size_t head, size_t *ret_room);
char *msg_tail_move(size_t head, size_t used, size_t need, size_t *ret_room);
struct msg *msg_tail_commit(char *line, size_t len, const char *key,
    size_t key_len, uint64_t serial);
void msg_tail_close(void);

static inline struct msg *
msg_ref(struct msg *m)
{
	atomic_fetch_add_explicit(&m->refs, 1, memory_order_relaxed);
	return m;
}

void msg_unref(struct msg *m);
/*
 * Give back the memory of the idle slabs of the message pool beyond its
 * bound (allocator).
 */
void msg_pool_trim(void);
/*
 * Free the message pool (at exit, by the allocator, once every message is
 * gone). Returns the number of slabs that still held messages: 0 unless
 * one was never unref'd (freed anyway).
 */
size_t msg_pool_drain(void);

#endif
