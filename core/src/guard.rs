//! What every host's entries from C share: a panic must never unwind into
//! the PBX. [`catch`] runs an entry, turns a panic into one log line for
//! the host to write, and returns the entry's failure value.

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

    #[test]
    fn a_normal_return_is_passed_through_and_reports_nothing() {
        let value = catch("the test", -1, || 7, |_| panic!("nothing to report"));
        assert_eq!(value, 7);
    }
}
