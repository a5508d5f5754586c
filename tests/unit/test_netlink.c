/*
 * test_netlink.c: validation of received netlink datagrams on
 * hand-built buffers (sender, lengths, the unicast length quirk,
 * control types), and the netlink.* / rules configuration check.
 * No kernel is needed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"
#include "../../src/config/config.h"
#include "../../src/source/nl_audit.h"
#include "../../src/source/nl_conf.h"
#include "../../src/source/source.h"

struct got {
	unsigned	n;
	uint32_t	type[8];
	char		text[8][128];
};

static void
collect(void *arg, uint32_t type, const char *p, size_t len)
{
	struct got *g = arg;

	if (g->n >= 8)
		return;
	g->type[g->n] = type;
	snprintf(g->text[g->n], sizeof(g->text[0]), "%.*s", (int)len, p);
	g->n++;
}

static _Alignas(struct nlmsghdr) char dgram[4096];

/* Append one message at `off`; `len_field` is written as nlmsg_len. */
static size_t
put(size_t off, uint16_t type, uint32_t seq, const void *payload,
    size_t plen, uint32_t len_field)
{
	struct nlmsghdr *h = (struct nlmsghdr *)(void *)(dgram + off);

	memset(h, 0, NLMSG_HDRLEN);
	h->nlmsg_len = len_field;
	h->nlmsg_type = type;
	h->nlmsg_seq = seq;
	memcpy(dgram + off + NLMSG_HDRLEN, payload, plen);
	return off + NLMSG_HDRLEN + plen;
}

static const struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
static const char rec[] = "audit(1700000000.123:42): arch=c000003e syscall=59";

TEST(multicast_record)
{
	struct nl_audit_counts c = { 0 };
	struct got g = { 0 };
	size_t n;

	n = put(0, 1300, 0, rec, strlen(rec), NLMSG_HDRLEN + strlen(rec));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 1);
	ASSERT_EQ(g.n, 1);
	ASSERT_EQ(g.type[0], 1300);
	ASSERT_STREQ(g.text[0], rec);
	ASSERT_EQ(c.records, 1);
	ASSERT_EQ(c.malformed, 0);
}

TEST(unicast_length_quirk)
{
	struct nl_audit_counts c = { 0 };
	struct got g = { 0 };
	size_t n;

	/* The unicast path writes the payload length only. */
	n = put(0, 1309, 0, rec, strlen(rec), strlen(rec));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 1);
	ASSERT_STREQ(g.text[0], rec);
	ASSERT_EQ(g.type[0], 1309);
	/* A trailing NUL counted in the length is passed on as data. */
	n = put(0, 1327, 0, "audit(1.2:3): x\0", 16, 16);
	g.n = 0;
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 1);
	ASSERT_STREQ(g.text[0], "audit(1.2:3): x");
}

TEST(sender_must_be_kernel)
{
	struct sockaddr_nl other = { .nl_family = AF_NETLINK, .nl_pid = 4242 };
	struct sockaddr_nl wrong = { .nl_family = AF_UNIX };
	struct nl_audit_counts c = { 0 };
	struct got g = { 0 };
	size_t n;

	n = put(0, 1300, 0, rec, strlen(rec), NLMSG_HDRLEN + strlen(rec));
	ASSERT_EQ(nl_audit_parse(&other, sizeof(other), dgram, n, collect,
	    &g, &c), 0);
	ASSERT_EQ(nl_audit_parse(&wrong, sizeof(wrong), dgram, n, collect,
	    &g, &c), 0);
	ASSERT_EQ(nl_audit_parse(&kernel, 4, dgram, n, collect, &g, &c), 0);
	ASSERT_EQ(g.n, 0);
	ASSERT_EQ(c.bad_sender, 3);
}

