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

TEST(part_written_then_finished_once)
{
	static char buf[65536];
	struct fdwriter w = { .fd = -1 };
	struct out_item it;
	struct msg *a = line('a', 20000, 1);
	int fds[2];
	size_t n;

	ASSERT(small_pipe(fds));
	w.fd = fds[1];
	it = (struct out_item){ .m = a };
	fdwrite_batch(&w, &it, 1);
	ASSERT_EQ(it.res, OUT_RETRY);
	ASSERT(w.partial == a);
	ASSERT_EQ(w.partial_off, PIPE_SIZE);
	ASSERT_EQ(w.last_errno, 0);
	ASSERT_STREQ(fdwrite_error(&w), "a short write (no room left?)");
	/* Still full: refused outright, nothing more written. */
	it = (struct out_item){ .m = a, .attempts = 1 };
	fdwrite_batch(&w, &it, 1);
	ASSERT_EQ(it.res, OUT_RETRY);
	ASSERT_EQ(w.last_errno, EAGAIN);
	ASSERT_EQ(w.partial_off, PIPE_SIZE);
	n = drain(fds[0], buf, sizeof(buf));
	ASSERT_EQ(n, PIPE_SIZE);
	/* The retry writes the rest only. */
	it = (struct out_item){ .m = a, .attempts = 2 };
	fdwrite_batch(&w, &it, 1);
	ASSERT_EQ(it.res, OUT_OK);
	ASSERT(w.partial == NULL);
	n += drain(fds[0], buf + n, sizeof(buf) - n);
	ASSERT_EQ(n, 20000);
	ASSERT_EQ(count(buf, n, 'a'), 19999);
	ASSERT_EQ(buf[n - 1], '\n');
	close(fds[0]);
	close(fds[1]);
	msg_unref(a);
	msg_pool_drain();
}

TEST(dropped_part_ended_before_the_next_line)
{
	static char buf[65536];
	struct fdwriter w = { .fd = -1 };
	struct out_item it;
	struct msg *a = line('a', 20000, 1), *b = line('b', 100, 2);
	int fds[2], i;
	size_t n;

	ASSERT(small_pipe(fds));
	w.fd = fds[1];
	it = (struct out_item){ .m = a };
	fdwrite_batch(&w, &it, 1);
	ASSERT(w.partial == a);
	/*
	 * a is dropped (the core moves on to b) while the pipe is full:
	 * its part cannot be ended yet, so b waits, batch after batch.
	 */
	for (i = 0; i < 3; i++) {
		it = (struct out_item){ .m = b, .attempts = (unsigned)i };
		fdwrite_batch(&w, &it, 1);
		ASSERT_EQ(it.res, OUT_RETRY);
		ASSERT(w.torn);
		ASSERT_EQ(w.last_errno, EAGAIN);
	}
	n = drain(fds[0], buf, sizeof(buf));
	ASSERT_EQ(n, PIPE_SIZE);
	it = (struct out_item){ .m = b, .attempts = 3 };
	fdwrite_batch(&w, &it, 1);
	ASSERT_EQ(it.res, OUT_OK);
	ASSERT(!w.torn);
	n = drain(fds[0], buf, sizeof(buf));
	/* The part's end, then b whole on a line of its own. */
	ASSERT_EQ(n, 1 + 100);
	ASSERT_EQ(buf[0], '\n');
	ASSERT_EQ(count(buf + 1, 99, 'b'), 99);
	ASSERT_EQ(buf[100], '\n');
	close(fds[0]);
	close(fds[1]);
	msg_unref(a);
	msg_unref(b);
	msg_pool_drain();
}

TEST(dropped_part_ended_with_nothing_after_it)
{
	static char buf[65536];
	struct fdwriter w = { .fd = -1 };
	struct out_item it;
	struct msg *a = line('a', 20000, 1);
	int fds[2];
	size_t n;

	ASSERT(small_pipe(fds));
	w.fd = fds[1];
	it = (struct out_item){ .m = a };
	fdwrite_batch(&w, &it, 1);
	ASSERT(w.partial == a);
	n = drain(fds[0], buf, sizeof(buf));
	/* An empty batch: the core dropped a and has nothing else. */
	fdwrite_batch(&w, NULL, 0);
	ASSERT(!w.torn);
	ASSERT(w.partial == NULL);
	n += drain(fds[0], buf + n, sizeof(buf) - n);
	ASSERT_EQ(n, PIPE_SIZE + 1);
	ASSERT_EQ(buf[n - 1], '\n');
	close(fds[0]);
	close(fds[1]);
	msg_unref(a);
	msg_pool_drain();
}

TEST_MAIN(T(part_written_then_finished_once),
    T(dropped_part_ended_before_the_next_line),
    T(dropped_part_ended_with_nothing_after_it))
