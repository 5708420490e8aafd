/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The C ABI between the shim (the C files in src/asterisk/shim/, which see
 * Asterisk's headers and macros) and the Rust side of the module. Rust's
 * bindings are generated from this file only; nothing of Asterisk crosses it
 * except the opaque channel pointer.
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

/* A CLI command, as Rust declares it (src/asterisk/cli.rs). The strings are
 * Rust's and stay valid as long as the module is loaded. */
struct gp_cli_command {
	const char *command; /* the words, "grouppickup show group" */
	const char *summary;
	const char *usage;
};

/* Results of gp_rs_cli(). */
enum gp_cli_result {
	GP_CLI_OK = 0,
	/* Wrong arguments: the shim prints the command's usage. */
	GP_CLI_USAGE = 1,
	GP_CLI_FAILED = 2,
};

/* Dialplan functions. */
enum gp_function {
	GP_FUNCTION_GROUP = 0,   /* GROUPPICKUP_GROUP(user) */
	GP_FUNCTION_RINGING = 1, /* GROUPPICKUP_RINGING(number) */
};

/* Permission classes of AMI actions, combined with |: a manager user needs
 * one of them in its `write =`. */
enum gp_ami_class {
	GP_AMI_CLASS_CALL = 1,
	GP_AMI_CLASS_REPORTING = 2,
	GP_AMI_CLASS_CONFIG = 4,
};

/* An AMI action, as Rust declares it (src/asterisk/ami.rs). The name is
 * Rust's and stays valid as long as the module is loaded; the action's help
 * comes from doc/grouppickup-en_US.xml, matched by name. */
struct gp_ami_action {
	const char *name;
	int classes; /* gp_ami_class values */
};

/* A group's lamp, as gp_rs_device_state() reports it. */
enum gp_lamp {
	GP_LAMP_INVALID = -1, /* not a group number */
	GP_LAMP_IDLE = 0,
	GP_LAMP_RINGING = 1,
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
};

typedef void (*gp_config_visitor)(void *ctx, const struct gp_config_entry *entry);
typedef void (*gp_db_visitor)(void *ctx, const char *key, const char *value);

/* An AMI request being answered; opaque to Rust. */
struct gp_ami_session;

/* ---- Implemented by the shim, called from Rust ---- */

/* Logs `message` at a gp_log_level as coming from `file`:`line` in
 * `function` (the Rust place that logged it). */
void gp_log(int level, const char *file, int line, const char *function, const char *message);
const char *gp_buildopt_sum(void);

int gp_config_read(const char *filename, gp_config_visitor visit, void *ctx);
/* Asterisk's configuration directory (astetcdir). */
const char *gp_config_dir(void);
/* Returns freed heap memory to the system (after a configuration swap). */
void gp_memory_trim(void);

int gp_context_create(const char *context);
/* The plain (non-pattern) extensions of a context, one per line, each
 * preceded by 'o' when all its priorities are this module's and 'f' when
 * not; NULL when out of memory. Free with gp_text_free(). */
char *gp_context_extensions(const char *context);
void gp_text_free(char *text);
int gp_extension_add(const char *context, const char *exten, const char *app, const char *data);
int gp_extension_remove(const char *context, const char *exten);
/* A hint: `exten` in `context` shows the state of `device`. */
int gp_hint_add(const char *context, const char *exten, const char *device);
int gp_hint_remove(const char *context, const char *exten);

#ifdef GP_BENCH
/* Benchmark builds: looks a channel up by name, locks and releases it; 0
 * when it exists. */
int gp_bench_channel_lookup(const char *name);
#endif

/* Publishes the state of device GroupPickup:<number>. */
void gp_device_state_changed(const char *number, int ringing);

/* Asterisk's database. */
void gp_db_read(const char *family, gp_db_visitor visit, void *ctx);
int gp_db_put(const char *family, const char *key, const char *value);
int gp_db_del(const char *family, const char *key);

/* Sends a text message (SIP MESSAGE for pjsip:) to `to`, e.g. "pjsip:alice". */
int gp_message_send(const char *to, const char *body);

/* Reports every leg ringing now, oldest first: at load, and after a change
 * that may put a user with ringing calls into a group. */
void gp_events_replay(void);

/* AMI: answers to a request, and events of class `call`. `headers` are
 * complete "Key: value\r\n" lines. */
void gp_ami_error(struct gp_ami_session *session, const char *message);
void gp_ami_ack(struct gp_ami_session *session, const char *message);
void gp_ami_list_start(struct gp_ami_session *session, const char *message);
void gp_ami_list_item(struct gp_ami_session *session, const char *event, const char *headers);
void gp_ami_list_end(struct gp_ami_session *session, const char *event, int count);
void gp_ami_event(const char *event, const char *headers);

/* Whether the live channel `name` carries GROUPPICKUP_EXCLUDE=yes; a
 * channel lookup, so asked only for legs that could be pickable. */
int gp_leg_excluded(const char *name);

/* Copies the channel's name into buf (always NUL-terminated). */
void gp_channel_name(struct ast_channel *chan, char *buf, size_t len);
void gp_channel_setvar(struct ast_channel *chan, const char *name, const char *value);
/* Copies the channel's caller ID name and number (always NUL-terminated). */
void gp_channel_callerid(struct ast_channel *chan, char *name, size_t name_len, char *number, size_t number_len);
/* Runs Dial(dialstring) on the channel: 1 when the other side answered
 * (the call has ended by the time this returns), 0 when it did not, -1
 * when Dial() is not there. */
int gp_channel_dial(struct ast_channel *chan, const char *dialstring);
/* Asterisk's systemname (asterisk.conf), or "". */
const char *gp_system_name(void);
/* Answers the channel (if it is not up yet); 0 on success. */
int gp_channel_answer(struct ast_channel *chan);
/* Answers the channel and plays a sound file to its end. */
void gp_channel_play(struct ast_channel *chan, const char *sound);

/* What became of a tone sent to a picker (tones.c). */
enum gp_tone_result {
	GP_TONE_PLAYED = 0,
	/* The channel is up already: no early media any more. */
	GP_TONE_ANSWERED = 1,
	/* indications.conf has no tone of that name. */
	GP_TONE_UNKNOWN = 2,
	GP_TONE_FAILED = 3,
};

/* Sends the channel, not yet answered, the indications.conf tone `tone` as
 * early media (183 Session Progress) for `ms` milliseconds, or until it
 * hangs up; a gp_tone_result. */
int gp_channel_early_tone(struct ast_channel *chan, const char *tone, unsigned int ms);

/* Picks up the ringing leg called `name` with uniqueid `uniqueid` for the
 * picker `chan`, re-checking on the live, locked channel that it still rings.
 * `sound`, if not empty, is played to both parties when they are connected. */
int gp_pickup_leg(struct ast_channel *chan, const char *name, const char *uniqueid, const char *sound);

/* ---- Implemented in Rust, called from the shim; none of them unwinds ---- */

int gp_rs_load(void);
int gp_rs_reload(void);
void gp_rs_unload(void);
/* Asterisk is fully booted: the dialplan of extensions.conf is there. */
void gp_rs_booted(void);
void gp_rs_leg_event(const struct gp_leg_event *event);
int gp_rs_app_exec(struct ast_channel *chan, const char *data);
/* GroupPickupPeer(token), for a call from another server of a cluster. */
int gp_rs_peer_exec(struct ast_channel *chan, const char *data);
#ifdef GP_BENCH
/* Benchmark builds: GroupPickup's search alone (resolve, claim the oldest
 * call, look its leg up), the claim given back; 0 when a call was found. */
int gp_rs_bench_find(struct ast_channel *chan, const char *number);
#endif
#ifdef GP_FAULT_INJECTION
/* Fault-injection builds: called first thing in the unload; waits a while
 * if GroupPickup(!slow-unload) asked for it (tests/under_load.rs). */
void gp_rs_fault_unload_pause(void);
#endif
/* How many CLI commands there are; the shim registers them all at load. */
int gp_rs_cli_command_count(void);
/* Fills *out with the index-th CLI command; 0, or -1 for no such index. */
int gp_rs_cli_command(int index, struct gp_cli_command *out);
/* Runs the index-th CLI command; *text (allocated by Rust, give it back
 * with gp_rs_free) is printed. Returns a gp_cli_result. */
int gp_rs_cli(int index, int argc, const char *const *argv, char **text);
/* The state-th completion of `word` at argument `pos`, or NULL. */
char *gp_rs_cli_complete(int index, int pos, const char *word, int state);
void gp_rs_free(char *text);
/* The module's metrics in Prometheus's text format (for res_prometheus's
 * /metrics), or NULL; give it back with gp_rs_free. */
char *gp_rs_metrics(void);
/* A dialplan function's value into buf; 0, or -1 with an error logged. */
int gp_rs_function(int function, const char *arg, char *buf, size_t len);
/* A gp_lamp for device GroupPickup:<number>. */
int gp_rs_device_state(const char *number);
/* How many AMI actions there are; the shim registers them all at load. */
int gp_rs_ami_action_count(void);
/* Fills *out with the index-th AMI action; 0, or -1 for no such index. */
int gp_rs_ami_action(int index, struct gp_ami_action *out);
/* Answers a request for the index-th AMI action. */
void gp_rs_ami(int index, struct gp_ami_session *session, const char *user, const char *group);

#endif
