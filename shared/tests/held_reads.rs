//! Holds, with a device that applies nothing while the CPU reads: a held value is answered
//! within its hold and only within it, a queue gives its bytes in order and tells the device of
//! every pop, and once the device has caught up its new publication counts from there.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cloister_shared::plane::layout::{device_region_size, machine_region_size};
use cloister_shared::plane::server::Polled;
use cloister_shared::plane::{RequestKind, RingClient, RingServer};
use cloister_shared::published::{Access, QUEUE_MAX};
use cloister_shared::sys::memfd::SharedRegion;
use cloister_shared::{Hold, IoWidth, Published};

const STATUS: u16 = 0x11;
const DATA: u16 = 0x10;
const SLOT: usize = 1;

fn ends() -> (RingServer, RingClient) {
    let region = Arc::new(SharedRegion::create("test-device", device_region_size()).unwrap());
    let machine = Arc::new(SharedRegion::create("test-machine", machine_region_size()).unwrap());
    (
        RingServer::new(region.clone(), machine),
        RingClient::new(region),
    )
}

fn hold(counting: Access, accesses: u8, then: Option<u32>) -> Hold {
    Hold {
        port: DATA,
        counting,
        accesses,
        then,
        ignoring: [(0x20, 0x2F), (1, 0)],
    }
}

/// The device publishes the status `value`, held across `accesses` writes to the data port.
fn publish_status(server: &RingServer, value: u32, accesses: u8, then: Option<u32>) {
    server.publish(
        SLOT,
        Published::Static(value),
        false,
        Some(hold(Access::Write, accesses, then)),
    );
}

/// The device publishes `queue` on the data port, popped by notified reads.
fn publish_queue(server: &RingServer, queue: Published) {
    server.publish(SLOT, queue, true, Some(hold(Access::NotifiedRead, 2, None)));
}

fn read(client: &mut RingClient, port: u16) -> Option<u32> {
    client.published_read(SLOT, port, IoWidth::Byte).unwrap()
}

/// Applies everything the CPU sent (this test's device does nothing with it); the kinds and ports.
fn drain(server: &mut RingServer) -> Vec<(RequestKind, u16)> {
    let mut seen = Vec::new();
    while let Polled::Request(req) = server.poll() {
        seen.push((req.kind, req.port));
        server.complete(None);
    }
    seen
}

#[test]
fn a_held_value_is_answered_within_its_hold_and_not_beyond() {
    let (mut server, mut client) = ends();
    publish_status(&server, 0x90, 2, Some(0xD0));
    assert_eq!(read(&mut client, STATUS), Some(0x90));
    client.write(DATA, IoWidth::Byte, 1).unwrap();
    client.write(0x25, IoWidth::Byte, 0).unwrap(); // ignored by the hold
    client.write(DATA, IoWidth::Byte, 2).unwrap();
    assert_eq!(read(&mut client, STATUS), Some(0x90), "two writes: held");
    client.write(DATA, IoWidth::Byte, 3).unwrap();
    assert_eq!(
        read(&mut client, STATUS),
        Some(0xD0),
        "the third: its successor"
    );
    client.write(DATA, IoWidth::Byte, 4).unwrap();
    let t = Instant::now();
    assert_eq!(
        read(&mut client, STATUS),
        None,
        "beyond the hold, with the device not applying anything, the device must be asked"
    );
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "and it is not waited for long"
    );

    // The device catches up and publishes anew: counted from its position now.
    assert_eq!(drain(&mut server).len(), 5);
    publish_status(&server, 0x80, 0, None);
    assert_eq!(read(&mut client, STATUS), Some(0x80));
    client.write(0x2F, IoWidth::Byte, 0).unwrap();
    assert_eq!(read(&mut client, STATUS), Some(0x80), "an ignored port");
    client.write(0x30, IoWidth::Byte, 0).unwrap();
    assert_eq!(
        read(&mut client, STATUS),
        None,
        "any other port ends the hold"
    );
    drain(&mut server);
    publish_status(&server, 0x80, 0, None);
    assert_eq!(read(&mut client, STATUS), Some(0x80));
    client.write(DATA, IoWidth::Byte, 0).unwrap();
    assert_eq!(read(&mut client, STATUS), None, "a counted write past zero");
}

#[test]
fn a_queue_pops_in_order_tells_the_device_and_stops_at_its_end() {
    let (mut server, mut client) = ends();
    let mut bytes = [0u8; QUEUE_MAX];
    bytes[..3].copy_from_slice(&[7, 8, 9]);
    let queue = Published::Queue { bytes, len: 3 };
    publish_queue(&server, queue);
    let popped: Vec<_> = (0..4).map(|_| read(&mut client, DATA)).collect();
    assert_eq!(popped, [Some(7), Some(8), Some(9), None]);
    client.flush();
    assert_eq!(
        drain(&mut server),
        vec![(RequestKind::ReadNotify, DATA); 3],
        "every pop reaches the device, none merged"
    );

    // A write to the queue's port is not a pop: it ends the hold.
    publish_queue(&server, queue);
    assert_eq!(read(&mut client, DATA), Some(7));
    client.write(DATA, IoWidth::Byte, 0).unwrap();
    assert_eq!(read(&mut client, DATA), None);
    // Nor is a wider read one the queue answers.
    drain(&mut server);
    publish_queue(&server, queue);
    assert_eq!(
        client.published_read(SLOT, DATA, IoWidth::Word).unwrap(),
        None
    );
}
