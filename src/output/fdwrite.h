/*
 * fdwrite.h: write a batch of messages to a file descriptor with writev,
 * shared by the stdout and file outputs.
 *
 * A short write is followed by a write of the rest; a descriptor that
 * would block (EAGAIN) is waited for, as a blocking one blocks: a slow
 * reader is not a failure. Either wait ends when the core interrupts the
 * worker at the shutdown deadline (output_interrupted). A failure after
 * a short write (the disk full) leaves a message half written; the
 * writer remembers how much of it reached the fd so that the retry
 * writes only the rest, and a line is never duplicated. A message dropped
 * half written (its attempts spent, the shutdown deadline) is taken off a
 * regular file again (ftruncate, which a full disk allows): the file keeps
 * whole lines only. Where that cannot be done (a pipe, a file someone else
 * wrote to since), the part is ended with a '\n' before anything else is
 * written, however many batches that takes, so that it never runs into
 * the next line. A file that already ends in a cut line (a writer killed
 * in the middle of one) gets its '\n' before the first line too.
 */
#ifndef PAUDITD_FDWRITE_H
#define PAUDITD_FDWRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct msg;
struct out_item;

struct fdwriter {
	int		 fd;
	bool		 reg;		/* fd is a regular file, not stderr's */
	const struct msg *partial;	/* message written in part, or NULL */
	size_t		 partial_off;	/* bytes of it already written */
	off_t		 part_start;	/* file offset of its first byte, or -1 */
	bool		 torn;		/* a dropped part wants its '\n' */
	int		 last_errno;	/* of the last failure (EINTR: interrupted) */
};

/*
 * Start writing to fd. True if it is a regular file ending in a cut line,
 * which the first write will end with its '\n' (the caller may say so).
 */
bool fdwrite_init(struct fdwriter *w, int fd);

/* Write items[0..n) to w->fd; sets each item's result (OK or RETRY). */
void fdwrite_batch(struct fdwriter *w, struct out_item *items, size_t n);

/*
 * Write to fd from now on, a file just opened, while w->fd is still
 * open. Another file (a rotation) has nothing of a message on it: a part
 * on the old one is taken off it (or ended, as fdwrite_end does) and the
 * message is written whole to the new one. The same file opened again
 * (same device and inode) goes on where the old fd was: a part is
 * finished, or ended with its '\n', before the next line. Returns as
 * fdwrite_init does, for the new file.
 */
bool fdwrite_set_fd(struct fdwriter *w, int fd);

/*
 * No more writes (the output stops): a part still on the fd (a message
 * dropped at the shutdown deadline) is taken off a regular file, or
 * ended with its '\n' if the fd takes a byte without waiting. The fd
 * stays open.
 */
void fdwrite_end(struct fdwriter *w);

/* Why the last batch was not all written, for a log line. */
const char *fdwrite_error(const struct fdwriter *w);

#endif
