/*
 * reasm.c: the reassembler.
 *
 * DESIGN: events in flight sit in a chained hash table keyed by (node,
 * serial, header time) and in a doubly linked list in creation order.
 * Every event gets the same timeout and the clock never goes backwards,
 * so creation order is deadline order: expiry pops from the old end in
 * O(1) per event, and the bounds evict from the same end. Completed
 * events are remembered in a window of each node's last serials (struct
 * done_win: a bit and a time each) so that a late record never opens a
 * second event; a named node's window is made when its first event
 * completes. Finished events go back to a small free list, so steady
 * state allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "nodes.h"
#include "reasm.h"
#include "record.h"

#define REASM_FREE_MAX		64
#define REASM_TYPES		4096		/* types classified by table */

/* What a record of a type does to its event (type_class). */
#define RT_EOE		0x01	/* ends it, not stored */
#define RT_STORE	0x02	/* in type_min..type_max: stored */
#define RT_ENDS		0x04	/* ends it after being stored */
#define RT_OPENED	0x08	/* (reasm_add: the record opened its event) */
#define RT_APART	0x10	/* auditd's own: an event apart from serials */

/*
 * The serials of one node completed lately: a bit each for the serials
 * of a window up to the highest, and the header time of the event that
 * completed each (its low 32 bits of milliseconds: two events of one
 * serial whose times differ by a multiple of 49.7 days are taken for
 * one). The window's size, a constant (REASM_DONE_WINDOW without a node,
 * REASM_NODE_WINDOW with one), is given to each call.
 */
struct done_win {
	uint64_t		 max;		/* highest completed serial */
	uint64_t		 max_time;	/* its event's time */
	uint64_t		*bits;
	uint32_t		*time;
};

struct reasm {
	struct reasm_conf	 conf;
	reasm_emit_fn		*emit;
	void			*arg;
	struct event		**table;
	size_t			 mask;
	struct event		*oldest, *newest;
	uint64_t		 next_deadline;	/* oldest's, or UINT64_MAX */
	size_t			 count;
	size_t			 bytes;
	struct event		*free_list;
	size_t			 nfree;
	struct done_win		 done;		/* records without a node */
	uint64_t		 done_bits[REASM_DONE_WINDOW / 64];
	uint32_t		 done_time[REASM_DONE_WINDOW];
	struct node_slots	 node_done;	/* done_win by node id, made on demand */
	struct reasm_stats	 stats;
	/* RT_* of every type below REASM_TYPES: one load per record. */
	uint8_t			 type_class[REASM_TYPES];
};

static unsigned	classify(const struct reasm_conf *, uint32_t);

struct reasm *
reasm_new(const struct reasm_conf *conf, reasm_emit_fn *emit, void *arg)
{
	struct reasm *r;
	size_t n = 1024;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->conf = *conf;
	if (r->conf.max_in_flight == 0)
		r->conf.max_in_flight = 1;
	if (r->conf.max_records == 0)
		r->conf.max_records = 1;
	while (n < r->conf.max_in_flight && n < (1u << 20))
		n *= 2;
	if ((r->table = calloc(n, sizeof(*r->table))) == NULL) {
		free(r);
		return NULL;
	}
	r->mask = n - 1;
	r->done.bits = r->done_bits;
	r->done.time = r->done_time;
	r->emit = emit;
	r->arg = arg;
	r->next_deadline = UINT64_MAX;
	for (n = 0; n < REASM_TYPES; n++)
		r->type_class[n] = (uint8_t)classify(&r->conf, (uint32_t)n);
	return r;
}

static void
release(struct reasm *r, struct event *ev)
{
	event_retire(ev);
	if (r->nfree < REASM_FREE_MAX && ev->data.cap + ev->json.cap <= (1u << 20)) {
		ev->hnext = r->free_list;
		r->free_list = ev;
		r->nfree++;
	} else {
		event_free(ev);
	}
}

