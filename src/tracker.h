/*
 * tracker.h: message tracking (pauditd's `message_tracking.*`): detect
 * gaps in the serials the kernel sends.
 *
 * A serial that has not arrived once `max_out_of_order` later serials
 * have is declared missed; one that arrives late but within that window
 * is an out-of-order arrival, not a loss. Memory is at most one bit per
 * serial of the window, whatever the gaps, in chunks of 4096 serials
 * made as serials in them are seen (a few hundred bytes for a host of a
 * replay with few serials, or far apart), and a pointer per chunk. A
 * serial more than reset_lag behind (a reboot, or logs of another boot
 * in a replay) restarts tracking, and so does one further ahead than a
 * kernel's serials can go: they are 32-bit (audit_serial), so such a
 * jump is another log or a corrupt line, not 2^32 losses. A restart
 * first counts the serials still missing before it, which can no longer
 * come. A jump ahead of more than reset_lag serials is taken (and its
 * gap counted), and one as far behind restarts tracking, only once the
 * next new serial confirms it, near it and with no serial of the old
 * range between; unconfirmed, it was a stray record, neither missed nor
 * late. One corrupt line in a replay would otherwise count millions of
 * serials missed, where a real gap in the kernel's stream, or a reboot
 * in a log, is confirmed by the very next event.
 * The window alone would leave a gap uncounted for as long as fewer than
 * max_out_of_order serials follow it (on a quiet host, hours; at exit,
 * for ever): tracker_settle declares the gaps up to a serial missed,
 * which the caller does for gaps that have waited long enough, and
 * tracker_end at exit (pipeline.c).
 * Main thread only; reports through callbacks, logs nothing itself.
 */
#ifndef PAUDITD_TRACKER_H
#define PAUDITD_TRACKER_H

#include <stdbool.h>
#include <stdint.h>

#define TRACKER_WINDOW_MAX	(1u << 20)
#define TRACKER_RESET_LAG	65536	/* further back than this: a new boot */
#define TRACKER_JUMP_MAX	UINT32_MAX /* further ahead: not our serials */

struct tracker_cb {
	/* `first`..`first + n - 1` were declared missed at serial `current`. */
	void	(*missed)(void *arg, uint64_t first, uint64_t n, uint64_t current);
	/* `serial` arrived `lag` serials late. */
	void	(*late)(void *arg, uint64_t serial, uint64_t lag, uint64_t worst);
	/* Tracking restarted at `serial` after `last`. */
	void	(*reset)(void *arg, uint64_t last, uint64_t serial);
	/*
	 * tracker_end: the jump to `serial`, far ahead of `last`, was still
	 * waiting for a serial to confirm it; its gap is not counted.
	 */
	void	(*unconfirmed)(void *arg, uint64_t last, uint64_t serial);
	void	*arg;
};

struct tracker {
	uint64_t		 window;	/* serials in the window */
	uint64_t		 reset_lag;
	uint64_t		 first;		/* first serial tracked */
	uint64_t		 last;		/* highest serial seen, 0: none */
	uint64_t		 last_bit;	/* last % window */
	uint64_t		 worst_lag;
	uint64_t		 missed;	/* total declared missed */
	uint64_t		 late;		/* total late arrivals */
	uint64_t		 jump;		/* a far serial not confirmed; 0: none */
	uint64_t		 jump_last;	/* `last` when it came */
	uint64_t		 settled;	/* highest serial settled, 0: none */
	uint64_t		 floor;		/* lowest not settled, from first */
	uint64_t		 mark;		/* `last` at the caller's last settle */
	uint64_t		**chunks;	/* seen bits by serial % window, in
						   chunks made on demand (tracker.c) */
	uint64_t		 nchunks;
	uint64_t		 chunk_words;	/* words per chunk */
	struct tracker_cb	 cb;
};

/* 0 or -ENOMEM. `window` is max_out_of_order (clamped to 1..TRACKER_WINDOW_MAX). */
int tracker_init(struct tracker *t, uint64_t window, const struct tracker_cb *cb);
void tracker_fini(struct tracker *t);
/*
 * A record's serial. Without the memory for a new chunk of the bitmap
 * the serial is left unseen: counted missed when the window passes it.
 */
void tracker_see(struct tracker *t, uint64_t serial);
/*
 * Declare missed the serials of the window up to `upto` (at most `last`)
 * not seen yet, as if the window had passed them: one that arrives
 * afterwards is not counted again, nor as late. It looks at the window
 * only (at most `window` serials, from the one after the last settled),
 * whatever the serials, up to UINT64_MAX.
 */
void tracker_settle(struct tracker *t, uint64_t upto);
/*
 * The end of the input: settle up to `last`, and report a far jump ahead
 * still waiting for its confirmation (cb.unconfirmed) and forget it.
 * Whether its gap was lost cannot be known (one corrupt line, or a real
 * gap just before the end), so it is not counted. A far serial behind
 * still waiting is forgotten too: it counts nothing either way.
 */
void tracker_end(struct tracker *t);

#endif
