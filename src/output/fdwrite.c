/*
 * fdwrite.c: batched writev of encoded events, resumable after a short
 * write, waiting on a descriptor that would block, interruptible at the
 * shutdown deadline; a line dropped half written is taken off a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../msg.h"
#include "../pauditd.h"
#include "fdwrite.h"
#include "output.h"

#define FDW_IOV	256

/*
 * fd took nothing (EAGAIN: a non-blocking descriptor, say stdout inherited
 * so, with a slow reader): wait until it takes more, as a blocking one
 * would. False (errno EINTR) once the core interrupted us at the shutdown
 * deadline, or on a poll error.
 */
static bool
wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	for (;;) {
		if (output_interrupted()) {
			errno = EINTR;
			return false;
		}
		/* POLLERR and POLLHUP too: the next write says what they are. */
		if (poll(&pfd, 1, -1) >= 0)
			return true;
		if (errno != EINTR)
			return false;
	}
}

/*
 * writev, again after a stray signal or while fd would block; r < 0 with
 * errno set on a failure, or once the core interrupted us.
 */
static ssize_t
writev_wait(int fd, const struct iovec *iov, int k)
{
	ssize_t r;

	for (;;) {
		if (output_interrupted()) {
			errno = EINTR;
			return -1;
		}
		r = writev(fd, iov, k);
		if (r >= 0 || (errno != EINTR && errno != EAGAIN))
			return r;
		if (errno == EAGAIN && !wait_writable(fd))
			return -1;
	}
}

/* End a dropped message's part; false (last_errno set) if not yet. */
static bool
end_torn(struct fdwriter *w)
{
	struct iovec nl = { .iov_base = (void *)(uintptr_t)"\n", .iov_len = 1 };

	if (writev_wait(w->fd, &nl, 1) == 1) {
		w->torn = false;
		return true;
	}
	w->last_errno = errno;
	return false;
}

/* Where a part written to a regular file is now. */
enum part_place {
	PART_AT_END,	/* the file ends with it: to finish, or to cut */
	PART_GONE,	/* the file was truncated (logrotate's copytruncate) */
	PART_BURIED,	/* someone else wrote after it, or nobody can tell */
};

static enum part_place
part_place(const struct fdwriter *w)
{
	struct stat st;
	off_t end = w->part_start + (off_t)w->partial_off;

	if (!w->reg || w->part_start < 0 || fstat(w->fd, &st) < 0)
		return PART_BURIED;
	if (st.st_size == end)
		return PART_AT_END;
	return st.st_size < end ? PART_GONE : PART_BURIED;
}

/*
 * The message written in part is dropped. Its part is taken off a
 * regular file that ends with it: the file then ends in whole lines, and
 * the space is given back (ftruncate works on a full disk). Where the
 * part stays (a pipe, someone else's bytes after it) it is torn: ended
 * with a '\n' before the next line.
 */
static void
drop_part(struct fdwriter *w)
{
	switch (part_place(w)) {
	case PART_AT_END:
		if (ftruncate(w->fd, w->part_start) == 0) {
			/* A descriptor without O_APPEND (`>`) writes there next. */
			lseek(w->fd, w->part_start, SEEK_SET);
			break;
		}
		/* FALLTHROUGH */
	case PART_BURIED:
		w->torn = true;
		break;
	case PART_GONE:
		break;
	}
	w->partial = NULL;
}

/*
 * Where the part now on the fd began: its end is the fd's offset (an
 * O_APPEND write leaves it at the end of what it wrote).
 */
static void
note_part(struct fdwriter *w)
{
	off_t pos = w->reg ? lseek(w->fd, 0, SEEK_CUR) : -1;

	w->part_start = pos >= (off_t)w->partial_off ?
	    pos - (off_t)w->partial_off : -1;
}

