/*
 * msg.c: refcounted, immutable encoded events shared by output queues.
 *
 * DESIGN: the pipeline allocates a message per event on the main thread
 * and a worker frees it on another core. Messages are carved one after
 * another out of 64 KiB slabs, so that encoding writes sequential memory
 * (the prefetchers see it coming) and a slab is reused only when every
 * message in it is gone. A slab counts its live messages lazily: the
 * allocating thread carves without atomics and adds what it carved once,
 * when it moves on to the next slab ("retires" it); each free subtracts
 * one. The count starts at 0 and only frees lower it before retirement,
 * so it reaches 0 exactly once, after retirement, when the last message
 * goes, and whoever brings it there recycles the slab.
 *
 * Recycled slabs are pushed on a lock-free stack (one CAS); the
 * allocating thread takes the whole stack with one exchange into a
 * private list when that runs dry (push-only plus take-all has no ABA
 * problem). Messages too large for a slab are malloc'd.
 *
 * Slabs are cut from 2 MiB chunks of huge pages (hugemem.h): the pool
 * grows to what the queues hold (a few MiB), and its first pass took a
 * page fault per 4 KiB. A chunk stays mapped until msg_pool_drain; the
 * pages of idle slabs beyond MSG_SLAB_IDLE_MAX are given back by
 * msg_pool_trim, all but the first, which keeps the slab's header.
 *
 * Two carvers cut slabs: one for msg_alloc, one for the tail, whose
 * current region (the rest of its slab) is lent to one event at a time
 * and becomes a message, cut to its size, when the event completes.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "hugemem.h"
#include "log.h"
#include "msg.h"

#define MSG_SLAB_SIZE		(64 * 1024)
#define MSG_SLAB_MSG_MAX	(MSG_SLAB_SIZE / 4)	/* larger: malloc */
#define MSG_SLAB_IDLE_MAX	128			/* 8 MiB idle */
#define MSG_CHUNK_SLABS		(HUGEMEM_ALIGN / MSG_SLAB_SIZE)
/* What msg_pool_trim keeps of an idle slab: the page of its header. */
#define MSG_SLAB_KEEP		4096
/* A line opened with less room than this goes to a fresh slab. */
#define MSG_TAIL_MIN		(2 * 1024)
#define MSG_ALIGN		64

struct msg_slab {
	/* Written by the workers: a cache line of its own. */
	alignas(MSG_ALIGN) atomic_long live;
	struct msg_slab	*next;		/* in the returned stack or idle list */
	bool		 released;	/* its pages given back (msg_pool_trim) */
};

/* A region slabs are cut from, in a list for msg_pool_drain. */
struct msg_chunk {
	char		*base;
	struct msg_chunk *next;
};

#define MSG_SLAB_HDR	((sizeof(struct msg_slab) + MSG_ALIGN - 1) & \
			    ~(size_t)(MSG_ALIGN - 1))

static _Atomic(struct msg_slab *) slab_returned;
/* The allocating thread's. */
static struct msg_slab *slab_idle;	/* private list of empty slabs */
static bool idle_trimmed;		/* msg_pool_trim saw slab_idle since
					   it was last refilled */
static struct msg_chunk *chunks;	/* newest first */
static size_t chunk_cut;		/* slabs cut from chunks->base */
static size_t slabs_cut;		/* from every chunk */

struct carver {
	struct msg_slab	*slab;		/* being carved, or NULL */
	size_t		 off;		/* next free byte in slab */
	long		 carved;	/* messages carved from slab */
};

static struct carver car_alloc;		/* msg_alloc's */
static struct carver car_tail;		/* the tail's */
static bool tail_lent;

/* A message's own fields, rounded up: the tail keeps them before a line. */
#define MSG_HDR		((sizeof(struct msg) + MSG_ALIGN - 1) & \
			    ~(size_t)(MSG_ALIGN - 1))

/* The fields of a message, its key copied to key_at. */
static inline void
msg_init(struct msg *m, char *line, size_t len, char *key_at,
    const char *key, size_t key_len, uint64_t serial)
{
	atomic_init(&m->refs, 1);
	m->serial = serial;
	m->t_in_ns = 0;
	m->line = line;
	m->len = len;
	m->line_apart = false;
	m->key = key_at;
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
}

struct msg *
msg_new_take(char *line, size_t len, const char *key, size_t key_len,
    uint64_t serial)
{
	struct msg *m;

	m = malloc(sizeof(*m) + key_len + 1);
	if (m == NULL)
		fatal("message");
	msg_init(m, line, len, (char *)(m + 1), key, key_len, serial);
	m->line_apart = true;
	m->slab = NULL;
	return m;
}

static void
slab_push(struct msg_slab *s)
{
	s->next = atomic_load_explicit(&slab_returned, memory_order_relaxed);
	while (!atomic_compare_exchange_weak_explicit(&slab_returned, &s->next,
	    s, memory_order_release, memory_order_relaxed))
		;
}

/* A slab never used: the next of the newest chunk, or of a new one. */
static struct msg_slab *
slab_cut(void)
{
	struct msg_chunk *c;

	if (chunks == NULL || chunk_cut == MSG_CHUNK_SLABS) {
		if ((c = malloc(sizeof(*c))) == NULL ||
		    (c->base = hugemem_alloc(HUGEMEM_ALIGN)) == NULL)
			fatal("message slab");
		c->next = chunks;
		chunks = c;
		chunk_cut = 0;
	}
	slabs_cut++;
	return (struct msg_slab *)(void *)(chunks->base +
	    chunk_cut++ * MSG_SLAB_SIZE);
}

