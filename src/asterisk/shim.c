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
#ifdef GP_BENCH
#include <sys/resource.h>
#endif
#ifdef __GLIBC__
/* From glibc's <malloc.h>, which Asterisk's allocator macros do not allow. */
extern int malloc_trim(size_t pad);
#endif

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
#include "asterisk/devicestate.h"
#include "asterisk/astdb.h"
#include "asterisk/manager.h"
#include "asterisk/message.h"
#include "asterisk/utils.h"

#include "grouppickup.h"

#define REGISTRAR "app_grouppickup"

static const char app_name[] = "GroupPickup";

/*
 * The documentation of the application, the functions, the AMI actions and
 * events is in doc/grouppickup-en_US.xml, installed as Asterisk third-party
 * documentation: registering without synopsis makes Asterisk use it.
 */

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

/* Asterisk's configuration directory, for telling an unreadable
 * configuration file from a missing one. */
const char *gp_config_dir(void)
{
	return ast_config_AST_CONFIG_DIR;
}

/* ---- memory ---- */

void gp_memory_trim(void)
{
#ifdef __GLIBC__
	/*
	 * A reload runs on whichever thread the CLI or AMI command came in on,
	 * and glibc gives threads their own heaps: the memory of the replaced
	 * configuration goes back to one heap while the next reload allocates
	 * from another. Hand the free pages back to the system.
	 */
	malloc_trim(0);
#endif
}

/* ---- dialplan extensions ---- */

int gp_context_create(const char *context)
{
	return ast_context_find_or_create(NULL, NULL, context, REGISTRAR) ? 0 : -1;
}

char *gp_context_extensions(const char *context)
{
	struct ast_context *con = NULL;
	struct ast_exten *exten = NULL;
	struct ast_str *out = ast_str_create(256);
	char *text;

	if (!out) {
		return NULL;
	}
	ast_rdlock_contexts();
	while ((con = ast_walk_contexts(con))) {
		if (!strcmp(ast_get_context_name(con), context)) {
			break;
		}
	}
	if (con) {
		ast_rdlock_context(con);
		while ((exten = ast_walk_context_extensions(con, exten))) {
			struct ast_exten *priority = NULL;
			int mine = 1;

			if (ast_get_extension_name(exten)[0] == '_') {
				continue;
			}
			while ((priority = ast_walk_extension_priorities(exten, priority))) {
				if (strcmp(ast_get_extension_registrar(priority), REGISTRAR)) {
					mine = 0;
				}
			}
			ast_str_append(&out, 0, "%c%s\n", mine ? 'o' : 'f', ast_get_extension_name(exten));
		}
		ast_unlock_context(con);
	}
	ast_unlock_contexts();
	text = ast_strdup(ast_str_buffer(out));
	ast_free(out);
	return text;
}

void gp_text_free(char *text)
{
	ast_free(text);
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
	/* Priority 0: every priority of the extension that is ours, hint included. */
	return ast_context_remove_extension(context, exten, 0, REGISTRAR);
}

int gp_hint_add(const char *context, const char *exten, const char *device)
{
	/* The hint's device string is copied by Asterisk. */
	return ast_add_extension(context, 0, exten, PRIORITY_HINT, NULL, NULL, device, NULL, NULL, REGISTRAR);
}

int gp_hint_remove(const char *context, const char *exten)
{
	return ast_context_remove_extension(context, exten, PRIORITY_HINT, REGISTRAR);
}

/* ---- device state ---- */

#define DEVICE_PREFIX "GroupPickup"

void gp_device_state_changed(const char *number, int ringing)
{
	ast_devstate_changed(ringing ? AST_DEVICE_RINGING : AST_DEVICE_NOT_INUSE,
		AST_DEVSTATE_CACHABLE, DEVICE_PREFIX ":%s", number);
}

static enum ast_device_state device_state(const char *number)
{
	switch (gp_rs_device_state(number ? number : "")) {
	case GP_LAMP_RINGING:
		return AST_DEVICE_RINGING;
	case GP_LAMP_IDLE:
		return AST_DEVICE_NOT_INUSE;
	default:
		return AST_DEVICE_INVALID;
	}
}

/* ---- AstDB ---- */

void gp_db_read(const char *family, gp_db_visitor visit, void *ctx)
{
	struct ast_db_entry *tree = ast_db_gettree(family, NULL);
	struct ast_db_entry *entry;
	size_t prefix = strlen(family) + 2; /* keys come as /family/key */

	for (entry = tree; entry; entry = entry->next) {
		if (strlen(entry->key) > prefix) {
			visit(ctx, entry->key + prefix, entry->data);
		}
	}
	ast_db_freetree(tree);
}

