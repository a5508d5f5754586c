/*
 * gencorpus.c: write a realistic auditd log of N events, for the
 * benchmarks (bench/run.sh) and for anyone who wants a big replay input.
 *
 *   gencorpus [-n EVENTS] [-s SEED] [-o FILE] [-m METAFILE] [-N NODE]
 *             [-S FIRST_SERIAL] [-T START_SEC]
 *
 * DESIGN
 *   The mix follows what a busy Linux server with execve/connect/openat
 *   rules writes: execve events of 5-7 records (SYSCALL, EXECVE, CWD,
 *   PATH x1-3, PROCTITLE), openat (SYSCALL, CWD, PATH, PROCTITLE),
 *   connect (SYSCALL, SOCKADDR, PROCTITLE), user-space records from sshd,
 *   sudo and PAM (one record per event), CONFIG_CHANGE followed by its
 *   SYSCALL and PROCTITLE, a few execve events whose arguments fill two
 *   ~8 KB EXECVE records, and a few SECCOMP records that no PROCTITLE
 *   follows (they end by the reassembly timeout). Values are encoded as
 *   the kernel encodes them: quoted when plain, hex when they hold a
 *   space, a quote, a control or a non-ASCII byte; user-space messages
 *   keep their quoted msg='... ...' with spaces. About one event in
 *   twenty is interleaved with the next one, as records of two CPUs are.
 *   The lines are in auditd's log format without EOE records, exactly as
 *   auditd writes them. The same seed gives the same bytes.
 *
 *   With -m, a summary (key=value lines: events, records, bytes, counts
 *   per record type) is written for the benchmarks to check against.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define REC_MAX		8	/* records per event */
#define LINE_MAX_BYTES	9216	/* one record line, header included */
#define EXECVE_SPLIT	7900	/* long EXECVE records are cut near here */
#define PROCTITLE_MAX	128	/* the kernel's MAX_PROCTITLE_AUDIT_LEN */

enum rtype {
	T_SYSCALL, T_EXECVE, T_CWD, T_PATH, T_PROCTITLE, T_SOCKADDR,
	T_CONFIG_CHANGE, T_SECCOMP, T_USER_LOGIN, T_USER_CMD, T_USER_AUTH,
	T_USER_ACCT, T_CRED_ACQ, T_USER_START, T_USER_END, T_CRED_DISP,
	T_MAX
};

static const struct {
	const char	*name;
	unsigned	 num;
} rtypes[T_MAX] = {
	[T_SYSCALL] = { "SYSCALL", 1300 },
	[T_EXECVE] = { "EXECVE", 1309 },
	[T_CWD] = { "CWD", 1307 },
	[T_PATH] = { "PATH", 1302 },
	[T_PROCTITLE] = { "PROCTITLE", 1327 },
	[T_SOCKADDR] = { "SOCKADDR", 1306 },
	[T_CONFIG_CHANGE] = { "CONFIG_CHANGE", 1305 },
	[T_SECCOMP] = { "SECCOMP", 1326 },
	[T_USER_LOGIN] = { "USER_LOGIN", 1112 },
	[T_USER_CMD] = { "USER_CMD", 1123 },
	[T_USER_AUTH] = { "USER_AUTH", 1100 },
	[T_USER_ACCT] = { "USER_ACCT", 1101 },
	[T_CRED_ACQ] = { "CRED_ACQ", 1103 },
	[T_USER_START] = { "USER_START", 1105 },
	[T_USER_END] = { "USER_END", 1106 },
	[T_CRED_DISP] = { "CRED_DISP", 1104 },
};

/* One event being written: its header and its records' data. */
struct ev {
	uint64_t	 serial;
	char		 hdr[48];	/* "SEC.MSEC:SERIAL" */
	unsigned	 n;
	enum rtype	 type[REC_MAX];
	char		*data[REC_MAX];
	size_t		 len[REC_MAX];
	size_t		 cap[REC_MAX];
};

struct gen {
	uint64_t	 rng;
	uint64_t	 serial;
	uint64_t	 ms;		/* log time, ms since the epoch */
	const char	*node;
	FILE		*out;
	uint64_t	 events, user_events, timeout_events, records, bytes;
	uint64_t	 max_line;
	uint64_t	 per_type[T_MAX];
};

/* ---- random numbers (splitmix64: small, fast, reproducible) ---- */

