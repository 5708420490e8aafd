/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * The C half of app_grouppickup.so: what only Asterisk's headers and macros
 * can express. Module registration, the GroupPickup application and the CLI
 * entries, the configuration reader, extension registration, the channel
 * event subscription and the pickup itself with the channel locked and
 * referenced as Asterisk requires. Every decision is taken in Rust; the
 * functions here do what they are told and report what happened.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

/*** MODULEINFO
	<support_level>extended</support_level>
 ***/

#include "asterisk.h"

#include <limits.h>

#include "asterisk/buildopts.h"
#include "asterisk/module.h"
#include "asterisk/logger.h"
#include "asterisk/paths.h"
#include "asterisk/config.h"
#include "asterisk/channel.h"
#include "asterisk/pbx.h"
#include "asterisk/app.h"
#include "asterisk/file.h"
#include "asterisk/cli.h"
#include "asterisk/pickup.h"
#include "asterisk/stasis.h"
#include "asterisk/stasis_channels.h"

#include "grouppickup.h"

#define REGISTRAR "app_grouppickup"

static const char app_name[] = "GroupPickup";

static const char app_synopsis[] = "Pick up the call that has rung longest in a call pickup group.";

static const char app_description[] =
	"GroupPickup(number)\n"
	"Connects the channel to the call that has been ringing longest at a member\n"
	"of the call pickup group <number> (a number of one of the ranges of\n"
	"grouppickup.conf). The callee's phones stop ringing and are told the call\n"
	"was answered elsewhere. Any user may pick up, member of the group or not.\n"
	"Every number of every range is registered in the configured context, so\n"
	"dialing the number runs this application.\n"
	"On failure the application returns to the dialplan and sets\n"
	"GROUPPICKUP_STATUS to one of:\n"
	"  NOCALL  - nothing pickable is ringing in the group\n"
	"  INVALID - <number> is not a group number\n"
	"  DENIED  - the group's pickup_by excludes this channel\n"
	"  FAILED  - the pickup could not be completed\n";

/* ---- logging ---- */

void gp_log(int level, const char *message)
{
	switch (level) {
	case GP_LOG_ERROR:
		ast_log(LOG_ERROR, "%s\n", message);
		break;
	case GP_LOG_WARNING:
		ast_log(LOG_WARNING, "%s\n", message);
		break;
	case GP_LOG_NOTICE:
		ast_log(LOG_NOTICE, "%s\n", message);
		break;
	case GP_LOG_VERBOSE:
		ast_verb(3, "%s\n", message);
		break;
	default:
		ast_debug(1, "%s\n", message);
		break;
	}
}

const char *gp_buildopt_sum(void)
{
	return AST_BUILDOPT_SUM;
}

/* ---- configuration ---- */

int gp_config_read(const char *filename, gp_config_visitor visit, void *ctx)
{
	struct ast_flags flags = { 0 };
	struct ast_config *cfg;
	char *category = NULL;
	char path[PATH_MAX];

	cfg = ast_config_load2(filename, REGISTRAR, flags);
	if (!cfg) {
		return GP_CONFIG_MISSING;
	}
	if (cfg == CONFIG_STATUS_FILEINVALID) {
		return GP_CONFIG_INVALID;
	}

	while ((category = ast_category_browse(cfg, category))) {
		struct ast_variable *var;
		struct gp_config_entry entry = {
			.section = category,
			.file = filename,
		};

		snprintf(path, sizeof(path), "%s/%s", ast_config_AST_CONFIG_DIR, filename);
		entry.file = path;
		visit(ctx, &entry);
		for (var = ast_variable_browse(cfg, category); var; var = var->next) {
			if (var->file && var->file[0] == '/') {
				ast_copy_string(path, var->file, sizeof(path));
			} else {
				snprintf(path, sizeof(path), "%s/%s", ast_config_AST_CONFIG_DIR,
					!ast_strlen_zero(var->file) ? var->file : filename);
			}
			entry.key = var->name;
			entry.value = var->value;
			entry.file = path;
			entry.line = var->lineno;
			visit(ctx, &entry);
		}
	}
	ast_config_destroy(cfg);
	return GP_CONFIG_OK;
}

/* ---- dialplan extensions ---- */

int gp_context_create(const char *context)
{
	return ast_context_find_or_create(NULL, NULL, context, REGISTRAR) ? 0 : -1;
}

int gp_extension_exists(const char *context, const char *exten)
{
	return ast_exists_extension(NULL, context, exten, 1, NULL);
}

