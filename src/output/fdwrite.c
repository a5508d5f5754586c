/*
 * fdwrite.c: batched writev of encoded events, resumable after a short
 * write.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../msg.h"
#include "fdwrite.h"
#include "output.h"

#define FDW_IOV	256

/* End a dropped message's part; false (last_errno set) if not yet. */
static bool
end_torn(struct fdwriter *w)
{
	ssize_t r;

	do {
		r = write(w->fd, "\n", 1);
	} while (r < 0 && errno == EINTR);
	if (r == 1) {
		w->torn = false;
		return true;
	}
	w->last_errno = r < 0 ? errno : 0;
	return false;
}

void
fdwrite_batch(struct fdwriter *w, struct out_item *it, size_t n)
{
	struct iovec iov[FDW_IOV];
	size_t i = 0, k, first;
	ssize_t r;

	/*
	 * A message written in part is retried first. If it was dropped
	 * instead (attempts exhausted), its part is ended before the next
	 * line; while that fails (a full disk), nothing else is written.
	 */
	if (w->partial != NULL && (n == 0 || it[0].m != w->partial ||
	    it[0].attempts == 0)) {
		w->partial = NULL;
		w->torn = true;
	}
	if (w->torn && !end_torn(w)) {
		for (i = 0; i < n; i++)
			it[i].res = OUT_RETRY;
		return;
	}
	while (i < n) {
		first = i;
		for (k = 0; k < FDW_IOV && i < n; k++, i++) {
			size_t off = it[i].m == w->partial ? w->partial_off : 0;

			iov[k].iov_base = it[i].m->line + off;
			iov[k].iov_len = it[i].m->len - off;
		}
		do {
			r = writev(w->fd, iov, (int)k);
		} while (r < 0 && errno == EINTR);
		if (r < 0) {
			w->last_errno = errno;
			for (i = first; i < n; i++)
				it[i].res = OUT_RETRY;
			return;
		}
		/* Mark what was written; remember a message written in part. */
		for (i = first; i < first + k; i++) {
			size_t left = iov[i - first].iov_len;

			if ((size_t)r >= left) {
				r -= (ssize_t)left;
				it[i].res = OUT_OK;
				if (it[i].m == w->partial)
					w->partial = NULL;
				continue;
			}
			if (r > 0) {
				w->partial_off = (it[i].m == w->partial ?
				    w->partial_off : 0) + (size_t)r;
				w->partial = it[i].m;
				r = 0;
			}
			/* Short write: the core retries the rest. */
			w->last_errno = 0;
			break;
		}
		if (i < first + k) {
			size_t j;

			for (j = i; j < n; j++)
				it[j].res = OUT_RETRY;
			/* Let the core retry (and back off) for the rest. */
			return;
		}
	}
}

void
fdwrite_set_fd(struct fdwriter *w, int fd)
{
	w->fd = fd;
	w->partial = NULL;
	w->torn = false;
}

const char *
fdwrite_error(const struct fdwriter *w)
{
	if (w->last_errno == 0)
		return "a short write (disk full or reader gone?)";
	return strerror(w->last_errno);
}
