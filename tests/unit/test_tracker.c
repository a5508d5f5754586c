/*
 * test_tracker.c: message tracking (tracker.h): gaps declared missed only
 * once the window has passed them, late arrivals inside the window, huge
 * jumps counted arithmetically, far-backwards resets, duplicates.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "../../src/pauditd.h"
#include "../../src/tracker.h"

struct calls {
	int		missed_calls, late_calls, reset_calls;
	uint64_t	missed_first, missed_n, missed_cur, missed_total;
	uint64_t	late_serial, late_lag, late_worst;
	uint64_t	reset_last, reset_serial, reset_missed;
	int		unconfirmed_calls;
	uint64_t	unconfirmed_last, unconfirmed_serial;
};

static void
cb_missed(void *arg, uint64_t first, uint64_t n, uint64_t current)
{
	struct calls *c = arg;

	c->missed_calls++;
	c->missed_first = first;
	c->missed_n = n;
	c->missed_cur = current;
	c->missed_total += n;
}

static void
cb_late(void *arg, uint64_t serial, uint64_t lag, uint64_t worst)
{
	struct calls *c = arg;

	c->late_calls++;
	c->late_serial = serial;
	c->late_lag = lag;
	c->late_worst = worst;
}

static void
cb_reset(void *arg, uint64_t last, uint64_t serial)
{
	struct calls *c = arg;

	c->reset_calls++;
	c->reset_last = last;
	c->reset_serial = serial;
	c->reset_missed = c->missed_total;
}

static void
cb_unconfirmed(void *arg, uint64_t last, uint64_t serial)
{
	struct calls *c = arg;

	c->unconfirmed_calls++;
	c->unconfirmed_last = last;
	c->unconfirmed_serial = serial;
}

static int
init(struct tracker *t, struct calls *c, uint64_t window)
{
	struct tracker_cb cb = {
		.missed = cb_missed, .late = cb_late, .reset = cb_reset,
		.unconfirmed = cb_unconfirmed, .arg = c,
	};

	memset(c, 0, sizeof(*c));
	return tracker_init(t, window, &cb);
}

/* See every serial of [from, to], in order. */
static void
see_range(struct tracker *t, uint64_t from, uint64_t to)
{
	uint64_t s;

	for (s = from; s <= to; s++)
		tracker_see(t, s);
}

TEST(no_loss_in_order)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 500), 0);
	for (s = 1000; s < 11000; s++)
		tracker_see(&t, s);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(t.last, 10999);
	ASSERT_EQ(c.missed_calls + c.late_calls + c.reset_calls, 0);
	tracker_fini(&t);
	ASSERT(t.chunks == NULL);
}

TEST(serial_zero_ignored)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 10), 0);
	tracker_see(&t, 0);
	ASSERT_EQ(t.last, 0);
	tracker_see(&t, 5);
	tracker_see(&t, 0);
	ASSERT_EQ(t.last, 5);
	ASSERT_EQ(t.missed + t.late, 0);
	tracker_fini(&t);
}

TEST(window_clamped)
{
	struct tracker t;
	struct calls c;

	/* The window holds max_out_of_order + 1 serials, as pauditd counts. */
	ASSERT_EQ(init(&t, &c, 0), 0);
	ASSERT_EQ(t.window, 2);
	tracker_fini(&t);
	ASSERT_EQ(init(&t, &c, 1ull << 40), 0);
	ASSERT_EQ(t.window, TRACKER_WINDOW_MAX + 1);
	tracker_fini(&t);
}

TEST(gap_declared_missed_after_window)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 5), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 2);
	/* 3 is missing; 4..7 are four later serials: not yet missed. */
	see_range(&t, 4, 7);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(c.missed_calls, 0);
	/* Well past the window: missed, once, with the current serial. */
	see_range(&t, 8, 20);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_calls, 1);
	ASSERT_EQ(c.missed_first, 3);
	ASSERT_EQ(c.missed_n, 1);
	ASSERT(c.missed_cur == 8 || c.missed_cur == 9);
	ASSERT_EQ(t.late, 0);
	tracker_fini(&t);
}

