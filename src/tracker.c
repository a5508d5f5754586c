/*
 * tracker.c: serial gap detection over a sliding bitmap window.
 *
 * DESIGN: the window covers (last - window, last]. When `last` advances,
 * the serials that slide out of the window unseen are the missed ones; a
 * jump larger than the window is counted arithmetically, never by
 * inserting one entry per missing serial (pauditd's O(gap) map). The
 * seen bits are indexed by serial % window, in chunks made when a serial
 * in them is seen; settling reads them a word (or a missing chunk) at a
 * time and marks nothing: `settled` says which serials were counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracker.h"

/*
 * The bitmap is cut in chunks of CHUNK_BITS serials (512 bytes), made
 * when a serial in them is first seen: a chunk not there holds serials
 * none of which was seen. A replay of thousands of hosts, each with a
 * large window and a few serials far apart, once took the whole window
 * per host (128 KiB at the largest, cleared by every jump): 630 MB.
 */
#define CHUNK_SHIFT	12
#define CHUNK_BITS	(1ull << CHUNK_SHIFT)
#define CHUNK_WORDS	(CHUNK_BITS / 64)

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
	t->nchunks = (t->window + CHUNK_BITS - 1) >> CHUNK_SHIFT;
	t->chunk_words = t->window < CHUNK_BITS ? (t->window + 63) / 64 :
	    CHUNK_WORDS;
	t->chunks = calloc(t->nchunks, sizeof(*t->chunks));
	if (t->chunks == NULL)
		return -ENOMEM;
	if (cb != NULL)
		t->cb = *cb;
	return 0;
}

/* Every chunk gone: no serial of the window seen. */
static void
clear_all(struct tracker *t)
{
	uint64_t c;

	for (c = 0; c < t->nchunks; c++) {
		free(t->chunks[c]);
		t->chunks[c] = NULL;
	}
}

void
tracker_fini(struct tracker *t)
{
	if (t->chunks != NULL)
		clear_all(t);
	free(t->chunks);
	t->chunks = NULL;
}

/* The word of ring index i, NULL when its chunk is not there. */
static uint64_t *
word_of(const struct tracker *t, uint64_t i)
{
	uint64_t *c = t->chunks[i >> CHUNK_SHIFT];

	return c == NULL ? NULL : &c[(i >> 6) & (CHUNK_WORDS - 1)];
}

static bool
bit_get(const struct tracker *t, uint64_t s)
{
	uint64_t i = s % t->window, *w = word_of(t, i);

	return w != NULL && (*w & (1ull << (i & 63)));
}

/*
 * Mark ring index i seen, making its chunk. Without memory for it the
 * serial stays unseen: counted missed later, wrongly, but only when
 * memory is exhausted.
 */
static void
index_put(struct tracker *t, uint64_t i)
{
	uint64_t **c = &t->chunks[i >> CHUNK_SHIFT];

	if (*c == NULL && (*c = calloc(t->chunk_words, sizeof(**c))) == NULL)
		return;
	(*c)[(i >> 6) & (CHUNK_WORDS - 1)] |= 1ull << (i & 63);
}

static void
bit_put(struct tracker *t, uint64_t s)
{
	index_put(t, s % t->window);
}

/* How many of the n serials from ring index i share its chunk. */
static uint64_t
piece(const struct tracker *t, uint64_t i, uint64_t n)
{
	uint64_t end = ((i >> CHUNK_SHIFT) + 1) << CHUNK_SHIFT;

	if (end > t->window)
		end = t->window;
	return end - i < n ? end - i : n;
}

/*
 * The bits of the word of ring index i from i on, at most k of them:
 * their mask, and how many (*ret_len).
 */
static uint64_t
word_span(uint64_t i, uint64_t k, uint64_t *ret_len)
{
	uint64_t off = i & 63, len = 64 - off < k ? 64 - off : k;

	*ret_len = len;
	return (len == 64 ? ~0ull : (1ull << len) - 1) << off;
}

