/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The C ABI between the shim (src/asterisk/shim.c, which sees Asterisk's
 * headers and macros) and the Rust side of the module. Rust's bindings are
 * generated from this file only; nothing of Asterisk crosses it except the
 * opaque channel pointer.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */
#ifndef GROUPPICKUP_H
#define GROUPPICKUP_H

#include <stddef.h>

struct ast_channel;

enum gp_log_level {
	GP_LOG_ERROR = 0,
	GP_LOG_WARNING = 1,
	GP_LOG_NOTICE = 2,
	GP_LOG_VERBOSE = 3,
	GP_LOG_DEBUG = 4,
};

/* Results of gp_pickup_leg(). */
enum gp_pickup_result {
	/* The picker is now connected to the caller. */
	GP_PICKUP_DONE = 0,
	/* The leg is no longer a pickable ringing leg (answered, gone, taken). */
	GP_PICKUP_GONE = 1,
	/* The pickup itself failed on the picker's side. */
	GP_PICKUP_FAILED = 2,
};

/* Results of gp_config_read(). */
enum gp_config_result {
	GP_CONFIG_OK = 0,
	GP_CONFIG_MISSING = 1,
	GP_CONFIG_INVALID = 2,
};

/* CLI commands the shim registers and Rust answers. */
enum gp_cli_command {
	GP_CLI_SHOW_RANGES = 0,
	GP_CLI_SHOW_GROUPS = 1,
	GP_CLI_SHOW_RINGING = 2,
	GP_CLI_SHOW_STATS = 3,
};

/* One key = value of the configuration file; key is NULL for a section
 * header without entries. */
struct gp_config_entry {
	const char *section;
	const char *key;
	const char *value;
	const char *file;
	int line;
};

/* A channel state change of a leg, from a channel snapshot update. */
struct gp_leg_event {
	const char *uniqueid;
	const char *name;
	const char *linkedid;
	const char *caller_number;
	const char *caller_name;
	const char *appl;
	const char *exten;
	int ringing;  /* state is Ringing (the device sent 180) and not hung up */
	int excluded; /* the leg carries GROUPPICKUP_EXCLUDE=yes */
};

typedef void (*gp_config_visitor)(void *ctx, const struct gp_config_entry *entry);

/* ---- Implemented by the shim, called from Rust ---- */

void gp_log(int level, const char *message);
const char *gp_buildopt_sum(void);

int gp_config_read(const char *filename, gp_config_visitor visit, void *ctx);

int gp_context_create(const char *context);
int gp_extension_exists(const char *context, const char *exten);
int gp_extension_add(const char *context, const char *exten, const char *app, const char *data);
int gp_extension_remove(const char *context, const char *exten);

int gp_events_subscribe(void);
void gp_events_unsubscribe(void);

/* Copies the channel's name into buf (always NUL-terminated). */
void gp_channel_name(struct ast_channel *chan, char *buf, size_t len);
void gp_channel_setvar(struct ast_channel *chan, const char *name, const char *value);
/* Answers the channel and plays a sound file to its end. */
void gp_channel_play(struct ast_channel *chan, const char *sound);

/* Picks up the ringing leg called `name` with uniqueid `uniqueid` for the
 * picker `chan`, re-checking on the live, locked channel that it still rings.
 * `sound`, if not empty, is played to both parties when they are connected. */
int gp_pickup_leg(struct ast_channel *chan, const char *name, const char *uniqueid, const char *sound);

/* ---- Implemented in Rust, called from the shim; none of them unwinds ---- */

int gp_rs_load(void);
int gp_rs_reload(void);
void gp_rs_unload(void);
void gp_rs_leg_event(const struct gp_leg_event *event);
int gp_rs_app_exec(struct ast_channel *chan, const char *data);
/* Returns text to print, allocated by Rust; give it back with gp_rs_free. */
char *gp_rs_cli(int command, int argc, const char *const *argv);
void gp_rs_free(char *text);

#endif
