/*
 * record.c: the record header parser.
 *
 * DESIGN: no copies, and on the hot path no loop over bytes. Type names
 * in log lines go through libaudit's own table (audit_name_to_msg_type,
 * then the kernel's types newer than it) behind small direct-mapped
 * caches, because a log repeats a handful of names; the records of an
 * event share their header, so the last header is cached too, and its
 * time when only the serial changes. The caller of record_parse_line_cut
 * has found the ENRICHED separator already.
 */
#include <emmintrin.h>
#include <libaudit.h>
#include <stdbool.h>
#include <string.h>

#include "pauditd.h"
#include "record.h"

const char *const record_error_names[RECORD_ERR_MAX] = {
	[RECORD_ERR_HEADER] = "header",
	[RECORD_ERR_SERIAL] = "serial",
	[RECORD_ERR_TYPE] = "type",
	[RECORD_ERR_LENGTH] = "length",
	[RECORD_ERR_NODE] = "node",
};

static int
fail(enum record_error e)
{
	return -(int)(e + 1);
}

/*
 * The records of one event share their header: remember the last one
 * parsed (main thread only) so that the next record of the same event
 * costs one comparison instead of a digit loop, and the next event, when
 * its time has the seconds of the last one, only the milliseconds' and
 * the serial's digits.
 */
#define HDR_CACHE_MAX	48
static struct {
	char		text[HDR_CACHE_MAX];
	/*
	 * "audit(...): " bytes, the kernel's ": " included, when 16 to 48
	 * of them (the data starts right after); else SIZE_MAX, which no
	 * line is long enough to reach: a hit tests the length once.
	 */
	size_t		len;
	size_t		ts_len;
	size_t		sec_len;	/* "audit(SEC." bytes, 0: no such shape */
	uint64_t	serial;
	uint64_t	time_ms;
	uint64_t	sec_ms;		/* SEC * 1000 */
} hdr_cache = { .len = SIZE_MAX };

static int parse_header_miss(const char *p, size_t len, struct record *r,
    bool trim);

/* Drop trailing NUL and newline bytes from the data. */
static inline void
trim_data(struct record *r)
{
	while (r->data_len > 0 && (r->data[r->data_len - 1] == '\0' ||
	    r->data[r->data_len - 1] == '\n'))
		r->data_len--;
}

/*
 * The data follows the header's ')': skip the kernel's ": " (a bare ")"
 * or "):" at the end is accepted), and drop trailing NUL and newline
 * unless the caller knows that the last byte is neither (!trim).
 */
static inline void
set_data(const char *q, const char *end, struct record *r, bool trim)
{
	uint16_t w;

	/* The kernel's ": " as one 16-bit compare. */
	if (end - q >= 2 && (memcpy(&w, q, 2), w == (':' | ' ' << 8))) {
		q += 2;
	} else {
		if (q < end && *q == ':')
			q++;
		if (q < end && *q == ' ')
			q++;
	}
	r->data = q;
	r->data_len = (size_t)(end - q);
	if (trim)
		trim_data(r);
}

/*
 * Whether the first n bytes of p and of the cached header are equal, for
 * 16 <= n <= HDR_CACHE_MAX: the first and last 16 bytes, overlapping as n
 * has them, and the middle 16 only past 32 bytes, as a serial of 9 digits
 * or more makes a header of 10-digit seconds (a test costs less than a
 * third compare).
 */
static inline bool
hdr_match(const char *p, size_t n)
{
	__m128i a, b;

	a = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)p),
	    _mm_loadu_si128((const __m128i *)hdr_cache.text));
	b = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + n - 16)),
	    _mm_loadu_si128((const __m128i *)(hdr_cache.text + n - 16)));
	a = _mm_and_si128(a, b);
	if (n > 32)
		a = _mm_and_si128(a, _mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(p + 16)),
		    _mm_loadu_si128((const __m128i *)(hdr_cache.text + 16))));
	return _mm_movemask_epi8(a) == 0xffff;
}

