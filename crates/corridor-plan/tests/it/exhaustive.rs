//! Exhaustive search over joint configurations: the ground truth for tiny instances.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use corridor_plan::Digraph;

/// Every configuration reachable in one step from `from` (waits and edges, no vertex or
/// swap conflict), where agents with `fixed[i]` must wait.
fn successors(graph: &Digraph, from: &[u32], fixed: &[bool]) -> Vec<Vec<u32>> {
    let k = from.len();
    let options: Vec<Vec<u32>> = (0..k)
        .map(|i| {
            let mut o = vec![from[i]];
            if !fixed[i] {
                o.extend_from_slice(graph.successors(from[i]));
            }
            o
        })
        .collect();
    let mut out = Vec::new();
    let mut current = vec![0u32; k];
    fn rec(
        i: usize,
        options: &[Vec<u32>],
        from: &[u32],
        current: &mut Vec<u32>,
        out: &mut Vec<Vec<u32>>,
    ) {
        if i == options.len() {
            out.push(current.clone());
            return;
        }
        'next: for &u in &options[i] {
            for j in 0..i {
                if current[j] == u || (current[j] == from[i] && u == from[j] && u != from[i]) {
                    continue 'next;
                }
            }
            current[i] = u;
            rec(i + 1, options, from, current, out);
        }
    }
    rec(0, &options, from, &mut current, &mut out);
    out
}

/// Optimal sum-of-costs (each agent's last arrival at its goal), or `None` when no plan
/// exists. Dijkstra over (configuration, agents committed to rest at their goals).
pub fn optimal_sum_of_costs(graph: &Digraph, starts: &[u32], goals: &[u32]) -> Option<u64> {
    let k = starts.len();
    let all = (1u32 << k) - 1;
    let mut best: HashMap<(Vec<u32>, u32), u64> = HashMap::new();
    let mut heap = BinaryHeap::new();
    best.insert((starts.to_vec(), 0), 0);
    heap.push(Reverse((0u64, starts.to_vec(), 0u32)));
    while let Some(Reverse((cost, config, flags))) = heap.pop() {
        if best
            .get(&(config.clone(), flags))
            .is_some_and(|&c| c < cost)
        {
            continue;
        }
        if flags == all {
            return Some(cost);
        }
        let mut push = |c: Vec<u32>, f: u32, cost: u64, heap: &mut BinaryHeap<_>| {
            let key = (c.clone(), f);
            if best.get(&key).is_none_or(|&old| cost < old) {
                best.insert(key, cost);
                heap.push(Reverse((cost, c, f)));
            }
        };
        // Commit an agent resting at its goal: free.
        for i in 0..k {
            if flags & (1 << i) == 0 && config[i] == goals[i] {
                push(config.clone(), flags | (1 << i), cost, &mut heap);
            }
        }
        let fixed: Vec<bool> = (0..k).map(|i| flags & (1 << i) != 0).collect();
        let step = u64::from(k as u32 - flags.count_ones());
        for next in successors(graph, &config, &fixed) {
            push(next, flags, cost + step, &mut heap);
        }
    }
    None
}

/// Optimal sum-of-loss (steps in which an agent is not resting at its goal), or `None`.
pub fn optimal_sum_of_loss(graph: &Digraph, starts: &[u32], goals: &[u32]) -> Option<u64> {
    let k = starts.len();
    let none = vec![false; k];
    let mut best: HashMap<Vec<u32>, u64> = HashMap::new();
    let mut heap = BinaryHeap::new();
    best.insert(starts.to_vec(), 0);
    heap.push(Reverse((0u64, starts.to_vec())));
    while let Some(Reverse((cost, config))) = heap.pop() {
        if best.get(&config).is_some_and(|&c| c < cost) {
            continue;
        }
        if config == goals {
            return Some(cost);
        }
        for next in successors(graph, &config, &none) {
            let step = (0..k)
                .filter(|&i| !(config[i] == goals[i] && next[i] == goals[i]))
                .count() as u64;
            let c = cost + step;
            if best.get(&next).is_none_or(|&old| c < old) {
                best.insert(next.clone(), c);
                heap.push(Reverse((c, next)));
            }
        }
    }
    None
}
