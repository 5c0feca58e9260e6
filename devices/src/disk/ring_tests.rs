//! The disk group served through a real ring by a thread that lags at random, read by the CPU's
//! end the way the CPU process reads it (published value first, else a round trip), against the
//! same group called directly: every read must get the same answer. This is what makes the
//! floppy controller's holds (its status while command and result bytes pass, its result queue)
//! safe to answer from without waiting for the device.

use std::sync::atomic::{AtomicBool, Ordering::*};
use std::sync::Arc;
use std::time::Duration;

use cloister_shared::plane::guest_ram::GuestRam;
use cloister_shared::plane::host::{dispatch, HostBus};
use cloister_shared::plane::layout::{device_region_size, machine_region_size};
use cloister_shared::plane::server::Polled;
use cloister_shared::plane::{RingClient, RingServer, RING_ENTRIES};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::{DeviceManifest, IoWidth, PortDevice};

use super::tests::{dma_setup, floppy_image, setup};
use super::*;
use crate::testing::TestBus;

const RAM: usize = 1 << 20;

/// A small xorshift generator: the sequences are random but repeatable.
struct Rng(u32);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

/// The device thread: applies entries in order, sometimes after a pause, so that the CPU's end
/// often reads while entries it sent are still waiting.
fn serve(mut disk: Disk, mut bus: HostBus, stop: Arc<AtomicBool>, seed: u32) -> Disk {
    let mut rng = Rng(seed);
    disk.start(&mut bus);
    loop {
        match bus.server.poll() {
            Polled::Request(req) => {
                if rng.below(8) == 0 {
                    std::thread::sleep(Duration::from_micros(rng.below(60) as u64));
                }
                let answer = dispatch(&mut disk, &req, &mut bus);
                bus.server.complete(answer);
                if bus.server.uncommitted() >= RING_ENTRIES / 2 {
                    bus.server.commit(&disk.save());
                }
            }
            Polled::Malformed => panic!("the CPU's own entries are well formed"),
            Polled::Empty => {
                if stop.load(Acquire) {
                    return disk;
                }
                bus.server.commit(&disk.save());
                bus.server.spin_for_work();
            }
        }
    }
}

/// Both ends of the comparison: the group through its ring and the same group called directly.
struct Pair {
    client: RingClient,
    manifest: DeviceManifest,
    direct: Disk,
    direct_bus: TestBus,
    reads: u32,
    answered_published: u32,
}

impl Pair {
    fn outb(&mut self, port: u16, value: u8) {
        self.client
            .write(port, IoWidth::Byte, value as u32)
            .unwrap();
        self.direct_bus.outb(&mut self.direct, port, value);
    }

    /// Reads through the ring as the CPU process does, and directly; they must agree.
    fn inb(&mut self, port: u16, what: &str) -> u8 {
        let slot = self.manifest.port_slot(port).unwrap();
        let ringed = match self
            .client
            .published_read(slot, port, IoWidth::Byte)
            .unwrap()
        {
            Some(v) => {
                self.answered_published += 1;
                v
            }
            None => self.client.read(port, IoWidth::Byte).unwrap(),
        } as u8;
        let direct = self.direct_bus.inb(&mut self.direct, port);
        self.reads += 1;
        assert_eq!(
            ringed, direct,
            "read {} of port {port:#x} ({what}) through the ring",
            self.reads
        );
        ringed
    }

    /// Sends command bytes the way a BIOS does: the status before each.
    fn command(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.inb(0x3F4, "status before a command byte");
            self.outb(0x3F5, b);
        }
    }

    /// Takes result bytes while the status says there are some.
    fn results(&mut self) {
        for _ in 0..20 {
            if self.inb(0x3F4, "status in the result phase") & 0xC0 != 0xC0 {
                return;
            }
            self.inb(0x3F5, "result byte");
        }
    }

    fn program_dma(&mut self, rng: &mut Rng) {
        let addr = 0x1000 + rng.below(0x7_0000);
        let len = 512 * (1 + rng.below(18));
        let mode = if rng.below(4) == 0 { 0x4A } else { 0x46 };
        for (port, v) in dma_setup(mode, addr, len) {
            self.outb(port, v);
        }
    }
}

