/*
 * out_null.c: discard every event. Benchmarks and dry runs measure the
 * whole pipeline with it, without the cost of any I/O.
 */
#include "output.h"

static int
out_null_init(struct output *o, const void *conf, void **ret_ctx)
{
	*ret_ctx = NULL;
	return 0;
}

static void
out_null_write(void *wctx, struct out_item *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		items[i].res = OUT_OK;
}

const struct output_ops out_null_ops = {
	.name = "null",
	.max_batch = 1024,
	.init = out_null_init,
	.write = out_null_write,
};
