/*
 * test_encode.c: the JSON line (encode.h) of events built with
 * event_begin/event_add (event.h), byte for byte: go-audit's
 * reference line, pauditd's minimal line, uid_map scanning and sorting,
 * and the rule key.
 */
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEST_RNG_SEED 4242
#include "harness.h"
#include "../../src/buf.h"
#include "../../src/encode.h"
#include "../../src/event.h"
#include "../../src/json.h"
#include "../../src/msg.h"
#include "../../src/record.h"
#include "../../src/uidmap.h"

struct rec_in {
	uint32_t	 type;
	const char	*data;
};

/*
 * What follows each record in a source buffer when an event is built
 * without keeping texts: fields that would change the line, the uid_map
 * or the key if anything read past the record's end.
 */
static const char past_end[] = "77 uid=4242 auid=4343 key=\"evil\" syscall=99 "
    "uid=4444 \"\\\x01 uid=4545 key=\"evil\" ";

static struct event *
ev_build_as(uint64_t serial, const char *ts, const struct rec_in *recs,
    bool keep_text)
{
	struct event *ev = event_new();
	struct record r;
	size_t len, pad = sizeof(past_end) - 1;
	char *src;

	_Static_assert(sizeof(past_end) - 1 >= JSON_PAD, "past_end too short");
	memset(&r, 0, sizeof(r));
	r.serial = serial;
	r.ts = ts;
	r.ts_len = strlen(ts);
	event_begin(ev, &r);
	ev->keep_text = keep_text;
	for (; recs->data != NULL; recs++) {
		len = strlen(recs->data);
		if (keep_text) {
			event_add(ev, recs->type, recs->data, len);
			continue;
		}
		/* As a source hands it: in a buffer, other text after it. */
		src = malloc(len + pad);
		memcpy(src, recs->data, len);
		memcpy(src + len, past_end, pad);
		event_add(ev, recs->type, src, len);
		/* Nothing of the event may point into it. */
		memset(src, '!', len + pad);
		free(src);
	}
	return ev;
}

static unsigned twins_built, twins_differ, in_place_built, in_place_differ;

/*
 * The line encode_in_place finishes around tw's messages (tw built
 * last, so in the message pool's tail) against ev's line from
 * encode_event, for fmt.
 */
static void
check_in_place(const struct event *ev, struct event *tw, enum event_format fmt)
{
	struct encoder *e = encoder_new(NULL);
	size_t room = event_tail_room(tw), n = 0;
	const char *line = NULL;
	struct buf x;

	buf_init(&x);
	encode_event(e, ev, fmt, &x);
	if (room > tw->info.key_len + 1)
		line = encode_in_place(e, tw, fmt, room - tw->info.key_len - 1, &n);
	if (line != NULL) {
		in_place_built++;
		if (n != x.len || memcmp(line, x.p, n) != 0) {
			in_place_differ++;
			fprintf(stderr, "  encode_event:     %.*s  encode_in_place:  %.*s",
			    (int)x.len, x.p, (int)n, line);
		}
	}
	buf_fini(&x);
	encoder_free(e);
}

static bool
same_line(const struct event *a, const struct event *b,
    enum event_format fmt)
{
	struct encoder *e = encoder_new(NULL);
	struct buf x, y;
	bool same;

	buf_init(&x);
	buf_init(&y);
	encode_event(e, a, fmt, &x);
	encode_event(e, b, fmt, &y);
	same = x.len == y.len && memcmp(x.p, y.p, x.len) == 0;
	if (!same)
		fprintf(stderr, "  kept text:    %.*s  dropped text: %.*s",
		    (int)x.len, x.p, (int)y.len, y.p);
	buf_fini(&x);
	buf_fini(&y);
	encoder_free(e);
	return same;
}

/*
 * Build a finished event from records, as the reassembler does, keeping
 * the texts; every event is also built without them (as the daemon does
 * without filters), from buffers with other text after each record, and
 * must give the same lines, key and uid values, and no syscall= (only
 * filters read it) (drop_text_twins_same).
 */
static struct event *
ev_build(uint64_t serial, const char *ts, const struct rec_in *recs)
{
	struct event *ev = ev_build_as(serial, ts, recs, true);
	struct event *tw = ev_build_as(serial, ts, recs, false);
	const struct event_info *a = &ev->info, *b = &tw->info;
	bool same = true;
	uint32_t i;

	twins_built++;
	same = same_line(ev, tw, FMT_PAUDITD) && same_line(ev, tw, FMT_GOAUDIT);
	same = same && a->key_len == b->key_len &&
	    memcmp(a->key, b->key, a->key_len) == 0 &&
	    a->key_is_tty == b->key_is_tty && b->syscall == NULL &&
	    ev->nuid == tw->nuid && tw->data.len == 0;
	for (i = 0; same && i < ev->nuid; i++)
		same = ev->uids[i].len == tw->uids[i].len &&
		    memcmp(event_uid_value(ev, i), event_uid_value(tw, i),
		    ev->uids[i].len) == 0;
	if (!same) {
		twins_differ++;
		fprintf(stderr, "  event %llu: built without its texts, it differs\n",
		    (unsigned long long)serial);
	}
	check_in_place(ev, tw, FMT_GOAUDIT);
	check_in_place(ev, tw, FMT_PAUDITD);
	event_free(tw);
	return ev;
}

/* Encode into a static NUL-terminated string and free the event. */
static const char *
enc(struct event *ev, enum event_format fmt, struct uidmap *ids)
{
	static char out[32768];
	struct buf b;

	struct encoder *e = encoder_new(ids);

	buf_init(&b);
	encode_event(e, ev, fmt, &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p);
	buf_fini(&b);
	encoder_free(e);
	event_free(ev);
	return out;
}

static const struct rec_in ga_recs[] = {
	{ 1300, "arch=c000003e syscall=59 success=yes exit=0 a0=cc4e68 a1=d10bc8 "
	    "a2=c69808 a3=7fff2a700900 items=2 ppid=11552 pid=11623 auid=1000 "
	    "uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 "
	    "sgid=1000 fsgid=1000 tty=pts0 ses=35 comm=\"ls\" exe=\"/bin/ls\" "
	    "key=(null)" },
	{ 1309, "argc=3 a0=\"ls\" a1=\"--color=auto\" a2=\"-alF\"" },
	{ 1307, " cwd=\"/home/ubuntu/src/slack-github.com/rhuber/go-audit-new\"" },
	{ 1302, "item=0 name=\"/bin/ls\" inode=262316 dev=ca:01 mode=0100755 "
	    "ouid=0 ogid=0 rdev=00:00 nametype=NORMAL" },
	{ 1302, "item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=396037 "
	    "dev=ca:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL" },
	{ 0, NULL }
};

#define GA_HEAD "{\"sequence\":1222763,\"timestamp\":\"1459376866.885\"," \
	"\"messages\":[{\"type\":1300,\"data\":\"arch=c000003e syscall=59 " \
	"success=yes exit=0 a0=cc4e68 a1=d10bc8 a2=c69808 a3=7fff2a700900 " \
	"items=2 ppid=11552 pid=11623 auid=1000 uid=1000 gid=1000 euid=1000 " \
	"suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=35 " \
	"comm=\\\"ls\\\" exe=\\\"/bin/ls\\\" key=(null)\"},{\"type\":1309," \
	"\"data\":\"argc=3 a0=\\\"ls\\\" a1=\\\"--color=auto\\\" " \
	"a2=\\\"-alF\\\"\"},{\"type\":1307,\"data\":\" " \
	"cwd=\\\"/home/ubuntu/src/slack-github.com/rhuber/go-audit-new\\\"\"}," \
	"{\"type\":1302,\"data\":\"item=0 name=\\\"/bin/ls\\\" inode=262316 " \
	"dev=ca:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\"}," \
	"{\"type\":1302,\"data\":\"item=1 " \
	"name=\\\"/lib64/ld-linux-x86-64.so.2\\\" inode=396037 dev=ca:01 " \
	"mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL\"}]"

