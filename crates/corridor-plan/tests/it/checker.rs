//! The plan checker: each rule is caught with the agent, timestep and vertex named.

use corridor_plan::{
    Digraph, Endpoint, Instance, Plan, PlanCost, PlanError, Rules, Violation, check, check_with,
    lower_bounds,
};

/// 0 ⇄ 1 ⇄ 2 ⇄ 3 plus a one-way 3 → 4 and a one-way triangle 5 → 6 → 7 → 5.
fn graph() -> Digraph {
    Digraph::from_edges(
        8,
        &[
            (0, 1),
            (1, 0),
            (1, 2),
            (2, 1),
            (2, 3),
            (3, 2),
            (3, 4),
            (5, 6),
            (6, 7),
            (7, 5),
        ],
    )
    .unwrap()
}

fn instance(starts: Vec<u32>, goals: Vec<u32>) -> Instance {
    Instance::new(graph(), starts, goals).unwrap()
}

#[test]
fn a_valid_plan_gets_its_costs() {
    // Agent 0: 0 → 1 → 2 (arrives t=2), agent 1: 3 → 4 at t=1, then waits; agent 2 passes
    // its goal 2 early? No: agent 2 starts on its goal 7 and rests.
    let inst = instance(vec![0, 3, 7], vec![2, 4, 7]);
    let plan = Plan::from_configs(vec![vec![0, 3, 7], vec![1, 4, 7], vec![2, 4, 7]]);
    assert_eq!(
        check(&inst, &plan),
        Ok(PlanCost {
            sum_of_costs: 3,
            sum_of_loss: 3,
            makespan: 2
        })
    );
    let lb = lower_bounds(&inst).unwrap();
    assert_eq!((lb.sum_of_costs, lb.makespan), (3, 2));
}

#[test]
fn leaving_the_goal_and_coming_back_counts_until_the_last_arrival() {
    // Agent 0 starts at its goal 5, goes round the triangle, back at t=3.
    let inst = instance(vec![5], vec![5]);
    let plan = Plan::from_configs(vec![vec![5], vec![6], vec![7], vec![5], vec![5]]);
    let cost = check(&inst, &plan).unwrap();
    assert_eq!(
        (cost.sum_of_costs, cost.sum_of_loss, cost.makespan),
        (3, 3, 3)
    );
    // Waiting on the goal in the middle counts for sum-of-costs but not for sum-of-loss.
    let inst = instance(vec![0], vec![1]);
    let plan = Plan::from_configs(vec![vec![0], vec![1], vec![1], vec![2], vec![1]]);
    let cost = check(&inst, &plan).unwrap();
    assert_eq!((cost.sum_of_costs, cost.sum_of_loss), (4, 3));
}

#[test]
fn wrong_start_and_goal_are_named() {
    let inst = instance(vec![0, 3], vec![2, 4]);
    let plan = Plan::from_configs(vec![vec![1, 3], vec![2, 4]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::WrongStart {
            agent: 0,
            vertex: 1,
            start: 0
        })
    );
    let plan = Plan::from_configs(vec![vec![0, 3], vec![1, 4]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::WrongGoal {
            agent: 0,
            vertex: 1,
            goal: 2
        })
    );
    assert_eq!(
        check(&inst, &Plan::from_configs(vec![])),
        Err(Violation::Empty)
    );
}

#[test]
fn jumps_and_wrong_way_moves_are_caught() {
    let inst = instance(vec![0, 4], vec![2, 3]);
    let plan = Plan::from_configs(vec![vec![0, 4], vec![2, 4], vec![2, 3]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::NotAnEdge {
            agent: 0,
            timestep: 1,
            from: 0,
            to: 2
        })
    );
    // 4 → 3 goes against the one-way edge 3 → 4.
    let plan = Plan::from_configs(vec![vec![0, 4], vec![1, 3], vec![2, 3]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::NotAnEdge {
            agent: 1,
            timestep: 1,
            from: 4,
            to: 3
        })
    );
}

