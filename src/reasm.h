/*
 * reasm.h: group records into events by (node, serial, header time).
 *
 * Completion rules: an EOE record ends its event (EOE is not stored);
 * user-space records (1005, 1100-1299, 2100-2999) end their event at once; any
 * other record waits for EOE or for `timeout_ms` of the reassembler's
 * clock (the caller's `now`: monotonic time live, record time in a
 * replay). With `proctitle_ends` (replays: auditd logs carry no EOE) a
 * PROCTITLE record, which the kernel writes last, ends its event too.
 * One event never yields two: records arriving for an event that already
 * completed (its serial and its time) are dropped and counted as late. An
 * event is its serial and the time the kernel stamps on each of its
 * records, as auparse keys it: a log spanning a reboot, whose serials
 * start again, or mixing hosts without node names, has two events of one
 * serial, at two times. Each node (the host
 * of an aggregated log, nodes.h) counts its own serials: events and the
 * memory of completed serials are the node's (REASM_DONE_WINDOW serials
 * without a node, REASM_NODE_WINDOW for each named one).
 *
 * Bounds: at most max_in_flight events and max_in_flight_bytes of record
 * data in flight (the oldest event is completed early when either is
 * reached), at most max_records records per event (more are dropped and
 * counted). Records whose type is outside type_min..type_max take part in
 * completion but are not stored; an event left empty is not emitted.
 *
 * Ownership: the reassembler owns events in flight. The emit callback
 * borrows a completed event for the duration of the call. Main thread
 * only; logs nothing.
 */
#ifndef PAUDITD_REASM_H
#define PAUDITD_REASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event;
struct node;
struct record;
struct reasm;

#define REASM_DONE_WINDOW	65536u	/* completed serials remembered */
#define REASM_NODE_WINDOW	1024u	/* the same, for each named node */

struct reasm_conf {
	uint64_t	timeout_ms;
	size_t		max_in_flight;
	size_t		max_in_flight_bytes;
	uint32_t	max_records;
	uint32_t	type_min, type_max;
	bool		proctitle_ends;
	/*
	 * Events do not keep their records' texts (nothing downstream
	 * reads them): record data must then be readable JSON_PAD bytes
	 * past its end (event_add).
	 */
	bool		drop_text;
};

struct reasm_stats {
	uint64_t	events;			/* emitted (non-empty) */
	uint64_t	empty_events;		/* every record out of range */
	uint64_t	timed_out;		/* completed by the timeout */
	uint64_t	evicted;		/* completed early by a bound */
	uint64_t	late_records;		/* serial already completed */
	uint64_t	overflow_records;	/* beyond max_records */
	uint64_t	out_of_range_records;	/* type outside min..max */
};

typedef void reasm_emit_fn(struct event *ev, void *arg);

struct reasm *reasm_new(const struct reasm_conf *conf, reasm_emit_fn *emit,
    void *arg);
/* Emits nothing: call reasm_flush first to keep events in flight. */
struct reasm *reasm_free(struct reasm *r);
/* A record of `node` (NULL: none), which must outlive its events. */
void reasm_add(struct reasm *r, const struct record *rec,
    const struct node *node, uint64_t now_ms);
/* Complete every event whose deadline is <= now_ms. */
void reasm_expire(struct reasm *r, uint64_t now_ms);
/*
 * The replay's clock jumped to now_ms (rclock.h): the newest events, back
 * to the first whose time is before since_ms, time out from now_ms.
 */
void reasm_retime(struct reasm *r, uint64_t since_ms, uint64_t now_ms);
/* Complete every event in flight (EOF, shutdown). */
void reasm_flush(struct reasm *r);
/* Earliest deadline in flight, or UINT64_MAX when nothing is in flight. */
uint64_t reasm_next_deadline(const struct reasm *r);
size_t reasm_in_flight(const struct reasm *r);
const struct reasm_stats *reasm_stats(const struct reasm *r);
/* True for record types that never share a serial with later records. */
bool reasm_type_is_standalone(uint32_t type);

#endif
