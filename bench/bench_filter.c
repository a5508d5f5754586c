/*
 * bench_filter.c: the cost of filter_drop per completed event, on the
 * corpus's events (the first BENCH_FILTER_EVENTS of them, reassembled as
 * a replay reassembles them). In the daemon the event was just assembled
 * and sits in the cache, so the events are few enough to stay there and
 * every timed run goes over them BENCH_FILTER_PASSES times.
 *
 * Filter sets: the filters of examples/pauditd.yaml.example (the figure
 * the issue asks for), pauditd's and go-audit's example filters, and a
 * Pantheon-style ordered keep/drop list ending in `keep .*` on the
 * corpus's busiest key. Checked first, per set: the verdicts on a few
 * hand-written events whose fate is known, no allocation in filter_drop
 * (this binary's malloc family counts calls), and the timed runs must
 * drop exactly what the checked run dropped. Then bench_run times one
 * pass over the events: BENCH name=filter.<set> unit=event.
 */
#include "../src/config/cfgmap.h"
#include "../src/config/config.h"
#include "../src/config/yaml.h"
#include "../src/event.h"
#include "../src/filter.h"
#include "../src/log.h"
#include "../src/pipeline.h"
#include "../src/reasm.h"
#include "../src/record.h"
#include "bench.h"

#define BENCH_FILTER_EVENTS	2000
#define BENCH_FILTER_PASSES	25
#define EXAMPLE_CONFIG		"examples/pauditd.yaml.example"

/*
 * filter_drop must not allocate: count the calls to the allocator (this
 * binary's malloc family wraps glibc's) over a checked run.
 */
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
static unsigned long nalloc;

void *
malloc(size_t n)
{
	nalloc++;
	return __libc_malloc(n);
}

void *
calloc(size_t n, size_t sz)
{
	nalloc++;
	return __libc_calloc(n, sz);
}

void *
realloc(void *p, size_t n)
{
	nalloc++;
	return __libc_realloc(p, n);
}

static const char example_filters[] =
    "- syscall: 49\n"
    "  message_type: 1306\n"
    "  regex: saddr=(10..|0A..)\n"
    "- key: passwd-write-log\n"
    "  action: drop\n"
    "  regex: '\"uid_map\":{\"0\":\"root\"}'\n"
    "- syscall: 42\n"
    "  message_type: 1306\n"
    "  regex: saddr=(0200....7F|01)\n";

/* Pantheon's shape; the first list is for the corpus's "files" key. */
static const char pantheon_filters[] =
    "- {key: files, action: drop, regex: 'name=\"/tmp/'}\n"
    "- {key: files, action: drop, regex: '/\\.cache/|\\.swp\"'}\n"
    "- {key: files, action: keep, regex: 'name=\"/(etc|home)/'}\n"
    "- {key: files, action: keep, regex: '.*'}\n"
    "- {key: binding-file-ops, action: drop, regex: '/\\.git/'}\n"
    "- {key: binding-file-ops, action: drop, regex: '2F2E6769742F'}\n"
    "- {key: binding-file-ops, action: drop, regex: chef-solo}\n"
    "- {key: binding-file-ops, action: drop, regex: '/files/(uploads|tmp)/'}\n"
    "- {key: binding-file-ops, action: drop, regex: 'temp-write-test'}\n"
    "- {key: binding-file-ops, action: keep, regex: 'name=\"/srv/bindings/[^/]+/code/'}\n"
    "- {key: binding-file-ops, action: keep, regex: 'name=2F7372762F62696E64696E67732F[0-9A-F]+2F636F64652F'}\n"
    "- {key: binding-file-ops, action: keep, regex: '.*'}\n";

#define SYSCALL_HEAD "arch=c000003e syscall="
#define SYSCALL_TAIL " success=yes exit=0 a0=7ffd a1=7ffe a2=0 a3=0 items=2 " \
	"ppid=1203 pid=4242 auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 " \
	"fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=3 comm=\"php-fpm\" " \
	"exe=\"/usr/sbin/php-fpm7.4\" "

