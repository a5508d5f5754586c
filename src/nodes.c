/*
 * nodes.c: the node name table.
 *
 * DESIGN: an open-addressed hash table of pointers to the nodes (twice
 * NODES_MAX slots, so probes stay short at the bound), and the node of
 * the last lookup, which answers for runs of one host's records.
 */
#include <stdlib.h>
#include <string.h>

#include "nodes.h"
#include "pauditd.h"

#define SLOTS		(2 * NODES_MAX)		/* a power of 2 */

struct nodes {
	const struct node	*last;
	size_t			 n;
	struct node		*slot[SLOTS];
};

struct nodes *
nodes_new(void)
{
	return calloc(1, sizeof(struct nodes));
}

struct nodes *
nodes_free(struct nodes *t)
{
	size_t i;

	if (t == NULL)
		return NULL;
	for (i = 0; i < SLOTS; i++)
		free(t->slot[i]);
	free(t);
	return NULL;
}

static int
same(const struct node *nd, const char *name, size_t len)
{
	return nd->len == len && memcmp(nd->name, name, len) == 0;
}

const struct node *
nodes_get(struct nodes *t, const char *name, size_t len)
{
	struct node *nd;
	uint64_t h;
	size_t i;

	if (t->last != NULL && same(t->last, name, len))
		return t->last;
	if (len == 0 || len > NODE_NAME_MAX)
		return NULL;
	h = str_hash(name, len);
	for (i = (size_t)h & (SLOTS - 1); t->slot[i] != NULL;
	    i = (i + 1) & (SLOTS - 1)) {
		if (t->slot[i]->hash == h && same(t->slot[i], name, len))
			return t->last = t->slot[i];
	}
	if (t->n == NODES_MAX || (nd = malloc(sizeof(*nd) + len + 1)) == NULL)
		return NULL;
	nd->id = (uint32_t)++t->n;
	nd->len = (uint32_t)len;
	nd->hash = h;
	memcpy(nd->name, name, len);
	nd->name[len] = '\0';
	t->slot[i] = nd;
	return t->last = nd;
}

size_t
nodes_count(const struct nodes *t)
{
	return t->n;
}

void **
node_slots_at(struct node_slots *s, uint32_t id)
{
	size_t cap;
	void **v;

	if (id >= s->cap) {
		cap = s->cap ? s->cap : 16;
		while (cap <= id)
			cap *= 2;
		if ((v = realloc(s->v, cap * sizeof(*v))) == NULL)
			return NULL;
		memset(v + s->cap, 0, (cap - s->cap) * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	return &s->v[id];
}

void
node_slots_free(struct node_slots *s, void (*fini)(void *))
{
	size_t i;

	for (i = 0; i < s->cap; i++)
		if (s->v[i] != NULL)
			fini(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->cap = 0;
}
