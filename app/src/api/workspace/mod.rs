mod set_plan;

pub use set_plan::{SetPlan, set_plan};
