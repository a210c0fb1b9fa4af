//! Assignment of waiting jobs to free vehicles: an optimal assignment over each batch
//! (Kuhn–Munkres), not first-come-first-served.
//!
//! Given a score for every feasible (vehicle, job) pair — higher is better, for example the
//! job's urgency minus the vehicle's travel time to its pick-up — [`assign`] returns the
//! pairs that first assign as many jobs as possible and then, among those, maximise the
//! total score.

use pathfinding::kuhn_munkres::kuhn_munkres;
use pathfinding::matrix::Matrix;

/// Scores are rounded to this many units per 1.0 before the integer optimisation.
const RESOLUTION: f64 = 1_000.0;

/// Pairs (vehicle index, job index) of an optimal assignment. `scores[v][j]` is the score
/// of vehicle `v` taking job `j`, `None` where it cannot. Each vehicle and each job appears
/// at most once. Non-finite scores count as infeasible.
pub fn assign(scores: &[Vec<Option<f64>>]) -> Vec<(usize, usize)> {
    let vehicles = scores.len();
    let jobs = scores.iter().map(Vec::len).max().unwrap_or(0);
    if vehicles == 0 || jobs == 0 {
        return Vec::new();
    }
    let score = |v: usize, j: usize| {
        scores[v]
            .get(j)
            .copied()
            .flatten()
            .filter(|s| s.is_finite())
    };
    // Shift feasible scores so the smallest is 1 and add a bonus larger than any possible
    // sum of scores: maximising the total then maximises the count first.
    let feasible: Vec<f64> = (0..vehicles)
        .flat_map(|v| (0..jobs).filter_map(move |j| score(v, j)))
        .collect();
    if feasible.is_empty() {
        return Vec::new();
    }
    let min = feasible.iter().copied().fold(f64::INFINITY, f64::min);
    let max = feasible.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let unit = |s: f64| ((s - min) * RESOLUTION).round() as i64 + 1;
    let span = ((max - min) * RESOLUTION).round() as i64 + 1;
    let bonus = span.saturating_mul(vehicles.min(jobs) as i64 + 1);
    let weight = |v: usize, j: usize| score(v, j).map_or(0, |s| bonus + unit(s));
    // Kuhn–Munkres needs rows <= columns.
    let transpose = vehicles > jobs;
    let (rows, cols) = if transpose {
        (jobs, vehicles)
    } else {
        (vehicles, jobs)
    };
    let matrix = Matrix::from_fn(rows, cols, |(r, c)| {
        if transpose {
            weight(c, r)
        } else {
            weight(r, c)
        }
    });
    let (_, columns) = kuhn_munkres(&matrix);
    columns
        .into_iter()
        .enumerate()
        .map(|(r, c)| if transpose { (c, r) } else { (r, c) })
        .filter(|&(v, j)| score(v, j).is_some())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Best (count, total) over all assignments, by exhaustive search.
    fn brute(scores: &[Vec<Option<f64>>], v: usize, used: &mut Vec<bool>) -> (usize, f64) {
        if v == scores.len() {
            return (0, 0.0);
        }
        let mut best = brute(scores, v + 1, used);
        for j in 0..used.len() {
            if let Some(s) = scores[v][j]
                && !used[j]
            {
                used[j] = true;
                let (c, t) = brute(scores, v + 1, used);
                used[j] = false;
                let cand = (c + 1, t + s);
                if cand.0 > best.0 || (cand.0 == best.0 && cand.1 > best.1 + 1e-9) {
                    best = cand;
                }
            }
        }
        best
    }

    proptest! {
        #[test]
        fn matches_exhaustive_search(
            (v, j, cells) in (1usize..6, 1usize..6).prop_flat_map(|(v, j)| {
                (Just(v), Just(j), proptest::collection::vec(proptest::option::weighted(0.7, -50i32..50), v * j))
            })
        ) {
            let scores: Vec<Vec<Option<f64>>> = (0..v)
                .map(|r| (0..j).map(|c| cells[r * j + c].map(f64::from)).collect())
                .collect();
            let pairs = assign(&scores);
            let mut seen_v = std::collections::HashSet::new();
            let mut seen_j = std::collections::HashSet::new();
            let mut total = 0.0;
            for &(a, b) in &pairs {
                prop_assert!(seen_v.insert(a) && seen_j.insert(b));
                total += scores[a][b].expect("feasible");
            }
            let (count, best) = brute(&scores, 0, &mut vec![false; j]);
            prop_assert_eq!(pairs.len(), count);
            prop_assert!((total - best).abs() < 1e-6, "{} vs {}", total, best);
        }
    }

    #[test]
    fn prefers_the_better_global_matching_over_greedy() {
        // Greedy would give vehicle 0 job 0 (score 10) and leave vehicle 1 with job 1 (1).
        let scores = vec![vec![Some(10.0), Some(9.0)], vec![Some(9.5), Some(1.0)]];
        assert_eq!(assign(&scores), vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn empty_and_infeasible() {
        assert!(assign(&[]).is_empty());
        assert!(assign(&[vec![None, None]]).is_empty());
        assert_eq!(
            assign(&[vec![None], vec![Some(f64::NAN)], vec![Some(1.0)]]),
            vec![(2, 0)]
        );
    }
}
