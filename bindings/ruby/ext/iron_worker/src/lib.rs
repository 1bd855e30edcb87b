//! Ruby binding (skeleton).
