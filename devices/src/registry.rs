//! Builds devices by name (placeholder until the device models land).
