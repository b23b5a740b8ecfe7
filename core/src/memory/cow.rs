//! [`CowBuffer`]: bytes shared between clones until one of them writes.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;

/// An immutable-by-default byte buffer. Cloning is an `Arc` increment; the first write
/// through [`make_mut`](Self::make_mut) on a shared buffer copies it, so other clones
/// never see the change. Writing to an unshared buffer copies nothing.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct CowBuffer {
    data: Arc<Vec<u8>>,
}

impl CowBuffer {
    /// A buffer owning `data` (no copy).
    pub fn new(data: Vec<u8>) -> Self {
        Self {
            data: Arc::new(data),
        }
    }

    /// The bytes.
    pub fn as_slice(&self) -> &[u8] {
        &self.data
    }

    /// Number of bytes.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Whether another clone shares these bytes (a write would copy).
    pub fn is_shared(&self) -> bool {
        Arc::strong_count(&self.data) > 1
    }

    /// Whether `self` and `other` share the same storage.
    pub fn ptr_eq(&self, other: &CowBuffer) -> bool {
        Arc::ptr_eq(&self.data, &other.data)
    }

    /// Mutable access; copies the bytes first only if they are shared.
    pub fn make_mut(&mut self) -> &mut Vec<u8> {
        Arc::make_mut(&mut self.data)
    }

    /// Alias of [`make_mut`](Self::make_mut).
    pub fn to_mut(&mut self) -> &mut Vec<u8> {
        self.make_mut()
    }

    /// The bytes as a `Vec`, copying only if they are shared.
    pub fn into_vec(self) -> Vec<u8> {
        Arc::try_unwrap(self.data).unwrap_or_else(|shared| (*shared).clone())
    }
}

impl Deref for CowBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.data
    }
}

impl AsRef<[u8]> for CowBuffer {
    fn as_ref(&self) -> &[u8] {
        &self.data
    }
}

impl From<Vec<u8>> for CowBuffer {
    fn from(data: Vec<u8>) -> Self {
        Self::new(data)
    }
}

impl From<&[u8]> for CowBuffer {
    fn from(data: &[u8]) -> Self {
        Self::new(data.to_vec())
    }
}

impl fmt::Debug for CowBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CowBuffer")
            .field("len", &self.len())
            .field("shared", &self.is_shared())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clone_shares_and_write_copies_only_when_shared() {
        let mut a = CowBuffer::from(vec![1, 2, 3, 4]);
        assert!(!a.is_shared());
        let ptr = a.as_slice().as_ptr();
        // Unshared: writing reuses the same storage.
        a.make_mut()[0] = 9;
        assert_eq!(a.as_slice().as_ptr(), ptr);
        assert_eq!(a.as_slice(), &[9, 2, 3, 4]);

        let b = a.clone();
        assert!(a.is_shared() && b.is_shared() && a.ptr_eq(&b));
        assert_eq!(b.as_slice().as_ptr(), ptr, "clone copies nothing");

        // Shared: the writer gets a copy, the other clone keeps the original bytes.
        a.to_mut().push(5);
        assert_ne!(a.as_slice().as_ptr(), ptr);
        assert_eq!(b.as_slice().as_ptr(), ptr);
        assert_eq!(a.as_slice(), &[9, 2, 3, 4, 5]);
        assert_eq!(&*b, &[9, 2, 3, 4]);
        assert!(!a.is_shared() && !b.is_shared());

        // Unshared again after the copy: no further copies.
        let ptr_a = a.as_slice().as_ptr();
        a.make_mut()[1] = 7;
        assert_eq!(a.as_slice().as_ptr(), ptr_a);
    }

    #[test]
    fn into_vec_copies_only_when_shared() {
        let a = CowBuffer::new(vec![1, 2, 3]);
        let ptr = a.as_slice().as_ptr();
        let b = a.clone();
        let va = a.into_vec();
        assert_ne!(va.as_ptr(), ptr, "shared → copied");
        let vb = b.into_vec();
        assert_eq!(vb.as_ptr(), ptr, "last owner → moved out");
        assert_eq!(va, vb);
        assert_eq!(CowBuffer::from(&[5u8][..]).len(), 1);
        assert!(CowBuffer::default().is_empty());
    }
}
