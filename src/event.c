/*
 * event.c: event storage and the facts derived from its records.
 *
 * A record is escaped into the event's JSON messages (ev->json) and,
 * when a stage reads texts (keep_text), copied into its arena (ev->data),
 * so that an event never points into a receive buffer. Events are
 * recycled by the reassembler, so steady state allocates nothing.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "encode.h"
#include "event.h"
#include "json.h"
#include "json_k64.h"
#include "log.h"
#include "msg.h"
#include "record.h"

struct event *
event_new(void)
{
	struct event *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		fatal("event");
	buf_init(&ev->data);
	buf_init(&ev->json);
	buf_init(&ev->uidtext);
	/* Never NULL, so that even empty record data is a valid pointer. */
	buf_reserve(&ev->data, 512);
	buf_reserve(&ev->json, 1024);
	buf_reserve(&ev->uidtext, 64);
	ev->keep_text = true;
	ev->info.key = "";
	return ev;
}

/*
 * The event whose messages are in the message pool's tail, if any (the
 * pool's thread only, as the pool). An event that begins takes the tail
 * from it: the event that began last is the likeliest to complete next
 * (one that waits for a timeout would hold it for seconds).
 */
static struct event *tail_holder;

void
event_tail_taken(struct event *ev)
{
	ev->json = ev->json_spare;
	buf_reset(&ev->json);
	ev->json_in_tail = false;
	tail_holder = NULL;
}

/*
 * ev's messages leave the tail, for the event's own buffer: copied
 * there with `need` bytes of room after them, or dropped (keep false).
 * The loan ends; the body stays readable until the next pool call.
 */
static void
tail_leave(struct event *ev, bool keep, size_t need)
{
	const char *body = ev->json.p;
	size_t used = keep ? ev->json.len : 0;

	msg_tail_close();
	event_tail_taken(ev);
	if (keep) {
		memcpy(buf_reserve(&ev->json, used + need), body, used);
		ev->json.len = used;
	}
}

/* Back to the event's own buffer, emptied. */
static inline void
json_own(struct event *ev)
{
	if (ev->json_in_tail)
		tail_leave(ev, false, 0);
}

void
event_retire(struct event *ev)
{
	json_own(ev);
}

/*
 * Room for a record of len bytes in the tail: its opening, its text
 * escaped, the escaping's slack and some of the line's end. Escaped text
 * takes up to 6 bytes a byte, but mostly under 2 (a '"' or '\\' takes
 * 2, the rare bytes more): the AVX2 copy of event_add asks for 2 and
 * makes room for the rest of a record when the kernel stops at a rare
 * byte, the other asks for 6. Asking 6 of every record left a slab's
 * last ~48 KiB unused before every 8 KiB EXECVE record (12 % more memory
 * for a full queue). A fresh region when the slab is short of it; the
 * event's own buffer when no slab holds it.
 */
#define TAIL_RECORD_ROOM(len, per_byte) \
	((per_byte) * (len) + 32 + 128 + 256)
#define TAIL_REST_ROOM(len)	(6 * (len) + 128)

static __attribute__((noinline)) void
tail_make_room(struct event *ev, size_t need)
{
	size_t room;
	char *body;

	body = msg_tail_move(ENCODE_HEAD_MAX, ev->json.len, need, &room);
	if (body != NULL) {
		ev->json.p = body;
		ev->json.cap = room;
		return;
	}
	tail_leave(ev, true, need);
}

/* need bytes of room after ev->json, if it is in the tail. */
static inline void
tail_room(struct event *ev, size_t need)
{
	if (ev->json_in_tail && ev->json.cap - ev->json.len < need)
		tail_make_room(ev, need);
}

struct event *
event_free(struct event *ev)
{
	if (ev == NULL)
		return NULL;
	json_own(ev);
	buf_fini(&ev->data);
	buf_fini(&ev->json);
	buf_fini(&ev->uidtext);
	free(ev->recs);
	free(ev->uids);
	free(ev->info.key_long);
	free(ev);
	return NULL;
}

