/*
 * test_fdwrite.c: the file and stdout outputs' writer (fdwrite.h).
 *
 * A full disk, as a file size limit (RLIMIT_FSIZE) of 16 KiB: a larger
 * write is taken in part, then refused (EFBIG) until the limit is raised.
 * A line written in part is finished by the retry, never written twice;
 * a line dropped in part is taken off the file (which a full disk allows),
 * or, where it cannot be (someone else wrote after it, a pipe), ended with
 * its '\n' before the next one, however long the disk stays full. A file
 * that ends in a cut line gets its '\n' first. A pipe whose reader is slow (a
 * non-blocking one saying EAGAIN) is waited for, not failed; a write
 * blocked on a pipe nobody reads ends when the core interrupts it.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/msg.h"
#include "../../src/output/fdwrite.h"
#include "../../src/output/output.h"
#include "../../src/output/output_int.h"

#define ROOM		16384	/* the file size limit, the pipe's size */

/* A line of len bytes: c repeated, ending in '\n'. */
static struct msg *
line(char c, size_t len, uint64_t serial)
{
	struct msg *m = msg_alloc(len, "", 0, serial);

	memset(m->line, c, len - 1);
	m->line[len - 1] = '\n';
	return m;
}

/* Bytes of buf[0..n) equal to c. */
static size_t
count(const char *buf, size_t n, char c)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += buf[i] == c;
	return k;
}

/* The file size limit: ROOM bytes (the disk full) or none. */
static bool
disk_full(bool full)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_FSIZE, &rl) < 0)
		return false;
	rl.rlim_cur = full ? ROOM : rl.rlim_max;
	return setrlimit(RLIMIT_FSIZE, &rl) == 0;
}

/*
 * A writer on a fresh file on a full disk, opened for appending as the
 * file output opens it, with a 20,000-byte line of 'a' written in part:
 * the disk took ROOM bytes of it.
 */
struct fx {
	struct fdwriter	 w;
	int		 fd;
	char		 path[64];
	struct msg	*a;
	struct out_item	 it;
	char		 buf[65536];
};

/* A fresh file, appended to (or, !append, written as stdout's `>`). */
static bool
fx_open(struct fx *fx, bool append)
{
	int fd;

	memset(&fx->w, 0, sizeof(fx->w));
	/* Past the limit a write fails with EFBIG, instead of this signal. */
	signal(SIGXFSZ, SIG_IGN);
	snprintf(fx->path, sizeof(fx->path), "/tmp/pauditd-fdw-XXXXXX");
	if ((fd = mkstemp(fx->path)) < 0)
		return false;
	fx->fd = append ? open(fx->path, O_RDWR | O_APPEND) : fd;
	if (append)
		close(fd);
	return fx->fd >= 0 && !fdwrite_init(&fx->w, fx->fd) && fx->w.reg;
}

static bool
fx_part_written_to(struct fx *fx, bool append)
{
	if (!fx_open(fx, append) || !disk_full(true))
		return false;
	fx->a = line('a', 20000, 1);
	fx->it = (struct out_item){ .m = fx->a };
	fdwrite_batch(&fx->w, &fx->it, 1);
	return fx->it.res == OUT_RETRY && fx->w.partial == fx->a &&
	    fx->w.partial_off == ROOM && fx->w.part_start == 0;
}

static bool
fx_part_written(struct fx *fx)
{
	return fx_part_written_to(fx, true);
}

/* The file's bytes into fx->buf; their count. */
static size_t
fx_read(struct fx *fx)
{
	ssize_t n = pread(fx->fd, fx->buf, sizeof(fx->buf), 0);

	return n > 0 ? (size_t)n : 0;
}

/* The slabs still in use once the fixture is gone: 0. */
static size_t
fx_fini(struct fx *fx)
{
	disk_full(false);
	close(fx->fd);
	unlink(fx->path);
	if (fx->a != NULL)
		msg_unref(fx->a);
	fx->a = NULL;
	return msg_pool_drain();
}

/* Write one item of m after `attempts` tries; its result. */
static enum out_result
write1(struct fx *fx, struct msg *m, unsigned attempts)
{
	fx->it = (struct out_item){ .m = m, .attempts = attempts };
	fdwrite_batch(&fx->w, &fx->it, 1);
	return fx->it.res;
}

/* fx->buf[0..n) is one line of c, len bytes long, and nothing else. */
static bool
fx_holds(struct fx *fx, char c, size_t len)
{
	size_t n = fx_read(fx);

	return n == len && count(fx->buf, n - 1, c) == len - 1 &&
	    fx->buf[n - 1] == '\n';
}

