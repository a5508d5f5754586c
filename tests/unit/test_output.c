/*
 * test_output.c: the output core (output.h) driven through the `null`
 * and `file` outputs: configuration from YAML, start, publish, stop, the
 * file's content and mode, retries exhausted on /dev/full, queue-full and
 * shutdown drops, stdout's reader gone, reopen, and the per-output
 * metrics.
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/config/config.h"
#include "../../src/log.h"
#include "../../src/metrics.h"
#include "../../src/msg.h"
#include "../../src/output/output.h"

struct fx {
	struct cfg_ctx	 c;
	struct config	*conf;
	struct outputs	*os;
	int		 r;
};

/* Load `yaml` and configure the outputs; fx->r is outputs_configure's. */
static void
fx_configure(struct fx *fx, const char *yaml)
{
	memset(fx, 0, sizeof(*fx));
	cfg_ctx_init(&fx->c, NULL);
	fx->c.quiet = true;
	fx->conf = config_load_string("t.yaml", yaml, &fx->c);
	if (fx->conf == NULL) {
		fx->r = -1000;
		return;
	}
	fx->r = outputs_configure(fx->conf, &fx->c, &fx->os);
}

static int saved_stderr = -1;

/* The outputs log their failures to stderr: keep the test run quiet. */
static void
quiet(bool on)
{
	int fd;

	fflush(stderr);
	if (on && saved_stderr < 0) {
		saved_stderr = dup(2);
		if ((fd = open("/dev/null", O_WRONLY)) >= 0) {
			dup2(fd, 2);
			close(fd);
		}
	} else if (!on && saved_stderr >= 0) {
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
}

static int
start(struct fx *fx)
{
	quiet(true);
	return outputs_start(fx->os);
}

static void
stop(struct fx *fx, int timeout_ms)
{
	fx->os = outputs_stop(fx->os, timeout_ms);
	quiet(false);
}

static void
fx_done(struct fx *fx)
{
	stop(fx, 5000);
	fx->conf = config_free(fx->conf);
	metrics_reset();
}

static uint64_t
count(const char *name, const char *output)
{
	struct metric *m = metrics_find(name, output);

	return m ? metric_count(m) : (uint64_t)-1;
}

/* Publish one event line "{"n":i}\n" in format fmt. */
static void
publish(struct outputs *os, enum event_format fmt, unsigned i)
{
	char tmp[64], *line;
	int n = snprintf(tmp, sizeof(tmp), "{\"n\":%u}\n", i);
	struct msg *m;

	line = malloc((size_t)n);
	memcpy(line, tmp, (size_t)n);
	m = msg_new_take(line, (size_t)n, "k", 1, i);
	outputs_publish(os, fmt, m);
}

static char tmpdir[64];

static const char *
tmp_path(const char *name)
{
	static char p[160];

	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/pauditd-out-XXXXXX");
		if (mkdtemp(tmpdir) == NULL)
			return NULL;
	}
	snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
	return p;
}

static char *
slurp(const char *path)
{
	static char buf[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait until counter name{output} reaches want (or 3 s pass). */
static uint64_t
wait_count(const char *name, const char *output, uint64_t want)
{
	int i;

	for (i = 0; i < 300 && count(name, output) != want; i++)
		sleep_ms(10);
	return count(name, output);
}

TEST(file_output_writes_lines_in_order)
{
	char yaml[512], want[4096];
	const char *path = tmp_path("events.log");
	struct stat st;
	struct fx fx;
	size_t w = 0;
	unsigned i;

	ASSERT(path != NULL);
	unlink(path);
	snprintf(yaml, sizeof(yaml), "output:\n  file:\n    enabled: true\n"
	    "    attempts: 2\n    path: %s\n    mode: 0640\n", path);
	fx_configure(&fx, yaml);
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.warnings, 0);
	ASSERT_EQ(outputs_count(fx.os), 1);
	ASSERT(outputs_find(fx.os, "file") != NULL);
	ASSERT(outputs_find(fx.os, "null") == NULL);
	ASSERT_EQ(outputs_formats(fx.os), 1u << FMT_PAUDITD);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 100; i++) {
		publish(fx.os, FMT_PAUDITD, i);
		w += (size_t)snprintf(want + w, sizeof(want) - w, "{\"n\":%u}\n", i);
	}
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_STREQ(slurp(path), want);
	ASSERT_EQ(stat(path, &st), 0);
	ASSERT_EQ(st.st_mode & 07777, 0640);
	ASSERT_EQ(count("pauditd_output_received_total", "file"), 100);
	ASSERT_EQ(count("pauditd_output_events_total", "file"), 100);
	ASSERT_EQ(count("pauditd_output_bytes_total", "file"), w);
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "file"), 0);
	ASSERT_EQ(count("pauditd_output_dropped_queue_full_total", "file"), 0);
	ASSERT_EQ(count("pauditd_output_retries_total", "file"), 0);
	fx_done(&fx);
	unlink(path);
}

