/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * What the facets of the shim share among themselves. Not seen by Rust: the
 * contract with Rust is include/grouppickup.h alone.
 *
 * Each facet that registers something with Asterisk has a load/unload pair;
 * module.c calls the loads in order and the unloads in the reverse order.
 * A load returns 0 or -1; an unload removes what its load registered and is
 * harmless when that load did not run or failed half way.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */
#ifndef GROUPPICKUP_SHIM_H
#define GROUPPICKUP_SHIM_H

#include "grouppickup.h"

/* Everything the module adds to the dialplan is registered under this name,
 * so unloading removes exactly its own entries. */
#define GP_REGISTRAR "app_grouppickup"

/* Device state GroupPickup:<number> (devstate.c). */
#define GP_DEVICE_PREFIX "GroupPickup"

/* devstate.c: the GroupPickup device-state provider. */
int gp_devstate_load(void);
void gp_devstate_unload(void);

/* events.c: the channel snapshot subscription; its load also reports the
 * legs ringing already. Its unload waits for a handler still running. */
int gp_events_load(void);
void gp_events_unload(void);

/* boot.c: the end of Asterisk's start, when the dialplan is complete. */
int gp_boot_load(void);
void gp_boot_unload(void);

/* channel.c: the GroupPickup application. */
int gp_channel_load(void);
void gp_channel_unload(void);

/* functions.c: GROUPPICKUP_GROUP and GROUPPICKUP_RINGING. */
int gp_functions_load(void);
void gp_functions_unload(void);

/* ami.c: the AMI actions. */
int gp_ami_load(void);
void gp_ami_unload(void);

/* metrics.c: the metrics callback of res_prometheus, when it is loaded. */
int gp_metrics_load(void);
void gp_metrics_unload(void);

/* cli.c: the CLI commands. */
int gp_cli_load(void);
void gp_cli_unload(void);

#ifdef GP_BENCH
/* bench.c (benchmark builds only): the GROUPPICKUP_BENCH_* functions. */
int gp_bench_load(void);
void gp_bench_unload(void);
#endif

/* channel.c: the channel called exactly `name`, referenced, or NULL. A hash
 * lookup, never a scan of every channel. */
struct ast_channel *gp_channel_find_exact(const char *name);

#endif
