//! Footprint overlap: each vehicle is a rectangle from its rear to its front, as wide as the
//! vehicle; two overlap when no separating axis exists (the separating axis theorem).

use nalgebra::{Point2, Vector2};

/// A footprint: front point, rear point, width (metres).
pub type Footprint = (Point2<f64>, Point2<f64>, f64);

fn corners((front, rear, width): Footprint) -> [Point2<f64>; 4] {
    let axis = front - rear;
    let len = axis.norm();
    let dir = if len > 0.0 { axis / len } else { Vector2::x() };
    let side = Vector2::new(-dir.y, dir.x) * (width / 2.0);
    [rear + side, front + side, front - side, rear - side]
}

/// Whether two footprints overlap (touching edges do not count).
pub fn footprints_overlap(a: Footprint, b: Footprint) -> bool {
    let ca = corners(a);
    let cb = corners(b);
    let axes = [ca[1] - ca[0], ca[3] - ca[0], cb[1] - cb[0], cb[3] - cb[0]];
    for axis in axes {
        let n = axis.norm();
        if n == 0.0 {
            continue;
        }
        let axis = axis / n;
        let project = |c: &[Point2<f64>; 4]| {
            c.iter()
                .map(|p| p.coords.dot(&axis))
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
                    (lo.min(x), hi.max(x))
                })
        };
        let (a0, a1) = project(&ca);
        let (b0, b1) = project(&cb);
        if a1 <= b0 + 1e-9 || b1 <= a0 + 1e-9 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_cases() {
        let p = |x, y| Point2::new(x, y);
        let a = (p(15.6, 0.0), p(0.0, 0.0), 3.0);
        // 5 m behind: no overlap.
        assert!(!footprints_overlap(a, (p(-5.0, 0.0), p(-20.6, 0.0), 3.0)));
        // 1 m into it: overlap.
        assert!(footprints_overlap(a, (p(1.0, 0.0), p(-14.6, 0.0), 3.0)));
        // Side by side 3.75 m apart: lanes of the corridor, no overlap.
        assert!(!footprints_overlap(a, (p(15.6, 3.75), p(0.0, 3.75), 3.0)));
        // Crossing at right angles through the middle: overlap.
        assert!(footprints_overlap(a, (p(8.0, 8.0), p(8.0, -8.0), 3.0)));
    }
}
