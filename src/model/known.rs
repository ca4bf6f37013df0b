//! Known.