TEST(gap_run_reported_as_one_range)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 4), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 2);
	tracker_see(&t, 6);	/* 3, 4, 5 missing */
	see_range(&t, 7, 30);
	tracker_fini(&t);
	ASSERT_EQ(t.missed, 3);
	ASSERT_EQ(c.missed_total, 3);
	/* Each serial is reported as it leaves the window. */
	ASSERT(c.missed_calls >= 1 && c.missed_calls <= 3);
	ASSERT_EQ(c.missed_first + c.missed_n - 1, 5);
}

TEST(late_arrival_within_window)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 3);
	tracker_see(&t, 2);
	ASSERT_EQ(t.late, 1);
	ASSERT_EQ(c.late_calls, 1);
	ASSERT_EQ(c.late_serial, 2);
	ASSERT_EQ(c.late_lag, 1);
	ASSERT_EQ(c.late_worst, 1);
	/* A later, longer lag raises the worst lag. */
	see_range(&t, 5, 100);
	tracker_see(&t, 4);
	ASSERT_EQ(c.late_calls, 2);
	ASSERT_EQ(c.late_lag, 96);
	ASSERT_EQ(c.late_worst, 96);
	ASSERT_EQ(t.worst_lag, 96);
	/* A shorter one keeps it. */
	tracker_see(&t, 102);
	tracker_see(&t, 101);
	ASSERT_EQ(c.late_lag, 1);
	ASSERT_EQ(c.late_worst, 96);
	/* None of them is a loss, even long after. */
	see_range(&t, 103, 2000);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(c.missed_calls, 0);
	ASSERT_EQ(t.late, 3);
	tracker_fini(&t);
}

TEST(huge_jump_counted_arithmetically)
{
	struct tracker t;
	struct calls c;
	uint64_t big = 1000000000ull;

	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_see(&t, 1);
	tracker_see(&t, big);
	/* Far ahead: counted once the next serial confirms it. */
	ASSERT_EQ(t.missed, 0);
	tracker_see(&t, big + 1);	/* must not loop over the gap */
	ASSERT(t.missed <= big - 2);
	ASSERT(t.missed >= big - 2 - 500);
	ASSERT_EQ(c.missed_total, t.missed);
	/* 2 .. big - 501 as one run, then big - 500 leaving the window. */
	ASSERT_EQ(c.missed_calls, 2);
	see_range(&t, big + 2, big + 600);
	ASSERT(t.missed == big - 2);
	ASSERT(c.missed_total == big - 2);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(c.reset_calls, 0);
	/* A second jump of the same size, confirmed by the next serial. */
	tracker_see(&t, 3 * big);
	tracker_see(&t, 3 * big + 1);
	tracker_see(&t, 3 * big + 1000);
	tracker_fini(&t);
	/*
	 * (big+600, 3big+1000) minus 3big and 3big+1, minus the 500 still
	 * in the window.
	 */
	ASSERT(t.missed == big - 2 + 2 * big - 103);
}

TEST(far_backwards_serial_resets)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 500), 0);
	for (s = 100000000; s < 100000010; s++)
		tracker_see(&t, s);
	tracker_see(&t, 1);
	/* Held until the next new serial says it is a new range. */
	ASSERT_EQ(c.reset_calls, 0);
	tracker_see(&t, 1);		/* its event's next record */
	ASSERT_EQ(c.reset_calls, 0);
	tracker_see(&t, 2);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(c.reset_last, 100000009);
	ASSERT_EQ(c.reset_serial, 1);
	ASSERT_EQ(t.last, 2);
	/* Tracking goes on from the new start: no losses, no late ones. */
	see_range(&t, 3, 2000);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(t.late, 0);
	/* And finds gaps again. */
	tracker_see(&t, 2002);
	see_range(&t, 2003, 3000);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_first, 2001);
	tracker_fini(&t);
}

/*
 * Regression: a restart cleared the window without counting its gaps:
 * 100001, 100002, 100004, 100005, then a new boot's 1, 2, 3 counted
 * nothing missed, where the same log without the reboot counts 100003.
 * The old range is settled first, before the reset is reported.
 */
