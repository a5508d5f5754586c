/*
 * encode.c: pauditd's and go-audit's JSON line for an event.
 *
 *   {"sequence":N,"timestamp":"S.MS","messages":[{"type":T,"data":"..."},...],
 *    "uid_map":{"UID":"NAME",...},"rule_key":"KEY"}
 *
 * An event of a named node (a replayed log's node= prefix: pauditd, which
 * reads only the kernel, never has one) has "node":"NAME" after the
 * timestamp, so that the events of an aggregated log keep their host.
 *
 * uid_map holds every value of every "...uid=" field of every record
 * except EXECVE, CWD and SOCKADDR (whose data is user-controlled), keys
 * sorted as Go sorts map keys (bytewise). Unlike pauditd we also take a
 * uid at the very end of a record whatever its length (pauditd drops
 * values longer than 5 characters there, e.g. a trailing auid=4294967295).
 *
 * DESIGN: the expensive parts are done before we get here: event_add
 * escaped each record's text and noted its uid values in one pass. What
 * is left is to assemble the line. encode_size works out its exact length
 * (the uid_map text, the escaped key), so that the caller can allocate
 * the final message once and encode_write fills it with plain copies;
 * encode_in_place writes only the line's start and end, around messages
 * already where the line will live (the message pool's tail).
 * Most events of a host carry one of a few sets of uids (a user and
 * root), so the uid_map text is kept per set, for as long as the user
 * names behind it stay valid (uidmap_generation).
 */
#include <stdlib.h>
#include <string.h>

#include "encode.h"
#include "event.h"
#include "json.h"
#include "log.h"
#include "nodes.h"
#include "record.h"
#include "uidmap.h"

#define UID_SLICES_MIN	512	/* distinct uids room to start with */
#define UMAP_SLOTS	512	/* uid_map texts kept, direct-mapped */
#define UMAP_KEY_MAX	48	/* bytes of a set's key: uids, length-prefixed */
#define UMAP_TEXT_MAX	240	/* bytes of a kept uid_map text */

struct slice {
	const char	*p;
	size_t		 len;
};

/* A string ready to copy: as it is (p), or escaped in scratch (off). */
struct prepared {
	const char	*p;
	size_t		 off;
	size_t		 len;
};

struct umap_ent {
	uint64_t	gen;		/* uidmap_generation + 1; 0: empty */
	uint8_t		klen;
	uint8_t		tlen;
	char		key[UMAP_KEY_MAX];
	char		text[UMAP_TEXT_MAX];
};

struct encoder {
	struct uidmap	*ids;
	struct slice	*v;		/* the event's distinct uids, sorted */
	size_t		 nv, vcap;
	/* What encode_size prepared for encode_write. */
	struct buf	 scratch;	/* uid_map text (when not kept), key, ts */
	const char	*umap;		/* NULL: at umap_off in scratch */
	size_t		 umap_off, umap_len;
	struct prepared	 key, ts, node;	/* node.len 0: none */
	char		 seq_buf[20];	/* the serial's digits, at the end */
	const char	*seq;
	size_t		 seq_len;
	uint64_t	 seq_serial;	/* the serial they are of */
	struct umap_ent	 kept[UMAP_SLOTS];
};

static const char *const format_names[FMT_MAX] = {
	[FMT_PAUDITD] = "pauditd",
	[FMT_GOAUDIT] = "go-audit",
};

int
encode_format_from_name(const char *name)
{
	int i;

	for (i = 0; i < FMT_MAX; i++)
		if (strcmp(name, format_names[i]) == 0)
			return i;
	return -1;
}

const char *
encode_format_name(enum event_format fmt)
{
	return (unsigned)fmt < FMT_MAX ? format_names[fmt] : "?";
}

static void
set_serial(struct encoder *enc, uint64_t serial)
{
	enc->seq = json_u64_back(enc->seq_buf + sizeof(enc->seq_buf), serial);
	enc->seq_len = (size_t)(enc->seq_buf + sizeof(enc->seq_buf) - enc->seq);
	enc->seq_serial = serial;
}

/*
 * Serials mostly come one more than the last: then only the last digit
 * changes, unless it is a 9.
 */
static inline void
prepare_serial(struct encoder *enc, uint64_t serial)
{
	char *last = enc->seq_buf + sizeof(enc->seq_buf) - 1;

	if (serial == enc->seq_serial + 1 && serial != 0 && *last != '9') {
		(*last)++;
		enc->seq_serial = serial;
	} else if (serial != enc->seq_serial) {
		set_serial(enc, serial);
	}
}

