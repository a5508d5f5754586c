/*
 * record.c: the record header parser.
 *
 * DESIGN: the hot path is a few memchr calls and one pass over the
 * digits of the serial; no copies. Type names in log lines go through
 * libaudit's own table (audit_name_to_msg_type) behind a small
 * direct-mapped cache, because a log repeats a handful of names.
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
};

static int
fail(enum record_error e)
{
	return -(int)(e + 1);
}

/*
 * The records of one event share their header: remember the last one
 * parsed (main thread only) so that the next record of the same event
 * costs one comparison instead of a digit loop.
 */
#define HDR_CACHE_MAX	48
static struct {
	char		text[HDR_CACHE_MAX];
	size_t		len;		/* "audit(...)" bytes, 0: empty */
	size_t		ts_len;
	uint64_t	serial;
	uint64_t	time_ms;
} hdr_cache;

static int parse_header_slow(const char *p, size_t len, struct record *r);

/*
 * The data follows the header's ')': skip the kernel's ": " (a bare ")"
 * or "):" at the end is accepted), and drop trailing NUL and newline.
 */
static void
set_data(const char *q, const char *end, struct record *r)
{
	if (q < end && *q == ':')
		q++;
	if (q < end && *q == ' ')
		q++;
	while (end > q && (end[-1] == '\0' || end[-1] == '\n'))
		end--;
	r->data = q;
	r->data_len = (size_t)(end - q);
}

static int
parse_header(const char *p, size_t len, struct record *r)
{
	size_t n = hdr_cache.len;
	int e;

	if (n != 0 && len > n && memcmp(p, hdr_cache.text, n) == 0) {
		r->ts = p + 6;
		r->ts_len = hdr_cache.ts_len;
		r->serial = hdr_cache.serial;
		r->time_ms = hdr_cache.time_ms;
		set_data(p + n, p + len, r);
		return 0;
	}
	if ((e = parse_header_slow(p, len, r)) < 0)
		return e;
	/* "audit(" + ts + ":" + serial + ")" */
	n = (size_t)(r->data - p);
	while (n > 0 && p[n - 1] != ')')
		n--;
	if (n > 0 && n <= HDR_CACHE_MAX) {
		memcpy(hdr_cache.text, p, n);
		hdr_cache.len = n;
		hdr_cache.ts_len = r->ts_len;
		hdr_cache.serial = r->serial;
		hdr_cache.time_ms = r->time_ms;
	}
	return 0;
}

