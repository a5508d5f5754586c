/*
 * msg.c: refcounted, immutable encoded events shared by output queues.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"

struct msg *
msg_new_take(char *line, size_t len, const char *key, size_t key_len,
    uint64_t serial)
{
	struct msg *m;

	m = malloc(sizeof(*m) + key_len + 1);
	if (m == NULL)
		fatal("message");
	atomic_init(&m->refs, 1);
	m->serial = serial;
	m->t_in_ns = 0;
	m->line = line;
	m->len = len;
	m->line_apart = true;
	m->pooled = false;
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
	return m;
}

/*
 * A pool of fixed-size blocks for the messages that fit in one (most
 * events): the pipeline allocates on the main thread and the workers
 * free, which glibc serves slowly (a cross-thread free takes the other
 * arena's lock), and which a lock of our own would make a cache line
 * bouncing between the two for every message.
 *
 * DESIGN: freed blocks are pushed on a lock-free stack (one CAS each);
 * the allocating thread keeps a private list and, when it runs dry,
 * takes the whole stack with one exchange. Push-only plus take-all has
 * no ABA problem. Bounded: the stack holds only blocks that were in
 * flight, which the output queues bound, and msg_pool_trim (once a
 * second) frees the private list's blocks beyond MSG_POOL_MAX.
 */
#define MSG_POOL_BLOCK	4096
#define MSG_POOL_MAX	2048

struct pool_block {
	struct pool_block *next;
};

static _Atomic(struct pool_block *) pool_returned;
static struct pool_block *pool_mine;	/* the allocating thread's */

static void *
pool_get(void)
{
	struct pool_block *b;

	/* Take the stack whole: no walk, the blocks are cold. */
	if (pool_mine == NULL)
		pool_mine = atomic_exchange_explicit(&pool_returned, NULL,
		    memory_order_acquire);
	if ((b = pool_mine) != NULL) {
		pool_mine = b->next;
		/*
		 * The next block's first line was last written by a worker,
		 * on another core: fetch it now, while this event is encoded,
		 * instead of stalling on it at the next allocation.
		 */
		if (pool_mine != NULL)
			__builtin_prefetch(pool_mine, 1);
		return b;
	}
	if ((b = malloc(MSG_POOL_BLOCK)) == NULL)
		fatal("message");
	return b;
}

void
msg_pool_trim(void)
{
	struct pool_block *b = pool_mine, *next;
	size_t n = 0;

	for (; b != NULL && ++n < MSG_POOL_MAX; b = b->next)
		;
	if (b == NULL)
		return;
	next = b->next;
	b->next = NULL;
	for (b = next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
}

static void
pool_put(void *p)
{
	struct pool_block *b = p;

	b->next = atomic_load_explicit(&pool_returned, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&pool_returned, &b->next,
	    b, memory_order_release, memory_order_relaxed))
		;
}

void
msg_pool_drain(void)
{
	struct pool_block *b, *next;

	b = atomic_exchange_explicit(&pool_returned, NULL, memory_order_acquire);
	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	for (b = pool_mine; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	pool_mine = NULL;
}

struct msg *
msg_alloc(size_t len, const char *key, size_t key_len, uint64_t serial)
{
	size_t size = sizeof(struct msg) + key_len + 1 + len;
	struct msg *m;

	if (size <= MSG_POOL_BLOCK) {
		m = pool_get();
		m->pooled = true;
	} else {
		if ((m = malloc(size)) == NULL)
			fatal("message");
		m->pooled = false;
	}
	atomic_init(&m->refs, 1);
	m->serial = serial;
	m->t_in_ns = 0;
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
	m->line = m->key + key_len + 1;
	m->len = len;
	m->line_apart = false;
	return m;
}

struct msg *
msg_new_copy(const char *line, size_t len, const char *key, size_t key_len,
    uint64_t serial)
{
	struct msg *m = msg_alloc(len, key, key_len, serial);

	memcpy(m->line, line, len);
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m == NULL)
		return;
	/*
	 * Holding the only reference, nobody else can take one: free without
	 * an atomic write (most messages go to one output).
	 */
	if (atomic_load_explicit(&m->refs, memory_order_acquire) != 1 &&
	    atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (m->line_apart)
		free(m->line);
	if (m->pooled)
		pool_put(m);
	else
		free(m);
}