struct encoder *
encoder_new(struct uidmap *ids)
{
	struct encoder *enc = calloc(1, sizeof(*enc));

	if (enc == NULL)
		return NULL;
	enc->ids = ids;
	if ((enc->v = calloc(UID_SLICES_MIN, sizeof(*enc->v))) == NULL) {
		free(enc);
		return NULL;
	}
	enc->vcap = UID_SLICES_MIN;
	set_serial(enc, 0);
	buf_init(&enc->scratch);
	/* Never NULL, so that even empty text is a valid pointer. */
	buf_reserve(&enc->scratch, 256);
	return enc;
}

struct encoder *
encoder_free(struct encoder *enc)
{
	if (enc == NULL)
		return NULL;
	buf_fini(&enc->scratch);
	free(enc->v);
	free(enc);
	return NULL;
}

/* Bytewise, as Go compares strings; uids are short: no memcmp call. */
static int
slice_cmp(const struct slice *a, const struct slice *b)
{
	size_t n = a->len < b->len ? a->len : b->len, i;

	for (i = 0; i < n; i++)
		if (a->p[i] != b->p[i])
			return (unsigned char)a->p[i] < (unsigned char)b->p[i] ? -1 : 1;
	return a->len < b->len ? -1 : a->len > b->len;
}

/*
 * Insert into the sorted set `v` unless present; returns the new count.
 * v has room for one more.
 */
static size_t
uid_insert(struct slice *v, size_t n, const char *p, size_t len)
{
	struct slice s = { p, len };
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = slice_cmp(&v[mid], &s);

		if (c == 0)
			return n;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&v[lo + 1], &v[lo], (n - lo) * sizeof(*v));
	v[lo] = s;
	return n + 1;
}

/* The event's distinct uids, sorted, into enc->v. */
static void
collect_uids(struct encoder *enc, const struct event *ev)
{
	struct slice *v;
	uint32_t i;

	enc->nv = 0;
	/* No more distinct ones than values. */
	if (ev->nuid > enc->vcap) {
		if ((v = realloc(enc->v, ev->nuid * sizeof(*v))) == NULL)
			fatal("encoder");
		enc->v = v;
		enc->vcap = ev->nuid;
	}
	for (i = 0; i < ev->nuid; i++)
		enc->nv = uid_insert(enc->v, enc->nv,
		    event_uid_value(ev, i), ev->uids[i].len);
}

/* "UID":"NAME",... for enc->v, appended to the scratch buffer. */
static void
render_uid_map(struct encoder *enc, struct buf *out)
{
	const char *name;
	size_t i, nl;

	for (i = 0; i < enc->nv; i++) {
		if (i > 0)
			buf_putc(out, ',');
		json_str(out, enc->v[i].p, enc->v[i].len);
		buf_putc(out, ':');
		if (enc->ids != NULL) {
			name = uidmap_name(enc->ids, enc->v[i].p, enc->v[i].len, &nl);
		} else {
			name = UIDMAP_UNKNOWN;
			nl = sizeof(UIDMAP_UNKNOWN) - 1;
		}
		json_str(out, name, nl);
	}
}

/*
 * A set's key is its uids, each after its length in a byte: the form in
 * which the event keeps its uidtext (event.h), so that a set in noted
 * order is its event's uidtext as it is. Keys are hashed and compared
 * eight bytes at a time, the last word masked to the key's length (never
 * a padding of zeros written just before: a word loaded across bytes
 * just stored waits for the stores to retire).
 */

/*
 * Append a uid to a sorted set's key. A value of up to 16 bytes is
 * copied as 16: it lies in the event's uidtext, which holds 16 readable
 * bytes past any value, and `key` has UMAP_KEY_SLACK bytes of room past
 * UMAP_KEY_MAX. False if the key would grow past UMAP_KEY_MAX.
 */
#define UMAP_KEY_SLACK	24

static inline bool
key_put(char *key, size_t *k, const char *p, size_t len)
{
	if (*k + 1 + len > UMAP_KEY_MAX)
		return false;
	key[*k] = (char)len;
	if (len <= 16)
		memcpy(key + *k + 1, p, 16);
	else
		memcpy(key + *k + 1, p, len);
	*k += 1 + len;
	return true;
}

/* The n (1 to 7) first bytes of a little-endian word. */
static inline uint64_t
low_bytes(size_t n)
{
	return (UINT64_C(1) << (8 * n)) - 1;
}