static const char *const ev_execve[] = {
	"1300|" SYSCALL_HEAD "59" SYSCALL_TAIL "key=\"user_commands\"",
	"1309|argc=3 a0=\"ls\" a1=\"--color=auto\" a2=\"-alF\"",
	"1307| cwd=\"/home/ubuntu/src\"",
	"1302|item=0 name=\"/bin/ls\" inode=262316 dev=ca:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
	"1302|item=1 name=\"/lib64/ld-linux-x86-64.so.2\" inode=396037 dev=ca:01 mode=0100755 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL",
	"1327|proctitle=6C73002D2D636F6C6F723D6175746F002D616C46",
	NULL,
};
static const char *const ev_connect_lo[] = {
	"1300|" SYSCALL_HEAD "42" SYSCALL_TAIL "key=(null)",
	"1306|saddr=020000507F0000010000000000000000",
	"1327|proctitle=7068702D66706D",
	NULL,
};
static const char *const ev_connect_out[] = {
	"1300|" SYSCALL_HEAD "42" SYSCALL_TAIL "key=(null)",
	"1306|saddr=020001BBC0A8010A0000000000000000",
	"1327|proctitle=7068702D66706D",
	NULL,
};
static const char *const ev_bind_v6[] = {
	"1300|" SYSCALL_HEAD "49" SYSCALL_TAIL "key=(null)",
	"1306|saddr=0A001F90000000000000000000000000000000000000000100000000",
	NULL,
};
static const char *const ev_git[] = {
	"1300|" SYSCALL_HEAD "257" SYSCALL_TAIL "key=\"binding-file-ops\"",
	"1307| cwd=\"/srv/bindings/6a1f/code\"",
	"1302|item=0 name=\"/srv/bindings/6a1f/code/.git/\" inode=1 dev=fd:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 nametype=PARENT",
	"1302|item=1 name=\"/srv/bindings/6a1f/code/.git/index.lock\" inode=2 dev=fd:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=CREATE",
	"1327|proctitle=676974006164640061",
	NULL,
};
static const char *const ev_code[] = {
	"1300|" SYSCALL_HEAD "257" SYSCALL_TAIL "key=\"binding-file-ops\"",
	"1307| cwd=\"/srv/bindings/6a1f\"",
	"1302|item=0 name=\"/srv/bindings/6a1f/code/wp-content/\" inode=1 dev=fd:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 nametype=PARENT",
	"1302|item=1 name=\"/srv/bindings/6a1f/code/wp-content/index.php\" inode=2 dev=fd:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=CREATE",
	"1327|proctitle=7068702D66706D",
	NULL,
};
static const char *const ev_uploads[] = {
	"1300|" SYSCALL_HEAD "257" SYSCALL_TAIL "key=\"binding-file-ops\"",
	"1307| cwd=\"/srv/bindings/6a1f\"",
	"1302|item=0 name=\"/srv/bindings/6a1f/files/uploads/\" inode=1 dev=fd:01 mode=040755 ouid=1000 ogid=1000 rdev=00:00 nametype=PARENT",
	"1302|item=1 name=\"/srv/bindings/6a1f/files/uploads/cat.jpg\" inode=2 dev=fd:01 mode=0100644 ouid=1000 ogid=1000 rdev=00:00 nametype=CREATE",
	NULL,
};

static const char *const *const mix[] = {
	ev_execve, ev_connect_lo, ev_connect_out, ev_bind_v6,
	ev_git, ev_code, ev_uploads, ev_execve,
};
#define NMIX	(sizeof(mix) / sizeof(mix[0]))

struct set {
	const char	*name;		/* BENCH name=filter.<name> */
	const char	*yaml;		/* a filters list, or NULL: `file` */
	const char	*file;		/* a whole config with filters: */
	int		 mix_drops;	/* drops over the mix; -1: not checked */
};

/* An event from "TYPE|data" strings, finished as the pipeline does. */
static struct event *
make_event(const char *const *recs)
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

struct ctx {
	struct event	**evs;
	size_t		 nevs, cap;
	struct filter	*f;
	uint64_t	 drops;
};

/* Keep a copy of the first events the reassembler completes. */
static void
on_event(struct event *ev, void *arg)
{
	struct ctx *x = arg;
	struct event *c;
	uint32_t i;

	if (x->nevs == x->cap)
		return;
	c = event_new();
	event_reset(c);
	c->serial = ev->serial;
	for (i = 0; i < ev->nrec; i++)
		event_add(c, ev->recs[i].type, event_rec_data(ev, i), ev->recs[i].len);
	x->evs[x->nevs++] = c;
}

static void
load_events(struct ctx *x, const struct bench_corpus *c)
{
	struct reasm_conf rc;
	struct config *conf;
	struct cfg_ctx cc;
	struct record rec;
	struct reasm *r;
	uint64_t now = 0;
	const char *p;
	size_t i, len;

	cfg_ctx_init(&cc, "<bench>");
	cc.quiet = true;
	conf = config_load_string("<bench>", "events:\n  min: 1100\n  max: 1399\n", &cc);
	BENCH_CHECK(conf != NULL && cc.errors == 0, "bench config: %s", cc.last);
	pipeline_reasm_conf(conf, true, true, &rc);
	config_free(conf);
	x->cap = BENCH_FILTER_EVENTS;
	x->evs = calloc(x->cap, sizeof(*x->evs));
	BENCH_CHECK(x->evs != NULL, "out of memory");
	r = reasm_new(&rc, on_event, x);
	BENCH_CHECK(r != NULL, "reasm_new");
	for (i = 0; i < c->nlines && x->nevs < x->cap; i++) {
		p = bench_line(c, i, &len);
		BENCH_CHECK(record_parse_line(p, len, &rec) == 0,
		    "line %zu does not parse", i + 1);
		if (rec.time_ms > now)
			now = rec.time_ms;
		reasm_add(r, &rec, NULL, now);
	}
	reasm_flush(r);
	reasm_free(r);
	BENCH_CHECK(x->nevs > 0, "no events in %s", c->path);
}

