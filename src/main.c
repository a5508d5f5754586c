/*
 * main.c: command line, configuration, wiring, the event loop, shutdown.
 *
 * DESIGN
 * The main thread runs one epoll loop over the source's fd, a signalfd
 * (TERM/INT stop, HUP/USR1 reopen outputs) and a 100 ms timerfd that
 * drives event timeouts, caches and metrics. A replay of a regular file
 * has no pollable fd: it is read in a loop, with the signals and the
 * timer polled between chunks. A polled replay input (a pipe) quiet for
 * events.timeout, with nothing to read, has its events in flight time
 * out: a replay's clock is its records', which stands still meanwhile.
 * Shutdown order: stop reading, complete every event in flight, close
 * the output queues and let the workers drain, send the last metrics.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "config/config.h"
#include "filter.h"
#include "hugemem.h"
#include "log.h"
#include "metrics.h"
#include "metrics_export.h"
#include "msg.h"
#include "output/output.h"
#include "pipeline.h"
#include "privs.h"
#include "sdnotify.h"
#include "source/source.h"

#define TICK_MS			100
#define EXIT_DROPPED		3	/* a replay whose outputs dropped events */
#define DRAIN_TIMEOUT_MS	30000
#define WAIT_LOG_MS		10000	/* a replay waiting for its outputs says so */

struct opts {
	const char	*config;
	const char	*input;
	const char	*metrics_out;
	bool		 check;
	bool		 verbose;
};

struct daemon {
	struct opts		 opt;
	struct config		*conf;
	struct outputs		*outs;
	struct filter		*filter;
	struct metrics_export	*mexp;
	struct pipeline		*pipe;
	struct source		 src;
	struct source_sink	 sink;
	int			 ep, sigfd, timerfd;
	bool			 stop;
	uint64_t		 stop_ms;	/* when stop was asked; 0: not */
	unsigned		 stop_signals;	/* SIGTERMs and SIGINTs received */
	bool			 failed;	/* exit 1: the input or every output failed */
	unsigned		 ticks;
	uint64_t		 input_quiet_ms; /* a polled input found empty then; 0: not */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pauditd [-config FILE] [--check-config] [--input FILE|-] [--metrics-out FILE] [-v]\n"
	    "\n"
	    "  -config, --config, -c FILE\n"
	    "                           YAML configuration (pauditd and go-audit keys);\n"
	    "                           without it: JSON events on stdout, no rule changes\n"
	    "  --check-config           validate the configuration, print \"configuration OK\"\n"
	    "  --input FILE             replay an auditd log (\"-\" for stdin) instead of the\n"
	    "                           kernel; exit once every event has been delivered\n"
	    "  --metrics-out FILE       write every metric to FILE at exit\n"
	    "  -v, --verbose            debug logging (to stderr)\n"
	    "  -version, --version      print the version\n"
	    "  -h, --help               this text\n");
}

/* Go's flag package accepts -name, --name, -name=value and --name value. */
static const char *
flag_name(const char *arg, const char **ret_value)
{
	static char name[64];
	const char *eq;
	size_t n;

	*ret_value = NULL;
	if (arg[0] != '-')
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	eq = strchr(arg, '=');
	n = eq ? (size_t)(eq - arg) : strlen(arg);
	if (n >= sizeof(name))
		n = sizeof(name) - 1;
	memcpy(name, arg, n);
	name[n] = '\0';
	if (eq)
		*ret_value = eq + 1;
	return name;
}

/*
 * A boolean option's value as Go's flag package reads it (strconv.ParseBool):
 * -name alone is true, -name=false (or 0, f, F, FALSE, False) turns it off.
 * A boolean never takes the next argument as its value. Any other value is
 * a usage error, not a silent true.
 */
static bool
flag_bool(const char *name, const char *v)
{
	static const char *const yes[] = { "1", "t", "T", "TRUE", "true", "True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false", "False" };
	size_t i;

	if (v == NULL)
		return true;
	for (i = 0; i < nitems(yes); i++) {
		if (strcmp(v, yes[i]) == 0)
			return true;
		if (strcmp(v, no[i]) == 0)
			return false;
	}
	fprintf(stderr, "pauditd: invalid boolean value \"%s\" for option \"-%s\"\n",
	    v, name);
	usage(stderr);
	exit(2);
}

