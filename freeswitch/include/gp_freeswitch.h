/*
 * The C ABI between the FreeSWITCH shim (the C files in shim/) and the Rust adapter
 * (src/). Everything FreeSWITCH expresses only with macros or inline
 * functions is wrapped on the C side; Rust sees opaque pointers and plain
 * strings. Functions named gp_fs_* are the shim's, gp_rs_* are Rust's.
 */
#ifndef GP_FREESWITCH_H
#define GP_FREESWITCH_H

#include <stddef.h>

/* Log levels, FreeSWITCH's names. */
enum gp_fs_level {
	GP_FS_DEBUG = 0,
	GP_FS_INFO = 1,
	GP_FS_NOTICE = 2,
	GP_FS_WARNING = 3,
	GP_FS_ERROR = 4,
};

/* The channel events the ringing index follows (outbound legs only). */
enum gp_fs_leg_event {
	GP_FS_LEG_RINGING = 0, /* 180 or 183 from the device */
	GP_FS_LEG_STOPPED = 1, /* answered, hung up, or gone */
};

/* What a live leg is doing now (gp_fs_leg_state). */
enum gp_fs_state_bits {
	GP_FS_UP = 1,       /* not hung up */
	GP_FS_ANSWERED = 2,
	GP_FS_RINGING = 4,  /* ring ready or early media */
	GP_FS_OUTBOUND = 8,
	GP_FS_BRIDGED = 16,
};

typedef struct gp_fs_session gp_fs_session; /* switch_core_session_t */
typedef struct gp_fs_stream gp_fs_stream;   /* switch_stream_handle_t */

/* ---- provided by the shim ---- */

void gp_fs_log(int level, const char *message);

/* The configuration autoload_configs/<name> as FreeSWITCH has it now, as
 * XML text (given back with gp_fs_free), or NULL when there is none. */
char *gp_fs_config_text(const char *name);
/* Walks a configuration's XML text: calls `element` for every element of
 * the first two levels inside it (depth 1: settings, ranges, ...; depth 2:
 * param, range, ...) and `attr` for each attribute of the last element
 * reported. Returns 0, or -1 when the text is not XML. */
typedef void (*gp_fs_element_fn)(void *ctx, int depth, const char *name);
typedef void (*gp_fs_attr_fn)(void *ctx, const char *name, const char *value);
int gp_fs_walk_config(const char *text, void *ctx, gp_fs_element_fn element, gp_fs_attr_fn attr);

/* FreeSWITCH's global variables, which outlive the module (an unload and a
 * load): a copy given back with gp_fs_free (NULL when unset), and set. */
char *gp_fs_get_global(const char *name);
void gp_fs_set_global(const char *name, const char *value);
void gp_fs_free(char *text);

/* A session by uuid, read-locked (NULL when there is none); every located
 * session is given back with gp_fs_release. */
gp_fs_session *gp_fs_locate(const char *uuid);
void gp_fs_release(gp_fs_session *session);
const char *gp_fs_uuid(gp_fs_session *session);
const char *gp_fs_name(gp_fs_session *session);
/* A channel variable (or caller profile field); NULL when unset. The text
 * lives as long as the session. */
const char *gp_fs_get_var(gp_fs_session *session, const char *name);
/* Sets a channel variable; a NULL value unsets it. */
void gp_fs_set_var(gp_fs_session *session, const char *name, const char *value);
int gp_fs_leg_state(gp_fs_session *session);
/* Answers the session; 0 on success. */
int gp_fs_answer(gp_fs_session *session);
/* Plays a sound file to the session (blocking); 0 on success. */
int gp_fs_play(gp_fs_session *session, const char *file);
/* FreeSWITCH's intercept of the caller `caller_uuid` for the picker
 * `session`, only while the caller is unanswered; 0 on success. */
int gp_fs_intercept(gp_fs_session *session, const char *caller_uuid);

/* Marks (or unmarks) a ringing leg as ending "answered elsewhere": when it
 * is hung up, its phone gets CANCEL with Reason: SIP;cause=200. */
void gp_fs_mark_answered_elsewhere(gp_fs_session *session, int on);

/* Writes text to an API command's output. */
void gp_fs_stream_write(gp_fs_stream *stream, const char *text);

/* Fires CUSTOM `subclass` with `count` header pairs (names[i]: values[i]). */
void gp_fs_fire_custom(const char *subclass, const char *const *names, const char *const *values, size_t count);
/* Presence of a group number for BLF: ringing (early) or idle (terminated). */
void gp_fs_presence(const char *number, const char *domain, int ringing);

/* The global variable `domain` copied into buf (empty when unset). */
void gp_fs_domain(char *buf, size_t len);

/* FreeSWITCH's directories. */
const char *gp_fs_db_dir(void);
const char *gp_fs_conf_dir(void);

/* ---- provided by Rust ---- */

/* Module load: 0, or -1 to refuse loading (logged). */
int gp_rs_load(void);
/* Module shutdown. */
void gp_rs_unload(void);
/* `reload mod_grouppickup` arrives as a reloadxml event. */
void gp_rs_reload(void);
/* The group_pickup application. */
void gp_rs_app(gp_fs_session *session, const char *data);
/* The group_pickup_sound application: the pickup sound `data`, played to
 * one party once its pickup is bridged. */
void gp_rs_pickup_sound(gp_fs_session *session, const char *data);
/* The grouppickup API command; 0 on success. */
int gp_rs_api(const char *cmd, gp_fs_stream *stream);
/* A leg's event (enum gp_fs_leg_event). */
void gp_rs_leg_event(int event, const char *uuid);
/* Whether `number`, dialed in `context`, is a group number of this module;
 * 1 or 0. */
int gp_rs_serves(const char *context, const char *number);

#endif