static uint64_t
rnd(struct gen *g)
{
	uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
below(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

#define PICK(g, a)	((a)[below((g), nitems(a))])

/* ---- record text ---- */

static void
rec_open(struct ev *e, enum rtype t)
{
	if (e->n == REC_MAX) {
		fprintf(stderr, "gencorpus: too many records in one event\n");
		exit(1);
	}
	e->type[e->n] = t;
	e->len[e->n] = 0;
	e->n++;
}

static void
rec_put(struct ev *e, const char *s, size_t len)
{
	unsigned i = e->n - 1;

	if (e->len[i] + len + 1 > e->cap[i]) {
		size_t cap = e->cap[i] ? e->cap[i] : 1024;

		while (cap < e->len[i] + len + 1)
			cap *= 2;
		if ((e->data[i] = realloc(e->data[i], cap)) == NULL) {
			perror("gencorpus");
			exit(1);
		}
		e->cap[i] = cap;
	}
	memcpy(e->data[i] + e->len[i], s, len);
	e->len[i] += len;
	e->data[i][e->len[i]] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
rec_printf(struct ev *e, const char *fmt, ...)
{
	char tmp[LINE_MAX_BYTES];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "gencorpus: record text too long\n");
		exit(1);
	}
	rec_put(e, tmp, (size_t)n);
}

static size_t
rec_len(const struct ev *e)
{
	return e->len[e->n - 1];
}

/* The kernel's audit_string_contains_control(): hex when true. */
static bool
needs_hex(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c < 0x21 || c > 0x7e)
			return true;
	}
	return false;
}

static void
put_hex(struct ev *e, const char *s, size_t len)
{
	static const char hx[] = "0123456789ABCDEF";
	char tmp[2 * PROCTITLE_MAX * 4];
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (n + 2 > sizeof(tmp)) {
			rec_put(e, tmp, n);
			n = 0;
		}
		tmp[n++] = hx[(unsigned char)s[i] >> 4];
		tmp[n++] = hx[(unsigned char)s[i] & 0xf];
	}
	rec_put(e, tmp, n);
}

/* An untrusted string as the kernel logs it: "quoted" or HEX. */
static void
put_untrusted(struct ev *e, const char *s, size_t len)
{
	if (needs_hex(s, len)) {
		put_hex(e, s, len);
	} else {
		rec_put(e, "\"", 1);
		rec_put(e, s, len);
		rec_put(e, "\"", 1);
	}
}

/* ---- vocabulary ---- */

struct user {
	unsigned	 uid;
	const char	*name;
	const char	*home;
};

static const struct user users[] = {
	{ 0, "root", "/root" },
	{ 1000, "alice", "/home/alice" },
	{ 1001, "bob", "/home/bob" },
	{ 1002, "carol", "/home/carol" },
	{ 33, "www-data", "/var/www" },
	{ 65534, "nobody", "/nonexistent" },
};

struct prog {
	const char	*exe;
	const char	*comm;
	const char	*argv[6];	/* NULL-terminated; "@" is a random argument */
};

static const struct prog progs[] = {
	{ "/usr/bin/ls", "ls", { "ls", "-la", "@", NULL } },
	{ "/usr/bin/git", "git", { "git", "status", "--porcelain", NULL } },
	{ "/usr/bin/git", "git", { "git", "commit", "-m", "@", NULL } },
	{ "/usr/bin/python3.11", "python3", { "python3", "@", "--verbose", NULL } },
	{ "/usr/bin/bash", "bash", { "bash", "-c", "@", NULL } },
	{ "/usr/bin/curl", "curl", { "curl", "-sS", "-o", "/dev/null", "@", NULL } },
	{ "/usr/bin/grep", "grep", { "grep", "-rn", "@", ".", NULL } },
	{ "/usr/bin/cat", "cat", { "cat", "@", NULL } },
	{ "/usr/bin/ps", "ps", { "ps", "aux", NULL } },
	{ "/usr/bin/systemctl", "systemctl", { "systemctl", "status", "nginx.service", NULL } },
	{ "/usr/bin/ssh", "ssh", { "ssh", "-o", "BatchMode=yes", "@", NULL } },
	{ "/usr/bin/find", "find", { "find", "/var/log", "-name", "@", NULL } },
	{ "/usr/bin/sleep", "sleep", { "sleep", "1", NULL } },
	{ "/usr/sbin/nginx", "nginx", { "nginx", "-t", NULL } },
	{ "/usr/bin/dash", "sh", { "sh", NULL } },
};

