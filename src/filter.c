/*
 * filter.c: pauditd's event filters (the `filters:` list).
 *
 * DESIGN
 *
 * Semantics are pauditd's, which extend go-audit's:
 *  - an entry has `regex` (required), `syscall` (optional, string or
 *    int), `message_type` (string or int), `key` (the rule key) and
 *    `action` (`drop`, the default, or `keep`);
 *  - entries are indexed by a primary string, the syscall when it is set
 *    and else the key, then by message type (0 for key filters), keeping
 *    config order inside each bucket. Syscall and key share one
 *    namespace, exactly as in pauditd;
 *  - stage 1: the bucket group of the event's syscall ("" when the event
 *    has no SYSCALL record, which is how go-audit's syscall-less filters
 *    match) is looked up; records are walked in order, and for each
 *    record the regexes of its message type are tried in order. The
 *    first match decides. `keep` only ends stage 1: stage 2 still runs,
 *    because pauditd computes "stage1 || stage2";
 *  - stage 2: the [rule key][0] bucket is tried against the records'
 *    data joined without a separator; the first match decides;
 *  - no match keeps the event.
 *
 * Regexes are PCRE2 in UTF mode, made to match what Go's RE2 matches:
 * `$` only at the very end; `\s`, `\S` and `\v` rewritten to RE2's
 * meaning (re2_dialect); a subject's bytes that are not valid UTF-8 read
 * as U+FFFD each, as Go reads them (utf8_subject: audit data is bytes).
 * PCRE2 backtracks where RE2 does not, and audit data is
 * attacker-controlled (file names), so every match runs under a match
 * limit: a pathological regex/subject pair is counted in
 * pauditd_filter_match_errors_total and the event is kept, whatever the
 * filters after it say, so that crafted data can never get an event
 * dropped (a `keep` filter given up on, then a `drop` of the rest).
 *
 * filter_drop allocates nothing: the match data and the JIT stack are
 * made at compile time (main thread only), and the joined text of stage
 * 2 is the event's own arena when its records are back to back (they
 * are, see event.h), else a join buffer sized at compile time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND	0
#endif

#include "buf.h"
#include "config/cfgmap.h"
#include "event.h"
#include "filter.h"
#include "json.h"
#include "log.h"
#include "metrics.h"
#include "record.h"

#define FILTER_MATCH_LIMIT	1000000u
#define FILTER_DEPTH_LIMIT	10000u
#define FILTER_JIT_STACK_MIN	(32 * 1024)
#define FILTER_JIT_STACK_MAX	(1024 * 1024)
#define FILTER_JOIN_SIZE	(256 * 1024)
#define FILTER_MTYPE_MAX	65535
#define FILTER_SYSCALL_MAX	4294967295ll	/* x32 numbers carry bit 30 */

struct frule {
	pcre2_code		*re;
	pcre2_match_data	*md;
	bool			 drop;
	bool			 jit;		/* JIT-compiled: call it directly */
};

struct fbucket {
	uint32_t		 mtype;		/* 0: key filters */
	size_t			 n;
	struct frule		**rules;	/* config order */
};

struct fgroup {
	char			*name;		/* syscall number or rule key */
	size_t			 len;
	size_t			 nb;
	struct fbucket		*b;
};

struct filter {
	size_t			 nrules;
	struct frule		*rules;
	size_t			 ng;
	struct fgroup		*groups;
	pcre2_match_context	*mctx;
	pcre2_jit_stack		*jstack;
	char			*join;		/* stage 2 fallback */
	size_t			 join_cap;
	char			*fix;		/* invalid UTF-8 made U+FFFD */
	size_t			 fix_cap;
	struct metric		*errors;
};

/* One parsed `filters:` entry, before indexing. */
struct fspec {
	char			 syscall[24];	/* "" when absent */
	long long		 mtype;		/* 0 when absent */
	const char		*key;		/* borrowed from the YAML tree */
	const char		*regex;
	int			 line;
	int			 regex_line;
	bool			 drop;
};

static const char *const entry_keys[] = {
	"syscall", "message_type", "regex", "key", "action",
};

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		fatal("filter");
	return p;
}

