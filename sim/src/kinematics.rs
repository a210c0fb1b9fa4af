//! The speed law: how fast a vehicle may go in the next step so that it can always stop in
//! time — at the end of what it has been released, behind the vehicle ahead with its
//! following gap, and before a lower speed limit — within its service brake.
//!
//! The position update is semi-implicit (`x += v_next · dt`), and each bound is solved for
//! that update, so the bounds hold exactly at every step, not only in the limit `dt → 0`.

/// The largest speed `v` such that after one step of `dt` seconds at `v`, the vehicle still
/// stops within `distance` metres at deceleration `brake`, keeping `time_gap` seconds of
/// travel in hand: `v·(dt + time_gap) + v²/(2·brake) ≤ distance`.
pub fn safe_speed(distance: f64, brake: f64, dt: f64, time_gap: f64) -> f64 {
    if distance <= 0.0 || brake <= 0.0 {
        return 0.0;
    }
    let t = dt + time_gap;
    (brake * (-t + (t * t + 2.0 * distance / brake).sqrt())).max(0.0)
}

/// The largest speed now that can still slow to `limit` within `distance` metres at
/// deceleration `brake` (a lower speed limit ahead).
pub fn approach_speed(limit: f64, distance: f64, brake: f64, dt: f64) -> f64 {
    if distance <= 0.0 {
        return limit;
    }
    // Same semi-implicit bound, with the target speed's own stopping distance added.
    safe_speed(distance + limit * limit / (2.0 * brake), brake, dt, 0.0).max(limit)
}

/// What one step does to the speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedStep {
    /// The speed for the next step, m/s.
    pub speed: f64,
    /// Whether reaching it needed more than the service brake.
    pub emergency: bool,
}

/// The next speed: as close to `target` as acceleration and braking allow. Braking harder
/// than `service_brake` (up to `emergency_brake`) is flagged.
pub fn next_speed(
    speed: f64,
    target: f64,
    acceleration: f64,
    service_brake: f64,
    emergency_brake: f64,
    dt: f64,
) -> SpeedStep {
    let target = target.max(0.0);
    if target >= speed {
        return SpeedStep {
            speed: target.min(speed + acceleration * dt),
            emergency: false,
        };
    }
    if speed - target <= service_brake * dt + 1e-9 {
        return SpeedStep {
            speed: target,
            emergency: false,
        };
    }
    SpeedStep {
        speed: target.max(speed - emergency_brake * dt),
        emergency: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Driving at the safe speed and then braking at the service brake stops within the
        /// distance, leaving the time gap.
        #[test]
        fn safe_speed_stops_in_time(d in 0.0f64..500.0, b in 0.3f64..3.0, dt in 0.05f64..1.0, gap in 0.0f64..3.0) {
            let v = safe_speed(d, b, dt, gap);
            prop_assert!(v >= 0.0);
            let used = v * (dt + gap) + v * v / (2.0 * b);
            prop_assert!(used <= d + 1e-6, "{} > {}", used, d);
        }

        #[test]
        fn next_speed_respects_limits(v in 0.0f64..10.0, t in 0.0f64..10.0, dt in 0.05f64..1.0) {
            let s = next_speed(v, t, 0.5, 0.8, 2.5, dt);
            prop_assert!(s.speed >= 0.0);
            prop_assert!(s.speed <= v + 0.5 * dt + 1e-9);
            prop_assert!(s.speed >= v - 2.5 * dt - 1e-9);
            prop_assert_eq!(s.emergency, v - t > 0.8 * dt + 1e-9);
        }
    }

    #[test]
    fn approach_speed_allows_limit_at_zero_distance() {
        assert_eq!(approach_speed(1.4, 0.0, 0.8, 0.25), 1.4);
        assert!(approach_speed(1.4, 50.0, 0.8, 0.25) > 5.0);
    }
}
