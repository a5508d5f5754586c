/*
 * test_queue.c: the bounded message queue (queue.h): order, the full
 * queue, close and drain, batches, timeouts, two consumer threads,
 * queue_wait_empty with queue_batch_done, and pushes that wait for room.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "harness.h"
#include "../../src/msg.h"
#include "../../src/queue.h"

static struct msg *
mk(uint64_t serial)
{
	char *line = malloc(2);

	line[0] = 'x';
	line[1] = '\n';
	return msg_new_take(line, 2, "k", 1, serial);
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Drop the references of a popped batch. */
static void
unref_all(struct msg **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		msg_unref(v[i]);
}

TEST(push_pop_order)
{
	struct queue *q = queue_new(8);
	struct msg *v[8];
	size_t n, i;
	bool order = true;

	ASSERT(q != NULL);
	ASSERT_EQ(queue_capacity(q), 8);
	for (i = 1; i <= 5; i++)
		ASSERT_EQ(queue_push(q, mk(i)), 0);
	ASSERT_EQ(queue_depth(q), 5);
	n = queue_pop_batch(q, v, 8, 0);
	for (i = 0; i < n; i++)
		if (v[i]->serial != i + 1)
			order = false;
	unref_all(v, n);
	queue_batch_done(q);
	ASSERT_EQ(queue_depth(q), 0);
	queue_free(q);
	ASSERT_EQ(n, 5);
	ASSERT(order);
	ASSERT(queue_free(NULL) == NULL);
}

TEST(full_is_enospc)
{
	struct queue *q = queue_new(3);
	struct msg *extra = mk(4);
	int r;

	ASSERT(q != NULL);
	ASSERT_EQ(queue_push(q, mk(1)), 0);
	ASSERT_EQ(queue_push(q, mk(2)), 0);
	ASSERT_EQ(queue_push(q, mk(3)), 0);
	r = queue_push(q, extra);
	/* The caller keeps its reference on failure. */
	ASSERT_EQ(atomic_load(&extra->refs), 1);
	msg_unref(extra);
	ASSERT_EQ(queue_depth(q), 3);
	/* Frees the messages still queued (LeakSanitizer checks). */
	queue_free(q);
	ASSERT_EQ(r, -ENOSPC);
}

TEST(push_batch_partial_when_full)
{
	struct queue *q = queue_new(4);
	struct msg *in[6], *v[8];
	size_t pushed, pushed2, n, i;
	uint64_t s0 = 0, s3 = 0;

	ASSERT(q != NULL);
	for (i = 0; i < 6; i++)
		in[i] = mk(i + 1);
	queue_push(q, mk(100));
	/* Three fit; the caller keeps the references of the rest. */
	pushed = queue_push_batch(q, in, 6);
	for (i = pushed; i < 6; i++)
		msg_unref(in[i]);
	n = queue_pop_batch(q, v, 8, 0);
	if (n == 4) {
		s0 = v[0]->serial;
		s3 = v[3]->serial;
	}
	unref_all(v, n);
	queue_batch_done(q);
	queue_close(q);
	in[0] = mk(7);
	pushed2 = queue_push_batch(q, in, 1);
	if (pushed2 == 0)
		msg_unref(in[0]);
	queue_free(q);
	ASSERT_EQ(pushed, 3);
	ASSERT_EQ(n, 4);
	ASSERT_EQ(s0, 100);
	ASSERT_EQ(s3, 3);
	ASSERT_EQ(pushed2, 0);
}

TEST(zero_capacity_means_one)
{
	struct queue *q = queue_new(0);
	struct msg *extra = mk(2);
	int r1, r2;

	ASSERT(q != NULL);
	r1 = queue_push(q, mk(1));
	r2 = queue_push(q, extra);
	if (r2 != 0)
		msg_unref(extra);
	ASSERT_EQ(queue_capacity(q), 1);
	queue_free(q);
	ASSERT_EQ(r1, 0);
	ASSERT_EQ(r2, -ENOSPC);
}

