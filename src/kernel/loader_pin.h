/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Pins of latprobe's maps (loader_pin.c), for the loader. */
#ifndef __LP_LOADER_PIN_H
#define __LP_LOADER_PIN_H

#include <stdbool.h>

struct bpf_map;
struct bpf_object;

/* Pin map as dir/name, 0600 (a stale pin was removed by unpin_stale). */
int pin_map(struct bpf_map *map, const char *dir, const char *name);
void unpin(struct bpf_map *map, const char *dir, const char *name);
/*
 * Remove stale pins provably of obj's maps; with pin, refuse what is not
 * ours or what a live latprobe holds in dir.
 */
int unpin_stale(const char *pin_dir, bool pin, struct bpf_object *obj);
/* --pin-dir: created if missing; it must be in a BPF filesystem. */
int make_pin_dir(const char *dir);

#endif
