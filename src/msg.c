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
 * problem). Idle slabs beyond MSG_SLAB_IDLE_MAX are freed by
 * msg_pool_trim; messages too large for a slab are malloc'd.
 */
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "msg.h"

#define MSG_SLAB_SIZE		(64 * 1024)
#define MSG_SLAB_MSG_MAX	(MSG_SLAB_SIZE / 4)	/* larger: malloc */
#define MSG_SLAB_IDLE_MAX	128			/* 8 MiB idle */
#define MSG_ALIGN		64

struct msg_slab {
	/* Written by the workers: a cache line of its own. */
	alignas(MSG_ALIGN) atomic_long live;
	struct msg_slab	*next;		/* in the returned stack or idle list */
};

#define MSG_SLAB_HDR	((sizeof(struct msg_slab) + MSG_ALIGN - 1) & \
			    ~(size_t)(MSG_ALIGN - 1))

static _Atomic(struct msg_slab *) slab_returned;
/* The allocating thread's. */
static struct msg_slab *slab_idle;	/* private list of empty slabs */
static struct msg_slab *slab_cur;	/* being carved */
static size_t slab_off;			/* next free byte in slab_cur */
static long slab_carved;		/* messages carved from slab_cur */

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
	m->slab = NULL;
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
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

static struct msg_slab *
slab_get(void)
{
	struct msg_slab *s;

	if (slab_idle == NULL)
		slab_idle = atomic_exchange_explicit(&slab_returned, NULL,
		    memory_order_acquire);
	if ((s = slab_idle) != NULL) {
		slab_idle = s->next;
	} else {
		if ((s = aligned_alloc(MSG_ALIGN, MSG_SLAB_SIZE)) == NULL)
			fatal("message slab");
	}
	atomic_init(&s->live, 0);
	s->next = NULL;
	return s;
}

/* Count what was carved from the current slab; recycle it if all gone. */
static void
slab_retire(void)
{
	struct msg_slab *s = slab_cur;

	if (s == NULL)
		return;
	slab_cur = NULL;
	if (atomic_fetch_add_explicit(&s->live, slab_carved,
	    memory_order_acq_rel) + slab_carved == 0)
		slab_push(s);
}

struct msg *
msg_alloc(size_t len, const char *key, size_t key_len, uint64_t serial)
{
	size_t size = sizeof(struct msg) + key_len + 1 + len;
	struct msg *m;

	if (size > MSG_SLAB_MSG_MAX) {
		if ((m = malloc(size)) == NULL)
			fatal("message");
		m->slab = NULL;
	} else {
		size = (size + MSG_ALIGN - 1) & ~(size_t)(MSG_ALIGN - 1);
		if (slab_cur == NULL || slab_off + size > MSG_SLAB_SIZE) {
			slab_retire();
			slab_cur = slab_get();
			slab_off = MSG_SLAB_HDR;
			slab_carved = 0;
		}
		m = (struct msg *)(void *)((char *)slab_cur + slab_off);
		slab_off += size;
		slab_carved++;
		m->slab = slab_cur;
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

void
msg_pool_trim(void)
{
	struct msg_slab *s = slab_idle, *next;
	size_t n = 0;

	for (; s != NULL && ++n < MSG_SLAB_IDLE_MAX; s = s->next)
		;
	if (s == NULL)
		return;
	next = s->next;
	s->next = NULL;
	for (s = next; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
}

void
msg_pool_drain(void)
{
	struct msg_slab *s, *next;

	slab_retire();
	s = atomic_exchange_explicit(&slab_returned, NULL, memory_order_acquire);
	for (; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	for (s = slab_idle; s != NULL; s = next) {
		next = s->next;
		free(s);
	}
	slab_idle = NULL;
}
