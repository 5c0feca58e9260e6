//! The ring under a concurrent producer (the CPU's end) and consumer (a device's end), over real
//! shared memory: every posted write arrives once and in order, every read is ordered after the
//! writes before it, commits free space, and a scribbling device is caught, not obeyed.

use std::sync::atomic::Ordering::*;
use std::sync::Arc;
use std::time::Duration;

use cloister_shared::plane::layout::{device_region_size, machine_region_size, view, DeviceRegion};
use cloister_shared::plane::server::Polled;
use cloister_shared::plane::{
    PeerError, PeerState, RequestKind, RingClient, RingServer, RING_ENTRIES,
};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::IoWidth;

fn regions() -> (Arc<SharedRegion>, Arc<SharedRegion>) {
    (
        Arc::new(SharedRegion::create("test-device", device_region_size()).unwrap()),
        Arc::new(SharedRegion::create("test-machine", machine_region_size()).unwrap()),
    )
}

/// A device that sums what is written to port 0x10; a read of 0x10 answers the number of writes
/// it has seen, a read of 0x11 the low bits of the sum.
fn serve(mut server: RingServer, stop_after_reads: u64) -> (u64, u64) {
    let (mut writes, mut sum, mut reads) = (0u64, 0u64, 0u64);
    loop {
        match server.poll() {
            Polled::Request(req) => {
                let answer = match req.kind {
                    RequestKind::IoWrite => {
                        assert_eq!(req.port, 0x10);
                        assert_eq!(req.value as u64, writes, "writes arrive once and in order");
                        writes += 1;
                        sum += req.value as u64;
                        None
                    }
                    RequestKind::IoRead => {
                        reads += 1;
                        Some(if req.port == 0x10 {
                            writes as u32
                        } else {
                            sum as u32
                        })
                    }
                    other => panic!("unexpected {other:?}"),
                };
                server.complete(answer);
                if server.uncommitted() >= RING_ENTRIES / 2 {
                    assert!(server.commit(&writes.to_le_bytes()));
                }
                if reads == stop_after_reads {
                    return (writes, sum);
                }
            }
            Polled::Malformed => panic!("the CPU's own entries are well formed"),
            Polled::Empty => {
                if server.uncommitted() > 0 {
                    server.commit(&writes.to_le_bytes());
                }
                if !server.spin_for_work() {
                    server.sleep_for_work(Duration::from_millis(5), server.control_rings());
                }
            }
        }
    }
}

#[test]
fn concurrent_producer_and_consumer_keep_order_and_lose_nothing() {
    let (region, machine) = regions();
    let server = RingServer::new(region.clone(), machine.clone());
    let rounds = 2_000u64;
    let device = std::thread::spawn(move || serve(server, rounds));
    let mut client = RingClient::new(region.clone());
    let mut posted = 0u64;
    let mut seed = 0x1234_5678u32;
    for _ in 0..rounds {
        // A burst of a varying length (some longer than the ring, to exercise waiting for space),
        // then a read that must see every write before it.
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let burst = (seed >> 16) % (RING_ENTRIES + 500);
        for _ in 0..burst {
            client.write(0x10, IoWidth::Dword, posted as u32).unwrap();
            posted += 1;
        }
        assert_eq!(client.read(0x10, IoWidth::Dword).unwrap() as u64, posted);
    }
    let (writes, sum) = device.join().unwrap();
    assert_eq!(writes, posted);
    assert_eq!(sum, posted * (posted - 1) / 2);
    eprintln!("ring stress: {posted} posted writes, {rounds} ordered reads");
}

