/*
 * out_net.h: the socket plumbing shared by the syslog and GELF outputs:
 * dial a Go-style (network, address) pair, notice a stream peer that went
 * away, and write whole buffers.
 *
 * Networks are Go net.Dial's names: tcp, tcp4, tcp6, udp, udp4, udp6
 * (address "host:port" or "[v6]:port"), unix, unixgram, unixpacket
 * (address is a socket path). Nothing here logs but what the journal
 * could not deliver at exit: callers decide.
 */
#ifndef PAUDITD_OUT_NET_H
#define PAUDITD_OUT_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../buf.h"

/* True when `network` is one of the names above. */
bool out_net_known(const char *network);
/* True for the connection-oriented networks (tcp*, unix, unixpacket). */
bool out_net_is_stream(const char *network);
/*
 * Split "host:port" / "[host]:port" into its parts. 0, or -EINVAL when
 * the port is missing or a part does not fit.
 */
int out_net_split(const char *address, char *host, size_t hostlen,
    char *port, size_t portlen);
/*
 * Connect a blocking, close-on-exec socket to `address` over `network`,
 * waiting at most timeout_ms for the connection; sends then time out
 * after timeout_ms too. Returns the fd or -errno.
 */
int out_net_dial(const char *network, const char *address, int timeout_ms);
/*
 * For a stream socket the peer never writes to: 0 while it is up,
 * -EPIPE when the peer closed it (having read what it was sent), and
 * -ECONNRESET when the connection was reset (a peer that closed with
 * bytes unread, or died): the next write would be lost.
 */
struct metric;
int out_net_peer_gone(int fd);
/*
 * A datagram socket's send said ECONNREFUSED: an earlier datagram was
 * refused by its host, after it was counted written. Count it in `lost`
 * (the output's dropped_unacked) and say so, for output `name`.
 */
void out_net_refused(const char *name, struct metric *lost);
/* Send all `n` bytes (one datagram on datagram sockets). 0 or -errno. */
int out_net_send(int fd, const void *p, size_t n);

/*
 * What a stream connection carried that its peer has not acknowledged.
 * A send into a TCP or unix stream returns once the kernel has the
 * bytes; a peer that goes away (closes, is killed, stops reading until
 * the send times out) takes with it what was still queued, and the
 * sender hears of it only on a later send, if at all. The journal keeps
 * the records sent on the open connection, up to OUT_NET_JOURNAL_MAX
 * bytes: before a lost connection is closed, its unacknowledged bytes
 * (SIOCOUTQ: for TCP, not yet acknowledged by the peer's kernel; for
 * unix streams, not yet read) name the records to send again, first
 * thing, on the next connection. A connection that was reset may have
 * lost more, which no sender can know: what the peer's kernel
 * acknowledged and its program never read (a server killed, or closing
 * with events in its receive buffer: TCP syslog and GELF have no
 * acknowledgements of their own). Sending the acknowledged records again
 * as well would repeat up to the journal's size at every reset, and a
 * peer that resets after each N bytes would never see a new event.
 */
#define OUT_NET_JOURNAL_MAX	(4u << 20)

struct out_net_journal {
	struct buf	 data;		/* the records' bytes, oldest first from start */
	size_t		 start;
	uint32_t	*len;		/* ring of the records' lengths */
	size_t		 head, n, cap;
	size_t		 sent;		/* the oldest `sent` went out on the open connection; the rest wait */
	size_t		 bytes;		/* of the n records */
	uint64_t	 unprotected;	/* records pushed out by the bound unacknowledged */
	bool		 unix_peer;	/* a unix stream: trimmed as it goes */
	unsigned	 since_trim;	/* records added since the last trim */
};

struct metric;

/* The journal's counter of output `name`: records sent again. */
struct metric *out_net_resent_metric(const char *name);
void out_net_journal_init(struct out_net_journal *j);
/*
 * The connection on fd is to be closed while it may be in trouble (a
 * reopen, which SIGHUP asks for between the tries of an outage): wait up
 * to a second for its peer to acknowledge what was sent, then as
 * out_net_journal_lost: the rest waits for the next connection (a peer
 * that was only slow gets those twice rather than never), said for
 * output `name`. Returns how many wait.
 */
size_t out_net_journal_close(struct out_net_journal *j, int fd,
    const char *name);
void out_net_journal_fini(struct out_net_journal *j);
/* Records waiting to be sent again on the next connection. */
static inline size_t
out_net_journal_pending(const struct out_net_journal *j)
{
	return j->n - j->sent;
}
/*
 * Send the waiting records on fd, oldest first. 0, or -errno with the
 * ones not sent still waiting; *ret_sent counts those sent.
 */
int out_net_journal_resend(struct out_net_journal *j, int fd,
    size_t *ret_sent);
/*
 * p[0, len) was just sent on fd (nothing waits): keep it. The records fd's
 * peer acknowledged are let go when the bound is reached.
 */
void out_net_journal_add(struct out_net_journal *j, int fd, const void *p,
    size_t len);
/*
 * The connection on fd is lost (call before closing it): the records it
 * acknowledged are let go, the rest wait. Returns how many wait.
 */
size_t out_net_journal_lost(struct out_net_journal *j, int fd);
/* What out_net_journal_finish calls back: the plugin's. */
struct out_net_finish {
	void	(*lost)(void *arg, int err);	/* it failed: log, keep, close */
	int	(*reconnect)(void *arg);	/* dial, send what waits first */
};

/*
 * At the worker's end, deliver what the journal holds: wait until the
 * open connection's peer (*fd, -1 for none) acknowledged every byte; a
 * connection lost
 * meanwhile goes to the plugin's `lost` and what waits to a new one
 * (`reconnect`), at most a second apart; until everything is
 * acknowledged or the core interrupts the worker at its deadline. What
 * is left is counted in `unsent` and said, for output `name`.
 */
void out_net_journal_finish(struct out_net_journal *j, const int *fd,
    const struct out_net_finish *cb, void *arg, const char *name,
    struct metric *unsent);

#endif
