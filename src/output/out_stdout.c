/*
 * out_stdout.c: JSON lines on standard output. Our own logs never go
 * there (they go to stderr), so stdout carries events only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "fdwrite.h"
#include "output.h"

static int
out_stdout_init(struct output *o, const void *conf, void **ret_ctx)
{
	struct fdwriter *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -ENOMEM;
	if (fdwrite_init(w, 1))
		log_warnx("[output stdout] the file on stdout ends in a cut line "
		    "(a writer stopped in the middle of it): ending it before "
		    "the next event");
	*ret_ctx = w;
	return 0;
}

/*
 * A pipe whose reader is gone (`pauditd ... | head`), or a descriptor not
 * open for writing (fill_std_fds), can never take an event again: stdout
 * cannot be reopened. Anything else (a full disk behind a redirection, a
 * slow reader) may pass.
 */
static bool
gone_for_good(int err)
{
	return err == EPIPE || err == EBADF;
}

static void
out_stdout_write(void *wctx, struct out_item *items, size_t n)
{
	static struct log_ratelimit rl;
	struct fdwriter *w = wctx;
	size_t i;

	fdwrite_batch(w, items, n);
	if (items[n - 1].res == OUT_OK)
		return;
	if (gone_for_good(w->last_errno)) {
		log_warnx("[output stdout] cannot write to stdout: %s%s",
		    fdwrite_error(w), w->last_errno == EPIPE ?
		    " (its reader closed the pipe)" : "");
		for (i = 0; i < n; i++)
			if (items[i].res != OUT_OK)
				items[i].res = OUT_GONE;
		return;
	}
	log_warn_ratelimited(&rl, "[output stdout] write failed: %s",
	    fdwrite_error(w));
}

static void
out_stdout_fini(void *ctx)
{
	fdwrite_end(ctx);
	free(ctx);
}

const struct output_ops out_stdout_ops = {
	.name = "stdout",
	.default_queue = 65536,
	.init = out_stdout_init,
	.write = out_stdout_write,
	.fini = out_stdout_fini,
};
