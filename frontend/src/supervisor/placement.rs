//! Where the machine's processes run (`--affinity`).
//!
//! The CPU process waits for a device process several hundred times in a FreeDOS boot. On one
//! core, each wait is a context switch; across two, it is a wake-up of the other core, which on
//! a virtual machine costs 30–170 µs when the host keeps both cores running, and much more when
//! it takes one away (docs/PERFORMANCE.md: at 14% host steal a FreeDOS boot took 1.55 × the
//! inline time with the processes placed by the kernel, 1.04 × with them on one core).

use nix::sched::{sched_getcpu, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

use crate::cli::Affinity;

/// The core the CPU process and the devices serving its ports share, if they share one.
pub struct Placement {
    core: Option<usize>,
}

impl Placement {
    pub fn new(affinity: Affinity) -> Self {
        let core = match affinity {
            Affinity::Any => None,
            // The core we run on: within the set we may use, and where the kernel put us.
            Affinity::OneCore => sched_getcpu()
                .map_err(|e| tracing::warn!("no core to share ({e}); processes are not placed"))
                .ok(),
        };
        Placement { core }
    }

    /// Keeps `pid` (the process `what`) on the shared core. A failure (a cpuset that changed
    /// meanwhile) costs only speed, so it is logged, not fatal.
    pub fn place(&self, pid: Pid, what: &str) {
        let Some(core) = self.core else { return };
        let mut set = CpuSet::new();
        let placed = set.set(core).and_then(|()| sched_setaffinity(pid, &set));
        if let Err(e) = placed {
            tracing::warn!("{what} (pid {pid}) not kept on core {core}: {e}");
        }
    }
}
