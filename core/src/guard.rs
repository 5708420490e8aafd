//! What every host's entries from C share: a panic must never unwind into
//! the PBX. [`catch`] runs an entry, turns a panic into one log line for
//! the host to write, and returns the entry's failure value;
//! [`fault_point`] lets the hosts' tests prove it.

use std::panic::{self, AssertUnwindSafe};

/// Runs `f`; if it panics, hands `report` the line to log (naming `what`
/// and the panic's message) and returns `failed`.
pub fn catch<R>(what: &str, failed: R, f: impl FnOnce() -> R, report: impl FnOnce(&str)) -> R {
    match panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(value) => value,
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            report(&format!(
                "grouppickup: internal error in {what}: {message}; the operation was abandoned"
            ));
            failed
        }
    }
}

/// In a build with the `fault-injection` feature, the input `!panic` makes
/// an entry panic on purpose, so a host's tests can prove its guard holds.
/// In a normal build this is nothing.
#[inline]
pub fn fault_point(input: &str) {
    #[cfg(feature = "fault-injection")]
    if input == "!panic" {
        panic!("deliberate panic for the input !panic (fault-injection build)");
    }
    #[cfg(not(feature = "fault-injection"))]
    let _ = input;
}

#[cfg(test)]
mod tests {
    use super::catch;

    #[test]
    fn a_panic_is_reported_and_gives_the_failure_value() {
        let mut line = String::new();
        let value = catch(
            "the test",
            -1,
            || panic!("on purpose"),
            |l| line = l.to_string(),
        );
        assert_eq!(value, -1);
        assert_eq!(
            line,
            "grouppickup: internal error in the test: on purpose; the operation was abandoned"
        );
    }

    #[cfg(feature = "fault-injection")]
    #[test]
    fn the_panic_input_panics_in_a_fault_injection_build_and_nothing_else_does() {
        use super::fault_point;
        let run = |input: &str| {
            catch(
                "the test",
                -1,
                || {
                    fault_point(input);
                    0
                },
                |_| {},
            )
        };
        assert_eq!(run("!panic"), -1);
        assert_eq!(run("*101"), 0);
    }

    #[test]
    fn a_normal_return_is_passed_through_and_reports_nothing() {
        let value = catch("the test", -1, || 7, |_| panic!("nothing to report"));
        assert_eq!(value, 7);
    }
}
