//! SingleStepTests conformance runner (to be written).