/* The slot of the key key[0..k), 8 readable bytes past it. */
static int
key_slot(const char *key, size_t k)
{
	uint64_t h = 0, w;
	size_t i;

	for (i = 0; i < k; i += 8) {
		memcpy(&w, key + i, 8);
		if (k - i < 8)
			w &= low_bytes(k - i);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	return (int)((h >> 32) % UMAP_SLOTS);
}

/*
 * The key of the uids as the event noted them, in that order, and its
 * slot; -1 if too long to keep. Most events of a host note the same uids
 * in the same order, so this key finds their text without sorting; a
 * set noted in another order has an entry of its own, with the same text.
 * It never equals the key of another set: a sorted set's key below is
 * also the key of its uids noted in sorted order.
 */
static int
seq_key(const struct event *ev, const char **ret_key, size_t *ret_klen)
{
	if (ev->uidtext.len > UMAP_KEY_MAX)
		return -1;
	*ret_key = ev->uidtext.p;
	*ret_klen = ev->uidtext.len;
	return key_slot(ev->uidtext.p, ev->uidtext.len);
}

/* The key of the sorted set in enc->v, and its slot; -1 if too large. */
static int
umap_key(const struct encoder *enc, char *key, size_t *ret_klen)
{
	size_t i, k = 0;

	for (i = 0; i < enc->nv; i++)
		if (!key_put(key, &k, enc->v[i].p, enc->v[i].len))
			return -1;
	*ret_klen = k;
	return key_slot(key, k);
}

/* Is e the text of key[0..klen) (8 readable bytes past it) for gen? */
static bool
umap_hit(const struct umap_ent *e, uint64_t gen, const char *key,
    size_t klen)
{
	uint64_t a, b, d = 0;
	size_t i;

	if (e->gen != gen || e->klen != klen)
		return false;
	for (i = 0; i < klen; i += 8) {
		memcpy(&a, e->key + i, 8);
		memcpy(&b, key + i, 8);
		if (klen - i < 8)
			d |= (a ^ b) & low_bytes(klen - i);
		else
			d |= a ^ b;
	}
	return d == 0;
}

/* Set enc->umap/umap_off/umap_len to the uid_map's inner text. */
static void
prepare_uid_map(struct encoder *enc, const struct event *ev)
{
	struct umap_ent *e = NULL;
	char sorted[UMAP_KEY_MAX + UMAP_KEY_SLACK];
	const char *key = NULL;
	size_t klen = 0, start;
	uint64_t gen = 0;
	bool collected = false;
	int slot;

	enc->umap = NULL;
	enc->umap_off = enc->scratch.len;
	enc->umap_len = 0;
	enc->nv = 0;
	if (ev->nuid == 0)
		return;
	if (enc->ids != NULL) {
		/* May forget names (no caching, a full cache): gen moves. */
		uidmap_begin_event(enc->ids);
		gen = uidmap_generation(enc->ids) + 1;
		if ((slot = seq_key(ev, &key, &klen)) < 0) {
			collect_uids(enc, ev);
			collected = true;
			key = sorted;
			slot = umap_key(enc, sorted, &klen);
		}
		if (slot >= 0) {
			e = &enc->kept[slot];
			if (umap_hit(e, gen, key, klen)) {
				enc->umap = e->text;
				enc->umap_len = e->tlen;
				return;
			}
		}
	}
	if (!collected)
		collect_uids(enc, ev);
	start = enc->scratch.len;
	render_uid_map(enc, &enc->scratch);
	enc->umap_len = enc->scratch.len - start;
	/* Names looked up while rendering may not move gen: keep the text. */
	if (e != NULL && enc->umap_len <= UMAP_TEXT_MAX &&
	    uidmap_generation(enc->ids) + 1 == gen) {
		e->gen = gen;
		e->klen = (uint8_t)klen;
		memcpy(e->key, key, klen);
		e->tlen = (uint8_t)enc->umap_len;
		memcpy(e->text, enc->scratch.p + start, enc->umap_len);
	}
}

/* Decimal digits of v; record types and serials take the same branches. */
static size_t
u64_len(uint64_t v)
{
	size_t n = 1;

	for (;;) {
		if (v < 10)
			return n;
		if (v < 100)
			return n + 1;
		if (v < 1000)
			return n + 2;
		if (v < 10000)
			return n + 3;
		v /= 10000;
		n += 4;
	}
}

/*
 * Copy a short string (serial, timestamp, key, kept uid_map text) with
 * two overlapping copies of a fixed size instead of a call; longer ones
 * are left to memcpy.
 */
static inline char *
put_short(char *o, const char *p, size_t n)
{
	char a[16], b[16];

	if (n >= 8 && n <= 16) {
		memcpy(a, p, 8);
		memcpy(b, p + n - 8, 8);
		memcpy(o, a, 8);
		memcpy(o + n - 8, b, 8);
	} else if (n > 16 && n <= 32) {
		memcpy(a, p, 16);
		memcpy(b, p + n - 16, 16);
		memcpy(o, a, 16);
		memcpy(o + n - 16, b, 16);
	} else if (n >= 4 && n < 8) {
		memcpy(a, p, 4);
		memcpy(b, p + n - 4, 4);
		memcpy(o, a, 4);
		memcpy(o + n - 4, b, 4);
	} else if (n > 32) {
		memcpy(o, p, n);
	} else if (n > 0) {
		/* 1 to 3 bytes: first, middle and last cover them all. */
		a[0] = p[0];
		a[1] = p[n / 2];
		a[2] = p[n - 1];
		o[0] = a[0];
		o[n / 2] = a[1];
		o[n - 1] = a[2];
	}
	return o + n;
}

/*
 * Bit 7 set in each byte of w above '9' or below '.' (or not ASCII). A
 * carry or borrow only sets bits above a byte that is set already.
 */
static inline uint64_t
ts_bad(uint64_t w)
{
	return ((w + 0x4646464646464646ull) | w) |
	    ((w - 0x2e2e2e2e2e2e2e2eull) & ~w);
}

/*
 * Is the timestamp all digits and '.' (what the parser gives), so that it
 * needs no escaping? A word at a time, over ev->ts. The parser's
 * "1700000000.001" is 8 to 16 bytes: two overlapping words hold it
 * exactly. Otherwise the bytes past ts_len are masked off afterwards.
 * Anything else takes json_plain's way.
 */
static inline bool
ts_digits(const struct event *ev)
{
	uint64_t w, bad = 0;
	size_t i, len = ev->ts_len;

	if (len >= 8 && len <= 16) {
		memcpy(&w, ev->ts, 8);
		bad = ts_bad(w);
		memcpy(&w, ev->ts + len - 8, 8);
		bad |= ts_bad(w);
		return (bad & 0x8080808080808080ull) == 0;
	}
	/* The words stay inside ev->ts. */
	if ((len + 7) / 8 * 8 > sizeof(ev->ts))
		return false;
	for (i = 0; i < len; i += 8) {
		memcpy(&w, ev->ts + i, 8);
		w = ts_bad(w);
		if (len - i < 8)
			w &= (1ull << (8 * (len - i))) - 1;
		bad |= w;
	}
	return (bad & 0x8080808080808080ull) == 0;
}

/*
 * Bit 7 set in some byte of w if one of its bytes may need escaping: a
 * control character, '"', '&', '<', '>', '\\' or a byte past ASCII. Only
 * a byte that is set can set one above it (a borrow), so none set means
 * none needs escaping.
 */
static inline uint64_t
may_escape(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ull;
	uint64_t q = (w | 4 * ones) ^ 0x26 * ones;	/* '"' and '&' */
	uint64_t a = (w | 2 * ones) ^ 0x3e * ones;	/* '<' and '>' */
	uint64_t b = w ^ 0x5c * ones;			/* '\\' */

	return (((q - ones) & ~q) | ((a - ones) & ~a) | ((b - ones) & ~b) |
	    ((w - 0x20 * ones) & ~w) | w) & 0x80 * ones;
}

/*
 * Does s need no escaping? Keys are short words: up to 16 bytes are
 * tested in one or two words loaded from inside the string (it may be a
 * literal, with nothing readable past its end); a "maybe" and anything
 * longer are json_plain's to answer.
 */
static inline bool
plain(const char *s, size_t len)
{
	uint32_t a, b;
	uint64_t w, x;

	if (len >= 8 && len <= 16) {
		memcpy(&w, s, 8);
		memcpy(&x, s + len - 8, 8);
		w = may_escape(w) | may_escape(x);
	} else if (len >= 4 && len < 8) {
		memcpy(&a, s, 4);
		memcpy(&b, s + len - 4, 4);
		w = may_escape(a | (uint64_t)b << 32);
	} else if (len > 0 && len < 4) {
		w = may_escape((uint8_t)s[0] | (uint64_t)(uint8_t)s[len / 2] << 8 |
		    (uint64_t)(uint8_t)s[len - 1] << 16 | 0x6161616161000000ull);
	} else {
		w = len != 0;
	}
	return w == 0 || json_plain(s, len);
}

/* Strings are plain text almost always: copied, not escaped. */
static inline void
prepare_str(struct encoder *enc, struct prepared *ps, const char *s,
    size_t len)
{
	if (plain(s, len)) {
		ps->p = s;
		ps->len = len;
		return;
	}
	ps->p = NULL;
	ps->off = enc->scratch.len;
	json_esc(&enc->scratch, s, len, NULL);
	ps->len = enc->scratch.len - ps->off;
}

static const char *
str_at(const struct encoder *enc, const struct prepared *ps)
{
	return ps->p != NULL ? ps->p : enc->scratch.p + ps->off;
}

#define LIT_SEQ		"{\"sequence\":"
#define LIT_TS		",\"timestamp\":\""
#define LIT_NODE	"\",\"node\":\""
#define LIT_MSGS	"\",\"messages\":["
#define LIT_REC_END	"\"}"
#define LIT_TYPE	"{\"type\":"
#define LIT_DATA	",\"data\":\""
#define LIT_UMAP	"],\"uid_map\":{"
#define LIT_KEY		"},\"rule_key\":\""
#define LIT_END_KEY	"\"}\n"
#define LIT_END		"}}\n"
#define LEN(lit)	(sizeof(lit) - 1)

/*
 * The messages as the line holds them: without the first one's lead,
 * with the last one's "}, which event_add leaves to us; none if no record.
 */
static inline size_t
msgs_len(const struct event *ev)
{
	return ev->json.len != 0 ?
	    ev->json.len - ENCODE_MSGS_LEAD + LEN(LIT_REC_END) : 0;
}

/* The bytes write_head writes, once encode_size has prepared them. */
static inline size_t
head_len(const struct encoder *enc)
{
	return LEN(LIT_SEQ) + enc->seq_len + LEN(LIT_TS) + enc->ts.len +
	    (enc->node.len != 0 ? LEN(LIT_NODE) + enc->node.len : 0) +
	    LEN(LIT_MSGS);
}

size_t
encode_size(struct encoder *enc, const struct event *ev, enum event_format fmt)
{
	size_t n;

	buf_reset(&enc->scratch);
	prepare_uid_map(enc, ev);
	if (ts_digits(ev)) {
		enc->ts.p = ev->ts;
		enc->ts.len = ev->ts_len;
	} else {
		prepare_str(enc, &enc->ts, ev->ts, ev->ts_len);
	}
	enc->node.len = 0;
	if (ev->node != NULL)
		prepare_str(enc, &enc->node, ev->node->name, ev->node->len);
	enc->key.p = NULL;
	enc->key.len = 0;
	if (fmt == FMT_PAUDITD)
		prepare_str(enc, &enc->key, ev->info.key, ev->info.key_len);
	prepare_serial(enc, ev->serial);
	n = head_len(enc) + msgs_len(ev) + LEN(LIT_UMAP) + enc->umap_len;
	if (fmt == FMT_PAUDITD)
		n += LEN(LIT_KEY) + enc->key.len + LEN(LIT_END_KEY);
	else
		n += LEN(LIT_END);
	return n;
}

#define PUT(o, p, n)	do { memcpy((o), (p), (n)); (o) += (n); } while (0)
#define PUT_LIT(o, lit)	PUT((o), (lit), LEN(lit))

/*
 * The opening encode_record_open copies for a type from 1000 to 3999
 * (encode.h), its four digits written over the zeros.
 */
#define REC_SEP		LIT_REC_END ","
const char encode_rec_open[ENCODE_REC_OPEN_COPY + 1] =
    REC_SEP LIT_TYPE "0000" LIT_DATA;
_Static_assert(sizeof(REC_SEP LIT_TYPE) - 1 == ENCODE_REC_TYPE_AT &&
    sizeof(REC_SEP LIT_TYPE "0000" LIT_DATA) - 1 == ENCODE_REC_OPEN_LEN &&
    ENCODE_REC_OPEN_LEN <= ENCODE_REC_OPEN_COPY, "a record's opening");

/*
 * The digits of each type from 1000 up, laid out by the compiler: a
 * division and two lookups a record otherwise, and a test a record if
 * they were filled in as types are seen.
 */
#define DG10(a, b, c)	{ a, b, c, '0' }, { a, b, c, '1' }, { a, b, c, '2' }, \
			{ a, b, c, '3' }, { a, b, c, '4' }, { a, b, c, '5' }, \
			{ a, b, c, '6' }, { a, b, c, '7' }, { a, b, c, '8' }, \
			{ a, b, c, '9' }
#define DG100(a, b)	DG10(a, b, '0'), DG10(a, b, '1'), DG10(a, b, '2'), \
			DG10(a, b, '3'), DG10(a, b, '4'), DG10(a, b, '5'), \
			DG10(a, b, '6'), DG10(a, b, '7'), DG10(a, b, '8'), \
			DG10(a, b, '9')
#define DG1000(a)	DG100(a, '0'), DG100(a, '1'), DG100(a, '2'), \
			DG100(a, '3'), DG100(a, '4'), DG100(a, '5'), \
			DG100(a, '6'), DG100(a, '7'), DG100(a, '8'), \
			DG100(a, '9')
const char encode_type_digits[ENCODE_REC_TYPES][4] = {
	DG1000('1'), DG1000('2'), DG1000('3'),
};

/* Any other type: its digits worked out. */
void
encode_record_open_any(struct buf *b, uint32_t type)
{
	size_t n;
	char *o;

	n = u64_len(type);
	o = buf_reserve(b, LEN(REC_SEP) + LEN(LIT_TYPE) + n + LEN(LIT_DATA));
	PUT_LIT(o, REC_SEP);
	PUT_LIT(o, LIT_TYPE);
	json_u64_back(o + n, type);
	o += n;
	PUT_LIT(o, LIT_DATA);
	b->len = (size_t)(o - b->p);
}

/* The line before the messages: sequence, timestamp, node, the array's '['. */
static inline char *
write_head(const struct encoder *enc, char *o)
{
	PUT_LIT(o, LIT_SEQ);
	o = put_short(o, enc->seq, enc->seq_len);
	PUT_LIT(o, LIT_TS);
	o = put_short(o, str_at(enc, &enc->ts), enc->ts.len);
	if (enc->node.len != 0) {
		PUT_LIT(o, LIT_NODE);
		o = put_short(o, str_at(enc, &enc->node), enc->node.len);
	}
	PUT_LIT(o, LIT_MSGS);
	return o;
}

/* The line after the messages: their end, uid_map, rule_key. */
static inline char *
write_end(const struct encoder *enc, enum event_format fmt, char *o)
{
	PUT_LIT(o, LIT_UMAP);
	o = put_short(o, enc->umap != NULL ? enc->umap :
	    enc->scratch.p + enc->umap_off, enc->umap_len);
	if (fmt == FMT_PAUDITD) {
		PUT_LIT(o, LIT_KEY);
		o = put_short(o, str_at(enc, &enc->key), enc->key.len);
		PUT_LIT(o, LIT_END_KEY);
	} else {
		PUT_LIT(o, LIT_END);
	}
	return o;
}

void
encode_write(struct encoder *enc, const struct event *ev,
    enum event_format fmt, char *o)
{
	o = write_head(enc, o);
	if (ev->json.len != 0) {
		PUT(o, ev->json.p + ENCODE_MSGS_LEAD,
		    ev->json.len - ENCODE_MSGS_LEAD);
		PUT_LIT(o, LIT_REC_END);
	}
	write_end(enc, fmt, o);
}

char *
encode_in_place(struct encoder *enc, struct event *ev, enum event_format fmt,
    size_t room, size_t *ret_len)
{
	size_t n, head, end;
	char *line, *o;

	if (ev->json.len == 0)
		return NULL;
	n = encode_size(enc, ev, fmt);
	head = head_len(enc);
	end = n - head - msgs_len(ev) + LEN(LIT_REC_END);
	if (head > ENCODE_HEAD_MAX + ENCODE_MSGS_LEAD || end > room)
		return NULL;
	line = ev->json.p + ENCODE_MSGS_LEAD - head;
	write_head(enc, line);
	o = ev->json.p + ev->json.len;
	PUT_LIT(o, LIT_REC_END);
	write_end(enc, fmt, o);
	*ret_len = n;
	return line;
}

void
encode_event(struct encoder *enc, const struct event *ev,
    enum event_format fmt, struct buf *out)
{
	size_t n = encode_size(enc, ev, fmt);

	encode_write(enc, ev, fmt, buf_reserve(out, n));
	out->len += n;
}