TEST(control_types_skipped)
{
	struct nl_audit_counts c = { 0 };
	struct nlmsgerr e = { .error = -EEXIST };
	struct audit_status st = { 0 };
	struct got g = { 0 };
	size_t n;

	n = put(0, NLMSG_ERROR, 7, &e, sizeof(e), NLMSG_HDRLEN + sizeof(e));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	ASSERT_EQ(c.last_error, -EEXIST);
	ASSERT_EQ(c.last_error_seq, 7);
	n = put(0, AUDIT_GET, 8, &st, sizeof(st), NLMSG_HDRLEN + sizeof(st));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	/* AUDIT_REPLACE probes (1329) look like records but are not. */
	n = put(0, AUDIT_REPLACE, 0, "\x01\x02\x03\x04", 4, 4);
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	n = put(0, NLMSG_DONE, 9, "", 0, NLMSG_HDRLEN);
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	ASSERT_EQ(g.n, 0);
	ASSERT_EQ(c.control, 4);
	ASSERT_EQ(c.malformed, 0);
	ASSERT(!nl_audit_is_record(AUDIT_REPLACE));
	ASSERT(!nl_audit_is_record(1099));
	ASSERT(nl_audit_is_record(1100));
	ASSERT(nl_audit_is_record(AUDIT_EOE));
}

/*
 * Two types among the commands are records: AUDIT_USER (1005, what
 * `auditctl -m` sends) and AUDIT_LOGIN (1006, a loginuid set). A probe
 * beside auditd found both in its log and missing from pauditd's output,
 * the standalone USER counted as a missed serial. Unicast, they have the
 * records' length quirk.
 */
TEST(user_and_login_are_records)
{
	static const char login[] = "audit(1700000000.200:43): pid=7 uid=0 "
	    "old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 "
	    "ses=3 res=1";
	struct nl_audit_counts c = { 0 };
	struct got g = { 0 };
	uint32_t t;
	size_t n;

	/* Unicast, one to a datagram; then as multicast copies carry it. */
	n = put(0, AUDIT_USER, 0, rec, strlen(rec), strlen(rec));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 1);
	n = put(0, AUDIT_LOGIN, 0, login, strlen(login),
	    NLMSG_HDRLEN + strlen(login));
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 1);
	ASSERT_EQ(g.n, 2);
	ASSERT_EQ(g.type[0], AUDIT_USER);
	ASSERT_STREQ(g.text[0], rec);
	ASSERT_EQ(g.type[1], AUDIT_LOGIN);
	ASSERT_STREQ(g.text[1], login);
	ASSERT_EQ(c.control, 0);
	/* The commands around them are not. */
	for (t = AUDIT_GET; t < AUDIT_FIRST_USER_MSG; t++)
		ASSERT_EQ(nl_audit_is_record(t), t == AUDIT_USER || t == AUDIT_LOGIN);
}

TEST(malformed_lengths)
{
	struct nl_audit_counts c = { 0 };
	struct got g = { 0 };
	size_t n;

	/* Longer than the datagram (a cut record). */
	n = put(0, 1300, 0, rec, strlen(rec), NLMSG_HDRLEN + strlen(rec) + 50);
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	/* Shorter than a header. */
	n = put(0, 1300, 0, rec, strlen(rec), 8);
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 0);
	/* Fewer bytes than a header: nothing to look at. */
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, 10, collect,
	    &g, &c), 0);
	ASSERT_EQ(g.n, 0);
	ASSERT_EQ(c.malformed, 2);
}

TEST(several_messages_in_one_datagram)
{
	struct nl_audit_counts c = { 0 };
	struct nlmsgerr e = { .error = 0 };
	struct got g = { 0 };
	size_t off, n;

	/* An ack, then two records with true lengths (unaligned first). */
	off = put(0, NLMSG_ERROR, 1, &e, sizeof(e), NLMSG_HDRLEN + sizeof(e));
	n = put(off, 1300, 0, "audit(1.1:5): a=1", 17, NLMSG_HDRLEN + 17);
	off = NLMSG_ALIGN(n);
	n = put(off, 1320, 0, "audit(1.1:5): ", 14, NLMSG_HDRLEN + 14);
	ASSERT_EQ(nl_audit_parse(&kernel, sizeof(kernel), dgram, n, collect,
	    &g, &c), 2);
	ASSERT_STREQ(g.text[0], "audit(1.1:5): a=1");
	ASSERT_STREQ(g.text[1], "audit(1.1:5): ");
	ASSERT_EQ(g.type[1], 1320);
	ASSERT_EQ(c.control, 1);
	ASSERT_EQ(c.last_error, 0);
}