void
event_reset(struct event *ev)
{
	ev->nrec = 0;
	ev->nuid = 0;
	json_own(ev);
	buf_reset(&ev->data);
	buf_reset(&ev->json);
	buf_reset(&ev->uidtext);
	ev->older = ev->newer = ev->hnext = NULL;
	ev->info.syscall = NULL;
	ev->info.syscall_len = 0;
	ev->info.key = "";
	ev->info.key_len = 0;
	ev->info.key_is_tty = false;
}

void
event_begin(struct event *ev, const struct record *rec)
{
	size_t n = rec->ts_len < sizeof(ev->ts) ? rec->ts_len : sizeof(ev->ts) - 1;
	size_t room;
	char *body;

	event_reset(ev);
	if (tail_holder != NULL)
		tail_leave(tail_holder, true, 0);
	/* The line's start goes before the messages: ENCODE_HEAD_MAX. */
	if ((body = msg_tail_open(ENCODE_HEAD_MAX, &room)) != NULL) {
		ev->json_spare = ev->json;
		ev->json.p = body;
		ev->json.len = 0;
		ev->json.cap = room;
		ev->json_in_tail = true;
		tail_holder = ev;
	}
	ev->serial = rec->serial;
	ev->time_ms = rec->time_ms;
	/*
	 * "1700000000.001" and the like: two overlapping words instead of
	 * a copy of any length.
	 */
	if (n >= 8 && n <= 16) {
		memcpy(ev->ts, rec->ts, 8);
		memcpy(ev->ts + n - 8, rec->ts + n - 8, 8);
	} else {
		memcpy(ev->ts, rec->ts, n);
	}
	ev->ts[n] = '\0';
	ev->ts_len = (uint8_t)n;
}

/* The bytes of a value of n <= 8 bytes in a word (n = 8: all of it). */
#define LOW_BYTES(n)	(((1ull << (4 * (n))) << (4 * (n))) - 1)
#define VALUE_MASK(n)	{ LOW_BYTES((n) < 8 ? (n) : 8), \
			    LOW_BYTES((n) < 8 ? 0 : (n) - 8) }

/* The bytes of a value of n <= 16 bytes in two words: a load, no shifts. */
static const uint64_t value_mask[17][2] = {
	VALUE_MASK(0), VALUE_MASK(1), VALUE_MASK(2), VALUE_MASK(3),
	VALUE_MASK(4), VALUE_MASK(5), VALUE_MASK(6), VALUE_MASK(7),
	VALUE_MASK(8), VALUE_MASK(9), VALUE_MASK(10), VALUE_MASK(11),
	VALUE_MASK(12), VALUE_MASK(13), VALUE_MASK(14), VALUE_MASK(15),
	VALUE_MASK(16),
};

/*
 * Bit 7 of each byte of w equal to c, for the first such byte exactly
 * (a borrow can set the bit of a byte above a true one, never below):
 * enough to find the first, or to know there is none.
 */
static inline uint64_t
bytes_eq(uint64_t w, unsigned char c)
{
	w ^= 0x0101010101010101ull * c;
	return (w - 0x0101010101010101ull) & ~w & 0x8080808080808080ull;
}

static __attribute__((noinline)) void
grow_uids(struct event *ev)
{
	uint32_t cap = ev->uid_cap ? ev->uid_cap * 2 : 16;
	struct event_uid *u;

	u = realloc(ev->uids, cap * sizeof(*u));
	if (u == NULL)
		fatal("event uids");
	ev->uids = u;
	ev->uid_cap = cap;
}

/*
 * Room for the uid values of a record of len bytes, each with its length
 * byte (value and byte fit in the "uid=VALUE" they come from), the last
 * followed by 16 readable bytes for last_set.
 */
