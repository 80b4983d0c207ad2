//! Recorded files: format detection and reading.
