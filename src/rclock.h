/*
 * rclock.h: the replay's clock.
 *
 * A replay's time is the records' own (auparse's way): events time out
 * when the log's time has moved on events.timeout past them, so that a
 * replay does not hold them for seconds of wall-clock time. The clock is
 * the latest record time seen. One record far ahead of the rest (a
 * corrupt line, a clock set wrong for a moment) must not move it: every
 * event in flight would time out at once, and the records still to come
 * for them would be dropped as late. So a jump of more than max_jump_ms
 * is taken only when a record of another serial confirms it, within
 * max_jump_ms of it or further ahead still (then the clock moves to the
 * jump, and the further one waits for its own confirmation); a record
 * back in range first drops it. The events
 * opened in the meantime (from *ret_since_ms of log time on) were given
 * their timeout from the old clock: the caller gives them a new one.
 */
#ifndef PAUDITD_RCLOCK_H
#define PAUDITD_RCLOCK_H

#include <stdbool.h>
#include <stdint.h>

struct rclock {
	uint64_t	now_ms;		/* 0 before the first record */
	uint64_t	max_jump_ms;
	uint64_t	jump_ms;	/* a jump not confirmed yet; 0: none */
	uint64_t	jump_serial;	/* the serial of its record */
};

static inline void
rclock_init(struct rclock *c, uint64_t max_jump_ms)
{
	*c = (struct rclock){ .max_jump_ms = max_jump_ms };
}

/* rclock_see's out of range case. */
bool rclock_jump(struct rclock *c, uint64_t t, uint64_t serial,
    uint64_t *ret_since_ms);

/*
 * A record's time `t`. True when it confirmed a jump: the clock moved to
 * t, and the events opened since *ret_since_ms (log time) want their
 * timeout from it. Inline for the usual record, in range.
 */
static inline bool
rclock_see(struct rclock *c, uint64_t t, uint64_t serial,
    uint64_t *ret_since_ms)
{
	if (__builtin_expect(t > c->now_ms + c->max_jump_ms, 0))
		return rclock_jump(c, t, serial, ret_since_ms);
	if (t > c->now_ms)
		c->now_ms = t;
	c->jump_ms = 0;
	return false;
}

#endif