static struct msg_slab *
slab_get(void)
{
	struct msg_slab *s;

	if (slab_idle == NULL) {
		slab_idle = atomic_exchange_explicit(&slab_returned, NULL,
		    memory_order_acquire);
		idle_trimmed = false;
	}
	if ((s = slab_idle) != NULL) {
		slab_idle = s->next;
	} else {
		s = slab_cut();
	}
	atomic_init(&s->live, 0);
	s->next = NULL;
	s->released = false;
	return s;
}

/* Count what was carved from c's slab; recycle it if all gone. */
static void
slab_retire(struct carver *c)
{
	struct msg_slab *s = c->slab;

	if (s == NULL)
		return;
	c->slab = NULL;
	if (atomic_fetch_add_explicit(&s->live, c->carved,
	    memory_order_acq_rel) + c->carved == 0)
		slab_push(s);
}

static void
slab_next(struct carver *c)
{
	slab_retire(c);
	c->slab = slab_get();
	c->off = MSG_SLAB_HDR;
	c->carved = 0;
}

static inline size_t
align_up(size_t n)
{
	return (n + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1);
}

struct msg *
msg_alloc(size_t len, const char *key, size_t key_len, uint64_t serial)
{
	struct carver *c = &car_alloc;
	size_t size = sizeof(struct msg) + key_len + 1 + len;
	struct msg *m;

	if (size > MSG_SLAB_MSG_MAX) {
		if ((m = malloc(size)) == NULL)
			fatal("message");
		m->slab = NULL;
	} else {
		size = align_up(size);
		if (c->slab == NULL || c->off + size > MSG_SLAB_SIZE)
			slab_next(c);
		m = (struct msg *)(void *)((char *)c->slab + c->off);
		c->off += size;
		c->carved++;
		m->slab = c->slab;
	}
	msg_init(m, (char *)(m + 1), len, (char *)(m + 1) + len, key, key_len,
	    serial);
	return m;
}

/* Lend from c->off: the body starts after the message and `head`. */
static char *
tail_lend(size_t head, size_t *ret_room)
{
	struct carver *c = &car_tail;
	size_t body = c->off + MSG_HDR + head;

	tail_lent = true;
	*ret_room = body < MSG_SLAB_SIZE ? MSG_SLAB_SIZE - body : 0;
	return (char *)c->slab + body;
}

char *
msg_tail_open(size_t head, size_t *ret_room)
{
	struct carver *c = &car_tail;

	if (tail_lent)
		return NULL;
	if (c->slab == NULL || c->off + MSG_HDR + head + MSG_TAIL_MIN >
	    MSG_SLAB_SIZE)
		slab_next(c);
	return tail_lend(head, ret_room);
}

char *
msg_tail_move(size_t head, size_t used, size_t need, size_t *ret_room)
{
	struct carver *c = &car_tail, old = *c;
	const char *from = (const char *)old.slab + old.off + MSG_HDR + head;
	char *body;

	tail_lent = false;
	if (MSG_SLAB_HDR + MSG_HDR + head + used + need > MSG_SLAB_SIZE)
		return NULL;
	/* A fresh slab; the old one is retired once the body is out of it. */
	c->slab = NULL;
	slab_next(c);
	body = tail_lend(head, ret_room);
	memcpy(body, from, used);
	slab_retire(&old);
	return body;
}

struct msg *
msg_tail_commit(char *line, size_t len, const char *key, size_t key_len,
    uint64_t serial)
{
	struct carver *c = &car_tail;
	struct msg *m = (struct msg *)(void *)((char *)c->slab + c->off);

	tail_lent = false;
	msg_init(m, line, len, line + len, key, key_len, serial);
	m->slab = c->slab;
	c->off = align_up((size_t)(line + len + key_len + 1 - (char *)c->slab));
	c->carved++;
	return m;
}

void
msg_tail_close(void)
{
	tail_lent = false;
}

void
msg_unref(struct msg *m)
{
	struct msg_slab *s;

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
	if ((s = m->slab) == NULL) {
		free(m);
		return;
	}
	if (atomic_fetch_sub_explicit(&s->live, 1, memory_order_acq_rel) == 1)
		slab_push(s);
}

/* The slabs of a list. */
static size_t
slabs_count(const struct msg_slab *s)
{
	size_t n = 0;

	for (; s != NULL; s = s->next)
		n++;
	return n;
}

void
msg_pool_trim(void)
{
	struct msg_slab *s = slab_idle;
	size_t n = 0;

	/*
	 * The list is only taken from its head until it is empty and
	 * refilled whole: walked once per refill, not on every tick. The
	 * slabs beyond the bound are the ones used longest ago.
	 */
	if (idle_trimmed)
		return;
	idle_trimmed = true;
	for (; s != NULL && n < MSG_SLAB_IDLE_MAX; s = s->next)
		n++;
	for (; s != NULL; s = s->next) {
		if (s->released)
			continue;
		hugemem_release((char *)s + MSG_SLAB_KEEP,
		    MSG_SLAB_SIZE - MSG_SLAB_KEEP);
		s->released = true;
	}
}

size_t
msg_pool_drain(void)
{
	struct msg_chunk *c, *next;
	size_t back;

	tail_lent = false;
	slab_retire(&car_alloc);
	slab_retire(&car_tail);
	back = slabs_count(slab_idle) + slabs_count(atomic_exchange_explicit(
	    &slab_returned, NULL, memory_order_acquire));
	slab_idle = NULL;
	idle_trimmed = false;
	for (c = chunks; c != NULL; c = next) {
		next = c->next;
		hugemem_free(c->base, HUGEMEM_ALIGN);
		free(c);
	}
	chunks = NULL;
	chunk_cut = 0;
	back = slabs_cut - back;
	slabs_cut = 0;
	return back;
}
