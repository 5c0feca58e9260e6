//! A floppy drive: its medium (if any), head position and disk change line.

use serde::{Deserialize, Serialize};

use super::geometry::Geometry;
use crate::disk::backend::BlockBackend;

#[derive(Default, Serialize, Deserialize)]
pub struct Drive {
    /// The drive is installed (CMOS type not "none").
    pub present: bool,
    /// The image; the supervisor hands it over again after a restore.
    #[serde(skip)]
    pub media: Option<Box<dyn BlockBackend>>,
    pub geometry: Option<Geometry>,
    pub read_only: bool,
    /// Present cylinder number (where the head is).
    pub cylinder: u8,
    /// The sector READ ID finds next, turning with the disk.
    pub next_sector: u8,
    /// The disk change line: set at power-on and when media leave, cleared by a step with a
    /// disk in the drive.
    pub changed: bool,
}

impl Drive {
    pub fn new(present: bool) -> Self {
        Drive {
            present,
            changed: true,
            next_sector: 1,
            ..Drive::default()
        }
    }

    /// The medium's geometry if a disk is in the drive.
    pub fn loaded(&self) -> Option<Geometry> {
        self.media.as_ref().and(self.geometry)
    }

    /// Moves the head to `cylinder` (a step pulse, even when already there).
    pub fn seek(&mut self, cylinder: u8) {
        self.cylinder = cylinder;
        if self.media.is_some() {
            self.changed = false;
        }
    }
}
