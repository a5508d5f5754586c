/*
 * tracker.c: serial gap detection over a sliding bitmap window.
 *
 * DESIGN: the window covers (last - window, last]. When `last` advances,
 * the serials that slide out of the window unseen are the missed ones; a
 * jump larger than the window is counted arithmetically, never by
 * inserting one entry per missing serial (pauditd's O(gap) map).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

int
tracker_init(struct tracker *t, uint64_t window, const struct tracker_cb *cb)
{
	memset(t, 0, sizeof(*t));
	if (window < 1)
		window = 1;
	if (window > TRACKER_WINDOW_MAX)
		window = TRACKER_WINDOW_MAX;
	/*
	 * pauditd declares serial x missed once a serial greater than
	 * x + max_out_of_order arrives: the window holds max_out_of_order + 1
	 * serials. A serial further back than reset_lag is a new boot.
	 */
	t->window = window + 1;
	t->reset_lag = 4 * t->window > TRACKER_RESET_LAG ? 4 * t->window :
	    TRACKER_RESET_LAG;
	t->bits = calloc((t->window + 63) / 64, sizeof(uint64_t));
	if (t->bits == NULL)
		return -ENOMEM;
	if (cb != NULL)
		t->cb = *cb;
	return 0;
}

void
tracker_fini(struct tracker *t)
{
	free(t->bits);
	t->bits = NULL;
}

static bool
bit_get(const struct tracker *t, uint64_t s)
{
	uint64_t i = s % t->window;

	return t->bits[i / 64] & (1ull << (i % 64));
}

static void
bit_put(struct tracker *t, uint64_t s, bool v)
{
	uint64_t i = s % t->window;

	if (v)
		t->bits[i / 64] |= 1ull << (i % 64);
	else
		t->bits[i / 64] &= ~(1ull << (i % 64));
}

/*
 * Every move of `last` but see_next's, which steps last_bit on by a
 * compare: a division per event is ~40 cycles of latency.
 */
static void
set_last(struct tracker *t, uint64_t s)
{
	t->last = s;
	t->last_bit = s % t->window;
}

static void
report_missed(struct tracker *t, uint64_t first, uint64_t n, uint64_t current)
{
	if (n == 0)
		return;
	t->missed += n;
	if (t->cb.missed)
		t->cb.missed(t->cb.arg, first, n, current);
}

/* Advance `last` to s > last (so last + 1 does not wrap, even at the top). */
static void
advance(struct tracker *t, uint64_t s)
{
	uint64_t w = t->window, x, run_start = 0, run = 0;
	uint64_t lo_old = t->last >= w ? t->last - w + 1 : 1;	/* oldest in window */

	/* Serials before the first one seen were never ours to track. */
	if (lo_old < t->first)
		lo_old = t->first;
	uint64_t lo_new = s >= w ? s - w + 1 : 1;

	/* Serials in [lo_old, lo_new) leave the window. */
	for (x = lo_old; x < lo_new && x <= t->last; x++) {
		if (!bit_get(t, x)) {
			if (run == 0)
				run_start = x;
			run++;
		} else if (run > 0) {
			report_missed(t, run_start, run, s);
			run = 0;
		}
	}
	/* Serials never seen that are already out of the new window. */
	if (lo_new > t->last + 1) {
		uint64_t n = lo_new - (t->last + 1);

		if (run > 0 && run_start + run == t->last + 1) {
			run += n;
		} else {
			report_missed(t, run_start, run, s);
			run_start = t->last + 1;
			run = n;
		}
	}
	report_missed(t, run_start, run, s);
	/*
	 * New serials (last, s) enter the window unseen; the caller sets s.
	 * Stopping before s keeps x from wrapping when s is UINT64_MAX.
	 */
	x = t->last + 1 > lo_new ? t->last + 1 : lo_new;
	if (s - x >= w) {
		memset(t->bits, 0, ((w + 63) / 64) * sizeof(uint64_t));
	} else {
		for (; x < s; x++)
			bit_put(t, x, false);
	}
	set_last(t, s);
}

/*
 * The serial after `last`: the only serial that leaves the window is
 * s - window, which shares its bit with s, so one bit decides both.
 */
static void
see_next(struct tracker *t, uint64_t s)
{
	uint64_t i = t->last_bit + 1 == t->window ? 0 : t->last_bit + 1;
	uint64_t m = 1ull << (i % 64), *w = &t->bits[i / 64];

	if (s > t->window && s - t->window >= t->first && !(*w & m))
		report_missed(t, s - t->window, 1, s);
	*w |= m;
	t->last = s;
	t->last_bit = i;
}

/*
 * A new boot or another log: start over at s. The old range's serials
 * still missing will not come now (the window forgets them): they are
 * counted first, as at the end of the input.
 */
static void
restart(struct tracker *t, uint64_t s)
{
	tracker_settle(t, t->last);
	t->jump = 0;
	if (t->cb.reset)
		t->cb.reset(t->cb.arg, t->last, s);
	memset(t->bits, 0, ((t->window + 63) / 64) * sizeof(uint64_t));
	t->first = s;
	t->settled = 0;
	t->mark = 0;
	set_last(t, s);
	bit_put(t, s, true);
}

