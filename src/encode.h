/*
 * encode.h: the only code that knows the output schema. Turns a completed
 * event into one JSON line.
 *
 * Formats: FMT_PAUDITD (pauditd's line, with rule_key) and FMT_GOAUDIT
 * (go-audit's line, without it). Enriched and ECS formats will be added
 * here as further enum values and encoders; outputs select one by name.
 */
#ifndef PAUDITD_ENCODE_H
#define PAUDITD_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"

struct encoder;
struct event;
struct uidmap;

enum event_format { FMT_PAUDITD, FMT_GOAUDIT, FMT_MAX };

/* Look a format up by its config name; -1 if unknown. */
int encode_format_from_name(const char *name);
const char *encode_format_name(enum event_format fmt);

/*
 * An encoder keeps what encoding needs between events (the uid_map texts
 * of recent uid sets). `ids` resolves user names and must outlive it
 * (may be NULL: every uid maps to UNKNOWN_USER). Main thread only.
 */
struct encoder *encoder_new(struct uidmap *ids);
struct encoder *encoder_free(struct encoder *enc);	/* accepts NULL */

/*
 * The event as one JSON line ending in '\n', in two steps so that the
 * caller can allocate the line's final home once: encode_size returns
 * its exact length in bytes, then encode_write writes exactly that many
 * at `dst` (no NUL). encode_write must follow encode_size for the same
 * event and format, with no other call on the encoder in between.
 */
size_t encode_size(struct encoder *enc, const struct event *ev,
    enum event_format fmt);
void encode_write(struct encoder *enc, const struct event *ev,
    enum event_format fmt, char *dst);
/*
 * A record's message of the "messages" array, written once as the record
 * joins its event (event_add), so that encoding copies the array whole.
 * Every record's opening is the same append, "},{"type":T,"data":",
 * closing the message before; the record's text, escaped, follows.
 * encode_write skips the first record's ENCODE_MSGS_LEAD bytes of "},
 * and adds the last message's "}, so that each record takes one append
 * for its framing, not two, and the same one whatever its place.
 */
#define ENCODE_MSGS_LEAD	3	/* "}, before the first message */

/*
 * Inlined into event_add: a type from 1000 to 3999 (every type the
 * kernel and the user-space tools send) takes a fixed 32-byte copy of
 * the opening with its four digits written over the zeros.
 */
#define ENCODE_REC_TYPES	3000
#define ENCODE_REC_OPEN_COPY	32
#define ENCODE_REC_OPEN_LEN	24	/* "},{"type":NNNN,"data":" */
#define ENCODE_REC_TYPE_AT	11	/* where NNNN starts */
extern const char encode_rec_open[ENCODE_REC_OPEN_COPY + 1];
extern const char encode_type_digits[ENCODE_REC_TYPES][4];
void encode_record_open_any(struct buf *b, uint32_t type);

static inline void
encode_record_open(struct buf *b, uint32_t type)
{
	char *o;

	if (type - 1000 >= ENCODE_REC_TYPES) {
		encode_record_open_any(b, type);
		return;
	}
	o = buf_reserve(b, ENCODE_REC_OPEN_COPY);
	memcpy(o, encode_rec_open, ENCODE_REC_OPEN_COPY);
	memcpy(o + ENCODE_REC_TYPE_AT, encode_type_digits[type - 1000], 4);
	b->len += ENCODE_REC_OPEN_LEN;
}
/*
 * Room kept before an event's messages for the line's start (which takes
 * the lead's place too): {"sequence":S,"timestamp":"T","messages":[ is
 * 40 bytes and the digits, 64 for the kernel's serials and time stamps.
 * A longer start (a timestamp that needs escaping) is copied instead.
 */
#define ENCODE_HEAD_MAX		64
/*
 * Finish the line around ev's messages where they are: its start written
 * to end where the first message starts (over the lead; the
 * ENCODE_HEAD_MAX bytes before ev->json.p must be writable), its end
 * after ev->json.len, if it fits in `room` bytes there. Returns the
 * line's start (*ret_len bytes, '\n' included), or NULL with nothing
 * written when it does not fit (or ev has no record).
 */
char *encode_in_place(struct encoder *enc, struct event *ev,
    enum event_format fmt, size_t room, size_t *ret_len);
/* Both steps, appending the line to `out`. */
void encode_event(struct encoder *enc, const struct event *ev,
    enum event_format fmt, struct buf *out);

#endif