TEST(file_output_appends)
{
	char yaml[512];
	const char *path = tmp_path("append.log");
	int fd;
	struct fx fx;

	ASSERT(path != NULL);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT(fd >= 0);
	ASSERT_EQ(write(fd, "old\n", 4), 4);
	close(fd);
	snprintf(yaml, sizeof(yaml), "output:\n  file:\n    enabled: true\n"
	    "    path: %s\n", path);
	fx_configure(&fx, yaml);
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	publish(fx.os, FMT_PAUDITD, 7);
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_STREQ(slurp(path), "old\n{\"n\":7}\n");
	fx_done(&fx);
	unlink(path);
}

TEST(format_selects_events)
{
	char yaml[512];
	const char *path = tmp_path("ga.log");
	struct fx fx;

	ASSERT(path != NULL);
	unlink(path);
	snprintf(yaml, sizeof(yaml), "output:\n  file:\n    enabled: true\n"
	    "    format: go-audit\n    path: %s\n  null:\n    enabled: true\n",
	    path);
	fx_configure(&fx, yaml);
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(outputs_count(fx.os), 2);
	ASSERT_EQ(outputs_formats(fx.os),
	    (1u << FMT_PAUDITD) | (1u << FMT_GOAUDIT));
	ASSERT_EQ(start(&fx), 0);
	publish(fx.os, FMT_PAUDITD, 1);
	publish(fx.os, FMT_GOAUDIT, 2);
	publish(fx.os, FMT_PAUDITD, 3);
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_STREQ(slurp(path), "{\"n\":2}\n");
	ASSERT_EQ(count("pauditd_output_events_total", "file"), 1);
	ASSERT_EQ(count("pauditd_output_events_total", "null"), 2);
	fx_done(&fx);
	unlink(path);
}

TEST(null_output_counts_everything)
{
	struct fx fx;
	unsigned i;

	fx_configure(&fx, "output:\n  null:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 10000; i++) {
		publish(fx.os, FMT_PAUDITD, i);
		if (i % 500 == 0)
			outputs_flush(fx.os);
	}
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_EQ(count("pauditd_output_received_total", "null"), 10000);
	ASSERT_EQ(count("pauditd_output_events_total", "null"), 10000);
	ASSERT_EQ(count("pauditd_output_dropped_queue_full_total", "null"), 0);
	ASSERT_EQ(count("pauditd_output_dropped_shutdown_total", "null"), 0);
	fx_done(&fx);
}

/* Point fd 1 at a pipe whose reader is gone; the saved stdout. */
static int
stdout_to_broken_pipe(void)
{
	int fds[2], saved;

	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	if (pipe(fds) < 0)
		return -1;
	saved = dup(1);
	dup2(fds[1], 1);
	close(fds[0]);
	close(fds[1]);
	return saved;
}

static void
stdout_back(int saved)
{
	dup2(saved, 1);
	close(saved);
}

/*
 * stdout's reader gone: the first failed write makes the output gone;
 * its events and every later one are counted as such without a retry,
 * and with another output alive, not every output is gone.
 */