/*
 * A far serial, ahead or behind: hold it until the next new serial says
 * whether it starts a range of its own. Its own event's records do not
 * confirm it; noted again after the old range moved on, it is noted
 * with the new `last`.
 */
static void
note_jump(struct tracker *t, uint64_t s)
{
	if (s != t->jump || t->jump_last != t->last) {
		t->jump = s;
		t->jump_last = t->last;
	}
}

/*
 * Does s confirm the far serial noted: another serial, near it, with no
 * serial of the old range seen since?
 */
static bool
confirms(const struct tracker *t, uint64_t s)
{
	uint64_t j = t->jump;

	return j != 0 && s != j && t->jump_last == t->last &&
	    (s > j ? s - j : j - s) < t->window;
}

/*
 * Take the confirmed far serial and s, in serial order: neither is late.
 * Ahead, the serials between are a gap of the range; behind, a new range
 * (a reboot, another log) starts at the lower one.
 */
static void
take_jump(struct tracker *t, uint64_t s)
{
	uint64_t a = t->jump < s ? t->jump : s, b = t->jump < s ? s : t->jump;

	if (t->jump < t->last) {
		restart(t, a);
	} else {
		t->jump = 0;
		advance(t, a);
		bit_put(t, a, true);
	}
	advance(t, b);
	bit_put(t, b, true);
}

/* Every case but the two of tracker_see's fast path. */
static __attribute__((noinline)) void
see_other(struct tracker *t, uint64_t s)
{
	uint64_t lag;

	if (s == 0)
		return;
	if (t->last == 0) {
		t->first = s;
		set_last(t, s);
		bit_put(t, s, true);
		return;
	}
	if (confirms(t, s)) {
		take_jump(t, s);
		return;
	}
	if (s > t->last) {
		if (s - t->last > TRACKER_JUMP_MAX) {
			restart(t, s);
			return;
		}
		if (s - t->last > t->reset_lag) {
			note_jump(t, s);
			return;
		}
		advance(t, s);
		bit_put(t, s, true);
		return;
	}
	lag = t->last - s;
	if (lag < t->window) {
		if (bit_get(t, s))
			return;		/* another record of a seen serial */
		bit_put(t, s, true);
		t->late++;
		if (lag > t->worst_lag)
			t->worst_lag = lag;
		if (t->cb.late)
			t->cb.late(t->cb.arg, s, lag, t->worst_lag);
		return;
	}
	if (lag < t->reset_lag) {
		/*
		 * Behind the window: another record of an old event, or a
		 * serial already declared missed. Neither changes the count.
		 */
		return;
	}
	/*
	 * Far behind the window: a new boot or another log if the next new
	 * serial is near it, else one stray record (a line of another log
	 * pasted in, a corrupt serial), forgotten: restarting at once made
	 * the old range's next serial a jump that the one after confirmed,
	 * millions of serials counted missed.
	 */
	note_jump(t, s);
}

void
tracker_see(struct tracker *t, uint64_t s)
{
	/*
	 * The records of an event follow each other, and events mostly come
	 * in order: these two cases are nearly every call, and the others
	 * stay out of line so that they cost the callers nothing.
	 */
	if (s == t->last)
		return;
	/* last + 1 wraps to 0 at UINT64_MAX: see_other ignores serial 0. */
	if (s == t->last + 1 && s > 1) {
		see_next(t, s);
		return;
	}
	see_other(t, s);
}

void
tracker_settle(struct tracker *t, uint64_t upto)
{
	uint64_t lo, x, run_start = 0, run = 0;

	if (t->last == 0 || upto == 0)
		return;
	if (upto > t->last)
		upto = t->last;
	if (upto <= t->settled)
		return;
	/*
	 * The window, from the serial after the last one settled: at most
	 * `window` serials, however far apart the serials seen are.
	 */
	lo = t->last >= t->window ? t->last - t->window + 1 : 1;
	if (lo < t->first)
		lo = t->first;
	if (lo <= t->settled)
		lo = t->settled + 1;	/* settled < upto: no wrap */
	for (x = lo; x <= upto; x++) {
		if (bit_get(t, x)) {
			report_missed(t, run_start, run, t->last);
			run = 0;
		} else {
			/* Seen from now on: a late arrival is not a second count. */
			bit_put(t, x, true);
			if (run++ == 0)
				run_start = x;
		}
		if (x == UINT64_MAX)
			break;		/* x <= upto holds for ever there */
	}
	report_missed(t, run_start, run, t->last);
	t->settled = upto;
}

void
tracker_end(struct tracker *t)
{
	uint64_t j = t->jump;

	tracker_settle(t, t->last);
	if (j != 0 && j > t->last && t->jump_last == t->last &&
	    t->cb.unconfirmed)
		t->cb.unconfirmed(t->cb.arg, t->last, j);
	t->jump = 0;
}