int gp_db_put(const char *family, const char *key, const char *value)
{
	return ast_db_put(family, key, value);
}

int gp_db_del(const char *family, const char *key)
{
	return ast_db_del(family, key);
}

/* ---- text messages ---- */

int gp_message_send(const char *to, const char *body)
{
	struct ast_msg *msg;

	/*
	 * ast_msg_send() releases the message on every path but one: a
	 * destination whose technology has no message support, where it keeps
	 * it (a leak per message). Only PJSIP devices can get text messages,
	 * and only while res_pjsip_messaging provides them; ask for nothing
	 * else.
	 */
	if (strncasecmp(to, "pjsip:", 6) || !ast_module_check("res_pjsip_messaging.so")) {
		return -1;
	}
	msg = ast_msg_alloc();
	if (!msg) {
		return -1;
	}
	if (ast_msg_set_to(msg, "%s", to) || ast_msg_set_body(msg, "%s", body)) {
		ast_msg_destroy(msg);
		return -1;
	}
	return ast_msg_send(msg, to, "");
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

void gp_channel_callerid(struct ast_channel *chan, char *name, size_t name_len, char *number, size_t number_len)
{
	struct ast_party_caller *caller;

	ast_channel_lock(chan);
	caller = ast_channel_caller(chan);
	ast_copy_string(name, S_COR(caller->id.name.valid, caller->id.name.str, ""), name_len);
	ast_copy_string(number, S_COR(caller->id.number.valid, caller->id.number.str, ""), number_len);
	ast_channel_unlock(chan);
}

int gp_channel_answer(struct ast_channel *chan)
{
	/* Nothing to do, and 0, for a channel that is up already. */
	return ast_answer(chan);
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

int gp_leg_excluded(const char *name)
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

static void report_leg(const struct ast_channel_snapshot *now, int ringing)
{
	struct gp_leg_event event;

	event.uniqueid = now->base->uniqueid;
	event.name = now->base->name;
	event.linkedid = now->peer->linkedid;
	/* On a dialed leg the caller is the other party: the connected line. */
	event.caller_number = now->connected->number;
	event.caller_name = now->connected->name;
	event.appl = now->dialplan->appl;
	event.exten = now->dialplan->exten;
	event.ringing = ringing;
	gp_rs_leg_event(&event);
}

static void on_channel_message(void *data, struct stasis_subscription *sub, struct stasis_message *message)
{
	struct ast_channel_snapshot_update *update;
	int ringing;

	if (stasis_message_type(message) != ast_channel_snapshot_type()) {
		return;
	}
	update = stasis_message_data(message);
	ringing = snapshot_ringing(update->new_snapshot);
	/* Only starting and stopping to ring matter. */
	if (ringing == snapshot_ringing(update->old_snapshot)) {
		return;
	}
	report_leg(update->new_snapshot, ringing);
}

static int by_creation(const void *a, const void *b)
{
	const struct ast_channel_snapshot *x = *(const struct ast_channel_snapshot * const *) a;
	const struct ast_channel_snapshot *y = *(const struct ast_channel_snapshot * const *) b;

	return ast_tvcmp(x->base->creationtime, y->base->creationtime);
}

void gp_events_replay(void)
{
	struct ao2_container *cache = ast_channel_cache_all();
	struct ao2_iterator iter;
	struct ast_channel_snapshot *snapshot;
	struct ast_channel_snapshot **ringing;
	size_t count = 0, room, i;

	if (!cache) {
		return;
	}
	/* The live cache: channels come and go while it is walked. */
	room = ao2_container_count(cache);
	ringing = ast_calloc(room ? room : 1, sizeof(*ringing));
	if (!ringing) {
		ao2_ref(cache, -1);
		return;
	}
	iter = ao2_iterator_init(cache, 0);
	for (; (snapshot = ao2_iterator_next(&iter)); ao2_ref(snapshot, -1)) {
		if (snapshot_ringing(snapshot) && count < room) {
			ao2_ref(snapshot, +1);
			ringing[count++] = snapshot;
		}
	}
	ao2_iterator_destroy(&iter);
	/* Oldest first, so the ring order is kept as well as it can be. */
	qsort(ringing, count, sizeof(*ringing), by_creation);
	for (i = 0; i < count; i++) {
		report_leg(ringing[i], 1);
		ao2_ref(ringing[i], -1);
	}
	ast_free(ringing);
	ao2_ref(cache, -1);
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

/* ---- dialplan functions ---- */

static int function_read(struct ast_channel *chan, const char *cmd, char *data, char *buf, size_t len,
	enum gp_function which)
{
	*buf = '\0';
	return gp_rs_function(which, data ? data : "", buf, len);
}

static int group_read(struct ast_channel *chan, const char *cmd, char *data, char *buf, size_t len)
{
	return function_read(chan, cmd, data, buf, len, GP_FUNCTION_GROUP);
}

static int ringing_read(struct ast_channel *chan, const char *cmd, char *data, char *buf, size_t len)
{
	return function_read(chan, cmd, data, buf, len, GP_FUNCTION_RINGING);
}

static struct ast_custom_function group_function = {
	.name = "GROUPPICKUP_GROUP",
	.read = group_read,
};

static struct ast_custom_function ringing_function = {
	.name = "GROUPPICKUP_RINGING",
	.read = ringing_read,
};

/* ---- AMI ---- */

struct gp_ami_session {
	struct mansession *s;
	const struct message *m;
};

void gp_ami_error(struct gp_ami_session *session, const char *message)
{
	astman_send_error(session->s, session->m, (char *) message);
}

void gp_ami_ack(struct gp_ami_session *session, const char *message)
{
	astman_send_ack(session->s, session->m, (char *) message);
}

void gp_ami_list_start(struct gp_ami_session *session, const char *message)
{
	astman_send_listack(session->s, session->m, (char *) message, "start");
}

void gp_ami_list_item(struct gp_ami_session *session, const char *event, const char *headers)
{
	const char *id = astman_get_header(session->m, "ActionID");

	astman_append(session->s, "Event: %s\r\n", event);
	if (!ast_strlen_zero(id)) {
		astman_append(session->s, "ActionID: %s\r\n", id);
	}
	astman_append(session->s, "%s\r\n", headers);
}

void gp_ami_list_end(struct gp_ami_session *session, const char *event, int count)
{
	astman_send_list_complete_start(session->s, session->m, event, count);
	astman_send_list_complete_end(session->s);
}

void gp_ami_event(const char *event, const char *headers)
{
	manager_event(EVENT_FLAG_CALL, event, "%s", headers);
}

static int ami_run(struct mansession *s, const struct message *m, enum gp_ami_action action)
{
	struct gp_ami_session session = { .s = s, .m = m };

	gp_rs_ami(action, &session, astman_get_header(m, "User"), astman_get_header(m, "Group"));
	return 0;
}

static int ami_show(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_SHOW);
}

static int ami_set_user(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_SET_USER);
}

static int ami_clear_user(struct mansession *s, const struct message *m)
{
	return ami_run(s, m, GP_AMI_CLEAR_USER);
}

/* ---- CLI ---- */

static char *cli_run(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a,
	const char *command, const char *usage, enum gp_cli_command which)
{
	char *text = NULL;
	char *completion;
	int res;

	switch (cmd) {
	case CLI_INIT:
		e->command = (char *) command;
		e->usage = usage;
		return NULL;
	case CLI_GENERATE:
		/* Asterisk frees the completion with ast_free(). */
		text = gp_rs_cli_complete(which, a->pos, a->word ? a->word : "", a->n);
		completion = text ? ast_strdup(text) : NULL;
		gp_rs_free(text);
		return completion;
	}

	res = gp_rs_cli(which, a->argc, a->argv, &text);
	if (text) {
		ast_cli(a->fd, "%s", text);
		gp_rs_free(text);
	}
	switch (res) {
	case GP_CLI_OK:
		return CLI_SUCCESS;
	case GP_CLI_USAGE:
		return CLI_SHOWUSAGE;
	default:
		return CLI_FAILURE;
	}
}

#define CLI_COMMAND(fn, command, usage, which) \
	static char *fn(struct ast_cli_entry *e, int cmd, struct ast_cli_args *a) \
	{ \
		return cli_run(e, cmd, a, command, usage, which); \
	}

CLI_COMMAND(cli_show_ranges, "grouppickup show ranges",
	"Usage: grouppickup show ranges\n"
	"       Lists the ranges of group numbers and the context they are registered in.\n",
	GP_CLI_SHOW_RANGES)

CLI_COMMAND(cli_show_groups, "grouppickup show groups",
	"Usage: grouppickup show groups\n"
	"       Lists the group numbers in use: members, settings and calls ringing now.\n",
	GP_CLI_SHOW_GROUPS)

CLI_COMMAND(cli_show_group, "grouppickup show group",
	"Usage: grouppickup show group <number>\n"
	"       Shows one group: its settings, its members and the calls ringing in it\n"
	"       now, oldest first.\n",
	GP_CLI_SHOW_GROUP)

CLI_COMMAND(cli_show_user, "grouppickup show user",
	"Usage: grouppickup show user <user>\n"
	"       Shows a user: devices, group, whether the group comes from\n"
	"       grouppickup.conf or from a runtime change, and exclusions.\n",
	GP_CLI_SHOW_USER)

CLI_COMMAND(cli_show_ringing, "grouppickup show ringing",
	"Usage: grouppickup show ringing\n"
	"       Lists the pickable calls ringing now, oldest first.\n",
	GP_CLI_SHOW_RINGING)

CLI_COMMAND(cli_show_stats, "grouppickup show stats",
	"Usage: grouppickup show stats\n"
	"       Counters since load: calls tracked, pickups, failures by reason,\n"
	"       and the calls ringing now.\n",
	GP_CLI_SHOW_STATS)

CLI_COMMAND(cli_set_user, "grouppickup set user",
	"Usage: grouppickup set user <user> group <number>\n"
	"       Makes <user> a member of group <number> (and of no other group) at once.\n"
	"       The change is kept in the AstDB (family grouppickup) and survives\n"
	"       restarts, on top of grouppickup.conf.\n",
	GP_CLI_SET_USER)

CLI_COMMAND(cli_clear_user, "grouppickup clear user",
	"Usage: grouppickup clear user <user>\n"
	"       Takes <user> out of its group at once. The change is kept in the AstDB\n"
	"       (family grouppickup) and survives restarts, on top of grouppickup.conf.\n",
	GP_CLI_CLEAR_USER)

static struct ast_cli_entry cli_entries[] = {
	AST_CLI_DEFINE(cli_show_ranges, "Show group call pickup ranges"),
	AST_CLI_DEFINE(cli_show_groups, "Show group call pickup groups"),
	AST_CLI_DEFINE(cli_show_group, "Show one group call pickup group"),
	AST_CLI_DEFINE(cli_show_user, "Show a group call pickup user"),
	AST_CLI_DEFINE(cli_show_ringing, "Show calls that can be picked up now"),
	AST_CLI_DEFINE(cli_show_stats, "Show group call pickup statistics"),
	AST_CLI_DEFINE(cli_set_user, "Assign a user to a group call pickup group"),
	AST_CLI_DEFINE(cli_clear_user, "Take a user out of its group call pickup group"),
};

/* ---- benchmark builds only ---- */

#ifdef GP_BENCH
/* The lookup gp_pickup_leg() makes, for GroupPickup's side of the search. */
int gp_bench_channel_lookup(const char *name)
{
	struct ast_channel *target = find_channel_exact(name);

	if (!target) {
		return -1;
	}
	ast_channel_lock(target);
	ast_channel_unlock(target);
	ast_channel_unref(target);
	return 0;
}

/*
 * GROUPPICKUP_BENCH_FIND(native|ours,<number>,<count>): finds the pickup
 * target <count> times from the reading channel and returns how long each
 * attempt took, in nanoseconds, space separated, then "found=<n>". Native
 * is ast_pickup_find_by_group(), the search of Pickup(); ours is what
 * GroupPickup() does before it picks up: resolve the number, claim the
 * oldest call, look its leg's channel up by name (then the claim is given
 * back). Native's target comes back locked and referenced and is released
 * outside the timing; ours locks, releases and gives the claim back inside
 * it. Not in production builds.
 */
static int bench_find_read(struct ast_channel *chan, const char *cmd, char *data,
	struct ast_str **buf, ssize_t len)
{
	AST_DECLARE_APP_ARGS(args,
		AST_APP_ARG(which);
		AST_APP_ARG(number);
		AST_APP_ARG(count);
	);
	int native, count, i, found = 0;
	char *parse = ast_strdupa(S_OR(data, ""));

	AST_STANDARD_APP_ARGS(args, parse);
	native = !strcmp(S_OR(args.which, ""), "native");
	count = args.count ? atoi(args.count) : 0;
	if (!chan || count <= 0 || (!native && strcmp(S_OR(args.which, ""), "ours"))) {
		ast_log(LOG_ERROR, "usage: GROUPPICKUP_BENCH_FIND(native|ours,<number>,<count>)\n");
		return -1;
	}
	ast_str_reset(*buf);
	for (i = 0; i < count; i++) {
		struct timespec t0, t1;
		int hit;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (native) {
			struct ast_channel *target = ast_pickup_find_by_group(chan);

			clock_gettime(CLOCK_MONOTONIC, &t1);
			hit = target != NULL;
			if (target) {
				ast_channel_unlock(target);
				ast_channel_unref(target);
			}
		} else {
			hit = gp_rs_bench_find(chan, S_OR(args.number, "")) == 0;
			clock_gettime(CLOCK_MONOTONIC, &t1);
		}
		found += hit;
		ast_str_append(buf, len, "%lld ",
			(long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec));
	}
	ast_str_append(buf, len, "found=%d", found);
	return 0;
}

static struct ast_custom_function bench_find_function = {
	.name = "GROUPPICKUP_BENCH_FIND",
	.read2 = bench_find_read,
};

/*
 * GROUPPICKUP_BENCH_LOOKUP(<channel name>): how long one lookup of a channel
 * by name takes, in nanoseconds: the unrelated channel operation whose
 * stall during pickups the benchmark measures. Returned as
 * "<ns>:<voluntary>:<involuntary>", the context switches of this thread
 * around the lookup: a voluntary one means it slept (waited for a lock), an
 * involuntary one that the scheduler gave its core to another thread.
 */
static int bench_lookup_read(struct ast_channel *chan, const char *cmd, char *data,
	char *buf, size_t len)
{
	struct timespec t0, t1;
	struct rusage r0, r1;
	struct ast_channel *found;

	getrusage(RUSAGE_THREAD, &r0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	found = ast_channel_get_by_name(S_OR(data, ""));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	getrusage(RUSAGE_THREAD, &r1);
	if (found) {
		ast_channel_unref(found);
	}
	snprintf(buf, len, "%lld:%ld:%ld",
		(long long) (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec),
		r1.ru_nvcsw - r0.ru_nvcsw, r1.ru_nivcsw - r0.ru_nivcsw);
	return 0;
}

static struct ast_custom_function bench_lookup_function = {
	.name = "GROUPPICKUP_BENCH_LOOKUP",
	.read = bench_lookup_read,
};
#endif

/* ---- module ---- */

static int unload_module(void)
{
	ast_cli_unregister_multiple(cli_entries, ARRAY_LEN(cli_entries));
	ast_manager_unregister("GroupPickupShow");
	ast_manager_unregister("GroupPickupSetUser");
	ast_manager_unregister("GroupPickupClearUser");
	ast_custom_function_unregister(&group_function);
	ast_custom_function_unregister(&ringing_function);
#ifdef GP_BENCH
	ast_custom_function_unregister(&bench_find_function);
	ast_custom_function_unregister(&bench_lookup_function);
#endif
	ast_unregister_application(app_name);
	ast_devstate_prov_del(DEVICE_PREFIX);
	gp_rs_unload();
	return 0;
}

static int load_module(void)
{
	/* The provider first: the hints registered at load ask it at once. */
	if (ast_devstate_prov_add(DEVICE_PREFIX, device_state)) {
		return AST_MODULE_LOAD_DECLINE;
	}
	if (gp_rs_load()) {
		ast_devstate_prov_del(DEVICE_PREFIX);
		return AST_MODULE_LOAD_DECLINE;
	}
	if (ast_register_application_xml(app_name, app_exec)
		|| ast_custom_function_register(&group_function)
		|| ast_custom_function_register(&ringing_function)
		|| ast_manager_register_xml("GroupPickupShow", EVENT_FLAG_CALL | EVENT_FLAG_REPORTING, ami_show)
		|| ast_manager_register_xml("GroupPickupSetUser", EVENT_FLAG_CONFIG, ami_set_user)
		|| ast_manager_register_xml("GroupPickupClearUser", EVENT_FLAG_CONFIG, ami_clear_user)
		|| ast_cli_register_multiple(cli_entries, ARRAY_LEN(cli_entries))
#ifdef GP_BENCH
		|| ast_custom_function_register(&bench_find_function)
		|| ast_custom_function_register(&bench_lookup_function)
#endif
		) {
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