TEST(go_audit_reference_line_no_uidmap)
{
	ASSERT_STREQ(enc(ev_build(1222763, "1459376866.885", ga_recs),
	    FMT_GOAUDIT, NULL), GA_HEAD
	    ",\"uid_map\":{\"0\":\"UNKNOWN_USER\",\"1000\":\"UNKNOWN_USER\"}}\n");
}

TEST(pauditd_reference_line_no_uidmap)
{
	ASSERT_STREQ(enc(ev_build(1222763, "1459376866.885", ga_recs),
	    FMT_PAUDITD, NULL), GA_HEAD
	    ",\"uid_map\":{\"0\":\"UNKNOWN_USER\",\"1000\":\"UNKNOWN_USER\"},"
	    "\"rule_key\":\"(null)\"}\n");
}

TEST(reference_line_with_uidmap)
{
	struct uidmap *ids = uidmap_new(true, false, NULL);
	struct passwd *pw = getpwuid(1000);
	char want[8192];

	ASSERT(ids != NULL);
	/* uid 1000's name depends on the machine; uid 0 is root anywhere. */
	snprintf(want, sizeof(want), "%s,\"uid_map\":{\"0\":\"root\","
	    "\"1000\":\"%s\"},\"rule_key\":\"(null)\"}\n", GA_HEAD,
	    pw != NULL ? pw->pw_name : UIDMAP_UNKNOWN);
	ASSERT_STREQ(enc(ev_build(1222763, "1459376866.885", ga_recs),
	    FMT_PAUDITD, ids), want);
	uidmap_free(ids);
}

static const struct rec_in hi_recs[] = {
	{ 1300, "hi there" },
	{ 1301, "hi there" },
	{ 0, NULL }
};

TEST(minimal_lines)
{
	ASSERT_STREQ(enc(ev_build(1, "10000001", hi_recs), FMT_PAUDITD, NULL),
	    "{\"sequence\":1,\"timestamp\":\"10000001\",\"messages\":["
	    "{\"type\":1300,\"data\":\"hi there\"},{\"type\":1301,\"data\":"
	    "\"hi there\"}],\"uid_map\":{},\"rule_key\":\"\"}\n");
	ASSERT_STREQ(enc(ev_build(1, "10000001", hi_recs), FMT_GOAUDIT, NULL),
	    "{\"sequence\":1,\"timestamp\":\"10000001\",\"messages\":["
	    "{\"type\":1300,\"data\":\"hi there\"},{\"type\":1301,\"data\":"
	    "\"hi there\"}],\"uid_map\":{}}\n");
}

/*
 * The record opening has a fast path for the types 1000 to 4095, whose
 * digits it keeps once seen: the types on either side of it, first in
 * the array and not, each seen twice, read as printf prints.
 */
TEST(record_types_of_any_width)
{
	static const uint32_t types[] = { 0, 9, 10, 99, 999, 1000, 1009,
	    1300, 4095, 4096, 9990, 9999, 10000, 65535, 4294967295u };
	char want[4096];
	size_t i, n;

	for (i = 0; i < 2 * sizeof(types) / sizeof(types[0]); i++) {
		struct rec_in recs[] = {
			{ types[i % (sizeof(types) / sizeof(types[0]))], "a" },
			{ types[(i + 1) % (sizeof(types) / sizeof(types[0]))],
			    "b" },
			{ 0, NULL }
		};

		n = (size_t)snprintf(want, sizeof(want),
		    "{\"sequence\":7,\"timestamp\":\"1.5\",\"messages\":["
		    "{\"type\":%u,\"data\":\"a\"},{\"type\":%u,\"data\":"
		    "\"b\"}],\"uid_map\":{}}\n", (unsigned)recs[0].type,
		    (unsigned)recs[1].type);
		ASSERT(n < sizeof(want));
		ASSERT_STREQ(enc(ev_build(7, "1.5", recs), FMT_GOAUDIT, NULL),
		    want);
	}
}

/*
 * Serials of every width (32-bit and past it) and keys of every length
 * (the short copies of encode_write) come out as printf writes them.
 */
TEST(serials_and_keys_of_any_length)
{
	static const uint64_t serials[] = { 0, 9, 10, 99, 100, 12345,
	    4294967295ull, 4294967296ull, 99999999999ull, 100000000000ull,
	    18446744073709551615ull };
	char rec[128], want[512];
	size_t i, n;

	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		n = (size_t)snprintf(want, sizeof(want),
		    "{\"sequence\":%llu,\"timestamp\":\"1.5\",\"messages\":["
		    "{\"type\":1300,\"data\":\"hi there\"},{\"type\":1301,"
		    "\"data\":\"hi there\"}],\"uid_map\":{}}\n",
		    (unsigned long long)serials[i]);
		ASSERT(n < sizeof(want));
		ASSERT_STREQ(enc(ev_build(serials[i], "1.5", hi_recs),
		    FMT_GOAUDIT, NULL), want);
	}
	for (n = 0; n <= 70; n++) {
		const struct rec_in recs[] = { { 1300, rec }, { 0, NULL } };
		const char *line, *p;

		snprintf(rec, sizeof(rec), "a=1 key=\"%.*s\"", (int)n,
		    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_-abcdefghijklmnop");
		line = enc(ev_build(3, "1.5", recs), FMT_PAUDITD, NULL);
		snprintf(want, sizeof(want), "},\"rule_key\":\"%.*s\"}\n",
		    (int)n, rec + 9);
		p = strstr(line, "},\"rule_key\":");
		ASSERT(p != NULL);
		ASSERT_STREQ(p, want);
	}
}

/*
 * The encoder counts a serial one more than the last up in its digits:
 * runs of serials across carries, repeats, and wrap-around.
 */
TEST(serials_counted_up)
{
	static const uint64_t starts[] = { 0, 1, 7, 95, 995, 1999990,
	    4294967290ull, 18446744073709551610ull };
	struct encoder *e = encoder_new(NULL);
	struct event *ev;
	struct buf line;
	char want[64];
	uint64_t sn;
	size_t i, j, n;
	int bad = 0;

	ASSERT(e != NULL);
	buf_init(&line);
	for (i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		for (j = 0; j < 24; j++) {
			/* Each serial twice, then the next: 0 after the last. */
			sn = starts[i] + j / 2;
			ev = ev_build(sn, "1.5", hi_recs);
			buf_reset(&line);
			encode_event(e, ev, FMT_GOAUDIT, &line);
			event_free(ev);
			n = (size_t)snprintf(want, sizeof(want),
			    "{\"sequence\":%llu,", (unsigned long long)sn);
			if (line.len < n || memcmp(line.p, want, n) != 0)
				bad++;
		}
	}
	buf_fini(&line);
	encoder_free(e);
	ASSERT_EQ(bad, 0);
}

