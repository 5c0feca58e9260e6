//! One module per subcommand that is not the machine itself.
pub mod ctl;
pub mod sst;
