//! Container demand over a simulated day: arrivals as a non-homogeneous Poisson process
//! whose rate follows a daily profile with a given peak-to-average ratio, split between the
//! map's flows by their shares.
//!
//! Defaults follow `shared/research/domain.md` §6: 24 h arrivals, peak/average 1.5 [A],
//! 60 % VN→CN / 40 % CN→VN [A] (the map's flow shares), 3 % of containers flagged at X-ray
//! for inspection [A] (the probability of the flow's optional step).

use corridor_map::SiteMap;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::SimError;

/// One container arriving.
#[derive(Debug, Clone, PartialEq)]
pub struct Arrival {
    /// Seconds from the start of the run.
    pub at_s: f64,
    /// Index into the map's flows.
    pub flow: usize,
    /// Container id (ISO 6346-like, unique within the run).
    pub container: String,
    /// Perishable goods.
    pub perishable: bool,
    /// Flagged for the flow's optional steps (inspection).
    pub inspect: bool,
}

/// A demand profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Demand {
    /// Mean containers per day.
    pub per_day: f64,
    /// Peak rate over the mean rate (≥ 1); the rate is a sinusoid over the day peaking at
    /// `peak_hour`.
    pub peak_factor: f64,
    /// Hour of the day with the highest rate.
    pub peak_hour: f64,
    /// Share of containers that are perishable, per flow (missing flows: 0).
    pub perishable_share: Vec<f64>,
}

impl Demand {
    /// The rate (containers per second) at `t` seconds.
    pub fn rate(&self, t: f64) -> f64 {
        let mean = self.per_day / 86_400.0;
        let amplitude = (self.peak_factor - 1.0).clamp(0.0, 1.0);
        let phase = (t / 3600.0 - self.peak_hour) / 24.0 * std::f64::consts::TAU;
        mean * (1.0 + amplitude * phase.cos())
    }

    /// Most arrivals a run may expect (mean containers per day × days).
    pub const MAX_EXPECTED_ARRIVALS: f64 = 1e7;

    /// Arrivals in `[0, hours · 3600)`, sorted by time; deterministic in `seed`.
    ///
    /// # Errors
    /// [`SimError::Demand`] for a value that is not finite or out of range (negative rate or
    /// hours, a share outside 0..=1), or more than [`Demand::MAX_EXPECTED_ARRIVALS`] expected.
    pub fn arrivals(&self, map: &SiteMap, hours: f64, seed: u64) -> Result<Vec<Arrival>, SimError> {
        self.check(hours)?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let flows = map.flows();
        if flows.is_empty() || self.per_day == 0.0 || hours == 0.0 {
            return Ok(Vec::new());
        }
        let max_rate = self.per_day / 86_400.0 * (1.0 + (self.peak_factor - 1.0).clamp(0.0, 1.0));
        let end = hours * 3600.0;
        let mut t = 0.0;
        let mut out = Vec::new();
        loop {
            // Thinning (Lewis & Shedler): candidates at the peak rate, kept with rate(t)/max.
            let u: f64 = rng.random();
            t += -(1.0 - u).ln() / max_rate;
            if t >= end {
                break;
            }
            let keep: f64 = rng.random();
            if keep * max_rate > self.rate(t) {
                continue;
            }
            let pick: f64 = rng.random();
            let mut acc = 0.0;
            let flow = flows
                .iter()
                .position(|f| {
                    acc += f.share;
                    pick < acc
                })
                .unwrap_or(flows.len() - 1);
            let optional = flows[flow]
                .steps
                .iter()
                .filter(|s| s.probability < 1.0)
                .map(|s| s.probability)
                .fold(0.0, f64::max);
            let inspect = rng.random::<f64>() < optional;
            let perishable =
                rng.random::<f64>() < self.perishable_share.get(flow).copied().unwrap_or(0.0);
            out.push(Arrival {
                at_s: t,
                flow,
                container: container_id(out.len()),
                perishable,
                inspect,
            });
        }
        Ok(out)
    }

    fn check(&self, hours: f64) -> Result<(), SimError> {
        let bad = |field, reason: String| Err(SimError::Demand { field, reason });
        if !(self.per_day.is_finite() && self.per_day >= 0.0) {
            return bad(
                "per_day",
                format!("must be a finite number ≥ 0, got {}", self.per_day),
            );
        }
        if !(self.peak_factor.is_finite() && self.peak_factor >= 0.0) {
            return bad(
                "peak_factor",
                format!("must be a finite number ≥ 0, got {}", self.peak_factor),
            );
        }
        if !self.peak_hour.is_finite() {
            return bad(
                "peak_hour",
                format!("must be finite, got {}", self.peak_hour),
            );
        }
        if let Some(s) = self
            .perishable_share
            .iter()
            .find(|s| !(0.0..=1.0).contains(*s))
        {
            return bad("perishable_share", format!("must be within 0..=1, got {s}"));
        }
        if !(hours.is_finite() && hours >= 0.0) {
            return bad("hours", format!("must be a finite number ≥ 0, got {hours}"));
        }
        let expected = self.per_day * hours / 24.0;
        if expected > Demand::MAX_EXPECTED_ARRIVALS {
            return bad(
                "per_day",
                format!(
                    "× hours expects {expected:.0} arrivals, more than {:.0}",
                    Demand::MAX_EXPECTED_ARRIVALS
                ),
            );
        }
        Ok(())
    }
}

/// An ISO 6346 container number for serial `n`: owner code `CRD`, category `U`, six digits
/// and the check digit.
pub fn container_id(n: usize) -> String {
    let body = format!("CRDU{:06}", n % 1_000_000);
    let digit = check_digit(&body);
    format!("{body}{digit}")
}

/// The ISO 6346 check digit of the first ten characters of a container number.
pub fn check_digit(body: &str) -> u32 {
    let value = |c: char| -> u32 {
        match c {
            '0'..='9' => c as u32 - '0' as u32,
            // Letters count from 10 (A), skipping multiples of 11.
            'A'..='Z' => {
                let mut v = 10;
                for _ in 'A'..c {
                    v += 1;
                    if v % 11 == 0 {
                        v += 1;
                    }
                }
                v
            }
            _ => 0,
        }
    };
    body.chars()
        .take(10)
        .enumerate()
        .map(|(i, c)| value(c) << i)
        .sum::<u32>()
        % 11
        % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digit_matches_iso_6346() {
        // The standard's worked example, and letter values from its table.
        assert_eq!(check_digit("CSQU305438"), 3);
        // B is 12 (11 is skipped): 12 mod 11 = 1. L is 23 (22 skipped): 23 mod 11 = 1.
        assert_eq!(check_digit("B000000000"), 1);
        assert_eq!(check_digit("L000000000"), 1);
        assert_eq!(check_digit("0100000000"), 2);
        let id = container_id(42);
        assert_eq!(id, format!("CRDU000042{}", check_digit("CRDU000042")));
    }
}
