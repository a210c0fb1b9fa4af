//! Integration tests of corridor-plan.

mod execution;
mod lifelong;