TEST(restart_counts_open_gaps)
{
	static const uint64_t old1[] = { 100001, 100002, 100004, 100005 };
	static const uint64_t old2[] = { 4294967290ull, 4294967291ull,
	    4294967293ull, 4294967294ull, 4294967295ull };
	struct tracker t;
	struct calls c;
	size_t k;

	ASSERT_EQ(init(&t, &c, 500), 0);
	for (k = 0; k < nitems(old1); k++)
		tracker_see(&t, old1[k]);
	see_range(&t, 1, 3);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(c.reset_missed, 1);
	ASSERT_EQ(c.missed_first, 100003);
	ASSERT_EQ(c.missed_cur, 100005);
	/* The new range's own gaps are found; the old one's not again. */
	tracker_see(&t, 5);
	tracker_settle(&t, t.last);
	ASSERT_EQ(t.missed, 2);
	ASSERT_EQ(c.missed_first, 4);
	tracker_fini(&t);

	ASSERT_EQ(init(&t, &c, 500), 0);
	for (k = 0; k < nitems(old2); k++)
		tracker_see(&t, old2[k]);
	see_range(&t, 1, 3);
	tracker_settle(&t, t.last);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(t.missed, 1);
	ASSERT(c.missed_first == 4294967292ull);
	tracker_fini(&t);

	/* A restart more than 2^32 ahead settles the old range too. */
	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 1, 4);
	see_range(&t, 6, 9);
	tracker_see(&t, 1ull << 40);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(c.reset_missed, 1);
	ASSERT_EQ(c.missed_first, 5);
	tracker_fini(&t);
}

/*
 * Regression: one record far behind (a USER_LOGIN of serial 5 amid
 * 10000000..10000020) restarted tracking at once; 10000011 was then a
 * jump that 10000012 confirmed: 10000005 serials counted missed. A far
 * serial behind now waits, as one ahead does, for the next new serial:
 * near it, a new range starts (a reboot, in either order); else it is a
 * stray, neither missed nor late.
 */
TEST(far_behind_stray_not_counted)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 10000000, 10000010);
	tracker_see(&t, 5);
	tracker_see(&t, 5);
	see_range(&t, 10000011, 10000020);
	/* Another stray, and one more not near it: neither confirms. */
	tracker_see(&t, 7);
	tracker_see(&t, 900);
	see_range(&t, 10000021, 10000030);
	tracker_settle(&t, t.last);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(c.reset_calls, 0);
	/* A reboot whose first two serials come in reverse order. */
	tracker_see(&t, 4);
	tracker_see(&t, 3);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(c.reset_serial, 3);
	ASSERT_EQ(c.reset_last, 10000030);
	ASSERT_EQ(t.last, 4);
	ASSERT_EQ(t.first, 3);
	tracker_see(&t, 6);		/* 5 is missing in the new range */
	see_range(&t, 7, 1000);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_first, 5);
	tracker_fini(&t);
}

TEST(duplicates_are_not_late)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 100), 0);
	/* Several records per serial, the way an event arrives. */
	for (s = 1; s <= 300; s++) {
		tracker_see(&t, s);
		tracker_see(&t, s);
		tracker_see(&t, s);
	}
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(t.missed, 0);
	/* Interleaved events: a record of a recent serial again. */
	tracker_see(&t, 290);
	tracker_see(&t, 301);
	tracker_see(&t, 299);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(c.late_calls, 0);
	/* A late serial's second record is not a second late arrival. */
	tracker_see(&t, 303);
	tracker_see(&t, 302);
	tracker_see(&t, 302);
	ASSERT_EQ(t.late, 1);
	ASSERT_EQ(c.late_calls, 1);
	tracker_fini(&t);
}

TEST(first_serial_starts_tracking)
{
	struct tracker t;
	struct calls c;

	/* A replay starting mid-stream: nothing before 5000 is missed. */
	ASSERT_EQ(init(&t, &c, 10), 0);
	see_range(&t, 5000, 5100);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(c.missed_calls, 0);
	tracker_fini(&t);
}

/*
 * As pauditd (Go detectMissing): Go declares serial x lost
 * only when a serial > x + max_out_of_order arrives ("seq - missedSeq >
 * maxOutOfOrder"), so a serial arriving with lag == max_out_of_order is
 * still a late arrival. tracker.c declares it missed one serial earlier
 * (at x + window), then counts the arrival through the "declared missed
 * already" branch.
 */