static int
parse_header_slow(const char *p, size_t len, struct record *r)
{
	const char *end = p + len, *ts, *q, *digits;
	uint64_t serial = 0, sec = 0, ms = 0;
	unsigned msd = 0;

	if (len < 6 || memcmp(p, "audit(", 6) != 0)
		return fail(RECORD_ERR_HEADER);
	q = ts = p + 6;
	/* Seconds, then an optional '.' and milliseconds, then ':'. */
	while (q < end && (unsigned)(*q - '0') < 10)
		sec = sec * 10 + (uint64_t)(*q++ - '0');
	if (q < end && *q == '.') {
		for (q++; q < end && (unsigned)(*q - '0') < 10; q++)
			if (msd++ < 3)
				ms = ms * 10 + (uint64_t)(*q - '0');
		for (; msd < 3; msd++)
			ms *= 10;
	}
	if (q >= end || *q != ':' || q == ts || q - ts > RECORD_TS_MAX)
		return fail(RECORD_ERR_HEADER);
	r->ts = ts;
	r->ts_len = (size_t)(q - ts);
	digits = ++q;
	for (; q < end && (unsigned)(*q - '0') < 10; q++) {
		if (q - digits >= RECORD_SERIAL_DIGITS ||
		    serial > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return fail(RECORD_ERR_SERIAL);
		serial = serial * 10 + (uint64_t)(*q - '0');
	}
	if (q == digits || serial == 0)
		return fail(RECORD_ERR_SERIAL);
	if (q >= end || *q != ')')
		return fail(RECORD_ERR_HEADER);
	r->serial = serial;
	r->time_ms = sec * 1000 + ms;
	set_data(q + 1, end, r);
	return 0;
}

int
record_parse(uint32_t type, const char *p, size_t len, struct record *ret_rec)
{
	struct record r;
	int e;

	if ((e = parse_header(p, len, &r)) < 0)
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
	t = audit_name_to_msg_type(buf);
	if (t <= 0 || t > 0xffff)
		return -1;
	memcpy(ce->name, buf, len + 1);
	ce->type = t;
	return t;
}

/*
 * In front of that cache, one for the names of up to 15 bytes read from
 * a line, where the 16 bytes from the name on can be loaded at once: the
 * key is those bytes with everything from the space on zeroed, so the
 * space, the length and the comparison take a few SSE2 instructions and
 * no byte loop. Main thread only.
 */
#define LINE_TYPE_CACHE_SIZE	64

struct line_type_ent {
	__m128i		key;
	uint32_t	len;
	int		type;
};
static struct line_type_ent line_type_cache[LINE_TYPE_CACHE_SIZE];

/* 16 - n bytes of ones, then zeros: loaded from 16 - n, keeps n bytes. */
static const unsigned char keep_mask[32] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

/*
 * The type of the name at `name`, ended by a space, into *ret_type (-1
 * if unknown); returns the space, or NULL if the name is not one this
 * cache can take (too long, or too near `end`).
 */
static const char *
type_from_line(const char *name, const char *end, int *ret_type)
{
	struct line_type_ent *ce;
	__m128i v, key;
	uint64_t h;
	unsigned sp, n;

	if (end - name < 16)
		return NULL;
	v = _mm_loadu_si128((const __m128i *)name);
	sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
	if (sp == 0)
		return NULL;
	n = (unsigned)__builtin_ctz(sp);
	key = _mm_and_si128(v,
	    _mm_loadu_si128((const __m128i *)(keep_mask + 16 - n)));
	h = (uint64_t)_mm_cvtsi128_si64(key) ^
	    (uint64_t)_mm_cvtsi128_si64(_mm_srli_si128(key, 8)) * 31;
	ce = &line_type_cache[(h * 0x9e3779b97f4a7c15ull) >> 58];
	if (ce->len == n && ce->type > 0 &&
	    _mm_movemask_epi8(_mm_cmpeq_epi8(ce->key, key)) == 0xffff) {
		*ret_type = ce->type;
		return name + n;
	}
	*ret_type = record_type_from_name(name, n);
	if (*ret_type > 0) {
		ce->key = key;
		ce->len = n;
		ce->type = *ret_type;
	}
	return name + n;
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

int
record_parse_line_cut(const char *p, size_t len, struct record *ret_rec)
{
	const char *end, *q, *node = NULL, *name;
	size_t node_len = 0;
	struct record r;
	int type, e;

	while (len > 0 && (p[len - 1] == '\r' || p[len - 1] == '\n'))
		len--;
	end = p + len;
	q = p;
	if (len >= 5 && memcmp(q, "node=", 5) == 0) {
		node = q + 5;
		q = memchr(node, ' ', (size_t)(end - node));
		if (q == NULL)
			return fail(RECORD_ERR_HEADER);
		node_len = (size_t)(q - node);
		q++;
	}
	if (end - q < 5 || memcmp(q, "type=", 5) != 0)
		return fail(RECORD_ERR_HEADER);
	name = q + 5;
	if ((q = type_from_line(name, end, &type)) == NULL) {
		q = memchr(name, ' ', (size_t)(end - name));
		if (q == NULL)
			return fail(RECORD_ERR_HEADER);
		type = record_type_from_name(name, (size_t)(q - name));
	}
	q++;
	if (end - q < 4 || memcmp(q, "msg=", 4) != 0)
		return fail(RECORD_ERR_HEADER);
	q += 4;
	if ((e = parse_header(q, (size_t)(end - q), &r)) < 0)
		return e;
	if (type < 0)
		return fail(RECORD_ERR_TYPE);
	r.type = (uint32_t)type;
	r.node = node;
	r.node_len = node_len;
	*ret_rec = r;
	return 0;
}
