//! The CRM pages: lists of contacts, companies, leads and deals (search, owner filter),
//! a record's card with its correspondence, and the forms to create and edit them.

pub mod correspondence;
