/*
 * output_int.h: the output core's own types, shared by its two halves:
 * output.c (configuration, the main thread's staging and pushing, start,
 * drain and stop) and worker.c (each worker's loop: delivery, retries,
 * backoff, the circuit breaker, drops and their counters). Nothing outside
 * src/output/output.c and worker.c includes it: plugins see output.h.
 */
#ifndef PAUDITD_OUTPUT_INT_H
#define PAUDITD_OUTPUT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../log.h"
#include "output.h"

#define OUT_BATCH_DEFAULT	256
#define OUT_STAGE		2048	/* messages staged before a push */
/*
 * Messages are staged by the main thread, handed to the queue in batches
 * (OUT_STAGE_PUSH: a lock per batch, not per message), and a waiting
 * worker is woken only for OUT_WAKE_AT of them, or once the first of
 * them has waited OUT_LINGER_MS. Each wake-up is an interrupt to the
 * other CPU and two context switches, on a machine that the audited
 * processes and kauditd share: at 75,000 events/s, waking for 64 cost
 * 10% more CPU per event than for 256, and in a replay waking at every
 * push (each 1 MiB read) held 6-10% of the CPU samples when the host was
 * busy, 2% with these. A worker that is awake takes what is pushed
 * anyway. The linger bounds the wait of a trickle.
 */
#define OUT_STAGE_PUSH		256
#define OUT_WAKE_AT		4096
#define OUT_LINGER_MS		20
#define OUT_BACKOFF_BASE_MS	100
#define OUT_BACKOFF_CAP_MS	30000

struct output_common {
	bool		 enabled;
	long long	 attempts;
	char		*format;
	long long	 buffer_size;
	bool		 buffer_size_set;
};


struct worker {
	struct output	*o;
	pthread_t	 thread;
	bool		 started;
	void		*wctx;
	unsigned	 reopen_seen;
};

struct output {
	const struct output_ops	*ops;
	char			 name[32];
	struct output_common	 com;
	enum event_format	 fmt;
	void			*conf;
	const struct ynode	*node;
	const struct config	*root;		/* for output_config() */
	void			*ctx;
	struct queue		*q;
	unsigned		 nworkers;
	struct worker		*workers;
	atomic_uint		 reopen_gen;
	atomic_bool		 closing;
	atomic_bool		 gone;		/* OUT_GONE seen: drop, don't try */
	atomic_ullong		 shutdown_dropped;	/* logged at the join */
	_Atomic uint64_t	 deadline_ms;	/* 0: none */
	struct breaker		*breaker;
	struct metric		*m_received, *m_written, *m_bytes, *m_retries;
	struct metric		*m_queue_full, *m_failed, *m_rejected, *m_shutdown;
	struct metric		*m_gone, *m_unacked, *m_skipped, *m_breaker_open;
	struct metric		*m_depth;
	struct msg		*stage[OUT_STAGE];	/* main thread only */
	size_t			 nstage;
	uint64_t		 stage_since_ms;	/* when the first was staged */
	size_t			 wake_at;	/* OUT_WAKE_AT, or less for a small queue */
	bool			 unwoken;	/* pushed, the worker not woken */
	uint64_t		 unwoken_since_ms;	/* since when; 0: not known yet */
	struct log_ratelimit	 rl_full, rl_failed, rl_stopping;
	bool			 said_wait;	/* a replay's first wait for room */
};

/* The shutdown deadline passed: the interrupts that follow count. */
void	 output_interrupt_arm(void);
/* The worker thread's body (pthread_create's). */
void	*output_worker_main(void *arg);
/* Drop n messages of o, gone for good, without a try; counted. */
void	 output_drop_gone(struct output *o, struct msg **mv, size_t n);

#endif