/* Run src_netlink's check on a YAML text; returns the error count. */
static unsigned
check(const char *yaml, char *last, size_t len)
{
	struct config *conf;
	struct cfg_ctx c;

	cfg_ctx_init(&c, "test.yaml");
	c.quiet = true;
	conf = config_load_string("test.yaml", yaml, &c);
	if (conf == NULL)
		return 1000;
	c.errors = 0;
	src_netlink_ops.check(conf, &c);
	snprintf(last, len, "%s", c.last);
	config_free(conf);
	return c.errors;
}

TEST(check_config)
{
	char last[512];

	ASSERT_EQ(check("output: {stdout: {enabled: true, attempts: 1}}\n",
	    last, sizeof(last)), 0);
	ASSERT_EQ(check("netlink:\n  mode: multicast\n  reclaim: false\n"
	    "  status_interval: 2s\nrules:\n  - -w '/a b' -k x\n  - -e 1\n",
	    last, sizeof(last)), 0);
	ASSERT_EQ(check("netlink:\n  mode: broadcast\n", last, sizeof(last)), 1);
	ASSERT(strstr(last, "netlink.mode") != NULL);
	ASSERT(strstr(last, ":2:") != NULL);
	ASSERT_EQ(check("netlink:\n  exclude_self: maybe\n", last,
	    sizeof(last)), 1);
	ASSERT_EQ(check("netlink:\n  status_interval: 10ms\n", last,
	    sizeof(last)), 1);
	ASSERT_EQ(check("rules:\n  - -e 1\n  - -k 'open\n", last,
	    sizeof(last)), 1);
	ASSERT(strstr(last, "rule #2") != NULL);
	ASSERT(strstr(last, "unterminated quote") != NULL);
	ASSERT(strstr(last, ":3:") != NULL);
	ASSERT_EQ(check("rules:\n  - {a: b}\n", last, sizeof(last)), 1);
	ASSERT_EQ(check("rules: -e 1\n", last, sizeof(last)), 1);
	/* Each error with its line. */
	ASSERT_EQ(check("events:\n  min: 1300\nnetlink:\n  auditctl: ''\n",
	    last, sizeof(last)), 1);
	ASSERT(strstr(last, ":4: netlink.auditctl: must not be empty") != NULL);
	/* An empty list and an empty key are both "leave rules alone". */
	ASSERT_EQ(check("rules: []\n", last, sizeof(last)), 0);
	ASSERT_EQ(check("rules:\n", last, sizeof(last)), 0);
}

static char logbuf[1024];

/*
 * Load rules (a YAML list's items) through a fake auditctl that logs its
 * arguments, then runs `script` (shell, may be "").
 */
static int
load(const char *dir, bool locked, const char *script, const char *ruleset,
    bool *excluded, char *calls, size_t len)
{
	char yaml[1024], path[128];
	const char **rules;
	struct nl_conf nc;
	struct config *conf;
	struct cfg_ctx c;
	size_t n;
	FILE *f;
	int r, fd, saved;

	snprintf(path, sizeof(path), "%s/auditctl", dir);
	if ((f = fopen(path, "w")) == NULL)
		return -100;
	fprintf(f, "#!/bin/sh\necho \"$*\" >> %s/calls\n%s\n", dir, script);
	fclose(f);
	chmod(path, 0755);
	snprintf(yaml, sizeof(yaml), "netlink:\n  auditctl: %s\n"
	    "rules:\n%s", path, ruleset);
	cfg_ctx_init(&c, "t.yaml");
	c.quiet = true;
	if ((conf = config_load_string("t.yaml", yaml, &c)) == NULL)
		return -101;
	if (nl_conf_bind(conf, &c, &nc) < 0 ||
	    nl_conf_rules(conf, &c, &rules, &n) < 0)
		return -102;
	/* Capture the log line instead of printing it. */
	snprintf(path, sizeof(path), "%s/log", dir);
	fflush(stderr);
	saved = dup(2);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0) {
		dup2(fd, 2);
		close(fd);
	}
	r = nl_conf_load_rules(&nc, conf, rules, n, locked, 77, excluded);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if ((f = fopen(path, "r")) != NULL) {
		logbuf[fread(logbuf, 1, sizeof(logbuf) - 1, f)] = '\0';
		fclose(f);
	}
	unlink(path);
	free(rules);
	nl_conf_free(&nc);
	config_free(conf);
	snprintf(path, sizeof(path), "%s/calls", dir);
	calls[0] = '\0';
	if ((f = fopen(path, "r")) != NULL) {
		calls[fread(calls, 1, len - 1, f)] = '\0';
		fclose(f);
	}
	unlink(path);
	snprintf(path, sizeof(path), "%s/auditctl", dir);
	unlink(path);
	return r;
}

