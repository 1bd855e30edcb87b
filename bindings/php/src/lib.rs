//! PHP binding (skeleton).