TEST(close_then_drain)
{
	struct queue *q = queue_new(8);
	struct msg *v[8], *late = mk(9);
	size_t n1, n2, n3;
	int r;
	bool ce1, ce2;
	uint64_t s0, s1, s2;

	ASSERT(q != NULL);
	queue_push(q, mk(1));
	queue_push(q, mk(2));
	queue_push(q, mk(3));
	queue_close(q);
	r = queue_push(q, late);
	if (r != 0)
		msg_unref(late);
	ce1 = queue_closed_and_empty(q);
	n1 = queue_pop_batch(q, v, 2, -1);
	s0 = v[0]->serial;
	s1 = v[1]->serial;
	unref_all(v, n1);
	queue_batch_done(q);
	n2 = queue_pop_batch(q, v, 8, -1);
	s2 = v[0]->serial;
	unref_all(v, n2);
	queue_batch_done(q);
	/* Closed and empty: returns at once even with an infinite wait. */
	n3 = queue_pop_batch(q, v, 8, -1);
	ce2 = queue_closed_and_empty(q);
	queue_free(q);
	ASSERT(r < 0);
	ASSERT(!ce1);
	ASSERT_EQ(n1, 2);
	ASSERT_EQ(s0, 1);
	ASSERT_EQ(s1, 2);
	ASSERT_EQ(n2, 1);
	ASSERT_EQ(s2, 3);
	ASSERT_EQ(n3, 0);
	ASSERT(ce2);
}

TEST(batch_pop_wraps_around)
{
	struct queue *q = queue_new(4);
	struct msg *v[16];
	uint64_t got[16];
	size_t n = 0, k, i;

	ASSERT(q != NULL);
	for (i = 1; i <= 3; i++)
		queue_push(q, mk(i));
	k = queue_pop_batch(q, v, 2, 0);
	for (i = 0; i < k; i++)
		got[n++] = v[i]->serial;
	unref_all(v, k);
	queue_batch_done(q);
	for (i = 4; i <= 6; i++)
		queue_push(q, mk(i));
	k = queue_pop_batch(q, v, 16, 0);
	for (i = 0; i < k; i++)
		got[n++] = v[i]->serial;
	unref_all(v, k);
	queue_batch_done(q);
	queue_free(q);
	ASSERT_EQ(n, 6);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(got[i], i + 1);
}

TEST(pop_timeout)
{
	struct queue *q = queue_new(4);
	struct msg *v[4];
	uint64_t t0, dt, dt0;
	size_t n, n0;

	ASSERT(q != NULL);
	t0 = now_ms();
	n0 = queue_pop_batch(q, v, 4, 0);
	dt0 = now_ms() - t0;
	t0 = now_ms();
	n = queue_pop_batch(q, v, 4, 60);
	dt = now_ms() - t0;
	queue_free(q);
	ASSERT_EQ(n0, 0);
	ASSERT(dt0 < 50);
	ASSERT_EQ(n, 0);
	ASSERT(dt >= 55);
	ASSERT(dt < 1000);
}

struct producer_arg {
	struct queue	*q;
	int		 delay_ms;
	uint64_t	 serial;
};

