/*
 * event.h: one audit event: the records that share a serial, in arrival
 * order, each kept as its JSON message (and as its text when a later
 * stage reads it).
 *
 * Ownership: a struct event is owned by whoever holds it. The reassembler
 * owns events in flight and hands completed ones to its emit callback,
 * which borrows the event for the duration of the call; the reassembler
 * recycles it afterwards. What an event keeps lives in its own buffers,
 * so an event never points into a source buffer.
 *
 * What the records tell once (the rule key, syscall=, the uid values) is
 * derived as each record joins (struct event_info, uids), so that the
 * texts themselves are only kept when a stage reads them (keep_text: the
 * filters now, enrichment later); without, each record is read once, as
 * it is escaped, straight from the source's buffer.
 */
#ifndef PAUDITD_EVENT_H
#define PAUDITD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct node;
struct record;

struct event_rec {
	uint32_t	type;
	uint32_t	off;		/* text, in event.data */
	uint32_t	len;
};

/* The value of a uid field (uid=, auid=, fsuid=, ...), in event.uidtext. */
struct event_uid {
	uint32_t	off;
	uint32_t	len;
};

/*
 * Facts derived from the records as they join (the last record that sets
 * one wins, in arrival order). Both point into the event's own buffers.
 */
struct event_info {
	const char	*syscall;	/* SYSCALL's syscall= value, NULL if none
					   or not keep_text (only filters read
					   it; a number: cut at 31 bytes) */
	size_t		 syscall_len;
	const char	*key;		/* rule key without quotes, "" if none */
	size_t		 key_len;
	bool		 key_is_tty;
	char		 syscall_buf[32];
	char		 key_buf[256];	/* the unquoted key */
	char		*key_long;	/* a longer one (event_free frees) */
	size_t		 key_long_cap;
};

struct event {
	uint64_t		 serial;
	const struct node	*node;		/* the host (nodes.h), NULL: none */
	uint64_t		 time_ms;	/* from the first record's header */
	uint64_t		 deadline_ms;	/* reassembler clock */
	char			 ts[32];	/* header timestamp text */
	uint8_t			 ts_len;
	uint32_t		 nrec;
	uint32_t		 cap;
	struct event_rec	*recs;
	bool			 keep_text;	/* for filters: records' texts in
						   data, info.syscall */
	bool			 apart;		/* auditd's own record: its serial
						   is auditd's, not the kernel's */
	struct buf		 data;		/* record texts, back to back, each
						   followed by JSON_PAD zeros; empty
						   unless keep_text */
	struct buf		 json;		/* the records as JSON messages, with
						   a lead, without the last end (encode.h);
						   in the message pool's tail or not */
	struct buf		 json_spare;	/* the event's own buffer, while json
						   is in the tail */
	bool			 json_in_tail;
	struct buf		 uidtext;	/* uid values, back to back, each
						   after its length in a byte (the
						   encoder's key of the set) */
	struct event_uid	*uids;		/* uid field values, in order */
	uint32_t		 nuid;
	uint32_t		 uid_cap;
	struct event_info	 info;
	/* reassembler links */
	struct event		*older, *newer;
	struct event		*hnext;
};

/* A new event keeps its records' texts until keep_text is cleared. */
struct event *event_new(void);
struct event *event_free(struct event *ev);	/* accepts NULL */
/* Reset for reuse, keeping allocations. */
void event_reset(struct event *ev);
/* Start an event from its first record (serial, timestamp; no node). */
void event_begin(struct event *ev, const struct record *rec);
/*
 * Append a record of `type` whose text is data[0, len). The record is
 * written as its message of pauditd's "messages" array (escaped for JSON,
 * encode_record_open), and in the same pass the values of its uid fields
 * are noted (uid_map): every "uid=" anywhere in the text, up to the next
 * space, except in EXECVE, CWD and SOCKADDR records, whose text the user
 * controls; a value equal to the one noted just before is not noted
 * again. A SYSCALL record sets ev->info's key (and with keep_text its
 * syscall), a TTY record the key "tty". With keep_text the text is
 * copied into ev->data;
 * without, it is read where it is, and data must be readable (its
 * contents do not matter) for JSON_PAD bytes past len: every source's
 * buffer has that slack. Returns by how much event_bytes grew.
 */
size_t event_add(struct event *ev, uint32_t type, const char *data,
    size_t len);
/* Bytes the event holds for its records (the in-flight bound). */
size_t event_bytes(const struct event *ev);

/*
 * An event writes its messages into the message pool's tail when the
 * tail is free as it begins (msg.h): its line can then be finished
 * around them in place (encode_in_place) and published without a copy.
 * event_tail_room is the room after ev->json, 0 if it is not in the
 * tail; after msg_tail_commit made a message of it, event_tail_taken
 * gives the event its own buffer back.
 */
static inline size_t
event_tail_room(const struct event *ev)
{
	return ev->json_in_tail ? ev->json.cap - ev->json.len : 0;
}

void event_tail_taken(struct event *ev);
/*
 * Done with ev until its next event_begin (the reassembler keeps it for
 * reuse): it gives back what it borrows, the tail.
 */
void event_retire(struct event *ev);

/* Record i's text; only with keep_text. */
static inline const char *
event_rec_data(const struct event *ev, uint32_t i)
{
	return ev->data.p + ev->recs[i].off;
}

static inline const char *
event_uid_value(const struct event *ev, uint32_t i)
{
	return ev->uidtext.p + ev->uids[i].off;
}

/*
 * Find field `name` (e.g. "syscall") in record text: returns the value up
 * to the next space (quotes kept), or NULL. Matches whole field names only.
 */
const char *event_field(const char *data, size_t len, const char *name,
    size_t *ret_len);

#endif
