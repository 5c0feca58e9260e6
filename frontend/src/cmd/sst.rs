//! `cloister sst` (to be written).
#[derive(clap::Args)]
pub struct SstArgs {}
pub fn run(_args: SstArgs) -> anyhow::Result<()> {
    anyhow::bail!("not yet")
}