static void
parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *v, *n = flag_name(argv[i], &v);
		const char **dst = NULL;

		if (n == NULL) {
			fprintf(stderr, "pauditd: unexpected argument \"%s\"\n", argv[i]);
			usage(stderr);
			exit(2);
		}
		if (strcmp(n, "config") == 0 || strcmp(n, "c") == 0) {
			dst = &o->config;
		} else if (strcmp(n, "input") == 0) {
			dst = &o->input;
		} else if (strcmp(n, "metrics-out") == 0) {
			dst = &o->metrics_out;
		} else if (strcmp(n, "check-config") == 0) {
			o->check = flag_bool(n, v);
		} else if (strcmp(n, "v") == 0 || strcmp(n, "verbose") == 0) {
			o->verbose = flag_bool(n, v);
		} else if (strcmp(n, "version") == 0) {
			if (flag_bool(n, v)) {
				printf("pauditd version: %s\n", PAUDITD_VERSION_STR);
				exit(0);
			}
		} else if (strcmp(n, "h") == 0 || strcmp(n, "help") == 0) {
			usage(stdout);
			exit(0);
		} else {
			fprintf(stderr, "pauditd: unknown option \"%s\"\n", argv[i]);
			usage(stderr);
			exit(2);
		}
		if (dst != NULL) {
			if (v == NULL && i + 1 >= argc) {
				fprintf(stderr, "pauditd: option \"%s\" needs a value\n", argv[i]);
				exit(2);
			}
			/*
			 * Go's flag package takes the last of a repeated
			 * option; two inputs (or configs) are a mistake that
			 * would replay one silently.
			 */
			if (*dst != NULL) {
				fprintf(stderr, "pauditd: option \"%s\" given "
				    "twice\n", argv[i]);
				exit(2);
			}
			*dst = v ? v : argv[++i];
		}
	}
}

/*
 * The configuration chooses the program run as root to load rules
 * (netlink.auditctl) and where events go: root's own, or a warning.
 */
static void
check_config_owner(const char *path, struct cfg_ctx *c)
{
	struct stat st;

	if (path == NULL || geteuid() != 0 || stat(path, &st) < 0)
		return;
	if (st.st_uid != 0)
		cfg_warn(c, 0, NULL, "owned by uid %lu, not root: its owner "
		    "chooses what pauditd runs as root (netlink.auditctl) and "
		    "where the events go", (unsigned long)st.st_uid);
	else if (st.st_mode & (S_IWGRP | S_IWOTH))
		cfg_warn(c, 0, NULL, "writable by %s (mode %04o): they "
		    "choose what pauditd runs as root (netlink.auditctl) and "
		    "where the events go", st.st_mode & S_IWOTH ? "others" :
		    "its group", (unsigned)(st.st_mode & 07777));
}

/* Load and validate everything; every error is printed. 0 or -EINVAL. */
static int
configure(struct daemon *d)
{
	struct cfg_ctx c;

	cfg_ctx_init(&c, d->opt.config ? d->opt.config : "<defaults>");
	d->conf = config_load(d->opt.config, &c);
	if (d->conf == NULL)
		return -EINVAL;
	check_config_owner(d->opt.config, &c);
	outputs_configure(d->conf, &c, &d->outs);
	filter_compile(d->conf->filters, &c, &d->filter);
	metrics_export_configure(d->conf, &c, &d->mexp);
	if (d->opt.input == NULL && src_netlink_ops.check != NULL)
		src_netlink_ops.check(d->conf, &c);
	if (c.errors > 0) {
		fprintf(stderr, "%s: %u error%s in the configuration\n", c.file,
		    c.errors, c.errors == 1 ? "" : "s");
		return -EINVAL;
	}
	return 0;
}

static void
loop_add(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		fatal("epoll_ctl");
}

/* The signals the loop serves. */
static void
served_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigaddset(set, SIGUSR1);
}