TEST(format_names)
{
	ASSERT_EQ(encode_format_from_name("pauditd"), FMT_PAUDITD);
	ASSERT_EQ(encode_format_from_name("go-audit"), FMT_GOAUDIT);
	ASSERT_EQ(encode_format_from_name("json"), -1);
	ASSERT_EQ(encode_format_from_name(""), -1);
	ASSERT_STREQ(encode_format_name(FMT_PAUDITD), "pauditd");
	ASSERT_STREQ(encode_format_name(FMT_GOAUDIT), "go-audit");
}

/* The uid_map object of a single-record event of type `type`. */
static const char *
uid_map_of(uint32_t type, const char *data)
{
	const struct rec_in recs[] = { { type, data }, { 0, NULL } };
	const char *line = enc(ev_build(5, "1.000", recs), FMT_GOAUDIT, NULL);
	const char *p = strstr(line, ",\"uid_map\":");
	static char out[16384];
	size_t n;

	if (p == NULL)
		return "(no uid_map)";
	p += strlen(",\"uid_map\":");
	n = strlen(p);
	if (n < 2 || strcmp(p + n - 2, "}\n") != 0)
		return "(bad end)";
	snprintf(out, sizeof(out), "%.*s", (int)(n - 2), p);
	return out;
}

#define U "\"UNKNOWN_USER\""

TEST(uid_scan_go_audit_test_forms)
{
	/* From go-audit's mapUids test: any "...uid=" matches. */
	ASSERT_STREQ(uid_map_of(1300, "uid=0 1uid=1 2uid=2 3uid=3 not here "
	    "4uid=99999 5uid=5"),
	    "{\"0\":" U ",\"1\":" U ",\"2\":" U ",\"3\":" U ",\"5\":" U
	    ",\"99999\":" U "}");
}

TEST(uid_scan_long_value_in_middle)
{
	ASSERT_STREQ(uid_map_of(1300, "4uid=123456789012345678901234567890 "
	    "x=1"), "{\"123456789012345678901234567890\":" U "}");
}

TEST(uid_scan_trailing_auid_kept)
{
	/* pauditd drops a trailing value longer than 5 chars; we keep it. */
	ASSERT_STREQ(uid_map_of(1300, "pid=1 auid=4294967295"),
	    "{\"4294967295\":" U "}");
	ASSERT_STREQ(uid_map_of(1112, "pid=1 uid=0 auid=4294967295 ses=1"),
	    "{\"0\":" U ",\"4294967295\":" U "}");
	ASSERT_STREQ(uid_map_of(1300, "x=1 uid=5"), "{\"5\":" U "}");
}

TEST(uid_scan_skipped_types)
{
	ASSERT_STREQ(uid_map_of(AUDIT_TYPE_EXECVE, "argc=2 a0=\"uid=1\""),
	    "{}");
	ASSERT_STREQ(uid_map_of(AUDIT_TYPE_CWD, " cwd=\"/uid=7\""), "{}");
	ASSERT_STREQ(uid_map_of(AUDIT_TYPE_SOCKADDR, "saddr=uid=3"), "{}");
	/* Every other type is scanned, PROCTITLE and PATH included. */
	ASSERT_STREQ(uid_map_of(AUDIT_TYPE_PROCTITLE, "proctitle=uid=3"),
	    "{\"3\":" U "}");
	ASSERT_STREQ(uid_map_of(1302, "item=0 ouid=42 ogid=42"),
	    "{\"42\":" U "}");
}

TEST(uid_keys_sorted_bytewise_and_unique)
{
	/* Bytewise as Go sorts map keys: "10" < "100" < "2" < "65534". */
	ASSERT_STREQ(uid_map_of(1300, "uid=2 auid=100 euid=10 suid=2 "
	    "fsuid=65534 ouid=10 sauid=100"),
	    "{\"10\":" U ",\"100\":" U ",\"2\":" U ",\"65534\":" U "}");
	ASSERT_STREQ(uid_map_of(1300, "uid=0 auid=0 euid=0"),
	    "{\"0\":" U "}");
}

TEST(uid_duplicates_across_records_once)
{
	const struct rec_in recs[] = {
		{ 1300, "auid=1000 uid=0" },
		{ 1309, "argc=1 a0=\"uid=9\"" },
		{ 1302, "item=0 ouid=1000" },
		{ 1302, "item=1 ouid=0" },
		{ 0, NULL }
	};
	const char *line = enc(ev_build(9, "2.500", recs), FMT_GOAUDIT, NULL);

	ASSERT(strstr(line, ",\"uid_map\":{\"0\":" U ",\"1000\":" U "}}\n")
	    != NULL);
}

/* More distinct uids than a set was once capped at (512): all mapped. */
TEST(uid_map_of_many_distinct_uids)
{
	static char data[16384];
	const struct rec_in recs[] = { { 1300, data }, { 0, NULL } };
	const char *line, *p;
	size_t k = 0, n = 0;
	unsigned i;

	for (i = 0; i < 700; i++)
		k += (size_t)snprintf(data + k, sizeof(data) - k, "uid=%u ",
		    100000 + i * 7);
	line = enc(ev_build(9, "2.500", recs), FMT_GOAUDIT, NULL);
	p = strstr(line, ",\"uid_map\":{");
	ASSERT(p != NULL);
	for (; (p = strstr(p, ":" U)) != NULL; p++)
		n++;
	ASSERT_EQ(n, 700);
	/* Sorted bytewise: the first and the last. */
	ASSERT(strstr(line, "\"uid_map\":{\"100000\":" U ",\"100007\":") != NULL);
	ASSERT(strstr(line, ",\"104893\":" U "}}\n") != NULL);
}

TEST(uid_values_escaped)
{
	ASSERT_STREQ(uid_map_of(1300, "uid=<a>\"b"),
	    "{\"\\u003ca\\u003e\\\"b\":" U "}");
}

/* The rule_key of an event's pauditd line. */
static const char *
rule_key_of(const struct rec_in *recs)
{
	const char *line = enc(ev_build(5, "1.000", recs), FMT_PAUDITD, NULL);
	const char *p = strstr(line, ",\"rule_key\":");
	static char out[4096];

	if (p == NULL)
		return "(no rule_key)";
	snprintf(out, sizeof(out), "%s", p + strlen(",\"rule_key\":"));
	return out;
}

TEST(rule_key_quoted)
{
	const struct rec_in recs[] = {
		{ 1300, "syscall=2 comm=\"cat\" key=\"passwd-write-log\"" },
		{ 1302, "item=0" },
		{ 0, NULL }
	};

	ASSERT_STREQ(rule_key_of(recs), "\"passwd-write-log\"}\n");
}

TEST(rule_key_null)
{
	const struct rec_in recs[] = {
		{ 1300, "syscall=2 key=(null) x=1" },
		{ 0, NULL }
	};

	ASSERT_STREQ(rule_key_of(recs), "\"(null)\"}\n");
}

TEST(rule_key_absent)
{
	const struct rec_in recs[] = {
		{ 1300, "syscall=2 comm=\"monkey=1\"" },
		{ 1302, "item=0 key=\"notfromsyscall\"" },
		{ 0, NULL }
	};

	ASSERT_STREQ(rule_key_of(recs), "\"\"}\n");
}

TEST(rule_key_tty)
{
	const struct rec_in recs[] = {
		{ AUDIT_TYPE_TTY, "tty pid=1 uid=0 auid=0 data=6C730D" },
		{ 0, NULL }
	};
	struct event *ev = ev_build(5, "1.000", recs);

	ASSERT(ev->info.key_is_tty);
	event_free(ev);
	ASSERT_STREQ(rule_key_of(recs), "\"tty\"}\n");
}