TEST(reader_gone_counted_without_retries)
{
	struct fx fx;
	unsigned i;
	bool all_gone, null_too;
	int saved = stdout_to_broken_pipe();

	ASSERT(saved >= 0);
	fx_configure(&fx, "output:\n  stdout:\n    enabled: true\n"
	    "    attempts: 5\n  null:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 10; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	wait_count("pauditd_output_dropped_gone_total", "stdout", 10);
	null_too = outputs_all_gone(fx.os);
	/* Gone: counted on the publishing side, never queued. */
	for (i = 11; i <= 15; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	all_gone = count("pauditd_output_dropped_gone_total", "stdout") == 15;
	stop(&fx, 5000);
	stdout_back(saved);
	ASSERT(all_gone);
	ASSERT(!null_too);
	ASSERT_EQ(count("pauditd_output_received_total", "stdout"), 15);
	ASSERT_EQ(count("pauditd_output_events_total", "stdout"), 0);
	ASSERT_EQ(count("pauditd_output_retries_total", "stdout"), 0);
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "stdout"), 0);
	ASSERT_EQ(count("pauditd_output_events_total", "null"), 15);
	fx_done(&fx);
}

TEST(every_output_gone)
{
	struct fx fx;
	bool before, after;
	int saved = stdout_to_broken_pipe();

	ASSERT(saved >= 0);
	fx_configure(&fx, "output:\n  stdout:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	before = outputs_all_gone(fx.os);
	publish(fx.os, FMT_PAUDITD, 1);
	outputs_flush(fx.os);
	wait_count("pauditd_output_dropped_gone_total", "stdout", 1);
	after = outputs_all_gone(fx.os);
	stop(&fx, 5000);
	stdout_back(saved);
	ASSERT(!before);
	ASSERT(after);
	ASSERT(!outputs_all_gone(NULL));
	fx_done(&fx);
}

/*
 * Point fd 1 at a pipe of one page whose read end is *ret_rd; the saved
 * stdout.
 */
static int
stdout_to_small_pipe(int *ret_rd)
{
	int fds[2], saved;

	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	if (pipe(fds) < 0)
		return -1;
	fcntl(fds[1], F_SETPIPE_SZ, 4096);
	saved = dup(1);
	dup2(fds[1], 1);
	close(fds[1]);
	*ret_rd = fds[0];
	return saved;
}

/*
 * stdout's reader alive but reading nothing: the worker blocks in its
 * write. At the shutdown deadline the core interrupts it; what was not
 * written is counted as dropped at shutdown, and stop returns.
 */
TEST(stop_interrupts_a_blocked_write)
{
	struct fx fx;
	unsigned i;
	int rd, saved;
	uint64_t written, shut, failed;

	saved = stdout_to_small_pipe(&rd);
	ASSERT(saved >= 0);
	fx_configure(&fx, "output:\n  stdout:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 2000; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	stop(&fx, 200);
	stdout_back(saved);
	close(rd);
	written = count("pauditd_output_events_total", "stdout");
	shut = count("pauditd_output_dropped_shutdown_total", "stdout");
	failed = count("pauditd_output_dropped_failed_total", "stdout");
	ASSERT(written < 2000);
	ASSERT(shut > 0);
	ASSERT_EQ(written + shut + failed, 2000);
	fx_done(&fx);
}

/*
 * A replay at its end waits in outputs_idle for its outputs: the wait ends
 * when the worker has written the last event, long before its timeout.
 */
TEST(idle_wait_ends_when_the_worker_is_done)
{
	struct fx fx;
	unsigned i;
	int rd, saved;
	pid_t pid;
	char buf[4096];
	uint64_t t0, waited;
	bool idle;

	saved = stdout_to_small_pipe(&rd);
	ASSERT(saved >= 0);
	pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		/* The reader: nothing for 200 ms, then everything. */
		close(1);
		sleep_ms(200);
		while (read(rd, buf, sizeof(buf)) > 0)
			;
		_exit(0);
	}
	close(rd);
	fx_configure(&fx, "output:\n  stdout:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 2000; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	/* 2,000 lines do not fit the pipe: the worker waits for the reader. */
	ASSERT(!outputs_idle(fx.os, 0));
	t0 = now_mono_ms();
	idle = outputs_idle(fx.os, 20000);
	waited = now_mono_ms() - t0;
	ASSERT(idle);
	ASSERT(waited < 20000);
	ASSERT_EQ(count("pauditd_output_events_total", "stdout"), 2000);
	stop(&fx, 5000);
	stdout_back(saved);
	waitpid(pid, NULL, 0);
	fx_done(&fx);
}

/* A replay's wait on a full queue, ended (as SIGTERM does) after `left` polls. */
static int waits_left;

static bool
keep_waiting(void *arg)
{
	return waits_left-- > 0;
}

/*
 * A replay stopped while it waits on a full queue: what the queue could
 * not take is dropped at shutdown, not "for a full queue", which a
 * replay never does.
 */
TEST(replay_stopped_while_waiting_counts_shutdown_drops)
{
	struct fx fx;
	unsigned i;

	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    attempts: 1000\n    buffer_size: 2\n    path: /dev/full\n"
	    "    mode: 0666\n");
	ASSERT_EQ(fx.r, 0);
	outputs_wait_when_full(fx.os, keep_waiting, NULL);
	waits_left = 3;
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 6; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	ASSERT(waits_left < 0);
	ASSERT_EQ(count("pauditd_output_dropped_queue_full_total", "file"), 0);
	ASSERT(count("pauditd_output_dropped_shutdown_total", "file") > 0);
	stop(&fx, 200);
	ASSERT_EQ(count("pauditd_output_received_total", "file"), 6);
	ASSERT_EQ(count("pauditd_output_dropped_queue_full_total", "file"), 0);
	ASSERT_EQ(count("pauditd_output_dropped_shutdown_total", "file") +
	    count("pauditd_output_dropped_failed_total", "file"), 6);
	fx_done(&fx);
}

TEST(stop_flushes_staged_events)
{
	struct fx fx;
	unsigned i;

	/* No outputs_flush: outputs_stop pushes what is staged. */
	fx_configure(&fx, "output:\n  null:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 10; i++)
		publish(fx.os, FMT_PAUDITD, i);
	stop(&fx, 5000);
	ASSERT_EQ(count("pauditd_output_events_total", "null"), 10);
	fx_done(&fx);
}

TEST(retries_exhausted_on_dev_full)
{
	struct fx fx;
	unsigned i;

	/* mode 0666: /dev/full's usual mode (out_file chmods what it opens). */
	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    attempts: 2\n    path: /dev/full\n    mode: 0666\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	for (i = 1; i <= 20; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_EQ(count("pauditd_output_received_total", "file"), 20);
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "file"), 20);
	ASSERT_EQ(count("pauditd_output_retries_total", "file"), 20);
	ASSERT_EQ(count("pauditd_output_events_total", "file"), 0);
	ASSERT_EQ(count("pauditd_output_dropped_shutdown_total", "file"), 0);
	fx_done(&fx);
}

TEST(attempts_one_means_no_retry)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    attempts: \"1\"\n    path: /dev/full\n    mode: 0666\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	publish(fx.os, FMT_PAUDITD, 1);
	publish(fx.os, FMT_PAUDITD, 2);
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "file"), 2);
	ASSERT_EQ(count("pauditd_output_retries_total", "file"), 0);
	fx_done(&fx);
}

