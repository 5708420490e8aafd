//! What a picker hears when the pickup fails: `pickupfailsound` if set
//! (answering the picker, as Playback would), else `pickupfailtone` as early
//! media, so the picker hears "nothing to pick up" without the call being
//! answered (no answered CDR), and the dialplan goes on after it.

use super::host::channel::{Channel, ToneResult};
use super::log;
use grouppickup_core::config::General;
use grouppickup_core::quote::quote;

/// How long the failure tone plays before the dialplan goes on.
pub const FAIL_TONE_MS: u32 = 2000;

pub fn play(chan: Channel<'_>, general: &General) {
    if !general.pickupfailsound.is_empty() {
        chan.play(&general.pickupfailsound);
        return;
    }
    let Some(tone) = general.pickupfailtone.as_deref() else {
        return;
    };
    match chan.early_tone(tone, FAIL_TONE_MS) {
        // A picker answered already (it held a call that went away at that
        // moment) is past early media; the dialplan goes on at once.
        Ok(ToneResult::Played | ToneResult::Answered) => {}
        Ok(ToneResult::UnknownTone) => log::warning(&format!(
            "grouppickup: pickupfailtone = {}: indications.conf has no such tone (congestion, busy, ...)",
            quote(tone)
        )),
        Ok(ToneResult::Failed) => log::warning(&format!(
            "grouppickup: the tone {} could not be played to {}",
            quote(tone),
            chan.name()
        )),
        Err(e) => log::error(&format!("grouppickup: playing the failure tone: {e}")),
    }
}
