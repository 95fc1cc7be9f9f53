// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A loopback reader made to wait in one known way, for it_sched_split.sh:
 *
 *   sched_reader MODE PORT COUNT DELAY_US OUT
 *
 * A writer process sends COUNT 64-byte messages to a reader; the reader
 * acknowledges each with one byte, the writer sends the next one
 * DELAY_US / 10 after the ack. Between its reads the reader
 *   plain     does nothing (it waits in recv),
 *   busy      spins DELAY_US on its own clock (the data arrives meanwhile),
 *   blocked   sleeps DELAY_US (nanosleep),
 *   runnable  does nothing, but shares CPU 0 with a SCHED_FIFO hog that
 *             spins DELAY_US and sleeps DELAY_US in turn (the writer is
 *             on CPU 1), so a wake-up often finds its CPU taken.
 * The cb_* modes wait in the reader's message handler, on_message(), which
 * it calls after each read (the target of --callback, for
 * it_callback_off_cpu.sh): the handler
 *   cb_spin      spins DELAY_US on its own clock,
 *   cb_sleep     sleeps DELAY_US (nanosleep),
 *   cb_runnable  spins DELAY_US sharing CPU 0 with the hog above.
 * OUT gets "tid TID" and one line per message: "i send_ns recv_ns
 * handler_ns off_ns" (the writer's CLOCK_MONOTONIC just before send, the
 * reader's just before the recv that returned the message; the handler's
 * own time, and of it the time its own clock saw it off the CPU: a sleep's,
 * or a spin's gaps over GAP_NS between two readings): the truth the tests
 * compare the split with. Bounded: COUNT messages, each wait bounded by
 * SO_RCVTIMEO.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSGS 10000
/* a spin's clock readings are ~30 ns apart: a gap this long is off CPU
 * (an interrupt is a few us: not counted) */
#define GAP_NS 20000ULL

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void spin_ns(uint64_t ns)
{
	uint64_t end = now_ns() + ns;

	while (now_ns() < end)
		;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = ns / 1000000000ULL,
			      .tv_nsec = ns % 1000000000ULL};

	nanosleep(&ts, NULL);
}

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void die(const char *what)
{
	fprintf(stderr, "sched_reader: %s: %s\n", what, strerror(errno));
	exit(1);
}

/*
 * The hog: SCHED_FIFO on CPU 0, spin and sleep in turn, for at most 10 s
 * and not a period longer than its parent.
 */
static pid_t start_hog(uint64_t period_ns)
{
	struct sched_param sp = {.sched_priority = 1};
	pid_t parent = getpid(), pid = fork();

	if (pid)
		return pid;
	if (pin(0) || sched_setscheduler(0, SCHED_FIFO, &sp))
		die("hog: CPU 0 at SCHED_FIFO");
	for (uint64_t end = now_ns() + 10000000000ULL;
	     now_ns() < end && getppid() == parent;) {
		spin_ns(period_ns);
		sleep_ns(period_ns);
	}
	_exit(0);
}

/* A spin that counts the gaps in its own clock (time off the CPU). */
static uint64_t spin_gaps_ns(uint64_t ns)
{
	uint64_t t0 = now_ns(), prev = t0, t, off = 0;

	do {
		t = now_ns();
		if (t - prev > GAP_NS)
			off += t - prev;
		prev = t;
	} while (t - t0 < ns);
	return off;
}

/*
 * The per-message handler --callback probes (noipa: one symbol, no clone).
 * Returns its own time; *off: of it, the time off the CPU.
 */
__attribute__((noipa)) uint64_t on_message(const char *mode, uint64_t delay_ns,
					   uint64_t *off)
{
	uint64_t t0 = now_ns();

	if (!strcmp(mode, "cb_sleep")) {
		sleep_ns(delay_ns);
		*off = now_ns() - t0;
	} else {
		*off = spin_gaps_ns(delay_ns);
	}
	return now_ns() - t0;
}

