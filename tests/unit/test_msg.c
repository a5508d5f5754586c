/*
 * test_msg.c: messages (msg.h): contents and keys, references, and the
 * slab allocator: messages of every size carved and freed in any order,
 * on another thread, with every slab given back (ASan checks the memory).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEST_RNG_SEED 777
#include "harness.h"
#include "../../src/msg.h"

/* Fill a message's line with a pattern derived from its serial. */
static struct msg *
make(uint64_t serial, size_t len)
{
	char key[16];
	struct msg *m;
	size_t i;

	snprintf(key, sizeof(key), "k%llu", (unsigned long long)serial);
	m = msg_alloc(len, key, strlen(key), serial);
	for (i = 0; i < len; i++)
		m->line[i] = (char)('a' + (serial + i) % 26);
	return m;
}

static bool
intact(const struct msg *m, size_t len)
{
	char key[16];
	size_t i;

	snprintf(key, sizeof(key), "k%llu", (unsigned long long)m->serial);
	if (m->len != len || strcmp(m->key, key) != 0)
		return false;
	for (i = 0; i < len; i++)
		if (m->line[i] != (char)('a' + (m->serial + i) % 26))
			return false;
	return true;
}

TEST(copy_and_key)
{
	struct msg *m = msg_alloc(3, "exec", 4, 9);

	memcpy(m->line, "{}\n", 3);
	ASSERT_MEMEQ(m->line, m->len, "{}\n");
	ASSERT_STREQ(m->key, "exec");
	ASSERT_EQ(m->serial, 9);
	msg_unref(m);
	msg_unref(NULL);
}

TEST(references)
{
	struct msg *m = make(1, 100);

	msg_ref(m);
	msg_ref(m);
	msg_unref(m);
	msg_unref(m);
	ASSERT(intact(m, 100));
	msg_unref(m);
}

#define LIVE	512

/* Sizes from a few bytes to past a slab's share (then malloc'd). */
static size_t
size_of(uint64_t serial)
{
	static const size_t sizes[] = { 1, 63, 64, 200, 900, 1500, 4000, 16000,
	    17000, 70000 };

	return sizes[serial % (sizeof(sizes) / sizeof(sizes[0]))];
}

TEST(carved_and_freed_in_any_order)
{
	struct msg *live[LIVE] = { 0 };
	uint64_t serial;
	size_t i;
	int bad = 0;

	for (serial = 1; serial <= 20000; serial++) {
		i = rng() % LIVE;
		if (live[i] != NULL) {
			if (!intact(live[i], size_of(live[i]->serial)))
				bad++;
			msg_unref(live[i]);
		}
		live[i] = make(serial, size_of(serial));
	}
	for (i = 0; i < LIVE; i++) {
		if (!intact(live[i], size_of(live[i]->serial)))
			bad++;
		msg_unref(live[i]);
	}
	msg_pool_trim();
	ASSERT_EQ(bad, 0);
}

struct ring {
	pthread_mutex_t	 lock;
	struct msg	*v[256];
	size_t		 head, tail;
	bool		 done;
	int		 bad;
};

/* The worker side: check and free what the main thread made. */
static void *
consumer(void *arg)
{
	struct ring *r = arg;
	struct msg *m;

	for (;;) {
		pthread_mutex_lock(&r->lock);
		if (r->head == r->tail) {
			bool done = r->done;

			pthread_mutex_unlock(&r->lock);
			if (done)
				return NULL;
			continue;
		}
		m = r->v[r->tail++ % 256];
		pthread_mutex_unlock(&r->lock);
		if (!intact(m, size_of(m->serial) % 5000))
			r->bad++;
		msg_unref(m);
	}
}

TEST(freed_on_another_thread)
{
	struct ring r = { .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_t t;
	uint64_t serial;

	ASSERT_EQ(pthread_create(&t, NULL, consumer, &r), 0);
	for (serial = 1; serial <= 50000; serial++) {
		struct msg *m = make(serial, size_of(serial) % 5000);

		/* Two references: the consumer's and ours, dropped here. */
		msg_ref(m);
		for (;;) {
			pthread_mutex_lock(&r.lock);
			if (r.head - r.tail < 256)
				break;
			pthread_mutex_unlock(&r.lock);
		}
		r.v[r.head++ % 256] = m;
		pthread_mutex_unlock(&r.lock);
		msg_unref(m);
	}
	pthread_mutex_lock(&r.lock);
	r.done = true;
	pthread_mutex_unlock(&r.lock);
	pthread_join(t, NULL);
	/* Every slab is back: drain frees them all (ASan reports a leak if not). */
	msg_pool_drain();
	ASSERT_EQ(r.bad, 0);
}

TEST_MAIN(T(copy_and_key), T(references), T(carved_and_freed_in_any_order),
    T(freed_on_another_thread))