TEST(rule_key_hex_not_decoded_and_escaped)
{
	const struct rec_in recs[] = {
		{ 1300, "syscall=2 key=6B31016B32" },
		{ 0, NULL }
	};
	const struct rec_in recs2[] = {
		{ 1300, "syscall=2 key=\"<k>\"" },
		{ 0, NULL }
	};

	ASSERT_STREQ(rule_key_of(recs), "\"6B31016B32\"}\n");
	ASSERT_STREQ(rule_key_of(recs2), "\"\\u003ck\\u003e\"}\n");
}

TEST(event_info_syscall)
{
	const struct rec_in recs[] = {
		{ 1302, "item=0 syscall=99" },
		{ 1300, "arch=c000003e syscall=59 success=yes" },
		{ 0, NULL }
	};
	struct event *ev = ev_build(5, "1.000", recs);

	ASSERT(ev->info.syscall != NULL);
	ASSERT_MEMEQ(ev->info.syscall, ev->info.syscall_len, "59");
	event_free(ev);
}

TEST(event_field_whole_names)
{
	static const char d[] = "auid=1 uid=2 key=\"k\" xkey=3 key2=4";
	size_t n = 0;
	const char *v;

	v = event_field(d, strlen(d), "uid", &n);
	ASSERT(v != NULL);
	ASSERT_MEMEQ(v, n, "2");
	v = event_field(d, strlen(d), "key", &n);
	ASSERT(v != NULL);
	ASSERT_MEMEQ(v, n, "\"k\"");
	ASSERT(event_field(d, strlen(d), "id", &n) == NULL);
	ASSERT(event_field(d, strlen(d), "nope", &n) == NULL);
	v = event_field(d, strlen(d), "key2", &n);
	ASSERT(v != NULL);
	ASSERT_MEMEQ(v, n, "4");
}

TEST(messages_escaped_and_many_records)
{
	const struct rec_in recs[] = {
		{ 1300, "a=\x01\xff<" },
		{ 1327, "proctitle=6C73" },
		{ 0, NULL }
	};

	ASSERT_STREQ(enc(ev_build(18446744073709551615ull, "1.000", recs),
	    FMT_GOAUDIT, NULL),
	    "{\"sequence\":18446744073709551615,\"timestamp\":\"1.000\","
	    "\"messages\":[{\"type\":1300,\"data\":\"a=\\u0001\\ufffd\\u003c\"},"
	    "{\"type\":1327,\"data\":\"proctitle=6C73\"}],\"uid_map\":{}}\n");
}

TEST(encode_appends)
{
	struct event *ev = ev_build(1, "10000001", hi_recs);
	struct encoder *e = encoder_new(NULL);
	struct buf b;
	size_t first;
	bool same;

	buf_init(&b);
	buf_puts_lit(&b, "x");
	encode_event(e, ev, FMT_GOAUDIT, &b);
	first = b.len;
	encode_event(e, ev, FMT_GOAUDIT, &b);
	encoder_free(e);
	same = b.len == 1 + 2 * (first - 1) && b.p[0] == 'x' &&
	    memcmp(b.p + 1, b.p + first, first - 1) == 0 &&
	    b.p[first - 1] == '\n';
	buf_fini(&b);
	event_free(ev);
	ASSERT(same);
}

TEST(rule_key_not_last_field)
{
	const struct rec_in mid[] = {
		{ 1300, "syscall=2 key=\"mid\" subj=unconfined" },
		{ 0, NULL }
	};
	const struct rec_in last_empty[] = {
		{ 1300, "syscall=2 key=" },
		{ 0, NULL }
	};
	const struct rec_in no_syscall[] = {
		{ 1300, "arch=c000003e key=\"k\"" },
		{ 0, NULL }
	};
	const struct rec_in quoted_eq[] = {
		{ 1300, "syscall=2 comm=\"key=evil\" exe=\"/x\" key=\"good\"" },
		{ 0, NULL }
	};
	const struct rec_in quoted_eq_mid[] = {
		{ 1300, "syscall=2 comm=\"key=evil\" key=\"good\" subj=x" },
		{ 0, NULL }
	};
	struct event *ev;

	ASSERT_STREQ(rule_key_of(mid), "\"mid\"}\n");
	ASSERT_STREQ(rule_key_of(last_empty), "\"\"}\n");
	ASSERT_STREQ(rule_key_of(quoted_eq), "\"good\"}\n");
	ASSERT_STREQ(rule_key_of(quoted_eq_mid), "\"good\"}\n");
	ev = ev_build(5, "1.000", no_syscall);
	ASSERT(ev->info.syscall == NULL);
	event_free(ev);
	ASSERT_STREQ(rule_key_of(no_syscall), "\"k\"}\n");
	ev = ev_build(5, "1.000", mid);
	ASSERT(ev->info.syscall != NULL);
	ASSERT_MEMEQ(ev->info.syscall, ev->info.syscall_len, "2");
	event_free(ev);
}

/*
 * Keys longer than the event's inline buffer are kept whole: the kernel
 * logs several -k keys (256 bytes in all) as up to 512 hex digits, and a
 * replayed log may hold any length.
 */
TEST(rule_key_long_kept_whole)
{
	static char d[3000], want[3000];
	struct rec_in recs[] = { { 1300, d }, { 0, NULL } };
	const char *k;
	size_t n;

	/* 512 hex digits, as the kernel writes two keys of 128 bytes. */
	strcpy(d, "syscall=2 key=");
	n = strlen(d);
	memset(d + n, '6', 512);
	d[n + 512] = '\0';
	k = rule_key_of(recs);
	ASSERT_EQ(strspn(k + 1, "6"), 512);
	ASSERT_STREQ(k + 1 + 512, "\"}\n");
	/* Quoted, 600 bytes: the quotes go, every byte else stays. */
	snprintf(d, sizeof(d), "syscall=2 key=\"%0600d\"", 7);
	k = rule_key_of(recs);
	snprintf(want, sizeof(want), "\"%0600d\"}\n", 7);
	ASSERT_STREQ(k, want);
	/* A quote inside a long one is removed, as pauditd does. */
	snprintf(d, sizeof(d), "syscall=2 key=\"%0300d\"%0300d\"", 1, 2);
	k = rule_key_of(recs);
	snprintf(want, sizeof(want), "\"%0300d%0300d\"}\n", 1, 2);
	ASSERT_STREQ(k, want);
	/* Not at the end of the record, and then a short one again. */
	snprintf(d, sizeof(d), "syscall=2 key=%02000d items=1", 3);
	k = rule_key_of(recs);
	snprintf(want, sizeof(want), "\"%02000d\"}\n", 3);
	ASSERT_STREQ(k, want);
	strcpy(d, "syscall=2 key=\"short\"");
	ASSERT_STREQ(rule_key_of(recs), "\"short\"}\n");
}

TEST(event_begin_copies_timestamps_of_any_length)
{
	const char *src = "1234567890.123456789012345678901234567890";
	struct event *ev = event_new();
	struct record r;
	char want[64];
	size_t n, k;
	int bad = 0;

	memset(&r, 0, sizeof(r));
	for (n = 0; n <= 40; n++) {
		r.ts = src;
		r.ts_len = n;
		event_begin(ev, &r);
		k = n < sizeof(ev->ts) ? n : sizeof(ev->ts) - 1;
		snprintf(want, sizeof(want), "%.*s", (int)k, src);
		if (ev->ts_len != k || strcmp(ev->ts, want) != 0)
			bad++;
	}
	event_free(ev);
	ASSERT_EQ(bad, 0);
}