/* Random arguments: plain, with spaces (hex), non-ASCII (hex), quotes (hex). */
static const char *const args[] = {
	"/tmp", "/etc/passwd", "/var/log/syslog", "main.py", "src/server.c",
	"deploy.sh", "https://example.com/api/v1/health", "db01.internal",
	"*.log", "ERROR", "--color=auto", "build/output.tar.gz",
	"my notes.txt", "fix the bug in parser", "for f in *; do echo $f; done",
	"caf\xc3\xa9 r\xc3\xa9sum\xc3\xa9.pdf", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	"say \"hello\"", "a<b && c>d", "tab\there", "/home/alice/Documents/Q3 report.xlsx",
	"user@10.0.0.12", "--since=yesterday", "-Wall",
};

static const char *const cwds[] = {
	"/", "/root", "/home/alice", "/home/alice/src/pauditd", "/home/bob",
	"/var/www/html", "/srv/app", "/tmp", "/home/carol/My Projects",
};

static const char *const files[] = {
	"/etc/passwd", "/etc/shadow", "/etc/ssl/certs/ca-certificates.crt",
	"/var/log/nginx/access.log", "/home/alice/.bashrc", "/proc/self/status",
	"/usr/lib/x86_64-linux-gnu/libc.so.6", "/srv/app/config.yaml",
	"/var/lib/app/data 2024.db", "/tmp/.X11-unix/X0",
};

static const char *const hosts[] = {
	"10.0.0.5", "10.0.0.17", "192.168.1.23", "203.0.113.9", "?",
};

/* ---- records ---- */

static void
syscall_rec(struct gen *g, struct ev *e, unsigned nr, const struct user *u,
    unsigned auid, const char *comm, const char *exe, unsigned items,
    const char *result, const char *key)
{
	unsigned pid = 1000 + below(g, 60000);

	rec_open(e, T_SYSCALL);
	rec_printf(e, "arch=c000003e syscall=%u %s a0=%" PRIx64 " a1=%" PRIx64
	    " a2=%" PRIx64 " a3=%x items=%u ppid=%u pid=%u auid=%u uid=%u gid=%u"
	    " euid=%u suid=%u fsuid=%u egid=%u sgid=%u fsgid=%u tty=%s ses=%u"
	    " comm=", nr, result, (uint64_t)(rnd(g) & 0xffffffffffffull),
	    (uint64_t)(rnd(g) & 0xffffffffffffull),
	    (uint64_t)(rnd(g) & 0xffffffffffull), below(g, 4096),
	    items, pid - 1 - below(g, 500), pid, auid, u->uid, u->uid, u->uid,
	    u->uid, u->uid, u->uid, u->uid, u->uid,
	    auid == 4294967295u ? "(none)" : "pts0",
	    auid == 4294967295u ? 4294967295u : 1 + below(g, 40));
	put_untrusted(e, comm, strlen(comm));
	rec_put(e, " exe=", 5);
	put_untrusted(e, exe, strlen(exe));
	rec_printf(e, " subj=unconfined key=%s", key);
}

static void
cwd_rec(struct gen *g, struct ev *e, const char *cwd)
{
	rec_open(e, T_CWD);
	rec_put(e, "cwd=", 4);
	put_untrusted(e, cwd, strlen(cwd));
}

static void
path_rec(struct gen *g, struct ev *e, unsigned item, const char *name,
    const char *mode, unsigned ouid, const char *nametype)
{
	rec_open(e, T_PATH);
	rec_printf(e, "item=%u name=", item);
	put_untrusted(e, name, strlen(name));
	rec_printf(e, " inode=%u dev=fd:0%u mode=%s ouid=%u ogid=%u rdev=00:00"
	    " nametype=%s cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0",
	    100000 + below(g, 9000000), 1 + below(g, 3), mode, ouid, ouid, nametype);
}

