//! Channels (shim/channel.c): the picker's channel the application runs
//! on, and the pickup of a ringing leg.

use super::bindings::{self, ast_channel, gp_pickup_result, gp_tone_result};
use super::text::{from_buffer, to_c};
use super::{FromC, Unknown};
use std::ffi::{c_char, c_int};
use std::marker::PhantomData;

/// What became of a pickup of one leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PickupResult {
    /// The picker is now connected to the caller.
    Done,
    /// The leg is no longer a pickable ringing leg (answered, gone, taken).
    Gone,
    /// The pickup itself failed on the picker's side.
    Failed,
}

impl FromC for PickupResult {
    const WHAT: &'static str = "pickup result";
    const VARIANTS: &'static [(c_int, Self)] = &[
        (gp_pickup_result::GP_PICKUP_DONE as c_int, Self::Done),
        (gp_pickup_result::GP_PICKUP_GONE as c_int, Self::Gone),
        (gp_pickup_result::GP_PICKUP_FAILED as c_int, Self::Failed),
    ];
}

/// What became of a tone sent to a picker as early media.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToneResult {
    Played,
    /// The channel was answered already: early media is over.
    Answered,
    /// indications.conf has no tone of that name.
    UnknownTone,
    Failed,
}

impl FromC for ToneResult {
    const WHAT: &'static str = "tone result";
    const VARIANTS: &'static [(c_int, Self)] = &[
        (gp_tone_result::GP_TONE_PLAYED as c_int, Self::Played),
        (gp_tone_result::GP_TONE_ANSWERED as c_int, Self::Answered),
        (gp_tone_result::GP_TONE_UNKNOWN as c_int, Self::UnknownTone),
        (gp_tone_result::GP_TONE_FAILED as c_int, Self::Failed),
    ];
}

/// A channel Asterisk handed the module, valid for `'a`: while the call
/// from C that handed it over runs (the application's run on the picker's
/// channel).
#[derive(Clone, Copy)]
pub struct Channel<'a>(*mut ast_channel, PhantomData<&'a ast_channel>);

impl Channel<'_> {
    /// # Safety
    /// `chan` is a live channel for as long as the value is used.
    pub(super) unsafe fn from_c(chan: *mut ast_channel) -> Self {
        Self(chan, PhantomData)
    }

    pub fn name(self) -> String {
        let mut buf = [0 as c_char; 256];
        unsafe { bindings::gp_channel_name(self.0, buf.as_mut_ptr(), buf.len()) };
        from_buffer(&buf)
    }

    /// The caller ID: (name, number).
    pub fn caller_id(self) -> (String, String) {
        let (mut name, mut number) = ([0 as c_char; 128], [0 as c_char; 64]);
        unsafe {
            bindings::gp_channel_callerid(
                self.0,
                name.as_mut_ptr(),
                name.len(),
                number.as_mut_ptr(),
                number.len(),
            )
        };
        (from_buffer(&name), from_buffer(&number))
    }

    pub fn set_var(self, name: &str, value: &str) {
        let (name, value) = (to_c(name), to_c(value));
        unsafe { bindings::gp_channel_setvar(self.0, name.as_ptr(), value.as_ptr()) };
    }

    /// Answers the channel if it is not up yet; true on success.
    pub fn answer(self) -> bool {
        unsafe { bindings::gp_channel_answer(self.0) == 0 }
    }

    /// Runs Dial(`dialstring`) on this channel, to its end: whether the
    /// other side answered; `None` when Asterisk has no Dial().
    pub fn dial(self, dialstring: &str) -> Option<bool> {
        let dialstring = to_c(dialstring);
        match unsafe { bindings::gp_channel_dial(self.0, dialstring.as_ptr()) } {
            -1 => None,
            answered => Some(answered == 1),
        }
    }

    /// Answers the channel and plays a sound file to its end.
    pub fn play(self, sound: &str) {
        let sound = to_c(sound);
        unsafe { bindings::gp_channel_play(self.0, sound.as_ptr()) };
    }

    /// Sends the tone `tone` of indications.conf to this channel, not yet
    /// answered, as early media for `ms` milliseconds (less if it hangs up).
    pub fn early_tone(self, tone: &str, ms: u32) -> Result<ToneResult, Unknown> {
        let tone = to_c(tone);
        ToneResult::from_c(unsafe { bindings::gp_channel_early_tone(self.0, tone.as_ptr(), ms) })
    }

    /// Picks up the ringing leg `name` (uniqueid `uniqueid`) for this
    /// channel, re-checked on the live, locked leg; `sound`, if not empty,
    /// is played to both parties when they are connected.
    pub fn pickup_leg(
        self,
        name: &str,
        uniqueid: &str,
        sound: &str,
    ) -> Result<PickupResult, Unknown> {
        let (name, uniqueid, sound) = (to_c(name), to_c(uniqueid), to_c(sound));
        PickupResult::from_c(unsafe {
            bindings::gp_pickup_leg(self.0, name.as_ptr(), uniqueid.as_ptr(), sound.as_ptr())
        })
    }
}

/// Whether the live channel `name` carries GROUPPICKUP_EXCLUDE=yes (a
/// channel lookup).
pub fn excluded(name: &str) -> bool {
    let name = to_c(name);
    unsafe { bindings::gp_leg_excluded(name.as_ptr()) != 0 }
}

/// Benchmark builds: looks the channel `name` up, locks and releases it;
/// true when it exists.
#[cfg(feature = "bench")]
pub fn bench_lookup(name: &str) -> bool {
    let name = to_c(name);
    unsafe { bindings::gp_bench_channel_lookup(name.as_ptr()) == 0 }
}