/*
 * Timestamps of digits and '.' are copied as they are, the rest escaped:
 * every byte just outside '.'..'9' (and ones that need escaping) at
 * every offset of every length, in an event reused after a longer
 * timestamp, so that stale bytes lie past the end.
 */
TEST(timestamps_checked_at_every_offset)
{
	static const char odd[] = { '-', ':', '/', '0', '9', '.', '<', '"',
	    '\\', '\x01', '\x7f', '\x80', '\xff' };
	struct encoder *e = encoder_new(NULL);
	struct event *ev = event_new();
	struct record r;
	struct buf line, want;
	char ts[32];
	size_t len, pos, c;
	int bad = 0;

	ASSERT(e != NULL);
	buf_init(&line);
	buf_init(&want);
	memset(&r, 0, sizeof(r));
	for (len = 0; len < sizeof(ts); len++) {
		for (pos = 0; pos < len || (len == 0 && pos == 0); pos++) {
			for (c = 0; c < sizeof(odd); c++) {
				r.ts = "<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<";
				r.ts_len = 31;
				event_begin(ev, &r);
				memset(ts, '5', sizeof(ts));
				if (len > 0)
					ts[pos] = odd[c];
				r.ts = ts;
				r.ts_len = len;
				event_begin(ev, &r);
				event_add(ev, 1300, "x", 1);
				buf_reset(&line);
				encode_event(e, ev, FMT_GOAUDIT, &line);
				buf_reset(&want);
				buf_puts_lit(&want, "{\"sequence\":0,\"timestamp\":");
				json_str(&want, ts, len);
				buf_puts_lit(&want, ",\"messages\":[");
				if (line.len < want.len ||
				    memcmp(line.p, want.p, want.len) != 0)
					bad++;
			}
		}
	}
	buf_fini(&line);
	buf_fini(&want);
	event_free(ev);
	encoder_free(e);
	ASSERT_EQ(bad, 0);
}

/*
 * Keys that need escaping and keys that do not, told apart a word at a
 * time for up to 16 bytes: every byte that needs escaping and its
 * neighbours, at every offset of every length up to 20.
 */
TEST(keys_checked_at_every_offset)
{
	static const char odd[] = { '&', '%', '\'', '<', '=', '>', '\\', '[',
	    ']', '\x01', '\x1f', '!', '#', '\x7f', '\x80', '\xc3', '\xe2',
	    '\xff', 'a' };
	struct encoder *e = encoder_new(NULL);
	struct event *ev = event_new();
	struct record r;
	struct buf line, want;
	char rec[64];
	size_t len, pos, c, n;
	int bad = 0;

	ASSERT(e != NULL);
	buf_init(&line);
	buf_init(&want);
	memset(&r, 0, sizeof(r));
	r.ts = "1.5";
	r.ts_len = 3;
	for (len = 1; len <= 20; len++) {
		for (pos = 0; pos < len; pos++) {
			for (c = 0; c < sizeof(odd); c++) {
				n = (size_t)snprintf(rec, sizeof(rec), "a=1 key=");
				memset(rec + n, 'k', len);
				rec[n + pos] = odd[c];
				event_begin(ev, &r);
				event_add(ev, 1300, rec, n + len);
				if (ev->info.key_len != len) {
					bad++;
					continue;
				}
				buf_reset(&line);
				encode_event(e, ev, FMT_PAUDITD, &line);
				buf_reset(&want);
				buf_puts_lit(&want, "},\"rule_key\":");
				json_str(&want, rec + n, len);
				buf_puts_lit(&want, "}\n");
				if (line.len < want.len || memcmp(line.p +
				    line.len - want.len, want.p, want.len) != 0)
					bad++;
			}
		}
	}
	buf_fini(&line);
	buf_fini(&want);
	event_free(ev);
	encoder_free(e);
	ASSERT_EQ(bad, 0);
}

/* A finished event of one SYSCALL record. */
static struct event *
syscall_event(const char *syscall_rec)
{
	const struct rec_in recs[] = { { 1300, syscall_rec }, { 0, NULL } };

	return ev_build(5, "1.000", recs);
}

/* The key of a finished event, as a NUL-terminated copy. */
static const char *
key_of(const char *syscall_rec)
{
	struct event *ev = syscall_event(syscall_rec);
	static char out[512];

	snprintf(out, sizeof(out), "%.*s", (int)ev->info.key_len, ev->info.key);
	event_free(ev);
	return out;
}

TEST(rule_key_quotes_removed_everywhere)
{
	char d[700];
	size_t n;

	/* A '"' left inside, or quotes not around it: every '"' goes. */
	ASSERT_STREQ(key_of("syscall=2 key=\"a\"b\""), "ab");
	ASSERT_STREQ(key_of("syscall=2 key=a\"b"), "ab");
	ASSERT_STREQ(key_of("syscall=2 key=\"ab"), "ab");
	ASSERT_STREQ(key_of("syscall=2 key=\""), "");
	ASSERT_STREQ(key_of("syscall=2 key=\"\""), "");
	ASSERT_STREQ(key_of("syscall=2 key=(null)"), "(null)");
	/* The last field found with and without a space in the last 16. */
	ASSERT_STREQ(key_of("key=\"abcdefghijklmnopq\""), "abcdefghijklmnopq");
	ASSERT_STREQ(key_of("key=\"abcdefghijk\""), "abcdefghijk");
	ASSERT_STREQ(key_of("syscall=2 key=\"abcdefghij\""), "abcdefghij");
	ASSERT_STREQ(key_of("syscall=2 key=\"abcdefghijklmnopq\""),
	    "abcdefghijklmnopq");
	/* Past the inline buffer (255), with or without quotes: whole. */
	strcpy(d, "syscall=2 key=");
	n = strlen(d);
	memset(d + n, 'A', 300);
	d[n + 300] = '\0';
	ASSERT_EQ(strlen(key_of(d)), 300);
	d[n] = '"';
	d[n + 299] = '"';
	ASSERT_EQ(strlen(key_of(d)), 298);
	ASSERT_EQ(strspn(key_of(d), "A"), 298);
	d[n + 100] = '"';
	ASSERT_EQ(strlen(key_of(d)), 297);
	ASSERT_EQ(strspn(key_of(d), "A"), 297);
}

TEST(rule_key_quote_at_every_offset)
{
	char d[64], want[32];
	size_t n, len, q;
	int bad = 0;

	/* key="A..A" of 0 to 11 A's, with a '"' at each place or none. */
	for (len = 0; len < 12; len++) {
		for (q = 0; q <= len; q++) {
			strcpy(d, "syscall=2 key=\"");
			n = strlen(d);
			memset(d + n, 'A', len);
			if (q < len)
				d[n + q] = '"';
			strcpy(d + n + len, "\"");
			memset(want, 'A', len);
			want[q < len ? len - 1 : len] = '\0';
			if (strcmp(key_of(d), want) != 0)
				bad++;
		}
	}
	ASSERT_EQ(bad, 0);
}

