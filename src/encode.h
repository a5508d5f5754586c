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

#include <stddef.h>

struct buf;
struct event;
struct uidmap;

enum event_format { FMT_PAUDITD, FMT_GOAUDIT, FMT_MAX };

/* Look a format up by its config name; -1 if unknown. */
int encode_format_from_name(const char *name);
const char *encode_format_name(enum event_format fmt);

/*
 * Append the event as one JSON line ending in '\n' to `out`. `ids`
 * resolves user names (may be NULL: every uid maps to UNKNOWN_USER).
 */
void encode_event(const struct event *ev, enum event_format fmt,
    struct uidmap *ids, struct buf *out);

#endif
