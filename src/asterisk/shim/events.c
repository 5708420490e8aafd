/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Channel events: a stasis subscription to the dial progress of the PBX
 * (Dial(), Queue(), originated calls) and to channel moves, that reports
 * each dialed leg starting and stopping to ring, and at load a replay of
 * the legs ringing already, oldest first.
 *
 * Dial messages, not channel snapshots: a call makes a snapshot at every
 * dialplan step and state change of each of its channels, and a
 * subscriber is handed each one on a thread of its own: for a module that
 * cares about two moments of a dialed leg, most of what it cost the PBX per
 * ordinary call (docs/benchmarks.md, section 9). A dialed leg has a dial
 * message when the dialer starts it, when its device rings (RINGING, at
 * each 180), on progress, and a final one however it ends (ANSWER, BUSY,
 * CANCEL, NOANSWER, ...). A leg that another channel is moved into (native
 * Pickup(), a transfer) stops ringing as itself without a final dial
 * message that names it: the move's masquerade message does.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/channel.h"
#include "asterisk/json.h"
#include "asterisk/logger.h"
#include "asterisk/stasis.h"
#include "asterisk/stasis_channels.h"
#include "asterisk/utils.h"

#include "shim.h"

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

/* Whether a dial status is the leg's last (not one of the updates before it). */
static int dial_status_final(const char *status)
{
	return strcmp(status, "RINGING") && strcmp(status, "PROGRESS") && strcmp(status, "PROCEEDING");
}

static void on_dial(struct stasis_message *message)
{
	struct ast_multi_channel_blob *blob = stasis_message_data(message);
	struct ast_channel_snapshot *peer = ast_multi_channel_blob_get_channel(blob, "peer");
	const char *status = ast_json_object_string_get(ast_multi_channel_blob_get_json(blob), "dialstatus");

	/* The first message of a leg (no status) is before it rings. */
	if (!peer || ast_strlen_zero(status)) {
		return;
	}
	if (!strcmp(status, "RINGING")) {
		/* The device's 180 reaches the dialer before chan_pjsip sets the
		 * leg's state, so the snapshot may not say Ringing yet; the
		 * pickup checks the state on the live channel. */
		if (!ast_test_flag(&peer->flags, AST_FLAG_DEAD)) {
			report_leg(peer, 1);
		}
	} else if (dial_status_final(status)) {
		report_leg(peer, 0);
	}
}

/* A channel is moved into another: the one it replaces stops ringing. */
static void on_masquerade(struct stasis_message *message)
{
	struct ast_channel_blob *blob = stasis_message_data(message);
	const char *replaced = ast_json_object_string_get(blob->blob, "newchanneluniqueid");
	struct gp_leg_event event = { 0 };

	if (ast_strlen_zero(replaced)) {
		return;
	}
	event.uniqueid = replaced;
	event.ringing = 0;
	gp_rs_leg_event(&event);
}

static void on_channel_message(void *data, struct stasis_subscription *sub, struct stasis_message *message)
{
	if (stasis_message_type(message) == ast_channel_dial_type()) {
		on_dial(message);
	} else if (stasis_message_type(message) == ast_channel_masquerade_type()) {
		on_masquerade(message);
	}
}

static int by_creation(const void *a, const void *b)
{
	const struct ast_channel_snapshot *x = *(const struct ast_channel_snapshot * const *) a;
	const struct ast_channel_snapshot *y = *(const struct ast_channel_snapshot * const *) b;

	return ast_tvcmp(x->base->creationtime, y->base->creationtime);
}

/* Reports every leg ringing now, oldest first. The cache lags behind: a
 * leg just picked up or hung up may still be Ringing there, and the core
 * ignores a ring of a leg it has seen end. */
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
	/* The copy of the channel cache was as large as the system; a set or
	 * clear of a user replays too, and trims nowhere else. */
	gp_memory_trim();
}

int gp_events_load(void)
{
	channel_sub = stasis_subscribe_pool(ast_channel_topic_all(), on_channel_message, NULL);
	if (!channel_sub) {
		ast_log(LOG_ERROR, "grouppickup: could not subscribe to channel events; the module is not loaded\n");
		return -1;
	}
	stasis_subscription_accept_message_type(channel_sub, ast_channel_dial_type());
	stasis_subscription_accept_message_type(channel_sub, ast_channel_masquerade_type());
	stasis_subscription_accept_message_type(channel_sub, stasis_subscription_change_type());
	stasis_subscription_set_filter(channel_sub, STASIS_SUBSCRIPTION_FILTER_SELECTIVE);
	/*
	 * Calls that already ring when the module is loaded can be picked up
	 * too. (A leg that stops ringing in the instant between the
	 * subscription and this replay may stay listed until a picker finds it
	 * gone; the pickup re-checks every leg on the live channel.)
	 */
	gp_events_replay();
	return 0;
}

void gp_events_unload(void)
{
	/* Waits until the last message has been handled; NULL stays NULL. */
	channel_sub = stasis_unsubscribe_and_join(channel_sub);
}
