//! The CPU process: maps guest RAM and the device regions, builds the dispatch from the
//! manifests, and runs the CPU until the machine ends.

use anyhow::{bail, Context};
use cloister_cpu::{Cpu, CpuModel};
use cloister_devices::pic::PicPair;
use cloister_devices::registry;
use cloister_shared::control::{self, CpuSetup, FromCpu};
use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::layout::{device_region_size, machine_region_size};
use cloister_shared::plane::RingClient;

use super::{enter_child, map_fd, take_device_files, take_fd, DeviceFiles};
use crate::vm::machine::{Ended, Machine, MachineBus};
use crate::vm::memory::GuestMemory;
use crate::vm::platform::Platform;
use crate::vm::ports::{Link, PortBus};

pub fn main() -> anyhow::Result<i32> {
    let mut control = enter_child()?;
    let setup: CpuSetup = control::recv(&mut control).context("receiving the CPU setup")?;
    let mut machine = match build(setup, control.try_clone()?) {
        Ok(m) => m,
        Err(e) => {
            let _ = control::send(
                &mut control,
                &FromCpu::Fatal {
                    device: None,
                    message: format!("{e:#}"),
                },
            );
            return Err(e);
        }
    };
    let reply = match machine.run() {
        Ended::Exit(status) => FromCpu::Exit { status },
        Ended::Quit => return Ok(0),
        Ended::Fatal(device, message) => FromCpu::Fatal { device, message },
    };
    control::send(&mut machine.control, &reply).context("reporting to the supervisor")?;
    Ok(0)
}

fn build(setup: CpuSetup, control: std::os::unix::net::UnixStream) -> anyhow::Result<Machine> {
    let ram = map_fd(setup.guest_ram_fd, setup.guest_ram_size).context("mapping guest RAM")?;
    let machine_region = map_fd(setup.machine_fd, machine_region_size())?;
    let debugcon = setup
        .debugcon_fd
        .map(take_fd)
        .transpose()?
        .map(std::fs::File::from);
    let model = match setup.model.as_str() {
        "8086" => CpuModel::I8086,
        "i686" => CpuModel::I686,
        other => bail!("unknown CPU model `{other}`"),
    };
    let mut ports = PortBus::new(Platform::new(debugcon, setup.post_codes), PicPair::new());
    for dev in setup.devices {
        let name = dev.manifest.name.clone();
        let link = match (dev.region_fd, dev.inline) {
            (Some(fd), _) => Link::Ring(RingClient::new(map_fd(fd, device_region_size())?)),
            (None, Some(inline)) => {
                let config = postcard::from_bytes(&inline.config)
                    .context("reading the machine configuration")?;
                let DeviceFiles {
                    regions,
                    files,
                    output,
                } = take_device_files(&inline.fds, &inline.manifest.regions)?;
                let device = registry::build(&inline.kind, &inline.implementation, &config, files)?;
                let ram = inline
                    .manifest
                    .guest_ram
                    .then(|| GuestRam::new(ram.clone()));
                Link::Inline {
                    device,
                    deadline: u64::MAX,
                    regions,
                    ram,
                    output,
                }
            }
            (None, None) => bail!("device `{name}` has neither a ring nor an inline setup"),
        };
        ports
            .attach(dev.manifest, link, dev.machine_lines)
            .with_context(|| format!("attaching device `{name}`"))?;
    }
    let mem = GuestMemory::new(ram, setup.bios)?;
    Ok(Machine {
        cpu: Cpu::new(model),
        bus: MachineBus::new(mem, ports),
        control,
        machine_region,
        instructions: 0,
    })
}
