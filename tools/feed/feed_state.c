// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * wsfeed's run state (struct feed_state: the lws context, the counters of
 * the summary line, the send buffer). main, the sessions and the request
 * handler all use it; defined here, below them, so none of them calls
 * back into another for it.
 */
#include "feed_server.h"

struct feed_state g;
