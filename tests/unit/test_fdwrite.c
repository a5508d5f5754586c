/*
 * test_fdwrite.c: the file and stdout outputs' writer (fdwrite.h) on a
 * non-blocking pipe of 16 KiB, which takes part of a larger write and
 * then refuses more until it is read: a line written in part is finished
 * by the retry, never written twice, and a line dropped in part is ended
 * with its '\n' before the next one, however long the fd stays full.
 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/msg.h"
#include "../../src/output/fdwrite.h"
#include "../../src/output/output.h"

#define PIPE_SIZE	16384

/* A pipe of PIPE_SIZE bytes whose write end does not block. */
static bool
small_pipe(int fds[2])
{
	if (pipe2(fds, O_NONBLOCK) < 0)
		return false;
	return fcntl(fds[1], F_SETPIPE_SZ, PIPE_SIZE) == PIPE_SIZE;
}

/* A line of len bytes: c repeated, ending in '\n'. */
static struct msg *
line(char c, size_t len, uint64_t serial)
{
	struct msg *m = msg_alloc(len, "", 0, serial);

	memset(m->line, c, len - 1);
	m->line[len - 1] = '\n';
	return m;
}

/* Read everything the pipe holds into buf (cap bytes); returns its length. */
static size_t
drain(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap && (r = read(fd, buf + n, cap - n)) > 0)
		n += (size_t)r;
	return n;
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

/*
 * A writer on a fresh small pipe, with a 20,000-byte line of 'a' written
 * in part: the pipe took PIPE_SIZE bytes of it and is full.
 */
struct fx {
	struct fdwriter	 w;
	int		 fds[2];
	struct msg	*a;
	struct out_item	 it;
	char		 buf[65536];
};

static bool
fx_part_written(struct fx *fx)
{
	memset(&fx->w, 0, sizeof(fx->w));
	if (!small_pipe(fx->fds))
		return false;
	fx->w.fd = fx->fds[1];
	fx->a = line('a', 20000, 1);
	fx->it = (struct out_item){ .m = fx->a };
	fdwrite_batch(&fx->w, &fx->it, 1);
	return fx->it.res == OUT_RETRY && fx->w.partial == fx->a &&
	    fx->w.partial_off == PIPE_SIZE;
}

/* The slabs still in use once the fixture is gone: 0. */
static size_t
fx_fini(struct fx *fx)
{
	close(fx->fds[0]);
	close(fx->fds[1]);
	msg_unref(fx->a);
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

TEST(part_written_then_finished_once)
{
	static struct fx fx;
	size_t n;

	ASSERT(fx_part_written(&fx));
	ASSERT_EQ(fx.w.last_errno, 0);
	ASSERT_STREQ(fdwrite_error(&fx.w), "a short write (disk full or reader gone?)");
	/* Still full: refused outright, nothing more written. */
	ASSERT_EQ(write1(&fx, fx.a, 1), OUT_RETRY);
	ASSERT_EQ(fx.w.last_errno, EAGAIN);
	ASSERT_EQ(fx.w.partial_off, PIPE_SIZE);
	n = drain(fx.fds[0], fx.buf, sizeof(fx.buf));
	ASSERT_EQ(n, PIPE_SIZE);
	/* The retry writes the rest only. */
	ASSERT_EQ(write1(&fx, fx.a, 2), OUT_OK);
	ASSERT(fx.w.partial == NULL);
	n += drain(fx.fds[0], fx.buf + n, sizeof(fx.buf) - n);
	ASSERT_EQ(n, 20000);
	ASSERT_EQ(count(fx.buf, n, 'a'), 19999);
	ASSERT_EQ(fx.buf[n - 1], '\n');
	ASSERT_EQ(fx_fini(&fx), 0);
}

TEST(dropped_part_ended_before_the_next_line)
{
	static struct fx fx;
	struct msg *b = line('b', 100, 2);
	unsigned i;
	size_t n;

	ASSERT(fx_part_written(&fx));
	/*
	 * a is dropped (the core moves on to b) while the pipe is full:
	 * its part cannot be ended yet, so b waits, batch after batch.
	 */
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(write1(&fx, b, i), OUT_RETRY);
		ASSERT(fx.w.torn);
		ASSERT_EQ(fx.w.last_errno, EAGAIN);
	}
	n = drain(fx.fds[0], fx.buf, sizeof(fx.buf));
	ASSERT_EQ(n, PIPE_SIZE);
	ASSERT_EQ(write1(&fx, b, 3), OUT_OK);
	ASSERT(!fx.w.torn);
	n = drain(fx.fds[0], fx.buf, sizeof(fx.buf));
	/* The part's end, then b whole on a line of its own. */
	ASSERT_EQ(n, 1 + 100);
	ASSERT_EQ(fx.buf[0], '\n');
	ASSERT_EQ(count(fx.buf + 1, 99, 'b'), 99);
	ASSERT_EQ(fx.buf[100], '\n');
	msg_unref(b);
	ASSERT_EQ(fx_fini(&fx), 0);
}

TEST(dropped_part_ended_with_nothing_after_it)
{
	static struct fx fx;
	size_t n;

	ASSERT(fx_part_written(&fx));
	n = drain(fx.fds[0], fx.buf, sizeof(fx.buf));
	/* An empty batch: the core dropped a and has nothing else. */
	fdwrite_batch(&fx.w, NULL, 0);
	ASSERT(!fx.w.torn);
	ASSERT(fx.w.partial == NULL);
	n += drain(fx.fds[0], fx.buf + n, sizeof(fx.buf) - n);
	ASSERT_EQ(n, PIPE_SIZE + 1);
	ASSERT_EQ(fx.buf[n - 1], '\n');
	ASSERT_EQ(fx_fini(&fx), 0);
}

TEST_MAIN(T(part_written_then_finished_once),
    T(dropped_part_ended_before_the_next_line),
    T(dropped_part_ended_with_nothing_after_it))
