//! The metrics page: the module's figures in Prometheus's text format, for
//! `res_prometheus`'s `/metrics` (the names are fixed by the product's
//! interface). Counters count since load; every group in use has a series,
//! zeros included, so a scrape before the first pickup already shows it.

use grouppickup_core::arbiter::Arbiter;
use grouppickup_core::number::GroupNumber;
use grouppickup_core::stats::{Failure, GroupCounts};
use grouppickup_core::view::groups_in_use;
use std::collections::BTreeMap;
use std::fmt::Write;

const PICKUPS: &str = "asterisk_grouppickup_pickups_total";
const FAILURES: &str = "asterisk_grouppickup_failures_total";
const RINGING: &str = "asterisk_grouppickup_ringing_calls";
const RING_SECONDS: &str = "asterisk_grouppickup_ring_seconds_total";

/// A label value: backslash, double quote and line feed escaped, as the
/// text format wants.
fn label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A metric with one series per group: `(name, type)`, help, and each
/// group's value.
fn per_group(
    out: &mut String,
    (name, kind): (&str, &str),
    help: &str,
    values: impl Iterator<Item = (GroupNumber, String)>,
) {
    header(out, name, kind, help);
    for (group, value) in values {
        let _ = writeln!(
            out,
            "{name}{{group=\"{}\"}} {value}",
            label(&group.to_string())
        );
    }
}

/// The page, from the arbiter's statistics and the calls ringing now.
pub fn render(arbiter: &Arbiter) -> String {
    let mut counts: BTreeMap<Option<GroupNumber>, GroupCounts> =
        arbiter.stats.by_group().into_iter().collect();
    for group in groups_in_use(arbiter) {
        counts.entry(Some(group)).or_default();
    }
    let grouped: Vec<(GroupNumber, &GroupCounts)> = counts
        .iter()
        .filter_map(|(g, c)| g.map(|g| (g, c)))
        .collect();
    let mut out = String::new();
    per_group(
        &mut out,
        (PICKUPS, "counter"),
        "Calls picked up with GroupPickup(), by group number.",
        grouped.iter().map(|(g, c)| (*g, c.pickups.to_string())),
    );

    header(
        &mut out,
        FAILURES,
        "counter",
        "GroupPickup() attempts that picked up nothing, by group number and GROUPPICKUP_STATUS (group \"\" for a number that is no group).",
    );
    for (group, c) in &counts {
        let group = group.map(|g| g.to_string()).unwrap_or_default();
        for why in Failure::ALL {
            // A number that is no group can only be INVALID (or a stale
            // token's NOCALL): its other reasons are not listed at zero.
            if group.is_empty() && c.failed(why) == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "{FAILURES}{{group=\"{}\",reason=\"{why}\"}} {}",
                label(&group),
                c.failed(why)
            );
        }
    }

    per_group(
        &mut out,
        (RINGING, "gauge"),
        "Pickable calls ringing now, by group number.",
        grouped
            .iter()
            .map(|(g, _)| (*g, arbiter.ringing_in(g).to_string())),
    );
    per_group(
        &mut out,
        (RING_SECONDS, "counter"),
        "Ring time of the calls picked up, summed, in seconds, by group number.",
        grouped
            .iter()
            .map(|(g, c)| (*g, format!("{:.3}", c.ring_ms_total as f64 / 1000.0))),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use grouppickup_core::config::{sections_from_text, Config};
    use std::time::Duration;

    fn arbiter() -> Arbiter {
        let conf = "[r]\ntype=range\nstart=*100\nend=*199\n[*101]\ntype=group\nname=Sales\n\
             [alice]\ntype=user\nendpoint=PJSIP/alice\ngroup=*102\n";
        Arbiter::new(Config::from_sections(&sections_from_text("t", conf)).unwrap())
    }

    fn lines(page: &str) -> Vec<&str> {
        page.lines().filter(|l| !l.starts_with('#')).collect()
    }

    #[test]
    fn every_group_in_use_has_its_series_from_the_start() {
        let page = render(&arbiter());
        let values = lines(&page);
        for expected in [
            "asterisk_grouppickup_pickups_total{group=\"*101\"} 0",
            "asterisk_grouppickup_pickups_total{group=\"*102\"} 0",
            "asterisk_grouppickup_failures_total{group=\"*102\",reason=\"NOCALL\"} 0",
            "asterisk_grouppickup_failures_total{group=\"*101\",reason=\"DENIED\"} 0",
            "asterisk_grouppickup_ringing_calls{group=\"*101\"} 0",
            "asterisk_grouppickup_ring_seconds_total{group=\"*102\"} 0.000",
        ] {
            assert!(values.contains(&expected), "{expected} in\n{page}");
        }
        assert_eq!(values.len(), 2 + 8 + 2 + 2, "{page}");
        assert!(page.contains("# TYPE asterisk_grouppickup_ringing_calls gauge\n"));
        assert!(page.contains("# TYPE asterisk_grouppickup_pickups_total counter\n"));
        assert!(!page.contains("group=\"\""), "no number-less series yet");
    }

    #[test]
    fn counts_appear_under_their_group_and_reason() {
        let arbiter = arbiter();
        let n = |s: &str| s.parse::<GroupNumber>().unwrap();
        arbiter.stats.picked(n("*101"), Duration::from_millis(1250));
        arbiter.stats.failed(Some(n("*150")), Failure::NoCall);
        arbiter.stats.failed(None, Failure::Invalid);
        let page = render(&arbiter);
        let values = lines(&page);
        for expected in [
            "asterisk_grouppickup_pickups_total{group=\"*101\"} 1",
            "asterisk_grouppickup_ring_seconds_total{group=\"*101\"} 1.250",
            "asterisk_grouppickup_failures_total{group=\"*150\",reason=\"NOCALL\"} 1",
            "asterisk_grouppickup_failures_total{group=\"\",reason=\"INVALID\"} 1",
        ] {
            assert!(values.contains(&expected), "{expected} in\n{page}");
        }
        assert!(!page.contains("group=\"\",reason=\"NOCALL\""), "{page}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
