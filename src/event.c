/*
 * event.c: event storage and the facts derived from its records.
 *
 * Records are copied into one arena per event (ev->data) so that an event
 * never points into a receive buffer. Events are recycled by the
 * reassembler, so steady state allocates nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "log.h"
#include "record.h"

struct event *
event_new(void)
{
	struct event *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		fatal("event");
	buf_init(&ev->data);
	/* Never NULL, so that even empty record data is a valid pointer. */
	buf_reserve(&ev->data, 512);
	return ev;
}

struct event *
event_free(struct event *ev)
{
	if (ev == NULL)
		return NULL;
	buf_fini(&ev->data);
	free(ev->recs);
	free(ev);
	return NULL;
}

void
event_reset(struct event *ev)
{
	ev->nrec = 0;
	buf_reset(&ev->data);
	ev->older = ev->newer = ev->hnext = NULL;
	ev->info.syscall = NULL;
	ev->info.key = "";
	ev->info.key_len = 0;
}

void
event_begin(struct event *ev, const struct record *rec)
{
	size_t n = rec->ts_len < sizeof(ev->ts) ? rec->ts_len : sizeof(ev->ts) - 1;

	event_reset(ev);
	ev->serial = rec->serial;
	ev->time_ms = rec->time_ms;
	memcpy(ev->ts, rec->ts, n);
	ev->ts[n] = '\0';
	ev->ts_len = (uint8_t)n;
}

void
event_add(struct event *ev, uint32_t type, const char *data, size_t len)
{
	struct event_rec *r;

	if (ev->nrec == ev->cap) {
		uint32_t cap = ev->cap ? ev->cap * 2 : 8;

		r = realloc(ev->recs, cap * sizeof(*r));
		if (r == NULL)
			fatal("event records");
		ev->recs = r;
		ev->cap = cap;
	}
	r = &ev->recs[ev->nrec++];
	r->type = type;
	r->off = (uint32_t)ev->data.len;
	r->len = (uint32_t)len;
	buf_append(&ev->data, data, len);
}

const char *
event_field(const char *data, size_t len, const char *name, size_t *ret_len)
{
	size_t nl = strlen(name);
	const char *p = data, *end = data + len, *v, *e;

	/*
	 * Walk the fields from the start: the fields looked up (syscall=) come
	 * early, where this beats memmem's set-up cost.
	 */
	while (p < end) {
		e = memchr(p, ' ', (size_t)(end - p));
		if (e == NULL)
			e = end;
		if ((size_t)(e - p) > nl && p[nl] == '=' && memcmp(p, name, nl) == 0) {
			v = p + nl + 1;
			*ret_len = (size_t)(e - v);
			return v;
		}
		p = e + 1;
	}
	return NULL;
}

/*
 * The rule key, as pauditd reports it: the SYSCALL record's key= value
 * with every '"' removed ("(null)" stays as it is); a TTY record sets
 * "tty". The last record that sets it wins, in arrival order.
 */
static void
set_key_from_syscall(struct event_info *in, const char *v, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n < sizeof(in->key_buf) - 1; i++)
		if (v[i] != '"')
			in->key_buf[n++] = v[i];
	in->key_buf[n] = '\0';
	in->key = in->key_buf;
	in->key_len = n;
	in->key_is_tty = false;
}

/*
 * One pass over the SYSCALL record's fields, driven by '=', for the two
 * that matter downstream: syscall= (filters) and key= (rule key).
 */
static void
scan_syscall(struct event_info *in, const char *d, size_t len)
{
	const char *end = d + len, *p = d, *name, *v, *e;

	while (p < end && (p = memchr(p, '=', (size_t)(end - p))) != NULL) {
		name = p;
		while (name > d && name[-1] != ' ')
			name--;
		v = p + 1;
		e = memchr(v, ' ', (size_t)(end - v));
		if (e == NULL)
			e = end;
		if (p - name == 7 && memcmp(name, "syscall", 7) == 0) {
			in->syscall = v;
			in->syscall_len = (size_t)(e - v);
		} else if (p - name == 3 && memcmp(name, "key", 3) == 0) {
			set_key_from_syscall(in, v, (size_t)(e - v));
		}
		p = e;
	}
}

/*
 * The kernel writes key= last in a SYSCALL record, and a key never holds
 * a space (it is hex-encoded then): look at the last field first.
 */
static bool
key_at_end(struct event_info *in, const char *d, size_t len)
{
	const char *sp = memrchr(d, ' ', len);
	const char *f = sp ? sp + 1 : d;
	size_t flen = (size_t)(d + len - f);

	if (flen < 4 || memcmp(f, "key=", 4) != 0)
		return false;
	set_key_from_syscall(in, f + 4, flen - 4);
	return true;
}

void
event_finish(struct event *ev)
{
	struct event_info *in = &ev->info;
	uint32_t i;

	in->syscall = NULL;
	in->syscall_len = 0;
	in->key = "";
	in->key_len = 0;
	in->key_is_tty = false;
	for (i = 0; i < ev->nrec; i++) {
		if (ev->recs[i].type == AUDIT_TYPE_SYSCALL) {
			const char *d = event_rec_data(ev, i), *v;
			size_t vlen;

			/* syscall= is the second field: a short forward search. */
			if (!key_at_end(in, d, ev->recs[i].len) ||
			    (v = event_field(d, ev->recs[i].len, "syscall", &vlen)) == NULL) {
				scan_syscall(in, d, ev->recs[i].len);
				continue;
			}
			in->syscall = v;
			in->syscall_len = vlen;
		} else if (ev->recs[i].type == AUDIT_TYPE_TTY) {
			in->key = "tty";
			in->key_len = 3;
			in->key_is_tty = true;
		}
	}
}