/* The syscall= value of a finished event, or "(none)". */
static const char *
syscall_of(const char *syscall_rec)
{
	struct event *ev = syscall_event(syscall_rec);
	static char out[64];

	if (ev->info.syscall == NULL)
		snprintf(out, sizeof(out), "(none)");
	else
		snprintf(out, sizeof(out), "%.*s", (int)ev->info.syscall_len,
		    ev->info.syscall);
	event_free(ev);
	return out;
}

TEST(event_info_syscall_anywhere)
{
	ASSERT_STREQ(syscall_of("syscall=2 key=\"k\""), "2");
	ASSERT_STREQ(syscall_of("arch=c000003e syscall=59 key=\"k\""), "59");
	ASSERT_STREQ(syscall_of("arch=c000003e syscall=59"), "59");
	ASSERT_STREQ(syscall_of("arch=c000003e syscall= a=1 key=\"k\""), "");
	/* arch= of another length, or a space in it: found all the same. */
	ASSERT_STREQ(syscall_of("arch=3e syscall=7 key=\"k\""), "7");
	ASSERT_STREQ(syscall_of("arch=a cdefgh syscall=8 key=\"k\""), "8");
	ASSERT_STREQ(syscall_of("arch=c000003e a0=1 syscall=9 key=\"k\""), "9");
	/* The first syscall= field wins, whole names only. */
	ASSERT_STREQ(syscall_of("arch=c000003e syscall=1 syscall=2 key=x"), "1");
	ASSERT_STREQ(syscall_of("arch=c000003e syscalls=1 key=x"), "(none)");
	ASSERT_STREQ(syscall_of("arch=c000003e syscall"), "(none)");
	ASSERT_STREQ(syscall_of("arch=c000003e"), "(none)");
	ASSERT_STREQ(syscall_of("syscall=2"), "2");
}

/*
 * Reference uid scan, written from go-audit's mapUids: every "uid=" in
 * the data, the value up to the next space (or the end: pauditd would
 * cap that at 5 chars, we keep it whole), then on after the value.
 */
static size_t
ref_uids(const char *d, char keys[][400], size_t n, bool skip_empty)
{
	const char *p = d, *v, *sp;
	size_t k, len, i;

	while ((p = strstr(p, "uid=")) != NULL) {
		v = p + 4;
		sp = strchr(v, ' ');
		len = sp ? (size_t)(sp - v) : strlen(v);
		if (len == 0 && skip_empty)
			goto next;
		if (len > 399)
			len = 399;
		for (k = 0; k < n; k++)
			if (strlen(keys[k]) == len && memcmp(keys[k], v, len) == 0)
				break;
		if (k == n) {
			memcpy(keys[n], v, len);
			keys[n][len] = '\0';
			n++;
		}
next:
		if (sp == NULL)
			break;
		p = sp;
	}
	/* Bytewise sort (insertion). */
	for (i = 1; i < n; i++)
		for (k = i; k > 0 && strcmp(keys[k - 1], keys[k]) > 0; k--) {
			char t[400];

			memcpy(t, keys[k], 400);
			memcpy(keys[k], keys[k - 1], 400);
			memcpy(keys[k - 1], t, 400);
		}
	return n;
}

TEST(uid_scan_matches_reference_on_random_records)
{
	static const char *const tok[] = {
		"uid=", "auid=", "euid=", "ouid=", "xuid=", "uid", "=", " ", " ",
		"a=b", "pid=1", "id=5", "ui", "d=", "u", "0", "1000", "42",
		"4294967295", "zz", "comm=\"x\"",
	};
	char d[400], keys[128][400], want[16384], gotbuf[16384];
	const char *got;
	size_t iter, n, len, k, w;
	int bad = 0;

	for (iter = 0; iter < 4000 && !bad; iter++) {
		len = 0;
		n = rng() % 60;
		for (k = 0; k < n; k++) {
			const char *t = tok[rng() % (sizeof(tok) / sizeof(tok[0]))];

			if (len + strlen(t) + 1 >= sizeof(d))
				break;
			memcpy(d + len, t, strlen(t));
			len += strlen(t);
		}
		if (len == 0)	/* see regress_empty_first_record_ub */
			d[len++] = 'z';
		d[len] = '\0';
		/* Empty values: see regress_empty_uid_value_dropped. */
		n = ref_uids(d, keys, 0, true);
		w = (size_t)snprintf(want, sizeof(want), "{");
		for (k = 0; k < n; k++) {
			struct buf b;

			/* Keys as JSON strings (they may hold a quote). */
			buf_init(&b);
			json_str(&b, keys[k], strlen(keys[k]));
			w += (size_t)snprintf(want + w, sizeof(want) - w,
			    "%s%.*s:" U, k ? "," : "", (int)b.len, b.p);
			buf_fini(&b);
		}
		snprintf(want + w, sizeof(want) - w, "}");
		got = uid_map_of(1300, d);
		if (strncmp(got, "{\"\":" U, 4 + strlen(U)) == 0) {
			snprintf(gotbuf, sizeof(gotbuf), "{%s",
			    got + 4 + strlen(U) + (got[4 + strlen(U)] == ','));
			got = gotbuf;
		}
		if (strcmp(got, want) != 0) {
			fprintf(stderr, "  record: %s\n", d);
			bad = 1;
		}
	}
	ASSERT_EQ(bad, 0);
}

/*
 * More uid fields in one record than json_esc notes in its pass
 * (JSON_SCAN_MAX): event_add scans that record again, byte by byte.
 */
TEST(uid_scan_many_fields_in_one_record)
{
	static char keys[128][400];
	char d[2048], want[8192];
	size_t len = 0, n, k, w;

	for (k = 0; k < 100; k++)
		len += (size_t)snprintf(d + len, sizeof(d) - len, "%sa%zuuid=%zu",
		    k ? " " : "", k, k * 7);
	n = ref_uids(d, keys, 0, true);
	ASSERT_EQ(n, 100);
	w = (size_t)snprintf(want, sizeof(want), "{");
	for (k = 0; k < n; k++)
		w += (size_t)snprintf(want + w, sizeof(want) - w, "%s\"%s\":" U,
		    k ? "," : "", keys[k]);
	snprintf(want + w, sizeof(want) - w, "}");
	ASSERT_STREQ(uid_map_of(1300, d), want);
}

/* Encode a one-record event with `enc`, as a static string. */
static const char *
enc_with(struct encoder *e, const char *data)
{
	const struct rec_in recs[] = { { 1300, data }, { 0, NULL } };
	struct event *ev = ev_build(7, "1.000", recs);
	static char out[4096];
	struct buf b;

	buf_init(&b);
	encode_event(e, ev, FMT_PAUDITD, &b);
	snprintf(out, sizeof(out), "%.*s", (int)b.len, b.p);
	buf_fini(&b);
	event_free(ev);
	return out;
}

/*
 * The encoder keeps the uid_map text of a set of uids; the text is the
 * same as a fresh one, and names are still looked up as uidmap says:
 * per event without caching, again once the cache is dropped.
 */
