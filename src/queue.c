/*
 * queue.c: bounded ring of message pointers, one mutex and two condition
 * variables. The producer signals only when the queue goes from empty to
 * non-empty, and consumers pop in batches, so the lock is taken about
 * once per batch rather than once per event on a busy path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "msg.h"
#include "queue.h"

struct queue {
	pthread_mutex_t	 lock;
	pthread_cond_t	 nonempty;
	pthread_cond_t	 drained;
	pthread_cond_t	 notfull;	/* for queue_push_batch_wait */
	struct msg	**ring;
	size_t		 cap;
	size_t		 head;		/* next to pop */
	size_t		 len;
	unsigned	 busy;		/* consumers holding a popped batch */
	bool		 closed;
	unsigned	 waiters;
	unsigned	 push_waiters;
};

struct queue *
queue_new(size_t capacity)
{
	struct queue *q;
	pthread_condattr_t ca;

	if (capacity == 0)
		capacity = 1;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	/*
	 * Not zeroed: a slot is always written before it is read. calloc
	 * wrote the whole ring (512 KiB for a 65536 queue) at start-up,
	 * faulting in pages that an idle or small run never uses.
	 */
	q->ring = reallocarray(NULL, capacity, sizeof(*q->ring));
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	q->cap = capacity;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->nonempty, &ca);
	pthread_cond_init(&q->drained, &ca);
	pthread_cond_init(&q->notfull, &ca);
	pthread_condattr_destroy(&ca);
	return q;
}

/*
 * The ring's next index. The capacity is the configured buffer_size,
 * not a power of two: a compare instead of a division per message.
 */
static inline size_t
ring_next(const struct queue *q, size_t i)
{
	return i + 1 == q->cap ? 0 : i + 1;
}

struct queue *
queue_free(struct queue *q)
{
	if (q == NULL)
		return NULL;
	while (q->len > 0) {
		msg_unref(q->ring[q->head]);
		q->head = ring_next(q, q->head);
		q->len--;
	}
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	pthread_cond_destroy(&q->drained);
	pthread_cond_destroy(&q->notfull);
	free(q->ring);
	free(q);
	return NULL;
}

/* Under the lock: v[i, n) into the ring while it has room. */
static size_t
fill(struct queue *q, struct msg *const *v, size_t i, size_t n)
{
	size_t at = q->head + q->len;

	if (at >= q->cap)
		at -= q->cap;
	for (; i < n && q->len < q->cap; i++) {
		q->ring[at] = v[i];
		at = ring_next(q, at);
		q->len++;
	}
	return i;
}

size_t
queue_push_batch_lazy(struct queue *q, struct msg *const *v, size_t n,
    size_t wake_at, bool *ret_woke)
{
	size_t i = 0;
	bool wake;

	pthread_mutex_lock(&q->lock);
	if (!q->closed)
		i = fill(q, v, 0, n);
	wake = q->waiters > 0 && q->len > 0 && q->len >= wake_at;
	*ret_woke = wake || q->waiters == 0;
	pthread_mutex_unlock(&q->lock);
	if (wake)
		pthread_cond_signal(&q->nonempty);
	return i;
}

size_t
queue_push_batch(struct queue *q, struct msg *const *v, size_t n)
{
	bool woke;

	return queue_push_batch_lazy(q, v, n, 1, &woke);
}

/* A push of nothing that wakes for whatever the queue holds. */
void
queue_wake(struct queue *q)
{
	bool woke;

	queue_push_batch_lazy(q, NULL, 0, 1, &woke);
}

int
queue_push(struct queue *q, struct msg *m)
{
	return queue_push_batch(q, &m, 1) == 1 ? 0 : -ENOSPC;
}

size_t
queue_push_batch_wait(struct queue *q, struct msg *const *v, size_t n,
    int timeout_ms)
{
	struct timespec dl;
	size_t i = 0;
	int r = 0;

	mono_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (!q->closed) {
		i = fill(q, v, i, n);
		if (i == n || r == ETIMEDOUT)
			break;
		/* Full: the consumers must be awake to make room. */
		if (q->waiters > 0)
			pthread_cond_signal(&q->nonempty);
		q->push_waiters++;
		r = pthread_cond_timedwait(&q->notfull, &q->lock, &dl);
		q->push_waiters--;
	}
	if (q->waiters > 0 && i > 0)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	return i;
}

size_t
queue_pop_batch(struct queue *q, struct msg **v, size_t max, int timeout_ms)
{
	struct timespec dl;
	size_t n = 0;

	if (timeout_ms >= 0)
		mono_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (q->len == 0 && !q->closed) {
		int r;

		q->waiters++;
		if (timeout_ms < 0)
			r = pthread_cond_wait(&q->nonempty, &q->lock);
		else
			r = pthread_cond_timedwait(&q->nonempty, &q->lock, &dl);
		q->waiters--;
		if (r == ETIMEDOUT)
			break;
	}
	while (n < max && q->len > 0) {
		v[n++] = q->ring[q->head];
		q->head = ring_next(q, q->head);
		q->len--;
	}
	if (n > 0)
		q->busy++;
	if (n > 0 && q->push_waiters > 0)
		pthread_cond_signal(&q->notfull);
	/* Pass a wake-up on when more is left for another worker. */
	if (q->len > 0 && q->waiters > 0)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
queue_batch_done(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	if (q->busy > 0)
		q->busy--;
	if (q->len == 0 && q->busy == 0)
		pthread_cond_broadcast(&q->drained);
	pthread_mutex_unlock(&q->lock);
}

bool
queue_wait_empty(struct queue *q, int timeout_ms)
{
	struct timespec dl;
	bool empty;

	mono_deadline(&dl, timeout_ms);
	pthread_mutex_lock(&q->lock);
	while (q->len > 0 || q->busy > 0) {
		if (pthread_cond_timedwait(&q->drained, &q->lock, &dl) == ETIMEDOUT)
			break;
	}
	empty = q->len == 0 && q->busy == 0;
	pthread_mutex_unlock(&q->lock);
	return empty;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_cond_broadcast(&q->notfull);
	pthread_mutex_unlock(&q->lock);
}

bool
queue_closed_and_empty(struct queue *q)
{
	bool r;

	pthread_mutex_lock(&q->lock);
	r = q->closed && q->len == 0;
	pthread_mutex_unlock(&q->lock);
	return r;
}

size_t
queue_depth(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->len;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t
queue_sleepers(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->waiters;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t
queue_capacity(const struct queue *q)
{
	return q->cap;
}
