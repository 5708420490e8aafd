/*
 * grouppickup -- Group Call Pickup for Asterisk
 *
 * Tones: what a picker hears when there is nothing to pick up, a tone of
 * indications.conf sent as early media, so the picker's call is never
 * answered for it.
 *
 * This program is free software, distributed under the terms of the GNU
 * General Public License Version 2.
 */

#include "asterisk.h"

#include "asterisk/channel.h"
#include "asterisk/indications.h"

#include "shim.h"

int gp_channel_early_tone(struct ast_channel *chan, const char *tone, unsigned int ms)
{
	struct ast_tone_zone_sound *ts;
	int res;

	if (ast_channel_state(chan) == AST_STATE_UP) {
		return GP_TONE_ANSWERED;
	}
	/* The channel's own zone, else indications.conf's default country. */
	ts = ast_get_indication_tone(ast_channel_zone(chan), tone);
	if (!ts) {
		return GP_TONE_UNKNOWN;
	}
	/* Progress makes chan_pjsip send 183 with SDP: the tone flows before
	 * (and without) an answer. */
	ast_indicate(chan, AST_CONTROL_PROGRESS);
	res = ast_playtones_start(chan, 0, ts->data, 0);
	ast_tone_zone_sound_unref(ts);
	if (res) {
		return GP_TONE_FAILED;
	}
	/* Returns early when the picker hangs up. */
	ast_safe_sleep(chan, ms);
	ast_playtones_stop(chan);
	return GP_TONE_PLAYED;
}