TEST(queue_full_and_shutdown_drops_counted)
{
	struct fx fx;
	struct metric *depth;
	int64_t d0, d1;
	uint64_t full;
	unsigned i;
	int k;

	/* The worker keeps retrying event 1 while the queue fills up. */
	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    attempts: 1000\n    buffer_size: 2\n    path: /dev/full\n"
	    "    mode: 0666\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(start(&fx), 0);
	publish(fx.os, FMT_PAUDITD, 1);
	outputs_flush(fx.os);
	depth = metrics_find("pauditd_output_queue_depth", "file");
	ASSERT(depth != NULL);
	for (k = 0; k < 300 && metric_gauge_value(depth) != 0; k++)
		sleep_ms(10);
	d0 = metric_gauge_value(depth);
	/* Let the worker start on event 1 (it popped it already). */
	wait_count("pauditd_output_retries_total", "file", 1);
	for (i = 2; i <= 6; i++)
		publish(fx.os, FMT_PAUDITD, i);
	outputs_flush(fx.os);
	full = count("pauditd_output_dropped_queue_full_total", "file");
	d1 = metric_gauge_value(depth);
	stop(&fx, 200);
	ASSERT_EQ(d0, 0);
	ASSERT_EQ(full, 3);
	ASSERT_EQ(d1, 2);
	ASSERT_EQ(count("pauditd_output_received_total", "file"), 6);
	ASSERT_EQ(count("pauditd_output_dropped_queue_full_total", "file"), 3);
	ASSERT_EQ(count("pauditd_output_dropped_shutdown_total", "file"), 3);
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "file"), 0);
	ASSERT_EQ(count("pauditd_output_events_total", "file"), 0);
	fx_done(&fx);
}