#[test]
fn vertex_and_swap_conflicts_are_caught() {
    let inst = instance(vec![0, 2], vec![1, 3]);
    let plan = Plan::from_configs(vec![vec![0, 2], vec![1, 1], vec![1, 3]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::VertexConflict {
            timestep: 1,
            vertex: 1,
            first: 0,
            second: 1
        })
    );
    let inst = instance(vec![1, 2], vec![2, 1]);
    let plan = Plan::from_configs(vec![vec![1, 2], vec![2, 1]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::SwapConflict {
            timestep: 1,
            first: 0,
            second: 1,
            a: 1,
            b: 2
        })
    );
    let plan = Plan::from_configs(vec![vec![1, 2], vec![1, 2, 3]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::AgentCount {
            timestep: 1,
            expected: 2,
            got: 3
        })
    );
    let plan = Plan::from_configs(vec![vec![1, 2], vec![1, 9]]);
    assert_eq!(
        check(&inst, &plan),
        Err(Violation::UnknownVertex {
            agent: 1,
            timestep: 1,
            vertex: 9
        })
    );
}

#[test]
fn following_and_rotation_are_allowed_unless_refused() {
    // Following along the corridor: agent 1 moves 2 → 3 while agent 0 moves 1 → 2.
    let inst = instance(vec![1, 2], vec![2, 3]);
    let plan = Plan::from_configs(vec![vec![1, 2], vec![2, 3]]);
    assert!(check(&inst, &plan).is_ok());
    assert!(check_with(&inst, &plan, Rules::no_rotation()).is_ok());
    // Three agents rotate round the one-way triangle.
    let inst = instance(vec![5, 6, 7], vec![6, 7, 5]);
    let plan = Plan::from_configs(vec![vec![5, 6, 7], vec![6, 7, 5]]);
    assert!(check(&inst, &plan).is_ok());
    assert!(matches!(
        check_with(&inst, &plan, Rules::no_rotation()),
        Err(Violation::Rotation { timestep: 1, ref agents }) if agents.len() == 3
    ));
}

#[test]
fn bad_instances_name_the_agents_and_vertex() {
    assert_eq!(
        Instance::new(graph(), vec![0, 1], vec![2, 8]).unwrap_err(),
        PlanError::UnknownVertex {
            agent: 1,
            endpoint: Endpoint::Goal,
            vertex: 8,
            vertex_count: 8
        }
    );
    assert_eq!(
        Instance::new(graph(), vec![0, 3, 0], vec![1, 2, 4]).unwrap_err(),
        PlanError::SharedEndpoint {
            first: 0,
            second: 2,
            endpoint: Endpoint::Start,
            vertex: 0
        }
    );
    assert_eq!(
        Instance::new(graph(), vec![0, 3], vec![4, 4]).unwrap_err(),
        PlanError::SharedEndpoint {
            first: 0,
            second: 1,
            endpoint: Endpoint::Goal,
            vertex: 4
        }
    );
    assert_eq!(
        Instance::new(graph(), vec![0], vec![]).unwrap_err(),
        PlanError::AgentCount {
            starts: 1,
            goals: 0
        }
    );
    let message = Instance::new(graph(), vec![0, 3, 0], vec![1, 2, 4])
        .unwrap_err()
        .to_string();
    assert_eq!(message, "agents 0 and 2 both have vertex 0 as their start");
    assert!(matches!(
        Digraph::from_edges(2, &[(0, 5)]),
        Err(PlanError::UnknownSuccessor {
            vertex: 0,
            successor: 5,
            vertex_count: 2
        })
    ));
    // 4 cannot reach 0: one-way 3 → 4.
    assert_eq!(
        lower_bounds(&instance(vec![4], vec![0])).unwrap_err(),
        PlanError::Unreachable {
            agent: 0,
            start: 4,
            goal: 0
        }
    );
}
