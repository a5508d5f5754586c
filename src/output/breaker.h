/*
 * breaker.h: the output core's circuit breaker, with pauditd's semantics
 * (streadway/handy): outcomes are counted in a window of BREAKER_WINDOW_S
 * one-second buckets; with more than BREAKER_MIN_OBS outcomes in the
 * window and a failure ratio above `ratio`, the breaker opens. While open
 * nothing is sent; after BREAKER_COOLDOWN_MS one probe goes out: its
 * success closes the breaker, its failure opens it for another cool-down.
 *
 * Thread-safe (one mutex); the clock is the caller's, so tests drive it.
 */
#ifndef PAUDITD_BREAKER_H
#define PAUDITD_BREAKER_H

#include <stdbool.h>
#include <stdint.h>

#define BREAKER_WINDOW_S	5
#define BREAKER_MIN_OBS		10
#define BREAKER_COOLDOWN_MS	1000

struct breaker;

enum breaker_change { BREAKER_SAME, BREAKER_OPENED, BREAKER_CLOSED };

struct breaker *breaker_new(double ratio);
struct breaker *breaker_free(struct breaker *b);	/* accepts NULL */
/*
 * May a worker send now? 0: yes (*ret_probe says whether this send is the
 * half-open probe); otherwise how many ms to wait before asking again.
 */
uint64_t breaker_wait_ms(struct breaker *b, uint64_t now_ms, bool *ret_probe);
/*
 * Record the outcomes of one send; `probe` when it was the probe. Returns
 * the transition, for the caller to log. `ret_fail`/`ret_total` give the
 * window's figures when the breaker opened.
 */
enum breaker_change breaker_observe(struct breaker *b, uint64_t now_ms,
    uint64_t nok, uint64_t nfail, bool probe, uint64_t *ret_fail,
    uint64_t *ret_total);
bool breaker_is_open(struct breaker *b);

#endif