struct reasm *
reasm_free(struct reasm *r)
{
	struct event *ev, *next;

	if (r == NULL)
		return NULL;
	for (ev = r->oldest; ev != NULL; ev = next) {
		next = ev->newer;
		event_free(ev);
	}
	for (ev = r->free_list; ev != NULL; ev = next) {
		next = ev->hnext;
		event_free(ev);
	}
	node_slots_free(&r->node_done, free);
	free(r->table);
	free(r);
	return NULL;
}

bool
reasm_type_is_standalone(uint32_t type)
{
	return (type >= 1100 && type <= 1299) || (type >= 2100 && type <= 2999) ||
	    type == AUDIT_TYPE_USER;
}

static unsigned
classify(const struct reasm_conf *conf, uint32_t type)
{
	unsigned k = 0;

	if (type == AUDIT_TYPE_EOE)
		k |= RT_EOE;
	if (type >= conf->type_min && type <= conf->type_max)
		k |= RT_STORE;
	if (reasm_type_is_standalone(type) ||
	    (conf->proctitle_ends && type == AUDIT_TYPE_PROCTITLE))
		k |= RT_ENDS;
	if (record_type_is_auditd(type))
		k |= RT_APART;
	return k;
}

/*
 * The three range tests per record cost as much as the lookup: a table
 * answers for every type the kernel and auditd use.
 */
static inline unsigned
type_class(const struct reasm *r, uint32_t type)
{
	return type < REASM_TYPES ? r->type_class[type] :
	    classify(&r->conf, type);
}

/*
 * Serials come in order, and the events in flight hold a narrow range of
 * them: the serial itself spreads them over the slots best, and keeps
 * consecutive events in consecutive slots (a scrambling hash made every
 * new event a cache miss, a twentieth of the replay's time). Each node's
 * serials start at a slot of their own.
 */
static size_t
slot(const struct reasm *r, uint64_t serial, const struct node *node)
{
	uint64_t off = node != NULL ? node->hash : 0;

	return (size_t)(serial + off) & r->mask;
}

/*
 * An event is its node, serial and header time, as auparse keys it: the
 * kernel stamps every record of an event with the same time, and two
 * events of one serial (a log spanning a reboot, whose serials start
 * again; hosts without node names) differ in it.
 */
static struct event *
lookup(struct reasm *r, uint64_t serial, const struct node *node,
    uint64_t time_ms)
{
	struct event *ev;

	/* The records of an event mostly arrive one after another. */
	if (r->newest != NULL && r->newest->serial == serial &&
	    r->newest->node == node && r->newest->time_ms == time_ms)
		return r->newest;
	for (ev = r->table[slot(r, serial, node)]; ev != NULL; ev = ev->hnext)
		if (ev->serial == serial && ev->node == node &&
		    ev->time_ms == time_ms)
			return ev;
	return NULL;
}

/*
 * Was the event of serial s at time_ms completed? A record of a
 * completed serial at another time is another event (a new boot's).
 */
static inline __attribute__((always_inline)) bool
done_test(const struct done_win *w, uint64_t size, uint64_t s,
    uint64_t time_ms)
{
	if (s > w->max || w->max - s >= size)
		return false;
	return (w->bits[(s % size) / 64] & (1ull << (s % 64))) &&
	    w->time[s % size] == (uint32_t)time_ms;
}

static inline __attribute__((always_inline)) void
done_set(struct done_win *w, uint64_t size, uint64_t s, uint64_t time_ms)
{
	uint64_t x;

	if (s > w->max) {
		if (s - w->max >= size) {
			memset(w->bits, 0, size / 8);
		} else {
			for (x = w->max + 1; x < s; x++)
				w->bits[(x % size) / 64] &= ~(1ull << (x % 64));
		}
		w->max = s;
		w->max_time = time_ms;
	} else if (w->max - s >= size) {
		/*
		 * Far below the window. Later than the highest serial's event:
		 * serials that started again (a reboot, a wrap at 2^32), and
		 * the window starts over from here, or it would be blind to
		 * them until they climbed back (a late record would open a
		 * second event, uncounted). Earlier: a straggler (an event
		 * that timed out, a stray line), not remembered.
		 */
		if (time_ms <= w->max_time)
			return;
		memset(w->bits, 0, size / 8);
		w->max = s;
		w->max_time = time_ms;
	}
	w->bits[(s % size) / 64] |= 1ull << (s % 64);
	w->time[s % size] = (uint32_t)time_ms;
}