static void
proctitle_rec(struct ev *e, const char *const *argv, unsigned argc)
{
	char t[PROCTITLE_MAX];
	size_t n = 0, l;
	unsigned i;

	for (i = 0; i < argc && n < sizeof(t); i++) {
		l = strlen(argv[i]);
		if (l > sizeof(t) - n)
			l = sizeof(t) - n;
		memcpy(t + n, argv[i], l);
		n += l;
		if (i + 1 < argc && n < sizeof(t))
			t[n++] = '\0';
	}
	rec_open(e, T_PROCTITLE);
	rec_put(e, "proctitle=", 10);
	put_untrusted(e, t, n);
}

/* An argument vector for a program, random arguments filled in. */
static unsigned
make_argv(struct gen *g, const struct prog *p, const char **argv)
{
	unsigned n;

	for (n = 0; p->argv[n] != NULL; n++)
		argv[n] = strcmp(p->argv[n], "@") == 0 ? PICK(g, args) : p->argv[n];
	return n;
}

static void
execve_args(struct ev *e, const char *const *argv, unsigned argc, unsigned first)
{
	unsigned i;

	for (i = 0; i < argc; i++) {
		rec_printf(e, " a%u=", first + i);
		put_untrusted(e, argv[i], strlen(argv[i]));
	}
}

static const struct user *
pick_user(struct gen *g, unsigned *ret_auid)
{
	const struct user *u = &users[below(g, nitems(users))];

	/* Daemons run without a login uid; people log in as themselves. */
	if (u->uid == 33 || u->uid == 65534 || below(g, 10) == 0)
		*ret_auid = 4294967295u;
	else
		*ret_auid = u->uid == 0 ? 1000 + below(g, 3) : u->uid;
	return u;
}

static void
ev_execve(struct gen *g, struct ev *e)
{
	const struct prog *p = &progs[below(g, nitems(progs))];
	const char *argv[8];
	unsigned argc = make_argv(g, p, argv), auid, npath = 1 + below(g, 3);
	const struct user *u = pick_user(g, &auid);

	/* Two PATH records most of the time (the binary and ld.so). */
	if (npath != 2 && below(g, 2) == 0)
		npath = 2;
	syscall_rec(g, e, 59, u, auid, p->comm, p->exe, npath, "success=yes exit=0",
	    below(g, 4) == 0 ? "(null)" : "\"exec\"");
	rec_open(e, T_EXECVE);
	rec_printf(e, "argc=%u", argc);
	execve_args(e, argv, argc, 0);
	cwd_rec(g, e, below(g, 3) == 0 ? u->home : PICK(g, cwds));
	path_rec(g, e, 0, p->exe, "0100755", 0, "NORMAL");
	if (npath >= 2)
		path_rec(g, e, 1, "/lib64/ld-linux-x86-64.so.2", "0100755", 0, "NORMAL");
	if (npath >= 3)
		path_rec(g, e, 2, "/usr/bin/env", "0100755", 0, "NORMAL");
	proctitle_rec(e, argv, argc);
}

/* A compiler run whose arguments fill two EXECVE records of ~8 KB. */
static void
ev_long_execve(struct gen *g, struct ev *e)
{
	static char argbuf[512][48];
	const char *argv[512];
	unsigned argc = 380 + below(g, 60), i, next;
	const struct user *u = &users[1];

	argv[0] = "cc";
	for (i = 1; i < argc; i++) {
		switch (i % 4) {
		case 0:
			snprintf(argbuf[i], sizeof(argbuf[i]), "-I/usr/include/project/module%03u", i);
			break;
		case 1:
			snprintf(argbuf[i], sizeof(argbuf[i]), "-DFEATURE_%u_ENABLED=%u", i, below(g, 2));
			break;
		case 2:
			snprintf(argbuf[i], sizeof(argbuf[i]), "src/generated/unit_%05u.c", below(g, 100000));
			break;
		default:
			snprintf(argbuf[i], sizeof(argbuf[i]), "dir with space/part%u.o", i);
			break;
		}
		argv[i] = argbuf[i];
	}
	syscall_rec(g, e, 59, u, 1000, "cc", "/usr/bin/x86_64-linux-gnu-gcc-12", 2,
	    "success=yes exit=0", "\"exec\"");
	rec_open(e, T_EXECVE);
	rec_printf(e, "argc=%u", argc);
	/* Like the kernel, continue in a new EXECVE record when one is full. */
	for (i = 0; i < argc; i = next) {
		for (next = i; next < argc && rec_len(e) < EXECVE_SPLIT; next++)
			execve_args(e, &argv[next], 1, next);
		if (next < argc) {
			rec_open(e, T_EXECVE);
			rec_printf(e, "a%u=", next);
			put_untrusted(e, argv[next], strlen(argv[next]));
			next++;
		}
	}
	cwd_rec(g, e, "/home/alice/src/pauditd");
	path_rec(g, e, 0, "/usr/bin/x86_64-linux-gnu-gcc-12", "0100755", 0, "NORMAL");
	path_rec(g, e, 1, "/lib64/ld-linux-x86-64.so.2", "0100755", 0, "NORMAL");
	proctitle_rec(e, argv, argc);
}

