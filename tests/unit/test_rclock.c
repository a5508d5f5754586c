/*
 * test_rclock.c: the replay's clock (rclock.h): records in range move it,
 * a jump past max_jump_ms moves it only when a record of another serial
 * confirms it (within max_jump_ms of it, or further ahead still), and a
 * record back in range forgets the jump.
 */
#include "harness.h"
#include "../../src/rclock.h"

#define J	2000	/* max_jump_ms, events.timeout's default */

TEST(records_in_range_move_it)
{
	struct rclock c;
	uint64_t since = 0;

	rclock_init(&c, J);
	/* The first record sets it, however far from 0. */
	ASSERT(!rclock_see(&c, 1700000000000ull, 1, &since));
	ASSERT_EQ(c.now_ms, 1700000000000ull);
	ASSERT(!rclock_see(&c, 1700000001500ull, 2, &since));
	ASSERT_EQ(c.now_ms, 1700000001500ull);
	/* Back in time: never backwards. */
	ASSERT(!rclock_see(&c, 1699999999000ull, 3, &since));
	ASSERT_EQ(c.now_ms, 1700000001500ull);
	/* Exactly max_jump_ms ahead is in range. */
	ASSERT(!rclock_see(&c, 1700000003500ull, 4, &since));
	ASSERT_EQ(c.now_ms, 1700000003500ull);
	ASSERT_EQ(since, 0);
}

TEST(one_record_far_ahead_is_not_taken)
{
	struct rclock c;
	uint64_t since = 0;

	rclock_init(&c, J);
	rclock_see(&c, 1000000, 10, &since);
	ASSERT(!rclock_see(&c, 9000000000ull, 11, &since));
	ASSERT_EQ(c.now_ms, 1000000);
	/* Its event's own records do not confirm it. */
	ASSERT(!rclock_see(&c, 9000000000ull, 11, &since));
	ASSERT_EQ(c.now_ms, 1000000);
	/* A record back in range forgets it... */
	ASSERT(!rclock_see(&c, 1000001, 10, &since));
	ASSERT_EQ(c.now_ms, 1000001);
	ASSERT_EQ(c.jump_ms, 0);
	/* ...so that another far record starts over. */
	ASSERT(!rclock_see(&c, 9000000500ull, 12, &since));
	ASSERT_EQ(c.now_ms, 1000001);
	ASSERT_EQ(since, 0);
}

TEST(a_gap_confirmed_by_another_serial)
{
	struct rclock c;
	uint64_t since = 0;

	rclock_init(&c, J);
	rclock_see(&c, 1000000, 10, &since);
	ASSERT(!rclock_see(&c, 5000000, 11, &since));
	ASSERT(!rclock_see(&c, 5000000, 11, &since));
	/* Another event, a little earlier than the first after the gap. */
	ASSERT(rclock_see(&c, 4999500, 12, &since));
	ASSERT_EQ(since, 4999500);
	ASSERT_EQ(c.now_ms, 5000000);
	ASSERT_EQ(c.jump_ms, 0);
	/* And on in range from there. */
	ASSERT(!rclock_see(&c, 5000100, 13, &since));
	ASSERT_EQ(c.now_ms, 5000100);
}

TEST(a_jump_back_replaces_the_first)
{
	struct rclock c;
	uint64_t since = 0;

	rclock_init(&c, J);
	rclock_see(&c, 1000000, 10, &since);
	ASSERT(!rclock_see(&c, 9000000, 11, &since));
	/* Another serial, far back from the jump, still far ahead: the new candidate. */
	ASSERT(!rclock_see(&c, 5000000, 12, &since));
	ASSERT_EQ(c.now_ms, 1000000);
	ASSERT_EQ(c.jump_ms, 5000000);
	ASSERT(rclock_see(&c, 5001000, 13, &since));
	ASSERT_EQ(since, 5000000);
	ASSERT_EQ(c.now_ms, 5001000);
}

TEST(a_further_jump_confirms_the_first)
{
	struct rclock c;
	uint64_t since = 0;

	rclock_init(&c, J);
	rclock_see(&c, 1000000, 10, &since);
	ASSERT(!rclock_see(&c, 5000000, 11, &since));
	/* Time went on past it: the first holds, this one waits. */
	ASSERT(rclock_see(&c, 9000000, 12, &since));
	ASSERT_EQ(since, 5000000);
	ASSERT_EQ(c.now_ms, 5000000);
	ASSERT_EQ(c.jump_ms, 9000000);
	ASSERT(rclock_see(&c, 9001000, 13, &since));
	ASSERT_EQ(since, 9000000);
	ASSERT_EQ(c.now_ms, 9001000);
}

/*
 * An event every 5 s of log time (a quiet host), events.timeout 2 s: the
 * clock follows one event behind, so that an event without its closing
 * record times out at the next but one, not at the end of the log.
 */
TEST(a_sparse_log_moves_it)
{
	struct rclock c;
	uint64_t since = 0, t, s;

	rclock_init(&c, J);
	rclock_see(&c, 1000000, 1, &since);
	ASSERT(!rclock_see(&c, 1005000, 2, &since));
	for (t = 1010000, s = 3; t < 1100000; t += 5000, s++) {
		ASSERT(rclock_see(&c, t, s, &since));
		ASSERT_EQ(c.now_ms, t - 5000);
		ASSERT_EQ(since, t - 5000);
	}
}

TEST_MAIN(T(records_in_range_move_it), T(one_record_far_ahead_is_not_taken),
    T(a_gap_confirmed_by_another_serial), T(a_jump_back_replaces_the_first),
    T(a_further_jump_confirms_the_first), T(a_sparse_log_moves_it))