/* A named node's window, made at its first completed event (NULL: OOM). */
static struct done_win *
node_win(struct reasm *r, const struct node *node, bool make)
{
	struct done_win *w = node_slots_get(&r->node_done, node->id);
	size_t nb = REASM_NODE_WINDOW / 64;
	void **slot;

	if (w != NULL || !make)
		return w;
	if ((slot = node_slots_at(&r->node_done, node->id)) == NULL)
		return NULL;
	/* One allocation: the header, then the bits and the times. */
	if ((w = calloc(1, sizeof(*w) + nb * sizeof(uint64_t) +
	    REASM_NODE_WINDOW * sizeof(uint32_t))) == NULL)
		return NULL;
	w->bits = (uint64_t *)(void *)(w + 1);
	w->time = (uint32_t *)(void *)(w->bits + nb);
	return *slot = w;
}

static bool
node_done_test(struct reasm *r, const struct node *node, uint64_t s,
    uint64_t time_ms)
{
	const struct done_win *w = node_win(r, node, false);

	return w != NULL && done_test(w, REASM_NODE_WINDOW, s, time_ms);
}

static void
node_done_set(struct reasm *r, const struct node *node, uint64_t s,
    uint64_t time_ms)
{
	struct done_win *w = node_win(r, node, true);

	if (w != NULL)
		done_set(w, REASM_NODE_WINDOW, s, time_ms);
}

static void
unlink_event(struct reasm *r, struct event *ev)
{
	struct event **pp = &r->table[slot(r, ev->serial, ev->node)];

	while (*pp != ev)
		pp = &(*pp)->hnext;
	*pp = ev->hnext;
	if (ev->older) {
		ev->older->newer = ev->newer;
	} else {
		r->oldest = ev->newer;
		r->next_deadline = ev->newer ? ev->newer->deadline_ms :
		    UINT64_MAX;
	}
	if (ev->newer)
		ev->newer->older = ev->older;
	else
		r->newest = ev->older;
	r->count--;
	r->bytes -= event_bytes(ev);
}

static void
complete(struct reasm *r, struct event *ev)
{
	unlink_event(r, ev);
	if (__builtin_expect(ev->apart, 0))
		;	/* not a kernel serial */
	else if (__builtin_expect(ev->node == NULL, 1))
		done_set(&r->done, REASM_DONE_WINDOW, ev->serial, ev->time_ms);
	else
		node_done_set(r, ev->node, ev->serial, ev->time_ms);
	ev->hnext = ev->older = ev->newer = NULL;
	if (ev->nrec == 0) {
		r->stats.empty_events++;
	} else {
		r->stats.events++;
		r->emit(ev, r->arg);
	}
	release(r, ev);
}

static struct event *
open_event(struct reasm *r, const struct record *rec, const struct node *node,
    uint64_t now_ms)
{
	struct event *ev;
	size_t s;

	if (r->free_list != NULL) {
		ev = r->free_list;
		r->free_list = ev->hnext;
		r->nfree--;
	} else {
		ev = event_new();
	}
	event_begin(ev, rec);
	ev->node = node;
	ev->keep_text = !r->conf.drop_text;
	ev->deadline_ms = now_ms + r->conf.timeout_ms;
	s = slot(r, rec->serial, node);
	ev->hnext = r->table[s];
	r->table[s] = ev;
	ev->older = r->newest;
	ev->newer = NULL;
	if (r->newest) {
		r->newest->newer = ev;
	} else {
		r->oldest = ev;
		r->next_deadline = ev->deadline_ms;
	}
	r->newest = ev;
	r->count++;
	return ev;
}

