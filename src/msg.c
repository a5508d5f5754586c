/*
 * msg.c: refcounted, immutable encoded events shared by output queues.
 */
#include <pthread.h>
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
 * arena's lock). Bounded: beyond MSG_POOL_MAX idle blocks, free().
 */
#define MSG_POOL_BLOCK	4096
#define MSG_POOL_MAX	2048

struct pool_block {
	struct pool_block *next;
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pool_block *pool_head;
static size_t pool_count;

static void *
pool_get(void)
{
	struct pool_block *b;

	pthread_mutex_lock(&pool_lock);
	if ((b = pool_head) != NULL) {
		pool_head = b->next;
		pool_count--;
	}
	pthread_mutex_unlock(&pool_lock);
	if (b == NULL && (b = malloc(MSG_POOL_BLOCK)) == NULL)
		fatal("message");
	return b;
}

static void
pool_put(void *p)
{
	struct pool_block *b = p;

	pthread_mutex_lock(&pool_lock);
	if (pool_count < MSG_POOL_MAX) {
		b->next = pool_head;
		pool_head = b;
		pool_count++;
		b = NULL;
	}
	pthread_mutex_unlock(&pool_lock);
	free(b);
}

void
msg_pool_drain(void)
{
	struct pool_block *b;

	pthread_mutex_lock(&pool_lock);
	while ((b = pool_head) != NULL) {
		pool_head = b->next;
		free(b);
	}
	pool_count = 0;
	pthread_mutex_unlock(&pool_lock);
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
	if (atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	if (m->line_apart)
		free(m->line);
	if (m->pooled)
		pool_put(m);
	else
		free(m);
}
