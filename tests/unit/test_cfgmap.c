/*
 * test_cfgmap.c: the YAML tree (yaml.h), the table binder (cfgmap.h) and
 * the top-level schema (config.h): defaults, every scalar type in the
 * forms users write, maps, sections, required and unknown keys, error
 * messages with file:line: key.path:, and go-audit's and pauditd's
 * example configs loading cleanly.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "../../src/config/cfgmap.h"
#include "../../src/config/config.h"
#include "../../src/config/yaml.h"

struct tconf {
	bool			 b;
	bool			 b_set;
	long long		 i;
	long long		 attempts;
	double			 d;
	int			 mode;
	uint64_t		 dur;
	char			*s;
	struct cfg_strmap	 map;
	long long		 nx;
	char			*ns;
	const struct ynode	*raw;
	char			*req;
};

#define TF(k, t, field, dv, lo, hi) \
	{ .key = k, .type = t, .offset = offsetof(struct tconf, field), \
	  .def = dv, .min = lo, .max = hi, .set_offset = CFG_NOSET }

static const struct cfg_field nested_fields[] = {
	TF("x", CFG_INT, nx, "7", 0, 100),
	TF("s", CFG_STR, ns, "inner", 0, 0),
	{ 0 }
};

static const struct cfg_field tfields[] = {
	{ .key = "b", .type = CFG_BOOL, .offset = offsetof(struct tconf, b),
	  .def = "false", .set_offset = offsetof(struct tconf, b_set) },
	TF("i", CFG_INT, i, "10", -100, 1000),
	TF("attempts", CFG_INT, attempts, "3", 1, 1000000),
	TF("d", CFG_DOUBLE, d, "0.5", 0, 1),
	TF("mode", CFG_MODE, mode, "0600", 0, 0),
	TF("dur", CFG_DURATION, dur, "2s", 1, 3600000),
	TF("s", CFG_STR, s, "dflt", 0, 0),
	{ .key = "map", .type = CFG_STRMAP, .offset = offsetof(struct tconf, map),
	  .set_offset = CFG_NOSET },
	{ .key = "nested", .type = CFG_SECTION, .sub = nested_fields,
	  .set_offset = CFG_NOSET },
	{ .key = "raw", .type = CFG_NODE, .offset = offsetof(struct tconf, raw),
	  .set_offset = CFG_NOSET },
	{ 0 }
};

static const struct cfg_field req_fields[] = {
	{ .key = "req", .type = CFG_STR, .offset = offsetof(struct tconf, req),
	  .flags = CFG_F_REQUIRED, .set_offset = CFG_NOSET },
	TF("i", CFG_INT, i, "10", -100, 1000),
	{ 0 }
};

struct fx {
	struct ydoc	*doc;
	struct cfg_ctx	 c;
	struct tconf	 t;
	int		 r;
	char		 err[256];
};

/* Bind `yaml` (NULL: no document) with `tbl` under prefix "sec". */
static void
fx_bind(struct fx *fx, const struct cfg_field *tbl, const char *yaml)
{
	memset(fx, 0, sizeof(*fx));
	cfg_ctx_init(&fx->c, "t.yaml");
	fx->c.quiet = true;
	if (yaml != NULL) {
		fx->doc = ydoc_load_string("t.yaml", yaml, strlen(yaml),
		    fx->err, sizeof(fx->err));
		if (fx->doc == NULL) {
			fx->r = -1000;
			return;
		}
	}
	fx->r = cfg_bind(&fx->c, tbl, fx->doc ? fx->doc->root : NULL, "sec",
	    &fx->t);
}

static void
fx_done(struct fx *fx, const struct cfg_field *tbl)
{
	cfg_free(tbl, &fx->t);
	fx->doc = ydoc_free(fx->doc);
}

/* Bind one key of tfields and report: 0 ok, -EINVAL error. */
#define BIND1(fx, text) (fx_bind((fx), tfields, (text)), fx_done((fx), tfields), (fx)->r)

/* A quiet context for a whole config, loaded from text or a file. */
static struct config *
load_text(struct cfg_ctx *c, const char *name, const char *text)
{
	cfg_ctx_init(c, NULL);
	c->quiet = true;
	return config_load_string(name, text, c);
}

static struct config *
load_file(struct cfg_ctx *c, const char *path)
{
	cfg_ctx_init(c, NULL);
	c->quiet = true;
	return config_load(path, c);
}

TEST(defaults)
{
	struct fx fx;

	fx_bind(&fx, tfields, NULL);
	ASSERT_EQ(fx.r, 0);
	ASSERT(!fx.t.b);
	ASSERT(!fx.t.b_set);
	ASSERT_EQ(fx.t.i, 10);
	ASSERT_EQ(fx.t.attempts, 3);
	ASSERT(fx.t.d == 0.5);
	ASSERT_EQ(fx.t.mode, 0600);
	ASSERT_EQ(fx.t.dur, 2000);
	ASSERT_STREQ(fx.t.s, "dflt");
	ASSERT_EQ(fx.t.map.n, 0);
	ASSERT_EQ(fx.t.nx, 7);
	ASSERT_STREQ(fx.t.ns, "inner");
	ASSERT(fx.t.raw == NULL);
	ASSERT_EQ(fx.c.errors + fx.c.warnings, 0);
	fx_done(&fx, tfields);
	ASSERT(fx.t.s == NULL);
	ASSERT(fx.t.ns == NULL);
	/* An empty document and an empty map are defaults too. */
	fx_bind(&fx, tfields, "");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.t.i, 10);
	fx_done(&fx, tfields);
	fx_bind(&fx, tfields, "{}");
	ASSERT_EQ(fx.r, 0);
	ASSERT_STREQ(fx.t.s, "dflt");
	fx_done(&fx, tfields);
}

