/*
 * test_linesplit.c: the line splitter (source/linesplit.h) and the replay
 * source around it: lines cut at their first 0x1d, a line starting with
 * 0x1d handed whole, every position of '\n' and 0x1d relative to the
 * 64-byte blocks, text fed in pieces as reads return it, and lines longer
 * than src_replay's 1 MiB read buffer. The SSE2 and the AVX2 (where the
 * CPU has it) paths must hand over the same lines as a plain reference.
 * Files at the edges of a read (empty, no final newline, one read long)
 * and one truncated while it is replayed go through the real source.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/pauditd.h"
#include "../../src/source/linesplit.h"
#include "../../src/source/source.h"

typedef size_t split_fn(const char *, size_t, bool, const struct source_sink *,
    size_t *);

/* The lines handed over, each followed by '|'. */
struct got {
	char	*p;
	size_t	 len, cap;
};

static void
got_put(struct got *g, const char *p, size_t len)
{
	if (g->len + len + 1 > g->cap) {
		g->cap = (g->len + len + 1) * 2;
		g->p = realloc(g->p, g->cap);
		if (g->p == NULL)
			abort();
	}
	memcpy(g->p + g->len, p, len);
	g->len += len;
	g->p[g->len++] = '|';
}

static void
on_line(void *arg, const struct source_line *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		got_put(arg, l[i].p, l[i].len);
}

/* What a source must hand over, byte by byte. */
static void
reference(const char *buf, size_t len, struct got *g)
{
	size_t start = 0, i, end;
	const char *sep;

	while (start < len) {
		for (i = start; i < len && buf[i] != '\n'; i++)
			;
		end = i;
		sep = memchr(buf + start, 0x1d, end - start);
		if (sep != NULL && sep > buf + start)
			end = (size_t)(sep - buf);
		got_put(g, buf + start, end - start);
		start = i + 1;
	}
}

/* Feed buf in pieces of `step` bytes, keeping the tail as src_replay does. */
static void
feed(split_fn *fn, const char *buf, size_t len, size_t step, struct got *g)
{
	struct source_sink sink = { .lines = on_line, .arg = g };
	char *held = malloc(len + 1);
	size_t n = 0, have = 0, off = 0, lines, done;

	if (held == NULL)
		abort();
	while (off < len || have > 0) {
		size_t k = len - off < step ? len - off : step;

		memcpy(held + have, buf + off, k);
		have += k;
		off += k;
		done = fn(held, have, off == len, &sink, &lines);
		n += lines;
		have -= done;
		memmove(held, held + done, have);
		if (off == len)
			break;
	}
	free(held);
	(void)n;
}

static bool
same_as_reference(const char *buf, size_t len, size_t step)
{
	split_fn *fns[] = { linesplit, linesplit_sse2 };
	struct got want = { 0 }, g;
	bool ok = true;
	size_t i;

	reference(buf, len, &want);
	for (i = 0; i < nitems(fns); i++) {
		memset(&g, 0, sizeof(g));
		feed(fns[i], buf, len, step, &g);
		if (g.len != want.len || memcmp(g.p, want.p, g.len) != 0) {
			fprintf(stderr, "  path %zu, step %zu: got \"%.*s\"\n"
			    "    expected \"%.*s\"\n", i, step, (int)g.len, g.p,
			    (int)want.len, want.p);
			ok = false;
		}
		free(g.p);
	}
	free(want.p);
	return ok;
}

static bool
split_is(split_fn *fn, const char *s, bool final, const char *want,
    size_t want_done)
{
	struct source_sink sink = { .lines = on_line };
	struct got g = { 0 };
	size_t lines, done;
	bool ok;

	sink.arg = &g;
	done = fn(s, strlen(s), final, &sink, &lines);
	got_put(&g, "", 0);
	ok = done == want_done && g.len == strlen(want) + 1 &&
	    memcmp(g.p, want, g.len - 1) == 0;
	if (!ok)
		fprintf(stderr, "  \"%s\": consumed %zu, got \"%.*s\"\n", s,
		    done, (int)g.len, g.p);
	free(g.p);
	return ok;
}

TEST(lines_and_tail)
{
	split_fn *fns[] = { linesplit, linesplit_sse2 };
	size_t i;

	for (i = 0; i < nitems(fns); i++) {
		ASSERT(split_is(fns[i], "a\nbb\n\nccc", false, "a|bb||", 6));
		ASSERT(split_is(fns[i], "a\nbb\n\nccc", true, "a|bb||ccc|", 9));
		ASSERT(split_is(fns[i], "", true, "", 0));
	}
}