static inline void
uids_reserve(struct event *ev, size_t len)
{
	buf_reserve(&ev->uidtext, len + 16);
}

/*
 * Append a value (v: readable 16 bytes on, as record texts are) and its
 * length byte into the room uids_reserve made; the caller has checked it
 * against the one before.
 */
static inline void
note_uid(struct event *ev, const char *v, uint32_t len)
{
	struct buf *t = &ev->uidtext;
	char *d = t->p + t->len;

	/* A longer value makes the text too long to be a key anyway. */
	d[0] = (char)(len < UINT8_MAX ? len : UINT8_MAX);
	if (len <= 16)
		memcpy(d + 1, v, 16);
	else
		memcpy(d + 1, v, len);
	if (ev->nuid == ev->uid_cap)
		grow_uids(ev);
	ev->uids[ev->nuid].off = (uint32_t)t->len + 1;
	ev->uids[ev->nuid].len = len;
	ev->nuid++;
	t->len += 1 + len;
}

#ifdef __SSE2__
/*
 * The value noted last, ready for take_uid to compare: most uid fields
 * of a record repeat it (auid=, uid=, euid=, ...), so it is loaded and
 * masked once, not at every field, and kept in a vector register.
 */
struct uid_last {
	const char	*p;		/* NULL: none yet */
	uint32_t	 len;
	__m128i		 w;		/* up to 16 bytes: its bytes, masked */
	__m128i		 m;		/* the mask */
};

static inline void
last_set(struct uid_last *l, const char *p, uint32_t len)
{
	l->p = p;
	l->len = len;
	if (len > 16) {
		/* Compared by memcmp; the words only defined. */
		l->w = l->m = _mm_setzero_si128();
		return;
	}
	/* Record texts and uidtext hold 16 bytes past any value. */
	l->m = _mm_loadu_si128((const __m128i *)value_mask[len]);
	l->w = _mm_and_si128(_mm_loadu_si128((const __m128i *)p), l->m);
}

/* No value yet: a length no value has, and defined words besides. */
static inline void
last_none(struct uid_last *l)
{
	l->p = NULL;
	l->len = UINT32_MAX;
	l->w = l->m = _mm_setzero_si128();
}

#else
/*
 * The value noted last, ready for take_uid to compare: most uid fields
 * of a record repeat it (auid=, uid=, euid=, ...), so its words are
 * loaded and masked once, not at every field.
 */
struct uid_last {
	const char	*p;		/* NULL: none yet */
	uint32_t	 len;
	uint64_t	 w0, w1;	/* up to 16 bytes: its bytes, masked */
	uint64_t	 m0, m1;	/* the masks */
};

static inline void
last_set(struct uid_last *l, const char *p, uint32_t len)
{
	l->p = p;
	l->len = len;
	if (len > 16) {
		/* Compared by memcmp; the words only defined. */
		l->w0 = l->w1 = l->m0 = l->m1 = 0;
		return;
	}
	/* Record texts and uidtext hold 16 bytes past any value. */
	l->m0 = value_mask[len][0];
	l->m1 = value_mask[len][1];
	memcpy(&l->w0, p, 8);
	memcpy(&l->w1, p + 8, 8);
	l->w0 &= l->m0;
	l->w1 &= l->m1;
}

/* No value yet: a length no value has, and defined words besides. */
static inline void
last_none(struct uid_last *l)
{
	l->p = NULL;
	l->len = UINT32_MAX;
	l->w0 = l->w1 = l->m0 = l->m1 = 0;
}

#endif

static inline void
last_init(struct uid_last *l, const struct event *ev)
{
	if (ev->nuid > 0)
		last_set(l, event_uid_value(ev, ev->nuid - 1),
		    ev->uids[ev->nuid - 1].len);
	else
		last_none(l);
}

