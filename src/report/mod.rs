//! Printers for findings: human (miette), short, json.

pub mod finding;