TEST(enriched_suffix_cut)
{
	split_fn *fns[] = { linesplit, linesplit_sse2 };
	size_t i;

	for (i = 0; i < nitems(fns); i++) {
		ASSERT(split_is(fns[i], "type=X msg=a\x1d" "A=b\x1d" "C\nnext\n",
		    false, "type=X msg=a|next|", 24));
		/* A line of nothing but suffix is handed whole: malformed. */
		ASSERT(split_is(fns[i], "\x1dUID=x\n", false, "\x1dUID=x|", 7));
		/* The cut applies to the unterminated last line too. */
		ASSERT(split_is(fns[i], "a\x1dz", true, "a|", 3));
		/* Other control bytes are data. */
		ASSERT(split_is(fns[i], "a\tb\rc\n", false, "a\tb\rc|", 6));
	}
}

/* '\n' and 0x1d at every offset around the 64-byte blocks. */
TEST(every_position)
{
	char buf[600];
	size_t nl, sep, len;

	for (nl = 0; nl < 200; nl++) {
		for (sep = 0; sep < nl + 2; sep++) {
			memset(buf, 'x', sizeof(buf));
			len = 300;
			buf[nl] = '\n';
			if (sep != nl)
				buf[sep] = 0x1d;
			buf[nl + 130] = '\n';
			buf[len - 1] = '\n';
			if (!same_as_reference(buf, len, len))
				FAIL_("newline at %zu, 0x1d at %zu", nl, sep);
		}
	}
}

/* Random text fed in random pieces, as reads return it. */
TEST(pieces)
{
	static const char alphabet[] = "abc \n\n\x1d\t=";
	size_t len = 100000, i, step;
	char *buf = malloc(len);
	unsigned seed = 1;

	ASSERT(buf != NULL);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		/* Mostly long runs of text, as in a log. */
		if ((seed >> 8) % 4 != 0)
			buf[i] = 'a' + (char)(i % 26);
	}
	for (step = 1; step < 300; step += 37)
		ASSERT(same_as_reference(buf, len, step));
	ASSERT(same_as_reference(buf, len, 4096));
	ASSERT(same_as_reference(buf, len, len));
	free(buf);
}

/* Batch sizes seen by on_batch: calls, the smallest and largest n. */
struct batches {
	size_t	calls, lines, min, max;
};

static void
on_batch(void *arg, const struct source_line *l, size_t n)
{
	struct batches *b = arg;

	(void)l;
	b->calls++;
	b->lines += n;
	if (b->min == 0 || n < b->min)
		b->min = n;
	if (n > b->max)
		b->max = n;
}

/* Many lines in one call come in several batches, none empty. */
TEST(batches)
{
	split_fn *fns[] = { linesplit, linesplit_sse2 };
	char buf[1000];
	size_t i, lines, done;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = i % 5 == 4 ? '\n' : 'a';
	for (i = 0; i < nitems(fns); i++) {
		struct batches b = { 0 };
		struct source_sink sink = { .lines = on_batch, .arg = &b };

		done = fns[i](buf, sizeof(buf), false, &sink, &lines);
		ASSERT(done == sizeof(buf) && lines == 200 && b.lines == 200);
		ASSERT(b.calls >= 2 && b.min >= 1 && b.max <= 64);
		memset(&b, 0, sizeof(b));
		done = fns[i](buf, 2, false, &sink, &lines);
		/* No line: no call. */
		ASSERT(done == 0 && lines == 0 && b.calls == 0);
	}
}

/*
 * Through src_replay: a line longer than the 1 MiB read buffer with its
 * 0x1d past the first megabyte, and lines across the read boundaries.
 */
TEST(replay_long_lines)
{
	char path[] = "/tmp/test_linesplit.XXXXXX";
	size_t big = (3u << 20) / 2, len = 0, i;
	struct got want = { 0 }, g = { 0 };
	struct source_sink sink = { .lines = on_line, .arg = &g };
	struct source s = { .ops = &src_replay_ops, .input = path };
	char *buf = malloc(3u << 21);
	int fd, r, ok;

	ASSERT(buf != NULL);
	memcpy(buf, "short\n", 6);
	len = 6;
	for (i = 0; i < big; i++)
		buf[len++] = 'a' + (char)(i % 26);
	buf[len - 100] = 0x1d;
	buf[len++] = '\n';
	/* Lines of 64 bytes and more until past the second megabyte. */
	while (len < (5u << 20) / 2) {
		size_t n = 63 + len % 7;
		bool cut = len % 3 == 0;

		for (i = 0; i < n; i++)
			buf[len++] = cut && i == 40 ? 0x1d : 'z';
		buf[len++] = '\n';
	}
	memcpy(buf + len, "last\x1dx", 6);
	len += 6;
	reference(buf, len, &want);
	fd = mkstemp(path);
	ASSERT(fd >= 0);
	ASSERT(write(fd, buf, len) == (ssize_t)len);
	close(fd);
	ASSERT(src_replay_ops.open(&s, NULL) == 0);
	/* -EAGAIN: a read without a whole line, back to the loop (main's run). */
	while ((r = src_replay_ops.read(&s, &sink)) > 0 || r == -EAGAIN)
		;
	src_replay_ops.close(&s);
	unlink(path);
	ok = r == 0 && g.len == want.len && memcmp(g.p, want.p, g.len) == 0;
	free(g.p);
	free(want.p);
	free(buf);
	ASSERT(ok);
}

