/*
 * source.h: where records come from (the kernel over netlink, or a log
 * file replayed), as an ops table plus an instance.
 *
 * The main loop watches source_fd() when it is >= 0 and calls read when
 * it is readable; a source whose fd is -1 (a regular file) is read in a
 * loop until EOF. read() hands every record it got to the sink and
 * returns the number of records (> 0), 0 at end of input, -EAGAIN when
 * nothing was ready, or another -errno on a fatal error. tick() runs about
 * once a second on the main thread (status polling, metrics).
 */
#ifndef PAUDITD_SOURCE_H
#define PAUDITD_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct cfg_ctx;
struct source;

/*
 * An auditd log line, without its newline and cut before auditd's
 * ENRICHED suffix (its first 0x1d and what follows), so that the parser
 * need not scan the line again. A line that starts with 0x1d comes
 * whole, to be reported as malformed rather than as empty.
 */
struct source_line {
	const char	*p;
	size_t		 len;
};

/*
 * What a source hands on is readable (its contents do not matter) for
 * SOURCE_PAD bytes past its end: the reassembler escapes records straight
 * from the source's buffer, 64 bytes at a time (event_add, JSON_PAD).
 */
#define SOURCE_PAD	64

/*
 * The longest log line a source keeps (the kernel's records are under
 * 9 KB): a longer one is garbage, and keeping it whole would let a file
 * without newlines take all memory.
 */
#define SOURCE_LINE_MAX	(16u << 20)

/* Where a source delivers records. The pipeline implements it. */
struct source_sink {
	/* A kernel payload "audit(...): data" of netlink type `type`. */
	void	(*payload)(void *arg, uint32_t type, const char *p, size_t len);
	/*
	 * n >= 1 log lines, in the order of the text; they point into the
	 * source's buffer and are valid until the call returns. Lines come
	 * in batches so that the sink's own loop walks them, the parser
	 * inlined: a call or two per line, each saving and restoring
	 * registers, cost about a sixth of a record's parse.
	 */
	void	(*lines)(void *arg, const struct source_line *l, size_t n);
	/*
	 * A log line too long to keep (SOURCE_LINE_MAX bytes without a
	 * '\n'): skipped whole; p holds its first len bytes.
	 */
	void	(*overlong)(void *arg, const char *p, size_t len);
	/* End of a batch of reads: a good moment to flush and expire. */
	void	(*batch_end)(void *arg);
	void	*arg;
};

struct source_ops {
	const char	*name;
	/* Validate the source's part of the config (--check-config too). */
	int		(*check)(const struct config *conf, struct cfg_ctx *c);
	/* Open; ctx is the source's own state. 0 or -errno (logged by it). */
	int		(*open)(struct source *s, const struct config *conf);
	int		(*fd)(struct source *s);
	int		(*read)(struct source *s, const struct source_sink *sink);
	void		(*tick)(struct source *s);
	/* Undo what open did (unregister, restore). Accepts half-open state. */
	void		(*close)(struct source *s);
};

struct source {
	const struct source_ops	*ops;
	void			*ctx;
	const char		*input;		/* replay: path, "-" for stdin */
	bool			 replay_time;	/* events timed by record time */
};

extern const struct source_ops src_replay_ops;
extern const struct source_ops src_netlink_ops;

#endif