/*
 * The file output on path (extra: more of its keys, YAML lines), started,
 * with event 1 published; false if it did not configure or start.
 */
static bool
file_started(struct fx *fx, const char *path, const char *extra)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml), "output:\n  file:\n    enabled: true\n"
	    "    path: %s\n%s", path, extra);
	fx_configure(fx, yaml);
	if (fx->r != 0 || start(fx) != 0)
		return false;
	publish(fx->os, FMT_PAUDITD, 1);
	outputs_flush(fx->os);
	return true;
}

TEST(reopen_writes_to_new_file)
{
	char path[160], rotated[170];
	struct fx fx;
	uint64_t first;
	int renamed, k;

	snprintf(path, sizeof(path), "%s", tmp_path("rot.log"));
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	unlink(path);
	unlink(rotated);
	ASSERT(file_started(&fx, path, ""));
	first = wait_count("pauditd_output_events_total", "file", 1);
	renamed = rename(path, rotated);
	outputs_reopen(fx.os);
	/* The worker reopens between two pops: wait for the new file. */
	for (k = 0; k < 300 && access(path, F_OK) != 0; k++)
		sleep_ms(10);
	publish(fx.os, FMT_PAUDITD, 2);
	outputs_flush(fx.os);
	stop(&fx, 5000);
	ASSERT_EQ(first, 1);
	ASSERT_EQ(renamed, 0);
	ASSERT_STREQ(slurp(rotated), "{\"n\":1}\n");
	ASSERT_STREQ(slurp(path), "{\"n\":2}\n");
	fx_done(&fx);
	unlink(path);
	unlink(rotated);
}

/*
 * A SIGHUP while the worker retries a batch (a full disk) reopens at once,
 * not after the batch's attempts: the probe found a rotated-away full
 * file kept, and retried, for 16 s after the signal (minutes with more
 * attempts) while the admin had made room. Here the path is a symlink to
 * /dev/full, then to a file.
 */
TEST(reopen_while_retrying)
{
	char link[160], target[170];
	struct fx fx;
	uint64_t retried, delivered;

	snprintf(link, sizeof(link), "%s", tmp_path("retry.log"));
	snprintf(target, sizeof(target), "%s.file", link);
	unlink(link);
	unlink(target);
	ASSERT_EQ(symlink("/dev/full", link), 0);
	ASSERT(file_started(&fx, link, "    attempts: 1000\n    mode: 0666\n"));
	retried = wait_count("pauditd_output_retries_total", "file", 2);
	ASSERT_EQ(unlink(link), 0);
	ASSERT_EQ(symlink(target, link), 0);
	outputs_reopen(fx.os);
	/* Without the reopen, 1000 attempts on /dev/full. */
	delivered = wait_count("pauditd_output_events_total", "file", 1);
	stop(&fx, 200);
	ASSERT_EQ(retried, 2);
	ASSERT_EQ(delivered, 1);
	ASSERT_STREQ(slurp(target), "{\"n\":1}\n");
	ASSERT_EQ(count("pauditd_output_dropped_failed_total", "file"), 0);
	fx_done(&fx);
	unlink(link);
	unlink(target);
}

/*
 * A reopen that fails (the directory not writable yet) keeps writing to
 * the old file and is tried again until it works, not forgotten: the
 * probe found every later event in the rotated file, which logrotate
 * then compresses and deletes.
 */