struct filter *
filter_free(struct filter *f)
{
	size_t i;

	if (f == NULL)
		return NULL;
	for (i = 0; i < f->nrules; i++) {
		pcre2_match_data_free(f->rules[i].md);
		pcre2_code_free(f->rules[i].re);
	}
	for (i = 0; i < f->ng; i++) {
		size_t j;

		for (j = 0; j < f->groups[i].nb; j++)
			free(f->groups[i].b[j].rules);
		free(f->groups[i].b);
		free(f->groups[i].name);
	}
	free(f->groups);
	free(f->rules);
	pcre2_jit_stack_free(f->jstack);
	pcre2_match_context_free(f->mctx);
	free(f->join);
	free(f->fix);
	free(f);
	return NULL;
}

/* Scalar text of an entry's field, NULL when absent or null. */
static const struct ynode *
entry_scalar(struct cfg_ctx *c, const struct ynode *e, const char *key,
    const char *path)
{
	const struct ypair *p = ynode_pair(e, key);

	if (p == NULL || p->val == NULL || p->val->kind == YNODE_NULL)
		return NULL;
	if (p->val->kind != YNODE_SCALAR) {
		cfg_error(c, p->line, path, "must be a single value, not %s",
		    ynode_kind_name(p->val->kind));
		return NULL;
	}
	return p->val;
}

/*
 * A YAML integer when unquoted (0x2A, 052), else decimal digits: "049" is
 * 49, where pauditd would keep a string that never matches.
 */
static int
parse_number(const struct ynode *v, long long *ret)
{
	const char *s = v->str;
	char *end;

	if (!v->quoted && cfg_parse_int(s, ret) == 0)
		return 0;
	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*ret = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	return 0;
}

static void
parse_syscall(struct cfg_ctx *c, const struct ynode *e, const char *pfx,
    struct fspec *s)
{
	const struct ynode *v;
	char path[64];
	long long n;

	snprintf(path, sizeof(path), "%s.syscall", pfx);
	if ((v = entry_scalar(c, e, "syscall", path)) == NULL || v->str[0] == '\0')
		return;
	if (parse_number(v, &n) < 0 || n < 0 || n > FILTER_SYSCALL_MAX) {
		cfg_error(c, v->line, path,
		    "must be a syscall number such as 42, not \"%s\"", v->str);
		return;
	}
	snprintf(s->syscall, sizeof(s->syscall), "%lld", n);
}

static void
parse_mtype(struct cfg_ctx *c, const struct ynode *e, const char *pfx,
    struct fspec *s)
{
	const struct ynode *v;
	char path[64];
	long long n;
	int t;

	snprintf(path, sizeof(path), "%s.message_type", pfx);
	if ((v = entry_scalar(c, e, "message_type", path)) == NULL)
		return;
	if (parse_number(v, &n) < 0) {
		/* An extension: record type names (SOCKADDR) are accepted. */
		if ((t = record_type_from_name(v->str, strlen(v->str))) < 0) {
			cfg_error(c, v->line, path,
			    "must be a record type number such as 1306, not \"%s\"",
			    v->str);
			return;
		}
		n = t;
	}
	if (n < 0 || n > FILTER_MTYPE_MAX) {
		cfg_error(c, v->line, path, "must be between 0 and %d",
		    FILTER_MTYPE_MAX);
		return;
	}
	s->mtype = n;
}

static void
parse_action(struct cfg_ctx *c, const struct ynode *e, const char *pfx,
    struct fspec *s)
{
	const struct ynode *v;
	char path[64];

	snprintf(path, sizeof(path), "%s.action", pfx);
	s->drop = true;
	if ((v = entry_scalar(c, e, "action", path)) == NULL)
		return;
	if (strcmp(v->str, "keep") == 0)
		s->drop = false;
	else if (strcmp(v->str, "drop") != 0)
		cfg_error(c, v->line, path, "must be keep or drop, not \"%s\"",
		    v->str);
}

static void
warn_unknown_keys(struct cfg_ctx *c, const struct ynode *e, const char *pfx)
{
	size_t i, k;

	for (i = 0; i < e->n; i++) {
		for (k = 0; k < nitems(entry_keys); k++)
			if (strcasecmp(e->pairs[i].key, entry_keys[k]) == 0)
				break;
		if (k == nitems(entry_keys))
			cfg_warn(c, e->pairs[i].line, pfx,
			    "unknown key \"%s\", ignoring", e->pairs[i].key);
	}
}