/* Compile a set's filters into *ret_f (NULL: none). */
static void
load_filters(const struct set *s, struct ydoc **ret_doc, struct filter **ret_f)
{
	const struct ynode *list;
	struct cfg_ctx c;
	char err[256];

	cfg_ctx_init(&c, s->file ? s->file : s->name);
	c.quiet = true;
	if (s->yaml != NULL)
		*ret_doc = ydoc_load_string(s->name, s->yaml, strlen(s->yaml),
		    err, sizeof(err));
	else
		*ret_doc = ydoc_load_file(s->file, err, sizeof(err));
	BENCH_CHECK(*ret_doc != NULL, "%s: %s", s->name, err);
	list = s->yaml != NULL ? (*ret_doc)->root :
	    ynode_get((*ret_doc)->root, "filters");
	BENCH_CHECK(filter_compile(list, &c, ret_f) == 0, "%s: %s", s->name,
	    c.last);
}

static void
pass(void *arg)
{
	struct ctx *x = arg;
	size_t i, k;

	x->drops = 0;
	for (k = 0; k < BENCH_FILTER_PASSES; k++)
		for (i = 0; i < x->nevs; i++)
			x->drops += filter_drop(x->f, x->evs[i]);
}

static void
run_set(const struct set *s, struct ctx *x)
{
	struct event *mixev[NMIX];
	struct ydoc *doc = NULL;
	unsigned long before;
	char name[64];
	uint64_t drops;
	int mdrops = 0;
	size_t k;

	load_filters(s, &doc, &x->f);
	for (k = 0; k < NMIX; k++) {
		mixev[k] = make_event(mix[k]);
		mdrops += filter_drop(x->f, mixev[k]);
		event_free(mixev[k]);
	}
	BENCH_CHECK(s->mix_drops < 0 || mdrops == s->mix_drops,
	    "%s: %d of the %zu hand-written events dropped, expected %d",
	    s->name, mdrops, NMIX, s->mix_drops);
	pass(x);
	before = nalloc;
	pass(x);
	BENCH_CHECK(nalloc == before, "%s: filter_drop allocated %lu times",
	    s->name, nalloc - before);
	drops = x->drops;
	printf("bench_filter: %s: %llu of %zu events dropped, no allocation:"
	    " reference OK\n", s->name,
	    (unsigned long long)drops / BENCH_FILTER_PASSES, x->nevs);
	snprintf(name, sizeof(name), "filter.%s", s->name);
	bench_run(name, "event", (uint64_t)x->nevs * BENCH_FILTER_PASSES, pass, x);
	BENCH_CHECK(x->drops == drops, "%s: the timed runs dropped %llu events",
	    s->name, (unsigned long long)x->drops);
	x->f = filter_free(x->f);
	ydoc_free(doc);
}

int
main(int argc, char **argv)
{
	static const struct set sets[] = {
		{ "example", NULL, EXAMPLE_CONFIG, -1 },
		{ "none", "[]", NULL, 0 },
		/* bind to 10/8 (v6 0A family) and connect to 127/8 dropped. */
		{ "pauditd-goaudit", example_filters, NULL, 2 },
		/* .git and uploads dropped; code and everything else kept. */
		{ "pantheon", pantheon_filters, NULL, 2 },
	};
	struct bench_corpus c;
	struct ctx x = { 0 };
	size_t i;

	log_init(false, LOG_LVL_WARN);
	bench_corpus_load(&c, bench_corpus_path(argc, argv));
	load_events(&x, &c);
	for (i = 0; i < nitems(sets); i++) {
		if (sets[i].file != NULL && access(sets[i].file, R_OK) != 0) {
			printf("bench_filter: %s: no %s, skipped\n", sets[i].name,
			    sets[i].file);
			continue;
		}
		run_set(&sets[i], &x);
	}
	for (i = 0; i < x.nevs; i++)
		event_free(x.evs[i]);
	free(x.evs);
	bench_corpus_free(&c);
	return 0;
}
