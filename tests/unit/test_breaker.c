/*
 * test_breaker.c: the circuit breaker with a synthetic clock.
 */
#include "../../src/output/breaker.h"
#include "harness.h"

static uint64_t fail_, total_;

static enum breaker_change
obs(struct breaker *b, uint64_t now, uint64_t ok, uint64_t fail, bool probe)
{
	return breaker_observe(b, now, ok, fail, probe, &fail_, &total_);
}

TEST(closed_until_enough_observations)
{
	struct breaker *b = breaker_new(0.05);
	bool probe;

	/* Ten failures are not more than BREAKER_MIN_OBS observations. */
	ASSERT_EQ(obs(b, 1000, 0, 10, false), BREAKER_SAME);
	ASSERT(!breaker_is_open(b));
	ASSERT_EQ(breaker_wait_ms(b, 1000, &probe), 0);
	ASSERT(!probe);
	ASSERT_EQ(obs(b, 1100, 0, 1, false), BREAKER_OPENED);
	ASSERT_EQ(fail_, 11);
	ASSERT_EQ(total_, 11);
	ASSERT(breaker_is_open(b));
	breaker_free(b);
}

TEST(ratio_decides)
{
	struct breaker *b = breaker_new(0.5);

	/* 5 failures of 20: 0.25 is not above 0.5. */
	ASSERT_EQ(obs(b, 1000, 15, 5, false), BREAKER_SAME);
	/* 20 of 40: 0.5 is not above 0.5 either. */
	ASSERT_EQ(obs(b, 1000, 5, 15, false), BREAKER_SAME);
	ASSERT_EQ(obs(b, 1000, 0, 1, false), BREAKER_OPENED);
	breaker_free(b);
}

TEST(window_forgets_old_seconds)
{
	struct breaker *b = breaker_new(0.05);

	ASSERT_EQ(obs(b, 1000, 0, 10, false), BREAKER_SAME);
	/* Six seconds later the old failures are out of the 5 s window. */
	ASSERT_EQ(obs(b, 7000, 0, 1, false), BREAKER_SAME);
	ASSERT(!breaker_is_open(b));
	breaker_free(b);
}

TEST(cooldown_then_one_probe)
{
	struct breaker *b = breaker_new(0.05);
	bool probe;

	ASSERT_EQ(obs(b, 1000, 0, 11, false), BREAKER_OPENED);
	ASSERT_EQ(breaker_wait_ms(b, 1000, &probe), BREAKER_COOLDOWN_MS);
	ASSERT(!probe);
	ASSERT_EQ(breaker_wait_ms(b, 1600, &probe), 400);
	/* After the cool-down exactly one worker gets the probe. */
	ASSERT_EQ(breaker_wait_ms(b, 2000, &probe), 0);
	ASSERT(probe);
	ASSERT(breaker_wait_ms(b, 2000, &probe) > 0);
	ASSERT(!probe);
	/* A late report of an old batch decides nothing. */
	ASSERT_EQ(obs(b, 2010, 5, 0, false), BREAKER_SAME);
	ASSERT(breaker_is_open(b));
	/* The probe fails: another cool-down. */
	ASSERT_EQ(obs(b, 2050, 0, 1, true), BREAKER_SAME);
	ASSERT_EQ(breaker_wait_ms(b, 2050, &probe), BREAKER_COOLDOWN_MS);
	/* The next probe succeeds: closed, and the window starts afresh. */
	ASSERT_EQ(breaker_wait_ms(b, 3100, &probe), 0);
	ASSERT(probe);
	ASSERT_EQ(obs(b, 3150, 1, 0, true), BREAKER_CLOSED);
	ASSERT(!breaker_is_open(b));
	ASSERT_EQ(breaker_wait_ms(b, 3150, &probe), 0);
	ASSERT(!probe);
	ASSERT_EQ(obs(b, 3200, 0, 5, false), BREAKER_SAME);
	breaker_free(b);
}

TEST(probe_without_a_request_decides_nothing)
{
	struct breaker *b = breaker_new(0.05);
	bool probe;

	ASSERT_EQ(obs(b, 1000, 0, 11, false), BREAKER_OPENED);
	ASSERT_EQ(breaker_wait_ms(b, 2000, &probe), 0);
	ASSERT(probe);
	/* The probe's event was skipped (no request): still open, probe again. */
	ASSERT_EQ(obs(b, 2010, 0, 0, true), BREAKER_SAME);
	ASSERT(breaker_is_open(b));
	ASSERT_EQ(breaker_wait_ms(b, 2010, &probe), 0);
	ASSERT(probe);
	ASSERT_EQ(obs(b, 2020, 0, 1, true), BREAKER_SAME);
	ASSERT(breaker_is_open(b));
	breaker_free(b);
}

TEST_MAIN(T(closed_until_enough_observations), T(ratio_decides),
    T(window_forgets_old_seconds), T(cooldown_then_one_probe),
    T(probe_without_a_request_decides_nothing))