/* Warn about entries that pauditd accepts but can never apply. */
static void
warn_dead(struct cfg_ctx *c, const struct fspec *s, const char *pfx)
{
	if (s->syscall[0] != '\0' && s->key[0] != '\0')
		cfg_warn(c, s->line, pfx, "%s", s->mtype != 0 ?
		    "`key` is ignored when `syscall` is set" :
		    "can never match: with `syscall` set, `message_type` is needed");
	else if (s->syscall[0] == '\0' && s->key[0] != '\0' && s->mtype != 0)
		cfg_warn(c, s->line, pfx, "can never match: a `key` filter "
		    "applies to the whole event, remove `message_type`");
}

/* Parse entry `i`; returns 0 or -EINVAL (reported). */
static int
parse_entry(struct cfg_ctx *c, const struct ynode *e, size_t i,
    struct fspec *s)
{
	unsigned before = c->errors;
	const struct ynode *v, *rx;
	char pfx[32], path[64];

	snprintf(pfx, sizeof(pfx), "filters[%zu]", i);
	memset(s, 0, sizeof(*s));
	s->key = "";
	if (e == NULL || e->kind != YNODE_MAP) {
		cfg_error(c, e ? e->line : 0, pfx, "must be a mapping with "
		    "regex and key, or message_type (and syscall)");
		return -EINVAL;
	}
	s->line = e->line;
	warn_unknown_keys(c, e, pfx);
	parse_syscall(c, e, pfx, s);
	parse_mtype(c, e, pfx, s);
	parse_action(c, e, pfx, s);
	snprintf(path, sizeof(path), "%s.key", pfx);
	if ((v = entry_scalar(c, e, "key", path)) != NULL)
		s->key = v->str;
	snprintf(path, sizeof(path), "%s.regex", pfx);
	rx = ynode_get(e, "regex");
	if (rx == NULL || rx->kind == YNODE_NULL)
		cfg_error(c, e->line, path, "missing: every filter needs a regex");
	else if ((v = entry_scalar(c, e, "regex", path)) != NULL) {
		s->regex = v->str;
		s->regex_line = v->line;
	}
	if (s->key[0] == '\0' && s->mtype == 0 && c->errors == before) {
		snprintf(path, sizeof(path), "%s.message_type", pfx);
		cfg_error(c, e->line, path, "missing: a filter needs either "
		    "`key`, or `message_type` (with an optional `syscall`)");
	}
	if (c->errors != before)
		return -EINVAL;
	warn_dead(c, s, pfx);
	return 0;
}

/*
 * The escapes that RE2 (Go's regexp) and PCRE2 both take but read
 * differently, in RE2's meaning: \s is [\t\n\f\r ] (PCRE2 adds the
 * vertical tab), \S its complement, \v the vertical tab alone (PCRE2: any
 * vertical space). Inside a class \S becomes the ranges around those five
 * bytes. \Q...\E is left alone. Returns the rewritten pattern (malloc'd),
 * or NULL when there is nothing to rewrite.
 */
static char *
re2_dialect(const char *rx)
{
	struct buf b = { 0 };
	const char *p = rx, *rep;
	bool changed = false, quoted = false, cls = false;

	while (*p != '\0') {
		if (quoted) {
			if (p[0] == '\\' && p[1] == 'E')
				quoted = false;
		} else if (p[0] == '\\' && p[1] != '\0') {
			rep = NULL;
			if (p[1] == 's')
				rep = cls ? "\\t\\n\\f\\r " : "[\\t\\n\\f\\r ]";
			else if (p[1] == 'S')
				rep = cls ? "\\x00-\\x08\\x0b\\x0e-\\x1f\\x21-\\x{10ffff}" :
				    "[^\\t\\n\\f\\r ]";
			else if (p[1] == 'v')
				rep = "\\x0b";
			else if (p[1] == 'Q')
				quoted = true;
			if (rep != NULL) {
				buf_append(&b, rep, strlen(rep));
				changed = true;
				p += 2;
				continue;
			}
			buf_append(&b, p, 2);
			p += 2;
			continue;
		} else if (!cls && p[0] == '[') {
			/* A ']' first in the class (after a '^') is literal. */
			cls = true;
			buf_putc(&b, *p++);
			if (*p == '^')
				buf_putc(&b, *p++);
			if (*p == ']')
				buf_putc(&b, *p++);
			continue;
		} else if (cls && p[0] == '[' && p[1] == ':') {
			/* [:alpha:] inside a class: up to its ":]". */
			const char *e = strstr(p + 2, ":]");

			if (e != NULL) {
				buf_append(&b, p, (size_t)(e + 2 - p));
				p = e + 2;
				continue;
			}
		} else if (cls && p[0] == ']') {
			cls = false;
		}
		buf_putc(&b, *p++);
	}
	if (!changed) {
		buf_fini(&b);
		return NULL;
	}
	buf_putc(&b, '\0');
	return b.p;
}