TEST(failed_reopen_tried_again)
{
	char dir[160], path[180], rotated[190];
	struct fx fx;
	int k;

	snprintf(dir, sizeof(dir), "%s", tmp_path("reopen.d"));
	snprintf(path, sizeof(path), "%s/out.log", dir);
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
	ASSERT_EQ(mkdir(dir, 0755), 0);
	ASSERT(file_started(&fx, path, ""));
	ASSERT_EQ(wait_count("pauditd_output_events_total", "file", 1), 1);
	/* Rotated, and the directory gone for the reopen (root writes anywhere). */
	ASSERT_EQ(rename(path, rotated), 0);
	ASSERT_EQ(rename(dir, tmp_path("reopen.away")), 0);
	outputs_reopen(fx.os);
	publish(fx.os, FMT_PAUDITD, 2);
	outputs_flush(fx.os);
	ASSERT_EQ(wait_count("pauditd_output_events_total", "file", 2), 2);
	ASSERT_EQ(rename(tmp_path("reopen.away"), dir), 0);
	/* The next try is due a second after the failure, at a write. */
	for (k = 0; k < 500 && access(path, F_OK) != 0; k++) {
		publish(fx.os, FMT_PAUDITD, 3);
		outputs_flush(fx.os);
		sleep_ms(10);
	}
	stop(&fx, 5000);
	ASSERT(k < 500);
	ASSERT_EQ(strncmp(slurp(rotated), "{\"n\":1}\n{\"n\":2}\n", 16), 0);
	ASSERT_EQ(strncmp(slurp(path), "{\"n\":3}\n", 8), 0);
	fx_done(&fx);
	unlink(path);
	unlink(rotated);
	rmdir(dir);
}

TEST(unknown_keys_warned)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  null:\n    enabled: true\n"
	    "  file:\n    enabled: true\n    path: /tmp/x.log\n"
	    "    bogus: 1\n  kafka:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(fx.c.warnings, 2);
	ASSERT_STREQ(fx.c.last, "t.yaml:8: output.kafka: unknown output, ignoring");
	fx_done(&fx);
	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    path: /tmp/x.log\n    bogus: 1\n");
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last, "t.yaml:5: output.file.bogus: unknown key, ignoring");
	fx_done(&fx);
	/* A disabled output's typo (of `enabled` itself, here) is told too. */
	fx_configure(&fx, "output:\n  null:\n    enabled: true\n"
	    "  file:\n    enable: true\n    path: /tmp/x.log\n");
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last, "t.yaml:5: output.file.enable: unknown key, ignoring");
	ASSERT(outputs_find(fx.os, "file") == NULL);
	fx_done(&fx);
	/* So is one in a section of an output. */
	fx_configure(&fx, "output:\n  gelf:\n    enabled: true\n"
	    "    address: 127.0.0.1:12201\n    compression:\n      levl: 9\n");
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(fx.c.warnings, 1);
	ASSERT_STREQ(fx.c.last,
	    "t.yaml:6: output.gelf.compression.levl: unknown key, ignoring");
	fx_done(&fx);
}

/* Configs refused, and the last error each reports (NULL: not checked). */
static const struct {
	const char	*yaml, *error;
} bad_values[] = {
	{ "output:\n  file:\n    enabled: true\n    path: /tmp/x.log\n"
	  "    format: json\n",
	  "t.yaml:5: output.file.format: must be pauditd or go-audit, not \"json\"" },
	{ "output:\n  file:\n    enabled: true\n    path: /tmp/x.log\n"
	  "    mode: rw\n",
	  "t.yaml:5: output.file.mode: must be an octal mode such as 0600, not \"rw\"" },
	{ "output:\n  file:\n    enabled: true\n",
	  "t.yaml:3: output.file.path: is required" },
	{ "output:\n  file:\n    enabled: true\n    path: ''\n",
	  "t.yaml:4: output.file.path: must not be empty" },
	/* What start-up would fail on is found by --check-config. */
	{ "output:\n  file:\n    enabled: true\n"
	  "    path: /nonexistent-pauditd/x.log\n",
	  "t.yaml:4: output.file.path: no directory /nonexistent-pauditd for "
	  "/nonexistent-pauditd/x.log" },
	{ "output:\n  file:\n    enabled: true\n    path: /tmp\n",
	  "t.yaml:4: output.file.path: /tmp is a directory" },
	{ "output:\n  file:\n    enabled: true\n    path: /tmp/x.log\n"
	  "    user: no-such-user-xyz\n", NULL },
	{ "output:\n  null:\n    enabled: true\n    attempts: 0\n", NULL },
	{ "output:\n  null: 5\n", "t.yaml:2: output.null: must be a mapping" },
};

