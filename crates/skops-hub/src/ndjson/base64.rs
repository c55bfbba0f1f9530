//! Base64 decoded as it arrives: whole groups of four characters are decoded and written on,
//! the rest waits for the next piece; padding may only end the content.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

/// Characters decoded per call (a multiple of 4), so the output buffer stays small.
const DECODE_CHUNK: usize = 64 << 10;

/// The content is not valid (canonical, padded) base64.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct InvalidBase64;

/// A streaming base64 decoder.
#[derive(Debug, Default)]
pub(crate) struct Base64Stream {
    pending: Vec<u8>,
    /// Whether a padded group was decoded: nothing may follow it.
    padded: bool,
    out: Vec<u8>,
}

impl Base64Stream {
    /// Decodes `input`, passing the bytes to `sink`.
    pub(crate) fn feed<E>(
        &mut self,
        mut input: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, InvalidBase64> {
        if input.is_empty() {
            return Ok(Ok(()));
        }
        if self.padded {
            return Err(InvalidBase64);
        }
        if !self.pending.is_empty() {
            let take = (4 - self.pending.len()).min(input.len());
            self.pending
                .extend_from_slice(input.get(..take).unwrap_or_default());
            input = input.get(take..).unwrap_or_default();
            if self.pending.len() < 4 {
                return Ok(Ok(()));
            }
            let group = std::mem::take(&mut self.pending);
            if let Err(error) = self.decode(&group, sink)? {
                return Ok(Err(error));
            }
        }
        let whole = input.len() - input.len() % 4;
        let (groups, rest) = input.split_at(whole);
        for chunk in groups.chunks(DECODE_CHUNK) {
            if self.padded {
                return Err(InvalidBase64);
            }
            if let Err(error) = self.decode(chunk, sink)? {
                return Ok(Err(error));
            }
        }
        if !rest.is_empty() && self.padded {
            return Err(InvalidBase64);
        }
        self.pending.extend_from_slice(rest);
        Ok(Ok(()))
    }

    fn decode<E>(
        &mut self,
        groups: &[u8],
        sink: &mut impl FnMut(&[u8]) -> Result<(), E>,
    ) -> Result<Result<(), E>, InvalidBase64> {
        self.out.resize(groups.len() / 4 * 3, 0);
        let n = STANDARD
            .decode_slice(groups, &mut self.out)
            .map_err(|_| InvalidBase64)?;
        self.padded = groups.last() == Some(&b'=');
        Ok(sink(self.out.get(..n).unwrap_or_default()))
    }

    /// The content ended: it must have been whole groups.
    pub(crate) fn finish(self) -> Result<(), InvalidBase64> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(InvalidBase64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(text: &str, piece: usize) -> Result<Vec<u8>, InvalidBase64> {
        let mut stream = Base64Stream::default();
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(piece) {
            stream
                .feed(chunk, &mut |b: &[u8]| {
                    out.extend_from_slice(b);
                    Ok::<(), ()>(())
                })?
                .unwrap();
        }
        stream.finish()?;
        Ok(out)
    }

    #[test]
    fn decodes_whatever_the_pieces() {
        for piece in 1..10 {
            assert_eq!(decode("aGVsbG8gd29ybGQ=", piece).unwrap(), b"hello world");
            assert_eq!(decode("aGk=", piece).unwrap(), b"hi");
            assert_eq!(decode("", piece).unwrap(), b"");
        }
    }

    #[test]
    fn refuses_what_is_not_canonical_base64() {
        for piece in 1..10 {
            for bad in ["aGk", "aGk=aGk=", "a!k=", "aGk==", "aGl=", "aG k="] {
                assert_eq!(decode(bad, piece), Err(InvalidBase64), "{bad} / {piece}");
            }
        }
    }
}