#ifdef __SSE2__
/*
 * The value of the uid field whose '=' is d[eq]: up to the next space.
 * Returns where the value ends; scanning goes on from there, so that a
 * "uid=" inside a value is not a field. Inlined into its callers: it runs
 * for most uid fields, and a call costs about a third of it.
 *
 * The 16 bytes from the value give both its end (the first space, or
 * len: the bytes past len may hold anything) and, compared under the
 * mask, whether it is the value noted last.
 */
static inline __attribute__((always_inline)) size_t
take_uid(struct event *ev, struct uid_last *l, const char *d, size_t len,
    size_t eq)
{
	const __m128i spaces = _mm_set1_epi8(' ');
	size_t v = eq + 1, e;
	__m128i x = _mm_loadu_si128((const __m128i *)(d + v));
	unsigned sp;

	sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, spaces));
	if (sp != 0) {
		e = v + (size_t)__builtin_ctz(sp);
	} else if (len - v <= 16) {
		e = len;
	} else {
		/* Longer than 16 bytes: on 16 at a time. */
		for (e = v + 16;; e += 16) {
			sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
			    _mm_loadu_si128((const __m128i *)(d + e)), spaces));
			if (sp != 0) {
				e += (size_t)__builtin_ctz(sp);
				break;
			}
			if (e + 16 >= len) {
				e = len;
				break;
			}
		}
	}
	if (e > len)
		e = len;
	if (e - v == l->len) {
		if (l->len <= 16) {
			if (_mm_movemask_epi8(_mm_cmpeq_epi8(
			    _mm_and_si128(x, l->m), l->w)) == 0xffff)
				return e;
		} else if (memcmp(l->p, d + v, l->len) == 0) {
			return e;
		}
	}
	note_uid(ev, d + v, (uint32_t)(e - v));
	last_set(l, d + v, (uint32_t)(e - v));
	return e;
}
#else
/*
 * The value of the uid field whose '=' is d[eq]: up to the next space.
 * Returns where the value ends; scanning goes on from there, so that a
 * "uid=" inside a value is not a field. Inlined into its callers: it runs
 * for most uid fields, and a call costs about a third of it.
 */
static inline __attribute__((always_inline)) size_t
take_uid(struct event *ev, struct uid_last *l, const char *d, size_t len,
    size_t eq)
{
	size_t v = eq + 1, e = v + l->len;
	uint64_t w0, w1, sp;

	/* The value noted last? That also finds its end. */
	if (l->len <= 16 && e <= len && (e == len || d[e] == ' ')) {
		memcpy(&w0, d + v, 8);
		memcpy(&w1, d + v + 8, 8);
		if ((((w0 & l->m0) ^ l->w0) | ((w1 & l->m1) ^ l->w1)) == 0)
			return e;
	}
	e = v;
	/* A word at a time while one fits (bytes_eq: the first space). */
	while (len - e >= 8) {
		memcpy(&w0, d + e, 8);
		if ((sp = bytes_eq(w0, ' ')) != 0) {
			e += (size_t)__builtin_ctzll(sp) / 8;
			goto found;
		}
		e += 8;
	}
	while (e < len && d[e] != ' ')
		e++;
found:
	/*
	 * A value of up to 16 bytes equal to the one before was found above;
	 * a longer one is checked here.
	 */
	if (l->p != NULL && l->len > 16 && l->len == e - v &&
	    memcmp(l->p, d + v, l->len) == 0)
		return e;
	note_uid(ev, d + v, (uint32_t)(e - v));
	last_set(l, d + v, (uint32_t)(e - v));
	return e;
}
#endif

/* Every uid field of d, byte by byte (for records with very many). */
static void
scan_uids(struct event *ev, const char *d, size_t len)
{
	struct uid_last l;
	size_t j;

	uids_reserve(ev, len);
	last_init(&l, ev);
	for (j = 3; j < len; j++)
		if (d[j] == '=' && d[j - 1] == 'd' && d[j - 2] == 'i' &&
		    d[j - 3] == 'u')
			j = take_uid(ev, &l, d, len, j);
}

