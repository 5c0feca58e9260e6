//! Shared memory as a sealed memfd: anonymous (nothing left in /dev/shm after a crash), passed to
//! other processes as a file descriptor, and sealed so that nobody can shrink or grow it under a
//! process that has it mapped.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::ptr::NonNull;

use nix::fcntl::{fcntl, FcntlArg, SealFlag};
use nix::sys::memfd::{memfd_create, MFdFlags};
use nix::sys::mman::{mmap, munmap, MapFlags, ProtFlags};

/// A shared memory region could not be created or mapped.
#[derive(Debug, thiserror::Error)]
pub enum RegionError {
    /// could not create shared memory `{name}` of {size} bytes: {source}
    #[error("could not create shared memory `{name}` of {size} bytes: {source}")]
    Create {
        name: String,
        size: u64,
        source: nix::Error,
    },
    /// could not map shared memory of {size} bytes: {source}
    #[error("could not map shared memory of {size} bytes: {source}")]
    Map { size: u64, source: nix::Error },
    /// the shared memory handed over has {actual} bytes where {expected} were expected
    #[error("the shared memory handed over has {actual} bytes where {expected} were expected")]
    Size { expected: u64, actual: u64 },
    /// the shared memory handed over is not sealed against resizing
    #[error("the shared memory handed over is not sealed against resizing")]
    NotSealed,
    /// could not inspect shared memory: {0}
    #[error("could not inspect shared memory: {0}")]
    Inspect(nix::Error),
}

/// A mapped, sealed memfd.
pub struct SharedRegion {
    fd: OwnedFd,
    ptr: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is plain shared memory; every access through it goes through raw pointers or
// atomics whose users uphold their own synchronisation. Moving the handle between threads is fine.
unsafe impl Send for SharedRegion {}
// SAFETY: as above; `&SharedRegion` only hands out raw pointers.
unsafe impl Sync for SharedRegion {}

impl SharedRegion {
    /// Creates a zero-filled region of `size` bytes, sealed so its size is fixed for good.
    pub fn create(name: &str, size: u64) -> Result<Self, RegionError> {
        let err = |source| RegionError::Create {
            name: name.to_owned(),
            size,
            source,
        };
        let fd =
            memfd_create(name, MFdFlags::MFD_CLOEXEC | MFdFlags::MFD_ALLOW_SEALING).map_err(err)?;
        nix::unistd::ftruncate(&fd, size as i64).map_err(err)?;
        let seals = SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW | SealFlag::F_SEAL_SEAL;
        fcntl(&fd, FcntlArg::F_ADD_SEALS(seals)).map_err(err)?;
        Self::map(fd, size)
    }

    /// Maps a region received from another process, checking its size and seals first.
    pub fn from_fd(fd: OwnedFd, expected_size: u64) -> Result<Self, RegionError> {
        let actual = nix::sys::stat::fstat(&fd)
            .map_err(RegionError::Inspect)?
            .st_size as u64;
        if actual != expected_size {
            return Err(RegionError::Size {
                expected: expected_size,
                actual,
            });
        }
        let seals = fcntl(&fd, FcntlArg::F_GET_SEALS).map_err(RegionError::Inspect)?;
        let need = (SealFlag::F_SEAL_SHRINK | SealFlag::F_SEAL_GROW).bits();
        if seals & need != need {
            return Err(RegionError::NotSealed);
        }
        Self::map(fd, expected_size)
    }

    fn map(fd: OwnedFd, size: u64) -> Result<Self, RegionError> {
        let len = std::num::NonZeroUsize::new(size as usize).ok_or(RegionError::Size {
            expected: 1,
            actual: 0,
        })?;
        // SAFETY: a fresh shared mapping of a memfd whose size is sealed at `size`, so every byte of
        // the mapping stays backed for as long as it exists; we never unmap it while borrowed
        // (unmapping happens in Drop, which needs `&mut self`).
        let ptr = unsafe {
            mmap(
                None,
                len,
                ProtFlags::PROT_READ | ProtFlags::PROT_WRITE,
                MapFlags::MAP_SHARED,
                &fd,
                0,
            )
        }
        .map_err(|source| RegionError::Map { size, source })?;
        Ok(SharedRegion {
            fd,
            ptr: ptr.cast(),
            len: len.get(),
        })
    }

    /// Start of the mapping.
    pub fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Size in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The memfd, to hand to another process.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    pub fn raw_fd(&self) -> i32 {
        self.fd.as_raw_fd()
    }

    /// The region as bytes. Another process may write it at any time; the caller must only use
    /// the slice for memory whose other writers it trusts to be quiet or whose torn values it can
    /// tolerate (framebuffers, video memory).
    #[allow(clippy::mut_from_ref)]
    pub fn bytes_mut(&self) -> &mut [u8] {
        // SAFETY: the mapping is `len` bytes, valid and writable for the life of `self`.
        // Concurrent writes by another process can tear values but never make them invalid
        // (plain bytes), which is the contract stated above.
        unsafe { std::slice::from_raw_parts_mut(self.as_ptr(), self.len) }
    }
}

impl Drop for SharedRegion {
    fn drop(&mut self) {
        // SAFETY: the pointer and length are those mmap returned; nothing borrows the mapping
        // once the owner is being dropped.
        let _ = unsafe { munmap(self.ptr.cast(), self.len) };
    }
}