TEST(part_written_then_finished_once)
{
	static struct fx fx;

	ASSERT(fx_part_written(&fx));
	/* The rest was tried at once, and refused. */
	ASSERT_EQ(fx.w.last_errno, EFBIG);
	ASSERT_STREQ(fdwrite_error(&fx.w), strerror(EFBIG));
	/* Still full: refused outright, nothing more written. */
	ASSERT_EQ(write1(&fx, fx.a, 1), OUT_RETRY);
	ASSERT_EQ(fx.w.partial_off, ROOM);
	ASSERT_EQ(fx_read(&fx), ROOM);
	/* Room again: the retry writes the rest only. */
	ASSERT(disk_full(false));
	ASSERT_EQ(write1(&fx, fx.a, 2), OUT_OK);
	ASSERT(fx.w.partial == NULL);
	ASSERT(fx_holds(&fx, 'a', 20000));
	ASSERT_EQ(fx_fini(&fx), 0);
}

/*
 * a is dropped (the core moves on to b) while the disk is still full: its
 * part is taken off the file, which frees the room b needs. The probe
 * found the part left in the file, ended with a '\n' (a line no JSON
 * reader takes), or with nothing, the next run's first event glued to it.
 */
TEST(dropped_part_taken_off_the_file)
{
	static struct fx fx;
	struct msg *b;
	int append;

	for (append = 1; append >= 0; append--) {
		ASSERT(fx_part_written_to(&fx, append));
		b = line('b', 100, 2);
		ASSERT_EQ(write1(&fx, b, 0), OUT_OK);
		ASSERT(!fx.w.torn);
		ASSERT(fx.w.partial == NULL);
		/* Without O_APPEND too: b at 0, no hole where the part was. */
		ASSERT(fx_holds(&fx, 'b', 100));
		msg_unref(b);
		ASSERT_EQ(fx_fini(&fx), 0);
	}
}

/*
 * Someone else wrote after the part (the file is not ours alone): it stays,
 * ended with its '\n' before the next line, which waits for that however
 * many batches the disk stays full.
 */
TEST(dropped_part_ended_when_it_cannot_be_taken_off)
{
	static struct fx fx;
	struct msg *b = line('b', 100, 2);
	unsigned i;
	size_t n;
	int other;

	ASSERT(fx_part_written(&fx));
	ASSERT((other = open(fx.path, O_WRONLY | O_APPEND)) >= 0);
	ASSERT(disk_full(false));
	ASSERT_EQ(write(other, "zz", 2), 2);
	close(other);
	ASSERT(disk_full(true));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(write1(&fx, b, i), OUT_RETRY);
		ASSERT(fx.w.torn);
		ASSERT_EQ(fx.w.last_errno, EFBIG);
	}
	ASSERT_EQ(fx_read(&fx), ROOM + 2);
	ASSERT(disk_full(false));
	ASSERT_EQ(write1(&fx, b, 3), OUT_OK);
	ASSERT(!fx.w.torn);
	n = fx_read(&fx);
	/* The part and the other's bytes, their end, then b whole. */
	ASSERT_EQ(n, ROOM + 3 + 100);
	ASSERT_EQ(count(fx.buf, ROOM, 'a'), ROOM);
	ASSERT_EQ(memcmp(fx.buf + ROOM, "zz\n", 3), 0);
	ASSERT_EQ(count(fx.buf + ROOM + 3, 99, 'b'), 99);
	ASSERT_EQ(fx.buf[n - 1], '\n');
	msg_unref(b);
	ASSERT_EQ(fx_fini(&fx), 0);
}

/*
 * logrotate's copytruncate while a part waits: the rest alone would start
 * the emptied file (a review found "rch=c000003e syscall=59 ..." at its
 * top). The message is written whole; dropped, it wants no '\n' either.
 */
TEST(part_gone_with_a_copytruncate)
{
	static struct fx fx;
	struct msg *b;

	ASSERT(fx_part_written(&fx));
	ASSERT(disk_full(false));
	ASSERT_EQ(ftruncate(fx.fd, 0), 0);
	ASSERT_EQ(write1(&fx, fx.a, 1), OUT_OK);
	ASSERT(fx_holds(&fx, 'a', 20000));
	ASSERT_EQ(fx_fini(&fx), 0);

	ASSERT(fx_part_written(&fx));
	ASSERT(disk_full(false));
	ASSERT_EQ(ftruncate(fx.fd, 0), 0);
	b = line('b', 100, 2);
	ASSERT_EQ(write1(&fx, b, 0), OUT_OK);
	ASSERT(!fx.w.torn);
	ASSERT(fx_holds(&fx, 'b', 100));
	msg_unref(b);
	ASSERT_EQ(fx_fini(&fx), 0);
}