TEST(go_window_is_inclusive)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 5), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 2);
	for (s = 4; s <= 8; s++)	/* 8 - 3 == max_out_of_order */
		tracker_see(&t, s);
	tracker_see(&t, 3);		/* lag 5: late, not lost */
	tracker_fini(&t);
	ASSERT_EQ(c.missed_calls, 0);
	ASSERT_EQ(c.late_calls, 1);
	ASSERT_EQ(c.late_lag, 5);
	ASSERT_EQ(t.missed, 0);
}

/*
 * Regression (tracker.c once took every serial behind the window):
 * any serial behind the window is taken for a late arrival of a serial
 * declared missed, even one that was seen on time (another record of an
 * old event) or never declared missed: `missed` is decremented (without
 * the metric that on_missed fed being corrected) and `late` counted,
 * with no late callback.
 */
TEST(old_duplicate_keeps_missed_count)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 10), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 3);		/* 2 missing */
	see_range(&t, 4, 50);
	tracker_see(&t, 20);		/* seen on time, 30 serials ago */
	tracker_fini(&t);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(t.late, 0);
}

/*
 * Regression: "far behind the window" once is a fixed
 * 4 * TRACKER_WINDOW_MAX (4194304) serials whatever the window. After a
 * reboot (or two boots in one replayed log) with the previous boot
 * below ~4.2M serials, the new boot's serials are counted as late
 * arrivals one by one (and decrement `missed`) instead of restarting
 * tracking, and gaps in the new boot go undetected until its serials
 * pass the old boot's last one.
 */
TEST(reboot_below_4m_serials_resets)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 500), 0);
	for (s = 2000000; s < 2000010; s++)
		tracker_see(&t, s);
	tracker_see(&t, 1);		/* the new boot */
	see_range(&t, 2, 100);
	tracker_fini(&t);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(t.late, 0);
}

/*
 * The window holds max_out_of_order + 1 serials: with 64, 512 or the
 * maximum, the bitmap needs one more word than max_out_of_order alone
 * (a heap overflow found here, fixed in tracker_init). Every serial of
 * the window is touched, and a jump clears it all.
 */
TEST(window_sizes_multiple_of_64)
{
	static const uint64_t sizes[] = { 1, 63, 64, 65, 128, 500, 512,
	    TRACKER_WINDOW_MAX };
	struct tracker t;
	struct calls c;
	uint64_t s, w;
	size_t k;
	int bad = 0;

	for (k = 0; k < nitems(sizes); k++) {
		w = sizes[k];
		if (init(&t, &c, w) != 0)
			return;
		s = w < 4096 ? 3 * w + 10 : 4096;
		see_range(&t, 1, s);
		s++;
		tracker_see(&t, s + 2 * w + 5);		/* a gap, then a jump */
		tracker_see(&t, s + 4 * w + 10);
		if (t.missed == 0)
			bad++;
		tracker_fini(&t);
	}
	ASSERT_EQ(bad, 0);
}

/* The next serial's shortcut must report what the general path would. */
TEST(next_serial_reports_gap_at_window)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, 4), 0);
	for (s = 100; s <= 108; s++)
		if (s != 104)
			tracker_see(&t, s);
	/* 104 + 4 = 108: not yet missed; 109 passes it. */
	ASSERT_EQ(t.missed, 0);
	tracker_see(&t, 109);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_calls, 1);
	ASSERT_EQ(c.missed_first, 104);
	ASSERT_EQ(c.missed_n, 1);
	ASSERT_EQ(c.missed_cur, 109);
	/* The serials before the first one seen are not missed. */
	ASSERT_EQ(t.first, 100);
	/* Late within the window, then in order again: no second report. */
	tracker_see(&t, 111);
	tracker_see(&t, 110);
	ASSERT_EQ(t.late, 1);
	for (s = 112; s < 200; s++)
		tracker_see(&t, s);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(t.last, 199);
	tracker_fini(&t);
}

/*
 * The kernel's serials are 32-bit: a jump further ahead is another log
 * or a corrupt line, and restarts tracking instead of counting 2^32 and
 * more serials missed; a jump within 32 bits is still counted.
 */
