/*
 * cputime: run a command and write the CPU time its process used (every
 * thread), to the microsecond, for bench/run.sh.
 *
 * /usr/bin/time prints user and system time to the hundredth of a second
 * each: on a replay of 0.15-0.2 s that is a step of 8 ns per record of
 * the 1.2M-record corpus, and the two fields are cut separately. wait4
 * gives both to the microsecond.
 *
 * usage: cputime -o FILE COMMAND [ARG...]
 * FILE gets one line: user_s sys_s wall_s maxrss_kb. The exit status is
 * the command's (128 + the signal if one killed it, 127 if it could not
 * be run).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv_sec(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
	struct rusage ru;
	const char *path;
	double t0, wall;
	FILE *f;
	pid_t pid;
	int st;

	if (argc < 4 || strcmp(argv[1], "-o") != 0) {
		fprintf(stderr, "usage: cputime -o FILE COMMAND [ARG...]\n");
		return 2;
	}
	path = argv[2];
	t0 = now();
	if ((pid = fork()) < 0) {
		perror("cputime: fork");
		return 127;
	}
	if (pid == 0) {
		execvp(argv[3], argv + 3);
		fprintf(stderr, "cputime: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("cputime: wait4");
			return 127;
		}
	}
	wall = now() - t0;
	if ((f = fopen(path, "w")) == NULL) {
		fprintf(stderr, "cputime: %s: %s\n", path, strerror(errno));
		return 127;
	}
	fprintf(f, "%.6f %.6f %.6f %ld\n", tv_sec(ru.ru_utime),
	    tv_sec(ru.ru_stime), wall, ru.ru_maxrss);
	if (fclose(f) != 0) {
		fprintf(stderr, "cputime: %s: %s\n", path, strerror(errno));
		return 127;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