TEST(bools)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on",
	    "1", "\"true\"", "'yes'" };
	static const char *const no[] = { "false", "False", "no", "off", "0",
	    "\"false\"" };
	char y[64];
	struct fx fx;
	size_t k;

	for (k = 0; k < nitems(yes); k++) {
		snprintf(y, sizeof(y), "b: %s\n", yes[k]);
		fx_bind(&fx, tfields, y);
		fx_done(&fx, tfields);
		ASSERT_EQ(fx.r, 0);
		ASSERT(fx.t.b);
		ASSERT(fx.t.b_set);
	}
	for (k = 0; k < nitems(no); k++) {
		snprintf(y, sizeof(y), "b: %s\n", no[k]);
		fx_bind(&fx, tfields, y);
		fx_done(&fx, tfields);
		ASSERT_EQ(fx.r, 0);
		ASSERT(!fx.t.b);
		ASSERT(fx.t.b_set);
	}
	fx_bind(&fx, tfields, "i: 5\nb: maybe\n");
	fx_done(&fx, tfields);
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_EQ(fx.c.errors, 1);
	ASSERT_STREQ(fx.c.last,
	    "t.yaml:2: sec.b: must be true or false, not \"maybe\"");
	ASSERT(!fx.t.b_set);
}

TEST(ints)
{
	struct fx fx;

	ASSERT_EQ(BIND1(&fx, "i: 42"), 0);
	ASSERT_EQ(fx.t.i, 42);
	ASSERT_EQ(BIND1(&fx, "i: -7"), 0);
	ASSERT_EQ(fx.t.i, -7);
	ASSERT_EQ(BIND1(&fx, "i: 0x10"), 0);
	ASSERT_EQ(fx.t.i, 16);
	ASSERT_EQ(BIND1(&fx, "i: 010"), 0);	/* YAML 1.1 octal */
	ASSERT_EQ(fx.t.i, 8);
	ASSERT_EQ(BIND1(&fx, "i: 0o10"), 0);
	ASSERT_EQ(fx.t.i, 8);
	ASSERT_EQ(BIND1(&fx, "i: 0"), 0);
	ASSERT_EQ(fx.t.i, 0);
	ASSERT_EQ(BIND1(&fx, "i: \"42\""), 0);
	ASSERT_EQ(fx.t.i, 42);
	ASSERT_EQ(BIND1(&fx, "i: 4x"), -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.i: must be an integer, not \"4x\"");
	ASSERT_EQ(BIND1(&fx, "i: 1.5"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "i: 08"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "i: 99999999999999999999999"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "i: 1001"), -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.i: must be between -100 and 1000");
	ASSERT_EQ(BIND1(&fx, "i: -101"), -EINVAL);
	/* A failed key keeps its default. */
	ASSERT_EQ(fx.t.i, 10);
	ASSERT_EQ(BIND1(&fx, "i: [1, 2]"), -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.i: must be a single value, not a list");
}

TEST(attempts_as_string)
{
	struct fx fx;

	ASSERT_EQ(BIND1(&fx, "attempts: \"3\""), 0);
	ASSERT_EQ(fx.t.attempts, 3);
	ASSERT_EQ(BIND1(&fx, "attempts: '15'"), 0);
	ASSERT_EQ(fx.t.attempts, 15);
	ASSERT_EQ(BIND1(&fx, "attempts: 0"), -EINVAL);
	/* "key:" with no value keeps the default, as viper does. */
	ASSERT_EQ(BIND1(&fx, "attempts:\n"), 0);
	ASSERT_EQ(fx.t.attempts, 3);
}

TEST(doubles)
{
	struct fx fx;

	ASSERT_EQ(BIND1(&fx, "d: 0.25"), 0);
	ASSERT(fx.t.d == 0.25);
	ASSERT_EQ(BIND1(&fx, "d: \"0.05\""), 0);
	ASSERT(fx.t.d == 0.05);
	ASSERT_EQ(BIND1(&fx, "d: 1"), 0);
	ASSERT(fx.t.d == 1.0);
	ASSERT_EQ(BIND1(&fx, "d: abc"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "d: nan"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "d: 1.5"), -EINVAL);	/* range 0..1 */
}

TEST(modes)
{
	struct fx fx;

	ASSERT_EQ(BIND1(&fx, "mode: 0600"), 0);
	ASSERT_EQ(fx.t.mode, 384);
	ASSERT_EQ(BIND1(&fx, "mode: 0o600"), 0);
	ASSERT_EQ(fx.t.mode, 384);
	ASSERT_EQ(BIND1(&fx, "mode: 384"), 0);
	ASSERT_EQ(fx.t.mode, 384);
	ASSERT_EQ(fx.c.warnings, 0);
	ASSERT_EQ(BIND1(&fx, "mode: \"0640\""), 0);
	ASSERT_EQ(fx.t.mode, 0640);
	ASSERT_EQ(BIND1(&fx, "mode: rw"), -EINVAL);
	ASSERT_STREQ(fx.c.last,
	    "t.yaml:1: sec.mode: must be an octal mode such as 0600, not \"rw\"");
	ASSERT_EQ(BIND1(&fx, "mode: 0"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "mode: 010000"), -EINVAL);
	ASSERT_EQ(BIND1(&fx, "mode: -1"), -EINVAL);
	/* Decimal 600 is not 0600: accepted (as Go would) with a warning. */
	ASSERT_EQ(BIND1(&fx, "mode: 600"), 0);
	ASSERT_EQ(fx.t.mode, 600);
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.mode: 600 is decimal (octal 01130); "
	    "write 0600 for an octal mode");
	/* With an 8 or a 9 there is no octal to suggest. */
	ASSERT_EQ(BIND1(&fx, "mode: 999"), 0);
	ASSERT_EQ(fx.t.mode, 999);
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.mode: 999 is decimal (octal 01747), "
	    "a mode with set-id or sticky bits");
}

