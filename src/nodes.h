/*
 * nodes.h: the hosts of an aggregated log.
 *
 * auditd's "node=NAME " prefix names the host a record came from (a
 * central auditd receiving audisp-remote streams, name_format). Each
 * host counts its own serials, so events are keyed by (node, serial,
 * header time) and each node has its own memory of completed serials and
 * its own gap tracking. The table interns the names: each gets a number
 * from 1 (0 is "no node": the kernel's records, logs without the prefix)
 * and a name that lives as long as the table, which events point to.
 *
 * Bounded: at most NODES_MAX names of up to NODE_NAME_MAX bytes; a
 * record of a node beyond either is refused (the caller counts it).
 * Main thread only; logs nothing.
 */
#ifndef PAUDITD_NODES_H
#define PAUDITD_NODES_H

#include <stddef.h>
#include <stdint.h>

#define NODES_MAX	4096
#define NODE_NAME_MAX	255	/* a host name (auditd's user-set names too) */

struct node {
	uint32_t	id;		/* 1..NODES_MAX */
	uint32_t	len;
	uint64_t	hash;
	char		name[];		/* NUL-terminated */
};

struct nodes;

struct nodes *nodes_new(void);
struct nodes *nodes_free(struct nodes *t);	/* accepts NULL */
/*
 * The node named name[0, len), added on first sight. NULL if the name is
 * empty or longer than NODE_NAME_MAX, if the table is full, or on OOM.
 */
const struct node *nodes_get(struct nodes *t, const char *name, size_t len);
size_t nodes_count(const struct nodes *t);

/*
 * What a module keeps for each node, by id (the reassembler's completed
 * serials, the pipeline's trackers): NULL for the ids it has nothing for.
 */
struct node_slots {
	void	**v;
	size_t	  cap;
};

static inline void *
node_slots_get(const struct node_slots *s, uint32_t id)
{
	return id < s->cap ? s->v[id] : NULL;
}

/* Where id's state goes, the table grown to hold it; NULL on OOM. */
void **node_slots_at(struct node_slots *s, uint32_t id);
/* Each state given to fini (which frees it), then the table. */
void node_slots_free(struct node_slots *s, void (*fini)(void *));

#endif
