/*
 * src_replay.c: read auditd-format log lines from a file or stdin
 * (--input FILE, "-" for stdin) instead of the kernel.
 *
 * Reads in large chunks and splits lines in place (zero-copy up to the
 * sink; the buffer has SOURCE_PAD bytes of slack past its capacity). A
 * line longer than the buffer grows it, up to SOURCE_LINE_MAX: a longer
 * one is reported to the sink and skipped to its '\n'. A regular file
 * (or anything else epoll cannot watch, such as /dev/null) has no
 * pollable fd: the main loop reads it in a loop until EOF. A pipe or
 * terminal is polled like a socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../hugemem.h"
#include "../log.h"
#include "linesplit.h"
#include "source.h"

#define REPLAY_CHUNK	(1u << 20)
/*
 * read() copies out of the page cache fastest when the destination sits
 * at the offset in its page that the file position has in its own: at
 * some small distances (1 to ~31 bytes on this project's AMD EPYC
 * machine) the copy runs four times slower. The text held is placed so
 * that the next read lands at that offset: up to a page of slack.
 */
#define REPLAY_ALIGN	4096u
/* What the buffer holds for `cap` bytes of text. */
#define BUF_SIZE(cap)	((cap) + REPLAY_ALIGN + SOURCE_PAD)

struct replay {
	int		 fd;
	bool		 pollable;
	bool		 own_fd;
	char		*buf;		/* BUF_SIZE(cap), hugemem */
	size_t		 cap;
	size_t		 start;		/* where the text held starts */
	size_t		 len;		/* bytes held, from buf + start */
	uint64_t	 pos;		/* bytes read */
	bool		 eof;
	bool		 skipping;	/* in an overlong line, up to its '\n' */
	int		 flags0;	/* stdin's status flags, given back at close */
};

/* Can epoll watch fd? Not a regular file, a directory, /dev/null... */
static bool
pollable(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	bool ok;

	if (ep < 0)
		return false;
	ok = epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
	close(ep);
	return ok;
}

static int
replay_open(struct source *s, const struct config *conf)
{
	struct replay *r = calloc(1, sizeof(*r));
	struct stat st;

	if (r == NULL)
		return -ENOMEM;
	s->ctx = r;
	r->fd = -1;
	if (strcmp(s->input, "-") == 0) {
		/* Shared with the shell (a terminal, say): restored at close. */
		r->fd = 0;
		r->flags0 = fcntl(0, F_GETFL);
	} else {
		/*
		 * O_NONBLOCK: a FIFO without a writer would block the open
		 * with SIGTERM blocked; polled, it waits for its writer in
		 * the main loop instead, where signals are seen.
		 */
		r->fd = open(s->input, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (r->fd < 0) {
			log_warn("cannot open input %s", s->input);
			return -errno;
		}
		r->own_fd = true;
	}
	if (fstat(r->fd, &st) < 0) {
		log_warn("input %s", s->input);
		return -errno;
	}
	if (S_ISDIR(st.st_mode)) {
		log_warnx("input %s is a directory", s->input);
		return -EISDIR;
	}
	if (!S_ISREG(st.st_mode) && pollable(r->fd)) {
		r->pollable = true;
		fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
	} else {
		fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) & ~O_NONBLOCK);
		posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	r->cap = REPLAY_CHUNK;
	/*
	 * Zeroed, so that what a line is read past is defined too; in huge
	 * pages, which every read writes through.
	 */
	if ((r->buf = hugemem_alloc(BUF_SIZE(r->cap))) == NULL)
		return -ENOMEM;
	/* The first read, at position 0, lands on a page boundary. */
	r->start = (size_t)(-(uintptr_t)r->buf) & (REPLAY_ALIGN - 1);
	return 0;
}

static int
replay_fd(struct source *s)
{
	struct replay *r = s->ctx;

	return r->pollable ? r->fd : -1;
}

/*
 * In an overlong line: drop the text held up to its '\n' (and that too);
 * false while the line goes on past what is held.
 */
static bool
skip_overlong(struct replay *r)
{
	const char *p = r->buf + r->start;
	const char *nl = memchr(p, '\n', r->len);

	if (nl == NULL) {
		r->len = 0;
		return false;
	}
	r->skipping = false;
	r->len -= (size_t)(nl + 1 - p);
	r->start += (size_t)(nl + 1 - p);
	return true;
}

