/*
 * queue.h: a bounded queue of message references between the pipeline
 * (producer) and an output's worker threads (consumers).
 *
 * Bounded: queue_push never blocks and never grows the queue; when it is
 * full it returns -ENOSPC and the caller keeps its reference (and counts
 * the drop). Only queue_push_batch_wait waits for room (a replay).
 * queue_pop_batch blocks until messages are available, the queue is
 * closed, or the timeout passes. After queue_close, pops drain what is
 * left, then return 0.
 */
#ifndef PAUDITD_QUEUE_H
#define PAUDITD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>

struct msg;
struct queue;

struct queue *queue_new(size_t capacity);
/* Frees the queue and unrefs any message still in it. Accepts NULL. */
struct queue *queue_free(struct queue *q);
/* Takes ownership of the caller's reference on success; -ENOSPC if full. */
int queue_push(struct queue *q, struct msg *m);
/*
 * Push up to n messages with one lock and one wake-up. Takes the
 * references of the first `ret` messages pushed; the caller keeps the
 * rest (the queue was full). Returns the count pushed.
 */
size_t queue_push_batch(struct queue *q, struct msg *const *v, size_t n);
/*
 * The same, waking a waiting consumer only if the queue then holds at
 * least `wake_at` messages (1: always). A consumer that is awake takes
 * the messages anyway; one that waits gets them at the next push that
 * wakes it, or queue_wake. *ret_woke says whether this push woke one
 * (or none was waiting). Returns the count pushed.
 */
size_t queue_push_batch_lazy(struct queue *q, struct msg *const *v, size_t n,
    size_t wake_at, bool *ret_woke);
/* Wake a waiting consumer if the queue holds anything. */
void queue_wake(struct queue *q);
/*
 * The same, waiting up to timeout_ms for consumers to make room while
 * the queue is full (not once it is closed). Returns the count pushed.
 */
size_t queue_push_batch_wait(struct queue *q, struct msg *const *v, size_t n,
    int timeout_ms);
/*
 * Pop up to `max` messages into `v` (references move to the caller).
 * Waits at most `timeout_ms` (-1: forever). Returns the count, 0 on
 * timeout or when closed and empty.
 */
size_t queue_pop_batch(struct queue *q, struct msg **v, size_t max,
    int timeout_ms);
void queue_close(struct queue *q);
bool queue_closed_and_empty(struct queue *q);
size_t queue_depth(struct queue *q);
/* Consumers waiting in queue_pop_batch for messages. */
size_t queue_sleepers(struct queue *q);
size_t queue_capacity(const struct queue *q);
/* A consumer is done with the batch it popped (written or dropped). */
void queue_batch_done(struct queue *q);
/* Wait until the queue is empty and no popped batch is in progress. */
bool queue_wait_empty(struct queue *q, int timeout_ms);

#endif