TEST(jump_past_32_bits_resets)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 1, 9);
	tracker_see(&t, UINT64_MAX);
	ASSERT_EQ(c.reset_calls, 1);
	ASSERT_EQ(c.reset_last, 9);
	ASSERT(c.reset_serial == UINT64_MAX);
	/* And back: far behind, a restart again; nothing counted missed. */
	see_range(&t, 10, 1000);
	ASSERT_EQ(c.reset_calls, 2);
	ASSERT_EQ(t.missed, 0);
	tracker_see(&t, 1000 + (uint64_t)UINT32_MAX + 1);
	ASSERT_EQ(c.reset_calls, 3);
	ASSERT_EQ(t.missed, 0);
	tracker_fini(&t);
	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 1 + (uint64_t)UINT32_MAX);
	ASSERT_EQ(c.reset_calls, 0);
	tracker_see(&t, 2 + (uint64_t)UINT32_MAX);
	tracker_see(&t, 2 + (uint64_t)UINT32_MAX + 500);
	/* 2 .. 2^32 - 1; the 500 after 2^32 are still in the window. */
	ASSERT_EQ(t.missed, (uint64_t)UINT32_MAX - 1);
	tracker_fini(&t);
}

/*
 * One serial far ahead (a corrupt line in a replay) and then the old
 * range going on: nothing counted missed for it. A real jump, confirmed
 * by the next event, is counted; a confirmation may come in either order.
 */
TEST(far_outlier_not_counted)
{
	struct tracker t;
	struct calls c;
	uint64_t far = 3000000000ull;

	ASSERT_EQ(init(&t, &c, 100), 0);
	see_range(&t, 1, 50);
	tracker_see(&t, far);
	tracker_see(&t, far);		/* its event's next record */
	see_range(&t, 51, 1000);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(t.last, 1000);
	/* A second outlier near the first, after the old range moved on. */
	tracker_see(&t, far + 1);
	see_range(&t, 1001, 2000);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(c.reset_calls, 0);
	/* A real gap: 1,000,000 serials lost, the stream goes on past it. */
	tracker_see(&t, 1002001);
	tracker_see(&t, 1002002);
	ASSERT_EQ(t.last, 1002002);
	see_range(&t, 1002003, 1002200);
	ASSERT_EQ(t.missed, 1000000);
	ASSERT_EQ(t.late, 0);
	/* Confirmed by a serial just before it: neither is late. */
	tracker_see(&t, 5000000);
	tracker_see(&t, 4999990);
	ASSERT_EQ(t.last, 5000000);
	ASSERT_EQ(t.late, 0);
	see_range(&t, 5000001, 5000200);
	ASSERT_EQ(t.missed, 1000000 + (4999990 - 1002201) + 9);
	tracker_fini(&t);
}

/* The parser accepts serial UINT64_MAX: reaching it must not hang. */
TEST(largest_serial)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 4), 0);
	tracker_see(&t, UINT64_MAX - 2);
	tracker_see(&t, UINT64_MAX);
	ASSERT_EQ(t.last, UINT64_MAX);
	tracker_see(&t, UINT64_MAX - 1);
	ASSERT_EQ(t.late, 1);
	tracker_see(&t, 0);
	ASSERT_EQ(t.last, UINT64_MAX);
	ASSERT_EQ(t.missed, 0);
	tracker_fini(&t);
}

/*
 * Regression: tracker_settle's `for (x = lo; x <= upto; x++)` never ended
 * with upto UINT64_MAX (x wrapped to 0 and went on, reporting "missed
 * 0-47" and then nothing for ever): a replay of one record of serial
 * 2^64-1 spun at its end. Settling there counts what is missing once and
 * stops; settling again counts nothing.
 */
