/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Shared by bpf/calib.bpf.c and src/kernel/probe_calib.c. */
#ifndef __LP_CALIB_H
#define __LP_CALIB_H

/* calls timed per probe kind (a power of two: the BPF side masks) */
#define LP_CALIB_CALLS 512

#endif