static pcre2_code *
compile_re(const char *rx, int *err, PCRE2_SIZE *off)
{
	/*
	 * Subjects are valid UTF-8 by the time they are matched
	 * (utf8_subject), so the match needs no tolerance of invalid input.
	 */
	return pcre2_compile((PCRE2_SPTR)rx, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_DOLLAR_ENDONLY | PCRE2_NEVER_BACKSLASH_C,
	    err, off, NULL);
}

static int
compile_rule(struct cfg_ctx *c, const struct fspec *s, size_t i,
    struct frule *r)
{
	PCRE2_UCHAR msg[160];
	PCRE2_SIZE off;
	char path[64], *re2;
	int err;

	r->drop = s->drop;
	/* The pattern as written first, so that an error's offset is in it. */
	r->re = compile_re(s->regex, &err, &off);
	if (r->re != NULL && (re2 = re2_dialect(s->regex)) != NULL) {
		pcre2_code_free(r->re);
		r->re = compile_re(re2, &err, &off);
		free(re2);
	}
	if (r->re == NULL) {
		pcre2_get_error_message(err, msg, sizeof(msg));
		snprintf(path, sizeof(path), "filters[%zu].regex", i);
		cfg_error(c, s->regex_line, path, "cannot compile \"%s\" at offset %zu: %s",
		    s->regex, (size_t)off, (const char *)msg);
		return -EINVAL;
	}
	/* Without JIT (no support, or no executable memory) PCRE2 interprets. */
	/*
	 * JIT code scans the subject in aligned words past its end, which
	 * memcheck reports; under valgrind the interpreter runs instead.
	 */
	r->jit = !RUNNING_ON_VALGRIND &&
	    pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0;
	if (!r->jit)
		log_debug("filters[%zu]: no JIT, interpreting the regex", i);
	r->md = pcre2_match_data_create(1, NULL);
	if (r->md == NULL)
		fatal("filter match data");
	return 0;
}

static struct fgroup *
group_find(const struct filter *f, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < f->ng; i++)
		if (f->groups[i].len == len &&
		    memcmp(f->groups[i].name, name, len) == 0)
			return &f->groups[i];
	return NULL;
}

static const struct fbucket *
bucket_find(const struct fgroup *g, uint32_t mtype)
{
	size_t i;

	for (i = 0; i < g->nb; i++)
		if (g->b[i].mtype == mtype)
			return &g->b[i];
	return NULL;
}

/*
 * A rule key as the kernel writes it in the SYSCALL record: a key with a
 * blank, a quote, a control or a non-ASCII byte is written in hex (upper
 * case), as every untrusted string is; the event's key is that text. A
 * filter on "a b c" must look for 6120622063. NULL if key is written as
 * it is, else a new string.
 */
static char *
kernel_key(const char *key)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char *out, *o;

	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p == '"' || *p < 0x21 || *p > 0x7e)
			break;
	if (*p == '\0')
		return NULL;
	o = out = xcalloc(2 * strlen(key) + 1, 1);
	for (p = (const unsigned char *)key; *p != '\0'; p++) {
		*o++ = hex[*p >> 4];
		*o++ = hex[*p & 15];
	}
	return out;
}

