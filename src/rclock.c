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
	if (d > c->max_jump_ms && t < c->jump_ms) {
		/* Back, still ahead of the clock: this one is the jump to confirm. */
		c->jump_ms = t;
		c->jump_serial = serial;
		return false;
	}
	*ret_since_ms = t < c->jump_ms ? t : c->jump_ms;
	if (d > c->max_jump_ms) {
		/*
		 * Further still: time went on past the jump, which holds (a
		 * sparse log, an event every few seconds, would otherwise
		 * never move the clock), and this one is the next to confirm.
		 */
		c->now_ms = c->jump_ms;
		c->jump_ms = t;
		c->jump_serial = serial;
		return true;
	}
	c->now_ms = t > c->jump_ms ? t : c->jump_ms;
	c->jump_ms = 0;
	return true;
}