static void *
delayed_push(void *p)
{
	struct producer_arg *a = p;
	struct timespec ts = { 0, (long)a->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	queue_push(a->q, mk(a->serial));
	return NULL;
}

TEST(pop_wakes_on_push)
{
	struct queue *q = queue_new(4);
	struct producer_arg a = { q, 30, 77 };
	struct msg *v[4];
	pthread_t th;
	uint64_t t0, dt, s = 0;
	size_t n;

	ASSERT(q != NULL);
	ASSERT_EQ(pthread_create(&th, NULL, delayed_push, &a), 0);
	t0 = now_ms();
	n = queue_pop_batch(q, v, 4, 5000);
	dt = now_ms() - t0;
	if (n > 0)
		s = v[0]->serial;
	unref_all(v, n);
	queue_batch_done(q);
	pthread_join(th, NULL);
	queue_free(q);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(s, 77);
	ASSERT(dt < 2000);
}

struct popper {
	struct queue	*q;
	struct msg	*v[16];
	size_t		 n;
	uint64_t	 dt;
};

/* One pop that waits up to 10 s, timed. */
static void *
pop_once(void *p)
{
	struct popper *a = p;
	uint64_t t0 = now_ms();

	a->n = queue_pop_batch(a->q, a->v, 16, 10000);
	a->dt = now_ms() - t0;
	return NULL;
}

/* Start pop_once and return once it waits in the queue. */
static void
start_popper(struct popper *a, pthread_t *th)
{
	struct timespec ts = { 0, 1000000L };

	a->n = 0;
	pthread_create(th, NULL, pop_once, a);
	while (queue_sleepers(a->q) == 0)
		nanosleep(&ts, NULL);
}

TEST(lazy_push_wakes_at_count_or_kick)
{
	struct queue *q = queue_new(16);
	struct popper a = { .q = q };
	struct msg *m[3];
	bool woke[4], idle_woke;
	size_t n1, n2, n3;
	uint64_t dt1, dt2;
	pthread_t th;

	ASSERT(q != NULL);
	/* Nobody waits: nothing is left unwoken. */
	m[0] = mk(1);
	n1 = queue_push_batch_lazy(q, m, 1, 8, &idle_woke);
	n3 = queue_pop_batch(q, a.v, 16, 0);
	unref_all(a.v, n3);
	queue_batch_done(q);

	/* Below the count: the sleeper stays asleep until the count. */
	start_popper(&a, &th);
	m[0] = mk(2);
	m[1] = mk(3);
	queue_push_batch_lazy(q, m, 1, 3, &woke[0]);
	queue_push_batch_lazy(q, m + 1, 1, 3, &woke[1]);
	m[2] = mk(4);
	queue_push_batch_lazy(q, m + 2, 1, 3, &woke[2]);
	pthread_join(th, NULL);
	n2 = a.n;
	dt1 = a.dt;
	unref_all(a.v, a.n);
	queue_batch_done(q);

	/* Below the count, then a kick. */
	start_popper(&a, &th);
	m[0] = mk(5);
	queue_push_batch_lazy(q, m, 1, 8, &woke[3]);
	queue_wake(q);
	pthread_join(th, NULL);
	n3 = a.n;
	dt2 = a.dt;
	unref_all(a.v, a.n);
	queue_batch_done(q);
	queue_free(q);

	ASSERT_EQ(n1, 1);
	ASSERT(idle_woke);
	ASSERT(!woke[0]);
	ASSERT(!woke[1]);
	ASSERT(woke[2]);
	ASSERT_EQ(n2, 3);
	ASSERT(!woke[3]);
	ASSERT_EQ(n3, 1);
	/* Woken, not timed out (10 s). */
	ASSERT(dt1 < 5000);
	ASSERT(dt2 < 5000);
}

#define NMSG	20000

struct consumer {
	struct queue	*q;
	uint64_t	*seen;		/* NMSG serials, 1-based */
	size_t		 n;
	pthread_t	 th;
};

static void *
consume(void *p)
{
	struct consumer *c = p;
	struct msg *v[16];
	size_t n, i;

	while ((n = queue_pop_batch(c->q, v, 16, -1)) > 0) {
		for (i = 0; i < n; i++)
			c->seen[c->n++] = v[i]->serial;
		unref_all(v, n);
		queue_batch_done(c->q);
	}
	return NULL;
}

TEST(two_consumer_threads)
{
	struct queue *q = queue_new(256);
	struct consumer c[2];
	unsigned char *hit = calloc(NMSG + 1, 1);
	uint64_t s;
	size_t i, j, dup = 0, missing = 0, total;
	int k;

	ASSERT(q != NULL && hit != NULL);
	for (k = 0; k < 2; k++) {
		c[k].q = q;
		c[k].n = 0;
		c[k].seen = calloc(NMSG, sizeof(uint64_t));
		pthread_create(&c[k].th, NULL, consume, &c[k]);
	}
	for (s = 1; s <= NMSG; s++) {
		struct msg *m = mk(s);

		while (queue_push(q, m) == -ENOSPC)
			sched_yield();
	}
	queue_close(q);
	for (k = 0; k < 2; k++)
		pthread_join(c[k].th, NULL);
	total = c[0].n + c[1].n;
	for (k = 0; k < 2; k++) {
		uint64_t prev = 0;

		for (j = 0; j < c[k].n; j++) {
			s = c[k].seen[j];
			if (s == 0 || s > NMSG || hit[s]++)
				dup++;
			/* Each consumer sees its share in order. */
			if (s <= prev)
				dup++;
			prev = s;
		}
		free(c[k].seen);
	}
	for (i = 1; i <= NMSG; i++)
		if (!hit[i])
			missing++;
	free(hit);
	queue_free(q);
	ASSERT_EQ(total, NMSG);
	ASSERT_EQ(dup, 0);
	ASSERT_EQ(missing, 0);
}

struct done_arg {
	struct queue	*q;
	int		 delay_ms;
};

static void *
delayed_done(void *p)
{
	struct done_arg *a = p;
	struct timespec ts = { 0, (long)a->delay_ms * 1000000L };

	nanosleep(&ts, NULL);
	queue_batch_done(a->q);
	return NULL;
}

TEST(wait_empty_with_batch_done)
{
	struct queue *q = queue_new(8);
	struct done_arg a = { q, 40 };
	struct msg *v[8];
	pthread_t th;
	bool e0, e1, e2, e3;
	size_t n;

	ASSERT(q != NULL);
	/* Empty and idle: true at once. */
	e0 = queue_wait_empty(q, 0);
	queue_push(q, mk(1));
	queue_push(q, mk(2));
	/* Queued with nobody popping: times out. */
	e1 = queue_wait_empty(q, 30);
	n = queue_pop_batch(q, v, 8, 0);
	unref_all(v, n);
	/* Popped but the batch is not done: still not empty. */
	e2 = queue_wait_empty(q, 30);
	pthread_create(&th, NULL, delayed_done, &a);
	e3 = queue_wait_empty(q, 5000);
	pthread_join(th, NULL);
	queue_free(q);
	ASSERT(e0);
	ASSERT(!e1);
	ASSERT_EQ(n, 2);
	ASSERT(!e2);
	ASSERT(e3);
}

/*
 * A push that waits for room: a slow consumer (one message at a time,
 * 1 ms apart) takes all of them, in order, through a queue of 2.
 */
static void *
consume_slowly(void *p)
{
	struct consumer *c = p;
	struct msg *v[1];
	struct timespec ms = { 0, 1000000 };

	while (queue_pop_batch(c->q, v, 1, -1) == 1) {
		c->seen[c->n++] = v[0]->serial;
		unref_all(v, 1);
		queue_batch_done(c->q);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

TEST(push_wait_for_room)
{
	struct queue *q = queue_new(2);
	struct consumer c = { q, calloc(64, sizeof(uint64_t)), 0, 0 };
	struct msg *v[64];
	size_t i, pushed;
	bool ordered = true;

	ASSERT(q != NULL && c.seen != NULL);
	for (i = 0; i < 64; i++)
		v[i] = mk(i + 1);
	ASSERT_EQ(pthread_create(&c.th, NULL, consume_slowly, &c), 0);
	pushed = queue_push_batch_wait(q, v, 64, 10000);
	queue_close(q);
	pthread_join(c.th, NULL);
	for (i = 0; i < c.n; i++)
		ordered = ordered && c.seen[i] == i + 1;
	free(c.seen);
	queue_free(q);
	ASSERT_EQ(pushed, 64);
	ASSERT_EQ(c.n, 64);
	ASSERT(ordered);
}

/* Nobody pops: the wait ends at its timeout with what fitted. */
TEST(push_wait_times_out)
{
	struct queue *q = queue_new(3);
	struct msg *v[5];
	uint64_t t0, dt;
	size_t i, pushed;

	ASSERT(q != NULL);
	for (i = 0; i < 5; i++)
		v[i] = mk(i + 1);
	t0 = now_ms();
	pushed = queue_push_batch_wait(q, v, 5, 50);
	dt = now_ms() - t0;
	for (i = pushed; i < 5; i++)
		msg_unref(v[i]);
	queue_free(q);
	ASSERT_EQ(pushed, 3);
	ASSERT(dt >= 40);
}

/* Closing the queue ends a push's wait. */
static void *
close_later(void *p)
{
	struct timespec ms = { 0, 30000000 };

	nanosleep(&ms, NULL);
	queue_close(p);
	return NULL;
}

TEST(push_wait_ends_on_close)
{
	struct queue *q = queue_new(1);
	struct msg *v[3];
	pthread_t th;
	uint64_t t0, dt;
	size_t i, pushed;

	ASSERT(q != NULL);
	for (i = 0; i < 3; i++)
		v[i] = mk(i + 1);
	ASSERT_EQ(pthread_create(&th, NULL, close_later, q), 0);
	t0 = now_ms();
	pushed = queue_push_batch_wait(q, v, 3, 10000);
	dt = now_ms() - t0;
	pthread_join(th, NULL);
	for (i = pushed; i < 3; i++)
		msg_unref(v[i]);
	queue_free(q);
	ASSERT_EQ(pushed, 1);
	ASSERT(dt < 5000);
}

TEST_MAIN(T(push_pop_order), T(full_is_enospc),
    T(push_batch_partial_when_full), T(zero_capacity_means_one),
    T(close_then_drain), T(batch_pop_wraps_around), T(pop_timeout),
    T(pop_wakes_on_push), T(two_consumer_threads),
    T(wait_empty_with_batch_done), T(push_wait_for_room),
    T(push_wait_times_out), T(push_wait_ends_on_close),
    T(lazy_push_wakes_at_count_or_kick))