/*
 * Replay buf[0, len) from a file through src_replay into g. The sink may
 * change the file under the replay (on_line_hook). Returns the last
 * value of read: 0 at end of input.
 */
static const char *replay_path;
static size_t hook_at;		/* lines to hand before the hook runs */
static void (*hook)(void);

static void
on_line_hook(void *arg, const struct source_line *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		got_put(arg, l[i].p, l[i].len);
		if (hook != NULL && hook_at-- == 0)
			hook();
	}
}

static int
replay_buf(const char *buf, size_t len, struct got *g)
{
	char path[] = "/tmp/test_linesplit.XXXXXX";
	struct source_sink sink = { .lines = on_line_hook, .arg = g };
	struct source s = { .ops = &src_replay_ops, .input = path };
	int fd, r;

	if ((fd = mkstemp(path)) < 0)
		return -1;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	replay_path = path;
	if ((r = src_replay_ops.open(&s, NULL)) == 0)
		while ((r = src_replay_ops.read(&s, &sink)) > 0 || r == -EAGAIN)
			;
	src_replay_ops.close(&s);
	unlink(path);
	replay_path = NULL;
	return r;
}

/* The replay of buf[0, len) hands exactly what the reference does. */
static bool
replays_as_reference(const char *buf, size_t len)
{
	struct got want = { 0 }, g = { 0 };
	int r;
	bool ok;

	reference(buf, len, &want);
	r = replay_buf(buf, len, &g);
	ok = r == 0 && g.len == want.len &&
	    (g.len == 0 || memcmp(g.p, want.p, g.len) == 0);
	if (!ok)
		fprintf(stderr, "  %zu bytes: read %d, %zu bytes handed, "
		    "%zu expected\n", len, r, g.len, want.len);
	free(g.p);
	free(want.p);
	return ok;
}

/*
 * Files at the edges of src_replay's 1 MiB reads: empty, without a final
 * newline, exactly one read long (with and without the final newline),
 * one byte more, a newline as the last byte of the first read.
 */
TEST(replay_edges)
{
	size_t chunk = 1u << 20, i;
	char *buf = malloc(chunk + 2);

	ASSERT(buf != NULL);
	ASSERT(replays_as_reference("", 0));
	ASSERT(replays_as_reference("\n", 1));
	ASSERT(replays_as_reference("a\nb", 3));
	ASSERT(replays_as_reference("a\nb\x1dz", 5));
	for (i = 0; i < chunk + 2; i++)
		buf[i] = i % 100 == 99 ? '\n' : 'a' + (char)(i % 26);
	buf[chunk - 1] = '\n';
	ASSERT(replays_as_reference(buf, chunk));
	ASSERT(replays_as_reference(buf, chunk + 1));
	ASSERT(replays_as_reference(buf, chunk + 2));
	buf[chunk - 1] = 'x';
	ASSERT(replays_as_reference(buf, chunk));
	ASSERT(replays_as_reference(buf, chunk + 1));
	free(buf);
}

static void
cut_to_nothing(void)
{
	if (truncate(replay_path, 0) < 0)
		abort();
}

/*
 * A file truncated while it is replayed: the replay ends as at EOF. The
 * lines handed are the file's first ones, the last of them possibly cut
 * short (read() had taken it in part before the file was cut).
 */
static void
truncated_file(void)
{
	size_t len = 3u << 20, i, n;
	struct got want = { 0 }, g = { 0 };
	char *buf = malloc(len);

	if (buf == NULL)
		abort();
	for (i = 0; i < len; i++)
		buf[i] = i % 100 == 99 ? '\n' : 'a' + (char)(i % 26);
	reference(buf, len, &want);
	hook_at = 10;
	hook = cut_to_nothing;
	if (replay_buf(buf, len, &g) != 0)
		_exit(1);
	hook = NULL;
	/* The 11 lines of 99 bytes up to the cut at least, not the end. */
	if (g.len < 11 * 100 || g.len >= want.len)
		_exit(2);
	/* Every line but the last whole, the last a prefix of its line. */
	n = g.len - 1;
	while (n > 0 && g.p[n - 1] != '|')
		n--;
	if (memcmp(g.p, want.p, n) != 0 ||
	    memcmp(g.p + n, want.p + n, g.len - 1 - n) != 0)
		_exit(3);
	free(g.p);
	free(want.p);
	free(buf);
}

TEST(replay_truncated)
{
	ASSERT(survives(truncated_file));
}

TEST_MAIN(T(lines_and_tail), T(enriched_suffix_cut), T(every_position),
    T(pieces), T(batches), T(replay_long_lines), T(replay_edges), T(replay_truncated))
