// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The probes' calibrated cost, without a kernel: corrected stage values
 * (signed, negatives counted, never clamped), which bias each stage gets
 * from a calibration, and the overhead section's whole cost and warning.
 */
#include <math.h>
#include <string.h>
#include "check.h"
#include "correlator.h"
#include "overhead_report.h"
#include "stage_bias.h"
#include "stage_bias_json.h"

static void signed_quantiles(void)
{
	struct stage_bias *b = stage_bias_new(100, "test");
	cJSON *j;

	/* raw 50 80 150 300 - 100: -50 -20 50 200 (exact below 64 ns) */
	stage_bias_add(b, 50, 100);
	stage_bias_add(b, 80, 100);
	stage_bias_add(b, 150, 100);
	stage_bias_add(b, 300, 100);
	CHECK_EQ(stage_bias_quantile(b, 0.25), -50);
	CHECK_EQ(stage_bias_quantile(b, 0.5), -20);
	CHECK_EQ(stage_bias_quantile(b, 0.75), 50);
	CHECK(fabs(stage_bias_quantile(b, 1.0) - 200) <= 200 * HIST_REL_ERROR,
	      "max %f", stage_bias_quantile(b, 1.0));
	j = stage_bias_json(b);
	CHECK_EQ(cJSON_GetObjectItem(j, "negative")->valuedouble, 2);
	CHECK_EQ(cJSON_GetObjectItem(j, "count")->valuedouble, 4);
	/* a negative p50 is reported as such (us), not as 0 */
	CHECK(cJSON_GetObjectItem(j, "p50")->valuedouble == -0.02, "p50 %f",
	      cJSON_GetObjectItem(j, "p50")->valuedouble);
	cJSON_Delete(j);
	stage_bias_free(b);
}

static struct probe_calib calib(void)
{
	struct probe_calib pc = {.ran = true};

	pc.k[CAL_UPROBE] =
		(struct lp_calib_kind){.done = true, .trap_ns = 1000};
	pc.k[CAL_UPROBE_RETURN] = (struct lp_calib_kind){
		.done = true,
		.trap_ns = 1600,
		.front_ns = 300,
		.ret_front_ns = 200,
		.gap_ns = 500,
	};
	pc.k[CAL_USDT] = (struct lp_calib_kind){.done = true, .trap_ns = 900};
	return pc;
}

static void stage_biases(void)
{
	struct corr_cfg cfg = {.per_message = true};
	struct corr *c = corr_new(&cfg);
	struct probe_calib pc = calib();

	const struct lp_calib_kind *k = &pc.k[CAL_UPROBE_RETURN];

	corr_set_probe_bias(c, &(struct corr_trap_bias){
		.gap_ns = k->gap_ns,
		.front_ns = k->front_ns,
		.ret_front_ns = k->ret_front_ns,
	}, true);
	CHECK(c->bias[ST_CALLBACK] && c->bias[ST_CALLBACK]->bias_ns == 500,
	      "callback: the stamp gap");
	CHECK(c->bias[ST_READ_TO_CALLBACK] &&
		      c->bias[ST_READ_TO_CALLBACK]->bias_ns == 300,
	      "read_to_callback: the entry trap's front");
	CHECK(c->bias[ST_NIC_TO_USER] &&
		      c->bias[ST_NIC_TO_USER]->bias_ns == 300,
	      "nic_to_user with --callback: the entry trap's front");
	CHECK_EQ(c->tls_read_bias_ns, 200);
	CHECK(!c->bias[ST_TOTAL] && !c->bias[ST_READ_TO_FRAME],
	      "stages between the client's own stamps are not corrected");
	corr_stage_add(c, NULL, ST_CALLBACK, 1000, 3000);
	CHECK_EQ(c->stages[ST_CALLBACK].count, 1); /* raw kept */
	CHECK(fabs(stage_bias_quantile(c->bias[ST_CALLBACK], 0.5) - 1500) <=
		      1500 * HIST_REL_ERROR,
	      "corrected %f", stage_bias_quantile(c->bias[ST_CALLBACK], 0.5));
	corr_free(c);
}

static void whole_cost(void)
{
	struct probe_calib pc = calib();
	struct overhead ov = {.stats_fd = 0, .nprogs = 3, .calib = &pc};
	struct ov_units u = {.messages = 10, .total_p50_ns = 10000};
	const cJSON *k, *cl, *w;
	cJSON *o;

	ov.progs[0] = (struct ov_prog){.name = "cb_entry",
				       .side = OV_CLIENT,
				       .hook = OV_H_UPROBE,
				       .run_ns = 1000,
				       .run_cnt = 10};
	ov.progs[1] = (struct ov_prog){.name = "cb_return",
				       .side = OV_CLIENT,
				       .hook = OV_H_URETPROBE,
				       .run_ns = 500,
				       .run_cnt = 10};
	ov.progs[2] = (struct ov_prog){.name = "recv_tp",
				       .side = OV_KERNEL,
				       .run_ns = 2000,
				       .run_cnt = 40};
	o = overhead_json(&ov, &u);
	k = cJSON_GetObjectItem(o, "kernel");
	cl = cJSON_GetObjectItem(o, "client");
	CHECK_EQ(cJSON_GetObjectItem(k, "total_ns")->valuedouble, 2000);
	/* 1500 BPF + 10 entries x 1000 + 10 returns x (1600 - 1000) */
	CHECK_EQ(cJSON_GetObjectItem(cl, "total_ns")->valuedouble, 17500);
	CHECK_EQ(cJSON_GetObjectItem(cl, "trap_ns")->valuedouble, 16000);
	CHECK_EQ(cJSON_GetObjectItem(o, "total_ns_per_unit")->valuedouble,
		 1950);
	w = cJSON_GetObjectItem(o, "warning");
	CHECK(cJSON_IsString(w) && strstr(w->valuestring, "cb_entry") &&
		      strstr(w->valuestring, "without --callback"),
	      "warning %s", cJSON_IsString(w) ? w->valuestring : "(none)");
	cJSON_Delete(o);
	/* under the share: no warning; without calibration: null, not 0 */
	u.total_p50_ns = 100000;
	o = overhead_json(&ov, &u);
	CHECK(!cJSON_GetObjectItem(o, "warning"), "warning under the share");
	cJSON_Delete(o);
	ov.calib = NULL;
	o = overhead_json(&ov, &u);
	CHECK(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "client"),
					       "total_ns")),
	      "client total without calibration");
	cJSON_Delete(o);
}

int main(void)
{
	signed_quantiles();
	stage_biases();
	whole_cost();
	return check_done("test_probe_cost");
}
