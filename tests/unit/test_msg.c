/*
 * test_msg.c: messages (msg.h): contents and keys, references, and the
 * slab allocator: messages of every size carved (by msg_alloc and through
 * the tail) and freed in any order, on another thread, with every slab
 * given back (ASan checks the memory, msg_pool_drain counts the slabs),
 * and the idle slabs' pages given back by msg_pool_trim.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

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

#define HEAD	96

static int tail_bad;

/*
 * The same through the tail, as the pipeline makes one: the line starts
 * within the head (as far in as the serial says) and goes on into the
 * body; every seventh, and any that would not fit, is first moved to
 * more room with some bytes written, which must come along.
 */
static struct msg *
make_tail(uint64_t serial, size_t len)
{
	size_t room, lead = serial % (HEAD + 1), i;
	char key[16], *body, *line;

	snprintf(key, sizeof(key), "k%llu", (unsigned long long)serial);
	if ((body = msg_tail_open(HEAD, &room)) == NULL) {
		tail_bad++;
		return make(serial, len);
	}
	if (serial % 7 == 0 || room < len + sizeof(key) + 1) {
		memset(body, 'x', 10);
		body = msg_tail_move(HEAD, 10, len + sizeof(key) + 1, &room);
		if (body == NULL || memcmp(body, "xxxxxxxxxx", 10) != 0 ||
		    room < len + sizeof(key) + 1) {
			tail_bad++;
			return make(serial, len);
		}
	}
	line = body - lead;
	for (i = 0; i < len; i++)
		line[i] = (char)('a' + (serial + i) % 26);
	return msg_tail_commit(line, len, key, strlen(key), serial);
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
		live[i] = serial % 3 == 0 && size_of(serial) <= 16000 ?
		    make_tail(serial, size_of(serial)) :
		    make(serial, size_of(serial));
	}
	for (i = 0; i < LIVE; i++) {
		if (!intact(live[i], size_of(live[i]->serial)))
			bad++;
		msg_unref(live[i]);
	}
	msg_pool_trim();
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(tail_bad, 0);
}

/* Whether the page at p (page-aligned) is in memory. */
static bool
resident(const void *p)
{
	unsigned char v = 0;

	return mincore((void *)(uintptr_t)p, 1, &v) == 0 && (v & 1) != 0;
}

#define BURST	1000	/* 15000-byte messages: 4 a slab, 250 slabs */

/*
 * After a burst, msg_pool_trim gives back the pages of the idle slabs
 * beyond the bound (128) but the first of each, which holds its header;
 * those slabs serve again as new, and every one comes back at the end.
 */
TEST(trim_gives_back_idle_slabs)
{
	static struct msg *v[BURST];
	static const void *slab[BURST];
	size_t i, nslab = 0, gone = 0, lost = 0;
	int bad = 0;

	for (i = 0; i < BURST; i++) {
		v[i] = make(i, 15000);
		if (nslab == 0 || slab[nslab - 1] != v[i]->slab)
			slab[nslab++] = v[i]->slab;
	}
	ASSERT(nslab >= 240);
	for (i = 0; i < BURST; i++)
		msg_unref(v[i]);
	/* The returned slabs reach the idle list at the next slab wanted. */
	v[0] = make(0, 15000);
	v[1] = make(1, 15000);
	msg_pool_trim();
	for (i = 0; i < nslab; i++) {
		if (!resident(slab[i]))
			lost++;
		else if (!resident((const char *)slab[i] + 4096))
			gone++;
	}
	ASSERT_EQ(lost, 0);
	/* All but the 128 kept and the one in use (maybe another). */
	ASSERT(gone + 128 + 2 >= nslab && gone + 128 + 1 <= nslab);
	msg_unref(v[0]);
	msg_unref(v[1]);
	for (i = 0; i < BURST; i++)
		v[i] = make(i + 5, 15000);
	for (i = 0; i < BURST; i++) {
		if (!intact(v[i], 15000))
			bad++;
		msg_unref(v[i]);
	}
	ASSERT_EQ(bad, 0);
	ASSERT_EQ(msg_pool_drain(), 0);
}

/* A message never unref'd: drain frees its slab and says so. */
TEST(drain_counts_slabs_in_use)
{
	struct msg *m = make(3, 100);

	ASSERT(intact(m, 100));
	ASSERT_EQ(msg_pool_drain(), 1);
}

TEST(tail_lent_once)
{
	size_t room, room2;
	char *body, *b2;
	struct msg *m;

	body = msg_tail_open(HEAD, &room);
	ASSERT(body != NULL);
	ASSERT(room >= 2 * 1024);
	ASSERT(msg_tail_open(HEAD, &room2) == NULL);
	/* Closed unused: the same region is lent again. */
	msg_tail_close();
	b2 = msg_tail_open(HEAD, &room2);
	ASSERT(b2 == body);
	ASSERT_EQ(room2, room);
	/* The line may start anywhere in the head. */
	memcpy(b2 - HEAD, "{}\n", 3);
	m = msg_tail_commit(b2 - HEAD, 3, "exec", 4, 5);
	ASSERT_MEMEQ(m->line, m->len, "{}\n");
	ASSERT_STREQ(m->key, "exec");
	ASSERT_EQ(m->serial, 5);
	/* The next loan starts after it. */
	b2 = msg_tail_open(HEAD, &room2);
	ASSERT(b2 > body);
	msg_tail_close();
	msg_unref(m);
}

TEST(tail_move_beyond_a_slab_refused)
{
	size_t room;
	char *body;

	body = msg_tail_open(HEAD, &room);
	ASSERT(body != NULL);
	memcpy(body, "abc", 3);
	/* No slab holds 64 KiB after the head: the loan ends, body intact. */
	ASSERT(msg_tail_move(HEAD, 3, 64 * 1024, &room) == NULL);
	ASSERT_MEMEQ(body, 3, "abc");
	body = msg_tail_open(HEAD, &room);
	ASSERT(body != NULL);
	/* Most of a slab is fine. */
	body = msg_tail_move(HEAD, 0, 60 * 1024, &room);
	ASSERT(body != NULL);
	ASSERT(room >= 60 * 1024);
	memset(body, 'y', room);
	msg_tail_close();
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
		struct msg *m = serial % 3 == 0 ?
		    make_tail(serial, size_of(serial) % 5000) :
		    make(serial, size_of(serial) % 5000);

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
	/* Every slab is back. */
	ASSERT_EQ(msg_pool_drain(), 0);
	ASSERT_EQ(r.bad, 0);
	ASSERT_EQ(tail_bad, 0);
}

TEST_MAIN(T(copy_and_key), T(references), T(carved_and_freed_in_any_order),
    T(trim_gives_back_idle_slabs), T(drain_counts_slabs_in_use),
    T(tail_lent_once), T(tail_move_beyond_a_slab_refused),
    T(freed_on_another_thread))
