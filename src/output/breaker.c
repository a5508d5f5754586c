/*
 * breaker.c: the circuit breaker of the output core (see breaker.h).
 *
 * Only the probe's own outcome settles the half-open state: batches that
 * were in flight when the breaker opened may still report afterwards, and
 * they count in the window but decide nothing.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "breaker.h"

struct breaker {
	pthread_mutex_t	 lock;
	double		 ratio;
	uint64_t	 ok[BREAKER_WINDOW_S];
	uint64_t	 fail[BREAKER_WINDOW_S];
	uint64_t	 sec[BREAKER_WINDOW_S];
	bool		 open;
	bool		 probing;
	uint64_t	 open_until_ms;
};

struct breaker *
breaker_new(double ratio)
{
	struct breaker *b = calloc(1, sizeof(*b));

	if (b == NULL)
		fatal("breaker");
	pthread_mutex_init(&b->lock, NULL);
	b->ratio = ratio;
	return b;
}

struct breaker *
breaker_free(struct breaker *b)
{
	if (b == NULL)
		return NULL;
	pthread_mutex_destroy(&b->lock);
	free(b);
	return NULL;
}

uint64_t
breaker_wait_ms(struct breaker *b, uint64_t now_ms, bool *ret_probe)
{
	uint64_t wait = 0;

	*ret_probe = false;
	pthread_mutex_lock(&b->lock);
	if (b->open) {
		if (b->probing)
			wait = 100;	/* another worker's probe is out */
		else if (now_ms < b->open_until_ms)
			wait = b->open_until_ms - now_ms;
		else
			b->probing = *ret_probe = true;
	}
	pthread_mutex_unlock(&b->lock);
	return wait;
}

/* Outcomes in the window ending at second `sec`. */
static void
window_sum(const struct breaker *b, uint64_t sec, uint64_t *ok, uint64_t *fail)
{
	size_t i;

	*ok = *fail = 0;
	for (i = 0; i < BREAKER_WINDOW_S; i++) {
		if (sec - b->sec[i] < BREAKER_WINDOW_S) {
			*ok += b->ok[i];
			*fail += b->fail[i];
		}
	}
}

enum breaker_change
breaker_observe(struct breaker *b, uint64_t now_ms, uint64_t nok,
    uint64_t nfail, bool probe, uint64_t *ret_fail, uint64_t *ret_total)
{
	enum breaker_change change = BREAKER_SAME;
	uint64_t sec = now_ms / 1000, tok, tfail;
	size_t k = sec % BREAKER_WINDOW_S;

	pthread_mutex_lock(&b->lock);
	if (b->sec[k] != sec) {
		b->sec[k] = sec;
		b->ok[k] = b->fail[k] = 0;
	}
	b->ok[k] += nok;
	b->fail[k] += nfail;
	if (probe) {
		b->probing = false;
		if (nok == 0 && nfail == 0) {
			/* Nothing was sent (a skipped event): probe again. */
		} else if (nfail == 0) {
			b->open = false;
			memset(b->ok, 0, sizeof(b->ok));
			memset(b->fail, 0, sizeof(b->fail));
			change = BREAKER_CLOSED;
		} else {
			b->open_until_ms = now_ms + BREAKER_COOLDOWN_MS;
		}
	} else if (!b->open) {
		window_sum(b, sec, &tok, &tfail);
		if (tok + tfail > BREAKER_MIN_OBS &&
		    (double)tfail / (double)(tok + tfail) > b->ratio) {
			b->open = true;
			b->open_until_ms = now_ms + BREAKER_COOLDOWN_MS;
			change = BREAKER_OPENED;
			*ret_fail = tfail;
			*ret_total = tok + tfail;
		}
	}
	pthread_mutex_unlock(&b->lock);
	return change;
}

bool
breaker_is_open(struct breaker *b)
{
	bool open;

	pthread_mutex_lock(&b->lock);
	open = b->open;
	pthread_mutex_unlock(&b->lock);
	return open;
}
