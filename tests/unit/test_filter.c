/*
 * test_filter.c: pauditd's filter semantics case by case (filter.h):
 * go-audit configs (no key, no action), syscall-less filters, first
 * match wins, the two stages, Pantheon-style ordered key lists, and an
 * error naming index and field for every invalid entry.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../src/config/cfgmap.h"
#include "../../src/config/yaml.h"
#include "../../src/event.h"
#include "../../src/filter.h"
#include "../../src/metrics.h"

struct fx {
	struct ydoc	*doc;
	struct cfg_ctx	 c;
	struct filter	*f;
	int		 r;
};

/* Compile a YAML list of filters; fx->r is filter_compile's result. */
static void
fx_compile(struct fx *fx, const char *yaml)
{
	char err[256];

	memset(fx, 0, sizeof(*fx));
	cfg_ctx_init(&fx->c, "test.yaml");
	fx->c.quiet = true;
	fx->doc = ydoc_load_string("test.yaml", yaml, strlen(yaml), err,
	    sizeof(err));
	if (fx->doc == NULL) {
		fprintf(stderr, "yaml: %s\n", err);
		fx->r = -1;
		return;
	}
	fx->r = filter_compile(fx->doc->root, &fx->c, &fx->f);
}

static void
fx_done(struct fx *fx)
{
	fx->f = filter_free(fx->f);
	fx->doc = ydoc_free(fx->doc);
}

/* An event from "TYPE|data" strings, finished as the pipeline does. */
static struct event *
ev_make(const char *const *recs)
{
	struct event *ev = event_new();
	const char *bar;

	event_reset(ev);
	for (; *recs != NULL; recs++) {
		bar = strchr(*recs, '|');
		event_add(ev, (uint32_t)atoi(*recs), bar + 1, strlen(bar + 1));
	}
	return ev;
}

static bool
drops(const struct filter *f, const char *const *recs)
{
	struct event *ev = ev_make(recs);
	bool d = filter_drop(f, ev);

	event_free(ev);
	return d;
}

#define SYSCALL(n, key) "1300|arch=c000003e syscall=" n " success=yes exit=0 key=" key

static const char *const connect_10[] = {
	SYSCALL("42", "(null)"), "1306|saddr=0A0000C8DEADBEEF", NULL,
};
static const char *const connect_127[] = {
	SYSCALL("42", "(null)"), "1306|saddr=02000050 7F000001", NULL,
};
static const char *const bind_10[] = {
	SYSCALL("49", "(null)"), "1306|saddr=0A0000C8DEADBEEF", NULL,
};
static const char *const config_change[] = {
	"1305|audit_pid=123 old=0 auid=4294967295 res=1", NULL,
};
static const char *const config_change_sys[] = {
	SYSCALL("44", "(null)"), "1305|audit_pid=123 old=0 res=1", NULL,
};