/* Without the lead before the first message and the last one's end. */
size_t
event_bytes(const struct event *ev)
{
	return ev->data.len + ev->json.len -
	    (ev->json.len != 0 ? ENCODE_MSGS_LEAD : 0);
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
 * Where a key of up to len bytes goes: key_buf, or for a longer one a
 * buffer the event keeps. The kernel's keys run to 512 bytes (several
 * -k keys, 256 bytes in all, are logged in hex); a replayed log may hold
 * any length, and pauditd reports it whole.
 */
static __attribute__((noinline)) char *
key_room(struct event_info *in, size_t len)
{
	char *p;

	if (len < sizeof(in->key_buf))
		return in->key_buf;
	if (len >= in->key_long_cap) {
		if ((p = realloc(in->key_long, len + 1)) == NULL)
			fatal("rule key");
		in->key_long = p;
		in->key_long_cap = len + 1;
	}
	return in->key_long;
}

/*
 * The rule key, as pauditd reports it: the SYSCALL record's key= value
 * with every '"' removed ("(null)" stays as it is); a TTY record sets
 * "tty". The last record that sets it wins, in arrival order.
 */
static __attribute__((noinline)) void
copy_key(struct event_info *in, const char *v, size_t len)
{
	char *dst = key_room(in, len);
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (v[i] != '"')
			dst[n++] = v[i];
	dst[n] = '\0';
	in->key = dst;
	in->key_len = n;
	in->key_is_tty = false;
}

/*
 * Is there a '"' in v[0..len)? Keys are short: up to 8 bytes in one word
 * (bytes_eq), reading past the end into the JSON_PAD bytes that follow
 * every record text.
 */
static inline bool
has_quote(const char *v, size_t len)
{
	uint64_t w;

	if (len == 0)
		return false;
	if (len > 8)
		return memchr(v, '"', len) != NULL;
	memcpy(&w, v, 8);
	/*
	 * Only a true match carries into the bytes above it, so the bytes
	 * past the end can be masked off afterwards.
	 */
	return (bytes_eq(w, '"') & (~0ull >> (64 - 8 * len))) != 0;
}

/*
 * v[0, len), a record text's (readable 16 bytes on), into dst (cap >= 17
 * bytes) with a NUL, cut at cap - 1 bytes: mostly a short word (a key, a
 * syscall number), so one 16-byte copy. Returns the length kept.
 */
static inline size_t
copy_cut(char *dst, size_t cap, const char *v, size_t len)
{
	if (len < 16) {
		memcpy(dst, v, 16);
	} else {
		if (len > cap - 1)
			len = cap - 1;
		memcpy(dst, v, len);
	}
	dst[len] = '\0';
	return len;
}

static inline void
set_key_from_syscall(struct event_info *in, const char *v, size_t len)
{
	const char *in_v = v;
	size_t in_len = len;

	/*
	 * Nearly every key is a word in quotes, or none ("(null)", hex):
	 * with no '"' left inside, one copy. Only the odd key is copied
	 * byte by byte.
	 */
	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		in_v = v + 1;
		in_len = len - 2;
	}
	if (has_quote(in_v, in_len) || in_len >= sizeof(in->key_buf)) {
		copy_key(in, v, len);
		return;
	}
	in->key_len = copy_cut(in->key_buf, sizeof(in->key_buf), in_v, in_len);
	in->key = in->key_buf;
	in->key_is_tty = false;
}

static inline void
set_syscall(struct event_info *in, const char *v, size_t len)
{
	in->syscall_len = copy_cut(in->syscall_buf, sizeof(in->syscall_buf),
	    v, len);
	in->syscall = in->syscall_buf;
}

/*
 * One pass over the SYSCALL record's fields, driven by '=', for the two
 * that matter downstream: syscall= (filters, if asked) and key= (rule
 * key).
 */