/* The same, for any n. */
static inline bool
hdr_prefix(const char *p, size_t n)
{
	if (n < 16 || n > HDR_CACHE_MAX)
		return memcmp(p, hdr_cache.text, n) == 0;
	return hdr_match(p, n);
}

/*
 * Keep the k bytes of header at p (16 <= k <= HDR_CACHE_MAX, p readable
 * that far) for hdr_match: the same loads as it compares.
 */
static inline __attribute__((always_inline)) void
hdr_cache_fill(const char *p, size_t k)
{
	_mm_storeu_si128((__m128i *)hdr_cache.text,
	    _mm_loadu_si128((const __m128i *)p));
	if (k > 32)
		_mm_storeu_si128((__m128i *)(hdr_cache.text + 16),
		    _mm_loadu_si128((const __m128i *)(p + 16)));
	_mm_storeu_si128((__m128i *)(hdr_cache.text + k - 16),
	    _mm_loadu_si128((const __m128i *)(p + k - 16)));
	hdr_cache.len = k;
}

static inline int
parse_header(const char *p, size_t len, struct record *r, bool trim)
{
	size_t n = hdr_cache.len;

	/*
	 * The cache holds the ": " after the header too, so that a hit has
	 * nothing left to read: the data starts n bytes on. An empty cache
	 * has n == SIZE_MAX, longer than any len.
	 */
	if (len >= n && hdr_match(p, n)) {
		r->ts = p + 6;
		r->ts_len = hdr_cache.ts_len;
		r->serial = hdr_cache.serial;
		r->time_ms = hdr_cache.time_ms;
		r->data = p + n;
		r->data_len = len - n;
		if (trim)
			trim_data(r);
		return 0;
	}
	return parse_header_miss(p, len, r, trim);
}

/*
 * "audit(SEC[.MSEC]:" at p: the time into *ret_ms, and the serial's first
 * digit returned, or NULL. *ret_sec_len is the length of "audit(SEC." when
 * MSEC has the kernel's 3 digits (the shape parse_header_miss can reuse),
 * else 0; *ret_sec_ms is SEC * 1000.
 */
static const char *
parse_ts(const char *p, const char *end, uint64_t *ret_ms, size_t *ret_sec_len,
    uint64_t *ret_sec_ms)
{
	const char *ts, *q, *dot = NULL;
	uint64_t sec = 0, ms = 0;
	unsigned msd = 0;

	if (end - p < 6 || memcmp(p, "audit(", 6) != 0)
		return NULL;
	q = ts = p + 6;
	/* Seconds, then an optional '.' and milliseconds, then ':'. */
	while (q < end && (unsigned)(*q - '0') < 10)
		sec = sec * 10 + (uint64_t)(*q++ - '0');
	/*
	 * At most 12 digits of seconds (the year 33658): the milliseconds,
	 * and the clock's sums with them, stay far from wrapping (a review
	 * made 18446744073709551 seconds wrap and time out every event).
	 */
	if (q - ts > RECORD_SEC_DIGITS_MAX)
		return NULL;
	if (q < end && *q == '.') {
		dot = q;
		for (q++; q < end && (unsigned)(*q - '0') < 10; q++)
			if (msd++ < 3)
				ms = ms * 10 + (uint64_t)(*q - '0');
		for (; msd < 3; msd++)
			ms *= 10;
	}
	if (q >= end || *q != ':' || q == ts || q - ts > RECORD_TS_MAX)
		return NULL;
	/* 3 digits: a header read with the fast path is no longer. */
	*ret_sec_len = dot != NULL && q - dot == 4 ? (size_t)(dot + 1 - p) : 0;
	*ret_sec_ms = sec * 1000;
	*ret_ms = sec * 1000 + ms;
	return q + 1;
}

static inline uint32_t
load32(const char *p)
{
	uint32_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* The 4 bytes of s, as load32 reads them from text. */
#define WORD4(s)	((uint32_t)(s)[0] | (uint32_t)(s)[1] << 8 |	\
			(uint32_t)(s)[2] << 16 | (uint32_t)(s)[3] << 24)