TEST(bad_values_rejected)
{
	struct fx fx;
	size_t i;

	for (i = 0; i < sizeof(bad_values) / sizeof(bad_values[0]); i++) {
		fx_configure(&fx, bad_values[i].yaml);
		ASSERT_EQ(fx.r, -EINVAL);
		if (bad_values[i].error != NULL)
			ASSERT_STREQ(fx.c.last, bad_values[i].error);
		fx_done(&fx);
	}
}

TEST(disabled_outputs_not_validated)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  file:\n    enabled: false\n"
	    "    mode: rw\n    path: /nonexistent-pauditd/x.log\n"
	    "  null:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(outputs_count(fx.os), 1);
	fx_done(&fx);
}

TEST(no_enabled_output_is_an_error)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  file:\n    enabled: false\n"
	    "  stdout:\n    enabled: false\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT_EQ(fx.c.errors, 1);
	ASSERT(strstr(fx.c.last, "no output is enabled") != NULL);
	fx_done(&fx);
	fx_configure(&fx, "events:\n  min: 1300\n");
	ASSERT_EQ(fx.r, -EINVAL);
	ASSERT(strstr(fx.c.last, "no output is enabled") != NULL);
	fx_done(&fx);
}

TEST(attempts_default_and_several_outputs)
{
	struct fx fx;

	/* go-audit made a missing attempts fatal; ours defaults to 3. */
	fx_configure(&fx, "output:\n  stdout:\n    enabled: true\n"
	    "  null:\n    enabled: true\n");
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(outputs_count(fx.os), 2);
	ASSERT(outputs_find(fx.os, "stdout") != NULL);
	fx_done(&fx);
}

TEST(embedded_defaults_configure_stdout)
{
	struct fx fx;

	memset(&fx, 0, sizeof(fx));
	cfg_ctx_init(&fx.c, NULL);
	fx.c.quiet = true;
	fx.conf = config_load(NULL, &fx.c);
	ASSERT(fx.conf != NULL);
	ASSERT_EQ(outputs_configure(fx.conf, &fx.c, &fx.os), 0);
	ASSERT_EQ(outputs_count(fx.os), 1);
	ASSERT(outputs_find(fx.os, "stdout") != NULL);
	fx_done(&fx);
}

static void
path_without_value(void)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  file:\n    enabled: true\n    path:\n");
	if (fx.r == 0)
		outputs_start(fx.os);
	fx_done(&fx);
}

/*
 * Regression, fixed (cfgmap.c bind_map required check + out_file.c out_file_init):
 * "path:" with no value passes configuration (the key is present, its
 * null value keeps the NULL default, out_file_check only rejects ""),
 * then outputs_start crashes in strdup(NULL). Expected: a
 * "output.file.path: is required" (or "must not be empty") error.
 */
TEST(regress_file_path_without_value)
{
	struct fx fx;
	int r;

	fx_configure(&fx, "output:\n  file:\n    enabled: true\n    path:\n");
	r = fx.r;
	fx.conf = config_free(fx.conf);
	/* Never started: stop only frees. */
	stop(&fx, 0);
	metrics_reset();
	ASSERT(survives(path_without_value));
	ASSERT_EQ(r, -EINVAL);
}

static void
stop_after_failed_start(void)
{
	struct fx fx;

	fx_configure(&fx, "output:\n  file:\n    enabled: true\n"
	    "    path: /nonexistent-dir/x.log\n");
	if (fx.r == 0 && outputs_start(fx.os) == 0)
		_exit(2);
	fx_done(&fx);
}

/*
 * Regression, fixed (output.c outputs_stop): when an output's init fails (here a file
 * in a missing directory), outputs_start returns with that output's
 * metrics registered but no queue; main.c then calls outputs_stop, which
 * freezes the depth gauge with queue_depth(o->q) on the NULL queue and
 * crashes (SEGV) instead of exiting with "start-up failed".
 */