/*
 * SIGHUP without a rotation opens the same file again: its part is still
 * finished by the retry. A rotation takes the part off the old file; the
 * message is written whole to the new one.
 */
TEST(reopened_file_keeps_the_part_rotated_one_loses_it)
{
	static struct fx fx;
	struct fx other;
	int fd;

	ASSERT(fx_part_written(&fx));
	fd = open(fx.path, O_RDWR | O_APPEND);
	ASSERT(fd >= 0);
	ASSERT(!fdwrite_set_fd(&fx.w, fd));
	close(fx.fd);
	fx.fd = fd;
	ASSERT(fx.w.partial == fx.a);
	ASSERT(disk_full(false));
	ASSERT_EQ(write1(&fx, fx.a, 1), OUT_OK);
	ASSERT(fx_holds(&fx, 'a', 20000));
	ASSERT_EQ(fx_fini(&fx), 0);

	/* A rotation while the part waits. */
	ASSERT(fx_part_written(&fx));
	ASSERT(disk_full(false));
	ASSERT(fx_open(&other, true));
	ASSERT(!fdwrite_set_fd(&fx.w, other.fd));
	ASSERT(fx.w.partial == NULL);
	ASSERT(!fx.w.torn);
	ASSERT_EQ(fx_read(&fx), 0);
	ASSERT_EQ(write1(&fx, fx.a, 1), OUT_OK);
	ASSERT(fx_holds(&other, 'a', 20000));
	ASSERT_EQ(fx_fini(&fx), 0);
	close(other.fd);
	unlink(other.path);
}

/* The core dropped a and has nothing else: an empty batch takes it off. */
TEST(dropped_part_taken_off_with_nothing_after_it)
{
	static struct fx fx;

	ASSERT(fx_part_written(&fx));
	fdwrite_batch(&fx.w, NULL, 0);
	ASSERT(!fx.w.torn);
	ASSERT(fx.w.partial == NULL);
	ASSERT_EQ(fx_read(&fx), 0);
	ASSERT_EQ(fx_fini(&fx), 0);
}

/*
 * The output stops with a part on the file (dropped at the shutdown
 * deadline, never seen by a batch): the end takes it off. The probe found
 * the next run's first line appended to it.
 */
TEST(end_takes_the_part_off)
{
	static struct fx fx;

	ASSERT(fx_part_written(&fx));
	fdwrite_end(&fx.w);
	ASSERT(fx.w.partial == NULL);
	ASSERT(!fx.w.torn);
	ASSERT_EQ(fx_read(&fx), 0);
	ASSERT_EQ(fx_fini(&fx), 0);
}

/* A file left ending in a cut line (a writer killed): ended first. */
TEST(file_ending_in_a_cut_line_ended_first)
{
	static struct fx fx;
	struct msg *b = line('b', 100, 2);
	size_t n;
	int fd;

	ASSERT(fx_open(&fx, true));
	ASSERT_EQ(write(fx.fd, "{\"seq\":", 7), 7);
	ASSERT((fd = open(fx.path, O_WRONLY | O_APPEND)) >= 0);
	ASSERT(fdwrite_init(&fx.w, fd));
	ASSERT(fx.w.torn);
	ASSERT_EQ(write1(&fx, b, 0), OUT_OK);
	n = fx_read(&fx);
	ASSERT_EQ(n, 8 + 100);
	ASSERT_EQ(memcmp(fx.buf, "{\"seq\":\n", 8), 0);
	ASSERT_EQ(count(fx.buf + 8, 99, 'b'), 99);
	/* One that ends in a whole line is written on as it is. */
	ASSERT(!fdwrite_init(&fx.w, fd));
	close(fd);
	/* A written line that the end cannot leave: nothing to do. */
	fdwrite_end(&fx.w);
	msg_unref(b);
	ASSERT_EQ(fx_fini(&fx), 0);
}

/* A pipe of ROOM bytes; its write end (only) non-blocking if asked. */
static bool
small_pipe(int fds[2], bool nonblock)
{
	if (pipe(fds) < 0)
		return false;
	if (nonblock && fcntl(fds[1], F_SETFL, O_NONBLOCK) < 0)
		return false;
	return fcntl(fds[1], F_SETPIPE_SZ, ROOM) == ROOM;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { 0, (long)ms * 1000000L };

	nanosleep(&ts, NULL);
}

struct reader {
	int	 fd;
	size_t	 n;
	char	 buf[65536];
};

/* A slow reader: starts after 100 ms, reads to EOF. */
static void *
read_slowly(void *arg)
{
	struct reader *r = arg;
	ssize_t k;

	sleep_ms(100);
	while ((k = read(r->fd, r->buf + r->n, sizeof(r->buf) - r->n)) > 0)
		r->n += (size_t)k;
	return NULL;
}