/* The next ring index after the k from i. */
static uint64_t
ring_add(const struct tracker *t, uint64_t i, uint64_t k)
{
	i += k;
	return i >= t->window ? i - t->window : i;
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

/* Unseen serials found in order, reported a whole run at a time. */
struct run {
	uint64_t	start, n, current;
};

static void
run_add(struct tracker *t, struct run *r, uint64_t x, uint64_t n)
{
	if (r->n > 0 && r->start + r->n == x) {
		r->n += n;
		return;
	}
	report_missed(t, r->start, r->n, r->current);
	r->start = x;
	r->n = n;
}

static void
run_end(struct tracker *t, struct run *r)
{
	report_missed(t, r->start, r->n, r->current);
	r->n = 0;
}

/* The unseen of the k serials from x, at ring index i of chunk c. */
static void
scan_chunk(struct tracker *t, const uint64_t *c, uint64_t i, uint64_t x,
    uint64_t k, struct run *r)
{
	uint64_t len, m, seen, j;

	while (k > 0) {
		m = word_span(i, k, &len);
		seen = c[(i >> 6) & (CHUNK_WORDS - 1)] & m;
		if (seen == 0) {
			run_add(t, r, x, len);
		} else if (seen != m) {
			for (j = 0; j < len; j++)
				if (!(seen & (1ull << ((i & 63) + j))))
					run_add(t, r, x + j, 1);
		}
		i += len;
		x += len;	/* wraps past UINT64_MAX only when done */
		k -= len;
	}
}

/*
 * Add the unseen serials of [a, b] (b - a < window) to r: a word at a
 * time, a chunk not there at once.
 */
static void
scan(struct tracker *t, uint64_t a, uint64_t b, struct run *r)
{
	uint64_t n = b - a + 1, i = a % t->window, k;
	const uint64_t *c;

	while (n > 0) {
		k = piece(t, i, n);
		if ((c = t->chunks[i >> CHUNK_SHIFT]) == NULL)
			run_add(t, r, a, k);
		else
			scan_chunk(t, c, i, a, k, r);
		a += k;
		n -= k;
		i = ring_add(t, i, k);
	}
}

/* Unmark the serials [a, b] (b - a < window); a chunk they fill is freed. */
static void
clear(struct tracker *t, uint64_t a, uint64_t b)
{
	uint64_t n = b - a + 1, i = a % t->window, k, done, len, m;
	uint64_t **c;

	while (n > 0) {
		k = piece(t, i, n);
		c = &t->chunks[i >> CHUNK_SHIFT];
		if (*c != NULL && (i & (CHUNK_BITS - 1)) == 0 &&
		    k == piece(t, i, CHUNK_BITS)) {
			free(*c);
			*c = NULL;
		} else if (*c != NULL) {
			for (done = 0; done < k; done += len) {
				m = word_span(i + done, k - done, &len);
				(*c)[((i + done) >> 6) & (CHUNK_WORDS - 1)] &= ~m;
			}
		}
		n -= k;
		i = ring_add(t, i, k);
	}
}

/* Advance `last` to s > last (so last + 1 does not wrap, even at the top). */
static void
advance(struct tracker *t, uint64_t s)
{
	uint64_t w = t->window, x;
	uint64_t lo_old = t->last >= w ? t->last - w + 1 : 1;	/* oldest in window */
	uint64_t lo_new = s >= w ? s - w + 1 : 1;
	struct run r = { .current = s };

	/* Before the first serial seen (never ours to track), or settled. */
	if (lo_old < t->floor)
		lo_old = t->floor;
	/* Serials in [lo_old, lo_new) leave the window. */
	if (lo_old < lo_new && lo_old <= t->last)
		scan(t, lo_old, lo_new - 1 < t->last ? lo_new - 1 : t->last, &r);
	/* Serials never seen that are already out of the new window. */
	if (lo_new > t->last + 1)
		run_add(t, &r, t->last + 1, lo_new - (t->last + 1));
	run_end(t, &r);
	/*
	 * New serials (last, s) enter the window unseen; the caller sets s.
	 * Stopping before s keeps x from wrapping when s is UINT64_MAX.
	 */
	x = t->last + 1 > lo_new ? t->last + 1 : lo_new;
	if (s - x >= w)
		clear_all(t);
	else if (x < s)
		clear(t, x, s - 1);
	set_last(t, s);
}

/* see_next's serial, whose chunk is not there. */
static __attribute__((noinline)) void
see_next_chunk(struct tracker *t, uint64_t s, uint64_t i)
{
	if (s > t->window && s - t->window >= t->floor)
		report_missed(t, s - t->window, 1, s);
	index_put(t, i);
	t->last = s;
	t->last_bit = i;
}

/*
 * The serial after `last`: the only serial that leaves the window is
 * s - window, which shares its bit with s, so one bit decides both.
 */
static void
see_next(struct tracker *t, uint64_t s)
{
	uint64_t i = t->last_bit + 1 == t->window ? 0 : t->last_bit + 1;
	uint64_t m = 1ull << (i & 63), *w = word_of(t, i);

	if (__builtin_expect(w == NULL, 0)) {
		see_next_chunk(t, s, i);
		return;
	}
	if (s > t->window && s - t->window >= t->floor && !(*w & m))
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
	clear_all(t);
	t->first = s;
	t->floor = s;
	t->settled = 0;
	t->mark = 0;
	set_last(t, s);
	bit_put(t, s);
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
		bit_put(t, a);
	}
	advance(t, b);
	bit_put(t, b);
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
		t->floor = s;
		set_last(t, s);
		bit_put(t, s);
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
		bit_put(t, s);
		return;
	}
	lag = t->last - s;
	if (lag < t->window) {
		/* Another record of a seen serial, or a serial settled. */
		if ((s >= t->first && s <= t->settled) || bit_get(t, s))
			return;
		bit_put(t, s);
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
	struct run r = { .current = t->last };
	uint64_t lo;

	if (t->last == 0 || upto == 0)
		return;
	if (upto > t->last)
		upto = t->last;
	if (upto <= t->settled)
		return;
	/*
	 * The window, from the serial after the last one settled: at most
	 * `window` serials, however far apart the serials seen are, a word
	 * or a chunk not there at a time.
	 */
	lo = t->last >= t->window ? t->last - t->window + 1 : 1;
	if (lo < t->floor)
		lo = t->floor;
	if (lo <= upto)
		scan(t, lo, upto, &r);
	run_end(t, &r);
	/*
	 * Nothing is marked: a serial up to `settled` that arrives now is
	 * neither late nor counted again (see_other), and none of them is
	 * counted when it leaves the window (floor).
	 */
	t->settled = upto;
	if (upto >= t->floor)
		t->floor = upto == UINT64_MAX ? upto : upto + 1;
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