static void
scan_syscall(struct event_info *in, const char *d, size_t len, bool syscall)
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
		if (syscall && p - name == 7 && memcmp(name, "syscall", 7) == 0)
			set_syscall(in, v, (size_t)(e - v));
		else if (p - name == 3 && memcmp(name, "key", 3) == 0)
			set_key_from_syscall(in, v, (size_t)(e - v));
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
	const char *sp, *f;
	size_t flen;
#ifdef __SSE2__
	unsigned m;

	/* The last field is short: mostly the last 16 bytes hold its space. */
	if (len >= 16) {
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(d + len - 16)),
		    _mm_set1_epi8(' ')));
		sp = m != 0 ? d + len - 16 + (31 - __builtin_clz(m)) :
		    memrchr(d, ' ', len - 16);
	} else {
		sp = memrchr(d, ' ', len);
	}
#else
	sp = memrchr(d, ' ', len);
#endif
	f = sp ? sp + 1 : d;
	flen = (size_t)(d + len - f);

	if (flen < 4 || memcmp(f, "key=", 4) != 0)
		return false;
	set_key_from_syscall(in, f + 4, flen - 4);
	return true;
}

/*
 * The value of the first field named syscall, as event_field finds it,
 * looking where the kernel puts it: first or second, after arch=.
 * Falls back to event_field.
 */
static const char *
syscall_field(const char *d, size_t len, size_t *ret_len)
{
	const char *end = d + len, *p, *e;
	uint64_t w;

	if (len >= 8 && memcmp(d, "syscall=", 8) == 0) {
		p = d + 8;
	} else {
		/*
		 * "arch=" and 8 hex digits (every arch pauditd meets), else
		 * the first space the long way.
		 */
		p = NULL;
		if (len > 13 && d[13] == ' ' && memcmp(d, "arch=", 5) == 0) {
			memcpy(&w, d + 5, 8);
			if (bytes_eq(w, ' ') == 0)
				p = d + 13;
		}
		if (p == NULL && (p = memchr(d, ' ', len)) == NULL)
			return NULL;
		p++;
		if ((size_t)(end - p) < 8 || memcmp(p, "syscall=", 8) != 0)
			return event_field(d, len, "syscall", ret_len);
		p += 8;
	}
	/* A syscall number is a few digits: no call for memchr. */
	for (e = p; e < end && *e != ' '; e++)
		;
	*ret_len = (size_t)(e - p);
	return p;
}

/*
 * What a SYSCALL or TTY record tells the event (ev->info); syscall= only
 * when asked (filters read it, nothing else does).
 */
static void
record_facts(struct event_info *in, uint32_t type, const char *d, size_t len,
    bool syscall)
{
	const char *v;
	size_t vlen;

	if (type == AUDIT_TYPE_SYSCALL) {
		if (!key_at_end(in, d, len) ||
		    (syscall && (v = syscall_field(d, len, &vlen)) == NULL)) {
			scan_syscall(in, d, len, syscall);
			return;
		}
		if (syscall)
			set_syscall(in, v, vlen);
	} else if (type == AUDIT_TYPE_TTY) {
		in->key = "tty";
		in->key_len = 3;
		in->key_is_tty = true;
	}
}

/*
 * event_add up to the escaping, written once for both of its copies
 * (below): the record's entry, its text kept if asked, room in the tail,
 * its message's opening. Returns the text to escape, *ret_grew so far,
 * and whether its uid fields count.
 */