static void
ev_openat(struct gen *g, struct ev *e)
{
	const struct prog *p = &progs[below(g, nitems(progs))];
	const char *argv[8];
	unsigned argc = make_argv(g, p, argv), auid;
	const struct user *u = pick_user(g, &auid);
	bool denied = u->uid != 0 && below(g, 4) == 0;

	syscall_rec(g, e, 257, u, auid, p->comm, p->exe, 1,
	    denied ? "success=no exit=-13" : "success=yes exit=3",
	    denied ? "\"access\"" : "\"files\"");
	cwd_rec(g, e, PICK(g, cwds));
	path_rec(g, e, 0, PICK(g, files), "0100644", 0, "NORMAL");
	proctitle_rec(e, argv, argc);
}

static void
ev_connect(struct gen *g, struct ev *e)
{
	static const char *const clients[][2] = {
		{ "/usr/bin/curl", "curl" }, { "/usr/sbin/nginx", "nginx" },
		{ "/usr/bin/ssh", "ssh" }, { "/usr/bin/python3.11", "python3" },
		{ "/usr/lib/systemd/systemd-resolved", "systemd-resolve" },
	};
	unsigned c = below(g, nitems(clients)), auid, kind = below(g, 10);
	const struct user *u = pick_user(g, &auid);
	const char *argv[1] = { clients[c][1] };

	syscall_rec(g, e, 42, u, auid, clients[c][1], clients[c][0], 0,
	    below(g, 3) == 0 ? "success=no exit=-115" : "success=yes exit=0",
	    "\"network\"");
	rec_open(e, T_SOCKADDR);
	if (kind < 6)		/* AF_INET, port, address, padding */
		rec_printf(e, "saddr=0200%04X%08X0000000000000000",
		    PICK(g, ((const unsigned[]){ 80, 443, 53, 22, 5432 })),
		    (unsigned)(0x0a000000u | below(g, 1u << 24)));
	else if (kind < 9)	/* AF_INET6, port, flowinfo, ::ffff:a.b.c.d, scope */
		rec_printf(e, "saddr=0A00%04X0000000000000000000000000000FFFF%08X00000000",
		    443u, (unsigned)rnd(g));
	else			/* AF_UNIX, path */
		rec_printf(e, "saddr=01002F72756E2F73797374656D642F6A6F75726E616C2F736F636B6574");
	proctitle_rec(e, argv, 1);
}

static void
ev_config_change(struct gen *g, struct ev *e)
{
	static const char *const keys[] = { "exec", "files", "network", "access" };
	const char *argv[] = { "auditctl", "-w", "/etc/shadow", "-p", "wa", "-k", "files" };

	rec_open(e, T_CONFIG_CHANGE);
	rec_printf(e, "auid=1000 ses=%u subj=unconfined op=%s key=\"%s\" list=4 res=1",
	    1 + below(g, 40), below(g, 2) ? "add_rule" : "remove_rule", PICK(g, keys));
	syscall_rec(g, e, 44, &users[0], 1000, "auditctl", "/usr/sbin/auditctl", 0,
	    "success=yes exit=1076", "(null)");
	proctitle_rec(e, argv, nitems(argv));
}

static void
ev_seccomp(struct gen *g, struct ev *e)
{
	rec_open(e, T_SECCOMP);
	rec_printf(e, "auid=1000 uid=1000 gid=1000 ses=2 subj=unconfined pid=%u"
	    " comm=\"chrome\" exe=\"/opt/google/chrome/chrome\" sig=0 arch=c000003e"
	    " syscall=%u compat=0 ip=0x7f%010" PRIx64 " code=0x50000",
	    2000 + below(g, 30000), 200 + below(g, 120),
	    (uint64_t)(rnd(g) & 0xffffffffffull));
}