static const char two_rules[] = "  - -e 1\n  - -w \"/a b\" -k k\n";

TEST(rules_locked_kernel_untouched)
{
	char dir[] = "/tmp/pauditd-nlconf-XXXXXX", calls[512];
	bool excl = true;

	ASSERT(mkdtemp(dir) != NULL);
	ASSERT_EQ(load(dir, true, "", two_rules, &excl, calls, sizeof(calls)), 0);
	ASSERT_STREQ(calls, "");
	ASSERT(!excl);
	ASSERT(strstr(logbuf, "locked (enabled 2): not loading the 2") != NULL);
	ASSERT_EQ(load(dir, false, "", two_rules, &excl, calls, sizeof(calls)), 0);
	rmdir(dir);
	/* The kernel's rules listed first, in case a rule fails. */
	ASSERT_STREQ(calls, "-l\n-D\n-a never,exit -F pid=77\n-e 1\n-w /a b -k k\n");
	ASSERT(excl);
	ASSERT(strstr(logbuf, "loaded 2 audit rules") != NULL);
}

TEST(rules_failed_load_puts_back_the_previous_ones)
{
	static const char script[] =
	    "case \"$*\" in\n"
	    "-l) printf '%s\\n' '-a always,exit -F arch=b64 -S execve -F key=old' "
	    "'-w /etc/shadow -p wa' ;;\n"
	    "'-w /bad') echo 'Error sending add rule data request' >&2; exit 1 ;;\n"
	    "esac\nexit 0";
	char dir[] = "/tmp/pauditd-nlconf-XXXXXX", calls[1024];
	bool excl = true;

	ASSERT(mkdtemp(dir) != NULL);
	ASSERT(load(dir, false, script, "  - -e 1\n  - -w /bad\n", &excl, calls,
	    sizeof(calls)) < 0);
	rmdir(dir);
	ASSERT(!excl);
	ASSERT_STREQ(calls, "-l\n-D\n-a never,exit -F pid=77\n-e 1\n-w /bad\n"
	    "-D\n-a always,exit -F arch=b64 -S execve -F key=old\n"
	    "-w /etc/shadow -p wa\n");
	ASSERT(strstr(logbuf, "rule #2 (t.yaml line 5) \"-w /bad\"") != NULL);
	ASSERT(strstr(logbuf, "Error sending add rule data request") != NULL);
	ASSERT(strstr(logbuf, "the kernel's 2 previous rules are back") != NULL);
}

TEST(rules_no_rules_before_means_none_after)
{
	static const char script[] =
	    "case \"$*\" in\n-l) echo 'No rules' ;;\n"
	    "'-w /bad') exit 1 ;;\nesac\nexit 0";
	char dir[] = "/tmp/pauditd-nlconf-XXXXXX", calls[1024];
	bool excl;

	ASSERT(mkdtemp(dir) != NULL);
	ASSERT(load(dir, false, script, "  - -w /bad\n", &excl, calls,
	    sizeof(calls)) < 0);
	rmdir(dir);
	ASSERT_STREQ(calls, "-l\n-D\n-a never,exit -F pid=77\n-w /bad\n-D\n");
	ASSERT(strstr(logbuf, "the kernel's 0 previous rules are back") != NULL);
}

TEST_MAIN(T(multicast_record), T(unicast_length_quirk),
    T(user_and_login_are_records),
    T(sender_must_be_kernel), T(control_types_skipped),
    T(malformed_lengths), T(several_messages_in_one_datagram),
    T(check_config), T(rules_locked_kernel_untouched),
    T(rules_failed_load_puts_back_the_previous_ones),
    T(rules_no_rules_before_means_none_after))
