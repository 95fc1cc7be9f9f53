// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* libFuzzer target for nic_parse(): make build/fuzz_nic_parse */
#include <stdlib.h>

#include "nic_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lp_nic_key key;
	uint32_t plen;
	int r = nic_parse(data, size, &key, &plen);

	if (r > 0 || r < NIC_RESULT_MIN || (r == NIC_OK && plen > size))
		abort();
	return 0;
}
