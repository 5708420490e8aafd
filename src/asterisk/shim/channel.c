/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Channels: the GroupPickup application, the helpers Rust uses on the
 * picker's channel, and the pickup itself, with the target channel locked
 * and referenced as Asterisk requires.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/channel.h"
#include "asterisk/file.h"
#include "asterisk/module.h"
#include "asterisk/pbx.h"
#include "asterisk/pickup.h"
#include "asterisk/utils.h"

#include "shim.h"

static const char app_name[] = "GroupPickup";
/* Run in peer_context for a call from another server of a cluster. */
static const char peer_app_name[] = "GroupPickupPeer";

static int app_exec(struct ast_channel *chan, const char *data)
{
	return gp_rs_app_exec(chan, data ? data : "");
}

static int peer_exec(struct ast_channel *chan, const char *data)
{
	return gp_rs_peer_exec(chan, data ? data : "");
}

int gp_channel_load(void)
{
	if (ast_register_application_xml(app_name, app_exec)) {
		return -1;
	}
	if (ast_register_application(peer_app_name, peer_exec,
			"Take a call claimed by another server of a group pickup cluster",
			"GroupPickupPeer(token): run in the cluster's peer_context for a call from\n"
			"another server; picks up the call the single-use token was issued for.\n")) {
		ast_unregister_application(app_name);
		return -1;
	}
	return 0;
}

void gp_channel_unload(void)
{
	ast_unregister_application(peer_app_name);
	ast_unregister_application(app_name);
}

int gp_channel_dial(struct ast_channel *chan, const char *dialstring)
{
	struct ast_app *dial = pbx_findapp("Dial");
	const char *status;
	int answered;

	if (!dial) {
		return -1;
	}
	pbx_exec(chan, dial, dialstring);
	ast_channel_lock(chan);
	status = pbx_builtin_getvar_helper(chan, "DIALSTATUS");
	answered = status && !strcmp(status, "ANSWER");
	ast_channel_unlock(chan);
	return answered;
}

/* Unlike ast_channel_get_by_name(), this never falls back to scanning every
 * channel for a uniqueid when the name is not there. */
struct ast_channel *gp_channel_find_exact(const char *name)
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

/*
 * How long an answered picker on a channel technology other than PJSIP is
 * watched for a hang-up before the pickup.
 */
#define GP_ANSWER_SETTLE_MS 50

/*
 * Waits until chan_pjsip has done what it had queued for the channel's SIP
 * session. Its answer runs in the session's serializer and, when the
 * phone's CANCEL got there first, answers nothing and still reports
 * success; the session's end, which hangs the channel up, is queued on the
 * same serializer by the SIP stack right after it marks the session
 * disconnected. Reading a value of the session through CHANNEL() is a
 * synchronous task on that serializer, so when it returns, an end queued
 * before it has hung the channel up.
 */
static void pjsip_settle(struct ast_channel *chan)
{
	char call_id[256];

	ast_func_read(chan, "CHANNEL(pjsip,call-id)", call_id, sizeof(call_id));
}

int gp_channel_answer(struct ast_channel *chan)
{
	int up;
	int pjsip;

	/*
	 * Nothing to do for a channel that is up already (0 unless it is
	 * hanging up). The raw answer does not wait for the picker's first
	 * audio frame as ast_answer() does (up to 500 ms; a phone that sends no
	 * media makes it wait all of it): every millisecond here holds the
	 * module (no unload) and the claim (the callee's phone rings on). A
	 * phone whose CANCEL crossed the answer is still answered
	 * "successfully", and its hang-up reaches the channel a moment later:
	 * taking the call for it would connect the caller to nobody. So the
	 * answer is followed by a wait for that hang-up: for PJSIP, one trip
	 * through the session's serializer; for other technologies, a short
	 * watch. Frames that matter are kept for later either way.
	 */
	ast_channel_lock(chan);
	up = ast_channel_state(chan) == AST_STATE_UP;
	pjsip = !strcmp(ast_channel_tech(chan)->type, "PJSIP");
	ast_channel_unlock(chan);
	if (up) {
		return ast_check_hangup_locked(chan) ? -1 : 0;
	}
	if (ast_raw_answer(chan)) {
		return -1;
	}
	if (pjsip) {
		pjsip_settle(chan);
		/* The hang-up may have been queued as a frame only (it sets the
		 * channel's flag only when it can take the lock at once): pending
		 * frames are read, briefly. */
		if (ast_waitfor(chan, 0) > 0 && ast_safe_sleep(chan, 1)) {
			return -1;
		}
	} else if (ast_safe_sleep(chan, GP_ANSWER_SETTLE_MS)) {
		return -1;
	}
	return ast_check_hangup_locked(chan) ? -1 : 0;
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

	target = gp_channel_find_exact(name);
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
	struct ast_channel *chan = gp_channel_find_exact(name);
	int excluded = 0;

	if (chan) {
		ast_channel_lock(chan);
		excluded = ast_true(pbx_builtin_getvar_helper(chan, "GROUPPICKUP_EXCLUDE"));
		ast_channel_unlock(chan);
		ast_channel_unref(chan);
	}
	return excluded;
}
