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
 * half written (its attempts spent) leaves its part on the fd: that part
 * is ended with a '\n' before anything else is written, however many
 * batches that takes, so that it never runs into the next line.
 */
#ifndef PAUDITD_FDWRITE_H
#define PAUDITD_FDWRITE_H

#include <stdbool.h>
#include <stddef.h>

struct msg;
struct out_item;

struct fdwriter {
	int		 fd;
	const struct msg *partial;	/* message written in part, or NULL */
	size_t		 partial_off;	/* bytes of it already written */
	bool		 torn;		/* a dropped part wants its '\n' */
	int		 last_errno;	/* of the last failure (EINTR: interrupted) */
};

/* Write items[0..n) to w->fd; sets each item's result (OK or RETRY). */
void fdwrite_batch(struct fdwriter *w, struct out_item *items, size_t n);

/*
 * Write to fd from now on, a file just opened, while w->fd is still
 * open. Another file (a rotation) has nothing of a message on it: a part
 * on the old one stays there, unended, as a stopped writer's last line,
 * and the message is written whole to the new one. The same file opened
 * again (same device and inode) goes on where the old fd was: a part is
 * finished, or ended with its '\n', before the next line.
 */
void fdwrite_set_fd(struct fdwriter *w, int fd);

/* Why the last batch was not all written, for a log line. */
const char *fdwrite_error(const struct fdwriter *w);

#endif
