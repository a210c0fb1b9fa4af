//! The rules of VDA 5050 §6.1 that the JSON schemas cannot check, for one order message on
//! its own. Rules across messages (stitching, orderUpdateId, new orders) live in
//! [`crate::tracker`].

use std::collections::HashSet;

use crate::error::OrderProblem;
use crate::model::Order;

/// Checks one order message:
/// - at least one node, and edges = nodes − 1 (§6.1.1);
/// - `orderId`, node, edge and action ids non-empty;
/// - sequence ids: nodes even, edges odd, consecutive in traversal order (node, edge,
///   node, ...); a new order (`orderUpdateId` 0) starts at 0;
/// - the first node is released (it is the start or the stitching node);
/// - base before horizon: once an element is unreleased, everything after it is too, and a
///   released edge leads to a released node;
/// - action ids unique within the message.
pub(crate) fn check_order(order: &Order) -> Result<(), OrderProblem> {
    if order.order_id.is_empty() {
        return Err(OrderProblem::EmptyId {
            field: "orderId".to_owned(),
        });
    }
    let Some(first) = order.nodes.first() else {
        return Err(OrderProblem::NoNodes);
    };
    if order.edges.len() + 1 != order.nodes.len() {
        return Err(OrderProblem::EdgeCount {
            nodes: order.nodes.len(),
            edges: order.edges.len(),
        });
    }
    // A new order starts at 0; an update starts at its stitching node, which is even.
    let start = if order.order_update_id == 0 {
        0
    } else {
        first.sequence_id
    };
    if start % 2 == 1 {
        return Err(OrderProblem::SequenceId {
            element: "nodes[0]".to_owned(),
            id: first.node_id.clone(),
            expected: start - 1,
            found: start,
        });
    }
    // Elements in traversal order: (path, id, sequence id, released).
    let mut sequence = Vec::with_capacity(order.nodes.len() * 2);
    for (i, node) in order.nodes.iter().enumerate() {
        sequence.push((
            format!("nodes[{i}]"),
            &node.node_id,
            node.sequence_id,
            node.released,
        ));
        if let Some(edge) = order.edges.get(i) {
            sequence.push((
                format!("edges[{i}]"),
                &edge.edge_id,
                edge.sequence_id,
                edge.released,
            ));
        }
    }
    for (offset, (element, id, found, _)) in sequence.iter().enumerate() {
        if id.is_empty() {
            let field = if element.starts_with("nodes") {
                format!("{element}.nodeId")
            } else {
                format!("{element}.edgeId")
            };
            return Err(OrderProblem::EmptyId { field });
        }
        // Past u32::MAX no sequence id is right; report the largest.
        let expected = u32::try_from(offset)
            .ok()
            .and_then(|o| start.checked_add(o))
            .unwrap_or(u32::MAX);
        if *found != expected || (expected == u32::MAX && offset > 0) {
            return Err(OrderProblem::SequenceId {
                element: element.clone(),
                id: (*id).clone(),
                expected,
                found: *found,
            });
        }
    }
    if !first.released {
        return Err(OrderProblem::FirstNodeNotReleased {
            node_id: first.node_id.clone(),
        });
    }
    let mut in_horizon = false;
    for (index, (element, id, sequence_id, released)) in sequence.iter().enumerate() {
        let ends_unreleased_edge =
            *released && element.starts_with("edges") && !sequence[index + 1].3;
        if (*released && in_horizon) || ends_unreleased_edge {
            return Err(OrderProblem::ReleasedAfterHorizon {
                element: element.clone(),
                id: (*id).clone(),
                sequence_id: *sequence_id,
            });
        }
        in_horizon |= !released;
    }
    let mut seen = HashSet::new();
    for (i, node) in order.nodes.iter().enumerate() {
        let edge_actions = order.edges.get(i).into_iter().flat_map(|e| &e.actions);
        for (j, action) in node.actions.iter().chain(edge_actions).enumerate() {
            if action.action_id.is_empty() {
                let field = if j < node.actions.len() {
                    format!("nodes[{i}].actions[{j}].actionId")
                } else {
                    format!("edges[{i}].actions[{}].actionId", j - node.actions.len())
                };
                return Err(OrderProblem::EmptyId { field });
            }
            if !seen.insert(action.action_id.as_str()) {
                return Err(OrderProblem::DuplicateActionId {
                    action_id: action.action_id.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, ActionType, BlockingType, Edge, Node, number};

    fn order(released_steps: usize, steps: usize) -> Order {
        let steps = (1..=steps)
            .map(|i| (Edge::new(format!("e{i}")), Node::new(format!("n{i}"))))
            .collect();
        number("o".into(), 0, Node::new("n0"), 0, steps, released_steps)
    }

    #[test]
    fn well_formed_orders_pass() {
        for steps in 0..4 {
            for released in 0..=steps {
                check_order(&order(released, steps)).unwrap();
            }
        }
        let mut update = number("o".into(), 3, Node::new("n4"), 8, vec![], 0);
        update.nodes[0].released = true;
        check_order(&update).unwrap();
    }

    #[test]
    fn each_rule_is_enforced() {
        let mut o = order(2, 2);
        o.edges.pop();
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::EdgeCount { nodes: 3, edges: 1 })
        ));

        let mut o = order(2, 2);
        o.nodes.clear();
        o.edges.clear();
        assert_eq!(check_order(&o), Err(OrderProblem::NoNodes));

        let mut o = order(2, 2);
        o.edges[1].sequence_id = 4;
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::SequenceId {
                expected: 3,
                found: 4,
                ..
            })
        ));

        // An update may start anywhere even, not at an odd number.
        let mut o = order(2, 2);
        o.order_update_id = 1;
        for (k, n) in o.nodes.iter_mut().enumerate() {
            n.sequence_id = 5 + 2 * k as u32;
        }
        assert!(
            matches!(check_order(&o), Err(OrderProblem::SequenceId { element, .. }) if element == "nodes[0]")
        );

        // A new order starts at 0.
        let mut o = number("o".into(), 0, Node::new("a"), 2, vec![], 0);
        o.nodes[0].released = true;
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::SequenceId {
                expected: 0,
                found: 2,
                ..
            })
        ));

        let mut o = order(1, 2);
        o.nodes[0].released = false;
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::FirstNodeNotReleased { .. })
        ));

        let mut o = order(1, 2);
        o.nodes[2].released = true;
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::ReleasedAfterHorizon { sequence_id: 4, .. })
        ));

        let mut o = order(1, 2);
        o.edges[1].released = true;
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::ReleasedAfterHorizon { sequence_id: 3, .. })
        ));

        let mut o = order(2, 2);
        o.nodes[1].node_id.clear();
        assert!(
            matches!(check_order(&o), Err(OrderProblem::EmptyId { field }) if field == "nodes[1].nodeId")
        );

        let mut o = order(2, 2);
        let a = Action::new("a1", ActionType::Pick, BlockingType::Hard);
        o.nodes[1].actions.push(a.clone());
        o.edges[1].actions.push(a);
        assert!(matches!(
            check_order(&o),
            Err(OrderProblem::DuplicateActionId { .. })
        ));
    }
}