int gp_extension_add(const char *context, const char *exten, const char *app, const char *data)
{
	char *copy = ast_strdup(data);

	if (!copy) {
		return -1;
	}
	/* Asterisk owns `copy` from here on, also when adding fails. */
	return ast_add_extension(context, 0, exten, 1, NULL, NULL, app, copy, ast_free_ptr, REGISTRAR);
}

int gp_extension_remove(const char *context, const char *exten)
{
	return ast_context_remove_extension(context, exten, 1, REGISTRAR);
}

/* ---- channels ---- */

/* A lookup by exact name: a hash lookup in the channel container, which,
 * unlike ast_channel_get_by_name(), never falls back to scanning every
 * channel for a uniqueid when the name is not there. */
static struct ast_channel *find_channel_exact(const char *name)
{
	struct ast_channel_iterator *iter;
	struct ast_channel *chan = NULL;

	if (ast_strlen_zero(name)) {
		return NULL;
	}
	iter = ast_channel_iterator_by_name_new(name, 0);
	if (iter) {
		chan = ast_channel_iterator_next(iter);
		ast_channel_iterator_destroy(iter);
	}
	return chan;
}

void gp_channel_name(struct ast_channel *chan, char *buf, size_t len)
{
	ast_channel_lock(chan);
	ast_copy_string(buf, ast_channel_name(chan), len);
	ast_channel_unlock(chan);
}

void gp_channel_setvar(struct ast_channel *chan, const char *name, const char *value)
{
	pbx_builtin_setvar_helper(chan, name, value);
}

void gp_channel_play(struct ast_channel *chan, const char *sound)
{
	if (ast_strlen_zero(sound)) {
		return;
	}
	ast_answer(chan);
	ast_stream_and_wait(chan, sound, "");
}

int gp_pickup_leg(struct ast_channel *chan, const char *name, const char *uniqueid, const char *sound)
{
	struct ast_channel *target;
	int res;

	target = find_channel_exact(name);
	if (!target) {
		return GP_PICKUP_GONE;
	}
	if (target == chan) {
		ast_channel_unref(target);
		return GP_PICKUP_GONE;
	}

	ast_channel_lock(target);
	/*
	 * Re-check on the live channel. Only a leg whose device has sent 180 is
	 * offered: ast_can_pickup() alone also accepts a dialed leg still in
	 * state Down, before Dial() has even called the device.
	 */
	if (strcmp(ast_channel_uniqueid(target), uniqueid)
		|| ast_channel_state(target) != AST_STATE_RINGING
		|| !ast_can_pickup(target)) {
		ast_channel_unlock(target);
		ast_channel_unref(target);
		return GP_PICKUP_GONE;
	}

	/* ast_do_pickup() marks the target so no other pickup can race us, and
	 * expects it locked; it comes back locked. */
	res = ast_do_pickup(chan, target);
	ast_channel_unlock(target);
	if (!res && !ast_strlen_zero(sound)) {
		pbx_builtin_setvar_helper(target, "BRIDGE_PLAY_SOUND", sound);
	}
	ast_channel_unref(target);

	return res ? GP_PICKUP_FAILED : GP_PICKUP_DONE;
}

static int leg_is_excluded(const char *name)
{
	struct ast_channel *chan = find_channel_exact(name);
	int excluded = 0;

	if (chan) {
		ast_channel_lock(chan);
		excluded = ast_true(pbx_builtin_getvar_helper(chan, "GROUPPICKUP_EXCLUDE"));
		ast_channel_unlock(chan);
		ast_channel_unref(chan);
	}
	return excluded;
}

/* ---- channel events ---- */

static struct stasis_subscription *channel_sub;

static int snapshot_ringing(const struct ast_channel_snapshot *snapshot)
{
	return snapshot
		&& snapshot->state == AST_STATE_RINGING
		&& !ast_test_flag(&snapshot->flags, AST_FLAG_DEAD);
}

static void on_channel_message(void *data, struct stasis_subscription *sub, struct stasis_message *message)
{
	struct ast_channel_snapshot_update *update;
	struct ast_channel_snapshot *now;
	struct gp_leg_event event;
	int ringing;

	if (stasis_message_type(message) != ast_channel_snapshot_type()) {
		return;
	}
	update = stasis_message_data(message);
	now = update->new_snapshot;
	ringing = snapshot_ringing(now);
	/* Only starting and stopping to ring matter. */
	if (ringing == snapshot_ringing(update->old_snapshot)) {
		return;
	}

	event.uniqueid = now->base->uniqueid;
	event.name = now->base->name;
	event.linkedid = now->peer->linkedid;
	/* On a dialed leg the caller is the other party: the connected line. */
	event.caller_number = now->connected->number;
	event.caller_name = now->connected->name;
	event.appl = now->dialplan->appl;
	event.exten = now->dialplan->exten;
	event.ringing = ringing;
	event.excluded = ringing && leg_is_excluded(now->base->name);
	gp_rs_leg_event(&event);
}

