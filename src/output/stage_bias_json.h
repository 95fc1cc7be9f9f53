/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The report's view of a bias-corrected stage (engine/stage_bias.h). */
#ifndef __LP_STAGE_BIAS_JSON_H
#define __LP_STAGE_BIAS_JSON_H

#include <cjson/cJSON.h>
#include "stage_bias.h"

/* The stage's "bias_corrected" object. */
cJSON *stage_bias_json(const struct stage_bias *b);

#endif