TEST(durations)
{
	struct fx fx;
	uint64_t ms = 0;

	ASSERT_EQ(BIND1(&fx, "dur: 2s"), 0);
	ASSERT_EQ(fx.t.dur, 2000);
	ASSERT_EQ(BIND1(&fx, "dur: 250ms"), 0);
	ASSERT_EQ(fx.t.dur, 250);
	ASSERT_EQ(BIND1(&fx, "dur: 1m30s"), 0);
	ASSERT_EQ(fx.t.dur, 90000);
	ASSERT_EQ(BIND1(&fx, "dur: 3"), 0);		/* bare: seconds */
	ASSERT_EQ(fx.t.dur, 3000);
	ASSERT_EQ(BIND1(&fx, "dur: \"3\""), 0);
	ASSERT_EQ(fx.t.dur, 3000);
	ASSERT_EQ(BIND1(&fx, "dur: 1.5s"), 0);
	ASSERT_EQ(fx.t.dur, 1500);
	ASSERT_EQ(BIND1(&fx, "dur: 1h"), 0);
	ASSERT_EQ(fx.t.dur, 3600000);
	ASSERT_EQ(BIND1(&fx, "dur: 5x"), -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.dur: must be a duration such "
	    "as 10s or 250ms, not \"5x\"");
	ASSERT_EQ(BIND1(&fx, "dur: 2h"), -EINVAL);	/* above 3600000 ms */
	ASSERT_EQ(BIND1(&fx, "dur: -1s"), -EINVAL);

	ASSERT_EQ(cfg_parse_duration_ms("10s", &ms), 0);
	ASSERT_EQ(ms, 10000);
	ASSERT_EQ(cfg_parse_duration_ms("1m", &ms), 0);
	ASSERT_EQ(ms, 60000);
	ASSERT_EQ(cfg_parse_duration_ms("5ms", &ms), 0);
	ASSERT_EQ(ms, 5);
	ASSERT_EQ(cfg_parse_duration_ms("1h2m3s4ms", &ms), 0);
	ASSERT_EQ(ms, 3723004);
	ASSERT_EQ(cfg_parse_duration_ms(".5s", &ms), 0);
	ASSERT_EQ(ms, 500);
	ASSERT_EQ(cfg_parse_duration_ms("1h.5m", &ms), 0);
	ASSERT_EQ(ms, 3630000);
	ASSERT_EQ(cfg_parse_duration_ms(".s", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("1500us", &ms), 0);
	ASSERT_EQ(ms, 2);
	ASSERT_EQ(cfg_parse_duration_ms("0", &ms), 0);
	ASSERT_EQ(ms, 0);
	ASSERT_EQ(cfg_parse_duration_ms("", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("s", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("5 s", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("1s2", &ms), -EINVAL);
}

/*
 * Regression, fixed (cfgmap.c cfg_parse_duration_ms): values too large for a u64 of
 * milliseconds, infinities and NaN are converted with a plain
 * (uint64_t) cast, which is undefined behaviour (x86-64 gives 0 or
 * 2^63), instead of being rejected: "1e30", "1e30s", "infs", "nanms".
 */
TEST(regress_duration_overflow_not_rejected)
{
	uint64_t ms = 0;

	ASSERT_EQ(cfg_parse_duration_ms("1e30s", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("infs", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("nanms", &ms), -EINVAL);
	ASSERT_EQ(cfg_parse_duration_ms("1e30", &ms), -EINVAL);
}

TEST(strings)
{
	struct fx fx;

	ASSERT_EQ(BIND1(&fx, "s: hello"), 0);
	fx_bind(&fx, tfields, "s: hello world\n");
	ASSERT_STREQ(fx.t.s, "hello world");
	fx_done(&fx, tfields);
	fx_bind(&fx, tfields, "s: \"quoted: yes\"\n");
	ASSERT_STREQ(fx.t.s, "quoted: yes");
	fx_done(&fx, tfields);
	fx_bind(&fx, tfields, "s: 123\n");
	ASSERT_STREQ(fx.t.s, "123");
	fx_done(&fx, tfields);
	fx_bind(&fx, tfields, "s: ''\n");
	ASSERT_STREQ(fx.t.s, "");
	fx_done(&fx, tfields);
	ASSERT_EQ(BIND1(&fx, "s: {a: 1}"), -EINVAL);
}

TEST(string_maps)
{
	struct fx fx;

	fx_bind(&fx, tfields, "map:\n  ip_address: 192.168.0.5\n  n: 3\n"
	    "  q: \"x y\"\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.t.map.n, 3);
	ASSERT_STREQ(cfg_strmap_get(&fx.t.map, "ip_address"), "192.168.0.5");
	ASSERT_STREQ(cfg_strmap_get(&fx.t.map, "n"), "3");
	ASSERT_STREQ(cfg_strmap_get(&fx.t.map, "q"), "x y");
	ASSERT(cfg_strmap_get(&fx.t.map, "nope") == NULL);
	fx_done(&fx, tfields);
	ASSERT_EQ(fx.t.map.n, 0);

	fx_bind(&fx, tfields, "map:\n  a: 1\n  b:\n    c: 2\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:3: sec.map: value of \"b\" must be a string");
	ASSERT_EQ(fx.t.map.n, 1);
	fx_done(&fx, tfields);

	ASSERT_EQ(BIND1(&fx, "map: [a, b]"), -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.map: must be a mapping of strings");
	ASSERT_EQ(BIND1(&fx, "map:\n"), 0);
}

TEST(nested_sections)
{
	struct fx fx;

	fx_bind(&fx, tfields, "i: 1\nnested:\n  x: 55\n  s: deep\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.t.nx, 55);
	ASSERT_STREQ(fx.t.ns, "deep");
	fx_done(&fx, tfields);

	fx_bind(&fx, tfields, "nested:\n  x: 500\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:2: sec.nested.x: must be between 0 and 100");
	fx_done(&fx, tfields);

	fx_bind(&fx, tfields, "nested: 5\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.nested: must be a mapping, not a scalar");
	ASSERT_EQ(fx.t.nx, 7);
	fx_done(&fx, tfields);

	/* A null section keeps the defaults. */
	fx_bind(&fx, tfields, "nested:\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.t.nx, 7);
	fx_done(&fx, tfields);
}

TEST(raw_nodes)
{
	struct fx fx;

	fx_bind(&fx, tfields, "raw:\n  - a\n  - b: 1\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT(fx.t.raw != NULL);
	ASSERT_EQ(fx.t.raw->kind, YNODE_SEQ);
	ASSERT_EQ(fx.t.raw->n, 2);
	ASSERT_STREQ(fx.t.raw->items[0]->str, "a");
	ASSERT_EQ(fx.t.raw->items[1]->kind, YNODE_MAP);
	fx_done(&fx, tfields);
}

TEST(unknown_keys_warned_with_line)
{
	struct fx fx;

	fx_bind(&fx, tfields, "i: 1\n\nbogus: 2\nnested:\n  zz: 1\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(fx.c.warnings, 2);
	ASSERT_STREQ(fx.c.last, "t.yaml:5: sec.nested.zz: unknown key, ignoring");
	fx_done(&fx, tfields);
	fx_bind(&fx, tfields, "bogus: 2\n");
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.bogus: unknown key, ignoring");
	fx_done(&fx, tfields);
	/*
	 * ignore_unknown silences them in the map bound (by parts), not in
	 * its sections, whose tables know every key.
	 */
	memset(&fx, 0, sizeof(fx));
	cfg_ctx_init(&fx.c, "t.yaml");
	fx.c.quiet = true;
	fx.c.ignore_unknown = true;
	fx.doc = ydoc_load_string("t.yaml", "bogus: 1\nnested: {zz: 1}\n", 25,
	    fx.err, sizeof(fx.err));
	ASSERT(fx.doc != NULL);
	ASSERT_EQ(cfg_bind(&fx.c, tfields, fx.doc->root, "sec", &fx.t), 0);
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last, "t.yaml:2: sec.nested.zz: unknown key, ignoring");
	fx_done(&fx, tfields);
}

TEST(every_error_reported)
{
	struct fx fx;

	fx_bind(&fx, tfields, "i: x\nd: y\nmode: z\ndur: w\n");
	fx_done(&fx, tfields);
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_EQ(fx.c.errors, 4);
	ASSERT(strncmp(fx.c.last, "t.yaml:4: sec.dur: ", 19) == 0);
}

TEST(required_keys)
{
	struct fx fx;

	fx_bind(&fx, req_fields, "req: here\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_STREQ(fx.t.req, "here");
	fx_done(&fx, req_fields);

	fx_bind(&fx, req_fields, "i: 1\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_STREQ(fx.c.last, "t.yaml:1: sec.req: is required");
	fx_done(&fx, req_fields);

	fx_bind(&fx, req_fields, NULL);
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_EQ(fx.c.errors, 1);
	fx_done(&fx, req_fields);
}

/*
 * Regression, fixed (cfgmap.c bind_map): a required key present without a value
 * ("path:" or "path: ~") passes the required check, because ynode_get
 * returns its null node, and keeps its default (NULL). For
 * output.file.path that reaches out_file_init's strdup(NULL): see
 * test_output.c regress_file_path_without_value.
 */
TEST(regress_required_key_without_value_accepted)
{
	struct fx fx;
	int r1, r2;

	fx_bind(&fx, req_fields, "req:\n");
	r1 = fx.r;
	fx_done(&fx, req_fields);
	fx_bind(&fx, req_fields, "req: ~\n");
	r2 = fx.r;
	fx_done(&fx, req_fields);
	ASSERT_EQ(r1, -EINVAL);
	ASSERT_EQ(r2, -EINVAL);
}

TEST(scalar_parsers)
{
	long long v = 0;
	double d = 0;
	bool b = false;

	/* YAML 1.1's underscores, between digits only. */
	ASSERT_EQ(cfg_parse_int("1_000_000", &v), 0);
	ASSERT_EQ(v, 1000000);
	ASSERT_EQ(cfg_parse_int("-0x_ff", &v), 0);
	ASSERT_EQ(v, -255);
	ASSERT_EQ(cfg_parse_int("_1", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("1__0", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("10_", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("0o17", &v), 0);
	ASSERT_EQ(v, 15);
	ASSERT_EQ(cfg_parse_int("-0x10", &v), 0);
	ASSERT_EQ(v, -16);
	ASSERT_EQ(cfg_parse_int("", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("0x", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("-", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_double("1e3", &d), 0);
	ASSERT(d == 1000.0);
	ASSERT_EQ(cfg_parse_double("", &d), -EINVAL);
	ASSERT_EQ(cfg_parse_double("inf", &d), -EINVAL);
	ASSERT_EQ(cfg_parse_bool("On", &b), 0);
	ASSERT(b);
	ASSERT_EQ(cfg_parse_bool("T", &b), 0);
	ASSERT(b);
	ASSERT_EQ(cfg_parse_bool("f", &b), 0);
	ASSERT(!b);
	ASSERT_EQ(cfg_parse_bool("", &b), -EINVAL);
	ASSERT_EQ(cfg_parse_bool("2", &b), -EINVAL);
}

/*
 * Regression, fixed (cfgmap.c cfg_parse_int): after skipping one sign (and a 0x/0o
 * prefix) the rest goes to strtoll, which accepts a second sign and
 * leading white space: "--5" binds as 5, "+-5" and "0x-5" as -5, " 5"
 * as 5, where the contract is YAML 1.1 integers only.
 */
TEST(regress_int_second_sign_accepted)
{
	long long v = 0;

	ASSERT_EQ(cfg_parse_int("--5", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("+-5", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("0x-5", &v), -EINVAL);
	ASSERT_EQ(cfg_parse_int("- 5", &v), -EINVAL);
}

TEST(yaml_tree)
{
	static const char y[] =
	    "a:\n"
	    "  b:\n"
	    "    c: deep\n"
	    "list: [1, two, \"3\"]\n"
	    "empty:\n"
	    "tilde: ~\n"
	    "upper: NULL\n"
	    "title: Null\n"
	    "mixed: nULL\n"
	    "quoted: \"~\"\n"
	    "base: &B {k: v}\n"
	    "ref: *B\n";
	char err[256];
	struct ydoc *d = ydoc_load_string("y.yaml", y, strlen(y), err,
	    sizeof(err));
	const struct ynode *n;

	ASSERT(d != NULL);
	ASSERT_STREQ(d->file, "y.yaml");
	ASSERT_EQ(d->root->kind, YNODE_MAP);
	n = ynode_path(d->root, "a.b.c");
	ASSERT(n != NULL);
	ASSERT_STREQ(n->str, "deep");
	ASSERT_EQ(n->line, 3);
	ASSERT(!n->quoted);
	ASSERT(ynode_path(d->root, "a.x.c") == NULL);
	ASSERT(ynode_path(d->root, "a.b.c.d") == NULL);
	n = ynode_get(d->root, "list");
	ASSERT_EQ(n->kind, YNODE_SEQ);
	ASSERT_EQ(n->n, 3);
	ASSERT_STREQ(n->items[1]->str, "two");
	ASSERT(n->items[2]->quoted);
	ASSERT_EQ(ynode_get(d->root, "empty")->kind, YNODE_NULL);
	ASSERT_EQ(ynode_get(d->root, "tilde")->kind, YNODE_NULL);
	ASSERT_EQ(ynode_get(d->root, "upper")->kind, YNODE_NULL);
	ASSERT_EQ(ynode_get(d->root, "title")->kind, YNODE_NULL);
	ASSERT_EQ(ynode_get(d->root, "mixed")->kind, YNODE_SCALAR);
	ASSERT_EQ(ynode_get(d->root, "quoted")->kind, YNODE_SCALAR);
	ASSERT_STREQ(ynode_get(d->root, "quoted")->str, "~");
	ASSERT(ynode_get(d->root, "nope") == NULL);
	ASSERT_EQ(ynode_pair(d->root, "list")->line, 4);
	ASSERT_STREQ(ynode_path(d->root, "ref.k")->str, "v");
	ASSERT(ynode_get(ynode_get(d->root, "list"), "x") == NULL);
	ASSERT_STREQ(ynode_kind_name(YNODE_SEQ), "a list");
	ydoc_free(d);
	ASSERT(ydoc_free(NULL) == NULL);
}

/* A document that is not a mapping is named as such, not as key "". */
TEST(document_not_a_mapping)
{
	struct cfg_ctx c;
	struct tconf t;
	char err[256];
	struct ydoc *d = ydoc_load_string("t.yaml", "- a\n- b\n", 8, err,
	    sizeof(err));

	ASSERT(d != NULL);
	memset(&t, 0, sizeof(t));
	cfg_ctx_init(&c, "t.yaml");
	c.quiet = true;
	ASSERT_EQ(cfg_bind(&c, tfields, d->root, "", &t), -EINVAL);
	ASSERT_STREQ(c.last, "t.yaml:1: the configuration must be a mapping "
	    "of keys, not a list");
	cfg_free(tfields, &t);
	ydoc_free(d);
}

/* A key given twice: the last value counts, as yaml.v2 into a Go map. */
TEST(repeated_key_last_counts_warned)
{
	const char *y = "a: 1\nb:\n  c: x\n  c: y\na: 3\n";
	char err[256];
	struct ydoc *d = ydoc_load_string("y.yaml", y, strlen(y), err,
	    sizeof(err));
	struct cfg_ctx c;
	struct config *conf;

	ASSERT(d != NULL);
	ASSERT_EQ(d->root->n, 2);
	ASSERT_STREQ(ynode_get(d->root, "a")->str, "3");
	ASSERT_EQ(ynode_pair(d->root, "a")->line, 5);
	ASSERT_STREQ(ynode_path(d->root, "b.c")->str, "y");
	ASSERT_EQ(d->ndups, 2);
	ASSERT_STREQ(d->dups[0].key, "c");
	ASSERT_STREQ(d->dups[0].path, "b.c");
	ASSERT_EQ(d->dups[0].line, 4);
	ASSERT_EQ(d->dups[0].first, 3);
	ASSERT_STREQ(d->dups[1].key, "a");
	ASSERT_EQ(d->dups[1].line, 5);
	ASSERT_EQ(d->dups[1].first, 1);
	ydoc_free(d);

	conf = load_text(&c, "p.yaml", "events:\n  min: 1300\n  min: 1100\n"
	    "output:\n  stdout:\n    enabled: true\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 1);
	ASSERT_STREQ(c.last, "p.yaml:3: events.min: given again (first at "
	    "line 2): this value counts");
	ASSERT_EQ(conf->events_min, 1100);
	config_free(conf);
}

/*
 * A third copy of a key overrides the second, and its first place is
 * still the first; keys differing only in case are the same key (viper).
 */
TEST(repeated_key_third_copy_and_case)
{
	const char *y = "o:\n  s:\n    e: 1\n    E: 2\n    e: 3\n  l:\n"
	    "    - {k: a, K: b}\n";
	char err[256];
	struct ydoc *d = ydoc_load_string("y.yaml", y, strlen(y), err,
	    sizeof(err));

	ASSERT(d != NULL);
	ASSERT_EQ(d->ndups, 3);
	ASSERT_STREQ(d->dups[0].path, "o.s.E");
	ASSERT_EQ(d->dups[0].first, 3);
	ASSERT_STREQ(d->dups[1].path, "o.s.e");
	ASSERT_EQ(d->dups[1].line, 5);
	ASSERT_EQ(d->dups[1].first, 3);
	ASSERT_STREQ(d->dups[2].path, "o.l[0].K");
	ASSERT_STREQ(ynode_path(d->root, "O.S.E")->str, "3");
	ydoc_free(d);
}

/*
 * Merge keys, as yaml.v2 applies them for pauditd and go-audit: the map's
 * own keys win, then the merged maps in their order; a merge of anything
 * but maps is an error with its line.
 */
TEST(merge_keys)
{
	const char *y = "base: &b {attempts: 7, format: go-audit, x: 1}\n"
	    "more: &m {x: 2, y: 3}\n"
	    "one:\n  <<: *b\n  format: pauditd\n"
	    "two:\n  <<: [*m, *b]\n  z: 4\n"
	    "three:\n  \"<<\": 5\n";
	char err[256];
	struct ydoc *d = ydoc_load_string("m.yaml", y, strlen(y), err,
	    sizeof(err));
	struct cfg_ctx c;
	struct config *conf;
	const struct ynode *n;

	ASSERT(d != NULL);
	n = ynode_get(d->root, "one");
	ASSERT_EQ(n->n, 3);
	ASSERT_STREQ(ynode_get(n, "format")->str, "pauditd");
	ASSERT_STREQ(ynode_get(n, "attempts")->str, "7");
	ASSERT_EQ(ynode_pair(n, "attempts")->line, 1);
	ASSERT(ynode_get(n, "<<") == NULL);
	n = ynode_get(d->root, "two");
	ASSERT_STREQ(ynode_get(n, "x")->str, "2");
	ASSERT_STREQ(ynode_get(n, "y")->str, "3");
	ASSERT_STREQ(ynode_get(n, "attempts")->str, "7");
	ASSERT_STREQ(ynode_get(n, "z")->str, "4");
	/* A quoted "<<" is a plain key. */
	ASSERT_STREQ(ynode_get(ynode_get(d->root, "three"), "<<")->str, "5");
	ydoc_free(d);

	y = "a: 1\nb:\n  <<: 5\n";
	d = ydoc_load_string("m.yaml", y, strlen(y), err, sizeof(err));
	ASSERT(d == NULL);
	ASSERT_STREQ(err, "m.yaml:3: <<: a merge key takes a mapping or a list "
	    "of mappings");

	/* A map merging the one it sits in, half converted then. */
	y = "x: &x {y: {<<: *x}, a: 1}\n";
	d = ydoc_load_string("m.yaml", y, strlen(y), err, sizeof(err));
	ASSERT(d != NULL);
	ydoc_free(d);

	/* An output enabled through a merge. */
	conf = load_text(&c, "p.yaml", "x: &on {enabled: true, attempts: 9}\n"
	    "output:\n  stdout:\n    <<: *on\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 0);
	ASSERT_STREQ(ynode_path(conf->output, "stdout.attempts")->str, "9");
	config_free(conf);
}

/* SO_RCVBUF doubles the size into an int: the table's bound says so, with its line. */
TEST(socket_buffer_bound_has_its_line)
{
	struct cfg_ctx c;
	struct config *conf;

	conf = load_text(&c, "p.yaml", "events:\n  min: 1300\nsocket_buffer:\n"
	    "  receive: 2000000000\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 1);
	ASSERT_STREQ(c.last, "p.yaml:4: socket_buffer.receive: must be between 0 "
	    "and 1073741823");
	config_free(conf);
}

/* viper's keys know no case: a config in any case loads as it means. */
TEST(keys_in_any_case)
{
	struct cfg_ctx c;
	struct config *conf;

	conf = load_text(&c, "p.yaml", "Events:\n  MIN: 1100\n"
	    "Output:\n  Stdout:\n    Enabled: true\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 0);
	ASSERT_EQ(conf->events_min, 1100);
	config_free(conf);
}

/* A byte that is not UTF-8 is placed on its own line, not on line 1. */
TEST(encoding_error_has_its_line)
{
	const char *y = "a: 1\nb: 2\n# c\nd: caf\xe9\n";
	char err[256];
	struct ydoc *d = ydoc_load_string("u.yaml", y, strlen(y), err,
	    sizeof(err));

	ASSERT(d == NULL);
	ASSERT(strncmp(err, "u.yaml:4: ", 10) == 0);
	d = ydoc_load_string("u.yaml", "a: 1\n\nb: \x01\n", 11, err,
	    sizeof(err));
	ASSERT(d == NULL);
	ASSERT(strncmp(err, "u.yaml:3: ", 10) == 0);
}

/*
 * Only the first document is read; a next one, or text after it that
 * does not parse, is warned about with its line. An empty one ("---" at
 * the end) is not.
 */
TEST(second_document_warned)
{
	static const struct {
		const char *text;
		int warnings;
		const char *last;
	} cases[] = {
		{ "output:\n  stdout:\n    enabled: true\n---\nevents:\n  min: 1\n",
		  1, "p.yaml:4: text after the first YAML document, ignored: "
		  "only the first is read" },
		{ "output:\n  stdout:\n    enabled: true\n---\n: : [\n",
		  1, "p.yaml:5: text after the first YAML document, ignored: "
		  "only the first is read" },
		{ "---\noutput:\n  stdout:\n    enabled: true\n...\n---\n",
		  0, "" },
	};
	struct cfg_ctx c;
	struct config *conf;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conf = load_text(&c, "p.yaml", cases[i].text);
		ASSERT(conf != NULL);
		ASSERT_EQ(c.errors, 0);
		ASSERT_EQ(c.warnings, cases[i].warnings);
		if (cases[i].warnings > 0)
			ASSERT_STREQ(c.last, cases[i].last);
		/* The first document's values, not the second's. */
		ASSERT_EQ(conf->events_min, 1300);
		config_free(conf);
	}
}

TEST(yaml_syntax_error_has_line)
{
	char err[256] = "";
	struct ydoc *d;
	struct cfg_ctx c;
	struct config *conf;

	d = ydoc_load_string("bad.yaml", "a: 1\nb: [1, 2\nc: 3\n", 19, err,
	    sizeof(err));
	ASSERT(d == NULL);
	ASSERT(strncmp(err, "bad.yaml:", 9) == 0);
	/* The error is on line 2 or 3 depending on where libyaml notices. */
	ASSERT(strncmp(err, "bad.yaml:3:", 11) == 0 ||
	    strncmp(err, "bad.yaml:2:", 11) == 0);

	d = ydoc_load_string("tab.yaml", "a: 1\n\tb: 2\n", 11, err, sizeof(err));
	ASSERT(d == NULL);
	ASSERT(strncmp(err, "tab.yaml:2:", 11) == 0);

	conf = load_text(&c, "p.yaml", "output:\n  stdout: {enabled: true\n");
	ASSERT(conf == NULL);
	ASSERT_EQ(c.errors, 1);
	ASSERT(strncmp(c.last, "p.yaml:", 7) == 0);

	conf = load_file(&c, "/nonexistent/pauditd.yaml");
	ASSERT(conf == NULL);
	ASSERT_EQ(c.errors, 1);
	ASSERT(strstr(c.last, "/nonexistent/pauditd.yaml") != NULL);

	/* libyaml's own word for a directory is "input error". */
	conf = load_file(&c, "/tmp");
	ASSERT(conf == NULL);
	ASSERT_STREQ(c.last, "/tmp: Is a directory");
}

static const char go_audit_example[] =
    "socket_buffer:\n"
    "  receive: 16384\n"
    "events:\n"
    "  min: 1300\n"
    "  max: 1399\n"
    "message_tracking:\n"
    "  enabled: true\n"
    "  log_out_of_order: false\n"
    "  max_out_of_order: 500\n"
    "output:\n"
    "  stdout:\n"
    "    enabled: true\n"
    "    attempts: 2\n"
    "  syslog:\n"
    "    enabled: false\n"
    "    attempts: 5\n"
    "    network: unixgram\n"
    "    address: /dev/log\n"
    "    priority: 129\n"
    "    tag: \"audit-thing\"\n"
    "  file:\n"
    "    enabled: false\n"
    "    attempts: 2\n"
    "    path: /var/log/go-audit/go-audit.log\n"
    "    mode: 0600\n"
    "    user: root\n"
    "    group: root\n"
    "  gelf:\n"
    "    enabled: false\n"
    "    attempts: 3\n"
    "    network: udp\n"
    "    address: localhost:12201\n"
    "    compression:\n"
    "      level: 1\n"
    "      type: 0\n"
    "log:\n"
    "  flags: 0\n"
    "rules:\n"
    "  - -a exit,always -F arch=b64 -S execve\n"
    "  - -a exit,always -F arch=b32 -S execve\n"
    "  - -e 1\n"
    "filters:\n"
    "  - syscall: 49\n"
    "    message_type: 1306\n"
    "    regex: saddr=(10..|0A..)\n"
    "extras:\n"
    "  containers:\n"
    "    enabled: false\n"
    "    containerd: false\n"
    "    containerd_sock: /run/containerd/containerd.sock\n"
    "    containerd_namespace: k8s.io\n"
    "    docker: false\n"
    "    docker_api_version: 1.24\n"
    "    pid_cache: 0\n"
    "    docker_cache: 0\n"
    "    containerd_cache: 0\n";

static const char pauditd_example[] =
    "socket_buffer:\n"
    "  receive: 16384\n"
    "events:\n"
    "  min: 1300\n"
    "  max: 1399\n"
    "message_tracking:\n"
    "  enabled: true\n"
    "  log_out_of_order: false\n"
    "  max_out_of_order: 500\n"
    "output:\n"
    "  stdout:\n"
    "    enabled: true\n"
    "    attempts: 2\n"
    "  syslog:\n"
    "    enabled: false\n"
    "    attempts: 5\n"
    "    network: unixgram\n"
    "    address: /dev/log\n"
    "    priority: 129\n"
    "    tag: \"pauditd\"\n"
    "  file:\n"
    "    enabled: false\n"
    "    attempts: 2\n"
    "    path: /var/log/pauditd/pauditd.log\n"
    "    mode: 0600\n"
    "    user: root\n"
    "    group: root\n"
    "  http:\n"
    "    enabled: false\n"
    "    attempts: 2\n"
    "    url: https://service-url/service\n"
    "    worker_count: 10\n"
    "    buffer_size: 1000\n"
    "    trace_header_name: X-TRACE-ID\n"
    "    response_body_transformer: noop\n"
    "    debug: false\n"
    "    breaker_failure_ratio: 0.05\n"
    "    ssl:\n"
    "      enabled: true\n"
    "      client_cert: /etc/certs/mycert.crt\n"
    "      client_key: /etc/certs/mykey.key\n"
    "      ca_cert: /etc/certs/my_ca.crt\n"
    "notification-service-transformer:\n"
    "  extra_attributes:\n"
    "    ip_address: 192.168.0.5\n"
    "log:\n"
    "  flags: 0\n"
    "metrics:\n"
    "  enabled: true\n"
    "  address: metrics.somecompany.com:8125\n"
    "  sample_rate: 0.5\n"
    "parser:\n"
    "  enable_uid_caching: \"false\"\n"
    "  password_file_path: /etc/passwd\n"
    "rules:\n"
    "  - -a exit,always -F arch=b64 -S execve\n"
    "  - -w /etc/passwd -p w -k passwd-write-log\n"
    "  - -e 1\n"
    "filters:\n"
    "  - syscall: 49\n"
    "    message_type: 1306\n"
    "    regex: saddr=(10..|0A..)\n"
    "  - key: passwd-write-log\n"
    "    action: drop\n"
    "    regex: '\"uid_map\":{\"0\":\"root\"}'\n";

TEST(go_audit_example_loads)
{
	struct cfg_ctx c;
	struct config *conf;

	conf = load_text(&c, "go-audit.yaml", go_audit_example);
	ASSERT(conf != NULL);
	if (c.errors != 0 || c.warnings != 0)
		fprintf(stderr, "  last: %s\n", c.last);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 0);
	ASSERT(!conf->embedded);
	ASSERT_STREQ(conf->file, "go-audit.yaml");
	ASSERT_EQ(conf->socket_buffer_receive, 16384);
	ASSERT_EQ(conf->events_min, 1300);
	ASSERT_EQ(conf->events_max, 1399);
	ASSERT_EQ(conf->events_timeout_ms, 2000);
	ASSERT(conf->mt_enabled);
	ASSERT(!conf->mt_log_out_of_order);
	ASSERT_EQ(conf->mt_max_out_of_order, 500);
	ASSERT(conf->output != NULL && conf->output->kind == YNODE_MAP);
	ASSERT_STREQ(ynode_path(conf->output, "file.mode")->str, "0600");
	ASSERT(conf->rules_set);
	ASSERT_EQ(conf->rules->n, 3);
	ASSERT_STREQ(conf->rules->items[2]->str, "-e 1");
	ASSERT_EQ(conf->filters->n, 1);
	ASSERT(conf->extras != NULL);
	ASSERT(conf->metrics == NULL);
	ASSERT(!conf->uid_caching_set);
	config_free(conf);
}

TEST(pauditd_example_loads)
{
	struct cfg_ctx c;
	struct config *conf;

	conf = load_text(&c, "pauditd.yaml", pauditd_example);
	ASSERT(conf != NULL);
	if (c.errors != 0 || c.warnings != 0)
		fprintf(stderr, "  last: %s\n", c.last);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 0);
	ASSERT(conf->uid_caching_set);
	ASSERT(!conf->uid_caching);		/* "false" as a string */
	ASSERT_STREQ(conf->password_file_path, "/etc/passwd");
	ASSERT(conf->notif_top != NULL);
	ASSERT_STREQ(ynode_path(conf->notif_top,
	    "extra_attributes.ip_address")->str, "192.168.0.5");
	ASSERT(conf->metrics != NULL);
	ASSERT_EQ(conf->filters->n, 2);
	ASSERT_STREQ(ynode_get(conf->filters->items[1], "regex")->str,
	    "\"uid_map\":{\"0\":\"root\"}");
	config_free(conf);
}

TEST(top_level_unknown_and_checks)
{
	struct cfg_ctx c;
	struct config *conf;
	uint64_t to;
	bool mt;

	conf = load_text(&c, "u.yaml", "output:\n  stdout:\n"
	    "    enabled: true\ncanary: true\nwhatever: 1\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 0);
	ASSERT_EQ(c.warnings, 1);
	ASSERT_STREQ(c.last, "u.yaml:5: whatever: unknown key, ignoring");
	config_free(conf);

	conf = load_text(&c, "m.yaml", "events:\n  max: 1200\n  min: 1300\n");
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors, 1);
	ASSERT_STREQ(c.last, "m.yaml:3: events.min: must not be greater than "
	    "events.max (1300 > 1200)");
	config_free(conf);

	conf = load_text(&c, "e.yaml", "events:\n  timeout: 250ms\n"
	    "  max_records: 0\nmessage_tracking:\n  enabled: off\n");
	ASSERT(conf != NULL);
	to = conf->events_timeout_ms;
	mt = conf->mt_enabled;
	config_free(conf);
	ASSERT_EQ(c.errors, 1);
	ASSERT_STREQ(c.last, "e.yaml:3: events.max_records: must be between 1 and 1048576");
	ASSERT_EQ(to, 250);
	ASSERT(!mt);
}

TEST(embedded_defaults)
{
	struct cfg_ctx c;
	struct config *conf;

	conf = load_file(&c, NULL);
	ASSERT(conf != NULL);
	ASSERT_EQ(c.errors + c.warnings, 0);
	ASSERT(conf->embedded);
	ASSERT_STREQ(conf->file, "<defaults>");
	ASSERT_EQ(conf->events_min, 1300);
	ASSERT_EQ(conf->events_max, 1399);
	ASSERT_EQ(conf->events_timeout_ms, 2000);
	ASSERT(conf->mt_enabled);
	ASSERT_EQ(conf->mt_max_out_of_order, 500);
	ASSERT_EQ(conf->socket_buffer_receive, 0);
	ASSERT(conf->uid_caching);
	ASSERT(!conf->rules_set);
	ASSERT(conf->rules == NULL);
	ASSERT(conf->filters == NULL);
	ASSERT_STREQ(ynode_path(conf->output, "stdout.enabled")->str, "true");
	ASSERT(strstr(config_embedded_yaml, "stdout") != NULL);
	config_free(conf);
	ASSERT(config_free(NULL) == NULL);
}

TEST_MAIN(T(defaults), T(bools), T(ints), T(attempts_as_string), T(doubles),
    T(modes), T(durations), T(regress_duration_overflow_not_rejected), T(strings),
    T(string_maps), T(nested_sections), T(raw_nodes),
    T(unknown_keys_warned_with_line), T(every_error_reported),
    T(required_keys), T(regress_required_key_without_value_accepted),
    T(scalar_parsers), T(regress_int_second_sign_accepted), T(yaml_tree),
    T(document_not_a_mapping), T(repeated_key_last_counts_warned),
    T(repeated_key_third_copy_and_case), T(merge_keys), T(keys_in_any_case),
    T(socket_buffer_bound_has_its_line),
    T(encoding_error_has_its_line), T(second_document_warned), T(yaml_syntax_error_has_line),
    T(go_audit_example_loads), T(pauditd_example_loads),
    T(top_level_unknown_and_checks), T(embedded_defaults))