TEST(no_filters_keep_everything)
{
	struct fx fx;

	fx_compile(&fx, "[]\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(fx.f == NULL);
	ASSERT(!drops(fx.f, connect_10));
	fx_done(&fx);
	ASSERT_EQ(filter_compile(NULL, &fx.c, &fx.f), 0);
	ASSERT(fx.f == NULL);
}

TEST(goaudit_syscall_message_type)
{
	struct fx fx;

	/* go-audit's example: no key, no action (drop). */
	fx_compile(&fx, "- syscall: 42\n  message_type: 1306\n"
	    "  regex: saddr=(0A..|01)\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(fx.f != NULL);
	ASSERT(drops(fx.f, connect_10));
	ASSERT(!drops(fx.f, connect_127));
	ASSERT(!drops(fx.f, bind_10));	/* other syscall */
	fx_done(&fx);
}

TEST(syscall_and_type_as_strings)
{
	struct fx fx;

	fx_compile(&fx, "- {syscall: \"42\", message_type: \"1306\", "
	    "regex: \"saddr=0A\"}\n- {syscall: 049, message_type: SOCKADDR, "
	    "regex: saddr=0A}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, connect_10));
	ASSERT(drops(fx.f, bind_10));	/* 049 is not octal: 49 */
	fx_done(&fx);
	/* Unquoted 052 is a YAML 1.1 octal integer, 42, as viper reads it. */
	fx_compile(&fx, "- {syscall: 052, message_type: 1306, regex: saddr=0A}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, connect_10));
	ASSERT(!drops(fx.f, bind_10));
	fx_done(&fx);
}

TEST(syscall_less_filter_matches_events_without_syscall)
{
	struct fx fx;

	/* go-audit PR #51: no syscall matches events with no SYSCALL record. */
	fx_compile(&fx, "- message_type: 1305\n  regex: audit_pid=\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, config_change));
	ASSERT(!drops(fx.f, config_change_sys));
	fx_done(&fx);
}

TEST(first_match_in_bucket_decides)
{
	struct fx fx;

	fx_compile(&fx, "- {syscall: 42, message_type: 1306, regex: saddr=0A00, action: keep}\n"
	    "- {syscall: 42, message_type: 1306, regex: saddr=0A}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(!drops(fx.f, connect_10));	/* keep comes first */
	fx_done(&fx);
	fx_compile(&fx, "- {syscall: 42, message_type: 1306, regex: saddr=0A}\n"
	    "- {syscall: 42, message_type: 1306, regex: saddr=0A00, action: keep}\n");
	ASSERT(drops(fx.f, connect_10));
	fx_done(&fx);
}

TEST(records_are_walked_in_order)
{
	static const char *const ev[] = {
		SYSCALL("42", "(null)"), "1306|saddr=0A00", "1307|cwd=\"/tmp\"", NULL,
	};
	static const char *const ev_rev[] = {
		"1307|cwd=\"/tmp\"", SYSCALL("42", "(null)"), "1306|saddr=0A00", NULL,
	};
	struct fx fx;

	/* The keep is listed first, but the SOCKADDR record comes first. */
	fx_compile(&fx, "- {syscall: 42, message_type: 1307, regex: cwd, action: keep}\n"
	    "- {syscall: 42, message_type: 1306, regex: saddr}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	ASSERT(!drops(fx.f, ev_rev));
	fx_done(&fx);
}

TEST(stage1_keep_still_runs_key_filters)
{
	static const char *const ev[] = {
		SYSCALL("42", "\"net\""), "1306|saddr=0A00", NULL,
	};
	struct fx fx;

	fx_compile(&fx, "- {syscall: 42, message_type: 1306, regex: saddr, action: keep}\n"
	    "- {key: net, regex: saddr=0A}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	fx_done(&fx);
}

static const char *const chef_git[] = {
	SYSCALL("257", "\"binding-file-ops\""),
	"1307|cwd=\"/srv/bindings/abc\"",
	"1302|item=0 name=\"/srv/bindings/abc/code/.git/index\" inode=1",
	NULL,
};
static const char *const code_write[] = {
	SYSCALL("257", "\"binding-file-ops\""),
	"1307|cwd=\"/srv/bindings/abc\"",
	"1302|item=0 name=\"/srv/bindings/abc/code/index.php\" inode=1",
	NULL,
};
static const char *const code_hex[] = {
	SYSCALL("257", "\"binding-file-ops\""),
	"1302|item=0 name=2F7372762F62696E64696E67732F6162632F636F64652F6120622E706870 inode=1",
	NULL,
};
static const char *const other_write[] = {
	SYSCALL("257", "\"binding-file-ops\""),
	"1302|item=0 name=\"/srv/bindings/abc/tmp/x\" inode=1",
	NULL,
};
static const char *const other_key[] = {
	SYSCALL("257", "\"passwd\""),
	"1302|item=0 name=\"/srv/bindings/abc/code/.git/index\" inode=1",
	NULL,
};

TEST(pantheon_ordered_key_list)
{
	struct fx fx;

	fx_compile(&fx,
	    "- {key: binding-file-ops, action: drop, regex: '\\.git/'}\n"
	    "- {key: binding-file-ops, action: drop, regex: chef-solo}\n"
	    "- {key: binding-file-ops, action: keep, regex: 'name=\"[^\"]*/code/'}\n"
	    "- {key: binding-file-ops, action: keep, regex: 'name=[0-9A-F]*2F636F64652F'}\n"
	    "- {key: binding-file-ops, action: drop, regex: 'name=\"[^\"]*/tmp/'}\n"
	    "- {key: binding-file-ops, action: keep, regex: '.*'}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, chef_git));
	ASSERT(!drops(fx.f, code_write));
	ASSERT(!drops(fx.f, code_hex));
	ASSERT(drops(fx.f, other_write));
	ASSERT(!drops(fx.f, other_key));	/* other key: no filter */
	fx_done(&fx);
	/* An allow-list: keep a few, drop the rest. */
	fx_compile(&fx,
	    "- {key: binding-file-ops, action: keep, regex: '/code/'}\n"
	    "- {key: binding-file-ops, regex: '.*'}\n");
	ASSERT(!drops(fx.f, code_write));
	ASSERT(drops(fx.f, other_write));
	ASSERT(!drops(fx.f, other_key));
	fx_done(&fx);
}

TEST(key_filter_sees_records_joined_without_separator)
{
	static const char *const ev[] = {
		SYSCALL("2", "\"k\""), "1307|cwd=\"/a\"", "1302|name=\"/b\"", NULL,
	};
	struct fx fx;

	fx_compile(&fx, "- {key: k, regex: 'key=\"k\"cwd=\"/a\"name='}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	fx_done(&fx);
	fx_compile(&fx, "- {key: k, regex: 'key=\"k\" cwd'}\n");
	ASSERT(!drops(fx.f, ev));
	fx_done(&fx);
}

TEST(key_filter_on_scattered_records_uses_join_buffer)
{
	static const char *const recs[] = {
		SYSCALL("2", "\"k\""), "1307|GAP", "1302|name=\"/b\"", NULL,
	};
	struct event *ev = ev_make(recs);
	struct fx fx;

	/* Take the middle record out: the others are no longer adjacent. */
	ev->recs[1] = ev->recs[2];
	ev->nrec = 2;
	fx_compile(&fx, "- {key: k, regex: 'key=\"k\"name=\"/b\"$'}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(filter_drop(fx.f, ev));
	fx_done(&fx);
	event_free(ev);
}

TEST(tty_and_null_keys)
{
	static const char *const tty[] = { "1319|pid=1 uid=0 data=6C730D", NULL };
	static const char *const nul[] = { SYSCALL("59", "(null)"), NULL };
	struct fx fx;

	fx_compile(&fx, "- {key: tty, regex: data=}\n- {key: (null), regex: syscall=59}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, tty));
	ASSERT(drops(fx.f, nul));
	fx_done(&fx);
}

/*
 * A rule key with a blank is written by the kernel in hex, as every
 * untrusted string: a probe's filter on "probe_rules b c" never matched
 * its events, whose key is 70726F62655F72756C657320622063.
 */
TEST(key_with_blanks_matched_as_the_kernel_writes_it)
{
	static const char *const ev[] = {
		SYSCALL("257", "70726F62655F72756C657320622063"),
		"1302|item=0 name=\"/tmp/zz\" inode=1",
		NULL,
	};
	static const char *const plain[] = {
		SYSCALL("257", "\"probe_rules\""),
		"1302|item=0 name=\"/tmp/zz\" inode=1",
		NULL,
	};
	struct fx fx;

	fx_compile(&fx, "- {key: \"probe_rules b c\", action: drop, regex: zz}\n"
	    "- {key: probe_rules, action: drop, regex: zz}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	ASSERT(drops(fx.f, plain));
	fx_done(&fx);
}

TEST(go_regex_dialect)
{
	static const char *const nl[] = { "1305|op=x\n", NULL };
	static const char *const bytes[] = { "1305|name=\xff\xfe caf\xc3\xa9 op=y", NULL };
	struct fx fx;

	/* $ is the end of the text only, as in Go (not before a last \n). */
	fx_compile(&fx, "- {message_type: 1305, regex: 'op=x$'}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(!drops(fx.f, nl));
	fx_done(&fx);
	/* Invalid UTF-8 in the data is matched, not rejected. */
	fx_compile(&fx, "- {message_type: 1305, regex: 'caf. op=y'}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, bytes));
	fx_done(&fx);
}

/* One filter of message_type 1305 and `rx`: does it drop data `d`? */
static bool
drops_1305(const char *rx, const char *d)
{
	const char *const ev[] = { d, NULL };
	char yaml[256];
	struct fx fx;
	bool r;

	snprintf(yaml, sizeof(yaml), "- {message_type: 1305, regex: '%s'}\n", rx);
	fx_compile(&fx, yaml);
	if (fx.r != 0)
		return false;
	r = drops(fx.f, ev);
	fx_done(&fx);
	return r;
}

TEST(re2_classes_and_escapes)
{
	/* \s is RE2's [\t\n\f\r ]: no vertical tab (PCRE2 has it). */
	ASSERT(!drops_1305("c\\sd", "1305|op=c\vd"));
	ASSERT(drops_1305("c\\sd", "1305|op=c\fd"));
	ASSERT(drops_1305("c\\sd", "1305|op=c d"));
	ASSERT(drops_1305("c\\Sd", "1305|op=c\vd"));
	ASSERT(!drops_1305("c\\Sd", "1305|op=c\td"));
	/* \v is the vertical tab alone (PCRE2: any vertical space). */
	ASSERT(drops_1305("c\\vd", "1305|op=c\vd"));
	ASSERT(!drops_1305("c\\vd", "1305|op=c\fd"));
	ASSERT(!drops_1305("c\\vd", "1305|op=c\nd"));
	/* Inside classes, negated ones, and after a literal ']'. */
	ASSERT(!drops_1305("c[\\s]d", "1305|op=c\vd"));
	ASSERT(drops_1305("c[\\s]d", "1305|op=c\rd"));
	ASSERT(drops_1305("c[^\\s]d", "1305|op=c\vd"));
	ASSERT(drops_1305("c[\\S]d", "1305|op=c\vd"));
	ASSERT(drops_1305("c[\\S]d", "1305|op=c\xc3\xa9" "d"));
	ASSERT(!drops_1305("c[\\S]d", "1305|op=c d"));
	ASSERT(drops_1305("c[]\\s]d", "1305|op=c]d"));
	ASSERT(!drops_1305("c[]\\s]d", "1305|op=c\vd"));
	ASSERT(drops_1305("c[[:alpha:]\\s]d", "1305|op=c d"));
	/* \Q...\E is literal text. */
	ASSERT(drops_1305("c\\Q\\s\\Ed", "1305|op=c\\sd"));
	ASSERT(!drops_1305("c\\Q\\s\\Ed", "1305|op=c d"));
}

TEST(invalid_utf8_reads_as_u_fffd)
{
	/* Go reads each byte that begins no valid sequence as U+FFFD. */
	ASSERT(drops_1305("a.b", "1305|op=a\xff" "b"));
	ASSERT(drops_1305("g[^x]h", "1305|op=g\xffh"));
	ASSERT(drops_1305("a\\x{fffd}\\x{fffd}b", "1305|op=a\xe2\x82" "b"));
	ASSERT(!drops_1305("a.b", "1305|op=a\xe2\x82" "b"));
	ASSERT(drops_1305("a..b", "1305|op=a\xed\xa0" "b"));
	/* Valid sequences stay one character. */
	ASSERT(drops_1305("a.b", "1305|op=a\xc3\xa9" "b"));
	ASSERT(drops_1305("^op=\\x{20ac}$", "1305|op=\xe2\x82\xac"));
}

TEST(invalid_utf8_across_joined_records)
{
	/* A key filter joins the records first, as Go does: one character. */
	static const char *const ev[] = {
		SYSCALL("2", "\"k\""), "1302|name=\xe2\x82", "1307|\xac", NULL,
	};
	struct fx fx;

	fx_compile(&fx, "- {key: k, regex: 'name=\\x{20ac}$'}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	fx_done(&fx);
}

TEST(match_limit_keeps_the_event)
{
	static const char *const ev[] = {
		"1305|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", NULL,
	};
	struct metric *m;
	uint64_t before;
	struct fx fx;

	fx_compile(&fx, "- {message_type: 1305, regex: '^(a|aa)+$'}\n");
	ASSERT_EQ(fx.r, 0);
	m = metrics_find("pauditd_filter_match_errors_total", NULL);
	ASSERT(m != NULL);
	before = metric_count(m);
	ASSERT(!drops(fx.f, ev));
	ASSERT(metric_count(m) > before);
	fx_done(&fx);
	/*
	 * A `keep` given up on must not let the `drop` after it decide:
	 * crafted data could otherwise get its event dropped.
	 */
	fx_compile(&fx, "- {message_type: 1305, regex: '^(a|aa)+$', action: keep}\n"
	    "- {message_type: 1305, regex: 'a'}\n");
	ASSERT_EQ(fx.r, 0);
	before = metric_count(m);
	ASSERT(!drops(fx.f, ev));
	ASSERT(metric_count(m) > before);
	fx_done(&fx);
	/* Nor the key stage after it. */
	{
		static const char *const ev2[] = {
			SYSCALL("2", "\"k\""),
			"1302|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", NULL,
		};

		fx_compile(&fx, "- {syscall: 2, message_type: 1302, regex: '^(a|aa)+$', action: keep}\n"
		    "- {key: k, regex: 'a'}\n");
		ASSERT_EQ(fx.r, 0);
		ASSERT(!drops(fx.f, ev2));
		fx_done(&fx);
	}
}

TEST(x32_syscall_numbers)
{
	static const char *const ev[] = {
		SYSCALL("1073741883", "(null)"), "1309|argc=1 a0=\"x\"", NULL,
	};
	struct fx fx;

	/* x32 system calls carry bit 30: 0x40000000 + 59 for execve. */
	fx_compile(&fx, "- {syscall: 1073741883, message_type: 1309, regex: argc}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	fx_done(&fx);
}

/* Compile one bad config; expect `errors` errors, the last naming `path`. */
static int
bad(const char *yaml, unsigned errors, const char *path)
{
	struct fx fx;
	int ok;

	fx_compile(&fx, yaml);
	ok = fx.r == -EINVAL && fx.f == NULL && fx.c.errors == errors &&
	    strstr(fx.c.last, path) != NULL;
	if (!ok)
		fprintf(stderr, "    %s -> r=%d errors=%u last=%s\n", yaml, fx.r,
		    fx.c.errors, fx.c.last);
	fx_done(&fx);
	return ok;
}

TEST(invalid_filters_name_index_and_field)
{
	ASSERT(bad("{syscall: 1}\n", 1, "filters: must be a list"));
	ASSERT(bad("- 42\n", 1, "filters[0]:"));
	ASSERT(bad("- {syscall: 42, message_type: 1306}\n", 1, "filters[0].regex: missing"));
	ASSERT(bad("- {syscall: 42, message_type: 1306, regex: ~}\n", 1, "filters[0].regex"));
	ASSERT(bad("- {key: a, regex: x}\n- {key: b, regex: '(x'}\n", 1,
	    "filters[1].regex: cannot compile"));
	/* The regex's own line, not its entry's. */
	ASSERT(bad("- key: a\n  action: keep\n  regex: '(x'\n", 1,
	    ":3: filters[0].regex: cannot compile"));
	ASSERT(bad("- {syscall: 42, regex: x}\n", 1, "filters[0].message_type: missing"));
	ASSERT(bad("- {regex: x}\n", 1, "filters[0].message_type: missing"));
	ASSERT(bad("- {key: a, regex: x, action: ignore}\n", 1, "filters[0].action"));
	ASSERT(bad("- {key: a, regex: x, action: Keep}\n", 1, "filters[0].action"));
	ASSERT(bad("- {syscall: connect, message_type: 1306, regex: x}\n", 1,
	    "filters[0].syscall"));
	ASSERT(bad("- {message_type: 70000, regex: x}\n", 1, "filters[0].message_type"));
	ASSERT(bad("- {syscall: 4294967296, message_type: 1300, regex: x}\n", 1,
	    "filters[0].syscall"));
	/* The offset is the pattern's as written, not its RE2 rewrite's. */
	ASSERT(bad("- {key: a, regex: '\\s\\s(x'}\n", 1, "at offset 6"));
	ASSERT(bad("- {message_type: NOSUCHTYPE, regex: x}\n", 1, "filters[0].message_type"));
	ASSERT(bad("- {key: [a, b], regex: x}\n", 1, "filters[0].key"));
	ASSERT(bad("- {key: a, regex: {x: 1}}\n", 1, "filters[0].regex"));
	/* Every invalid entry is reported, not only the first. */
	ASSERT(bad("- {key: a, regex: '['}\n- {key: b, regex: ok}\n"
	    "- {message_type: 1300, regex: x, action: no}\n", 2, "filters[2].action"));
}

TEST(warnings_do_not_fail)
{
	struct fx fx;

	fx_compile(&fx, "- {key: a, regex: x, comment: hello}\n"
	    "- {key: b, message_type: 1300, regex: x}\n"
	    "- {syscall: 1, key: c, message_type: 1300, regex: x}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(fx.c.warnings, 3);
	fx_done(&fx);
}

TEST(syscall_filter_ignores_key_as_pauditd)
{
	static const char *const ev[] = {
		SYSCALL("42", "\"other\""), "1306|saddr=0A00", NULL,
	};
	struct fx fx;

	/* pauditd indexes by syscall when it is set: the key plays no part. */
	fx_compile(&fx, "- {syscall: 42, message_type: 1306, key: net, regex: saddr}\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(drops(fx.f, ev));
	fx_done(&fx);
}

TEST_MAIN(T(no_filters_keep_everything), T(goaudit_syscall_message_type),
    T(syscall_and_type_as_strings),
    T(syscall_less_filter_matches_events_without_syscall),
    T(first_match_in_bucket_decides), T(records_are_walked_in_order),
    T(stage1_keep_still_runs_key_filters), T(pantheon_ordered_key_list),
    T(key_filter_sees_records_joined_without_separator),
    T(key_filter_on_scattered_records_uses_join_buffer), T(tty_and_null_keys),
    T(key_with_blanks_matched_as_the_kernel_writes_it),
    T(go_regex_dialect), T(re2_classes_and_escapes),
    T(invalid_utf8_reads_as_u_fffd), T(invalid_utf8_across_joined_records),
    T(match_limit_keeps_the_event), T(x32_syscall_numbers),
    T(invalid_filters_name_index_and_field), T(warnings_do_not_fail),
    T(syscall_filter_ignores_key_as_pauditd))
