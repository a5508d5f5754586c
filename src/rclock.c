/*
 * rclock.c: the replay's clock (rclock.h).
 */
#include "rclock.h"

bool
rclock_jump(struct rclock *c, uint64_t t, uint64_t serial,
    uint64_t *ret_since_ms)
{
	uint64_t d;

	if (c->now_ms == 0) {
		/* The first record sets it. */
		c->now_ms = t;
		return false;
	}
	if (c->jump_ms == 0) {
		c->jump_ms = t;
		c->jump_serial = serial;
		return false;
	}
	if (serial == c->jump_serial)
		return false;
	d = t > c->jump_ms ? t - c->jump_ms : c->jump_ms - t;
	if (d > c->max_jump_ms) {
		/* Further still, or back: this one is the jump to confirm. */
		c->jump_ms = t;
		c->jump_serial = serial;
		return false;
	}
	*ret_since_ms = t < c->jump_ms ? t : c->jump_ms;
	c->now_ms = t > c->jump_ms ? t : c->jump_ms;
	c->jump_ms = 0;
	return true;
}