int gp_events_subscribe(void)
{
	channel_sub = stasis_subscribe_pool(ast_channel_topic_all(), on_channel_message, NULL);
	if (!channel_sub) {
		return -1;
	}
	stasis_subscription_accept_message_type(channel_sub, ast_channel_snapshot_type());
	stasis_subscription_accept_message_type(channel_sub, stasis_subscription_change_type());
	stasis_subscription_set_filter(channel_sub, STASIS_SUBSCRIPTION_FILTER_SELECTIVE);
	return 0;
}

void gp_events_unsubscribe(void)
{
	/* Waits until the last message has been handled. */
	channel_sub = stasis_unsubscribe_and_join(channel_sub);
}

/* ---- application ---- */

static int app_exec(struct ast_channel *chan, const char *data)
{
	return gp_rs_app_exec(chan, data ? data : "");
}

/* ---- CLI ---- */

static char *cli_run(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a,
	const char *command, const char *usage, enum gp_cli_command which)
{
	char *text;

	switch (cmd) {
	case CLI_INIT:
		e->command = (char *) command;
		e->usage = usage;
		return NULL;
	case CLI_GENERATE:
		return NULL;
	}

	if (a->argc != e->args) {
		return CLI_SHOWUSAGE;
	}
	text = gp_rs_cli(which, a->argc, a->argv);
	if (!text) {
		return CLI_FAILURE;
	}
	ast_cli(a->fd, "%s", text);
	gp_rs_free(text);
	return CLI_SUCCESS;
}

static char *cli_show_ranges(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	return cli_run(e, cmd, a, "grouppickup show ranges",
		"Usage: grouppickup show ranges\n"
		"       Lists the ranges of group numbers and the context they are registered in.\n",
		GP_CLI_SHOW_RANGES);
}

static char *cli_show_groups(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	return cli_run(e, cmd, a, "grouppickup show groups",
		"Usage: grouppickup show groups\n"
		"       Lists the group numbers in use: members, settings and calls ringing now.\n",
		GP_CLI_SHOW_GROUPS);
}

static char *cli_show_ringing(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	return cli_run(e, cmd, a, "grouppickup show ringing",
		"Usage: grouppickup show ringing\n"
		"       Lists the pickable calls ringing now, oldest first.\n",
		GP_CLI_SHOW_RINGING);
}

static char *cli_show_stats(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a)
{
	return cli_run(e, cmd, a, "grouppickup show stats",
		"Usage: grouppickup show stats\n"
		"       Counters since load: calls tracked, pickups, failures by reason,\n"
		"       and the calls ringing now.\n",
		GP_CLI_SHOW_STATS);
}

static struct ast_cli_entry cli_entries[] = {
	AST_CLI_DEFINE(cli_show_ranges, "Show group call pickup ranges"),
	AST_CLI_DEFINE(cli_show_groups, "Show group call pickup groups"),
	AST_CLI_DEFINE(cli_show_ringing, "Show calls that can be picked up now"),
	AST_CLI_DEFINE(cli_show_stats, "Show group call pickup statistics"),
};

/* ---- module ---- */

static int unload_module(void)
{
	ast_cli_unregister_multiple(cli_entries, ARRAY_LEN(cli_entries));
	ast_unregister_application(app_name);
	gp_rs_unload();
	return 0;
}

static int load_module(void)
{
	if (gp_rs_load()) {
		return AST_MODULE_LOAD_DECLINE;
	}
	if (ast_register_application2(app_name, app_exec, app_synopsis, app_description, AST_MODULE_SELF)
		|| ast_cli_register_multiple(cli_entries, ARRAY_LEN(cli_entries))) {
		unload_module();
		return AST_MODULE_LOAD_DECLINE;
	}
	return AST_MODULE_LOAD_SUCCESS;
}

static int reload_module(void)
{
	return gp_rs_reload() ? AST_MODULE_LOAD_DECLINE : AST_MODULE_LOAD_SUCCESS;
}

AST_MODULE_INFO(ASTERISK_GPL_KEY, AST_MODFLAG_LOAD_ORDER, "Group Call Pickup",
	.support_level = AST_MODULE_SUPPORT_EXTENDED,
	.load = load_module,
	.unload = unload_module,
	.reload = reload_module,
	.load_pri = AST_MODPRI_DEFAULT,
	.optional_modules = "pbx_config",
);