static void
user_common(struct gen *g, struct ev *e, enum rtype t, unsigned uid,
    unsigned auid)
{
	rec_open(e, t);
	rec_printf(e, "pid=%u uid=%u auid=%u ses=%u subj=unconfined msg='",
	    1000 + below(g, 60000), uid, auid, 1 + below(g, 40));
}

static void
ev_user_login(struct gen *g, struct ev *e)
{
	const struct user *u = &users[1 + below(g, 3)];
	const char *h = PICK(g, hosts);
	bool ok = below(g, 8) != 0;

	user_common(g, e, T_USER_LOGIN, 0, ok ? u->uid : 4294967295u);
	rec_printf(e, "op=login id=%u exe=\"/usr/sbin/sshd\" hostname=%s addr=%s"
	    " terminal=/dev/pts/%u res=%s'", u->uid, h, h, below(g, 8),
	    ok ? "success" : "failed");
}

static void
ev_user_cmd(struct gen *g, struct ev *e)
{
	const struct prog *p = &progs[below(g, nitems(progs))];
	const struct user *u = &users[1 + below(g, 3)];
	const char *argv[8];
	char cmd[512];
	unsigned argc = make_argv(g, p, argv), i;
	size_t n = 0;

	user_common(g, e, T_USER_CMD, u->uid, u->uid);
	rec_put(e, "cwd=", 4);
	put_untrusted(e, u->home, strlen(u->home));
	for (i = 0; i < argc; i++)
		n += (size_t)snprintf(cmd + n, sizeof(cmd) - n, "%s%s", i ? " " : "", argv[i]);
	rec_put(e, " cmd=", 5);
	put_hex(e, cmd, n);
	rec_printf(e, " exe=\"/usr/bin/sudo\" terminal=pts/%u res=success'", below(g, 8));
}

static void
ev_user_pam(struct gen *g, struct ev *e)
{
	static const struct {
		enum rtype	 t;
		const char	*op;
	} steps[] = {
		{ T_USER_AUTH, "PAM:authentication" }, { T_USER_ACCT, "PAM:accounting" },
		{ T_CRED_ACQ, "PAM:setcred" }, { T_USER_START, "PAM:session_open" },
		{ T_USER_END, "PAM:session_close" }, { T_CRED_DISP, "PAM:setcred" },
	};
	unsigned s = below(g, nitems(steps));
	const struct user *u = &users[below(g, 4)];
	const char *h = PICK(g, hosts);
	bool sudo = below(g, 2) == 0;

	user_common(g, e, steps[s].t, sudo ? 1000 : 0, sudo ? 1000 : u->uid);
	rec_printf(e, "op=%s grantors=pam_unix,pam_permit,pam_systemd acct=\"%s\""
	    " exe=\"%s\" hostname=%s addr=%s terminal=%s res=success'",
	    steps[s].op, u->name, sudo ? "/usr/bin/sudo" : "/usr/sbin/sshd",
	    sudo ? "?" : h, sudo ? "?" : h, sudo ? "/dev/pts/1" : "ssh");
}

/* Event kinds and their weights (per mille). */
static const struct {
	void		(*fn)(struct gen *, struct ev *);
	unsigned	 weight;
	bool		 user;		/* user-space: one record, ends at once */
	bool		 timeout;	/* no PROCTITLE: ends by the timeout */
} kinds[] = {
	{ ev_execve, 500, false, false },
	{ ev_openat, 180, false, false },
	{ ev_connect, 130, false, false },
	{ ev_user_cmd, 60, true, false },
	{ ev_user_login, 40, true, false },
	{ ev_user_pam, 60, true, false },
	{ ev_config_change, 20, false, false },
	{ ev_long_execve, 5, false, false },
	{ ev_seccomp, 5, false, true },
};

/* ---- output ---- */

static void
ev_build(struct gen *g, struct ev *e)
{
	unsigned r = below(g, 1000), i;

	e->n = 0;
	e->serial = g->serial++;
	g->ms += below(g, 3);
	snprintf(e->hdr, sizeof(e->hdr), "%" PRIu64 ".%03u:%" PRIu64,
	    g->ms / 1000, (unsigned)(g->ms % 1000), e->serial);
	for (i = 0; i < nitems(kinds) - 1 && r >= kinds[i].weight; i++)
		r -= kinds[i].weight;
	kinds[i].fn(g, e);
	g->events++;
	g->user_events += kinds[i].user;
	g->timeout_events += kinds[i].timeout;
}

