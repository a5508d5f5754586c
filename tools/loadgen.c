/*
 * loadgen: issue one cheap system call (getppid) as fast as possible,
 * for the live benchmark. A rule such as
 *   -a always,exit -F arch=b64 -S getppid -F exe=<path of loadgen> -k KEY
 * turns every call into one audit event (SYSCALL, PROCTITLE, EOE); the
 * kernel throttles the loop when the consumer cannot keep up (backlog
 * limit and backlog_wait_time), so the call rate is the consumer's rate.
 *
 * usage: loadgen [-t seconds] [-n calls]
 * Prints: calls=N seconds=S rate=R
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	double seconds = 5, start, end, el;
	uint64_t calls = 0, max = 0;
	int c;

	while ((c = getopt(argc, argv, "t:n:")) != -1) {
		switch (c) {
		case 't':
			seconds = atof(optarg);
			break;
		case 'n':
			max = strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: loadgen [-t seconds] [-n calls]\n");
			return 2;
		}
	}
	start = now();
	end = start + seconds;
	for (;;) {
		syscall(SYS_getppid);
		calls++;
		if (max > 0 && calls >= max)
			break;
		if ((calls & 255) == 0 && now() >= end)
			break;
	}
	el = now() - start;
	printf("calls=%llu seconds=%.3f rate=%.0f\n", (unsigned long long)calls,
	    el, (double)calls / el);
	return 0;
}