static void
enforce_bounds(struct reasm *r)
{
	while (r->oldest != NULL && (r->count > r->conf.max_in_flight ||
	    r->bytes > r->conf.max_in_flight_bytes)) {
		r->stats.evicted++;
		complete(r, r->oldest);
	}
}

void
reasm_add(struct reasm *r, const struct record *rec, const struct node *node,
    uint64_t now_ms)
{
	struct event *ev = lookup(r, rec->serial, node, rec->time_ms);
	unsigned k = type_class(r, rec->type);

	/*
	 * auditd's own records in its log (DAEMON_START, DAEMON_END...) carry
	 * auditd's count, not the kernel's serial: an event of their own
	 * (they end it at once), which neither joins the kernel's event of
	 * that serial nor marks it done. A DAEMON_START at 922 did, and the
	 * kernel's records of 922, a few seconds later in a log after a
	 * boot, were dropped as late.
	 */
	if (__builtin_expect(k & RT_APART, 0))
		ev = NULL;
	if (ev == NULL) {
		if (!(k & RT_APART) && (node == NULL ?
		    done_test(&r->done, REASM_DONE_WINDOW, rec->serial,
		    rec->time_ms) :
		    node_done_test(r, node, rec->serial, rec->time_ms))) {
			if (!(k & RT_EOE))
				r->stats.late_records++;
			return;
		}
		if (k & RT_EOE)
			return;
		ev = open_event(r, rec, node, now_ms);
		ev->apart = k & RT_APART;
		k |= RT_OPENED;
	}
	if (k & RT_EOE) {
		complete(r, ev);
		return;
	}
	if (!(k & RT_STORE))
		r->stats.out_of_range_records++;
	else if (ev->nrec >= r->conf.max_records)
		r->stats.overflow_records++;
	else
		r->bytes += event_add(ev, rec->type, rec->data, rec->data_len);
	if (k & RT_ENDS) {
		complete(r, ev);
		return;
	}
	/*
	 * Both bounds hold when a call returns, and only this record can
	 * have broken them: the count only if it opened an event.
	 */
	if (r->bytes > r->conf.max_in_flight_bytes ||
	    ((k & RT_OPENED) && r->count > r->conf.max_in_flight))
		enforce_bounds(r);
	/* One compare, without a load from the oldest event. */
	if (now_ms >= r->next_deadline)
		reasm_expire(r, now_ms);
}

void
reasm_expire(struct reasm *r, uint64_t now_ms)
{
	while (r->oldest != NULL && r->oldest->deadline_ms <= now_ms) {
		r->stats.timed_out++;
		complete(r, r->oldest);
	}
}

void
reasm_retime(struct reasm *r, uint64_t since_ms, uint64_t now_ms)
{
	uint64_t dl = now_ms + r->conf.timeout_ms;
	struct event *ev;

	/* Later than every deadline before them: the order holds. */
	for (ev = r->newest; ev != NULL && ev->time_ms >= since_ms;
	    ev = ev->older)
		if (ev->deadline_ms < dl)
			ev->deadline_ms = dl;
	r->next_deadline = r->oldest ? r->oldest->deadline_ms : UINT64_MAX;
}

void
reasm_flush(struct reasm *r)
{
	while (r->oldest != NULL)
		complete(r, r->oldest);
}

uint64_t
reasm_next_deadline(const struct reasm *r)
{
	return r->oldest ? r->oldest->deadline_ms : UINT64_MAX;
}

size_t
reasm_in_flight(const struct reasm *r)
{
	return r->count;
}

const struct reasm_stats *
reasm_stats(const struct reasm *r)
{
	return &r->stats;
}