/*
 * stdout inherited non-blocking, its reader slow: EAGAIN is waited out,
 * the line written whole, no attempt spent.
 */
TEST(would_block_waited_for)
{
	static struct reader r;
	struct fdwriter w = { 0 };
	struct out_item it;
	struct msg *a = line('a', 20000, 1);
	pthread_t t;
	int fds[2];

	ASSERT(small_pipe(fds, true));
	r.fd = fds[0];
	ASSERT_EQ(pthread_create(&t, NULL, read_slowly, &r), 0);
	ASSERT(!fdwrite_init(&w, fds[1]));
	ASSERT(!w.reg);
	it = (struct out_item){ .m = a };
	fdwrite_batch(&w, &it, 1);
	close(fds[1]);
	pthread_join(t, NULL);
	close(fds[0]);
	ASSERT_EQ(it.res, OUT_OK);
	ASSERT_EQ(r.n, 20000);
	ASSERT_EQ(count(r.buf, r.n, 'a'), 19999);
	msg_unref(a);
	ASSERT_EQ(msg_pool_drain(), 0);
}

/* Read what the pipe holds, without waiting; its last byte is c. */
static bool
drain_ends_with(int fd, char c)
{
	char buf[4096], last = 0;
	ssize_t k;
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	while ((k = read(fd, buf, sizeof(buf))) > 0)
		last = buf[k - 1];
	fcntl(fd, F_SETFL, fl);
	return last == c;
}

struct blocked {
	struct fdwriter	 w;
	struct out_item	 it;
	const char	*err;
};

/* A worker writing where nobody reads. */
static void *
write_blocked(void *arg)
{
	struct blocked *b = arg;

	fdwrite_batch(&b->w, &b->it, 1);
	b->err = fdwrite_error(&b->w);
	return NULL;
}

/*
 * A write blocked on a pipe nobody reads (blocking, or non-blocking and
 * waited for) returns once the core interrupts the worker at the
 * shutdown deadline, with the message to retry (the core then drops it).
 * The same signal from elsewhere before the deadline (kill -s RTMIN+1)
 * changes nothing: the write waits on.
 */
TEST(blocked_write_interrupted)
{
	static struct blocked b;
	struct msg *a = line('a', 20000, 1);
	pthread_t t;
	int fds[2], nb, k;

	output_interrupt_init();
	for (nb = 0; nb < 2; nb++) {
		memset(&b, 0, sizeof(b));
		ASSERT(small_pipe(fds, nb == 1));
		fdwrite_init(&b.w, fds[1]);
		b.it = (struct out_item){ .m = a };
		ASSERT_EQ(pthread_create(&t, NULL, write_blocked, &b), 0);
		sleep_ms(50);
		if (nb == 0) {
			pthread_kill(t, PA_SIG_INTERRUPT);
			sleep_ms(100);
			ASSERT_EQ(pthread_tryjoin_np(t, NULL), EBUSY);
			output_interrupt_arm();
		}
		/* As join_worker does: again until it returns. */
		for (k = 0; k < 100 && pthread_tryjoin_np(t, NULL) == EBUSY; k++) {
			pthread_kill(t, PA_SIG_INTERRUPT);
			sleep_ms(20);
		}
		ASSERT(k < 100);
		ASSERT_EQ(b.it.res, OUT_RETRY);
		ASSERT_EQ(b.w.last_errno, EINTR);
		ASSERT_STREQ(b.err, "interrupted at the shutdown deadline");
		ASSERT(b.w.partial == a);
		/*
		 * The end: a pipe's part cannot be taken back. Its reader
		 * still reads nothing: left cut, without waiting; once it
		 * reads, the part gets its '\n'.
		 */
		fdwrite_end(&b.w);
		ASSERT(b.w.torn);
		ASSERT(drain_ends_with(fds[0], 'a'));
		fdwrite_end(&b.w);
		ASSERT(!b.w.torn);
		ASSERT(drain_ends_with(fds[0], '\n'));
		close(fds[0]);
		close(fds[1]);
	}
	msg_unref(a);
	ASSERT_EQ(msg_pool_drain(), 0);
}

TEST_MAIN(T(part_written_then_finished_once),
    T(dropped_part_taken_off_the_file),
    T(dropped_part_ended_when_it_cannot_be_taken_off),
    T(part_gone_with_a_copytruncate),
    T(reopened_file_keeps_the_part_rotated_one_loses_it),
    T(dropped_part_taken_off_with_nothing_after_it),
    T(end_takes_the_part_off), T(file_ending_in_a_cut_line_ended_first),
    T(would_block_waited_for), T(blocked_write_interrupted))
