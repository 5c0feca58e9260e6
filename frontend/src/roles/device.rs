//! A device process: builds one device and serves its ring until told to quit. The display
//! with a front end also shows the machine (`crate::display::process`).

use std::os::fd::OwnedFd;
use std::os::unix::net::UnixStream;

use anyhow::Context;
use cloister_devices::registry;
use cloister_shared::control::{self, DeviceSetup};
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::host::{serve, HostBus};
use cloister_shared::plane::layout::{device_region_size, machine_region_size};
use cloister_shared::plane::RingServer;

use super::{enter_child, map_fd, take_device_files, DeviceFiles};
use crate::display;

/// The role of the display's channel to the supervisor among its files.
pub const UI_ROLE: &str = "ui";

pub fn main() -> anyhow::Result<i32> {
    let mut control = enter_child()?;
    let setup: DeviceSetup = control::recv(&mut control).context("receiving the device setup")?;
    let name = setup.manifest.name.clone();
    run(setup, control).with_context(|| format!("device `{name}`"))?;
    Ok(0)
}

fn run(setup: DeviceSetup, mut control: UnixStream) -> anyhow::Result<()> {
    let region = map_fd(setup.fds.region, device_region_size())?;
    let machine = map_fd(setup.fds.machine, machine_region_size())?;
    let guest_ram = match setup.fds.guest_ram {
        Some(fd) => Some(GuestRam::new(map_fd(fd, setup.guest_ram_size)?)),
        None => None,
    };
    let DeviceFiles {
        regions,
        mut files,
        output,
    } = take_device_files(&setup.fds, &setup.manifest.regions)?;
    // The display's front end, if the supervisor chose one, and its channel to the supervisor.
    let front_end = match display::front_end(&setup.implementation) {
        Some(which) if setup.kind == "display" => {
            let i = files
                .iter()
                .position(|(role, _)| role == UI_ROLE)
                .context("the display was given no channel for its front end")?;
            let framebuffer = regions.first().cloned().context("no framebuffer region")?;
            Some((which, framebuffer, OwnedFd::from(files.remove(i).1)))
        }
        _ => None,
    };
    let config =
        postcard::from_bytes(&setup.config).context("reading the machine configuration")?;
    let mut device = registry::build(&setup.kind, &setup.implementation, &config, files)?;
    let server = RingServer::new(region, machine);
    let mut bus = HostBus::new(server, setup.manifest.clone(), guest_ram, regions);
    let fault = setup.fault;
    let serve_ring = move || -> anyhow::Result<()> {
        serve(device.as_mut(), &mut bus, &mut control, output, fault)?;
        Ok(())
    };
    match front_end {
        None => serve_ring(),
        Some((which, framebuffer, link)) => {
            display::process::run(which, framebuffer, link, serve_ring)
        }
    }
}