static inline __attribute__((always_inline)) const char *
add_open(struct event *ev, uint32_t type, const char *data, size_t len,
    size_t per_byte, size_t *ret_grew, bool *ret_uids)
{
	struct event_rec *r;
	size_t grew = 0;
	char *d;

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
	if (ev->keep_text) {
		/* Followed by JSON_PAD zeros, for json_esc_padded. */
		d = buf_reserve(&ev->data, len + JSON_PAD);
		memcpy(d, data, len);
		memset(d + len, 0, JSON_PAD);
		ev->data.len += len;
		data = d;
		grew = len;
	}
	tail_room(ev, TAIL_RECORD_ROOM(len, per_byte));
	/* The first record's lead is not counted (event_bytes). */
	*ret_grew = grew - ev->json.len -
	    (ev->nrec == 1 ? ENCODE_MSGS_LEAD : 0);
	encode_record_open(&ev->json, type);
	*ret_uids = type != AUDIT_TYPE_EXECVE && type != AUDIT_TYPE_CWD &&
	    type != AUDIT_TYPE_SOCKADDR;
	return data;
}

/* After the escaping: the facts, the uid values the scan found. */
static inline __attribute__((always_inline)) size_t
add_close(struct event *ev, uint32_t type, const char *data, size_t len,
    size_t grew, bool uids, const struct json_scan *sc)
{
	struct uid_last l;
	size_t from, k;

	grew += ev->json.len;
	if (type == AUDIT_TYPE_SYSCALL || type == AUDIT_TYPE_TTY)
		record_facts(&ev->info, type, data, len, ev->keep_text);
	if (!uids)
		return grew;
	if (sc->overflow) {
		scan_uids(ev, data, len);
		return grew;
	}
	if (sc->n == 0)
		return grew;
	uids_reserve(ev, len);
	last_init(&l, ev);
	for (k = 0, from = 0; k < sc->n; k++)
		if (sc->pos[k] >= from)
			from = take_uid(ev, &l, data, len, sc->pos[k]);
	return grew;
}

/*
 * The scan of "uid=" fields, not zeroed: the escaping fills it. The tag
 * is written with one store: the AVX2 kernel loads it as one word at
 * once, and a load that spans several stores still in flight waits for
 * them to reach the cache (a stall seen in every record's profile).
 */
#define UID_SCAN(sc)	memcpy((sc).tag, "uid=", 4)

#ifdef HAVE_AVX2_KERNEL
/*
 * event_add with the AVX2 escaping kernel inlined, compiled for AVX2 as
 * a whole: the kernel's call and its dispatch cost about a sixth of
 * escaping a record.
 */
__attribute__((AVX2_FNS)) static size_t
add_k64(struct event *ev, uint32_t type, const char *data, size_t len)
{
	struct json_scan sc;
	size_t grew, stop;
	bool uids;

	data = add_open(ev, type, data, len, 2, &grew, &uids);
	UID_SCAN(sc);
	if (uids)
		stop = esc64_padded(&ev->json, data, len, &sc, true);
	else
		stop = esc64_padded(&ev->json, data, len, NULL, false);
	if (__builtin_expect(stop != 0, 0)) {
		/* The rest may take 6 bytes a byte; it stopped at json.len. */
		tail_room(ev, TAIL_REST_ROOM(len - (stop - 1)));
		json_k64_slow(&ev->json, data, len, stop - 1,
		    uids ? &sc : NULL);
	}
	return add_close(ev, type, data, len, grew, uids, &sc);
}
#endif

/* event_add with json_esc_padded's kernel, whichever it is. */
static size_t
add_any(struct event *ev, uint32_t type, const char *data, size_t len)
{
	struct json_scan sc;
	size_t grew;
	bool uids;

	data = add_open(ev, type, data, len, 6, &grew, &uids);
	UID_SCAN(sc);
	json_esc_padded(&ev->json, data, len, uids ? &sc : NULL);
	return add_close(ev, type, data, len, grew, uids, &sc);
}

size_t
event_add(struct event *ev, uint32_t type, const char *data, size_t len)
{
#ifdef HAVE_AVX2_KERNEL
	/* The kernel json_esc_padded would run (json_simd_width). */
	if (__builtin_expect(json_k64_active < 0, 0))
		json_simd_width(64);
	if (json_k64_active)
		return add_k64(ev, type, data, len);
#endif
	return add_any(ev, type, data, len);
}
