/*
 * filter.h: pauditd's event filters (the `filters:` list).
 *
 * Compiled once at config time; filter_drop is then a pure function (no
 * I/O, no allocation) evaluated on the main thread for every completed
 * event. Semantics are exactly pauditd's (extending go-audit's): see
 * filter.c.
 */
#ifndef PAUDITD_FILTER_H
#define PAUDITD_FILTER_H

#include <stdbool.h>

struct cfg_ctx;
struct event;
struct filter;
struct ynode;

/*
 * Compile the YAML list `list` (may be NULL: no filters). Every invalid
 * entry is reported through `c` with its index and field. Returns 0 and
 * a filter set in *ret (NULL when there are no filters), or -EINVAL.
 */
int filter_compile(const struct ynode *list, struct cfg_ctx *c,
    struct filter **ret);
/* True when the event must be dropped. `f` may be NULL (keep all). */
bool filter_drop(const struct filter *f, const struct event *ev);
struct filter *filter_free(struct filter *f);

#endif
