/*
 * fdwrite.h: write a batch of messages to a file descriptor with writev,
 * shared by the stdout and file outputs.
 *
 * A short write (disk full, signal) leaves a message half written; the
 * writer remembers how much of it reached the fd so that the retry
 * writes only the rest, and a line is never duplicated or torn.
 */
#ifndef PAUDITD_FDWRITE_H
#define PAUDITD_FDWRITE_H

#include <stddef.h>

struct msg;
struct out_item;

struct fdwriter {
	int		 fd;
	const struct msg *partial;	/* message written in part, or NULL */
	size_t		 partial_off;	/* bytes of it already written */
	int		 last_errno;
};

/* Write items[0..n) to w->fd; sets each item's result (OK or RETRY). */
void fdwrite_batch(struct fdwriter *w, struct out_item *items, size_t n);

#endif