static void writer(int fd, int count, uint64_t gap_ns, uint64_t *send_ns)
{
	char msg[64], ack;

	memset(msg, 'm', sizeof(msg));
	for (int i = 0; i < count; i++) {
		send_ns[i] = now_ns();
		if (send(fd, msg, sizeof(msg), 0) != sizeof(msg))
			die("writer: send");
		if (recv(fd, &ack, 1, MSG_WAITALL) != 1)
			die("writer: ack");
		sleep_ns(gap_ns);
	}
}

static void reader(int fd, const char *mode, int count, uint64_t delay_ns,
		   uint64_t *recv_ns, uint64_t *cb_ns)
{
	bool cb = !strncmp(mode, "cb_", 3);
	char buf[64];

	for (int i = 0; i < count; i++) {
		if (i && !strcmp(mode, "busy"))
			spin_ns(delay_ns);
		else if (i && !strcmp(mode, "blocked"))
			sleep_ns(delay_ns);
		recv_ns[i] = now_ns();
		if (recv(fd, buf, sizeof(buf), MSG_WAITALL) != sizeof(buf))
			die("reader: recv");
		if (cb)
			cb_ns[2 * i] =
				on_message(mode, delay_ns, &cb_ns[2 * i + 1]);
		if (send(fd, "a", 1, 0) != 1)
			die("reader: ack");
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	struct timeval tmo = {.tv_sec = 5};
	int one = 1, lfd, wfd, rfd, count, status;
	uint64_t delay_ns, *send_ns, *recv_ns, *cb_ns;
	pid_t wpid, hog = 0;
	FILE *out;

	if (argc != 6) {
		fprintf(stderr,
			"usage: sched_reader plain|busy|blocked|runnable|cb_spin|cb_sleep|cb_runnable PORT COUNT DELAY_US OUT\n");
		return 2;
	}
	count = atoi(argv[3]);
	delay_ns = strtoull(argv[4], NULL, 10) * 1000ULL;
	if (count < 1 || count > MAX_MSGS || !delay_ns)
		return 2;
	send_ns =
		mmap(NULL, MAX_MSGS * sizeof(uint64_t), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	recv_ns = calloc(MAX_MSGS, sizeof(uint64_t));
	cb_ns = calloc(2 * MAX_MSGS, sizeof(uint64_t));
	if (send_ns == MAP_FAILED || !recv_ns || !cb_ns)
		die("memory");

	a.sin_port = htons(atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) || listen(lfd, 1))
		die("listen");
	wfd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(wfd, (struct sockaddr *)&a, sizeof(a)))
		die("connect");
	rfd = accept(lfd, NULL, NULL);
	if (rfd < 0)
		die("accept");
	setsockopt(rfd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
	setsockopt(wfd, IPPROTO_TCP, 1, &one, sizeof(one));
	setsockopt(rfd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
	setsockopt(wfd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));

	if (!strcmp(argv[1], "runnable") || !strcmp(argv[1], "cb_runnable")) {
		hog = start_hog(delay_ns);
		if (pin(0))
			die("reader: CPU 0");
	}
	wpid = fork();
	if (!wpid) {
		if (hog && pin(1))
			die("writer: CPU 1");
		writer(wfd, count, delay_ns / 10, send_ns);
		_exit(0);
	}
	reader(rfd, argv[1], count, delay_ns, recv_ns, cb_ns);
	if (waitpid(wpid, &status, 0) != wpid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		die("writer");
	if (hog) {
		kill(hog, SIGKILL);
		waitpid(hog, NULL, 0);
	}
	out = fopen(argv[5], "w");
	if (!out)
		die(argv[5]);
	fprintf(out, "tid %ld\n", (long)syscall(SYS_gettid));
	for (int i = 0; i < count; i++)
		fprintf(out, "%d %llu %llu %llu %llu\n", i,
			(unsigned long long)send_ns[i],
			(unsigned long long)recv_ns[i],
			(unsigned long long)cb_ns[2 * i],
			(unsigned long long)cb_ns[2 * i + 1]);
	return fclose(out) ? 1 : 0;
}