TEST(uid_map_text_kept_per_set)
{
	struct uidmap *ids = uidmap_new(true, false, NULL), *nocache = uidmap_new(false, false, NULL);
	struct encoder *e = encoder_new(ids), *e2 = encoder_new(nocache);
	char first[4096], tmp[64];
	int k;

	ASSERT(ids != NULL && nocache != NULL && e != NULL && e2 != NULL);
	snprintf(first, sizeof(first), "%s", enc_with(e, "uid=0 auid=0 euid=1"));
	ASSERT(strstr(first, "\"uid_map\":{\"0\":\"root\",\"1\":") != NULL);
	for (k = 0; k < 3; k++)
		ASSERT_STREQ(enc_with(e, "uid=0 auid=0 euid=1"), first);
	/* Another set between two of the first: both right. */
	ASSERT(strstr(enc_with(e, "uid=0"), "\"uid_map\":{\"0\":\"root\"}") != NULL);
	ASSERT_STREQ(strstr(enc_with(e, "euid=1 uid=0"), "\"uid_map\""),
	    strstr(first, "\"uid_map\""));
	ASSERT_EQ(uidmap_nss_lookups(ids), 2);
	/* Without caching every event resolves its uids again. */
	for (k = 0; k < 3; k++)
		ASSERT_STREQ(enc_with(e2, "uid=0 auid=0 euid=1"), first);
	ASSERT_EQ(uidmap_nss_lookups(nocache), 6);
	/* Many sets: each text right, whatever was kept before. */
	for (k = 0; k < 1000; k++) {
		snprintf(tmp, sizeof(tmp), "uid=0 auid=%d", 100000 + k % 300);
		snprintf(first, sizeof(first), "\"uid_map\":{\"0\":\"root\",\"%d\":\"%s\"}",
		    100000 + k % 300, UIDMAP_UNKNOWN);
		if (getpwuid((uid_t)(100000 + k % 300)) != NULL)
			continue;
		ASSERT(strstr(enc_with(e, tmp), first) != NULL);
	}
	encoder_free(e);
	encoder_free(e2);
	uidmap_free(ids);
	uidmap_free(nocache);
}

/*
 * Kept texts are found by the uids in the order the event noted them,
 * else (too many to key that way) by the sorted set: every order, every
 * value length, and sets too large to keep give a fresh encoder's line.
 */
TEST(uid_map_text_kept_by_order)
{
	static const char *const data[] = {
		"uid=0 auid=1",
		"auid=1 uid=0",
		"uid=0 auid=1 uid=0",
		"uid=1234567890123456 auid=0",
		"uid=12345678901234567 auid=0",
		"uid=0 auid=1 uid=0 auid=1 uid=0 auid=1 uid=0 auid=1 uid=0 "
		    "auid=1 uid=0 auid=1 uid=0 auid=1 uid=0 auid=1 uid=0 auid=1 "
		    "uid=0 auid=1 uid=0 auid=1 uid=0 auid=1 uid=0 auid=1",
		"uid=10000 auid=10001 euid=10002 suid=10003 fsuid=10004 "
		    "ouid=10005 iuid=10006 ruid=10007 xuid=10008",
		"uid=0",
	};
	struct uidmap *ids = uidmap_new(true, false, NULL);
	struct encoder *e = encoder_new(ids), *fresh;
	char want[4096];
	size_t i, k;

	ASSERT(ids != NULL && e != NULL);
	for (k = 0; k < 3; k++) {
		for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
			fresh = encoder_new(ids);
			ASSERT(fresh != NULL);
			snprintf(want, sizeof(want), "%s", enc_with(fresh, data[i]));
			encoder_free(fresh);
			ASSERT_STREQ(enc_with(e, data[i]), want);
		}
	}
	encoder_free(e);
	uidmap_free(ids);
}

/*
 * A value equal to the one noted just before is not noted again, whatever
 * its length (up to 16 bytes and past it), within a record and across.
 */