TEST(settle_at_largest_serial)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_see(&t, UINT64_MAX);
	tracker_settle(&t, UINT64_MAX);
	ASSERT_EQ(t.missed, 0);
	ASSERT_EQ(c.missed_calls, 0);
	tracker_settle(&t, UINT64_MAX);
	ASSERT_EQ(t.missed, 0);
	tracker_fini(&t);

	ASSERT_EQ(init(&t, &c, 4), 0);
	tracker_see(&t, UINT64_MAX - 3);
	tracker_see(&t, UINT64_MAX - 1);
	tracker_see(&t, UINT64_MAX);
	tracker_settle(&t, UINT64_MAX - 1);
	ASSERT_EQ(t.missed, 1);
	ASSERT(c.missed_first == UINT64_MAX - 2);
	tracker_settle(&t, UINT64_MAX);
	tracker_settle(&t, UINT64_MAX);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_calls, 1);
	tracker_fini(&t);
	/* Gone past the window at the top: counted once, not again. */
	ASSERT_EQ(init(&t, &c, 4), 0);
	tracker_see(&t, UINT64_MAX - 20);
	tracker_see(&t, UINT64_MAX - 18);
	tracker_see(&t, UINT64_MAX);
	tracker_settle(&t, UINT64_MAX);
	ASSERT_EQ(t.missed, 1 + 17);
	ASSERT_EQ(c.missed_total, 18);
	tracker_fini(&t);
}

/*
 * Regression: a far jump still waiting for its confirmation at the end of
 * the input (1000..1010, then one event at 200000, then EOF) was neither
 * counted nor told. Whether its gap was lost cannot be known: tracker_end
 * tells it (cb.unconfirmed) and counts nothing for it, but settles the
 * rest; a stale jump (the old range went on) or one far behind is not
 * told.
 */
TEST(end_tells_unconfirmed_jump)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 1000, 1008);
	tracker_see(&t, 1010);		/* 1009 missing */
	tracker_see(&t, 200000);
	tracker_see(&t, 200000);
	tracker_end(&t);
	ASSERT_EQ(c.unconfirmed_calls, 1);
	ASSERT_EQ(c.unconfirmed_last, 1010);
	ASSERT_EQ(c.unconfirmed_serial, 200000);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_first, 1009);
	ASSERT_EQ(t.last, 1010);
	/* Told once: the jump is forgotten. */
	tracker_end(&t);
	ASSERT_EQ(c.unconfirmed_calls, 1);
	ASSERT_EQ(t.missed, 1);
	tracker_fini(&t);

	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 1000, 1010);
	tracker_see(&t, 200000);
	see_range(&t, 1011, 1020);	/* a stray: the old range went on */
	tracker_see(&t, 5);		/* far behind, not confirmed */
	tracker_end(&t);
	ASSERT_EQ(c.unconfirmed_calls, 0);
	ASSERT_EQ(c.reset_calls, 0);
	ASSERT_EQ(t.missed, 0);
	tracker_fini(&t);

	/* Nothing seen: nothing to tell. */
	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_end(&t);
	ASSERT_EQ(c.unconfirmed_calls + c.missed_calls, 0);
	tracker_fini(&t);
}

static uint64_t
chunks_made(const struct tracker *t)
{
	uint64_t c, n = 0;

	for (c = 0; c < t->nchunks; c++)
		n += t->chunks[c] != NULL;
	return n;
}

/*
 * Memory follows the serials seen: 4,096 hosts of a replay with
 * max_out_of_order 1048576, each with serial 1 and then 2000000, took
 * 128 KiB each (630 MB; the jump cleared the whole bitmap) and 37 s to
 * settle bit by bit at the end. A chunk is made when a serial in it is
 * seen and freed when a jump clears it; settling marks nothing and
 * counts a chunk not there at once.
 */
