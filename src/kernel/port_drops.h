/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Segments the kernel dropped per port (loader_read_drops(), the report). */
#ifndef __LP_PORT_DROPS_H
#define __LP_PORT_DROPS_H

#include <stdint.h>

struct port_drops {
	uint16_t port;
	uint64_t count;
};

#endif
