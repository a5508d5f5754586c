/*
 * fuzz_record.c: the record parser (src/record.h) on one input, read as
 * an auditd log line (record_parse_line, and record_parse_line_cut as
 * src_replay cuts it) and as a netlink payload (record_parse).
 *
 * Beyond not crashing, every result must keep the header's contract:
 * an error code of enum record_error, and on success slices inside the
 * input, the time and serial that the header's text says, no trailing
 * NUL or newline in the data. The parser caches the last header and the
 * type names: each parse runs twice (the second mostly hits the caches)
 * and both must agree, and a line's header parsed again as a payload
 * must give the same record. The caches are reset to a known header
 * first, so that an input reproduces alone what it did in the run.
 *
 * An input of several lines is also parsed line after line, as a log
 * is, each line with the caches as the line before left them: each
 * result must be the one the line gives after the reset.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "../../src/record.h"

/* A line whose header fills the header cache (its 16 bytes with ": "). */
static const char warm_line[] = "type=SYSCALL msg=audit(1.000:1): a=b";

static bool
inside(const uint8_t *base, size_t size, const char *p, size_t len)
{
	const char *b = (const char *)base;

	return p >= b && p <= b + size && len <= (size_t)(b + size - p);
}

/* "SEC[.MSEC]" as the header documents it: ms since the epoch. */
static uint64_t
ref_time_ms(const char *ts, size_t n)
{
	uint64_t sec = 0, ms = 0;
	size_t i = 0;
	unsigned d = 0;

	for (; i < n && ts[i] >= '0' && ts[i] <= '9'; i++)
		sec = sec * 10 + (uint64_t)(ts[i] - '0');
	if (i < n && ts[i] == '.')
		for (i++; i < n && ts[i] >= '0' && ts[i] <= '9'; i++)
			if (d++ < 3)
				ms = ms * 10 + (uint64_t)(ts[i] - '0');
	for (; d < 3; d++)
		ms *= 10;
	return sec * 1000 + ms;
}

/* The invariants of one successful parse of [p, p + size). */
static void
check_record(const char *what, const uint8_t *p, size_t size,
    const struct record *r)
{
	const char *s = (const char *)p, *q;
	uint64_t serial = 0;
	size_t i;

	FUZZ_CHECK(inside(p, size, r->ts, r->ts_len), "%s: ts outside the input", what);
	FUZZ_CHECK(r->ts_len >= 1 && r->ts_len <= RECORD_TS_MAX,
	    "%s: ts_len %zu", what, r->ts_len);
	FUZZ_CHECK(r->ts >= s + 6 && memcmp(r->ts - 6, "audit(", 6) == 0,
	    "%s: ts not after \"audit(\"", what);
	for (i = 0; i < r->ts_len; i++)
		FUZZ_CHECK((r->ts[i] >= '0' && r->ts[i] <= '9') || r->ts[i] == '.',
		    "%s: ts byte %zu is 0x%02x", what, i, (unsigned char)r->ts[i]);
	for (i = 0; i < r->ts_len && r->ts[i] != '.'; i++)
		;
	FUZZ_CHECK(i <= RECORD_SEC_DIGITS_MAX, "%s: %zu digits of seconds",
	    what, i);
	FUZZ_CHECK(r->time_ms == ref_time_ms(r->ts, r->ts_len),
	    "%s: time_ms %llu for ts \"%.*s\"", what,
	    (unsigned long long)r->time_ms, (int)r->ts_len, r->ts);
	/* ":SERIAL)" follows the time, then the data. */
	q = r->ts + r->ts_len;
	FUZZ_CHECK(q < s + size && *q == ':', "%s: no ':' after the ts", what);
	for (q++, i = 0; q < s + size && *q >= '0' && *q <= '9'; q++, i++)
		serial = serial * 10 + (uint64_t)(*q - '0');
	FUZZ_CHECK(i >= 1 && i <= RECORD_SERIAL_DIGITS && q < s + size && *q == ')',
	    "%s: serial text of %zu digits", what, i);
	FUZZ_CHECK(r->serial != 0 && r->serial == serial,
	    "%s: serial %llu, text says %llu", what,
	    (unsigned long long)r->serial, (unsigned long long)serial);
	FUZZ_CHECK(inside(p, size, r->data, r->data_len), "%s: data outside the input", what);
	FUZZ_CHECK(r->data > q && r->data <= q + 3,
	    "%s: data starts %td bytes after the ')'", what, r->data - q);
	FUZZ_CHECK(r->data_len == 0 || (r->data[r->data_len - 1] != '\0' &&
	    r->data[r->data_len - 1] != '\n'),
	    "%s: data ends with 0x%02x", what,
	    (unsigned char)r->data[r->data_len - 1]);
	if (r->node != NULL)
		FUZZ_CHECK(inside(p, size, r->node, r->node_len) &&
		    r->node == s + 5 && memcmp(s, "node=", 5) == 0,
		    "%s: node slice", what);
	else
		FUZZ_CHECK(r->node_len == 0, "%s: node_len without a node", what);
}

