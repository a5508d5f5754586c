/*
 * record.h: parse ONE audit record, zero-copy.
 *
 * Two input shapes: the kernel's netlink payload ("audit(SEC.MSEC:SERIAL):
 * DATA", type in the netlink header) and an auditd log line ("[node=N ]
 * type=NAME msg=audit(SEC.MSEC:SERIAL): DATA[\x1d ENRICHED]"). Every slice
 * in struct record points into the caller's buffer, which must outlive
 * the record. Nothing here allocates or logs.
 */
#ifndef PAUDITD_RECORD_H
#define PAUDITD_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RECORD_TS_MAX		31	/* longest "sec.msec" text accepted */
#define RECORD_SEC_DIGITS_MAX	12	/* and of its seconds */
#define RECORD_SERIAL_DIGITS	20	/* longest serial accepted (fits u64) */

#define AUDIT_TYPE_USER		1005	/* user space's message of old */
#define AUDIT_TYPE_DAEMON_MIN	1200	/* auditd's own records (DAEMON_*), */
#define AUDIT_TYPE_DAEMON_MAX	1299	/* numbered by auditd, not the kernel */
#define AUDIT_TYPE_SYSCALL	1300
#define AUDIT_TYPE_SOCKADDR	1306
#define AUDIT_TYPE_CWD		1307
#define AUDIT_TYPE_EXECVE	1309
#define AUDIT_TYPE_TTY		1319
#define AUDIT_TYPE_EOE		1320
#define AUDIT_TYPE_PROCTITLE	1327

/*
 * auditd's own records in its log (DAEMON_START, DAEMON_END...): their
 * serial is auditd's count, not the kernel's, so they are neither tracked
 * nor grouped with the kernel's records of the same number.
 */
static inline bool
record_type_is_auditd(uint32_t type)
{
	return type - AUDIT_TYPE_DAEMON_MIN <=
	    AUDIT_TYPE_DAEMON_MAX - AUDIT_TYPE_DAEMON_MIN;
}

struct record {
	uint32_t	 type;
	uint64_t	 serial;
	uint64_t	 time_ms;	/* header time, ms since the epoch */
	const char	*ts;		/* "1459376866.885" */
	size_t		 ts_len;
	const char	*data;		/* after "): ", not trimmed */
	size_t		 data_len;
	const char	*node;		/* auditd "node=" prefix, or NULL */
	size_t		 node_len;
};

/* Why a record was rejected (index into record_error_names). */
enum record_error {
	RECORD_ERR_HEADER,	/* no "audit(SEC.MSEC:SERIAL)" header */
	RECORD_ERR_SERIAL,	/* serial missing, zero or too long */
	RECORD_ERR_TYPE,	/* unknown type name (log lines) */
	RECORD_ERR_LENGTH,	/* a log line longer than a source keeps */
	RECORD_ERR_NODE,	/* a node name too long, or too many (nodes.h) */
	RECORD_ERR_MAX
};
extern const char *const record_error_names[RECORD_ERR_MAX];

/*
 * Parse a netlink payload of record type `type`. Trailing NUL and newline
 * bytes are not part of the data. Returns 0, or -(RECORD_ERR_x + 1).
 */
int record_parse(uint32_t type, const char *p, size_t len, struct record *ret_rec);
/*
 * Parse an auditd log line (without its '\n'). Same return values; on
 * failure *ret_rec may have been partly written.
 */
int record_parse_line(const char *p, size_t len, struct record *ret_rec);
/*
 * The same for a line its reader already cut before the ENRICHED suffix
 * (at its first 0x1d), as src_replay does while it looks for the '\n':
 * saves a second pass over the line. A 0x1d left in p is data.
 */
int record_parse_line_cut(const char *p, size_t len, struct record *ret_rec);
/* Map a type name ("SYSCALL", "UNKNOWN[1334]", "1300") to its number, or -1. */
int record_type_from_name(const char *name, size_t len);

#endif