/* Bit 7 set in each byte of w that is not an ASCII digit. */
static inline uint64_t
nondigits(uint64_t w)
{
	uint64_t l = w & 0x7f7f7f7f7f7f7f7full;

	/* Bytes below 0x80 plus 0x50 or 0x46 never carry into the next. */
	return (~(l + 0x5050505050505050ull) | (l + 0x4646464646464646ull) |
	    w) & 0x8080808080808080ull;
}

/*
 * The value of the 8 digits in w, the first (lowest) byte the most
 * significant; a NUL byte counts as a leading zero.
 */
static inline uint64_t
digits8(uint64_t w)
{
	w = (w & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
	w = (w & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
	return (w & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
}

/* The value of the first n < 8 digits of w (0 for none). */
static inline uint64_t
digits_lt8(uint64_t w, unsigned n)
{
	return n == 0 ? 0 : digits8(w << (64 - 8 * n));
}

static const uint64_t pow10_lt8[8] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000,
};

/* The serial's digits from q: the ')' after them, or NULL. */
static const char *
parse_serial(const char *q, const char *end, uint64_t *ret_serial)
{
	const char *digits = q;
	uint64_t serial = 0, w, w2, nd;
	unsigned d, n;

	/*
	 * Up to 15 digits, with 16 bytes to read, take no loop: a word's
	 * non-digits give the count, and the digits are summed in parallel.
	 */
	if (end - q >= 16) {
		memcpy(&w, q, 8);
		if ((nd = nondigits(w)) != 0) {
			n = (unsigned)__builtin_ctzll(nd) >> 3;
			serial = digits_lt8(w, n);
			q += n;
			goto out;
		}
		memcpy(&w2, q + 8, 8);
		if ((nd = nondigits(w2)) != 0) {
			n = (unsigned)__builtin_ctzll(nd) >> 3;
			serial = digits8(w) * pow10_lt8[n] + digits_lt8(w2, n);
			q += 8 + n;
			goto out;
		}
	}
	for (; q < end && (d = (unsigned)(*q - '0')) < 10; q++) {
		/* 19 digits always fit in 64 bits: only the 20th can overflow. */
		if (q - digits >= RECORD_SERIAL_DIGITS - 1 &&
		    (q - digits >= RECORD_SERIAL_DIGITS ||
		    serial > (UINT64_MAX - d) / 10))
			return NULL;
		serial = serial * 10 + d;
	}
out:
	if (q == digits || serial == 0)
		return NULL;
	*ret_serial = serial;
	return q;
}

/*
 * "ddd:" in the 4 bytes of w (loaded little-endian): their value into
 * *ret_ms.
 */
static inline bool
ms_colon(uint32_t w, uint64_t *ret_ms)
{
	/* A digit's high nibble is 3, and stays 3 when 6 is added to it. */
	if ((w & 0xfff0f0f0u) != 0x3a303030u ||
	    ((w + 0x00060606u) & 0x00f0f0f0u) != 0x00303030u)
		return false;
	*ret_ms = (w & 0xf) * 100 + (w >> 8 & 0xf) * 10 + (w >> 16 & 0xf);
	return true;
}

/*
 * A header other than the cached one, in any shape. The next event's
 * time mostly has the seconds of the last one: then only the
 * milliseconds and the serial are read.
 */
static __attribute__((noinline)) int
parse_header_slow(const char *p, size_t len, struct record *r)
{
	const char *end = p + len, *q;
	size_t ts_len, sec_len = hdr_cache.sec_len, n, k;
	uint64_t time_ms, serial, sec_ms = hdr_cache.sec_ms, ms;

	if (sec_len != 0 && len > sec_len + 4 && hdr_prefix(p, sec_len) &&
	    ms_colon(load32(p + sec_len), &ms)) {
		q = p + sec_len + 4;
		ts_len = sec_len - 6 + 3;
		time_ms = sec_ms + ms;
	} else {
		if ((q = parse_ts(p, end, &time_ms, &sec_len, &sec_ms)) == NULL)
			return fail(RECORD_ERR_HEADER);
		ts_len = (size_t)(q - 1 - (p + 6));
	}
	if ((q = parse_serial(q, end, &serial)) == NULL)
		return fail(RECORD_ERR_SERIAL);
	if (q >= end || *q != ')')
		return fail(RECORD_ERR_HEADER);
	r->ts = p + 6;
	r->ts_len = ts_len;
	r->serial = serial;
	r->time_ms = time_ms;
	set_data(q + 1, end, r, true);
	n = (size_t)(q + 1 - p);
	/* With the kernel's ": " after it, what parse_header compares. */
	k = end - q > 2 && q[1] == ':' && q[2] == ' ' ? n + 2 : 0;
	if (k >= 16 && k <= HDR_CACHE_MAX) {
		hdr_cache_fill(p, k);
	} else if (n <= HDR_CACHE_MAX) {
		/* No hit on it, but its seconds can serve the next miss. */
		memcpy(hdr_cache.text, p, n);
		hdr_cache.len = SIZE_MAX;
	} else {
		return 0;
	}
	hdr_cache.ts_len = ts_len;
	hdr_cache.sec_len = sec_len;
	hdr_cache.serial = serial;
	hdr_cache.time_ms = time_ms;
	hdr_cache.sec_ms = sec_ms;
	return 0;
}

/*
 * A header other than the cached one, out of line so that a hit saves no
 * registers. Here only the usual next event's: the cached seconds, 3
 * digits of milliseconds, a serial of up to 7 digits and the kernel's
 * ": ", which takes few enough values to need no register saved; any
 * other goes to parse_header_slow, which gives the same results. With
 * !trim (parse_header's) the data's last byte is known to be no NUL or
 * newline; parse_header_slow trims anyway, finding nothing.
 */
static __attribute__((noinline)) int
parse_header_miss(const char *p, size_t len, struct record *r, bool trim)
{
	size_t sec_len = hdr_cache.sec_len, n, k;
	const char *q;
	uint64_t w, nd, serial, ms;

	/* 16 bytes from the serial on, as parse_serial wants them. */
	if (sec_len - 16 > 16 || len < sec_len + 4 + 16)
		return parse_header_slow(p, len, r);
	if (!hdr_match(p, sec_len) || !ms_colon(load32(p + sec_len), &ms))
		return parse_header_slow(p, len, r);
	q = p + sec_len + 4;
	memcpy(&w, q, 8);
	if ((nd = nondigits(w)) == 0)
		return parse_header_slow(p, len, r);
	n = (unsigned)__builtin_ctzll(nd) >> 3;
	/* No digit, or a zero serial, is an error parse_header_slow gives. */
	if ((serial = digits_lt8(w, (unsigned)n)) == 0 ||
	    (load32(q + n) & 0xffffff) != WORD4("): ") ||
	    (k = sec_len + 4 + n + 3) > HDR_CACHE_MAX)
		return parse_header_slow(p, len, r);
	r->ts = p + 6;
	r->ts_len = sec_len - 6 + 3;
	r->serial = serial;
	r->time_ms = hdr_cache.sec_ms + ms;
	r->data = p + k;
	r->data_len = len - k;
	if (trim)
		trim_data(r);
	hdr_cache_fill(p, k);
	hdr_cache.ts_len = r->ts_len;
	hdr_cache.serial = serial;
	hdr_cache.time_ms = r->time_ms;
	return 0;
}

int
record_parse(uint32_t type, const char *p, size_t len, struct record *ret_rec)
{
	struct record r;
	int e;

	if ((e = parse_header(p, len, &r, true)) < 0)
		return e;
	r.type = type;
	r.node = NULL;
	r.node_len = 0;
	*ret_rec = r;
	return 0;
}

/* A direct-mapped cache of type names; main thread only. */
#define TYPE_CACHE_SIZE	128
#define TYPE_NAME_MAX	31

struct type_cache_ent {
	char	name[TYPE_NAME_MAX + 1];
	int	type;
};
static struct type_cache_ent type_cache[TYPE_CACHE_SIZE];

/*
 * Kernel record types newer than the libaudit pauditd may be built with
 * (Debian 12's 3.0.9 knows up to OPENAT2): a log written by a newer auditd
 * names them, and they must not be skipped as malformed for it. Numbers
 * from the kernel's include/uapi/linux/audit.h.
 */
static const struct {
	const char	*name;
	int		 type;
} newer_types[] = {
	{ "DM_CTRL", 1338 },		/* device mapper control */
	{ "DM_EVENT", 1339 },		/* device mapper events */
	{ "IPE_ACCESS", 1420 },		/* IPE denial or grant */
	{ "IPE_CONFIG_CHANGE", 1421 },
	{ "IPE_POLICY_LOAD", 1422 },
	{ "LANDLOCK_ACCESS", 1423 },	/* Landlock denial */
	{ "LANDLOCK_DOMAIN", 1424 },	/* Landlock domain status */
	{ "MAC_TASK_CONTEXTS", 1425 },	/* several LSMs' task contexts */
	{ "MAC_OBJ_CONTEXTS", 1426 },	/* several LSMs' object contexts */
};

/* libaudit's number for a type name, or one it may be too old to know. */
static int
type_number(const char *name)
{
	int t = audit_name_to_msg_type(name);
	size_t i;

	if (t > 0)
		return t;
	for (i = 0; i < sizeof(newer_types) / sizeof(newer_types[0]); i++)
		if (strcmp(newer_types[i].name, name) == 0)
			return newer_types[i].type;
	return -1;
}

int
record_type_from_name(const char *name, size_t len)
{
	char buf[TYPE_NAME_MAX + 1];
	struct type_cache_ent *ce;
	uint32_t h = 2166136261u;
	size_t i;
	int t;

	if (len == 0 || len > TYPE_NAME_MAX)
		return -1;
	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	ce = &type_cache[h % TYPE_CACHE_SIZE];
	if (ce->type > 0 && ce->name[len] == '\0' && memcmp(ce->name, name, len) == 0)
		return ce->type;
	memcpy(buf, name, len);
	buf[len] = '\0';
	t = type_number(buf);
	if (t <= 0 || t > 0xffff)
		return -1;
	memcpy(ce->name, buf, len + 1);
	ce->type = t;
	return t;
}

/*
 * In front of that cache, one for the names of up to 15 bytes read from
 * a line, where the 16 bytes from the name on can be loaded at once. An
 * entry holds such 16 bytes as they were read: they match a line's when
 * they agree up to and including the line's first space, which is then
 * the entry's first space too, so the name is the same. The bytes after
 * the space are not compared (but for the "msg=" that follows a short
 * name, see line_type_upto), and need no masking; an empty entry (all
 * zero) has no space and matches nothing. Two entries per slot, the
 * newer first, as a log's twenty-odd names often share a slot of a
 * small table. Main thread only.
 */
#define LINE_TYPE_SLOTS	64

struct line_type_ent {
	__m128i		text;
	int		type;
};
static struct line_type_ent line_type_cache[LINE_TYPE_SLOTS][2];

/*
 * For a name of n bytes, the bits of the name, its space and the "msg="
 * after them, when those are all in the 16 bytes (n <= 11): an entry
 * is only made for a line that had the "msg=", so a hit on these bits
 * has checked it too. For a longer name, bit 16, which a compare's
 * complement always has: no hit here.
 */
static const unsigned line_type_upto[16] = {
	0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff, 0x3fff,
	0x7fff, 0xffff, 0x10000, 0x10000, 0x10000, 0x10000,
};

/* Whether e holds the name whose bytes and space are the `upto` of v. */
static inline bool
line_type_hit(const struct line_type_ent *e, __m128i v, unsigned upto)
{
	return (~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(e->text, v)) &
	    upto) == 0;
}

/*
 * The type of the name at `name`, ended by a space and then "msg=",
 * into *ret_type (-1 if unknown); returns the byte after the "msg=", or
 * NULL if the name is not one this cache can take (too long, or too
 * near `end`) or has no "msg=" after it, for the caller's slower way.
 */
static inline const char *
type_from_line(const char *name, const char *end, int *ret_type)
{
	struct line_type_ent *ce;
	const char *q;
	__m128i v;
	uint64_t h;
	unsigned sp, n, upto;

	if (end - name < 16)
		return NULL;
	v = _mm_loadu_si128((const __m128i *)name);
	sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
	if (sp == 0)
		return NULL;
	n = (unsigned)__builtin_ctz(sp);
	/*
	 * The slot: the line's first 8 bytes, name or not (a shorter name
	 * is followed by " msg=..." in every line that can hit). Not the
	 * name's bytes alone: masking them waits for n, and the slot's load
	 * is the head of every line's chain of dependent loads.
	 */
	h = (uint64_t)_mm_cvtsi128_si64(v);
	ce = line_type_cache[(h * 0x9e3779b97f4a7c15ull) >> 58];
	if (line_type_hit(&ce[0], v, line_type_upto[n])) {
		*ret_type = ce[0].type;
		return name + n + 5;
	}
	q = name + n + 1;
	if (end - q < 4 || load32(q) != WORD4("msg="))
		return NULL;
	upto = sp ^ (sp - 1);	/* the bits of the name's bytes and space */
	if (line_type_hit(&ce[0], v, upto)) {
		*ret_type = ce[0].type;
		return q + 4;
	}
	if (line_type_hit(&ce[1], v, upto)) {
		*ret_type = ce[1].type;
		return q + 4;
	}
	*ret_type = record_type_from_name(name, n);
	if (*ret_type > 0) {
		ce[1] = ce[0];
		ce[0].text = v;
		ce[0].type = *ret_type;
	}
	return q + 4;
}

int
record_parse_line(const char *p, size_t len, struct record *ret_rec)
{
	const char *sep;

	/* auditd's ENRICHED format appends interpreted fields after 0x1d. */
	if ((sep = memchr(p, 0x1d, len)) != NULL)
		len = (size_t)(sep - p);
	return record_parse_line_cut(p, len, ret_rec);
}

/*
 * Inlined into the pipeline's loop over a batch of lines (with LTO),
 * where the registers it needs are saved once per batch, not per line.
 */
inline __attribute__((always_inline)) int
record_parse_line_cut(const char *p, size_t len, struct record *ret_rec)
{
	const char *end, *q, *name;
	bool trim;
	int type, e;

	/*
	 * A line whose last byte is above '\r' has nothing to trim, here
	 * or after the header: one test for the usual line, and the exact
	 * trims (CR and LF here, NUL and LF from the data) for the others.
	 */
	if ((trim = len == 0 || (unsigned char)p[len - 1] <= '\r')) {
		while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
			len--;
	}
	end = p + len;
	ret_rec->node = NULL;
	ret_rec->node_len = 0;
	q = p;
	/* Most lines have no node: look for "type=" first. */
	if (len < 5 || load32(q) != WORD4("type") || q[4] != '=') {
		if (len < 5 || load32(q) != WORD4("node") || q[4] != '=')
			return fail(RECORD_ERR_HEADER);
		ret_rec->node = q + 5;
		q = memchr(q + 5, ' ', (size_t)(end - (q + 5)));
		if (q == NULL)
			return fail(RECORD_ERR_HEADER);
		ret_rec->node_len = (size_t)(q - ret_rec->node);
		q++;
		if (end - q < 5 || load32(q) != WORD4("type") || q[4] != '=')
			return fail(RECORD_ERR_HEADER);
	}
	name = q + 5;
	if ((q = type_from_line(name, end, &type)) == NULL) {
		q = memchr(name, ' ', (size_t)(end - name));
		if (q == NULL)
			return fail(RECORD_ERR_HEADER);
		type = record_type_from_name(name, (size_t)(q - name));
		q++;
		if (end - q < 4 || load32(q) != WORD4("msg="))
			return fail(RECORD_ERR_HEADER);
		q += 4;
	}
	if ((e = parse_header(q, (size_t)(end - q), ret_rec, trim)) < 0)
		return e;
	if (type < 0)
		return fail(RECORD_ERR_TYPE);
	ret_rec->type = (uint32_t)type;
	return 0;
}