static void
index_rule(struct filter *f, const struct fspec *s, struct frule *r)
{
	char *hexkey = s->syscall[0] == '\0' ? kernel_key(s->key) : NULL;
	const char *name = s->syscall[0] != '\0' ? s->syscall :
	    hexkey != NULL ? hexkey : s->key;
	size_t len = strlen(name);
	struct fgroup *g;
	struct fbucket *b;

	if ((g = group_find(f, name, len)) == NULL) {
		g = &f->groups[f->ng++];
		if ((g->name = strdup(name)) == NULL)
			fatal("filter");
		g->len = len;
		g->b = xcalloc(f->nrules, sizeof(*g->b));
	}
	free(hexkey);
	for (b = g->b; b < g->b + g->nb; b++)
		if (b->mtype == (uint32_t)s->mtype)
			break;
	if (b == g->b + g->nb) {
		g->nb++;
		b->mtype = (uint32_t)s->mtype;
		b->rules = xcalloc(f->nrules, sizeof(*b->rules));
	}
	b->rules[b->n++] = r;
}

static void
log_rule(size_t i, const struct fspec *s)
{
	const char *verb = s->drop ? "dropping" : "keeping";

	if (s->key[0] != '\0')
		log_info("filter %zu: %s messages with key `%s` matching string `%s`",
		    i, verb, s->key, s->regex);
	else
		log_info("filter %zu: %s syscall `%s` containing message type "
		    "`%lld` matching string `%s`", i, verb, s->syscall, s->mtype,
		    s->regex);
}

static struct filter *
filter_alloc(size_t n)
{
	struct filter *f = xcalloc(1, sizeof(*f));

	f->rules = xcalloc(n, sizeof(*f->rules));
	f->groups = xcalloc(n, sizeof(*f->groups));
	f->mctx = pcre2_match_context_create(NULL);
	f->jstack = pcre2_jit_stack_create(FILTER_JIT_STACK_MIN,
	    FILTER_JIT_STACK_MAX, NULL);
	if (f->mctx == NULL || f->jstack == NULL)
		fatal("filter match context");
	pcre2_set_match_limit(f->mctx, FILTER_MATCH_LIMIT);
	pcre2_set_depth_limit(f->mctx, FILTER_DEPTH_LIMIT);
	pcre2_jit_stack_assign(f->mctx, NULL, f->jstack);
	f->join_cap = FILTER_JOIN_SIZE;
	f->join = xcalloc(1, f->join_cap);
	/* U+FFFD takes 3 bytes for the 1 it stands for. */
	f->fix_cap = 3 * FILTER_JOIN_SIZE;
	f->fix = xcalloc(1, f->fix_cap);
	return f;
}

int
filter_compile(const struct ynode *list, struct cfg_ctx *c,
    struct filter **ret)
{
	struct filter *f;
	struct fspec *specs;
	unsigned before = c->errors;
	size_t i;

	if (list == NULL || list->kind == YNODE_NULL ||
	    (list->kind == YNODE_SEQ && list->n == 0)) {
		*ret = NULL;
		return 0;
	}
	if (list->kind != YNODE_SEQ) {
		cfg_error(c, list->line, "filters", "must be a list, not %s",
		    ynode_kind_name(list->kind));
		return -EINVAL;
	}
	f = filter_alloc(list->n);
	specs = xcalloc(list->n, sizeof(*specs));
	for (i = 0; i < list->n; i++) {
		if (parse_entry(c, list->items[i], i, &specs[i]) < 0)
			continue;
		if (compile_rule(c, &specs[i], i, &f->rules[f->nrules]) < 0)
			continue;
		f->nrules++;
	}
	if (c->errors != before) {
		free(specs);
		filter_free(f);
		return -EINVAL;
	}
	for (i = 0; i < f->nrules; i++) {
		index_rule(f, &specs[i], &f->rules[i]);
		if (!c->quiet)
			log_rule(i, &specs[i]);
	}
	f->errors = metrics_counter("pauditd_filter_match_errors_total",
	    "Filter regex matches abandoned at the match limit (the event is kept).",
	    NULL, NULL, NULL);
	free(specs);
	*ret = f;
	return 0;
}

/*
 * p[0, *len) as Go's regexp reads it: every byte that does not begin a
 * valid UTF-8 sequence is U+FFFD. Valid text (nearly all of it: the
 * kernel hex-encodes what is not printable ASCII) is returned as it is;
 * else a copy in f->fix (cut, at a character, at its size).
 */