TEST(memory_follows_serials_seen)
{
	struct tracker t;
	struct calls c;
	uint64_t s;

	ASSERT_EQ(init(&t, &c, TRACKER_WINDOW_MAX), 0);
	ASSERT_EQ(t.nchunks, 257);
	ASSERT_EQ(chunks_made(&t), 0);
	tracker_see(&t, 1);
	tracker_see(&t, 2000000);
	ASSERT_EQ(chunks_made(&t), 1);
	ASSERT_EQ(t.missed, 2000000 - 1 - TRACKER_WINDOW_MAX - 1);
	tracker_end(&t);
	ASSERT_EQ(t.missed, 1999998);
	ASSERT_EQ(c.missed_calls, 2);
	ASSERT_EQ(chunks_made(&t), 1);
	/* Settled serials arriving now: not late, not counted again. */
	tracker_see(&t, 1999999);
	tracker_see(&t, 1500000);
	ASSERT_EQ(t.late, 0);
	ASSERT_EQ(chunks_made(&t), 1);
	for (s = 2000001; s <= 2000000 + 3 * 4096; s++)
		tracker_see(&t, s);
	ASSERT_EQ(chunks_made(&t), 4);
	ASSERT_EQ(t.missed, 1999998);
	tracker_fini(&t);

	/* A jump inside the window frees the chunks it clears whole. */
	ASSERT_EQ(init(&t, &c, 20000), 0);
	see_range(&t, 1, 20001);
	ASSERT_EQ(chunks_made(&t), 5);
	tracker_see(&t, 20001 + 15000);
	ASSERT(chunks_made(&t) <= 3);
	/* A late serial in a freed chunk: late, and not missed later. */
	tracker_see(&t, 30000);
	ASSERT_EQ(t.late, 1);
	tracker_settle(&t, t.last);
	ASSERT_EQ(t.missed, 15000 - 2);
	see_range(&t, 35002, 80000);
	ASSERT_EQ(t.missed, 15000 - 2);
	ASSERT_EQ(t.late, 1);
	tracker_fini(&t);
}

TEST(settle_counts_open_gaps_once)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	see_range(&t, 100, 110);
	tracker_see(&t, 114);
	tracker_see(&t, 116);
	/* 111-113 and 115 are open gaps the window would hold for long. */
	ASSERT_EQ(t.missed, 0);
	tracker_settle(&t, t.last);
	ASSERT_EQ(t.missed, 4);
	ASSERT_EQ(c.missed_calls, 2);
	ASSERT_EQ(c.missed_first, 115);
	ASSERT_EQ(c.missed_cur, 116);
	/* Arriving now: neither late nor a loss again. */
	tracker_see(&t, 112);
	ASSERT_EQ(t.late, 0);
	see_range(&t, 117, 2000);
	ASSERT_EQ(t.missed, 4);
	ASSERT_EQ(c.missed_total, 4);
	/* Nothing open: nothing to count. */
	tracker_settle(&t, t.last);
	ASSERT_EQ(t.missed, 4);
	tracker_fini(&t);
}

TEST(settle_up_to_a_mark)
{
	struct tracker t;
	struct calls c;

	ASSERT_EQ(init(&t, &c, 500), 0);
	tracker_settle(&t, 0);
	tracker_see(&t, 10);
	tracker_see(&t, 12);
	tracker_settle(&t, 0);
	ASSERT_EQ(t.missed, 0);
	/* Gaps above the mark stay open: they may yet come. */
	tracker_see(&t, 15);
	tracker_settle(&t, 12);
	ASSERT_EQ(t.missed, 1);
	ASSERT_EQ(c.missed_first, 11);
	tracker_see(&t, 13);
	ASSERT_EQ(t.late, 1);
	tracker_settle(&t, 15);
	ASSERT_EQ(t.missed, 2);
	ASSERT_EQ(c.missed_first, 14);
	/* A later window does not count what was settled. */
	see_range(&t, 16, 3000);
	ASSERT_EQ(t.missed, 2);
	tracker_fini(&t);
}

TEST_MAIN(T(settle_counts_open_gaps_once), T(settle_at_largest_serial), T(end_tells_unconfirmed_jump), T(memory_follows_serials_seen), T(settle_up_to_a_mark),
    T(far_outlier_not_counted), T(no_loss_in_order), T(serial_zero_ignored), T(window_clamped),
    T(gap_declared_missed_after_window), T(gap_run_reported_as_one_range),
    T(late_arrival_within_window), T(huge_jump_counted_arithmetically),
    T(far_backwards_serial_resets), T(restart_counts_open_gaps), T(far_behind_stray_not_counted), T(jump_past_32_bits_resets), T(duplicates_are_not_late),
    T(first_serial_starts_tracking), T(window_sizes_multiple_of_64),
    T(go_window_is_inclusive),
    T(old_duplicate_keeps_missed_count),
    T(reboot_below_4m_serials_resets),
    T(next_serial_reports_gap_at_window), T(largest_serial))