/* A regular file whose last byte is not a '\n': a writer stopped mid-line. */
static bool
ends_cut(int fd)
{
	char path[64], c;
	struct stat st;
	bool cut;
	int rfd;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
		return false;
	/* Opened for writing only: read it through a descriptor of its own. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((rfd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return false;
	cut = pread(rfd, &c, 1, st.st_size - 1) == 1 && c != '\n';
	close(rfd);
	return cut;
}

/* items[from..n) are not written (last_errno says why): retry them. */
static void
retry_rest(struct out_item *it, size_t from, size_t n)
{
	for (; from < n; from++)
		it[from].res = OUT_RETRY;
}

void
fdwrite_batch(struct fdwriter *w, struct out_item *it, size_t n)
{
	struct iovec iov[FDW_IOV];
	size_t i = 0, k, j, first, left;
	ssize_t r;

	/*
	 * A message written in part is retried first. If it was dropped
	 * instead (attempts exhausted), its part is ended before the next
	 * line; while that fails (a full disk), nothing else is written.
	 */
	if (w->partial != NULL && (n == 0 || it[0].m != w->partial ||
	    it[0].attempts == 0))
		drop_part(w);
	/*
	 * The rest of a part goes right after it, so the part must still end
	 * the file: after a copytruncate the rest alone would start the new
	 * file. Otherwise the message is written whole (after the part's
	 * '\n' if it is still there).
	 */
	if (w->partial != NULL && w->reg && part_place(w) != PART_AT_END)
		drop_part(w);
	if (w->torn && !end_torn(w)) {
		retry_rest(it, 0, n);
		return;
	}
	/*
	 * A short write (the disk filled up, the pipe's reader is slow) is
	 * followed by a write of the rest: it goes on, or says why not.
	 */
	while (i < n) {
		first = i;
		for (k = 0; k < FDW_IOV && i < n; k++, i++) {
			size_t off = it[i].m == w->partial ? w->partial_off : 0;

			iov[k].iov_base = it[i].m->line + off;
			iov[k].iov_len = it[i].m->len - off;
		}
		if ((r = writev_wait(w->fd, iov, (int)k)) < 0) {
			w->last_errno = errno;
			retry_rest(it, first, n);
			return;
		}
		/* Mark what was written; remember a message written in part. */
		for (j = first; j < first + k; j++) {
			left = iov[j - first].iov_len;
			if ((size_t)r < left)
				break;
			r -= (ssize_t)left;
			it[j].res = OUT_OK;
			if (it[j].m == w->partial)
				w->partial = NULL;
		}
		if (j < first + k) {
			if (r > 0) {
				w->partial_off = (it[j].m == w->partial ?
				    w->partial_off : 0) + (size_t)r;
				w->partial = it[j].m;
				note_part(w);
			}
			i = j;
		}
	}
}

bool
fdwrite_init(struct fdwriter *w, int fd)
{
	struct stat st;

	w->fd = fd;
	/*
	 * Parts are cut and checked only on a regular file of our own: one
	 * that stderr writes to too (`pauditd > f 2>&1`) gets our log lines
	 * between the offsets we note, and cutting there would cut them.
	 */
	w->reg = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    !fd_is_file(2, &st);
	w->partial = NULL;
	w->part_start = -1;
	w->torn = w->reg && ends_cut(fd);
	return w->torn;
}

bool
fdwrite_set_fd(struct fdwriter *w, int fd)
{
	struct stat st;

	/*
	 * The same file opened again (SIGHUP without a rotation): what is
	 * on it goes on, so a part still wants its rest or its '\n'.
	 */
	if (fd >= 0 && fstat(fd, &st) == 0 && fd_is_file(w->fd, &st)) {
		w->fd = fd;
		return false;
	}
	/* A rotation: the old file is left with whole lines. */
	fdwrite_end(w);
	return fdwrite_init(w, fd);
}

void
fdwrite_end(struct fdwriter *w)
{
	struct pollfd pfd = { .fd = w->fd, .events = POLLOUT };

	if (w->fd < 0)
		return;
	if (w->partial != NULL)
		drop_part(w);
	/* One try, never waiting: a reader that takes nothing keeps it cut. */
	if (w->torn && poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) &&
	    write(w->fd, "\n", 1) == 1)
		w->torn = false;
}

const char *
fdwrite_error(const struct fdwriter *w)
{
	if (w->last_errno == EINTR)
		return "interrupted at the shutdown deadline";
	return strerror(w->last_errno);
}
