//! SeaORM entities, one file per table; behaviour lives in the services that use them.

pub mod session;
pub mod user;
pub mod workspace;
