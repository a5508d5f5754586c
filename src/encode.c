/*
 * encode.c: pauditd's and go-audit's JSON line for an event.
 *
 *   {"sequence":N,"timestamp":"S.MS","messages":[{"type":T,"data":"..."},...],
 *    "uid_map":{"UID":"NAME",...},"rule_key":"KEY"}
 *
 * uid_map holds every value of every "...uid=" field of every record
 * except EXECVE, CWD and SOCKADDR (whose data is user-controlled), keys
 * sorted as Go sorts map keys (bytewise). Unlike pauditd we also take a
 * uid at the very end of a record whatever its length (pauditd drops
 * values longer than 5 characters there, e.g. a trailing auid=4294967295).
 */
#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "encode.h"
#include "event.h"
#include "json.h"
#include "record.h"
#include "uidmap.h"

#define UID_SLICES_MAX	512	/* distinct uids kept per event */

struct slice {
	const char	*p;
	size_t		 len;
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

static int
slice_cmp(const struct slice *a, const struct slice *b)
{
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	if (c != 0)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

/* Insert into the sorted set `v` unless present; returns the new count. */
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
	if (n == UID_SLICES_MAX)
		return n;
	memmove(&v[lo + 1], &v[lo], (n - lo) * sizeof(*v));
	v[lo] = s;
	return n + 1;
}

/*
 * Next "uid=" in [p, end): the position of its '=', or NULL. Scans 16
 * bytes at a time for '=' (SSE2), then looks behind each one; records
 * hold about twenty '=' and only a few are uids.
 */
static const char *
next_uid_eq(const char *d, const char *p, const char *end)
{
#ifdef __SSE2__
	const __m128i eq = _mm_set1_epi8('=');

	while (end - p >= 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
		unsigned bits = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, eq));

		while (bits != 0) {
			const char *q = p + __builtin_ctz(bits);

			if (q - d >= 3 && q[-1] == 'd' && q[-2] == 'i' && q[-3] == 'u')
				return q;
			bits &= bits - 1;
		}
		p += 16;
	}
#endif
	for (; p < end; p++)
		if (*p == '=' && p - d >= 3 && p[-1] == 'd' && p[-2] == 'i' &&
		    p[-3] == 'u')
			return p;
	return NULL;
}

static size_t
collect_uids(const struct event *ev, struct slice *v)
{
	struct slice last = { NULL, SIZE_MAX };	/* matches no value */
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < ev->nrec; i++) {
		const char *d = event_rec_data(ev, i), *end = d + ev->recs[i].len;
		const char *p = d, *val, *sp;
		uint32_t t = ev->recs[i].type;

		if (t == AUDIT_TYPE_EXECVE || t == AUDIT_TYPE_CWD ||
		    t == AUDIT_TYPE_SOCKADDR)
			continue;
		while ((p = next_uid_eq(d, p, end)) != NULL) {
			val = p + 1;
			for (sp = val; sp < end && *sp != ' '; sp++)
				;
			/* Most uids of an event repeat the one just seen. */
			if ((size_t)(sp - val) != last.len ||
			    memcmp(val, last.p, last.len) != 0) {
				n = uid_insert(v, n, val, (size_t)(sp - val));
				last.p = val;
				last.len = (size_t)(sp - val);
			}
			p = sp;
		}
	}
	return n;
}

static void
encode_uid_map(const struct event *ev, struct uidmap *ids, struct buf *out)
{
	struct slice v[UID_SLICES_MAX];
	size_t n, i, nl;
	const char *name;

	n = collect_uids(ev, v);
	buf_puts_lit(out, ",\"uid_map\":{");
	if (ids != NULL)
		uidmap_begin_event(ids);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_putc(out, ',');
		json_str(out, v[i].p, v[i].len);
		buf_putc(out, ':');
		if (ids != NULL) {
			name = uidmap_name(ids, v[i].p, v[i].len, &nl);
		} else {
			name = UIDMAP_UNKNOWN;
			nl = sizeof(UIDMAP_UNKNOWN) - 1;
		}
		json_str(out, name, nl);
	}
	buf_putc(out, '}');
}

void
encode_event(const struct event *ev, enum event_format fmt,
    struct uidmap *ids, struct buf *out)
{
	uint32_t i;

	buf_puts_lit(out, "{\"sequence\":");
	json_u64(out, ev->serial);
	buf_puts_lit(out, ",\"timestamp\":");
	json_str(out, ev->ts, ev->ts_len);
	buf_puts_lit(out, ",\"messages\":[");
	for (i = 0; i < ev->nrec; i++) {
		if (i > 0)
			buf_putc(out, ',');
		buf_puts_lit(out, "{\"type\":");
		json_u64(out, ev->recs[i].type);
		buf_puts_lit(out, ",\"data\":");
		json_str(out, event_rec_data(ev, i), ev->recs[i].len);
		buf_putc(out, '}');
	}
	buf_putc(out, ']');
	encode_uid_map(ev, ids, out);
	if (fmt == FMT_PAUDITD) {
		buf_puts_lit(out, ",\"rule_key\":");
		json_str(out, ev->info.key, ev->info.key_len);
	}
	buf_puts_lit(out, "}\n");
}