static const char *
utf8_subject(const struct filter *f, const char *p, size_t *len)
{
	if (json_utf8_valid(p, *len) == *len)
		return p;
	*len = json_utf8_fix(p, *len, f->fix, f->fix_cap);
	return f->fix;
}

/* 1 match, 0 no match, -1 given up at the match limit (counted). */
static int
rule_match(const struct filter *f, const struct frule *r, const char *p,
    size_t len)
{
	int rc;

	/* pcre2_jit_match skips pcre2_match's argument checks (a third of a call). */
	if (r->jit)
		rc = pcre2_jit_match(r->re, (PCRE2_SPTR)p, len, 0, 0, r->md, f->mctx);
	else
		rc = pcre2_match(r->re, (PCRE2_SPTR)p, len, 0,
		    PCRE2_NO_UTF_CHECK, r->md, f->mctx);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	metric_inc(f->errors);
	return -1;
}

/* A stage's outcome. */
enum verdict { V_NONE, V_KEEP, V_DROP, V_ERROR };

static enum verdict
verdict(const struct frule *r)
{
	return r->drop ? V_DROP : V_KEEP;
}

/* Stage 1: the first match among the records' rules, in record order. */
static enum verdict
stage_records(const struct filter *f, const struct fgroup *g,
    const struct event *ev)
{
	const struct fbucket *b;
	const char *p;
	size_t j, len;
	uint32_t i;
	int m;

	for (i = 0; i < ev->nrec; i++) {
		if ((b = bucket_find(g, ev->recs[i].type)) == NULL)
			continue;
		len = ev->recs[i].len;
		p = utf8_subject(f, event_rec_data(ev, i), &len);
		for (j = 0; j < b->n; j++)
			if ((m = rule_match(f, b->rules[j], p, len)) != 0)
				return m < 0 ? V_ERROR : verdict(b->rules[j]);
	}
	return V_NONE;
}

/*
 * The records' data joined without a separator: the event's arena itself
 * when the records are back to back, else a copy (truncated at the join
 * buffer's size, which is far above any event the reassembler lets by).
 */
static const char *
joined(const struct filter *f, const struct event *ev, size_t *ret_len)
{
	size_t len = 0, n;
	uint32_t i;

	if (ev->nrec == 0) {
		*ret_len = 0;
		return "";
	}
	for (i = 1; i < ev->nrec; i++)
		if (ev->recs[i].off != ev->recs[i - 1].off + ev->recs[i - 1].len)
			break;
	if (i == ev->nrec) {
		*ret_len = ev->recs[i - 1].off + ev->recs[i - 1].len -
		    ev->recs[0].off;
		return event_rec_data(ev, 0);
	}
	for (i = 0; i < ev->nrec && len < f->join_cap; i++) {
		n = ev->recs[i].len;
		if (n > f->join_cap - len)
			n = f->join_cap - len;
		memcpy(f->join + len, event_rec_data(ev, i), n);
		len += n;
	}
	*ret_len = len;
	return f->join;
}

static enum verdict
stage_key(const struct filter *f, const struct fbucket *b,
    const struct event *ev)
{
	const char *p;
	size_t len, j;
	int m;

	p = joined(f, ev, &len);
	p = utf8_subject(f, p, &len);
	for (j = 0; j < b->n; j++)
		if ((m = rule_match(f, b->rules[j], p, len)) != 0)
			return m < 0 ? V_ERROR : verdict(b->rules[j]);
	return V_NONE;
}

bool
filter_drop(const struct filter *f, const struct event *ev)
{
	const struct fgroup *g;
	const struct fbucket *b;
	enum verdict v;

	if (f == NULL)
		return false;
	if (ev->info.syscall != NULL)
		g = group_find(f, ev->info.syscall, ev->info.syscall_len);
	else
		g = group_find(f, "", 0);
	/*
	 * A `keep` ends stage 1 only (pauditd computes stage1 || stage2);
	 * a match given up on keeps the event outright.
	 */
	if (g != NULL && (v = stage_records(f, g, ev)) != V_KEEP &&
	    v != V_NONE)
		return v == V_DROP;
	if ((g = group_find(f, ev->info.key, ev->info.key_len)) == NULL ||
	    (b = bucket_find(g, 0)) == NULL)
		return false;
	return stage_key(f, b, ev) == V_DROP;
}