static void
setup_loop(struct daemon *d)
{
	struct itimerspec its = {
		.it_interval = { 0, TICK_MS * 1000000L },
		.it_value = { 0, TICK_MS * 1000000L },
	};
	sigset_t set;

	served_signals(&set);
	if ((d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
		fatal("signalfd");
	if ((d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
		fatal("timerfd");
	timerfd_settime(d->timerfd, 0, &its, NULL);
	if ((d->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fatal("epoll");
	loop_add(d->ep, d->sigfd);
	loop_add(d->ep, d->timerfd);
}

/* Stop reading; the drain's deadline counts from here. */
static void
stop(struct daemon *d)
{
	if (!d->stop)
		d->stop_ms = now_mono_ms();
	d->stop = true;
}

/*
 * What is left of the drain: DRAIN_TIMEOUT_MS from the stop (a signal),
 * or whole after the end of the input.
 */
static int
drain_left(const struct daemon *d)
{
	uint64_t now = now_mono_ms(), end = d->stop_ms + DRAIN_TIMEOUT_MS;

	if (d->stop_ms == 0)
		return DRAIN_TIMEOUT_MS;
	return now >= end ? 0 : (int)(end - now);
}

static void
on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGHUP:
		case SIGUSR1:
			log_info("%s: reopening outputs",
			    si.ssi_signo == SIGHUP ? "SIGHUP" : "SIGUSR1");
			outputs_reopen(d->outs);
			break;
		default:
			if (++d->stop_signals > 1) {
				log_info("%s again: not waiting for the outputs "
				    "(what they hold is dropped and counted)",
				    strsignal((int)si.ssi_signo));
				break;
			}
			log_info("%s: shutting down", strsignal((int)si.ssi_signo));
			stop(d);
			break;
		}
	}
}

/*
 * The drain waits for the outputs until its deadline; a second SIGTERM or
 * SIGINT (an operator's second Ctrl-C) ends the wait at once.
 */
static bool
drain_hurry(void *arg)
{
	struct daemon *d = arg;

	on_signal(d);
	return d->stop_signals > 1;
}

/*
 * A replay waits for a full output queue rather than drop events, and
 * SIGHUP still reopens. After a stop (SIGTERM, SIGINT) the events already
 * read still wait, as the drain would wait for them, until its deadline.
 * Asked every 100 ms: statsd gets its flush here too (the tick, which
 * sends it otherwise, does not run meanwhile; the flush rate-limits
 * itself to one a second), or it would go silent for as long as the
 * output is stuck, when its queue depth matters most.
 */
static bool
replay_keep_waiting(void *arg)
{
	struct daemon *d = arg;

	on_signal(d);
	metrics_export_tick(d->mexp);
	return !d->stop || (drain_left(d) > 0 && d->stop_signals < 2);
}

/*
 * With every output gone for good (stdout's reader closed the pipe),
 * nothing read can be delivered: stop, and exit 1, rather than read on
 * and count every event as dropped. A supervisor restarts the daemon
 * with outputs that work; a replay piped into `head` ends. Checked on the
 * tick and once more when the outputs have drained.
 */
static void
check_outputs(struct daemon *d)
{
	if (d->failed || !outputs_all_gone(d->outs))
		return;
	log_warnx("every output is gone: nothing read can be delivered, stopping");
	stop(d);
	d->failed = true;
}

/*
 * Nothing to read on the polled input now: the tick's own flush may have
 * waited for a full output queue meanwhile, with records in the pipe.
 */
static bool
input_empty(struct daemon *d)
{
	struct pollfd pfd = { .fd = d->src.ops->fd(&d->src), .events = POLLIN };

	return pfd.fd >= 0 && poll(&pfd, 1, 0) == 0;
}

static void
on_timer(struct daemon *d)
{
	uint64_t n;

	if (read(d->timerfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
		return;
	pipeline_tick(d->pipe);
	/*
	 * A replay's time is its records': a live input (tail -f | pauditd
	 * --input -) that goes quiet would hold the events in flight until
	 * its next records. Quiet for events.timeout of the wall clock, it
	 * has none left to give them: they time out.
	 */
	if (d->input_quiet_ms != 0 &&
	    now_mono_ms() - d->input_quiet_ms >= d->conf->events_timeout_ms &&
	    input_empty(d)) {
		pipeline_expire_all(d->pipe);
		d->input_quiet_ms = now_mono_ms();
	}
	check_outputs(d);
	if (++d->ticks % (1000 / TICK_MS) == 0) {
		if (d->src.ops->tick != NULL)
			d->src.ops->tick(&d->src);
		metrics_export_tick(d->mexp);
		sdnotify_tick();
	}
}

/* Read the source once; false at end of input or on a fatal error. */
static bool
read_source(struct daemon *d)
{
	int r;

	/*
	 * A polled replay input is quiet from the end of a read until the
	 * next; not while it reads (a replay may wait for its outputs).
	 */
	d->input_quiet_ms = 0;
	r = d->src.ops->read(&d->src, &d->sink);
	if ((r > 0 || r == -EAGAIN) && d->opt.input != NULL &&
	    d->src.ops->fd(&d->src) >= 0)
		d->input_quiet_ms = now_mono_ms();

	if (r == 0) {
		log_debug("end of input");
		return false;
	}
	if (r < 0 && r != -EAGAIN && r != -EINTR) {
		log_warnx("source %s: %s", d->src.ops->name, strerror(-r));
		d->failed = true;
		return false;
	}
	return true;
}

/*
 * One wait of the main loop, up to timeout_ms: signals and the tick are
 * served; true if the source's fd (srcfd; -1: none) is readable.
 */
static bool
serve(struct daemon *d, int timeout_ms, int srcfd)
{
	struct epoll_event evs[8];
	bool readable = false;
	int i, n;

	n = epoll_wait(d->ep, evs, (int)nitems(evs), timeout_ms);
	if (n < 0 && errno != EINTR)
		fatal("epoll_wait");
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd == d->sigfd)
			on_signal(d);
		else if (evs[i].data.fd == d->timerfd)
			on_timer(d);
		else if (srcfd >= 0 && evs[i].data.fd == srcfd)
			readable = true;
	}
	return readable;
}

static void
run(struct daemon *d)
{
	int srcfd = d->src.ops->fd(&d->src);
	bool more = true;

	if (srcfd >= 0)
		loop_add(d->ep, srcfd);
	while (!d->stop && more) {
		/* A regular file never blocks: read it between polls. */
		if (serve(d, srcfd >= 0 ? -1 : 0, srcfd))
			more = read_source(d);
		if (srcfd < 0 && !d->stop)
			more = read_source(d);
	}
	/* At EOF stdin stays readable: out of the loop's set. */
	if (srcfd >= 0)
		epoll_ctl(d->ep, EPOLL_CTL_DEL, srcfd, NULL);
}

/*
 * A replay read to its end exits once every event is delivered, however
 * long its outputs take (an HTTP service down, a reader of stdout that
 * is slow): wait for them, serving the signals and the tick. SIGTERM or
 * SIGINT ends the wait; the outputs then drain until the deadline.
 */
static void
wait_delivered(struct daemon *d)
{
	uint64_t next = now_mono_ms() + WAIT_LOG_MS;

	/*
	 * Signals and the tick between waits on the queues: a wait ends the
	 * moment the outputs are done, not at the next tick.
	 */
	while (!d->stop && !outputs_all_gone(d->outs)) {
		serve(d, 0, -1);
		if (d->stop || outputs_idle(d->outs, TICK_MS))
			break;
		if (now_mono_ms() >= next) {
			log_info("end of input: %zu events wait for the outputs (SIGTERM to stop waiting)",
			    outputs_queued(d->outs));
			next += WAIT_LOG_MS;
		}
	}
}

/* A label value as Prometheus writes it: \\, \" and \n escaped. */
static void
put_label_value(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

static void
put_name(FILE *f, const struct metric *m, const char *suffix)
{
	fprintf(f, "%s%s", m->name, suffix);
	if (m->label_key != NULL) {
		fprintf(f, "{%s=\"", m->label_key);
		put_label_value(f, m->label_value);
		fputs("\"}", f);
	}
}

/*
 * One metric in the Prometheus text form, without HELP and TYPE: a
 * timing as its _count and _sum (seconds), as /metrics has them.
 */
static void
dump_metric(struct metric *m, void *arg)
{
	FILE *f = arg;

	if (m->kind == METRIC_TIMING) {
		put_name(f, m, "_count");
		fprintf(f, " %llu\n", (unsigned long long)metric_count(m));
		put_name(f, m, "_sum");
		fprintf(f, " %.9f\n", (double)atomic_load(&m->sum_ns) / 1e9);
		return;
	}
	put_name(f, m, "");
	if (m->kind == METRIC_GAUGE)
		fprintf(f, " %lld\n", (long long)metric_gauge_value(m));
	else
		fprintf(f, " %llu\n", (unsigned long long)metric_count(m));
}

/*
 * --metrics-out is opened at start, before the privileges go, so that a
 * path that cannot be written fails then, not after the run it was to
 * account for; written at exit, and only after a run: a start-up that
 * fails leaves the file as it was (no O_TRUNC here), not zeros over the
 * counts of the previous run. The fd, or -1 with the reason logged.
 */
static int
open_metrics_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		log_warn("--metrics-out %s", path);
	return fd;
}

/*
 * Where the counters go in fd: a regular file of its own is rewritten
 * from its start; stdout's or stderr's file (--metrics-out /dev/stdout >
 * events.json opens it again, at offset 0) is appended to, after the
 * events and the log; anything else (a pipe, /dev/null) is written to as
 * it is. False on an error (errno).
 */
static bool
metrics_out_place(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return false;
	if (!S_ISREG(st.st_mode))
		return true;
	if (std_file(&st))
		return lseek(fd, 0, SEEK_END) >= 0;
	return ftruncate(fd, 0) == 0;
}

static int
dump_metrics(int fd, const char *path)
{
	FILE *f;
	int bad;

	if (!metrics_out_place(fd) || (f = fdopen(fd, "w")) == NULL) {
		log_warn("--metrics-out %s", path);
		close(fd);
		return -1;
	}
	metrics_foreach(dump_metric, f);
	bad = ferror(f);
	if (fclose(f) != 0 || bad) {
		log_warn("--metrics-out %s: the counters could not be written", path);
		return -1;
	}
	return 0;
}

/*
 * Started with fd 0, 1 or 2 closed, the first file we open would take its
 * number: the stdout output would write events into, say, the signalfd or
 * a file output's file. Each closed one gets /dev/null, stdout read-only
 * so that writing to it fails and the stdout output counts its events as
 * dropped instead of losing them silently.
 */
static void
fill_std_fds(void)
{
	static const int flags[3] = { O_RDONLY, O_RDONLY, O_WRONLY };
	int fd, i;

	for (i = 0; i < 3; i++) {
		if (fcntl(i, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if ((fd = open("/dev/null", flags[i])) < 0)
			fatal("/dev/null");
		if (fd != i) {
			dup2(fd, i);
			close(fd);
		}
	}
}

/* Blocked before any thread exists, read from the loop's signalfd. */
static void
block_signals(void)
{
	sigset_t set;

	served_signals(&set);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

static int
start(struct daemon *d)
{
	int r;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * A file size limit (ulimit -f, LimitFSIZE=) reached by the file
	 * output: a write that fails with EFBIG, retried and counted as a
	 * full disk is, rather than the whole daemon killed.
	 */
	signal(SIGXFSZ, SIG_IGN);
	setup_loop(d);
	if ((r = outputs_start(d->outs)) < 0)
		return r;
	if (d->opt.input != NULL)
		outputs_wait_when_full(d->outs, replay_keep_waiting, d);
	if ((r = metrics_export_start(d->mexp)) < 0)
		return r;
	d->pipe = pipeline_new(d->conf, d->outs, d->filter, d->opt.input != NULL);
	if (d->pipe == NULL)
		fatal("pipeline");
	pipeline_sink(d->pipe, &d->sink);
	d->src.ops = d->opt.input ? &src_replay_ops : &src_netlink_ops;
	d->src.input = d->opt.input;
	d->src.replay_time = d->opt.input != NULL;
	if ((r = d->src.ops->open(&d->src, d->conf)) < 0)
		return r;
	if ((r = privs_setup_done(d->conf, d->opt.input == NULL)) < 0)
		return r;
	sdnotify_ready(d->opt.input ? "replaying a log" :
	    "reading the kernel's audit records");
	return 0;
}

int
main(int argc, char **argv)
{
	struct daemon d = { .ep = -1, .sigfd = -1, .timerfd = -1 };
	uint64_t dropped;
	size_t nslab;
	int r, rc = 0, mfd = -1;
	bool started = false;

	/*
	 * Events are encoded on this thread and freed on the output workers'.
	 * With glibc's default 128 KiB trim threshold the heap top is handed
	 * back to the kernel and faulted in again all the time: measured on a
	 * 1.2M-record replay, 40k page faults and 2.3x the CPU. Keep up to
	 * 64 MiB of freed memory for reuse instead, and grow the heap 1 MiB
	 * at a time (M_TOP_PAD), but only once start-up is over: with the
	 * pad in place, the reassembler's and encoder's 128 and 160 KiB
	 * callocs were cut from the padded heap top and cleared with memset,
	 * faulting in every page; without it they are mmap()ed, zero pages
	 * faulted in only where the run touches them.
	 */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	/*
	 * The signals the loop serves are blocked first thing: one that
	 * came while the configuration loads (a logrotate's SIGHUP as the
	 * service restarts) killed the process; now the signalfd gets it.
	 */
	block_signals();
	fill_std_fds();
	parse_args(argc, argv, &d.opt);
	/* Huge pages for a replay's buffers; never a compaction stall for the kernel's. */
	hugemem_advise(d.opt.input != NULL);
	log_init(false, d.opt.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	/* --check-config opens nothing: not even the counters' file. */
	if (d.opt.metrics_out != NULL && !d.opt.check &&
	    (mfd = open_metrics_out(d.opt.metrics_out)) < 0) {
		rc = 1;
		goto done;
	}
	r = configure(&d);
	if (r < 0 || d.opt.check) {
		if (r == 0)
			printf("configuration OK\n");
		rc = r < 0 ? 1 : 0;
		goto done;
	}
	if (d.conf->embedded)
		log_info("no -config given: JSON events on stdout, kernel rules left as they are");
	if ((r = start(&d)) < 0) {
		log_warnx("start-up failed: %s", strerror(-r));
		rc = 1;
	} else {
		started = true;
		mallopt(M_TOP_PAD, 1 << 20);
		run(&d);
	}
	sdnotify_stopping();
	if (d.src.ops != NULL && d.src.ops->close != NULL)
		d.src.ops->close(&d.src);
	if (d.pipe != NULL) {
		pipeline_flush(d.pipe);
		if (d.opt.input != NULL)
			wait_delivered(&d);
		/* Gone while it drained: the events are counted, the exit says so. */
		outputs_hurry_when(d.outs, drain_hurry, &d);
		outputs_drain(d.outs, drain_left(&d));
		check_outputs(&d);
		rc = rc != 0 || d.failed ? 1 : 0;
		/*
		 * A replay is a batch job: a script must see that it did not
		 * deliver everything, not only the counters and the log.
		 */
		if (rc == 0 && d.opt.input != NULL &&
		    (dropped = outputs_dropped(d.outs)) > 0) {
			log_warnx("replay: the outputs dropped %llu events (see the "
			    "log above and pauditd_output_dropped_*): exit 3",
			    (unsigned long long)dropped);
			rc = EXIT_DROPPED;
		}
	}
done:
	d.outs = outputs_stop(d.outs, DRAIN_TIMEOUT_MS);
	d.mexp = metrics_export_stop(d.mexp);
	if (mfd >= 0 && !started) {
		log_info("--metrics-out %s: left as it was", d.opt.metrics_out);
		close(mfd);
	} else if (mfd >= 0 && dump_metrics(mfd, d.opt.metrics_out) < 0 &&
	    rc == 0) {
		rc = 1;
	}
	pipeline_free(d.pipe);
	filter_free(d.filter);
	config_free(d.conf);
	metrics_reset();
	if ((nslab = msg_pool_drain()) > 0)
		log_warnx("%zu message slabs still in use at exit", nslab);
	return rc;
}