TEST(uid_repeats_noted_once)
{
	/* Each record twice: the second starts after the first's last. */
	static const struct {
		const char	*data;
		uint32_t	 nuid;
	} cases[] = {
		{ "uid=1 auid=1 euid=2 suid=1", 5 },
		{ "uid= auid= euid=", 1 },
		{ "uid=1234567890123456 auid=1234567890123456", 1 },
		{ "uid=1234567890123456 auid=1234567890123457", 4 },
		{ "uid=12345678901234567 auid=12345678901234567 euid=1", 4 },
		{ "uid=12345678901234567 auid=12345678901234568", 4 },
		{ "uid=12345678901234567 auid=1234567890123456", 4 },
		{ "uid=123456789012345678901234567890 "
		    "auid=123456789012345678901234567890", 1 },
		{ "uid=1 auid=10 euid=1", 5 },
		{ "uid=12345678901234567890123456789012 "
		    "auid=12345678901234567890123456789012", 1 },
		{ "uid=123456789012345678901234567890123 x=1 "
		    "auid=123456789012345678901234567890123", 1 },
		{ "a=1 uid=1234567890123456", 1 },
		{ "uid=123456789012345 a=1 auid=123456789012345", 1 },
		{ "uid=123456789012345 auid=123456789012346", 4 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rec_in recs[] = {
			{ 1300, cases[i].data }, { 1302, cases[i].data },
			{ 0, NULL }
		};
		struct event *ev = ev_build(1, "1.0", recs);
		uint32_t nuid = ev->nuid;

		event_free(ev);
		ASSERT_EQ(nuid, cases[i].nuid);
	}
}

/* A dropped name cache (a changed password file) drops the kept texts. */
TEST(uid_map_text_dropped_with_names)
{
	char path[] = "/tmp/pauditd-enc-XXXXXX";
	struct timespec ts[2] = { { 1000000, 0 }, { 1000000, 0 } };
	struct uidmap *ids;
	struct encoder *e;
	uint64_t n1, n2;
	int fd = mkstemp(path);

	ASSERT(fd >= 0);
	close(fd);
	utimensat(AT_FDCWD, path, ts, 0);
	ids = uidmap_new(true, false, path);
	e = encoder_new(ids);
	(void)enc_with(e, "uid=0");
	(void)enc_with(e, "uid=0");
	n1 = uidmap_nss_lookups(ids);
	ts[0].tv_sec = ts[1].tv_sec = 2000000;
	utimensat(AT_FDCWD, path, ts, 0);
	uidmap_tick(ids, 5000);
	ASSERT(strstr(enc_with(e, "uid=0"), "{\"0\":\"root\"}") != NULL);
	n2 = uidmap_nss_lookups(ids);
	encoder_free(e);
	uidmap_free(ids);
	unlink(path);
	ASSERT_EQ(n1, 1);
	ASSERT_EQ(n2, 2);
}

/*
 * Regression, fixed (encode.c collect_uids): `last` starts as the empty slice, so the
 * first empty uid value of an event ("uid= ") is taken for a repeat of
 * the previous uid and skipped; go-audit/pauditd map it as
 * "":"UNKNOWN_USER". Only when another uid came before is it kept.
 */
TEST(regress_empty_uid_value_dropped)
{
	ASSERT_STREQ(uid_map_of(1300, "uid=5 auid= x"),
	    "{\"\":" U ",\"5\":" U "}");
	ASSERT_STREQ(uid_map_of(1300, "a uid= b"), "{\"\":" U "}");
}

static void
empty_first_record(void)
{
	const struct rec_in recs[] = { { 1300, "" }, { 0, NULL } };

	(void)enc(ev_build(5, "1.000", recs), FMT_GOAUDIT, NULL);
}

/*
 * Regression, fixed (buf.h buf_append, reached from event.c event_add): appending 0
 * bytes to a buffer that has never allocated calls memcpy(NULL, p, 0),
 * undefined behaviour that aborts every sanitized build: a replay whose
 * first record has empty data ("type=SYSCALL msg=audit(1.000:5): ")
 * kills build/asan/pauditd. Fix: return early when n == 0 (or allocate
 * in buf_grow when p is NULL).
 */
TEST(regress_empty_first_record_ub)
{
	ASSERT(survives(empty_first_record));
}

TEST(uid_at_every_offset)
{
	char d[128];
	size_t off;
	int bad = 0;

	for (off = 0; off < 60; off++) {
		memset(d, 'a', off);
		strcpy(d + off, " uid=77 b=1");
		if (strcmp(uid_map_of(1300, d), "{\"77\":" U "}") != 0)
			bad++;
		memset(d, 'a', off);
		strcpy(d + off, "uid=78");
		if (strcmp(uid_map_of(1302, d), "{\"78\":" U "}") != 0)
			bad++;
	}
	ASSERT_EQ(bad, 0);
}

/*
 * Records of bytes that escape to six (control bytes, invalid UTF-8)
 * among plain ones, of many lengths, in events written into the message
 * pool's tail and published there one after another, as the pipeline
 * does, so that the slabs fill: the AVX2 copy of event_add asks room for
 * two bytes a byte and must make room for the rest when the escaping
 * stops at such a byte, wherever the slab stands. Each line must be the
 * one encode_event gives for the same records kept apart.
 */
TEST(rare_bytes_make_room_in_the_tail)
{
	struct encoder *e = encoder_new(NULL);
	struct event *ev = event_new(), *ref;
	struct rec_in recs[3];
	struct record r;
	struct msg *m;
	struct buf want;
	size_t n, i, len, room;
	char sys[32 + JSON_PAD], *d, *line;
	int bad = 0, in_place = 0;

	/* Record texts are read JSON_PAD bytes on: padded copies. */
	memset(sys, 0, sizeof(sys));
	strcpy(sys, "syscall=59 uid=7 key=\"k\"");
	buf_init(&want);
	memset(&r, 0, sizeof(r));
	r.ts = "1700000000.001";
	r.ts_len = strlen(r.ts);
	for (n = 1; n < 12000; n = n * 9 / 8 + 7) {
		d = malloc(n + 3 + JSON_PAD);
		memcpy(d, "a=", 2);
		for (i = 0; i < n; i++)
			d[2 + i] = (char)(i % 7 == 3 ? 'x' : i % 2 ? 0x01 : 0xff);
		memset(d + 2 + n, 0, 1 + JSON_PAD);
		recs[0] = (struct rec_in){ 1300, sys };
		recs[1] = (struct rec_in){ 1302, d };
		recs[2] = (struct rec_in){ 0, NULL };
		/*
		 * The reference, with its texts; the event that begins next
		 * takes the tail from it (it copies its messages out).
		 */
		ref = ev_build_as(1000 + n, r.ts, recs, true);
		/* The same, in the tail, without its texts, published in place. */
		r.serial = 1000 + n;
		event_begin(ev, &r);
		ev->keep_text = false;
		buf_reset(&want);
		encode_event(e, ref, FMT_PAUDITD, &want);
		event_free(ref);
		event_add(ev, 1300, sys, strlen(sys));
		event_add(ev, 1302, d, n + 2);
		room = event_tail_room(ev);
		line = room > ev->info.key_len + 1 ? encode_in_place(e, ev,
		    FMT_PAUDITD, room - ev->info.key_len - 1, &len) : NULL;
		if (line != NULL) {
			in_place++;
			m = msg_tail_commit(line, len, ev->info.key,
			    ev->info.key_len, ev->serial);
			event_tail_taken(ev);
			if (m->len != want.len || memcmp(m->line, want.p, want.len) != 0)
				bad++;
			msg_unref(m);
		}
		free(d);
	}
	event_free(ev);
	encoder_free(e);
	buf_fini(&want);
	ASSERT_EQ(bad, 0);
	/* The longest do not fit a slab at six bytes a byte: copied. */
	ASSERT(in_place > 30);
}

/*
 * event_add has a copy with the AVX2 escaping kernel inlined and one
 * that calls json_esc_padded's kernel: the events again with each
 * narrower kernel (json_simd_width decides for both).
 */
TEST(every_kernel_width)
{
	static const unsigned widths[] = { 16, 0 };
	size_t i;

	for (i = 0; i < sizeof(widths) / sizeof(widths[0]); i++) {
		json_simd_width(widths[i]);
		test_reference_line_with_uidmap(failed_);
		test_messages_escaped_and_many_records(failed_);
		test_uid_scan_matches_reference_on_random_records(failed_);
		test_uid_scan_many_fields_in_one_record(failed_);
		test_uid_at_every_offset(failed_);
		test_keys_checked_at_every_offset(failed_);
		test_rule_key_quote_at_every_offset(failed_);
		test_event_info_syscall_anywhere(failed_);
		if (*failed_) {
			fprintf(stderr, "  (chunk width %u)\n", widths[i]);
			break;
		}
	}
	json_simd_width(64);
}

/*
 * Every event the tests above built (ev_build) was built twice: with its
 * records' texts kept, and as the daemon builds it without filters, each
 * record read where the source has it, with fields after its end that
 * would show in the line, the uid_map or the key if read. Both gave the
 * same lines, facts and uid values. Runs last.
 */
TEST(drop_text_twins_same)
{
	ASSERT(twins_built > 40);
	ASSERT_EQ(twins_differ, 0);
}

/*
 * The twin of every event above was built last, so its messages were
 * written into the message pool's tail (and the first event's were
 * copied out when it began): finished in place, in both formats, it gave
 * the line encode_event gives. Runs last.
 */
TEST(in_place_lines_same)
{
	ASSERT(in_place_built > 80);
	ASSERT_EQ(in_place_differ, 0);
}

TEST_MAIN(T(go_audit_reference_line_no_uidmap),
    T(pauditd_reference_line_no_uidmap), T(reference_line_with_uidmap),
    T(minimal_lines), T(record_types_of_any_width),
    T(serials_and_keys_of_any_length), T(serials_counted_up),
    T(format_names), T(uid_scan_go_audit_test_forms),
    T(uid_scan_long_value_in_middle), T(uid_scan_trailing_auid_kept),
    T(uid_scan_skipped_types), T(uid_keys_sorted_bytewise_and_unique),
    T(uid_duplicates_across_records_once), T(uid_values_escaped),
    T(uid_map_of_many_distinct_uids),
    T(rule_key_quoted), T(rule_key_null), T(rule_key_absent),
    T(rule_key_tty), T(rule_key_hex_not_decoded_and_escaped),
    T(event_info_syscall), T(event_field_whole_names),
    T(messages_escaped_and_many_records), T(encode_appends),
    T(rule_key_not_last_field), T(rule_key_long_kept_whole),
    T(rule_key_quotes_removed_everywhere), T(rule_key_quote_at_every_offset),
    T(event_info_syscall_anywhere),
    T(event_begin_copies_timestamps_of_any_length),
    T(timestamps_checked_at_every_offset),
    T(keys_checked_at_every_offset),
    T(uid_scan_matches_reference_on_random_records),
    T(uid_scan_many_fields_in_one_record), T(uid_map_text_kept_per_set),
    T(uid_map_text_kept_by_order), T(uid_repeats_noted_once),
    T(uid_map_text_dropped_with_names), T(uid_at_every_offset),
    T(regress_empty_uid_value_dropped), T(regress_empty_first_record_ub),
    T(rare_bytes_make_room_in_the_tail), T(every_kernel_width),
    T(drop_text_twins_same),
    T(in_place_lines_same))
