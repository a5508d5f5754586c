/*
 * bench_filter.c: the cost of filter_drop per completed event.
 *
 * Three filter sets: pauditd's example config (a go-audit syscall filter
 * plus a key filter) with go-audit's production example filter, Pantheon's production style (an ordered keep/drop
 * list for one key ending in `keep .*`), and the filters of
 * examples/pauditd.yaml.example when that file exists. The events are a
 * fixed mix of execve, connect and file-write events shaped like the
 * kernel's. Each set is first checked against the drops it must make,
 * and for not allocating, then timed: ns/event and events/s over the
 * whole mix.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../src/config/cfgmap.h"
#include "../src/config/yaml.h"
#include "../src/event.h"
#include "../src/filter.h"
#include "../src/log.h"

#define ROUNDS		200000
#define WARMUP		10000

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

static const char pantheon_filters[] =
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
	const char	*name;
	const char	*yaml;		/* or NULL: read `file` */
	const char	*file;
	int		 expect_drops;	/* over the mix; -1: not checked */
};

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
	event_finish(ev);
	return ev;
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Compile a set's filters into *ret_f (NULL: none). 0 or -1. */
static int
load(const struct set *s, struct ydoc **ret_doc, struct filter **ret_f)
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
	if (*ret_doc == NULL) {
		fprintf(stderr, "bench_filter: %s: %s\n", s->name, err);
		return -1;
	}
	list = s->yaml != NULL ? (*ret_doc)->root :
	    ynode_get((*ret_doc)->root, "filters");
	if (filter_compile(list, &c, ret_f) < 0) {
		fprintf(stderr, "bench_filter: %s: %s\n", s->name, c.last);
		*ret_doc = ydoc_free(*ret_doc);
		return -1;
	}
	return 0;
}

static int
run(const struct set *s, struct event **evs)
{
	struct ydoc *doc = NULL;
	struct filter *f = NULL;
	uint64_t t0, ns;
	unsigned long i, before;
	int drops = 0;
	size_t k;
	volatile int sink = 0;

	if (load(s, &doc, &f) < 0)
		return -1;
	for (k = 0; k < NMIX; k++)
		drops += filter_drop(f, evs[k]);
	if (s->expect_drops >= 0 && drops != s->expect_drops) {
		fprintf(stderr, "bench_filter: %s: %d drops in the mix, expected %d\n",
		    s->name, drops, s->expect_drops);
		filter_free(f);
		ydoc_free(doc);
		return -1;
	}
	for (i = 0; i < WARMUP; i++)
		sink += filter_drop(f, evs[i % NMIX]);
	before = nalloc;
	for (i = 0; i < WARMUP; i++)
		sink += filter_drop(f, evs[i % NMIX]);
	if (nalloc != before) {
		fprintf(stderr, "bench_filter: %s: filter_drop allocated %lu times\n",
		    s->name, nalloc - before);
		filter_free(f);
		ydoc_free(doc);
		return -1;
	}
	t0 = mono_ns();
	for (i = 0; i < ROUNDS * NMIX; i++)
		sink += filter_drop(f, evs[i % NMIX]);
	ns = mono_ns() - t0;
	printf("bench_filter: %-22s %2d/%zu dropped  %7.1f ns/event  %10.0f events/s\n",
	    s->name, drops, NMIX, (double)ns / (ROUNDS * NMIX),
	    (double)ROUNDS * NMIX * 1e9 / (double)ns);
	(void)sink;
	filter_free(f);
	ydoc_free(doc);
	return 0;
}

int
main(void)
{
	static const struct set sets[] = {
		{ "none", "[]", NULL, 0 },
		/* bind to 10/8 (v6 0A family) and connect to 127/8 dropped. */
		{ "pauditd+go-audit-ex", example_filters, NULL, 2 },
		/* .git and uploads dropped; code and everything else kept. */
		{ "pantheon-ordered-list", pantheon_filters, NULL, 2 },
		{ "examples/pauditd.yaml", NULL, "examples/pauditd.yaml.example", -1 },
	};
	struct event *evs[NMIX];
	size_t i;
	int rc = 0;

	log_init(false, LOG_LVL_WARN);
	for (i = 0; i < NMIX; i++)
		evs[i] = make_event(mix[i]);
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		FILE *fp;

		if (sets[i].file != NULL) {
			if ((fp = fopen(sets[i].file, "r")) == NULL)
				continue;
			fclose(fp);
		}
		if (run(&sets[i], evs) < 0)
			rc = 1;
	}
	for (i = 0; i < NMIX; i++)
		event_free(evs[i]);
	return rc;
}
