/*
 * event.h: one audit event: the records that share a serial, in arrival
 * order, copied out of the receive buffer.
 *
 * Ownership: a struct event is owned by whoever holds it. The reassembler
 * owns events in flight and hands completed ones to its emit callback,
 * which borrows the event for the duration of the call; the reassembler
 * recycles it afterwards. Record data lives in the event's own arena, so
 * an event never points into a source buffer.
 *
 * Later stages (interpretation, enrichment) attach what they derive to
 * the event (struct event_info) and never change the raw records.
 */
#ifndef PAUDITD_EVENT_H
#define PAUDITD_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct record;

struct event_rec {
	uint32_t	type;
	uint32_t	off;		/* text, in event.data */
	uint32_t	len;
};

/* The value of a uid field (uid=, auid=, fsuid=, ...), in event.data. */
struct event_uid {
	uint32_t	off;
	uint32_t	len;
};

/* Facts derived from the records once, when the event completes. */
struct event_info {
	const char	*syscall;	/* SYSCALL's syscall= value, NULL if none */
	size_t		 syscall_len;
	const char	*key;		/* rule key without quotes, "" if none */
	size_t		 key_len;
	bool		 key_is_tty;
	char		 key_buf[256];	/* the unquoted key */
};

struct event {
	uint64_t		 serial;
	uint64_t		 time_ms;	/* from the first record's header */
	uint64_t		 deadline_ms;	/* reassembler clock */
	char			 ts[32];	/* header timestamp text */
	uint8_t			 ts_len;
	uint32_t		 nrec;
	uint32_t		 cap;
	struct event_rec	*recs;
	struct buf		 data;		/* record texts, back to back */
	struct buf		 json;		/* the same as JSON messages, with
						   a lead, without the last end (encode.h) */
	struct event_uid	*uids;		/* uid field values, in order */
	uint32_t		 nuid;
	uint32_t		 uid_cap;
	struct event_info	 info;
	/* reassembler links */
	struct event		*older, *newer;
	struct event		*hnext;
};

struct event *event_new(void);
struct event *event_free(struct event *ev);	/* accepts NULL */
/* Reset for reuse, keeping allocations. */
void event_reset(struct event *ev);
/* Start an event from its first record (serial, timestamp). */
void event_begin(struct event *ev, const struct record *rec);
/*
 * Append a record's type and data (copied). In the same pass the record
 * is written as its message of pauditd's "messages" array (escaped for
 * JSON, encode_record_open) and the values of its uid fields are noted
 * (uid_map): every "uid=" anywhere in the text, up to the next space,
 * except in EXECVE, CWD and SOCKADDR records, whose text the user
 * controls; a value equal to the one noted just before is not noted again.
 * Returns by how much event_bytes grew.
 */
size_t event_add(struct event *ev, uint32_t type, const char *data,
    size_t len);
/* Bytes the event holds for its records (the in-flight bound). */
size_t event_bytes(const struct event *ev);
/* Fill ev->info from the records. Called once when the event completes. */
void event_finish(struct event *ev);

static inline const char *
event_rec_data(const struct event *ev, uint32_t i)
{
	return ev->data.p + ev->recs[i].off;
}

/*
 * Find field `name` (e.g. "syscall") in record text: returns the value up
 * to the next space (quotes kept), or NULL. Matches whole field names only.
 */
const char *event_field(const char *data, size_t len, const char *name,
    size_t *ret_len);

#endif
