// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --sched in the correlator: a joined read that carries the kernel's split
 * of its wake-up -> end gives sched_delay, thread_busy and thread_blocked
 * next to its wakeup_to_read (zero is a value), per read and per message;
 * a read without a split gives none and is counted as not split. A
 * --callback call that carries its time off CPU gives callback_off_cpu
 * (zero is a value too); one without it gives none.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "correlator.h"
#include "live.h"
#include "report/report_view.h"

#define SK1 0xffff888001234500ULL

static void sched_rd(struct corr *c, uint32_t from, uint32_t to, uint64_t wake,
		     uint64_t ts, const struct lp_sched_split *s)
{
	struct lp_event e = {};

	e.h.type = LP_EV_READ;
	e.h.sk = SK1;
	e.h.ts_ns = ts;
	e.h.tid = 9;
	e.read.seq_start = from;
	e.read.seq_end = to;
	e.read.ret = to - from;
	e.read.joined = 1;
	e.read.has_mark = 1;
	e.read.mark = (struct lp_mark){.seq = from,
				       .end_seq = to,
				       .tcp_ns = wake - 5,
				       .wake_ns = wake};
	if (s) {
		e.read.has_sched = 1;
		e.read.sched = *s;
	}
	corr_event(c, &e, lp_event_size(LP_EV_READ));
}

static void test_per_read(void)
{
	struct corr_cfg cfg = {};
	struct corr *c = corr_new(&cfg);
	struct lp_sched_split s = {
		.runnable_ns = 300, .running_ns = 0, .sleeping_ns = 700};

	sched_rd(c, 1000, 1100, 2000, 3000, &s);
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 1);
	CHECK_EQ(c->stages[ST_SCHED_DELAY].count, 1);
	CHECK_EQ(c->stages[ST_SCHED_DELAY].max, 300);
	CHECK_EQ(c->stages[ST_THREAD_BUSY].count, 1); /* 0 ns is a value */
	CHECK_EQ(c->stages[ST_THREAD_BUSY].max, 0);
	CHECK_EQ(c->stages[ST_THREAD_BLOCKED].max, 700);
	CHECK_EQ(c->t.sched_split, 1);
	/* no split: wakeup_to_read alone, counted as not split */
	sched_rd(c, 1100, 1200, 4000, 5000, NULL);
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].count, 2);
	CHECK_EQ(c->stages[ST_SCHED_DELAY].count, 1);
	CHECK_EQ(c->t.sched_unsplit, 1);
	corr_free(c);
}

/* --client: the message's read carries the split to the message's stages. */
static void test_per_message(void)
{
	struct corr_cfg cfg = {.per_message = true};
	struct corr *c = corr_new(&cfg);
	struct lp_sched_split s = {
		.runnable_ns = 100, .running_ns = 150, .sleeping_ns = 250};
	struct lp_event e = {};

	sched_rd(c, 1000, 1100, 2000, 2500, &s);
	CHECK_EQ(c->stages[ST_SCHED_DELAY].count, 0); /* a read is no message */
	e.h.type = LP_EV_MSG;
	e.h.sk = SK1;
	e.h.tid = 9;
	e.h.ts_ns = 2700;
	e.msg.frame_ns = 2600;
	e.msg.parsed_ns = 2650;
	corr_event(c, &e, lp_event_size(LP_EV_MSG));
	CHECK_EQ(c->stages[ST_WAKEUP_TO_READ].max, 500);
	CHECK_EQ(c->stages[ST_SCHED_DELAY].max, 100);
	CHECK_EQ(c->stages[ST_THREAD_BUSY].max, 150);
	CHECK_EQ(c->stages[ST_THREAD_BLOCKED].max, 250);
	corr_free(c);
}

static void cb_call(struct corr *c, uint64_t entry, uint64_t ret, bool has,
		    uint64_t off)
{
	struct lp_event e = {};

	e.h.type = LP_EV_CB;
	e.h.ts_ns = ret;
	e.h.tid = 9;
	e.cb.entry_ns = entry;
	e.cb.has_off_cpu = has;
	e.cb.off_cpu_ns = off;
	corr_event(c, &e, lp_event_size(LP_EV_CB));
}

/* --live: an opt-in stage takes a row only once it has values. */
static bool live_has(const struct corr *c, const char *row)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool has;

	live_render(f, c, NULL, 0, 1, 40, 80);
	fclose(f);
	has = text && strstr(text, row);
	free(text);
	return has;
}

static void test_callback_off_cpu(void)
{
	struct corr_cfg cfg = {.per_message = true};
	struct corr *c = corr_new(&cfg);

	sched_rd(c, 1000, 1100, 5000, 5200, NULL);
	CHECK(!live_has(c, "callback_off_cpu"),
	      "--live: no row without values");
	cb_call(c, 5300, 5900, true, 400); /* slept or preempted 400 of 600 */
	CHECK_EQ(c->stages[ST_CALLBACK].max, 600);
	CHECK_EQ(c->stages[ST_CALLBACK_OFF_CPU].count, 1);
	CHECK_EQ(c->stages[ST_CALLBACK_OFF_CPU].max, 400);
	CHECK_EQ(corr_lookup(c, SK1)->stages[ST_CALLBACK_OFF_CPU]->count, 1);
	CHECK(live_has(c, "callback_off_cpu              1        0.4"),
	      "--live: its row once it has a value");
	cb_call(c, 6000, 6100, true, 0); /* on the CPU all along: a value */
	CHECK_EQ(c->stages[ST_CALLBACK_OFF_CPU].count, 2);
	CHECK_EQ(c->stages[ST_CALLBACK_OFF_CPU].min, 0);
	cb_call(c, 6200, 6300, false, 0); /* no --sched: none */
	CHECK_EQ(c->stages[ST_CALLBACK].count, 3);
	CHECK_EQ(c->stages[ST_CALLBACK_OFF_CPU].count, 2);
	corr_free(c);
}

/* Pictures stack a message's component stages: the split is not one. */
static void test_not_components(void)
{
	CHECK(!rv_component(ST_CALLBACK_OFF_CPU),
	      "callback_off_cpu is part of callback, not stacked");
	CHECK(rv_component(ST_WAKEUP_TO_READ), "wakeup_to_read is drawn");
	CHECK(!rv_component(ST_SCHED_DELAY), "sched_delay is not stacked");
	CHECK(!rv_component(ST_THREAD_BUSY), "thread_busy is not stacked");
	CHECK(!rv_component(ST_THREAD_BLOCKED),
	      "thread_blocked is not stacked");
}

int main(void)
{
	test_not_components();
	test_per_read();
	test_per_message();
	test_callback_off_cpu();
	return check_done("test_corr_sched");
}
