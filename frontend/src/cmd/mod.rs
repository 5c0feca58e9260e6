//! One module per subcommand.
pub mod sst;