TEST(regress_stop_after_failed_start_crashes)
{
	ASSERT(survives(stop_after_failed_start));
}

static void
fifo_mode_kept(void)
{
	char yaml[512];
	const char *path = tmp_path("fifo");
	struct fx fx;
	struct stat st;
	int rfd;

	unlink(path);
	if (mkfifo(path, 0644) < 0)
		_exit(3);
	rfd = open(path, O_RDONLY | O_NONBLOCK);
	snprintf(yaml, sizeof(yaml), "output:\n  file:\n    enabled: true\n"
	    "    path: %s\n    mode: 0600\n", path);
	fx_configure(&fx, yaml);
	if (fx.r != 0 || outputs_start(fx.os) != 0)
		_exit(4);
	fx_done(&fx);
	close(rfd);
	if (stat(path, &st) < 0)
		_exit(5);
	unlink(path);
	_exit((st.st_mode & 07777) == 0644 ? 0 : 1);
}

/*
 * Regression, fixed (out_file.c open_file): the output fchmods (and fchowns, with
 * user/group) whatever it opens, not only a regular file it created:
 * `path: /dev/full` (tests/integration/test_core.sh) or /dev/null with
 * the default mode 0600 leaves that device root-only for the whole
 * system (this machine's /dev/full was found at 0600). Shown on a FIFO
 * of mode 0644, which the output turns into 0600.
 */
TEST(regress_mode_applied_to_non_regular_files)
{
	ASSERT(survives(fifo_mode_kept));
}

static const char pauditd_outputs[] =
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
    "  gelf:\n"
    "    enabled: false\n"
    "    attempts: 3\n"
    "    network: udp\n"
    "    address: localhost:12201\n"
    "    compression:\n"
    "      level: 1\n"
    "      type: 0\n"
    "  http:\n"
    "    enabled: false\n"
    "    attempts: 2\n"
    "    url: https://service-url/service\n"
    "    worker_count: 10\n"
    "    buffer_size: 1000\n"
    "  notification_service_transformer:\n"
    "    extra_attributes:\n"
    "      ip_address: 192.168.0.5\n";

TEST(example_outputs_configure)
{
	struct fx fx;

	fx_configure(&fx, pauditd_outputs);
	if (fx.c.errors + fx.c.warnings != 0)
		fprintf(stderr, "  last: %s\n", fx.c.last);
	ASSERT_EQ(fx.r, 0);
	ASSERT_EQ(fx.c.errors, 0);
	ASSERT_EQ(fx.c.warnings, 0);
	ASSERT_EQ(outputs_count(fx.os), 1);
	ASSERT(outputs_find(fx.os, "stdout") != NULL);
	fx_done(&fx);
}

static void
cleanup_tmpdir(void)
{
	if (tmpdir[0] != '\0')
		rmdir(tmpdir);
}

TEST(zz_cleanup)
{
	cleanup_tmpdir();
	ASSERT(tmpdir[0] == '\0' || access(tmpdir, F_OK) != 0);
}

TEST_MAIN(T(file_output_writes_lines_in_order), T(file_output_appends),
    T(reader_gone_counted_without_retries), T(every_output_gone),
    T(stop_interrupts_a_blocked_write),
    T(idle_wait_ends_when_the_worker_is_done),
    T(replay_stopped_while_waiting_counts_shutdown_drops),
    T(format_selects_events), T(null_output_counts_everything),
    T(stop_flushes_staged_events), T(retries_exhausted_on_dev_full),
    T(attempts_one_means_no_retry), T(queue_full_and_shutdown_drops_counted),
    T(reopen_writes_to_new_file), T(reopen_while_retrying),
    T(failed_reopen_tried_again), T(unknown_keys_warned),
    T(bad_values_rejected), T(disabled_outputs_not_validated),
    T(no_enabled_output_is_an_error), T(attempts_default_and_several_outputs),
    T(embedded_defaults_configure_stdout), T(regress_file_path_without_value),
    T(regress_stop_after_failed_start_crashes),
    T(regress_mode_applied_to_non_regular_files), T(example_outputs_configure),
    T(zz_cleanup))