/// One random step: mostly what a BIOS does, sometimes what a confused guest does.
fn step(p: &mut Pair, rng: &mut Rng) {
    let c = rng.below(80) as u8;
    let h = rng.below(2) as u8;
    let r = 1 + rng.below(18) as u8;
    match rng.below(16) {
        0..=4 => {
            p.program_dma(rng);
            let op = if rng.below(5) == 0 { 0xC5 } else { 0xE6 };
            p.command(&[op, h << 2, c, h, r, 2, 18, 0x1B, 0xFF]);
            p.results();
        }
        5 => {
            p.command(&[0x0F, h << 2, c]);
            p.command(&[0x08]);
            p.results();
        }
        6 => {
            let cmd = [
                [0x07, 0].as_slice(),
                &[0x08],
                &[0x10],
                &[0x04, 0],
                &[0x4A, 0],
            ];
            p.command(cmd[rng.below(cmd.len() as u32) as usize]);
            p.results();
        }
        7 => {
            p.command(&[0x0E]); // DUMPREG: ten result bytes
            p.results();
        }
        8 => {
            // Reset through the DOR, then the four interrupt statuses.
            p.outb(0x3F2, 0x00);
            p.outb(0x3F2, 0x1C);
            for _ in 0..4 {
                p.command(&[0x08]);
                p.results();
            }
        }
        9 => {
            // Result bytes read past their end, and reads of every published port.
            for port in [
                0x3F5, 0x3F4, 0x3F5, 0x3F0, 0x3F1, 0x3F2, 0x3F3, 0x3F7, 0x3F4,
            ] {
                p.inb(port, "a stray read");
            }
        }
        10 => {
            // A command abandoned half-way by a reset of the data rate register.
            p.command(&[0xE6, 0, c]);
            p.outb(0x3F4, 0x80);
        }
        11 => p.outb(0x3F5, rng.next() as u8),
        12 => p.outb(0x3F7, rng.below(4) as u8),
        13 => p.program_dma(rng),
        14 => {
            p.inb(0x08, "the DMA status");
        }
        _ => {
            p.inb(0x3F4, "a status poll");
        }
    }
}

fn compare(seed: u32, steps: u32) -> Pair {
    let region = Arc::new(SharedRegion::create("test-disk", device_region_size()).unwrap());
    let machine = Arc::new(SharedRegion::create("test-machine", machine_region_size()).unwrap());
    let ram = Arc::new(SharedRegion::create("test-ram", RAM as u64).unwrap());
    let mut ringed = Disk::new([true, false], None);
    ringed
        .insert_floppy(0, Box::new(MemBackend::new(floppy_image())))
        .unwrap();
    let manifest = ringed.manifest();
    let bus = HostBus::new(
        RingServer::new(region.clone(), machine),
        manifest.clone(),
        Some(GuestRam::new(ram.clone())),
        vec![],
    );
    let stop = Arc::new(AtomicBool::new(false));
    let device = {
        let stop = stop.clone();
        std::thread::spawn(move || serve(ringed, bus, stop, seed ^ 0x9E37_79B9))
    };
    let (direct, direct_bus) = setup();
    let mut p = Pair {
        client: RingClient::new(region),
        manifest,
        direct,
        direct_bus,
        reads: 0,
        answered_published: 0,
    };
    let mut rng = Rng(seed);
    p.outb(0x3F2, 0x00);
    p.outb(0x3F2, 0x1C);
    for _ in 0..steps {
        step(&mut p, &mut rng);
    }
    p.client.sync().unwrap();
    stop.store(true, Release);
    device.join().expect("the device thread ran to the end");
    let mut through_ring = vec![0u8; RAM];
    assert!(GuestRam::new(ram).read(0, &mut through_ring));
    assert!(
        through_ring == p.direct_bus.ram[..RAM],
        "guest RAM after the DMA transfers differs"
    );
    p
}

#[test]
fn the_floppy_controller_reads_the_same_through_its_ring_as_called_directly() {
    for seed in [0x1234_5678, 0xDEAD_BEEF, 0x0BAD_F00D] {
        let p = compare(seed, 1500);
        println!(
            "seed {seed:#x}: {} reads agree, {} answered from published values",
            p.reads, p.answered_published
        );
        // Most reads are answered from published values (else they would go untested here).
        assert!(
            p.answered_published * 2 > p.reads,
            "only {} of {} reads were answered from published values",
            p.answered_published,
            p.reads
        );
    }
}
