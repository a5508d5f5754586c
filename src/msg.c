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
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
	return m;
}

struct msg *
msg_new_copy(const char *line, size_t len, const char *key, size_t key_len,
    uint64_t serial)
{
	struct msg *m;

	m = malloc(sizeof(*m) + key_len + 1 + len);
	if (m == NULL)
		fatal("message");
	atomic_init(&m->refs, 1);
	m->serial = serial;
	m->t_in_ns = 0;
	memcpy(m->key, key, key_len);
	m->key[key_len] = '\0';
	m->line = m->key + key_len + 1;
	m->len = len;
	m->line_apart = false;
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
	free(m);
}
