//! Keyless verification (placeholder, filled in below).
