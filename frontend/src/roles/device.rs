//! A device process: builds one device and serves its ring until told to quit.

use std::sync::Arc;

use anyhow::Context;
use cloister_devices::registry;
use cloister_shared::control::{self, DeviceSetup};
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::host::{serve, HostBus};
use cloister_shared::plane::layout::{device_region_size, machine_region_size};
use cloister_shared::plane::RingServer;
use cloister_shared::sys::memfd::SharedRegion;

use super::{enter_child, take_fd};

pub fn main() -> anyhow::Result<i32> {
    let mut control = enter_child()?;
    let setup: DeviceSetup = control::recv(&mut control).context("receiving the device setup")?;
    let name = setup.manifest.name.clone();
    let mut run = || -> anyhow::Result<()> {
        let map = |fd: i32, size: u64| -> anyhow::Result<Arc<SharedRegion>> {
            Ok(Arc::new(SharedRegion::from_fd(take_fd(fd)?, size)?))
        };
        let region = map(setup.fds.region, device_region_size())?;
        let machine = map(setup.fds.machine, machine_region_size())?;
        let guest_ram = match setup.fds.guest_ram {
            Some(fd) => Some(GuestRam::new(map(fd, setup.guest_ram_size)?)),
            None => None,
        };
        let regions = setup
            .fds
            .regions
            .iter()
            .zip(&setup.manifest.regions)
            .map(|(&fd, &size)| map(fd, size))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let files = setup
            .fds
            .files
            .iter()
            .map(|(role, fd)| take_fd(*fd).map(|f| (role.clone(), std::fs::File::from(f))))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let output = setup
            .fds
            .output
            .map(take_fd)
            .transpose()?
            .map(std::fs::File::from);
        let config =
            postcard::from_bytes(&setup.config).context("reading the machine configuration")?;
        let mut device = registry::build(&setup.kind, &setup.implementation, &config, files)?;
        let server = RingServer::new(region, machine);
        let mut bus = HostBus::new(server, setup.manifest.clone(), guest_ram, regions);
        serve(device.as_mut(), &mut bus, &mut control, output, setup.fault)?;
        Ok(())
    };
    run().with_context(|| format!("device `{name}`"))?;
    Ok(0)
}