#[test]
fn a_device_answering_garbage_is_caught() {
    let (region, machine) = regions();
    let mut client = RingClient::new(region.clone());
    client.answer_timeout = Duration::from_secs(2);
    // SAFETY: the region is a zeroed DeviceRegion mapped for the test's duration.
    let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
    // The "device": claims to have processed far past the request and writes a reply for
    // another sequence number.
    let scribbler = std::thread::spawn({
        let region = region.clone();
        move || {
            // SAFETY: as above.
            let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
            while r.cpu.head.load(Acquire) == 0 {
                std::hint::spin_loop();
            }
            r.reply.seq.store(0xDEAD_BEEF, Release);
            r.reply.value.store(42, Release);
            r.device.processed.store(1000, Release);
        }
    });
    let err = client.read(0x60, IoWidth::Byte).unwrap_err();
    scribbler.join().unwrap();
    assert!(matches!(err, PeerError::Protocol(_)), "{err}");
    drop(machine);
    let _ = r;
}

#[test]
fn a_dead_device_ends_the_wait_and_a_silent_one_times_out() {
    let (region, _machine) = regions();
    let mut client = RingClient::new(region.clone());
    client.answer_timeout = Duration::from_millis(300);
    let t = std::time::Instant::now();
    assert!(matches!(
        client.read(0x60, IoWidth::Byte),
        Err(PeerError::Hung(_))
    ));
    assert!(t.elapsed() < Duration::from_secs(2));
    // SAFETY: the region is a zeroed DeviceRegion mapped for the test's duration.
    let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
    r.supervisor
        .peer_state
        .store(PeerState::Dead as u32, Release);
    client.answer_timeout = Duration::from_secs(60);
    let t = std::time::Instant::now();
    assert!(matches!(
        client.read(0x60, IoWidth::Byte),
        Err(PeerError::Dead)
    ));
    assert!(t.elapsed() < Duration::from_secs(1));
}

#[test]
fn committed_state_survives_for_a_replacement_and_uncommitted_entries_replay() {
    let (region, machine) = regions();
    let mut client = RingClient::new(region.clone());
    let mut first = RingServer::new(region.clone(), machine.clone());
    for v in 0..10 {
        client.write(0x10, IoWidth::Byte, v).unwrap();
    }
    client.flush(); // posted writes are shown to the device in batches
    for _ in 0..6 {
        assert!(matches!(first.poll(), Polled::Request(_)));
        first.complete(None);
    }
    assert!(first.commit(b"six"));
    for _ in 0..3 {
        assert!(matches!(first.poll(), Polled::Request(_)));
        first.complete(None);
    }
    drop(first); // dies with three entries processed but not committed
    let mut second = RingServer::new(region.clone(), machine);
    assert_eq!(second.committed_state(), Some((b"six".to_vec(), 6)));
    let mut replayed = vec![];
    while let Polled::Request(req) = second.poll() {
        replayed.push(req.value);
        second.complete(None);
    }
    assert_eq!(replayed, vec![6, 7, 8, 9]);
}

#[test]
fn a_control_message_wakes_a_sleeping_device_before_its_timeout() {
    let (region, machine) = regions();
    let server = RingServer::new(region.clone(), machine);
    let seen = server.control_rings();
    let sleeper = std::thread::spawn(move || {
        let t = std::time::Instant::now();
        // Ten seconds: far longer than the test may take if the ring does not wake it.
        server.sleep_for_work(Duration::from_secs(10), seen);
        (t.elapsed(), server.control_rings() != seen)
    });
    // SAFETY: the region is a zeroed DeviceRegion mapped for the test's duration.
    let r: &DeviceRegion = unsafe { view(region.as_ptr()) };
    // Let it fall asleep (its sleep generation turns odd), then ring as the supervisor does.
    while r.device_sleep.sleep_gen.load(Acquire) & 1 == 0 {
        std::thread::sleep(Duration::from_millis(1));
    }
    std::thread::sleep(Duration::from_millis(20));
    cloister_shared::plane::wait::ring_control(&r.doorbell.control, &r.doorbell.ring);
    let (slept, noticed) = sleeper.join().unwrap();
    assert!(noticed);
    assert!(
        slept < Duration::from_secs(5),
        "slept {slept:?}: the ring did not wake it"
    );
}