static void
write_rec(struct gen *g, const struct ev *e, unsigned i)
{
	const char *name = rtypes[e->type[i]].name;
	int n;

	if (g->node != NULL)
		n = fprintf(g->out, "node=%s type=%s msg=audit(%s): ", g->node, name, e->hdr);
	else
		n = fprintf(g->out, "type=%s msg=audit(%s): ", name, e->hdr);
	if (n < 0 || fwrite(e->data[i], 1, e->len[i], g->out) != e->len[i] ||
	    putc('\n', g->out) == EOF) {
		perror("gencorpus: write");
		exit(1);
	}
	g->records++;
	g->per_type[e->type[i]]++;
	g->bytes += (uint64_t)n + e->len[i] + 1;
	if ((uint64_t)n + e->len[i] > g->max_line)
		g->max_line = (uint64_t)n + e->len[i];
}

/* Write a then b, their records shuffled together, each in its order. */
static void
write_interleaved(struct gen *g, const struct ev *a, const struct ev *b)
{
	unsigned i = 0, j = 0;

	write_rec(g, a, i++);
	while (i < a->n || j < b->n) {
		if (j >= b->n || (i < a->n && below(g, 2) == 0))
			write_rec(g, a, i++);
		else
			write_rec(g, b, j++);
	}
}

static void
write_meta(const struct gen *g, const char *path, uint64_t seed)
{
	FILE *f = fopen(path, "w");
	unsigned t;

	if (f == NULL) {
		perror(path);
		exit(1);
	}
	fprintf(f, "seed=%" PRIu64 "\nevents=%" PRIu64 "\nuser_events=%" PRIu64
	    "\ntimeout_events=%" PRIu64 "\nrecords=%" PRIu64 "\nbytes=%" PRIu64
	    "\nmax_line=%" PRIu64 "\n", seed, g->events, g->user_events,
	    g->timeout_events, g->records, g->bytes, g->max_line);
	for (t = 0; t < T_MAX; t++)
		fprintf(f, "type.%s=%" PRIu64 "\n", rtypes[t].name, g->per_type[t]);
	if (fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: gencorpus [-n EVENTS] [-s SEED] [-o FILE] [-m METAFILE]"
	    " [-N NODE] [-S FIRST_SERIAL] [-T START_SEC]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct gen g = { .serial = 1000, .ms = 1700000000000ull, .out = stdout };
	struct ev a = { 0 }, b = { 0 };
	const char *out = NULL, *meta = NULL;
	uint64_t n = 1000, seed = 1, i;
	unsigned k;
	int c;

	while ((c = getopt(argc, argv, "n:s:o:m:N:S:T:")) != -1) {
		switch (c) {
		case 'n':
			n = strtoull(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoull(optarg, NULL, 10);
			break;
		case 'o':
			out = optarg;
			break;
		case 'm':
			meta = optarg;
			break;
		case 'N':
			g.node = optarg;
			break;
		case 'S':
			g.serial = strtoull(optarg, NULL, 10);
			break;
		case 'T':
			g.ms = strtoull(optarg, NULL, 10) * 1000;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || g.serial == 0)
		usage();
	g.rng = seed;
	if (out != NULL && (g.out = fopen(out, "w")) == NULL) {
		perror(out);
		return 1;
	}
	setvbuf(g.out, NULL, _IOFBF, 1 << 20);
	for (i = 0; i < n; i++) {
		ev_build(&g, &a);
		/* One event in twenty shares its time slice with the next. */
		if (i + 1 < n && below(&g, 20) == 0) {
			ev_build(&g, &b);
			write_interleaved(&g, &a, &b);
			i++;
		} else {
			for (k = 0; k < a.n; k++)
				write_rec(&g, &a, k);
		}
	}
	if (fflush(g.out) != 0 || (out != NULL && fclose(g.out) != 0)) {
		perror("gencorpus: write");
		return 1;
	}
	if (meta != NULL)
		write_meta(&g, meta, seed);
	for (k = 0; k < REC_MAX; k++) {
		free(a.data[k]);
		free(b.data[k]);
	}
	return 0;
}
