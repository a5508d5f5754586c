/*
 * out_net.h: the socket plumbing shared by the syslog and GELF outputs:
 * dial a Go-style (network, address) pair, notice a stream peer that went
 * away, and write whole buffers.
 *
 * Networks are Go net.Dial's names: tcp, tcp4, tcp6, udp, udp4, udp6
 * (address "host:port" or "[v6]:port"), unix, unixgram, unixpacket
 * (address is a socket path). Nothing here logs: callers decide.
 */
#ifndef PAUDITD_OUT_NET_H
#define PAUDITD_OUT_NET_H

#include <stdbool.h>
#include <stddef.h>

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
 * For a stream socket the peer never writes to: true when it has closed
 * or reset the connection (so the next write would be lost).
 */
bool out_net_peer_gone(int fd);
/* Send all `n` bytes (one datagram on datagram sockets). 0 or -errno. */
int out_net_send(int fd, const void *p, size_t n);

#endif