static void
check_ret(const char *what, int e)
{
	FUZZ_CHECK(e == 0 || (e < 0 && e >= -(int)RECORD_ERR_MAX),
	    "%s: returned %d", what, e);
}

/* The same result, field for field (the slices are the same pointers). */
static void
check_same(const char *what, int e1, const struct record *a, int e2,
    const struct record *b)
{
	FUZZ_CHECK(e1 == e2, "%s: returned %d, then %d", what, e1, e2);
	if (e1 != 0)
		return;
	FUZZ_CHECK(a->type == b->type && a->serial == b->serial &&
	    a->time_ms == b->time_ms && a->ts == b->ts && a->ts_len == b->ts_len &&
	    a->data == b->data && a->data_len == b->data_len &&
	    a->node == b->node && a->node_len == b->node_len,
	    "%s: two parses differ (serial %llu/%llu, data_len %zu/%zu)", what,
	    (unsigned long long)a->serial, (unsigned long long)b->serial,
	    a->data_len, b->data_len);
}

static void
fuzz_line(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *sep;
	struct record r1, r2, rc, rp;
	size_t cut, end;
	int e1, e2, ec, ep;

	e1 = record_parse_line(s, size, &r1);
	check_ret("line", e1);
	e2 = record_parse_line(s, size, &r2);
	check_same("line, twice", e1, &r1, e2, &r2);
	/* What src_replay hands the pipeline: cut before the first 0x1d. */
	sep = memchr(s, 0x1d, size);
	cut = sep != NULL ? (size_t)(sep - s) : size;
	ec = record_parse_line_cut(s, cut, &rc);
	check_same("line vs line_cut", e1, &r1, ec, &rc);
	if (e1 != 0)
		return;
	check_record("line", data, cut, &r1);
	FUZZ_CHECK(r1.type > 0 && r1.type <= 0xffff, "line: type %u", r1.type);
	/*
	 * The header of the line, as a payload up to the line's end (its
	 * trailing CRs and LFs off, as the line parser takes them off).
	 */
	end = cut;
	while (end > 0 && (s[end - 1] == '\r' || s[end - 1] == '\n'))
		end--;
	ep = record_parse(r1.type, r1.ts - 6, (size_t)(s + end - (r1.ts - 6)), &rp);
	rp.node = r1.node;
	rp.node_len = r1.node_len;
	check_same("line vs its header as a payload", e1, &r1, ep, &rp);
}

static void
fuzz_payload(const uint8_t *data, size_t size, uint32_t type)
{
	struct record r1, r2;
	int e1, e2;

	e1 = record_parse(type, (const char *)data, size, &r1);
	check_ret("payload", e1);
	e2 = record_parse(type, (const char *)data, size, &r2);
	check_same("payload, twice", e1, &r1, e2, &r2);
	if (e1 != 0)
		return;
	check_record("payload", data, size, &r1);
	FUZZ_CHECK(r1.type == type && r1.node == NULL, "payload: type or node");
}

static void
warm(void)
{
	struct record r;

	FUZZ_CHECK(record_parse_line(warm_line, sizeof(warm_line) - 1, &r) == 0,
	    "the warm-up line does not parse");
}

/* Each line after the one before, then alone after the reset. */
static void
fuzz_lines(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nl;
	struct record *seq, fresh;
	size_t n = 0, i, len;
	int *eseq, e;

	for (p = data; p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL;
	    p = nl + 1)
		n++;
	if (n == 0)
		return;
	if ((seq = calloc(n + 1, sizeof(*seq))) == NULL ||
	    (eseq = calloc(n + 1, sizeof(*eseq))) == NULL)
		abort();
	n = 0;
	warm();
	for (p = data; p < end; p = nl + 1, n++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		eseq[n] = record_parse_line((const char *)p, (size_t)(nl - p), &seq[n]);
		check_ret("line in a log", eseq[n]);
	}
	for (p = data, i = 0; i < n; p = nl + 1, i++) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		len = (size_t)(nl - p);
		warm();
		e = record_parse_line((const char *)p, len, &fresh);
		check_same("line in a log vs alone", eseq[i], &seq[i], e, &fresh);
		if (e == 0)
			check_record("line in a log", p, len, &seq[i]);
	}
	free(seq);
	free(eseq);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	warm();
	fuzz_line(data, size);
	warm();
	fuzz_payload(data, size, AUDIT_TYPE_SYSCALL);
	fuzz_lines(data, size);
	return 0;
}
