//! Integration tests of corridor-plan.

mod checker;
mod execution;
mod exhaustive;
mod lifelong;
mod mapf;
mod movingai;
mod single_agent;
