//! Disk images behind a small trait: the device never opens files itself (its process has no
//! file system); the supervisor hands it an open file, and tests use memory.

use std::fs::File;
use std::os::unix::fs::FileExt;

#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    #[error("access at {offset:#x}+{len:#x} is past the end of the image ({size:#x} bytes)")]
    OutOfRange { offset: u64, len: usize, size: u64 },
    #[error("the image is read-only")]
    ReadOnly,
    #[error("image I/O failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A disk image: byte-addressed reads and writes within a fixed length.
pub trait BlockBackend: Send {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BackendError>;
    fn write(&mut self, offset: u64, buf: &[u8]) -> Result<(), BackendError>;
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn read_only(&self) -> bool {
        false
    }
    /// Makes written data durable.
    fn flush(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
}

fn check(offset: u64, len: usize, size: u64) -> Result<(), BackendError> {
    match offset.checked_add(len as u64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(BackendError::OutOfRange { offset, len, size }),
    }
}

/// An image in an already-open file; writes go straight through to it.
pub struct FileBackend {
    file: File,
    len: u64,
    read_only: bool,
}

impl FileBackend {
    /// Takes an open file (its length is the image size). With `read_only`, writes fail.
    pub fn new(file: File, read_only: bool) -> Result<Self, BackendError> {
        let len = file.metadata()?.len();
        Ok(FileBackend {
            file,
            len,
            read_only,
        })
    }
}

impl BlockBackend for FileBackend {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BackendError> {
        check(offset, buf.len(), self.len)?;
        Ok(self.file.read_exact_at(buf, offset)?)
    }

    fn write(&mut self, offset: u64, buf: &[u8]) -> Result<(), BackendError> {
        if self.read_only {
            return Err(BackendError::ReadOnly);
        }
        check(offset, buf.len(), self.len)?;
        Ok(self.file.write_all_at(buf, offset)?)
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    fn flush(&mut self) -> Result<(), BackendError> {
        Ok(self.file.sync_data()?)
    }
}

/// An image in memory.
#[derive(Clone, Debug, Default)]
pub struct MemBackend {
    pub data: Vec<u8>,
    pub read_only: bool,
}

impl MemBackend {
    pub fn new(data: Vec<u8>) -> Self {
        MemBackend {
            data,
            read_only: false,
        }
    }
}

impl BlockBackend for MemBackend {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BackendError> {
        check(offset, buf.len(), self.len())?;
        let start = offset as usize;
        buf.copy_from_slice(&self.data[start..start + buf.len()]);
        Ok(())
    }

    fn write(&mut self, offset: u64, buf: &[u8]) -> Result<(), BackendError> {
        if self.read_only {
            return Err(BackendError::ReadOnly);
        }
        check(offset, buf.len(), self.len())?;
        let start = offset as usize;
        self.data[start..start + buf.len()].copy_from_slice(buf);
        Ok(())
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn read_only(&self) -> bool {
        self.read_only
    }
}

/// A shared in-memory image, so a test can look at what the device wrote.
#[cfg(test)]
#[derive(Clone, Default)]
pub struct SharedMem(pub std::sync::Arc<std::sync::Mutex<MemBackend>>);

#[cfg(test)]
impl SharedMem {
    pub fn new(data: Vec<u8>) -> Self {
        SharedMem(std::sync::Arc::new(std::sync::Mutex::new(MemBackend::new(
            data,
        ))))
    }
    pub fn bytes(&self, offset: usize, len: usize) -> Vec<u8> {
        self.0.lock().unwrap().data[offset..offset + len].to_vec()
    }
}

#[cfg(test)]
impl BlockBackend for SharedMem {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), BackendError> {
        self.0.lock().unwrap().read(offset, buf)
    }
    fn write(&mut self, offset: u64, buf: &[u8]) -> Result<(), BackendError> {
        self.0.lock().unwrap().write(offset, buf)
    }
    fn len(&self) -> u64 {
        self.0.lock().unwrap().len()
    }
    fn read_only(&self) -> bool {
        self.0.lock().unwrap().read_only
    }
}
