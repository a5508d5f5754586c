/*
 * nl_audit.h: the NETLINK_AUDIT protocol: sockets, status requests
 * (AUDIT_GET / AUDIT_SET) and the validation of received datagrams.
 *
 * Request helpers are synchronous and meant for a control socket that
 * receives nothing but replies (not registered, no multicast group).
 * nl_audit_parse is pure: it trusts nothing in the datagram, checks the
 * sender and every length, and calls back once per record. Nothing here
 * logs; errors are -errno.
 */
#ifndef PAUDITD_NL_AUDIT_H
#define PAUDITD_NL_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <linux/audit.h>
#include <linux/netlink.h>

/* libaudit's MAX_AUDIT_MESSAGE_LENGTH: the longest record payload. */
#define NL_AUDIT_MAX_PAYLOAD	8970
/* One receive slot: header, the longest payload and room to spare. */
#define NL_AUDIT_SLOT		(16 * 1024)
#define NL_AUDIT_TIMEOUT_MS	1000	/* wait for a kernel reply */

/* AUDIT_GET's answer (the fields kernels of every age fill in). */
struct nl_audit_status {
	uint32_t	enabled;	/* 0, 1, or 2 (locked) */
	uint32_t	failure;
	uint32_t	pid;		/* registered daemon, 0: none */
	uint32_t	rate_limit;
	uint32_t	backlog_limit;
	uint32_t	lost;
	uint32_t	backlog;
	uint32_t	backlog_wait_time;
};

/*
 * Open a non-blocking, close-on-exec NETLINK_AUDIT socket, bound to the
 * multicast read-log group when `readlog`. Returns the fd or -errno
 * (-EPERM without CAP_AUDIT_READ for readlog, -EPROTONOSUPPORT when the
 * kernel has no audit).
 */
int nl_audit_open(bool readlog);

/*
 * Set the receive buffer to `bytes`: SO_RCVBUFFORCE first (root is not
 * capped by net.core.rmem_max), SO_RCVBUF when that is not permitted.
 * *ret_effective is the size the kernel reports afterwards (it doubles
 * the request). Returns 0 or -errno.
 */
int nl_audit_set_rcvbuf(int fd, int bytes, int *ret_effective);

/* Send one request; *seq is incremented and used. 0 or -errno. */
int nl_audit_send(int fd, uint32_t *seq, uint16_t type, uint16_t flags,
    const void *data, size_t len);

/*
 * Wait up to NL_AUDIT_TIMEOUT_MS for the answer to request `seq`: a
 * message of type `want` (its payload copied to data, zero-filled to
 * len) or an NLMSG_ERROR. Other messages read meanwhile are discarded,
 * so use it only where no record can arrive. Returns 0, the kernel's
 * -errno, or -ETIMEDOUT. With want == NLMSG_ERROR, an ack (error 0)
 * is the answer.
 */
int nl_audit_wait_reply(int fd, uint32_t seq, uint16_t want, void *data,
    size_t len);

/* AUDIT_GET on a control socket. 0, -ETIMEDOUT or the kernel's -errno. */
int nl_audit_get_status(int fd, uint32_t *seq, struct nl_audit_status *ret);

/*
 * AUDIT_SET of one field, `mask` (AUDIT_STATUS_PID, _ENABLED, _FAILURE
 * but never to 2, _RATE_LIMIT, _BACKLOG_LIMIT, _BACKLOG_WAIT_TIME), to
 * value on a control socket, waiting for the kernel's acknowledgement.
 * 0 or -errno (-EEXIST: another healthy
 * daemon is registered, -EPERM: locked or not privileged).
 */
int nl_audit_set(int fd, uint32_t *seq, uint32_t mask, uint32_t value);

/* What one received datagram held (nl_audit_parse adds to these). */
struct nl_audit_counts {
	uint64_t	records;	/* handed to the callback */
	uint64_t	control;	/* replies, acks, AUDIT_REPLACE probes */
	uint64_t	bad_sender;	/* not from the kernel (port id != 0) */
	uint64_t	malformed;	/* impossible lengths */
	int		last_error;	/* last non-zero NLMSG_ERROR, -errno */
	uint32_t	last_error_seq;
};

typedef void nl_audit_record_fn(void *arg, uint32_t type, const char *p,
    size_t len);

/* A record type (>= 1100, not AUDIT_REPLACE), as opposed to control. */
bool nl_audit_is_record(uint32_t type);

/*
 * Validate the datagram `buf` of `n` bytes received from `from` and call
 * fn for every record in it with its payload ("audit(...): ..."). The
 * unicast quirk (nlmsg_len counting the payload only) is recognised for
 * record types. Returns the number of records.
 */
size_t nl_audit_parse(const struct sockaddr_nl *from, socklen_t fromlen,
    const void *buf, size_t n, nl_audit_record_fn *fn, void *arg,
    struct nl_audit_counts *c);

#endif