/* Hand every complete line to the sink; keep the partial tail. */
static size_t
split_lines(struct replay *r, const struct source_sink *sink)
{
	size_t n, done, start;

	/* The tail is split again, from its start, after the next read. */
	if (!r->skipping || skip_overlong(r))
		done = linesplit(r->buf + r->start, r->len, r->eof, sink, &n);
	else
		done = n = 0;
	r->len -= done;
	/* So that the next read lands where r->pos is in its page. */
	start = (size_t)(r->pos - r->len - (uintptr_t)r->buf) &
	    (REPLAY_ALIGN - 1);
	memmove(r->buf + start, r->buf + r->start + done, r->len);
	r->start = start;
	return n;
}

/* The input's size, when it is a regular file (else false). */
static bool
file_size(const struct replay *r, off_t *ret)
{
	struct stat st;

	if (r->pollable || fstat(r->fd, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	*ret = st.st_size;
	return true;
}

/*
 * The end of the input: what a replay may have missed is said. A last
 * line without its newline may be a record cut by a writer still at
 * work; a regular file now shorter than what was read was truncated
 * under the replay (logrotate's copytruncate).
 */
static void
at_eof(const struct source *s, const struct replay *r)
{
	off_t size;

	if (r->len > 0 && !r->skipping)
		log_warnx("input %s ends in a line without a newline (%zu "
		    "bytes): read as it is, it may have been cut", s->input,
		    r->len);
	if (file_size(r, &size) && (uint64_t)size < r->pos)
		log_warnx("input %s was truncated while it was read (%" PRIu64
		    " bytes read, %lld left): what was written after the "
		    "truncation was not read", s->input, r->pos,
		    (long long)size);
}

static int
replay_read(struct source *s, const struct source_sink *sink)
{
	struct replay *r = s->ctx;
	size_t lines = 0;
	ssize_t got;

	while (lines == 0) {
		if (r->eof)
			return 0;
		if (r->len == r->cap && r->cap >= SOURCE_LINE_MAX) {
			/* A line as long as the buffer, and no '\n' in it. */
			sink->overlong(sink->arg, r->buf + r->start, r->len);
			r->skipping = true;
			r->len = 0;
		} else if (r->len == r->cap) {
			char *nb = hugemem_alloc(BUF_SIZE(r->cap * 2));

			if (nb == NULL)
				return -ENOMEM;
			memcpy(nb, r->buf, BUF_SIZE(r->cap));
			hugemem_free(r->buf, BUF_SIZE(r->cap));
			r->buf = nb;
			r->cap *= 2;
		}
		got = read(r->fd, r->buf + r->start + r->len, r->cap - r->len);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return -EAGAIN;
			log_warn("reading input %s", s->input);
			return -errno;
		}
		if (got == 0) {
			r->eof = true;
			at_eof(s, r);
		}
		r->len += (size_t)got;
		r->pos += (uint64_t)got;
		lines = split_lines(r, sink);
		if (sink->batch_end)
			sink->batch_end(sink->arg);
		/*
		 * A read without a whole line (a part of a long one, a file
		 * of zeros): back to the main loop, which serves signals
		 * between two reads; looping here, a replay of /dev/zero
		 * ignored SIGTERM.
		 */
		if (lines == 0 && !r->eof)
			return -EAGAIN;
	}
	return (int)(lines > 0x7fffffff ? 0x7fffffff : lines);
}

static void
replay_close(struct source *s)
{
	struct replay *r = s->ctx;

	if (r == NULL)
		return;
	/* Stopped early (SIGTERM): where, for whoever runs it again. */
	if (!r->eof && r->fd >= 0 && r->buf != NULL) {
		off_t size;

		if (file_size(r, &size))
			log_info("input %s: stopped before its end, %" PRIu64
			    " of %lld bytes read", s->input, r->pos - r->len,
			    (long long)size);
		else
			log_info("input %s: stopped before its end, %" PRIu64
			    " bytes read", s->input, r->pos - r->len);
	}
	if (r->own_fd && r->fd >= 0)
		close(r->fd);
	else if (r->fd == 0 && r->flags0 >= 0)
		fcntl(0, F_SETFL, r->flags0);
	hugemem_free(r->buf, BUF_SIZE(r->cap));
	free(r);
	s->ctx = NULL;
}

const struct source_ops src_replay_ops = {
	.name = "replay",
	.open = replay_open,
	.fd = replay_fd,
	.read = replay_read,
	.close = replay_close,
};
